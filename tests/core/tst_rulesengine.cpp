// Response rules at work in the engine: real loopback peers talk to a listener, UDP socket or
// client that answers by rules, with framing across reads, delays, endings, live changes and
// 1,000 clients at once.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "protocol/rules.h"
#include "testmain.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

#include <poll.h>

#include <atomic>

#include <vector>

using namespace sockbench;
using namespace sockbench::test;

namespace {

std::shared_ptr<RuleBook> book(const char *json) {
    RulesParseResult parsed = parseRules(QByteArray(json));
    if (!parsed.ok())
        qFatal("test rules do not parse: %s", qPrintable(parsed.error));
    return std::make_shared<RuleBook>(std::move(parsed.rules));
}

constexpr const char *PingPong = R"({"frame": "line", "rules": [
    {"match": {"regex": "^PING (\\d+)$"}, "reply": "PONG \\1\n"},
    {"match": {"text": "QUIT"}, "reply": "bye\n", "then": "close"},
    {"match": {"text": "KILL"}, "then": "abort"},
    {"match": "any", "reply": "ERR ${len}\n"}]})";

ListenerOptions withRules(std::shared_ptr<RuleBook> rules) {
    ListenerOptions options;
    options.rules = std::move(rules);
    return options;
}

} // namespace

class TestRulesEngine final : public QObject {
    Q_OBJECT

public:
    TestRulesEngine() = default;
    Q_DISABLE_COPY_MOVE(TestRulesEngine)

private Q_SLOTS:
    void answersMessagesSplitAndJoinedAcrossReads();
    void closeAndAbortEndTheConnection();
    void delayedRepliesKeepTheirOrder();
    void slowRepliesSlowTheReadingDown();
    void replyTooLongForItsHeaderIsSaid();
    void patternThatGivesUpIsSaidOncePerConnection();
    void delayedReplyGoesOutBeforeTheCloseAfterFin();
    void modbusRequestGetsItsCrc();
    void udpAnswersEachSender();
    void clientAnswersTheServer();
    void listenerRulesChangeLiveButOwnRulesStay();
    void overlongMessageIsCutAndSaid();
    void thousandClientsPingPong();
};

void TestRulesEngine::answersMessagesSplitAndJoinedAcrossReads() {
    Workbench wb;
    const std::shared_ptr<RuleBook> rules = book(PingPong);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb, withRules(rules));
    QVERIFY2(!failure, failure);
    QVERIFY(wb.info(listener).rules == rules);
    QCOMPARE(wb.info(listener).frame.kind, FrameSpec::Kind::Delimiter);
    QTRY_VERIFY(wb.info(server).rules == rules);

    // Two messages and a half in one write, the rest in the next: each message is answered once.
    QVERIFY(raw->sendAll(QByteArrayLiteral("PING 1\nhello\nPI")));
    QCOMPARE(raw->readExactly(15), QByteArrayLiteral("PONG 1\nERR 5\n"));
    QVERIFY(raw->sendAll(QByteArrayLiteral("NG 22\n")));
    QCOMPARE(raw->readExactly(8), QByteArrayLiteral("PONG 22\n"));
    QTRY_COMPARE(rules->allHits(), (std::vector<quint64>{2, 0, 0, 1}));
    // The journal keeps what really crossed the wire.
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataOut),
                 QByteArrayLiteral("PONG 1\nERR 5\nPONG 22\n"));
}

