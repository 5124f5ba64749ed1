// The UDP relay (Workbench::startRelay with options.udp): one socket to the target per client
// address, datagrams forwarded both ways whole and recorded on both sides, and the datagram faults
// (drop, duplicate, reorder, corrupt) repeatable from a seed. Client and target are raw loopback
// sockets (loopbackpeer.h), so the relay is checked by something other than itself.

#include "engine/udprelay.h"
#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <bit>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

using namespace sockbench;
using namespace sockbench::test;

namespace {

// Datagrams sent before waiting for the relay to have read them: a burst of small datagrams costs
// the receive buffer far more than their bytes, and the kernel drops what does not fit.
constexpr int Pace = 32;

/// A relay on 127.0.0.1:0 to a raw target socket, with the faults given.
struct Rig {
    explicit Rig(const RelayFaults &faults = {}, int idleMs = 120000, const QString &targetHost = {},
                 std::shared_ptr<Resolver> resolver = {},
                 const QString &relayIp = QStringLiteral("127.0.0.1"),
                 const QString &targetIp = QStringLiteral("127.0.0.1")) {
        WorkbenchConfig config;
        config.resolver = std::move(resolver);
        wb = std::make_unique<Workbench>(config);
        legs = std::make_unique<QSignalSpy>(wb.get(), &Workbench::relayLegOpened);
        target = LoopbackPeer::bindUdp(targetIp);
        RelayOptions options;
        options.udp = true;
        options.targetHost = targetHost.isEmpty() ? targetIp : targetHost;
        options.targetPort = target ? target->local().port : 0;
        options.udpIdleMs = idleMs;
        options.faults = faults;
        QSignalSpy bound(wb.get(), &Workbench::udpBound);
        relay = wb->startRelay(relayIp, 0, options);
        (void)QTest::qWaitFor(
            [&] {
                for (const auto &args : std::as_const(bound)) {
                    if (args.at(0).value<EndpointId>() == relay)
                        at = args.at(1).value<NetAddress>();
                }
                return at.isValid() || isFinal(wb->info(relay).state);
            },
            WaitMs);
    }

    /// The upstream sockets opened so far, in order.
    QList<EndpointId> upstreams() const {
        QList<EndpointId> out;
        for (const auto &args : std::as_const(*legs))
            out << args.at(0).value<EndpointId>();
        return out;
    }
    /// The n-th upstream socket, once relayLegOpened() announced it (0 if it never does).
    EndpointId upstream(int n) const {
        if (!QTest::qWaitFor([&] { return legs->size() > n; }, WaitMs))
            return 0;
        return upstreams().at(n);
    }
    quint64 datagramsIn(EndpointId id) const { return wb->journal().counters(id).datagramsIn; }
    /// Events of that endpoint that contain `what`.
    int eventsWith(EndpointId id, const QString &what) const {
        int n = 0;
        for (const Record &r : recordsOf(wb->journal(), id, RecordKind::Event))
            n += QString::fromUtf8(r.payload).contains(what) ? 1 : 0;
        return n;
    }

    /// Sends the datagrams from `client` to the relay, pausing every few until the relay read them.
    bool sendPaced(LoopbackPeer &client, const QList<QByteArray> &datagrams) {
        const quint64 before = datagramsIn(relay);
        for (qsizetype i = 0; i < datagrams.size(); ++i) {
            if (!client.sendTo(at, datagrams[i]))
                return false;
            if ((i + 1) % Pace == 0 || i + 1 == datagrams.size()) {
                const quint64 want = before + quint64(i + 1);
                if (!QTest::qWaitFor([&] { return datagramsIn(relay) >= want; }, WaitMs))
                    return false;
            }
        }
        return true;
    }

    std::unique_ptr<Workbench> wb;
    std::unique_ptr<QSignalSpy> legs;
    std::unique_ptr<LoopbackPeer> target;
    EndpointId relay = 0;
    NetAddress at;
};

/// Fails the first lookups, then answers 127.0.0.1 with the asked port: a target whose name
/// comes back (a DNS outage that ends).
class FlakyResolver final : public Resolver {
public:
    explicit FlakyResolver(int failures)
        : m_failures(failures) {}
    Q_DISABLE_COPY_MOVE(FlakyResolver)

