// The journal's records imported from a capture: they point into a source (no copy), keep the
// capture's times, are never evicted, count quietly (their endpoint's counters, not the totals or
// the rates), and refuse ranges outside their source. Also the endpoint descriptions and markers.

#include "capture/capturefile.h"
#include "journal/journal.h"
#include "testmain.h"
#include "testutil.h"

#include <QTest>

#include <memory>
#include <vector>

using namespace sockbench;
using namespace sockbench::test;

class TestJournalImport final : public QObject {
    Q_OBJECT

public:
    TestJournalImport() = default;
    Q_DISABLE_COPY_MOVE(TestJournalImport)

private Q_SLOTS:
    void importedDataPointsIntoItsSource();
    void importedRecordsKeepTheirTimesAndCountQuietly();
    void rangesOutsideTheSourceAreRefused();
    void importedRecordsGoWithTheOldest();
    void eventsCarryTheirMarker();
    void describedEndpointsReadBack();
};

void TestJournalImport::importedDataPointsIntoItsSource() {
    Journal journal;
    const QByteArray file = pattern(10000, 7);
    const auto source = MappedFile::fromBytes(file);
    const quint32 number = journal.addSource(source);
    QVERIFY(number >= 1);
    const NetAddress server{QStringLiteral("10.0.0.2"), 53};
    QCOMPARE(journal.appendImported(5, RecordKind::DataOut, 1000, number, 100, 50), quint64(0));
    QCOMPARE(journal.appendImported(5, RecordKind::DataIn, 2000, number, 9000, 1000, 1400, &server),
             quint64(1));

    Record r;
    QVERIFY(journal.record(0, &r));
    QCOMPARE(r.payload, file.mid(100, 50));
    QVERIFY(r.isImported());
    QVERIFY(!r.isTruncated());
    QVERIFY(!r.isEvicted());
    QVERIFY(journal.record(1, &r));
    QCOMPARE(r.payload, file.mid(9000, 1000));
    QCOMPARE(r.length, quint32(1000));
    QCOMPARE(r.originalLength, quint32(1400));
    QVERIFY(r.isTruncated());
    QCOMPARE(r.peer, server);
    // The payload is not in the arena: nothing was copied into it.
    QCOMPARE(journal.payloadBytesHeld(), qint64(0));
}

void TestJournalImport::importedRecordsKeepTheirTimesAndCountQuietly() {
    Journal journal;
    journal.appendData(1, RecordKind::DataIn, QByteArray("live"));
    std::vector<CounterDelta> deltas;
    Counters total;
    journal.takeCounterDeltas(&deltas, &total);
    const quint32 source = journal.addSource(MappedFile::fromBytes(QByteArray(64, 'x')));
    const qint64 old = 1'000'000'000; // 1970: older than the live record before it
    journal.appendImported(2, RecordKind::DataOut, old, source, 0, 10);
    journal.appendImported(2, RecordKind::DataIn, old + 5, source, 10, 20);
    journal.appendImportedEvent(2, old + 9, QStringLiteral("3 bytes missing from the capture"));
    journal.appendData(1, RecordKind::DataIn, QByteArray("more"));

    const std::vector<Record> records = journal.records(0, 5);
    QCOMPARE(records.size(), size_t(5));
    QCOMPARE(records[1].timeNs, old);
    QCOMPARE(records[2].timeNs, old + 5);
    QCOMPARE(records[3].timeNs, old + 9);
    QVERIFY(records[3].isImported());
    QCOMPARE(records[3].kind, RecordKind::Event);
    // Live records keep a clock of their own that the capture's old times did not move.
    QVERIFY(records[4].timeNs >= records[0].timeNs);

    const Counters imported = journal.counters(2);
    QCOMPARE(imported.bytesOut, quint64(10));
    QCOMPARE(imported.bytesIn, quint64(20));
    QCOMPARE(imported.chunksIn, quint64(1));
    QCOMPARE(journal.totals().bytesOut, quint64(0));
    QCOMPARE(journal.totals().bytesIn, quint64(8));
    journal.takeCounterDeltas(&deltas, &total);
    QCOMPARE(deltas.size(), size_t(1)); // the live endpoint only
    QCOMPARE(deltas[0].endpoint, EndpointId(1));
    QCOMPARE(total.bytesIn, quint64(4));
}

