// `sockbench relay` with the real binary, as scripts run it: python3 clients and targets (and Qt's
// own sockets) on loopback, so that what the relay forwards is checked by something other than
// the engine itself.

#include "clirun.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUdpSocket>

#include <csignal>
#include <memory>

namespace {

constexpr int TimeoutMs = sockbench::test::CliTimeoutMs;
using sockbench::test::Cli;

/// A client: connects to the relay, sends argv[2] (if any) and reads until the end, or until
/// argv[3] bytes arrived. Prints what it saw as JSON: the bytes, each read's length, and how the
/// stream ended ("fin" or "reset").
constexpr char ClientScript[] = R"(
import json, socket, sys
port = int(sys.argv[1])
send = sys.argv[2].encode() if len(sys.argv) > 2 else b''
expect = int(sys.argv[3]) if len(sys.argv) > 3 else 0
c = socket.create_connection(('127.0.0.1', port))
if send:
    c.sendall(send)
reads, data, end = [], b'', 'fin'
try:
    while not expect or len(data) < expect:
        d = c.recv(65536)
        if not d:
            break
        reads.append(len(d))
        data += d
    else:
        end = 'enough'
except ConnectionResetError:
    end = 'reset'
print(json.dumps({'data': data.decode('latin-1'), 'reads': reads, 'end': end}), flush=True)
)";

/// Both ends of one relayed connection, in one process: a target that echoes until the client's
/// FIN arrives and then closes, and a client that sends argv[1] random bytes, half-closes and
/// reads everything back. The target's port goes to stdout first; the relay's port is read from
/// stdin. Prints the SHA-256 of what was sent and of what came back.
constexpr char EchoPairScript[] = R"(
import hashlib, os, socket, sys, threading
n = int(sys.argv[1])
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
relay = int(sys.stdin.readline())
def serve():
    c, _ = server.accept()
    while True:
        d = c.recv(1 << 20)
        if not d:
            break
        c.sendall(d)
    c.close()
target = threading.Thread(target=serve)
target.start()
data = os.urandom(n)
client = socket.create_connection(('127.0.0.1', relay))
def send():
    client.sendall(data)
    client.shutdown(socket.SHUT_WR)
sender = threading.Thread(target=send)
sender.start()
h, got = hashlib.sha256(), 0
while True:
    d = client.recv(1 << 20)
    if not d:
        break
    h.update(d)
    got += len(d)
sender.join()
target.join()
print('sent', n, hashlib.sha256(data).hexdigest(), flush=True)
print('back', got, h.hexdigest(), flush=True)
)";

QString at(quint16 port) {
    return QStringLiteral("127.0.0.1:%1").arg(port);
}

/// The port from "relaying ADDRESS:PORT -> HOST:PORT", waiting for the line; 0 if it did not come.
quint16 relayPort(Cli &cli) {
    (void)QTest::qWaitFor(
        [&cli] { return cli.err().contains('\n') || cli.process().state() == QProcess::NotRunning; },
        TimeoutMs);
    const QByteArray first = cli.errLines().value(0);
    if (!first.startsWith("relaying "))
        return 0;
    const QByteArray listen = first.mid(9, first.indexOf(" -> ") - 9);
    return quint16(listen.mid(listen.lastIndexOf(':') + 1).toUInt());
}

/// Runs ClientScript against the relay (event loop turning, so that targets in this process
/// answer); returns its JSON, or an empty object when it failed.
QJsonObject runClient(quint16 port, const QString &send = {}, int expect = 0) {
    QProcess python;
    python.start(QStringLiteral("python3"), {QStringLiteral("-c"), QString::fromLatin1(ClientScript),
                                             QString::number(port), send, QString::number(expect)});
    if (!python.waitForStarted(TimeoutMs))
        return {};
    QSignalSpy finished(&python, &QProcess::finished);
    if (!finished.wait(TimeoutMs))
        return {};
    const QByteArray out = python.readAllStandardOutput();
    if (python.exitCode() != 0)
        qWarning("client: %s", python.readAllStandardError().constData());
    return QJsonDocument::fromJson(out).object();
}

