// The journal's holds: a reader that must see every payload (the recorder writing to disk) holds
// the records from some sequence number on, and eviction never drops a payload there, however far
// past its budget the journal grows; moving or releasing the hold lets eviction catch up. Records
// before the hold evict as usual, and imported records (which live outside the arena) do not
// confuse where a hold starts.

#include "capture/capturefile.h"
#include "journal/journal.h"
#include "testmain.h"
#include "testutil.h"

#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

namespace {

/// True when record seq still has its payload, and it is the bytes appendChunks() put there.
bool intact(const Journal &journal, quint64 seq) {
    Record r;
    if (!journal.record(seq, &r) || r.isEvicted())
        return false;
    return r.payload == pattern(JournalChunk, seq);
}

/// True when record seq went whole: the budget dropped it, header and payload.
bool evicted(const Journal &journal, quint64 seq) {
    Record r;
    return seq < journal.oldestSeq() && !journal.record(seq, &r) && seq < journal.count();
}

} // namespace

class TestJournalHolds final : public QObject {
    Q_OBJECT

public:
    TestJournalHolds() = default;
    Q_DISABLE_COPY_MOVE(TestJournalHolds)

private Q_SLOTS:
    void withoutHoldTheBudgetEvicts();
    void holdKeepsPayloadsPastTheBudget();
    void movingTheHoldLetsEvictionCatchUp();
    void releasingTheHoldLetsEvictionCatchUp();
    void lowestOfSeveralHoldsCounts();
    void loweringTheBudgetRespectsTheHold();
    void importedRecordsDoNotBreakHolds();
    void allowanceBoundsWhatAHoldKeeps();
    void unknownHandlesAreHarmless();
};

void TestJournalHolds::withoutHoldTheBudgetEvicts() {
    // The baseline the other cases differ from: 10 MiB through a 2 MiB journal loses the oldest.
    Journal journal(JournalBudget);
    appendChunks(journal, 160);
    QVERIFY(evicted(journal, 0));
    QVERIFY(intact(journal, 159));
    QVERIFY(journal.payloadBytesHeld() <= JournalBudget + 1024 * 1024);
}

void TestJournalHolds::holdKeepsPayloadsPastTheBudget() {
    Journal journal(JournalBudget);
    appendChunks(journal, 48); // 3 MiB: already past the budget
    QVERIFY(evicted(journal, 0));
    const quint64 from = journal.count();
    const int hold = journal.addHold(from);
    QVERIFY(hold != 0);
    appendChunks(journal, 160); // 10 MiB more
    for (quint64 seq = from; seq < journal.count(); ++seq)
        QVERIFY2(intact(journal, seq), qPrintable(QStringLiteral("record %1 lost under the hold").arg(seq)));
    QVERIFY(journal.payloadBytesHeld() >= 10 * 1024 * 1024);
    // Records before the hold went on being evicted as usual, apart from the block the hold's
    // first record shares with them.
    QVERIFY(evicted(journal, 1));
    QVERIFY(evicted(journal, from - 20));
    journal.releaseHold(hold);
}

void TestJournalHolds::movingTheHoldLetsEvictionCatchUp() {
    Journal journal(JournalBudget);
    const int hold = journal.addHold(0);
    appendChunks(journal, 160);
    QVERIFY(intact(journal, 0));
    QVERIFY(journal.payloadBytesHeld() >= 10 * 1024 * 1024);
    const qint64 evictedBefore = journal.evictedBytes();
    QCOMPARE(evictedBefore, qint64(0));

    // The reader took the first 100 records: those may go, the rest stay.
    journal.moveHold(hold, 100);
    appendChunks(journal, 1);
    QVERIFY(evicted(journal, 0));
    QVERIFY(evicted(journal, 80));
    for (quint64 seq = 100; seq < journal.count(); ++seq)
        QVERIFY2(intact(journal, seq), qPrintable(QStringLiteral("record %1 lost").arg(seq)));
    QVERIFY(journal.evictedBytes() > evictedBefore);

    // A hold never moves back: moving it to 10 keeps it at 100.
    journal.moveHold(hold, 10);
    appendChunks(journal, 1);
    QVERIFY(intact(journal, 100));

    // Caught up: the journal is back within its budget at the next append.
    journal.moveHold(hold, journal.count());
    appendChunks(journal, 1);
    QVERIFY(journal.payloadBytesHeld() <= JournalBudget + 1024 * 1024);
    QVERIFY(evicted(journal, 100));
    QVERIFY(intact(journal, journal.count() - 1));
    journal.releaseHold(hold);
}

void TestJournalHolds::releasingTheHoldLetsEvictionCatchUp() {
    Journal journal(JournalBudget);
    const int hold = journal.addHold(0);
    appendChunks(journal, 160);
    QVERIFY(intact(journal, 0));
    journal.releaseHold(hold);
    // Nothing is evicted by the release itself: eviction runs at the next append.
    QVERIFY(intact(journal, 0));
    appendChunks(journal, 1);
    QVERIFY(evicted(journal, 0));
    QVERIFY(evicted(journal, 100));
    QVERIFY(intact(journal, journal.count() - 1));
    QVERIFY(journal.payloadBytesHeld() <= JournalBudget + 1024 * 1024);
}

