// TCP through the Workbench: exchange in both directions, against itself and against raw sockets,
// several clients, the listener's automatic replies, and the errors a user must be told about.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

#include <vector>

using namespace sockbench;
using namespace sockbench::test;

class TestTcp final : public QObject {
    Q_OBJECT

public:
    TestTcp() = default;
    Q_DISABLE_COPY_MOVE(TestTcp)

private Q_SLOTS:
    void workbenchToWorkbench();
    void workbenchListenerWithRawClient();
    void workbenchClientWithRawListener();
    void threeClientsKeepSeparateTraffic();
    void echoSendsEveryChunkBack();
    void greetingIsTheFirstThingSent();
    void connectionRefusedIsReported();
    void addressInUseIsReported();
    void ipv6Loopback();
    void sendToAllClientsReachesEach();
    void sendToUnknownIdFails();
    void stopListenerKeepsAcceptedConnections();
    void injectedResolverFailureIsReported();
    void hostNameTriesEachAddress();
    void manySmallSendsArriveInOrder();
    void closeCancelsAPendingConnect();
    void connectTimeoutIsReported();
    void dualStackListenerAcceptsIpv4();
};

void TestTcp::workbenchToWorkbench() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy connectedSpy(&wb, &Workbench::connected);

    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    QVERIFY(at.port != 0);
    QCOMPARE(at.ip, QStringLiteral("127.0.0.1"));
    QCOMPARE(stateOf(wb, listener), stateName(EndpointState::Listening));
    QVERIFY(wb.info(listener).kind == EndpointKind::TcpListener);
    QCOMPARE(wb.info(listener).local, at);

    const EndpointId client = connectAndWait(wb, at);
    QVERIFY2(client != 0, qPrintable(stateOf(wb, client)));
    QVERIFY(wb.info(client).outgoing);
    QCOMPARE(wb.info(client).peer, at);
    const NetAddress clientLocal = wb.info(client).local;
    QVERIFY(clientLocal.port != 0);
    QCOMPARE(emissionsFor(connectedSpy, client), 1);

    const EndpointId server = waitAccepted(accepted, clientLocal);
    QVERIFY(server != 0);
    QVERIFY(server != client);
    QCOMPARE(accepted.constFirst().at(1).value<EndpointId>(), listener);
    QCOMPARE(accepted.constFirst().at(2).value<NetAddress>(), at);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Connected));
    QVERIFY(!wb.info(server).outgoing);
    QCOMPARE(wb.info(server).listener, listener);
    QCOMPARE(wb.clientsOf(listener), QList<EndpointId>{server});

    QVERIFY(wb.send(client, "hello server"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("hello server"));
    QVERIFY(wb.send(server, "hello client\n"));
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), QByteArray("hello client\n"));
    QCOMPARE(streamOf(wb.journal(), client, RecordKind::DataOut), QByteArray("hello server"));
    QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataOut), QByteArray("hello client\n"));

    const Counters c = wb.journal().counters(client);
    const Counters s = wb.journal().counters(server);
    QCOMPARE(c.bytesOut, quint64(12));
    QCOMPARE(c.bytesIn, quint64(13));
    QCOMPARE(s.bytesIn, quint64(12));
    QCOMPARE(s.bytesOut, quint64(13));
    QCOMPARE(c.datagramsIn + c.datagramsOut + s.datagramsIn + s.datagramsOut, quint64(0));
    QVERIFY(c.chunksIn >= 1 && c.chunksOut >= 1 && s.chunksIn >= 1 && s.chunksOut >= 1);

    // TCP records carry no datagram peer.
    for (const Record &r : recordsOf(wb.journal(), server, RecordKind::DataIn))
        QVERIFY(!r.peer.isValid());
}

void TestTcp::workbenchListenerWithRawClient() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    QCOMPARE(wb.info(server).peer, raw->local());
    QCOMPARE(wb.info(server).local, raw->peer());

    QVERIFY(raw->sendAll("from the raw client"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("from the raw client"));
    QVERIFY(wb.send(server, "from the engine"));
    QCOMPARE(raw->readExactly(15), QByteArray("from the engine"));
    QCOMPARE(wb.journal().counters(server).bytesIn, quint64(19));
    QTRY_COMPARE(wb.journal().counters(server).bytesOut, quint64(15));
}

