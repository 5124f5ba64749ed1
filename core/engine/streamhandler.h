#pragma once

// Internal to core: what a TcpStream does with the bytes it moves.

#include "engine/endpoint.h"

#include <QByteArray>

#include <memory>

namespace sockbench {

class RuleBook;
class TcpStream;

/// Decides what the bytes crossing a TcpStream mean. The stream does the raw socket work (recv,
/// the write queue and sendmsg, FIN, linger, abort) and calls its handler for everything else.
///
/// StreamRecorder is the one every stream starts with: it records both directions in the journal
/// and gives a listener's auto-reply. The seams are meant for what sits on top of a stream:
/// - A transform (TLS) wraps another handler: received() turns wire bytes into plaintext for the
///   inner handler, outgoing() turns plaintext into wire bytes (TcpStream::writeRaw), and sent()
///   reports wire bytes the inner handler does not need to see.
/// - A relay is a handler whose received() writes to another stream and, when that stream's queue
///   is long, pauses this one (pauseReading); the other stream's drained() resumes it.
///
/// Every call runs on the stream's reactor thread. A handler may finish the stream (through
/// TcpStream's own calls); the stream checks isFinished() after each call.
class StreamHandler {
public:
    StreamHandler() = default;
    virtual ~StreamHandler() = default;
    Q_DISABLE_COPY_MOVE(StreamHandler)

    /// The stream is established (accepted, or connected) and registered with its reactor.
    virtual void opened(TcpStream &stream) = 0;
    /// The kernel delivered bytes. Return false to stop reading for this readiness event: the
    /// handler paused reading, or the stream finished.
    virtual bool received(TcpStream &stream, const char *data, qsizetype size) = 0;
    /// Bytes to send, from the user or from a handler (TcpStream::write). The default queues them
    /// as they are.
    virtual void outgoing(TcpStream &stream, QByteArray bytes);
    /// The kernel took these bytes from the write queue, in order. Must not write to the stream.
    virtual void sent(TcpStream &stream, const char *data, qsizetype size) = 0;
    /// The peer's FIN arrived; the stream is PeerClosed and may still send.
    virtual void peerFinished(TcpStream &stream) = 0;
    /// The write queue is empty again.
    virtual void drained(TcpStream &stream) = 0;
    /// The accepting listener's auto-reply changed while this stream is open. Echo on or off
    /// applies from the next received bytes; a greeting is for new connections only. The default
    /// ignores it (a handler with no auto-reply).
    virtual void setAutoReply(AutoReply reply);
    /// Response rules for this stream (null: none). `own` is true when they were set on this
    /// connection itself, false when they come from its listener: a listener's later change does
    /// not replace a connection's own rules. The default ignores them (a handler without rules).
    virtual void setRules(TcpStream &stream, std::shared_ptr<RuleBook> rules, bool own);
    /// The stream's TimerKind::Rules timer expired (a handler arms it through the stream).
    virtual void rulesTimer(TcpStream &stream);
    /// The stream's TimerKind::Fault timer expired (a relay leg arms it for its fault pipeline).
    virtual void faultTimer(TcpStream &stream);

    // For transforms (TLS). The defaults suit a handler that is the stream's only protocol.

    /// True when the stream must complete a handshake before it is Connected: it is Handshaking
    /// from accept or connect until the handler sets it Connected.
    virtual bool handshakesFirst() const;
    /// True when the handler already speaks TLS (Start TLS is refused then).
    virtual bool speaksTls() const;
    /// The user (or a handler) closes or half-closes the stream: the last chance to queue bytes
    /// before our FIN (TLS: close_notify). Called once per close or shutdownWrite().
    virtual void closing(TcpStream &stream);
    /// The stream's TimerKind::Handshake timer expired.
    virtual void handshakeTimer(TcpStream &stream);
    /// The stream ends for a reason it found itself (a reset, a socket error), not through the
    /// handler: a transform may say what that meant to it by changing state and detail (TLS: a
    /// reset during the handshake is a failed handshake).
    virtual void ending(TcpStream &stream, EndpointState &state, QString &detail);
    /// Plaintext the handler holds that is not in the stream's queue yet (TLS: what was sent
    /// during the handshake): counted as queued, for back-pressure and the queued column.
    virtual quint64 heldBytes() const;
    /// Bytes of a TLS ClientHello that arrived as plaintext and were the last thing received (the
    /// peer started TLS before we did): Start TLS as the server takes them up. Empty by default.
    virtual QByteArray takeClientHello();
};

} // namespace sockbench
