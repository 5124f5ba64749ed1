// The TCP relay's faults at work, between a raw loopback client and a raw loopback
// server (tests/common/loopbackpeer.h): nothing here trusts the engine to measure itself. Times
// are taken on the peers' side with the steady clock; a latency's tolerance is upward only.

#include "engine/relayoptions.h"
#include "engine/workbench.h"
#include "journal/journal.h"
#include "testmain.h"
#include "testutil.h"

#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <chrono>
#include <memory>

using namespace sockbench;
using namespace sockbench::test;

namespace {

using Clock = std::chrono::steady_clock;

qint64 msSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

/// A relay between a raw client and a raw server, both legs open.
struct RelayedLegs {
    std::unique_ptr<LoopbackPeer> server; ///< the target's listening socket
    EndpointId relay = 0;
    NetAddress at; ///< where the relay listens
    std::unique_ptr<LoopbackPeer> client;
    std::unique_ptr<LoopbackPeer> target; ///< the server's end of the target leg
    EndpointId clientLeg = 0;
    EndpointId targetLeg = 0;
    /// The step that went wrong, for QVERIFY2(!failure, failure); null when every step worked.
    const char *failure = nullptr;
};

RelayedLegs startRelayed(Workbench &wb, const RelayFaults &faults, bool relayResets = true) {
    RelayedLegs r;
    r.server = LoopbackPeer::listenTcp();
    if (!r.server) {
        r.failure = "the raw server could not listen";
        return r;
    }
    RelayOptions options;
    options.targetHost = QStringLiteral("127.0.0.1");
    options.targetPort = r.server->local().port;
    options.faults = faults;
    options.relayResets = relayResets;
    QSignalSpy started(&wb, &Workbench::listenerStarted);
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    r.relay = wb.startRelay(QStringLiteral("127.0.0.1"), 0, options);
    if (!QTest::qWaitFor(
            [&] {
                for (const auto &args : std::as_const(started)) {
                    if (args.at(0).value<EndpointId>() == r.relay)
                        r.at = args.at(1).value<NetAddress>();
                }
                return r.at.isValid() || isFinal(wb.info(r.relay).state);
            },
            5000) ||
        !r.at.isValid()) {
        r.failure = "the relay did not start listening";
        return r;
    }
    r.client = LoopbackPeer::connectTcp(r.at);
    if (!r.client) {
        r.failure = "the raw client could not connect to the relay";
        return r;
    }
    r.target = r.server->accept(5000);
    if (!r.target) {
        r.failure = "the relay never connected to the target";
        return r;
    }
    if (!QTest::qWaitFor([&] { return legs.size() > 0; }, 5000)) {
        r.failure = "no relayLegOpened()";
        return r;
    }
    r.targetLeg = legs.at(0).at(0).value<EndpointId>();
    r.clientLeg = legs.at(0).at(2).value<EndpointId>();
    if (wb.info(r.targetLeg).relayPeer != r.clientLeg && wb.info(r.targetLeg).relayPeer != 0) {
        r.failure = "the target leg names another leg as its peer";
        return r;
    }
    if (!QTest::qWaitFor([&] { return wb.info(r.targetLeg).state == EndpointState::Connected; }, 5000))
        r.failure = "the target leg never reported Connected";
    return r;
}

/// One small round trip client -> target -> client; -1 when it did not complete.
qint64 roundTripMs(RelayedLegs &r, const QByteArray &ping) {
    const auto start = Clock::now();
    if (!r.client->sendAll(ping))
        return -1;
    if (r.target->readExactly(ping.size(), 10000) != ping)
        return -1;
    const QByteArray pong = ping.toUpper();
    if (!r.target->sendAll(pong))
        return -1;
    if (r.client->readExactly(pong.size(), 10000) != pong)
        return -1;
    return msSince(start);
}

FaultSet latencyOf(int ms) {
    FaultSet f;
    f.latencyMs = ms;
    return f;
}

} // namespace

