#pragma once

// Internal to core: one TCP connection on a reactor.

#include "engine/socket.h"
#include "engine/streamhandler.h"

#include <QByteArray>

#include <deque>
#include <functional>
#include <memory>

namespace sockbench {

class RelayPair;
class TcpConnector;

/// A TCP connection, accepted or outgoing: the raw byte I/O on its descriptor. Received bytes and
/// the bytes the kernel takes go to its StreamHandler (journal, auto-reply; later TLS or a relay).
///
/// Sending queues the bytes and writes as much as the kernel takes (sendmsg over the queue); the
/// rest waits for EPOLLOUT. A graceful close sends what is queued, then FIN, then waits up to
/// CloseLingerMs for the peer's FIN; abort() resets. An outgoing connection starts Resolving with
/// a TcpConnector that sets it up; bytes sent meanwhile wait in the queue.
class TcpStream final : public Socket {
public:
    /// An accepted connection on `owner` (maybe not the reactor whose thread builds it), accepted
    /// by `listener`. It starts working in adopted().
    TcpStream(Reactor &owner, EndpointId id, EndpointId listener, int fd,
              std::unique_ptr<StreamHandler> handler);
    /// An outgoing connection, Resolving until its connector is done.
    TcpStream(Reactor &owner, EndpointId id, std::unique_ptr<StreamHandler> handler);
    ~TcpStream() override;
    Q_DISABLE_COPY_MOVE(TcpStream)

    /// Creates an outgoing connection on the calling reactor and starts setting it up.
    static void connectTo(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                          const ConnectOptions &options);
    /// The same with a handler of the caller's (a relay's target leg; wrapped in TLS when
    /// options.tls asks). `ready` runs once the stream is registered, before its set-up starts
    /// (which may finish it at once, as may a TLS context that cannot be built).
    static void connectTo(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                          const ConnectOptions &options, std::unique_ptr<StreamHandler> handler,
                          const std::function<void(TcpStream &)> &ready);

    void onReady(quint32 events) override;
    void onTimer(TimerKind kind) override;
    void adopted() override;
    /// Graceful close; while still connecting, cancels the connect.
    void close() override;
    /// SO_LINGER 0, so the peer sees a reset; queued bytes are dropped. Before the connection is
    /// established it is a close().
    void abort() override;
    std::optional<WriteProgress> writeProgress() const override;
    std::optional<TcpInfo> closingTcpInfo() const override;
    /// TCP_INFO and the queues of this connection now (see sockbench::readTcpInfo).
    std::optional<TcpInfo> readTcpInfo(QString *error) const;

    // The user's commands (through the Workbench).

    /// Queues bytes; refused (sendFailed) once we are closing or have sent FIN.
    void send(const QByteArray &bytes);
    /// FIN once the queue has drained; keeps receiving.
    void shutdownWrite();
    /// The accepting listener's auto-reply changed (see StreamHandler::setAutoReply).
    void setAutoReply(AutoReply reply) { m_handler->setAutoReply(reply); }
    /// Response rules for this connection (see StreamHandler::setRules).
    void setRules(std::shared_ptr<RuleBook> rules, bool own) {
        m_handler->setRules(*this, std::move(rules), own);
    }
    /// Options set while the connection lives: applied now if it has a descriptor, and kept for
    /// the connect attempts still to come while it is being set up. Returns the read-back.
    QList<AppliedOption> setSocketOptions(const SocketOptions &options);
    /// The listener that accepted this connection; 0 for an outgoing one.
    EndpointId listener() const { return m_listener; }
    /// Start TLS: the handler wrap() makes of the current one (a TlsTransform around it) takes
    /// over, the stream is Handshaking, and the new handler's opened() starts the handshake. Bytes
    /// already queued go out first, as they are. Refused (sendFailed, false) unless Connected and
    /// open for writing, or when the handler already speaks TLS.
    bool
    wrapHandler(const std::function<std::unique_ptr<StreamHandler>(std::unique_ptr<StreamHandler>)> &wrap);

    // For handlers.

