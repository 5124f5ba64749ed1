// The command line's TLS (connect --tls, listen --tls) with the real binary against Debian's own
// TLS peers, openssl s_server and openssl s_client, on loopback. The certificates are made fresh
// by the test (testcerts.h): a CA, a leaf for localhost/127.0.0.1/::1, an expired one, one for the
// wrong name, a self-signed one and a client certificate.

#include "clirun.h"
#include "opensslprocess.h"
#include "testcerts.h"

#include <QFile>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

constexpr int TimeoutMs = sockbench::test::CliTimeoutMs;
using sockbench::test::Cli;
using sockbench::test::TestCertificates;

using OpenSsl = sockbench::test::OpenSslProcess;

/// s_server on 127.0.0.1, port 0, for one connection, with this certificate.
QStringList sServer(const QString &certificate, const QString &key, const QStringList &extra = {}) {
    return QStringList{"s_server", "-accept",   "127.0.0.1:0", "-naccept", "1",
                       "-cert",    certificate, "-key",        key} +
           extra;
}

/// s_client to 127.0.0.1:port that only passes data (-quiet), ends at the end of its input
/// (-no_ign_eof) and refuses a server that does not verify against caFile.
QStringList sClient(quint16 port, const QString &caFile, const QStringList &extra = {}) {
    return QStringList{"s_client",   "-connect",  QStringLiteral("127.0.0.1:%1").arg(port),
                       "-CAfile",    caFile,      "-verify_return_error",
                       "-verify_ip", "127.0.0.1", "-quiet",
                       "-no_ign_eof"} +
           extra;
}

QString target(quint16 port) {
    return QStringLiteral("127.0.0.1:%1").arg(port);
}

/// The stderr line that starts with prefix, or empty.
QByteArray lineStarting(const Cli &cli, const QByteArray &prefix) {
    for (const QByteArray &line : cli.errLines()) {
        if (line.startsWith(prefix))
            return line;
    }
    return {};
}

/// "AB:CD:…" as openssl x509 -fingerprint -sha256 computes it for the first certificate in file.
QByteArray opensslFingerprint(const QString &file) {
    QProcess x509;
    x509.start(QStringLiteral("openssl"), {"x509", "-in", file, "-noout", "-fingerprint", "-sha256"});
    if (!x509.waitForFinished(TimeoutMs) || x509.exitCode() != 0)
        return {};
    // "sha256 Fingerprint=AB:CD:…" (the label's case differs between OpenSSL versions).
    const QByteArray line = x509.readAllStandardOutput().trimmed();
    return line.mid(line.indexOf('=') + 1).toUpper();
}

/// Every byte value, several times: what the client sends must arrive exactly.
QByteArray binaryPayload() {
    QByteArray bytes;
    for (int round = 0; round < 16; ++round) {
        for (int b = 0; b < 256; ++b)
            bytes.append(char((b + round) & 0xff));
    }
    return bytes;
}

} // namespace

class TestCliTls final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void connectDataBothWays();
    void connectFailsInWords_data();
    void connectFailsInWords();
    void connectInsecureWarns();
    void connectAlpn();
    void connectSniNamesTheCertificate();
    void connectMinimumVersion_data();
    void connectMinimumVersion();
    void connectClientCertificate_data();
    void connectClientCertificate();
    void connectToPlainTextServer();
    void listenSelfSignedEchoAndFingerprint();
    void listenWithCertificateGreets();
    void listenRequiresClientCertificate();
    void echoRepeatAndStdinBetweenTwoSockbenches();
    void plainListenerHintsAtClientHello();
    void argumentErrorsExitTwo_data();
    void argumentErrorsExitTwo();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TestCertificates> m_certs;
};

void TestCliTls::initTestCase() {
    QVERIFY(!qEnvironmentVariableIsEmpty("SOCKBENCH_BINARY"));
    QVERIFY(m_dir.isValid());
    m_certs = std::make_unique<TestCertificates>(m_dir.path());
    QVERIFY2(m_certs->ok(), qPrintable(m_certs->error()));
    QProcess version;
    version.start(QStringLiteral("openssl"), {"version"});
    QVERIFY2(version.waitForFinished(TimeoutMs) && version.exitCode() == 0, "openssl(1) is needed");
}

