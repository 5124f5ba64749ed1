// Fault matrix, connections that never get anywhere: a connect the peer never answers (a listener
// whose accept queue is full drops our SYN) must time out after the configured time with a clear
// message and be cancellable; a name that does not resolve (an injected resolver, never real DNS)
// must fail with the resolver's message, and a resolver that hangs must not hang anything else.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <condition_variable>
#include <mutex>

using namespace sockbench;
using namespace sockbench::test;

class TestFaultConnect final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void connectToFullBacklogTimesOut();
    void connectToFullBacklogCanBeCancelled();
    void resolverFailureFailsEveryKind();
    void hangingResolverTimesOutAndCancels();
    void hangingResolverDoesNotHoldUpShutdown();
};

namespace {

/// A raw listener with backlog 0 and one connection it never accepts: its accept queue is full, so
/// Linux drops every further SYN and those connects stay in SYN-SENT.
class FullBacklog final {
public:
    FullBacklog() {
        m_listener = LoopbackPeer::bindTcpOnly();
        if (!m_listener || ::listen(m_listener->fd(), 0) != 0)
            return;
        m_filler = LoopbackPeer::connectTcp(m_listener->local());
    }
    Q_DISABLE_COPY_MOVE(FullBacklog)
    bool isValid() const { return m_listener && m_filler; }
    NetAddress address() const { return m_listener->local(); }

    /// True when a raw non-blocking connect does not complete within 200 ms (the queue is full).
    bool dropsSyns() const {
        sockaddr_storage ss;
        const socklen_t len = toSockaddr(address(), &ss);
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int rc = ::connect(fd, reinterpret_cast<sockaddr *>(&ss), len);
        bool pending = rc != 0 && errno == EINPROGRESS;
        if (pending) {
            pollfd p{fd, POLLOUT, 0};
            pending = ::poll(&p, 1, 200) == 0;
        }
        ::close(fd);
        return pending;
    }

private:
    std::unique_ptr<LoopbackPeer> m_listener;
    std::unique_ptr<LoopbackPeer> m_filler;
};

/// Blocks every lookup until release(), like a DNS server that never answers.
class HangingResolver final : public Resolver {
public:
    Result resolve(const QString &, quint16, int) override {
        std::unique_lock lock(m_mutex);
        ++m_waiting;
        m_changed.notify_all();
        m_changed.wait(lock, [this] { return m_released; });
        --m_waiting;
        m_changed.notify_all();
        return {{}, QStringLiteral("released")};
    }
    int waiting() const {
        std::lock_guard lock(m_mutex);
        return m_waiting;
    }
    void release() {
        std::lock_guard lock(m_mutex);
        m_released = true;
        m_changed.notify_all();
    }
    /// Waits until no lookup is inside resolve() any more, so no thread outlives the test.
    bool drained(int timeoutMs) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                                  [this] { return m_waiting == 0; });
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_waiting = 0;
    bool m_released = false;
};

} // namespace

void TestFaultConnect::connectToFullBacklogTimesOut() {
    FullBacklog full;
    QVERIFY(full.isValid());
    QVERIFY2(full.dropsSyns(), "the kernel completed a connect to a full accept queue; cannot test");

    Workbench wb;
    QSignalSpy connecting(&wb, &Workbench::connecting);
    QSignalSpy connectFailed(&wb, &Workbench::connectFailed);
    QSignalSpy connected(&wb, &Workbench::connected);
    const int fdsBefore = openFdCount();
    ConnectOptions options;
    options.timeoutMs = 300;
    QElapsedTimer clock;
    clock.start();
    const EndpointId id = wb.connectTcp(full.address().ip, full.address().port, options);
    QTRY_COMPARE(emissionsFor(connecting, id), 1);
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Connecting));

    QTRY_COMPARE_WITH_TIMEOUT(emissionsFor(connectFailed, id), 1, 5000);
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed >= 300, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed < 3000, qPrintable(QString::number(elapsed)));
    QCOMPARE(textFor(connectFailed, id), QStringLiteral("Connection timed out after 300 ms"));
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
    QCOMPARE(wb.info(id).error, QStringLiteral("Connection timed out after 300 ms"));
    QVERIFY(eventsOf(wb.journal(), id).contains(QStringLiteral("Connection timed out after 300 ms")));
    QCOMPARE(emissionsFor(connected, id), 0);
    QCOMPARE(wb.journal().counters(id), Counters{});
    // The half-open socket is gone.
    QTRY_COMPARE(openFdCount(), fdsBefore);
}

