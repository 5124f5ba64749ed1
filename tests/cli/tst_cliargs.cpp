// The command line's grammar, checked without any socket: what parses, into what, and the
// one-line message for what does not.

#include "cli/cliargs.h"
#include "tls/certificate.h"

#include <QTemporaryFile>
#include <QTest>

using namespace sockbench;

class TestCliArgs final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void windowOrCommandLine_data();
    void windowOrCommandLine();
    void sessionFileOpensTheWindow();
    void listenForms_data();
    void listenForms();
    void listenOptions();
    void connectPayloads_data();
    void connectPayloads();
    void connectStdinAndTiming();
    void sendFile();
    void tlsOptions();
    void tlsUsageErrors_data();
    void tlsUsageErrors();
    void usageErrors_data();
    void usageErrors();
    void helpAndVersion();
};

void TestCliArgs::windowOrCommandLine_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<bool>("commandLine");
    QTest::newRow("nothing") << QStringList() << false;
    QTest::newRow("qt platform") << QStringList{"-platform", "offscreen"} << false;
    QTest::newRow("qt style=") << QStringList{"--style=fusion", "-reverse"} << false;
    QTest::newRow("listen") << QStringList{"listen", ":0"} << true;
    QTest::newRow("help") << QStringList{"--help"} << true;
    QTest::newRow("version") << QStringList{"--version"} << true;
    QTest::newRow("unknown option") << QStringList{"--frobnicate"} << true;
    QTest::newRow("qt option then verb") << QStringList{"-platform", "offscreen", "connect"} << true;
}

void TestCliArgs::windowOrCommandLine() {
    QFETCH(QStringList, arguments);
    QFETCH(bool, commandLine);
    QCOMPARE(wantsCommandLine(arguments), commandLine);
}

void TestCliArgs::sessionFileOpensTheWindow() {
    // `sockbench FILE.sockbench` is the window with that session, never a verb or a usage error.
    const QStringList named{QStringLiteral("lab.sockbench")};
    QVERIFY(!wantsCommandLine(named));
    QCOMPARE(sessionFileArgument(named), QStringLiteral("lab.sockbench"));
    const QStringList withQt{QStringLiteral("-platform"), QStringLiteral("offscreen"),
                             QStringLiteral("/tmp/Lab.SOCKBENCH")};
    QVERIFY(!wantsCommandLine(withQt));
    QCOMPARE(sessionFileArgument(withQt), QStringLiteral("/tmp/Lab.SOCKBENCH"));
    // An existing file is a session whatever its name.
    QTemporaryFile file;
    QVERIFY(file.open());
    QVERIFY(!wantsCommandLine({file.fileName()}));
    QCOMPARE(sessionFileArgument({file.fileName()}), file.fileName());

    // Everything else keeps its meaning.
    QVERIFY(wantsCommandLine({QStringLiteral("listen")}));
    QVERIFY(sessionFileArgument({QStringLiteral("listen")}).isEmpty());
    QVERIFY(wantsCommandLine({QStringLiteral("no-such-file")}));
    QVERIFY(wantsCommandLine({QStringLiteral("a.sockbench"), QStringLiteral("b.sockbench")}));
    QVERIFY(wantsCommandLine({QStringLiteral("--help")}));
    QVERIFY(sessionFileArgument({}).isEmpty());
}

void TestCliArgs::listenForms_data() {
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::newRow("v4") << "127.0.0.1:9000"
                        << "127.0.0.1" << 9000;
    QTest::newRow("v6") << "[::1]:9000"
                        << "::1" << 9000;
    QTest::newRow("name") << "localhost:9000"
                          << "localhost" << 9000;
    QTest::newRow("colon port") << ":9000"
                                << "127.0.0.1" << 9000;
    QTest::newRow("bare port") << "9000"
                               << "127.0.0.1" << 9000;
    QTest::newRow("kernel chooses") << "127.0.0.1:0"
                                    << "127.0.0.1" << 0;
    QTest::newRow("every interface") << "0.0.0.0:65535"
                                     << "0.0.0.0" << 65535;
}

