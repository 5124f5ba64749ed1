#include "tls/x509text.h"

#include "language/translate.h"
#include "tls/openssl.h"

#include <QCoreApplication>
#include <QDate>
#include <QTime>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <ctime>
#include <memory>

namespace sockbench {

namespace {

QString nameLine(const X509_NAME *name) {
    if (!name)
        return {};
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio)
        return {};
    // RFC 2253 order and escaping, but UTF-8 kept as UTF-8: a person reads this line, and
    // "CN=M\C3\BCller" helps nobody.
    constexpr unsigned long Flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    if (X509_NAME_print_ex(bio.get(), name, 0, Flags) < 0)
        return {};
    return QString::fromUtf8(bioContents(bio.get()));
}

QString asn1StringText(const ASN1_STRING *text) {
    if (!text)
        return {};
    return QString::fromUtf8(reinterpret_cast<const char *>(ASN1_STRING_get0_data(text)),
                             ASN1_STRING_length(text));
}

QString ipAddressText(const ASN1_OCTET_STRING *address) {
    const int length = ASN1_STRING_length(address);
    const unsigned char *bytes = ASN1_STRING_get0_data(address);
    char text[INET6_ADDRSTRLEN] = {};
    if (length == 4 && inet_ntop(AF_INET, bytes, text, sizeof text))
        return QString::fromLatin1(text);
    if (length == 16 && inet_ntop(AF_INET6, bytes, text, sizeof text))
        return QString::fromLatin1(text); // compact: "::1"
    // Not an address (a name constraint's address/mask pair has 8 or 32 bytes): show the bytes.
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(bytes), length).toHex(':'));
}

QStringList subjectAltNames(X509 *certificate) {
    QStringList names;
    const std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> general(
        static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
    if (!general)
        return names;
    for (int i = 0; i < sk_GENERAL_NAME_num(general.get()); ++i) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(general.get(), i);
        switch (name->type) {
        case GEN_DNS:
            names << QStringLiteral("DNS:") + asn1StringText(name->d.dNSName);
            break;
        case GEN_IPADD:
            names << QStringLiteral("IP:") + ipAddressText(name->d.iPAddress);
            break;
        case GEN_EMAIL:
            names << QStringLiteral("email:") + asn1StringText(name->d.rfc822Name);
            break;
        case GEN_URI:
            names << QStringLiteral("URI:") + asn1StringText(name->d.uniformResourceIdentifier);
            break;
        case GEN_DIRNAME:
            names << QStringLiteral("DirName:") + nameLine(name->d.directoryName);
            break;
        default:
            break; // otherName, x400Address, ediPartyName, registeredID: rare, and not names people read
        }
    }
    return names;
}

QDateTime utcTime(const ASN1_TIME *time) {
    std::tm tm{};
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1)
        return {};
    return QDateTime(QDate(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday),
                     QTime(tm.tm_hour, tm.tm_min, tm.tm_sec), Qt::UTC);
}

QByteArray digest(X509 *certificate, const EVP_MD *md) {
    unsigned char buffer[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(certificate, md, buffer, &length) != 1)
        return {};
    return QByteArray(reinterpret_cast<const char *>(buffer), static_cast<qsizetype>(length));
}

QString serialText(X509 *certificate) {
    const std::unique_ptr<BIGNUM, BignumFree> bn(
        ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
    if (!bn)
        return {};
    const std::unique_ptr<char, OpensslStringFree> hex(BN_bn2hex(bn.get()));
    return hex ? QString::fromLatin1(hex.get()) : QString();
}

QString publicKeyText(X509 *certificate) {
    EVP_PKEY *key = X509_get0_pubkey(certificate); // not ours to free
    if (!key)
        return tr("unknown");
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
        char group[64] = {};
        if (EVP_PKEY_get_group_name(key, group, sizeof group, nullptr) != 1)
            return QStringLiteral("EC");
        // OpenSSL names the curve "prime256v1"; people know it as "P-256".
        const char *nist = EC_curve_nid2nist(OBJ_txt2nid(group));
        return QStringLiteral("EC ") + QString::fromLatin1(nist ? nist : group);
    }
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        return QStringLiteral("RSA %1").arg(EVP_PKEY_get_bits(key));
    case EVP_PKEY_DSA:
        return QStringLiteral("DSA %1").arg(EVP_PKEY_get_bits(key));
    case EVP_PKEY_ED25519:
        return QStringLiteral("Ed25519");
    case EVP_PKEY_ED448:
        return QStringLiteral("Ed448");
    default:
        break;
    }
    const char *type = EVP_PKEY_get0_type_name(key);
    return QStringLiteral("%1 %2")
        .arg(QString::fromLatin1(type ? type : "unknown"))
        .arg(EVP_PKEY_get_bits(key));
}

