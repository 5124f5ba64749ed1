// Rates: the RateMeter's samples are differences of the journal's exact counters, so
// they add up to counters() and totals() to the byte; idle endpoints store nothing, forget() drops
// a history, and samples older than 60 s go. Traffic runs over loopback through one Workbench.

#include "engine/ratemeter.h"
#include "engine/workbench.h"
#include "journal/journal.h"
#include "testmain.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

#include <functional>
#include <vector>

namespace sockbench {

/// The RateMeter's test seam (a friend): its clock, and how many endpoints it keeps samples for.
struct RateMeterTestAccess {
    static void useClock(RateMeter &meter, std::function<qint64()> wallMs,
                         std::function<qint64()> monotonicMs) {
        meter.m_clock = {std::move(wallMs), std::move(monotonicMs)};
        meter.m_lastMonotonicMs = meter.m_clock.monotonicMs();
    }
    static size_t endpointsKept(const RateMeter &meter) { return meter.m_endpoints.size(); }
};

// Found by argument-dependent lookup from QCOMPARE, so a failure prints both sums.
inline char *toString(const RateDelta &d) {
    return QTest::toString(QStringLiteral("{bytesIn %1, bytesOut %2, messagesIn %3, messagesOut %4}")
                               .arg(d.bytesIn)
                               .arg(d.bytesOut)
                               .arg(d.messagesIn)
                               .arg(d.messagesOut));
}

} // namespace sockbench

using namespace sockbench;
using namespace sockbench::test;

namespace {

RateDelta sumOf(const std::vector<RateSample> &samples) {
    RateDelta sum;
    for (const RateSample &s : samples) {
        sum.bytesIn += s.delta.bytesIn;
        sum.bytesOut += s.delta.bytesOut;
        sum.messagesIn += s.delta.messagesIn;
        sum.messagesOut += s.delta.messagesOut;
    }
    return sum;
}

RateDelta asRates(const Counters &c) {
    return {c.bytesIn, c.bytesOut, c.chunksIn, c.chunksOut};
}

/// Empty when the samples are as history() promises: oldest first, no zero interval.
QString malformed(const std::vector<RateSample> &samples) {
    for (size_t i = 0; i < samples.size(); ++i) {
        if (samples[i].delta.isZero())
            return QStringLiteral("sample %1 is zero").arg(i);
        if (samples[i].intervalMs < 0)
            return QStringLiteral("sample %1 has a negative interval").arg(i);
        if (i > 0 && samples[i].endMs < samples[i - 1].endMs)
            return QStringLiteral("sample %1 is older than the one before").arg(i);
    }
    return {};
}

/// Waits for the sample after this call: whatever the journal counted before is in the history then.
bool waitForNextSample(const RateMeter &meter) {
    QSignalSpy sampled(&meter, &RateMeter::sampled);
    return sampled.wait(5000);
}

/// A UDP socket on 127.0.0.1:0, bound; 0 on failure.
EndpointId bindUdp(Workbench &wb, NetAddress *local) {
    const EndpointId id = wb.bindUdp(QStringLiteral("127.0.0.1"), 0);
    if (!QTest::qWaitFor([&] { return wb.info(id).state == EndpointState::Bound; }, 5000))
        return 0;
    *local = wb.info(id).local;
    return id;
}

/// A client and the connection its listener accepted, on one Workbench.
struct Pair {
    EndpointId client = 0;
    EndpointId accepted = 0;
};

Pair connectPair(Workbench &wb) {
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    if (!at.isValid())
        return {};
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    Pair pair;
    pair.client = connectAndWait(wb, at);
    if (!pair.client || !QTest::qWaitFor([&] { return !accepted.isEmpty(); }, 5000))
        return {};
    pair.accepted = accepted.constFirst().at(0).value<EndpointId>();
    return pair;
}

} // namespace

class TestRateMeter final : public QObject {
    Q_OBJECT

public:
    TestRateMeter() = default;
    Q_DISABLE_COPY_MOVE(TestRateMeter)

private Q_SLOTS:
    void tcpBothWaysAddsUpToTheCounters();
    void udpDatagramsAddUpToTheCounters();
    void sampledIsEmittedWhenIdleToo();
    void idleEndpointsStoreNothing();
    void forgetDropsTheHistory();
    void historyOlderThanSixtySecondsIsPruned();
};