void TestTcp::workbenchClientWithRawListener() {
    Workbench wb;
    QSignalSpy connecting(&wb, &Workbench::connecting);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);
    const NetAddress at = rawListener->local();
    QCOMPARE(wb.info(client).local, raw->peer());
    QCOMPARE(wb.info(client).peer, at);
    QCOMPARE(emissionsFor(connecting, client), 1);
    QCOMPARE(connecting.constFirst().at(1).value<NetAddress>(), at);

    QVERIFY(wb.send(client, "abc"));
    QVERIFY(wb.send(client, "def"));
    QCOMPARE(raw->readExactly(6), QByteArray("abcdef"));
    QVERIFY(raw->sendAll("xyz"));
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), QByteArray("xyz"));
    QCOMPARE(wb.journal().counters(client).bytesOut, quint64(6));
    QCOMPARE(wb.journal().counters(client).bytesIn, quint64(3));
}

void TestTcp::threeClientsKeepSeparateTraffic() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());

    const qsizetype upSizes[3] = {1000, 20000, 300000};
    const qsizetype downSizes[3] = {7, 7000, 70000};
    EndpointId clients[3] = {};
    EndpointId servers[3] = {};
    for (int i = 0; i < 3; ++i) {
        clients[i] = connectAndWait(wb, at);
        QVERIFY(clients[i] != 0);
        servers[i] = waitAccepted(accepted, wb.info(clients[i]).local);
        QVERIFY(servers[i] != 0);
    }
    QCOMPARE(wb.clientsOf(listener).size(), 3);
    for (int i = 0; i < 3; ++i)
        QVERIFY(wb.clientsOf(listener).contains(servers[i]));

    for (int i = 0; i < 3; ++i) {
        QVERIFY(wb.send(clients[i], pattern(upSizes[i], 100 + i)));
        QVERIFY(wb.send(servers[i], pattern(downSizes[i], 200 + i)));
    }
    for (int i = 0; i < 3; ++i) {
        QTRY_COMPARE(wb.journal().counters(servers[i]).bytesIn, quint64(upSizes[i]));
        QTRY_COMPARE(wb.journal().counters(clients[i]).bytesIn, quint64(downSizes[i]));
    }
    quint64 in = 0;
    quint64 out = 0;
    for (int i = 0; i < 3; ++i) {
        const Counters c = wb.journal().counters(clients[i]);
        const Counters s = wb.journal().counters(servers[i]);
        QCOMPARE(c.bytesOut, quint64(upSizes[i]));
        QCOMPARE(s.bytesOut, quint64(downSizes[i]));
        QCOMPARE(streamOf(wb.journal(), servers[i], RecordKind::DataIn), pattern(upSizes[i], 100 + i));
        QCOMPARE(streamOf(wb.journal(), clients[i], RecordKind::DataIn), pattern(downSizes[i], 200 + i));
        in += c.bytesIn + s.bytesIn;
        out += c.bytesOut + s.bytesOut;
    }
    // Nothing was counted twice or against the listener.
    QCOMPARE(wb.journal().counters(listener), Counters{});
    QCOMPARE(wb.journal().totals().bytesIn, in);
    QCOMPARE(wb.journal().totals().bytesOut, out);
}

