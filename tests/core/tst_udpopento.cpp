// Workbench::openUdpTo: a UDP socket opened for one destination. The engine looks the host up off
// the calling thread through the injected resolver, binds the wildcard address of the answer's
// family on port 0, and reports the answer as info().peer by the time udpBound() is emitted.
// Lookups go only to resolvers defined here or in testresolvers.h; no test queries DNS.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

#include <sys/socket.h>

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace sockbench;
using namespace sockbench::test;

namespace {

/// Answers every lookup with one fixed address (the asked port filled in), and remembers what it
/// was asked and on which thread.
class FixedResolver final : public Resolver {
public:
    explicit FixedResolver(QString ip)
        : m_ip(std::move(ip)) {}
    Q_DISABLE_COPY_MOVE(FixedResolver)

    Result resolve(const QString &host, quint16 port, int family) override {
        std::lock_guard lock(m_mutex);
        m_hosts << host;
        m_families.push_back(family);
        m_threads.push_back(std::this_thread::get_id());
        Result result;
        result.addresses << NetAddress{m_ip, port};
        return result;
    }
    QStringList hosts() const {
        std::lock_guard lock(m_mutex);
        return m_hosts;
    }
    std::vector<int> families() const {
        std::lock_guard lock(m_mutex);
        return m_families;
    }
    std::vector<std::thread::id> threads() const {
        std::lock_guard lock(m_mutex);
        return m_threads;
    }

private:
    const QString m_ip;
    mutable std::mutex m_mutex;
    QStringList m_hosts;
    std::vector<int> m_families;
    std::vector<std::thread::id> m_threads;
};

/// Opens a socket to host:port and waits until it is bound or final. Returns the local address
/// (invalid unless Bound) and, in *peerAtBound, what info().peer held when udpBound() was emitted.
NetAddress openAndWait(Workbench &wb, const QString &host, quint16 port, EndpointId *id,
                       NetAddress *peerAtBound = nullptr) {
    EndpointId want = 0;
    NetAddress seen;
    const QMetaObject::Connection c =
        QObject::connect(&wb, &Workbench::udpBound, &wb, [&](EndpointId bound, const NetAddress &) {
            if (bound == want)
                seen = wb.info(bound).peer;
        });
    want = *id = wb.openUdpTo(host, port);
    const auto settled = [&] {
        return wb.endpoints().contains(want) &&
               (wb.info(want).state == EndpointState::Bound || isFinal(wb.info(want).state));
    };
    const bool done = QTest::qWaitFor(settled, 5000);
    QObject::disconnect(c);
    if (peerAtBound)
        *peerAtBound = seen;
    if (!done || wb.info(want).state != EndpointState::Bound)
        return {};
    return wb.info(want).local;
}

} // namespace

class TestUdpOpenTo final : public QObject {
    Q_OBJECT

public:
    TestUdpOpenTo() = default;
    Q_DISABLE_COPY_MOVE(TestUdpOpenTo)

private Q_SLOTS:
    void numericIpv4DestinationSkipsTheResolver();
    void numericIpv6DestinationBindsIpv6();
    void nameIsLookedUpOffTheCallingThread();
    void nameAnsweredWithIpv6BindsIpv6();
    void failedLookupFailsTheSocket();
    void closeWhileLookingUpDropsTheAnswer();
};

void TestUdpOpenTo::numericIpv4DestinationSkipsTheResolver() {
    auto resolver = std::make_shared<FailingResolver>();
    WorkbenchConfig config;
    config.resolver = resolver;
    Workbench wb(config);
    QSignalSpy resolving(&wb, &Workbench::resolving);
    auto raw = LoopbackPeer::bindUdp();
    QVERIFY(raw);

    EndpointId id = 0;
    NetAddress peerAtBound;
    const NetAddress local = openAndWait(wb, raw->local().ip, raw->local().port, &id, &peerAtBound);
    QVERIFY2(local.isValid(), qPrintable(wb.info(id).error));
    QCOMPARE(local.ip, QStringLiteral("0.0.0.0"));
    QVERIFY(local.port != 0);
    QCOMPARE(peerAtBound, raw->local());
    QCOMPARE(wb.info(id).peer, raw->local());
    QCOMPARE(wb.info(id).requestedHost, raw->local().ip);
    QCOMPARE(wb.info(id).requestedPort, raw->local().port);
    QCOMPARE(resolver->hosts(), QStringList());
    QCOMPARE(emissionsFor(resolving, id), 0);

    QVERIFY(wb.sendDatagram(id, wb.info(id).peer.ip, wb.info(id).peer.port, "to the destination"));
    NetAddress from;
    QCOMPARE(raw->receiveFrom(&from), QByteArray("to the destination"));
    QCOMPARE(from.port, local.port);
}

void TestUdpOpenTo::numericIpv6DestinationBindsIpv6() {
    if (!hasIpv6Loopback())
        QSKIP("no IPv6 loopback here");
    Workbench wb;
    auto raw = LoopbackPeer::bindUdp(QStringLiteral("::1"));
    QVERIFY(raw);

    EndpointId id = 0;
    const NetAddress local = openAndWait(wb, QStringLiteral("::1"), raw->local().port, &id);
    QVERIFY2(local.isValid(), qPrintable(wb.info(id).error));
    QCOMPARE(local.ip, QStringLiteral("::"));
    QCOMPARE(wb.info(id).peer, raw->local());

    QVERIFY(wb.sendDatagram(id, wb.info(id).peer.ip, wb.info(id).peer.port, "v6"));
    QCOMPARE(raw->receiveFrom(), QByteArray("v6"));
}

