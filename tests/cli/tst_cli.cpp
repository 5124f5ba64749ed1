// The real sockbench binary, run as scripts run it: no display, real loopback peers in this
// process (Qt's own sockets, so the engine is checked by something other than itself).

#include "clirun.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <QUdpSocket>

#include <csignal>
#include <memory>
#include <sys/socket.h>

namespace {

constexpr int kTimeoutMs = sockbench::test::CliTimeoutMs;
using sockbench::test::Cli;

/// Reads from a QTcpSocket until `n` bytes arrived.
QByteArray readExactly(QTcpSocket *socket, qsizetype n) {
    QByteArray data;
    QElapsedTimer clock;
    clock.start();
    while (data.size() < n && clock.elapsed() < kTimeoutMs) {
        if (socket->bytesAvailable() == 0 && !socket->waitForReadyRead(kTimeoutMs - int(clock.elapsed())))
            break;
        data += socket->read(n - data.size());
    }
    return data;
}

/// Pushes what the test wrote on `socket` into the kernel now: left in Qt's buffer, it would only go
/// out when an event loop runs, which may be after the peer under test has already finished.
bool flushWrites(QTcpSocket *socket) {
    while (socket->bytesToWrite() > 0) {
        if (!socket->waitForBytesWritten(kTimeoutMs))
            return false;
    }
    return true;
}

std::unique_ptr<QTcpSocket> connectTo(quint16 port, const QHostAddress &host = QHostAddress::LocalHost) {
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(host, port);
    if (!socket->waitForConnected(kTimeoutMs))
        return nullptr;
    return socket;
}

} // namespace

class TestCli final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void helpAndVersion_data();
    void helpAndVersion();
    void usageErrorsExitTwo_data();
    void usageErrorsExitTwo();
    void badPayloadConnectsNothing();
    void listenAddressForms_data();
    void listenAddressForms();
    void listenRawFromSeveralClients();
    void listenEcho();
    void listenGreet();
    void listenHexDump();
    void listenLogLines();
    void listenQuietStillCounts();
    void listenStopsOnSigint();
    void listenDuration();
    void listenUdp();
    void listenRulesAnswer();
    void framedLogLinesAreMessages();
    void udpRulesRefuseAStreamFrame();
    void invalidRulesFileOpensNothing();
    void listenUdpRulesAnswerEachSender();
    void connectRulesAnswerTheServer();
    void listenUdpEcho();
    void multicastJoinAndSend();
    void multicastJoinFailureExitsOne();
    void listenAddressInUseExitsOne();
    void connectSendText();
    void connectSendHexAndFile();
    void connectRepeatInterval();
    void connectStdin();
    void connectStdinCrlf();
    void connectWaitThenClose();
    void connectHostName();
    void connectUdpSendAndWait();
    void connectUdpStdinLines();
    void connectRefusedExitsOne();
    void connectUnknownHostExitsOne();
    void noVerbOpensTheWindow();
    void benchWindowShows();
};

void TestCli::initTestCase() {
    QVERIFY2(QFile::exists(qEnvironmentVariable("SOCKBENCH_BINARY")),
             "SOCKBENCH_BINARY must name the binary");
}

void TestCli::helpAndVersion_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("program") << QStringList{"--help"}
                             << QByteArray("sockbench listen  [OPTIONS] ADDRESS:PORT");
    QTest::newRow("help verb") << QStringList{"help", "connect"} << QByteArray("Usage: sockbench connect");
    QTest::newRow("listen") << QStringList{"listen", "--help"}
                            << QByteArray("Usage: sockbench listen [--udp]");
    QTest::newRow("connect") << QStringList{"connect", "-h"} << QByteArray("--send-hex HEX");
    QTest::newRow("version") << QStringList{"--version"} << QByteArray("sockbench 0.");
}

void TestCli::helpAndVersion() {
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, expected);
    Cli cli(arguments);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY2(cli.out().contains(expected), cli.out());
    QVERIFY2(cli.err().isEmpty(), cli.err());
}

