#include "platform/privatefile.h"
#include "testcerts.h"
#include "testmain.h"
#include "tls/certificate.h"
#include "tls/x509text.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <sys/stat.h>

#include <memory>
#include <thread>
#include <tuple>
#include <vector>

using namespace sockbench;
using sockbench::test::TestCertificates;

namespace {

struct X509Free {
    void operator()(X509 *certificate) const { X509_free(certificate); }
};
struct StoreFree {
    void operator()(X509_STORE *store) const { X509_STORE_free(store); }
};
struct StoreCtxFree {
    void operator()(X509_STORE_CTX *ctx) const { X509_STORE_CTX_free(ctx); }
};
struct BioFree {
    void operator()(BIO *bio) const { BIO_free(bio); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr loadCertificate(const QString &path) {
    const std::unique_ptr<BIO, BioFree> bio(BIO_new_file(QFile::encodeName(path).constData(), "r"));
    return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

/// X509_V_OK or why certificate does not verify against caFile (none: an empty store), for host
/// (a name or an IP literal; empty: not checked).
int verifyAgainst(X509 *certificate, const QString &caFile, const QString &host = {}) {
    const std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
    if (!caFile.isEmpty()) {
        X509Ptr ca = loadCertificate(caFile);
        if (!ca || X509_STORE_add_cert(store.get(), ca.get()) != 1)
            return -1;
    }
    const std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
    if (X509_STORE_CTX_init(ctx.get(), store.get(), certificate, nullptr) != 1)
        return -1;
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx.get());
    if (!host.isEmpty()) {
        const QByteArray text = host.toLatin1();
        if (X509_VERIFY_PARAM_set1_ip_asc(param, text.constData()) != 1) {
            ERR_clear_error();
            X509_VERIFY_PARAM_set1_host(param, text.constData(), static_cast<size_t>(text.size()));
        }
    }
    const int verified = X509_verify_cert(ctx.get());
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return verified == 1 ? X509_V_OK : error;
}

QString readAll(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll()) : QString();
}

bool writeFile(const QString &path, const QByteArray &contents) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(contents) == contents.size();
}

/// Exit code of openssl with these arguments; -1 when it did not run.
int runOpenssl(const QStringList &arguments, QByteArray *output = nullptr) {
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("openssl"), arguments);
    if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit)
        return -1;
    if (output)
        *output = process.readAll();
    return process.exitCode();
}

} // namespace

class TestCertificate final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void makeRoundTrip();
    void selfSignedFlag();
    void chainVerifiesAgainstItsCaOnly();
    void expiredInWords();
    void notYetValidInWords();
    void hostnameMismatchInWords();
    void selfSignedInWords();
    void otherErrorsInWords();
    void badRequests();
    void readCertificatesErrors();
    void readChainInOrder();
    void publicKeysMadeByOpenssl();
    void formatFingerprintPairs();
    void selfSignedCreatedThenReused();
    void selfSignedRemade_data();
    void selfSignedRemade();
    void selfSignedOnceAcrossThreads();
    void fixtureFilesParse();
    void fixtureWithOpensslVerify();

private:
    QTemporaryDir m_config;
    QTemporaryDir m_certsDir;
    std::unique_ptr<TestCertificates> m_certs;
};

void TestCertificate::initTestCase() {
    QVERIFY(m_config.isValid());
    QVERIFY(m_certsDir.isValid());
    // The self-signed certificate's default directory follows XDG_CONFIG_HOME: never the user's own.
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_config.path()));
    m_certs = std::make_unique<TestCertificates>(m_certsDir.path());
    QVERIFY2(m_certs->ok(), qPrintable(m_certs->error()));
}

