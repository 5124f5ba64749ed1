#pragma once

// Certificates for the TLS tests, made fresh in a temporary directory (nothing checked in expires):
//
//   TestCertificates certs(dir.path());
//   QVERIFY2(certs.ok(), qPrintable(certs.error()));
//   ... certs.leaf, certs.leafKey, certs.ca ...
//
// Every certificate below the CA is signed by it; otherCa signs nothing (a CA to trust that is the
// wrong one).

#include "tls/certificate.h"

#include <QDir>
#include <QFile>
#include <QString>

namespace sockbench::test {

class TestCertificates final {
public:
    explicit TestCertificates(const QString &directory)
        : m_dir(directory) {
        const QStringList local{QStringLiteral("localhost")};
        const QStringList localIps{QStringLiteral("127.0.0.1"), QStringLiteral("::1")};

        CertificateRequest caRequest;
        caRequest.commonName = QStringLiteral("Sockbench Test CA");
        caRequest.organization = QStringLiteral("Sockbench tests");
        caRequest.isCa = true;
        const std::optional<PemPair> caPair = make(caRequest, nullptr, QStringLiteral("ca"), ca, caKey);
        if (!caPair)
            return;

        CertificateRequest otherRequest = caRequest;
        otherRequest.commonName = QStringLiteral("Sockbench Other CA");
        make(otherRequest, nullptr, QStringLiteral("other-ca"), otherCa, otherCaKey);

        CertificateRequest leafRequest;
        leafRequest.commonName = QStringLiteral("localhost");
        leafRequest.dnsNames = local;
        leafRequest.ipAddresses = localIps;
        make(leafRequest, &*caPair, QStringLiteral("leaf"), leaf, leafKey);

        CertificateRequest expiredRequest = leafRequest;
        expiredRequest.notBeforeSecs = -2 * 86400;
        expiredRequest.notAfterSecs = -86400;
        make(expiredRequest, &*caPair, QStringLiteral("expired"), expired, expiredKey);

        CertificateRequest wrongNameRequest;
        wrongNameRequest.commonName = QStringLiteral("example.org");
        wrongNameRequest.dnsNames = {QStringLiteral("example.org")};
        make(wrongNameRequest, &*caPair, QStringLiteral("wrongname"), wrongName, wrongNameKey);

        make(leafRequest, nullptr, QStringLiteral("selfsigned"), selfSigned, selfSignedKey);

        CertificateRequest clientRequest;
        clientRequest.commonName = QStringLiteral("Sockbench test client");
        clientRequest.clientAuth = true;
        make(clientRequest, &*caPair, QStringLiteral("client"), client, clientKey);
    }

    /// Every file was written; else error() says which was not, and why.
    bool ok() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }

    // Paths: <name>.pem holds the certificate, <name>.key its private key.
    QString ca, caKey;                 ///< the test CA (CN=Sockbench Test CA)
    QString otherCa, otherCaKey;       ///< an unrelated CA: trusting it verifies nothing below
    QString leaf, leafKey;             ///< localhost, 127.0.0.1, ::1; serverAuth; signed by ca
    QString expired, expiredKey;       ///< as leaf, but expired yesterday
    QString wrongName, wrongNameKey;   ///< example.org only
    QString selfSigned, selfSignedKey; ///< as leaf, but self-signed
    QString client, clientKey;         ///< CN=Sockbench test client; clientAuth; signed by ca

private:
    Q_DISABLE_COPY_MOVE(TestCertificates)

    std::optional<PemPair> make(const CertificateRequest &request, const PemPair *issuer, const QString &name,
                                QString &certificatePath, QString &keyPath) {
        if (!m_error.isEmpty())
            return std::nullopt;
        QString reason;
        std::optional<PemPair> pair = makeCertificate(request, issuer, &reason);
        if (!pair) {
            m_error = QStringLiteral("%1: %2").arg(name, reason);
            return std::nullopt;
        }
        certificatePath = m_dir.filePath(name + QStringLiteral(".pem"));
        keyPath = m_dir.filePath(name + QStringLiteral(".key"));
        if (!write(certificatePath, pair->certificate) || !write(keyPath, pair->key))
            return std::nullopt;
        return pair;
    }

    bool write(const QString &path, const QByteArray &contents) {
        QFile file(path);
        if (file.open(QIODevice::WriteOnly) && file.write(contents) == contents.size())
            return true;
        m_error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }

    QDir m_dir;
    QString m_error;
};

} // namespace sockbench::test