void TestTcp::echoSendsEveryChunkBack() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    ListenerOptions options;
    options.autoReply = AutoReply::Echo;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"), options);
    QVERIFY(at.isValid());

    auto raw = LoopbackPeer::connectTcp(at);
    QVERIFY(raw);
    QVERIFY(raw->sendAll("ping-1"));
    QCOMPARE(raw->readExactly(6), QByteArray("ping-1"));

    // More than the socket buffers hold at once, sent from a thread while this one reads.
    const QByteArray bulk = pattern(2 * 1024 * 1024, 7);
    bool sent = false;
    raw->run([&] { sent = raw->sendAll(bulk); });
    const QByteArray back = raw->readExactly(bulk.size());
    QVERIFY(raw->wait());
    QVERIFY(sent);
    QCOMPARE(back.size(), bulk.size());
    QVERIFY(back == bulk);

    const EndpointId server = waitAccepted(accepted, raw->local());
    QVERIFY(server != 0);
    QTRY_COMPARE(wb.journal().counters(server).bytesOut, quint64(6 + bulk.size()));
    QCOMPARE(wb.journal().counters(server).bytesIn, quint64(6 + bulk.size()));
    QVERIFY(streamOf(wb.journal(), server, RecordKind::DataOut) == "ping-1" + bulk);
}

void TestTcp::greetingIsTheFirstThingSent() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    ListenerOptions options;
    options.autoReply = AutoReply::Greeting;
    options.greeting = "220 sockbench ready\r\n";
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"), options);
    QVERIFY(at.isValid());

    // The client speaks first; the greeting must still be what it gets, and nothing is echoed.
    auto raw = LoopbackPeer::connectTcp(at);
    QVERIFY(raw);
    QVERIFY(raw->sendAll("HELO"));
    QCOMPARE(raw->readExactly(options.greeting.size()), options.greeting);

    const EndpointId server = waitAccepted(accepted, raw->local());
    QVERIFY(server != 0);
    QTRY_COMPARE(wb.journal().counters(server).bytesIn, quint64(4));
    const auto out = recordsOf(wb.journal(), server, RecordKind::DataOut);
    QVERIFY(!out.empty());
    QCOMPARE(out.front().payload, options.greeting);
    QCOMPARE(wb.journal().counters(server).bytesOut, quint64(options.greeting.size()));

    // Each client gets it once, including a Workbench client.
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client != 0);
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), options.greeting);
    QVERIFY(wb.send(client, "QUIT"));
    const EndpointId server2 = waitAccepted(accepted, wb.info(client).local);
    QVERIFY(server2 != 0);
    QTRY_COMPARE(wb.journal().counters(server2).bytesIn, quint64(4));
    QCOMPARE(wb.journal().counters(server2).bytesOut, quint64(options.greeting.size()));
    QCOMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), options.greeting);
}

void TestTcp::connectionRefusedIsReported() {
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::connectFailed);
    QSignalSpy connectedSpy(&wb, &Workbench::connected);
    // Bound but not listening: the port is ours, and the kernel answers a SYN with RST.
    auto closedPort = LoopbackPeer::bindTcpOnly();
    QVERIFY(closedPort);

    const EndpointId id = wb.connectTcp(QStringLiteral("127.0.0.1"), closedPort->local().port);
    QVERIFY(id != 0);
    QTRY_COMPARE(emissionsFor(failed, id), 1);
    const QString reason = textFor(failed, id);
    QVERIFY2(reason.contains(QStringLiteral("refused"), Qt::CaseInsensitive), qPrintable(reason));
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
    QVERIFY2(wb.info(id).error.contains(QStringLiteral("refused"), Qt::CaseInsensitive),
             qPrintable(wb.info(id).error));
    QCOMPARE(emissionsFor(connectedSpy, id), 0);
    // The log says so too.
    QTRY_VERIFY2(eventsOf(wb.journal(), id).contains(QStringLiteral("refused"), Qt::CaseInsensitive),
                 qPrintable(eventsOf(wb.journal(), id)));
}