void TestCliTls::connectDataBothWays() {
    OpenSsl server(sServer(m_certs->leaf, m_certs->leafKey));
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log());

    Cli cli({"connect", "--tls", "--ca", m_certs->ca, "--stats", target(port)});
    QVERIFY(cli.started());
    // One line once the handshake is done, before anything is sent.
    QTRY_VERIFY2_WITH_TIMEOUT(!lineStarting(cli, "TLS TLSv1.").isEmpty(), cli.err() + server.log(),
                              TimeoutMs);
    const QByteArray summary = lineStarting(cli, "TLS TLSv1.");
    QVERIFY2(summary.contains(", certificate CN=localhost"), summary);
    QVERIFY2(summary.contains("(issuer CN=Sockbench Test CA"), summary);
    QVERIFY2(summary.endsWith(" verified"), summary);
    QVERIFY(!cli.err().contains("WARNING"));

    const QByteArray toServer = binaryPayload();
    // s_server takes a line typed on its input that starts with a letter such as Q or r for a
    // command: this one starts with a digit.
    const QByteArray toClient("0 from s_server \x01\x7f\xff\r\n", 21);
    cli.write(toServer);
    server.write(toClient);
    QTRY_COMPARE_WITH_TIMEOUT(cli.out(), toClient, TimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(server.out().contains(toServer), server.log(), TimeoutMs);
    // The end of our input ends the session; s_server closes in turn.
    cli.closeInput();
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 0, cli.err());
    QCOMPARE(cli.out(), toClient);

    // --stats counts the plain text, and says what carried it.
    const QJsonObject stats = cli.stats();
    QCOMPARE(stats.value("bytes_out").toInteger(), qint64(toServer.size()));
    QCOMPARE(stats.value("bytes_in").toInteger(), qint64(toClient.size()));
    const QJsonObject tls = stats.value("tls").toObject();
    QVERIFY2(tls.value("protocol").toString().startsWith(u"TLSv1."), cli.errLines().last());
    QVERIFY(!tls.value("cipher").toString().isEmpty());
    QCOMPARE(tls.value("verified").toBool(), true);
    QCOMPARE(tls.value("insecure").toBool(), false);
}

void TestCliTls::connectFailsInWords_data() {
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("trustCa");
    QTest::addColumn<QString>("reason");
    const TestCertificates &c = *m_certs;
    QTest::newRow("issuer not trusted") << c.leaf << c.leafKey << false << "not a trusted CA";
    QTest::newRow("self-signed") << c.selfSigned << c.selfSignedKey << false
                                 << "certificate verify failed: self-signed certificate";
    QTest::newRow("wrong name") << c.wrongName << c.wrongNameKey << true
                                << "hostname mismatch: the certificate is for example.org";
    QTest::newRow("expired") << c.expired << c.expiredKey << true << "certificate expired on";
}

void TestCliTls::connectFailsInWords() {
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(bool, trustCa);
    QFETCH(QString, reason);
    OpenSsl server(sServer(certificate, key));
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log());

    QStringList arguments{"connect", "--tls"};
    if (trustCa)
        arguments << "--ca" << m_certs->ca;
    Cli cli(arguments + QStringList{"--send", "secret\\n", target(port)});
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 1, cli.err());
    // "sockbench: connect 127.0.0.1:PORT: <the reason in words>", and nothing was sent.
    const QByteArray expected = "sockbench: connect " + target(port).toLatin1() + ": ";
    QVERIFY2(cli.err().contains(expected), cli.err());
    QVERIFY2(cli.err().contains(reason.toUtf8()), cli.err());
    QVERIFY(lineStarting(cli, "TLS TLSv1.").isEmpty());
    QVERIFY(!server.out().contains("secret"));
}

void TestCliTls::connectInsecureWarns() {
    OpenSsl server(sServer(m_certs->selfSigned, m_certs->selfSignedKey));
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log());

    Cli cli({"connect", "--tls", "--insecure", "--send", "insecure but sent\\n", target(port)});
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 0, cli.err() + server.log());
    const QByteArray summary = lineStarting(cli, "TLS TLSv1.");
    QVERIFY2(summary.contains(", self-signed certificate CN=localhost"), cli.err());
    QVERIFY2(summary.endsWith(" NOT verified (--insecure)"), cli.err());
    // The warning says that nothing was checked, and what checking would have found.
    const QByteArray warning = lineStarting(cli, "sockbench: WARNING: --insecure");
    QVERIFY2(!warning.isEmpty(), cli.err());
    QVERIFY2(warning.contains("self-signed certificate"), warning);
    QVERIFY2(server.out().contains("insecure but sent\n"), server.log());
}

