#include "tls/tlscontext.h"

#include "language/translate.h"
#include "tls/certificate.h"
#include "tls/openssl.h"
#include "tls/x509text.h"

#include <QDateTime>
#include <QFileInfo>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <list>
#include <mutex>
#include <utility>

namespace sockbench {

struct TlsContext::Data {
    SSL_CTX *ctx = nullptr;
    bool server = false;
    bool insecure = false;
    ClientCertMode clientCert = ClientCertMode::None;
    int handshakeTimeoutMs = 0;
    QList<CertificateInfo> localCertificate;
    QString selfSignedPath;
    QByteArray alpnWire; ///< a server's ALPN preferences, in the wire format (length-prefixed)

    Data() = default;
    ~Data() { SSL_CTX_free(ctx); }
    Q_DISABLE_COPY_MOVE(Data)
};

namespace {

/// ALPN's wire format: each name preceded by its length. Names of 1..255 bytes only.
QByteArray alpnWireFormat(const QStringList &protocols) {
    QByteArray wire;
    for (const QString &protocol : protocols) {
        const QByteArray name = protocol.toUtf8();
        if (name.isEmpty() || name.size() > 255)
            continue;
        wire.append(char(name.size()));
        wire.append(name);
    }
    return wire;
}

int protoVersion(TlsMinVersion version) {
    switch (version) {
    case TlsMinVersion::Default:
        return 0;
    case TlsMinVersion::Tls1_0:
        return TLS1_VERSION;
    case TlsMinVersion::Tls1_1:
        return TLS1_1_VERSION;
    case TlsMinVersion::Tls1_2:
        return TLS1_2_VERSION;
    case TlsMinVersion::Tls1_3:
        return TLS1_3_VERSION;
    }
    return 0;
}

/// Both ends: settings a workbench wants regardless of role.
bool commonSetup(SSL_CTX *ctx, TlsMinVersion minVersion, QString *error) {
    // No partial writes: with a memory BIO they only cut each SSL_write at one 16 KiB record (4x
    // the calls, pieces and DataOut records); a whole 64 KiB chunk goes in one call. Moving
    // buffers let a plaintext QByteArray be re-offered from another address after WANT_READ.
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_clear_mode(ctx, SSL_MODE_RELEASE_BUFFERS); // reused, not freed and remade per record
    // TLS 1.2 renegotiation is refused (a no_renegotiation alert): a workbench has no use for it,
    // and it would stall SSL_write in the middle of a session.
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    if (const int version = protoVersion(minVersion)) {
        if (version < TLS1_2_VERSION) {
            // Debian's default security level 2 forbids TLS 1.0 and 1.1 (SHA-1 signatures): a
            // user who asks for them means it.
            SSL_CTX_set_security_level(ctx, 0);
            SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
        }
        if (SSL_CTX_set_min_proto_version(ctx, version) != 1) {
            *error = tr("this OpenSSL cannot use %1").arg(toString(minVersion));
            return false;
        }
    }
    return true;
}

/// A certificate file and its key, or an error naming the file.
bool useCertificate(SSL_CTX *ctx, const QString &certificateFile, const QString &keyFile, QString *error) {
    const QByteArray cert = certificateFile.toLocal8Bit();
    const QByteArray key = (keyFile.isEmpty() ? certificateFile : keyFile).toLocal8Bit();
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.constData()) != 1) {
        *error = tr("%1: cannot use this certificate (%2)").arg(certificateFile, takeOpenSslError());
        return false;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key.constData(), SSL_FILETYPE_PEM) != 1) {
        const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
        const QString reason = takeOpenSslError();
        *error = mismatch ? tr("%1: the private key does not belong to the certificate in %2")
                                .arg(keyFile.isEmpty() ? certificateFile : keyFile, certificateFile)
                          : tr("%1: cannot use this private key (%2)")
                                .arg(keyFile.isEmpty() ? certificateFile : keyFile, reason);
        return false;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        *error = tr("%1: the private key does not belong to the certificate in %2")
                     .arg(keyFile.isEmpty() ? certificateFile : keyFile, certificateFile);
        ERR_clear_error();
        return false;
    }
    return true;
}

QList<CertificateInfo> ownCertificate(SSL_CTX *ctx) {
    QList<CertificateInfo> chain;
    if (X509 *leaf = SSL_CTX_get0_certificate(ctx))
        chain.append(certificateInfo(leaf));
    STACK_OF(X509) *extra = nullptr;
    if (SSL_CTX_get0_chain_certs(ctx, &extra) == 1 && extra) {
        for (int i = 0; i < sk_X509_num(extra); ++i)
            chain.append(certificateInfo(sk_X509_value(extra, i)));
    }
    return chain;
}