void TestCertificate::makeRoundTrip() {
    const auto caInfo = readCertificates(m_certs->ca);
    QVERIFY(caInfo);

    CertificateRequest request;
    request.commonName = QStringLiteral("server.test");
    request.organization = QStringLiteral("Example Ltd");
    request.dnsNames = {QStringLiteral("server.test"), QStringLiteral("*.server.test")};
    request.ipAddresses = {QStringLiteral("192.0.2.7"), QStringLiteral("2001:db8::1")};
    request.notBeforeSecs = -7200;
    request.notAfterSecs = 30 * 86400;
    const PemPair ca{readAll(m_certs->ca).toLatin1(), readAll(m_certs->caKey).toLatin1()};
    QString error;
    const QDateTime before = QDateTime::currentDateTimeUtc();
    const auto pair = makeCertificate(request, &ca, &error);
    QVERIFY2(pair, qPrintable(error));
    QVERIFY(pair->certificate.startsWith("-----BEGIN CERTIFICATE-----"));
    QVERIFY(pair->key.startsWith("-----BEGIN PRIVATE KEY-----"));

    const auto infos = parseCertificates(pair->certificate, &error);
    QVERIFY2(infos, qPrintable(error));
    QCOMPARE(infos->size(), 1);
    const CertificateInfo &info = infos->first();
    QCOMPARE(info.subject, QStringLiteral("CN=server.test,O=Example Ltd"));
    QCOMPARE(info.issuer, QStringLiteral("CN=Sockbench Test CA,O=Sockbench tests"));
    QCOMPARE(info.issuer, caInfo->first().subject);
    QCOMPARE(info.subjectAltNames,
             QStringList({QStringLiteral("DNS:server.test"), QStringLiteral("DNS:*.server.test"),
                          QStringLiteral("IP:192.0.2.7"), QStringLiteral("IP:2001:db8::1")}));
    QCOMPARE(info.notBefore.timeSpec(), Qt::UTC);
    QVERIFY(qAbs(info.notBefore.secsTo(before.addSecs(-7200))) <= 5);
    QVERIFY(qAbs(info.notAfter.secsTo(before.addSecs(30 * 86400))) <= 5);
    // 30 days from when it was made, counted from just before: 29 whole days, or 30 on a slow machine.
    QVERIFY2(info.daysLeft(before) == 29 || info.daysLeft(before) == 30,
             qPrintable(QString::number(info.daysLeft(before))));
    QCOMPARE(info.sha256.size(), 32);
    QCOMPARE(info.sha1.size(), 20);
    QVERIFY(!info.serialNumber.isEmpty());
    QVERIFY(QByteArray::fromHex(info.serialNumber.toLatin1()).size() >= 8);
    QCOMPARE(info.publicKey, QStringLiteral("EC P-256"));
    QVERIFY(!info.selfSigned);
    QCOMPARE(info.pem, pair->certificate);

    // The PEM it keeps reads back as the same certificate.
    const auto again = parseCertificates(info.pem);
    QVERIFY(again);
    QCOMPARE(again->first(), info);

    // Two certificates from the same request differ: fresh keys, fresh serial numbers.
    const auto other = makeCertificate(request, &ca);
    QVERIFY(other);
    const auto otherInfo = parseCertificates(other->certificate);
    QVERIFY(otherInfo);
    QVERIFY(otherInfo->first().sha256 != info.sha256);
    QVERIFY(otherInfo->first().serialNumber != info.serialNumber);
    QVERIFY(other->key != pair->key);
}

void TestCertificate::selfSignedFlag() {
    const auto ca = readCertificates(m_certs->ca);
    const auto selfSigned = readCertificates(m_certs->selfSigned);
    const auto leaf = readCertificates(m_certs->leaf);
    QVERIFY(ca && selfSigned && leaf);
    QVERIFY(ca->first().selfSigned);
    QVERIFY(selfSigned->first().selfSigned);
    QCOMPARE(selfSigned->first().subject, selfSigned->first().issuer);
    QVERIFY(!leaf->first().selfSigned);

    // Same subject and issuer, but signed by another key: not self-signed.
    CertificateRequest request;
    request.commonName = QStringLiteral("Sockbench Test CA");
    request.organization = QStringLiteral("Sockbench tests");
    const PemPair ca2{readAll(m_certs->ca).toLatin1(), readAll(m_certs->caKey).toLatin1()};
    const auto lookalike = makeCertificate(request, &ca2);
    QVERIFY(lookalike);
    const auto info = parseCertificates(lookalike->certificate);
    QVERIFY(info);
    QCOMPARE(info->first().subject, info->first().issuer);
    QVERIFY(!info->first().selfSigned);
}