class TestRelayFaults : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void latencyAddsToEachRoundTrip();
    void bandwidthWithinTenPercent();
    void slicerReadsNeverLongerThanN();
    void limitThenEnd_data();
    void limitThenEnd();
    void liveFaultChange();
    void timeoutHoldsTheConnection();
    void slowCloseDelaysTheFin();
    void eventsOnTheRightLeg();
    void limitResetWaitsForASlowReader();
    void finRelayedThenResetClosesTheOtherLeg();
    void zeroDelaySlicerLetsOthersRun();
};

void TestRelayFaults::latencyAddsToEachRoundTrip() {
    Workbench wb;
    constexpr int LatencyMs = 100;
    RelayedLegs r = startRelayed(wb, RelayFaults{latencyOf(LatencyMs), latencyOf(LatencyMs), 1});
    QVERIFY2(!r.failure, r.failure);
    for (int i = 0; i < 5; ++i) {
        const qint64 rtt = roundTripMs(r, QByteArray("ping ") + QByteArray::number(i));
        QVERIFY2(rtt >= 0, "the round trip did not complete");
        // Upward tolerance only: both directions wait at least their latency.
        QVERIFY2(rtt >= 2 * LatencyMs, qPrintable(QStringLiteral("round trip %1 ms").arg(rtt)));
        QVERIFY2(rtt < 2 * LatencyMs + 2000, qPrintable(QStringLiteral("round trip %1 ms").arg(rtt)));
    }
    QTRY_VERIFY(eventsOf(wb.journal(), r.targetLeg).contains(QStringLiteral("delayed ")));
    QTRY_VERIFY(eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("delayed ")));
}

void TestRelayFaults::bandwidthWithinTenPercent() {
    Workbench wb;
    constexpr qint64 Rate = 64 * 1024;
    const int seconds = underSanitizer() ? 3 : 5;
    FaultSet down;
    down.bandwidthBytesPerSecond = Rate;
    RelayedLegs r = startRelayed(wb, RelayFaults{FaultSet{}, down, 1});
    QVERIFY2(!r.failure, r.failure);

    // The server sends more than fits in the measured time; the client counts what arrives.
    const QByteArray data = pattern(Rate * (seconds + 1));
    LoopbackPeer *target = r.target.get();
    target->run([target, data] { target->sendAll(data, 60000); });
    const QByteArray first = r.client->readExactly(1, 10000);
    QCOMPARE(first.size(), qsizetype(1));
    const auto start = Clock::now();
    const QByteArray rest = r.client->readExactly(data.size(), seconds * 1000);
    const qint64 elapsedMs = msSince(start);
    QCOMPARE(first + rest, data.left(1 + rest.size()));
    // The bucket lets 1/20 s worth through at once; allow for it in the first second.
    const double rate = double(rest.size()) * 1000.0 / double(elapsedMs);
    QVERIFY2(
        rate >= Rate * 0.9 && rate <= Rate * 1.1,
        qPrintable(
            QStringLiteral("%1 bytes/s over %2 ms (want %3 ± 10 %)").arg(rate).arg(elapsedMs).arg(Rate)));

    r.client->closeNow(); // the relay ends the target leg, which ends the sender
    QVERIFY(target->wait(20000));
}