    Result resolve(const QString &, quint16 port, int) override {
        std::lock_guard lock(m_mutex);
        if (m_calls++ < m_failures)
            return {{}, FailingResolver::Message};
        Result result;
        result.addresses << NetAddress{QStringLiteral("127.0.0.1"), port};
        return result;
    }
    int calls() const {
        std::lock_guard lock(m_mutex);
        return m_calls;
    }

private:
    mutable std::mutex m_mutex;
    const int m_failures;
    int m_calls = 0;
};

/// Distinct datagrams: a 4-byte index, then pattern bytes; sizes vary from 4 bytes to 60 KB.
QList<QByteArray> datagrams(int count, quint64 seed = 1) {
    QList<QByteArray> out;
    for (int i = 0; i < count; ++i) {
        const qsizetype size = i % 97 == 0 ? 60000 : 4 + (i * 7919) % 1500;
        QByteArray d = pattern(size, seed * 1000003 + quint64(i));
        d[0] = char(i >> 24);
        d[1] = char(i >> 16);
        d[2] = char(i >> 8);
        d[3] = char(i);
        out << d;
    }
    return out;
}

int indexOf(const QByteArray &d) {
    if (d.size() < 4)
        return -1;
    return int(quint32(quint8(d[0])) << 24 | quint32(quint8(d[1])) << 16 | quint32(quint8(d[2])) << 8 |
               quint32(quint8(d[3])));
}

/// Everything `peer` receives until `count` arrived or nothing came for quietMs.
QList<QByteArray> receiveAll(LoopbackPeer &peer, int count, int quietMs = WaitMs,
                             NetAddress *from = nullptr) {
    QList<QByteArray> out;
    while (out.size() < count) {
        QByteArray d = peer.receiveFrom(from, quietMs);
        if (d.isNull())
            break;
        out << d;
    }
    return out;
}

int bitsDifferent(const QByteArray &a, const QByteArray &b) {
    if (a.size() != b.size())
        return -1;
    int n = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        n += std::popcount(quint8(a[i] ^ b[i]));
    return n;
}

/// One direction's faults, for both directions or up only.
RelayFaults upFaults(const FaultSet &up, quint64 seed) {
    RelayFaults f;
    f.up = up;
    f.seed = seed;
    return f;
}

/// Runs drop 50 % with seed 7 over `count` datagrams: which indexes reached the target.
QList<int> dropRun(int count, int *droppedEvents) {
    FaultSet drop;
    drop.dropPercent = 50;
    Rig rig(upFaults(drop, 7));
    auto client = LoopbackPeer::bindUdp();
    const QList<QByteArray> sent = datagrams(count);
    if (!rig.at.isValid() || !client || !rig.sendPaced(*client, sent))
        return {};
    if (!QTest::qWaitFor([&] { return !rig.upstreams().isEmpty(); }, WaitMs))
        return {};
    const EndpointId up = rig.upstream(0);
    // Every datagram has gone out or been dropped once the upstream accounts for all of them.
    (void)QTest::qWaitFor(
        [&] {
            return rig.wb->journal().counters(up).datagramsOut +
                       quint64(rig.eventsWith(up, QStringLiteral("dropped"))) >=
                   quint64(count);
        },
        WaitMs);
    *droppedEvents = rig.eventsWith(up, QStringLiteral("dropped"));
    const quint64 out = rig.wb->journal().counters(up).datagramsOut;
    QList<int> got;
    for (const QByteArray &d : receiveAll(*rig.target, int(out)))
        got << indexOf(d);
    return got;
}

} // namespace

class TestUdpRelay : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void relaysBothWaysByteExact();
    void clientsGetTheirOwnUpstream();
    void dropIsRepeatableFromTheSeed();
    void duplicatesAreCounted();
    void reorderStaysWithinTheWindow();
    void corruptFlipsExactlyOneBit();
    void latencyHoldsTheWayBack();
    void idleClientLosesItsUpstream();
    void acrossFamilies();
    void unresolvableTargetDropsAndSaysSo();
    void lookupFailsThenRecovers();
    void manyClientsUpToAndPastTheCap();
    void failedUpstreamIsRemembered();
    void targetNotListeningIsSaid();
    void faultsChangeWhileTrafficFlows();
    void breakAndClose();
};