void TestCliTls::connectAlpn() {
    OpenSsl server(sServer(m_certs->leaf, m_certs->leafKey, {"-alpn", "h2"}));
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log());

    Cli cli({"connect", "--tls", "--ca", m_certs->ca, "--alpn", "x-unknown,h2", "--stats", "--send",
             "alpn\\n", target(port)});
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 0, cli.err() + server.log());
    QVERIFY2(lineStarting(cli, "TLS TLSv1.").contains(", ALPN h2, "), cli.err());
    QCOMPARE(cli.stats().value("tls").toObject().value("alpn").toString(), QStringLiteral("h2"));
}

void TestCliTls::connectSniNamesTheCertificate() {
    // The address is not in the certificate; --sni gives the name it is checked against instead.
    OpenSsl server(sServer(m_certs->wrongName, m_certs->wrongNameKey));
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log());
    Cli cli({"connect", "--tls", "--ca", m_certs->ca, "--sni", "example.org", "--send", "by name\\n",
             target(port)});
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 0, cli.err() + server.log());
    QVERIFY2(lineStarting(cli, "TLS TLSv1.").contains("certificate CN=example.org"), cli.err());
    QVERIFY2(server.out().contains("by name\n"), server.log());
}

void TestCliTls::connectMinimumVersion_data() {
    QTest::addColumn<QString>("minimum");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("1.2 meets a TLS 1.2 server") << "1.2" << 0;
    QTest::newRow("1.3 refuses it") << "1.3" << 1;
}

void TestCliTls::connectMinimumVersion() {
    QFETCH(QString, minimum);
    QFETCH(int, exitCode);
    OpenSsl server(sServer(m_certs->leaf, m_certs->leafKey, {"-tls1_2"}));
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log());
    Cli cli({"connect", "--tls", "--ca", m_certs->ca, "--tls-min", minimum, "--send", "v\\n", target(port)});
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == exitCode, cli.err() + server.log());
    if (exitCode == 0)
        QVERIFY2(!lineStarting(cli, "TLS TLSv1.2 ").isEmpty(), cli.err());
    else
        QVERIFY2(cli.err().contains("no protocol version or cipher in common"), cli.err());
}

void TestCliTls::connectClientCertificate_data() {
    QTest::addColumn<bool>("withCertificate");
    QTest::newRow("given") << true;
    QTest::newRow("missing") << false;
}

void TestCliTls::connectClientCertificate() {
    QFETCH(bool, withCertificate);
    // -Verify: s_server requires a client certificate that verifies against -CAfile.
    OpenSsl server(sServer(m_certs->leaf, m_certs->leafKey, {"-Verify", "1", "-CAfile", m_certs->ca}));
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log());

    QStringList arguments{"connect", "--tls", "--ca", m_certs->ca};
    if (withCertificate)
        arguments << "--cert" << m_certs->client << "--key" << m_certs->clientKey;
    // --wait keeps the connection open until s_server has judged the certificate (TLS 1.3 tells a
    // client that has none only after its own side of the handshake is done); it closes first.
    arguments << "--send"
              << "with a client certificate\\n"
              << "--wait"
              << "10000" << target(port);
    Cli cli(arguments);
    if (withCertificate) {
        QTRY_VERIFY2_WITH_TIMEOUT(server.out().contains("with a client certificate\n"), server.log(),
                                  TimeoutMs);
        cli.terminate();
        CLI_FINISH(cli);
        QVERIFY2(cli.exitCode() == 0, cli.err());
        return;
    }
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 1, cli.err() + server.log());
    QVERIFY2(cli.err().contains("certificate"), cli.err());
    QVERIFY(!server.out().contains("with a client certificate"));
}

void TestCliTls::connectToPlainTextServer() {
    // A plain TCP server that speaks first, as SMTP does: the answer to our ClientHello is no TLS.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QObject::connect(&server, &QTcpServer::newConnection, [&server] {
        while (QTcpSocket *socket = server.nextPendingConnection())
            socket->write("220 plain.example ESMTP ready\r\n");
    });
    Cli cli({"connect", "--tls", "--send", "EHLO x\\r\\n", target(server.serverPort())});
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 1, cli.err());
    QVERIFY2(cli.err().contains("plain text"), cli.err());
}