void TestRelayFaults::slicerReadsNeverLongerThanN() {
    Workbench wb;
    constexpr int N = 10;
    FaultSet down;
    down.sliceBytes = N;
    // Far apart, so that neither Nagle nor a slow reader puts two pieces in one read.
    down.sliceDelayMs = 50;
    RelayedLegs r = startRelayed(wb, RelayFaults{FaultSet{}, down, 1});
    QVERIFY2(!r.failure, r.failure);

    const QByteArray data = pattern(200, 11);
    QVERIFY(r.target->sendAll(data));
    r.target->shutdownWrite();
    QByteArray got;
    qsizetype longest = 0;
    int reads = 0;
    const StreamEnd end = r.client->readToEnd(
        [&](const char *bytes, qsizetype n) {
            got.append(bytes, n);
            longest = qMax(longest, n);
            ++reads;
        },
        15000);
    QCOMPARE(toText(end), toText(StreamEnd::Eof));
    QCOMPARE(got, data);
    QVERIFY2(longest <= N, qPrintable(QStringLiteral("a read of %1 bytes").arg(longest)));
    QCOMPARE(reads, 200 / N);
    // What the relay wrote, as recorded: the same pieces.
    QTRY_COMPARE(streamOf(wb.journal(), r.clientLeg, RecordKind::DataOut), data);
    for (const Record &rec : recordsOf(wb.journal(), r.clientLeg, RecordKind::DataOut))
        QVERIFY(rec.length <= quint32(N));
    QTRY_VERIFY(eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("sliced into ")));
}

void TestRelayFaults::limitThenEnd_data() {
    QTest::addColumn<bool>("reset");
    QTest::newRow("close") << false;
    QTest::newRow("reset") << true;
}

void TestRelayFaults::limitThenEnd() {
    QFETCH(bool, reset);
    Workbench wb;
    constexpr qint64 Limit = 4096;
    FaultSet up;
    up.limitBytes = Limit;
    up.limitEnd = reset ? RelayEnd::Reset : RelayEnd::Close;
    RelayedLegs r = startRelayed(wb, RelayFaults{up, FaultSet{}, 1});
    QVERIFY2(!r.failure, r.failure);

    const QByteArray data = pattern(10000, 3);
    QVERIFY(r.client->sendAll(data.left(3000)));
    QCOMPARE(r.target->readExactly(3000, 10000), data.left(3000));
    QVERIFY(r.client->sendAll(data.mid(3000)));
    QByteArray got;
    const StreamEnd end = r.target->readToEnd(&got, 10000);
    QCOMPARE(got, data.mid(3000, Limit - 3000)); // exactly the limit in all
    QCOMPARE(toText(end), toText(reset ? StreamEnd::Reset : StreamEnd::Eof));
    const QString expected = QStringLiteral("limit of 4,096 bytes reached: ") +
                             (reset ? QStringLiteral("reset") : QStringLiteral("close"));
    QTRY_VERIFY2(eventsOf(wb.journal(), r.targetLeg).contains(expected),
                 qPrintable(eventsOf(wb.journal(), r.targetLeg)));
}

