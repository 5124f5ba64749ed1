// --pcap FILE on the real binary: listen, connect and relay record their traffic to a pcapng file
// that tshark reads while the run goes on and after a kill -9; a file that cannot be opened stops
// the run before any socket.

#include "clirun.h"
#include "tsharkfollow.h"

#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace sockbench::test;

namespace {

QByteArray pattern(qsizetype size, char seed) {
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char((i * 131 + seed) & 0xff);
    return bytes;
}

bool writeAll(QTcpSocket *socket, const QByteArray &bytes) {
    socket->write(bytes);
    while (socket->bytesToWrite() > 0) {
        if (!socket->waitForBytesWritten(CliTimeoutMs))
            return false;
    }
    return true;
}

/// The port from "relaying ADDRESS:PORT -> HOST:PORT", waiting for the line; 0 if it did not come.
quint16 relayPort(Cli &cli) {
    (void)QTest::qWaitFor(
        [&cli] { return cli.err().contains('\n') || cli.process().state() == QProcess::NotRunning; },
        CliTimeoutMs);
    const QByteArray first = cli.errLines().value(0);
    if (!first.startsWith("relaying "))
        return 0;
    const QByteArray listen = first.mid(9, first.indexOf(" -> ") - 9);
    return quint16(listen.mid(listen.lastIndexOf(':') + 1).toUInt());
}

} // namespace

class TestCliPcap final : public QObject {
    Q_OBJECT

public:
    TestCliPcap() = default;
    Q_DISABLE_COPY_MOVE(TestCliPcap)

private Q_SLOTS:
    void initTestCase();
    void listenRecordsWhileRunning();
    void killedRunLeavesAReadableFile();
    void connectRecordsBothWays();
    void relayRecordsBothLegs();
    void unopenableFileStartsNothing_data();
    void unopenableFileStartsNothing();
    void pcapNeedsAValue();
};

void TestCliPcap::initTestCase() {
    if (tsharkPath().isEmpty()) {
        if (tsharkRequired())
            QFAIL("tshark is missing: scripts/deps installs it");
        QSKIP("tshark is not installed");
    }
}

void TestCliPcap::listenRecordsWhileRunning() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("listen.pcapng"));
    Cli cli({QStringLiteral("listen"), QStringLiteral("--quiet"), QStringLiteral("--pcap"), path,
             QStringLiteral("127.0.0.1:0")});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port != 0, cli.err());
    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), port);
    QVERIFY(client.waitForConnected(CliTimeoutMs));
    const QByteArray first = pattern(200 * 1000, 1);
    QVERIFY(writeAll(&client, first));
    // Read while the run goes on: the file is there, valid, and has the bytes.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() > first.size(), CliTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(followTcp(path).fromFirst == first, CliTimeoutMs);
    const QByteArray second = pattern(300 * 1000, 2);
    QVERIFY(writeAll(&client, second));
    client.disconnectFromHost();
    QTRY_VERIFY_WITH_TIMEOUT(followTcp(path).fromFirst == first + second, CliTimeoutMs);
    cli.terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    const Followed all = followTcp(path);
    QVERIFY2(all.ok, qPrintable(all.error));
    QVERIFY(all.fromFirst == first + second);
}

void TestCliPcap::killedRunLeavesAReadableFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("killed.pcapng"));
    Cli cli({QStringLiteral("listen"), QStringLiteral("--quiet"), QStringLiteral("--pcap"), path,
             QStringLiteral("127.0.0.1:0")});
    const quint16 port = cli.listeningPort();
    QVERIFY2(port != 0, cli.err());
    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), port);
    QVERIFY(client.waitForConnected(CliTimeoutMs));
    const QByteArray bytes = pattern(1024 * 1024, 3);
    QVERIFY(writeAll(&client, bytes));
    // The flush comes within a second: wait for the file to have it all, then kill at once.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() > bytes.size(), CliTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(followTcp(path).fromFirst == bytes, CliTimeoutMs);
    cli.signal(SIGKILL);
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), -1);
    const Followed all = followTcp(path);
    QVERIFY2(all.ok, qPrintable(all.error));
    QVERIFY(all.fromFirst == bytes);
}