void TestCliTls::listenSelfSignedEchoAndFingerprint() {
    // The self-signed certificate lives in the user's config directory: a fresh one here.
    QTemporaryDir config;
    QVERIFY(config.isValid());
    QProcessEnvironment env;
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());

    QByteArray firstFingerprint;
    for (int run = 0; run < 2; ++run) {
        Cli cli({"listen", "--tls", "--echo", "127.0.0.1:0"}, env);
        const quint16 port = cli.listeningPort();
        QVERIFY2(port != 0, cli.err());
        QTRY_VERIFY2_WITH_TIMEOUT(cli.errLines().size() >= 3, cli.err(), TimeoutMs);
        // "listening on" first (scripts wait for it), then the certificate and its fingerprint.
        const QList<QByteArray> lines = cli.errLines();
        QVERIFY2(lines.at(0).startsWith("listening on 127.0.0.1:"), cli.err());
        const QByteArray certificateLine = lines.at(1);
        QVERIFY2(certificateLine.startsWith("TLS certificate: self-signed for localhost, 127.0.0.1, ::1 ("),
                 certificateLine);
        QVERIFY(certificateLine.endsWith(')'));
        const QString path =
            QString::fromLocal8Bit(certificateLine.mid(certificateLine.indexOf('(') + 1).chopped(1));
        QVERIFY2(path.startsWith(config.path()), qPrintable(path));
        QVERIFY(QFile::exists(path));
        QCOMPARE(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                             QFileDevice::ReadOther | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
        QVERIFY2(lines.at(2).startsWith("SHA-256 fingerprint: "), cli.err());
        const QByteArray fingerprint = lines.at(2).mid(int(sizeof("SHA-256 fingerprint: ")) - 1);
        QCOMPARE(fingerprint.size(), 32 * 3 - 1);
        QCOMPARE(fingerprint, opensslFingerprint(path));
        if (run == 0)
            firstFingerprint = fingerprint;
        else
            QCOMPARE(fingerprint, firstFingerprint); // made once, then reused

        // A client that trusts exactly that certificate, and echo through it.
        OpenSsl client(sClient(port, path));
        client.write("echo over TLS\n");
        QTRY_COMPARE_WITH_TIMEOUT(client.out(), QByteArray("echo over TLS\n"), TimeoutMs);
        client.closeInput();
        QVERIFY2(client.finish(), client.log());
        QVERIFY2(client.exitCode() == 0, client.log());

        cli.terminate();
        CLI_FINISH(cli);
        QVERIFY2(cli.exitCode() == 0, cli.err());
        QCOMPARE(cli.out(), QByteArray("echo over TLS\n"));
    }
}