void TestRelayFaults::liveFaultChange() {
    Workbench wb;
    RelayedLegs r = startRelayed(wb, RelayFaults{});
    QVERIFY2(!r.failure, r.failure);
    constexpr int LatencyMs = 150;
    const qint64 before = roundTripMs(r, "before");
    QVERIFY(before >= 0);
    QVERIFY2(before < 2 * LatencyMs, qPrintable(QStringLiteral("round trip %1 ms").arg(before)));

    // Change the faults while a stream flows client -> target; not a byte may be lost or doubled.
    const QByteArray data = pattern(1 << 20, 21);
    LoopbackPeer *client = r.client.get();
    LoopbackPeer *target = r.target.get();
    QByteArray received;
    client->run([client, data] { client->sendAll(data, 30000); });
    target->run([target, &received, size = data.size()] { received = target->readExactly(size, 30000); });
    QSignalSpy changed(&wb, &Workbench::relayFaultsChanged);
    const RelayFaults faults{latencyOf(LatencyMs), latencyOf(LatencyMs), 1};
    QVERIFY(wb.setRelayFaults(r.relay, faults));
    QTRY_VERIFY(emissionsFor(changed, r.relay) > 0);
    QVERIFY(wb.info(r.relay).relay);
    QCOMPARE(wb.info(r.relay).relay->faults, faults);
    QTRY_VERIFY(wb.info(r.targetLeg).relayFaults && *wb.info(r.targetLeg).relayFaults == faults);
    QVERIFY(client->wait(30000));
    QVERIFY(target->wait(30000));
    QCOMPARE(received.size(), data.size());
    QVERIFY(received == data);

    const qint64 after = roundTripMs(r, "after");
    QVERIFY2(after >= 2 * LatencyMs, qPrintable(QStringLiteral("round trip %1 ms").arg(after)));
    QTRY_VERIFY(eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("delayed ")));

    // On one leg pair alone: the target -> client direction only.
    const RelayFaults legFaults{FaultSet{}, latencyOf(2 * LatencyMs), 1};
    QVERIFY(wb.setRelayFaults(r.clientLeg, legFaults));
    QTRY_VERIFY(emissionsFor(changed, r.clientLeg) > 0);
    QTRY_VERIFY(wb.info(r.clientLeg).relayFaults && *wb.info(r.clientLeg).relayFaults == legFaults);
    QCOMPARE(wb.info(r.relay).relay->faults, faults); // the relay keeps its own
    const qint64 third = roundTripMs(r, "third");
    QVERIFY2(third >= 2 * LatencyMs, qPrintable(QStringLiteral("round trip %1 ms").arg(third)));

    // And back to none: no added time (the pipeline is bypassed).
    QVERIFY(wb.setRelayFaults(r.clientLeg, RelayFaults{}));
    QTRY_VERIFY(emissionsFor(changed, r.clientLeg) > 1);
    const qint64 last = roundTripMs(r, "last");
    QVERIFY(last >= 0);
    QVERIFY2(last < 2 * LatencyMs, qPrintable(QStringLiteral("round trip %1 ms").arg(last)));
}

void TestRelayFaults::timeoutHoldsTheConnection() {
    Workbench wb;
    FaultSet up;
    up.timeoutMs = 0; // now
    RelayedLegs r = startRelayed(wb, RelayFaults{up, FaultSet{}, 1});
    QVERIFY2(!r.failure, r.failure);
    const QByteArray lost = pattern(4096, 8);
    QVERIFY(r.client->sendAll(lost));
    // The relay reads and records what it does not forward, and says so on the target leg.
    QTRY_COMPARE(streamOf(wb.journal(), r.clientLeg, RecordKind::DataIn), lost);
    qint64 notForwarded = 0;
    QTRY_VERIFY([&] {
        notForwarded = 0;
        for (const Record &rec : recordsOf(wb.journal(), r.targetLeg, RecordKind::Event)) {
            const QString text = QString::fromUtf8(rec.payload);
            if (text.startsWith(QStringLiteral("timeout: ")))
                notForwarded += text.section(QLatin1Char(' '), 1, 1).remove(QLatin1Char(',')).toLongLong();
        }
        return notForwarded == lost.size();
    }());
    QVERIFY(streamOf(wb.journal(), r.targetLeg, RecordKind::DataOut).isEmpty());
    // The other way still flows, and the connection is held: once the fault is off, bytes pass
    // again, and the first the target sees are the new ones.
    QVERIFY(r.target->sendAll("down"));
    QCOMPARE(r.client->readExactly(4, 10000), QByteArray("down"));
    QSignalSpy changed(&wb, &Workbench::relayFaultsChanged);
    QVERIFY(wb.setRelayFaults(r.relay, RelayFaults{}));
    QTRY_VERIFY(emissionsFor(changed, r.relay) > 0);
    QVERIFY(r.client->sendAll("after"));
    QCOMPARE(r.target->readExactly(5, 10000), QByteArray("after"));
}

