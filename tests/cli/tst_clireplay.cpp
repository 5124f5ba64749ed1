// sockbench connect --replay and listen --replay, end to end: the real binary with the capture
// fixtures of tests/data/ (README there: every TCP fixture's client sends "hello server\n" then
// "bye\n", its server answers "hello client\n"; udp.pcapng is "ping 1"/"pong 1", "ping 2"/"pong 2"),
// against python3 peers that check bytes and turns, and against each other.

#include "clirun.h"

#include <QProcess>
#include <QTest>

using namespace sockbench::test;

namespace {

QString fixture(const char *name) {
    return QStringLiteral(SOCKBENCH_TEST_DATA "/") + QLatin1StringView(name);
}

/// A python3 program that prints its port (or 0) first, then its verdict when done.
class Python final {
public:
    explicit Python(const QString &program) {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral("python3"), {QStringLiteral("-c"), program});
    }
    ~Python() {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    Q_DISABLE_COPY_MOVE(Python)

    quint16 port() {
        // A whole line: the number and its newline may come in two reads.
        if (!QTest::qWaitFor([this] { return m_process.canReadLine(); }, CliTimeoutMs))
            return 0;
        return quint16(m_process.readLine().trimmed().toUInt());
    }
    QByteArray output() {
        if (!QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; }, CliTimeoutMs))
            return "<python did not finish>";
        return m_process.readAll().trimmed();
    }

private:
    QProcess m_process;
};

} // namespace

class TestCliReplay final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void connectReplaysTheClientSide();
    void listenBecomesTheServer();
    void replayAgainstItself_data();
    void replayAgainstItself();
    void usageErrors_data();
    void usageErrors();
    void refusedConnect();
};

void TestCliReplay::connectReplaysTheClientSide() {
    // Records what arrives until the FIN, answers "ok", closes; prints what it got (hex).
    Python server(QStringLiteral("import socket\n"
                                 "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
                                 "print(s.getsockname()[1], flush=True)\n"
                                 "c, _ = s.accept(); got = b''\n"
                                 "while True:\n"
                                 "    d = c.recv(65536)\n"
                                 "    if not d: break\n"
                                 "    got += d\n"
                                 "c.sendall(b'ok'); c.close(); print(got.hex(), flush=True)\n"));
    const quint16 port = server.port();
    QVERIFY(port != 0);
    Cli cli({QStringLiteral("connect"), QStringLiteral("--replay"), fixture("tcp-v4.pcapng#0"),
             QStringLiteral("--asap"), QStringLiteral("127.0.0.1:%1").arg(port)});
    CLI_FINISH(cli);
    QVERIFY2(cli.exitCode() == 0, cli.err().constData());
    QCOMPARE(QByteArray::fromHex(server.output()), QByteArray("hello server\nbye\n"));
    QCOMPARE(cli.out(), QByteArray("ok"));
    QVERIFY2(cli.err().contains("replaying tcp-v4.pcapng#0 to 127.0.0.1:"), cli.err().constData());
    QVERIFY2(cli.err().contains("sockbench: replayed 2/2 messages, 17 bytes\n"), cli.err().constData());
}

void TestCliReplay::listenBecomesTheServer() {
    Cli cli({QStringLiteral("listen"), QStringLiteral("--replay"), fixture("tcp-v4.pcap"),
             QStringLiteral("127.0.0.1:0")});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port != 0, cli.err().constData());
    // Half of the request must get no answer; all of it gets "hello client\n", then the FIN.
    Python client(QStringLiteral("import socket\n"
                                 "c = socket.create_connection(('127.0.0.1', %1)); print(0, flush=True)\n"
                                 "c.sendall(b'hello '); c.settimeout(0.4)\n"
                                 "try: early = c.recv(100)\n"
                                 "except socket.timeout: early = b''\n"
                                 "c.settimeout(10)\n"
                                 "for b in b'server\\nbye\\n': c.sendall(bytes([b]))\n"
                                 "got = b''\n"
                                 "while True:\n"
                                 "    d = c.recv(100)\n"
                                 "    if not d: break\n"
                                 "    got += d\n"
                                 "print(repr(early), repr(got), flush=True)\n")
                      .arg(port));
    QCOMPARE(client.port(), quint16(0));
    QCOMPARE(client.output(), QByteArray("b'' b'hello client\\n'"));
    cli.terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QCOMPARE(cli.out(), QByteArray("hello server\nbye\n"));
    QVERIFY2(cli.err().contains("replaying tcp-v4.pcap#0 as its server: 1 message, 13 bytes to each client"),
             cli.err().constData());
    QVERIFY2(cli.err().contains(": replayed 1/1 messages, 13 bytes"), cli.err().constData());
}