void TestUdpRelay::relaysBothWaysByteExact() {
    Rig rig;
    QVERIFY(rig.at.isValid());
    QCOMPARE(stateOf(*rig.wb, rig.relay), stateName(EndpointState::Bound));
    QVERIFY(eventsOf(rig.wb->journal(), rig.relay)
                .contains(QStringLiteral("Relaying %1 -> 127.0.0.1:%2")
                              .arg(rig.at.toString())
                              .arg(rig.target->local().port)));
    auto client = LoopbackPeer::bindUdp();
    QVERIFY(client);
    constexpr int Count = 1000;
    const QList<QByteArray> sent = datagrams(Count);
    QList<QByteArray> replies;
    QList<QByteArray> atTarget;
    NetAddress upstreamLocal;
    // In steps, so that neither side's receive buffer overflows: up, then the replies down.
    for (int start = 0; start < Count; start += Pace) {
        const QList<QByteArray> batch = sent.mid(start, Pace);
        QVERIFY(rig.sendPaced(*client, batch));
        const QList<QByteArray> got = receiveAll(*rig.target, int(batch.size()), WaitMs, &upstreamLocal);
        QCOMPARE(got.size(), batch.size());
        atTarget += got;
        for (const QByteArray &d : got) {
            QByteArray reply = d;
            std::reverse(reply.begin() + 4, reply.end()); // not an echo: the way back is checked too
            replies << reply;
            QVERIFY(rig.target->sendTo(upstreamLocal, reply));
        }
        NetAddress from;
        const QList<QByteArray> back = receiveAll(*client, int(batch.size()), WaitMs, &from);
        QCOMPARE(back.size(), batch.size());
        QCOMPARE(from, rig.at);
        for (qsizetype i = 0; i < back.size(); ++i)
            QCOMPARE(back[i], replies[start + i]);
    }
    QCOMPARE(atTarget, sent);

    const EndpointId up = rig.upstream(0);
    QCOMPARE(rig.upstreams().size(), 1);
    const EndpointInfo info = rig.wb->info(up);
    QVERIFY(info.kind == EndpointKind::UdpSocket);
    QCOMPARE(info.listener, rig.relay);
    QCOMPARE(info.relayClient, client->local());
    QCOMPARE(info.local, upstreamLocal);
    QCOMPARE(info.peer, rig.target->local());
    QCOMPARE(stateOf(*rig.wb, up), stateName(EndpointState::Bound));

    // Recorded on both sides, whole, with the datagram's peer (the last record may follow the
    // datagram it records by a moment).
    const Journal &j = rig.wb->journal();
    QTRY_COMPARE_WITH_TIMEOUT(j.counters(rig.relay).datagramsOut, quint64(Count), WaitMs);
    const auto payloads = [&](EndpointId id, RecordKind kind, const NetAddress &peer) {
        QList<QByteArray> out;
        for (const Record &r : recordsOf(j, id, kind)) {
            if (r.peer != peer)
                return QList<QByteArray>{};
            out << r.payload;
        }
        return out;
    };
    QCOMPARE(payloads(rig.relay, RecordKind::DataIn, client->local()), sent);
    QCOMPARE(payloads(up, RecordKind::DataOut, rig.target->local()), sent);
    QCOMPARE(payloads(up, RecordKind::DataIn, rig.target->local()), replies);
    QCOMPARE(payloads(rig.relay, RecordKind::DataOut, client->local()), replies);
}

void TestUdpRelay::clientsGetTheirOwnUpstream() {
    Rig rig;
    QVERIFY(rig.at.isValid());
    auto a = LoopbackPeer::bindUdp();
    auto b = LoopbackPeer::bindUdp();
    QVERIFY(a && b);
    QVERIFY(a->sendTo(rig.at, "from a"));
    NetAddress fromA;
    QCOMPARE(rig.target->receiveFrom(&fromA), QByteArray("from a"));
    QVERIFY(b->sendTo(rig.at, "from b"));
    NetAddress fromB;
    QCOMPARE(rig.target->receiveFrom(&fromB), QByteArray("from b"));
    QVERIFY(fromA != fromB);
    QVERIFY(a->sendTo(rig.at, "a again"));
    NetAddress fromA2;
    QCOMPARE(rig.target->receiveFrom(&fromA2), QByteArray("a again"));
    QCOMPARE(fromA2, fromA);

    // Each reply goes back to the client its socket serves.
    QVERIFY(rig.target->sendTo(fromB, "to b"));
    QVERIFY(rig.target->sendTo(fromA, "to a"));
    QCOMPARE(b->receiveFrom(), QByteArray("to b"));
    QCOMPARE(a->receiveFrom(), QByteArray("to a"));

    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), 2, WaitMs);
    const QList<EndpointId> ups = rig.upstreams();
    QCOMPARE(rig.legs->at(0).at(1).value<EndpointId>(), rig.relay);
    QCOMPARE(rig.legs->at(0).at(2).value<EndpointId>(), EndpointId(0));
    QCOMPARE(rig.wb->info(ups[0]).relayClient, a->local());
    QCOMPARE(rig.wb->info(ups[1]).relayClient, b->local());
    QTRY_COMPARE_WITH_TIMEOUT(rig.wb->info(ups[0]).local, fromA, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(rig.wb->info(ups[1]).local, fromB, WaitMs);
    QCOMPARE(rig.wb->info(ups[1]).listener, rig.relay);
    QVERIFY(rig.wb->info(ups[0]).relayFaults.has_value());
}

