// Recording to disk as traffic happens (CaptureRecorder): real loopback traffic through the
// Workbench, the file read back by tshark, the judge. The file must be valid pcapng while it grows,
// hold every byte sent, lose nothing when a tiny journal evicts behind it, and say why when the
// disk refuses a write.

#include "capture/capturerecorder.h"
#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"
#include "tsharkfollow.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestCaptureRecorder final : public QObject {
    Q_OBJECT

public:
    TestCaptureRecorder() = default;
    Q_DISABLE_COPY_MOVE(TestCaptureRecorder)

private Q_SLOTS:
    void initTestCase();
    void fileGrowsAndReadsWhileRecording();
    void tinyJournalLosesNothing();
    void startsAfterTheCurrentRecord();
    void droppedRecordsAreCounted();
    void unopenableFileIsRefused();
    void writeErrorFails();
};

void TestCaptureRecorder::initTestCase() {
    if (tsharkPath().isEmpty()) {
        if (tsharkRequired())
            QFAIL("tshark is missing: scripts/deps installs it");
        QSKIP("tshark is not installed");
    }
}

void TestCaptureRecorder::fileGrowsAndReadsWhileRecording() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("live.pcapng"));
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    CaptureRecorder recorder(wb.journal(), path);
    QString error;
    QVERIFY2(recorder.start(&error, 0), qPrintable(error));
    QVERIFY(recorder.isRecording());
    QCOMPARE(recorder.path(), path);

    // First part: it reaches the file while recording goes on, and the file reads as it is.
    const QByteArray first = pattern(512 * 1024, 1);
    QVERIFY(raw->sendAll(first));
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(first.size()),
                              TransferTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() > first.size(), TransferTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(followTcp(path).fromFirst == first, 15000);
    const Followed mid = followTcp(path);
    QVERIFY2(mid.ok, qPrintable(mid.error));
    const qint64 sizeMid = QFileInfo(path).size();
    QVERIFY(sizeMid > first.size());
    QVERIFY(recorder.isRecording());

    // Second part, both ways: the file grows.
    const QByteArray second = pattern(3 * 1024 * 1024, 2);
    const QByteArray reply = pattern(700 * 1000, 3);
    QVERIFY(wb.send(server, reply));
    QVERIFY(raw->sendAll(second));
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(first.size() + second.size()),
                              TransferTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesOut, quint64(reply.size()),
                              TransferTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() > sizeMid + second.size(), TransferTimeoutMs);
    const Followed live = followTcp(path);
    QVERIFY2(live.ok, qPrintable(live.error));

    recorder.stop();
    QVERIFY(!recorder.isRecording());
    recorder.stop(); // idempotent
    QCOMPARE(qint64(recorder.bytesWritten()), QFileInfo(path).size());
    QVERIFY(recorder.packetsWritten() > 50);
    const Followed all = followTcp(path);
    QVERIFY2(all.ok, qPrintable(all.error));
    QCOMPARE(all.fromFirst.size(), first.size() + second.size());
    QVERIFY(all.fromFirst == first + second);
    QCOMPARE(all.fromSecond.size(), reply.size());
    QVERIFY(all.fromSecond == reply);
}

void TestCaptureRecorder::tinyJournalLosesNothing() {
    // 16 MiB through a 1 MiB journal: the journal evicts, but only what the file already has.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tiny.pcapng"));
    WorkbenchConfig config;
    config.journalBudgetBytes = 1024 * 1024;
    Workbench wb(config);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    CaptureRecorder recorder(wb.journal(), path);
    QString error;
    QVERIFY2(recorder.start(&error, 0), qPrintable(error));

    // In two halves: once the file has the first, the journal may (and must) evict it while the
    // second comes in.
    const QByteArray bytes = pattern(16 * 1024 * 1024, 16);
    const qsizetype half = bytes.size() / 2;
    bool sent = false;
    raw->run([&] { sent = raw->sendAll(bytes.constData(), half, TransferTimeoutMs); });
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(half), TransferTimeoutMs);
    QVERIFY(raw->wait());
    QVERIFY(sent);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() > half, TransferTimeoutMs);
    raw->run([&] { sent = raw->sendAll(bytes.constData() + half, bytes.size() - half, TransferTimeoutMs); });
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(bytes.size()),
                              TransferTimeoutMs);
    QVERIFY(raw->wait());
    QVERIFY(sent);
    recorder.stop();
    QVERIFY2(wb.journal().evictedBytes() > 0, "the journal was meant to evict");

    const Followed all = followTcp(path);
    QVERIFY2(all.ok, qPrintable(all.error));
    QCOMPARE(all.fromFirst.size(), bytes.size());
    QVERIFY(all.fromFirst == bytes);
}

