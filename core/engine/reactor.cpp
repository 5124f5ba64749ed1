#include "engine/reactor.h"

#include "engine/outboxevent.h"
#include "engine/sockaddr.h"
#include "language/address.h"

#include <QCoreApplication>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <deque>
#include <iterator>
#include <optional>

namespace sockbench {

namespace {

constexpr qint64 NotifyIntervalNs = 10'000'000; // coalesce traffic notifications to ~100/s
constexpr int ReadChunk = 256 * 1024;
constexpr int MaxReadsPerEvent = 16; // fairness between busy sockets
constexpr int MaxAcceptsPerEvent = 512;
constexpr int MaxDatagramBatchesPerEvent = 32;
constexpr int DatagramBatch = 64;
constexpr quint64 EchoHighWater = 4 * 1024 * 1024; // stop reading an echo peer that does not read
constexpr quint64 EchoLowWater = 1024 * 1024;
constexpr qint64 AcceptRetryMs = 100;
constexpr qint64 CloseLingerMs = 2000; // graceful close waits this long for the peer's FIN
constexpr int MaxIov = 64;

qint64 monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

QString errorText(int error) {
    return errnoText(error);
}

int socketError(int fd) {
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        return errno;
    return error;
}

/// Index of a network interface by name; an empty name is index 0 (let the kernel choose).
bool interfaceIndex(const QString &name, unsigned *index) {
    *index = name.isEmpty() ? 0 : if_nametoindex(name.toLocal8Bit().constData());
    return name.isEmpty() || *index != 0;
}

void setFlag(int fd, int level, int option, int value) {
    setsockopt(fd, level, option, &value, sizeof value);
}

} // namespace

struct Reactor::Sock {
    EndpointId id = 0;
    EndpointKind kind = EndpointKind::TcpConnection;
    EndpointState state = EndpointState::Resolving;
    int fd = -1;
    quint32 events = 0;                                 ///< current epoll interest
    std::optional<Timers::iterator> timers[TimerKinds]; ///< armed timers, erased with the socket
    bool registered = false;                            ///< fd is in the epoll set

    // Listener
    ListenerOptions listenerOptions;
    NetAddress local;
    bool acceptPaused = false;

    // TCP connection
    EndpointId listener = 0;
    AutoReply reply = AutoReply::None;
    std::deque<QByteArray> queue;
    qsizetype frontOffset = 0;
    quint64 queued = 0;
    quint64 written = 0;
    bool readPaused = false; ///< echo back-pressure
    bool peerFin = false;    ///< EOF read
    bool finSent = false;    ///< shutdown(SHUT_WR) done
    bool wantFin = false;    ///< shutdown(SHUT_WR) once the queue drains
    bool closing = false;    ///< graceful close requested: FIN, then wait for the peer's FIN
    bool wasConnected = false;
    bool v6 = false; ///< socket family (UDP: decides v4-mapped destinations)

    // Outgoing connection
    ConnectOptions connectOptions;
    QList<NetAddress> candidates;
    qsizetype candidate = 0;
    QString lastConnectError;

    // UDP
    UdpOptions udpOptions;
    struct Datagram {
        NetAddress to;
        QByteArray bytes;
    };
    std::deque<Datagram> datagrams;
};

void ReactorShared::postTo(int reactorIndex, std::function<void()> command) {
    std::lock_guard lock(mailboxMutex);
    if (reactorIndex >= 0 && size_t(reactorIndex) < reactors.size())
        reactors[size_t(reactorIndex)]->post(std::move(command));
}

Reactor::Reactor(std::shared_ptr<ReactorShared> shared, int index)
    : m_shared(std::move(shared))
    , m_journal(m_shared->journal)
    , m_index(index) {
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0; // id 0 is never an endpoint
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev);
    m_readBuffer.resize(ReadChunk);
    m_thread = std::thread([this] { run(); });
}

Reactor::~Reactor() {
    requestStop();
    join();
    for (auto &[id, s] : m_socks) {
        if (s->fd >= 0)
            ::close(s->fd);
    }
    m_socks.clear();
    for (const Adoption &a : m_adoptions)
        ::close(a.fd);
    ::close(m_wake);
    ::close(m_epoll);
}

void Reactor::requestStop() {
    m_stop.store(true);
    wake();
}

void Reactor::join() {
    if (m_thread.joinable())
        m_thread.join();
}

void Reactor::post(std::function<void()> command) {
    bool wasEmpty = false;
    {
        std::lock_guard lock(m_queueMutex);
        wasEmpty = m_commands.empty() && m_adoptions.empty();
        m_commands.push_back(std::move(command));
    }
    // A non-empty queue has a wake-up pending already, or is about to be taken by this iteration.
    if (wasEmpty)
        wake();
}

void Reactor::adopt(std::vector<Adoption> batch) {
    bool wasEmpty = false;
    {
        std::lock_guard lock(m_queueMutex);
        wasEmpty = m_commands.empty() && m_adoptions.empty();
        std::move(batch.begin(), batch.end(), std::back_inserter(m_adoptions));
    }
    if (wasEmpty)
        wake();
}

void Reactor::wake() {
    const quint64 one = 1;
    [[maybe_unused]] auto n = ::write(m_wake, &one, sizeof one);
}