void TestRelayFaults::slowCloseDelaysTheFin() {
    Workbench wb;
    constexpr int SlowCloseMs = 300;
    FaultSet down;
    down.slowCloseMs = SlowCloseMs;
    RelayedLegs r = startRelayed(wb, RelayFaults{FaultSet{}, down, 1});
    QVERIFY2(!r.failure, r.failure);
    QVERIFY(r.target->sendAll("bye"));
    const auto start = Clock::now();
    r.target->shutdownWrite();
    QCOMPARE(r.client->readExactly(3, 10000), QByteArray("bye"));
    QByteArray more;
    QCOMPARE(toText(r.client->readToEnd(&more, 10000)), toText(StreamEnd::Eof));
    const qint64 finMs = msSince(start);
    QVERIFY(more.isEmpty());
    QVERIFY2(finMs >= SlowCloseMs, qPrintable(QStringLiteral("FIN after %1 ms").arg(finMs)));
    QVERIFY2(finMs < SlowCloseMs + 2000, qPrintable(QStringLiteral("FIN after %1 ms").arg(finMs)));
    QTRY_VERIFY2(eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("slow close: FIN held ")),
                 qPrintable(eventsOf(wb.journal(), r.clientLeg)));
}

void TestRelayFaults::eventsOnTheRightLeg() {
    Workbench wb;
    FaultSet down;
    down.sliceBytes = 4;
    down.sliceDelayMs = 1;
    RelayedLegs r = startRelayed(wb, RelayFaults{latencyOf(20), down, 1});
    QVERIFY2(!r.failure, r.failure);
    const qint64 rtt = roundTripMs(r, "0123456789abcdef");
    QVERIFY(rtt >= 20);
    // Up faults act on what the target leg writes; down faults on what the client leg writes.
    QTRY_VERIFY(eventsOf(wb.journal(), r.targetLeg).contains(QStringLiteral("delayed ")));
    QTRY_VERIFY(eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("sliced into 4 pieces")));
    QVERIFY2(!eventsOf(wb.journal(), r.targetLeg).contains(QStringLiteral("sliced")),
             qPrintable(eventsOf(wb.journal(), r.targetLeg)));
    QVERIFY2(!eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("delayed")),
             qPrintable(eventsOf(wb.journal(), r.clientLeg)));
    // Each event comes before the bytes it speaks of.
    const std::vector<Record> out = recordsOf(wb.journal(), r.targetLeg, RecordKind::DataOut, false);
    QVERIFY(!out.empty());
    quint64 delayedSeq = 0;
    for (const Record &rec : recordsOf(wb.journal(), r.targetLeg, RecordKind::Event)) {
        if (rec.payload.startsWith("delayed ")) {
            delayedSeq = rec.seq;
            break;
        }
    }
    QVERIFY(delayedSeq > 0 && delayedSeq < out.front().seq);
}

void TestRelayFaults::limitResetWaitsForASlowReader() {
    // A limit far beyond what the kernel buffers for a reader that does not read: when the limit
    // is reached most of its bytes still wait in the relay's queue and in the kernel's send queue.
    // The reset must wait for them: the reader gets exactly the limit, then RST.
    Workbench wb;
    constexpr qint64 Limit = 3 * 1024 * 1024;
    FaultSet up;
    up.limitBytes = Limit;
    up.limitEnd = RelayEnd::Reset;
    RelayedLegs r = startRelayed(wb, RelayFaults{up, FaultSet{}, 1});
    QVERIFY2(!r.failure, r.failure);

    const QByteArray data = pattern(Limit + 512 * 1024, 21);
    r.client->run([&] { (void)r.client->sendAll(data, 30000); });
    QTRY_VERIFY_WITH_TIMEOUT(eventsOf(wb.journal(), r.targetLeg)
                                 .contains(QStringLiteral("limit of 3,145,728 bytes reached: reset")),
                             15000);
    // Only now does the reader start.
    QByteArray got;
    const StreamEnd end = r.target->readToEnd(&got, 20000);
    QCOMPARE(got.size(), Limit);
    QVERIFY(got == data.left(Limit));
    QCOMPARE(toText(end), toText(StreamEnd::Reset));
    QVERIFY(r.client->wait(30000));
}

