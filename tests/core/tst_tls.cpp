// TLS on the raw engine against real peers (Debian's openssl s_server and s_client) and against
// itself: verification and its failures in words, ALPN, client certificates, the self-signed
// certificate, plaintext meeting TLS, Start TLS, close_notify versus a bare close, faults in the
// handshake, and bulk and many connections.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "opensslprocess.h"
#include "testcerts.h"
#include "testmain.h"
#include "testutil.h"
#include "tls/certificate.h"
#include "tls/tlscontext.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace sockbench;
using namespace sockbench::test;

namespace {

/// `openssl s_server` on 127.0.0.1, port 0, for one connection; stdout and stderr together.
class SServer final : public OpenSslProcess {
public:
    explicit SServer(const QStringList &arguments)
        : OpenSslProcess(QStringList{QStringLiteral("s_server"), QStringLiteral("-accept"),
                                     QStringLiteral("127.0.0.1:0"), QStringLiteral("-naccept"),
                                     QStringLiteral("1")} +
                             arguments,
                         WaitMs, QProcess::MergedChannels)
        , m_port(acceptPort()) {}

    quint16 port() const { return m_port; }
    const QByteArray &output() const { return out(); }

private:
    const quint16 m_port;
};

/// `openssl s_client -quiet`: stdout is what the server sent, nothing else.
class SClient final : public OpenSslProcess {
public:
    SClient(quint16 port, const QStringList &arguments)
        : OpenSslProcess(QStringList{QStringLiteral("s_client"), QStringLiteral("-connect"),
                                     QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("-quiet")} +
                             arguments,
                         WaitMs) {}

    const QByteArray &output() const { return out(); }
};

TlsClientOptions trusting(const TestCertificates &certs) {
    TlsClientOptions tls;
    tls.verify = TlsVerify::CaFile;
    tls.caFile = certs.ca;
    return tls;
}

ConnectOptions withTls(const TlsClientOptions &tls) {
    ConnectOptions options;
    options.tls = tls;
    return options;
}

/// Waits until the connection is Connected (true) or final (false).
bool waitConnected(Workbench &wb, EndpointId id) {
    (void)QTest::qWaitFor(
        [&] { return wb.info(id).state == EndpointState::Connected || isFinal(wb.info(id).state); }, WaitMs);
    return wb.info(id).state == EndpointState::Connected;
}

/// Waits until the connection is final; returns its error text.
QString waitFailure(Workbench &wb, EndpointId id) {
    (void)QTest::qWaitFor([&] { return isFinal(wb.info(id).state); }, WaitMs);
    return wb.info(id).error;
}

QStringList sServerCert(const QString &cert, const QString &key) {
    return {QStringLiteral("-cert"), cert, QStringLiteral("-key"), key};
}

ListenerOptions tlsListener(const TlsServerOptions &tls, AutoReply reply = AutoReply::None,
                            const QByteArray &greeting = {}) {
    ListenerOptions options;
    options.tls = tls;
    options.autoReply = reply;
    options.greeting = greeting;
    return options;
}

TlsServerOptions serving(const TestCertificates &certs) {
    TlsServerOptions tls;
    tls.certificateFile = certs.leaf;
    tls.keyFile = certs.leafKey;
    return tls;
}

} // namespace

class TestTls final : public QObject {
    Q_OBJECT

public:
    TestTls() = default;
    Q_DISABLE_COPY_MOVE(TestTls)

private Q_SLOTS:
    void initTestCase();
    void clientExchangesWithSServer();
    void verificationFailuresInWords_data();
    void verificationFailuresInWords();
    void expiredIntermediateIsNamed();
    void insecureStillShowsTheVerification();
    void alpnIsChosen();
    void clientCertificateRequiredThenGiven();
    void listenerEchoesAndGreetsSClient();
    void selfSignedCertificateIsReused();
    void listenerRequiresClientCertificate();
    void listenerRequestsClientCertificate();
    void badCertificateFailsTheListener();
    void plaintextServerMetByTls();
    void tlsClientOnPlaintextListener();
    void startTlsAfterPlaintext();
    void startTlsClientFirst();
    void startTlsIsRefusedWhereItCannot();
    void closeNotifyAndBareClose();
    void peerWaitingForOurCloseNotify();
    void resetDuringHandshake();
    void serverResetsDuringHandshake();
    void handshakeTimesOut();
    void peerClosesDuringHandshake();
    void closedDuringHandshake();
    void dataSentDuringHandshakeCountsAsQueued();
    void halfClosedDuringHandshake();
    void noProtocolInCommon();
    void serverRenegotiationIsRefused();
    void bulk64MiB();
    void thousandConnections();
    void clientContextsAreShared();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TestCertificates> m_certs;
};

void TestTls::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_certs = std::make_unique<TestCertificates>(m_dir.path());
    QVERIFY2(m_certs->ok(), qPrintable(m_certs->error()));
}

