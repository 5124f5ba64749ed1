// The journal on its own: dense ordered records, exact counters, datagram peers and truncation,
// the oldest records dropped whole under one budget (headers and forgotten endpoints included),
// and appends from several threads at once.

#include "journal/journal.h"
#include "testmain.h"
#include "testutil.h"

#include <QDateTime>
#include <QScopeGuard>
#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace sockbench;
using namespace sockbench::test;

class TestJournal final : public QObject {
    Q_OBJECT

public:
    TestJournal() = default;
    Q_DISABLE_COPY_MOVE(TestJournal)

private Q_SLOTS:
    void emptyJournal();
    void recordsAreDenseAndOrdered();
    void countersAreExactPerEndpoint();
    void datagramPeerAndTruncation();
    void eventsDoNotTouchCounters();
    void recordsRangeWithoutPayload();
    void budgetDropsOldestRecordsWhole();
    void loweringTheBudgetDrops();
    void headersCountAgainstTheBudget();
    void forgottenEndpointsGoWithTheirLastRecord();
    void dataBytesBeforeCountsEveryDataRecord();
    void concurrentAppendersKeepOrder();
    void counterDeltasListOnlyChangedEndpoints();
    void counterDeltasAddUpWhileAppendersRun();
};

void TestJournal::emptyJournal() {
    Journal journal;
    QCOMPARE(journal.count(), quint64(0));
    QCOMPARE(journal.budgetBytes(), Journal::DefaultBudgetBytes);
    Record r;
    QVERIFY(!journal.record(0, &r));
    QVERIFY(journal.records(0, 10).empty());
    QCOMPARE(journal.totals(), Counters{});
    QCOMPARE(journal.counters(1), Counters{});
    QCOMPARE(journal.payloadBytesHeld(), qint64(0));
    QCOMPARE(journal.evictedBytes(), qint64(0));
}

void TestJournal::recordsAreDenseAndOrdered() {
    Journal journal;
    for (int i = 0; i < 5000; ++i) {
        const QByteArray data = pattern(1 + i % 300, quint64(i));
        QCOMPARE(
            journal.appendData(EndpointId(1 + i % 3), i % 2 ? RecordKind::DataIn : RecordKind::DataOut, data),
            quint64(i));
    }
    QCOMPARE(journal.count(), quint64(5000));
    qint64 lastTime = 0;
    for (quint64 seq = 0; seq < 5000; ++seq) {
        Record r;
        QVERIFY(journal.record(seq, &r));
        QCOMPARE(r.seq, seq);
        QVERIFY2(r.timeNs >= lastTime, "time went backwards");
        lastTime = r.timeNs;
        QCOMPARE(r.endpoint, EndpointId(1 + seq % 3));
        QVERIFY(r.kind == (seq % 2 ? RecordKind::DataIn : RecordKind::DataOut));
        QCOMPARE(r.payload, pattern(qsizetype(1 + seq % 300), seq));
        QCOMPARE(r.length, quint32(r.payload.size()));
        QCOMPARE(r.originalLength, r.length);
        QCOMPARE(r.flags, quint8(NoFlags));
        QVERIFY(!r.peer.isValid());
    }
    // Wall clock, not some other epoch: within a day of now.
    const qint64 nowNs = QDateTime::currentMSecsSinceEpoch() * 1000000;
    QVERIFY(qAbs(nowNs - lastTime) < 86400LL * 1000000000);
    Record r;
    QVERIFY(!journal.record(5000, &r));
}