void TestCliPcap::connectRecordsBothWays() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("connect.pcapng"));
    // A python3 server: it reads the request up to the client's FIN, then answers and closes (a
    // QTcpSocket would treat the half-close as the end of the connection).
    QProcess server;
    server.start(
        QStringLiteral("python3"),
        {QStringLiteral("-c"), QStringLiteral("import socket, sys\n"
                                              "s = socket.socket()\n"
                                              "s.bind(('127.0.0.1', 0)); s.listen()\n"
                                              "print(s.getsockname()[1], flush=True)\n"
                                              "c, _ = s.accept()\n"
                                              "while c.recv(65536): pass\n"
                                              "c.sendall(bytes((i * 131 + 4) & 255 for i in range(50000)))\n"
                                              "c.close()\n")});
    QVERIFY(server.waitForReadyRead(CliTimeoutMs));
    const quint16 port = quint16(server.readLine().trimmed().toUInt());
    QVERIFY(port != 0);
    Cli cli({QStringLiteral("connect"), QStringLiteral("--quiet"), QStringLiteral("--pcap"), path,
             QStringLiteral("--send"), QStringLiteral("hello pcap\\n"),
             QStringLiteral("127.0.0.1:%1").arg(port)});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY(server.state() == QProcess::NotRunning || server.waitForFinished(CliTimeoutMs));
    const Followed all = followTcp(path);
    QVERIFY2(all.ok, qPrintable(all.error));
    QCOMPARE(all.fromFirst, QByteArray("hello pcap\n"));
    QCOMPARE(all.fromSecond.size(), 50000);
    QVERIFY(all.fromSecond == pattern(50000, 4));
}

void TestCliPcap::relayRecordsBothLegs() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("relay.pcapng"));
    QTcpServer target;
    QVERIFY(target.listen(QHostAddress::LocalHost, 0));
    Cli cli({QStringLiteral("relay"), QStringLiteral("--quiet"), QStringLiteral("--pcap"), path,
             QStringLiteral("127.0.0.1:0"), QStringLiteral("127.0.0.1:%1").arg(target.serverPort())});
    const quint16 port = relayPort(cli);
    QVERIFY2(port != 0, cli.err());
    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), port);
    QVERIFY(client.waitForConnected(CliTimeoutMs));
    QVERIFY(target.waitForNewConnection(CliTimeoutMs));
    QTcpSocket *far = target.nextPendingConnection();
    const QByteArray up = pattern(100 * 1000, 5);
    QVERIFY(writeAll(&client, up));
    QTRY_COMPARE_WITH_TIMEOUT(far->bytesAvailable(), qint64(up.size()), CliTimeoutMs);
    // Both legs are in the file, each as a stream of its own with the same bytes going up.
    QTRY_VERIFY_WITH_TIMEOUT(followTcp(path, 0).fromFirst == up && followTcp(path, 1).fromFirst == up,
                             CliTimeoutMs);
    cli.terminate();
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 0);
}

void TestCliPcap::unopenableFileStartsNothing_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("reason");
    QTest::newRow("no such directory")
        << QStringLiteral("no/such/dir/x.pcapng") << QStringLiteral("No such file or directory");
    QTest::newRow("a directory") << QString() << QStringLiteral("Is a directory");
}

void TestCliPcap::unopenableFileStartsNothing() {
    QFETCH(QString, file);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    const QString path = file.isEmpty() ? dir.path() : dir.filePath(file);
    for (const QStringList &verb : {QStringList{QStringLiteral("listen"), QStringLiteral("127.0.0.1:0")},
                                    QStringList{QStringLiteral("connect"), QStringLiteral("--send"),
                                                QStringLiteral("x"), QStringLiteral("127.0.0.1:9")},
                                    QStringList{QStringLiteral("relay"), QStringLiteral("127.0.0.1:0"),
                                                QStringLiteral("127.0.0.1:9")}}) {
        QStringList arguments = verb;
        arguments.insert(1, QStringLiteral("--pcap"));
        arguments.insert(2, path);
        Cli cli(arguments);
        CLI_FINISH(cli);
        QCOMPARE(cli.exitCode(), 1);
        const QByteArray err = cli.err();
        QVERIFY2(err.startsWith("sockbench: --pcap: " + path.toLocal8Bit() + ": " + reason.toLocal8Bit()),
                 err);
        // Nothing started: no listener, relay or connection said a word.
        QVERIFY2(!err.contains("listening on") && !err.contains("relaying"), err);
        QCOMPARE(cli.errLines().size(), 1);
    }
}

void TestCliPcap::pcapNeedsAValue() {
    Cli cli({QStringLiteral("listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--pcap")});
    CLI_FINISH(cli);
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY2(cli.err().contains("'--pcap' needs a value"), cli.err());
}

QTEST_GUILESS_MAIN(TestCliPcap)
#include "tst_clipcap.moc"