void TestCertificate::chainVerifiesAgainstItsCaOnly() {
    const X509Ptr leaf = loadCertificate(m_certs->leaf);
    QVERIFY(leaf);
    QCOMPARE(verifyAgainst(leaf.get(), m_certs->ca), X509_V_OK);
    QCOMPARE(verifyAgainst(leaf.get(), m_certs->ca, QStringLiteral("localhost")), X509_V_OK);
    QCOMPARE(verifyAgainst(leaf.get(), m_certs->ca, QStringLiteral("127.0.0.1")), X509_V_OK);
    QCOMPARE(verifyAgainst(leaf.get(), m_certs->ca, QStringLiteral("::1")), X509_V_OK);
    const X509Ptr client = loadCertificate(m_certs->client);
    QVERIFY(client);
    QCOMPARE(verifyAgainst(client.get(), m_certs->ca), X509_V_OK);

    const int wrongCa = verifyAgainst(leaf.get(), m_certs->otherCa);
    QCOMPARE(wrongCa, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    QCOMPARE(describeVerifyError(wrongCa, leaf.get(), QStringLiteral("localhost")),
             QStringLiteral(
                 "certificate verify failed: issued by CN=Sockbench Test CA,O=Sockbench tests, which is "
                 "not a trusted CA"));
    QCOMPARE(describeVerifyError(X509_V_OK, leaf.get(), QStringLiteral("localhost")), QStringLiteral("ok"));
}

void TestCertificate::expiredInWords() {
    const X509Ptr expired = loadCertificate(m_certs->expired);
    QVERIFY(expired);
    const int error = verifyAgainst(expired.get(), m_certs->ca, QStringLiteral("localhost"));
    QCOMPARE(error, X509_V_ERR_CERT_HAS_EXPIRED);
    const auto info = readCertificates(m_certs->expired);
    QVERIFY(info);
    QVERIFY(info->first().notAfter < QDateTime::currentDateTimeUtc());
    QVERIFY(info->first().daysLeft() < 0);
    const QString words = describeVerifyError(error, expired.get(), QStringLiteral("localhost"));
    QCOMPARE(words, QStringLiteral("certificate expired on ") +
                        info->first().notAfter.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) +
                        QStringLiteral(" UTC"));
    QCOMPARE(describeVerifyError(error, nullptr, {}), QStringLiteral("certificate expired"));
}

void TestCertificate::notYetValidInWords() {
    CertificateRequest request;
    request.commonName = QStringLiteral("future");
    request.notBeforeSecs = 86400;
    request.notAfterSecs = 2 * 86400;
    const auto pair = makeCertificate(request, nullptr);
    QVERIFY(pair);
    const auto info = parseCertificates(pair->certificate);
    QVERIFY(info);
    const std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pair->certificate.constData(), -1));
    const X509Ptr future(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    QVERIFY(future);
    QCOMPARE(describeVerifyError(X509_V_ERR_CERT_NOT_YET_VALID, future.get(), {}),
             QStringLiteral("certificate not valid before %1 UTC")
                 .arg(info->first().notBefore.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))));
}

