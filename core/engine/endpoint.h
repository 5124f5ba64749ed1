#pragma once

// What an endpoint is opened with, kind by kind. The words every layer shares (ids, kinds,
// states, addresses) are in net/.

#include "engine/socketoptions.h"
#include "language/address.h"
#include "net/endpointid.h"
#include "net/netaddress.h"
#include "protocol/framing.h"
#include "tls/tlstypes.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <cstdint>
#include <memory>
#include <optional>

namespace sockbench {

class RuleBook;

/// What a listener does on its own with each accepted connection.
enum class AutoReply : quint8 {
    None,     ///< only record traffic
    Echo,     ///< send every received chunk back as it arrives
    Greeting, ///< send ListenerOptions::greeting once, right after accept
};

struct ListenerOptions {
    bool reuseAddress = true; ///< SO_REUSEADDR
    int backlog = 0;          ///< listen() backlog; 0 means SOMAXCONN
    bool dualStack = false;   ///< an IPv6 listener also accepts IPv4 (IPV6_V6ONLY off)
    AutoReply autoReply = AutoReply::None;
    QByteArray greeting; ///< sent to each client when autoReply == Greeting
    /// Keep an accepted connection open after its peer's FIN (PeerClosed, we may still send). By
    /// default it closes then, as textbook servers do: what is queued goes out, then our FIN.
    bool keepHalfOpen = false;
    /// Applied to the listening socket before bind (reusePort, buffers, bindToDevice, tos, ttl) and
    /// to each connection it accepts (noDelay, keepAlive and its timing, buffers, tos, ttl, linger,
    /// userTimeout). Workbench::setSocketOptions on a listener changes both for what comes next.
    SocketOptions socket;
    /// Response rules run on each message of each accepted connection (null: none); the rule
    /// set's frame splits the stream into messages. See Workbench::setRules.
    std::shared_ptr<RuleBook> rules;
    /// How the connections' bytes are split into messages for display when there are no rules.
    FrameSpec frame;
    /// Speak TLS as the server on every accepted connection (nullopt: plain TCP). Its context is
    /// built once, on the listener's reactor; a bad certificate or key fails the listener.
    std::optional<TlsServerOptions> tls;
};

struct ConnectOptions {
    int timeoutMs = 30000; ///< give up connecting after this long; 0 waits for the kernel's own timeout
    /// TCP_NODELAY when socket.noDelay is not set: a workbench sends small messages and wants them
    /// out now. socket.noDelay, when set, wins; either way the option is set once, with the others,
    /// and appears in EndpointInfo::options.
    bool noDelay = true;
    /// Applied before connect(); socket.sourceAddress/sourcePort are bound first (a bad one fails
    /// the connect, naming the address). Refused options do not fail it: they are reported.
    SocketOptions socket;
    /// Response rules run on each message of the connection (null: none); the rule
    /// set's frame splits the stream into messages. See Workbench::setRules.
    std::shared_ptr<RuleBook> rules;
    /// How the connections' bytes are split into messages for display when there are no rules.
    FrameSpec frame;
    /// Speak TLS as the client once connected (nullopt: plain TCP). The handshake is part of
    /// connecting: connected() comes when it completes, connectFailed() names why it did not.
    std::optional<TlsClientOptions> tls;
};

struct UdpOptions {
    bool reuseAddress = false;
    bool broadcast = false;                    ///< SO_BROADCAST
    int receiveBufferBytes = 32 * 1024 * 1024; ///< SO_RCVBUFFORCE when permitted, else SO_RCVBUF
    int maxDatagramBytes = 65536;              ///< larger datagrams are recorded truncated, and said so
    bool dualStack = false;                    ///< an IPv6 socket also receives IPv4
    bool echo = false;                         ///< send every datagram back to its sender
    QString
        multicastInterface; ///< interface for outgoing multicast (IP_MULTICAST_IF); empty: the kernel's route
    int multicastHops = 1;  ///< TTL / hop limit of outgoing multicast; 1 stays on the local network
    bool multicastLoopback = true; ///< this host's own sockets hear what we send to a group
    /// Groups joined right after the bind, before udpBound() is emitted; a failed join is reported
    /// by sendFailed() and the socket stays bound.
    QList<MulticastGroup> joinGroups;
    /// Buffers, tos, ttl, bindToDevice, reusePort; applied before bind. socket.receiveBufferBytes,
    /// when set, replaces receiveBufferBytes (and is also tried with SO_RCVBUFFORCE first).
    SocketOptions socket;
    /// Response rules run on each datagram (one message each), answering its sender (null: none).
    std::shared_ptr<RuleBook> rules;
};

/// The largest UDP payload a socket can send: 65,535 minus the IPv4 and UDP headers. (IPv6 allows
/// 20 bytes more; one limit for both keeps a payload valid whatever the destination's family.)
constexpr qsizetype MaxDatagramPayloadBytes = 65507;
/// Why a datagram of `size` bytes cannot be sent, or an empty string when it can.
QString datagramSizeError(qsizetype size);

} // namespace sockbench
