#pragma once

// The words every layer uses for an endpoint: its id, its kind and the states of its life. Plain
// values with no engine behind them, so the journal, the captures and the front-ends can name an
// endpoint without including the engine.

#include <QMetaType>
#include <QString>

namespace sockbench {

/// Identifies one socket endpoint (listener, TCP connection or UDP socket) for its whole life.
/// Ids are never reused within one Workbench; 0 is never a valid id.
using EndpointId = quint64;

enum class EndpointKind : quint8 { TcpListener, TcpConnection, UdpSocket };

/// What a user must be able to tell apart about an endpoint's life, from set-up to its final state.
enum class EndpointState : quint8 {
    Resolving,  ///< being set up: looking up the host name, or waiting for its reactor (all kinds)
    Connecting, ///< outgoing TCP: non-blocking connect in progress
    /// TCP established, TLS handshake under way (ConnectOptions::tls, ListenerOptions::tls, or
    /// Start TLS on a Connected one); Connected once it completes. No application data yet.
    Handshaking,
    Listening,  ///< listener accepting
    Connected,  ///< TCP connection established
    PeerClosed, ///< FIN received from the peer; we may still send
    Bound,      ///< UDP socket bound and receiving
    Stopped,    ///< listener stopped by us
    Closed,     ///< closed by us, or by both ends in order
    Reset,      ///< connection reset (RST received, or sent by abort())
    Failed,     ///< could not be set up, or failed later; see the error text
};

/// True when the endpoint's socket is gone for good.
constexpr bool isFinal(EndpointState s) {
    return s == EndpointState::Stopped || s == EndpointState::Closed || s == EndpointState::Reset ||
           s == EndpointState::Failed;
}

QString toString(EndpointKind kind);
QString toString(EndpointState state);

} // namespace sockbench

Q_DECLARE_METATYPE(sockbench::EndpointKind)
Q_DECLARE_METATYPE(sockbench::EndpointState)