void Reactor::report(Outcome outcome) {
    m_outbox.push_back(std::move(outcome));
}

void Reactor::flushOutbox() {
    if (m_outbox.empty())
        return;
    // One posted event per loop iteration, not per outcome: under a burst of accepts the GUI thread
    // would otherwise spend its time in Qt's event machinery instead of our work.
    QCoreApplication::postEvent(m_shared->receiver, new OutboxEvent(std::move(m_outbox)));
    m_outbox.clear();
}

// ---------------------------------------------------------------------------------------------
// Loop

void Reactor::run() {
    constexpr int MaxEvents = 256;
    epoll_event events[MaxEvents];
    while (!m_stop.load(std::memory_order_relaxed)) {
        const int n = epoll_wait(m_epoll, events, MaxEvents, nextTimeoutMs(monotonicNs()));
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; ++i) {
            const EndpointId id = events[i].data.u64;
            if (id == 0) {
                quint64 drained;
                [[maybe_unused]] auto r = ::read(m_wake, &drained, sizeof drained);
                continue;
            }
            Sock *s = find(id);
            if (!s || s->fd < 0)
                continue; // finished earlier in this batch
            switch (s->kind) {
            case EndpointKind::TcpListener:
                onListenerReady(*s);
                break;
            case EndpointKind::TcpConnection:
                if (s->state == EndpointState::Connecting)
                    onConnectReady(*s);
                else
                    onConnectionEvent(*s, events[i].events);
                break;
            case EndpointKind::UdpSocket:
                if (events[i].events & EPOLLOUT)
                    flushDatagrams(*s);
                if (find(id) && (events[i].events & (EPOLLIN | EPOLLERR)))
                    readDatagrams(*s);
                break;
            }
        }
        if (m_stop.load(std::memory_order_relaxed))
            break;
        runCommands();
        const qint64 now = monotonicNs();
        runTimers(now);
        flushNotifications(now);
        flushOutbox();
    }
}

void Reactor::runCommands() {
    std::vector<std::function<void()>> commands;
    std::vector<Adoption> adoptions;
    {
        std::lock_guard lock(m_queueMutex);
        commands.swap(m_commands);
        adoptions.swap(m_adoptions);
    }
    // Adoptions first: a command for an accepted connection always comes after its adoption.
    for (Adoption &a : adoptions)
        adoptNow(std::move(a));
    for (auto &c : commands)
        c();
}

int Reactor::nextTimeoutMs(qint64 now) const {
    qint64 deadline = -1;
    if (!m_timers.empty())
        deadline = m_timers.begin()->first;
    if (m_unannounced || !m_dirtyWritten.empty()) {
        const qint64 notifyAt = now + NotifyIntervalNs / 2;
        deadline = deadline < 0 ? notifyAt : std::min(deadline, notifyAt);
    }
    if (deadline < 0)
        return -1;
    return int(std::clamp<qint64>((deadline - now + 999'999) / 1'000'000, 0, 60'000));
}

void Reactor::addTimer(Sock &s, TimerKind kind, qint64 delayMs) {
    cancelTimer(s, kind);
    s.timers[int(kind)] = m_timers.emplace(monotonicNs() + delayMs * 1'000'000, Timer{s.id, kind});
}

void Reactor::cancelTimer(Sock &s, TimerKind kind) {
    if (auto &armed = s.timers[int(kind)]) {
        m_timers.erase(*armed);
        armed.reset();
    }
}

void Reactor::runTimers(qint64 now) {
    while (!m_timers.empty() && m_timers.begin()->first <= now) {
        const Timer t = m_timers.begin()->second;
        m_timers.erase(m_timers.begin());
        Sock *s = find(t.id);
        if (!s)
            continue;
        s->timers[int(t.kind)].reset();
        switch (t.kind) {
        case TimerKind::ConnectTimeout:
            if (s->state == EndpointState::Connecting || s->state == EndpointState::Resolving)
                finish(*s, EndpointState::Failed,
                       QStringLiteral("Connection timed out after %1 ms").arg(s->connectOptions.timeoutMs));
            break;
        case TimerKind::AcceptRetry:
            if (s->acceptPaused) {
                watch(*s, EPOLLIN); // level-triggered: fires at once if clients are waiting
                onListenerReady(*s);
            }
            break;
        case TimerKind::CloseLinger:
            finish(*s, EndpointState::Closed,
                   QStringLiteral("Closed (peer did not finish within %1 ms)").arg(CloseLingerMs));
            break;
        }
    }
}

void Reactor::flushNotifications(qint64 now) {
    if (!m_dirtyWritten.empty() && now - m_lastWrittenFlushNs >= NotifyIntervalNs) {
        struct Progress {
            EndpointId id;
            quint64 written;
            quint64 queued;
        };
        std::vector<Progress> batch;
        batch.reserve(m_dirtyWritten.size());
        for (EndpointId id : m_dirtyWritten) {
            if (const Sock *s = find(id))
                batch.push_back({id, s->written, s->queued});
        }
        m_dirtyWritten.clear();
        m_lastWrittenFlushNs = now;
        if (!batch.empty()) {
            for (const Progress &p : batch)
                report(outcome::BytesWritten{p.id, p.written, p.queued});
        }
    }
    if (m_unannounced) {
        ReactorShared &sh = *m_shared;
        if (now - sh.lastGrowPostNs.load() >= NotifyIntervalNs) {
            // One pending announcement covers every reactor's appends: it reads the count when it runs.
            if (!sh.growPosted.exchange(true)) {
                sh.lastGrowPostNs.store(now);
                report(outcome::JournalGrew{});
            }
            m_unannounced = false;
        }
    }
}

Reactor::Sock *Reactor::find(EndpointId id) {
    auto it = m_socks.find(id);
    return it == m_socks.end() ? nullptr : it->second.get();
}

void Reactor::watch(Sock &s, quint32 events) {
    if (s.fd < 0)
        return;
    if (s.registered && s.events == events)
        return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = s.id;
    epoll_ctl(m_epoll, s.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s.fd, &ev);
    s.registered = true;
    s.events = events;
}

void Reactor::recordEvent(EndpointId id, const QString &text) {
    m_journal.appendEvent(id, text);
    m_unannounced = true;
}

void Reactor::sendFailed(EndpointId id, const QString &reason) {
    recordEvent(id, QStringLiteral("Send failed: %1").arg(reason));
    report(outcome::SendFailed{id, reason});
}

void Reactor::markWritten(Sock &s) {
    m_dirtyWritten.insert(s.id);
}

void Reactor::finish(Sock &s, EndpointState state, const QString &detail) {
    const EndpointId id = s.id;
    if (s.fd >= 0) {
        if (s.registered)
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, s.fd, nullptr);
        ::close(s.fd);
        s.fd = -1;
    }
    recordEvent(id, detail.isEmpty() ? toString(state) : detail);
    // A final progress report so the UI's queued column does not freeze at a stale value: the
    // queue dies with the socket, whether or not anything was written since the last report.
    const bool dirty = m_dirtyWritten.erase(id) > 0;
    if (s.kind == EndpointKind::TcpConnection && (dirty || s.queued > 0)) {
        report(outcome::BytesWritten{id, s.written, 0});
    }
    report(outcome::Final{id, state, detail});
    for (int kind = 0; kind < TimerKinds; ++kind)
        cancelTimer(s, TimerKind(kind));
    m_socks.erase(id);
}

