#include "engine/tlstransform.h"

#include "engine/reactor.h"
#include "engine/tcpstream.h"
#include "language/translate.h"
#include "tls/certificate.h"
#include "tls/openssl.h"
#include "tls/x509text.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace sockbench {

// The failures a user reads (the window, the command line and the tests match these words):
//   "certificate verify failed: …", "hostname mismatch: …", "certificate expired on …" (x509text)
//   "the peer answered in plain text, not TLS" (we are the client)
//   "the peer sent plain text, not TLS" (we are the server)
//   "handshake timed out"
//   "no protocol version or cipher in common"
//   "the server requires a client certificate"
//   "the client sent no certificate, and this listener requires one"
//   "the peer reset the connection during the TLS handshake"
//   "the peer closed the connection during the TLS handshake"
//   "TLS failed: the peer asked to renegotiate, which this workbench refuses (…)" (TLS 1.2)
//   otherwise "TLS handshake failed: " / "TLS failed: " (after the handshake) + OpenSSL's reason
//   in words, never a bare code.

namespace {

constexpr size_t PlainChunk = 256 * 1024;       // plaintext handed to the inner handler at once
constexpr qsizetype WriteChunk = 64 * 1024;     // plaintext per SSL_write: one journal record each
constexpr qsizetype RecordOverhead = 64;        // header, tag and padding of one record, at most
constexpr qsizetype MaxRecordPlaintext = 16384; // TLS's record size limit
constexpr qint64 VerdictWaitMs = 1000;          // see TlsTransform::m_awaitingVerdict

/// The plaintext buffer of this thread (each reactor has its own): one per thread, not one per
/// connection, so that a thousand idle TLS connections do not each keep 256 KiB.
char *plainBuffer() {
    thread_local std::vector<char> buffer(PlainChunk);
    return buffer.data();
}

/// The peer's certificate. A client whose verification failed has no SSL_get0_peer_certificate
/// (OpenSSL sets it only once the chain verified), but the chain it received starts with it.
X509 *peerLeaf(SSL *ssl, bool server) {
    if (X509 *leaf = SSL_get0_peer_certificate(ssl))
        return leaf;
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    return !server && chain && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : nullptr;
}

bool isIpLiteral(const QString &host) {
    const QByteArray text = host.toLatin1();
    unsigned char address[16];
    return inet_pton(AF_INET, text.constData(), address) == 1 ||
           inet_pton(AF_INET6, text.constData(), address) == 1;
}

QString withoutBrackets(QString host) {
    if (host.startsWith(u'[') && host.endsWith(u']'))
        return host.mid(1, host.size() - 2);
    return host;
}

/// Words for an SSL_get_error code that came without an OpenSSL reason: never a bare number.
QString withoutReason(int sslError) {
    switch (sslError) {
    case SSL_ERROR_SYSCALL:
        return tr("the connection failed underneath TLS");
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return tr("OpenSSL stalled waiting for the peer");
    default:
        return tr("TLS failed in OpenSSL without a reason");
    }
}

} // namespace

TlsTransform::TlsTransform(TlsContext context, std::unique_ptr<StreamHandler> inner, Peer peer)
    : m_context(std::move(context))
    , m_inner(std::move(inner))
    , m_peer(std::move(peer)) {}

TlsTransform::~TlsTransform() {
    SSL_free(m_ssl); // and its BIOs
}

QString TlsTransform::expectedHost() const {
    return withoutBrackets(m_peer.serverName.isEmpty() ? m_peer.host : m_peer.serverName);
}

