#pragma once

#include "engine/endpoint.h"
#include "session/sessionrelay.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace sockbench {

class Workbench;

// A session file is what the user opened, so that it can be opened again: listeners, clients and
// UDP sockets with their addresses and auto-replies, never their traffic. It is JSON:
//
//   {"sockbench_session": 1,
//    "endpoints": [{"kind": "tcp-listener", "address": "127.0.0.1", "port": 7000, "reply": "echo"},
//                  {"kind": "tcp-client", "host": "127.0.0.1", "port": 80}, ...]}
//
// Listeners and clients may also carry "frame" (a --frame SPEC) and "tls" (its options, see
// sessiontls.h; {} for TLS with the defaults), and every kind "rules" (an object in the rules file's
// format, user guide "Response rules"). A relay is a "tcp-relay" or "udp-relay" with its listen
// "address" and "port" and a "relay" object (sessionrelay.h): its target, ends, TLS legs and faults.
//
// The reader is strict: an unknown key is an error rather than something silently dropped, since a
// key a later version adds would change what the endpoint does (an older Sockbench refuses "tls"
// rather than open in plain text what was TLS). The whole file is checked before anything is opened.

/// The format version this build writes and the newest it reads.
constexpr int SessionFormatVersion = 1;

/// One endpoint of a session.
struct SessionEndpoint {
    /// TcpListener, TcpConnection (an outgoing client) or UdpSocket.
    EndpointKind kind = EndpointKind::TcpListener;
    /// Listener and UDP: the address to bind; client: the host to connect to (name or address).
    QString host;
    quint16 port = 0;
    /// Listener: None, Echo or Greeting; UDP: None or Echo; client: None.
    AutoReply reply = AutoReply::None;
    /// The greeting in the payload language (e.g. "hello\r\n" with a real backslash), when
    /// reply is Greeting; kept as typed so that it reads back the way the user wrote it.
    QString greeting;
    /// The socket options the form asked for ("socket_options", see sessionoptions.h); only those
    /// that were set.
    SocketOptions socket;
    /// Listener and client: how the stream is split into messages for display ("frame", a
    /// --frame SPEC); raw when not given. With rules, their own frame applies instead.
    FrameSpec frame;
    /// Response rules ("rules": an object in the rules file's format), as serializeRules()
    /// writes them; empty for none.
    QByteArray rules;
    /// Client: speaks TLS with these options ("tls"); nullopt: plain TCP. (Initialised, so that
    /// aggregate initialisations written before TLS still name every field that needs it.)
    std::optional<TlsClientOptions> tlsClient = std::nullopt;
    /// Listener: serves TLS with these options ("tls"); nullopt: plain TCP.
    std::optional<TlsServerOptions> tlsServer = std::nullopt;
    /// A relay (kind TcpListener for a TCP relay, UdpSocket for a UDP one, listening on host:port)
    /// with these options ("relay"); nullopt: not a relay. Its udp follows the kind.
    std::optional<SessionRelay> relay = std::nullopt;

    friend bool operator==(const SessionEndpoint &, const SessionEndpoint &) = default;
};

struct Session {
    QList<SessionEndpoint> endpoints;
    friend bool operator==(const Session &, const Session &) = default;
};

struct SessionParseResult {
    Session session;
    /// Empty when the file is valid; else one message naming the line and column (for JSON syntax)
    /// or the endpoint and key at fault, e.g. `endpoints[2].port: 70000 is out of range (0-65535)`.
    QString error;
    bool ok() const { return error.isEmpty(); }
};

/// Reads a session from JSON text. On error the session is empty: nothing of it may be opened.
SessionParseResult parseSession(const QByteArray &json);
/// The session as indented JSON, which parseSession() reads back to an equal Session.
QByteArray serializeSession(const Session &session);

/// Reads and parses a file; a file that cannot be read is an error naming the path.
SessionParseResult loadSession(const QString &path);
/// Writes the file atomically (a crash never leaves half a file) and private to its owner, since
/// it lists the hosts the user talks to. Returns false and sets *error on failure.
bool saveSession(const QString &path, const Session &session, QString *error);

/// Opens one endpoint of a session on the workbench and returns its id. A failure (a port in use,
/// a refused connection) is reported by the Workbench's signals for that endpoint alone.
EndpointId openSessionEndpoint(Workbench &workbench, const SessionEndpoint &endpoint);

/// The JSON spelling of a kind and of an auto-reply ("tcp-listener", "echo").
QString sessionKindName(EndpointKind kind);
QString sessionReplyName(AutoReply reply);

} // namespace sockbench
