#include "engine/tcpstream.h"

#include "engine/reactor.h"
#include "engine/sockaddr.h"
#include "engine/sockopt.h"
#include "engine/streamrecorder.h"
#include "engine/tcpconnector.h"
#include "engine/tlstransform.h"
#include "tls/tlscontext.h"

#include <cerrno>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

namespace sockbench {

namespace {

constexpr size_t ReadChunk = 256 * 1024;
constexpr int MaxReadsPerEvent = 16;              // fairness between busy sockets
constexpr qint64 CloseLingerMs = 2000;            // graceful close waits this long for the peer's FIN
constexpr quint64 JoinSentPiecesUpTo = 64 * 1024; // one journal record for a write of small pieces
constexpr int MaxIov = 64;
// A piece smaller than this, queued behind others, joins the queue's last buffer when that one is
// ours (up to JoinQueuedUpTo): a read's many rule replies become one buffer, one iovec and one
// journal record instead of an allocation, a queue node and an iovec each.
constexpr qsizetype JoinQueuedBelow = 4096;
constexpr qsizetype JoinQueuedUpTo = 64 * 1024;

} // namespace

TcpStream::TcpStream(Reactor &owner, EndpointId id, EndpointId listener, int fd,
                     std::unique_ptr<StreamHandler> handler)
    : Socket(owner, id, EndpointState::Connected, fd)
    , m_handler(std::move(handler))
    , m_listener(listener)
    , m_wasConnected(true) {}

TcpStream::TcpStream(Reactor &owner, EndpointId id, std::unique_ptr<StreamHandler> handler)
    : Socket(owner, id, EndpointState::Resolving)
    , m_handler(std::move(handler)) {}

TcpStream::~TcpStream() = default;

void TcpStream::connectTo(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                          const ConnectOptions &options) {
    connectTo(reactor, id, host, port, options,
              std::make_unique<StreamRecorder>(AutoReply::None, QByteArray(), false, options.rules), {});
}

void TcpStream::connectTo(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                          const ConnectOptions &options, std::unique_ptr<StreamHandler> handler,
                          const std::function<void(TcpStream &)> &ready) {
    QString tlsError;
    if (options.tls) {
        // Built here, on the reactor: a CA file or client key is read off the GUI thread.
        if (const std::optional<TlsContext> context = TlsContext::forClient(*options.tls, &tlsError))
            handler = std::make_unique<TlsTransform>(
                *context, std::move(handler),
                TlsTransform::Peer{host, options.tls->serverName, false, 0, false, {}});
    }
    TcpStream &stream = reactor.add(std::make_unique<TcpStream>(reactor, id, std::move(handler)));
    if (ready)
        ready(stream);
    if (!tlsError.isEmpty()) {
        stream.finish(EndpointState::Failed, tlsError);
        return;
    }
    if (stream.isFinished())
        return;
    stream.m_connector = std::make_unique<TcpConnector>(stream, options);
    stream.m_connector->start(host, port);
}

void TcpStream::adopted() {
    if (m_handler->handshakesFirst())
        setState(EndpointState::Handshaking);
    watch(EPOLLIN);
    m_handler->opened(*this);
}

void TcpStream::established() {
    const QList<AppliedOption> options = m_connector->appliedOptions();
    m_connector.reset();
    const EndpointState state =
        m_handler->handshakesFirst() ? EndpointState::Handshaking : EndpointState::Connected;
    setState(state);
    m_wasConnected = true;
    cancelTimer(TimerKind::ConnectTimeout);
    const NetAddress local = localAddressOf(fd());
    const NetAddress peer = peerAddressOf(fd());
    reactor().describeEndpoint(id(), {EndpointKind::TcpConnection, true, m_listener, local, peer});
    reactor().recordEvent(id(),
                          QStringLiteral("Connected to %1 from %2").arg(peer.toString(), local.toString()),
                          Marker::Established);
    reactor().report(outcome::Connected{id(), local, peer, options, state});
    watch(interest());
    m_handler->opened(*this);
    if (isFinished())
        return;
    if (!m_queue.empty())
        flush(); // bytes sent while connecting
    else if (m_wantFin || m_closing)
        afterDrain();
}

std::optional<WriteProgress> TcpStream::writeProgress() const {
    return WriteProgress{m_written, queuedBytes()};
}

quint64 TcpStream::queuedBytes() const {
    return m_queued + (m_handler ? m_handler->heldBytes() : 0);
}

QList<AppliedOption> TcpStream::setSocketOptions(const SocketOptions &options) {
    if (m_connector) {
        // Still being set up: every attempt from now on takes them, and connected() reports them.
        return m_connector->addOptions(options);
    }
    return applySocketOptions(fd(), OptionTarget::LiveConnection, options);
}

std::optional<TcpInfo> TcpStream::closingTcpInfo() const {
    if (!m_wasConnected || fd() < 0)
        return std::nullopt; // a connect that never succeeded has nothing to tell
    return readTcpInfo(nullptr);
}

std::optional<TcpInfo> TcpStream::readTcpInfo(QString *error) const {
    // An accepted connection has a listener; only an outgoing one sent the SYN.
    std::optional<TcpInfo> info = sockbench::readTcpInfo(fd(), m_listener == 0, error);
    if (info) {
        // The kernel's counters also count a FIN, sent or received, as a byte. What we handed to
        // the kernel, and what we read plus what waits to be read, are the data bytes exactly.
        info->bytesAcked = std::min(info->bytesAcked, m_written);
        info->bytesReceived = std::min(info->bytesReceived, m_read + info->receiveQueueBytes);
    }
    return info;
}

quint32 TcpStream::interest() const {
    return (m_readPaused || m_peerFin ? 0u : quint32(EPOLLIN)) | (m_queue.empty() ? 0u : quint32(EPOLLOUT));
}

void TcpStream::onReady(quint32 events) {
    if (m_connector) {
        // Writable (or failed) while connecting: the handshake has ended one way or the other.
        if (m_connector->handshakeDone())
            established();
        return;
    }
    onStreamReady(events);
}

void TcpStream::onStreamReady(quint32 events) {
    if ((events & EPOLLERR) && (events & EPOLLIN)) {
        // A reset with bytes still in the kernel's buffer (the peer's last words, a TLS alert):
        // read them first; recv's ECONNRESET ends the stream once they are taken.
        read();
        if (isFinished())
            return;
    }
    if (events & EPOLLOUT) {
        flush();
        if (isFinished())
            return;
    }
    if (events & EPOLLERR) {
        const int error = pendingError(fd());
        if (error == ECONNRESET || error == EPIPE) {
            end(EndpointState::Reset, QStringLiteral("Connection reset by peer"));
            return;
        }
        if (error != 0) {
            end(EndpointState::Failed, errnoText(error));
            return;
        }
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        read();
}

void TcpStream::onTimer(TimerKind kind) {
    if (kind == TimerKind::ConnectTimeout && m_connector)
        m_connector->timedOut();
    else if (kind == TimerKind::CloseLinger)
        finish(EndpointState::Closed,
               QStringLiteral("Closed (peer did not finish within %1 ms)").arg(CloseLingerMs));
    else if (kind == TimerKind::Rules)
        m_handler->rulesTimer(*this);
    else if (kind == TimerKind::Handshake)
        m_handler->handshakeTimer(*this);
    else if (kind == TimerKind::Fault)
        m_handler->faultTimer(*this);
}

void TcpStream::finished(EndpointState before, EndpointState state, const QString &detail) {
    if (FinishHook hook = std::exchange(m_finishHook, {}))
        hook(*this, before, state, detail);
}

void TcpStream::end(EndpointState state, QString detail) {
    m_handler->ending(*this, state, detail);
    if (!isFinished())
        finish(state, detail);
}

int TcpStream::connectErrno() const {
    return m_connector ? m_connector->lastErrno() : 0;
}

bool TcpStream::connectTimedOut() const {
    return m_connector && m_connector->hasTimedOut();
}

bool TcpStream::isOpen() const {
    return state() == EndpointState::Connected || state() == EndpointState::PeerClosed ||
           state() == EndpointState::Handshaking;
}

bool TcpStream::wrapHandler(
    const std::function<std::unique_ptr<StreamHandler>(std::unique_ptr<StreamHandler>)> &wrap) {
    QString refusal;
    if (m_handler->speaksTls())
        refusal = QStringLiteral("The connection already speaks TLS");
    else if (state() != EndpointState::Connected || m_finSent || m_wantFin || m_closing)
        refusal =
            QStringLiteral("Start TLS needs a connected plaintext connection (it is %1)")
                .arg(m_finSent || m_wantFin || m_closing ? QStringLiteral("closing") : toString(state()));
    if (!refusal.isEmpty()) {
        reactor().sendFailed(id(), refusal);
        return false;
    }
    std::unique_ptr<StreamHandler> wrapped = wrap(std::move(m_handler));
    m_handler = std::move(wrapped);
    setState(EndpointState::Handshaking);
    m_handler->opened(*this);
    return true;
}

void TcpStream::read() {
    char *buffer = reactor().readBuffer(ReadChunk);
    // While a datagram socket here is behind, one chunk per wake-up: our peer waits for us (flow
    // control), but the kernel drops the datagrams that do not fit in their socket's buffer.
    const int reads = reactor().datagramBacklog() ? 1 : MaxReadsPerEvent;
    for (int i = 0; i < reads; ++i) {
        const ssize_t n = ::recv(fd(), buffer, ReadChunk, MSG_DONTWAIT);
        if (n > 0) {
            m_read += quint64(n);
            if (!m_handler->received(*this, buffer, n) || isFinished())
                return;
            if (size_t(n) < ReadChunk)
                return; // drained; level-triggered epoll tells us when more arrives
            continue;
        }
        if (n == 0) {
            // After the first EOF we stop asking for EPOLLIN, so a second one only comes from
            // EPOLLHUP: both ends are done. The FIN is marked at once, so that a later send (which
            // recomputes the interest) does not read the same EOF again and report it twice.
            if (m_finSent || m_closing || m_peerFin) {
                m_peerFin = true;
                finish(EndpointState::Closed,
                       m_finSent ? QStringLiteral("Closed by both ends") : QStringLiteral("Closed"));
                return;
            }
            m_peerFin = true;
            if (state() == EndpointState::Handshaking) {
                // No handshake completes now: the handler names the failure.
                watch(m_queue.empty() ? 0u : quint32(EPOLLOUT));
                m_handler->peerFinished(*this);
                if (!isFinished())
                    finish(EndpointState::Failed,
                           QStringLiteral("The peer closed the connection during the handshake"));
                return;
            }
            setState(EndpointState::PeerClosed);
            reactor().recordEvent(id(), QStringLiteral("Peer closed its side (FIN received)"),
                                  Marker::FinReceived);
            reactor().report(outcome::PeerClosed{id()});
            watch(m_queue.empty() ? 0u : quint32(EPOLLOUT)); // EOF stays readable: stop asking
            m_handler->peerFinished(*this);
            return;
        }
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        if (error == EINTR)
            continue;
        if (error == ECONNRESET) {
            end(EndpointState::Reset, QStringLiteral("Connection reset by peer"));
            return;
        }
        end(EndpointState::Failed, errnoText(error));
        return;
    }
}

void TcpStream::write(QByteArray bytes) {
    m_handler->outgoing(*this, std::move(bytes));
}

void TcpStream::writeRaw(QByteArray bytes) {
    if (bytes.isEmpty())
        return;
    m_queued += quint64(bytes.size());
    const bool small = bytes.size() < JoinQueuedBelow;
    if (small && m_tailIsOurs && m_queue.back().size() + bytes.size() <= JoinQueuedUpTo) {
        m_queue.back().append(bytes);
    } else if (small && (m_batchDepth > 0 || !m_queue.empty())) {
        // Behind others or in a batch: more pieces are likely to follow, so start a buffer of ours.
        QByteArray tail;
        tail.reserve(std::max<qsizetype>(1024, 4 * bytes.size()));
        tail.append(bytes);
        m_queue.push_back(std::move(tail));
        m_tailIsOurs = true;
    } else {
        m_queue.push_back(std::move(bytes));
        m_tailIsOurs = false;
    }
    if (m_batchDepth == 0)
        flushNow();
}

void TcpStream::writeRawFrom(const char *data, qsizetype size) {
    if (size <= 0)
        return;
    if (m_queue.empty() && m_batchDepth == 0 && !isFinished() && fd() >= 0 && !m_finSent &&
        (state() == EndpointState::Connected || state() == EndpointState::PeerClosed)) {
        ssize_t n = 0;
        do {
            n = ::send(fd(), data, size_t(size), MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        // An error other than a full buffer is left to flush(), which ends the stream the usual way.
        if (n > 0) {
            m_written += quint64(n);
            m_handler->sent(*this, data, qsizetype(n));
            reactor().markWritten(id());
            data += n;
            size -= qsizetype(n);
            if (size == 0 || isFinished())
                return;
        }
    }
    writeRaw(QByteArray(data, size));
}

void TcpStream::endWriteBatch() {
    if (--m_batchDepth == 0)
        flushNow();
}

void TcpStream::flushNow() {
    if (!isFinished() && !m_queue.empty() && isOpen())
        flush();
}

void TcpStream::flush() {
    while (!m_queue.empty()) {
        iovec iov[MaxIov];
        int count = 0;
        for (auto it = m_queue.begin(); it != m_queue.end() && count < MaxIov; ++it, ++count) {
            const qsizetype skip = count == 0 ? m_frontOffset : 0;
            iov[count].iov_base = const_cast<char *>(it->constData()) + skip;
            iov[count].iov_len = size_t(it->size() - skip);
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = size_t(count);
        const ssize_t n = ::sendmsg(fd(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            const int error = errno;
            if (error == EINTR)
                continue;
            if (error == EAGAIN || error == EWOULDBLOCK) {
                watch(interest());
                return;
            }
            if (error == ECONNRESET || error == EPIPE) {
                end(EndpointState::Reset, QStringLiteral("Connection reset by peer"));
                return;
            }
            end(EndpointState::Failed, errnoText(error));
            return;
        }
        // Hand on what the kernel took: the journal shows what really left, a partial write as a
        // partial record. Small pieces that left in one call (a batch of rule replies) are one
        // record, as they were one write; big ones stay a record each, not worth a copy.
        quint64 left = quint64(n);
        const bool joined = count > 1 && quint64(n) <= JoinSentPiecesUpTo;
        QByteArray together;
        for (int i = 0; i < count && left > 0; ++i) {
            const quint64 take = std::min<quint64>(left, iov[i].iov_len);
            if (joined)
                together.append(static_cast<const char *>(iov[i].iov_base), qsizetype(take));
            else
                m_handler->sent(*this, static_cast<const char *>(iov[i].iov_base), qsizetype(take));
            left -= take;
            if (take == iov[i].iov_len) {
                m_queue.pop_front();
                m_frontOffset = 0;
                m_tailIsOurs = m_tailIsOurs && !m_queue.empty();
            } else {
                m_frontOffset += qsizetype(take);
            }
        }
        if (joined)
            m_handler->sent(*this, together.constData(), together.size());
        m_queued -= quint64(n);
        m_written += quint64(n);
        reactor().markWritten(id());
    }
    m_handler->drained(*this);
    watch(interest());
    afterDrain();
}

void TcpStream::afterDrain() {
    if (!m_queue.empty() || fd() < 0)
        return;
    // A half-close asked for during a handshake waits for its end: the handler (TLS) has its
    // own farewell to send before the FIN. A full close does not wait.
    if (m_wantFin && !m_closing && state() == EndpointState::Handshaking)
        return;
    if ((m_wantFin || m_closing) && !m_finSent) {
        ::shutdown(fd(), SHUT_WR);
        m_finSent = true;
        reactor().recordEvent(id(), QStringLiteral("FIN sent"), Marker::FinSent);
    }
    if (m_closing) {
        if (m_peerFin) {
            finish(EndpointState::Closed,
                   m_finSent ? QStringLiteral("Closed by both ends") : QStringLiteral("Closed"));
            return;
        }
        armTimer(TimerKind::CloseLinger, CloseLingerMs);
        watch(EPOLLIN); // keep recording until the peer's FIN
    } else if (m_finSent && m_peerFin) {
        finish(EndpointState::Closed, QStringLiteral("Closed by both ends"));
    }
}

void TcpStream::pauseReading() {
    m_readPaused = true;
    watch(interest());
}

void TcpStream::resumeReading() {
    m_readPaused = false;
    watch(interest());
}

void TcpStream::send(const QByteArray &bytes) {
    if (m_finSent || m_wantFin || m_closing) {
        reactor().sendFailed(id(), QStringLiteral("Connection is closing (FIN sent)"));
        return;
    }
    write(bytes);
    if (!isFinished() && queuedBytes() > 0)
        reactor().markWritten(id());
}

void TcpStream::shutdownWrite() {
    if (!m_wantFin && !m_closing && !m_finSent && isOpen())
        m_handler->closing(*this); // e.g. TLS close_notify, before the FIN
    if (isFinished())
        return;
    m_wantFin = true;
    if (state() == EndpointState::Connected || state() == EndpointState::PeerClosed)
        afterDrain();
}

void TcpStream::close() {
    if (state() == EndpointState::Resolving || state() == EndpointState::Connecting) {
        finish(EndpointState::Closed, QStringLiteral("Connect cancelled"));
        return;
    }
    if (!m_wantFin && !m_closing && !m_finSent && isOpen())
        m_handler->closing(*this);
    if (isFinished())
        return;
    m_closing = true;
    afterDrain();
}

void TcpStream::abort() {
    if (!m_wasConnected) {
        close();
        return;
    }
    setResetOnClose(fd());
    const quint64 dropped = m_queued;
    finish(EndpointState::Reset,
           dropped ? QStringLiteral("Aborted (RST sent, %1 queued bytes dropped)").arg(dropped)
                   : QStringLiteral("Aborted (RST sent)"),
           true);
}

} // namespace sockbench