void TestJournalHolds::lowestOfSeveralHoldsCounts() {
    Journal journal(JournalBudget);
    const int slow = journal.addHold(0);
    const int fast = journal.addHold(0);
    QVERIFY(slow != fast);
    appendChunks(journal, 100);
    journal.moveHold(fast, journal.count());
    appendChunks(journal, 1);
    // The slow reader has not taken anything: all of it stays.
    for (quint64 seq = 0; seq < journal.count(); ++seq)
        QVERIFY(intact(journal, seq));
    journal.moveHold(slow, 50);
    appendChunks(journal, 1);
    QVERIFY(evicted(journal, 0));
    QVERIFY(intact(journal, 50));
    journal.releaseHold(slow);
    appendChunks(journal, 1);
    // Only the fast hold is left, at 100.
    QVERIFY(evicted(journal, 60));
    QVERIFY(intact(journal, 100));
    journal.releaseHold(fast);
}

void TestJournalHolds::loweringTheBudgetRespectsTheHold() {
    Journal journal(64LL * 1024 * 1024);
    const int hold = journal.addHold(20);
    appendChunks(journal, 100);
    journal.setBudgetBytes(JournalBudget);
    QVERIFY(evicted(journal, 0));
    for (quint64 seq = 20; seq < journal.count(); ++seq)
        QVERIFY(intact(journal, seq));
    journal.releaseHold(hold);
}

void TestJournalHolds::importedRecordsDoNotBreakHolds() {
    Journal journal(JournalBudget);
    const QByteArray captured = pattern(1024 * 1024, 7);
    const quint32 source = journal.addSource(MappedFile::fromBytes(captured));
    appendChunks(journal, 40);
    // A hold that starts on imported records: it holds the arena from the first record of ours
    // after them.
    const quint64 firstImported = journal.count();
    for (int i = 0; i < 8; ++i)
        QVERIFY(journal.appendImported(2, RecordKind::DataIn, 1000 + i, source, quint64(i) * 4096, 4096) !=
                UINT64_MAX);
    journal.appendImportedEvent(2, 2000, QStringLiteral("imported"));
    const int hold = journal.addHold(firstImported);
    const quint64 ours = appendChunks(journal, 120);
    // Imported records interleaved with ours do not move the hold's floor either.
    for (int i = 0; i < 4; ++i) {
        journal.appendImported(2, RecordKind::DataOut, 3000 + i, source, 100, 200);
        appendChunks(journal, 10);
    }
    for (quint64 seq = ours; seq < journal.count(); ++seq) {
        Record r;
        QVERIFY(journal.record(seq, &r));
        QVERIFY2(!r.isEvicted(), qPrintable(QStringLiteral("record %1 lost").arg(seq)));
        if (!r.isImported())
            QCOMPARE(r.payload, pattern(JournalChunk, seq));
        else
            QCOMPARE(r.payload, captured.mid(100, 200));
    }
    // The held imported records are there, their payloads read from the source.
    Record r;
    QVERIFY(journal.record(firstImported, &r));
    QVERIFY(r.isImported());
    QCOMPARE(r.payload, captured.left(4096));
    // Before the hold, our own records went as usual.
    QVERIFY(evicted(journal, 0));

    // Released, imported records go with the others when they are the oldest: the budget counts
    // their headers, and the records after them are intact.
    journal.moveHold(hold, journal.count());
    appendChunks(journal, 1);
    QVERIFY(evicted(journal, ours));
    QVERIFY(evicted(journal, firstImported + 1));
    QVERIFY(intact(journal, journal.count() - 1));
    journal.releaseHold(hold);
}

void TestJournalHolds::allowanceBoundsWhatAHoldKeeps() {
    // A reader that never moves its hold (a disk that cannot keep up) costs at most the budget plus
    // the allowance (and the block being filled): past it the oldest held payloads go after all.
    constexpr qint64 Allowance = 4 * 1024 * 1024;
    Journal journal(JournalBudget);
    journal.setHoldAllowanceBytes(Allowance);
    QCOMPARE(journal.holdAllowanceBytes(), Allowance);
    const int hold = journal.addHold(0);
    appendChunks(journal, 160); // 10 MiB
    QVERIFY2(journal.payloadBytesHeld() <= JournalBudget + Allowance + 1024 * 1024,
             qPrintable(QString::number(journal.payloadBytesHeld())));
    QVERIFY(evicted(journal, 0));
    QVERIFY(evicted(journal, 60));
    // What is kept is the newest, nearly the budget plus the allowance of it (the headers count too).
    for (quint64 seq = journal.count() - (JournalBudget + Allowance - 1024 * 1024) / JournalChunk;
         seq < journal.count(); ++seq)
        QVERIFY2(intact(journal, seq), qPrintable(QStringLiteral("record %1 lost").arg(seq)));
    // A larger allowance holds again from here on; lowering it evicts at once.
    journal.setHoldAllowanceBytes(Journal::DefaultHoldAllowanceBytes);
    journal.moveHold(hold, journal.count());
    const quint64 from = appendChunks(journal, 160);
    QVERIFY(intact(journal, from));
    journal.setHoldAllowanceBytes(0);
    QVERIFY(journal.payloadBytesHeld() <= JournalBudget + 1024 * 1024);
    QVERIFY(evicted(journal, from));
    journal.releaseHold(hold);
}

void TestJournalHolds::unknownHandlesAreHarmless() {
    Journal journal(JournalBudget);
    journal.moveHold(12345, 10);
    journal.releaseHold(12345);
    const int hold = journal.addHold(0);
    journal.releaseHold(hold);
    journal.releaseHold(hold); // twice
    appendChunks(journal, 100);
    QVERIFY(evicted(journal, 0));
}

SOCKBENCH_TEST_MAIN(TestJournalHolds)
#include "tst_journalholds.moc"
