#include "engine/udprelay.h"

#include "engine/datagramio.h"
#include "engine/reactor.h"
#include "engine/sockaddr.h"
#include "engine/sockopt.h"
#include "language/numbers.h"

#include <cerrno>
#include <netinet/in.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace sockbench {

namespace {

// The largest datagram IP can carry fits a slot, so nothing the relay reads is ever cut short.
constexpr size_t DatagramSlot = 65536;
constexpr int ReceiveBufferBytes = 32 * 1024 * 1024;
// A send queue waits for EPOLLOUT; beyond this a receiver too slow to keep up loses datagrams, as
// it would without the relay, instead of the relay's memory growing without bound.
constexpr size_t MaxQueuedDatagrams = 4096;
constexpr qsizetype MaxQueuedBytes = 8 * 1024 * 1024;
// Datagrams of clients heard while the target's name is still being looked up, and the clients.
constexpr size_t MaxPendingDatagrams = 1024;
constexpr size_t MaxWaitingClients = 256;
// A failed lookup of the target is tried again this long after, at the next client's datagram.
constexpr int TargetRetryMs = 5000;
// Clients named in the journal when the target cannot be resolved; the rest are only counted.
constexpr size_t MaxRefusedClientsNamed = 64;
// A client whose socket to the target could not be opened (EMFILE, a refused address) is not
// tried again for this long: its datagrams are dropped and counted, not one failure each.
constexpr qint64 FailedClientHoldNs = qint64(2000) * 1'000'000;
constexpr size_t MaxFailedClients = 1024;

/// "120 s", "0.3 s".
QString secondsText(int ms) {
    return QStringLiteral("%1 s").arg(QString::number(ms / 1000.0, 'g', 6));
}

/// The kernel's address as a map key: cheaper than formatting it, and exact.
std::string keyOf(const sockaddr_storage &from, socklen_t length) {
    return std::string(reinterpret_cast<const char *>(&from), length);
}

/// One socket's datagrams waiting for EPOLLOUT, bounded; a connected socket sends without `to`.
class SendQueue final {
public:
    SendQueue() = default;
    Q_DISABLE_COPY_MOVE(SendQueue)

    /// Sends one datagram now, or queues a copy behind the ones waiting; records DataOut once sent.
    /// Most datagrams go out at once, straight from the read buffer, without a copy.
    void send(Socket &socket, const SockAddr *to, const NetAddress &peer, const char *data, qsizetype size) {
        if (m_queue.empty()) {
            switch (trySend(socket, to, peer, data, size)) {
            case Result::Sent:
            case Result::Failed:
                return;
            case Result::WouldBlock:
                socket.watch(EPOLLIN | EPOLLOUT);
                break;
            }
        }
        enqueue(socket, to, peer, QByteArray(data, size));
    }

    /// EPOLLOUT: sends what waits, in order, until the kernel is full again.
    void flush(Socket &socket) {
        while (!m_queue.empty() && socket.fd() >= 0) {
            const Queued &front = m_queue.front();
            if (trySend(socket, front.to ? &*front.to : nullptr, front.peer, front.bytes.constData(),
                        front.bytes.size()) == Result::WouldBlock)
                return;
            m_bytes -= front.bytes.size();
            m_queue.pop_front();
        }
        if (socket.fd() < 0)
            return;
        socket.watch(EPOLLIN);
        if (m_dropped > 0) {
            socket.reactor().recordEvent(socket.id(),
                                         QStringLiteral("Send queue drained: %1 datagrams (%2 bytes) "
                                                        "dropped while it was full")
                                             .arg(m_dropped)
                                             .arg(m_droppedBytes));
            m_dropped = 0;
            m_droppedBytes = 0;
        }
    }

private:
    enum class Result : quint8 { Sent, WouldBlock, Failed };
    struct Queued {
        std::optional<SockAddr> to;
        NetAddress peer;
        QByteArray bytes;
    };