void TlsTransform::opened(TcpStream &stream) {
    // Made here, on the stream's own reactor, not where the listener accepted it.
    ERR_clear_error();
    m_ssl = SSL_new(m_context.get());
    m_in = BIO_new(wireInMethod());
    m_out = BIO_new(BIO_s_mem());
    if (!m_ssl || !m_in || !m_out) {
        BIO_free(m_in);
        BIO_free(m_out);
        m_in = m_out = nullptr;
        fail(stream, tr("TLS failed: %1").arg(takeOpenSslError()));
        return;
    }
    BIO_set_data(m_in, &m_wire);
    BIO_set_mem_eof_return(m_out, -1); // empty means "nothing yet", not end of file
    SSL_set_bio(m_ssl, m_in, m_out);
    SSL_set_app_data(m_ssl, &m_notes);
    m_info = m_context.startInfo();
    m_info.startTls = m_peer.startTls;
    QString start;
    if (m_context.isServer()) {
        SSL_set_accept_state(m_ssl);
        start = tr("TLS handshake started, as the server");
    } else {
        SSL_set_connect_state(m_ssl);
        const QString host = expectedHost();
        const bool ip = isIpLiteral(host);
        if (!m_peer.serverName.isEmpty() || (!ip && !host.isEmpty())) {
            m_info.serverName = host;
            SSL_set_tlsext_host_name(m_ssl, host.toUtf8().constData());
        }
        // Checked even when insecure, so that the verification shows what it would have said.
        if (ip)
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m_ssl), host.toLatin1().constData());
        else if (!host.isEmpty())
            SSL_set1_host(m_ssl, host.toUtf8().constData());
        start = m_info.serverName.isEmpty()
                    ? tr("TLS handshake started, as the client (no SNI)")
                    : tr("TLS handshake started, as the client (SNI %1)").arg(m_info.serverName);
    }
    if (m_peer.startTls)
        start = tr("Start TLS: ") + start;
    stream.reactor().recordEvent(stream.id(), start);
    stream.reactor().report(outcome::TlsChanged{stream.id(), m_info});
    if (m_context.handshakeTimeoutMs() > 0)
        stream.armTimer(TimerKind::Handshake, m_context.handshakeTimeoutMs());
    if (!m_context.isServer()) {
        handshake(stream); // the ClientHello
    } else if (!m_peer.replay.isEmpty()) {
        const QByteArray hello = std::exchange(m_peer.replay, {});
        stream.reactor().recordEvent(
            stream.id(), tr("Start TLS: the ClientHello that arrived before takes part in the handshake"));
        received(stream, hello.constData(), hello.size());
    }
}

void TlsTransform::takeWire(QByteArray &out) {
    const size_t pending = BIO_ctrl_pending(m_out);
    if (pending == 0)
        return;
    const qsizetype old = out.size();
    out.resize(old + qsizetype(pending));
    const int n = BIO_read(m_out, out.data() + old, int(pending));
    out.resize(old + std::max(0, n));
}

void TlsTransform::sendWire(TcpStream &stream) {
    QByteArray wire;
    takeWire(wire);
    // After our FIN (closed during the handshake) nothing more can go: a send would only earn
    // EPIPE, reported as a reset.
    if (wire.isEmpty() || stream.isWriteShut())
        return;
    m_wireQueued += quint64(wire.size());
    stream.writeRaw(std::move(wire));
}

void TlsTransform::handshake(TcpStream &stream) {
    ERR_clear_error();
    const int r = SSL_do_handshake(m_ssl);
    const int error = r == 1 ? SSL_ERROR_NONE : SSL_get_error(m_ssl, r);
    if (error != SSL_ERROR_NONE && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        bool aboutCertificate = false;
        const QString reason = handshakeError(error, &aboutCertificate);
        fail(stream, reason, aboutCertificate);
        return;
    }
    sendWire(stream);
    if (stream.isFinished() || r != 1)
        return;
    if (!m_context.isServer() && m_notes.certificateRequested && SSL_version(m_ssl) == TLS1_3_VERSION) {
        m_awaitingVerdict = true;
        stream.armTimer(TimerKind::Handshake, VerdictWaitMs);
        return;
    }
    established(stream);
}

bool TlsTransform::awaitVerdict(TcpStream &stream) {
    // Look at what came without taking application data: a ticket, data or an alert.
    char byte = 0;
    ERR_clear_error();
    const int n = SSL_peek(m_ssl, &byte, 1);
    const int error = n > 0 ? SSL_ERROR_NONE : SSL_get_error(m_ssl, n);
    if (error == SSL_ERROR_SSL || error == SSL_ERROR_ZERO_RETURN || error == SSL_ERROR_SYSCALL) {
        bool aboutCertificate = false;
        const QString reason = handshakeError(error, &aboutCertificate);
        fail(stream, reason, aboutCertificate);
        return false;
    }
    m_awaitingVerdict = false;
    established(stream);
    return !stream.isFinished();
}

