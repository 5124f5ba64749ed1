#include "engine/tcplistener.h"

#include "engine/reactor.h"
#include "engine/sockaddr.h"
#include "engine/sockopt.h"
#include "engine/streamrecorder.h"
#include "engine/tcpstream.h"
#include "engine/tlstransform.h"
#include "language/address.h"
#include "tls/certificate.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace sockbench {

namespace {

constexpr int MaxAcceptsPerEvent = 512;
constexpr qint64 AcceptRetryMs = 100;
// Descriptors a listener makes room for up front: a table of 512 KiB of kernel memory.
constexpr rlim_t ReservedDescriptors = 65536;

/// Grows the process's descriptor table before clients arrive rather than inside accept4: with more
/// than one thread, every doubling of the table waits for an RCU grace period (expand_fdtable ->
/// synchronize_rcu, 8-20 ms here), and the six doublings on the way to 10,000 descriptors stalled
/// accepting for ~90 ms while a burst fills the 4,096-deep accept queue in 80: one run in 6-10
/// dropped a SYN and its client waited 1 s. The table never shrinks, so this costs one grace period
/// per process, at listen.
void reserveDescriptorTable(int fd) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < 2)
        return;
    // F_DUPFD takes the lowest free descriptor at or above its argument; it never closes one.
    const int top = ::fcntl(fd, F_DUPFD_CLOEXEC, int(std::min(limit.rlim_cur, ReservedDescriptors) - 1));
    if (top >= 0)
        ::close(top);
}

} // namespace

TcpListener::TcpListener(Reactor &owner, EndpointId id, const ListenerOptions &options)
    : Socket(owner, id, EndpointState::Resolving)
    , m_options(options) {}

void TcpListener::start(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                        const ListenerOptions &options, std::shared_ptr<AcceptedHandlerFactory> factory) {
    TcpListener &listener = reactor.add(std::make_unique<TcpListener>(reactor, id, options));
    listener.m_factory = std::move(factory);
    reactor.resolveThen(listener, host, port, AF_UNSPEC, Reactor::Lookup::SetsUp,
                        [&listener](const Resolver::Result &r) {
                            if (r.addresses.isEmpty())
                                listener.finish(EndpointState::Failed, r.error);
                            else
                                listener.listenOn(r.addresses.first());
                        });
}

void TcpListener::listenOn(const NetAddress &address) {
    const auto sa = toSockaddr(address.ip, address.port);
    if (!sa) {
        finish(EndpointState::Failed, QStringLiteral("Not a numeric address: %1").arg(address.ip));
        return;
    }
    if (m_options.tls && !m_tls) {
        // Once, here on the listener's reactor: a bad certificate or key fails the listener
        // before it takes a port, with the file named.
        QString error;
        m_tls = TlsContext::forServer(*m_options.tls, &error);
        if (!m_tls) {
            finish(EndpointState::Failed, error);
            return;
        }
    }
    const int fd = ::socket(sa->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        finish(EndpointState::Failed, errnoText(errno));
        return;
    }
    setFd(fd);
    if (m_options.reuseAddress)
        setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (sa->family() == AF_INET6)
        setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, m_options.dualStack ? 0 : 1);
    // Before bind: SO_REUSEPORT and the device only count then, and buffers set before listen()
    // are what the window scale of every accepted connection is computed from.
    const QList<AppliedOption> applied = applySocketOptions(fd, OptionTarget::Listener, m_options.socket);
    if (!applied.isEmpty())
        reactor().recordEvent(id(), describeApplied(applied));
    const int backlog = m_options.backlog > 0 ? m_options.backlog : SOMAXCONN;
    if (::bind(fd, sa->get(), sa->length) != 0 || ::listen(fd, backlog) != 0) {
        finish(EndpointState::Failed, errnoText(errno));
        return;
    }
    reserveDescriptorTable(fd);
    setState(EndpointState::Listening);
    watch(EPOLLIN);
    m_local = localAddressOf(fd);
    reactor().describeEndpoint(id(), {EndpointKind::TcpListener, false, 0, m_local, {}});
    reactor().recordEvent(id(), QStringLiteral("Listening on %1").arg(m_local.toString()));
    reactor().report(outcome::ListenerStarted{id(), m_local, applied});
    if (m_tls) {
        TlsInfo serving = m_tls->startInfo();
        serving.phase = TlsInfo::Phase::Serving;
        if (!serving.localCertificate.isEmpty()) {
            const CertificateInfo &own = serving.localCertificate.first();
            reactor().recordEvent(
                id(), QStringLiteral("TLS: serving %1%2, SHA-256 %3")
                          .arg(own.subject,
                               serving.selfSignedPath.isEmpty()
                                   ? QString()
                                   : QStringLiteral(" (self-signed, %1)").arg(serving.selfSignedPath),
                               formatFingerprint(own.sha256)));
        }
        reactor().report(outcome::TlsChanged{id(), serving});
    }
}

QList<AppliedOption> TcpListener::setSocketOptions(const SocketOptions &options) {
    overlayOptions(m_options.socket, options);
    m_options.socket.reusePort = false; // only ever meant for the bind, which is past
    if (fd() < 0)
        return {}; // still resolving: the bind applies them with the rest
    return applySocketOptions(fd(), OptionTarget::LiveListener, options);
}

void TcpListener::onReady(quint32) {
    acceptBurst();
}

void TcpListener::onTimer(TimerKind kind) {
    if (kind == TimerKind::AcceptRetry && m_acceptPaused) {
        watch(EPOLLIN); // level-triggered: fires at once if clients are waiting
        acceptBurst();
    }
}