/// A target in this process that writes `bytes` to each client as it connects, collects what
/// clients send, and with closeOnData closes a client once its first bytes arrived.
class Target final : public QObject {
public:
    explicit Target(QByteArray bytes, bool closeOnData = false)
        : m_bytes(std::move(bytes))
        , m_closeOnData(closeOnData) {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = m_server.nextPendingConnection()) {
                QObject::connect(client, &QTcpSocket::readyRead, this, [this, client] {
                    m_received += client->readAll();
                    if (m_closeOnData)
                        client->disconnectFromHost();
                });
                client->write(m_bytes);
            }
        });
    }
    Q_DISABLE_COPY_MOVE(Target)

    quint16 port() const { return m_server.serverPort(); }
    const QByteArray &received() const { return m_received; }

private:
    QTcpServer m_server;
    QByteArray m_bytes;
    QByteArray m_received;
    bool m_closeOnData;
};

/// A port nothing listens on: bound once, then let go.
quint16 closedPort() {
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace

class TestCliRelay final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void help();
    void usageErrorsExitTwo_data();
    void usageErrorsExitTwo();
    void relayingLineHasTheRealPort();
    void bytesBothWaysAreExact();
    void logNamesBothLegsAndStatsCountThem();
    void hexHeadsEachLeg();
    void limitResetGivesExactlyTheBytes();
    void sliceOneGivesOneByteReads();
    void refusedTargetEndsTheClient_data();
    void refusedTargetEndsTheClient();
    void udpRelay();
    void udpDropWithASeedRepeats();
    void durationEndsIt();
};

void TestCliRelay::initTestCase() {
    QVERIFY2(QFile::exists(qEnvironmentVariable("SOCKBENCH_BINARY")),
             "SOCKBENCH_BINARY must name the binary");
    QProcess python;
    python.start(QStringLiteral("python3"), {QStringLiteral("--version")});
    QVERIFY2(python.waitForFinished(TimeoutMs) && python.exitCode() == 0, "python3 is needed for the peers");
}

void TestCliRelay::help() {
    Cli cli({"relay", "--help"});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY2(cli.out().startsWith("Usage: sockbench relay [--udp]"), cli.out());
    QVERIFY(cli.out().contains("LISTEN_ADDRESS:PORT TARGET_HOST:PORT"));
    Cli program({"--help"});
    CLI_FINISH(program);
    QVERIFY2(program.out().contains("sockbench relay   [OPTIONS] LISTEN_ADDRESS:PORT TARGET_HOST:PORT"),
             program.out());
}

void TestCliRelay::usageErrorsExitTwo_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("bad latency") << QStringList{"relay", "--latency", "soon", ":0", ":9"}
                                 << QByteArray("--latency 'soon': ");
    QTest::newRow("bad slice") << QStringList{"relay", "--slice", "0", ":0", ":9"}
                               << QByteArray("--slice '0': ");
    QTest::newRow("bad limit") << QStringList{"relay", "--limit", "4096:later", ":0", ":9"}
                               << QByteArray("--limit '4096:later': ");
    QTest::newRow("bad percent") << QStringList{"relay", "--udp", "--drop", "150", ":0", ":9"}
                                 << QByteArray("--drop '150': ");
    QTest::newRow("drop without udp")
        << QStringList{"relay", "--drop", "50", ":0", ":9"} << QByteArray("--drop needs --udp");
    QTest::newRow("slice with udp") << QStringList{"relay", "--udp", "--slice", "1", ":0", ":9"}
                                    << QByteArray("--slice needs TCP");
    QTest::newRow("port 70000") << QStringList{"relay", "127.0.0.1:70000", ":9"} << QByteArray("70000");
    QTest::newRow("target port 70000")
        << QStringList{"relay", ":0", "127.0.0.1:70000"} << QByteArray("70000");
    QTest::newRow("missing target") << QStringList{"relay", ":0"} << QByteArray("missing TARGET_HOST:PORT");
    QTest::newRow("no addresses") << QStringList{"relay", "--quiet"}
                                  << QByteArray("missing LISTEN_ADDRESS:PORT and TARGET_HOST:PORT");
    QTest::newRow("target port 0") << QStringList{"relay", ":0", "127.0.0.1:0"}
                                   << QByteArray("cannot connect to port 0");
    QTest::newRow("bad direction") << QStringList{"relay", "--direction", "sideways", ":0", ":9"}
                                   << QByteArray("--direction 'sideways': expected up");
    QTest::newRow("bad target failure")
        << QStringList{"relay", "--on-target-failure", "explode", ":0", ":9"}
        << QByteArray("--on-target-failure 'explode': expected close or reset");
    QTest::newRow("cert without tls") << QStringList{"relay", "--cert", "x.pem", ":0", ":9"}
                                      << QByteArray("--cert needs --tls-client-side");
    QTest::newRow("sni without tls") << QStringList{"relay", "--sni", "example", ":0", ":9"}
                                     << QByteArray("--sni needs --tls-target");
    QTest::newRow("tls with udp") << QStringList{"relay", "--udp", "--tls-target", ":0", ":9"}
                                  << QByteArray("--tls-target needs TCP");
    QTest::newRow("unknown option") << QStringList{"relay", "--bogus", ":0", ":9"}
                                    << QByteArray("unknown option '--bogus'");
    QTest::newRow("three addresses") << QStringList{"relay", ":0", ":9", ":10"}
                                     << QByteArray("unexpected argument ':10'");
}