void TestCertificate::hostnameMismatchInWords() {
    const X509Ptr wrongName = loadCertificate(m_certs->wrongName);
    QVERIFY(wrongName);
    const int error = verifyAgainst(wrongName.get(), m_certs->ca, QStringLiteral("localhost"));
    QCOMPARE(error, X509_V_ERR_HOSTNAME_MISMATCH);
    QCOMPARE(describeVerifyError(error, wrongName.get(), QStringLiteral("localhost")),
             QStringLiteral("hostname mismatch: the certificate is for example.org"));

    // An address checked against a certificate with names and addresses: all of them are listed.
    const X509Ptr leaf = loadCertificate(m_certs->leaf);
    QVERIFY(leaf);
    const int ipError = verifyAgainst(leaf.get(), m_certs->ca, QStringLiteral("192.0.2.1"));
    QCOMPARE(ipError, X509_V_ERR_IP_ADDRESS_MISMATCH);
    QCOMPARE(describeVerifyError(ipError, leaf.get(), QStringLiteral("192.0.2.1")),
             QStringLiteral("hostname mismatch: the certificate is for localhost, 127.0.0.1, ::1"));

    // No subjectAltName at all: its CN is what it is for.
    CertificateRequest request;
    request.commonName = QStringLiteral("cn-only.test");
    const auto pair = makeCertificate(request, nullptr);
    QVERIFY(pair);
    const std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pair->certificate.constData(), -1));
    const X509Ptr cnOnly(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    QVERIFY(cnOnly);
    QCOMPARE(describeVerifyError(X509_V_ERR_HOSTNAME_MISMATCH, cnOnly.get(), QStringLiteral("localhost")),
             QStringLiteral("hostname mismatch: the certificate is for cn-only.test"));
    QCOMPARE(describeVerifyError(X509_V_ERR_HOSTNAME_MISMATCH, nullptr, QStringLiteral("localhost")),
             QStringLiteral("hostname mismatch: the certificate is not for localhost"));
}