void TestTls::clientExchangesWithSServer() {
    SServer server(sServerCert(m_certs->leaf, m_certs->leafKey));
    QVERIFY(server.port() != 0);
    Workbench wb;
    QSignalSpy connected(&wb, &Workbench::connected);
    QSignalSpy tlsChanged(&wb, &Workbench::tlsChanged);
    const EndpointId client =
        wb.connectTcp(QStringLiteral("127.0.0.1"), server.port(), withTls(trusting(*m_certs)));
    QVERIFY2(waitConnected(wb, client), qPrintable(wb.info(client).error));
    QCOMPARE(connected.count(), 1); // once, when the handshake completed
    QVERIFY(!tlsChanged.isEmpty());
    const TlsInfo tls = *wb.info(client).tls;
    QCOMPARE(toString(tls.phase), toString(TlsInfo::Phase::Established));
    QCOMPARE(tls.protocol, QStringLiteral("TLSv1.3"));
    QVERIFY(!tls.cipher.isEmpty());
    QCOMPARE(tls.verification, QStringLiteral("ok"));
    QVERIFY(tls.verified);
    QVERIFY(tls.serverName.isEmpty()); // an IP literal: no SNI
    QVERIFY(!tls.peerChain.isEmpty());
    QCOMPARE(tls.peerChain.first().subject, QStringLiteral("CN=localhost"));

    // Both ways, byte-exact; the journal holds plaintext.
    const QByteArray up = "from the workbench: " + pattern(3000, 7).toHex() + "\n";
    QVERIFY(wb.send(client, up));
    QTRY_VERIFY_WITH_TIMEOUT(server.output().contains(up), WaitMs);
    const QByteArray down = "from s_server: " + pattern(2000, 9).toHex() + "\n";
    server.write(down);
    QTRY_COMPARE_WITH_TIMEOUT(streamOf(wb.journal(), client, RecordKind::DataIn), down, WaitMs);
    QCOMPARE(streamOf(wb.journal(), client, RecordKind::DataOut), up);
    const QString events = eventsOf(wb.journal(), client);
    QVERIFY2(events.contains(QStringLiteral("TLS established: TLSv1.3")), qPrintable(events));
    QVERIFY2(events.contains(QStringLiteral("Peer certificate: CN=localhost; SANs: DNS:localhost")),
             qPrintable(events));
    QVERIFY2(events.contains(QStringLiteral("Certificate verification: ok")), qPrintable(events));

    wb.close(client);
    QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb.info(client).state), WaitMs);
    QVERIFY(eventsOf(wb.journal(), client).contains(QStringLiteral("TLS close_notify sent")));
}

void TestTls::verificationFailuresInWords_data() {
    QTest::addColumn<QString>("which");
    QTest::addColumn<bool>("withCa");
    QTest::addColumn<QString>("expected");
    QTest::newRow("self-signed") << "selfsigned" << true
                                 << "certificate verify failed: self-signed certificate";
    QTest::newRow("unknown CA") << "leaf" << false
                                << "certificate verify failed: issued by CN=Sockbench Test CA";
    QTest::newRow("wrong name") << "wrongname" << true
                                << "hostname mismatch: the certificate is for example.org";
    QTest::newRow("expired") << "expired" << true << "certificate expired on ";
}

void TestTls::verificationFailuresInWords() {
    QFETCH(QString, which);
    QFETCH(bool, withCa);
    QFETCH(QString, expected);
    const QString cert = m_dir.filePath(which + QStringLiteral(".pem"));
    const QString key = m_dir.filePath(which + QStringLiteral(".key"));
    SServer server(sServerCert(cert, key));
    QVERIFY(server.port() != 0);
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::connectFailed);
    TlsClientOptions tls = trusting(*m_certs);
    if (!withCa)
        tls.verify = TlsVerify::System;
    const EndpointId client = wb.connectTcp(QStringLiteral("localhost"), server.port(), withTls(tls));
    const QString reason = waitFailure(wb, client);
    QVERIFY2(reason.startsWith(expected), qPrintable(reason));
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Failed));
    QCOMPARE(failed.count(), 1); // the handshake is part of connecting
    QVERIFY(wb.info(client).tls);
    QCOMPARE(toString(wb.info(client).tls->phase), toString(TlsInfo::Phase::Failed));
    QVERIFY(wb.info(client).tls->verificationFailed);
    QCOMPARE(wb.info(client).tls->failure, reason);
    QVERIFY(!wb.info(client).tls->peerChain.isEmpty()); // what "Connect anyway" shows
}

void TestTls::expiredIntermediateIsNamed() {
    // A valid leaf under an intermediate CA that expired yesterday: the words are about the
    // intermediate (its date, its name), not the leaf.
    const auto readAll = [](const QString &path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    const PemPair ca{readAll(m_certs->ca), readAll(m_certs->caKey)};
    CertificateRequest interRequest;
    interRequest.commonName = QStringLiteral("Sockbench Expired Intermediate");
    interRequest.isCa = true;
    interRequest.notBeforeSecs = -2 * 86400;
    interRequest.notAfterSecs = -86400;
    QString why;
    const std::optional<PemPair> inter = makeCertificate(interRequest, &ca, &why);
    QVERIFY2(inter, qPrintable(why));
    CertificateRequest leafRequest;
    leafRequest.commonName = QStringLiteral("localhost");
    leafRequest.dnsNames = {QStringLiteral("localhost")};
    const std::optional<PemPair> leaf = makeCertificate(leafRequest, &*inter, &why);
    QVERIFY2(leaf, qPrintable(why));
    const auto writeFile = [&](const QString &name, const QByteArray &contents) {
        QFile file(m_dir.filePath(name));
        return file.open(QIODevice::WriteOnly) && file.write(contents) == contents.size();
    };
    QVERIFY(writeFile(QStringLiteral("inter.pem"), inter->certificate));
    QVERIFY(writeFile(QStringLiteral("interleaf.pem"), leaf->certificate));
    QVERIFY(writeFile(QStringLiteral("interleaf.key"), leaf->key));
    const std::optional<QList<CertificateInfo>> interInfo = parseCertificates(inter->certificate);
    QVERIFY(interInfo && !interInfo->isEmpty());
    const QString expiredOn =
        interInfo->first().notAfter.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));

    SServer server(sServerCert(m_dir.filePath(QStringLiteral("interleaf.pem")),
                               m_dir.filePath(QStringLiteral("interleaf.key"))) +
                   QStringList{QStringLiteral("-cert_chain"), m_dir.filePath(QStringLiteral("inter.pem"))});
    QVERIFY(server.port() != 0);
    Workbench wb;
    const EndpointId client =
        wb.connectTcp(QStringLiteral("localhost"), server.port(), withTls(trusting(*m_certs)));
    const QString reason = waitFailure(wb, client);
    QVERIFY2(reason.startsWith(QStringLiteral("certificate expired on ") + expiredOn), qPrintable(reason));
    QVERIFY2(reason.contains(QStringLiteral("CN=Sockbench Expired Intermediate")), qPrintable(reason));
    QVERIFY(wb.info(client).tls && wb.info(client).tls->verificationFailed);
}