void TlsTransform::established(TcpStream &stream) {
    stream.cancelTimer(TimerKind::Handshake);
    if (stream.isWriteShut()) {
        // Closed during the handshake, our FIN already out: no session to speak of, nothing
        // more can be sent; the stream ends as a close when the peer's FIN or the linger comes.
        dropEarly(stream, tr("the connection was closed during the TLS handshake"));
        return;
    }
    m_established = true;
    fillSession();
    m_info.phase = TlsInfo::Phase::Established;
    stream.setState(EndpointState::Connected);
    if (SSL_version(m_ssl) < TLS1_3_VERSION) {
        // A request to renegotiate earns a no_renegotiation alert, which most peers answer with a
        // fatal handshake_failure: noted, so that the failure says what happened.
        SSL_set_msg_callback(m_ssl,
                             [](int write, int, int type, const void *buffer, size_t size, SSL *ssl, void *) {
                                 if (!write && type == SSL3_RT_HANDSHAKE && size > 0 &&
                                     *static_cast<const unsigned char *>(buffer) == SSL3_MT_HELLO_REQUEST) {
                                     if (auto *notes = static_cast<TlsSslNotes *>(SSL_get_app_data(ssl)))
                                         notes->renegotiationRefused = true;
                                 }
                             });
    }
    stream.reactor().report(outcome::TlsChanged{stream.id(), m_info});
    recordSession(stream);
    if (!m_peer.innerOpened) {
        m_peer.innerOpened = true;
        m_inner->opened(stream);
        if (stream.isFinished())
            return;
    }
    // One batch: the data sent meanwhile and, when a half-close waits, close_notify, all before
    // the FIN that the batch's flush lets go.
    stream.beginWriteBatch();
    while (!m_early.empty() && !stream.isFinished()) {
        const QByteArray bytes = std::move(m_early.front());
        m_early.pop_front();
        encrypt(stream, bytes);
    }
    if (!stream.isFinished() && stream.isFinPending())
        closing(stream);
    stream.endWriteBatch();
}

void TlsTransform::fillSession() {
    m_info.protocol = QString::fromLatin1(SSL_get_version(m_ssl));
    if (const SSL_CIPHER *cipher = SSL_get_current_cipher(m_ssl))
        m_info.cipher = QString::fromLatin1(SSL_CIPHER_get_name(cipher));
    const unsigned char *alpn = nullptr;
    unsigned int alpnLength = 0;
    SSL_get0_alpn_selected(m_ssl, &alpn, &alpnLength);
    m_info.alpn = alpnLength ? QString::fromUtf8(reinterpret_cast<const char *>(alpn), qsizetype(alpnLength))
                             : QString();
    if (m_context.isServer()) {
        const char *name = SSL_get_servername(m_ssl, TLSEXT_NAMETYPE_host_name);
        m_info.serverName = name ? QString::fromUtf8(name) : QString();
    }
    X509 *leaf = peerLeaf(m_ssl, m_context.isServer());
    m_info.peerChain.clear();
    if (leaf)
        m_info.peerChain.append(certificateInfo(leaf));
    // A client's chain starts with the leaf, a server's does not.
    if (STACK_OF(X509) *chain = SSL_get_peer_cert_chain(m_ssl)) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
            X509 *certificate = sk_X509_value(chain, i);
            if (!leaf || X509_cmp(certificate, leaf) != 0)
                m_info.peerChain.append(certificateInfo(certificate));
        }
    }
    if (leaf) {
        const long result = SSL_get_verify_result(m_ssl);
        m_info.verified = result == X509_V_OK;
        m_info.verification = m_info.verified ? QStringLiteral("ok") : verifyFailure(result, leaf);
    } else if (m_context.isServer() && m_context.clientCertMode() != ClientCertMode::None) {
        m_info.verified = false;
        m_info.verification = tr("the client sent no certificate");
    }
}