void TestCertificate::selfSignedInWords() {
    const X509Ptr selfSigned = loadCertificate(m_certs->selfSigned);
    QVERIFY(selfSigned);
    const int error = verifyAgainst(selfSigned.get(), {}, QStringLiteral("localhost"));
    QCOMPARE(error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    QCOMPARE(describeVerifyError(error, selfSigned.get(), QStringLiteral("localhost")),
             QStringLiteral("certificate verify failed: self-signed certificate"));
    // Trusted as its own CA (what "--ca selfsigned.pem" does), it verifies.
    QCOMPARE(verifyAgainst(selfSigned.get(), m_certs->selfSigned, QStringLiteral("localhost")), X509_V_OK);
}

void TestCertificate::otherErrorsInWords() {
    const QString revoked = describeVerifyError(X509_V_ERR_CERT_REVOKED, nullptr, {});
    QVERIFY2(revoked.startsWith(QStringLiteral("certificate verify failed: ")), qPrintable(revoked));
    QVERIFY2(revoked.contains(QStringLiteral("revoked")), qPrintable(revoked));
    // Without the certificate, the issuer cannot be named: OpenSSL's words.
    const QString noIssuer = describeVerifyError(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, nullptr, {});
    QVERIFY2(noIssuer.startsWith(QStringLiteral("certificate verify failed: ")), qPrintable(noIssuer));
    QVERIFY2(noIssuer.contains(QStringLiteral("issuer")), qPrintable(noIssuer));
}

void TestCertificate::badRequests() {
    CertificateRequest request;
    request.commonName = QStringLiteral("x");
    request.ipAddresses = {QStringLiteral("not-an-address")};
    QString error;
    QVERIFY(!makeCertificate(request, nullptr, &error));
    QCOMPARE(error, QStringLiteral("not-an-address is not an IP address"));
    QVERIFY(!makeCertificate(request, nullptr)); // no error pointer: must not crash

    request.ipAddresses.clear();
    const PemPair garbage{"not a certificate", "not a key"};
    QVERIFY(!makeCertificate(request, &garbage, &error));
    QVERIFY2(error.startsWith(QStringLiteral("the issuer's certificate cannot be read")), qPrintable(error));

    // A CA certificate with somebody else's key.
    const PemPair mismatched{readAll(m_certs->ca).toLatin1(), readAll(m_certs->leafKey).toLatin1()};
    QVERIFY(!makeCertificate(request, &mismatched, &error));
    QCOMPARE(error, QStringLiteral("the issuer's key does not belong to its certificate"));
    QCOMPARE(ERR_peek_error(), 0UL); // nothing left in this thread's OpenSSL error queue
}

void TestCertificate::readCertificatesErrors() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString missing = dir.filePath(QStringLiteral("missing.pem"));
    QString error;
    QVERIFY(!readCertificates(missing, &error));
    QCOMPARE(error, missing + QStringLiteral(": No such file or directory"));

    // A key file is a PEM file without a certificate.
    QVERIFY(!readCertificates(m_certs->leafKey, &error));
    QCOMPARE(error, m_certs->leafKey + QStringLiteral(": no certificate in this file"));

    const QString empty = dir.filePath(QStringLiteral("empty.pem"));
    QVERIFY(writeFile(empty, {}));
    QVERIFY(!readCertificates(empty, &error));
    QCOMPARE(error, empty + QStringLiteral(": no certificate in this file"));

    const QString damaged = dir.filePath(QStringLiteral("damaged.pem"));
    QVERIFY(writeFile(damaged,
                      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"));
    QVERIFY(!readCertificates(damaged, &error));
    QVERIFY2(error.startsWith(damaged + QStringLiteral(": a certificate in this file is damaged")),
             qPrintable(error));

    QVERIFY(!parseCertificates("plain text", &error));
    QCOMPARE(error, QStringLiteral("no certificate in this file"));
    QCOMPARE(ERR_peek_error(), 0UL);
}

void TestCertificate::readChainInOrder() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString chain = dir.filePath(QStringLiteral("chain.pem"));
    // Certificate, key and CA in one file, as people keep them: the key is skipped.
    QVERIFY(writeFile(chain, readAll(m_certs->leaf).toLatin1() + readAll(m_certs->leafKey).toLatin1() +
                                 readAll(m_certs->ca).toLatin1()));
    QString error;
    const auto infos = readCertificates(chain, &error);
    QVERIFY2(infos, qPrintable(error));
    QCOMPARE(infos->size(), 2);
    QCOMPARE(infos->at(0).subject, QStringLiteral("CN=localhost"));
    QCOMPARE(infos->at(1).subject, QStringLiteral("CN=Sockbench Test CA,O=Sockbench tests"));
    QCOMPARE(infos->at(0).issuer, infos->at(1).subject);
}

void TestCertificate::publicKeysMadeByOpenssl() {
    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
        QSKIP("openssl is not installed");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    struct Case {
        const char *newkey;
        QString publicKey;
    };
    const Case cases[] = {{"rsa:2048", QStringLiteral("RSA 2048")},
                          {"ed25519", QStringLiteral("Ed25519")},
                          {"ec:" /* filled below */, QStringLiteral("EC P-384")}};
    const QString ecParams = dir.filePath(QStringLiteral("p384.pem"));
    QCOMPARE(runOpenssl({QStringLiteral("ecparam"), QStringLiteral("-name"), QStringLiteral("secp384r1"),
                         QStringLiteral("-out"), ecParams}),
             0);
    for (const Case &c : cases) {
        QString newkey = QString::fromLatin1(c.newkey);
        if (newkey == QLatin1String("ec:"))
            newkey += ecParams;
        const QString out = dir.filePath(QStringLiteral("cert.pem"));
        QByteArray output;
        const int exit = runOpenssl(
            {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), newkey,
             QStringLiteral("-nodes"), QStringLiteral("-keyout"), dir.filePath(QStringLiteral("key.pem")),
             QStringLiteral("-out"), out, QStringLiteral("-subj"), QStringLiteral("/CN=tool.test/O=Tool"),
             QStringLiteral("-addext"),
             QStringLiteral("subjectAltName=email:a@tool.test,URI:https://tool.test/"),
             QStringLiteral("-days"), QStringLiteral("2")},
            &output);
        QVERIFY2(exit == 0, output.constData());
        QString error;
        const auto info = readCertificates(out, &error);
        QVERIFY2(info, qPrintable(error));
        QCOMPARE(info->first().publicKey, c.publicKey);
        QCOMPARE(info->first().subject, QStringLiteral("O=Tool,CN=tool.test"));
        QCOMPARE(info->first().subjectAltNames, QStringList({QStringLiteral("email:a@tool.test"),
                                                             QStringLiteral("URI:https://tool.test/")}));
        QVERIFY(info->first().selfSigned);
    }
}