void TestCli::usageErrorsExitTwo_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("bad port") << QStringList{"listen", "127.0.0.1:70000"} << QByteArray("70000");
    QTest::newRow("missing port") << QStringList{"connect", "localhost"} << QByteArray("missing port");
    QTest::newRow("missing address") << QStringList{"connect", "--send", "x"}
                                     << QByteArray("missing HOST:PORT");
    QTest::newRow("unknown option") << QStringList{"listen", "--bogus", ":0"} << QByteArray("unknown option");
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << QByteArray("unknown command");
    QTest::newRow("unknown program option") << QStringList{"--bogus"} << QByteArray("unknown option");
    QTest::newRow("join without udp")
        << QStringList{"listen", "--join", "239.1.1.1", ":0"} << QByteArray("--join needs --udp");
    QTest::newRow("join a name") << QStringList{"listen", "--udp", "--join", "group.example", ":0"}
                                 << QByteArray("group.example is not a multicast group");
    QTest::newRow("join a unicast address") << QStringList{"listen", "--udp", "--join", "10.1.2.3", ":0"}
                                            << QByteArray("10.1.2.3 is not a multicast group");
    QTest::newRow("join empty interface") << QStringList{"listen", "--udp", "--join", "239.1.1.1%", ":0"}
                                          << QByteArray("an interface name must follow '%'");
    QTest::newRow("frame size 0") << QStringList{"listen", "--frame", "fixed:0", ":0"}
                                  << QByteArray("--frame 'fixed:0': ");
    QTest::newRow("frame on udp") << QStringList{"listen", "--udp", "--frame", "line", ":0"}
                                  << QByteArray("--frame needs TCP");
    QTest::newRow("max-message 0") << QStringList{"connect", "--max-message", "0", ":9"}
                                   << QByteArray("--max-message '0': expected a number of bytes");
    QTest::newRow("rules file missing") << QStringList{"listen", "--rules", "/nonexistent/rules.json", ":0"}
                                        << QByteArray("--rules '/nonexistent/rules.json': ");
    QTest::newRow("multicast-if without udp")
        << QStringList{"connect", "--multicast-if", "lo", "--send", "x", "127.0.0.1:9"}
        << QByteArray("--multicast-if needs --udp");
}

void TestCli::usageErrorsExitTwo() {
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, expected);
    Cli cli(arguments);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY(cli.out().isEmpty());
    const QList<QByteArray> lines = cli.errLines();
    QCOMPARE(lines.size(), 2); // the error, then the one-line hint
    QVERIFY2(lines.at(0).contains(expected), lines.at(0));
    QVERIFY2(lines.at(1).startsWith("Try 'sockbench") && lines.at(1).contains("--help"), lines.at(1));
}

void TestCli::badPayloadConnectsNothing() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const QString where = QStringLiteral("127.0.0.1:%1").arg(server.serverPort());
    for (const QStringList &payload : {QStringList{"--send-hex", "41 4g"}, QStringList{"--send", "ok\\q"}}) {
        Cli cli(QStringList{"connect"} + payload + QStringList{where});
        CLI_FINISH(cli);
        QCOMPARE(cli.exitCode(), 2);
        QVERIFY2(cli.err().contains(payload.first().toUtf8()), cli.err());
    }
    // The process is gone: a connection it had made would be queued in the kernel by now.
    QVERIFY(!server.waitForNewConnection(0));
    QVERIFY(!server.hasPendingConnections());
}

void TestCli::listenAddressForms_data() {
    QTest::addColumn<QString>("where");
    QTest::addColumn<QByteArray>("prefix");
    QTest::newRow("v4") << "127.0.0.1:0" << QByteArray("127.0.0.1:");
    QTest::newRow("v6") << "[::1]:0" << QByteArray("[::1]:");
    QTest::newRow("localhost") << "localhost:0" << QByteArray();
    QTest::newRow(":0") << ":0" << QByteArray("127.0.0.1:");
    QTest::newRow("bare 0") << "0" << QByteArray("127.0.0.1:");
}

