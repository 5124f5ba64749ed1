#pragma once

// Internal to core: the epoll loop that owns sockets. Only the Workbench and the endpoint kinds
// (socket.h and its subclasses) use it.

#include "engine/endpoint.h"
#include "engine/outcome.h"
#include "engine/resolver.h"
#include "engine/socket.h"
#include "journal/journal.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sockbench {

class Reactor;

/// CLOCK_MONOTONIC in nanoseconds: the clock of the reactor's timers, so that times the engine
/// computes (fault due times, idle deadlines) and the timers armed for them agree.
qint64 monotonicNs();

/// State shared by the Workbench, its reactors and any resolver threads still running. Resolver
/// threads hold it by shared_ptr, so it outlives a Workbench whose lookup is still hanging.
struct ReactorShared {
    explicit ReactorShared(qint64 journalBudget)
        : journal(journalBudget) {}

    Journal journal;
    std::shared_ptr<Resolver> resolver;
    QObject *receiver = nullptr; ///< gets each loop iteration's outcomes as one OutboxEvent
    std::atomic<quint64> nextId{1};
    std::atomic<unsigned> nextAcceptReactor{0};

    // Journal-grew coalescing across reactors.
    std::atomic<bool> growPosted{false};
    std::atomic<qint64> lastGrowPostNs{0};

    /// Guards `reactors` against resolver threads posting while the Workbench shuts down.
    std::mutex mailboxMutex;
    std::vector<Reactor *> reactors; ///< emptied at shutdown
    void postTo(int reactorIndex, std::function<void()> command);
};

/// One thread running an epoll loop over the sockets it owns. It knows no endpoint kind: it wakes
/// a Socket when its descriptor is ready or its timer expires, runs the commands the Workbench
/// posts, adopts sockets other reactors hand over, and posts what happened to the receiver.
class Reactor final {
public:
    Reactor(std::shared_ptr<ReactorShared> shared, int index);
    ~Reactor(); ///< requestStop() + join() + close everything
    Q_DISABLE_COPY_MOVE(Reactor)

    int index() const { return m_index; }
    ReactorShared &shared() { return *m_shared; }

    // Thread-safe.

    /// Runs command on the reactor thread soon.
    void post(std::function<void()> command);
    /// Hands sockets built on another thread to this reactor; each gets adopted() once registered.
    void adopt(std::vector<std::unique_ptr<Socket>> batch);
    void requestStop();
    void join();
    /// How many sockets here lose unread input (Socket::dropsUnreadInput: UDP); any thread may ask.
    int datagramSockets() const { return m_datagramSockets.load(std::memory_order_relaxed); }

    // Reactor thread only: for the commands the Workbench posts and for the sockets themselves.

    /// Registers the socket under its id; it is found by find() until it finishes.
    template <typename T> T &add(std::unique_ptr<T> socket) {
        T &added = *socket;
        addSocket(std::move(socket));
        return added;
    }
    Socket *find(EndpointId id);
    /// The socket with that id if it is a T (null when it is gone or of another kind).
    template <typename T> T *find(EndpointId id) { return dynamic_cast<T *>(find(id)); }
    /// Every open socket here that is a T; a list, so the caller may finish some as it goes.
    template <typename T> std::vector<T *> socketsOf() {
        std::vector<T *> out;
        for (auto &entry : m_sockets) {
            if (T *socket = dynamic_cast<T *>(entry.second.get()))
                out.push_back(socket);
        }
        return out;
    }

    Journal &journal() { return m_journal; }
    /// Appends a traffic record and schedules the journalGrew() announcement.
    void recordData(EndpointId id, RecordKind kind, const char *data, quint32 length,
                    const NetAddress *peer = nullptr, quint32 originalLength = 0);
    /// Appends an event record and schedules the journalGrew() announcement.
    void recordEvent(EndpointId id, const QString &text, Marker marker = Marker::None);
    /// Says who the endpoint is on the wire (Journal::describeEndpoint), before the records that need it.
    void describeEndpoint(EndpointId id, const EndpointMeta &meta) { m_journal.describeEndpoint(id, meta); }
    /// Records the failure and reports it as sendFailed().
    void sendFailed(EndpointId id, const QString &reason);
    /// Queues an outcome for the receiver, in order, with the rest of this loop iteration's news.
    void report(Outcome outcome);
    /// Posts what report() collected as one event. The loop does this at the end of each iteration;
    /// a listener calls it early so that the Workbench learns of connections before their new
    /// reactors can report anything about them.
    void flushOutbox();
    /// The socket's write progress changed; reported (coalesced) with the next notifications.
    void markWritten(EndpointId id);

    enum class Lookup : quint8 {
        SetsUp,      ///< the endpoint is being set up: reported as Resolving
        Destination, ///< a datagram's destination: the endpoint's state does not change
    };
    /// Looks host up off this thread (numeric addresses at once) and runs `then` with the result
    /// on this thread, unless `owner` has finished by then.
    void resolveThen(const Socket &owner, const QString &host, quint16 port, int family, Lookup lookup,
                     std::function<void(const Resolver::Result &)> then);

    /// A datagram socket stopped at its per-wake-up budget with datagrams still waiting. Until the
    /// next wake-up, streams here read one chunk each: a stream's peer waits when we read late,
    /// but the kernel drops datagrams once the socket's buffer is full.
    void noteDatagramBacklog() { m_datagramBacklog = true; }
    bool datagramBacklog() const { return m_datagramBacklog; }

    /// A scratch buffer of at least `bytes` for reading, shared by this reactor's sockets; valid
    /// until the next call.
    char *readBuffer(size_t bytes);

    // For Socket's own bookkeeping.
    void setInterest(int fd, EndpointId id, quint32 events, bool isNew);
    void removeInterest(int fd);
    TimerQueue::iterator addTimer(qint64 delayMs, TimerEntry entry);
    void eraseTimer(TimerQueue::iterator timer);
    /// Closes the socket, reports its final state and takes it out of the registry; see Socket::finish.
    void retire(Socket &socket, EndpointState state, const QString &detail, bool resetByUs);

private:
    void run();
    void runCommands();
    int nextTimeoutMs(qint64 now) const;
    void runTimers(qint64 now);
    void flushNotifications(qint64 now);
    void addSocket(std::unique_ptr<Socket> socket);
    void wake();

    std::shared_ptr<ReactorShared> m_shared;
    Journal &m_journal;
    const int m_index;
    int m_epoll = -1;
    int m_wake = -1;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_datagramSockets{0};

    std::mutex m_queueMutex;
    std::vector<std::function<void()>> m_commands;
    std::vector<std::unique_ptr<Socket>> m_adoptions;

    std::unordered_map<EndpointId, std::unique_ptr<Socket>> m_sockets;
    /// Finished sockets, deleted at the end of the loop iteration so that the code that finished
    /// one can still unwind through it.
    std::vector<std::unique_ptr<Socket>> m_retired;
    TimerQueue m_timers;
    std::unordered_set<EndpointId> m_dirtyWritten;
    std::vector<Outcome> m_outbox;
    qint64 m_lastWrittenFlushNs = 0;
    bool m_unannounced = false;
    bool m_datagramBacklog = false; ///< see noteDatagramBacklog(); reset at each wake-up
    std::vector<char> m_readBuffer;
};

} // namespace sockbench