    Result trySend(Socket &socket, const SockAddr *to, const NetAddress &peer, const char *data,
                   qsizetype size) {
        for (;;) {
            const ssize_t n = to ? ::sendto(socket.fd(), data, size_t(size), MSG_DONTWAIT | MSG_NOSIGNAL,
                                            to->get(), to->length)
                                 : ::send(socket.fd(), data, size_t(size), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n >= 0) {
                socket.reactor().recordData(socket.id(), RecordKind::DataOut, data, quint32(size), &peer);
                return Result::Sent;
            }
            const int error = errno;
            if (error == EINTR)
                continue;
            if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS)
                return Result::WouldBlock;
            // A connected socket learns here of an ICMP error for an earlier datagram (port
            // unreachable): this one is lost, the socket still serves.
            socket.reactor().recordEvent(
                socket.id(), QStringLiteral("Send to %1 failed: %2").arg(peer.toString(), errnoText(error)));
            return Result::Failed;
        }
    }

    void enqueue(Socket &socket, const SockAddr *to, const NetAddress &peer, QByteArray bytes) {
        if (m_queue.size() >= MaxQueuedDatagrams || m_bytes + bytes.size() > MaxQueuedBytes) {
            if (m_dropped++ == 0)
                socket.reactor().recordEvent(socket.id(),
                                             QStringLiteral("Send queue full (%1 datagrams, %2 bytes "
                                                            "waiting): dropping datagrams")
                                                 .arg(m_queue.size())
                                                 .arg(m_bytes));
            m_droppedBytes += quint64(bytes.size());
            return;
        }
        m_bytes += bytes.size();
        m_queue.push_back({to ? std::optional<SockAddr>(*to) : std::nullopt, peer, std::move(bytes)});
    }

    std::deque<Queued> m_queue;
    qsizetype m_bytes = 0;
    quint64 m_dropped = 0; ///< since the queue filled up; said when it drains
    quint64 m_droppedBytes = 0;
};

/// Reads datagrams in whole-datagram slots (see datagramio::readDatagrams).
template <typename Sink> void readDatagrams(Socket &socket, Sink &&sink) {
    datagramio::readDatagrams(socket, DatagramSlot, std::forward<Sink>(sink), [] {});
}

} // namespace

// ---------------------------------------------------------------------------------------------
// The socket to the target for one client address

/// The relay's socket to the target for one client address: connected to the target, so that the
/// kernel drops datagrams from anywhere else. It runs both of the client's fault directions (what
/// goes up leaves here; what comes down leaves from the relay) and its idle time, on one timer.
class UdpRelayUpstream final : public Socket {
public:
    UdpRelayUpstream(Reactor &owner, EndpointId id, UdpRelay &relay, std::string clientKey, NetAddress client,
                     SockAddr clientAddress, NetAddress target, const RelayFaults &faults, quint64 arrival,
                     int idleMs)
        : Socket(owner, id, EndpointState::Bound)
        , m_relay(&relay)
        , m_clientKey(std::move(clientKey))
        , m_client(std::move(client))
        , m_clientAddress(clientAddress)
        , m_target(std::move(target))
        , m_faults(faults)
        , m_up(faults.up, faultSeed(faults.seed, arrival, RelayDirection::Up))
        , m_down(faults.down, faultSeed(faults.seed, arrival, RelayDirection::Down))
        , m_idleMs(idleMs)
        , m_lastClientNs(monotonicNs()) {}
    ~UdpRelayUpstream() override;
    Q_DISABLE_COPY_MOVE(UdpRelayUpstream)