void Reactor::resolveThen(EndpointId id, const QString &host, quint16 port, int family, Lookup lookup,
                          std::function<void(const Resolver::Result &)> then) {
    if (toSockaddr(host, port)) {
        then({{NetAddress{host, port}}, {}});
        return;
    }
    // A datagram's destination is looked up while its socket stays Bound; only set-up lookups are a state.
    if (lookup == Lookup::SetsUp)
        report(outcome::Resolving{id, host});
    // getaddrinfo blocks; run it on a thread of its own so neither the GUI nor this loop waits.
    // The thread holds the shared state, so a hanging lookup cannot outlive what it posts to.
    std::thread([shared = m_shared, index = m_index, host, port, family, then = std::move(then)]() mutable {
        Resolver::Result result = shared->resolver->resolve(host, port, family);
        shared->postTo(index, [then = std::move(then), result = std::move(result)] { then(result); });
    }).detach();
}

// ---------------------------------------------------------------------------------------------
// TCP listener

void Reactor::listenTcp(EndpointId id, const QString &host, quint16 port, const ListenerOptions &options) {
    auto sock = std::make_unique<Sock>();
    sock->id = id;
    sock->kind = EndpointKind::TcpListener;
    sock->listenerOptions = options;
    m_socks.emplace(id, std::move(sock));
    resolveThen(id, host, port, AF_UNSPEC, Lookup::SetsUp, [this, id](const Resolver::Result &r) {
        Sock *s = find(id);
        if (!s)
            return; // closed while resolving
        if (r.addresses.isEmpty())
            finish(*s, EndpointState::Failed, r.error);
        else
            startListening(*s, r.addresses.first());
    });
}

