#pragma once

// Internal to core: an OpenSSL SSL_CTX made from the options a user chose.

#include "tls/tlstypes.h"

#include <QByteArray>
#include <QString>

#include <memory>
#include <optional>

#include <openssl/ssl.h>

namespace sockbench {

/// What an SSL object's callbacks note for their connection (SSL_get_app_data points at it).
struct TlsSslNotes {
    TlsSslNotes() = default;
    ~TlsSslNotes() { X509_free(verifyCertificate); }
    Q_DISABLE_COPY_MOVE(TlsSslNotes)

    bool certificateRequested = false; ///< a server asked us for a certificate we do not have
    /// The chain's first verification error, where it was (0: the peer's own certificate) and
    /// the certificate it was about (ours: up_ref'd), so that the words name the right one.
    long verifyError = X509_V_OK;
    int verifyDepth = -1;
    X509 *verifyCertificate = nullptr;
    bool renegotiationRefused = false; ///< the peer asked to renegotiate (TLS 1.2), which we refuse
};

/// One configured OpenSSL context: what every connection of a listener (or one outgoing
/// connection) shares. Cheap to copy (it shares one SSL_CTX, which OpenSSL reference-counts and
/// locks itself), so connections on several reactors may hold the same one.
///
/// Built on a reactor thread, never on the GUI thread: it reads certificate and key files, and a
/// listener without a certificate may have to make its self-signed one.
class TlsContext final {
public:
    /// A client context: trust store (System, CaFile, or none: the chain is still checked, for
    /// display), client certificate, ALPN offer, minimum version. nullopt and *error in words
    /// (naming the file) when a file cannot be used. Thread-safe; the same options (and unchanged
    /// files) give the same context again from a small process-wide cache.
    static std::optional<TlsContext> forClient(const TlsClientOptions &options, QString *error);
    /// A server context: the certificate and key (or the self-signed one), client certificate
    /// checks, ALPN choice in the server's order of preference, minimum version, session cache.
    static std::optional<TlsContext> forServer(const TlsServerOptions &options, QString *error);

    SSL_CTX *get() const;
    bool isServer() const;
    /// A client with TlsVerify::None.
    bool insecure() const;
    ClientCertMode clientCertMode() const;
    int handshakeTimeoutMs() const;
    /// Our own certificate (a server's, or a client's when it has one), as users read it.
    const QList<CertificateInfo> &localCertificate() const;
    /// The self-signed certificate's file when a listener uses it; else empty.
    const QString &selfSignedPath() const;
    /// TlsInfo for a connection of this context that is just starting (Phase::Handshaking).
    TlsInfo startInfo() const;

    struct Data;

private:
    static std::optional<TlsContext> buildClient(const TlsClientOptions &options, QString *error);
    explicit TlsContext(std::shared_ptr<const Data> data);
    std::shared_ptr<const Data> m_data;
};

} // namespace sockbench
