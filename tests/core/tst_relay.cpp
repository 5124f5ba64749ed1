// The TCP relay (Workbench::startRelay) between real loopback peers: a raw client on one side, a raw
// server (or python3, or openssl s_server) on the other. Bytes must cross byte-exact both ways, both
// legs must be recorded exactly, ends must be relayed (half-close, reset, a refused or unknown
// target), and many relayed connections must work at once.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "opensslprocess.h"
#include "testcerts.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <poll.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace sockbench;
using namespace sockbench::test;

namespace {

constexpr int BulkWaitMs = 60000;

RelayOptions toTarget(const NetAddress &target) {
    RelayOptions options;
    options.targetHost = target.ip;
    options.targetPort = target.port;
    return options;
}

/// Starts a relay on 127.0.0.1:0 and waits until it listens; the address is invalid on failure.
NetAddress startRelay(Workbench &wb, const RelayOptions &options, EndpointId *id) {
    QSignalSpy started(&wb, &Workbench::listenerStarted);
    *id = wb.startRelay(QStringLiteral("127.0.0.1"), 0, options);
    const EndpointId want = *id;
    NetAddress local;
    (void)QTest::qWaitFor(
        [&] {
            for (const auto &args : std::as_const(started)) {
                if (args.at(0).value<EndpointId>() == want) {
                    local = args.at(1).value<NetAddress>();
                    return true;
                }
            }
            return isFinal(wb.info(want).state);
        },
        WaitMs);
    return local;
}

/// The legs of the first relayed connection a relayLegOpened spy saw: {client leg, target leg}.
std::pair<EndpointId, EndpointId> firstLegs(const QSignalSpy &legs) {
    if (legs.isEmpty())
        return {0, 0};
    return {legs.first().at(2).value<EndpointId>(), legs.first().at(0).value<EndpointId>()};
}

/// Joins a thread on every way out of a test function.
class Joining final {
public:
    explicit Joining(std::function<void()> job)
        : m_thread(std::move(job)) {}
    ~Joining() { join(); }
    Q_DISABLE_COPY_MOVE(Joining)
    void join() {
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    std::thread m_thread;
};

/// A relay with one raw client connected through it to a raw server.
struct Relayed {
    EndpointId relay = 0;
    NetAddress at;
    std::unique_ptr<LoopbackPeer> server; ///< the listening target
    std::unique_ptr<LoopbackPeer> client;
    std::unique_ptr<LoopbackPeer> accepted; ///< the target's side of the relayed connection
    EndpointId clientLeg = 0;
    EndpointId targetLeg = 0;
    const char *failure = nullptr;
};

Relayed relayOne(Workbench &wb, RelayOptions options = {}) {
    Relayed out;
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    out.server = LoopbackPeer::listenTcp();
    if (!out.server) {
        out.failure = "the target could not listen";
        return out;
    }
    const RelayOptions target = toTarget(out.server->local());
    options.targetHost = target.targetHost;
    options.targetPort = target.targetPort;
    out.at = startRelay(wb, options, &out.relay);
    if (!out.at.isValid()) {
        out.failure = "the relay did not start";
        return out;
    }
    out.client = LoopbackPeer::connectTcp(out.at);
    if (!out.client) {
        out.failure = "the client could not connect to the relay";
        return out;
    }
    out.accepted = out.server->accept();
    if (!out.accepted) {
        out.failure = "the relay did not connect to the target";
        return out;
    }
    if (!QTest::qWaitFor([&] { return !legs.isEmpty(); }, WaitMs)) {
        out.failure = "no relayLegOpened";
        return out;
    }
    std::tie(out.clientLeg, out.targetLeg) = firstLegs(legs);
    if (!QTest::qWaitFor([&] { return wb.info(out.targetLeg).state == EndpointState::Connected; }, WaitMs))
        out.failure = "the target leg did not report Connected";
    return out;
}

} // namespace

class TestRelay final : public QObject {
    Q_OBJECT

public:
    TestRelay() = default;
    Q_DISABLE_COPY_MOVE(TestRelay)

private Q_SLOTS:
    void initTestCase();
    void bulkBothWaysByteExact();
    void legsAndSignals();
    void halfCloseRelayed();
    void resetRelayed_data();
    void resetRelayed();
    void targetRefused_data();
    void targetRefused();
    void targetUnresolvable();
    void heldWhileTargetResolves();
    void targetTimesOut();
    void backPressureBoundsTheQueue();
    void faultsChangedSignals();
    void badOptionsInWords();
    void stoppedRelayKeepsItsConnections();
    void breakReachesATargetLegAlone();
    void breakDropsHeldBytesInWords();
    void limitWhileTargetResolvesIsNotARefusal();
    void breakRelay_data();
    void breakRelay();
    void manyConcurrentConnections();
    void tlsFromClient();
    void tlsToTarget();
    void tlsTargetRefusesUs();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TestCertificates> m_certs;
};

void TestRelay::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_certs = std::make_unique<TestCertificates>(m_dir.path());
    QVERIFY2(m_certs->ok(), qPrintable(m_certs->error()));
    QVERIFY(raiseOpenFileLimit() >= 4096);
}

