#pragma once

// What the Workbench's files share (workbench.cpp, workbenchrelay.cpp, workbenchtls.cpp): posting
// to a socket on its reactor, and what an endpoint is to the relay API. Private to core/engine.

#include "engine/reactor.h"
#include "engine/workbench.h"

#include <QString>

namespace sockbench::workbench_detail {

/// Runs command on the reactor thread with the socket `id`, if it is still open there and a T
/// (it may have finished since); otherwise reports `missing` as a send failure, when given.
template <typename T, typename Command>
void postToSocket(Reactor *r, EndpointId id, const QString &missing, Command command) {
    if (!r)
        return;
    r->post([r, id, missing, command = std::move(command)] {
        if (T *socket = r->find<T>(id))
            command(*socket);
        else if (!missing.isEmpty())
            r->sendFailed(id, missing);
    });
}

/// A relay, or one of its legs: it forwards, and never answers on its own (no auto-reply, no
/// rules, no Start TLS).
inline bool isRelayEndpoint(const EndpointInfo &info) {
    return info.relay || info.relayPeer != 0 || info.relayClient.isValid();
}

/// What an endpoint is to the relay API (setRelayFaults, breakRelay).
enum class RelayRole : quint8 {
    None,      ///< not a relay, nor a relay's leg
    TcpRelay,  ///< a TCP relay (a listener)
    UdpRelay,  ///< a UDP relay (its bound socket)
    UdpClient, ///< a UDP relay's socket to the target, for one client
    TcpLeg,    ///< either leg of a relayed TCP connection
};

inline RelayRole relayRole(const EndpointInfo &info) {
    if (info.relay)
        return info.relay->udp ? RelayRole::UdpRelay : RelayRole::TcpRelay;
    if (info.relayClient.isValid())
        return RelayRole::UdpClient;
    if (info.kind == EndpointKind::TcpConnection && info.relayPeer != 0)
        return RelayRole::TcpLeg;
    return RelayRole::None;
}

} // namespace sockbench::workbench_detail