void TlsTransform::recordSession(TcpStream &stream) {
    Reactor &r = stream.reactor();
    QString session = tr("TLS established: %1, %2").arg(m_info.protocol, m_info.cipher);
    if (!m_info.alpn.isEmpty())
        session += tr(", ALPN %1").arg(m_info.alpn);
    if (m_context.isServer() && !m_info.serverName.isEmpty())
        session += tr(", SNI %1").arg(m_info.serverName);
    if (SSL_session_reused(m_ssl))
        session += tr(", session resumed");
    r.recordEvent(stream.id(), session);
    if (!m_info.peerChain.isEmpty()) {
        const CertificateInfo &peer = m_info.peerChain.first();
        r.recordEvent(stream.id(),
                      tr("Peer certificate: %1; SANs: %2; issuer: %3; valid %4 to %5; SHA-256 %6")
                          .arg(peer.subject,
                               peer.subjectAltNames.isEmpty() ? tr("none") : peer.subjectAltNames.join(u", "),
                               peer.issuer, formatUtc(peer.notBefore), formatUtc(peer.notAfter),
                               formatFingerprint(peer.sha256)));
    }
    if (!m_info.verification.isEmpty()) {
        QString verification = tr("Certificate verification: %1").arg(m_info.verification);
        if (!m_info.verified && m_info.insecure)
            verification += tr(" (accepted: insecure, nothing was checked)");
        else if (!m_info.verified && m_context.isServer())
            verification += tr(" (accepted: the listener only requests client certificates)");
        r.recordEvent(stream.id(), verification);
    } else if (m_info.insecure) {
        r.recordEvent(stream.id(), tr("Certificate verification: none (insecure)"));
    }
}

QString TlsTransform::verifyFailure(long result, X509 *leaf) const {
    const QString host = m_context.isServer() ? QString() : expectedHost();
    // The first error the chain met, about the certificate it was met on (maybe a CA above the
    // leaf); the verify result alone only knows the last one, and not where.
    if (m_notes.verifyCertificate)
        return describeVerifyError(m_notes.verifyError, m_notes.verifyCertificate, host, m_notes.verifyDepth);
    return describeVerifyError(result, leaf, host);
}

QString TlsTransform::handshakeError(int sslError, bool *aboutCertificate) {
    const unsigned long code = ERR_peek_error();
    const int reason = ERR_GET_REASON(code);
    const bool server = m_context.isServer();
    if (m_established) {
        // A broken record or an alert mid-session: not the handshake's vocabulary.
        QString text;
        if (m_notes.renegotiationRefused)
            text = tr("TLS failed: the peer asked to renegotiate, which this workbench refuses (%1)")
                       .arg(code != 0 ? takeOpenSslError() : withoutReason(sslError));
        else if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)
            text = tr("the server requires a client certificate");
        else
            text = tr("TLS failed: %1").arg(code != 0 ? takeOpenSslError() : withoutReason(sslError));
        ERR_clear_error();
        return text;
    }
    X509 *leaf = peerLeaf(m_ssl, m_context.isServer());
    const long verify = SSL_get_verify_result(m_ssl);
    if (sslError == SSL_ERROR_SSL && reason == SSL_R_CERTIFICATE_VERIFY_FAILED && verify != X509_V_OK) {
        *aboutCertificate = true;
        fillSession(); // the chain, for the window to show next to the failure
        ERR_clear_error();
        return verifyFailure(verify, leaf);
    }
    QString text;
    switch (reason) {
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        text = tr("the client sent no certificate, and this listener requires one");
        break;
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        text = tr("the server requires a client certificate");
        break;
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        // TLS 1.2 servers answer a missing certificate they require with a bare handshake
        // failure; otherwise it is what a server says when nothing on offer suits it.
        text = !server && m_notes.certificateRequested ? tr("the server requires a client certificate")
                                                       : tr("no protocol version or cipher in common");
        break;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_NO_CIPHERS_AVAILABLE:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY:
        text = tr("no protocol version or cipher in common");
        break;
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
        text =
            server ? tr("the peer sent plain text, not TLS") : tr("the peer answered in plain text, not TLS");
        break;
    default:
        break;
    }
    if (text.isEmpty()) {
        if (sslError == SSL_ERROR_ZERO_RETURN)
            text = tr("the peer closed the connection during the TLS handshake");
        else if (code != 0)
            text = tr("TLS handshake failed: %1").arg(takeOpenSslError());
        else
            text = tr("TLS handshake failed: %1").arg(withoutReason(sslError));
    }
    ERR_clear_error();
    return text;
}