void TestUdpOpenTo::nameIsLookedUpOffTheCallingThread() {
    auto resolver = std::make_shared<FixedResolver>(QStringLiteral("127.0.0.1"));
    WorkbenchConfig config;
    config.resolver = resolver;
    Workbench wb(config);
    QSignalSpy resolving(&wb, &Workbench::resolving);
    auto raw = LoopbackPeer::bindUdp();
    QVERIFY(raw);

    EndpointId id = 0;
    NetAddress peerAtBound;
    const NetAddress local =
        openAndWait(wb, QStringLiteral("peer.test"), raw->local().port, &id, &peerAtBound);
    QVERIFY2(local.isValid(), qPrintable(wb.info(id).error));
    QCOMPARE(resolver->hosts(), QStringList{QStringLiteral("peer.test")});
    // The answer decides the family, so the lookup must not narrow it.
    QCOMPARE(resolver->families(), std::vector<int>{AF_UNSPEC});
    QVERIFY(resolver->threads().front() != std::this_thread::get_id());
    QCOMPARE(textFor(resolving, id), QStringLiteral("peer.test"));
    QCOMPARE(local.ip, QStringLiteral("0.0.0.0"));
    QCOMPARE(peerAtBound, raw->local());
    QCOMPARE(wb.info(id).requestedHost, QStringLiteral("peer.test"));

    QVERIFY(wb.sendDatagram(id, wb.info(id).peer.ip, wb.info(id).peer.port, "by name"));
    QCOMPARE(raw->receiveFrom(), QByteArray("by name"));
    QTRY_COMPARE(wb.journal().counters(id).datagramsOut, quint64(1));
    QCOMPARE(recordsOf(wb.journal(), id, RecordKind::DataOut).front().peer, raw->local());
}

void TestUdpOpenTo::nameAnsweredWithIpv6BindsIpv6() {
    if (!hasIpv6Loopback())
        QSKIP("no IPv6 loopback here");
    auto resolver = std::make_shared<FixedResolver>(QStringLiteral("::1"));
    WorkbenchConfig config;
    config.resolver = resolver;
    Workbench wb(config);
    auto raw = LoopbackPeer::bindUdp(QStringLiteral("::1"));
    QVERIFY(raw);

    EndpointId id = 0;
    const NetAddress local = openAndWait(wb, QStringLiteral("six.test"), raw->local().port, &id);
    QVERIFY2(local.isValid(), qPrintable(wb.info(id).error));
    QCOMPARE(local.ip, QStringLiteral("::"));
    QCOMPARE(wb.info(id).peer, raw->local());
    QVERIFY(wb.sendDatagram(id, wb.info(id).peer.ip, wb.info(id).peer.port, "six"));
    QCOMPARE(raw->receiveFrom(), QByteArray("six"));
}

void TestUdpOpenTo::failedLookupFailsTheSocket() {
    auto resolver = std::make_shared<FailingResolver>();
    WorkbenchConfig config;
    config.resolver = resolver;
    Workbench wb(config);
    QSignalSpy failed(&wb, &Workbench::udpFailed);
    QSignalSpy bound(&wb, &Workbench::udpBound);

    const EndpointId id = wb.openUdpTo(QStringLiteral("nowhere.test"), 9);
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Resolving));
    QTRY_COMPARE(emissionsFor(failed, id), 1);
    QCOMPARE(textFor(failed, id), FailingResolver::Message);
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
    QCOMPARE(wb.info(id).error, FailingResolver::Message);
    QVERIFY(!wb.info(id).peer.isValid());
    QCOMPARE(emissionsFor(bound, id), 0);
    QCOMPARE(resolver->hosts(), QStringList{QStringLiteral("nowhere.test")});
    QVERIFY(eventsOf(wb.journal(), id).contains(FailingResolver::Message));
    // Nothing can be sent from it.
    QVERIFY(!wb.sendDatagram(id, QStringLiteral("127.0.0.1"), 9, "x"));
}

void TestUdpOpenTo::closeWhileLookingUpDropsTheAnswer() {
    auto gate = std::make_shared<GateResolver>();
    WorkbenchConfig config;
    config.resolver = gate;
    config.reactorThreads = 1; // both sockets on one reactor: the late answer meets the second one's
    Workbench wb(config);
    QSignalSpy bound(&wb, &Workbench::udpBound);
    QSignalSpy closed(&wb, &Workbench::closed);
    auto raw = LoopbackPeer::bindUdp();
    QVERIFY(raw);

    const EndpointId cancelled = wb.openUdpTo(QStringLiteral("gate.test"), raw->local().port);
    QTRY_COMPARE(gate->started(), 1);
    QCOMPARE(stateOf(wb, cancelled), stateName(EndpointState::Resolving));
    wb.close(cancelled);
    QTRY_COMPARE(emissionsFor(closed, cancelled), 1);
    QCOMPARE(stateOf(wb, cancelled), stateName(EndpointState::Closed));

    // The late answer must not revive it: a second socket through the same lookup path binds and
    // sends, the cancelled one never binds.
    gate->open();
    EndpointId second = 0;
    QVERIFY(openAndWait(wb, QStringLiteral("gate.test"), raw->local().port, &second).isValid());
    QTRY_COMPARE(gate->finished(), 2);
    QVERIFY(wb.sendDatagram(second, wb.info(second).peer.ip, wb.info(second).peer.port, "second"));
    QCOMPARE(raw->receiveFrom(), QByteArray("second"));
    QCOMPARE(emissionsFor(bound, cancelled), 0);
    QCOMPARE(stateOf(wb, cancelled), stateName(EndpointState::Closed));
    QVERIFY(!wb.info(cancelled).peer.isValid());
}

SOCKBENCH_TEST_MAIN(TestUdpOpenTo)
#include "tst_udpopento.moc"