void TestTls::insecureStillShowsTheVerification() {
    SServer server(sServerCert(m_certs->selfSigned, m_certs->selfSignedKey));
    QVERIFY(server.port() != 0);
    Workbench wb;
    TlsClientOptions tls;
    tls.verify = TlsVerify::None;
    const EndpointId client = wb.connectTcp(QStringLiteral("localhost"), server.port(), withTls(tls));
    QVERIFY2(waitConnected(wb, client), qPrintable(wb.info(client).error));
    const TlsInfo info = *wb.info(client).tls;
    QVERIFY(info.insecure);
    QVERIFY(!info.verified);
    QCOMPARE(info.verification, QStringLiteral("certificate verify failed: self-signed certificate"));
    QCOMPARE(info.serverName, QStringLiteral("localhost"));
}

void TestTls::alpnIsChosen() {
    SServer server(sServerCert(m_certs->leaf, m_certs->leafKey) +
                   QStringList{QStringLiteral("-alpn"), QStringLiteral("http/1.1,h2")});
    QVERIFY(server.port() != 0);
    Workbench wb;
    TlsClientOptions tls = trusting(*m_certs);
    tls.alpn = {QStringLiteral("h2"), QStringLiteral("http/1.1")};
    const EndpointId client = wb.connectTcp(QStringLiteral("127.0.0.1"), server.port(), withTls(tls));
    QVERIFY2(waitConnected(wb, client), qPrintable(wb.info(client).error));
    // s_server takes the client's order
    QVERIFY(!wb.info(client).tls->alpn.isEmpty());
    QVERIFY2(eventsOf(wb.journal(), client).contains(QStringLiteral(", ALPN ") + wb.info(client).tls->alpn),
             qPrintable(eventsOf(wb.journal(), client)));

    // Our listener chooses by its own preference.
    Workbench wb2;
    TlsServerOptions serverTls = serving(*m_certs);
    serverTls.alpn = {QStringLiteral("http/1.1"), QStringLiteral("h2")};
    EndpointId listener = 0;
    const NetAddress at = startListener(wb2, &listener, QStringLiteral("127.0.0.1"), tlsListener(serverTls));
    QVERIFY(at.isValid());
    const EndpointId ours = wb2.connectTcp(at.ip, at.port, withTls(tls));
    QVERIFY2(waitConnected(wb2, ours), qPrintable(wb2.info(ours).error));
    QCOMPARE(wb2.info(ours).tls->alpn, QStringLiteral("http/1.1"));
}

void TestTls::clientCertificateRequiredThenGiven() {
    const QStringList args =
        sServerCert(m_certs->leaf, m_certs->leafKey) +
        QStringList{QStringLiteral("-Verify"), QStringLiteral("1"), QStringLiteral("-CAfile"), m_certs->ca};
    {
        // TLS 1.3: the refusal comes after our side of the handshake is done; it is still a
        // failed connect, never a connection that fails at once.
        SServer server(args);
        QVERIFY(server.port() != 0);
        Workbench wb;
        QSignalSpy connected(&wb, &Workbench::connected);
        QSignalSpy connectFailed(&wb, &Workbench::connectFailed);
        const EndpointId client =
            wb.connectTcp(QStringLiteral("127.0.0.1"), server.port(), withTls(trusting(*m_certs)));
        const QString reason = waitFailure(wb, client);
        QCOMPARE(reason, QStringLiteral("the server requires a client certificate"));
        QCOMPARE(connected.count(), 0);
        QCOMPARE(connectFailed.count(), 1);
    }
    {
        SServer server(args + QStringList{QStringLiteral("-tls1_2")});
        QVERIFY(server.port() != 0);
        Workbench wb;
        const EndpointId client =
            wb.connectTcp(QStringLiteral("127.0.0.1"), server.port(), withTls(trusting(*m_certs)));
        QCOMPARE(waitFailure(wb, client), QStringLiteral("the server requires a client certificate"));
    }
    SServer server(args);
    QVERIFY(server.port() != 0);
    Workbench wb;
    TlsClientOptions tls = trusting(*m_certs);
    tls.certificateFile = m_certs->client;
    tls.keyFile = m_certs->clientKey;
    const EndpointId client = wb.connectTcp(QStringLiteral("127.0.0.1"), server.port(), withTls(tls));
    QVERIFY2(waitConnected(wb, client), qPrintable(wb.info(client).error));
    QCOMPARE(wb.info(client).tls->localCertificate.value(0).subject,
             QStringLiteral("CN=Sockbench test client"));
    QVERIFY(wb.send(client, "hello with a certificate\n"));
    QTRY_VERIFY_WITH_TIMEOUT(server.output().contains("hello with a certificate\n"), WaitMs);
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Connected));
}

