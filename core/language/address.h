#pragma once

#include <QString>
#include <QStringView>

namespace sockbench {

/// A host and port as the user wrote them.
struct HostPort {
    QString host; ///< "127.0.0.1", "::1" (no brackets), "localhost"
    quint16 port = 0;
};

struct HostPortResult {
    HostPort value;
    qsizetype errorPosition = -1; ///< index of the offending character, -1 if ok
    QString error;                ///< e.g. "port 70000 is out of range (0-65535)"

    bool ok() const { return errorPosition < 0; }
};

/// Parses "host:port", "[v6]:port", ":port" and "port" (the last two mean defaultHost).
/// A bare IPv6 address without brackets and without port ("::1") is rejected with a hint to
/// write "[::1]:PORT". Ports are decimal 0..65535.
HostPortResult parseHostPort(QStringView text, const QString &defaultHost = QStringLiteral("127.0.0.1"));

/// Parses a port number alone ("0".."65535"). errorPosition as above.
HostPortResult parsePort(QStringView text);

/// True for a numeric IPv4 or IPv6 address (no brackets).
bool isNumericAddress(const QString &host);
/// True for 0.0.0.0 and :: (every interface), which the UI and CLI mark visibly.
bool isWildcardAddress(const QString &host);

/// A multicast group to join, as "GROUP" or "GROUP%INTERFACE" (the way an IPv6 zone is written).
struct MulticastGroup {
    QString group;         ///< numeric IPv4 224.0.0.0/4 or IPv6 ff00::/8
    QString interfaceName; ///< empty: the kernel's choice
};

/// True for a numeric IPv4 (224.0.0.0/4) or IPv6 (ff00::/8) multicast address.
bool isMulticastAddress(const QString &ip);

/// Parses "GROUP" or "GROUP%INTERFACE"; on error returns false and sets *error (a short message).
bool parseMulticastGroup(QStringView text, MulticastGroup *out, QString *error);

/// "host:port", with brackets around an IPv6 host.
QString formatHostPort(const QString &host, quint16 port);

} // namespace sockbench
