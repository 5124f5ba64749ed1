// Socket options on the command line: the grammar in-process (parseCommandLine), then the real
// binary (SOCKBENCH_BINARY) against peers in this process: keepalive seen by ss(8), the source
// address, refusals in words, usage errors that open nothing, and --stats' tcp_info.

#include "cli/cliargs.h"
#include "clirun.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <poll.h>

using namespace sockbench;

namespace {

constexpr int TimeoutMs = sockbench::test::CliTimeoutMs;
using sockbench::test::Cli;

/// A loopback server that keeps what it accepts and closes a connection once its peer has.
class Server final {
public:
    Server() {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                m_clients.append(socket);
                m_peers.append(socket->peerAddress()); // gone once the peer has closed
                QObject::connect(socket, &QTcpSocket::readyRead,
                                 [this, socket] { m_received += socket->readAll(); });
            }
        });
    }
    Q_DISABLE_COPY_MOVE(Server)
    ~Server() = default;

    quint16 port() const { return m_server.serverPort(); }
    /// Whether anyone connected, asked of the kernel: Qt learns of a connection only in its loop.
    bool hasPendingOrAccepted() const {
        pollfd readable{int(m_server.socketDescriptor()), POLLIN, 0};
        return !m_clients.isEmpty() || ::poll(&readable, 1, 0) > 0;
    }
    QString where() const { return QStringLiteral("127.0.0.1:%1").arg(port()); }
    const QList<QTcpSocket *> &clients() const { return m_clients; }
    const QList<QHostAddress> &peers() const { return m_peers; }
    const QByteArray &received() const { return m_received; }

private:
    QTcpServer m_server;
    QList<QTcpSocket *> m_clients;
    QList<QHostAddress> m_peers;
    QByteArray m_received;
};

/// `ss -ton` lines of established TCP connections to `port` (the client's side of them).
QString ssToPort(quint16 port) {
    QProcess ss;
    ss.start(QStringLiteral("ss"),
             {QStringLiteral("-tonH"), QStringLiteral("state"), QStringLiteral("established"),
              QStringLiteral("( dport = :%1 )").arg(port)});
    if (!ss.waitForFinished(TimeoutMs))
        return {};
    return QString::fromLocal8Bit(ss.readAllStandardOutput());
}

} // namespace

class TestCliSockOpts final : public QObject {
    Q_OBJECT

public:
    TestCliSockOpts() = default;
    Q_DISABLE_COPY_MOVE(TestCliSockOpts)

private Q_SLOTS:
    void initTestCase();
    void connectFlagsParse();
    void listenFlagsParse();
    void badValuesAreUsageErrors_data();
    void badValuesAreUsageErrors();
    void badValueOpensNothing();
    void keepAliveShowsInSs();
    void sourceAddressAndRefusal();
    void badSourceAddressFails();
    void statsHaveTcpInfo();
    void listenerAppliesOptions();
};

void TestCliSockOpts::initTestCase() {
    QVERIFY2(!qEnvironmentVariable("SOCKBENCH_BINARY").isEmpty(), "SOCKBENCH_BINARY is not set");
}