void TestRelay::bulkBothWaysByteExact() {
    const qsizetype size = (underSanitizer() ? 8 : 64) * 1024 * 1024;
    Workbench wb;
    Relayed r = relayOne(wb);
    QVERIFY2(!r.failure, r.failure);

    const QByteArray up = pattern(size, 11);
    const QByteArray down = pattern(size, 12);
    std::atomic<bool> upSent = false;
    std::atomic<bool> downSent = false;
    QByteArray gotUp;
    QByteArray gotDown;
    {
        // Both ways at once: each peer sends on a thread of its own and reads on another.
        Joining upSender([&] { upSent = r.client->sendAll(up, BulkWaitMs); });
        Joining downSender([&] { downSent = r.accepted->sendAll(down, BulkWaitMs); });
        r.accepted->run([&] { gotUp = r.accepted->readExactly(size, BulkWaitMs); });
        r.client->run([&] { gotDown = r.client->readExactly(size, BulkWaitMs); });
        QVERIFY(r.accepted->wait(BulkWaitMs));
        QVERIFY(r.client->wait(BulkWaitMs));
    }
    QVERIFY(upSent);
    QVERIFY(downSent);
    QCOMPARE(gotUp.size(), size);
    QCOMPARE(gotDown.size(), size);
    QCOMPARE(sha256(gotUp), sha256(up));
    QCOMPARE(sha256(gotDown), sha256(down));

    // Each leg recorded what it read and what the kernel took from it, exactly.
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(r.clientLeg).bytesIn, quint64(size), WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(r.clientLeg).bytesOut, quint64(size), WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(r.targetLeg).bytesIn, quint64(size), WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(r.targetLeg).bytesOut, quint64(size), WaitMs);
}

void TestRelay::legsAndSignals() {
    Workbench wb;
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy connected(&wb, &Workbench::connected);
    Relayed r = relayOne(wb);
    QVERIFY2(!r.failure, r.failure);

    QCOMPARE(legs.count(), 1);
    QCOMPARE(legs.first().at(1).value<EndpointId>(), r.relay);
    QCOMPARE(accepted.count(), 1);
    QCOMPARE(accepted.first().at(0).value<EndpointId>(), r.clientLeg);
    QCOMPARE(accepted.first().at(1).value<EndpointId>(), r.relay);
    QTRY_COMPARE(connected.count(), 1);
    QCOMPARE(connected.first().at(0).value<EndpointId>(), r.targetLeg);
    QCOMPARE(connected.first().at(2).value<NetAddress>(), r.server->local());

    const EndpointInfo relay = wb.info(r.relay);
    QVERIFY(relay.kind == EndpointKind::TcpListener);
    QCOMPARE(stateName(relay.state), stateName(EndpointState::Listening));
    QVERIFY(relay.relay.has_value());
    QCOMPARE(relay.relay->targetHost, r.server->local().ip);
    QCOMPARE(relay.relay->targetPort, r.server->local().port);
    QCOMPARE(relay.local, r.at);

    const EndpointInfo client = wb.info(r.clientLeg);
    QVERIFY(client.kind == EndpointKind::TcpConnection);
    QCOMPARE(client.listener, r.relay);
    QCOMPARE(client.relayPeer, r.targetLeg);
    QCOMPARE(client.peer, r.client->local());
    QVERIFY(client.relayFaults.has_value());
    QVERIFY(!client.relay.has_value());

    const EndpointInfo target = wb.info(r.targetLeg);
    QVERIFY(target.kind == EndpointKind::TcpConnection);
    QCOMPARE(target.listener, r.relay);
    QCOMPARE(target.relayPeer, r.clientLeg);
    QVERIFY(target.outgoing);
    QCOMPARE(target.requestedHost, r.server->local().ip);
    QCOMPARE(target.requestedPort, r.server->local().port);
    QCOMPARE(target.peer, r.server->local());
    QCOMPARE(wb.connectionsOf(r.relay), (QList<EndpointId>{r.clientLeg, r.targetLeg}));

    // A small exchange lands in both legs' records, in the right direction.
    QVERIFY(r.client->sendAll(QByteArray("ping")));
    QCOMPARE(r.accepted->readExactly(4), QByteArray("ping"));
    QVERIFY(r.accepted->sendAll(QByteArray("pong!")));
    QCOMPARE(r.client->readExactly(5), QByteArray("pong!"));
    QTRY_COMPARE(streamOf(wb.journal(), r.clientLeg, RecordKind::DataIn), QByteArray("ping"));
    QTRY_COMPARE(streamOf(wb.journal(), r.targetLeg, RecordKind::DataOut), QByteArray("ping"));
    QTRY_COMPARE(streamOf(wb.journal(), r.targetLeg, RecordKind::DataIn), QByteArray("pong!"));
    QTRY_COMPARE(streamOf(wb.journal(), r.clientLeg, RecordKind::DataOut), QByteArray("pong!"));

    // Bytes the user injects on a leg go out on it (the relay does not stop them).
    QVERIFY(wb.send(r.targetLeg, QByteArray("injected")));
    QCOMPARE(r.accepted->readExactly(8), QByteArray("injected"));
    // A relay and its legs take no auto-reply, rules or Start TLS: they only forward.
    QVERIFY(!wb.setAutoReply(r.relay, AutoReply::Echo));
    QVERIFY(!wb.setAutoReply(r.clientLeg, AutoReply::Echo));
    QVERIFY(!wb.setRules(r.relay, nullptr));
    QVERIFY(!wb.setRules(r.targetLeg, nullptr));
    QVERIFY(!wb.startTls(r.targetLeg, TlsClientOptions{}));
    // A relay leg never answers on its own: no echo, no greeting. Told by order, not by a wait:
    // an echo of "x" by the client leg would reach the client before the "y" that the server
    // sends only once "x" has crossed; one of "y" by the target leg would reach the server
    // before the "z" that the client sends only once "y" has crossed.
    QVERIFY(r.client->sendAll(QByteArray("x")));
    QCOMPARE(r.accepted->readExactly(1), QByteArray("x"));
    QVERIFY(r.accepted->sendAll(QByteArray("y")));
    QCOMPARE(r.client->readExactly(1), QByteArray("y"));
    QVERIFY(r.client->sendAll(QByteArray("z")));
    QCOMPARE(r.accepted->readExactly(1), QByteArray("z"));

    // The relay's clients are its client legs: a target leg is not one, and bytes sent to "every
    // client" never reach the target.
    QCOMPARE(wb.clientsOf(r.relay), QList<EndpointId>{r.clientLeg});
    QCOMPARE(wb.sendToAllClients(r.relay, QByteArray("all")), 1);
    QCOMPARE(r.client->readExactly(3), QByteArray("all"));
    QVERIFY(r.client->sendAll(QByteArray("!")));
    QCOMPARE(r.accepted->readExactly(1), QByteArray("!")); // not "all!"
}