void TestJournal::countersAreExactPerEndpoint() {
    Journal journal;
    journal.appendData(1, RecordKind::DataIn, QByteArray(100, 'a'));
    journal.appendData(1, RecordKind::DataIn, QByteArray(50, 'b'));
    journal.appendData(1, RecordKind::DataOut, QByteArray(7, 'c'));
    journal.appendData(2, RecordKind::DataOut, QByteArray(1000, 'd'));

    const Counters one = journal.counters(1);
    QCOMPARE(one.bytesIn, quint64(150));
    QCOMPARE(one.chunksIn, quint64(2));
    QCOMPARE(one.bytesOut, quint64(7));
    QCOMPARE(one.chunksOut, quint64(1));
    QCOMPARE(one.datagramsIn, quint64(0));
    QCOMPARE(one.datagramsOut, quint64(0));
    const Counters two = journal.counters(2);
    QCOMPARE(two.bytesOut, quint64(1000));
    QCOMPARE(two.bytesIn, quint64(0));
    QCOMPARE(journal.counters(3), Counters{});
    const Counters all = journal.totals();
    QCOMPARE(all.bytesIn, quint64(150));
    QCOMPARE(all.bytesOut, quint64(1007));
    QCOMPARE(all.chunksIn, quint64(2));
    QCOMPARE(all.chunksOut, quint64(2));
}

void TestJournal::datagramPeerAndTruncation() {
    Journal journal;
    const NetAddress a{QStringLiteral("127.0.0.1"), 5000};
    const NetAddress b{QStringLiteral("::1"), 6000};
    const QByteArray big = pattern(1000, 1);
    journal.appendData(7, RecordKind::DataIn, big.constData(), 400, &a, 1000);
    journal.appendData(7, RecordKind::DataIn, QByteArray("hi"), &b);
    journal.appendData(7, RecordKind::DataOut, QByteArray("yo"), &a);

    Record r;
    QVERIFY(journal.record(0, &r));
    QVERIFY(r.isTruncated());
    QCOMPARE(r.length, quint32(400));
    QCOMPARE(r.originalLength, quint32(1000));
    QCOMPARE(r.payload, big.left(400));
    QCOMPARE(r.peer, a);

    QVERIFY(journal.record(1, &r));
    QVERIFY(!r.isTruncated());
    QCOMPARE(r.originalLength, quint32(2));
    QCOMPARE(r.peer, b);
    QVERIFY(journal.record(2, &r));
    QCOMPARE(r.peer, a);
    QVERIFY(r.kind == RecordKind::DataOut);

    const Counters c = journal.counters(7);
    QCOMPARE(c.datagramsIn, quint64(2));
    QCOMPARE(c.datagramsOut, quint64(1));
    QCOMPARE(c.chunksIn, quint64(2));
}

void TestJournal::eventsDoNotTouchCounters() {
    Journal journal;
    journal.appendData(3, RecordKind::DataIn, QByteArray("abc"));
    const quint64 seq = journal.appendEvent(3, QStringLiteral("Connection reset by peer — é"));
    QCOMPARE(seq, quint64(1));
    Record r;
    QVERIFY(journal.record(seq, &r));
    QVERIFY(r.kind == RecordKind::Event);
    QCOMPARE(r.endpoint, EndpointId(3));
    QCOMPARE(QString::fromUtf8(r.payload), QStringLiteral("Connection reset by peer — é"));
    QCOMPARE(journal.counters(3).bytesIn, quint64(3));
    QCOMPARE(journal.counters(3).chunksIn, quint64(1));
    QCOMPARE(journal.totals().bytesIn, quint64(3));
}

void TestJournal::recordsRangeWithoutPayload() {
    Journal journal;
    for (int i = 0; i < 100; ++i)
        journal.appendData(1, RecordKind::DataIn, QByteArray(i + 1, 'x'));
    const auto headers = journal.records(10, 20);
    QCOMPARE(headers.size(), size_t(20));
    for (size_t i = 0; i < headers.size(); ++i) {
        QCOMPARE(headers[i].seq, quint64(10 + i));
        QCOMPARE(headers[i].length, quint32(11 + i));
        QVERIFY(headers[i].payload.isEmpty());
        QVERIFY(!headers[i].isEvicted());
    }
    const auto withPayload = journal.records(95, 10, true);
    QCOMPARE(withPayload.size(), size_t(5)); // clipped at the end
    QCOMPARE(withPayload.back().payload, QByteArray(100, 'x'));
    QVERIFY(journal.records(100, 5).empty());
}