void TestRateMeter::tcpBothWaysAddsUpToTheCounters() {
    Workbench wb;
    const Pair pair = connectPair(wb);
    QVERIFY(pair.client && pair.accepted);

    // Sent in several bursts, so that the traffic spreads over more than one sample.
    quint64 up = 0;
    quint64 down = 0;
    for (int burst = 0; burst < 5; ++burst) {
        for (int i = 0; i < 20; ++i) {
            const QByteArray bytes = pattern(1 + (burst * 20 + i) * 997 % 70000, quint64(i + 1));
            QVERIFY(wb.send(pair.client, bytes));
            up += quint64(bytes.size());
        }
        const QByteArray reply = pattern(300000 + burst, quint64(burst + 7));
        QVERIFY(wb.send(pair.accepted, reply));
        down += quint64(reply.size());
        // Each burst arrives before the next sample, so that every burst has a sample of its own.
        QTRY_COMPARE(wb.journal().counters(pair.accepted).bytesIn, up);
        QTRY_COMPARE(wb.journal().counters(pair.client).bytesIn, down);
        QVERIFY(waitForNextSample(wb.rates()));
    }

    const Journal &journal = wb.journal();
    for (EndpointId id : {pair.client, pair.accepted}) {
        const std::vector<RateSample> samples = wb.rates().history(id);
        QVERIFY2(malformed(samples).isEmpty(), qPrintable(malformed(samples)));
        QVERIFY(samples.size() >= 5);
        QCOMPARE(sumOf(samples), asRates(journal.counters(id)));
    }
    QCOMPARE(sumOf(wb.rates().history(pair.client)).bytesOut, up);
    QCOMPARE(sumOf(wb.rates().history(pair.accepted)).bytesOut, down);
    const std::vector<RateSample> total = wb.rates().totalHistory();
    QVERIFY2(malformed(total).isEmpty(), qPrintable(malformed(total)));
    QCOMPARE(sumOf(total), asRates(journal.totals()));
    QCOMPARE(sumOf(total).bytesIn, up + down);
    QCOMPARE(sumOf(total).bytesOut, up + down);
}

void TestRateMeter::udpDatagramsAddUpToTheCounters() {
    Workbench wb;
    NetAddress aAt;
    NetAddress bAt;
    const EndpointId a = bindUdp(wb, &aAt);
    const EndpointId b = bindUdp(wb, &bAt);
    QVERIFY(a && b);

    constexpr int FromA = 60;
    constexpr int FromB = 25;
    quint64 bytesFromA = 0;
    quint64 bytesFromB = 0;
    for (int i = 0; i < FromA; ++i) {
        // An empty datagram is a message too.
        const QByteArray bytes = pattern(i * 23, quint64(i + 1));
        QVERIFY(wb.sendDatagram(a, bAt.ip, bAt.port, bytes));
        bytesFromA += quint64(bytes.size());
    }
    QVERIFY(waitForNextSample(wb.rates()));
    for (int i = 0; i < FromB; ++i) {
        const QByteArray bytes = pattern(1000 + i, quint64(i + 100));
        QVERIFY(wb.sendDatagram(b, aAt.ip, aAt.port, bytes));
        bytesFromB += quint64(bytes.size());
    }
    QTRY_COMPARE(wb.journal().counters(b).datagramsIn, quint64(FromA));
    QTRY_COMPARE(wb.journal().counters(a).datagramsIn, quint64(FromB));
    QVERIFY(waitForNextSample(wb.rates()));

    const RateDelta fromA = sumOf(wb.rates().history(a));
    const RateDelta fromB = sumOf(wb.rates().history(b));
    QCOMPARE(fromA, asRates(wb.journal().counters(a)));
    QCOMPARE(fromB, asRates(wb.journal().counters(b)));
    QCOMPARE(fromA, (RateDelta{bytesFromB, bytesFromA, FromB, FromA}));
    QCOMPARE(fromB, (RateDelta{bytesFromA, bytesFromB, FromA, FromB}));
    QCOMPARE(sumOf(wb.rates().totalHistory()), asRates(wb.journal().totals()));
}

void TestRateMeter::sampledIsEmittedWhenIdleToo() {
    Workbench wb;
    QSignalSpy sampled(&wb.rates(), &RateMeter::sampled);
    QTRY_VERIFY_WITH_TIMEOUT(sampled.size() >= 5, 5000);
    for (qsizetype i = 1; i < sampled.size(); ++i)
        QVERIFY(sampled.at(i).at(0).toLongLong() >= sampled.at(i - 1).at(0).toLongLong());
    QVERIFY(wb.rates().totalHistory().empty());
}