    /// Bytes to send, through the handler's outgoing() (where a transform changes them).
    void write(QByteArray bytes);
    /// Queues bytes as they go on the wire and writes what the kernel takes now (or, inside a
    /// write batch, when the batch ends).
    void writeRaw(QByteArray bytes);
    /// writeRaw() without the copy when it can: with nothing queued, the kernel takes what it will
    /// straight from `data` (a relay forwarding from the reactor's read buffer); only the rest is
    /// copied into the queue. For handlers that send bytes as they are (no transform).
    void writeRawFrom(const char *data, qsizetype size);
    /// Until the matching endWriteBatch(), writes only queue; then they go out together: one
    /// sendmsg for the many replies that one read can call for, instead of one each. Nests.
    void beginWriteBatch() { ++m_batchDepth; }
    void endWriteBatch();
    /// Sends what is queued now, even inside a batch (before an abort, which drops the queue).
    void flushNow();
    /// Bytes queued for the kernel, and those the handler holds back (TLS during its handshake).
    quint64 queuedBytes() const;
    /// FIN has been sent: nothing more can be written.
    bool isWriteShut() const { return m_finSent; }
    /// A close or shutdownWrite() asked for our FIN, which goes once the queue is empty.
    bool isFinPending() const { return (m_wantFin || m_closing) && !m_finSent; }
    bool isReadingPaused() const { return m_readPaused; }
    /// Connected, PeerClosed or Handshaking: bytes may go on the wire.
    bool isOpen() const;

    /// How a stream ended: its state just before, its final state and the reason.
    using FinishHook =
        std::function<void(TcpStream &, EndpointState before, EndpointState state, const QString &detail)>;
    /// Called once when the stream finishes, whoever finishes it (a relay ends the other leg).
    void setFinishHook(FinishHook hook) { m_finishHook = std::move(hook); }
    /// The relayed connection this stream is a leg of (tcprelay.h); null for any other stream.
    void setRelayPair(std::shared_ptr<RelayPair> pair) { m_relayPair = std::move(pair); }
    RelayPair *relayPair() const { return m_relayPair.get(); }
    /// Runs the finish hook, once, after Socket::finish (through any reference to the stream).
    void finished(EndpointState before, EndpointState state, const QString &detail) override;
    /// While Resolving or Connecting (and in the finish hook of a connect that failed): the errno
    /// of the last failed attempt (0: none, or not a socket error), and whether it timed out.
    int connectErrno() const;
    bool connectTimedOut() const;
    /// Back-pressure: stop reading until resumeReading().
    void pauseReading();
    void resumeReading();

    // For TcpConnector.

    /// The connect handshake succeeded on fd(): carry on as an established connection.
    void established();

private:
    void onStreamReady(quint32 events);
    void read();
    void flush();
    /// Sends the FIN a close or shutdownWrite() asked for once the queue is empty, and finishes
    /// when both ends are done.
    void afterDrain();
    /// Ends the connection for a reason found here (reset, socket error); the handler may restate it.
    void end(EndpointState state, QString detail);
    /// The epoll interest of an established connection: read unless paused or the peer is done,
    /// write while something waits.
    quint32 interest() const;

    std::unique_ptr<StreamHandler> m_handler;
    const EndpointId m_listener = 0;
    std::unique_ptr<TcpConnector> m_connector; ///< while Resolving or Connecting
    FinishHook m_finishHook;
    std::shared_ptr<RelayPair> m_relayPair;
    std::deque<QByteArray> m_queue;
    qsizetype m_frontOffset = 0; ///< bytes of m_queue.front() already written
    bool m_tailIsOurs = false;   ///< m_queue.back() was made here, so small pieces may join it
    quint64 m_queued = 0;
    quint64 m_written = 0;
    quint64 m_read = 0;          ///< bytes recv() returned, for TCP_INFO's byte count without the FIN
    int m_batchDepth = 0;        ///< beginWriteBatch() calls not yet ended
    bool m_readPaused = false;   ///< back-pressure from the handler
    bool m_peerFin = false;      ///< EOF read
    bool m_finSent = false;      ///< shutdown(SHUT_WR) done
    bool m_wantFin = false;      ///< shutdown(SHUT_WR) once the queue drains
    bool m_closing = false;      ///< graceful close requested: FIN, then wait for the peer's FIN
    bool m_wasConnected = false; ///< abort() sends RST only on an established connection
};

} // namespace sockbench