void TestRelay::halfCloseRelayed() {
    Workbench wb;
    Relayed r = relayOne(wb);
    QVERIFY2(!r.failure, r.failure);

    // The client's FIN reaches the server after its request; the server still answers.
    QVERIFY(r.client->sendAll(QByteArray("request")));
    r.client->shutdownWrite();
    QByteArray request;
    QCOMPARE(toText(r.accepted->readToEnd(&request, WaitMs)), toText(StreamEnd::Eof));
    QCOMPARE(request, QByteArray("request"));
    QTRY_COMPARE(stateOf(wb, r.clientLeg), stateName(EndpointState::PeerClosed));
    QCOMPARE(stateOf(wb, r.targetLeg), stateName(EndpointState::Connected));

    QVERIFY(r.accepted->sendAll(QByteArray("response after the client's FIN")));
    r.accepted->shutdownWrite();
    QByteArray response;
    QCOMPARE(toText(r.client->readToEnd(&response, WaitMs)), toText(StreamEnd::Eof));
    QCOMPARE(response, QByteArray("response after the client's FIN"));
    QTRY_COMPARE(stateOf(wb, r.clientLeg), stateName(EndpointState::Closed));
    QTRY_COMPARE(stateOf(wb, r.targetLeg), stateName(EndpointState::Closed));
    QVERIFY(eventsOf(wb.journal(), r.targetLeg).contains(QStringLiteral("FIN sent")));
    QVERIFY(eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("FIN sent")));
}

void TestRelay::resetRelayed_data() {
    QTest::addColumn<bool>("serverResets");
    QTest::addColumn<bool>("relayResets");
    QTest::newRow("server resets, relayed") << true << true;
    QTest::newRow("client resets, relayed") << false << true;
    QTest::newRow("server resets, closed instead") << true << false;
}

void TestRelay::resetRelayed() {
    QFETCH(bool, serverResets);
    QFETCH(bool, relayResets);
    Workbench wb;
    RelayOptions options;
    options.relayResets = relayResets;
    Relayed r = relayOne(wb, options);
    QVERIFY2(!r.failure, r.failure);
    QVERIFY(r.client->sendAll(QByteArray("hello")));
    QCOMPARE(r.accepted->readExactly(5), QByteArray("hello"));

    LoopbackPeer &resetting = serverResets ? *r.accepted : *r.client;
    LoopbackPeer &other = serverResets ? *r.client : *r.accepted;
    const EndpointId resetLeg = serverResets ? r.targetLeg : r.clientLeg;
    const EndpointId otherLeg = serverResets ? r.clientLeg : r.targetLeg;
    resetting.setLingerZero();
    resetting.closeNow();
    QByteArray rest;
    const StreamEnd end = other.readToEnd(&rest, WaitMs);
    QCOMPARE(toText(end), toText(relayResets ? StreamEnd::Reset : StreamEnd::Eof));
    QTRY_COMPARE(stateOf(wb, resetLeg), stateName(EndpointState::Reset));
    QVERIFY(!wb.info(resetLeg).resetByUs);
    if (relayResets) {
        QTRY_COMPARE(stateOf(wb, otherLeg), stateName(EndpointState::Reset));
        QVERIFY(wb.info(otherLeg).resetByUs);
    } else {
        other.closeNow(); // our FIN completes the close
        QTRY_COMPARE(stateOf(wb, otherLeg), stateName(EndpointState::Closed));
    }
}

void TestRelay::targetRefused_data() {
    QTest::addColumn<bool>("reset");
    QTest::newRow("close") << false;
    QTest::newRow("reset") << true;
}

void TestRelay::targetRefused() {
    QFETCH(bool, reset);
    auto refusing = LoopbackPeer::bindTcpOnly(); // bound, not listening: connecting is refused
    QVERIFY(refusing);
    Workbench wb;
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    QSignalSpy failed(&wb, &Workbench::connectFailed);
    RelayOptions options = toTarget(refusing->local());
    options.onTargetFailure = reset ? RelayEnd::Reset : RelayEnd::Close;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, options, &relay);
    QVERIFY(at.isValid());
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QByteArray got;
    QCOMPARE(toText(client->readToEnd(&got, WaitMs)), toText(reset ? StreamEnd::Reset : StreamEnd::Eof));
    QVERIFY(got.isEmpty());

    QTRY_COMPARE(legs.count(), 1);
    const auto [clientLeg, targetLeg] = firstLegs(legs);
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).value<EndpointId>(), targetLeg);
    QCOMPARE(stateOf(wb, targetLeg), stateName(EndpointState::Failed));
    const QString expected =
        QStringLiteral("target %1 refused: Connection refused").arg(refusing->local().toString());
    QTRY_VERIFY2(eventsOf(wb.journal(), clientLeg).contains(expected),
                 qPrintable(eventsOf(wb.journal(), clientLeg)));
    if (reset) {
        QTRY_COMPARE(stateOf(wb, clientLeg), stateName(EndpointState::Reset));
    } else {
        client->closeNow();
        QTRY_COMPARE(stateOf(wb, clientLeg), stateName(EndpointState::Closed));
    }
    QCOMPARE(stateOf(wb, relay), stateName(EndpointState::Listening)); // the relay goes on
}

