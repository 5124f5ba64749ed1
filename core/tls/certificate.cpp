#include "tls/certificate.h"

#include "language/translate.h"
#include "platform/privatefile.h"
#include "tls/openssl.h"
#include "tls/x509text.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

namespace sockbench {

namespace {

/// The self-signed certificate is remade when it has less than this left: a listener started
/// today must not serve a certificate that expires in the middle of the session.
constexpr qint64 MinimumSecondsLeft = 86400;
/// Certificate files are small; anything bigger is a mistake (a disk image chosen by accident).
constexpr qint64 MaxPemFileSize = 16 * 1024 * 1024;
constexpr int SerialBits = 159; // positive, under the 20 octets RFC 5280 allows

bool fail(QString *error, const QString &message) {
    if (error)
        *error = message;
    ERR_clear_error();
    return false;
}

QString withOpensslReason(const QString &what) {
    const QString reason = takeOpenSslErrors();
    return reason.isEmpty() ? what : QStringLiteral("%1 (%2)").arg(what, reason);
}

BioPtr readOnlyBio(const QByteArray &data) {
    return BioPtr(BIO_new_mem_buf(data.constData(), static_cast<int>(data.size())));
}

bool addNameEntry(X509_NAME *name, const char *field, const QString &value) {
    if (value.isEmpty())
        return true;
    const QByteArray utf8 = value.toUtf8();
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char *>(utf8.constData()),
                                      static_cast<int>(utf8.size()), -1, 0) == 1;
}

/// An extension in OpenSSL's configuration syntax ("critical,CA:TRUE"); ctx knows the issuer, for
/// the authority key identifier.
bool addConfExtension(X509 *certificate, X509V3_CTX *ctx, int nid, const char *value) {
    const std::unique_ptr<X509_EXTENSION, ExtensionFree> extension(
        X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
    return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

/// subjectAltName built as GENERAL_NAMES, not as configuration text: a name holding a comma must not
/// turn into two names.
bool addSubjectAltNames(X509 *certificate, const CertificateRequest &request, QString *error) {
    if (request.dnsNames.isEmpty() && request.ipAddresses.isEmpty())
        return true;
    const std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(sk_GENERAL_NAME_new_null());
    if (!names)
        return fail(error, withOpensslReason(tr("out of memory")));
    for (const QString &dns : request.dnsNames) {
        std::unique_ptr<GENERAL_NAME, GeneralNameFree> name(GENERAL_NAME_new());
        std::unique_ptr<ASN1_STRING, Asn1StringFree> text(ASN1_IA5STRING_new());
        const QByteArray ascii = dns.toUtf8();
        if (!name || !text ||
            ASN1_STRING_set(text.get(), ascii.constData(), static_cast<int>(ascii.size())) != 1)
            return fail(error, withOpensslReason(tr("cannot store the name %1").arg(dns)));
        GENERAL_NAME_set0_value(name.get(), GEN_DNS, text.release());
        if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0)
            return fail(error, withOpensslReason(tr("out of memory")));
        name.release(); // owned by names now
    }
    for (const QString &ip : request.ipAddresses) {
        std::unique_ptr<GENERAL_NAME, GeneralNameFree> name(GENERAL_NAME_new());
        std::unique_ptr<ASN1_STRING, Asn1StringFree> address(a2i_IPADDRESS(ip.toLatin1().constData()));
        if (!address)
            return fail(error, tr("%1 is not an IP address").arg(ip));
        if (!name)
            return fail(error, withOpensslReason(tr("out of memory")));
        GENERAL_NAME_set0_value(name.get(), GEN_IPADD, address.release());
        if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0)
            return fail(error, withOpensslReason(tr("out of memory")));
        name.release();
    }
    if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return fail(error, withOpensslReason(tr("cannot add the subject alternative names")));
    return true;
}

struct Issuer {
    X509Ptr certificate;
    PkeyPtr key;
};

std::optional<Issuer> readIssuer(const PemPair &pair, QString *error) {
    Issuer issuer;
    BioPtr certificateBio = readOnlyBio(pair.certificate);
    BioPtr keyBio = readOnlyBio(pair.key.isEmpty() ? pair.certificate : pair.key);
    if (certificateBio)
        issuer.certificate.reset(PEM_read_bio_X509(certificateBio.get(), nullptr, nullptr, nullptr));
    if (!issuer.certificate) {
        fail(error, withOpensslReason(tr("the issuer's certificate cannot be read")));
        return std::nullopt;
    }
    if (keyBio)
        issuer.key.reset(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    if (!issuer.key) {
        fail(error, withOpensslReason(tr("the issuer's key cannot be read")));
        return std::nullopt;
    }
    if (X509_check_private_key(issuer.certificate.get(), issuer.key.get()) != 1) {
        fail(error, tr("the issuer's key does not belong to its certificate"));
        return std::nullopt;
    }
    return issuer;
}

/// Every certificate in pem; on failure *error is the reason without a path.
std::optional<QList<CertificateInfo>> parseAll(const QByteArray &pem, QString *error,
                                               X509Ptr *first = nullptr) {
    ERR_clear_error();
    BioPtr bio = readOnlyBio(pem);
    if (!bio) {
        fail(error, withOpensslReason(tr("out of memory")));
        return std::nullopt;
    }
    QList<CertificateInfo> certificates;
    for (;;) {
        X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!certificate) {
            // The end of the text is "no start line"; anything else is a damaged certificate.
            const unsigned long code = ERR_peek_last_error();
            if (ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                break;
            }
            fail(error, withOpensslReason(tr("a certificate in this file is damaged")));
            return std::nullopt;
        }
        certificates << certificateInfo(certificate.get());
        if (first && !*first)
            *first = std::move(certificate);
    }
    if (certificates.isEmpty()) {
        fail(error, tr("no certificate in this file"));
        return std::nullopt;
    }
    return certificates;
}

std::optional<QByteArray> readSmallFile(const QString &path, QString *error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        fail(error, QStringLiteral("%1: %2").arg(path, file.errorString()));
        return std::nullopt;
    }
    if (file.size() > MaxPemFileSize) {
        fail(error, tr("%1: too big for a certificate file (%2 bytes)").arg(path).arg(file.size()));
        return std::nullopt;
    }
    QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        fail(error, QStringLiteral("%1: %2").arg(path, file.errorString()));
        return std::nullopt;
    }
    return data;
}