void TestUdpRelay::dropIsRepeatableFromTheSeed() {
    constexpr int Count = 400;
    int droppedFirst = 0;
    int droppedSecond = 0;
    const QList<int> first = dropRun(Count, &droppedFirst);
    const QList<int> second = dropRun(Count, &droppedSecond);
    QVERIFY2(first.size() > Count * 35 / 100 && first.size() < Count * 65 / 100,
             qPrintable(QStringLiteral("%1 of %2 arrived").arg(first.size()).arg(Count)));
    QCOMPARE(second.size(), first.size());
    QCOMPARE(second, first); // the same datagrams, not only as many
    QCOMPARE(droppedFirst, Count - int(first.size()));
    QCOMPARE(droppedSecond, droppedFirst);
}

void TestUdpRelay::duplicatesAreCounted() {
    FaultSet dup;
    dup.duplicatePercent = 30;
    Rig rig(upFaults(dup, 3));
    QVERIFY(rig.at.isValid());
    auto client = LoopbackPeer::bindUdp();
    constexpr int Count = 200;
    const QList<QByteArray> sent = datagrams(Count, 3);
    QVERIFY(rig.sendPaced(*client, sent));
    QTRY_VERIFY_WITH_TIMEOUT(!rig.upstreams().isEmpty(), WaitMs);
    const EndpointId up = rig.upstream(0);
    QTRY_VERIFY_WITH_TIMEOUT(rig.wb->journal().counters(up).datagramsOut >=
                                 quint64(Count + rig.eventsWith(up, QStringLiteral("duplicated"))),
                             WaitMs);
    const int duplicated = rig.eventsWith(up, QStringLiteral("duplicated"));
    QVERIFY2(duplicated > Count / 10 && duplicated < Count / 2, qPrintable(QString::number(duplicated)));
    const QList<QByteArray> got = receiveAll(*rig.target, Count + duplicated);
    QCOMPARE(got.size(), Count + duplicated);
    std::map<int, int> copies;
    for (const QByteArray &d : got) {
        const int i = indexOf(d);
        QVERIFY(i >= 0 && i < Count);
        QCOMPARE(d, sent[i]);
        ++copies[i];
    }
    QCOMPARE(int(copies.size()), Count);
    int twice = 0;
    for (const auto &[i, n] : copies) {
        QVERIFY(n == 1 || n == 2);
        twice += n == 2 ? 1 : 0;
    }
    QCOMPARE(twice, duplicated);
}

void TestUdpRelay::reorderStaysWithinTheWindow() {
    constexpr int Window = 4;
    FaultSet reorder;
    reorder.reorderWindow = Window;
    Rig rig(upFaults(reorder, 11));
    QVERIFY(rig.at.isValid());
    auto client = LoopbackPeer::bindUdp();
    constexpr int Count = 100; // whole windows: none waits for the hold time
    const QList<QByteArray> sent = datagrams(Count, 11);
    QVERIFY(rig.sendPaced(*client, sent));
    const QList<QByteArray> got = receiveAll(*rig.target, Count);
    QCOMPARE(got.size(), Count);
    QList<int> order;
    std::set<int> seen;
    int moved = 0;
    for (qsizetype position = 0; position < got.size(); ++position) {
        const int i = indexOf(got[position]);
        QVERIFY(i >= 0 && i < Count);
        QCOMPARE(got[position], sent[i]);
        QVERIFY2(std::abs(i - int(position)) < Window,
                 qPrintable(QStringLiteral("datagram %1 arrived at %2").arg(i).arg(position)));
        seen.insert(i);
        order << i;
        moved += i != position ? 1 : 0;
    }
    QCOMPARE(int(seen.size()), Count); // the same set
    QVERIFY(moved > 0);                // in another order
    const EndpointId up = rig.upstream(0);
    QTRY_COMPARE_WITH_TIMEOUT(rig.eventsWith(up, QStringLiteral("reordered")), moved, WaitMs);
}