void TestJournal::budgetDropsOldestRecordsWhole() {
    constexpr qint64 Budget = 4 * 1024 * 1024;
    constexpr int Chunk = 64 * 1024;
    constexpr int N = 256; // 16 MiB, four times the budget
    Journal journal(Budget);
    QCOMPARE(journal.budgetBytes(), Budget);
    for (int i = 0; i < N; ++i)
        journal.appendData(1, RecordKind::DataIn, pattern(Chunk, quint64(i)));

    // The count and the counters stay exact; the oldest records are gone, header and payload.
    QCOMPARE(journal.count(), quint64(N));
    QCOMPARE(journal.counters(1).bytesIn, quint64(N) * Chunk);
    QCOMPARE(journal.counters(1).chunksIn, quint64(N));
    const quint64 oldest = journal.oldestSeq();
    QVERIFY(oldest > 0);
    QVERIFY(oldest < quint64(N));
    const DroppedRecords dropped = journal.dropped();
    QCOMPARE(dropped.records, oldest);
    QCOMPARE(dropped.bytesIn, oldest * Chunk);
    QCOMPARE(dropped.bytesOut, quint64(0));
    QVERIFY(dropped.firstTimeNs > 0);
    QVERIFY(dropped.lastTimeNs >= dropped.firstTimeNs);
    QCOMPARE(journal.evictedBytes(), qint64(oldest) * Chunk);
    QVERIFY2(journal.memoryBytes() <= Budget, qPrintable(QString::number(journal.memoryBytes())));

    // Before the oldest, nothing; from it on, every record whole and intact.
    Record r;
    QVERIFY(!journal.record(oldest - 1, &r));
    QVERIFY(journal.records(0, oldest).empty());
    for (quint64 i = oldest; i < quint64(N); ++i) {
        QVERIFY(journal.record(i, &r));
        QVERIFY(!r.isEvicted());
        QVERIFY2(r.payload == pattern(Chunk, i), qPrintable(QString::number(i)));
    }
    // The newest data is what matters to the user: at least half the budget's worth is there.
    QVERIFY2(qint64(quint64(N) - oldest) * Chunk >= Budget / 2, qPrintable(QString::number(oldest)));
}

void TestJournal::loweringTheBudgetDrops() {
    Journal journal(64 * 1024 * 1024);
    for (int i = 0; i < 64; ++i)
        journal.appendData(1, RecordKind::DataOut, pattern(128 * 1024, quint64(i)));
    QCOMPARE(journal.oldestSeq(), quint64(0));
    journal.setBudgetBytes(2 * 1024 * 1024);
    QCOMPARE(journal.budgetBytes(), qint64(2 * 1024 * 1024));
    QVERIFY(journal.oldestSeq() > 0);
    QVERIFY2(journal.memoryBytes() <= 2 * 1024 * 1024, qPrintable(QString::number(journal.memoryBytes())));
    journal.appendData(1, RecordKind::DataOut, pattern(128 * 1024, 64));
    Record last;
    QVERIFY(journal.record(64, &last));
    QCOMPARE(last.payload, pattern(128 * 1024, 64));
    QCOMPARE(journal.counters(1).bytesOut, quint64(65) * 128 * 1024);
    QCOMPARE(journal.dropped().bytesOut, journal.oldestSeq() * 128 * 1024);
}

