#pragma once

// Certificates without OpenSSL types: reading them for display, making them (the listener's
// self-signed one, and the tests' CA and leaves), and naming verification failures in words.

#include "tls/tlstypes.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace sockbench {

/// A certificate and its private key, PEM-encoded.
struct PemPair {
    QByteArray certificate;
    QByteArray key;
};

/// What makeCertificate() puts into a certificate.
struct CertificateRequest {
    QString commonName;
    QString organization;                ///< empty: none
    QStringList dnsNames;                ///< subjectAltName DNS entries
    QStringList ipAddresses;             ///< subjectAltName IP entries ("127.0.0.1", "::1")
    qint64 notBeforeSecs = -3600;        ///< relative to now (negative: in the past)
    qint64 notAfterSecs = 825LL * 86400; ///< relative to now (negative: already expired)
    bool isCa = false;                   ///< basicConstraints CA:TRUE, keyCertSign
    bool clientAuth = false;             ///< extendedKeyUsage clientAuth (else serverAuth)
};

/// Makes an EC P-256 key and a certificate for it, signed by issuer (null: self-signed). Returns
/// nullopt and sets *error on failure.
std::optional<PemPair> makeCertificate(const CertificateRequest &request, const PemPair *issuer,
                                       QString *error = nullptr);

/// Every certificate in a PEM file or buffer, in order. nullopt and *error ("path: reason") when
/// the file cannot be read or holds no certificate.
std::optional<QList<CertificateInfo>> readCertificates(const QString &pemFile, QString *error = nullptr);
std::optional<QList<CertificateInfo>> parseCertificates(const QByteArray &pem, QString *error = nullptr);

/// Where the listener's self-signed certificate lives: <config>/Sockbench/tls.
QString defaultTlsDirectory();

/// The self-signed certificate a TLS listener without one of its own serves.
struct SelfSignedCertificate {
    QString path;                ///< the PEM file: certificate, then key (mode 0600)
    CertificateInfo certificate; ///< for localhost, 127.0.0.1 and ::1
    bool created = false;        ///< made by this call (else read back from path)
};

/// Reads directory/selfsigned.pem, or makes it (0600, the directory 0700) when it is missing or no
/// longer valid (expired, or unreadable). Thread-safe: two listeners starting at once get the same
/// file. nullopt and *error on failure.
std::optional<SelfSignedCertificate> loadOrCreateSelfSigned(const QString &directory = {},
                                                            QString *error = nullptr);

/// "AB:CD:…", upper-case hex pairs.
QString formatFingerprint(const QByteArray &digest);

} // namespace sockbench