void TestUdpRelay::corruptFlipsExactlyOneBit() {
    RelayFaults faults;
    faults.up.corruptPercent = 100;
    faults.down.corruptPercent = 100;
    faults.seed = 5;
    Rig rig(faults);
    QVERIFY(rig.at.isValid());
    auto client = LoopbackPeer::bindUdp();
    constexpr int Count = 50;
    const QList<QByteArray> sent = datagrams(Count, 5);
    QVERIFY(rig.sendPaced(*client, sent));
    NetAddress upstreamLocal;
    const QList<QByteArray> got = receiveAll(*rig.target, Count, WaitMs, &upstreamLocal);
    QCOMPARE(got.size(), Count);
    for (int i = 0; i < Count; ++i)
        QCOMPARE(bitsDifferent(got[i], sent[i]), 1);
    // And on the way back, with the events on the relay, which sent the datagrams to the client.
    const QByteArray reply = pattern(1000, 77);
    QVERIFY(rig.target->sendTo(upstreamLocal, reply));
    const QByteArray back = client->receiveFrom();
    QCOMPARE(bitsDifferent(back, reply), 1);
    const EndpointId up = rig.upstream(0);
    QTRY_COMPARE_WITH_TIMEOUT(rig.eventsWith(up, QStringLiteral("corrupted: bit")), Count, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        rig.eventsWith(rig.relay, QStringLiteral("(to %1)").arg(client->local().toString())), 1, WaitMs);
    QCOMPARE(rig.eventsWith(rig.relay, QStringLiteral("corrupted: bit")), 1);
    // What the relay recorded as sent is what was sent, flipped bit and all.
    QTRY_COMPARE_WITH_TIMEOUT(rig.wb->journal().counters(rig.relay).datagramsOut, quint64(1), WaitMs);
    const auto out = recordsOf(rig.wb->journal(), rig.relay, RecordKind::DataOut);
    QCOMPARE(out.size(), size_t(1));
    QCOMPARE(out.front().payload, back);
}

void TestUdpRelay::latencyHoldsTheWayBack() {
    constexpr int LatencyMs = 150;
    RelayFaults faults;
    faults.down.latencyMs = LatencyMs;
    Rig rig(faults);
    QVERIFY(rig.at.isValid());
    auto client = LoopbackPeer::bindUdp();
    QVERIFY(client->sendTo(rig.at, "ping"));
    NetAddress upstreamLocal;
    QCOMPARE(rig.target->receiveFrom(&upstreamLocal), QByteArray("ping"));
    for (int i = 0; i < 3; ++i) {
        QElapsedTimer down;
        down.start();
        QVERIFY(rig.target->sendTo(upstreamLocal, QByteArray("pong") + QByteArray::number(i)));
        QCOMPARE(client->receiveFrom(), QByteArray("pong") + QByteArray::number(i));
        QVERIFY2(down.elapsed() >= LatencyMs, qPrintable(QString::number(down.elapsed())));
    }
    QTRY_COMPARE_WITH_TIMEOUT(rig.eventsWith(rig.relay, QStringLiteral("delayed")), 3, WaitMs);
    QCOMPARE(rig.eventsWith(rig.upstream(0), QStringLiteral("delayed")), 0);
}