void TestCliArgs::listenForms() {
    QFETCH(QString, where);
    QFETCH(QString, host);
    QFETCH(int, port);
    const ParsedCommandLine p = parseCommandLine({"listen", where});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(p.verb, CliVerb::Listen);
    QCOMPARE(p.listen.where.host, host);
    QCOMPARE(int(p.listen.where.port), port);
    QVERIFY(!p.listen.udp);
    QCOMPARE(p.listen.reply, AutoReply::None);
    QCOMPARE(p.listen.output.format, OutputFormat::Raw);
}

void TestCliArgs::listenOptions() {
    ParsedCommandLine p = parseCommandLine(
        {"listen", "--udp", "--echo", "--hex", "--quiet", "--stats", "--duration", "1.5", "[::1]:0"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QVERIFY(p.listen.udp);
    QCOMPARE(p.listen.reply, AutoReply::Echo);
    QCOMPARE(p.listen.output.format, OutputFormat::Hex);
    QVERIFY(p.listen.output.quiet);
    QVERIFY(p.listen.output.stats);
    QCOMPARE(p.listen.durationSeconds, 1.5);

    p = parseCommandLine({"listen", "--greet=hello\\r\\n", "--log", ":0"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(p.listen.reply, AutoReply::Greeting);
    QCOMPARE(p.listen.greeting, QByteArray("hello\r\n"));
    QCOMPARE(p.listen.output.format, OutputFormat::Log);
}

void TestCliArgs::connectPayloads_data() {
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("text escapes") << QStringList{"--send", "a\\x41\\n"} << QByteArray("aA\n");
    QTest::newRow("text crlf") << QStringList{"--send", "GET /", "--crlf"} << QByteArray("GET /\r\n");
    QTest::newRow("text lf") << QStringList{"--lf", "--send", "x"} << QByteArray("x\n");
    QTest::newRow("text starting with dash") << QStringList{"--send", "-v"} << QByteArray("-v");
    QTest::newRow("hex") << QStringList{"--send-hex", "de ad:BE,ef"} << QByteArray("\xde\xad\xbe\xef");
    QTest::newRow("hex crlf") << QStringList{"--send-hex=41", "--crlf"} << QByteArray("A\r\n");
}

void TestCliArgs::connectPayloads() {
    QFETCH(QStringList, options);
    QFETCH(QByteArray, payload);
    const ParsedCommandLine p =
        parseCommandLine(QStringList{"connect"} + options + QStringList{"localhost:7"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(p.verb, CliVerb::Connect);
    QCOMPARE(p.connect.source, ConnectArgs::Source::Payload);
    QCOMPARE(p.connect.payload, payload);
    QCOMPARE(p.connect.where.host, QStringLiteral("localhost"));
    QCOMPARE(int(p.connect.where.port), 7);
}

void TestCliArgs::connectStdinAndTiming() {
    ParsedCommandLine p = parseCommandLine({"connect", "--crlf", "--wait", "250", "--udp", "[::1]:53"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(p.connect.source, ConnectArgs::Source::Stdin);
    QCOMPARE(int(p.connect.stdinEnding), int(LineEnding::CRLF));
    QCOMPARE(p.connect.waitMs, 250);
    QVERIFY(p.connect.udp);

    p = parseCommandLine({"connect", "--send", "x", "--repeat", "5", "--interval", "10", "1.2.3.4:80"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(p.connect.repeat, 5);
    QCOMPARE(p.connect.intervalMs, 10);
    QCOMPARE(p.connect.waitMs, -1);
}

void TestCliArgs::sendFile() {
    QTemporaryFile file;
    QVERIFY(file.open());
    file.write(QByteArray("\x00\x01 file", 7));
    file.flush();
    ParsedCommandLine p = parseCommandLine({"connect", "--send-file", file.fileName(), "--lf", ":1"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(p.connect.payload, QByteArray("\x00\x01 file\n", 8));

    p = parseCommandLine({"connect", "--send-file", file.fileName() + ".missing", ":1"});
    QCOMPARE(p.action, ParsedCommandLine::Action::UsageError);
    QVERIFY2(p.error.contains(u"--send-file"), qPrintable(p.error));
}

void TestCliArgs::tlsOptions() {
    // A certificate with its key in one file: what --cert, --ca and --client-ca read while parsing.
    CertificateRequest request;
    request.commonName = QStringLiteral("localhost");
    const std::optional<PemPair> pair = makeCertificate(request, nullptr);
    QVERIFY(pair);
    QTemporaryFile pem;
    QVERIFY(pem.open());
    pem.write(pair->certificate + pair->key);
    pem.flush();
    const QString file = pem.fileName();

    ParsedCommandLine p = parseCommandLine({"connect", "--send", "x", ":1"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QVERIFY(!p.connect.tls);

    p = parseCommandLine({"connect", "--tls", "example.org:443"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QVERIFY(p.connect.tls);
    QCOMPARE(int(p.connect.tls->verify), int(TlsVerify::System));
    QVERIFY(p.connect.tls->serverName.isEmpty()); // the engine sends the host as written
    QCOMPARE(int(p.connect.tls->minVersion), int(TlsMinVersion::Default));

    p = parseCommandLine({"connect", "--tls", "--ca", file, "--sni=example.org", "--alpn", "h2,http/1.1",
                          "--cert", file, "--key", file, "--tls-min", "1.3", "127.0.0.1:443"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(int(p.connect.tls->verify), int(TlsVerify::CaFile));
    QCOMPARE(p.connect.tls->caFile, file);
    QCOMPARE(p.connect.tls->serverName, QStringLiteral("example.org"));
    QCOMPARE(p.connect.tls->alpn, (QStringList{"h2", "http/1.1"}));
    QCOMPARE(p.connect.tls->certificateFile, file);
    QCOMPARE(p.connect.tls->keyFile, file);
    QCOMPARE(int(p.connect.tls->minVersion), int(TlsMinVersion::Tls1_3));

    p = parseCommandLine({"connect", "--insecure", "--tls", "--tls-min=1.2", "localhost:443"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(int(p.connect.tls->verify), int(TlsVerify::None));
    QCOMPARE(int(p.connect.tls->minVersion), int(TlsMinVersion::Tls1_2));

    p = parseCommandLine({"listen", "--tls", "--echo", ":0"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QVERIFY(p.listen.tls);
    QVERIFY(p.listen.tls->certificateFile.isEmpty()); // the self-signed one
    QCOMPARE(int(p.listen.tls->clientCert), int(ClientCertMode::None));
    QCOMPARE(p.listen.reply, AutoReply::Echo);

    p = parseCommandLine({"listen", "--tls", "--cert", file, "--client-ca", file, "--alpn", "h2", ":0"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(p.listen.tls->certificateFile, file);
    QVERIFY(p.listen.tls->keyFile.isEmpty());
    QCOMPARE(int(p.listen.tls->clientCert), int(ClientCertMode::Request));
    QCOMPARE(p.listen.tls->clientCaFile, file);
    QCOMPARE(p.listen.tls->alpn, QStringList{"h2"});

    p = parseCommandLine({"listen", "--tls", "--client-ca", file, "--require-client-cert", ":0"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
    QCOMPARE(int(p.listen.tls->clientCert), int(ClientCertMode::Require));

    // A certificate file without the key needs --key.
    QTemporaryFile certificateOnly;
    QVERIFY(certificateOnly.open());
    certificateOnly.write(pair->certificate);
    certificateOnly.flush();
    p = parseCommandLine({"listen", "--tls", "--cert", certificateOnly.fileName(), ":0"});
    QCOMPARE(p.action, ParsedCommandLine::Action::UsageError);
    QVERIFY2(p.error.contains(u"holds no private key"), qPrintable(p.error));
    p = parseCommandLine({"listen", "--tls", "--cert", certificateOnly.fileName(), "--key", file, ":0"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Run);
}

void TestCliArgs::tlsUsageErrors_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    const QString missing = QStringLiteral("/nonexistent/sockbench-test/ca.pem");
    QTest::newRow("insecure with ca") << QStringList{"connect", "--tls", "--insecure", "--ca", "/", ":1"}
                                      << "--insecure and --ca exclude each other";
    QTest::newRow("key without cert")
        << QStringList{"connect", "--tls", "--key", missing, ":1"} << "--key needs --cert";
    QTest::newRow("listen key without cert")
        << QStringList{"listen", "--tls", "--key", missing, ":0"} << "--key needs --cert";
    QTest::newRow("require without client ca")
        << QStringList{"listen", "--tls", "--require-client-cert", ":0"}
        << "--require-client-cert needs --client-ca";
    QTest::newRow("connect option without tls")
        << QStringList{"connect", "--insecure", ":1"} << "--insecure needs --tls";
    QTest::newRow("ca without tls") << QStringList{"connect", "--ca", missing, ":1"} << "--ca needs --tls";
    QTest::newRow("listen option without tls")
        << QStringList{"listen", "--cert", missing, ":0"} << "--cert needs --tls";
    QTest::newRow("tls over udp") << QStringList{"connect", "--tls", "--udp", ":1"} << "--tls needs TCP";
    QTest::newRow("listen tls over udp") << QStringList{"listen", "-u", "--tls", ":0"} << "--tls needs TCP";
    QTest::newRow("missing ca") << QStringList{"connect", "--tls", "--ca", missing, ":1"}
                                << "--ca '" + missing + "': No such file";
    QTest::newRow("missing cert") << QStringList{"listen", "--tls", "--cert", missing, ":0"}
                                  << "--cert '" + missing + "'";
    QTest::newRow("missing client ca")
        << QStringList{"listen", "--tls", "--client-ca", missing, ":0"} << "--client-ca '" + missing + "'";
    QTest::newRow("ca holds no certificate")
        << QStringList{"connect", "--tls", "--ca", QStringLiteral(__FILE__), ":1"} << "--ca '" __FILE__ "': ";
    QTest::newRow("cert holds no certificate")
        << QStringList{"listen", "--tls", "--cert", QStringLiteral(__FILE__), ":0"} << "--cert '";
    QTest::newRow("ca is a directory")
        << QStringList{"connect", "--tls", "--ca", "/", ":1"} << "is a directory";
    QTest::newRow("bad tls-min") << QStringList{"connect", "--tls", "--tls-min", "1.1", ":1"} << "--tls-min";
    QTest::newRow("empty alpn name") << QStringList{"connect", "--tls", "--alpn", "h2,,x", ":1"} << "--alpn";
    QTest::newRow("empty sni") << QStringList{"connect", "--tls", "--sni", "", ":1"} << "--sni";
    QTest::newRow("tls with value") << QStringList{"connect", "--tls=yes", ":1"} << "takes no value";
    QTest::newRow("listen has no insecure")
        << QStringList{"listen", "--tls", "--insecure", ":0"} << "unknown option '--insecure'";
    QTest::newRow("connect has no client ca")
        << QStringList{"connect", "--tls", "--client-ca", missing, ":1"} << "unknown option '--client-ca'";
}

void TestCliArgs::tlsUsageErrors() {
    usageErrors();
}

void TestCliArgs::usageErrors_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    QTest::newRow("port too large") << QStringList{"listen", "127.0.0.1:70000"} << "70000";
    QTest::newRow("missing address") << QStringList{"listen"} << "missing ADDRESS:PORT";
    QTest::newRow("missing port") << QStringList{"connect", "localhost"} << "missing port";
    QTest::newRow("port 0 to connect") << QStringList{"connect", "127.0.0.1:0"} << "port 0";
    QTest::newRow("unknown option") << QStringList{"listen", "--frob", ":0"} << "unknown option '--frob'";
    QTest::newRow("unknown command") << QStringList{"serve"} << "unknown command 'serve'";
    QTest::newRow("unknown program option") << QStringList{"--frob"} << "unknown option '--frob'";
    QTest::newRow("value missing") << QStringList{"connect", ":1", "--send"} << "needs a value";
    QTest::newRow("flag with value") << QStringList{"listen", "--udp=yes", ":0"} << "takes no value";
    QTest::newRow("echo and greet") << QStringList{"listen", "--echo", "--greet", "x", ":0"} << "exclude";
    QTest::newRow("hex and log") << QStringList{"listen", "--hex", "--log", ":0"} << "exclude";
    QTest::newRow("two payloads") << QStringList{"connect", "--send", "a", "--send-hex", "41", ":1"}
                                  << "exclude";
    QTest::newRow("crlf and lf") << QStringList{"connect", "--crlf", "--lf", ":1"} << "exclude";
    QTest::newRow("bad hex") << QStringList{"connect", "--send-hex", "4g", ":1"} << "--send-hex";
    QTest::newRow("bad escape") << QStringList{"connect", "--send", "\\xZZ", ":1"} << "--send";
    QTest::newRow("bad greeting") << QStringList{"listen", "--greet", "\\q", ":0"} << "--greet";
    QTest::newRow("greet over udp") << QStringList{"listen", "--udp", "--greet", "x", ":0"} << "needs TCP";
    QTest::newRow("repeat zero") << QStringList{"connect", "--send", "a", "--repeat", "0", ":1"}
                                 << "--repeat";
    QTest::newRow("repeat without payload") << QStringList{"connect", "--repeat", "2", ":1"} << "--repeat";
    QTest::newRow("negative wait") << QStringList{"connect", "--wait", "-1", ":1"} << "--wait";
    QTest::newRow("bad duration") << QStringList{"listen", "--duration", "soon", ":0"} << "--duration";
    QTest::newRow("two addresses") << QStringList{"listen", ":0", ":1"} << "unexpected argument";
    QTest::newRow("udp datagram too big")
        << QStringList{"connect", "--udp", "--send", QString(70000, u'x'), ":1"} << "65507";
}

void TestCliArgs::usageErrors() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    const ParsedCommandLine p = parseCommandLine(arguments);
    QCOMPARE(p.action, ParsedCommandLine::Action::UsageError);
    QVERIFY2(p.error.contains(expected), qPrintable(p.error));
    QVERIFY2(!p.error.contains(u'\n'), "a usage error is one line");
    QVERIFY(usageHint(p.verb).contains(u"--help"));
}

void TestCliArgs::helpAndVersion() {
    ParsedCommandLine p = parseCommandLine({"listen", "--udp", "--help", "garbage:99999"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Help);
    QCOMPARE(p.verb, CliVerb::Listen);
    p = parseCommandLine({"help", "connect"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Help);
    QCOMPARE(p.verb, CliVerb::Connect);
    p = parseCommandLine({"--help"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Help);
    QCOMPARE(p.verb, CliVerb::None);
    p = parseCommandLine({"--version"});
    QCOMPARE(p.action, ParsedCommandLine::Action::Version);
    // After "--" a word that looks like an option is the address.
    p = parseCommandLine({"connect", "--send", "x", "--", "--help"});
    QCOMPARE(p.action, ParsedCommandLine::Action::UsageError);
    for (CliVerb verb : {CliVerb::None, CliVerb::Listen, CliVerb::Connect})
        QVERIFY(usageText(verb).startsWith(u"Usage: sockbench"));
    QVERIFY(usageText(CliVerb::Listen).contains(u"--duration S"));
    QVERIFY(usageText(CliVerb::Connect).contains(u"--send-file PATH"));
}

QTEST_APPLESS_MAIN(TestCliArgs)
#include "tst_cliargs.moc"