void TestRelay::targetUnresolvable() {
    WorkbenchConfig config;
    auto resolver = std::make_shared<FailingResolver>();
    config.resolver = resolver;
    Workbench wb(config);
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    RelayOptions options;
    options.targetHost = QStringLiteral("no-such-host.invalid");
    options.targetPort = 80;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, options, &relay);
    QVERIFY(at.isValid());
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QByteArray got;
    QCOMPARE(toText(client->readToEnd(&got, WaitMs)), toText(StreamEnd::Eof));
    QTRY_COMPARE(legs.count(), 1);
    const auto [clientLeg, targetLeg] = firstLegs(legs);
    QVERIFY(resolver->hosts().contains(options.targetHost));
    const QString expected = QStringLiteral("target no-such-host.invalid:80 could not be resolved: %1")
                                 .arg(FailingResolver::Message);
    QTRY_VERIFY2(eventsOf(wb.journal(), clientLeg).contains(expected),
                 qPrintable(eventsOf(wb.journal(), clientLeg)));
    QTRY_COMPARE(stateOf(wb, targetLeg), stateName(EndpointState::Failed));
}

void TestRelay::heldWhileTargetResolves() {
    // What the client sends before the target leg is connected waits in the relay, in order.
    WorkbenchConfig config;
    auto gate = std::make_shared<GateResolver>();
    config.resolver = gate;
    Workbench wb(config);
    const auto openGate = qScopeGuard([&] { gate->open(); });
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    auto server = LoopbackPeer::listenTcp();
    QVERIFY(server);
    RelayOptions options;
    options.targetHost = QStringLiteral("target.test");
    options.targetPort = server->local().port;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, options, &relay);
    QVERIFY(at.isValid());
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QTRY_COMPARE(legs.count(), 1);
    const auto [clientLeg, targetLeg] = firstLegs(legs);
    QTRY_COMPARE(gate->started(), 1);
    QCOMPARE(stateOf(wb, targetLeg), stateName(EndpointState::Resolving));
    const QByteArray early = pattern(100000, 21);
    QVERIFY(client->sendAll(early));
    client->shutdownWrite(); // the FIN waits behind the bytes
    QTRY_COMPARE(wb.journal().counters(clientLeg).bytesIn, quint64(early.size()));
    QCOMPARE(wb.journal().counters(targetLeg).bytesOut, quint64(0));

    gate->open();
    auto accepted = server->accept();
    QVERIFY(accepted);
    QByteArray got;
    QCOMPARE(toText(accepted->readToEnd(&got, WaitMs)), toText(StreamEnd::Eof));
    QCOMPARE(sha256(got), sha256(early));
    accepted->closeNow();
    QByteArray none;
    QCOMPARE(toText(client->readToEnd(&none, WaitMs)), toText(StreamEnd::Eof));
    QTRY_COMPARE(stateOf(wb, clientLeg), stateName(EndpointState::Closed));
    QTRY_COMPARE(stateOf(wb, targetLeg), stateName(EndpointState::Closed));
}

void TestRelay::targetTimesOut() {
    // A listener with a full backlog drops SYNs: the relay's connect hangs until its timeout.
    auto full = LoopbackPeer::listenTcp(QStringLiteral("127.0.0.1"), 0);
    QVERIFY(full);
    std::vector<int> fillers;
    const auto closeFillers = qScopeGuard([&] {
        for (int fd : fillers)
            ::close(fd);
    });
    sockaddr_storage ss;
    const socklen_t len = toSockaddr(full->local(), &ss);
    for (int i = 0; i < 4; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        QVERIFY(fd >= 0);
        fillers.push_back(fd);
        ::connect(fd, reinterpret_cast<const sockaddr *>(&ss), len);
    }
    Workbench wb;
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    RelayOptions options = toTarget(full->local());
    options.connectTimeoutMs = 300;
    options.onTargetFailure = RelayEnd::Reset;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, options, &relay);
    QVERIFY(at.isValid());
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QByteArray got;
    QCOMPARE(toText(client->readToEnd(&got, WaitMs)), toText(StreamEnd::Reset));
    QTRY_COMPARE(legs.count(), 1);
    const auto [clientLeg, targetLeg] = firstLegs(legs);
    const QString events = eventsOf(wb.journal(), clientLeg);
    QVERIFY2(events.contains(QStringLiteral("target %1 timed out: Connection timed out after 300 ms")
                                 .arg(full->local().toString())),
             qPrintable(events));
    QTRY_COMPARE(stateOf(wb, targetLeg), stateName(EndpointState::Failed));
}

void TestRelay::backPressureBoundsTheQueue() {
    // A target that does not read: the relay stops reading the client instead of queueing all.
    Workbench wb;
    Relayed r = relayOne(wb);
    QVERIFY2(!r.failure, r.failure);
    const qsizetype size = 48 * 1024 * 1024;
    const QByteArray bytes = pattern(size, 31);
    std::atomic<bool> sent = false;
    Joining sender([&] { sent = r.client->sendAll(bytes, BulkWaitMs); });
    // The client's sending stalls: the kernel buffers, the relay's queue, and no more.
    quint64 last = 0;
    QVERIFY(QTest::qWaitFor(
        [&] {
            const quint64 now = wb.journal().counters(r.clientLeg).bytesIn;
            const bool still = now > 0 && now == last;
            last = now;
            return still;
        },
        WaitMs));
    const quint64 readBefore = wb.journal().counters(r.clientLeg).bytesIn;
    const quint64 sentOn = wb.journal().counters(r.targetLeg).bytesOut;
    QVERIFY2(readBefore - sentOn <= 8 * 1024 * 1024,
             qPrintable(QStringLiteral("%1 bytes read, %2 sent on").arg(readBefore).arg(sentOn)));
    QVERIFY(!sent);
    // Reading resumes as the target reads: everything arrives, byte-exact.
    std::atomic<bool> exact = false;
    r.accepted->run([&] { exact = r.accepted->readExactly(size, BulkWaitMs) == bytes; });
    QVERIFY(r.accepted->wait(BulkWaitMs));
    sender.join();
    QVERIFY(sent);
    QVERIFY(exact);
    QTRY_COMPARE(wb.journal().counters(r.targetLeg).bytesOut, quint64(size));
}