/// The file as it is, when it can serve: a certificate, its key, and at least a day left.
std::optional<SelfSignedCertificate> reuseSelfSigned(const QString &path) {
    if (!QFileInfo::exists(path) || !isPrivateToOwner(path))
        return std::nullopt; // a key others could read is no longer secret: make a new one
    const std::optional<QByteArray> pem = readSmallFile(path, nullptr);
    if (!pem)
        return std::nullopt;
    X509Ptr certificate;
    const std::optional<QList<CertificateInfo>> certificates = parseAll(*pem, nullptr, &certificate);
    if (!certificates || !certificate)
        return std::nullopt;
    BioPtr bio = readOnlyBio(*pem);
    const PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    const bool matches = key && X509_check_private_key(certificate.get(), key.get()) == 1;
    ERR_clear_error();
    if (!matches)
        return std::nullopt;
    const CertificateInfo &info = certificates->first();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!info.notBefore.isValid() || info.notBefore > now || now.secsTo(info.notAfter) < MinimumSecondsLeft)
        return std::nullopt;
    return SelfSignedCertificate{path, info, false};
}

bool makePrivateDirectory(const QString &directory, QString *error) {
    if (!QDir().mkpath(directory))
        return fail(error, tr("%1: cannot create this directory").arg(directory));
    // Only the key's own directory is made private; its parents are the user's config directory.
    const QByteArray name = QFile::encodeName(directory);
    if (::chmod(name.constData(), S_IRWXU) != 0)
        return fail(error,
                    QStringLiteral("%1: %2").arg(directory, QString::fromLocal8Bit(std::strerror(errno))));
    return true;
}

} // namespace

