// The threading contract: sockets live on reactor threads, but every signal is emitted in the
// Workbench's own thread, traffic is announced by a coalesced journalGrew, and the journal stays
// ordered and exact while several reactors append to it.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <chrono>
#include <map>
#include <thread>

using namespace sockbench;
using namespace sockbench::test;

class TestThreads final : public QObject {
    Q_OBJECT

public:
    TestThreads() = default;
    Q_DISABLE_COPY_MOVE(TestThreads)

private Q_SLOTS:
    void reactorCountFollowsConfig();
    void signalsAreEmittedInTheWorkbenchThread();
    void journalIsOrderedAndCountersMatchThePeers();
    void journalGrewIsCoalesced();
    void destructionDoesNotWaitForABlockedLookup();
    void destructionWithUnsentDataIsQuick();
};

void TestThreads::reactorCountFollowsConfig() {
    {
        Workbench wb;
        QCOMPARE(wb.reactorCount(), qBound(1, QThread::idealThreadCount(), 2));
    }
    for (int n : {1, 2, 3}) {
        WorkbenchConfig config;
        config.reactorThreads = n;
        Workbench wb(config);
        QCOMPARE(wb.reactorCount(), n);
    }
}

void TestThreads::signalsAreEmittedInTheWorkbenchThread() {
    WorkbenchConfig config;
    config.reactorThreads = 2;
    Workbench wb(config);

    // Direct connections run the lambda in the emitting thread, so this sees where each signal is
    // really emitted; a queued connection would hide an emission from a reactor thread.
    QThread *const mine = QThread::currentThread();
    std::map<QByteArray, int> seen;
    QStringList wrongThread;
    QStringList order;
    const auto watch = [&](auto signal, const char *name) {
        connect(
            &wb, signal, this,
            [&, name] {
                ++seen[name];
                if (QThread::currentThread() != mine)
                    wrongThread << QString::fromLatin1(name);
            },
            Qt::DirectConnection);
    };
    watch(&Workbench::stateChanged, "stateChanged");
    watch(&Workbench::listenerStarted, "listenerStarted");
    watch(&Workbench::listenerFailed, "listenerFailed");
    watch(&Workbench::listenerStopped, "listenerStopped");
    watch(&Workbench::listenerWarning, "listenerWarning");
    watch(&Workbench::connectionAccepted, "connectionAccepted");
    watch(&Workbench::resolving, "resolving");
    watch(&Workbench::connecting, "connecting");
    watch(&Workbench::connected, "connected");
    watch(&Workbench::connectFailed, "connectFailed");
    watch(&Workbench::peerClosed, "peerClosed");
    watch(&Workbench::closed, "closed");
    watch(&Workbench::reset, "reset");
    watch(&Workbench::connectionFailed, "connectionFailed");
    watch(&Workbench::udpBound, "udpBound");
    watch(&Workbench::udpFailed, "udpFailed");
    watch(&Workbench::sendFailed, "sendFailed");
    watch(&Workbench::bytesWritten, "bytesWritten");
    watch(&Workbench::journalGrew, "journalGrew");

    // stateChanged comes right before the specific signal.
    connect(
        &wb, &Workbench::stateChanged, this,
        [&](EndpointId id, EndpointState state, const QString &) {
            order << QStringLiteral("state %1 %2").arg(id).arg(toString(state));
        },
        Qt::DirectConnection);
    connect(
        &wb, &Workbench::connected, this,
        [&](EndpointId id) { order << QStringLiteral("connected %1").arg(id); }, Qt::DirectConnection);

    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    ListenerOptions options;
    options.keepHalfOpen = true; // servers[0] is seen PeerClosed after its client's close
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"), options);
    QVERIFY(at.isValid());

    // Several connections so that both reactors have work.
    EndpointId clients[4] = {};
    EndpointId servers[4] = {};
    for (int i = 0; i < 4; ++i) {
        clients[i] = connectAndWait(wb, at);
        QVERIFY(clients[i] != 0);
        servers[i] = waitAccepted(accepted, wb.info(clients[i]).local);
        QVERIFY(servers[i] != 0);
        QVERIFY(wb.send(clients[i], pattern(1024 * 1024, quint64(i))));
        QVERIFY(wb.send(servers[i], "hi"));
    }
    for (int i = 0; i < 4; ++i)
        QTRY_COMPARE(wb.journal().counters(servers[i]).bytesIn, quint64(1024 * 1024));

    // Errors, UDP, and every way of ending.
    auto closedPort = LoopbackPeer::bindTcpOnly();
    QVERIFY(closedPort);
    const EndpointId refused = wb.connectTcp(QStringLiteral("127.0.0.1"), closedPort->local().port);
    const EndpointId inUse = wb.startTcpListener(QStringLiteral("127.0.0.1"), at.port);
    QVERIFY(!wb.send(999999, "x"));
    EndpointId udp = wb.bindUdp(QStringLiteral("127.0.0.1"), 0);
    QTRY_COMPARE(stateOf(wb, udp), stateName(EndpointState::Bound));
    QVERIFY(wb.sendDatagram(udp, wb.info(udp).local.ip, wb.info(udp).local.port, "to myself"));
    QTRY_COMPARE(wb.journal().counters(udp).datagramsIn, quint64(1));
    const EndpointId byName = wb.connectTcp(QStringLiteral("localhost"), at.port);
    wb.close(clients[0]);
    wb.abort(clients[1]);
    QTRY_COMPARE(stateOf(wb, servers[0]), stateName(EndpointState::PeerClosed));
    QTRY_COMPARE(stateOf(wb, byName), stateName(EndpointState::Connected));
    QTRY_COMPARE(stateOf(wb, refused), stateName(EndpointState::Failed));
    QTRY_COMPARE(stateOf(wb, inUse), stateName(EndpointState::Failed));
    QTRY_VERIFY(isFinal(wb.info(servers[1]).state));
    QTRY_VERIFY(isFinal(wb.info(clients[0]).state));
    wb.close(udp);
    wb.stopListener(listener);
    QTRY_COMPARE(stateOf(wb, listener), stateName(EndpointState::Stopped));
    QTRY_COMPARE(stateOf(wb, udp), stateName(EndpointState::Closed));

    QVERIFY2(wrongThread.isEmpty(),
             qPrintable(QStringLiteral("emitted on another thread: ") + wrongThread.join(u',')));
    // The check above only means something if the signals were really seen.
    for (const char *name :
         {"stateChanged", "listenerStarted", "listenerFailed", "listenerStopped", "connectionAccepted",
          "resolving", "connecting", "connected", "connectFailed", "peerClosed", "closed", "reset",
          "udpBound", "sendFailed", "bytesWritten", "journalGrew"}) {
        QVERIFY2(seen[name] > 0, name);
    }

    for (int i = 0; i < 4; ++i) {
        const qsizetype pos = order.indexOf(QStringLiteral("connected %1").arg(clients[i]));
        QVERIFY(pos > 0);
        QCOMPARE(order.at(pos - 1),
                 QStringLiteral("state %1 %2").arg(clients[i]).arg(stateName(EndpointState::Connected)));
    }
}

