#pragma once

// Internal to core: a UDP relay on a reactor.

#include "engine/faultpipe.h"
#include "engine/socket.h"

#include <QByteArray>

#include <memory>
#include <unordered_map>

namespace sockbench {

class UdpRelayUpstream;

/// A UDP relay: a socket bound on the relay's address that, for each client address it hears from,
/// opens a socket to the target (an endpoint of its own: a UdpRelayUpstream on the same reactor,
/// reported with outcome::RelayLegOpened) and forwards datagrams both ways through that client's
/// faults (DatagramFaults, one per direction). What the client sent and what it was sent are
/// recorded on the relay (DataIn / DataOut with the client as the datagram peer); what went to the
/// target and came back, on the upstream socket. A client silent for RelayOptions::udpIdleMs loses
/// its upstream socket (Closed, "idle for N s").
///
/// Bounds: at most MaxUpstreams clients at once (each costs a descriptor and a large receive
/// buffer); datagrams of new clients past it are dropped, said once with a count. A client whose
/// socket could not be opened is not tried again for 2 s. A failed lookup of the target is tried
/// again 5 s later, at the next datagram; meanwhile datagrams are dropped, and counted.
class UdpRelay final : public Socket {
public:
    /// Clients served at once, so that a flood of source addresses cannot use up the descriptors.
    static constexpr size_t MaxUpstreams = 1024;

    UdpRelay(Reactor &owner, EndpointId id, const RelayOptions &options);
    ~UdpRelay() override;
    Q_DISABLE_COPY_MOVE(UdpRelay)

    /// Creates the relay on the calling reactor, resolves host and binds host:port; reports
    /// UdpBound (and Final Failed when it cannot).
    static void start(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                      const RelayOptions &options);

    void onReady(quint32 events) override;
    void onTimer(TimerKind kind) override;
    /// Closes the relay and every upstream socket.
    void close() override;
    bool dropsUnreadInput() const override { return true; }

    /// New faults for every client, current and later (reports RelayFaultsChanged).
    void setFaults(const RelayFaults &faults);
    /// New faults for the one client served by `upstream` (reports RelayFaultsChanged on it).
    void setFaults(EndpointId upstream, const RelayFaults &faults);
    /// Closes every upstream socket (UDP has no reset: RelayEnd is ignored); the relay stays bound.
    void breakAll();

private:
    friend class UdpRelayUpstream;
    struct Impl;

    void bindTo(const NetAddress &address);
    void read();

    std::unique_ptr<Impl> m_impl;
};

} // namespace sockbench