std::optional<PemPair> makeCertificate(const CertificateRequest &request, const PemPair *issuer,
                                       QString *error) {
    ERR_clear_error();
    std::optional<Issuer> signer;
    if (issuer) {
        signer = readIssuer(*issuer, error);
        if (!signer)
            return std::nullopt;
    }

    const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    const X509Ptr certificate(X509_new());
    if (!key || !certificate) {
        fail(error, withOpensslReason(tr("cannot make a key")));
        return std::nullopt;
    }

    const std::unique_ptr<BIGNUM, BignumFree> serial(BN_new());
    bool ok = serial && BN_rand(serial.get(), SerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
              BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) != nullptr;
    ok = ok && X509_set_version(certificate.get(), X509_VERSION_3) == 1;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(certificate.get()), request.notBeforeSecs) != nullptr;
    ok = ok && X509_gmtime_adj(X509_getm_notAfter(certificate.get()), request.notAfterSecs) != nullptr;
    ok = ok && X509_set_pubkey(certificate.get(), key.get()) == 1;
    // O before CN: printed in RFC 2253 order this reads "CN=…,O=…".
    X509_NAME *subject = X509_get_subject_name(certificate.get());
    ok = ok && addNameEntry(subject, "O", request.organization) &&
         addNameEntry(subject, "CN", request.commonName);
    X509 *issuerCertificate = signer ? signer->certificate.get() : certificate.get();
    ok = ok && X509_set_issuer_name(certificate.get(), X509_get_subject_name(issuerCertificate)) == 1;
    if (!ok) {
        fail(error, withOpensslReason(tr("cannot fill in the certificate")));
        return std::nullopt;
    }

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuerCertificate, certificate.get(), nullptr, nullptr, 0);
    ok = addConfExtension(certificate.get(), &ctx, NID_basic_constraints,
                          request.isCa ? "critical,CA:TRUE" : "critical,CA:FALSE");
    ok = ok && addConfExtension(certificate.get(), &ctx, NID_key_usage,
                                request.isCa ? "critical,keyCertSign,cRLSign,digitalSignature"
                                             : "critical,digitalSignature");
    // A CA gets no extended key usage: OpenSSL applies a CA's to every certificate under it, and
    // the same test CA signs server and client certificates.
    if (!request.isCa) {
        ok = ok && addConfExtension(certificate.get(), &ctx, NID_ext_key_usage,
                                    request.clientAuth ? "clientAuth" : "serverAuth");
    }
    ok = ok && addConfExtension(certificate.get(), &ctx, NID_subject_key_identifier, "hash");
    if (signer)
        ok = ok && addConfExtension(certificate.get(), &ctx, NID_authority_key_identifier, "keyid:always");
    if (!ok) {
        fail(error, withOpensslReason(tr("cannot add the certificate's extensions")));
        return std::nullopt;
    }
    if (!addSubjectAltNames(certificate.get(), request, error))
        return std::nullopt;

    EVP_PKEY *signingKey = signer ? signer->key.get() : key.get();
    if (X509_sign(certificate.get(), signingKey, EVP_sha256()) <= 0) {
        fail(error, withOpensslReason(tr("cannot sign the certificate")));
        return std::nullopt;
    }

    const BioPtr certificateBio(BIO_new(BIO_s_mem()));
    const BioPtr keyBio(BIO_new(BIO_s_mem()));
    if (!certificateBio || !keyBio || PEM_write_bio_X509(certificateBio.get(), certificate.get()) != 1 ||
        PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        fail(error, withOpensslReason(tr("cannot write the certificate as PEM")));
        return std::nullopt;
    }
    return PemPair{bioContents(certificateBio.get()), bioContents(keyBio.get())};
}

std::optional<QList<CertificateInfo>> readCertificates(const QString &pemFile, QString *error) {
    const std::optional<QByteArray> pem = readSmallFile(pemFile, error);
    if (!pem)
        return std::nullopt;
    QString reason;
    std::optional<QList<CertificateInfo>> certificates = parseAll(*pem, &reason);
    if (!certificates && error)
        *error = QStringLiteral("%1: %2").arg(pemFile, reason);
    return certificates;
}

std::optional<QList<CertificateInfo>> parseCertificates(const QByteArray &pem, QString *error) {
    return parseAll(pem, error);
}

QString defaultTlsDirectory() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/Sockbench/tls");
}

std::optional<SelfSignedCertificate> loadOrCreateSelfSigned(const QString &directory, QString *error) {
    // Two listeners starting at once must not both make a certificate and serve different ones.
    static std::mutex mutex;
    const std::lock_guard<std::mutex> lock(mutex);

    const QString dir = directory.isEmpty() ? defaultTlsDirectory() : directory;
    const QString path = QDir(dir).filePath(QStringLiteral("selfsigned.pem"));
    if (std::optional<SelfSignedCertificate> existing = reuseSelfSigned(path))
        return existing;

    if (!makePrivateDirectory(dir, error))
        return std::nullopt;
    CertificateRequest request;
    request.commonName = QStringLiteral("localhost");
    request.organization = QStringLiteral("Sockbench (self-signed)");
    request.dnsNames = {QStringLiteral("localhost")};
    request.ipAddresses = {QStringLiteral("127.0.0.1"), QStringLiteral("::1")};
    QString reason;
    const std::optional<PemPair> made = makeCertificate(request, nullptr, &reason);
    if (!made) {
        fail(error, QStringLiteral("%1: %2").arg(path, reason));
        return std::nullopt;
    }
    if (!writePrivateFile(path, made->certificate + made->key, error))
        return std::nullopt;
    const std::optional<QList<CertificateInfo>> certificates = parseAll(made->certificate, &reason);
    if (!certificates) {
        fail(error, QStringLiteral("%1: %2").arg(path, reason));
        return std::nullopt;
    }
    return SelfSignedCertificate{path, certificates->first(), true};
}

QString formatFingerprint(const QByteArray &digest) {
    return QString::fromLatin1(digest.toHex(':').toUpper());
}

} // namespace sockbench