void TestRateMeter::idleEndpointsStoreNothing() {
    Workbench wb;
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    std::vector<EndpointId> clients;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(connectAndWait(wb, at));
        QVERIFY(clients.back());
    }
    QTRY_COMPARE(accepted.size(), qsizetype(clients.size()));
    NetAddress udpAt;
    QVERIFY(bindUdp(wb, &udpAt));
    for (int i = 0; i < 3; ++i)
        QVERIFY(waitForNextSample(wb.rates()));

    for (EndpointId id : clients)
        QVERIFY(wb.rates().history(id).empty());
    for (const auto &args : std::as_const(accepted))
        QVERIFY(wb.rates().history(args.at(0).value<EndpointId>()).empty());
    QVERIFY(wb.rates().history(listener).empty());
    QVERIFY(wb.rates().totalHistory().empty());
    QCOMPARE(RateMeterTestAccess::endpointsKept(wb.rates()), size_t(0));
}

void TestRateMeter::forgetDropsTheHistory() {
    Workbench wb;
    const Pair pair = connectPair(wb);
    QVERIFY(pair.client && pair.accepted);
    QVERIFY(wb.send(pair.client, QByteArrayLiteral("hello")));
    QTRY_COMPARE(wb.journal().counters(pair.accepted).bytesIn, quint64(5));
    QVERIFY(waitForNextSample(wb.rates()));
    QCOMPARE(wb.rates().history(pair.client).size(), size_t(1));
    QCOMPARE(RateMeterTestAccess::endpointsKept(wb.rates()), size_t(2));

    // The last bytes before the close may still be unsampled when forget() comes.
    QVERIFY(wb.send(pair.client, QByteArrayLiteral("bye")));
    wb.close(pair.client);
    QTRY_VERIFY(isFinal(wb.info(pair.client).state));
    wb.forget(pair.client);
    QVERIFY(wb.rates().history(pair.client).empty());
    QVERIFY(waitForNextSample(wb.rates()));
    QVERIFY(wb.rates().history(pair.client).empty());
    QVERIFY(!wb.rates().history(pair.accepted).empty());
    // The total still has every byte: forgetting an endpoint does not rewrite the past.
    QTRY_COMPARE(wb.journal().totals().bytesIn, quint64(8));
    QVERIFY(waitForNextSample(wb.rates()));
    QCOMPARE(sumOf(wb.rates().totalHistory()), asRates(wb.journal().totals()));
}

void TestRateMeter::historyOlderThanSixtySecondsIsPruned() {
    // The meter's own journal, so that nothing but this test counts; the clock is the test's.
    Journal journal;
    RateMeter meter(journal);
    qint64 now = 1'000'000;
    const qint64 wallOffset = 1'700'000'000'000;
    RateMeterTestAccess::useClock(
        meter, [&] { return now + wallOffset; }, [&] { return now; });

    constexpr EndpointId Early = 1;
    constexpr EndpointId Late = 2;
    now += 100;
    journal.appendData(Early, RecordKind::DataIn, QByteArray(10, 'a'));
    QVERIFY(waitForNextSample(meter));
    const std::vector<RateSample> first = meter.history(Early);
    QCOMPARE(first.size(), size_t(1));
    QCOMPARE(first.front().endMs, 1'000'100 + wallOffset);
    QCOMPARE(first.front().intervalMs, 100);
    QCOMPARE(first.front().delta, (RateDelta{10, 0, 1, 0}));
    QCOMPARE(first.front().perSecond(first.front().delta.bytesIn), 100.0);

    now += 30'000;
    journal.appendData(Late, RecordKind::DataOut, QByteArray(20, 'b'));
    QVERIFY(waitForNextSample(meter));
    QCOMPARE(meter.history(Late).size(), size_t(1));
    QCOMPARE(meter.totalHistory().size(), size_t(2));

    // 60 s after Early's sample it is gone, with its endpoint's entry; Late's (30 s old) stays.
    now += 30'000;
    QVERIFY(waitForNextSample(meter));
    QVERIFY(meter.history(Early).empty());
    QCOMPARE(meter.history(Late).size(), size_t(1));
    QCOMPARE(meter.totalHistory().size(), size_t(1));
    QCOMPARE(RateMeterTestAccess::endpointsKept(meter), size_t(1));

    now += 30'000;
    QVERIFY(waitForNextSample(meter));
    QVERIFY(meter.history(Late).empty());
    QVERIFY(meter.totalHistory().empty());
    QCOMPARE(RateMeterTestAccess::endpointsKept(meter), size_t(0));

    // Later traffic is counted from where the pruned samples left off, not from zero.
    now += 100;
    journal.appendData(Early, RecordKind::DataIn, QByteArray(5, 'c'));
    QVERIFY(waitForNextSample(meter));
    QCOMPARE(sumOf(meter.history(Early)), (RateDelta{5, 0, 1, 0}));
}

SOCKBENCH_TEST_MAIN(TestRateMeter)
#include "tst_ratemeter.moc"
