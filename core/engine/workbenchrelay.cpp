#include "engine/workbench.h"

#include "engine/faulttable.h"
#include "engine/reactor.h"
#include "engine/tcplistener.h"
#include "engine/tcprelay.h"
#include "engine/tcpstream.h"
#include "engine/udprelay.h"
#include "engine/udpsocket.h"
#include "engine/workbenchdetail.h"

#include <QPointer>

#include <atomic>
#include <functional>
#include <unordered_set>

// Relay control: starting a relay, changing its faults live, breaking its connections, and what
// the reactors report about its legs.

namespace sockbench {

using namespace workbench_detail;

EndpointId Workbench::startRelay(const QString &address, quint16 port, const RelayOptions &options) {
    const EndpointId id = newId();
    EndpointInfo &info = addEndpoint(id, options.udp ? EndpointKind::UdpSocket : EndpointKind::TcpListener,
                                     EndpointState::Resolving);
    info.requestedHost = address;
    info.requestedPort = port;
    info.relay = options;
    QString refusal;
    if (options.targetHost.trimmed().isEmpty())
        refusal = tr("The relay needs a target host");
    else if (options.targetPort == 0)
        refusal = tr("The relay needs a target port (1-65535)");
    else
        refusal = faultsRefusal(options.faults, options.udp);
    if (!refusal.isEmpty()) {
        // Told after the caller has the id, as every other outcome is.
        QMetaObject::invokeMethod(
            this,
            [this, id, refusal, udp = options.udp] {
                updateState(id, EndpointState::Failed, refusal);
                if (udp)
                    Q_EMIT udpFailed(id, refusal);
                else
                    Q_EMIT listenerFailed(id, refusal);
            },
            Qt::QueuedConnection);
        return id;
    }
    if (options.udp) {
        Reactor *r = reactorForDatagrams();
        m_reactorOf.insert(id, r->index());
        r->post([r, id, address, port, options] { UdpRelay::start(*r, id, address, port, options); });
        return id;
    }
    Reactor *r = nextReactor();
    m_reactorOf.insert(id, r->index());
    ListenerOptions listener;
    listener.tls = options.clientTls; // the listener terminates TLS: its context is built once
    // As on the target leg (ConnectOptions::noDelay): a relayed reply leaves at once, not after
    // the client's delayed ACK.
    listener.socket.noDelay = true;
    r->post([r, id, address, port, listener, options] {
        if (options.targetTls) {
            // Checked once here, so that a missing CA file fails the relay, not each connection.
            QString error;
            if (!TlsContext::forClient(*options.targetTls, &error)) {
                const QString reason = QStringLiteral("TLS to the target: %1").arg(error);
                r->recordEvent(id, reason);
                r->report(outcome::Final{id, EndpointState::Failed, reason, false, std::nullopt});
                return;
            }
        }
        r->recordEvent(
            id,
            QStringLiteral("Relay to %1").arg(NetAddress{options.targetHost, options.targetPort}.toString()));
        TcpListener::start(*r, id, address, port, listener, std::make_shared<TcpRelayHub>(id, options));
    });
    return id;
}

namespace {

/// Runs `command` on every reactor for each relayed connection of `relay` there (found through
/// either leg, so that a target leg whose client leg is gone is found too; once per connection),
/// then `last` on the reactor that finishes last.
void forEachRelayPair(ReactorShared &shared, EndpointId relay, std::function<void(RelayPair &)> command,
                      std::function<void(Reactor &)> last) {
    auto pending = std::make_shared<std::atomic<size_t>>(shared.reactors.size());
    for (Reactor *r : shared.reactors) {
        r->post([r, relay, command, last, pending] {
            std::unordered_set<RelayPair *> seen; // both legs of a pair are on the same reactor
            for (TcpStream *stream : r->socketsOf<TcpStream>()) {
                RelayPair *pair = stream->relayPair();
                if (pair && pair->relay() == relay && !stream->isFinished() && seen.insert(pair).second)
                    command(*pair);
            }
            if (pending->fetch_sub(1) == 1 && last)
                last(*r);
        });
    }
}

/// The legs of one relayed connection, for RelayFaultsChanged.
QList<EndpointId> legsOf(const RelayPair &pair) {
    QList<EndpointId> legs{pair.clientLeg()};
    if (pair.targetLeg() != 0)
        legs << pair.targetLeg();
    return legs;
}

} // namespace

bool Workbench::setRelayFaults(EndpointId id, const RelayFaults &faults) {
    const auto it = m_endpoints.constFind(id);
    const RelayRole role = it == m_endpoints.constEnd() ? RelayRole::None : relayRole(*it);
    // A stopped relay's connections may still be open (as for breakRelay); an ended leg has none.
    if (role == RelayRole::None ||
        ((role == RelayRole::TcpLeg || role == RelayRole::UdpClient) && isFinal(it->state)))
        return false;
    const QString refusal =
        faultsRefusal(faults, role == RelayRole::UdpRelay || role == RelayRole::UdpClient);
    if (!refusal.isEmpty()) {
        Q_EMIT sendFailed(id, refusal);
        return false;
    }
    const quint64 sequence = ++m_relayFaultsSequence;
    switch (role) {
    case RelayRole::None:
        return false;
    case RelayRole::UdpRelay:
        postToSocket<UdpRelay>(reactorFor(id), id, {},
                               [faults](UdpRelay &relay) { relay.setFaults(faults); });
        return true;
    case RelayRole::UdpClient: {
        // A UDP relay's socket to the target: its relay (on the same reactor) changes that client's.
        const EndpointId relay = it->listener;
        postToSocket<UdpRelay>(reactorFor(relay), relay, {},
                               [id, faults](UdpRelay &udp) { udp.setFaults(id, faults); });
        return true;
    }
    case RelayRole::TcpLeg:
        postToSocket<TcpStream>(reactorFor(id), id, {}, [id, faults, sequence](TcpStream &stream) {
            RelayPair *pair = stream.relayPair();
            if (pair && pair->setFaults(faults, sequence))
                stream.reactor().report(outcome::RelayFaultsChanged{id, faults, legsOf(*pair)});
        });
        return true;
    case RelayRole::TcpRelay:
        break;
    }
    // The listener first, for the connections to come (when it still listens); then every reactor
    // for those open now.
    const auto applyToOpen = [id, faults, sequence](ReactorShared &shared) {
        struct Legs {
            std::mutex mutex;
            QList<EndpointId> ids;
        };
        auto legs = std::make_shared<Legs>();
        forEachRelayPair(
            shared, id,
            [faults, sequence, legs](RelayPair &pair) {
                if (!pair.setFaults(faults, sequence))
                    return; // a newer change on this connection's leg stands
                std::lock_guard lock(legs->mutex);
                legs->ids << legsOf(pair);
            },
            [id, faults, legs](Reactor &r) {
                std::lock_guard lock(legs->mutex);
                std::sort(legs->ids.begin(), legs->ids.end());
                r.report(outcome::RelayFaultsChanged{id, faults, legs->ids});
            });
    };
    Reactor *r = reactorFor(id);
    if (!r) {
        applyToOpen(*m_shared);
        return true;
    }
    r->post([r, id, faults, sequence, applyToOpen] {
        if (auto *listener = r->find<TcpListener>(id)) {
            if (auto *hub = dynamic_cast<TcpRelayHub *>(listener->handlerFactory()))
                hub->setFaults(faults, sequence);
            r->recordEvent(id, faults.journalText());
        }
        applyToOpen(r->shared());
    });
    return true;
}

bool Workbench::breakRelay(EndpointId id, RelayEnd end) {
    const auto it = m_endpoints.constFind(id);
    const RelayRole role = it == m_endpoints.constEnd() ? RelayRole::None : relayRole(*it);
    // As for setRelayFaults: a stopped relay's open connections break; an ended leg cannot.
    if (role == RelayRole::None ||
        ((role == RelayRole::TcpLeg || role == RelayRole::UdpClient) && isFinal(it->state)))
        return false;
    switch (role) {
    case RelayRole::None:
        return false;
    case RelayRole::UdpRelay:
        // UDP has no reset: every client's socket to the target closes; the relay stays bound.
        postToSocket<UdpRelay>(reactorFor(id), id, {}, [](UdpRelay &relay) { relay.breakAll(); });
        return true;
    case RelayRole::UdpClient:
        close(id); // a UDP relay's socket to the target: that client's link ends
        return true;
    case RelayRole::TcpLeg:
        postToSocket<TcpStream>(reactorFor(id), id, {}, [end](TcpStream &stream) {
            if (RelayPair *pair = stream.relayPair())
                pair->breakPair(end);
        });
        return true;
    case RelayRole::TcpRelay:
        forEachRelayPair(*m_shared, id, [end](RelayPair &pair) { pair.breakPair(end); }, {});
        return true;
    }
    return false;
}

void Workbench::on(const outcome::RelayLegOpened &o) {
    EndpointInfo &info = addEndpoint(o.id, o.kind, o.state);
    info.listener = o.relay;
    info.outgoing = o.kind == EndpointKind::TcpConnection;
    info.requestedHost = o.host;
    info.requestedPort = o.port;
    info.relayPeer = o.clientLeg;
    info.relayClient = o.client;
    info.relayFaults = o.faults;
    m_reactorOf.insert(o.id, o.reactorIndex);
    if (o.clientLeg != 0) {
        const auto client = m_endpoints.find(o.clientLeg);
        if (client != m_endpoints.end()) {
            client->relayPeer = o.id;
            client->relayFaults = o.faults;
        }
    }
    Q_EMIT stateChanged(o.id, o.state, {});
    Q_EMIT relayLegOpened(o.id, o.relay, o.clientLeg);
}

void Workbench::on(const outcome::RelayFaultsChanged &o) {
    const auto it = m_endpoints.find(o.id);
    if (it == m_endpoints.end())
        return;
    if (it->relay)
        it->relay->faults = o.faults;
    for (const EndpointId leg : o.legs) {
        const auto l = m_endpoints.find(leg);
        if (l != m_endpoints.end())
            l->relayFaults = o.faults;
    }
    Q_EMIT relayFaultsChanged(o.id);
}

} // namespace sockbench