void TestRulesEngine::closeAndAbortEndTheConnection() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at =
        startListener(wb, &listener, QStringLiteral("127.0.0.1"), withRules(book(PingPong)));
    QVERIFY(at.isValid());

    auto quitter = LoopbackPeer::connectTcp(at);
    QVERIFY(quitter);
    const EndpointId quitServer = waitAccepted(accepted, quitter->local());
    QVERIFY(quitter->sendAll(QByteArrayLiteral("QUIT\n")));
    QByteArray got;
    QCOMPARE(toText(quitter->readToEnd(&got)), toText(StreamEnd::Eof));
    QCOMPARE(got, QByteArrayLiteral("bye\n"));
    QTRY_COMPARE(stateOf(wb, quitServer), stateName(EndpointState::Closed));
    QVERIFY2(eventsOf(wb.journal(), quitServer).contains(QStringLiteral("Rule 2 closes the connection")),
             qPrintable(eventsOf(wb.journal(), quitServer)));

    auto killed = LoopbackPeer::connectTcp(at);
    QVERIFY(killed);
    const EndpointId killServer = waitAccepted(accepted, killed->local());
    QVERIFY(killed->sendAll(QByteArrayLiteral("KILL\n")));
    got.clear();
    QCOMPARE(toText(killed->readToEnd(&got)), toText(StreamEnd::Reset));
    QVERIFY(got.isEmpty());
    QTRY_COMPARE(stateOf(wb, killServer), stateName(EndpointState::Reset));
    QVERIFY(wb.info(killServer).resetByUs);
}

void TestRulesEngine::delayedRepliesKeepTheirOrder() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] =
        acceptRawClient(wb, withRules(book(R"({"frame": "line", "rules": [
        {"match": {"text": "slow"}, "reply": "slow\n", "delay_ms": 150},
        {"match": "any", "reply": "fast\n"}]})")));
    QVERIFY2(!failure, failure);
    QVERIFY(raw->sendAll(QByteArrayLiteral("slow\nquick\n")));
    // A single-threaded server answers in order: the quick reply waits behind the slow one.
    QCOMPARE(raw->readExactly(10), QByteArrayLiteral("slow\nfast\n"));
    // The engine's own record times show the delay (the timer works in whole milliseconds).
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataOut), QByteArrayLiteral("slow\nfast\n"));
    const qint64 waitedNs = recordsOf(wb.journal(), server, RecordKind::DataOut).front().timeNs -
                            recordsOf(wb.journal(), server, RecordKind::DataIn).front().timeNs;
    QVERIFY2(waitedNs >= 149'000'000, qPrintable(QString::number(waitedNs)));
}

void TestRulesEngine::slowRepliesSlowTheReadingDown() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(
        wb, withRules(
                book(R"({"frame": "line", "rules": [{"match": "any", "reply": "y", "delay_ms": 600000}]})")));
    QVERIFY2(!failure, failure);
    // 8 million messages whose replies wait ten minutes: the engine stops reading long before
    // it holds them all, and the rest waits in the kernel, where the sender feels it.
    const QByteArray flood =
        QByteArray(16 * 1024 * 1024, 'x').replace(QByteArrayLiteral("xx"), QByteArrayLiteral("x\n"));
    // Without back-pressure the engine reads 16 MB in a moment; with it, the sender is held
    // back (its sendAll gives up after 2 s) and the rest waits in the kernel.
    std::atomic<bool> sentAll{true};
    raw->run([&raw = raw, &flood, &sentAll] { sentAll = raw->sendAll(flood, 2000); });
    QVERIFY(raw->wait(15000));
    QVERIFY(!sentAll);
    wb.requestTcpInfo(server);
    QTRY_VERIFY(wb.info(server).lastTcpInfo && wb.info(server).lastTcpInfo->receiveQueueBytes > 0);
    const quint64 read = wb.journal().counters(server).bytesIn;
    QVERIFY2(read < 1024 * 1024, qPrintable(QString::number(read)));
}

