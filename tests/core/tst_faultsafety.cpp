// Safety defaults: listeners bind 127.0.0.1 unless told otherwise; binding every interface is
// noted on stderr by the command line; files Sockbench writes are readable by the user alone; and
// nothing received is ever executed or interpreted beyond display. (The window's side of these is
// in tests/ui/tst_faultforms.cpp.)

#include "loopbackpeer.h"
#include "platform/privatefile.h"
#include "testmain.h"
#include "testutil.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace sockbench;
using namespace sockbench::test;

class TestFaultSafety final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void restrictToOwnerMakesFilesPrivate();
    void cliListenBindsLoopbackByDefault();
    void cliNotesEveryInterface_data();
    void cliNotesEveryInterface();
    void receivedBytesAreNeverExecuted_data();
    void receivedBytesAreNeverExecuted();

private:
    /// Starts `sockbench listen ...` and returns the address from its "listening on" line.
    NetAddress startListen(QProcess *cli, const QStringList &arguments, QString *stderrText);

    QString m_binary;
    QTemporaryDir m_dir;
};

void TestFaultSafety::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_binary = qEnvironmentVariable("SOCKBENCH_BINARY");
}

void TestFaultSafety::restrictToOwnerMakesFilesPrivate() {
    const QString path = m_dir.filePath(QStringLiteral("saved-log.txt"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("127.0.0.1:9000 <- password=hunter2\n");
    file.close();
    QVERIFY(::chmod(QFile::encodeName(path).constData(), 0644 | S_ISUID) == 0);
    QVERIFY(!isPrivateToOwner(path));

    QString error;
    QVERIFY(restrictToOwner(path, &error));
    QVERIFY(error.isEmpty());
    struct stat st {};
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0600));
    QVERIFY(isPrivateToOwner(path));

    const QString missing = m_dir.filePath(QStringLiteral("not-there"));
    QVERIFY(!restrictToOwner(missing, &error));
    QVERIFY2(error.contains(missing), qPrintable(error));
    QVERIFY(!isPrivateToOwner(missing));
}

NetAddress TestFaultSafety::startListen(QProcess *cli, const QStringList &arguments, QString *stderrText) {
    cli->start(m_binary, QStringList{QStringLiteral("listen")} + arguments);
    if (!cli->waitForStarted(5000))
        return {};
    static const QRegularExpression line(QStringLiteral("listening on (\\S+):(\\d+)\\n"));
    NetAddress at;
    (void)QTest::qWaitFor(
        [&] {
            *stderrText += QString::fromUtf8(cli->readAllStandardError());
            const QRegularExpressionMatch m = line.match(*stderrText);
            if (m.hasMatch()) {
                at.ip = m.captured(1).remove(u'[').remove(u']');
                at.port = quint16(m.captured(2).toUInt());
            }
            return m.hasMatch() || cli->state() == QProcess::NotRunning;
        },
        10000);
    return at;
}

void TestFaultSafety::cliListenBindsLoopbackByDefault() {
    if (m_binary.isEmpty())
        QSKIP("SOCKBENCH_BINARY is not set; run through ctest");
    // Only a port: the default must be this machine only.
    for (const QString &where : {QStringLiteral("0"), QStringLiteral(":0")}) {
        QProcess cli;
        QString err;
        const NetAddress at = startListen(&cli, {where}, &err);
        QVERIFY2(at.isValid(), qPrintable(err));
        QCOMPARE(at.ip, QStringLiteral("127.0.0.1"));
        QVERIFY2(!err.contains(QStringLiteral("every interface")), qPrintable(err));
        // It is reachable on loopback, and on loopback only.
        QVERIFY(LoopbackPeer::connectTcp(at));
        cli.terminate();
        QVERIFY(cli.waitForFinished(5000));
    }
}