void TestTcp::addressInUseIsReported() {
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::listenerFailed);
    QSignalSpy started(&wb, &Workbench::listenerStarted);

    auto occupant = LoopbackPeer::listenTcp();
    QVERIFY(occupant);
    const EndpointId id = wb.startTcpListener(QStringLiteral("127.0.0.1"), occupant->local().port);
    QTRY_COMPARE(emissionsFor(failed, id), 1);
    QString reason = textFor(failed, id);
    QVERIFY2(reason.contains(QStringLiteral("in use"), Qt::CaseInsensitive), qPrintable(reason));
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
    QVERIFY2(wb.info(id).error.contains(QStringLiteral("in use"), Qt::CaseInsensitive),
             qPrintable(wb.info(id).error));
    QCOMPARE(emissionsFor(started, id), 0);

    // The same when the port is held by another of our own listeners.
    EndpointId first = 0;
    const NetAddress at = startListener(wb, &first);
    QVERIFY(at.isValid());
    const EndpointId second = wb.startTcpListener(QStringLiteral("127.0.0.1"), at.port);
    QTRY_COMPARE(emissionsFor(failed, second), 1);
    reason = textFor(failed, second);
    QVERIFY2(reason.contains(QStringLiteral("in use"), Qt::CaseInsensitive), qPrintable(reason));
    QCOMPARE(stateOf(wb, first), stateName(EndpointState::Listening));
}

void TestTcp::ipv6Loopback() {
    if (!hasIpv6Loopback())
        QSKIP("this machine has no IPv6 loopback (cannot bind ::1)");

    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("::1"));
    QVERIFY(at.isValid());
    QCOMPARE(at.ip, QStringLiteral("::1"));
    QVERIFY(at.isV6());

    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client != 0);
    QCOMPARE(wb.info(client).local.ip, QStringLiteral("::1"));
    const EndpointId server = waitAccepted(accepted, wb.info(client).local);
    QVERIFY(server != 0);
    QVERIFY(wb.send(client, "over v6"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("over v6"));
    QVERIFY(wb.send(server, "and back"));
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), QByteArray("and back"));

    auto raw = LoopbackPeer::connectTcp(at);
    QVERIFY(raw);
    const EndpointId rawServer = waitAccepted(accepted, raw->local());
    QVERIFY(rawServer != 0);
    QCOMPARE(wb.info(rawServer).peer.ip, QStringLiteral("::1"));
    QVERIFY(wb.send(rawServer, "v6 raw"));
    QCOMPARE(raw->readExactly(6), QByteArray("v6 raw"));
}

void TestTcp::sendToAllClientsReachesEach() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());

    std::unique_ptr<LoopbackPeer> raws[3];
    EndpointId servers[3] = {};
    for (int i = 0; i < 3; ++i) {
        raws[i] = LoopbackPeer::connectTcp(at);
        QVERIFY(raws[i]);
        servers[i] = waitAccepted(accepted, raws[i]->local());
        QVERIFY(servers[i] != 0);
    }
    // A connection of another listener must not get it.
    EndpointId otherListener = 0;
    const NetAddress other = startListener(wb, &otherListener);
    auto outsider = LoopbackPeer::connectTcp(other);
    QVERIFY(outsider);
    QVERIFY(waitAccepted(accepted, outsider->local()) != 0);

    QCOMPARE(wb.sendToAllClients(listener, "to everyone\n"), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(raws[i]->readExactly(12), QByteArray("to everyone\n"));
        QTRY_COMPARE(wb.journal().counters(servers[i]).bytesOut, quint64(12));
    }
    QVERIFY(wb.send(wb.clientsOf(otherListener).value(0), "only you"));
    QCOMPARE(outsider->readExactly(8), QByteArray("only you"));

    // Nobody to send to is not an error to crash on.
    EndpointId empty = 0;
    QVERIFY(startListener(wb, &empty).isValid());
    QCOMPARE(wb.sendToAllClients(empty, "anyone?"), 0);
    QCOMPARE(wb.sendToAllClients(987654, "anyone?"), 0);
}

void TestTcp::sendToUnknownIdFails() {
    Workbench wb;
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);

    const EndpointId unknown = 424242;
    // The caller hears the refusal at once, in the words the signal carries.
    const Workbench::SendResult refused = wb.send(unknown, "lost");
    QVERIFY(!refused);
    QCOMPARE(refused.refusal, QStringLiteral("No such TCP connection"));
    QTRY_COMPARE(emissionsFor(sendFailed, unknown), 1);
    QCOMPARE(textFor(sendFailed, unknown), refused.refusal);

    // A listener is not a connection either.
    EndpointId listener = 0;
    QVERIFY(startListener(wb, &listener).isValid());
    QVERIFY(!wb.send(listener, "lost"));
    QTRY_COMPARE(emissionsFor(sendFailed, listener), 1);

    QVERIFY(wb.journal().totals().bytesOut == 0);
    QVERIFY(recordsOf(wb.journal(), unknown, RecordKind::DataOut).empty());
}