void TestUdpRelay::idleClientLosesItsUpstream() {
    Rig rig({}, 300);
    QVERIFY(rig.at.isValid());
    auto client = LoopbackPeer::bindUdp();
    QVERIFY(client->sendTo(rig.at, "hello"));
    QCOMPARE(rig.target->receiveFrom(), QByteArray("hello"));
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), 1, WaitMs);
    const EndpointId first = rig.upstream(0);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(*rig.wb, first), stateName(EndpointState::Closed), WaitMs);
    QVERIFY(eventsOf(rig.wb->journal(), first).contains(QStringLiteral("idle for 0.3 s")));
    QCOMPARE(stateOf(*rig.wb, rig.relay), stateName(EndpointState::Bound));
    // The client heard from again is a new client, with a new socket.
    QVERIFY(client->sendTo(rig.at, "again"));
    QCOMPARE(rig.target->receiveFrom(), QByteArray("again"));
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), 2, WaitMs);
    QVERIFY(rig.upstream(1) != first);
}

void TestUdpRelay::acrossFamilies() {
    if (!hasIpv6Loopback())
        QSKIP("no IPv6 loopback here");
    const QString v4 = QStringLiteral("127.0.0.1");
    const QString v6 = QStringLiteral("::1");
    for (const auto &[relayIp, targetIp] : {std::pair{v6, v6}, std::pair{v4, v6}, std::pair{v6, v4}}) {
        Rig rig({}, 120000, {}, {}, relayIp, targetIp);
        QVERIFY(rig.at.isValid());
        QCOMPARE(rig.at.ip, relayIp);
        auto client = LoopbackPeer::bindUdp(relayIp);
        QVERIFY(client);
        QVERIFY(client->sendTo(rig.at, "up"));
        NetAddress upstreamLocal;
        QCOMPARE(rig.target->receiveFrom(&upstreamLocal), QByteArray("up"));
        QCOMPARE(upstreamLocal.ip, targetIp);
        QVERIFY(rig.target->sendTo(upstreamLocal, "down"));
        NetAddress from;
        QCOMPARE(client->receiveFrom(&from), QByteArray("down"));
        QCOMPARE(from, rig.at);
        QCOMPARE(rig.wb->info(rig.upstream(0)).relayClient, client->local());
    }
}

void TestUdpRelay::unresolvableTargetDropsAndSaysSo() {
    auto resolver = std::make_shared<FailingResolver>();
    Rig rig({}, 120000, QStringLiteral("target.invalid"), resolver);
    QVERIFY(rig.at.isValid());
    auto client = LoopbackPeer::bindUdp();
    QVERIFY(rig.sendPaced(*client, {"one", "two", "three"}));
    const QString said =
        QStringLiteral("Cannot relay for %1: target target.invalid:%2 cannot be resolved (%3)")
            .arg(client->local().toString())
            .arg(rig.target->local().port)
            .arg(FailingResolver::Message);
    QTRY_COMPARE_WITH_TIMEOUT(rig.eventsWith(rig.relay, said), 1, WaitMs);
    QVERIFY(rig.sendPaced(*client, {"four"}));
    QCOMPARE(rig.eventsWith(rig.relay, said), 1); // once
    QCOMPARE(resolver->hosts(), QStringList{QStringLiteral("target.invalid")});
    QCOMPARE(rig.legs->size(), 0);
    QCOMPARE(stateOf(*rig.wb, rig.relay), stateName(EndpointState::Bound));
    QCOMPARE(rig.wb->journal().counters(rig.relay).datagramsIn, quint64(4));
    QVERIFY(rig.target->receiveFrom(nullptr, 0).isNull());
}

void TestUdpRelay::lookupFailsThenRecovers() {
    auto resolver = std::make_shared<FlakyResolver>(1);
    Rig rig({}, 120000, QStringLiteral("target.example"), resolver);
    QVERIFY(rig.at.isValid());
    auto client = LoopbackPeer::bindUdp();
    QVERIFY(rig.sendPaced(*client, {"lost"}));
    QTRY_COMPARE_WITH_TIMEOUT(rig.eventsWith(rig.relay, QStringLiteral("cannot be resolved")), 1, WaitMs);
    QVERIFY(rig.sendPaced(*client, {"lost too"}));
    QCOMPARE(resolver->calls(), 1); // within the back-off: not looked up again
    // After the back-off the next datagram looks the target up again, and is relayed.
    QTRY_COMPARE_WITH_TIMEOUT(
        rig.eventsWith(rig.relay, QStringLiteral("2 datagrams dropped since the lookup failed")), 1, WaitMs);
    QVERIFY(rig.sendPaced(*client, {"found"}));
    QCOMPARE(rig.target->receiveFrom(), QByteArray("found"));
    QCOMPARE(resolver->calls(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), 1, WaitMs);
    QVERIFY(rig.sendPaced(*client, {"again"}));
    QCOMPARE(rig.target->receiveFrom(), QByteArray("again"));
    QCOMPARE(resolver->calls(), 2);
    QCOMPARE(stateOf(*rig.wb, rig.relay), stateName(EndpointState::Bound));
}