void TestJournalImport::rangesOutsideTheSourceAreRefused() {
    Journal journal;
    const quint32 source = journal.addSource(MappedFile::fromBytes(QByteArray(100, 'y')));
    QCOMPARE(journal.appendImported(1, RecordKind::DataIn, 0, source, 90, 11), UINT64_MAX);
    QCOMPARE(journal.appendImported(1, RecordKind::DataIn, 0, source, 101, 0), UINT64_MAX);
    QCOMPARE(journal.appendImported(1, RecordKind::DataIn, 0, source, UINT64_MAX - 5, 10), UINT64_MAX);
    QCOMPARE(journal.appendImported(1, RecordKind::DataIn, 0, 0, 0, 10), UINT64_MAX);          // the arena
    QCOMPARE(journal.appendImported(1, RecordKind::DataIn, 0, source + 1, 0, 10), UINT64_MAX); // unknown
    QCOMPARE(journal.appendImported(1, RecordKind::Event, 0, source, 0, 10), UINT64_MAX);
    QCOMPARE(journal.count(), quint64(0));
    QCOMPARE(journal.counters(1), Counters{});
    QCOMPARE(journal.appendImported(1, RecordKind::DataIn, 0, source, 90, 10), quint64(0));
    QCOMPARE(journal.appendImported(1, RecordKind::DataIn, 0, source, 100, 0), quint64(1));
}

void TestJournalImport::importedRecordsGoWithTheOldest() {
    // An imported record costs the budget its header only (its bytes stay in the mapped file), and
    // goes whole with the other oldest records, never leaving a record without its bytes.
    Journal journal(2 * 1024 * 1024);
    const QByteArray file = pattern(4096, 3);
    const quint32 source = journal.addSource(MappedFile::fromBytes(file));
    journal.appendImported(1, RecordKind::DataOut, 0, source, 0, 4096);
    QCOMPARE(journal.payloadBytesHeld(), qint64(0)); // a header, no payload block
    QVERIFY(journal.headerBytes() > 0);
    Record r;
    QVERIFY(journal.record(0, &r));
    QCOMPARE(r.payload, file);
    const QByteArray chunk(64 * 1024, 'z');
    for (int i = 0; i < 100; ++i) // 6.4 MB through a 2 MiB budget
        journal.appendData(2, RecordKind::DataIn, chunk);
    QVERIFY(journal.oldestSeq() > 1);
    QVERIFY(!journal.record(0, &r));
    QCOMPARE(journal.dropped().bytesOut, quint64(4096));
    QVERIFY(journal.record(100, &r));
    QCOMPARE(r.payload, chunk);
    // The capture's counters stay.
    QCOMPARE(journal.counters(1).bytesOut, quint64(4096));
}

void TestJournalImport::eventsCarryTheirMarker() {
    Journal journal;
    journal.appendEvent(1, QStringLiteral("Connecting to 127.0.0.1:9"), Marker::Connecting);
    journal.appendEvent(1, QStringLiteral("Connection refused"), Marker::Failed);
    journal.appendEvent(1, QStringLiteral("just words"));
    journal.appendData(1, RecordKind::DataIn, QByteArray("x"));
    const std::vector<Record> records = journal.records(0, 4);
    QCOMPARE(records[0].marker, Marker::Connecting);
    QCOMPARE(records[1].marker, Marker::Failed);
    QCOMPARE(records[2].marker, Marker::None);
    QCOMPARE(records[3].marker, Marker::None);
    QVERIFY(!records[0].isImported());
}

void TestJournalImport::describedEndpointsReadBack() {
    Journal journal;
    QVERIFY(!journal.describedEndpoint(4));
    const NetAddress local{QStringLiteral("::1"), 40000};
    const NetAddress peer{QStringLiteral("::1"), 443};
    journal.describeEndpoint(4, {EndpointKind::TcpConnection, true, 0, local, peer});
    const auto meta = journal.describedEndpoint(4);
    QVERIFY(meta);
    QVERIFY(meta->outgoing);
    QCOMPARE(meta->local, local);
    QCOMPARE(meta->peer, peer);
    // A second description replaces the first (an attempt to another address of the same host).
    journal.describeEndpoint(
        4, {EndpointKind::TcpConnection, true, 0, local, NetAddress{QStringLiteral("::1"), 8443}});
    QCOMPARE(journal.describedEndpoint(4)->peer.port, quint16(8443));
    QVERIFY(journal.headerBytes() > 0);
}

SOCKBENCH_TEST_MAIN(TestJournalImport)
#include "tst_journalimport.moc"