void TestCliRelay::usageErrorsExitTwo() {
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, expected);
    Cli cli(arguments);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY2(cli.err().startsWith("sockbench relay: "), cli.err());
    QVERIFY2(cli.err().contains(expected), cli.err());
    QVERIFY2(cli.err().contains("Try 'sockbench relay --help'."), cli.err());
    QVERIFY(cli.out().isEmpty());
}

void TestCliRelay::relayingLineHasTheRealPort() {
    Target target("");
    Cli cli({"relay", "--latency", "20", "--direction", "up", "127.0.0.1:0", at(target.port())});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    QCOMPARE(cli.errLines().value(0),
             QStringLiteral("relaying 127.0.0.1:%1 -> 127.0.0.1:%2").arg(port).arg(target.port()).toUtf8());
    // The faults in effect come next, by direction: only up was asked for.
    QTRY_VERIFY_WITH_TIMEOUT(cli.errLines().size() >= 2, TimeoutMs);
    const QByteArray faults = cli.errLines().value(1);
    QVERIFY2(faults.startsWith("faults: up: ") && faults.contains("latency") && !faults.contains("down"),
             faults);
    // Something really listens there.
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(probe.waitForConnected(TimeoutMs));
    cli.terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCliRelay::bytesBothWaysAreExact() {
    // 16 MiB up and echoed down at once, then the client's half-close relayed to the target and the
    // target's close relayed back: python3 ends only if both ends were relayed.
    constexpr int Bytes = 16 * 1024 * 1024;
    QProcess python;
    python.start(QStringLiteral("python3"),
                 {QStringLiteral("-c"), QString::fromLatin1(EchoPairScript), QString::number(Bytes)});
    QVERIFY(python.waitForStarted(TimeoutMs));
    QVERIFY(python.waitForReadyRead(TimeoutMs));
    const quint16 targetPort = quint16(python.readLine().trimmed().toUInt());
    QVERIFY(targetPort != 0);
    Cli cli({"relay", "--quiet", "--stats", "127.0.0.1:0", at(targetPort)});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    python.write(QByteArray::number(port) + '\n');
    QSignalSpy finished(&python, &QProcess::finished);
    QVERIFY2(python.state() == QProcess::NotRunning || finished.wait(45000), python.readAllStandardError());
    QCOMPARE(python.exitCode(), 0);
    const QList<QByteArray> lines = python.readAllStandardOutput().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QList<QByteArray> sent = lines.at(0).split(' ');
    const QList<QByteArray> back = lines.at(1).split(' ');
    QCOMPARE(back.value(1), sent.value(1));
    QCOMPARE(back.value(2), sent.value(2));
    QVERIFY(cli.out().isEmpty());
    cli.signal(SIGINT);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    const QJsonObject stats = cli.stats();
    QCOMPARE(stats.value("connections").toInteger(), 1);
    QCOMPARE(stats.value("client").toObject().value("bytes_in").toInteger(), Bytes);
    QCOMPARE(stats.value("target").toObject().value("bytes_in").toInteger(), Bytes);
}

void TestCliRelay::logNamesBothLegsAndStatsCountThem() {
    Target target("world!", true);
    Cli cli({"relay", "--log", "--stats", "127.0.0.1:0", at(target.port())});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    const QJsonObject seen = runClient(port, QStringLiteral("hello"));
    QCOMPARE(seen.value("data").toString(), QStringLiteral("world!"));
    QCOMPARE(seen.value("end").toString(), QStringLiteral("fin"));
    QTRY_COMPARE_WITH_TIMEOUT(target.received(), QByteArray("hello"), TimeoutMs);
    // Each line names its leg; what came in on one leg goes out on the other.
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains("-> client 127.0.0.1:"), TimeoutMs);
    const QByteArray targetName = "target " + at(target.port()).toUtf8();
    QVERIFY2(cli.out().contains("<- client 127.0.0.1:"), cli.out());
    QVERIFY2(cli.out().contains(" 5 B: hello"), cli.out());
    QVERIFY2(cli.out().contains("-> " + targetName + " 5 B: hello"), cli.out());
    QVERIFY2(cli.out().contains("<- " + targetName + " 6 B: world!"), cli.out());
    // Every line names its leg, even those recorded before the target leg's opening arrived.
    QVERIFY2(!cli.out().contains(" #"), cli.out());
    cli.signal(SIGTERM);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    const QJsonObject stats = cli.stats();
    QCOMPARE(stats.value("command").toString(), QStringLiteral("relay"));
    QCOMPARE(stats.value("connections").toInteger(), 1);
    QCOMPARE(stats.value("failures").toInteger(), 0);
    const QJsonObject client = stats.value("client").toObject();
    const QJsonObject toTarget = stats.value("target").toObject();
    QCOMPARE(client.value("bytes_in").toInteger(), 5);
    QCOMPARE(client.value("bytes_out").toInteger(), 6);
    QCOMPARE(toTarget.value("bytes_in").toInteger(), 6);
    QCOMPARE(toTarget.value("bytes_out").toInteger(), 5);
    QCOMPARE(stats.value("bytes_in").toInteger(), 11);
}

