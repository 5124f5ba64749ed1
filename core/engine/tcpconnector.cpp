#include "engine/tcpconnector.h"

#include "engine/reactor.h"
#include "engine/sockaddr.h"
#include "engine/sockopt.h"
#include "engine/tcpstream.h"

#include <cerrno>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

namespace sockbench {

TcpConnector::TcpConnector(TcpStream &stream, const ConnectOptions &options)
    : m_stream(stream)
    , m_options(options) {
    // One TCP_NODELAY, set where every other option is: socket.noDelay when the caller chose it,
    // else the ConnectOptions default (see endpoint.h).
    if (!m_options.socket.noDelay)
        m_options.socket.noDelay = m_options.noDelay;
}

void TcpConnector::start(const QString &host, quint16 port) {
    if (m_options.timeoutMs > 0)
        m_stream.armTimer(TimerKind::ConnectTimeout, m_options.timeoutMs);
    // The stream owns this connector until it is established, which cannot happen before the lookup
    // ends; the reactor drops the answer if the stream has finished (cancelled, timed out) by then.
    m_stream.reactor().resolveThen(m_stream, host, port, AF_UNSPEC, Reactor::Lookup::SetsUp,
                                   [this](const Resolver::Result &result) { resolved(result); });
}

void TcpConnector::resolved(const Resolver::Result &result) {
    if (result.addresses.isEmpty()) {
        m_stream.finish(EndpointState::Failed, result.error);
        return;
    }
    m_candidates = result.addresses;
    m_candidate = 0;
    tryNext();
}

void TcpConnector::tryNext() {
    Reactor &reactor = m_stream.reactor();
    while (m_candidate < m_candidates.size()) {
        const NetAddress target = m_candidates[m_candidate];
        const auto sa = toSockaddr(target.ip, target.port);
        const int fd = sa ? ::socket(sa->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
        if (fd < 0) {
            m_lastError = sa ? errnoText(errno) : QStringLiteral("Not a numeric address");
            ++m_candidate;
            continue;
        }
        m_stream.setFd(fd);
        if (const QString error = bindSource(fd, sa->family()); !error.isEmpty()) {
            attemptFailed(error);
            return;
        }
        m_applied = applySocketOptions(fd, OptionTarget::Client, m_options.socket);
        if (!m_applied.isEmpty())
            reactor.recordEvent(m_stream.id(), describeApplied(m_applied));
        m_stream.setState(EndpointState::Connecting);
        const bool started = ::connect(fd, sa->get(), sa->length) == 0 || errno == EINPROGRESS;
        const int error = errno;
        // The SYN is out: the kernel has chosen our port, which a capture of this attempt shows.
        if (started)
            reactor.describeEndpoint(m_stream.id(), {EndpointKind::TcpConnection, true, m_stream.listener(),
                                                     localAddressOf(fd), target});
        // After connect(), not before: the description above has the local port chosen there. To our
        // own listener on loopback the handshake ends inside connect(), so its reactor may journal
        // "Accepted from" first (ARCHITECTURE.md, "Engine behaviour worth knowing").
        reactor.recordEvent(m_stream.id(), QStringLiteral("Connecting to %1").arg(target.toString()),
                            started ? Marker::Connecting : Marker::None);
        reactor.report(outcome::Connecting{m_stream.id(), target});
        if (started) {
            m_stream.watch(EPOLLOUT); // writable (or error) when the handshake ends
            return;
        }
        attemptFailed(errnoText(error), error);
        return;
    }
    m_stream.finish(EndpointState::Failed,
                    m_lastError.isEmpty() ? QStringLiteral("No address to connect to") : m_lastError);
}

QList<AppliedOption> TcpConnector::addOptions(const SocketOptions &options) {
    SocketOptions later = options;
    later.sourceAddress.clear();
    later.sourcePort = 0;
    overlayOptions(m_options.socket, later);
    if (m_stream.fd() < 0)
        return {};
    const QList<AppliedOption> applied = applySocketOptions(m_stream.fd(), OptionTarget::Client, later);
    mergeApplied(m_applied, applied);
    return applied;
}

QString TcpConnector::bindSource(int fd, int family) {
    const SocketOptions &o = m_options.socket;
    if (o.sourceAddress.isEmpty() && o.sourcePort == 0)
        return {};
    const QString ip = !o.sourceAddress.isEmpty() ? o.sourceAddress
                       : family == AF_INET6       ? QStringLiteral("::")
                                                  : QStringLiteral("0.0.0.0");
    const NetAddress source{ip, o.sourcePort};
    const auto sa = toSockaddr(ip, o.sourcePort);
    if (!sa)
        return QStringLiteral("Source address %1 is not a numeric IP address").arg(ip);
    if (sa->family() != family)
        return QStringLiteral("Source address %1 is IPv%2, the destination IPv%3")
            .arg(source.toString(), sa->family() == AF_INET6 ? QStringLiteral("6") : QStringLiteral("4"),
                 family == AF_INET6 ? QStringLiteral("6") : QStringLiteral("4"));
    if (::bind(fd, sa->get(), sa->length) != 0)
        return QStringLiteral("Cannot bind to source address %1: %2")
            .arg(source.toString(), errnoText(errno));
    return {};
}

void TcpConnector::attemptFailed(const QString &reason, int error) {
    m_lastError = reason;
    m_lastErrno = error;
    m_stream.closeFd();
    if (++m_candidate < m_candidates.size()) {
        m_stream.reactor().recordEvent(m_stream.id(),
                                       QStringLiteral("%1: %2; trying the next address")
                                           .arg(m_candidates[m_candidate - 1].toString(), reason));
        tryNext();
        return;
    }
    m_stream.finish(EndpointState::Failed, reason);
}

bool TcpConnector::handshakeDone() {
    const int error = pendingError(m_stream.fd());
    if (error != 0) {
        attemptFailed(errnoText(error), error);
        return false;
    }
    return true;
}

void TcpConnector::timedOut() {
    m_timedOut = true;
    m_stream.finish(EndpointState::Failed,
                    QStringLiteral("Connection timed out after %1 ms").arg(m_options.timeoutMs));
}

} // namespace sockbench
