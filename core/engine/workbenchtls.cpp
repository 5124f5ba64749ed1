#include "engine/workbench.h"

#include "engine/reactor.h"
#include "engine/tcpstream.h"
#include "engine/tlstransform.h"
#include "engine/workbenchdetail.h"
#include "tls/tlscontext.h"

#include <QPointer>

#include <optional>
#include <type_traits>

// Start TLS on a connected stream, as client or server, and the TLS state the reactors report.

namespace sockbench {

using namespace workbench_detail;

namespace {

/// Start TLS on the stream's reactor: the context is built there (it reads files), then the
/// stream wraps its handler.
template <typename Options>
void upgradeToTls(TcpStream &stream, const Options &options, const QString &host) {
    QString error;
    std::optional<TlsContext> context;
    if constexpr (std::is_same_v<Options, TlsClientOptions>)
        context = TlsContext::forClient(options, &error);
    else
        context = TlsContext::forServer(options, &error);
    if (!context) {
        stream.reactor().sendFailed(stream.id(), QStringLiteral("Start TLS: %1").arg(error));
        return;
    }
    const quint64 queued = stream.queuedBytes();
    stream.wrapHandler([&](std::unique_ptr<StreamHandler> inner) -> std::unique_ptr<StreamHandler> {
        TlsTransform::Peer peer{host, {}, true, queued, true, {}};
        if constexpr (std::is_same_v<Options, TlsClientOptions>)
            peer.serverName = options.serverName;
        else
            peer.replay = inner->takeClientHello(); // the peer went first
        return std::make_unique<TlsTransform>(*context, std::move(inner), peer);
    });
}

/// Why Start TLS cannot begin on this endpoint (null: there is none); empty when it can. The
/// reactor checks again, for what the GUI thread cannot know yet.
QString startTlsRefusal(const EndpointInfo *info) {
    if (!info || info->kind != EndpointKind::TcpConnection)
        return Workbench::tr("No such TCP connection");
    if (info->tls)
        return Workbench::tr("The connection already speaks TLS");
    if (isRelayEndpoint(*info))
        return Workbench::tr("Start TLS is not available on a relayed connection");
    if (info->state != EndpointState::Connected)
        return Workbench::tr("Start TLS needs a connected plaintext connection (it is %1)")
            .arg(toString(info->state));
    return {};
}

} // namespace

bool Workbench::startTls(EndpointId connection, const TlsClientOptions &options) {
    const auto it = m_endpoints.constFind(connection);
    const QString reason = startTlsRefusal(it == m_endpoints.constEnd() ? nullptr : &*it);
    if (!reason.isEmpty()) {
        Q_EMIT sendFailed(connection, reason);
        return false;
    }
    // The name checked against the certificate: the one given, else the host the user typed,
    // else (an accepted connection) the peer's address.
    const QString host = !it->requestedHost.isEmpty() ? it->requestedHost : it->peer.ip;
    postToSocket<TcpStream>(reactorFor(connection), connection, QStringLiteral("Not connected"),
                            [options, host](TcpStream &s) { upgradeToTls(s, options, host); });
    return true;
}

bool Workbench::startTlsServer(EndpointId connection, const TlsServerOptions &options) {
    const auto it = m_endpoints.constFind(connection);
    const QString reason = startTlsRefusal(it == m_endpoints.constEnd() ? nullptr : &*it);
    if (!reason.isEmpty()) {
        Q_EMIT sendFailed(connection, reason);
        return false;
    }
    postToSocket<TcpStream>(reactorFor(connection), connection, QStringLiteral("Not connected"),
                            [options](TcpStream &s) { upgradeToTls(s, options, QString()); });
    return true;
}

void Workbench::on(const outcome::TlsChanged &o) {
    auto it = m_endpoints.find(o.id);
    if (it == m_endpoints.end())
        return;
    it->tls = o.info;
    const EndpointState before = it->state;
    const NetAddress local = it->local;
    const NetAddress peer = it->peer;
    const bool firstConnect = it->outgoing && !o.info.startTls;
    const QPointer<Workbench> alive(this);
    if (o.info.phase == TlsInfo::Phase::Handshaking && before == EndpointState::Connected)
        updateState(o.id, EndpointState::Handshaking, {}); // Start TLS
    else if (o.info.phase == TlsInfo::Phase::Established && before == EndpointState::Handshaking)
        updateState(o.id, EndpointState::Connected, {});
    if (!alive)
        return;
    Q_EMIT tlsChanged(o.id);
    if (alive && o.info.phase == TlsInfo::Phase::Established && before == EndpointState::Handshaking &&
        firstConnect)
        Q_EMIT connected(o.id, local, peer);
}

} // namespace sockbench