void TcpListener::close() {
    finish(EndpointState::Stopped, QStringLiteral("Stopped"));
}

size_t TcpListener::reactorForAccepted(ReactorShared &shared, size_t here) {
    const size_t count = shared.reactors.size();
    const unsigned turn = shared.nextAcceptReactor.fetch_add(1);
    // A stream's bulk reads would take turns with a UDP socket's, and the kernel drops datagrams
    // read late while a stream's peer only waits: reactors without datagram sockets come first.
    const auto quiet = [&shared](size_t r) { return shared.reactors[r]->datagramSockets() == 0; };
    size_t quietOthers = 0;
    for (size_t r = 0; r < count; ++r)
        quietOthers += r != here && quiet(r) ? 1 : 0;
    // The listening reactor keeps only the accepting for itself when there are others to serve the
    // connections: a burst fills the kernel's accept queue (somaxconn, 4,096 here) in ~80 ms, and a
    // drop costs the client a 1 s SYN retransmit.
    if (quietOthers > 0) {
        size_t pick = turn % quietOthers;
        for (size_t r = 0; r < count; ++r) {
            if (r != here && quiet(r) && pick-- == 0)
                return r;
        }
    }
    // Every other reactor has a UDP socket: one more stream on the listening reactor costs less
    // than one next to a UDP socket. With datagram sockets everywhere, the others take turns.
    if (count == 1 || quiet(here))
        return here;
    const size_t other = turn % (count - 1);
    return other + (other >= here ? 1 : 0);
}

void TcpListener::acceptBurst() {
    Reactor &here = reactor();
    ReactorShared &shared = here.shared();
    std::vector<std::vector<std::unique_ptr<Socket>>> handoff(shared.reactors.size());
    const bool isWildcard = isWildcardAddress(m_local.ip);
    const QByteArray greeting =
        m_options.autoReply == AutoReply::Greeting ? m_options.greeting : QByteArray();
    for (int i = 0; i < MaxAcceptsPerEvent; ++i) {
        SockAddr peer;
        peer.length = sizeof peer.storage;
        const int fd = ::accept4(this->fd(), peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK)
                break;
            if (error == EINTR || error == ECONNABORTED || error == EPROTO)
                continue;
            if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
                pauseAccepting(error);
                break;
            }
            here.recordEvent(id(), QStringLiteral("accept: %1").arg(errnoText(error)));
            break;
        }
        if (m_acceptPaused)
            resumeAccepting();
        const EndpointId accepted = shared.nextId.fetch_add(1);
        // A listener bound to one address accepts on exactly that address; only a wildcard one
        // needs to ask the kernel which of its addresses the client reached.
        const NetAddress local = isWildcard ? localAddressOf(fd) : m_local;
        const NetAddress remote = fromSockaddr(peer.get());
        const size_t target = reactorForAccepted(shared, size_t(here.index()));
        here.describeEndpoint(accepted, {EndpointKind::TcpConnection, false, id(), local, remote});
        here.recordEvent(accepted, QStringLiteral("Accepted from %1").arg(remote.toString()),
                         Marker::Established);
        // Set here, before any reactor reads or writes the descriptor: nothing else touches it yet.
        QList<AppliedOption> applied = applySocketOptions(fd, OptionTarget::Accepted, m_options.socket);
        if (!applied.isEmpty())
            here.recordEvent(accepted, describeApplied(applied));
        here.report(outcome::Accepted{accepted, id(), int(target), local, remote, std::move(applied),
                                      m_options.rules,
                                      m_tls ? EndpointState::Handshaking : EndpointState::Connected});
        std::unique_ptr<StreamHandler> handler =
            m_factory ? m_factory->make(accepted, remote)
                      : std::make_unique<StreamRecorder>(m_options.autoReply, greeting,
                                                         !m_options.keepHalfOpen, m_options.rules);
        if (m_tls)
            handler = std::make_unique<TlsTransform>(*m_tls, std::move(handler), TlsTransform::Peer{});
        auto stream =
            std::make_unique<TcpStream>(*shared.reactors[target], accepted, id(), fd, std::move(handler));
        if (int(target) == here.index())
            here.add(std::move(stream)).adopted();
        else
            handoff[target].push_back(std::move(stream));
    }
    // The Workbench must learn of each connection (and which reactor owns it) before anything else
    // about it can reach it: post our news first, then hand the sockets over.
    here.flushOutbox();
    for (size_t r = 0; r < handoff.size(); ++r) {
        if (!handoff[r].empty())
            shared.reactors[r]->adopt(std::move(handoff[r]));
    }
}

void TcpListener::pauseAccepting(int error) {
    // Level-triggered epoll would report the waiting clients again at once and spin; stop watching,
    // leave them in the backlog, and retry shortly.
    if (!m_acceptPaused) {
        m_acceptPaused = true;
        const QString message = QStringLiteral("%1: accepting paused").arg(errnoText(error));
        reactor().recordEvent(id(), message);
        reactor().report(outcome::ListenerWarning{id(), message});
    }
    watch(0);
    armTimer(TimerKind::AcceptRetry, AcceptRetryMs);
}

void TcpListener::resumeAccepting() {
    m_acceptPaused = false;
    const QString message = QStringLiteral("Descriptors available again: accepting resumed");
    reactor().recordEvent(id(), message);
    reactor().report(outcome::ListenerWarning{id(), message});
}

} // namespace sockbench