void TestTls::listenerEchoesAndGreetsSClient() {
    Workbench wb;
    QSignalSpy tlsChanged(&wb, &Workbench::tlsChanged);
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"),
                                        tlsListener(serving(*m_certs), AutoReply::Echo));
    QVERIFY(at.isValid());
    QTRY_VERIFY(wb.info(listener).tls.has_value());
    QCOMPARE(toString(wb.info(listener).tls->phase), toString(TlsInfo::Phase::Serving));
    QCOMPARE(wb.info(listener).tls->localCertificate.value(0).subject, QStringLiteral("CN=localhost"));
    {
        SClient client(at.port,
                       {QStringLiteral("-CAfile"), m_certs->ca, QStringLiteral("-verify_return_error"),
                        QStringLiteral("-servername"), QStringLiteral("localhost")});
        const QByteArray line = "echo me over TLS " + pattern(500, 3).toHex() + "\n";
        client.write(line);
        QTRY_COMPARE_WITH_TIMEOUT(client.output(), line, WaitMs);
        QTRY_COMPARE(accepted.count(), 1);
        const EndpointId server = accepted.first().at(0).value<EndpointId>();
        QCOMPARE(wb.info(server).tls->serverName, QStringLiteral("localhost"));
        QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), line);
        QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataOut), line);
    }
    wb.stopListener(listener);

    EndpointId greeter = 0;
    const NetAddress at2 =
        startListener(wb, &greeter, QStringLiteral("127.0.0.1"),
                      tlsListener(serving(*m_certs), AutoReply::Greeting, "220 hello over TLS\r\n"));
    QVERIFY(at2.isValid());
    SClient client(at2.port,
                   {QStringLiteral("-CAfile"), m_certs->ca, QStringLiteral("-verify_return_error")});
    QTRY_COMPARE_WITH_TIMEOUT(client.output(), QByteArray("220 hello over TLS\r\n"), WaitMs);
}

void TestTls::selfSignedCertificateIsReused() {
    QTemporaryDir config;
    TlsServerOptions tls;
    tls.selfSignedDirectory = config.filePath(QStringLiteral("tls"));
    QByteArray first;
    for (int round = 0; round < 2; ++round) {
        Workbench wb;
        EndpointId listener = 0;
        const NetAddress at =
            startListener(wb, &listener, QStringLiteral("127.0.0.1"), tlsListener(tls, AutoReply::Echo));
        QVERIFY2(at.isValid(), qPrintable(wb.info(listener).error));
        QTRY_VERIFY(wb.info(listener).tls.has_value());
        const TlsInfo info = *wb.info(listener).tls;
        QVERIFY(!info.selfSignedPath.isEmpty());
        QCOMPARE(QFileInfo(info.selfSignedPath).permissions() & (QFile::ReadGroup | QFile::ReadOther),
                 QFile::Permissions());
        QVERIFY(info.localCertificate.value(0).selfSigned);
        const QByteArray fingerprint = info.localCertificate.value(0).sha256;
        QCOMPARE(fingerprint.size(), 32);
        if (round == 0)
            first = fingerprint;
        else
            QCOMPARE(fingerprint, first);
        QVERIFY(eventsOf(wb.journal(), listener).contains(formatFingerprint(fingerprint)));
        // It is what clients get, and it verifies against itself for 127.0.0.1.
        SClient client(at.port, {QStringLiteral("-CAfile"), info.selfSignedPath,
                                 QStringLiteral("-verify_return_error")});
        client.write("self-signed\n");
        QTRY_COMPARE_WITH_TIMEOUT(client.output(), QByteArray("self-signed\n"), WaitMs);
    }
}

void TestTls::listenerRequiresClientCertificate() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    TlsServerOptions tls = serving(*m_certs);
    tls.clientCert = ClientCertMode::Require;
    tls.clientCaFile = m_certs->ca;
    EndpointId listener = 0;
    const NetAddress at =
        startListener(wb, &listener, QStringLiteral("127.0.0.1"), tlsListener(tls, AutoReply::Echo));
    QVERIFY(at.isValid());
    {
        SClient refused(at.port, {QStringLiteral("-CAfile"), m_certs->ca});
        refused.write("no certificate\n");
        QTRY_COMPARE_WITH_TIMEOUT(accepted.count(), 1, WaitMs);
        const EndpointId server = accepted.first().at(0).value<EndpointId>();
        QCOMPARE(waitFailure(wb, server),
                 QStringLiteral("the client sent no certificate, and this listener requires one"));
        QCOMPARE(toString(wb.info(server).tls->phase), toString(TlsInfo::Phase::Failed));
        QVERIFY(streamOf(wb.journal(), server, RecordKind::DataIn).isEmpty());
    }
    SClient given(at.port, {QStringLiteral("-CAfile"), m_certs->ca, QStringLiteral("-cert"), m_certs->client,
                            QStringLiteral("-key"), m_certs->clientKey});
    given.write("with a certificate\n");
    QTRY_COMPARE_WITH_TIMEOUT(given.output(), QByteArray("with a certificate\n"), WaitMs);
    QCOMPARE(accepted.count(), 2);
    const EndpointId server = accepted.at(1).at(0).value<EndpointId>();
    QCOMPARE(wb.info(server).tls->peerChain.value(0).subject, QStringLiteral("CN=Sockbench test client"));
    QCOMPARE(wb.info(server).tls->verification, QStringLiteral("ok"));
}