void TestCliSockOpts::connectFlagsParse() {
    const ParsedCommandLine p = parseCommandLine(
        {"connect", "--no-nodelay", "--keepalive", "10,5,3", "--sndbuf", "65536", "--rcvbuf=131072", "--tos",
         "af41", "--ttl", "9", "--interface", "lo", "--bind", "[::1]:4000", "[::1]:80"});
    QVERIFY2(p.action == ParsedCommandLine::Action::Run, qPrintable(p.error));
    const SocketOptions &o = p.connect.socket;
    QCOMPARE(o.noDelay, false);
    QCOMPARE(o.keepAliveTiming, (KeepAliveTiming{10, 5, 3}));
    QCOMPARE(o.sendBufferBytes, 65536);
    QCOMPARE(o.receiveBufferBytes, 131072);
    QCOMPARE(o.tos, 136);
    QCOMPARE(o.ttl, 9);
    QCOMPARE(o.bindToDevice, QStringLiteral("lo"));
    QCOMPARE(o.sourceAddress, QStringLiteral("::1"));
    QCOMPARE(o.sourcePort, quint16(4000));

    QCOMPARE(parseCommandLine({"connect", "--tos", "0x10", ":1"}).connect.socket.tos, 16);
    QCOMPARE(parseCommandLine({"connect", "--tos", "184", ":1"}).connect.socket.tos, 184);
    QCOMPARE(parseCommandLine({"connect", "--nodelay", ":1"}).connect.socket.noDelay, true);
    QCOMPARE(parseCommandLine({"connect", ":1"}).connect.socket, SocketOptions{}); // defaults untouched
    const SocketOptions v4 = parseCommandLine({"connect", "--bind", "127.0.0.2:0", ":1"}).connect.socket;
    QCOMPARE(v4.sourceAddress, QStringLiteral("127.0.0.2"));
    QCOMPARE(v4.sourcePort, quint16(0));
    QCOMPARE(parseCommandLine({"connect", "--bind", "::1", ":1"}).connect.socket.sourceAddress,
             QStringLiteral("::1"));
    QCOMPARE(parseCommandLine({"connect", "--bind", "10.1.2.3", ":1"}).connect.socket.sourcePort, quint16(0));
    // UDP takes the IP-level options.
    const ParsedCommandLine udp =
        parseCommandLine({"connect", "--udp", "--tos", "EF", "--rcvbuf", "4096", ":1"});
    QVERIFY2(udp.action == ParsedCommandLine::Action::Run, qPrintable(udp.error));
    QCOMPARE(udp.connect.socket.tos, 184);
}

void TestCliSockOpts::listenFlagsParse() {
    const ParsedCommandLine p = parseCommandLine({"listen", "--reuseport", "--nodelay", "--keepalive=1,1,3",
                                                  "--tos", "CS1", "--ttl", "200", "--interface", "lo", ":0"});
    QVERIFY2(p.action == ParsedCommandLine::Action::Run, qPrintable(p.error));
    const SocketOptions &o = p.listen.socket;
    QVERIFY(o.reusePort);
    QCOMPARE(o.noDelay, true);
    QCOMPARE(o.keepAliveTiming, (KeepAliveTiming{1, 1, 3}));
    QCOMPARE(o.tos, 32);
    QCOMPARE(o.ttl, 200);
    QCOMPARE(o.bindToDevice, QStringLiteral("lo"));
    const ParsedCommandLine udp =
        parseCommandLine({"listen", "--udp", "--reuseport", "--rcvbuf", "1048576", ":0"});
    QVERIFY2(udp.action == ParsedCommandLine::Action::Run, qPrintable(udp.error));
    QVERIFY(udp.listen.socket.reusePort);
}