void TestRulesEngine::replyTooLongForItsHeaderIsSaid() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(
        wb,
        withRules(book(R"({"frame": "len:1", "rules": [{"match": {"prefix": "big"}, "reply": "${hex}${hex}",
            "length_prefix": true}, {"match": "any", "reply": "ok", "length_prefix": true}]})")));
    QVERIFY2(!failure, failure);
    QByteArray big(1, char(100));
    big += "big" + QByteArray(97, 'a');
    QVERIFY(raw->sendAll(big + QByteArray("\x01z", 2)));
    // The first reply, 400 bytes, does not fit a one-byte header: not sent, and said; the second is.
    QCOMPARE(raw->readExactly(3), QByteArray("\x02ok", 3));
    QTRY_VERIFY2(
        eventsOf(wb.journal(), server)
            .contains(QStringLiteral("Rule 1: its reply of 400 bytes does not fit the len:1 length header")),
        qPrintable(eventsOf(wb.journal(), server)));
}

void TestRulesEngine::patternThatGivesUpIsSaidOncePerConnection() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    const auto [listener, at, raw, server, failure] = acceptRawClient(
        wb, withRules(book(R"({"frame": "line", "rules": [{"match": {"regex": "^(a+)+$"}, "reply": "all a\n"},
            {"match": "any", "reply": "other\n"}]})")));
    QVERIFY2(!failure, failure);
    const QByteArray hostile = QByteArray(40, 'a') + "!\n";
    // Three hostile lines and a good one: each hostile line gives up and falls through to the
    // catch-all; the journal says so once for this connection.
    QVERIFY(raw->sendAll(hostile + hostile + "aaa\n" + hostile));
    QCOMPARE(raw->readExactly(24), QByteArray("other\nother\nall a\nother\n"));
    const QString said = QStringLiteral("Rule 1's pattern gave up after 200000 steps; treated as no match");
    QTRY_VERIFY2(eventsOf(wb.journal(), server).contains(said), qPrintable(eventsOf(wb.journal(), server)));
    QCOMPARE(eventsOf(wb.journal(), server).count(said), 1);
    // Another connection says it again, once, for itself.
    const std::unique_ptr<LoopbackPeer> second = LoopbackPeer::connectTcp(at);
    QVERIFY(second);
    const EndpointId secondServer = waitAccepted(accepted, second->local());
    QVERIFY(secondServer);
    QVERIFY(second->sendAll(hostile + hostile));
    QCOMPARE(second->readExactly(12), QByteArray("other\nother\n"));
    QTRY_COMPARE(eventsOf(wb.journal(), secondServer).count(said), 1);
    QCOMPARE(eventsOf(wb.journal(), server).count(said), 1);
}

void TestRulesEngine::delayedReplyGoesOutBeforeTheCloseAfterFin() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(
        wb,
        withRules(book(
            R"({"frame": "line", "rules": [{"match": "any", "reply": "late ${seq}\n", "delay_ms": 80}]})")));
    QVERIFY2(!failure, failure);
    // The last message has no line feed: the FIN ends it. Both replies still go out, then our FIN.
    QVERIFY(raw->sendAll(QByteArrayLiteral("a\nb")));
    raw->shutdownWrite();
    QByteArray got;
    QCOMPARE(toText(raw->readToEnd(&got)), toText(StreamEnd::Eof));
    QCOMPARE(got, QByteArrayLiteral("late 1\nlate 2\n"));
    QTRY_COMPARE(stateOf(wb, server), stateName(EndpointState::Closed));
}

void TestRulesEngine::modbusRequestGetsItsCrc() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] =
        acceptRawClient(wb, withRules(book(R"({"frame": "fixed:8",
        "rules": [{"match": {"hex": "01 03 ?? ?? 00 01 ?? ??"}, "reply_hex": "01 03 02 00 2a",
                   "append": "crc16-modbus"}]})")));
    QVERIFY2(!failure, failure);
    // Read holding register 0 of unit 1, with its CRC; sent a byte at a time.
    const QByteArray request = QByteArray::fromHex("010300000001840a");
    for (char byte : request)
        QVERIFY(raw->sendAll(QByteArray(1, byte)));
    const QByteArray reply = raw->readExactly(7);
    QCOMPARE(reply.left(5), QByteArray::fromHex("010302002a"));
    QCOMPARE(reply.mid(5), checksumBytes(ChecksumSpec{ChecksumKind::Crc16Modbus}, reply.left(5)));
    QCOMPARE(reply, QByteArray::fromHex("010302002a399b"));
}