void TestTls::listenerRequestsClientCertificate() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    TlsServerOptions tls = serving(*m_certs);
    tls.clientCert = ClientCertMode::Request;
    tls.clientCaFile = m_certs->ca;
    EndpointId listener = 0;
    const NetAddress at =
        startListener(wb, &listener, QStringLiteral("127.0.0.1"), tlsListener(tls, AutoReply::Echo));
    QVERIFY(at.isValid());
    {
        // Without a certificate: served all the same, and the journal says so.
        SClient client(at.port, {QStringLiteral("-CAfile"), m_certs->ca});
        client.write("anonymous\n");
        QTRY_COMPARE_WITH_TIMEOUT(client.output(), QByteArray("anonymous\n"), WaitMs);
        const EndpointId server = accepted.first().at(0).value<EndpointId>();
        QCOMPARE(wb.info(server).tls->verification, QStringLiteral("the client sent no certificate"));
        QVERIFY(!wb.info(server).tls->verified);
    }
    // A certificate that does not verify (self-signed): served, and named.
    SClient client(at.port, {QStringLiteral("-CAfile"), m_certs->ca, QStringLiteral("-cert"),
                             m_certs->selfSigned, QStringLiteral("-key"), m_certs->selfSignedKey});
    client.write("self-made\n");
    QTRY_COMPARE_WITH_TIMEOUT(client.output(), QByteArray("self-made\n"), WaitMs);
    QCOMPARE(accepted.count(), 2);
    const EndpointId server = accepted.at(1).at(0).value<EndpointId>();
    QVERIFY2(wb.info(server).tls->verification.startsWith(QStringLiteral("certificate verify failed")),
             qPrintable(wb.info(server).tls->verification));
    QVERIFY2(eventsOf(wb.journal(), server).contains(QStringLiteral("only requests client certificates")),
             qPrintable(eventsOf(wb.journal(), server)));
}

void TestTls::badCertificateFailsTheListener() {
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::listenerFailed);
    TlsServerOptions tls;
    tls.certificateFile = m_dir.filePath(QStringLiteral("missing.pem"));
    const EndpointId listener = wb.startTcpListener(QStringLiteral("127.0.0.1"), 0, tlsListener(tls));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, WaitMs);
    QVERIFY2(wb.info(listener).error.contains(QStringLiteral("missing.pem")),
             qPrintable(wb.info(listener).error));

    TlsServerOptions mismatched;
    mismatched.certificateFile = m_certs->leaf;
    mismatched.keyFile = m_certs->clientKey;
    const EndpointId second = wb.startTcpListener(QStringLiteral("127.0.0.1"), 0, tlsListener(mismatched));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, WaitMs);
    QVERIFY2(wb.info(second).error.contains(QStringLiteral("does not belong")),
             qPrintable(wb.info(second).error));
}

void TestTls::plaintextServerMetByTls() {
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    Workbench wb;
    const EndpointId client =
        wb.connectTcp(rawListener->local().ip, rawListener->local().port, withTls(trusting(*m_certs)));
    auto raw = rawListener->accept();
    QVERIFY(raw);
    QVERIFY(raw->sendAll("220 smtp.example ESMTP ready\r\n"));
    QCOMPARE(waitFailure(wb, client), QStringLiteral("the peer answered in plain text, not TLS"));
    QCOMPARE(wb.info(client).tls->failure, QStringLiteral("the peer answered in plain text, not TLS"));
    QCOMPARE(streamOf(wb.journal(), client, RecordKind::DataIn),
             QByteArray("220 smtp.example ESMTP ready\r\n"));
}

void TestTls::tlsClientOnPlaintextListener() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    SClient client(at.port, {});
    QTRY_COMPARE_WITH_TIMEOUT(accepted.count(), 1, WaitMs);
    const EndpointId server = accepted.first().at(0).value<EndpointId>();
    QTRY_VERIFY_WITH_TIMEOUT(
        eventsOf(wb.journal(), server).contains(QStringLiteral("this looks like a TLS ClientHello")), WaitMs);
    QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataIn).left(1), QByteArray("\x16"));
}

void TestTls::startTlsAfterPlaintext() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QTemporaryDir config;
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client);
    QTRY_COMPARE(accepted.count(), 1);
    const EndpointId server = accepted.first().at(0).value<EndpointId>();
    QVERIFY(wb.send(client, "STARTTLS\r\n"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("STARTTLS\r\n"));

    TlsServerOptions serverTls = serving(*m_certs);
    // The reply in plain text is queued before the upgrade, and goes out first.
    QVERIFY(wb.send(server, "220 go ahead\r\n"));
    QVERIFY(wb.startTlsServer(server, serverTls));
    QTRY_COMPARE(stateOf(wb, server), stateName(EndpointState::Handshaking));
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), QByteArray("220 go ahead\r\n"));
    TlsClientOptions clientTls = trusting(*m_certs);
    clientTls.serverName = QStringLiteral("localhost");
    QSignalSpy connected(&wb, &Workbench::connected);
    QVERIFY(wb.startTls(client, clientTls));
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(wb, client), stateName(EndpointState::Connected), WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(wb, server), stateName(EndpointState::Connected), WaitMs);
    QVERIFY(wb.info(client).tls->startTls);
    QCOMPARE(toString(wb.info(client).tls->phase), toString(TlsInfo::Phase::Established));
    QVERIFY(wb.info(server).tls->startTls);
    QCOMPARE(wb.info(server).tls->serverName, QStringLiteral("localhost"));
    QCOMPARE(connected.count(), 0); // it connected long ago

    QVERIFY(wb.send(client, "EHLO secret\r\n"));
    QVERIFY(wb.send(server, "250 secret ok\r\n"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn),
                 QByteArray("STARTTLS\r\nEHLO secret\r\n"));
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn),
                 QByteArray("220 go ahead\r\n250 secret ok\r\n"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataOut),
                 QByteArray("220 go ahead\r\n250 secret ok\r\n"));
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataOut),
                 QByteArray("STARTTLS\r\nEHLO secret\r\n"));

    // Once is enough.
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    QVERIFY(!wb.startTls(client, clientTls));
    QCOMPARE(sendFailed.count(), 1);
}