void TestFaultConnect::connectToFullBacklogCanBeCancelled() {
    FullBacklog full;
    QVERIFY(full.isValid());
    QVERIFY2(full.dropsSyns(), "the kernel completed a connect to a full accept queue; cannot test");

    Workbench wb;
    QSignalSpy connecting(&wb, &Workbench::connecting);
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy connectFailed(&wb, &Workbench::connectFailed);
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    const int fdsBefore = openFdCount();
    ConnectOptions options;
    options.timeoutMs = 0; // the kernel's own timeout: minutes. Only the cancel can end it here.
    const EndpointId id = wb.connectTcp(full.address().ip, full.address().port, options);
    QTRY_COMPARE(emissionsFor(connecting, id), 1);

    wb.close(id);
    QTRY_COMPARE(emissionsFor(closed, id), 1);
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Closed));
    QVERIFY2(eventsOf(wb.journal(), id).contains(QStringLiteral("Connect cancelled")),
             qPrintable(eventsOf(wb.journal(), id)));
    QCOMPARE(emissionsFor(connectFailed, id), 0);
    QTRY_COMPARE(openFdCount(), fdsBefore);
    // A cancelled connection takes nothing more.
    QVERIFY(!wb.send(id, "nothing"));
    QCOMPARE(emissionsFor(sendFailed, id), 1);
    QCOMPARE(wb.journal().counters(id), Counters{});
}

void TestFaultConnect::resolverFailureFailsEveryKind() {
    auto resolver = std::make_shared<FailingResolver>();
    WorkbenchConfig config;
    config.resolver = resolver;
    Workbench wb(config);
    QSignalSpy connectFailed(&wb, &Workbench::connectFailed);
    QSignalSpy listenerFailed(&wb, &Workbench::listenerFailed);
    QSignalSpy udpFailed(&wb, &Workbench::udpFailed);
    QSignalSpy udpBound(&wb, &Workbench::udpBound);
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);

    const EndpointId tcp = wb.connectTcp(QStringLiteral("nowhere.invalid"), 80);
    const EndpointId listener = wb.startTcpListener(QStringLiteral("nowhere-listen.invalid"), 0);
    const EndpointId udpByName = wb.bindUdp(QStringLiteral("nowhere-udp.invalid"), 0);
    QTRY_COMPARE(emissionsFor(connectFailed, tcp), 1);
    QTRY_COMPARE(emissionsFor(listenerFailed, listener), 1);
    QTRY_COMPARE(emissionsFor(udpFailed, udpByName), 1);
    QCOMPARE(textFor(connectFailed, tcp), FailingResolver::Message);
    QCOMPARE(textFor(listenerFailed, listener), FailingResolver::Message);
    QCOMPARE(textFor(udpFailed, udpByName), FailingResolver::Message);
    for (EndpointId id : {tcp, listener, udpByName}) {
        QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
        QCOMPARE(wb.info(id).error, FailingResolver::Message);
    }

    // A datagram to a name that does not resolve: the message reaches the user, nothing is sent.
    auto sink = LoopbackPeer::bindUdp();
    QVERIFY(sink);
    const EndpointId udp = wb.bindUdp(QStringLiteral("127.0.0.1"), 0);
    QTRY_COMPARE(emissionsFor(udpBound, udp), 1);
    QVERIFY(wb.sendDatagram(udp, QStringLiteral("nowhere-dgram.invalid"), sink->local().port, "secret"));
    QTRY_COMPARE(emissionsFor(sendFailed, udp), 1);
    QCOMPARE(textFor(sendFailed, udp), FailingResolver::Message);
    QCOMPARE(wb.journal().counters(udp).datagramsOut, quint64(0));
    QVERIFY(sink->receiveFrom(nullptr, 200).isNull());
    // Every failure came from our resolver: nothing asked a real DNS server.
    QCOMPARE(resolver->hosts().size(), 4);
}