void Reactor::startListening(Sock &s, const NetAddress &address) {
    const auto sa = toSockaddr(address.ip, address.port);
    if (!sa) {
        finish(s, EndpointState::Failed, QStringLiteral("Not a numeric address: %1").arg(address.ip));
        return;
    }
    s.fd = ::socket(sa->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) {
        finish(s, EndpointState::Failed, errorText(errno));
        return;
    }
    if (s.listenerOptions.reuseAddress)
        setFlag(s.fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (sa->family() == AF_INET6)
        setFlag(s.fd, IPPROTO_IPV6, IPV6_V6ONLY, s.listenerOptions.dualStack ? 0 : 1);
    const int backlog = s.listenerOptions.backlog > 0 ? s.listenerOptions.backlog : SOMAXCONN;
    if (::bind(s.fd, sa->get(), sa->length) != 0 || ::listen(s.fd, backlog) != 0) {
        finish(s, EndpointState::Failed, errorText(errno));
        return;
    }
    s.state = EndpointState::Listening;
    watch(s, EPOLLIN);
    const NetAddress local = localAddressOf(s.fd);
    s.local = local;
    recordEvent(s.id, QStringLiteral("Listening on %1").arg(local.toString()));
    report(outcome::ListenerStarted{s.id, local});
}

void Reactor::onListenerReady(Sock &s) {
    std::vector<std::vector<Adoption>> handoff(m_shared->reactors.size());
    const bool isWildcard = isWildcardAddress(s.local.ip);
    const QByteArray greeting =
        s.listenerOptions.autoReply == AutoReply::Greeting ? s.listenerOptions.greeting : QByteArray();
    for (int i = 0; i < MaxAcceptsPerEvent; ++i) {
        SockAddr peer;
        peer.length = sizeof peer.storage;
        const int fd = ::accept4(s.fd, peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK)
                break;
            if (error == EINTR || error == ECONNABORTED || error == EPROTO)
                continue;
            if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
                // Level-triggered epoll would report the waiting clients again at once and spin;
                // stop watching, leave them in the backlog, and retry shortly.
                if (!s.acceptPaused) {
                    s.acceptPaused = true;
                    const QString message = QStringLiteral("%1: accepting paused").arg(errorText(error));
                    recordEvent(s.id, message);
                    report(outcome::ListenerWarning{s.id, message});
                }
                watch(s, 0);
                addTimer(s, TimerKind::AcceptRetry, AcceptRetryMs);
                break;
            }
            recordEvent(s.id, QStringLiteral("accept: %1").arg(errorText(error)));
            break;
        }
        if (s.acceptPaused) {
            s.acceptPaused = false;
            const QString message = QStringLiteral("Descriptors available again: accepting resumed");
            recordEvent(s.id, message);
            report(outcome::ListenerWarning{s.id, message});
        }
        const EndpointId id = m_shared->nextId.fetch_add(1);
        // A listener bound to one address accepts on exactly that address; only a wildcard one
        // needs to ask the kernel which of its addresses the client reached.
        const NetAddress local = isWildcard ? localAddressOf(fd) : s.local;
        const NetAddress remote = fromSockaddr(peer.get());
        // The listening reactor keeps only the accepting for itself when there are others to serve the
        // connections: a burst fills the kernel's accept queue (somaxconn, 4,096 here) in ~80 ms, and a
        // drop costs the client a 1 s SYN retransmit.
        size_t target = size_t(m_index);
        if (const size_t others = m_shared->reactors.size() - 1; others > 0) {
            target = m_shared->nextAcceptReactor.fetch_add(1) % others;
            target += target >= size_t(m_index) ? 1 : 0;
        }
        recordEvent(id, QStringLiteral("Accepted from %1").arg(remote.toString()));
        report(outcome::Accepted{id, s.id, int(target), local, remote});
        Adoption adoption{fd, id, s.id, s.listenerOptions.autoReply, greeting};
        if (int(target) == m_index)
            adoptNow(std::move(adoption));
        else
            handoff[target].push_back(std::move(adoption));
    }
    // The Workbench must learn of each connection (and which reactor owns it) before anything else
    // about it can reach it: post our news first, then hand the sockets over.
    flushOutbox();
    for (size_t r = 0; r < handoff.size(); ++r) {
        if (!handoff[r].empty())
            m_shared->reactors[r]->adopt(std::move(handoff[r]));
    }
}

// ---------------------------------------------------------------------------------------------
// TCP connections

void Reactor::adoptNow(Adoption a) {
    auto sock = std::make_unique<Sock>();
    Sock &s = *sock;
    s.id = a.id;
    s.kind = EndpointKind::TcpConnection;
    s.state = EndpointState::Connected;
    s.fd = a.fd;
    s.listener = a.listener;
    s.reply = a.reply;
    s.wasConnected = true;
    m_socks.emplace(a.id, std::move(sock));
    watch(s, EPOLLIN);
    if (a.reply == AutoReply::Greeting && !a.greeting.isEmpty())
        enqueue(s, a.greeting);
}

void Reactor::connectTcp(EndpointId id, const QString &host, quint16 port, const ConnectOptions &options) {
    auto sock = std::make_unique<Sock>();
    sock->id = id;
    sock->kind = EndpointKind::TcpConnection;
    sock->connectOptions = options;
    Sock &s = *sock;
    m_socks.emplace(id, std::move(sock));
    if (options.timeoutMs > 0)
        addTimer(s, TimerKind::ConnectTimeout, options.timeoutMs);
    resolveThen(id, host, port, AF_UNSPEC, Lookup::SetsUp, [this, id](const Resolver::Result &r) {
        Sock *s = find(id);
        if (!s)
            return; // cancelled or timed out while resolving
        if (r.addresses.isEmpty()) {
            finish(*s, EndpointState::Failed, r.error);
            return;
        }
        s->candidates = r.addresses;
        s->candidate = 0;
        startConnect(*s);
    });
}