void TestThreads::journalIsOrderedAndCountersMatchThePeers() {
    constexpr int Peers = 6;
    constexpr int Messages = 200;
    WorkbenchConfig config;
    config.reactorThreads = 2;
    Workbench wb(config);
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());

    std::unique_ptr<LoopbackPeer> peers[Peers];
    EndpointId servers[Peers] = {};
    QByteArray sent[Peers];
    for (int p = 0; p < Peers; ++p) {
        peers[p] = LoopbackPeer::connectTcp(at);
        QVERIFY(peers[p]);
        servers[p] = waitAccepted(accepted, peers[p]->local());
        QVERIFY(servers[p] != 0);
        for (int m = 0; m < Messages; ++m)
            sent[p] += pattern(1 + (m * 53 + p * 11) % 2000, quint64(p * 1000 + m));
    }

    // All peers send at once, each from its own thread, in many small writes.
    bool ok[Peers] = {};
    for (int p = 0; p < Peers; ++p) {
        LoopbackPeer *peer = peers[p].get();
        peer->run([peer, p, &ok, &sent] {
            bool good = true;
            qsizetype offset = 0;
            for (int m = 0; m < Messages && good; ++m) {
                const qsizetype n = 1 + (m * 53 + p * 11) % 2000;
                good = peer->sendAll(sent[p].constData() + offset, n);
                offset += n;
            }
            ok[p] = good;
        });
    }
    for (int p = 0; p < Peers; ++p) {
        QVERIFY(peers[p]->wait());
        QVERIFY(ok[p]);
    }
    for (int p = 0; p < Peers; ++p)
        QTRY_COMPARE(wb.journal().counters(servers[p]).bytesIn, quint64(sent[p].size()));

    // The journal: dense, time never decreasing, each connection's stream exactly what its peer sent.
    const Journal &journal = wb.journal();
    const auto all = journal.records(0, journal.count(), true);
    QCOMPARE(all.size(), size_t(journal.count()));
    qint64 lastTime = 0;
    QByteArray streams[Peers];
    quint64 chunks[Peers] = {};
    for (size_t seq = 0; seq < all.size(); ++seq) {
        const Record &r = all[seq];
        QCOMPARE(r.seq, quint64(seq));
        QVERIFY2(r.timeNs >= lastTime, qPrintable(QStringLiteral("time went backwards at %1").arg(seq)));
        lastTime = r.timeNs;
        for (int p = 0; p < Peers; ++p) {
            if (r.endpoint == servers[p] && r.kind == RecordKind::DataIn) {
                streams[p] += r.payload;
                ++chunks[p];
            }
        }
    }
    quint64 total = 0;
    for (int p = 0; p < Peers; ++p) {
        QVERIFY2(streams[p] == sent[p], qPrintable(QStringLiteral("peer %1").arg(p)));
        const Counters c = journal.counters(servers[p]);
        QCOMPARE(c.bytesIn, quint64(sent[p].size()));
        QCOMPARE(c.chunksIn, chunks[p]);
        QCOMPARE(c.bytesOut, quint64(0));
        total += c.bytesIn;
    }
    QCOMPARE(journal.totals().bytesIn, total);
}

