#include "panels/addresssender.h"
#include "engine/workbench.h"
#include "style/presentation.h"

namespace sockbench {

AddressSender::AddressSender(Workbench *workbench, QObject *parent)
    : QObject(parent)
    , m_workbench(workbench) {
    connect(workbench, &Workbench::connected, this,
            [this](EndpointId id, const NetAddress &, const NetAddress &) { onReady(id); });
    connect(workbench, &Workbench::udpBound, this,
            [this](EndpointId id, const NetAddress &) { onReady(id); });
    connect(workbench, &Workbench::connectFailed, this, &AddressSender::onFailed);
    connect(workbench, &Workbench::udpFailed, this, &AddressSender::onFailed);
    // Anything else that ends a connection before it is made (closed from the panel, reset).
    connect(workbench, &Workbench::stateChanged, this,
            [this](EndpointId id, EndpointState state, const QString &detail) {
                if (isFinal(state) && m_waiting.contains(id))
                    onFailed(id, detail.isEmpty() ? finalStateWord(state) : detail);
            });
    // A datagram the reactor could not send (its host did not resolve, ...) is said here too.
    connect(workbench, &Workbench::sendFailed, this, [this](EndpointId id, const QString &reason) {
        for (auto it = m_udpByHost.cbegin(); it != m_udpByHost.cend(); ++it) {
            if (*it == id)
                Q_EMIT failed(tr("Not sent to %1: %2").arg(it.key(), reason));
        }
    });
}

AddressSender::~AddressSender() = default;

QString AddressSender::send(const QString &address, Protocol protocol, const QByteArray &bytes) {
    const QString text = address.trimmed();
    if (text.isEmpty())
        return tr("Type the address to send to, as host:port");
    const HostPortResult parsed = parseHostPort(text);
    if (!parsed.ok())
        return tr("Address: %1. Nothing sent").arg(parsed.error);
    const HostPort &to = parsed.value;
    if (to.port == 0)
        return tr("Address: port 0 is not a destination. Nothing sent");
    if (bytes.isEmpty())
        return tr("Nothing to send");
    if (protocol == Protocol::Tcp) {
        if (const EndpointId client = connectedClientTo(to); client != 0) {
            deliverTcp(client, to, bytes);
            return {};
        }
        // A connection of ours to it still being made takes these bytes after the first ones.
        for (auto it = m_waiting.begin(); it != m_waiting.end(); ++it) {
            const EndpointInfo info = m_workbench->info(it.key());
            if (info.kind == EndpointKind::TcpConnection && it->to.host == to.host &&
                it->to.port == to.port) {
                it->sends.append({to, bytes});
                return {};
            }
        }
        const EndpointId id = m_workbench->connectTcp(to.host, to.port);
        m_waiting.insert(id, {to, {{to, bytes}}});
        return {};
    }
    // UDP: the socket opened for this host, if it is still open (or still being opened).
    const EndpointId udp = m_udpByHost.value(to.host);
    if (udp != 0 && m_workbench->endpoints().contains(udp) && !isFinal(m_workbench->info(udp).state)) {
        if (auto it = m_waiting.find(udp); it != m_waiting.end())
            it->sends.append({to, bytes});
        else
            deliverUdp(udp, to, bytes);
        return {};
    }
    const EndpointId id = m_workbench->openUdpTo(to.host, to.port);
    m_udpByHost.insert(to.host, id);
    m_waiting.insert(id, {to, {{to, bytes}}});
    return {};
}

EndpointId AddressSender::connectedClientTo(const HostPort &to) const {
    const auto &endpoints = m_workbench->endpoints();
    for (auto it = endpoints.cbegin(); it != endpoints.cend(); ++it) {
        const EndpointInfo &info = *it;
        if (info.kind == EndpointKind::TcpConnection && info.outgoing && info.listener == 0 &&
            info.state == EndpointState::Connected && !info.tls && !info.isFromCapture() &&
            info.requestedPort == to.port && info.requestedHost.compare(to.host, Qt::CaseInsensitive) == 0)
            return info.id;
    }
    return 0;
}

void AddressSender::deliverTcp(EndpointId id, const HostPort &to, const QByteArray &bytes) {
    const Workbench::SendResult result = m_workbench->send(id, bytes);
    if (!result) {
        Q_EMIT failed(tr("Not sent to %1: %2").arg(formatHostPort(to.host, to.port), result.refusal));
        return;
    }
    Q_EMIT sent(tr("Sent %1 to %2 over TCP (connection #%3)")
                    .arg(formatByteCount(quint64(bytes.size())), formatHostPort(to.host, to.port))
                    .arg(id));
}

void AddressSender::deliverUdp(EndpointId id, const HostPort &to, const QByteArray &bytes) {
    const Workbench::SendResult result = m_workbench->sendDatagram(id, to.host, to.port, bytes);
    if (!result) {
        Q_EMIT failed(tr("Not sent to %1: %2").arg(formatHostPort(to.host, to.port), result.refusal));
        return;
    }
    Q_EMIT sent(tr("Sent %1 to %2 over UDP (socket #%3)")
                    .arg(formatByteCount(quint64(bytes.size())), formatHostPort(to.host, to.port))
                    .arg(id));
}

void AddressSender::onReady(EndpointId id) {
    const auto it = m_waiting.constFind(id);
    if (it == m_waiting.constEnd())
        return;
    const Waiting waiting = *it;
    m_waiting.erase(it);
    const bool tcp = m_workbench->info(id).kind == EndpointKind::TcpConnection;
    for (const auto &[to, bytes] : waiting.sends) {
        if (tcp)
            deliverTcp(id, to, bytes);
        else
            deliverUdp(id, to, bytes);
    }
}

void AddressSender::onFailed(EndpointId id, const QString &reason) {
    const auto it = m_waiting.constFind(id);
    if (it == m_waiting.constEnd())
        return;
    const HostPort to = it->to;
    m_waiting.erase(it);
    Q_EMIT failed(tr("Could not reach %1: %2. Nothing sent").arg(formatHostPort(to.host, to.port), reason));
}

} // namespace sockbench