void TestTls::startTlsClientFirst() {
    // The client starts TLS before the server does: its ClientHello arrives as plaintext (and is
    // named), and the server's Start TLS takes it up instead of waiting for another.
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client);
    QTRY_COMPARE(accepted.count(), 1);
    const EndpointId server = accepted.first().at(0).value<EndpointId>();
    QVERIFY(wb.send(client, "STARTTLS\r\n"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("STARTTLS\r\n"));
    TlsClientOptions clientTls = trusting(*m_certs);
    clientTls.serverName = QStringLiteral("localhost");
    QVERIFY(wb.startTls(client, clientTls));
    QTRY_VERIFY_WITH_TIMEOUT(
        eventsOf(wb.journal(), server).contains(QStringLiteral("this looks like a TLS ClientHello")), WaitMs);
    QVERIFY(wb.startTlsServer(server, serving(*m_certs)));
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(wb, client), stateName(EndpointState::Connected), WaitMs);
    // The server was Connected (in plain text) before its Start TLS: wait for its session, not its state.
    QTRY_COMPARE_WITH_TIMEOUT(wb.info(server).tls ? toString(wb.info(server).tls->phase) : QString(),
                              toString(TlsInfo::Phase::Established), WaitMs);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Connected));
    QVERIFY(wb.send(client, "secret\n"));
    QTRY_VERIFY(streamOf(wb.journal(), server, RecordKind::DataIn).endsWith("secret\n"));
}

void TestTls::startTlsIsRefusedWhereItCannot() {
    Workbench wb;
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    QVERIFY(!wb.startTls(listener, {}));
    QVERIFY(!wb.startTlsServer(12345678, {}));
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client);
    wb.close(client);
    QTRY_VERIFY(isFinal(wb.info(client).state));
    QVERIFY(!wb.startTls(client, {}));
    QCOMPARE(sendFailed.count(), 3);
}

void TestTls::closeNotifyAndBareClose() {
    // Ours to ours: close_notify both ways.
    {
        Workbench wb;
        QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
        EndpointId listener = 0;
        const NetAddress at =
            startListener(wb, &listener, QStringLiteral("127.0.0.1"), tlsListener(serving(*m_certs)));
        QVERIFY(at.isValid());
        const EndpointId client = wb.connectTcp(at.ip, at.port, withTls(trusting(*m_certs)));
        QVERIFY2(waitConnected(wb, client), qPrintable(wb.info(client).error));
        QTRY_COMPARE(accepted.count(), 1);
        const EndpointId server = accepted.first().at(0).value<EndpointId>();
        QTRY_COMPARE(stateOf(wb, server), stateName(EndpointState::Connected));
        wb.close(client);
        QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb.info(server).state), WaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb.info(client).state), WaitMs);
        QCOMPARE(stateOf(wb, server), stateName(EndpointState::Closed));
        QVERIFY(eventsOf(wb.journal(), client).contains(QStringLiteral("TLS close_notify sent")));
        const QString events = eventsOf(wb.journal(), server);
        QVERIFY2(events.contains(QStringLiteral("TLS close_notify received")), qPrintable(events));
        QVERIFY2(!events.contains(QStringLiteral("possible truncation")), qPrintable(events));
    }
    // A peer killed outright: FIN, no close_notify.
    SServer server(sServerCert(m_certs->leaf, m_certs->leafKey));
    QVERIFY(server.port() != 0);
    Workbench wb;
    const EndpointId client =
        wb.connectTcp(QStringLiteral("127.0.0.1"), server.port(), withTls(trusting(*m_certs)));
    QVERIFY2(waitConnected(wb, client), qPrintable(wb.info(client).error));
    server.kill();
    QTRY_VERIFY_WITH_TIMEOUT(
        eventsOf(wb.journal(), client)
            .contains(QStringLiteral("TCP closed without TLS close_notify (possible truncation)")),
        WaitMs);
    QVERIFY(!eventsOf(wb.journal(), client).contains(QStringLiteral("TLS close_notify received")));
}

void TestTls::peerWaitingForOurCloseNotify() {
    // Python's unwrap() sends close_notify and waits for ours before it closes the socket: an echo
    // listener, which closes after its peer, must answer the close_notify alone.
    Workbench wb;
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"),
                                        tlsListener(serving(*m_certs), AutoReply::Echo));
    QVERIFY(at.isValid());
    const QString script = QStringLiteral("import socket, ssl, sys\n"
                                          "ctx = ssl.create_default_context(cafile=sys.argv[1])\n"
                                          "s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', "
                                          "int(sys.argv[2]))), server_hostname='localhost')\n"
                                          "s.settimeout(10)\n"
                                          "s.sendall(b'unwrap me')\n"
                                          "got = b''\n"
                                          "while len(got) < 9: got += s.recv(100)\n"
                                          "s.unwrap()\n"
                                          "print(got.decode(), 'unwrapped')\n");
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral("python3"),
                 {QStringLiteral("-c"), script, m_certs->ca, QString::number(at.port)});
    QVERIFY(python.waitForFinished(WaitMs));
    QCOMPARE(python.readAll().trimmed(), QByteArray("unwrap me unwrapped"));
    QCOMPARE(python.exitCode(), 0);
}

void TestTls::resetDuringHandshake() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at =
        startListener(wb, &listener, QStringLiteral("127.0.0.1"), tlsListener(serving(*m_certs)));
    QVERIFY(at.isValid());
    auto raw = LoopbackPeer::connectTcp(at);
    QVERIFY(raw);
    QTRY_COMPARE(accepted.count(), 1);
    const EndpointId server = accepted.first().at(0).value<EndpointId>();
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Handshaking));
    // The start of a ClientHello record, then a reset.
    QVERIFY(raw->sendAll(QByteArray::fromHex("160301020001")));
    QTRY_VERIFY(streamOf(wb.journal(), server, RecordKind::DataIn).isEmpty()); // nothing in plain text
    raw->setLingerZero();
    raw->closeNow();
    QCOMPARE(waitFailure(wb, server),
             QStringLiteral("the peer reset the connection during the TLS handshake"));
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Failed));
    QCOMPARE(toString(wb.info(server).tls->phase), toString(TlsInfo::Phase::Failed));
}