void TestThreads::journalGrewIsCoalesced() {
    constexpr int Datagrams = 10000;
    constexpr int InFlight = 100; // keeps a small default receive buffer from dropping any
    Workbench wb;
    QSignalSpy grew(&wb, &Workbench::journalGrew);
    EndpointId id = wb.bindUdp(QStringLiteral("127.0.0.1"), 0);
    QTRY_COMPARE(stateOf(wb, id), stateName(EndpointState::Bound));
    const NetAddress local = wb.info(id).local;
    auto raw = LoopbackPeer::bindUdp();
    QVERIFY(raw);
    bool ok = true;
    const Journal &journal = wb.journal();
    raw->run([&] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (int i = 0; i < Datagrams && ok; ++i) {
            while (i - int(journal.counters(id).datagramsIn) >= InFlight) {
                if (std::chrono::steady_clock::now() > deadline) {
                    ok = false;
                    return;
                }
                std::this_thread::yield();
            }
            ok = raw->sendTo(local, QByteArray::number(i).rightJustified(16, '.'));
        }
    });
    QVERIFY(raw->wait(30000));
    QVERIFY(ok);
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(id).datagramsIn, quint64(Datagrams), 20000);

    // The last announcement covers everything recorded.
    QTRY_VERIFY(!grew.isEmpty() && grew.constLast().at(0).value<quint64>() == wb.journal().count());
    quint64 previous = 0;
    for (const auto &args : std::as_const(grew)) {
        const quint64 count = args.at(0).value<quint64>();
        QVERIFY(count >= previous);
        QVERIFY(count <= wb.journal().count());
        previous = count;
    }
    qInfo("%d datagrams recorded, announced by %lld journalGrew signals", Datagrams, qlonglong(grew.size()));
    QVERIFY2(
        grew.size() < Datagrams / 10,
        qPrintable(
            QStringLiteral("journalGrew fired %1 times for %2 datagrams").arg(grew.size()).arg(Datagrams)));
}

void TestThreads::destructionDoesNotWaitForABlockedLookup() {
    auto gate = std::make_shared<GateResolver>();
    {
        WorkbenchConfig config;
        config.resolver = gate;
        auto wb = std::make_unique<Workbench>(config);
        wb->connectTcp(QStringLiteral("gate.test"), 9);
        QTRY_COMPARE(gate->started(), 1);
        QElapsedTimer timer;
        timer.start();
        wb.reset();
        QVERIFY2(timer.elapsed() < 1000,
                 qPrintable(QStringLiteral("destroying the Workbench took %1 ms").arg(timer.elapsed())));
    }
    // The lookup now answers into a Workbench that is gone; that answer must be dropped quietly.
    gate->open();
    QTRY_COMPARE(gate->finished(), 1);
    Workbench after;
    EndpointId listener = 0;
    QVERIFY(startListener(after, &listener).isValid());
}

void TestThreads::destructionWithUnsentDataIsQuick() {
    // Peers that do not read, with megabytes queued for each: shutdown must not try to drain them.
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    auto wb = std::make_unique<Workbench>();
    QSignalSpy written(wb.get(), &Workbench::bytesWritten);
    std::vector<std::unique_ptr<LoopbackPeer>> peers;
    std::vector<EndpointId> clients;
    for (int i = 0; i < 4; ++i) {
        const EndpointId client = connectAndWait(*wb, rawListener->local());
        QVERIFY(client != 0);
        clients.push_back(client);
        peers.push_back(rawListener->accept());
        QVERIFY(peers.back());
        QVERIFY(wb->send(client, pattern(16 * 1024 * 1024, quint64(i))));
    }
    for (EndpointId client : clients)
        QTRY_VERIFY(wb->info(client).queuedBytes > 0);

    QElapsedTimer timer;
    timer.start();
    wb.reset();
    const qint64 ms = timer.elapsed();
    QVERIFY2(ms < 1000, qPrintable(QStringLiteral("destroying the Workbench took %1 ms").arg(ms)));
    // The peers are released: each sees its stream end (after whatever the kernel already held).
    for (auto &peer : peers) {
        qint64 bytes = 0;
        const StreamEnd end = peer->readToEnd([&](const char *, qsizetype n) { bytes += n; });
        QVERIFY2(end == StreamEnd::Eof || end == StreamEnd::Reset, toText(end));
        QVERIFY(bytes < 16 * 1024 * 1024);
    }
}

SOCKBENCH_TEST_MAIN(TestThreads)
#include "tst_threads.moc"