void TestRelay::faultsChangedSignals() {
    Workbench wb;
    Relayed r = relayOne(wb);
    QVERIFY2(!r.failure, r.failure);
    QSignalSpy changed(&wb, &Workbench::relayFaultsChanged);
    RelayFaults faults;
    faults.down.latencyMs = 50;
    faults.seed = 7;
    QVERIFY(wb.setRelayFaults(r.relay, faults));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).value<EndpointId>(), r.relay);
    QVERIFY(wb.info(r.relay).relay->faults == faults);
    QVERIFY(wb.info(r.clientLeg).relayFaults == faults);
    QVERIFY(wb.info(r.targetLeg).relayFaults == faults);
    QVERIFY(eventsOf(wb.journal(), r.clientLeg).contains(QStringLiteral("Relay faults: ")));

    // On one leg: that connection only; the relay keeps its own.
    RelayFaults mine;
    mine.up.sliceBytes = 1;
    QVERIFY(wb.setRelayFaults(r.targetLeg, mine));
    QTRY_COMPARE(changed.count(), 2);
    QCOMPARE(changed.at(1).at(0).value<EndpointId>(), r.targetLeg);
    QVERIFY(wb.info(r.clientLeg).relayFaults == mine);
    QVERIFY(wb.info(r.targetLeg).relayFaults == mine);
    QVERIFY(wb.info(r.relay).relay->faults == faults);
    // The slicer is on upwards: the target reads single bytes, all of them.
    QVERIFY(r.client->sendAll(QByteArray("sliced")));
    QCOMPARE(r.accepted->readExactly(6), QByteArray("sliced"));
    QTRY_VERIFY(recordsOf(wb.journal(), r.targetLeg, RecordKind::DataOut).size() >= 6);

    // A later client starts with the relay's faults.
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    auto second = LoopbackPeer::connectTcp(r.at);
    QVERIFY(second);
    auto secondAccepted = r.server->accept();
    QVERIFY(secondAccepted);
    QTRY_COMPARE(legs.count(), 1);
    QVERIFY(wb.info(firstLegs(legs).first).relayFaults == faults);

    QVERIFY(!wb.setRelayFaults(r.relay + 1000, faults));
}

void TestRelay::badOptionsInWords() {
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::listenerFailed);
    RelayOptions options;
    options.targetPort = 80;
    const EndpointId noHost = wb.startRelay(QStringLiteral("127.0.0.1"), 0, options);
    options.targetHost = QStringLiteral("127.0.0.1");
    options.targetPort = 0;
    const EndpointId noPort = wb.startRelay(QStringLiteral("127.0.0.1"), 0, options);
    QTRY_COMPARE(failed.count(), 2);
    QCOMPARE(wb.info(noHost).error, QStringLiteral("The relay needs a target host"));
    QCOMPARE(wb.info(noPort).error, QStringLiteral("The relay needs a target port (1-65535)"));
    QCOMPARE(stateOf(wb, noPort), stateName(EndpointState::Failed));

    // Faults the relay's kind cannot carry out fail it in words: datagram faults on a TCP relay...
    options.targetPort = 80;
    options.faults.down.dropPercent = 10;
    options.faults.up.reorderWindow = 4;
    const EndpointId tcpWithDrop = wb.startRelay(QStringLiteral("127.0.0.1"), 0, options);
    QTRY_COMPARE(failed.count(), 3);
    QCOMPARE(wb.info(tcpWithDrop).error,
             QStringLiteral("A TCP relay forwards a byte stream: it cannot drop, duplicate, reorder or "
                            "corrupt datagrams (up: reorder; down: drop)"));
    // ... and stream faults on a UDP relay.
    QSignalSpy udpFailed(&wb, &Workbench::udpFailed);
    options.udp = true;
    options.faults = RelayFaults{};
    options.faults.up.limitBytes = 100;
    options.faults.up.sliceBytes = 1;
    options.faults.down.slowCloseMs = 5;
    const EndpointId udpWithLimit = wb.startRelay(QStringLiteral("127.0.0.1"), 0, options);
    QTRY_COMPARE(udpFailed.count(), 1);
    QCOMPARE(wb.info(udpWithLimit).error,
             QStringLiteral("A UDP relay forwards whole datagrams: it cannot slice, limit, time out or "
                            "slow-close (up: slice, limit; down: slow close)"));

    // The same on a running relay: refused, in words, and nothing changes.
    Relayed r = relayOne(wb);
    QVERIFY2(!r.failure, r.failure);
    QSignalSpy refused(&wb, &Workbench::sendFailed);
    RelayFaults corrupt;
    corrupt.up.corruptPercent = 1;
    QVERIFY(!wb.setRelayFaults(r.relay, corrupt));
    QVERIFY(!wb.setRelayFaults(r.clientLeg, corrupt));
    QCOMPARE(refused.count(), 2);
    QCOMPARE(refused.at(0).at(1).toString(),
             QStringLiteral("A TCP relay forwards a byte stream: it cannot drop, duplicate, reorder or "
                            "corrupt datagrams (up: corrupt)"));
    QCOMPARE(wb.info(r.relay).relay->faults, RelayFaults{});
    QVERIFY(wb.setRelayFaults(r.clientLeg, RelayFaults{})); // fitting faults still go
}