void TlsTransform::fail(TcpStream &stream, const QString &reason, bool aboutCertificate) {
    if (m_failed || stream.isFinished())
        return;
    // Noted first: sending the alert may itself end the stream (EPIPE, a reset), and ending()
    // then reports this failure, not the socket's.
    m_failed = true;
    m_info.phase = TlsInfo::Phase::Failed;
    m_info.failure = reason;
    m_info.verificationFailed = aboutCertificate;
    stream.cancelTimer(TimerKind::Handshake);
    if (m_ssl)
        sendWire(stream); // the alert that tells the peer why
    stream.flushNow();
    if (stream.isFinished())
        return;
    m_failureReported = true;
    stream.reactor().report(outcome::TlsChanged{stream.id(), m_info});
    stream.finish(EndpointState::Failed, reason);
}

bool TlsTransform::received(TcpStream &stream, const char *data, qsizetype size) {
    if (m_failed || !m_ssl)
        return false;
    beginWire(data, size);
    const bool more = receiveWire(stream, data, size);
    endWire();
    return more;
}

bool TlsTransform::receiveWire(TcpStream &stream, const char *data, qsizetype size) {
    if (!m_established && m_wireIn == 0 && size > 0) {
        // Every TLS record starts with its type: change_cipher_spec, alert, handshake,
        // application data or heartbeat (20..24). Anything else is a peer that speaks plain text:
        // what it said goes to the journal as it is, so the user sees it.
        const auto type = static_cast<unsigned char>(data[0]);
        if (type < 20 || type > 24) {
            stream.reactor().recordData(stream.id(), RecordKind::DataIn, data, quint32(size));
            fail(stream, m_context.isServer() ? tr("the peer sent plain text, not TLS")
                                              : tr("the peer answered in plain text, not TLS"));
            return false;
        }
    }
    m_wireIn += quint64(size);
    if (m_awaitingVerdict) {
        if (!awaitVerdict(stream))
            return false;
    } else if (!m_established) {
        handshake(stream);
        if (stream.isFinished())
            return false;
    }
    if (!m_established)
        return true; // still handshaking, or closed during it (established() declined)
    return readPlaintext(stream);
}

bool TlsTransform::readPlaintext(TcpStream &stream) {
    char *buffer = plainBuffer();
    size_t used = 0;
    bool keepReading = true;
    // The whole of what arrived is decrypted and handed on even when the inner handler pauses
    // reading: nothing would call us again for bytes already in the BIO (at most one read's worth).
    const auto deliver = [&] {
        if (used == 0)
            return;
        if (!m_inner->received(stream, buffer, qsizetype(used)))
            keepReading = false;
        used = 0;
    };
    for (;;) {
        ERR_clear_error();
        const int n = SSL_read(m_ssl, buffer + used, int(PlainChunk - used));
        if (n > 0) {
            used += size_t(n);
            if (used == PlainChunk) {
                deliver();
                if (stream.isFinished())
                    return false;
            }
            continue;
        }
        const int error = SSL_get_error(m_ssl, n);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
            break;
        deliver();
        if (stream.isFinished())
            return false;
        if (error == SSL_ERROR_ZERO_RETURN) {
            if (!m_closeNotifyReceived) {
                m_closeNotifyReceived = true;
                stream.reactor().recordEvent(stream.id(), tr("TLS close_notify received"));
                reportClosed(stream);
                // The peer's data has ended, whether or not its FIN follows: a peer that waits
                // for our close_notify before it closes (Python's unwrap()) gets it from a server
                // that closes after its peer.
                m_innerFinished = true;
                m_inner->peerFinished(stream);
                if (stream.isFinished())
                    return false;
            }
            break;
        }
        // After the handshake: an alert (TLS 1.3's certificate_required arrives only now) or a
        // broken record.
        bool aboutCertificate = false;
        const QString reason = handshakeError(error, &aboutCertificate);
        fail(stream, reason, aboutCertificate);
        return false;
    }
    deliver();
    if (stream.isFinished())
        return false;
    writeUnwritten(stream); // plaintext that waited for these bytes
    if (stream.isFinished())
        return false;
    sendWire(stream); // tickets, key updates
    return keepReading && !stream.isFinished();
}