void TestCliRelay::hexHeadsEachLeg() {
    Target target("ABC", true);
    Cli cli({"relay", "--hex", "127.0.0.1:0", at(target.port())});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    const QJsonObject seen = runClient(port, QStringLiteral("xyz"));
    QCOMPARE(seen.value("data").toString(), QStringLiteral("ABC"));
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains("41 42 43") && cli.out().contains("78 79 7a"), TimeoutMs);
    // The second leg to speak is headed by its name (the first needs no header, as with listen).
    QVERIFY2(cli.out().contains("# client 127.0.0.1:") || cli.out().contains("# target 127.0.0.1:"),
             cli.out());
    cli.terminate();
    CLI_FINISH(cli);
}

void TestCliRelay::limitResetGivesExactlyTheBytes() {
    Target target(QByteArray(10000, 'z'));
    Cli cli({"relay", "--limit", "4096:reset", "--direction", "down", "--quiet", "127.0.0.1:0",
             at(target.port())});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    const QJsonObject seen = runClient(port);
    QCOMPARE(seen.value("data").toString().size(), 4096);
    QCOMPARE(seen.value("end").toString(), QStringLiteral("reset"));
    cli.terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCliRelay::sliceOneGivesOneByteReads() {
    // 30 ms between the pieces, so that the kernel has no reason to put two in one read.
    Target target("abcdefgh");
    Cli cli({"relay", "--slice", "1@30", "--direction", "down", "--quiet", "127.0.0.1:0", at(target.port())});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    const QJsonObject seen = runClient(port, {}, 8);
    QCOMPARE(seen.value("data").toString(), QStringLiteral("abcdefgh"));
    const QJsonArray reads = seen.value("reads").toArray();
    QCOMPARE(reads.size(), 8);
    for (const QJsonValue &read : reads)
        QCOMPARE(read.toInt(), 1);
    cli.terminate();
    CLI_FINISH(cli);
}

void TestCliRelay::refusedTargetEndsTheClient_data() {
    QTest::addColumn<QString>("end");
    QTest::newRow("close") << QStringLiteral("close");
    QTest::newRow("reset") << QStringLiteral("reset");
}

void TestCliRelay::refusedTargetEndsTheClient() {
    QFETCH(QString, end);
    const quint16 refusing = closedPort();
    Cli cli({"relay", "--on-target-failure", end, "--quiet", "--stats", "127.0.0.1:0", at(refusing)});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    const QJsonObject seen = runClient(port);
    QCOMPARE(seen.value("end").toString(), end == u"close" ? QStringLiteral("fin") : QStringLiteral("reset"));
    QTRY_VERIFY_WITH_TIMEOUT(cli.err().contains("target " + at(refusing).toUtf8() + ": "), TimeoutMs);
    QVERIFY2(cli.err().contains("refused"), cli.err());
    cli.terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QCOMPARE(cli.stats().value("failures").toInteger(), 1);
}

void TestCliRelay::udpRelay() {
    QUdpSocket target;
    QVERIFY(target.bind(QHostAddress::LocalHost, 0));
    Cli cli({"relay", "--udp", "--stats", "--log", "127.0.0.1:0", at(target.localPort())});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    QUdpSocket client;
    QVERIFY(client.bind(QHostAddress::LocalHost, 0));
    QCOMPARE(client.writeDatagram("ping", QHostAddress::LocalHost, port), 4);
    QVERIFY(target.waitForReadyRead(TimeoutMs));
    QHostAddress from;
    quint16 fromPort = 0;
    QByteArray datagram(64, '\0');
    datagram.resize(target.readDatagram(datagram.data(), datagram.size(), &from, &fromPort));
    QCOMPARE(datagram, QByteArray("ping"));
    // The target hears the relay, not the client, and its answer goes back to the client.
    QVERIFY(fromPort != client.localPort());
    QCOMPARE(target.writeDatagram("pong!", from, fromPort), 5);
    QVERIFY(client.waitForReadyRead(TimeoutMs));
    datagram.resize(64);
    datagram.resize(client.readDatagram(datagram.data(), datagram.size(), &from, &fromPort));
    QCOMPARE(datagram, QByteArray("pong!"));
    QCOMPARE(fromPort, port);
    // Recorded on both legs, each named, before it is stopped (the answer may reach the client
    // before the relay's record of sending it).
    QTRY_VERIFY_WITH_TIMEOUT(cli.out().contains("-> client 127.0.0.1:"), TimeoutMs);
    QVERIFY2(cli.out().contains("<- client 127.0.0.1:"), cli.out());
    QVERIFY2(cli.out().contains("-> target " + at(target.localPort()).toUtf8() + " 4 B: ping"), cli.out());
    QVERIFY2(cli.out().contains("<- target " + at(target.localPort()).toUtf8() + " 5 B: pong!"), cli.out());
    cli.terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    const QJsonObject stats = cli.stats();
    QCOMPARE(stats.value("connections").toInteger(), 1);
    QCOMPARE(stats.value("client").toObject().value("datagrams_in").toInteger(), 1);
    QCOMPARE(stats.value("client").toObject().value("datagrams_out").toInteger(), 1);
    QCOMPARE(stats.value("target").toObject().value("bytes_in").toInteger(), 5);
}

/// One UDP relay run with --drop 50 and this seed: 100 datagrams from one client; returns how many
/// the relay forwarded to the target (as --stats counts them), or -1.
qint64 forwardedWithDrop(const QString &seed) {
    constexpr int Count = 100;
    QUdpSocket target;
    if (!target.bind(QHostAddress::LocalHost, 0))
        return -1;
    Cli cli({"relay", "--udp", "--drop", "50", "--seed", seed, "--direction", "up", "--log", "--stats",
             "127.0.0.1:0", at(target.localPort())});
    const quint16 port = relayPort(cli);
    if (port == 0)
        return -1;
    QUdpSocket client;
    for (int i = 0; i < Count; ++i)
        client.writeDatagram(QByteArray::number(i), QHostAddress::LocalHost, port);
    // Every datagram recorded as received on the client leg, dropped or not, before it is stopped.
    if (!QTest::qWaitFor([&cli] { return cli.out().count("<- client 127.0.0.1:") == Count; }, TimeoutMs))
        return -1;
    cli.terminate();
    if (!cli.finish() || cli.exitCode() != 0)
        return -1;
    return cli.stats().value("target").toObject().value("datagrams_out").toInteger(-1);
}

void TestCliRelay::udpDropWithASeedRepeats() {
    const qint64 first = forwardedWithDrop(QStringLiteral("7"));
    QVERIFY2(first > 20 && first < 80, qPrintable(QString::number(first)));
    QCOMPARE(forwardedWithDrop(QStringLiteral("7")), first);
}

void TestCliRelay::durationEndsIt() {
    Target target("");
    QElapsedTimer clock;
    clock.start();
    Cli cli({"relay", "--duration", "0.5", "--stats", "127.0.0.1:0", at(target.port())});
    QVERIFY2(relayPort(cli) != 0, cli.err());
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY(clock.elapsed() >= 500);
    QVERIFY(cli.stats().value("seconds").toDouble() >= 0.45);
}

QTEST_GUILESS_MAIN(TestCliRelay)
#include "tst_clirelay.moc"
