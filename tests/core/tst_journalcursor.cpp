// The journal cursor, on a real journal: batches bounded by record count and payload bytes (a
// record larger than the bound still comes, alone), headers without payloads, a dropped range
// skipped and its bytes counted per direction, seeking past cleared records and back, a hold that
// keeps the payloads ahead of the reader and follows it, and a selection read in its order with
// the first missing record named.

#include "journal/journalcursor.h"
#include "testmain.h"
#include "testutil.h"

#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

namespace {

/// Reads everything left through the cursor; returns the batches' sizes.
QList<qsizetype> drain(JournalCursor &cursor, std::vector<Record> *all, quint64 end = UINT64_MAX) {
    QList<qsizetype> sizes;
    std::vector<Record> batch;
    while (cursor.read(&batch, end)) {
        sizes.append(qsizetype(batch.size()));
        all->insert(all->end(), batch.begin(), batch.end());
    }
    return sizes;
}

} // namespace

class TestJournalCursor final : public QObject {
    Q_OBJECT

public:
    TestJournalCursor() = default;
    Q_DISABLE_COPY_MOVE(TestJournalCursor)

private Q_SLOTS:
    void batchesAreBoundedByCountAndBytes();
    void aRecordLargerThanTheBoundComesAlone();
    void headersOnlyCostNoPayloadBytes();
    void stopsAtTheEndAskedFor();
    void droppedRangeIsSkippedAndCounted();
    void seekLeavesClearedRecordsOut();
    void holdKeepsPayloadsAheadOfTheReader();
    void selectionKeepsItsOrderAndNamesTheMissing();
};

void TestJournalCursor::batchesAreBoundedByCountAndBytes() {
    Journal journal;
    for (int i = 0; i < 100; ++i)
        journal.appendData(1, RecordKind::DataIn, QByteArray(100, char('a' + i % 26)));
    // By count: 30 records at a time.
    JournalCursor byCount(journal, 0, {30, 1024 * 1024, true});
    std::vector<Record> all;
    QCOMPARE(drain(byCount, &all), (QList<qsizetype>{30, 30, 30, 10}));
    QCOMPARE(all.size(), size_t(100));
    for (size_t i = 0; i < all.size(); ++i) {
        QCOMPARE(all[i].seq, quint64(i));
        QCOMPARE(all[i].payload, QByteArray(100, char('a' + i % 26)));
    }
    QCOMPARE(byCount.position(), quint64(100));
    QCOMPARE(byCount.taken(), quint64(100));
    // By bytes: 1,000 bytes hold ten payloads of 100, not eleven.
    JournalCursor byBytes(journal, 0, {64, 1000, true});
    all.clear();
    QCOMPARE(drain(byBytes, &all), QList<qsizetype>(10, 10));
    // Nothing new: nothing read; a new record is read at once.
    std::vector<Record> batch;
    QVERIFY(!byBytes.read(&batch));
    QVERIFY(batch.empty());
    journal.appendData(2, RecordKind::DataOut, QByteArray("late"));
    QVERIFY(byBytes.read(&batch));
    QCOMPARE(batch.size(), size_t(1));
    QCOMPARE(batch.front().payload, QByteArray("late"));
    QCOMPARE(batch.front().endpoint, EndpointId(2));
}

void TestJournalCursor::aRecordLargerThanTheBoundComesAlone() {
    Journal journal;
    journal.appendData(1, RecordKind::DataIn, QByteArray(10, 'a'));
    journal.appendData(1, RecordKind::DataIn, QByteArray(5000, 'b'));
    journal.appendData(1, RecordKind::DataIn, QByteArray(10, 'c'));
    JournalCursor cursor(journal, 0, {64, 1000, true});
    std::vector<Record> all;
    QCOMPARE(drain(cursor, &all), (QList<qsizetype>{1, 1, 1}));
    QCOMPARE(all[1].payload.size(), 5000);
}

void TestJournalCursor::headersOnlyCostNoPayloadBytes() {
    Journal journal;
    for (int i = 0; i < 50; ++i)
        journal.appendData(1, RecordKind::DataIn, QByteArray(1000, 'x'));
    // A byte bound that would allow one payload lets every header through.
    JournalCursor cursor(journal, 0, {64, 1000, false});
    std::vector<Record> all;
    QCOMPARE(drain(cursor, &all), QList<qsizetype>{50});
    QVERIFY(all.front().payload.isEmpty());
    QCOMPARE(all.front().length, quint32(1000));
}

void TestJournalCursor::stopsAtTheEndAskedFor() {
    Journal journal;
    for (int i = 0; i < 20; ++i)
        journal.appendEvent(1, QStringLiteral("event %1").arg(i));
    JournalCursor cursor(journal, 5, {8, 1024, true});
    std::vector<Record> all;
    QCOMPARE(drain(cursor, &all, 15), (QList<qsizetype>{8, 2}));
    QCOMPARE(all.front().payload, QByteArray("event 5"));
    QCOMPARE(cursor.position(), quint64(15));
    QCOMPARE(drain(cursor, &all), QList<qsizetype>{5});
    QCOMPARE(cursor.skipped(), quint64(0));
}