void TestJournal::headersCountAgainstTheBudget() {
    // Tiny records: their headers, not their payloads, fill the budget. Before, headers were never
    // dropped and memory grew by 40 bytes a record for ever.
    constexpr qint64 Budget = 8 * 1024 * 1024;
    Journal journal(Budget);
    constexpr quint64 N = 2'000'000; // 80 MB of headers alone
    const char byte = 'x';
    qint64 most = 0;
    for (quint64 i = 0; i < N; ++i) {
        journal.appendData(EndpointId(1 + i % 3), i % 2 ? RecordKind::DataOut : RecordKind::DataIn, &byte, 1);
        if (i % 65536 == 0)
            most = std::max(most, journal.memoryBytes());
    }
    most = std::max(most, journal.memoryBytes());
    QVERIFY2(most <= Budget, qPrintable(QString::number(most)));
    QCOMPARE(journal.count(), N);
    QCOMPARE(journal.totals().bytesIn + journal.totals().bytesOut, N);
    const DroppedRecords dropped = journal.dropped();
    QVERIFY(dropped.records > N / 2);
    QCOMPARE(dropped.bytesIn + dropped.bytesOut, dropped.records);
    // What is held is the newest, in order.
    const std::vector<Record> newest = journal.records(N - 10, 10);
    QCOMPARE(newest.size(), size_t(10));
    QCOMPARE(newest.front().seq, N - 10);
    QCOMPARE(newest.back().seq, N - 1);
}

