#pragma once

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace sockbench {

/// TCP keepalive timing: the first probe after idleSeconds of silence, then one every
/// intervalSeconds, and the connection fails after count unanswered probes.
struct KeepAliveTiming {
    int idleSeconds = 0;
    int intervalSeconds = 0;
    int count = 0;
    friend bool operator==(const KeepAliveTiming &, const KeepAliveTiming &) = default;
};

/// The socket options a user can choose: in the forms, on the command line, and (where the kernel
/// allows it) on a live socket. An empty optional leaves the kernel's default alone. Options that
/// do not apply to an endpoint's kind are ignored for it (TCP ones on UDP, source address on a
/// listener, reusePort on a client).
struct SocketOptions {
    std::optional<bool> noDelay;                    ///< TCP_NODELAY
    std::optional<bool> keepAlive;                  ///< SO_KEEPALIVE
    std::optional<KeepAliveTiming> keepAliveTiming; ///< TCP_KEEPIDLE/KEEPINTVL/KEEPCNT; turns keepAlive on
    std::optional<int> sendBufferBytes;             ///< SO_SNDBUF (the kernel doubles what it is given)
    std::optional<int> receiveBufferBytes;          ///< SO_RCVBUF
    std::optional<int> tos;                         ///< IP_TOS / IPV6_TCLASS, 0..255 (DSCP << 2 | ECN)
    std::optional<int> ttl;                         ///< IP_TTL / IPV6_UNICAST_HOPS, 1..255
    std::optional<int> lingerSeconds;               ///< SO_LINGER on, with this timeout (0: close resets)
    std::optional<int> userTimeoutMs;               ///< TCP_USER_TIMEOUT
    QString bindToDevice;                           ///< SO_BINDTODEVICE; empty: any interface
    bool reusePort = false;                         ///< SO_REUSEPORT, listeners and UDP sockets, before bind
    QString sourceAddress;                          ///< clients: bind to this address before connect
    quint16 sourcePort = 0;                         ///< clients: and this port (0: the kernel's choice)

    bool isEmpty() const;
    friend bool operator==(const SocketOptions &, const SocketOptions &) = default;
};

/// One option as the kernel took it: what was asked, what getsockopt() reads back, or why it was
/// refused. The read-back is what the user sees (e.g. SO_RCVBUF 65536 reads back as 131072).
struct AppliedOption {
    QString name;      ///< the option's C name: "TCP_NODELAY", "SO_RCVBUF", "IP_TOS", ...
    QString requested; ///< as asked, in words or numbers: "on", "65536", "AF41 (136)"
    QString actual;    ///< as read back; empty when refused
    QString error;     ///< empty when applied; else in words: "needs CAP_NET_ADMIN", "Invalid argument"
    bool isRefused() const { return !error.isEmpty(); }
    friend bool operator==(const AppliedOption &, const AppliedOption &) = default;
};

/// The largest SO_LINGER timeout and TCP_USER_TIMEOUT the forms, the command line and session
/// files take.
constexpr int MaxLingerSeconds = 65535;
constexpr int MaxUserTimeoutMs = 0x7fffffff;

/// Every DSCP name tosForDscpName() knows ("CS0", "CS1", "AF11", …, "EF", "CS6", "CS7"), in the
/// order of their values.
QStringList dscpNames();
/// The TOS byte of a DSCP name ("EF", "AF41", "CS1", ...), case-insensitive; nullopt if unknown.
std::optional<int> tosForDscpName(const QString &name);
/// "EF", "AF41", "CS0"…: the DSCP name of a TOS byte's upper six bits, or the number if unnamed.
QString dscpName(int tos);
/// Parses "IDLE,INTERVAL,COUNT" (all positive integers); nullopt and *error set when malformed.
std::optional<KeepAliveTiming> parseKeepAliveTiming(const QString &text, QString *error);

} // namespace sockbench

Q_DECLARE_METATYPE(sockbench::SocketOptions)
Q_DECLARE_METATYPE(sockbench::AppliedOption)