void TestRelay::stoppedRelayKeepsItsConnections() {
    Workbench wb;
    Relayed r = relayOne(wb);
    QVERIFY2(!r.failure, r.failure);
    QSignalSpy stopped(&wb, &Workbench::listenerStopped);
    wb.stopListener(r.relay);
    QTRY_COMPARE(stopped.count(), 1);
    QVERIFY(!LoopbackPeer::connectTcp(r.at)); // no longer accepting
    // The relayed connection goes on, and can still be broken through its relay.
    QVERIFY(r.client->sendAll(QByteArray("still here")));
    QCOMPARE(r.accepted->readExactly(10), QByteArray("still here"));
    // Its faults can still change, as it can still be broken: both reach its open connections.
    QSignalSpy changed(&wb, &Workbench::relayFaultsChanged);
    RelayFaults slow;
    slow.down.latencyMs = 1;
    QVERIFY(wb.setRelayFaults(r.relay, slow));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(wb.info(r.clientLeg).relayFaults, std::optional<RelayFaults>(slow));
    QCOMPARE(wb.info(r.targetLeg).relayFaults, std::optional<RelayFaults>(slow));
    QVERIFY(wb.breakRelay(r.relay, RelayEnd::Reset));
    QByteArray got;
    QCOMPARE(toText(r.client->readToEnd(&got, WaitMs)), toText(StreamEnd::Reset));
    QCOMPARE(toText(r.accepted->readToEnd(&got, WaitMs)), toText(StreamEnd::Reset));
    // A leg that has ended has nothing to change.
    QTRY_VERIFY(isFinal(wb.info(r.clientLeg).state));
    QVERIFY(!wb.setRelayFaults(r.clientLeg, RelayFaults{}));
    QVERIFY(!wb.breakRelay(r.clientLeg, RelayEnd::Reset));
}

void TestRelay::breakDropsHeldBytesInWords() {
    // Bytes held by a long latency when the relayed connection is broken never leave, and say so;
    // the close that breaks it does not wait for them.
    Workbench wb;
    RelayOptions options;
    options.faults.down.latencyMs = 20000;
    Relayed r = relayOne(wb, options);
    QVERIFY2(!r.failure, r.failure);
    QVERIFY(r.accepted->sendAll(QByteArray("held")));
    QTRY_COMPARE(wb.journal().counters(r.targetLeg).bytesIn, quint64(4));
    QVERIFY(wb.breakRelay(r.clientLeg, RelayEnd::Close));
    QByteArray got;
    QCOMPARE(toText(r.client->readToEnd(&got, WaitMs)), toText(StreamEnd::Eof));
    QCOMPARE(got, QByteArray());
    QTRY_VERIFY2(eventsOf(wb.journal(), r.clientLeg)
                     .contains(QStringLiteral("4 bytes not relayed: the relay was broken")),
                 qPrintable(eventsOf(wb.journal(), r.clientLeg)));
    QCOMPARE(wb.journal().counters(r.clientLeg).bytesOut, quint64(0));
}

void TestRelay::limitWhileTargetResolvesIsNotARefusal() {
    // A limit reached while the target is still being looked up ends the target leg: that is the
    // relay's doing, not a refusal, and the client leg then closes as for any closed leg.
    WorkbenchConfig config;
    auto gate = std::make_shared<GateResolver>();
    config.resolver = gate;
    Workbench wb(config);
    const auto openGate = qScopeGuard([&] { gate->open(); });
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    RelayOptions options;
    options.targetHost = QStringLiteral("target.test");
    options.targetPort = 9;
    options.faults.up.limitBytes = 10;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, options, &relay);
    QVERIFY(at.isValid());
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QTRY_COMPARE(legs.count(), 1);
    const auto [clientLeg, targetLeg] = firstLegs(legs);
    QTRY_COMPARE(gate->started(), 1);
    QVERIFY(client->sendAll(pattern(20, 3)));
    QByteArray got;
    QCOMPARE(toText(client->readToEnd(&got, WaitMs)), toText(StreamEnd::Eof));
    QTRY_VERIFY(isFinal(wb.info(targetLeg).state));
    const QString events = eventsOf(wb.journal(), clientLeg);
    QVERIFY2(!events.contains(QStringLiteral("refused")), qPrintable(events));
    QVERIFY2(!events.contains(QStringLiteral("target target.test:9")), qPrintable(events));
    QVERIFY2(eventsOf(wb.journal(), targetLeg).contains(QStringLiteral("limit of 10 bytes reached: close")),
             qPrintable(eventsOf(wb.journal(), targetLeg)));
}

void TestRelay::breakReachesATargetLegAlone() {
    // The client resets, resets are not relayed: the target leg closes, and waits (up to its 2 s
    // linger) for the server's FIN with its client leg gone. Breaking the relay must find it.
    Workbench wb;
    RelayOptions options;
    options.relayResets = false;
    Relayed r = relayOne(wb, options);
    QVERIFY2(!r.failure, r.failure);
    r.client->setLingerZero();
    r.client->closeNow();
    QByteArray got;
    QCOMPARE(toText(r.accepted->readToEnd(&got, WaitMs)), toText(StreamEnd::Eof)); // the close's FIN
    QTRY_VERIFY(isFinal(wb.info(r.clientLeg).state));
    QVERIFY(!isFinal(wb.info(r.targetLeg).state));
    QVERIFY(wb.breakRelay(r.relay, RelayEnd::Reset));
    QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb.info(r.targetLeg).state), WaitMs);
    QCOMPARE(stateOf(wb, r.targetLeg), stateName(EndpointState::Reset)); // not the linger's Closed
    QVERIFY2(eventsOf(wb.journal(), r.targetLeg).contains(QStringLiteral("Relay broken: reset both legs")),
             qPrintable(eventsOf(wb.journal(), r.targetLeg)));
}

void TestRelay::breakRelay_data() {
    QTest::addColumn<bool>("onRelay");
    QTest::addColumn<bool>("reset");
    QTest::newRow("leg, close") << false << false;
    QTest::newRow("leg, reset") << false << true;
    QTest::newRow("relay, close") << true << false;
    QTest::newRow("relay, reset") << true << true;
}

