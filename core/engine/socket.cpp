#include "engine/socket.h"

#include "engine/reactor.h"

#include <unistd.h>

namespace sockbench {

Socket::Socket(Reactor &reactor, EndpointId id, EndpointState state, int fd)
    : m_reactor(reactor)
    , m_id(id)
    , m_state(state)
    , m_fd(fd) {}

Socket::~Socket() {
    // Only the reactor's teardown gets here with a descriptor open; the epoll set goes with it.
    if (m_fd >= 0)
        ::close(m_fd);
}

void Socket::onTimer(TimerKind) {}

void Socket::adopted() {}

void Socket::abort() {
    close();
}

bool Socket::dropsUnreadInput() const {
    return false;
}

std::optional<WriteProgress> Socket::writeProgress() const {
    return std::nullopt;
}

std::optional<TcpInfo> Socket::closingTcpInfo() const {
    return std::nullopt;
}

void Socket::finished(EndpointState, EndpointState, const QString &) {}

void Socket::watch(quint32 events) {
    if (m_fd < 0)
        return;
    if (m_registered && m_events == events)
        return;
    m_reactor.setInterest(m_fd, m_id, events, !m_registered);
    m_registered = true;
    m_events = events;
}

void Socket::setFd(int fd) {
    m_fd = fd;
    m_registered = false;
}

void Socket::closeFd() {
    if (m_fd < 0)
        return;
    if (m_registered)
        m_reactor.removeInterest(m_fd);
    ::close(m_fd);
    m_fd = -1;
    m_registered = false;
}

void Socket::armTimer(TimerKind kind, qint64 delayMs) {
    cancelTimer(kind);
    m_timers[size_t(kind)] = m_reactor.addTimer(delayMs, TimerEntry{m_id, kind});
}

void Socket::cancelTimer(TimerKind kind) {
    if (auto &armed = m_timers[size_t(kind)]) {
        m_reactor.eraseTimer(*armed);
        armed.reset();
    }
}

void Socket::cancelTimers() {
    for (int kind = 0; kind < TimerKinds; ++kind)
        cancelTimer(TimerKind(kind));
}

void Socket::timerExpired(TimerKind kind) {
    m_timers[size_t(kind)].reset();
    onTimer(kind);
}

void Socket::finish(EndpointState state, const QString &detail, bool resetByUs) {
    if (m_finished)
        return; // one end per endpoint, however many paths reach it
    m_finished = true;
    const EndpointState before = m_state;
    m_reactor.retire(*this, state, detail, resetByUs);
    finished(before, state, detail);
}

} // namespace sockbench