void TestTcp::stopListenerKeepsAcceptedConnections() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy stopped(&wb, &Workbench::listenerStopped);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());

    auto a = LoopbackPeer::connectTcp(at);
    auto b = LoopbackPeer::connectTcp(at);
    QVERIFY(a && b);
    const EndpointId sa = waitAccepted(accepted, a->local());
    const EndpointId sb = waitAccepted(accepted, b->local());
    QVERIFY(sa != 0 && sb != 0);

    wb.stopListener(listener);
    QTRY_COMPARE(emissionsFor(stopped, listener), 1);
    QCOMPARE(stateOf(wb, listener), stateName(EndpointState::Stopped));

    int error = 0;
    QVERIFY(!LoopbackPeer::connectTcp(at, &error));
    QCOMPARE(error, ECONNREFUSED);

    QCOMPARE(stateOf(wb, sa), stateName(EndpointState::Connected));
    QCOMPARE(stateOf(wb, sb), stateName(EndpointState::Connected));
    QVERIFY(wb.send(sa, "still here"));
    QCOMPARE(a->readExactly(10), QByteArray("still here"));
    QVERIFY(b->sendAll("me too"));
    QTRY_COMPARE(streamOf(wb.journal(), sb, RecordKind::DataIn), QByteArray("me too"));
    const QList<EndpointId> clients = wb.clientsOf(listener);
    QCOMPARE(clients.size(), 2);
    QVERIFY(clients.contains(sa) && clients.contains(sb));
}

void TestTcp::injectedResolverFailureIsReported() {
    auto resolver = std::make_shared<FailingResolver>();
    WorkbenchConfig config;
    config.resolver = resolver;
    Workbench wb(config);
    QSignalSpy resolvingSpy(&wb, &Workbench::resolving);
    QSignalSpy connectingSpy(&wb, &Workbench::connecting);
    QSignalSpy failed(&wb, &Workbench::connectFailed);

    const EndpointId id = wb.connectTcp(QStringLiteral("no.such.host.invalid"), 80);
    QVERIFY(id != 0);
    QTRY_COMPARE(emissionsFor(failed, id), 1);
    QCOMPARE(textFor(failed, id), FailingResolver::Message);
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
    QCOMPARE(wb.info(id).error, FailingResolver::Message);
    QCOMPARE(wb.info(id).requestedHost, QStringLiteral("no.such.host.invalid"));
    QCOMPARE(wb.info(id).requestedPort, quint16(80));
    QCOMPARE(emissionsFor(resolvingSpy, id), 1);
    QCOMPARE(textFor(resolvingSpy, id), QStringLiteral("no.such.host.invalid"));
    QCOMPARE(emissionsFor(connectingSpy, id), 0);
    // The failure came from our resolver, so nothing asked a real DNS server.
    QCOMPARE(resolver->hosts(), QStringList{QStringLiteral("no.such.host.invalid")});
}

void TestTcp::hostNameTriesEachAddress() {
    // "localhost" may resolve to ::1 first; with the listener on 127.0.0.1 only, the connect must
    // move on to the next address instead of failing.
    Workbench wb;
    QSignalSpy resolvingSpy(&wb, &Workbench::resolving);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    const EndpointId id = wb.connectTcp(QStringLiteral("localhost"), at.port);
    QTRY_COMPARE(stateOf(wb, id), stateName(EndpointState::Connected));
    QCOMPARE(wb.info(id).peer, at);
    QCOMPARE(textFor(resolvingSpy, id), QStringLiteral("localhost"));
}