void TestJournalCursor::droppedRangeIsSkippedAndCounted() {
    Journal journal(JournalBudget);
    appendChunks(journal, 96, true); // 6 MiB through 2 MiB: the oldest records go whole
    const DroppedRecords dropped = journal.dropped();
    QVERIFY(dropped.records > 0);
    QVERIFY(dropped.bytesIn > 0 && dropped.bytesOut > 0);
    JournalCursor cursor(journal, 0, {16, 4 * 1024 * 1024, true});
    std::vector<Record> all;
    drain(cursor, &all);
    // The cursor starts at the oldest record held, says how many it skipped and their bytes.
    QCOMPARE(cursor.skipped(), dropped.records);
    QCOMPARE(all.size(), size_t(96 - dropped.records));
    QCOMPARE(all.front().seq, dropped.records);
    for (const Record &r : all)
        QCOMPARE(r.payload, pattern(JournalChunk, r.seq));
    QCOMPARE(cursor.evictedBytes(RecordKind::DataIn), dropped.bytesIn);
    QCOMPARE(cursor.evictedBytes(RecordKind::DataOut), dropped.bytesOut);

    // A cursor that read part of the front before it went counts only what it had not read.
    Journal later(JournalBudget);
    appendChunks(later, 8, true);
    JournalCursor reader(later, 0, {4, 4 * 1024 * 1024, true});
    std::vector<Record> batch;
    QVERIFY(reader.read(&batch)); // records 0..3
    appendChunks(later, 96, true);
    const DroppedRecords gone = later.dropped();
    QVERIFY(gone.records > 4);
    std::vector<Record> rest;
    drain(reader, &rest);
    QCOMPARE(reader.skipped(), gone.records - 4);
    QCOMPARE(reader.evictedBytes(RecordKind::DataIn) + reader.evictedBytes(RecordKind::DataOut),
             (gone.records - 4) * JournalChunk);
    QCOMPARE(rest.front().seq, gone.records);
}

void TestJournalCursor::seekLeavesClearedRecordsOut() {
    Journal journal;
    for (int i = 0; i < 10; ++i)
        journal.appendEvent(1, QString::number(i));
    JournalCursor cursor(journal, 0, {4, 1024, true});
    std::vector<Record> batch;
    QVERIFY(cursor.read(&batch));
    // Clear log at 7: records 4..6 are never read.
    cursor.seek(7);
    QVERIFY(cursor.read(&batch));
    QCOMPARE(batch.front().seq, quint64(7));
    QCOMPARE(batch.size(), size_t(3));
    QVERIFY(!cursor.read(&batch));
    // Back to the origin: read again.
    cursor.seek(2);
    QVERIFY(cursor.read(&batch));
    QCOMPARE(batch.front().payload, QByteArray("2"));
    QCOMPARE(cursor.taken(), quint64(4 + 3 + 4));
}

void TestJournalCursor::holdKeepsPayloadsAheadOfTheReader() {
    Journal journal(JournalBudget);
    appendChunks(journal, 8, true);
    {
        JournalCursor cursor(journal, 8, {16, 4 * 1024 * 1024, true}, JournalCursor::Hold::Payloads);
        appendChunks(journal, 96, true); // 6 MiB past the hold: kept for the reader
        QVERIFY(journal.payloadBytesHeld() > 5 * 1024 * 1024);
        std::vector<Record> batch;
        QVERIFY(cursor.read(&batch));
        QCOMPARE(batch.front().seq, quint64(8));
        QVERIFY(!batch.front().isEvicted());
        // The hold moved past the batch: the next append lets what the reader has go.
        appendChunks(journal, 1, true);
        Record r;
        QVERIFY(!journal.record(8, &r));
        QCOMPARE(journal.oldestSeq(), quint64(8 + 16));
        std::vector<Record> all;
        drain(cursor, &all);
        QCOMPARE(all.size(), size_t(96 + 1 - 16));
        for (const Record &rest : all)
            QVERIFY2(!rest.isEvicted(), qPrintable(QString::number(rest.seq)));
        QCOMPARE(cursor.evictedBytes(RecordKind::DataIn) + cursor.evictedBytes(RecordKind::DataOut),
                 quint64(0));
        QVERIFY(journal.payloadBytesHeld() > JournalBudget);
    }
    // The cursor gone, its hold went with it: eviction catches up at the next append.
    appendChunks(journal, 1, true);
    QVERIFY(journal.payloadBytesHeld() <= JournalBudget + 1024 * 1024);
}

void TestJournalCursor::selectionKeepsItsOrderAndNamesTheMissing() {
    Journal journal;
    for (int i = 0; i < 10; ++i)
        journal.appendEvent(1, QString::number(i));
    JournalCursor cursor(journal, std::vector<quint64>{7, 2, 9, 2}, {3, 1024, true});
    std::vector<Record> all;
    QCOMPARE(drain(cursor, &all), (QList<qsizetype>{3, 1}));
    QCOMPARE(all[0].payload, QByteArray("7"));
    QCOMPARE(all[1].payload, QByteArray("2"));
    QCOMPARE(all[2].payload, QByteArray("9"));
    QCOMPARE(all[3].payload, QByteArray("2"));
    QCOMPARE(cursor.missing(), UINT64_MAX);
    // A record past the journal, or past the end asked for, stops the read before its batch.
    JournalCursor missing(journal, std::vector<quint64>{1, 2, 3, 4, 12, 5}, {3, 1024, true});
    std::vector<Record> batch;
    QVERIFY(missing.read(&batch));
    QVERIFY(!missing.read(&batch));
    QVERIFY(batch.empty());
    QCOMPARE(missing.missing(), quint64(12));
    JournalCursor bounded(journal, std::vector<quint64>{1, 8}, {3, 1024, true});
    QVERIFY(!bounded.read(&batch, 8));
    QCOMPARE(bounded.missing(), quint64(8));
    QCOMPARE(bounded.taken(), quint64(0));
}

SOCKBENCH_TEST_MAIN(TestJournalCursor)
#include "tst_journalcursor.moc"
