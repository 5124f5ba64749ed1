// Fault matrix, malformed input on the command line: every address, port, payload and number a
// user can type, tried with malformed values against the real `sockbench` binary. Each must give a
// clear message on stderr and exit code 2, and nothing may be sent: the raw peers it was pointed at
// see no connection and no datagram. (The window's forms are tried in tests/ui/tst_faultforms.cpp.)

#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestFaultInput final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void malformedCommandLine_data();
    void malformedCommandLine();

private:
    QString m_binary;
    QTemporaryDir m_dir;
};

void TestFaultInput::initTestCase() {
    m_binary = qEnvironmentVariable("SOCKBENCH_BINARY");
    if (m_binary.isEmpty())
        QSKIP("SOCKBENCH_BINARY is not set; run through ctest");
    QVERIFY2(QFile::exists(m_binary), qPrintable(m_binary + QStringLiteral(" does not exist")));
    QVERIFY(m_dir.isValid());
    // One byte more than an IPv4 datagram can hold.
    QFile big(m_dir.filePath(QStringLiteral("65508.bin")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    big.write(QByteArray(65508, 'x'));
}

void TestFaultInput::malformedCommandLine_data() {
    // %T is the port of a raw TCP listener, %U of a raw UDP socket, %D the test's temporary folder.
    // `needle` is what the message must name, so the user can find the fault.
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("needle");

    auto row = [](const char *name, QStringList arguments, const char *needle) {
        QTest::newRow(name) << arguments << QString::fromUtf8(needle);
    };
    // Addresses and ports.
    row("port too large", {"connect", "127.0.0.1:70000", "--send", "hi"}, "70000");
    row("port not a number", {"connect", "127.0.0.1:8o8o", "--send", "hi"}, "8o8o");
    row("port negative", {"connect", "127.0.0.1:-1", "--send", "hi"}, "-1");
    row("port zero", {"connect", "127.0.0.1:0", "--send", "hi"}, "0");
    row("port missing", {"connect", "127.0.0.1", "--send", "hi"}, "port");
    row("port empty", {"connect", "127.0.0.1:", "--send", "hi"}, "127.0.0.1:");
    row("port with space", {"connect", "127.0.0.1: %T", "--send", "hi"}, "127.0.0.1:");
    row("address empty", {"connect", "", "--send", "hi"}, "HOST:PORT");
    row("bare ipv6", {"connect", "::1", "--send", "hi"}, "[::1]");
    row("ipv6 unclosed bracket", {"connect", "[::1:%T", "--send", "hi"}, "[::1:");
    row("ipv6 missing port", {"connect", "[::1]", "--send", "hi"}, "[::1]");
    row("two addresses", {"connect", "127.0.0.1:%T", "127.0.0.1:%T", "--send", "hi"}, "127.0.0.1:");
    row("listen port too large", {"listen", "127.0.0.1:65536"}, "65536");
    row("listen host without port", {"listen", "localhost"}, "localhost");
    // Payloads: the address is good and a listener waits, so "nothing sent" is really checked.
    row("text escape cut short", {"connect", "127.0.0.1:%T", "--send", "abc\\x4"}, "--send");
    row("text bad code point", {"connect", "127.0.0.1:%T", "--send", "\\u{110000}"}, "--send");
    row("text unknown escape", {"connect", "127.0.0.1:%T", "--send", "tab\\q"}, "--send");
    row("hex odd digits", {"connect", "127.0.0.1:%T", "--send-hex", "abc"}, "--send-hex");
    row("hex not hex", {"connect", "127.0.0.1:%T", "--send-hex", "zz"}, "--send-hex");
    row("payload value missing", {"connect", "127.0.0.1:%T", "--send"}, "--send");
    row("file missing", {"connect", "127.0.0.1:%T", "--send-file", "%D/no-such-file"}, "no-such-file");
    row("udp payload bad", {"connect", "--udp", "127.0.0.1:%U", "--send", "x\\"}, "--send");
    row("udp datagram too big", {"connect", "--udp", "127.0.0.1:%U", "--send-file", "%D/65508.bin"}, "65507");
    row("greeting bad", {"listen", "127.0.0.1:0", "--greet", "\\x"}, "--greet");
    // Numbers.
    row("repeat zero", {"connect", "127.0.0.1:%T", "--send", "hi", "--repeat", "0"}, "--repeat");
    row("repeat negative", {"connect", "127.0.0.1:%T", "--send", "hi", "--repeat", "-3"}, "--repeat");
    row("repeat words", {"connect", "127.0.0.1:%T", "--send", "hi", "--repeat", "many"}, "--repeat");
    row("repeat float", {"connect", "127.0.0.1:%T", "--send", "hi", "--repeat", "1e3"}, "--repeat");
    row("repeat huge", {"connect", "127.0.0.1:%T", "--send", "hi", "--repeat", "99999999999999999999"},
        "--repeat");
    row("interval negative", {"connect", "127.0.0.1:%T", "--send", "hi", "--interval", "-1"}, "--interval");
    row("interval fraction", {"connect", "127.0.0.1:%T", "--send", "hi", "--interval", "1.5"}, "--interval");
    row("wait words", {"connect", "127.0.0.1:%T", "--send", "hi", "--wait", "soon"}, "--wait");
    row("duration zero", {"listen", "127.0.0.1:0", "--duration", "0"}, "--duration");
    row("duration nan", {"listen", "127.0.0.1:0", "--duration", "nan"}, "--duration");
    row("duration words", {"listen", "127.0.0.1:0", "--duration", "forever"}, "--duration");
    // Options.
    row("unknown option", {"connect", "127.0.0.1:%T", "--send", "hi", "--frobnicate"}, "--frobnicate");
    row("flag with a value", {"connect", "127.0.0.1:%T", "--send", "hi", "--udp=yes"}, "--udp");
    row("two payloads", {"connect", "127.0.0.1:%T", "--send", "a", "--send-hex", "62"}, "--send");
    row("unknown verb", {"conect", "127.0.0.1:%T"}, "conect");
}

void TestFaultInput::malformedCommandLine() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, needle);

    auto tcp = LoopbackPeer::listenTcp();
    auto udp = LoopbackPeer::bindUdp();
    QVERIFY(tcp && udp);
    for (QString &a : arguments) {
        a.replace(QStringLiteral("%T"), QString::number(tcp->local().port));
        a.replace(QStringLiteral("%U"), QString::number(udp->local().port));
        a.replace(QStringLiteral("%D"), m_dir.path());
    }

    QProcess cli;
    cli.start(m_binary, arguments);
    QVERIFY2(cli.waitForStarted(5000), qPrintable(cli.errorString()));
    cli.closeWriteChannel(); // a verb reading stdin sees its end at once instead of waiting
    const bool exited = cli.waitForFinished(10000);
    if (!exited)
        cli.kill();
    QVERIFY2(exited, "the command line did not give up on malformed input");
    const QString err = QString::fromUtf8(cli.readAllStandardError());
    QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
    QVERIFY2(cli.exitCode() == 2,
             qPrintable(QStringLiteral("exit code %1, stderr: %2").arg(cli.exitCode()).arg(err)));
    QVERIFY2(err.contains(needle),
             qPrintable(QStringLiteral("stderr does not name '%1': %2").arg(needle, err)));
    QVERIFY2(err.size() < 2000, "a usage error is one clear message, not the whole manual");
    QCOMPARE(cli.readAllStandardOutput(), QByteArray());
    // Nothing was sent: no connection reached the listener, no datagram the UDP socket.
    QVERIFY(!tcp->accept(0));
    QVERIFY(udp->receiveFrom(nullptr, 0).isNull());
}

SOCKBENCH_TEST_MAIN(TestFaultInput)
#include "tst_faultinput.moc"