void TestRulesEngine::udpAnswersEachSender() {
    Workbench wb;
    QSignalSpy bound(&wb, &Workbench::udpBound);
    UdpOptions options;
    options.rules =
        book(R"({"rules": [{"match": {"regex": "^PING (\\d+)$"}, "reply": "PONG \\1 to ${peer}"}]})");
    const EndpointId udp = wb.bindUdp(QStringLiteral("127.0.0.1"), 0, options);
    QTRY_COMPARE(bound.size(), 1);
    const NetAddress at = wb.info(udp).local;
    auto a = LoopbackPeer::bindUdp();
    auto b = LoopbackPeer::bindUdp();
    QVERIFY(a && b);
    QVERIFY(a->sendTo(at, QByteArrayLiteral("PING 1")));
    QVERIFY(b->sendTo(at, QByteArrayLiteral("PING 2")));
    QCOMPARE(a->receiveFrom(), QStringLiteral("PONG 1 to %1").arg(a->local().toString()).toLatin1());
    QCOMPARE(b->receiveFrom(), QStringLiteral("PONG 2 to %1").arg(b->local().toString()).toLatin1());
    QCOMPARE(options.rules->allHits(), std::vector<quint64>{2});
}

void TestRulesEngine::clientAnswersTheServer() {
    Workbench wb;
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    ConnectOptions options;
    options.rules = book(PingPong);
    QSignalSpy connected(&wb, &Workbench::connected);
    const EndpointId client = wb.connectTcp(rawListener->local().ip, rawListener->local().port, options);
    auto raw = rawListener->accept();
    QVERIFY(raw);
    QTRY_COMPARE(emissionsFor(connected, client), 1);
    QVERIFY(raw->sendAll(QByteArrayLiteral("PING 3\r\n")));
    // "line" ends at LF; the CR is part of the message, so the regex's $ does not match it.
    QCOMPARE(raw->readExactly(6), QByteArrayLiteral("ERR 7\n"));
    QVERIFY(raw->sendAll(QByteArrayLiteral("PING 4\n")));
    QCOMPARE(raw->readExactly(7), QByteArrayLiteral("PONG 4\n"));
}