void TestJournal::forgottenEndpointsGoWithTheirLastRecord() {
    // Connection churn: every endpoint is described, sends, and is forgotten. Its counters and
    // description stay while any record of it does, then go, so that memory stays bounded.
    constexpr qint64 Budget = 4 * 1024 * 1024;
    Journal journal(Budget);
    constexpr EndpointId Endpoints = 100'000;
    const QByteArray hello(100, 'h');
    for (EndpointId id = 1; id <= Endpoints; ++id) {
        EndpointMeta meta;
        meta.peer = NetAddress{QStringLiteral("127.0.0.1"), quint16(1024 + id % 60000)};
        journal.describeEndpoint(id, meta);
        journal.appendEvent(id, QStringLiteral("Connected"), Marker::Established);
        journal.appendData(id, RecordKind::DataIn, hello);
        journal.appendEvent(id, QStringLiteral("Closed"), Marker::Closed);
        journal.forgetEndpoint(id);
        if (id == 1) {
            // Still held: nothing of it goes yet.
            QVERIFY(journal.describedEndpoint(1).has_value());
            QCOMPARE(journal.counters(1).bytesIn, quint64(100));
        }
    }
    QVERIFY2(journal.memoryBytes() <= Budget, qPrintable(QString::number(journal.memoryBytes())));
    QVERIFY(!journal.describedEndpoint(1).has_value());
    QCOMPARE(journal.counters(1).bytesIn, quint64(0));
    // The newest endpoint's records are held, and so is what it was.
    QVERIFY(journal.describedEndpoint(Endpoints).has_value());
    QCOMPARE(journal.counters(Endpoints).bytesIn, quint64(100));
    QCOMPARE(journal.totals().bytesIn, quint64(Endpoints) * 100);
    // An endpoint not forgotten keeps its counters, however old.
    Journal kept(Budget);
    kept.appendData(7, RecordKind::DataIn, hello);
    for (int i = 0; i < 200'000; ++i)
        kept.appendData(8, RecordKind::DataIn, hello);
    QVERIFY(kept.oldestSeq() > 0);
    QCOMPARE(kept.counters(7).bytesIn, quint64(100));
}

void TestJournal::dataBytesBeforeCountsEveryDataRecord() {
    Journal journal(2 * 1024 * 1024);
    quint64 in = 0;
    quint64 out = 0;
    std::vector<std::pair<quint64, quint64>> before;
    for (int i = 0; i < 40'000; ++i) {
        before.emplace_back(in, out);
        const int length = 1 + i % 97;
        if (i % 5 == 0) {
            journal.appendEvent(1, QStringLiteral("event"));
        } else if (i % 2) {
            journal.appendData(1, RecordKind::DataOut, QByteArray(length, 'o'));
            out += quint64(length);
        } else {
            journal.appendData(1, RecordKind::DataIn, QByteArray(length, 'i'));
            in += quint64(length);
        }
    }
    QVERIFY(journal.oldestSeq() > 0);
    const quint64 oldest = journal.oldestSeq();
    for (quint64 seq :
         {oldest, oldest + 1, (oldest + 40'000) / 2, quint64(32'768), quint64(32'769), quint64(39'999)}) {
        QVERIFY(seq >= oldest);
        QCOMPARE(journal.dataBytesBefore(seq), before[seq]);
    }
    QCOMPARE(journal.dataBytesBefore(40'000), std::make_pair(in, out));
    const DroppedRecords dropped = journal.dropped();
    QCOMPARE(journal.dataBytesBefore(0), std::make_pair(quint64(0), quint64(0)));
    QCOMPARE(journal.dataBytesBefore(1),
             std::make_pair(dropped.bytesIn, dropped.bytesOut)); // inside the dropped range
    QCOMPARE(std::make_pair(dropped.bytesIn, dropped.bytesOut), before[dropped.records]);
}

void TestJournal::concurrentAppendersKeepOrder() {
    constexpr int Threads = 4;
    constexpr int PerThread = 20000;
    Journal journal;
    std::vector<std::thread> threads;
    // A failed check returns early; the appenders must still be joined.
    const auto joinAll = qScopeGuard([&] {
        for (auto &thread : threads) {
            if (thread.joinable())
                thread.join();
        }
    });
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back([&journal, t] {
            for (int i = 0; i < PerThread; ++i) {
                const QByteArray payload = QByteArray::number(i).rightJustified(8, '0');
                journal.appendData(EndpointId(t + 1), RecordKind::DataIn, payload);
            }
        });
    }
    // A reader at the same time must only ever see complete records.
    quint64 seen = 0;
    while (seen < quint64(Threads) * PerThread) {
        const quint64 n = journal.count();
        for (; seen < n; ++seen) {
            Record r;
            QVERIFY(journal.record(seen, &r));
            QCOMPARE(r.seq, seen);
            QCOMPARE(r.payload.size(), 8);
        }
        std::this_thread::yield();
    }
    for (auto &thread : threads)
        thread.join();
    QCOMPARE(journal.count(), quint64(Threads) * PerThread);
    int next[Threads] = {};
    qint64 lastTime = 0;
    const auto all = journal.records(0, journal.count(), true);
    QCOMPARE(all.size(), size_t(Threads) * PerThread);
    for (size_t seq = 0; seq < all.size(); ++seq) {
        const Record &r = all[seq];
        QCOMPARE(r.seq, quint64(seq));
        QVERIFY(r.timeNs >= lastTime);
        lastTime = r.timeNs;
        const int t = int(r.endpoint) - 1;
        QVERIFY(t >= 0 && t < Threads);
        // Each thread's records appear in the order it appended them.
        QCOMPARE(r.payload, QByteArray::number(next[t]).rightJustified(8, '0'));
        ++next[t];
    }
    for (int t = 0; t < Threads; ++t) {
        QCOMPARE(next[t], PerThread);
        QCOMPARE(journal.counters(EndpointId(t + 1)).bytesIn, quint64(PerThread) * 8);
    }
    QCOMPARE(journal.totals().chunksIn, quint64(Threads) * PerThread);
}

void TestJournal::counterDeltasListOnlyChangedEndpoints() {
    Journal journal;
    std::vector<CounterDelta> changed;
    Counters total;
    journal.takeCounterDeltas(&changed, &total);
    QVERIFY(changed.empty());
    QCOMPARE(total, Counters{});

    const NetAddress peer{QStringLiteral("127.0.0.1"), 9};
    journal.appendData(7, RecordKind::DataIn, QByteArray(10, 'a'));
    journal.appendData(3, RecordKind::DataOut, QByteArray(4, 'b'), &peer);
    journal.appendData(7, RecordKind::DataOut, QByteArray(2, 'c'));
    journal.appendEvent(5, QStringLiteral("Connected"));
    journal.takeCounterDeltas(&changed, &total);
    // In the order they first changed, each once; an event is not traffic.
    QCOMPARE(changed.size(), size_t(2));
    QCOMPARE(changed[0].endpoint, EndpointId(7));
    QCOMPARE(changed[0].gained, (Counters{10, 2, 0, 0, 1, 1}));
    QCOMPARE(changed[1].endpoint, EndpointId(3));
    QCOMPARE(changed[1].gained, (Counters{0, 4, 0, 1, 0, 1}));
    QCOMPARE(total, (Counters{10, 6, 0, 1, 1, 2}));

    // Nothing since: nothing listed, and the next change counts from where the last call left off.
    journal.takeCounterDeltas(&changed, &total);
    QVERIFY(changed.empty());
    QCOMPARE(total, Counters{});
    journal.appendData(3, RecordKind::DataOut, QByteArray(5, 'd'), &peer);
    journal.takeCounterDeltas(&changed, &total);
    QCOMPARE(changed.size(), size_t(1));
    QCOMPARE(changed[0].endpoint, EndpointId(3));
    QCOMPARE(changed[0].gained, (Counters{0, 5, 0, 1, 0, 1}));
    QCOMPARE(total, changed[0].gained);
}

void TestJournal::counterDeltasAddUpWhileAppendersRun() {
    constexpr int Threads = 2;
    constexpr int PerThread = 30000;
    constexpr int Endpoints = 50;
    Journal journal;
    std::vector<std::thread> threads;
    std::atomic<int> running{Threads};
    // The appenders start once the sampler has taken its first deltas: on a loaded machine they
    // could otherwise all be done before the sampler ever runs, and nothing would be concurrent.
    std::atomic<bool> sampling{false};
    const auto joinAll = qScopeGuard([&] {
        for (auto &thread : threads) {
            if (thread.joinable())
                thread.join();
        }
    });
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back([&journal, &running, &sampling, t] {
            while (!sampling.load())
                std::this_thread::yield();
            for (int i = 0; i < PerThread; ++i) {
                journal.appendData(EndpointId(1 + i % Endpoints),
                                   t ? RecordKind::DataOut : RecordKind::DataIn, QByteArray(1 + i % 7, 'x'));
            }
            --running;
        });
    }
    // The sampler takes deltas while the appenders run, as the RateMeter does; the sums must come
    // out exact however the calls fall between appends.
    std::vector<Counters> sums(Endpoints + 1);
    Counters totalSum;
    std::vector<CounterDelta> changed;
    Counters total;
    const auto add = [](Counters *sum, const Counters &d) {
        sum->bytesIn += d.bytesIn;
        sum->bytesOut += d.bytesOut;
        sum->datagramsIn += d.datagramsIn;
        sum->datagramsOut += d.datagramsOut;
        sum->chunksIn += d.chunksIn;
        sum->chunksOut += d.chunksOut;
    };
    int calls = 0;
    bool last = false;
    while (!last) {
        last = running.load() == 0; // one more call after the appenders are done
        journal.takeCounterDeltas(&changed, &total);
        ++calls;
        sampling.store(true);
        for (const CounterDelta &d : changed) {
            QVERIFY(d.endpoint >= 1 && d.endpoint <= Endpoints);
            add(&sums[d.endpoint], d.gained);
        }
        add(&totalSum, total);
        std::this_thread::yield();
    }
    QVERIFY(calls > 1);
    for (int e = 1; e <= Endpoints; ++e)
        QCOMPARE(sums[size_t(e)], journal.counters(EndpointId(e)));
    QCOMPARE(totalSum, journal.totals());
    QCOMPARE(totalSum.chunksIn + totalSum.chunksOut, quint64(Threads) * PerThread);
}

SOCKBENCH_TEST_MAIN(TestJournal)
#include "tst_journal.moc"