void TlsTransform::outgoing(TcpStream &stream, QByteArray bytes) {
    if (m_failed || bytes.isEmpty())
        return;
    if (!m_established) {
        m_early.push_back(std::move(bytes));
        return;
    }
    encrypt(stream, bytes);
}

void TlsTransform::encrypt(TcpStream &stream, const QByteArray &bytes) {
    if (m_closeNotifySent || stream.isWriteShut()) {
        stream.reactor().sendFailed(stream.id(), tr("TLS session closed (close_notify sent)"));
        return;
    }
    m_unwritten.push_back(Unwritten{bytes, 0});
    writeUnwritten(stream);
}

void TlsTransform::writeUnwritten(TcpStream &stream) {
    if (m_unwritten.empty() || m_failed || stream.isFinished())
        return;
    qsizetype total = 0;
    for (const Unwritten &u : m_unwritten)
        total += u.bytes.size() - u.offset;
    QByteArray wire;
    wire.reserve(total + (total / MaxRecordPlaintext + 1) * RecordOverhead +
                 qsizetype(BIO_ctrl_pending(m_out)));
    takeWire(wire); // anything OpenSSL had to say first
    while (!m_unwritten.empty()) {
        Unwritten &front = m_unwritten.front();
        // A retry after WANT_READ offers the same chunk again, as OpenSSL requires.
        const qsizetype chunk = std::min(WriteChunk, front.bytes.size() - front.offset);
        ERR_clear_error();
        const int n = SSL_write(m_ssl, front.bytes.constData() + front.offset, int(chunk));
        if (n <= 0) {
            const int error = SSL_get_error(m_ssl, n);
            if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
                // OpenSSL needs the peer's bytes first (a handshake message it must answer): the
                // rest waits for the next received().
                ERR_clear_error();
                break;
            }
            bool aboutCertificate = false;
            const QString reason = handshakeError(error, &aboutCertificate);
            if (!wire.isEmpty()) {
                m_wireQueued += quint64(wire.size());
                stream.writeRaw(std::move(wire));
            }
            m_unwritten.clear();
            fail(stream, reason, aboutCertificate);
            return;
        }
        takeWire(wire);
        m_pieces.push_back(Piece{m_wireQueued + quint64(wire.size()), front.bytes, front.offset, n});
        front.offset += n;
        if (front.offset == front.bytes.size())
            m_unwritten.pop_front();
    }
    takeWire(wire);
    if (wire.isEmpty())
        return;
    m_wireQueued += quint64(wire.size());
    stream.writeRaw(std::move(wire));
}

void TlsTransform::sent(TcpStream &stream, const char *data, qsizetype size) {
    if (m_peer.passThrough > 0) {
        // Start TLS: plaintext that was queued before the upgrade, reported as it is.
        const qsizetype plain = qsizetype(std::min<quint64>(m_peer.passThrough, quint64(size)));
        m_inner->sent(stream, data, plain);
        m_peer.passThrough -= quint64(plain);
        size -= plain;
    }
    m_wireSent += quint64(size);
    while (!m_pieces.empty() && m_pieces.front().wireEnd <= m_wireSent) {
        const Piece piece = std::move(m_pieces.front());
        m_pieces.pop_front();
        m_inner->sent(stream, piece.plain.constData() + piece.from, piece.size);
    }
}