int selectAlpn(SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
               unsigned int inlen, void *arg) {
    const QByteArray &preferences = *static_cast<const QByteArray *>(arg);
    unsigned char *chosen = nullptr;
    // The server's order of preference wins; no protocol in common: carry on without ALPN.
    if (SSL_select_next_proto(&chosen, outlen,
                              reinterpret_cast<const unsigned char *>(preferences.constData()),
                              unsigned(preferences.size()), in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

/// A server asked for a certificate and the client has none: note it (a later handshake failure
/// is then "the server requires a client certificate") and send none.
int noteCertificateRequest(SSL *ssl, X509 **, EVP_PKEY **) {
    if (auto *notes = static_cast<TlsSslNotes *>(SSL_get_app_data(ssl)))
        notes->certificateRequested = true;
    return 0;
}

/// Every certificate of the peer's chain passes here: the first error is noted (see TlsSslNotes),
/// and the verdict is OpenSSL's own.
int noteVerifyError(int ok, X509_STORE_CTX *store) {
    if (ok)
        return ok;
    auto *ssl = static_cast<SSL *>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto *notes = ssl ? static_cast<TlsSslNotes *>(SSL_get_app_data(ssl)) : nullptr;
    if (notes && notes->verifyDepth < 0) {
        notes->verifyError = X509_STORE_CTX_get_error(store);
        notes->verifyDepth = X509_STORE_CTX_get_error_depth(store);
        if (X509 *certificate = X509_STORE_CTX_get_current_cert(store);
            certificate && X509_up_ref(certificate) == 1)
            notes->verifyCertificate = certificate;
    }
    return ok;
}

/// A listener that only requests client certificates serves whatever the chain said.
int noteVerifyErrorAndAccept(int ok, X509_STORE_CTX *store) {
    noteVerifyError(ok, store);
    return 1;
}

/// A file as a cache key: its path, and its size and time, so that a changed file is read again.
QString fileStamp(const QString &path) {
    if (path.isEmpty())
        return {};
    const QFileInfo info(path);
    return QStringLiteral("%1|%2|%3")
        .arg(info.absoluteFilePath())
        .arg(info.size())
        .arg(info.lastModified().toMSecsSinceEpoch());
}

QString clientKey(const TlsClientOptions &options) {
    // The server name is per connection (SSL_set_tlsext_host_name), not part of the context.
    return QStringList{QString::number(int(options.verify)),
                       options.verify == TlsVerify::CaFile ? fileStamp(options.caFile) : QString(),
                       options.alpn.join(u','),
                       fileStamp(options.certificateFile),
                       fileStamp(options.keyFile),
                       QString::number(int(options.minVersion)),
                       QString::number(options.handshakeTimeoutMs)}
        .join(u'\n');
}

} // namespace

/// Client contexts already built, most recent first: an SSL_CTX with the system trust store parses
/// the whole CA bundle, which every connect would otherwise repeat. Shared by all reactors.
struct ClientContextCache {
    static constexpr size_t Capacity = 16;
    std::mutex mutex;
    std::list<std::pair<QString, std::shared_ptr<const TlsContext::Data>>> entries;
};

namespace {

ClientContextCache &clientCache() {
    static ClientContextCache cache;
    return cache;
}

} // namespace

TlsContext::TlsContext(std::shared_ptr<const Data> data)
    : m_data(std::move(data)) {}

std::optional<TlsContext> TlsContext::forClient(const TlsClientOptions &options, QString *error) {
    const QString key = clientKey(options);
    ClientContextCache &cache = clientCache();
    {
        const std::lock_guard lock(cache.mutex);
        for (auto it = cache.entries.begin(); it != cache.entries.end(); ++it) {
            if (it->first == key) {
                cache.entries.splice(cache.entries.begin(), cache.entries, it);
                return TlsContext(it->second);
            }
        }
    }
    std::optional<TlsContext> built = buildClient(options, error);
    if (built) {
        const std::lock_guard lock(cache.mutex);
        cache.entries.emplace_front(key, built->m_data);
        if (cache.entries.size() > ClientContextCache::Capacity)
            cache.entries.pop_back();
    }
    return built;
}

std::optional<TlsContext> TlsContext::buildClient(const TlsClientOptions &options, QString *error) {
    auto data = std::make_shared<Data>();
    ERR_clear_error();
    data->ctx = SSL_CTX_new(TLS_client_method());
    if (!data->ctx) {
        *error = tr("cannot create a TLS context: %1").arg(takeOpenSslError());
        return std::nullopt;
    }
    data->insecure = options.verify == TlsVerify::None;
    data->handshakeTimeoutMs = options.handshakeTimeoutMs;
    SSL_CTX *ctx = data->ctx;
    if (!commonSetup(ctx, options.minVersion, error))
        return std::nullopt;
    if (options.verify == TlsVerify::CaFile) {
        const QByteArray file = options.caFile.toLocal8Bit();
        if (options.caFile.isEmpty() || SSL_CTX_load_verify_locations(ctx, file.constData(), nullptr) != 1) {
            *error = tr("%1: cannot read CA certificates (%2)")
                         .arg(options.caFile.isEmpty() ? tr("(no CA file given)") : options.caFile,
                              takeOpenSslError());
            return std::nullopt;
        }
    } else {
        // Insecure still checks the chain against the system store, to show what it would say.
        SSL_CTX_set_default_verify_paths(ctx);
        ERR_clear_error();
    }
    // None: the handshake carries on whatever the chain; SSL_get_verify_result still tells.
    SSL_CTX_set_verify(ctx, options.verify == TlsVerify::None ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                       noteVerifyError);
    if (!options.certificateFile.isEmpty()) {
        if (!useCertificate(ctx, options.certificateFile, options.keyFile, error))
            return std::nullopt;
        data->localCertificate = ownCertificate(ctx);
    } else {
        SSL_CTX_set_client_cert_cb(ctx, noteCertificateRequest);
    }
    const QByteArray alpn = alpnWireFormat(options.alpn);
    if (!alpn.isEmpty())
        SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char *>(alpn.constData()),
                                unsigned(alpn.size()));
    return TlsContext(std::move(data));
}

std::optional<TlsContext> TlsContext::forServer(const TlsServerOptions &options, QString *error) {
    auto data = std::make_shared<Data>();
    ERR_clear_error();
    data->ctx = SSL_CTX_new(TLS_server_method());
    if (!data->ctx) {
        *error = tr("cannot create a TLS context: %1").arg(takeOpenSslError());
        return std::nullopt;
    }
    data->server = true;
    data->clientCert = options.clientCert;
    data->handshakeTimeoutMs = options.handshakeTimeoutMs;
    SSL_CTX *ctx = data->ctx;
    if (!commonSetup(ctx, options.minVersion, error))
        return std::nullopt;
    if (options.certificateFile.isEmpty() && options.keyFile.isEmpty()) {
        QString why;
        const std::optional<SelfSignedCertificate> own =
            loadOrCreateSelfSigned(options.selfSignedDirectory, &why);
        if (!own) {
            *error = tr("no self-signed certificate: %1").arg(why);
            return std::nullopt;
        }
        if (!useCertificate(ctx, own->path, {}, error))
            return std::nullopt;
        data->selfSignedPath = own->path;
    } else if (options.certificateFile.isEmpty()) {
        *error = tr("a key file without a certificate file");
        return std::nullopt;
    } else if (!useCertificate(ctx, options.certificateFile, options.keyFile, error)) {
        return std::nullopt;
    }
    data->localCertificate = ownCertificate(ctx);
    if (options.clientCert != ClientCertMode::None) {
        if (!options.clientCaFile.isEmpty()) {
            const QByteArray file = options.clientCaFile.toLocal8Bit();
            STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(file.constData());
            if (!names || SSL_CTX_load_verify_locations(ctx, file.constData(), nullptr) != 1) {
                if (names)
                    sk_X509_NAME_pop_free(names, X509_NAME_free);
                *error = tr("%1: cannot read client CA certificates (%2)")
                             .arg(options.clientCaFile, takeOpenSslError());
                return std::nullopt;
            }
            SSL_CTX_set_client_CA_list(ctx, names); // takes them
        } else if (options.clientCert == ClientCertMode::Require) {
            *error = tr("requiring a client certificate needs a client CA file");
            return std::nullopt;
        }
        // Request: a client whose certificate does not verify is still served (the callback
        // accepts); what the chain said is in the connection's TlsInfo::verification.
        if (options.clientCert == ClientCertMode::Require)
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, noteVerifyError);
        else
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, noteVerifyErrorAndAccept);
    }
    data->alpnWire = alpnWireFormat(options.alpn);
    if (!data->alpnWire.isEmpty())
        SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, const_cast<QByteArray *>(&data->alpnWire));
    // Resumed sessions skip the certificate work; the id context ties them to this listener.
    static const unsigned char SessionContext[] = "sockbench";
    SSL_CTX_set_session_id_context(ctx, SessionContext, sizeof SessionContext - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    return TlsContext(std::move(data));
}

SSL_CTX *TlsContext::get() const {
    return m_data->ctx;
}

bool TlsContext::isServer() const {
    return m_data->server;
}

bool TlsContext::insecure() const {
    return m_data->insecure;
}

ClientCertMode TlsContext::clientCertMode() const {
    return m_data->clientCert;
}

int TlsContext::handshakeTimeoutMs() const {
    return m_data->handshakeTimeoutMs;
}

const QList<CertificateInfo> &TlsContext::localCertificate() const {
    return m_data->localCertificate;
}

const QString &TlsContext::selfSignedPath() const {
    return m_data->selfSignedPath;
}

TlsInfo TlsContext::startInfo() const {
    TlsInfo info;
    info.phase = TlsInfo::Phase::Handshaking;
    info.server = m_data->server;
    info.insecure = m_data->insecure;
    info.localCertificate = m_data->localCertificate;
    info.selfSignedPath = m_data->selfSignedPath;
    return info;
}

} // namespace sockbench