void TestCertificate::formatFingerprintPairs() {
    QCOMPARE(formatFingerprint(QByteArray::fromHex("abcd01")), QStringLiteral("AB:CD:01"));
    QCOMPARE(formatFingerprint(QByteArray::fromHex("0f")), QStringLiteral("0F"));
    QCOMPARE(formatFingerprint({}), QString());
    const auto info = readCertificates(m_certs->leaf);
    QVERIFY(info);
    const QString sha256 = formatFingerprint(info->first().sha256);
    QCOMPARE(sha256.size(), 32 * 3 - 1);

    // The same fingerprint as openssl's own.
    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
        return;
    QByteArray output;
    QCOMPARE(runOpenssl({QStringLiteral("x509"), QStringLiteral("-noout"), QStringLiteral("-fingerprint"),
                         QStringLiteral("-sha256"), QStringLiteral("-in"), m_certs->leaf},
                        &output),
             0);
    QVERIFY2(output.trimmed().endsWith(sha256.toLatin1()), output.constData());
}

void TestCertificate::selfSignedCreatedThenReused() {
    const QString directory = m_config.filePath(QStringLiteral("Sockbench/tls"));
    QCOMPARE(defaultTlsDirectory(), directory);
    QVERIFY(!QFileInfo::exists(directory));

    QString error;
    const auto first = loadOrCreateSelfSigned({}, &error);
    QVERIFY2(first, qPrintable(error));
    QVERIFY(first->created);
    QCOMPARE(first->path, directory + QStringLiteral("/selfsigned.pem"));
    QVERIFY(isPrivateToOwner(first->path));
    struct stat st {};
    QCOMPARE(::stat(QFile::encodeName(directory).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0700U);

    const CertificateInfo &info = first->certificate;
    QCOMPARE(info.subject, QStringLiteral("CN=localhost,O=Sockbench (self-signed)"));
    QCOMPARE(info.issuer, info.subject);
    QVERIFY(info.selfSigned);
    QCOMPARE(info.subjectAltNames, QStringList({QStringLiteral("DNS:localhost"),
                                                QStringLiteral("IP:127.0.0.1"), QStringLiteral("IP:::1")}));
    QVERIFY(info.daysLeft() == 824 || info.daysLeft() == 825); // 825 days less the moments since
    QCOMPARE(info.publicKey, QStringLiteral("EC P-256"));

    // The file is the certificate, then its key.
    const QString contents = readAll(first->path);
    QVERIFY(contents.startsWith(QStringLiteral("-----BEGIN CERTIFICATE-----")));
    QVERIFY(contents.contains(QStringLiteral("-----BEGIN PRIVATE KEY-----")));
    QCOMPARE(contents.indexOf(QStringLiteral("-----BEGIN CERTIFICATE-----"), 1), -1);

    const auto second = loadOrCreateSelfSigned({}, &error);
    QVERIFY2(second, qPrintable(error));
    QVERIFY(!second->created);
    QCOMPARE(second->path, first->path);
    QCOMPARE(second->certificate.sha256, info.sha256);
    QCOMPARE(second->certificate, info);
    QCOMPARE(readAll(first->path), contents);

    // An explicit directory is used as given.
    QTemporaryDir other;
    QVERIFY(other.isValid());
    const QString sub = other.filePath(QStringLiteral("a/b"));
    const auto elsewhere = loadOrCreateSelfSigned(sub, &error);
    QVERIFY2(elsewhere, qPrintable(error));
    QVERIFY(elsewhere->created);
    QCOMPARE(elsewhere->path, sub + QStringLiteral("/selfsigned.pem"));
    QVERIFY(elsewhere->certificate.sha256 != info.sha256);

    // A directory that cannot be made: an error that names it.
    const QString blocker = other.filePath(QStringLiteral("file"));
    QVERIFY(writeFile(blocker, "x"));
    QVERIFY(!loadOrCreateSelfSigned(blocker + QStringLiteral("/tls"), &error));
    QVERIFY2(error.startsWith(blocker + QStringLiteral("/tls: ")), qPrintable(error));
}

void TestCertificate::selfSignedRemade_data() {
    QTest::addColumn<QString>("damage");
    QTest::newRow("corrupted") << QStringLiteral("corrupted");
    QTest::newRow("empty") << QStringLiteral("empty");
    QTest::newRow("no key") << QStringLiteral("no key");
    QTest::newRow("another key") << QStringLiteral("another key");
    QTest::newRow("expires within a day") << QStringLiteral("expires soon");
    QTest::newRow("expired") << QStringLiteral("expired");
    QTest::newRow("readable by others") << QStringLiteral("readable");
}

void TestCertificate::selfSignedRemade() {
    QFETCH(QString, damage);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    const auto made = loadOrCreateSelfSigned(dir.path(), &error);
    QVERIFY2(made, qPrintable(error));
    QVERIFY(made->created);
    const QByteArray original = readAll(made->path).toLatin1();
    const qsizetype keyAt = original.indexOf("-----BEGIN PRIVATE KEY-----");
    QVERIFY(keyAt > 0);

    QByteArray replacement;
    if (damage == QLatin1String("corrupted")) {
        replacement = original;
        replacement[40] = '!';
        replacement[41] = '!';
    } else if (damage == QLatin1String("no key")) {
        replacement = original.left(keyAt);
    } else if (damage == QLatin1String("another key")) {
        replacement = original.left(keyAt) + readAll(m_certs->leafKey).toLatin1();
    } else if (damage == QLatin1String("expires soon") || damage == QLatin1String("expired")) {
        CertificateRequest request;
        request.commonName = QStringLiteral("localhost");
        request.notBeforeSecs = -2 * 86400;
        request.notAfterSecs = damage == QLatin1String("expired") ? -60 : 3600;
        const auto pair = makeCertificate(request, nullptr);
        QVERIFY(pair);
        replacement = pair->certificate + pair->key;
    } else if (damage == QLatin1String("readable")) {
        replacement = original;
    }
    QVERIFY(writePrivateFile(made->path, replacement, &error));
    if (damage == QLatin1String("readable"))
        QVERIFY(QFile::setPermissions(made->path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup |
                                                      QFile::ReadOther));

    const auto remade = loadOrCreateSelfSigned(dir.path(), &error);
    QVERIFY2(remade, qPrintable(error));
    QVERIFY(remade->created);
    QVERIFY(remade->certificate.sha256 != made->certificate.sha256);
    QCOMPARE(remade->certificate.subject, QStringLiteral("CN=localhost,O=Sockbench (self-signed)"));
    QVERIFY(isPrivateToOwner(remade->path));
    const auto reused = loadOrCreateSelfSigned(dir.path(), &error);
    QVERIFY2(reused, qPrintable(error));
    QVERIFY(!reused->created);
    QCOMPARE(reused->certificate.sha256, remade->certificate.sha256);
}

void TestCertificate::selfSignedOnceAcrossThreads() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    constexpr int Threads = 8;
    std::vector<std::optional<SelfSignedCertificate>> results(Threads);
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < Threads; ++i)
            threads.emplace_back([&results, i, &dir] { results[i] = loadOrCreateSelfSigned(dir.path()); });
        for (std::thread &thread : threads)
            thread.join();
    }
    int created = 0;
    for (const auto &result : results) {
        QVERIFY(result);
        created += result->created ? 1 : 0;
        QCOMPARE(result->certificate.sha256, results.front()->certificate.sha256);
    }
    QCOMPARE(created, 1);
}

