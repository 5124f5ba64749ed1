#include "engine/reactor.h"

#include "engine/outboxevent.h"
#include "engine/sockaddr.h"

#include <QCoreApplication>

#include <cerrno>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <iterator>

namespace sockbench {

namespace {

constexpr qint64 NotifyIntervalNs = 10'000'000; // coalesce traffic notifications to ~100/s

} // namespace

qint64 monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

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
    m_thread = std::thread([this] { run(); });
}

Reactor::~Reactor() {
    requestStop();
    join();
    // Sockets close their own descriptors; their timers die with m_timers.
    m_sockets.clear();
    m_retired.clear();
    m_adoptions.clear();
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

void Reactor::adopt(std::vector<std::unique_ptr<Socket>> batch) {
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
    QCoreApplication::postEvent(m_shared->receiver, new OutboxEvent(std::move(m_outbox)));
    m_outbox.clear();
}

// ---------------------------------------------------------------------------------------------
// Loop

void Reactor::run() {
    constexpr int MaxEvents = 256;
    epoll_event events[MaxEvents];
    int later[MaxEvents];
    while (!m_stop.load(std::memory_order_relaxed)) {
        const int n = epoll_wait(m_epoll, events, MaxEvents, nextTimeoutMs(monotonicNs()));
        if (n < 0 && errno != EINTR)
            break;
        // Sockets that lose what they do not read in time go first, so that a stream flooding this
        // reactor cannot hold the loop while a UDP socket's buffer overflows; the datagram sockets
        // also tell the streams (datagramBacklog) to keep their turn short while they catch up.
        m_datagramBacklog = false;
        int laterCount = 0;
        for (int i = 0; i < n; ++i) {
            const EndpointId id = events[i].data.u64;
            if (id == 0) {
                quint64 drained;
                [[maybe_unused]] auto r = ::read(m_wake, &drained, sizeof drained);
                continue;
            }
            Socket *s = find(id);
            if (!s || s->fd() < 0)
                continue; // finished earlier in this batch
            if (s->dropsUnreadInput())
                s->onReady(events[i].events);
            else
                later[laterCount++] = i;
        }
        for (int k = 0; k < laterCount; ++k) {
            const epoll_event &event = events[later[k]];
            Socket *s = find(event.data.u64);
            if (!s || s->fd() < 0)
                continue; // finished earlier in this batch
            s->onReady(event.events);
        }
        if (m_stop.load(std::memory_order_relaxed))
            break;
        runCommands();
        const qint64 now = monotonicNs();
        runTimers(now);
        flushNotifications(now);
        flushOutbox();
        m_retired.clear();
    }
}

void Reactor::runCommands() {
    std::vector<std::function<void()>> commands;
    std::vector<std::unique_ptr<Socket>> adoptions;
    {
        std::lock_guard lock(m_queueMutex);
        commands.swap(m_commands);
        adoptions.swap(m_adoptions);
    }
    // Adoptions first: a command for an accepted connection always comes after its adoption.
    for (auto &socket : adoptions)
        add(std::move(socket)).adopted();
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

TimerQueue::iterator Reactor::addTimer(qint64 delayMs, TimerEntry entry) {
    return m_timers.emplace(monotonicNs() + delayMs * 1'000'000, entry);
}

void Reactor::eraseTimer(TimerQueue::iterator timer) {
    m_timers.erase(timer);
}

void Reactor::runTimers(qint64 now) {
    while (!m_timers.empty() && m_timers.begin()->first <= now) {
        const TimerEntry t = m_timers.begin()->second;
        m_timers.erase(m_timers.begin());
        if (Socket *s = find(t.id))
            s->timerExpired(t.kind);
    }
}

void Reactor::flushNotifications(qint64 now) {
    if (!m_dirtyWritten.empty() && now - m_lastWrittenFlushNs >= NotifyIntervalNs) {
        for (EndpointId id : m_dirtyWritten) {
            const Socket *s = find(id);
            if (const auto progress = s ? s->writeProgress() : std::nullopt)
                report(outcome::BytesWritten{id, progress->written, progress->queued});
        }
        m_dirtyWritten.clear();
        m_lastWrittenFlushNs = now;
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

// ---------------------------------------------------------------------------------------------
// Services for the sockets

void Reactor::addSocket(std::unique_ptr<Socket> socket) {
    const EndpointId id = socket->id();
    if (socket->dropsUnreadInput())
        m_datagramSockets.fetch_add(1, std::memory_order_relaxed);
    m_sockets.emplace(id, std::move(socket));
}

Socket *Reactor::find(EndpointId id) {
    auto it = m_sockets.find(id);
    return it == m_sockets.end() ? nullptr : it->second.get();
}

void Reactor::setInterest(int fd, EndpointId id, quint32 events, bool isNew) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    epoll_ctl(m_epoll, isNew ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

void Reactor::removeInterest(int fd) {
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
}

char *Reactor::readBuffer(size_t bytes) {
    if (m_readBuffer.size() < bytes)
        m_readBuffer.resize(bytes);
    return m_readBuffer.data();
}

void Reactor::recordData(EndpointId id, RecordKind kind, const char *data, quint32 length,
                         const NetAddress *peer, quint32 originalLength) {
    m_journal.appendData(id, kind, data, length, peer, originalLength);
    m_unannounced = true;
}

void Reactor::recordEvent(EndpointId id, const QString &text, Marker marker) {
    m_journal.appendEvent(id, text, marker);
    m_unannounced = true;
}

void Reactor::sendFailed(EndpointId id, const QString &reason) {
    recordEvent(id, QStringLiteral("Send failed: %1").arg(reason));
    report(outcome::SendFailed{id, reason});
}

void Reactor::markWritten(EndpointId id) {
    m_dirtyWritten.insert(id);
}

void Reactor::retire(Socket &socket, EndpointState state, const QString &detail, bool resetByUs) {
    const EndpointId id = socket.id();
    std::optional<TcpInfo> lastInfo = socket.closingTcpInfo(); // the descriptor is still open here
    socket.closeFd();
    Marker marker = Marker::Closed;
    if (state == EndpointState::Reset)
        marker = resetByUs ? Marker::ResetSent : Marker::ResetReceived;
    else if (state == EndpointState::Failed)
        marker = Marker::Failed;
    recordEvent(id, detail.isEmpty() ? toString(state) : detail, marker);
    // A final progress report so the UI's queued column does not freeze at a stale value: the
    // queue dies with the socket, whether or not anything was written since the last report.
    const bool dirty = m_dirtyWritten.erase(id) > 0;
    if (const auto progress = socket.writeProgress(); progress && (dirty || progress->queued > 0))
        report(outcome::BytesWritten{id, progress->written, 0});
    report(outcome::Final{id, state, detail, resetByUs, std::move(lastInfo)});
    socket.cancelTimers();
    if (socket.dropsUnreadInput())
        m_datagramSockets.fetch_sub(1, std::memory_order_relaxed);
    if (auto it = m_sockets.find(id); it != m_sockets.end()) {
        m_retired.push_back(std::move(it->second));
        m_sockets.erase(it);
    }
}

void Reactor::resolveThen(const Socket &owner, const QString &host, quint16 port, int family, Lookup lookup,
                          std::function<void(const Resolver::Result &)> then) {
    const EndpointId id = owner.id();
    if (toSockaddr(host, port)) {
        then({{NetAddress{host, port}}, {}});
        return;
    }
    // A datagram's destination is looked up while its socket stays Bound; only set-up lookups are a state.
    if (lookup == Lookup::SetsUp)
        report(outcome::Resolving{id, host});
    // getaddrinfo blocks; run it on a thread of its own so neither the GUI nor this loop waits.
    // The thread holds the shared state, so a hanging lookup cannot outlive what it posts to.
    std::thread([shared = m_shared, index = m_index, reactor = this, id, host, port, family,
                 then = std::move(then)]() mutable {
        Resolver::Result result = shared->resolver->resolve(host, port, family);
        // postTo() drops the command once the reactor is gone, so `reactor` is only used while alive.
        shared->postTo(index, [reactor, id, then = std::move(then), result = std::move(result)] {
            if (reactor->find(id))
                then(result);
        });
    }).detach();
}

} // namespace sockbench