void Reactor::startConnect(Sock &s) {
    while (s.candidate < s.candidates.size()) {
        const NetAddress target = s.candidates[s.candidate];
        const auto sa = toSockaddr(target.ip, target.port);
        s.fd = sa ? ::socket(sa->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
        if (s.fd < 0) {
            s.lastConnectError = sa ? errorText(errno) : QStringLiteral("Not a numeric address");
            ++s.candidate;
            continue;
        }
        if (s.connectOptions.noDelay)
            setFlag(s.fd, IPPROTO_TCP, TCP_NODELAY, 1);
        s.state = EndpointState::Connecting;
        s.registered = false;
        recordEvent(s.id, QStringLiteral("Connecting to %1").arg(target.toString()));
        report(outcome::Connecting{s.id, target});
        if (::connect(s.fd, sa->get(), sa->length) == 0 || errno == EINPROGRESS) {
            watch(s, EPOLLOUT); // writable (or error) when the handshake ends
            return;
        }
        connectAttemptFailed(s, errorText(errno));
        return;
    }
    finish(s, EndpointState::Failed,
           s.lastConnectError.isEmpty() ? QStringLiteral("No address to connect to") : s.lastConnectError);
}

void Reactor::connectAttemptFailed(Sock &s, const QString &reason) {
    s.lastConnectError = reason;
    if (s.registered)
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, s.fd, nullptr);
    ::close(s.fd);
    s.fd = -1;
    s.registered = false;
    if (++s.candidate < s.candidates.size()) {
        recordEvent(s.id, QStringLiteral("%1: %2; trying the next address")
                              .arg(s.candidates[s.candidate - 1].toString(), reason));
        startConnect(s);
        return;
    }
    finish(s, EndpointState::Failed, reason);
}

void Reactor::onConnectReady(Sock &s) {
    const int error = socketError(s.fd);
    if (error != 0) {
        connectAttemptFailed(s, errorText(error));
        return;
    }
    s.state = EndpointState::Connected;
    s.wasConnected = true;
    cancelTimer(s, TimerKind::ConnectTimeout);
    const NetAddress local = localAddressOf(s.fd);
    const NetAddress peer = peerAddressOf(s.fd);
    recordEvent(s.id, QStringLiteral("Connected to %1 from %2").arg(peer.toString(), local.toString()));
    report(outcome::Connected{s.id, local, peer});
    watch(s, EPOLLIN | (s.queue.empty() ? 0u : quint32(EPOLLOUT)));
    if (!s.queue.empty())
        flushStream(s); // bytes sent while connecting
    else if (s.wantFin || s.closing)
        afterDrain(s);
}