void TestUdpRelay::manyClientsUpToAndPastTheCap() {
    Rig rig;
    QVERIFY(rig.at.isValid());
    constexpr int Cap = int(UdpRelay::MaxUpstreams);
    constexpr int Extra = 8;
    std::vector<std::unique_ptr<LoopbackPeer>> clients;
    for (int i = 0; i < Cap + Extra; ++i) {
        clients.push_back(LoopbackPeer::bindUdp());
        QVERIFY(clients.back());
    }
    // Up to the cap: every client gets its own upstream, every datagram reaches the target.
    for (int i = 0; i < Cap; ++i)
        QVERIFY(rig.sendPaced(*clients[size_t(i)], {QByteArray::number(i)}));
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), Cap, WaitMs);
    const QList<QByteArray> got = receiveAll(*rig.target, Cap, 2000);
    QCOMPARE(got.size(), qsizetype(Cap));
    QCOMPARE(std::set<QByteArray>(got.begin(), got.end()).size(), size_t(Cap));

    // Past it: new clients' datagrams are dropped, said once, and nothing reaches the target.
    for (int i = Cap; i < Cap + Extra; ++i)
        QVERIFY(rig.sendPaced(*clients[size_t(i)], {"over", "over again"}));
    const QString tooMany = QStringLiteral("Too many clients (1,024 at once)");
    QCOMPARE(rig.eventsWith(rig.relay, tooMany), 1);
    QCOMPARE(rig.legs->size(), Cap);
    QVERIFY(rig.target->receiveFrom(nullptr, 200).isNull());
    // Clients served before still are.
    QVERIFY(rig.sendPaced(*clients[0], {"still served"}));
    QCOMPARE(rig.target->receiveFrom(), QByteArray("still served"));

    // Room again: the count is said, and a new client is served.
    QVERIFY(rig.wb->breakRelay(rig.relay, RelayEnd::Close));
    QTRY_COMPARE_WITH_TIMEOUT(
        rig.eventsWith(rig.relay, QStringLiteral("16 datagrams of 8 new clients were dropped")), 1, WaitMs);
    QVERIFY(rig.sendPaced(*clients[size_t(Cap)], {"served now"}));
    QCOMPARE(rig.target->receiveFrom(), QByteArray("served now"));
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), Cap + 1, WaitMs);
    QCOMPARE(rig.eventsWith(rig.relay, tooMany), 1);
}

void TestUdpRelay::failedUpstreamIsRemembered() {
    // A UDP socket may not connect to the broadcast address without SO_BROADCAST (EACCES): the
    // upstream fails to open; its client's later datagrams must not each open (and fail) again.
    Rig rig({}, 120000, QStringLiteral("255.255.255.255"));
    QVERIFY(rig.at.isValid());
    auto client = LoopbackPeer::bindUdp();
    QVERIFY(rig.sendPaced(*client, {"one", "two", "three", "four", "five"}));
    const EndpointId up = rig.upstream(0);
    QVERIFY(up != 0);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(*rig.wb, up), stateName(EndpointState::Failed), WaitMs);
    QVERIFY(rig.sendPaced(*client, {"six"}));
    QCOMPARE(rig.legs->size(), 1);
    QCOMPARE(stateOf(*rig.wb, rig.relay), stateName(EndpointState::Bound));
}

void TestUdpRelay::targetNotListeningIsSaid() {
    Rig rig;
    QVERIFY(rig.at.isValid());
    rig.target->closeNow(); // its port now answers with ICMP port unreachable
    auto client = LoopbackPeer::bindUdp();
    QVERIFY(rig.sendPaced(*client, {"one", "two", "three"}));
    const EndpointId up = rig.upstream(0);
    QVERIFY(up != 0);
    QTRY_VERIFY_WITH_TIMEOUT(rig.eventsWith(up, QStringLiteral("Connection refused")) >= 1, WaitMs);
    // The refusal is about one datagram: the socket keeps serving its client.
    QCOMPARE(stateOf(*rig.wb, up), stateName(EndpointState::Bound));
    QCOMPARE(stateOf(*rig.wb, rig.relay), stateName(EndpointState::Bound));
}

