// Changing a running endpoint's auto-reply: a listener's echo and greeting, a UDP socket's echo.
// What info() says, what the journal records and what real loopback peers receive.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestAutoReply final : public QObject {
    Q_OBJECT

public:
    TestAutoReply() = default;
    Q_DISABLE_COPY_MOVE(TestAutoReply)

private Q_SLOTS:
    void infoKeepsTheStartingReply();
    void echoTurnsOnForOpenAndNewClients();
    void echoTurnsOffForOpenClients();
    void greetingIsForNewClientsOnly();
    void udpEchoToggles();
    void connectionsHaveNoAutoReply();
};

void TestAutoReply::infoKeepsTheStartingReply() {
    Workbench wb;
    ListenerOptions options;
    options.autoReply = AutoReply::Greeting;
    options.greeting = QByteArrayLiteral("hi\n");
    const EndpointId listener = wb.startTcpListener(QStringLiteral("127.0.0.1"), 0, options);
    QCOMPARE(wb.info(listener).autoReply, AutoReply::Greeting);
    QCOMPARE(wb.info(listener).greeting, QByteArrayLiteral("hi\n"));
    UdpOptions udpOptions;
    udpOptions.echo = true;
    const EndpointId udp = wb.bindUdp(QStringLiteral("127.0.0.1"), 0, udpOptions);
    QCOMPARE(wb.info(udp).autoReply, AutoReply::Echo);
    QCOMPARE(wb.info(wb.bindUdp(QStringLiteral("127.0.0.1"), 0)).autoReply, AutoReply::None);
}

void TestAutoReply::echoTurnsOnForOpenAndNewClients() {
    WorkbenchConfig config;
    config.reactorThreads = 2; // accepted connections live on the other reactor than the listener
    Workbench wb(config);
    QSignalSpy changed(&wb, &Workbench::autoReplyChanged);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    QCOMPARE(wb.info(listener).autoReply, AutoReply::None);

    QVERIFY(wb.setAutoReply(listener, AutoReply::Echo));
    QTRY_COMPARE(emissionsFor(changed, listener), 1);
    QCOMPARE(wb.info(listener).autoReply, AutoReply::Echo);
    QVERIFY2(eventsOf(wb.journal(), listener).contains(QStringLiteral("Auto-reply: echo")),
             qPrintable(eventsOf(wb.journal(), listener)));

    // The client that was already open is echoed from now on.
    QVERIFY(raw->sendAll("after"));
    QCOMPARE(raw->readExactly(5), QByteArray("after"));

    // And so is one accepted afterwards.
    auto second = LoopbackPeer::connectTcp(at);
    QVERIFY(second);
    QVERIFY(second->sendAll("new one"));
    QCOMPARE(second->readExactly(7), QByteArray("new one"));
    QCOMPARE(emissionsFor(changed, listener), 1);
}

void TestAutoReply::echoTurnsOffForOpenClients() {
    Workbench wb;
    QSignalSpy changed(&wb, &Workbench::autoReplyChanged);
    ListenerOptions options;
    options.autoReply = AutoReply::Echo;
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb, options);
    QVERIFY2(!failure, failure);
    QVERIFY(raw->sendAll("loud"));
    QCOMPARE(raw->readExactly(4), QByteArray("loud"));

    QVERIFY(wb.setAutoReply(listener, AutoReply::None));
    QTRY_COMPARE(emissionsFor(changed, listener), 1);
    QCOMPARE(wb.info(listener).autoReply, AutoReply::None);
    QVERIFY(eventsOf(wb.journal(), listener).contains(QStringLiteral("Auto-reply: none")));

    QVERIFY(raw->sendAll("quiet"));
    QTRY_COMPARE(wb.journal().counters(server).bytesIn, quint64(9));
    // An echo is written in the same step that records what arrived, so it would be counted now.
    QCOMPARE(wb.journal().counters(server).bytesOut, quint64(4));
}

void TestAutoReply::greetingIsForNewClientsOnly() {
    Workbench wb;
    QSignalSpy changed(&wb, &Workbench::autoReplyChanged);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);

    const QByteArray greeting = QByteArrayLiteral("hello\r\n");
    QVERIFY(wb.setAutoReply(listener, AutoReply::Greeting, greeting));
    QTRY_COMPARE(emissionsFor(changed, listener), 1);
    QCOMPARE(wb.info(listener).autoReply, AutoReply::Greeting);
    QCOMPARE(wb.info(listener).greeting, greeting);

    auto second = LoopbackPeer::connectTcp(at);
    QVERIFY(second);
    QCOMPARE(second->readExactly(greeting.size()), greeting);

    // The client that was open before is not greeted (nor echoed).
    QVERIFY(raw->sendAll("ping"));
    QTRY_COMPARE(wb.journal().counters(server).bytesIn, quint64(4));
    QCOMPARE(wb.journal().counters(server).bytesOut, quint64(0));
}

void TestAutoReply::udpEchoToggles() {
    Workbench wb;
    QSignalSpy changed(&wb, &Workbench::autoReplyChanged);
    const EndpointId udp = wb.bindUdp(QStringLiteral("127.0.0.1"), 0);
    QTRY_COMPARE(stateOf(wb, udp), stateName(EndpointState::Bound));
    auto peer = LoopbackPeer::bindUdp();
    QVERIFY(peer);

    QVERIFY(wb.setAutoReply(udp, AutoReply::Echo));
    QTRY_COMPARE(emissionsFor(changed, udp), 1);
    QCOMPARE(wb.info(udp).autoReply, AutoReply::Echo);
    QVERIFY(eventsOf(wb.journal(), udp).contains(QStringLiteral("Auto-reply: echo")));
    QVERIFY(peer->sendTo(wb.info(udp).local, "marco"));
    QCOMPARE(peer->receiveFrom(), QByteArray("marco"));

    QVERIFY(wb.setAutoReply(udp, AutoReply::None));
    QTRY_COMPARE(emissionsFor(changed, udp), 2);
    QCOMPARE(wb.info(udp).autoReply, AutoReply::None);
    QVERIFY(peer->sendTo(wb.info(udp).local, "silence"));
    QTRY_COMPARE(wb.journal().counters(udp).datagramsIn, quint64(2));
    QCOMPARE(wb.journal().counters(udp).datagramsOut, quint64(1));
}

void TestAutoReply::connectionsHaveNoAutoReply() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    QVERIFY(!wb.setAutoReply(server, AutoReply::Echo));
    QVERIFY(!wb.setAutoReply(424242, AutoReply::Echo));
}

SOCKBENCH_TEST_MAIN(TestAutoReply)
#include "tst_autoreply.moc"