void TestCertificate::fixtureFilesParse() {
    const QList<std::pair<QString, QString>> files{
        {m_certs->ca, QStringLiteral("CN=Sockbench Test CA,O=Sockbench tests")},
        {m_certs->otherCa, QStringLiteral("CN=Sockbench Other CA,O=Sockbench tests")},
        {m_certs->leaf, QStringLiteral("CN=localhost")},
        {m_certs->expired, QStringLiteral("CN=localhost")},
        {m_certs->wrongName, QStringLiteral("CN=example.org")},
        {m_certs->selfSigned, QStringLiteral("CN=localhost")},
        {m_certs->client, QStringLiteral("CN=Sockbench test client")},
    };
    for (const auto &[path, subject] : files) {
        QString error;
        const auto info = readCertificates(path, &error);
        QVERIFY2(info, qPrintable(error));
        QCOMPARE(info->first().subject, subject);
    }
    for (const QString &key : {m_certs->caKey, m_certs->otherCaKey, m_certs->leafKey, m_certs->expiredKey,
                               m_certs->wrongNameKey, m_certs->selfSignedKey, m_certs->clientKey})
        QVERIFY2(readAll(key).startsWith(QStringLiteral("-----BEGIN PRIVATE KEY-----")), qPrintable(key));
    const auto wrongName = readCertificates(m_certs->wrongName);
    QVERIFY(wrongName);
    QCOMPARE(wrongName->first().subjectAltNames, QStringList{QStringLiteral("DNS:example.org")});

    // A directory that cannot be written to: ok() is false and error() says where.
    TestCertificates broken(m_certsDir.filePath(QStringLiteral("missing/dir")));
    QVERIFY(!broken.ok());
    QVERIFY2(broken.error().contains(QStringLiteral("missing/dir/ca.pem")), qPrintable(broken.error()));
}