void TestCliSockOpts::badValuesAreUsageErrors_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("ttl 0") << QStringList{"connect", "--ttl", "0", ":1"}
                           << "--ttl '0': expected a hop count from 1 to 255";
    QTest::newRow("ttl 256") << QStringList{"listen", "--ttl", "256", ":0"} << "--ttl '256'";
    QTest::newRow("tos name") << QStringList{"connect", "--tos", "AF44", ":1"}
                              << "--tos 'AF44': expected a number from 0 to 255 or a DSCP name";
    QTest::newRow("tos 300") << QStringList{"connect", "--tos", "300", ":1"} << "--tos '300'";
    QTest::newRow("keepalive short") << QStringList{"connect", "--keepalive", "1,1", ":1"}
                                     << "--keepalive '1,1': expected IDLE,INTERVAL,COUNT";
    QTest::newRow("keepalive count") << QStringList{"listen", "--keepalive", "1,1,0", ":0"}
                                     << "COUNT must be a whole number from 1 to 127";
    QTest::newRow("sndbuf negative") << QStringList{"connect", "--sndbuf", "-5", ":1"}
                                     << "--sndbuf '-5': expected a number of bytes";
    QTest::newRow("rcvbuf word") << QStringList{"listen", "--rcvbuf", "big", ":0"} << "--rcvbuf 'big'";
    QTest::newRow("interface empty") << QStringList{"connect", "--interface", "", ":1"}
                                     << "--interface '': expected an interface name";
    QTest::newRow("interface long") << QStringList{"connect", "--interface", "averyveryverylongname", ":1"}
                                    << "--interface 'averyveryverylongname'";
    QTest::newRow("bind name") << QStringList{"connect", "--bind", "localhost", ":1"}
                               << "--bind 'localhost': expected a numeric IPv4 or IPv6 address";
    QTest::newRow("bind port") << QStringList{"connect", "--bind", "127.0.0.1:70000", ":1"}
                               << "port '70000' is not a number from 0 to 65535";
    QTest::newRow("bind bracket") << QStringList{"connect", "--bind", "[::1", ":1"}
                                  << "--bind '[::1': missing ']'";
    QTest::newRow("bind v4 in brackets")
        << QStringList{"connect", "--bind", "[127.0.0.1]:5", ":1"} << "only IPv6 addresses go in brackets";
    QTest::newRow("bind udp") << QStringList{"connect", "--udp", "--bind", "127.0.0.1", ":1"}
                              << "--bind needs TCP";
    QTest::newRow("nodelay both") << QStringList{"connect", "--nodelay", "--no-nodelay", ":1"}
                                  << "--nodelay and --no-nodelay exclude each other";
    QTest::newRow("nodelay udp") << QStringList{"listen", "--udp", "--nodelay", ":0"}
                                 << "--nodelay needs TCP";
    QTest::newRow("keepalive udp") << QStringList{"connect", "--udp", "--keepalive", "1,1,1", ":1"}
                                   << "--keepalive needs TCP";
    QTest::newRow("reuseport on connect")
        << QStringList{"connect", "--reuseport", ":1"} << "unknown option '--reuseport'";
    QTest::newRow("bind on listen") << QStringList{"listen", "--bind", "127.0.0.1", ":0"}
                                    << "unknown option '--bind'";
    QTest::newRow("nodelay value") << QStringList{"connect", "--nodelay=1", ":1"}
                                   << "option '--nodelay' takes no value";
    QTest::newRow("ttl missing") << QStringList{"connect", "--ttl"} << "option '--ttl' needs a value";
}

void TestCliSockOpts::badValuesAreUsageErrors() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const ParsedCommandLine p = parseCommandLine(arguments);
    QCOMPARE(p.action, ParsedCommandLine::Action::UsageError);
    QVERIFY2(p.error.contains(message), qPrintable(p.error));
}

void TestCliSockOpts::badValueOpensNothing() {
    Server server;
    Cli cli({"connect", "--send", "x", "--ttl", "0", server.where()});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY2(cli.err().contains("sockbench connect: --ttl '0': expected a hop count from 1 to 255"),
             cli.err());
    QVERIFY2(cli.err().contains("Try 'sockbench connect --help'"), cli.err());
    // The run is over: a connection it had made would be in the backlog by now.
    QVERIFY(!server.hasPendingOrAccepted());
}

void TestCliSockOpts::keepAliveShowsInSs() {
    if (QStandardPaths::findExecutable(QStringLiteral("ss")).isEmpty())
        QSKIP("ss (iproute2) is not installed: scripts/deps installs it");
    Server server;
    // stdin stays open, so the connection stays idle and established until we close it.
    Cli cli({"connect", "--keepalive", "1,1,3", server.where()});
    QTRY_COMPARE_WITH_TIMEOUT(server.clients().size(), 1, TimeoutMs);
    QString line;
    QTRY_VERIFY2_WITH_TIMEOUT((line = ssToPort(server.port())).contains(u"timer:(keepalive"),
                              qPrintable(line), TimeoutMs);
    cli.closeInput();
    server.clients().first()->close(); // after our FIN, the peer's: the run ends
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);

    // Without the option no keepalive timer runs.
    Cli plain({"connect", server.where()});
    QTRY_COMPARE_WITH_TIMEOUT(server.clients().size(), 2, TimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!(line = ssToPort(server.port())).isEmpty(), TimeoutMs);
    QVERIFY2(!line.contains(u"keepalive"), qPrintable(line));
    plain.closeInput();
    server.clients().last()->close();
    CLI_FINISH(plain);
}