    /// Opens the descriptor and connects it to the target; false (and Final Failed) when it cannot.
    bool open() {
        const auto sa = toSockaddr(m_target.ip, m_target.port);
        const int fd = sa ? ::socket(sa->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
        if (fd < 0) {
            end(EndpointState::Failed, sa ? errnoText(errno) : QStringLiteral("Not a numeric address"));
            return false;
        }
        setFd(fd);
        setReceiveBuffer(fd, ReceiveBufferBytes);
        // connect() binds an ephemeral port and makes the kernel ignore replies from anywhere else.
        if (::connect(fd, sa->get(), sa->length) != 0) {
            end(EndpointState::Failed, QStringLiteral("%1: %2").arg(m_target.toString(), errnoText(errno)));
            return false;
        }
        watch(EPOLLIN);
        const NetAddress local = localAddressOf(fd);
        reactor().describeEndpoint(
            id(), {EndpointKind::UdpSocket, true, m_relay ? m_relay->id() : 0, local, m_target});
        reactor().recordEvent(id(), QStringLiteral("Relaying for %1: bound to %2, sending to %3")
                                        .arg(m_client.toString(), local.toString(), m_target.toString()));
        reactor().report(outcome::UdpBound{id(), local, m_target, {}});
        armFor(monotonicNs());
        return true;
    }

    const std::string &clientKey() const { return m_clientKey; }
    const NetAddress &client() const { return m_client; }
    const SockAddr &clientAddress() const { return m_clientAddress; }

    /// A datagram from the client (already recorded on the relay) to send to the target.
    void fromClient(const char *data, quint32 size) {
        const qint64 now = monotonicNs();
        m_lastClientNs = now;
        if (m_up.isPassThrough()) {
            m_toTarget.send(*this, nullptr, m_target, data, qsizetype(size));
            return;
        }
        m_up.push(QByteArray(data, size), now);
        for (const QString &event : m_up.takeDropped())
            reactor().recordEvent(id(), event);
        releaseDue(now);
    }

    void setFaults(const RelayFaults &faults) {
        m_faults = faults;
        m_up.setFaults(faults.up);
        m_down.setFaults(faults.down);
        reactor().recordEvent(id(), faults.journalText());
        armFor(monotonicNs());
    }

    /// Closes the socket: its relay forgets the client (a later datagram opens a new socket).
    void end(EndpointState state, const QString &detail);

    void onReady(quint32 events) override {
        if (events & EPOLLOUT)
            m_toTarget.flush(*this);
        if (!isFinished() && (events & (EPOLLIN | EPOLLERR)))
            read();
    }

    void onTimer(TimerKind kind) override {
        if (kind != TimerKind::Fault || fd() < 0)
            return;
        m_armedNs = -1;
        const qint64 now = monotonicNs();
        if (m_idleMs > 0 && now - m_lastClientNs >= qint64(m_idleMs) * 1'000'000) {
            end(EndpointState::Closed, QStringLiteral("idle for %1").arg(secondsText(m_idleMs)));
            return;
        }
        releaseDue(now);
    }

    void close() override { end(EndpointState::Closed, QStringLiteral("Closed")); }
    bool dropsUnreadInput() const override { return true; }

private:
    friend class UdpRelay;

    void read();
    /// Sends what both directions have due at `now`, then arms the timer for what is next.
    void releaseDue(qint64 now);
    /// Arms the Fault timer for the earliest of the held datagrams and the idle deadline, unless it
    /// is armed for earlier already (a late wake-up only re-checks and re-arms).
    void armFor(qint64 now) {
        qint64 due = -1;
        const auto consider = [&due](qint64 at) {
            if (at >= 0 && (due < 0 || at < due))
                due = at;
        };
        if (m_idleMs > 0)
            consider(m_lastClientNs + qint64(m_idleMs) * 1'000'000);
        consider(m_up.nextDueNs());
        consider(m_down.nextDueNs());
        if (due < 0 || (m_armedNs >= 0 && m_armedNs <= due))
            return;
        m_armedNs = due;
        armTimer(TimerKind::Fault, std::max<qint64>(0, (due - now + 999'999) / 1'000'000));
    }

    UdpRelay *m_relay; ///< null once the relay is gone
    const std::string m_clientKey;
    const NetAddress m_client;
    const SockAddr m_clientAddress; ///< as the relay's socket heard it, to answer it exactly
    const NetAddress m_target;
    RelayFaults m_faults;
    DatagramFaults m_up;
    DatagramFaults m_down;
    const int m_idleMs;
    qint64 m_lastClientNs;
    qint64 m_armedNs = -1; ///< when the Fault timer fires; -1: not armed
    SendQueue m_toTarget;
};

// ---------------------------------------------------------------------------------------------
// The relay

struct UdpRelay::Impl {
    enum class Target : quint8 { Unresolved, Resolving, Resolved, Failed };

    /// A client address heard while the target is being looked up.
    struct Waiting {
        NetAddress address;
        SockAddr sockaddr;
        quint64 arrival = 0;
        std::deque<QByteArray> datagrams;
    };

    Impl(UdpRelay &relay, const RelayOptions &o)
        : self(relay)
        , options(o)
        , faults(o.faults) {}

    /// A datagram (recorded already) from a client that has no socket to the target yet.
    void newClientDatagram(std::string key, const NetAddress &client, const SockAddr &sa, QByteArray bytes);
    void targetResolved(const Resolver::Result &r);
    /// Drops a datagram of a client while the target cannot be resolved: said once for each of the
    /// first clients, counted for the rest.
    void refuse(const std::string &key, const NetAddress &client, size_t datagrams = 1);
    /// The back-off after a failed lookup is over: the next datagram looks the target up again.
    void retryTarget();
    /// Says how many datagrams of new clients the upstream cap dropped, if any.
    void sayCapDrops();
    /// Whether the client's socket failed to open a short while ago (its datagram is dropped).
    bool recentlyFailed(const std::string &key, qint64 now);
    UdpRelayUpstream *openUpstream(const std::string &key, const NetAddress &client, const SockAddr &sa,
                                   quint64 arrival);
    /// The upstream closes (or is destroyed): its client is a new one at its next datagram.
    void forget(const UdpRelayUpstream &upstream);
    /// A datagram from the target for the upstream's client, sent from the relay's socket.
    void toClient(const UdpRelayUpstream &upstream, const char *data, qsizetype size);
    /// A down-direction fault event: recorded on the relay, which would have sent the datagram.
    void clientEvent(const UdpRelayUpstream &upstream, const QString &event);
    /// The upstream sockets, in the order they opened.
    std::vector<UdpRelayUpstream *> list() const;

    UdpRelay &self;
    RelayOptions options;
    RelayFaults faults; ///< for every client, current and later
    Target target = Target::Unresolved;
    NetAddress targetAddress;
    QString targetError;
    quint64 nextArrival = 0;
    size_t pendingCount = 0;
    quint64 pendingDropped = 0;
    std::unordered_set<std::string> refusedNamed; ///< clients told of the failed lookup (bounded)
    quint64 refusedDatagrams = 0;                 ///< since the lookup failed
    quint64 capDropped = 0;                       ///< datagrams of new clients over MaxUpstreams
    quint64 capDroppedClients = 0;
    std::unordered_set<std::string> capDroppedKeys; ///< to count clients, bounded like the cap
    /// Clients whose socket failed to open, and until when they are not tried again.
    std::unordered_map<std::string, qint64> failedClients;
    quint64 failedDropped = 0;

    std::unordered_map<std::string, UdpRelayUpstream *> upstreams;
    std::unordered_map<std::string, Waiting> waiting;
    // A burst repeats the same sender: the last one found is checked before building a key.
    sockaddr_storage lastFrom{};
    socklen_t lastFromLength = 0;
    UdpRelayUpstream *lastUpstream = nullptr;

    SendQueue toClients;
};

UdpRelayUpstream::~UdpRelayUpstream() {
    // The reactor's shutdown destroys sockets in any order.
    if (m_relay)
        m_relay->m_impl->forget(*this);
}

void UdpRelayUpstream::end(EndpointState state, const QString &detail) {
    if (m_relay) {
        m_relay->m_impl->forget(*this);
        m_relay = nullptr;
    }
    finish(state, detail);
}

void UdpRelayUpstream::read() {
    readDatagrams(*this,
                  [this](const char *data, quint32 kept, quint32 wire, const sockaddr_storage &, socklen_t) {
                      // Connected: the kernel delivers the target's datagrams only.
                      reactor().recordData(id(), RecordKind::DataIn, data, kept, &m_target, wire);
                      if (!m_relay || kept < wire)
                          return;
                      if (m_down.isPassThrough()) {
                          m_relay->m_impl->toClient(*this, data, qsizetype(kept));
                          return;
                      }
                      const qint64 now = monotonicNs();
                      m_down.push(QByteArray(data, qsizetype(kept)), now);
                      for (const QString &event : m_down.takeDropped())
                          m_relay->m_impl->clientEvent(*this, event);
                      releaseDue(now);
                  });
}

void UdpRelayUpstream::releaseDue(qint64 now) {
    while (fd() >= 0) {
        auto out = m_up.takeDue(now);
        if (!out)
            break;
        if (!out->event.isEmpty())
            reactor().recordEvent(id(), out->event);
        m_toTarget.send(*this, nullptr, m_target, out->bytes.constData(), out->bytes.size());
    }
    while (fd() >= 0 && m_relay) {
        auto out = m_down.takeDue(now);
        if (!out)
            break;
        if (!out->event.isEmpty())
            m_relay->m_impl->clientEvent(*this, out->event);
        m_relay->m_impl->toClient(*this, out->bytes.constData(), out->bytes.size());
    }
    if (fd() >= 0)
        armFor(now);
}

UdpRelay::UdpRelay(Reactor &owner, EndpointId id, const RelayOptions &options)
    : Socket(owner, id, EndpointState::Resolving)
    , m_impl(std::make_unique<Impl>(*this, options)) {}

UdpRelay::~UdpRelay() {
    for (auto &[key, upstream] : m_impl->upstreams)
        upstream->m_relay = nullptr;
}

void UdpRelay::start(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                     const RelayOptions &options) {
    UdpRelay &relay = reactor.add(std::make_unique<UdpRelay>(reactor, id, options));
    reactor.resolveThen(relay, host, port, AF_UNSPEC, Reactor::Lookup::SetsUp,
                        [&relay](const Resolver::Result &r) {
                            if (r.addresses.isEmpty())
                                relay.finish(EndpointState::Failed, r.error);
                            else
                                relay.bindTo(r.addresses.first());
                        });
}

void UdpRelay::bindTo(const NetAddress &address) {
    const auto sa = toSockaddr(address.ip, address.port);
    const int fd = sa ? ::socket(sa->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
    if (fd < 0) {
        finish(EndpointState::Failed, sa ? errnoText(errno) : QStringLiteral("Not a numeric address"));
        return;
    }
    setFd(fd);
    setReceiveBuffer(fd, ReceiveBufferBytes);
    // As a TCP relay's listener: an IPv6 address relays IPv6 only, whatever the system's default.
    if (sa->family() == AF_INET6)
        setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    if (::bind(fd, sa->get(), sa->length) != 0) {
        finish(EndpointState::Failed, QStringLiteral("%1: %2").arg(address.toString(), errnoText(errno)));
        return;
    }
    setState(EndpointState::Bound);
    watch(EPOLLIN);
    const NetAddress local = localAddressOf(fd);
    const NetAddress target{m_impl->options.targetHost, m_impl->options.targetPort};
    reactor().describeEndpoint(id(), {EndpointKind::UdpSocket, false, 0, local, {}});
    reactor().recordEvent(id(), QStringLiteral("Relaying %1 -> %2").arg(local.toString(), target.toString()));
    reactor().report(outcome::UdpBound{id(), local, {}, {}});
}

void UdpRelay::onReady(quint32 events) {
    if (events & EPOLLOUT)
        m_impl->toClients.flush(*this);
    if (!isFinished() && (events & (EPOLLIN | EPOLLERR)))
        read();
}

void UdpRelay::read() {
    Impl &d = *m_impl;
    readDatagrams(*this, [this, &d](const char *data, quint32 kept, quint32 wire,
                                    const sockaddr_storage &from, socklen_t fromLength) {
        UdpRelayUpstream *upstream = nullptr;
        std::string key;
        if (d.lastUpstream && fromLength == d.lastFromLength &&
            std::memcmp(&from, &d.lastFrom, fromLength) == 0) {
            upstream = d.lastUpstream;
        } else {
            key = keyOf(from, fromLength);
            if (const auto it = d.upstreams.find(key); it != d.upstreams.end()) {
                upstream = it->second;
                std::memcpy(&d.lastFrom, &from, fromLength);
                d.lastFromLength = fromLength;
                d.lastUpstream = upstream;
            }
        }
        const NetAddress client =
            upstream ? upstream->client() : fromSockaddr(reinterpret_cast<const sockaddr *>(&from));
        reactor().recordData(id(), RecordKind::DataIn, data, kept, &client, wire);
        if (kept < wire) {
            reactor().recordEvent(
                id(), QStringLiteral("Not relayed: the datagram of %1 bytes from %2 was truncated")
                          .arg(wire)
                          .arg(client.toString()));
            return;
        }
        if (upstream) {
            upstream->fromClient(data, kept);
            return;
        }
        SockAddr sa;
        std::memcpy(&sa.storage, &from, fromLength);
        sa.length = fromLength;
        d.newClientDatagram(std::move(key), client, sa, QByteArray(data, qsizetype(kept)));
    });
}

void UdpRelay::Impl::newClientDatagram(std::string key, const NetAddress &client, const SockAddr &sa,
                                       QByteArray bytes) {
    switch (target) {
    case Target::Resolved: {
        const qint64 now = monotonicNs();
        if (recentlyFailed(key, now)) {
            ++failedDropped;
            return;
        }
        if (upstreams.size() >= MaxUpstreams) {
            // Each upstream costs a descriptor and a large receive buffer: a flood of source
            // addresses must not use them all up (the TCP listeners need descriptors too).
            if (capDropped++ == 0)
                self.reactor().recordEvent(
                    self.id(), QStringLiteral("Too many clients (%1 at once): datagrams of new clients, "
                                              "from %2 on, are dropped until one goes idle")
                                   .arg(grouped(MaxUpstreams), client.toString()));
            if (capDroppedKeys.size() < MaxUpstreams && capDroppedKeys.insert(key).second)
                ++capDroppedClients;
            return;
        }
        sayCapDrops();
        quint64 arrival = nextArrival++;
        if (const auto it = waiting.find(key); it != waiting.end()) {
            arrival = it->second.arrival;
            waiting.erase(it);
        }
        if (UdpRelayUpstream *upstream = openUpstream(key, client, sa, arrival))
            upstream->fromClient(bytes.constData(), quint32(bytes.size()));
        return;
    }
    case Target::Failed:
        refuse(key, client);
        return;
    case Target::Unresolved:
    case Target::Resolving: {
        auto it = waiting.find(key);
        // Bounded before anything is kept: a flood during the lookup costs a count, not memory.
        if (pendingCount >= MaxPendingDatagrams ||
            (it == waiting.end() && waiting.size() >= MaxWaitingClients)) {
            ++pendingDropped;
        } else {
            if (it == waiting.end())
                it = waiting.emplace(key, Waiting{client, sa, nextArrival++, {}}).first;
            ++pendingCount;
            it->second.datagrams.push_back(std::move(bytes));
        }
        if (target == Target::Unresolved) {
            // Looked up at the relay's first client and kept (a failure is tried again after
            // TargetRetryMs). A numeric target is answered at once, from inside this call.
            target = Target::Resolving;
            self.reactor().resolveThen(self, options.targetHost, options.targetPort, AF_UNSPEC,
                                       Reactor::Lookup::Destination,
                                       [this](const Resolver::Result &r) { targetResolved(r); });
        }
        return;
    }
    }
}

void UdpRelay::Impl::targetResolved(const Resolver::Result &r) {
    if (self.fd() < 0 || target != Target::Resolving)
        return;
    if (pendingDropped > 0)
        self.reactor().recordEvent(self.id(), QStringLiteral("Dropped %1 datagrams while looking up %2")
                                                  .arg(pendingDropped)
                                                  .arg(options.targetHost));
    pendingDropped = 0;
    pendingCount = 0;
    if (r.addresses.isEmpty()) {
        target = Target::Failed;
        targetError = r.error;
        refusedDatagrams = 0;
        refusedNamed.clear();
        std::vector<std::pair<std::string, Waiting>> refused;
        for (auto &entry : waiting)
            refused.emplace_back(entry.first, std::move(entry.second));
        waiting.clear();
        std::sort(refused.begin(), refused.end(),
                  [](const auto &a, const auto &b) { return a.second.arrival < b.second.arrival; });
        for (auto &[key, w] : refused)
            refuse(key, w.address, w.datagrams.size());
        self.armTimer(TimerKind::Fault, TargetRetryMs);
        return;
    }
    target = Target::Resolved;
    targetAddress = r.addresses.first();
    self.reactor().recordEvent(
        self.id(), QStringLiteral("Target %1 is %2").arg(options.targetHost, targetAddress.toString()));
    // Served in the order they arrived, as their seeds were drawn.
    std::vector<std::pair<std::string, Waiting>> ready;
    for (auto &entry : waiting)
        ready.emplace_back(entry.first, std::move(entry.second));
    waiting.clear();
    std::sort(ready.begin(), ready.end(),
              [](const auto &a, const auto &b) { return a.second.arrival < b.second.arrival; });
    for (auto &[key, w] : ready) {
        if (self.fd() < 0)
            return;
        UdpRelayUpstream *upstream = openUpstream(key, w.address, w.sockaddr, w.arrival);
        for (const QByteArray &bytes : w.datagrams) {
            if (!upstream || upstream->fd() < 0)
                break;
            upstream->fromClient(bytes.constData(), quint32(bytes.size()));
        }
    }
}

void UdpRelay::Impl::refuse(const std::string &key, const NetAddress &client, size_t datagrams) {
    refusedDatagrams += datagrams;
    if (refusedNamed.size() >= MaxRefusedClientsNamed || !refusedNamed.insert(key).second)
        return;
    self.reactor().recordEvent(
        self.id(), QStringLiteral("Cannot relay for %1: target %2 cannot be resolved "
                                  "(%3); its datagrams are dropped, the lookup is tried again in %4")
                       .arg(client.toString(), NetAddress{options.targetHost, options.targetPort}.toString(),
                            targetError, secondsText(TargetRetryMs)));
}

void UdpRelay::Impl::retryTarget() {
    if (target != Target::Failed || self.fd() < 0)
        return;
    target = Target::Unresolved;
    self.reactor().recordEvent(
        self.id(),
        QStringLiteral("Target %1 will be looked up again at the next datagram "
                       "(%2 datagrams dropped since the lookup failed)")
            .arg(NetAddress{options.targetHost, options.targetPort}.toString(), grouped(refusedDatagrams)));
    refusedDatagrams = 0;
    refusedNamed.clear();
}

void UdpRelay::Impl::sayCapDrops() {
    if (capDropped == 0)
        return;
    self.reactor().recordEvent(
        self.id(), QStringLiteral("Below the cap of %1 clients again: %2 datagrams of "
                                  "%3 new clients were dropped")
                       .arg(grouped(MaxUpstreams), grouped(capDropped), grouped(capDroppedClients)));
    capDropped = 0;
    capDroppedClients = 0;
    capDroppedKeys.clear();
}

bool UdpRelay::Impl::recentlyFailed(const std::string &key, qint64 now) {
    if (failedClients.empty())
        return false;
    const auto it = failedClients.find(key);
    if (it == failedClients.end())
        return false;
    if (now < it->second)
        return true;
    failedClients.erase(it);
    if (failedDropped > 0) {
        self.reactor().recordEvent(self.id(), QStringLiteral("%1 datagrams dropped while the socket for a "
                                                             "client could not be opened; trying again")
                                                  .arg(grouped(failedDropped)));
        failedDropped = 0;
    }
    return false;
}

UdpRelayUpstream *UdpRelay::Impl::openUpstream(const std::string &key, const NetAddress &client,
                                               const SockAddr &sa, quint64 arrival) {
    Reactor &reactor = self.reactor();
    const EndpointId upstreamId = reactor.shared().nextId.fetch_add(1);
    UdpRelayUpstream &upstream = reactor.add(std::make_unique<UdpRelayUpstream>(
        reactor, upstreamId, self, key, client, sa, targetAddress, faults, arrival, options.udpIdleMs));
    upstreams.emplace(key, &upstream);
    reactor.report(outcome::RelayLegOpened{upstreamId, self.id(), 0, reactor.index(), EndpointKind::UdpSocket,
                                           EndpointState::Bound, options.targetHost, options.targetPort,
                                           client, faults});
    reactor.recordEvent(
        self.id(),
        QStringLiteral("New client %1: relayed through endpoint %2").arg(client.toString()).arg(upstreamId));
    if (!upstream.open()) {
        // Remembered a short while, so that each later datagram is not a new leg and a new failure.
        const qint64 now = monotonicNs();
        if (failedClients.size() >= MaxFailedClients)
            std::erase_if(failedClients, [now](const auto &entry) { return entry.second <= now; });
        if (failedClients.size() < MaxFailedClients)
            failedClients[key] = now + FailedClientHoldNs;
        return nullptr;
    }
    return &upstream;
}

void UdpRelay::Impl::forget(const UdpRelayUpstream &upstream) {
    if (lastUpstream == &upstream) {
        lastUpstream = nullptr;
        lastFromLength = 0;
    }
    const auto it = upstreams.find(upstream.clientKey());
    if (it != upstreams.end() && it->second == &upstream)
        upstreams.erase(it);
}

void UdpRelay::Impl::toClient(const UdpRelayUpstream &upstream, const char *data, qsizetype size) {
    if (self.fd() < 0)
        return;
    toClients.send(self, &upstream.clientAddress(), upstream.client(), data, size);
}

void UdpRelay::Impl::clientEvent(const UdpRelayUpstream &upstream, const QString &event) {
    // One relay socket serves every client: the event names the one it concerns.
    self.reactor().recordEvent(self.id(),
                               QStringLiteral("%1 (to %2)").arg(event, upstream.client().toString()));
}

std::vector<UdpRelayUpstream *> UdpRelay::Impl::list() const {
    std::vector<UdpRelayUpstream *> out;
    out.reserve(upstreams.size());
    for (const auto &[key, upstream] : upstreams)
        out.push_back(upstream);
    std::sort(out.begin(), out.end(), [](const auto *a, const auto *b) { return a->id() < b->id(); });
    return out;
}

void UdpRelay::onTimer(TimerKind kind) {
    // The relay's own timer is the back-off of a failed lookup: each client's held datagrams wait
    // on its upstream's timer.
    if (kind == TimerKind::Fault)
        m_impl->retryTarget();
}

void UdpRelay::close() {
    breakAll();
    finish(EndpointState::Closed, QStringLiteral("Closed"));
}

void UdpRelay::breakAll() {
    for (UdpRelayUpstream *upstream : m_impl->list())
        upstream->close();
    // Clients that could not be served try again at their next datagram.
    m_impl->waiting.clear();
    m_impl->pendingCount = 0;
    m_impl->sayCapDrops();
    m_impl->failedClients.clear();
    m_impl->failedDropped = 0;
    if (m_impl->target == Impl::Target::Failed) {
        cancelTimer(TimerKind::Fault);
        m_impl->retryTarget();
    }
}

void UdpRelay::setFaults(const RelayFaults &faults) {
    m_impl->faults = faults;
    QList<EndpointId> legs;
    for (UdpRelayUpstream *upstream : m_impl->list()) {
        upstream->setFaults(faults);
        legs << upstream->id();
    }
    reactor().recordEvent(id(), faults.journalText());
    reactor().report(outcome::RelayFaultsChanged{id(), faults, legs});
}

void UdpRelay::setFaults(EndpointId upstreamId, const RelayFaults &faults) {
    for (UdpRelayUpstream *upstream : m_impl->list()) {
        if (upstream->id() == upstreamId) {
            upstream->setFaults(faults);
            reactor().report(outcome::RelayFaultsChanged{upstreamId, faults, {upstreamId}});
            return;
        }
    }
    reactor().recordEvent(id(),
                          QStringLiteral("Faults not changed: endpoint %1 no longer relays").arg(upstreamId));
}

} // namespace sockbench