void TestCertificate::fixtureWithOpensslVerify() {
    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
        QSKIP("openssl is not installed");
    const auto verify = [](const QStringList &arguments) {
        QByteArray output;
        const int exit = runOpenssl(QStringList{QStringLiteral("verify")} + arguments, &output);
        return std::pair{exit, QString::fromLocal8Bit(output)};
    };
    const QString caFile = QStringLiteral("-CAfile");
    auto [exit, output] = verify({caFile, m_certs->ca, m_certs->leaf});
    QVERIFY2(exit == 0, qPrintable(output));
    std::tie(exit, output) =
        verify({caFile, m_certs->ca, QStringLiteral("-purpose"), QStringLiteral("sslserver"),
                QStringLiteral("-verify_hostname"), QStringLiteral("localhost"), m_certs->leaf});
    QVERIFY2(exit == 0, qPrintable(output));
    std::tie(exit, output) = verify(
        {caFile, m_certs->ca, QStringLiteral("-purpose"), QStringLiteral("sslclient"), m_certs->client});
    QVERIFY2(exit == 0, qPrintable(output));
    // The client certificate is not a server's.
    std::tie(exit, output) = verify(
        {caFile, m_certs->ca, QStringLiteral("-purpose"), QStringLiteral("sslserver"), m_certs->client});
    QVERIFY2(exit != 0, qPrintable(output));

    std::tie(exit, output) = verify({caFile, m_certs->ca, m_certs->expired});
    QVERIFY2(exit != 0, qPrintable(output));
    QVERIFY2(output.contains(QStringLiteral("expired")), qPrintable(output));
    std::tie(exit, output) = verify({caFile, m_certs->otherCa, m_certs->leaf});
    QVERIFY2(exit != 0, qPrintable(output));
    std::tie(exit, output) = verify({caFile, m_certs->ca, QStringLiteral("-verify_hostname"),
                                     QStringLiteral("localhost"), m_certs->wrongName});
    QVERIFY2(exit != 0, qPrintable(output));
    std::tie(exit, output) = verify({caFile, m_certs->ca, m_certs->selfSigned});
    QVERIFY2(exit != 0, qPrintable(output));
    // The listener's self-signed certificate, trusted as itself, verifies for what it is made for.
    QString error;
    const auto listener = loadOrCreateSelfSigned(m_config.filePath(QStringLiteral("verify")), &error);
    QVERIFY2(listener, qPrintable(error));
    std::tie(exit, output) =
        verify({caFile, listener->path, QStringLiteral("-purpose"), QStringLiteral("sslserver"),
                QStringLiteral("-verify_ip"), QStringLiteral("::1"), listener->path});
    QVERIFY2(exit == 0, qPrintable(output));
}

SOCKBENCH_TEST_MAIN(TestCertificate)
#include "tst_certificate.moc"