void TestCaptureRecorder::startsAfterTheCurrentRecord() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("later.pcapng"));
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    const QByteArray before("before the recording");
    QVERIFY(raw->sendAll(before));
    QTRY_COMPARE(wb.journal().counters(server).bytesIn, quint64(before.size()));

    CaptureRecorder recorder(wb.journal(), path);
    QString error;
    QVERIFY2(recorder.start(&error), qPrintable(error));
    const QByteArray after("after it started");
    QVERIFY(raw->sendAll(after));
    QTRY_COMPARE(wb.journal().counters(server).bytesIn, quint64(before.size() + after.size()));
    recorder.stop();
    // The connection was open before: its first packet in the file is "after", handshake drawn.
    const Followed all = followTcp(path);
    QVERIFY2(all.ok, qPrintable(all.error));
    QCOMPARE(all.fromFirst, after);
}

void TestCaptureRecorder::droppedRecordsAreCounted() {
    // Records the journal let go before the recorder reached them (here: recorded from the start
    // of a journal that dropped some already; live, a recorder more than the hold allowance behind)
    // are not in the file: their bytes are counted for the user, and the rest is a file tshark reads.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("missed.pcapng"));
    WorkbenchConfig config;
    config.journalBudgetBytes = 2 * 1024 * 1024;
    Workbench wb(config);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    const QByteArray bytes = pattern(4 * 1024 * 1024, 4);
    bool sent = false;
    raw->run([&] { sent = raw->sendAll(bytes.constData(), bytes.size(), TransferTimeoutMs); });
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(bytes.size()),
                              TransferTimeoutMs);
    QVERIFY(raw->wait());
    QVERIFY(sent);
    const DroppedRecords dropped = wb.journal().dropped();
    QVERIFY2(dropped.bytesIn > 0, "the journal was meant to drop records");

    CaptureRecorder recorder(wb.journal(), path);
    QString error;
    QVERIFY2(recorder.start(&error, 0), qPrintable(error));
    recorder.stop();
    QCOMPARE(recorder.payloadBytesMissed(), dropped.bytesIn + dropped.bytesOut);
    if (tsharkPath().isEmpty()) {
        if (tsharkRequired())
            QFAIL("tshark is missing (scripts/deps installs it)");
        QSKIP("tshark is not installed");
    }
    const TsharkRun lengths =
        runTshark({QStringLiteral("-r"), path, QStringLiteral("-T"), QStringLiteral("fields"),
                   QStringLiteral("-e"), QStringLiteral("tcp.len")});
    QVERIFY2(lengths.ok, lengths.error.constData());
    quint64 recorded = 0;
    for (const QByteArray &line : lengths.out.split('\n'))
        recorded += line.trimmed().toULongLong();
    QCOMPARE(recorded, quint64(bytes.size()) - dropped.bytesIn);
}

void TestCaptureRecorder::unopenableFileIsRefused() {
    Journal journal;
    QTemporaryDir dir;
    CaptureRecorder missing(journal, dir.filePath(QStringLiteral("no/such/dir/x.pcapng")));
    QString error;
    QVERIFY(!missing.start(&error));
    QVERIFY2(error.contains(QStringLiteral("no/such/dir/x.pcapng")) &&
                 error.contains(QStringLiteral("No such file")),
             qPrintable(error));
    QVERIFY(!missing.isRecording());

    CaptureRecorder directory(journal, dir.path());
    QVERIFY(!directory.start(&error));
    QVERIFY2(error.contains(QStringLiteral("directory")), qPrintable(error));
}

void TestCaptureRecorder::writeErrorFails() {
    // /dev/full opens fine and refuses every write with ENOSPC: a disk that is full.
    if (!QFileInfo::exists(QStringLiteral("/dev/full")))
        QSKIP("no /dev/full here");
    Journal journal;
    CaptureRecorder recorder(journal, QStringLiteral("/dev/full"));
    QSignalSpy failed(&recorder, &CaptureRecorder::failed);
    QString error;
    QVERIFY2(recorder.start(&error), qPrintable(error));
    journal.appendData(1, RecordKind::DataIn, QByteArray("hello"));
    QTRY_COMPARE(failed.count(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains(QStringLiteral("No space left")),
             qPrintable(failed.at(0).at(0).toString()));
    QTRY_VERIFY(!recorder.isRecording());
    recorder.stop();
    // The journal is not held any more: nothing stops eviction.
    journal.setBudgetBytes(0);
    for (int i = 0; i < 3; ++i)
        journal.appendData(1, RecordKind::DataIn, pattern(1024 * 1024, quint64(i)));
    QVERIFY(journal.oldestSeq() > 0);
}

SOCKBENCH_TEST_MAIN(TestCaptureRecorder)
#include "tst_capturerecorder.moc"
