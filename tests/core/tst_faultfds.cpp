// Fault matrix, descriptor exhaustion: a listener in a child process with a low RLIMIT_NOFILE, under
// a connection flood, keeps running, does not spin the CPU, reports the condition, and accepts
// again once descriptors are free. The child is tests/helpers/fdlimitlistener.cpp.

#include "../helpers/faultutil.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestFaultFds final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void listenerSurvivesDescriptorExhaustion();
};

namespace {

/// The child's stdout, line by line.
class ChildLines final {
public:
    explicit ChildLines(QProcess *process)
        : m_process(process) {}
    Q_DISABLE_COPY_MOVE(ChildLines)

    const QStringList &lines() {
        m_pending += m_process->readAllStandardOutput();
        qsizetype eol;
        while ((eol = m_pending.indexOf('\n')) >= 0) {
            m_lines << QString::fromUtf8(m_pending.left(eol));
            m_pending.remove(0, eol + 1);
        }
        return m_lines;
    }
    /// The last line starting with prefix, without the prefix; empty if none.
    QString last(const QString &prefix) {
        const QStringList &all = lines();
        for (qsizetype i = all.size() - 1; i >= 0; --i) {
            if (all.at(i).startsWith(prefix))
                return all.at(i).mid(prefix.size());
        }
        return {};
    }
    int count(const QString &line) { return int(lines().count(line)); }
    int accepted() { return last(QStringLiteral("accepted ")).toInt(); }

private:
    QProcess *m_process;
    QByteArray m_pending;
    QStringList m_lines;
};

const QString Paused = QStringLiteral("warning Too many open files: accepting paused");
const QString Resumed = QStringLiteral("warning Descriptors available again: accepting resumed");

} // namespace

void TestFaultFds::listenerSurvivesDescriptorExhaustion() {
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    constexpr int Limit = 64;
    child.start(helperPath(QStringLiteral("fdlimitlistener")), {QString::number(Limit)});
    QVERIFY2(child.waitForStarted(5000), qPrintable(child.errorString()));
    ChildLines out(&child);
    QTRY_VERIFY(!out.last(QStringLiteral("listening ")).isEmpty());
    const NetAddress at{QStringLiteral("127.0.0.1"),
                        quint16(out.last(QStringLiteral("listening ")).toUInt())};

    // The flood: far more clients than the child has descriptors. The kernel completes every
    // handshake into the listen backlog whether the child can accept or not.
    constexpr int Clients = 300;
    std::vector<std::unique_ptr<LoopbackPeer>> clients;
    for (int i = 0; i < Clients; ++i) {
        clients.push_back(LoopbackPeer::connectTcp(at));
        QVERIFY(clients.back());
    }
    QTRY_COMPARE(out.count(Paused), 1);
    const int firstBatch = out.accepted();
    QVERIFY2(firstBatch > 0 && firstBatch < Limit, qPrintable(QString::number(firstBatch)));

    // Paused, with clients waiting in the backlog: the child must sleep, not spin on them.
    // Measuring CPU use needs wall time to pass, so this is the one place that waits for time.
    const qint64 cpuBefore = cpuTimeMs(child.processId());
    QVERIFY(cpuBefore >= 0);
    QElapsedTimer window;
    window.start();
    QTest::qWait(1000);
    const qint64 cpuUsed = cpuTimeMs(child.processId()) - cpuBefore;
    const qint64 wall = window.elapsed();
    QVERIFY2(cpuUsed * 100 < wall * 15, // under 15 % of one core; a spinning loop uses 100 %
             qPrintable(QStringLiteral("child used %1 ms CPU in %2 ms").arg(cpuUsed).arg(wall)));
    QCOMPARE(child.state(), QProcess::Running);
    QCOMPARE(out.accepted(), firstBatch);

    // Free the descriptors: the listener resumes on its own and takes the clients still waiting,
    // batch by batch, until every one of the flood is accepted.
    int rounds = 0;
    while (out.accepted() < Clients) {
        QVERIFY2(++rounds <= Clients, "the listener stopped accepting");
        const int before = out.accepted();
        child.write("abort\n");
        QTRY_VERIFY(out.accepted() > before);
    }
    QVERIFY(out.count(Resumed) >= 1);
    qInfo("limit %d: first batch %d accepted, then paused using %lld ms CPU in %lld ms; all %d accepted in "
          "%d rounds",
          Limit, firstBatch, static_cast<long long>(cpuUsed), static_cast<long long>(wall), Clients, rounds);
    QVERIFY2(rounds >= Clients / Limit, qPrintable(QString::number(rounds)));

    // And one more client after the flood, when nothing is left waiting.
    const int abortsBefore = int(out.lines().filter(QRegularExpression(QStringLiteral("^aborted "))).size());
    child.write("abort\n");
    QTRY_VERIFY(out.lines().filter(QRegularExpression(QStringLiteral("^aborted "))).size() > abortsBefore);
    auto late = LoopbackPeer::connectTcp(at);
    QVERIFY(late);
    QTRY_COMPARE(out.accepted(), Clients + 1);
    QCOMPARE(child.state(), QProcess::Running);

    child.closeWriteChannel(); // EOF on stdin: the child quits
    QVERIFY(child.waitForFinished(10000));
    QCOMPARE(child.exitStatus(), QProcess::NormalExit);
    QCOMPARE(child.exitCode(), 0);
}

SOCKBENCH_TEST_MAIN(TestFaultFds)
#include "tst_faultfds.moc"