void TestRelay::breakRelay() {
    QFETCH(bool, onRelay);
    QFETCH(bool, reset);
    Workbench wb;
    Relayed r = relayOne(wb);
    QVERIFY2(!r.failure, r.failure);
    QVERIFY(wb.breakRelay(onRelay ? r.relay : r.clientLeg, reset ? RelayEnd::Reset : RelayEnd::Close));
    const StreamEnd expected = reset ? StreamEnd::Reset : StreamEnd::Eof;
    QByteArray got;
    QCOMPARE(toText(r.client->readToEnd(&got, WaitMs)), toText(expected));
    QCOMPARE(toText(r.accepted->readToEnd(&got, WaitMs)), toText(expected));
    QVERIFY(got.isEmpty());
    if (!reset) {
        r.client->closeNow();
        r.accepted->closeNow();
    }
    const QString end = stateName(reset ? EndpointState::Reset : EndpointState::Closed);
    QTRY_COMPARE(stateOf(wb, r.clientLeg), end);
    QTRY_COMPARE(stateOf(wb, r.targetLeg), end);
    QCOMPARE(stateOf(wb, r.relay), stateName(EndpointState::Listening));
    QVERIFY(!wb.breakRelay(r.clientLeg, RelayEnd::Close)); // over already
    QVERIFY(!wb.breakRelay(r.relay + 1000, RelayEnd::Close));
}

void TestRelay::manyConcurrentConnections() {
    const int count = underSanitizer() ? 200 : 1000;
    constexpr qsizetype PerConnection = 16 * 1024;
    // python3's asyncio echoes every connection; it prints its port first.
    QProcess echo;
    echo.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    echo.start(
        QStringLiteral("python3"),
        {QStringLiteral("-c"), QStringLiteral("import asyncio\n"
                                              "async def handle(r, w):\n"
                                              "    while True:\n"
                                              "        d = await r.read(65536)\n"
                                              "        if not d: break\n"
                                              "        w.write(d)\n"
                                              "        await w.drain()\n"
                                              "    w.close()\n"
                                              "async def main():\n"
                                              "    s = await asyncio.start_server(handle, '127.0.0.1', "
                                              "0, backlog=4096)\n"
                                              "    print(s.sockets[0].getsockname()[1], flush=True)\n"
                                              "    await s.serve_forever()\n"
                                              "asyncio.run(main())\n")});
    QVERIFY(echo.waitForReadyRead(WaitMs));
    const quint16 echoPort = quint16(echo.readLine().trimmed().toUInt());
    QVERIFY(echoPort != 0);
    const auto stopEcho = qScopeGuard([&] {
        echo.kill();
        echo.waitForFinished(5000);
    });

    Workbench wb;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, toTarget({QStringLiteral("127.0.0.1"), echoPort}), &relay);
    QVERIFY(at.isValid());

    // One thread drives every client with poll(): all connected first, then all sending and
    // reading their echoes at once.
    std::atomic<bool> done = false;
    std::atomic<int> exact = 0;
    QString problem;
    Joining driver([&] {
        struct Client {
            std::unique_ptr<LoopbackPeer> peer;
            QByteArray out;
            qsizetype sent = 0;
            QByteArray in;
        };
        std::vector<Client> clients(static_cast<size_t>(count));
        for (int i = 0; i < count; ++i) {
            clients[size_t(i)].peer = LoopbackPeer::connectTcp(at);
            if (!clients[size_t(i)].peer) {
                problem = QStringLiteral("client %1 could not connect").arg(i);
                done = true;
                return;
            }
            clients[size_t(i)].out = pattern(PerConnection, quint64(i) + 100);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(BulkWaitMs);
        std::vector<pollfd> fds(static_cast<size_t>(count));
        int finished = 0;
        while (finished < count && std::chrono::steady_clock::now() < deadline) {
            for (int i = 0; i < count; ++i) {
                const Client &c = clients[size_t(i)];
                fds[size_t(i)] = {c.peer->fd(), short(c.in.size() < PerConnection ? POLLIN : 0), 0};
                if (c.sent < PerConnection)
                    fds[size_t(i)].events |= POLLOUT;
            }
            if (::poll(fds.data(), fds.size(), 1000) < 0)
                break;
            for (int i = 0; i < count; ++i) {
                Client &c = clients[size_t(i)];
                if (fds[size_t(i)].revents & POLLOUT) {
                    const ssize_t n = ::send(c.peer->fd(), c.out.constData() + c.sent,
                                             size_t(PerConnection - c.sent), MSG_DONTWAIT | MSG_NOSIGNAL);
                    if (n > 0)
                        c.sent += n;
                }
                if (fds[size_t(i)].revents & (POLLIN | POLLERR | POLLHUP)) {
                    char buffer[65536];
                    const ssize_t n = ::recv(c.peer->fd(), buffer, sizeof buffer, MSG_DONTWAIT);
                    if (n > 0) {
                        c.in.append(buffer, n);
                        if (c.in.size() >= PerConnection) {
                            ++finished;
                            if (c.in == c.out)
                                ++exact;
                        }
                    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                        problem = QStringLiteral("client %1 ended after %2 bytes").arg(i).arg(c.in.size());
                        finished = count;
                    }
                }
            }
        }
        done = true;
    });
    QVERIFY(QTest::qWaitFor([&] { return done.load(); }, BulkWaitMs + 5000));
    driver.join();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(exact.load(), count);
    // Every client made a pair of legs.
    QTRY_COMPARE_WITH_TIMEOUT(wb.connectionsOf(relay).size(), 2 * count, WaitMs);
}