void TestCli::listenAddressForms() {
    QFETCH(QString, where);
    QFETCH(QByteArray, prefix);
    Cli cli({"listen", where});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port != 0, cli.err());
    const QByteArray address = cli.listeningAddress();
    if (prefix.isEmpty())
        QVERIFY2(address.startsWith("127.0.0.1:") || address.startsWith("[::1]:"), address);
    else
        QVERIFY2(address.startsWith(prefix), address);
    // It really listens there.
    const QHostAddress host(
        QString::fromLatin1(address.left(address.lastIndexOf(':'))).remove(u'[').remove(u']'));
    QVERIFY(connectTo(port, host));
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCli::listenRawFromSeveralClients() {
    Cli cli({"listen", "--stats", ":0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    for (const QByteArray &message : {QByteArray("first\n"), QByteArray("second\x00\xff\n", 9)}) {
        auto client = connectTo(port);
        QVERIFY(client);
        client->write(message);
        client->disconnectFromHost();
        QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains(message), kTimeoutMs);
    }
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QCOMPARE(cli.out(), QByteArray("first\nsecond\x00\xff\n", 15));
    QVERIFY(cli.errLines().first().startsWith("listening on 127.0.0.1:"));
    const QJsonObject stats = cli.stats();
    QVERIFY2(!stats.isEmpty(), cli.err());
    QCOMPARE(stats.value("connections").toInt(), 2);
    QCOMPARE(stats.value("bytes_in").toInt(), 15);
    QCOMPARE(stats.value("bytes_out").toInt(), 0);
    QCOMPARE(stats.value("datagrams_in").toInt(), 0);
    QCOMPARE(stats.value("datagrams_out").toInt(), 0);
    QVERIFY(stats.value("seconds").toDouble() > 0);
}

