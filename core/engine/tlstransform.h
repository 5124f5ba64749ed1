#pragma once

// Internal to core: TLS as a transform on a TcpStream. It lives in the engine, beside the other
// stream handlers (the recorder, the relay's legs), so that tls/ needs no engine header: the engine
// uses tls/ (contexts, certificates), never the other way round.

#include "engine/streamhandler.h"
#include "tls/tlscontext.h"

#include <QByteArray>
#include <QString>

#include <deque>
#include <memory>

namespace sockbench {

/// Speaks TLS on a stream, around the handler that was there (normally a StreamRecorder): wire
/// bytes in and out, plaintext to and from the inner handler. OpenSSL reads the received bytes in
/// place (WireIn) and writes into a memory BIO; it never blocks, and everything runs on the
/// stream's reactor thread.
///
/// - The stream is Handshaking until the handshake completes; then the outcome (TlsChanged
///   Established) and the session's facts go to the journal, the stream becomes Connected, and
///   only then does the inner handler open (a greeting or rules start after the handshake) and
///   the plaintext sent meanwhile goes out.
/// - The inner handler sees plaintext: received() what SSL_read gave, sent() each plaintext
///   piece once the kernel took every wire byte of its records (exactly once, in order).
/// - A failed handshake reports TlsChanged Failed and ends the stream Failed, with the reason in
///   words (tlstransform.cpp lists them).
/// - close_notify goes out before our FIN; the peer's close_notify and a bare TCP close (a
///   possible truncation) are different journal events.
class TlsTransform final : public StreamHandler {
public:
    /// Who the peer is and how this session starts.
    struct Peer {
        QString host;       ///< client: the host as the user typed it (checked, and the SNI)
        QString serverName; ///< client: SNI and the name checked, instead of host; empty: host
        bool startTls = false;
        /// Start TLS: plaintext bytes already in the stream's queue, which go out before the
        /// handshake and are reported to the inner handler as they are.
        quint64 passThrough = 0;
        bool innerOpened = false; ///< Start TLS: the inner handler opened long ago
        /// Start TLS as the server: a ClientHello that arrived as plaintext before the upgrade.
        QByteArray replay;
    };

    TlsTransform(TlsContext context, std::unique_ptr<StreamHandler> inner, Peer peer);
    ~TlsTransform() override;
    Q_DISABLE_COPY_MOVE(TlsTransform)

    void opened(TcpStream &stream) override;
    bool received(TcpStream &stream, const char *data, qsizetype size) override;
    void outgoing(TcpStream &stream, QByteArray bytes) override;
    void sent(TcpStream &stream, const char *data, qsizetype size) override;
    void peerFinished(TcpStream &stream) override;
    void drained(TcpStream &stream) override;
    void setAutoReply(AutoReply reply) override;
    void setRules(TcpStream &stream, std::shared_ptr<RuleBook> rules, bool own) override;
    void rulesTimer(TcpStream &stream) override;
    void faultTimer(TcpStream &stream) override;
    bool handshakesFirst() const override;
    bool speaksTls() const override;
    quint64 heldBytes() const override;
    void closing(TcpStream &stream) override;
    void handshakeTimer(TcpStream &stream) override;
    void ending(TcpStream &stream, EndpointState &state, QString &detail) override;

private:
    /// One plaintext piece on its way: reported to the inner handler once the wire has gone up to
    /// wireEnd (counted from our first TLS byte).
    struct Piece {
        quint64 wireEnd = 0;
        QByteArray plain; ///< shared with the caller's buffer; [from, from + size)
        qsizetype from = 0;
        qsizetype size = 0;
    };