void TestCliTls::listenWithCertificateGreets() {
    Cli cli({"listen", "--tls", "--cert", m_certs->leaf, "--key", m_certs->leafKey, "--greet",
             "hello over TLS\\r\\n", "--stats", "127.0.0.1:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port != 0, cli.err());
    QTRY_VERIFY2_WITH_TIMEOUT(cli.errLines().size() >= 3, cli.err(), TimeoutMs);
    QVERIFY2(cli.errLines().at(1).startsWith("TLS certificate: CN=localhost"), cli.err());
    QVERIFY2(cli.errLines().at(1).contains(m_certs->leaf.toLocal8Bit()), cli.err());
    QCOMPARE(cli.errLines().at(2), "SHA-256 fingerprint: " + opensslFingerprint(m_certs->leaf));

    OpenSsl client(sClient(port, m_certs->ca));
    QTRY_COMPARE_WITH_TIMEOUT(client.out(), QByteArray("hello over TLS\r\n"), TimeoutMs);
    client.write("and back\n");
    QTRY_COMPARE_WITH_TIMEOUT(cli.out(), QByteArray("and back\n"), TimeoutMs);
    client.closeInput();
    QVERIFY2(client.finish(), client.log());

    cli.terminate();
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 0, cli.err());
    // The plain text, counted once each way.
    QCOMPARE(cli.stats().value("bytes_out").toInteger(), qint64(sizeof("hello over TLS\r\n") - 1));
    QCOMPARE(cli.stats().value("bytes_in").toInteger(), qint64(sizeof("and back\n") - 1));
}

void TestCliTls::listenRequiresClientCertificate() {
    Cli cli({"listen", "--tls", "--cert", m_certs->leaf, "--key", m_certs->leafKey, "--client-ca",
             m_certs->ca, "--require-client-cert", "--echo", "127.0.0.1:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port != 0, cli.err());

    {
        OpenSsl refused(sClient(port, m_certs->ca));
        refused.write("without a certificate\n");
        QTRY_VERIFY2_WITH_TIMEOUT(cli.err().contains("sockbench: client 127.0.0.1:"),
                                  cli.err() + refused.log(), TimeoutMs);
        QVERIFY2(refused.finish(), refused.log());
        QVERIFY(!refused.out().contains("without a certificate"));
    }
    QVERIFY(cli.out().isEmpty());

    OpenSsl accepted(sClient(port, m_certs->ca, {"-cert", m_certs->client, "-key", m_certs->clientKey}));
    accepted.write("with a certificate\n");
    QTRY_COMPARE_WITH_TIMEOUT(accepted.out(), QByteArray("with a certificate\n"), TimeoutMs);
    accepted.closeInput();
    QVERIFY2(accepted.finish(), accepted.log());

    cli.terminate();
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 0, cli.err());
    QCOMPARE(cli.out(), QByteArray("with a certificate\n"));
}

void TestCliTls::echoRepeatAndStdinBetweenTwoSockbenches() {
    Cli listener({"listen", "--tls", "--cert", m_certs->leaf, "--key", m_certs->leafKey, "--echo", "--quiet",
                  "--stats", "127.0.0.1:0"});
    const quint16 port = listener.listeningPort();
    QVERIFY2(port != 0, listener.err());

    // --repeat: the payload goes out only after the handshake, every copy of it.
    Cli repeat({"connect", "--tls", "--ca", m_certs->ca, "--send", "0123456789", "--repeat", "1000",
                "--stats", target(port)});
    CLI_FINISH(repeat);
    QVERIFY2(repeat.exitCode() == 0, repeat.err());
    QCOMPARE(repeat.out(), QByteArray("0123456789").repeated(1000));
    QCOMPARE(repeat.stats().value("bytes_out").toInteger(), 10000);
    QCOMPARE(repeat.stats().value("bytes_in").toInteger(), 10000);

    // stdin, far more than one TLS record or socket buffer, byte-exact through the echo.
    QByteArray input(4 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < input.size(); ++i)
        input[i] = char((i * 7919 + (i >> 13)) & 0xff);
    Cli stdinClient({"connect", "--tls", "--ca", m_certs->ca, target(port)});
    QVERIFY(stdinClient.started());
    stdinClient.write(input);
    stdinClient.closeInput();
    CLI_FINISH(stdinClient);
    QVERIFY2(stdinClient.exitCode() == 0, stdinClient.err());
    QCOMPARE(stdinClient.out().size(), input.size());
    QVERIFY(stdinClient.out() == input);

    listener.terminate();
    CLI_FINISH(listener);
    QVERIFY2(listener.exitCode() == 0, listener.err());
    const QJsonObject stats = listener.stats();
    QCOMPARE(stats.value("connections").toInteger(), 2);
    QCOMPARE(stats.value("bytes_in").toInteger(), qint64(10000 + input.size()));
    QCOMPARE(stats.value("bytes_out").toInteger(), qint64(10000 + input.size()));
}

void TestCliTls::plainListenerHintsAtClientHello() {
    // A TLS client on a listener without --tls: its bytes are recorded, and --log names them.
    Cli cli({"listen", "--log", "127.0.0.1:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port != 0, cli.err());
    OpenSsl client(sClient(port, m_certs->ca));
    QTRY_VERIFY2_WITH_TIMEOUT(cli.out().contains("this looks like a TLS ClientHello"), cli.out(), TimeoutMs);
    QVERIFY2(cli.out().contains(" <- 127.0.0.1:"), cli.out());
    cli.terminate();
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 0, cli.err());
}

void TestCliTls::argumentErrorsExitTwo_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString missing = m_dir.filePath(QStringLiteral("no-such-ca.pem"));
    QTest::newRow("insecure and ca") << QStringList{"connect", "--tls",     "--insecure",
                                                    "--ca",    m_certs->ca, ":1"}
                                     << "--insecure and --ca exclude each other";
    QTest::newRow("missing ca file") << QStringList{"connect", "--tls", "--ca", missing, ":1"}
                                     << "--ca '" + missing + "': No such file or directory";
    QTest::newRow("key without cert")
        << QStringList{"connect", "--tls", "--key", m_certs->clientKey, ":1"} << "--key needs --cert";
    QTest::newRow("tls over udp") << QStringList{"listen", "--tls", "--udp", ":0"} << "--tls needs TCP";
    QTest::newRow("option without tls")
        << QStringList{"listen", "--cert", m_certs->leaf, ":0"} << "--cert needs --tls";
    QTest::newRow("require without client ca")
        << QStringList{"listen", "--tls", "--require-client-cert", ":0"}
        << "--require-client-cert needs --client-ca";
}

void TestCliTls::argumentErrorsExitTwo() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    Cli cli(arguments);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY2(cli.err().contains(message.toLocal8Bit()), cli.err());
    QVERIFY2(cli.err().contains("Try 'sockbench"), cli.err());
    QVERIFY(!cli.err().contains("listening on"));
    QVERIFY(cli.out().isEmpty());
}

QTEST_GUILESS_MAIN(TestCliTls)
#include "tst_clitls.moc"
