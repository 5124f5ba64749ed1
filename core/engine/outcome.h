#pragma once

#include "engine/endpoint.h"
#include "engine/relayoptions.h"
#include "engine/socketoptions.h"
#include "engine/tcpinfo.h"

#include <QString>

#include <variant>

namespace sockbench {

/// What a reactor learned about an endpoint, as a plain value. Reactors collect these during a loop
/// iteration and hand them over in one OutboxEvent; the Workbench applies them in order, in its own
/// thread, and turns them into its state table and signals. Nothing here points back into a reactor.
namespace outcome {

/// A listener is bound and listening; local has the real port when 0 was asked.
struct ListenerStarted {
    EndpointId id = 0;
    NetAddress local;
    QList<AppliedOption> options; ///< ListenerOptions::socket as the listening socket took it
};

/// A listener accepted a connection; the reactor at reactorIndex owns it from now on.
struct Accepted {
    EndpointId id = 0;
    EndpointId listener = 0;
    int reactorIndex = 0;
    NetAddress local;
    NetAddress peer;
    QList<AppliedOption> options;    ///< the listener's per-connection options, as this socket took them
    std::shared_ptr<RuleBook> rules; ///< the listener's rules the connection starts with
    EndpointState state = EndpointState::Connected; ///< Handshaking for a TLS listener's connection
};

/// An endpoint started looking up the host name it was given.
struct Resolving {
    EndpointId id = 0;
    QString host;
};

/// An outgoing connection started its non-blocking connect to one address.
struct Connecting {
    EndpointId id = 0;
    NetAddress peer;
};

/// An outgoing connection is established.
struct Connected {
    EndpointId id = 0;
    NetAddress local;
    NetAddress peer;
    QList<AppliedOption> options; ///< ConnectOptions::socket (and noDelay) as the socket took them
    /// Handshaking when TLS starts now: connected() waits for the TlsChanged that establishes it.
    EndpointState state = EndpointState::Connected;
};

/// A connection's or listener's TLS changed: handshake started, established (the state becomes
/// Connected), failed (a Final follows), or closed. A listener reports Phase::Serving once started.
struct TlsChanged {
    EndpointId id = 0;
    TlsInfo info;
};

/// A UDP socket is bound. destination is valid when the socket was opened for one (openUdpTo()).
struct UdpBound {
    EndpointId id = 0;
    NetAddress local;
    NetAddress destination;
    QList<AppliedOption> options; ///< UdpOptions::socket as the socket took it
};

/// The endpoint's socket is gone for good; detail is the reason (or what happened, e.g. "Closed").
struct Final {
    EndpointId id = 0;
    EndpointState state = EndpointState::Failed;
    QString detail;
    bool resetByUs = false;         ///< Reset: we sent the RST (abort()), not the peer
    std::optional<TcpInfo> tcpInfo; ///< TCP connection: read right before its descriptor closed
};

/// Options were set on a live endpoint (Workbench::setSocketOptions), read back.
struct OptionsApplied {
    EndpointId id = 0;
    QList<AppliedOption> options;
};

/// The answer to Workbench::requestTcpInfo.
struct TcpInfoRead {
    EndpointId id = 0;
    TcpInfo info;
};

/// A listener's or UDP socket's auto-reply changed, and every reactor applies the new one.
struct AutoReplyChanged {
    EndpointId id = 0;
    AutoReply reply = AutoReply::None;
    QByteArray greeting;
};

/// setRules() is in effect on every reactor concerned.
struct RulesChanged {
    EndpointId id = 0;
    std::shared_ptr<RuleBook> rules;
};

/// The peer of a TCP connection sent FIN.
struct PeerClosed {
    EndpointId id = 0;
};

/// A listener hit a condition it survives (descriptor exhaustion), or recovered from it.
struct ListenerWarning {
    EndpointId id = 0;
    QString message;
};

/// A send or multicast request could not be carried out.
struct SendFailed {
    EndpointId id = 0;
    QString reason;
};

/// Progress of a connection's write queue: the total handed to the kernel, and what still waits.
struct BytesWritten {
    EndpointId id = 0;
    quint64 written = 0;
    quint64 queued = 0;
};

/// A relay opened its leg to the target: a TCP connection (Resolving, then reported like an
/// outgoing one) for the accepted clientLeg, or a UDP socket for a new client address (Bound).
struct RelayLegOpened {
    EndpointId id = 0;
    EndpointId relay = 0;
    EndpointId clientLeg = 0; ///< TCP: the accepted connection it serves; 0 for UDP
    int reactorIndex = 0;
    EndpointKind kind = EndpointKind::TcpConnection;
    EndpointState state = EndpointState::Resolving;
    QString host; ///< the target, as asked
    quint16 port = 0;
    NetAddress client; ///< UDP: the client address the socket relays for
    RelayFaults faults;
};

/// setRelayFaults() is in effect: on a relay (and each of its legs listed), or on one leg pair.
struct RelayFaultsChanged {
    EndpointId id = 0;
    RelayFaults faults;
    QList<EndpointId> legs; ///< the legs now running these faults
};

/// The journal has records nobody has announced yet; the receiver reads the count itself.
struct JournalGrew {};

} // namespace outcome

using Outcome = std::variant<outcome::ListenerStarted, outcome::Accepted, outcome::Resolving,
                             outcome::Connecting, outcome::Connected, outcome::UdpBound, outcome::Final,
                             outcome::PeerClosed, outcome::ListenerWarning, outcome::SendFailed,
                             outcome::BytesWritten, outcome::JournalGrew, outcome::AutoReplyChanged,
                             outcome::RulesChanged, outcome::OptionsApplied, outcome::TcpInfoRead,
                             outcome::TlsChanged, outcome::RelayLegOpened, outcome::RelayFaultsChanged>;

} // namespace sockbench