void Reactor::onConnectionEvent(Sock &s, quint32 events) {
    const EndpointId id = s.id;
    if (events & EPOLLOUT) {
        flushStream(s);
        if (!find(id))
            return;
    }
    if (events & EPOLLERR) {
        const int error = socketError(s.fd);
        if (error == ECONNRESET || error == EPIPE) {
            finish(s, EndpointState::Reset, QStringLiteral("Connection reset by peer"));
            return;
        }
        if (error != 0) {
            finish(s, EndpointState::Failed, errorText(error));
            return;
        }
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        readStream(s);
}

void Reactor::readStream(Sock &s) {
    for (int i = 0; i < MaxReadsPerEvent; ++i) {
        const ssize_t n = ::recv(s.fd, m_readBuffer.data(), m_readBuffer.size(), MSG_DONTWAIT);
        if (n > 0) {
            m_journal.appendData(s.id, RecordKind::DataIn, m_readBuffer.data(), quint32(n));
            m_unannounced = true;
            if (s.reply == AutoReply::Echo && !s.finSent) {
                const EndpointId id = s.id;
                enqueue(s, QByteArray(m_readBuffer.data(), n));
                if (!find(id))
                    return; // the echo write found the connection reset
                if (s.queued >= EchoHighWater) {
                    s.readPaused = true;
                    watch(s, EPOLLOUT);
                    return;
                }
            }
            if (size_t(n) < m_readBuffer.size())
                return; // drained; level-triggered epoll tells us when more arrives
            continue;
        }
        if (n == 0) {
            // A second EOF only comes from EPOLLHUP (we stopped asking for EPOLLIN): both ends are done.
            if (s.finSent || s.closing || s.peerFin) {
                s.peerFin = true;
                finish(s, EndpointState::Closed,
                       s.finSent ? QStringLiteral("Closed by both ends") : QStringLiteral("Closed"));
                return;
            }
            s.state = EndpointState::PeerClosed;
            recordEvent(s.id, QStringLiteral("Peer closed its side (FIN received)"));
            report(outcome::PeerClosed{s.id});
            watch(s, s.queue.empty() ? 0u : quint32(EPOLLOUT)); // EOF stays readable: stop asking
            if (s.reply == AutoReply::Echo) {
                // An echo server answers everything, then closes too (like socat's PIPE).
                s.closing = true;
                if (s.queue.empty())
                    afterDrain(s);
            }
            return;
        }
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        if (error == EINTR)
            continue;
        if (error == ECONNRESET) {
            finish(s, EndpointState::Reset, QStringLiteral("Connection reset by peer"));
            return;
        }
        finish(s, EndpointState::Failed, errorText(error));
        return;
    }
}

void Reactor::enqueue(Sock &s, QByteArray bytes) {
    if (bytes.isEmpty())
        return;
    s.queued += quint64(bytes.size());
    s.queue.push_back(std::move(bytes));
    if (s.state == EndpointState::Connected || s.state == EndpointState::PeerClosed)
        flushStream(s);
}

void Reactor::flushStream(Sock &s) {
    const EndpointId id = s.id;
    while (!s.queue.empty()) {
        iovec iov[MaxIov];
        int count = 0;
        for (auto it = s.queue.begin(); it != s.queue.end() && count < MaxIov; ++it, ++count) {
            const qsizetype skip = count == 0 ? s.frontOffset : 0;
            iov[count].iov_base = const_cast<char *>(it->constData()) + skip;
            iov[count].iov_len = size_t(it->size() - skip);
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = size_t(count);
        const ssize_t n = ::sendmsg(s.fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            const int error = errno;
            if (error == EINTR)
                continue;
            if (error == EAGAIN || error == EWOULDBLOCK) {
                watch(s, (s.readPaused || s.peerFin ? 0u : quint32(EPOLLIN)) | EPOLLOUT);
                return;
            }
            if (error == ECONNRESET || error == EPIPE) {
                finish(s, EndpointState::Reset, QStringLiteral("Connection reset by peer"));
                return;
            }
            finish(s, EndpointState::Failed, errorText(error));
            return;
        }
        // Record what the kernel took, one record per message (or part of one).
        quint64 left = quint64(n);
        for (int i = 0; i < count && left > 0; ++i) {
            const quint64 take = std::min<quint64>(left, iov[i].iov_len);
            m_journal.appendData(id, RecordKind::DataOut, static_cast<const char *>(iov[i].iov_base),
                                 quint32(take));
            left -= take;
            if (take == iov[i].iov_len) {
                s.queue.pop_front();
                s.frontOffset = 0;
            } else {
                s.frontOffset += qsizetype(take);
            }
        }
        m_unannounced = true;
        s.queued -= quint64(n);
        s.written += quint64(n);
        markWritten(s);
    }
    if (s.readPaused && s.queued <= EchoLowWater)
        s.readPaused = false;
    watch(s, s.peerFin || s.readPaused ? 0u : quint32(EPOLLIN));
    afterDrain(s);
}

void Reactor::afterDrain(Sock &s) {
    if (!s.queue.empty() || s.fd < 0)
        return;
    if ((s.wantFin || s.closing) && !s.finSent) {
        ::shutdown(s.fd, SHUT_WR);
        s.finSent = true;
        recordEvent(s.id, QStringLiteral("FIN sent"));
    }
    if (s.closing) {
        if (s.peerFin) {
            finish(s, EndpointState::Closed, QStringLiteral("Closed"));
            return;
        }
        addTimer(s, TimerKind::CloseLinger, CloseLingerMs);
        watch(s, EPOLLIN); // keep recording until the peer's FIN
    } else if (s.finSent && s.peerFin) {
        finish(s, EndpointState::Closed, QStringLiteral("Closed by both ends"));
    }
}

void Reactor::send(EndpointId id, const QByteArray &bytes) {
    Sock *s = find(id);
    if (!s || s->kind != EndpointKind::TcpConnection) {
        sendFailed(id, QStringLiteral("Not connected"));
        return;
    }
    if (s->finSent || s->wantFin || s->closing) {
        sendFailed(id, QStringLiteral("Connection is closing (FIN sent)"));
        return;
    }
    enqueue(*s, bytes);
    if (find(id) && s->queued > 0)
        markWritten(*s);
}

void Reactor::shutdownWrite(EndpointId id) {
    Sock *s = find(id);
    if (!s || s->kind != EndpointKind::TcpConnection)
        return;
    s->wantFin = true;
    if (s->state == EndpointState::Connected || s->state == EndpointState::PeerClosed)
        afterDrain(*s);
}

void Reactor::close(EndpointId id) {
    Sock *s = find(id);
    if (!s)
        return;
    switch (s->kind) {
    case EndpointKind::TcpListener:
        finish(*s, EndpointState::Stopped, QStringLiteral("Stopped"));
        return;
    case EndpointKind::UdpSocket:
        finish(*s, EndpointState::Closed, QStringLiteral("Closed"));
        return;
    case EndpointKind::TcpConnection:
        if (s->state == EndpointState::Resolving || s->state == EndpointState::Connecting) {
            finish(*s, EndpointState::Closed, QStringLiteral("Connect cancelled"));
            return;
        }
        s->closing = true;
        afterDrain(*s);
        return;
    }
}

void Reactor::abort(EndpointId id) {
    Sock *s = find(id);
    if (!s)
        return;
    if (s->kind != EndpointKind::TcpConnection || !s->wasConnected) {
        close(id);
        return;
    }
    const linger hard{1, 0};
    setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    const quint64 dropped = s->queued;
    finish(*s, EndpointState::Reset,
           dropped ? QStringLiteral("Aborted (RST sent, %1 queued bytes dropped)").arg(dropped)
                   : QStringLiteral("Aborted (RST sent)"));
}

// ---------------------------------------------------------------------------------------------
// UDP

void Reactor::bindUdp(EndpointId id, const QString &host, quint16 port, const UdpOptions &options) {
    auto sock = std::make_unique<Sock>();
    sock->id = id;
    sock->kind = EndpointKind::UdpSocket;
    sock->udpOptions = options;
    sock->udpOptions.maxDatagramBytes = std::clamp(options.maxDatagramBytes, 1, 65536);
    m_socks.emplace(id, std::move(sock));
    resolveThen(id, host, port, AF_UNSPEC, Lookup::SetsUp, [this, id](const Resolver::Result &r) {
        Sock *s = find(id);
        if (!s)
            return;
        if (r.addresses.isEmpty())
            finish(*s, EndpointState::Failed, r.error);
        else
            startUdp(*s, r.addresses.first());
    });
}

void Reactor::startUdp(Sock &s, const NetAddress &address) {
    const auto sa = toSockaddr(address.ip, address.port);
    s.fd = sa ? ::socket(sa->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
    if (s.fd < 0) {
        finish(s, EndpointState::Failed, sa ? errorText(errno) : QStringLiteral("Not a numeric address"));
        return;
    }
    const UdpOptions &o = s.udpOptions;
    if (o.reuseAddress)
        setFlag(s.fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (o.broadcast)
        setFlag(s.fd, SOL_SOCKET, SO_BROADCAST, 1);
    if (o.receiveBufferBytes > 0) {
        // FORCE ignores rmem_max but needs CAP_NET_ADMIN; the plain option is capped by rmem_max.
        if (setsockopt(s.fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.receiveBufferBytes, sizeof(int)) != 0)
            setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &o.receiveBufferBytes, sizeof(int));
    }
    if (sa->family() == AF_INET6)
        setFlag(s.fd, IPPROTO_IPV6, IPV6_V6ONLY, o.dualStack ? 0 : 1);
    unsigned ifindex = 0;
    if (!interfaceIndex(o.multicastInterface, &ifindex)) {
        finish(s, EndpointState::Failed, QStringLiteral("No such interface: %1").arg(o.multicastInterface));
        return;
    }
    // IPv4 options also apply to a dual-stack socket's v4-mapped groups; a v4 socket rejects the v6 ones.
    setFlag(s.fd, IPPROTO_IP, IP_MULTICAST_TTL, o.multicastHops);
    setFlag(s.fd, IPPROTO_IP, IP_MULTICAST_LOOP, o.multicastLoopback ? 1 : 0);
    if (ifindex) {
        ip_mreqn via{};
        via.imr_ifindex = int(ifindex);
        setsockopt(s.fd, IPPROTO_IP, IP_MULTICAST_IF, &via, sizeof via);
    }
    if (sa->family() == AF_INET6) {
        setFlag(s.fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, o.multicastHops);
        setFlag(s.fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, o.multicastLoopback ? 1 : 0);
        if (ifindex)
            setFlag(s.fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, int(ifindex));
    }
    if (::bind(s.fd, sa->get(), sa->length) != 0) {
        finish(s, EndpointState::Failed, errorText(errno));
        return;
    }
    s.state = EndpointState::Bound;
    s.v6 = sa->family() == AF_INET6;
    watch(s, EPOLLIN);
    const NetAddress local = localAddressOf(s.fd);
    recordEvent(s.id, QStringLiteral("Bound to %1").arg(local.toString()));
    // Joined before udpBound() goes out, so a sender started on that signal finds the group joined.
    for (const MulticastGroup &group : o.joinGroups)
        multicast(s.id, group.group, group.interfaceName, true);
    report(outcome::UdpBound{s.id, local, {}});
}

void Reactor::readDatagrams(Sock &s) {
    const size_t slot = size_t(s.udpOptions.maxDatagramBytes);
    if (m_udpBuffer.size() < slot * DatagramBatch)
        m_udpBuffer.resize(slot * DatagramBatch);
    mmsghdr msgs[DatagramBatch];
    iovec iov[DatagramBatch];
    sockaddr_storage from[DatagramBatch];
    for (int batch = 0; batch < MaxDatagramBatchesPerEvent; ++batch) {
        for (int i = 0; i < DatagramBatch; ++i) {
            iov[i].iov_base = m_udpBuffer.data() + size_t(i) * slot;
            iov[i].iov_len = slot;
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        // MSG_TRUNC makes msg_len the datagram's real length, so truncation is reported, not hidden.
        const int n = ::recvmmsg(s.fd, msgs, DatagramBatch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
        if (n < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK)
                return;
            if (error == EINTR)
                continue;
            // ICMP errors (e.g. port unreachable for an earlier send) surface here; not fatal for UDP.
            recordEvent(s.id, QStringLiteral("Receive error: %1").arg(errorText(error)));
            return;
        }
        for (int i = 0; i < n; ++i) {
            // Formatting the sender costs more than the rest; a burst repeats the same one.
            const socklen_t nameLength = msgs[i].msg_hdr.msg_namelen;
            if (nameLength != m_lastFromLength || std::memcmp(&from[i], &m_lastFrom, nameLength) != 0) {
                std::memcpy(&m_lastFrom, &from[i], nameLength);
                m_lastFromLength = nameLength;
                m_lastFromAddress = fromSockaddr(reinterpret_cast<const sockaddr *>(&from[i]));
            }
            const NetAddress &peer = m_lastFromAddress;
            const quint32 wire = msgs[i].msg_len;
            const quint32 kept = std::min<quint32>(wire, quint32(slot));
            m_journal.appendData(s.id, RecordKind::DataIn, static_cast<const char *>(iov[i].iov_base), kept,
                                 &peer, wire);
            if (s.udpOptions.echo)
                sendDatagramNow(s, peer, QByteArray(static_cast<const char *>(iov[i].iov_base), kept));
            if (s.fd < 0)
                return;
        }
        m_unannounced = true;
        if (n < DatagramBatch)
            return;
    }
}

void Reactor::sendDatagram(EndpointId id, const QString &host, quint16 port, const QByteArray &bytes) {
    Sock *s = find(id);
    if (!s || s->kind != EndpointKind::UdpSocket || s->state != EndpointState::Bound) {
        sendFailed(id, QStringLiteral("UDP socket is not open"));
        return;
    }
    const int family = s->udpOptions.dualStack ? AF_UNSPEC : s->v6 ? AF_INET6 : AF_INET;
    resolveThen(id, host, port, family, Lookup::Destination, [this, id, bytes](const Resolver::Result &r) {
        Sock *s = find(id);
        if (!s)
            return;
        if (r.addresses.isEmpty()) {
            sendFailed(id, r.error);
            return;
        }
        sendDatagramNow(*s, r.addresses.first(), bytes);
    });
}

void Reactor::sendDatagramNow(Sock &s, const NetAddress &to, const QByteArray &bytes) {
    if (!s.datagrams.empty()) {
        s.datagrams.push_back({to, bytes}); // keep order behind what already waits
        return;
    }
    NetAddress target = to;
    const bool socketV6 = s.v6;
    if (socketV6 && !to.isV6())
        target.ip = QStringLiteral("::ffff:") + to.ip; // v4-mapped, for a dual-stack socket
    else if (!socketV6 && to.isV6()) {
        sendFailed(s.id,
                   QStringLiteral("cannot send to IPv6 address %1 from an IPv4 socket").arg(to.toString()));
        return;
    }
    const auto sa = toSockaddr(target.ip, target.port);
    if (!sa) {
        sendFailed(s.id, QStringLiteral("Not a numeric address: %1").arg(to.ip));
        return;
    }
    for (;;) {
        const ssize_t n = ::sendto(s.fd, bytes.constData(), size_t(bytes.size()), MSG_DONTWAIT | MSG_NOSIGNAL,
                                   sa->get(), sa->length);
        if (n >= 0) {
            m_journal.appendData(s.id, RecordKind::DataOut, bytes.constData(), quint32(bytes.size()), &to);
            m_unannounced = true;
            return;
        }
        const int error = errno;
        if (error == EINTR)
            continue;
        if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS) {
            s.datagrams.push_back({to, bytes});
            watch(s, EPOLLIN | EPOLLOUT);
            return;
        }
        sendFailed(s.id, QStringLiteral("%1: %2").arg(to.toString(), errorText(error)));
        return;
    }
}

void Reactor::flushDatagrams(Sock &s) {
    std::deque<Sock::Datagram> pending;
    pending.swap(s.datagrams);
    watch(s, EPOLLIN);
    while (!pending.empty() && s.datagrams.empty() && s.fd >= 0) {
        sendDatagramNow(s, pending.front().to, pending.front().bytes);
        pending.pop_front();
    }
    // Whatever did not go out waits, in order, for the next EPOLLOUT.
    for (auto &d : pending)
        s.datagrams.push_back(std::move(d));
}

void Reactor::multicast(EndpointId id, const QString &group, const QString &interfaceName, bool join) {
    Sock *s = find(id);
    if (!s || s->kind != EndpointKind::UdpSocket || s->fd < 0) {
        sendFailed(id, QStringLiteral("UDP socket is not open"));
        return;
    }
    const QString verb = join ? QStringLiteral("join") : QStringLiteral("leave");
    unsigned ifindex = 0;
    if (!interfaceIndex(interfaceName, &ifindex)) {
        sendFailed(id, QStringLiteral("%1 %2: no such interface %3").arg(verb, group, interfaceName));
        return;
    }
    const auto sa = toSockaddr(group, 0);
    int rc = -1;
    if (sa && sa->family() == AF_INET) {
        ip_mreqn req{};
        req.imr_multiaddr = reinterpret_cast<const sockaddr_in *>(sa->get())->sin_addr;
        req.imr_ifindex = int(ifindex);
        rc = setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &req, sizeof req);
    } else if (sa && sa->family() == AF_INET6) {
        ipv6_mreq req{};
        req.ipv6mr_multiaddr = reinterpret_cast<const sockaddr_in6 *>(sa->get())->sin6_addr;
        req.ipv6mr_interface = ifindex;
        rc = setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &req, sizeof req);
    } else {
        sendFailed(id, QStringLiteral("%1: %2 is not a numeric group address").arg(verb, group));
        return;
    }
    if (rc != 0) {
        sendFailed(id, QStringLiteral("%1 %2: %3").arg(verb, group, errorText(errno)));
        return;
    }
    recordEvent(id, QStringLiteral("%1 multicast group %2%3")
                        .arg(join ? QStringLiteral("Joined") : QStringLiteral("Left"), group,
                             interfaceName.isEmpty() ? QString() : QStringLiteral(" on ") + interfaceName));
}

} // namespace sockbench