void TestUdpRelay::faultsChangeWhileTrafficFlows() {
    Rig rig;
    QVERIFY(rig.at.isValid());
    QSignalSpy changed(rig.wb.get(), &Workbench::relayFaultsChanged);
    auto client = LoopbackPeer::bindUdp();
    QVERIFY(rig.sendPaced(*client, {"before"}));
    QCOMPARE(rig.target->receiveFrom(), QByteArray("before"));
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), 1, WaitMs);
    const EndpointId up = rig.upstream(0);

    // On the relay: every client, now.
    FaultSet dropAll;
    dropAll.dropPercent = 100;
    QVERIFY(rig.wb->setRelayFaults(rig.relay, upFaults(dropAll, 1)));
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, WaitMs);
    QCOMPARE(changed.at(0).at(0).value<EndpointId>(), rig.relay);
    QCOMPARE(rig.wb->info(rig.relay).relay->faults.up.dropPercent, 100.0);
    QCOMPARE(rig.wb->info(up).relayFaults->up.dropPercent, 100.0);
    QVERIFY(rig.sendPaced(*client, datagrams(20)));
    QTRY_COMPARE_WITH_TIMEOUT(rig.eventsWith(up, QStringLiteral("dropped")), 20, WaitMs);
    QVERIFY(rig.target->receiveFrom(nullptr, 0).isNull());

    // On the one upstream: back to none for its client.
    QVERIFY(rig.wb->setRelayFaults(up, {}));
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, WaitMs);
    QCOMPARE(changed.at(1).at(0).value<EndpointId>(), up);
    QVERIFY(rig.wb->info(up).relayFaults->isEmpty());
    QCOMPARE(rig.wb->info(rig.relay).relay->faults.up.dropPercent, 100.0);
    QVERIFY(rig.sendPaced(*client, {"after"}));
    QCOMPARE(rig.target->receiveFrom(), QByteArray("after"));

    // A new client starts with the relay's faults.
    auto other = LoopbackPeer::bindUdp();
    QVERIFY(rig.sendPaced(*other, {"lost"}));
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), 2, WaitMs);
    const EndpointId otherUp = rig.upstream(1);
    QCOMPARE(rig.wb->info(otherUp).relayFaults->up.dropPercent, 100.0);
    QTRY_COMPARE_WITH_TIMEOUT(rig.eventsWith(otherUp, QStringLiteral("dropped")), 1, WaitMs);
}

void TestUdpRelay::breakAndClose() {
    Rig rig;
    QVERIFY(rig.at.isValid());
    auto a = LoopbackPeer::bindUdp();
    auto b = LoopbackPeer::bindUdp();
    QVERIFY(rig.sendPaced(*a, {"a"}));
    QVERIFY(rig.sendPaced(*b, {"b"}));
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), 2, WaitMs);
    const QList<EndpointId> first = rig.upstreams();

    QVERIFY(rig.wb->breakRelay(rig.relay, RelayEnd::Reset));
    for (const EndpointId up : first)
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(*rig.wb, up), stateName(EndpointState::Closed), WaitMs);
    QCOMPARE(stateOf(*rig.wb, rig.relay), stateName(EndpointState::Bound));

    QVERIFY(rig.sendPaced(*a, {"a again"}));
    QTRY_COMPARE_WITH_TIMEOUT(rig.legs->size(), 3, WaitMs);
    const EndpointId again = rig.upstream(2);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(*rig.wb, again), stateName(EndpointState::Bound), WaitMs);

    QSignalSpy closed(rig.wb.get(), &Workbench::closed);
    rig.wb->close(rig.relay);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(*rig.wb, rig.relay), stateName(EndpointState::Closed), WaitMs);
    QCOMPARE(stateOf(*rig.wb, again), stateName(EndpointState::Closed));
    // The upstream's end is reported before the relay's.
    QCOMPARE(closed.size(), 2);
    QCOMPARE(closed.at(0).at(0).value<EndpointId>(), again);
    QCOMPARE(closed.at(1).at(0).value<EndpointId>(), rig.relay);
}

SOCKBENCH_TEST_MAIN(TestUdpRelay)
#include "tst_udprelay.moc"