    /// What OpenSSL reads from: the tail of an earlier read that OpenSSL left (part of a record),
    /// then the bytes just received, in place (no copy into a memory BIO).
    struct WireIn {
        const char *data = nullptr;
        qsizetype size = 0;
        QByteArray carry;        ///< read before data
        qsizetype carryUsed = 0; ///< of carry, what OpenSSL has read
        qsizetype pending() const { return carry.size() - carryUsed + size; }
    };
    static BIO_METHOD *wireInMethod();
    /// Points OpenSSL's input at these bytes (after any carried ones); endWire() keeps what it left.
    void beginWire(const char *data, qsizetype size);
    void endWire();
    bool receiveWire(TcpStream &stream, const char *data, qsizetype size);

    void handshake(TcpStream &stream);
    void established(TcpStream &stream);
    /// m_awaitingVerdict and bytes arrived: the server's refusal fails the handshake, anything
    /// else completes it. False when the stream should stop reading.
    bool awaitVerdict(TcpStream &stream);
    /// SSL_read until it wants more; the plaintext goes to the inner handler in big pieces.
    bool readPlaintext(TcpStream &stream);
    void encrypt(TcpStream &stream, const QByteArray &bytes);
    /// SSL_write what m_unwritten holds, until OpenSSL wants the peer's bytes first.
    void writeUnwritten(TcpStream &stream);
    /// Appends what OpenSSL wrote to the outgoing BIO.
    void takeWire(QByteArray &out);
    /// Queues what OpenSSL wrote (handshake, alerts, tickets): wire bytes without plaintext.
    void sendWire(TcpStream &stream);
    /// What the transform holds can no longer go (closed during the handshake, or while SSL_write
    /// waited for the peer): reported as not sent, with why.
    void dropEarly(TcpStream &stream, const QString &why);
    void fillSession();
    void recordSession(TcpStream &stream);
    /// The handshake error in words (after SSL_ERROR_SSL or another failure code).
    QString handshakeError(int sslError, bool *aboutCertificate);
    /// The verification's failure in words: the first error, about the certificate it concerns.
    QString verifyFailure(long result, X509 *leaf) const;
    void fail(TcpStream &stream, const QString &reason, bool aboutCertificate = false);
    void reportClosed(TcpStream &stream);
    QString expectedHost() const;

    TlsContext m_context;
    std::unique_ptr<StreamHandler> m_inner;
    Peer m_peer;
    SSL *m_ssl = nullptr;
    BIO *m_in = nullptr;  ///< wire bytes from the peer, for OpenSSL to read (owned by m_ssl)
    WireIn m_wire;        ///< what m_in reads
    BIO *m_out = nullptr; ///< wire bytes OpenSSL wrote, for the stream to send (owned by m_ssl)
    TlsSslNotes m_notes;
    TlsInfo m_info;
    std::deque<QByteArray> m_early; ///< plaintext sent before the handshake completed
    std::deque<Piece> m_pieces;
    /// Plaintext SSL_write has not taken yet: it answered WANT_READ (a TLS 1.2 peer's handshake
    /// message in flight) and the same bytes are offered again after the next received().
    struct Unwritten {
        QByteArray bytes;
        qsizetype offset = 0;
    };
    std::deque<Unwritten> m_unwritten;
    quint64 m_wireQueued = 0; ///< our TLS bytes handed to the stream
    quint64 m_wireSent = 0;   ///< of which the kernel took
    quint64 m_wireIn = 0;     ///< bytes received from the peer
    bool m_established = false;
    /// TLS 1.3 client whose certificate the server asked for and did not get: the handshake is
    /// complete on our side, but the server's verdict (certificate_required, or its tickets or
    /// data) is still to come. Until it comes (or VerdictWaitMs passes) we stay Handshaking, so
    /// that a refusal is a failed connect, not a connection that fails at once.
    bool m_awaitingVerdict = false;
    bool m_failed = false;
    bool m_failureReported = false; ///< TlsChanged Failed went out (from fail() or ending())
    bool m_closeNotifySent = false;
    bool m_closeNotifyReceived = false;
    bool m_reportedClosed = false;
    bool m_innerFinished = false; ///< the inner handler heard the peer is done (close_notify or FIN)
};

} // namespace sockbench