void TestCli::listenEcho() {
    Cli cli({"listen", "--echo", "--quiet", "127.0.0.1:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    auto client = connectTo(port);
    QVERIFY(client);
    const QByteArray message = QByteArray(100000, 'e') + "end";
    client->write(message);
    QCOMPARE(readExactly(client.get(), message.size()), message);
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY(cli.out().isEmpty());
}

void TestCli::listenGreet() {
    Cli cli({"listen", "--greet", "hello\\r\\n", ":0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    for (int i = 0; i < 2; ++i) {
        auto client = connectTo(port);
        QVERIFY(client);
        QCOMPARE(readExactly(client.get(), 7), QByteArray("hello\r\n"));
    }
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCli::listenHexDump() {
    Cli cli({"listen", "--hex", ":0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    auto client = connectTo(port);
    QVERIFY(client);
    client->write(QByteArray("Hello, hex\x00\x01\x02\x03\x04\x05\x06!", 18));
    client->disconnectFromHost();
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().count('\n') >= 2, kTimeoutMs);
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    const QList<QByteArray> lines = cli.out().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines.at(0).startsWith(
                 "00000000  48 65 6c 6c 6f 2c 20 68  65 78 00 01 02 03 04 05  |Hello, hex......|"),
             lines.at(0));
    QVERIFY2(lines.at(1).startsWith("00000010  06 21"), lines.at(1));
    QVERIFY2(lines.at(1).endsWith("|.!|"), lines.at(1));
}

void TestCli::listenLogLines() {
    Cli cli({"listen", "--log", "--echo", ":0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    auto client = connectTo(port);
    QVERIFY(client);
    client->write("ping\n");
    QCOMPARE(readExactly(client.get(), 5), QByteArray("ping\n"));
    const QByteArray peer = "127.0.0.1:" + QByteArray::number(client->localPort());
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains(" -> " + peer), kTimeoutMs);
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QByteArray in;
    QByteArray out;
    for (const QByteArray &line : cli.out().split('\n')) {
        if (line.contains(" <- "))
            in = line;
        if (line.contains(" -> "))
            out = line;
    }
    // 2026-01-02T03:04:05.123456 <- 127.0.0.1:40000 5 B: ping\n
    const QRegularExpression stamp(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6} "));
    QVERIFY2(stamp.match(QString::fromUtf8(in)).hasMatch(), in);
    QVERIFY2(in.contains(" <- " + peer + " 5 B: ping\\n"), in);
    QVERIFY2(out.contains(" -> " + peer + " 5 B: ping\\n"), out);
}

void TestCli::listenQuietStillCounts() {
    Cli cli({"listen", "--quiet", "--stats", ":0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    auto client = connectTo(port);
    QVERIFY(client);
    const QByteArray block(1 << 20, 'q');
    for (int i = 0; i < 8; ++i)
        client->write(block);
    QVERIFY(client->waitForBytesWritten(kTimeoutMs));
    while (client->bytesToWrite() > 0)
        QVERIFY(client->waitForBytesWritten(kTimeoutMs));
    // Half-close, then wait for the listener's own close: by then it has read every byte.
    QCOMPARE(::shutdown(int(client->socketDescriptor()), SHUT_WR), 0);
    QTRY_COMPARE_WITH_TIMEOUT(client->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY(cli.out().isEmpty());
    QCOMPARE(cli.stats().value("bytes_in").toInteger(), 8LL << 20);
    QCOMPARE(cli.stats().value("connections").toInt(), 1);
}

void TestCli::listenStopsOnSigint() {
    Cli cli({"listen", "--stats", ":0"});
    QVERIFY2(cli.listeningPort(), cli.err());
    cli.signal(SIGINT);
    CLI_FINISH(cli);
    QCOMPARE(cli.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY2(cli.stats().contains("seconds"), cli.err());
}

void TestCli::listenDuration() {
    QElapsedTimer clock;
    clock.start();
    Cli cli({"listen", "--duration", "0.3", "--stats", ":0"});
    QVERIFY2(cli.listeningPort(), cli.err());
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY(clock.elapsed() >= 300);
    QVERIFY2(cli.stats().value("seconds").toDouble() >= 0.29, cli.err());
}

void TestCli::listenUdp() {
    Cli cli({"listen", "--udp", "--stats", "127.0.0.1:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    QUdpSocket sender;
    for (const QByteArray &datagram : {QByteArray("one"), QByteArray("two"), QByteArray("three")})
        QCOMPARE(sender.writeDatagram(datagram, QHostAddress::LocalHost, port), datagram.size());
    QTRY_COMPARE_WITH_TIMEOUT(cli.out(), QByteArray("onetwothree"), kTimeoutMs);
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QCOMPARE(cli.stats().value("datagrams_in").toInt(), 3);
    QCOMPARE(cli.stats().value("bytes_in").toInt(), 11);
    QCOMPARE(cli.stats().value("connections").toInt(), 0);
}

namespace {

/// Writes a rules file into the test's temporary folder.
QString writeRules(const QTemporaryDir &dir, const QString &name, const QByteArray &json) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

const QByteArray PingPongRules = R"({"frame": "line", "rules": [
    {"match": {"regex": "^PING (\\d+)$"}, "reply": "PONG \\1\\n"},
    {"match": {"text": "QUIT"}, "reply": "bye\\n", "then": "close"},
    {"match": "any", "reply": "ERR\\n"}]})";

} // namespace

void TestCli::listenRulesAnswer() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Cli cli({"listen", "--quiet", "--stats", "--rules", writeRules(dir, "pingpong.json", PingPongRules),
             "127.0.0.1:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    auto client = connectTo(port);
    QVERIFY(client);
    // Two messages and a half, then the rest: framed by lines across writes.
    client->write("PING 1\nhuh\nPIN");
    QCOMPARE(readExactly(client.get(), 11), QByteArray("PONG 1\nERR\n"));
    client->write("G 2\nQUIT\n");
    QCOMPARE(readExactly(client.get(), 11), QByteArray("PONG 2\nbye\n"));
    QTRY_COMPARE_WITH_TIMEOUT(client->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    cli.signal(SIGINT);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    const QJsonArray hits = cli.stats().value("rule_hits").toArray();
    QCOMPARE(hits, (QJsonArray{2, 1, 1}));
}

void TestCli::framedLogLinesAreMessages() {
    Cli cli({"listen", "--frame", "line", "--log", "127.0.0.1:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    auto client = connectTo(port);
    QVERIFY(client);
    client->write("one\ntw");
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains("3 B: one\n"), kTimeoutMs);
    client->write("o\nthree");
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains("3 B: two\n"), kTimeoutMs);
    // The stream's end is the last message's end: it is written when the client leaves.
    client->disconnectFromHost();
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains("5 B: three\n"), kTimeoutMs);
    QVERIFY2(!cli.out().contains("B: tw\n") && !cli.out().contains("o\\nthree"), cli.out());
    // A message longer than --max-message is cut, and the log says so.
    Cli cut({"listen", "--frame", "line", "--max-message", "4", "--log", "127.0.0.1:0"});
    const quint16 cutPort = cut.listeningPort();
    QVERIFY2(cutPort, cut.err());
    auto longLine = connectTo(cutPort);
    QVERIFY(longLine);
    longLine->write("abcdefgh\n");
    QTRY_VERIFY_WITH_TIMEOUT(cut.out().contains("4 B: abcd\n"), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(cut.out().contains("Message cut at 4 bytes (the maximum); 4 more bytes skipped"),
                             kTimeoutMs);
    cut.process().terminate();
    CLI_FINISH(cut);
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCli::udpRulesRefuseAStreamFrame() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Cli cli({"listen", "--udp", "--rules",
             writeRules(dir, "len.json", R"({"frame": "len:2be", "rules": []})"), "127.0.0.1:0"});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY2(
        cli.errLines().at(0).contains("the frame \"len:2be\" needs TCP: each UDP datagram is one message"),
        cli.err());
}

void TestCli::invalidRulesFileOpensNothing() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeRules(dir, "bad.json", R"({"rules": [{"match": "any"}, {"match": "any"},
        {"match": {"hex": "01 0G"}, "reply": "x"}]})");
    Cli cli({"listen", "--rules", path, "127.0.0.1:0"});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 2);
    const QList<QByteArray> lines = cli.errLines();
    QVERIFY2(lines.at(0).contains("rules[2].match.hex: 'G' is not a hex digit"), lines.at(0));
    QVERIFY2(!cli.err().contains("listening on"), cli.err());
}

void TestCli::listenUdpRulesAnswerEachSender() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Cli cli({"listen", "--udp", "--quiet", "--rules",
             writeRules(dir, "udp.json",
                        R"({"rules": [{"match": {"prefix": "PING"}, "reply": "#${seq} ${len}"}]})"),
             "127.0.0.1:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    QUdpSocket a;
    QUdpSocket b;
    QVERIFY(a.bind(QHostAddress::LocalHost, 0) && b.bind(QHostAddress::LocalHost, 0));
    QCOMPARE(a.writeDatagram("PING", QHostAddress::LocalHost, port), 4);
    QTRY_VERIFY_WITH_TIMEOUT(a.hasPendingDatagrams(), kTimeoutMs);
    QCOMPARE(b.writeDatagram("PING 12", QHostAddress::LocalHost, port), 7);
    QTRY_VERIFY_WITH_TIMEOUT(b.hasPendingDatagrams(), kTimeoutMs);
    QByteArray reply(64, 0);
    reply.truncate(a.readDatagram(reply.data(), reply.size()));
    QCOMPARE(reply, QByteArray("#1 4"));
    reply.resize(64);
    reply.truncate(b.readDatagram(reply.data(), reply.size()));
    QCOMPARE(reply, QByteArray("#2 7"));
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCli::connectRulesAnswerTheServer() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    // No input: with rules, the end of stdin sends no FIN; the rules answer until the server closes.
    Cli cli({"connect", "--quiet", "--rules", writeRules(dir, "client.json", PingPongRules),
             QStringLiteral("127.0.0.1:%1").arg(server.serverPort())});
    cli.process().closeWriteChannel();
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    peer->write("PING 9\n");
    QCOMPARE(readExactly(peer.get(), 7), QByteArray("PONG 9\n"));
    peer->write("PING 10\n");
    QCOMPARE(readExactly(peer.get(), 8), QByteArray("PONG 10\n"));
    peer->disconnectFromHost();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCli::listenUdpEcho() {
    Cli cli({"listen", "--udp", "--echo", "--log", "[::1]:0"});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port, cli.err());
    QVERIFY(cli.listeningAddress().startsWith("[::1]:"));
    QUdpSocket peer;
    QVERIFY(peer.bind(QHostAddress::LocalHostIPv6, 0));
    QCOMPARE(peer.writeDatagram("marco", QHostAddress::LocalHostIPv6, port), 5);
    QTRY_VERIFY_WITH_TIMEOUT(peer.hasPendingDatagrams(), kTimeoutMs);
    QByteArray reply(16, 0);
    QCOMPARE(peer.readDatagram(reply.data(), reply.size()), 5);
    QCOMPARE(reply.left(5), QByteArray("marco"));
    const QByteArray from = "[::1]:" + QByteArray::number(peer.localPort());
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains(" <- " + from + " 5 B: marco"), kTimeoutMs);
    cli.process().terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCli::multicastJoinAndSend() {
    // Both ends on "lo": the group datagram never leaves the machine.
    Cli listener({"listen", "--udp", "--join", "239.255.77.4%lo", "--stats", "0.0.0.0:0"});
    const quint16 port = listener.listeningPort();
    QVERIFY2(port, listener.err());
    Cli sender({"connect", "--udp", "--multicast-if", "lo", "--send", "to the group",
                QStringLiteral("239.255.77.4:%1").arg(port)});
    CLI_FINISH(sender);
    QCOMPARE(sender.exitCode(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(listener.out(), QByteArray("to the group"), kTimeoutMs);
    listener.process().terminate();
    CLI_FINISH(listener);
    QCOMPARE(listener.exitCode(), 0);
    QCOMPARE(listener.stats().value("datagrams_in").toInt(), 1);
}

void TestCli::multicastJoinFailureExitsOne() {
    Cli cli({"listen", "--udp", "--join", "239.255.77.4%nosuchif0", "--stats", "0.0.0.0:0"});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY2(cli.err().contains("join 239.255.77.4: no such interface nosuchif0"), cli.err());
}

void TestCli::listenAddressInUseExitsOne() {
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    Cli cli({"listen", "--stats", QStringLiteral("127.0.0.1:%1").arg(holder.serverPort())});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY2(cli.err().toLower().contains("address already in use"), cli.err());
    QVERIFY2(cli.err().contains("127.0.0.1:" + QByteArray::number(holder.serverPort())), cli.err());
    QVERIFY(!cli.err().contains("listening on"));
    QCOMPARE(cli.stats().value("exit_code").toInt(), 1);
}

void TestCli::connectSendText() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    Cli cli({"connect", "--send", "hi \\x41\\u{263a}", "--crlf", "--stats",
             QStringLiteral("127.0.0.1:%1").arg(server.serverPort())});
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    peer->write("pong");
    QVERIFY(flushWrites(peer.get()));
    const QByteArray expected = "hi A\xe2\x98\xba\r\n";
    QCOMPARE(readExactly(peer.get(), expected.size()), expected);
    // After the payload comes FIN (Qt closes its end on it); the client then sees our close.
    QTRY_COMPARE_WITH_TIMEOUT(peer->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QCOMPARE(cli.out(), QByteArray("pong"));
    const QJsonObject stats = cli.stats();
    QCOMPARE(stats.value("connections").toInt(), 1);
    QCOMPARE(stats.value("bytes_out").toInt(), expected.size());
    QCOMPARE(stats.value("bytes_in").toInt(), 4);
}

void TestCli::connectSendHexAndFile() {
    QTemporaryFile file;
    QVERIFY(file.open());
    file.write(QByteArray("file\0"
                          "body",
                          9));
    file.flush();
    const QList<QPair<QStringList, QByteArray>> cases = {
        {{"--send-hex", "de ad be ef"}, QByteArray("\xde\xad\xbe\xef")},
        {{"--send-file", file.fileName()},
         QByteArray("file\0"
                    "body",
                    9)},
        {{"--send-file", file.fileName(), "--lf"},
         QByteArray("file\0"
                    "body\n",
                    10)},
    };
    for (const auto &[options, expected] : cases) {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        Cli cli(QStringList{"connect"} + options +
                QStringList{QStringLiteral(":%1").arg(server.serverPort())});
        QVERIFY(server.waitForNewConnection(kTimeoutMs));
        std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
        QCOMPARE(readExactly(peer.get(), expected.size()), expected);
        peer->disconnectFromHost();
        CLI_FINISH(cli);
        QCOMPARE(cli.exitCode(), 0);
    }
}

void TestCli::connectRepeatInterval() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QElapsedTimer clock;
    clock.start();
    Cli cli({"connect", "--send", "tick", "--repeat", "4", "--interval", "50", "--log",
             QStringLiteral("127.0.0.1:%1").arg(server.serverPort())});
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    QCOMPARE(readExactly(peer.get(), 16), QByteArray("ticktickticktick"));
    QVERIFY(clock.elapsed() >= 150); // three pauses of 50 ms between four sends
    peer->disconnectFromHost();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QCOMPARE(cli.out().count(" -> "), 4);
}

void TestCli::connectStdin() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    Cli cli({"connect", "--stats", QStringLiteral("127.0.0.1:%1").arg(server.serverPort())});
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    cli.write("typed line\n");
    QCOMPARE(readExactly(peer.get(), 11), QByteArray("typed line\n"));
    peer->write("answer\n");
    QVERIFY(flushWrites(peer.get()));
    QTRY_COMPARE_WITH_TIMEOUT(cli.out(), QByteArray("answer\n"), kTimeoutMs);
    const QByteArray big(3 << 20, 's');
    cli.write(big);
    cli.closeInput();
    QCOMPARE(readExactly(peer.get(), big.size()).size(), big.size());
    // stdin ended, so the client sent FIN (Qt closes its end on it); the client then sees our close.
    QTRY_COMPARE_WITH_TIMEOUT(peer->state(), QAbstractSocket::UnconnectedState, kTimeoutMs);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QCOMPARE(cli.out(), QByteArray("answer\n"));
    QCOMPARE(cli.stats().value("bytes_out").toInteger(), 11 + big.size());
}

void TestCli::connectStdinCrlf() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    Cli cli({"connect", "--crlf", "--wait", "0", QStringLiteral("127.0.0.1:%1").arg(server.serverPort())});
    cli.write("a\nb\n");
    cli.closeInput();
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    QCOMPARE(readExactly(peer.get(), 6), QByteArray("a\r\nb\r\n"));
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCli::connectWaitThenClose() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QElapsedTimer clock;
    clock.start();
    Cli cli(
        {"connect", "--send", "q", "--wait", "300", QStringLiteral("127.0.0.1:%1").arg(server.serverPort())});
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    QCOMPARE(readExactly(peer.get(), 1), QByteArray("q"));
    peer->write("reply");
    QVERIFY(flushWrites(peer.get()));
    // We never close: --wait alone ends the client.
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY(clock.elapsed() >= 300);
    QCOMPARE(cli.out(), QByteArray("reply"));
    QTRY_VERIFY_WITH_TIMEOUT(peer->state() == QAbstractSocket::UnconnectedState || peer->atEnd(), kTimeoutMs);
}

void TestCli::connectHostName() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::Any, 0)); // both families: localhost may be either
    Cli cli({"connect", "--send", "named", QStringLiteral("localhost:%1").arg(server.serverPort())});
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    QCOMPARE(readExactly(peer.get(), 5), QByteArray("named"));
    peer->disconnectFromHost();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCli::connectUdpSendAndWait() {
    QUdpSocket server;
    QVERIFY(server.bind(QHostAddress::LocalHost, 0));
    Cli cli({"connect", "--udp", "--send-hex", "01 02 03", "--repeat", "3", "--wait", "5000", "--hex",
             "--stats", QStringLiteral("127.0.0.1:%1").arg(server.localPort())});
    for (int i = 0; i < 3; ++i) {
        if (!server.hasPendingDatagrams())
            QTRY_VERIFY_WITH_TIMEOUT(server.hasPendingDatagrams(), kTimeoutMs);
        QByteArray datagram(16, 0);
        QHostAddress from;
        quint16 fromPort = 0;
        QCOMPARE(server.readDatagram(datagram.data(), datagram.size(), &from, &fromPort), 3);
        QCOMPARE(datagram.left(3), QByteArray("\x01\x02\x03"));
        if (i == 2)
            QCOMPARE(server.writeDatagram("ack", from, fromPort), 3);
    }
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains("61 63 6b"), kTimeoutMs);
    cli.signal(SIGTERM); // rather than sit out the rest of --wait
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    const QJsonObject stats = cli.stats();
    QCOMPARE(stats.value("datagrams_out").toInt(), 3);
    QCOMPARE(stats.value("datagrams_in").toInt(), 1);
    QCOMPARE(stats.value("bytes_out").toInt(), 9);
}

void TestCli::connectUdpStdinLines() {
    QUdpSocket server;
    QVERIFY(server.bind(QHostAddress::LocalHostIPv6, 0));
    Cli cli({"connect", "--udp", "--stats", QStringLiteral("[::1]:%1").arg(server.localPort())});
    cli.write("alpha\nbeta\ngamma");
    cli.closeInput();
    CLI_FINISH(cli); // UDP without --wait ends once stdin is sent
    QCOMPARE(cli.exitCode(), 0);
    QList<QByteArray> got;
    while (server.hasPendingDatagrams()) {
        QByteArray datagram(64, 0);
        datagram.truncate(server.readDatagram(datagram.data(), datagram.size()));
        got << datagram;
    }
    QCOMPARE(got, (QList<QByteArray>{"alpha\n", "beta\n", "gamma"}));
    QCOMPARE(cli.stats().value("datagrams_out").toInt(), 3);
}

void TestCli::connectRefusedExitsOne() {
    quint16 port = 0;
    {
        QTcpServer gone;
        QVERIFY(gone.listen(QHostAddress::LocalHost, 0));
        port = gone.serverPort();
    }
    Cli cli({"connect", "--send", "x", "--stats", QStringLiteral("127.0.0.1:%1").arg(port)});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 1);
    const QByteArray expected = "connect 127.0.0.1:" + QByteArray::number(port) + ": Connection refused";
    QVERIFY2(cli.err().contains(expected), cli.err());
    QCOMPARE(cli.stats().value("bytes_out").toInt(), 0);
    QCOMPARE(cli.stats().value("connections").toInt(), 0);
}

void TestCli::connectUnknownHostExitsOne() {
    // .invalid never resolves (RFC 2606), so no real DNS answer can change the outcome.
    Cli cli({"connect", "--send", "x", "no-such-host.invalid:80"});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY2(cli.err().contains("connect no-such-host.invalid:80: "), cli.err());
}

void TestCli::noVerbOpensTheWindow() {
    // Without a verb the binary opens the main window, which needs a platform plugin; the verbs and
    // --help need none. A platform that does not exist tells the two apart without a display.
    QProcessEnvironment env;
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("no-such-platform"));
    Cli window({}, env);
    CLI_FINISH(window);
    QVERIFY(window.exitCode() != 0);
    QVERIFY2(window.err().contains("no-such-platform"), window.err());
    Cli help({"--help"}, env);
    CLI_FINISH(help);
    QCOMPARE(help.exitCode(), 0);
    QVERIFY(help.out().startsWith("Usage: sockbench"));
}

void TestCli::benchWindowShows() {
    // The benchmark's probe lives in an executable of its own (scripts/bench starts it), so the
    // installed binary does not carry it.
    QFile binary(qEnvironmentVariable("SOCKBENCH_BINARY"));
    QVERIFY(binary.open(QIODevice::ReadOnly));
    QVERIFY(!binary.readAll().contains("SOCKBENCH_BENCH_PROBE"));
    const QString program = qEnvironmentVariable("SOCKBENCH_BENCHWINDOW");
    if (program.isEmpty())
        QSKIP("built without SOCKBENCH_BENCH: no sockbench-benchwindow");
    QProcessEnvironment env;
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("SOCKBENCH_BENCH_PROBE"), QStringLiteral("1"));
    Cli cli({}, env, program);
    QTRY_VERIFY_WITH_TIMEOUT(cli.err().contains("\"probe\":\"shown\""), kTimeoutMs);
    cli.write("quit\n");
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