void TestCliSockOpts::sourceAddressAndRefusal() {
    Server server;
    // No interface has that name, as root too: refused in words, and the run goes on.
    Cli cli({"connect", "--bind", "127.0.0.2", "--interface", "nosuchif0", "--send", "hi", server.where()});
    QTRY_COMPARE_WITH_TIMEOUT(server.clients().size(), 1, TimeoutMs);
    QCOMPARE(server.peers().first(), QHostAddress(QStringLiteral("127.0.0.2")));
    QTRY_COMPARE_WITH_TIMEOUT(server.received(), QByteArray("hi"), TimeoutMs);
    server.clients().first()->close();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY2(cli.err().contains("sockbench: SO_BINDTODEVICE nosuchif0 refused: No such device"), cli.err());
}

void TestCliSockOpts::badSourceAddressFails() {
    Server server;
    Cli cli({"connect", "--bind", "192.0.2.1", "--send", "hi", server.where()});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY2(cli.err().contains("192.0.2.1") && cli.err().contains("Cannot assign requested address"),
             cli.err());
}

void TestCliSockOpts::statsHaveTcpInfo() {
    Server server;
    Cli cli({"connect", "--send", "hello", "--stats", server.where()});
    QTRY_COMPARE_WITH_TIMEOUT(server.received(), QByteArray("hello"), TimeoutMs);
    server.clients().first()->close(); // our FIN came with the payload; now the peer's
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    const QJsonObject stats = cli.stats();
    QVERIFY2(stats.contains("tcp_info"), cli.err());
    const QJsonObject info = stats.value("tcp_info").toObject();
    QCOMPARE(info.value("bytes_acked").toInteger(), 5);
    QVERIFY2(info.value("rtt_us").toInteger() > 0, cli.err());
    QVERIFY2(info.value("cwnd").toInteger() > 0, cli.err());
    QVERIFY2(info.value("mss").toInteger() > 0, cli.err());
    QCOMPARE(info.value("retransmits").toInteger(), 0);
    QCOMPARE(info.value("bytes_received").toInteger(), 0); // the peer's FIN is no data
    QCOMPARE(info.value("send_queue").toInteger(), 0);
    QVERIFY2(!info.value("state").toString().isEmpty() && info.value("state").toString() != u"ESTABLISHED",
             cli.err());
    for (const char *key : {"rttvar_us", "ssthresh", "unacked", "lost", "peer_window", "pacing_rate",
                            "delivery_rate", "bytes_received", "receive_queue"})
        QVERIFY2(info.contains(QLatin1String(key)), key);
}

void TestCliSockOpts::listenerAppliesOptions() {
    // A listener with options serves clients as before; "listening on" stays the first line, and
    // a refusal is printed once in words, not once per client.
    Cli cli({"listen", "--reuseport", "--nodelay", "--keepalive", "5,5,5", "--interface", "nosuchif0",
             "--tos", "EF", "127.0.0.1:0"});
    QTRY_VERIFY_WITH_TIMEOUT(cli.err().contains('\n'), TimeoutMs);
    const QByteArray first = cli.err().left(cli.err().indexOf('\n'));
    QVERIFY2(first.startsWith("listening on 127.0.0.1:"), cli.err());
    const quint16 port = quint16(first.mid(first.lastIndexOf(':') + 1).toUInt());
    QVERIFY(port != 0);
    std::unique_ptr<QTcpSocket> clients[2];
    for (auto &client : clients) {
        client = std::make_unique<QTcpSocket>();
        client->connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(client->waitForConnected(TimeoutMs));
        client->write("x");
        QVERIFY(client->waitForBytesWritten(TimeoutMs));
    }
    QTRY_COMPARE_WITH_TIMEOUT(cli.out(), QByteArray("xx"), TimeoutMs);
    cli.terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QCOMPARE(cli.err().count("SO_BINDTODEVICE nosuchif0 refused: No such device"), 1);
}

QTEST_GUILESS_MAIN(TestCliSockOpts)
#include "tst_clisockopts.moc"