bool isSelfSigned(X509 *certificate) {
    // Names compared, not X509_check_issued(): that also wants keyCertSign in the key usage, which
    // a self-signed server certificate (rightly) does not have.
    if (X509_NAME_cmp(X509_get_subject_name(certificate), X509_get_issuer_name(certificate)) != 0)
        return false;
    EVP_PKEY *key = X509_get0_pubkey(certificate);
    const bool verifies = key && X509_verify(certificate, key) == 1;
    ERR_clear_error(); // a failed check leaves errors that must not reach the next SSL_get_error()
    return verifies;
}

QByteArray pemText(X509 *certificate) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1)
        return {};
    return bioContents(bio.get());
}

QString commonName(X509 *certificate) {
    const X509_NAME *subject = X509_get_subject_name(certificate);
    const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index < 0)
        return {};
    const ASN1_STRING *data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char *utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0)
        return {};
    const std::unique_ptr<unsigned char, OpensslStringFree> owned(utf8);
    return QString::fromUtf8(reinterpret_cast<const char *>(utf8), length);
}

} // namespace

CertificateInfo certificateInfo(X509 *certificate) {
    CertificateInfo info;
    if (!certificate)
        return info;
    info.subject = nameLine(X509_get_subject_name(certificate));
    info.issuer = nameLine(X509_get_issuer_name(certificate));
    info.subjectAltNames = subjectAltNames(certificate);
    info.notBefore = utcTime(X509_get0_notBefore(certificate));
    info.notAfter = utcTime(X509_get0_notAfter(certificate));
    info.sha256 = digest(certificate, EVP_sha256());
    info.sha1 = digest(certificate, EVP_sha1());
    info.serialNumber = serialText(certificate);
    info.publicKey = publicKeyText(certificate);
    info.selfSigned = isSelfSigned(certificate);
    info.pem = pemText(certificate);
    ERR_clear_error();
    return info;
}

QString describeVerifyError(long x509Error, X509 *certificate, const QString &expectedHost, int depth) {
    const QString failed = tr("certificate verify failed: ");
    X509 *const leaf = certificate;
    // Which certificate, when it is not the peer's own.
    const QString which =
        depth > 0 && certificate
            ? tr(" (the CA certificate %1 in the chain)").arg(nameLine(X509_get_subject_name(certificate)))
            : QString();
    switch (x509Error) {
    case X509_V_OK:
        return QStringLiteral("ok");
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return failed + tr("self-signed certificate");
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: {
        // What the certificate is for is what the user needs: the name to connect to instead.
        QStringList names;
        if (leaf) {
            for (const QString &name : subjectAltNames(leaf)) {
                if (name.startsWith(QLatin1String("DNS:")) || name.startsWith(QLatin1String("IP:")))
                    names << name.mid(name.indexOf(QLatin1Char(':')) + 1);
            }
            if (names.isEmpty()) {
                const QString cn = commonName(leaf);
                if (!cn.isEmpty())
                    names << cn;
            }
        }
        if (names.isEmpty())
            return tr("hostname mismatch: the certificate is not for %1").arg(expectedHost);
        return tr("hostname mismatch: the certificate is for %1").arg(names.join(QStringLiteral(", ")));
    }
    case X509_V_ERR_CERT_HAS_EXPIRED:
        if (!leaf)
            return tr("certificate expired");
        return tr("certificate expired on %1").arg(formatUtc(utcTime(X509_get0_notAfter(leaf)))) + which;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        if (!leaf)
            return tr("certificate not valid yet");
        return tr("certificate not valid before %1").arg(formatUtc(utcTime(X509_get0_notBefore(leaf)))) +
               which;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        if (leaf) {
            return failed +
                   tr("issued by %1, which is not a trusted CA").arg(nameLine(X509_get_issuer_name(leaf))) +
                   which;
        }
        break;
    default:
        break;
    }
    return failed + QString::fromUtf8(X509_verify_cert_error_string(x509Error));
}

} // namespace sockbench