void TestCliReplay::replayAgainstItself_data() {
    QTest::addColumn<QString>("capture");
    QTest::addColumn<QStringList>("pace");
    QTest::addColumn<QByteArray>("clientGets");
    QTest::addColumn<QByteArray>("serverGets");
    QTest::newRow("tcp v6 capture, 50x") << fixture("tcp-v6.pcapng") << QStringList{"--speed", "50"}
                                         << QByteArray("hello client\n") << QByteArray("hello server\nbye\n");
    QTest::newRow("udp, asap") << fixture("udp.pcapng#0") << QStringList{"--asap", "--wait", "500"}
                               << QByteArray("pong 1pong 2") << QByteArray("ping 1ping 2");
}

void TestCliReplay::replayAgainstItself() {
    QFETCH(QString, capture);
    QFETCH(QStringList, pace);
    QFETCH(QByteArray, clientGets);
    QFETCH(QByteArray, serverGets);
    Cli server(
        {QStringLiteral("listen"), QStringLiteral("--replay"), capture, QStringLiteral("127.0.0.1:0")});
    const quint16 port = server.listeningPort();
    QVERIFY2(port != 0, server.err().constData());
    Cli client(QStringList{QStringLiteral("connect"), QStringLiteral("--replay"), capture} + pace +
               QStringList{QStringLiteral("127.0.0.1:%1").arg(port)});
    CLI_FINISH(client);
    QVERIFY2(client.exitCode() == 0, client.err().constData());
    QCOMPARE(client.out(), clientGets);
    server.terminate();
    CLI_FINISH(server);
    QCOMPARE(server.out(), serverGets);
}

void TestCliReplay::usageErrors_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString tcp = fixture("tcp-v4.pcapng");
    QTest::newRow("no stream") << QStringList{"connect", "--replay", tcp + "#7", ":1"}
                               << "no stream 7: tcp-v4.pcapng has TCP stream 0 and no UDP stream";
    QTest::newRow("no file") << QStringList{"listen", "--replay", "/nonexistent/x.pcapng", ":0"}
                             << "No such file or directory";
    QTest::newRow("no payload") << QStringList{"connect", "--replay", fixture("refused.pcapng#0"), ":1"}
                                << "has no payload to replay";
    QTest::newRow("speed 0") << QStringList{"connect", "--replay", tcp, "--speed", "0", ":1"}
                             << "--speed '0': expected a factor > 0";
    QTest::newRow("speed word") << QStringList{"connect", "--replay", tcp, "--speed", "fast", ":1"}
                                << "--speed 'fast': expected a factor > 0";
    QTest::newRow("speed and asap") << QStringList{"connect", "--replay", tcp, "--speed", "2", "--asap", ":1"}
                                    << "--speed and --asap exclude each other";
    QTest::newRow("asap alone") << QStringList{"connect", "--asap", ":1"} << "--asap needs --replay";
    QTest::newRow("with send") << QStringList{"connect", "--replay", tcp, "--send", "x", ":1"}
                               << "--replay and --send exclude each other";
    QTest::newRow("with echo") << QStringList{"listen", "--echo", "--replay", tcp, ":0"}
                               << "--replay and --echo exclude each other";
    QTest::newRow("udp on tcp") << QStringList{"connect", "--udp", "--replay", tcp, ":1"}
                                << "--udp given, but tcp-v4.pcapng#0 is a TCP stream";
    QTest::newRow("bad number") << QStringList{"connect", "--replay", tcp + "#one", ":1"}
                                << "expected a stream number after '#'";
}

void TestCliReplay::usageErrors() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    Cli cli(arguments);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY2(cli.err().contains(message.toUtf8()), cli.err().constData());
}

void TestCliReplay::refusedConnect() {
    // A port nobody listens on: python binds it without listening, so that it stays free of others.
    Python holder(QStringLiteral("import socket, sys\n"
                                 "s = socket.socket(); s.bind(('127.0.0.1', 0))\n"
                                 "print(s.getsockname()[1], flush=True); sys.stdin.read()\n"));
    const quint16 port = holder.port();
    QVERIFY(port != 0);
    Cli cli({QStringLiteral("connect"), QStringLiteral("--replay"), fixture("tcp-v4.pcapng"),
             QStringLiteral("127.0.0.1:%1").arg(port)});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY2(
        cli.err().contains(QStringLiteral("connect 127.0.0.1:%1: Connection refused").arg(port).toUtf8()),
        cli.err().constData());
}

QTEST_GUILESS_MAIN(TestCliReplay)
#include "tst_clireplay.moc"
