#pragma once

// Internal to core: what every endpoint kind is to its reactor.

#include "engine/endpoint.h"
#include "engine/tcpinfo.h"

#include <QString>

#include <array>
#include <map>
#include <optional>

namespace sockbench {

class Reactor;

/// The timers a socket can arm; each one at most once at a time.
/// Fault: a relay leg's next held step (faultpipe.h) is due, or its UDP client's idle time is up.
enum class TimerKind : quint8 { ConnectTimeout, AcceptRetry, CloseLinger, Rules, Handshake, Fault };
constexpr int TimerKinds = 6;

/// The reactor's timers, ordered by deadline (monotonic nanoseconds).
struct TimerEntry {
    EndpointId id = 0;
    TimerKind kind = TimerKind::ConnectTimeout;
};
using TimerQueue = std::multimap<qint64, TimerEntry>;

/// What a socket with a write queue has done with it, for the coalesced bytesWritten() reports.
struct WriteProgress {
    quint64 written = 0; ///< handed to the kernel so far
    quint64 queued = 0;  ///< still waiting in our queue
};

/// One endpoint owned by one reactor: a listener, a TCP stream or a UDP socket. The reactor finds
/// it by id and calls the virtual functions below; each kind keeps its own state in its subclass.
///
/// Lives on its reactor's thread. The one exception is construction: an accepted stream is built
/// on the accepting reactor's thread and handed over (Reactor::adopt), so a constructor must do
/// nothing but store its arguments.
class Socket {
public:
    Socket(Reactor &reactor, EndpointId id, EndpointState state, int fd = -1);
    virtual ~Socket(); ///< closes the descriptor if it is still open
    Q_DISABLE_COPY_MOVE(Socket)

    EndpointId id() const { return m_id; }
    int fd() const { return m_fd; }
    EndpointState state() const { return m_state; }
    Reactor &reactor() const { return m_reactor; }
    /// True once finish() ran: the socket is closed and no longer found by id, but the object stays
    /// valid until its reactor's loop iteration ends, so code that finished it can still return.
    bool isFinished() const { return m_finished; }

    /// The descriptor is ready; events are epoll's (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP).
    virtual void onReady(quint32 events) = 0;
    /// A timer armed with armTimer() expired.
    virtual void onTimer(TimerKind kind);
    /// The socket was handed over from another reactor and is now registered in this one.
    virtual void adopted();
    /// The user closes the endpoint (what "close" means depends on the kind).
    virtual void close() = 0;
    /// The user aborts the endpoint; kinds without an abortive close just close.
    virtual void abort();
    /// What the write queue has done; nullopt for kinds that report no progress.
    virtual std::optional<WriteProgress> writeProgress() const;
    /// True for kinds whose unread input the kernel throws away once the receive buffer is full
    /// (datagrams). The reactor serves them before the others, whose peers only wait (a stream's
    /// flow control, a listener's backlog).
    virtual bool dropsUnreadInput() const;
    /// What the kernel last knew of the connection, read right before its descriptor closes, so
    /// that a final connection keeps its figures; nullopt for kinds without one.
    virtual std::optional<TcpInfo> closingTcpInfo() const;
    /// finish() ran: the socket is closed and reported. `before` is its state just before. Every
    /// path that ends a socket goes through finish(), so a kind that must tell someone (a relay
    /// leg's pair) overrides this, and is told whoever finished it, through whatever reference.
    virtual void finished(EndpointState before, EndpointState state, const QString &detail);

    // For the kind's own code and its helpers, on the reactor thread.

    /// Sets the epoll interest (0 keeps the descriptor registered but silent).
    void watch(quint32 events);
    /// Takes a new descriptor, not yet in the epoll set.
    void setFd(int fd);
    /// Takes the descriptor out of the epoll set and closes it.
    void closeFd();
    void setState(EndpointState state) { m_state = state; }
    /// (Re)arms the timer of that kind.
    void armTimer(TimerKind kind, qint64 delayMs);
    void cancelTimer(TimerKind kind);
    /// Closes the socket and reports its final state; records detail (or the state's name) as an event.
    /// resetByUs marks a Reset we caused (abort()), so that nobody has to parse detail to tell.
    void finish(EndpointState state, const QString &detail, bool resetByUs = false);

    // For the reactor.

    /// The reactor took the expired timer out of its queue; runs onTimer().
    void timerExpired(TimerKind kind);
    void cancelTimers();

private:
    Reactor &m_reactor;
    const EndpointId m_id;
    EndpointState m_state;
    int m_fd;
    quint32 m_events = 0;      ///< current epoll interest
    bool m_registered = false; ///< the descriptor is in the epoll set
    bool m_finished = false;
    std::array<std::optional<TimerQueue::iterator>, TimerKinds> m_timers;
};

} // namespace sockbench