void TestRulesEngine::listenerRulesChangeLiveButOwnRulesStay() {
    WorkbenchConfig config;
    config.reactorThreads = 2; // connections on another reactor than their listener
    Workbench wb(config);
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy changed(&wb, &Workbench::rulesChanged);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    auto first = LoopbackPeer::connectTcp(at);
    auto second = LoopbackPeer::connectTcp(at);
    QVERIFY(first && second);
    const EndpointId firstServer = waitAccepted(accepted, first->local());
    const EndpointId secondServer = waitAccepted(accepted, second->local());

    const auto own = book(R"({"rules": [{"match": "any", "reply": "own"}]})");
    QVERIFY(wb.setRules(secondServer, own));
    QTRY_VERIFY(emissionsFor(changed, secondServer) >= 1);
    const auto shared = book(R"({"rules": [{"match": "any", "reply": "listener"}]})");
    QVERIFY(wb.setRules(listener, shared));
    QTRY_COMPARE(emissionsFor(changed, listener), 1);
    QVERIFY(wb.info(firstServer).rules == shared);
    QVERIFY(wb.info(secondServer).rules == own);
    QVERIFY2(eventsOf(wb.journal(), listener).contains(QStringLiteral("Rules: 1 rule, frame raw")),
             qPrintable(eventsOf(wb.journal(), listener)));

    QVERIFY(first->sendAll(QByteArrayLiteral("x")));
    QCOMPARE(first->readExactly(8), QByteArrayLiteral("listener"));
    QVERIFY(second->sendAll(QByteArrayLiteral("x")));
    QCOMPARE(second->readExactly(3), QByteArrayLiteral("own"));
    auto third = LoopbackPeer::connectTcp(at);
    QVERIFY(third);
    QVERIFY(third->sendAll(QByteArrayLiteral("x")));
    QCOMPARE(third->readExactly(8), QByteArrayLiteral("listener"));

    // A connection whose own rules are cleared follows its listener's next change again.
    QVERIFY(wb.setRules(secondServer, nullptr));
    QTRY_VERIFY(emissionsFor(changed, secondServer) >= 2);
    QVERIFY(!wb.info(secondServer).rules);
    const auto next = book(R"({"rules": [{"match": "any", "reply": "next"}]})");
    QVERIFY(wb.setRules(listener, next));
    QTRY_COMPARE(emissionsFor(changed, listener), 2);
    QVERIFY(wb.info(secondServer).rules == next);
    QVERIFY(second->sendAll(QByteArrayLiteral("x")));
    QCOMPARE(second->readExactly(4), QByteArrayLiteral("next"));

    // Rules off: nothing answers any more.
    QVERIFY(wb.setRules(listener, nullptr));
    QTRY_COMPARE(emissionsFor(changed, listener), 3);
    QVERIFY(!wb.info(firstServer).rules);
    QVERIFY(first->sendAll(QByteArrayLiteral("y")));
    QTRY_COMPARE(streamOf(wb.journal(), firstServer, RecordKind::DataIn), QByteArrayLiteral("xy"));
    QCOMPARE(streamOf(wb.journal(), firstServer, RecordKind::DataOut), QByteArrayLiteral("listener"));
    QCOMPARE(shared->allHits(), std::vector<quint64>{2});
}

void TestRulesEngine::overlongMessageIsCutAndSaid() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(
        wb,
        withRules(book(
            R"({"frame": "line", "max_message": 16, "rules": [{"match": "any", "reply": "${len}\n"}]})")));
    QVERIFY2(!failure, failure);
    QVERIFY(raw->sendAll(QByteArray(100, 'a') + "\nshort\n"));
    QCOMPARE(raw->readExactly(5), QByteArrayLiteral("16\n5\n"));
    QTRY_VERIFY2(eventsOf(wb.journal(), server).contains(QStringLiteral("Message cut at 16 bytes")),
                 qPrintable(eventsOf(wb.journal(), server)));
}

void TestRulesEngine::thousandClientsPingPong() {
    constexpr int Clients = 1000;
    const qint64 limit = raiseOpenFileLimit();
    QVERIFY2(limit >= 2 * Clients + 200, qPrintable(QStringLiteral("open-file limit is %1").arg(limit)));
    Workbench wb;
    const std::shared_ptr<RuleBook> rules = book(PingPong);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"), withRules(rules));
    QVERIFY(at.isValid());

    std::vector<std::unique_ptr<LoopbackPeer>> clients;
    for (int i = 0; i < Clients; ++i) {
        clients.push_back(LoopbackPeer::connectTcp(at));
        QVERIFY2(clients.back(), qPrintable(QStringLiteral("client %1 did not connect").arg(i)));
    }
    // Every client asks three times in one write; each must get its own three answers.
    for (int i = 0; i < Clients; ++i)
        QVERIFY(clients[size_t(i)]->sendAll(
            QStringLiteral("PING %1\nPING %2\nPING %3\n").arg(i).arg(i + 1).arg(i + 2).toLatin1()));
    for (int i = 0; i < Clients; ++i) {
        const QByteArray expected =
            QStringLiteral("PONG %1\nPONG %2\nPONG %3\n").arg(i).arg(i + 1).arg(i + 2).toLatin1();
        QCOMPARE(clients[size_t(i)]->readExactly(expected.size()), expected);
    }
    QTRY_COMPARE(rules->hits(0), quint64(3 * Clients));
}

SOCKBENCH_TEST_MAIN(TestRulesEngine)
#include "tst_rulesengine.moc"