void TestTls::serverResetsDuringHandshake() {
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    Workbench wb;
    QSignalSpy connectFailed(&wb, &Workbench::connectFailed);
    const EndpointId client =
        wb.connectTcp(rawListener->local().ip, rawListener->local().port, withTls(trusting(*m_certs)));
    auto raw = rawListener->accept();
    QVERIFY(raw);
    QCOMPARE(raw->readExactly(5).left(1), QByteArray("\x16")); // the ClientHello's record header
    raw->setLingerZero();
    raw->closeNow();
    QCOMPARE(waitFailure(wb, client),
             QStringLiteral("the peer reset the connection during the TLS handshake"));
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Failed));
    QCOMPARE(connectFailed.count(), 1);
}

void TestTls::handshakeTimesOut() {
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    Workbench wb;
    TlsClientOptions tls = trusting(*m_certs);
    tls.handshakeTimeoutMs = 300;
    const EndpointId client = wb.connectTcp(rawListener->local().ip, rawListener->local().port, withTls(tls));
    auto raw = rawListener->accept();
    QVERIFY(raw);
    QCOMPARE(waitFailure(wb, client), QStringLiteral("handshake timed out"));
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Failed));
}

void TestTls::peerClosesDuringHandshake() {
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::connectFailed);
    const EndpointId client =
        wb.connectTcp(rawListener->local().ip, rawListener->local().port, withTls(trusting(*m_certs)));
    auto raw = rawListener->accept();
    QVERIFY(raw);
    raw->shutdownWrite();
    QCOMPARE(waitFailure(wb, client),
             QStringLiteral("the peer closed the connection during the TLS handshake"));
    QCOMPARE(failed.count(), 1);
}

void TestTls::closedDuringHandshake() {
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    Workbench wb;
    const EndpointId client =
        wb.connectTcp(rawListener->local().ip, rawListener->local().port, withTls(trusting(*m_certs)));
    auto raw = rawListener->accept();
    QVERIFY(raw);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(wb, client), stateName(EndpointState::Handshaking), WaitMs);
    wb.close(client);
    // The ClientHello, then our FIN: the close is a close, not a failed handshake.
    QByteArray hello;
    QCOMPARE(raw->readToEnd(&hello), StreamEnd::Eof);
    QCOMPARE(hello.left(1), QByteArray("\x16"));
    raw->closeNow();
    QTRY_VERIFY2_WITH_TIMEOUT(isFinal(wb.info(client).state), qPrintable(eventsOf(wb.journal(), client)),
                              WaitMs);
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Closed));
}

void TestTls::dataSentDuringHandshakeCountsAsQueued() {
    // A raw listener that never answers: the handshake does not complete, and what the user sent
    // meanwhile waits in the transform. It is queued (back-pressure, the queued column) all the same.
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    Workbench wb;
    const EndpointId client =
        wb.connectTcp(rawListener->local().ip, rawListener->local().port, withTls(trusting(*m_certs)));
    auto raw = rawListener->accept();
    QVERIFY(raw);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(wb, client), stateName(EndpointState::Handshaking), WaitMs);
    constexpr qsizetype Early = 100000;
    QVERIFY(wb.send(client, pattern(Early, 3)));
    QTRY_VERIFY_WITH_TIMEOUT(wb.info(client).queuedBytes >= quint64(Early), WaitMs);
}

void TestTls::halfClosedDuringHandshake() {
    // shutdownWrite() while the handshake runs: the data sent before it, then close_notify, then
    // the FIN, once the handshake is done.
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    ListenerOptions options = tlsListener(serving(*m_certs));
    options.keepHalfOpen = true;
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"), options);
    QVERIFY(at.isValid());
    const EndpointId client = wb.connectTcp(at.ip, at.port, withTls(trusting(*m_certs)));
    QVERIFY(wb.send(client, "last words"));
    wb.shutdownWrite(client);
    QTRY_COMPARE_WITH_TIMEOUT(accepted.count(), 1, WaitMs);
    const EndpointId server = accepted.first().at(0).value<EndpointId>();
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(wb, server), stateName(EndpointState::PeerClosed), WaitMs);
    QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("last words"));
    const QString events = eventsOf(wb.journal(), server);
    QVERIFY2(events.contains(QStringLiteral("TLS close_notify received")), qPrintable(events));
    QVERIFY2(!events.contains(QStringLiteral("possible truncation")), qPrintable(events));
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Connected));
}

void TestTls::noProtocolInCommon() {
    SServer server(sServerCert(m_certs->leaf, m_certs->leafKey) + QStringList{QStringLiteral("-tls1_2")});
    QVERIFY(server.port() != 0);
    Workbench wb;
    TlsClientOptions tls = trusting(*m_certs);
    tls.minVersion = TlsMinVersion::Tls1_3;
    const EndpointId client = wb.connectTcp(QStringLiteral("127.0.0.1"), server.port(), withTls(tls));
    QCOMPARE(waitFailure(wb, client), QStringLiteral("no protocol version or cipher in common"));
}