void TlsTransform::peerFinished(TcpStream &stream) {
    if (!m_established) {
        fail(stream, tr("the peer closed the connection during the TLS handshake"));
        return;
    }
    if (!m_closeNotifyReceived && !m_failed) {
        stream.reactor().recordEvent(stream.id(),
                                     tr("TCP closed without TLS close_notify (possible truncation)"));
        reportClosed(stream);
    }
    if (!m_innerFinished) {
        m_innerFinished = true;
        m_inner->peerFinished(stream);
    }
}

void TlsTransform::drained(TcpStream &stream) {
    m_inner->drained(stream);
}

void TlsTransform::setAutoReply(AutoReply reply) {
    m_inner->setAutoReply(reply);
}

void TlsTransform::setRules(TcpStream &stream, std::shared_ptr<RuleBook> rules, bool own) {
    m_inner->setRules(stream, std::move(rules), own);
}

void TlsTransform::rulesTimer(TcpStream &stream) {
    m_inner->rulesTimer(stream);
}

void TlsTransform::faultTimer(TcpStream &stream) {
    m_inner->faultTimer(stream);
}

bool TlsTransform::handshakesFirst() const {
    return !m_established;
}

bool TlsTransform::speaksTls() const {
    return true;
}

quint64 TlsTransform::heldBytes() const {
    quint64 held = 0;
    for (const QByteArray &bytes : m_early)
        held += quint64(bytes.size());
    for (const Unwritten &u : m_unwritten)
        held += quint64(u.bytes.size() - u.offset);
    return held;
}

void TlsTransform::dropEarly(TcpStream &stream, const QString &why) {
    const quint64 held = heldBytes();
    m_early.clear();
    m_unwritten.clear();
    if (held > 0)
        stream.reactor().sendFailed(stream.id(), tr("%1 bytes not sent: %2").arg(held).arg(why));
}

void TlsTransform::closing(TcpStream &stream) {
    if (!m_established || m_failed || m_closeNotifySent || !m_ssl)
        return;
    m_closeNotifySent = true;
    // Plaintext that still waits for the peer's handshake message cannot follow close_notify.
    dropEarly(stream, tr("the connection was closed while TLS waited for the peer"));
    ERR_clear_error();
    SSL_shutdown(m_ssl);
    ERR_clear_error();
    sendWire(stream);
    if (stream.isFinished())
        return; // the peer had gone (EPIPE, a reset): nothing was sent, and ending() said so
    stream.reactor().recordEvent(stream.id(), tr("TLS close_notify sent"));
    reportClosed(stream);
}

void TlsTransform::reportClosed(TcpStream &stream) {
    if (m_reportedClosed)
        return;
    m_reportedClosed = true;
    m_info.phase = TlsInfo::Phase::Closed;
    stream.reactor().report(outcome::TlsChanged{stream.id(), m_info});
}

void TlsTransform::handshakeTimer(TcpStream &stream) {
    if (m_awaitingVerdict) {
        // No word from the server: it accepted us without a certificate.
        m_awaitingVerdict = false;
        beginWire(nullptr, 0);
        established(stream);
        if (!stream.isFinished() && m_established)
            readPlaintext(stream);
        endWire();
        return;
    }
    if (!m_established && !m_failed)
        fail(stream, tr("handshake timed out"));
}

void TlsTransform::ending(TcpStream &stream, EndpointState &state, QString &detail) {
    if (m_failed) {
        // fail() was under way when the stream ended under it: its reason is what happened.
        if (m_failureReported)
            return;
        m_failureReported = true;
        state = EndpointState::Failed;
        detail = m_info.failure;
        stream.reactor().report(outcome::TlsChanged{stream.id(), m_info});
        return;
    }
    if (m_established)
        return;
    m_failed = true;
    m_failureReported = true;
    if (state == EndpointState::Reset)
        detail = tr("the peer reset the connection during the TLS handshake");
    state = EndpointState::Failed;
    m_info.phase = TlsInfo::Phase::Failed;
    m_info.failure = detail;
    stream.reactor().report(outcome::TlsChanged{stream.id(), m_info});
}

} // namespace sockbench