void TestTcp::manySmallSendsArriveInOrder() {
    Workbench wb;
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);

    QByteArray expected;
    for (int i = 0; i < 10000; ++i) {
        const QByteArray message = "msg " + QByteArray::number(i).rightJustified(5, '0') + '\n';
        QVERIFY(wb.send(client, message));
        expected += message;
    }
    const QByteArray received = raw->readExactly(expected.size());
    QCOMPARE(received.size(), expected.size());
    QVERIFY(received == expected);
    QTRY_COMPARE(wb.journal().counters(client).bytesOut, quint64(expected.size()));
    QVERIFY(streamOf(wb.journal(), client, RecordKind::DataOut) == expected);
}

void TestTcp::closeCancelsAPendingConnect() {
    auto gate = std::make_shared<GateResolver>();
    WorkbenchConfig config;
    config.resolver = gate;
    Workbench wb(config);
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy connectedSpy(&wb, &Workbench::connected);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());

    const EndpointId cancelled = wb.connectTcp(QStringLiteral("gate.test"), at.port);
    QTRY_COMPARE(gate->started(), 1);
    QCOMPARE(stateOf(wb, cancelled), stateName(EndpointState::Resolving));
    wb.close(cancelled);
    QTRY_VERIFY(isFinal(wb.info(cancelled).state));
    QCOMPARE(stateOf(wb, cancelled), stateName(EndpointState::Closed));

    // The late answer must not revive it: a second connect through the same lookup path gets
    // through, the cancelled one never does.
    gate->open();
    const EndpointId second = wb.connectTcp(QStringLiteral("gate.test"), at.port);
    QTRY_COMPARE(stateOf(wb, second), stateName(EndpointState::Connected));
    QTRY_COMPARE(gate->finished(), 2);
    QVERIFY(waitAccepted(accepted, wb.info(second).local) != 0);
    QVERIFY(wb.send(second, "round trip"));
    QTRY_COMPARE(wb.journal().totals().bytesIn, quint64(10));
    QCOMPARE(accepted.size(), 1);
    QCOMPARE(emissionsFor(connectedSpy, cancelled), 0);
    QCOMPARE(stateOf(wb, cancelled), stateName(EndpointState::Closed));
}

void TestTcp::connectTimeoutIsReported() {
    // A listener whose backlog of one is full and never drained: the kernel drops further SYNs,
    // so a connect to it hangs until our timeout ends it.
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
    QSignalSpy failed(&wb, &Workbench::connectFailed);
    ConnectOptions options;
    options.timeoutMs = 300;
    QElapsedTimer timer;
    timer.start();
    const EndpointId id = wb.connectTcp(full->local().ip, full->local().port, options);
    QTRY_COMPARE_WITH_TIMEOUT(emissionsFor(failed, id), 1, 10000);
    const qint64 elapsed = timer.elapsed();
    const QString reason = textFor(failed, id);
    QVERIFY2(reason.contains(QStringLiteral("timed out"), Qt::CaseInsensitive), qPrintable(reason));
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
    QVERIFY2(elapsed >= 250 && elapsed < 5000,
             qPrintable(QStringLiteral("gave up after %1 ms").arg(elapsed)));
}

void TestTcp::dualStackListenerAcceptsIpv4() {
    if (!hasIpv6Loopback())
        QSKIP("this machine has no IPv6 loopback (cannot bind ::1)");
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    ListenerOptions options;
    options.dualStack = true;
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("::"), options);
    QVERIFY(at.isValid());
    QCOMPARE(at.ip, QStringLiteral("::"));

    auto raw = LoopbackPeer::connectTcp(NetAddress{QStringLiteral("127.0.0.1"), at.port});
    QVERIFY(raw);
    QTRY_COMPARE(accepted.size(), 1);
    const EndpointId server = accepted.constFirst().at(0).value<EndpointId>();
    const NetAddress peer = accepted.constFirst().at(3).value<NetAddress>();
    QCOMPARE(peer.port, raw->local().port);
    QVERIFY2(peer.ip == QStringLiteral("127.0.0.1") || peer.ip == QStringLiteral("::ffff:127.0.0.1"),
             qPrintable(peer.ip));
    QVERIFY(raw->sendAll("v4 on a v6 socket"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("v4 on a v6 socket"));
}

SOCKBENCH_TEST_MAIN(TestTcp)
#include "tst_tcp.moc"