void TestTls::serverRenegotiationIsRefused() {
    // s_server asks for a renegotiation when a line "r" arrives on its stdin (TLS 1.2 only).
    SServer server(sServerCert(m_certs->leaf, m_certs->leafKey) + QStringList{QStringLiteral("-tls1_2")});
    QVERIFY(server.port() != 0);
    Workbench wb;
    const EndpointId client =
        wb.connectTcp(QStringLiteral("127.0.0.1"), server.port(), withTls(trusting(*m_certs)));
    QVERIFY2(waitConnected(wb, client), qPrintable(wb.info(client).error));
    QVERIFY(wb.send(client, "before\n"));
    QTRY_VERIFY_WITH_TIMEOUT(server.output().contains("before\n"), WaitMs);
    server.write("r\n");
    // Refused: OpenSSL's s_server answers our no_renegotiation alert with a fatal alert. The words
    // say so; they are never a bare OpenSSL code nor a handshake's failure.
    const QString error = waitFailure(wb, client);
    QVERIFY2(error.startsWith(QStringLiteral("TLS failed: the peer asked to renegotiate, which this "
                                             "workbench refuses")),
             qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("OpenSSL error")), qPrintable(error));
    QVERIFY(wb.info(client).tls);
    QCOMPARE(wb.info(client).tls->failure, error);
}

void TestTls::bulk64MiB() {
    WorkbenchConfig config;
    config.journalBudgetBytes = 200LL * 1024 * 1024;
    Workbench wb(config);
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at =
        startListener(wb, &listener, QStringLiteral("127.0.0.1"), tlsListener(serving(*m_certs)));
    QVERIFY(at.isValid());
    const EndpointId client = wb.connectTcp(at.ip, at.port, withTls(trusting(*m_certs)));
    QVERIFY2(waitConnected(wb, client), qPrintable(wb.info(client).error));
    QTRY_COMPARE(accepted.count(), 1);
    const EndpointId server = accepted.first().at(0).value<EndpointId>();
    const QByteArray bytes = pattern(64 * 1024 * 1024, 11);
    QElapsedTimer timer;
    timer.start();
    for (qsizetype offset = 0; offset < bytes.size(); offset += 4 * 1024 * 1024)
        QVERIFY(wb.send(client, bytes.mid(offset, 4 * 1024 * 1024)));
    const auto received = [&] {
        quint64 total = 0;
        for (const Record &r : recordsOf(wb.journal(), server, RecordKind::DataIn))
            total += quint64(r.payload.size());
        return total;
    };
    QTRY_COMPARE_WITH_TIMEOUT(received(), quint64(bytes.size()), 60000);
    qInfo("64 MiB over TLS in %lld ms", qint64(timer.elapsed()));
    QCOMPARE(sha256(streamOf(wb.journal(), server, RecordKind::DataIn)), sha256(bytes));
    QTRY_COMPARE(sha256(streamOf(wb.journal(), client, RecordKind::DataOut)), sha256(bytes));
}

void TestTls::thousandConnections() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at =
        startListener(wb, &listener, QStringLiteral("127.0.0.1"), tlsListener(serving(*m_certs)));
    QVERIFY(at.isValid());
    TlsClientOptions tls = trusting(*m_certs);
    QElapsedTimer timer;
    timer.start();
    constexpr int Total = 1000;
    constexpr int Batch = 100;
    QList<EndpointId> clients;
    for (int done = 0; done < Total; done += Batch) {
        QList<EndpointId> batch;
        for (int i = 0; i < Batch; ++i)
            batch.append(wb.connectTcp(at.ip, at.port, withTls(tls)));
        for (const EndpointId id : batch)
            QVERIFY2(waitConnected(wb, id), qPrintable(wb.info(id).error));
        for (const EndpointId id : batch)
            wb.close(id);
        clients += batch;
    }
    QTRY_COMPARE_WITH_TIMEOUT(accepted.count(), Total, WaitMs);
    for (const EndpointId id : std::as_const(clients))
        QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb.info(id).state), WaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(wb.clientsOf(listener).isEmpty(), WaitMs);
    int clean = 0;
    for (const EndpointId id : wb.connectionsOf(listener)) {
        const EndpointInfo info = wb.info(id);
        clean += info.state == EndpointState::Closed && info.tls && info.tls->phase == TlsInfo::Phase::Closed
                     ? 1
                     : 0;
    }
    QCOMPARE(clean, Total);
    qInfo("1,000 TLS connections in %lld ms", qint64(timer.elapsed()));
}

SOCKBENCH_TEST_MAIN(TestTls)
void TestTls::clientContextsAreShared() {
    // The same options give the same SSL_CTX (the CA bundle is parsed once, not per connect);
    // other options, or a CA file that changed, give another.
    const QString caCopy = m_dir.filePath(QStringLiteral("ca-copy.pem"));
    QFile::remove(caCopy);
    QVERIFY(QFile::copy(m_certs->ca, caCopy));
    TlsClientOptions options = trusting(*m_certs);
    options.caFile = caCopy;
    QString error;
    const std::optional<TlsContext> first = TlsContext::forClient(options, &error);
    QVERIFY2(first, qPrintable(error));
    const std::optional<TlsContext> again = TlsContext::forClient(options, &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(again->get(), first->get());
    TlsClientOptions withAlpn = options;
    withAlpn.alpn = {QStringLiteral("h2")};
    const std::optional<TlsContext> other = TlsContext::forClient(withAlpn, &error);
    QVERIFY2(other, qPrintable(error));
    QVERIFY(other->get() != first->get());
    {
        QFile file(caCopy);
        QVERIFY(file.open(QIODevice::Append));
        QVERIFY(file.write("\n") == 1); // another size: read again
    }
    const std::optional<TlsContext> changed = TlsContext::forClient(options, &error);
    QVERIFY2(changed, qPrintable(error));
    QVERIFY(changed->get() != first->get());
}

#include "tst_tls.moc"
