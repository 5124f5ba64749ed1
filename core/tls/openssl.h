#pragma once

// Internal to core (tls/ and the engine's TlsTransform): what every file that talks to OpenSSL
// needs, written once. Owners for OpenSSL's objects, a memory BIO's contents, the thread's error
// queue in words, and the one way dates are shown.

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace sockbench {

struct BioFree {
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct X509Free {
    void operator()(X509 *certificate) const { X509_free(certificate); }
};
struct PkeyFree {
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
struct ExtensionFree {
    void operator()(X509_EXTENSION *extension) const { X509_EXTENSION_free(extension); }
};
struct GeneralNamesFree {
    void operator()(GENERAL_NAMES *names) const { GENERAL_NAMES_free(names); }
};
struct GeneralNameFree {
    void operator()(GENERAL_NAME *name) const { GENERAL_NAME_free(name); }
};
struct Asn1StringFree {
    void operator()(ASN1_STRING *text) const { ASN1_STRING_free(text); }
};
struct BignumFree {
    void operator()(BIGNUM *bn) const { BN_free(bn); }
};
// Strings OpenSSL allocated for us: BN_bn2hex's char *, ASN1_STRING_to_UTF8's unsigned char *.
struct OpensslStringFree {
    template <typename T> void operator()(T *text) const { OPENSSL_free(text); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

/// A memory BIO's bytes, copied.
inline QByteArray bioContents(BIO *bio) {
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? QByteArray(data, static_cast<qsizetype>(size)) : QByteArray();
}

/// The thread's OpenSSL errors as one line of reasons ("a; b"), and the queue emptied (a leftover
/// entry would confuse the next SSL_get_error() on this thread). Empty when there were none; a
/// code without a reason string is still words, never a bare number.
inline QString takeOpenSslErrors() {
    QStringList reasons;
    while (const unsigned long code = ERR_get_error()) {
        const char *reason = ERR_reason_error_string(code);
        reasons << (reason ? QString::fromUtf8(reason)
                           : QStringLiteral("TLS failed in OpenSSL without a reason"));
    }
    reasons.removeDuplicates();
    return reasons.join(QStringLiteral("; "));
}

/// As takeOpenSslErrors(), for a failure that needs words even when the queue was empty.
inline QString takeOpenSslError() {
    const QString reasons = takeOpenSslErrors();
    return reasons.isEmpty() ? QStringLiteral("unknown error") : reasons;
}

/// "2026-01-31 12:00:00 UTC": every date a user reads (journal, verification failures).
inline QString formatUtc(const QDateTime &time) {
    return time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) + QStringLiteral(" UTC");
}

} // namespace sockbench