void TestRelay::tlsFromClient() {
    // The client speaks TLS to the relay, which relays plaintext to a plain server.
    Workbench wb;
    RelayOptions options;
    TlsServerOptions tls;
    tls.certificateFile = m_certs->leaf;
    tls.keyFile = m_certs->leafKey;
    options.clientTls = tls;
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    auto server = LoopbackPeer::listenTcp();
    QVERIFY(server);
    const RelayOptions target = toTarget(server->local());
    options.targetHost = target.targetHost;
    options.targetPort = target.targetPort;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, options, &relay);
    QVERIFY(at.isValid());

    OpenSslProcess client({QStringLiteral("s_client"), QStringLiteral("-connect"),
                           QStringLiteral("127.0.0.1:%1").arg(at.port), QStringLiteral("-quiet"),
                           QStringLiteral("-CAfile"), m_certs->ca},
                          WaitMs);
    auto accepted = server->accept(WaitMs); // after the TLS handshake with the client
    QVERIFY(accepted);
    const QByteArray up = "through TLS to plain: " + pattern(2000, 5).toHex() + "\n";
    client.write(up);
    QCOMPARE(accepted->readExactly(up.size(), WaitMs), up);
    const QByteArray down = "plain back into TLS\n";
    QVERIFY(accepted->sendAll(down));
    QTRY_VERIFY_WITH_TIMEOUT(client.out().contains(down), WaitMs);

    QTRY_COMPARE(legs.count(), 1);
    const auto [clientLeg, targetLeg] = firstLegs(legs);
    QVERIFY(wb.info(clientLeg).tls.has_value());
    QVERIFY(!wb.info(targetLeg).tls.has_value());
    // Plaintext on both legs.
    QTRY_COMPARE(streamOf(wb.journal(), clientLeg, RecordKind::DataIn), up);
    QTRY_COMPARE(streamOf(wb.journal(), clientLeg, RecordKind::DataOut), down);
    QTRY_COMPARE(streamOf(wb.journal(), targetLeg, RecordKind::DataOut), up);
    QTRY_COMPARE(streamOf(wb.journal(), targetLeg, RecordKind::DataIn), down);
}

void TestRelay::tlsToTarget() {
    // A plain client; the relay speaks TLS to openssl s_server.
    OpenSslProcess server({QStringLiteral("s_server"), QStringLiteral("-accept"),
                           QStringLiteral("127.0.0.1:0"), QStringLiteral("-naccept"), QStringLiteral("1"),
                           QStringLiteral("-cert"), m_certs->leaf, QStringLiteral("-key"), m_certs->leafKey},
                          WaitMs, QProcess::MergedChannels);
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log().constData());
    Workbench wb;
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    RelayOptions options = toTarget({QStringLiteral("127.0.0.1"), port});
    TlsClientOptions tls;
    tls.verify = TlsVerify::CaFile;
    tls.caFile = m_certs->ca;
    options.targetTls = tls;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, options, &relay);
    QVERIFY(at.isValid());
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    // Sent at once: it waits in the relay until the target's handshake is done.
    const QByteArray up = "plain to TLS: " + pattern(1500, 6).toHex() + "\n";
    QVERIFY(client->sendAll(up));
    QTRY_VERIFY2_WITH_TIMEOUT(server.out().contains(up), server.log().constData(), WaitMs);
    const QByteArray down = "from s_server\n";
    server.write(down);
    QCOMPARE(client->readExactly(down.size(), WaitMs), down);

    QTRY_COMPARE(legs.count(), 1);
    const auto [clientLeg, targetLeg] = firstLegs(legs);
    QVERIFY(wb.info(targetLeg).tls.has_value());
    QCOMPARE(wb.info(targetLeg).tls->verification, QStringLiteral("ok"));
    QTRY_COMPARE(streamOf(wb.journal(), targetLeg, RecordKind::DataOut), up);
    QTRY_COMPARE(streamOf(wb.journal(), targetLeg, RecordKind::DataIn), down);
    QTRY_COMPARE(streamOf(wb.journal(), clientLeg, RecordKind::DataIn), up);
}

void TestRelay::tlsTargetRefusesUs() {
    // The target's certificate does not verify: the client is closed, and told why in the log.
    OpenSslProcess server({QStringLiteral("s_server"), QStringLiteral("-accept"),
                           QStringLiteral("127.0.0.1:0"), QStringLiteral("-naccept"), QStringLiteral("1"),
                           QStringLiteral("-cert"), m_certs->leaf, QStringLiteral("-key"), m_certs->leafKey},
                          WaitMs, QProcess::MergedChannels);
    const quint16 port = server.acceptPort();
    QVERIFY2(port != 0, server.log().constData());
    Workbench wb;
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    RelayOptions options = toTarget({QStringLiteral("127.0.0.1"), port});
    TlsClientOptions tls;
    tls.verify = TlsVerify::CaFile;
    tls.caFile = m_certs->otherCa;
    options.targetTls = tls;
    EndpointId relay = 0;
    const NetAddress at = startRelay(wb, options, &relay);
    QVERIFY(at.isValid());
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QByteArray got;
    QCOMPARE(toText(client->readToEnd(&got, WaitMs)), toText(StreamEnd::Eof));
    QTRY_COMPARE(legs.count(), 1);
    const auto [clientLeg, targetLeg] = firstLegs(legs);
    QTRY_COMPARE(stateOf(wb, targetLeg), stateName(EndpointState::Failed));
    const QString events = eventsOf(wb.journal(), clientLeg);
    QVERIFY2(events.contains(
                 QStringLiteral("target 127.0.0.1:%1 failed its TLS handshake: certificate verify failed")
                     .arg(port)),
             qPrintable(events));

    // A CA file that does not exist fails the relay itself, before it listens.
    QSignalSpy failed(&wb, &Workbench::listenerFailed);
    tls.caFile = m_dir.filePath(QStringLiteral("missing-ca.pem"));
    options.targetTls = tls;
    const EndpointId broken = wb.startRelay(QStringLiteral("127.0.0.1"), 0, options);
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).value<EndpointId>(), broken);
    QVERIFY2(wb.info(broken).error.startsWith(QStringLiteral("TLS to the target: ")),
             qPrintable(wb.info(broken).error));
}

SOCKBENCH_TEST_MAIN(TestRelay)
#include "tst_relay.moc"
