#pragma once

// Internal to core: the epoll loop that owns sockets. Only Workbench uses it.

#include "engine/endpoint.h"
#include "engine/outcome.h"
#include "engine/resolver.h"
#include "journal/journal.h"

#include <QObject>

#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sockbench {

class Reactor;

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

class Reactor final {
public:
    Reactor(std::shared_ptr<ReactorShared> shared, int index);
    ~Reactor(); ///< requestStop() + join() + close everything
    Q_DISABLE_COPY_MOVE(Reactor)

    int index() const { return m_index; }
    struct Adoption {
        int fd;
        EndpointId id;
        EndpointId listener;
        AutoReply reply;
        QByteArray greeting;
    };

    /// Thread-safe: runs command on the reactor thread soon.
    void post(std::function<void()> command);
    /// Thread-safe: hands accepted descriptors to this reactor.
    void adopt(std::vector<Adoption> batch);
    void requestStop();
    void join();

    // Commands; run on the reactor thread only (via post()).
    void listenTcp(EndpointId id, const QString &host, quint16 port, const ListenerOptions &options);
    void connectTcp(EndpointId id, const QString &host, quint16 port, const ConnectOptions &options);
    void bindUdp(EndpointId id, const QString &host, quint16 port, const UdpOptions &options);
    void send(EndpointId id, const QByteArray &bytes);
    void sendDatagram(EndpointId id, const QString &host, quint16 port, const QByteArray &bytes);
    void close(EndpointId id);
    void shutdownWrite(EndpointId id);
    void abort(EndpointId id);
    void multicast(EndpointId id, const QString &group, const QString &interfaceName, bool join);

private:
    struct Sock;
    enum class TimerKind : quint8 { ConnectTimeout, AcceptRetry, CloseLinger };
    static constexpr int TimerKinds = 3;
    struct Timer {
        EndpointId id;
        TimerKind kind;
    };
    using Timers = std::multimap<qint64, Timer>;

    void run();
    void runCommands();
    int nextTimeoutMs(qint64 now) const;
    void runTimers(qint64 now);
    void flushNotifications(qint64 now);
    /// (Re)arms the socket's timer of that kind; a socket has at most one of each.
    void addTimer(Sock &s, TimerKind kind, qint64 delayMs);
    void cancelTimer(Sock &s, TimerKind kind);

    Sock *find(EndpointId id);
    void watch(Sock &s, quint32 events);
    enum class Lookup : quint8 { SetsUp, Destination };
    void resolveThen(EndpointId id, const QString &host, quint16 port, int family, Lookup lookup,
                     std::function<void(const Resolver::Result &)> then);

    void startListening(Sock &s, const NetAddress &address);
    void onListenerReady(Sock &s);
    void adoptNow(Adoption a);
    void startConnect(Sock &s);
    void onConnectReady(Sock &s);
    void connectAttemptFailed(Sock &s, const QString &reason);
    void onConnectionEvent(Sock &s, quint32 events);
    void readStream(Sock &s);
    void flushStream(Sock &s);
    void afterDrain(Sock &s);
    void enqueue(Sock &s, QByteArray bytes);
    void startUdp(Sock &s, const NetAddress &address);
    void readDatagrams(Sock &s);
    void sendDatagramNow(Sock &s, const NetAddress &to, const QByteArray &bytes);
    void flushDatagrams(Sock &s);

    /// Closes the socket and reports its final state; the Sock is deleted.
    void finish(Sock &s, EndpointState state, const QString &detail);
    void recordEvent(EndpointId id, const QString &text);
    void sendFailed(EndpointId id, const QString &reason);
    void markWritten(Sock &s);
    /// Queues an outcome for the receiver, in order, with the rest of this loop iteration's news.
    void report(Outcome outcome);
    /// Posts what report() collected as one event.
    void flushOutbox();
    void wake();

    std::shared_ptr<ReactorShared> m_shared;
    Journal &m_journal;
    const int m_index;
    int m_epoll = -1;
    int m_wake = -1;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};

    std::mutex m_queueMutex;
    std::vector<std::function<void()>> m_commands;
    std::vector<Adoption> m_adoptions;

    std::unordered_map<EndpointId, std::unique_ptr<Sock>> m_socks;
    Timers m_timers;
    std::unordered_set<EndpointId> m_dirtyWritten;
    std::vector<Outcome> m_outbox;
    qint64 m_lastWrittenFlushNs = 0;
    bool m_unannounced = false;
    std::vector<char> m_readBuffer;
    std::vector<char> m_udpBuffer;
    sockaddr_storage m_lastFrom{};
    socklen_t m_lastFromLength = 0;
    NetAddress m_lastFromAddress;
};

} // namespace sockbench