void TestFaultSafety::cliNotesEveryInterface_data() {
    QTest::addColumn<QString>("where");
    QTest::newRow("0.0.0.0") << QStringLiteral("0.0.0.0:0");
    QTest::newRow("::") << QStringLiteral("[::]:0");
}

void TestFaultSafety::cliNotesEveryInterface() {
    QFETCH(QString, where);
    if (m_binary.isEmpty())
        QSKIP("SOCKBENCH_BINARY is not set; run through ctest");
    if (where.contains(u'[') && !hasIpv6Loopback())
        QSKIP("no IPv6 on this machine");
    QProcess cli;
    QString err;
    const NetAddress at = startListen(&cli, {where}, &err);
    QVERIFY2(at.isValid(), qPrintable(err));
    QVERIFY(at.ip == QStringLiteral("0.0.0.0") || at.ip == QStringLiteral("::"));
    QTRY_VERIFY2(
        (err += QString::fromUtf8(cli.readAllStandardError())).contains(QStringLiteral("every interface")),
        qPrintable(err));
    // The note goes to stderr, never into the received data on stdout.
    QVERIFY(!cli.readAllStandardOutput().contains("interface"));
    cli.terminate();
    QVERIFY(cli.waitForFinished(5000));
}

void TestFaultSafety::receivedBytesAreNeverExecuted_data() {
    QTest::addColumn<QString>("format"); // "" (raw), "--log" or "--hex"
    QTest::newRow("raw") << QString();
    QTest::newRow("log") << QStringLiteral("--log");
    QTest::newRow("hex") << QStringLiteral("--hex");
}

void TestFaultSafety::receivedBytesAreNeverExecuted() {
    QFETCH(QString, format);
    if (m_binary.isEmpty())
        QSKIP("SOCKBENCH_BINARY is not set; run through ctest");
    const QString marker = m_dir.filePath(
        QStringLiteral("pwned-%1").arg(format.isEmpty() ? QStringLiteral("raw") : format.mid(2)));
    const QByteArray m = QFile::encodeName(marker);
    // Shell, format-string and terminal-escape bait. Displayed, never acted on.
    const QByteArray hostile = "$(touch " + m + ")`touch " + m + "`;touch " + m + "\n%n%n%s%s%x\n" +
                               QByteArrayLiteral("\x1b]0;owned\x07\x1b[2J\x1b[6n\r\0\xff\xfe") +
                               "{{7*7}}${HOME}\n";

    QProcess cli;
    QString err;
    QStringList arguments{QStringLiteral("0")};
    if (!format.isEmpty())
        arguments << format;
    const NetAddress at = startListen(&cli, arguments, &err);
    QVERIFY2(at.isValid(), qPrintable(err));
    auto peer = LoopbackPeer::connectTcp(at);
    QVERIFY(peer);
    QVERIFY(peer->sendAll(hostile));
    peer->shutdownWrite();
    QByteArray out;
    QTRY_VERIFY((out += cli.readAllStandardOutput())
                    .contains(format == QStringLiteral("--hex") ? "7b 7b 37" : "{{7*7}}"));
    cli.terminate();
    QVERIFY(cli.waitForFinished(5000));
    out += cli.readAllStandardOutput();

    QVERIFY2(!QFile::exists(marker), "received bytes were executed");
    if (format.isEmpty()) {
        // Raw output is for pipes (like nc): the bytes exactly, nothing added, nothing acted on.
        QCOMPARE(out, hostile);
    } else {
        // Human-readable output: not one control byte reaches the terminal.
        for (char c : std::as_const(out))
            QVERIFY2(
                c == '\n' || (uchar(c) >= 0x20 && uchar(c) != 0x7f),
                qPrintable(
                    QStringLiteral("control byte 0x%1 in the output").arg(uchar(c), 2, 16, QChar(u'0'))));
        QVERIFY(!out.contains("owned\x07"));
    }
}

SOCKBENCH_TEST_MAIN(TestFaultSafety)
#include "tst_faultsafety.moc"