void TestRelayFaults::finRelayedThenResetClosesTheOtherLeg() {
    // Down faults, resets not relayed: the server's FIN reaches the client as a half-close through
    // the faults; then the server resets its leg. The client leg must close (it keeps faults, but
    // its FIN has gone: there is no step left to wait for).
    Workbench wb;
    RelayedLegs r = startRelayed(wb, RelayFaults{FaultSet{}, latencyOf(30), 1}, false);
    QVERIFY2(!r.failure, r.failure);
    QVERIFY(r.target->sendAll(QByteArray("bye")));
    r.target->shutdownWrite();
    QByteArray got;
    QCOMPARE(toText(r.client->readToEnd(&got, 10000)), toText(StreamEnd::Eof));
    QCOMPARE(got, QByteArray("bye"));
    QTRY_VERIFY(eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("FIN sent")));
    QVERIFY(!isFinal(wb.info(r.clientLeg).state));

    r.target->setLingerZero();
    r.target->closeNow();
    QTRY_VERIFY_WITH_TIMEOUT(
        eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("was reset: closing this one")), 10000);
    // The close waits for the client's FIN up to its linger (2 s), then ends the leg.
    QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb.info(r.clientLeg).state), 6000);
    QCOMPARE(stateName(wb.info(r.clientLeg).state), stateName(EndpointState::Closed));
}

void TestRelayFaults::zeroDelaySlicerLetsOthersRun() {
    // One reactor for both relays: a zero-delay slicer of 1 byte over a large backlog must leave
    // the reactor to other connections between its bursts, and still say what it did exactly.
    WorkbenchConfig config;
    config.reactorThreads = 1;
    Workbench wb(config);
    FaultSet down;
    down.sliceBytes = 1;
    RelayedLegs sliced = startRelayed(wb, RelayFaults{FaultSet{}, down, 1});
    QVERIFY2(!sliced.failure, sliced.failure);
    RelayedLegs other = startRelayed(wb, RelayFaults{});
    QVERIFY2(!other.failure, other.failure);

    constexpr qsizetype Size = 256 * 1024;
    const QByteArray data = pattern(Size, 22);
    QByteArray got;
    sliced.client->run([&] { got = sliced.client->readExactly(Size, 60000); });
    QVERIFY(sliced.target->sendAll(data, 30000));

    // Round trips through the other relay while the slicer is busy: each is quick.
    int during = 0;
    qint64 slowest = 0;
    while (wb.journal().counters(sliced.clientLeg).bytesOut < quint64(Size) / 2 && during < 20) {
        const qint64 rtt = roundTripMs(other, QByteArray("ping"));
        QVERIFY2(rtt >= 0, "a round trip through the other relay did not complete");
        slowest = qMax(slowest, rtt);
        ++during;
    }
    QVERIFY2(during >= 3, qPrintable(QStringLiteral("only %1 round trips while slicing").arg(during)));
    QVERIFY2(slowest < 150, qPrintable(QStringLiteral("a round trip took %1 ms while slicing").arg(slowest)));

    QVERIFY(sliced.client->wait(60000));
    QVERIFY(got == data);
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(sliced.clientLeg).bytesOut, quint64(Size), 10000);
    // Each read of more than one byte is "sliced into <its size> pieces", once.
    qint64 expected = 0;
    for (const Record &rec : recordsOf(wb.journal(), sliced.targetLeg, RecordKind::DataIn, false))
        expected += rec.length > 1 ? rec.length : 0;
    qint64 said = 0;
    static const QRegularExpression Sliced(QStringLiteral("sliced into ([0-9,]+) pieces"));
    for (const Record &rec : recordsOf(wb.journal(), sliced.clientLeg, RecordKind::Event)) {
        const QRegularExpressionMatch m = Sliced.match(QString::fromUtf8(rec.payload));
        if (m.hasMatch())
            said += m.captured(1).remove(u',').toLongLong();
    }
    QCOMPARE(said, expected);
}

SOCKBENCH_TEST_MAIN(TestRelayFaults)
#include "tst_relayfaults.moc"