void TestFaultConnect::hangingResolverTimesOutAndCancels() {
    auto resolver = std::make_shared<HangingResolver>();
    WorkbenchConfig config;
    config.resolver = resolver;
    {
        Workbench wb(config);
        QSignalSpy resolving(&wb, &Workbench::resolving);
        QSignalSpy connectFailed(&wb, &Workbench::connectFailed);
        QSignalSpy closed(&wb, &Workbench::closed);
        QSignalSpy listenerStarted(&wb, &Workbench::listenerStarted);

        ConnectOptions options;
        options.timeoutMs = 300;
        const EndpointId timed = wb.connectTcp(QStringLiteral("slow-dns.invalid"), 80, options);
        const EndpointId cancelled = wb.connectTcp(QStringLiteral("slow-dns-2.invalid"), 80);
        QTRY_COMPARE(emissionsFor(resolving, cancelled), 1);
        QTRY_COMPARE(resolver->waiting(), 2);
        wb.close(cancelled);
        QTRY_COMPARE(emissionsFor(closed, cancelled), 1);
        QVERIFY(eventsOf(wb.journal(), cancelled).contains(QStringLiteral("Connect cancelled")));
        QTRY_COMPARE_WITH_TIMEOUT(emissionsFor(connectFailed, timed), 1, 5000);
        QCOMPARE(textFor(connectFailed, timed), QStringLiteral("Connection timed out after 300 ms"));

        // The reactors are not blocked by the hanging lookups: numeric work goes on.
        EndpointId listener = 0;
        const NetAddress at = startListener(wb, &listener);
        QVERIFY(at.isValid());
        QVERIFY(connectAndWait(wb, at) != 0);

        // A late answer for a connection already given up must change nothing.
        resolver->release();
        QVERIFY(resolver->drained(5000));
        QVERIFY(connectAndWait(wb, at) != 0); // a round trip through the reactors after the answers
        QCOMPARE(stateOf(wb, timed), stateName(EndpointState::Failed));
        QCOMPARE(stateOf(wb, cancelled), stateName(EndpointState::Closed));
        QCOMPARE(emissionsFor(connectFailed, timed), 1);
        QCOMPARE(emissionsFor(connectFailed, cancelled), 0);
    }
    // The lookup threads hold the engine's shared state; once they are gone only we hold the resolver.
    config.resolver.reset();
    QTRY_COMPARE(resolver.use_count(), 1L);
}

void TestFaultConnect::hangingResolverDoesNotHoldUpShutdown() {
    auto resolver = std::make_shared<HangingResolver>();
    WorkbenchConfig config;
    config.resolver = resolver;
    QElapsedTimer clock;
    {
        Workbench wb(config);
        wb.connectTcp(QStringLiteral("never-answers.invalid"), 80);
        wb.startTcpListener(QStringLiteral("never-answers-2.invalid"), 0);
        QTRY_COMPARE(resolver->waiting(), 2);
        clock.start();
    }
    const qint64 shutdownMs = clock.elapsed();
    QVERIFY2(shutdownMs < 1000, qPrintable(QString::number(shutdownMs)));
    // The lookups end after the Workbench; their answers have nowhere to go and must not crash.
    resolver->release();
    QVERIFY(resolver->drained(5000));
    config.resolver.reset();
    QTRY_COMPARE(resolver.use_count(), 1L);
}

SOCKBENCH_TEST_MAIN(TestFaultConnect)
#include "tst_faultconnect.moc"
