// Session files: the documented JSON reads to the endpoints it names, a saved session reads back
// equal, every malformed file is refused whole with a message naming the line or the endpoint and
// key, and opening a session over real sockets lets one endpoint fail alone.

#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include "engine/workbench.h"
#include "platform/privatefile.h"
#include "protocol/rules.h"
#include "session/session.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

namespace {
// The example of the file format, as a user would write it.
const QByteArray DocumentedSession = R"({
  "sockbench_session": 1,
  "endpoints": [
    {"kind": "tcp-listener", "address": "127.0.0.1", "port": 7000, "reply": "echo"},
    {"kind": "tcp-listener", "address": "::1", "port": 7001, "reply": "greeting", "greeting": "hello\\r\\n"},
    {"kind": "tcp-client", "host": "127.0.0.1", "port": 80},
    {"kind": "udp", "address": "127.0.0.1", "port": 0, "reply": "none"}
  ]
}
)";

QByteArray withEndpoint(const QByteArray &endpointJson) {
    return R"({"sockbench_session": 1, "endpoints": [{"kind": "udp", "address": "127.0.0.1", "port": 0}, )" +
           endpointJson + "]}";
}
} // namespace

class TestSession final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void documentedExampleReads();
    void savedSessionReadsBackEqual();
    void relaysReadBackEqual();
    void documentedRelayReads();
    void openedRelayRelays();
    void socketOptionsReadBackEqual();
    void framingAndRulesReadBackEqual();
    void badRulesNameTheEndpointAndRule();
    void malformedFilesAreRefusedWhole_data();
    void malformedFilesAreRefusedWhole();
    void savedFileIsPrivateAndReplacedWhole();
    void unreadableFileNamesThePath();
    void openingASessionLetsOneEndpointFailAlone();
};

void TestSession::documentedExampleReads() {
    const SessionParseResult r = parseSession(DocumentedSession);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.session.endpoints.size(), 4);
    const SessionEndpoint echo{
        EndpointKind::TcpListener, QStringLiteral("127.0.0.1"), 7000, AutoReply::Echo, {}, {}, {}, {}};
    const SessionEndpoint greet{EndpointKind::TcpListener,
                                QStringLiteral("::1"),
                                7001,
                                AutoReply::Greeting,
                                QStringLiteral("hello\\r\\n"),
                                {},
                                {},
                                {}};
    const SessionEndpoint client{
        EndpointKind::TcpConnection, QStringLiteral("127.0.0.1"), 80, AutoReply::None, {}, {}, {}, {}};
    const SessionEndpoint udp{
        EndpointKind::UdpSocket, QStringLiteral("127.0.0.1"), 0, AutoReply::None, {}, {}, {}, {}};
    QCOMPARE(r.session.endpoints.at(0), echo);
    QCOMPARE(r.session.endpoints.at(1), greet);
    QCOMPARE(r.session.endpoints.at(2), client);
    QCOMPARE(r.session.endpoints.at(3), udp);
}

void TestSession::framingAndRulesReadBackEqual() {
    const QByteArray json = R"({"sockbench_session": 1, "endpoints": [
        {"kind": "tcp-listener", "address": "127.0.0.1", "port": 7000, "frame": "len:2be+incl"},
        {"kind": "tcp-client", "host": "localhost", "port": 7000,
         "rules": {"frame": "line", "rules": [{"match": {"regex": "^PING (\\d+)$"}, "reply": "PONG \\1\\n"}]}},
        {"kind": "udp", "address": "127.0.0.1", "port": 0, "rules": {"rules": [{"match": "any", "reply": "ok"}]}}]})";
    const SessionParseResult r = parseSession(json);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(toString(r.session.endpoints.at(0).frame), QStringLiteral("len:2be+incl"));
    QVERIFY(r.session.endpoints.at(0).rules.isEmpty());
    const RulesParseResult rules = parseRules(r.session.endpoints.at(1).rules);
    QVERIFY2(rules.ok(), qPrintable(rules.error));
    QCOMPARE(toString(rules.rules.frame), QStringLiteral("line"));
    QCOMPARE(rules.rules.rules.at(0).replySource, QStringLiteral("PONG \\1\\n"));
    // Saved and read again: the same session.
    const SessionParseResult again = parseSession(serializeSession(r.session));
    QVERIFY2(again.ok(), qPrintable(again.error));
    QCOMPARE(again.session, r.session);

    // Opened: the endpoints get their framing and rules.
    Workbench wb;
    const EndpointId listener = openSessionEndpoint(wb, r.session.endpoints.at(0));
    QCOMPARE(toString(wb.info(listener).frame), QStringLiteral("len:2be+incl"));
    const EndpointId udp = openSessionEndpoint(wb, r.session.endpoints.at(2));
    QVERIFY(wb.info(udp).rules);
    QCOMPARE(wb.info(udp).rules->rules().rules.size(), size_t(1));
}

void TestSession::badRulesNameTheEndpointAndRule() {
    const SessionParseResult r = parseSession(R"({"sockbench_session": 1, "endpoints": [
        {"kind": "tcp-listener", "address": "127.0.0.1", "port": 7000},
        {"kind": "tcp-listener", "address": "127.0.0.1", "port": 7001,
         "rules": {"rules": [{"match": "any"}, {"match": {"hex": "0G"}}]}}]})");
    QVERIFY(!r.ok());
    QVERIFY2(r.error.startsWith(QStringLiteral("endpoints[1].rules.rules[1].match.hex: ")),
             qPrintable(r.error));
    QVERIFY(r.session.endpoints.isEmpty());
    const SessionParseResult udpFrame = parseSession(R"({"sockbench_session": 1, "endpoints": [
        {"kind": "udp", "address": "127.0.0.1", "port": 0, "rules": {"frame": "line", "rules": []}}]})");
    QCOMPARE(udpFrame.error,
             QStringLiteral("endpoints[0].rules.frame: a UDP socket takes each datagram as one message"));
    const SessionParseResult badFrame = parseSession(R"({"sockbench_session": 1, "endpoints": [
        {"kind": "tcp-client", "host": "127.0.0.1", "port": 1, "frame": "fixed:0"}]})");
    QVERIFY2(badFrame.error.startsWith(QStringLiteral("endpoints[0].frame: ")), qPrintable(badFrame.error));
}

void TestSession::savedSessionReadsBackEqual() {
    Session s;
    s.endpoints = {
        {EndpointKind::TcpListener,
         QStringLiteral("0.0.0.0"),
         9000,
         AutoReply::Greeting,
         QStringLiteral("caf\\u{e9} \"quoted\"\\x00\\n"),
         {},
         {},
         {}},
        {EndpointKind::TcpConnection, QStringLiteral("localhost"), 443, AutoReply::None, {}, {}, {}, {}},
        {EndpointKind::UdpSocket, QStringLiteral("::"), 5353, AutoReply::Echo, {}, {}, {}, {}},
    };
    const QByteArray json = serializeSession(s);
    const SessionParseResult r = parseSession(json);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.session, s);
    // The format's fixed keys are what is written; a client has no reply.
    QVERIFY(json.contains("\"sockbench_session\": 1"));
    QVERIFY(json.contains("\"host\": \"localhost\""));
    QCOMPARE(json.count("\"reply\""), 2);
}

void TestSession::relaysReadBackEqual() {
    SessionEndpoint tcp;
    tcp.kind = EndpointKind::TcpListener;
    tcp.host = QStringLiteral("127.0.0.1");
    tcp.port = 7001;
    RelayOptions options;
    options.targetHost = QStringLiteral("example.org");
    options.targetPort = 443;
    options.relayResets = false;
    options.onTargetFailure = RelayEnd::Reset;
    options.connectTimeoutMs = 2500;
    options.clientTls = TlsServerOptions{};
    TlsClientOptions toTarget;
    toTarget.verify = TlsVerify::None;
    toTarget.alpn = {QStringLiteral("h2")};
    options.targetTls = toTarget;
    options.faults.up.latencyMs = 200;
    options.faults.up.jitterMs = 50;
    options.faults.up.timeoutMs = 0;
    options.faults.down.sliceBytes = 1;
    options.faults.down.sliceVariance = 2;
    options.faults.down.sliceDelayMs = 10;
    options.faults.down.limitBytes = 4096;
    options.faults.down.limitEnd = RelayEnd::Reset;
    options.faults.down.slowCloseMs = 300;
    options.faults.down.bandwidthBytesPerSecond = qint64(1) << 40;
    options.faults.seed = ~quint64(0); // past what a JSON number holds exactly
    tcp.relay = SessionRelay{options};

    SessionEndpoint udp;
    udp.kind = EndpointKind::UdpSocket;
    udp.host = QStringLiteral("::1");
    udp.port = 0;
    RelayOptions datagrams;
    datagrams.udp = true;
    datagrams.targetHost = QStringLiteral("::1");
    datagrams.targetPort = 53;
    datagrams.udpIdleMs = 5000;
    datagrams.faults.up.dropPercent = 50;
    datagrams.faults.up.reorderWindow = 4;
    datagrams.faults.down.duplicatePercent = 12.5;
    datagrams.faults.down.corruptPercent = 1;
    datagrams.faults.seed = 7;
    udp.relay = SessionRelay{datagrams};

    SessionEndpoint plain; // a relay with every default writes no more than its target
    plain.kind = EndpointKind::TcpListener;
    plain.host = QStringLiteral("127.0.0.1");
    RelayOptions defaults;
    defaults.targetHost = QStringLiteral("127.0.0.1");
    defaults.targetPort = 80;
    plain.relay = SessionRelay{defaults};

    Session s;
    s.endpoints = {tcp, udp, plain};
    const QByteArray json = serializeSession(s);
    const SessionParseResult r = parseSession(json);
    QVERIFY2(r.ok(), qPrintable(r.error + QLatin1Char('\n') + QString::fromUtf8(json)));
    QCOMPARE(r.session, s);
    QCOMPARE(json.count("\"kind\": \"tcp-relay\""), 2);
    QCOMPARE(json.count("\"kind\": \"udp-relay\""), 1);
    QVERIFY(json.contains("\"seed\": \"18446744073709551615\""));
    QVERIFY(json.contains("\"client_tls\": {"));
    QVERIFY(!json.contains("\"relay_resets\": true")); // defaults are not written
    // A change of a fault is a different session.
    Session changed = s;
    changed.endpoints[0].relay->options.faults.up.latencyMs = 201;
    QVERIFY(!(changed == s));
}

void TestSession::documentedRelayReads() {
    // The example in sessionrelay.h, as a user would write it.
    const SessionParseResult r = parseSession(R"({"sockbench_session": 1, "endpoints": [
        {"kind": "tcp-relay", "address": "127.0.0.1", "port": 7001,
         "relay": {"target_host": "127.0.0.1", "target_port": 7000, "relay_resets": false,
                   "on_target_failure": "reset", "connect_timeout_ms": 5000,
                   "client_tls": {}, "target_tls": {"verify": "none"},
                   "faults": {"seed": 7, "up": {"latency_ms": 200, "jitter_ms": 50},
                              "down": {"slice_bytes": 1, "slice_delay_ms": 10, "limit_bytes": 4096,
                                       "limit_end": "reset"}}}},
        {"kind": "udp-relay", "address": "127.0.0.1", "port": 0,
         "relay": {"target_host": "localhost", "target_port": 53, "faults": {"up": {"drop_percent": 50}}}}]})");
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.session.endpoints.size(), 2);
    const SessionEndpoint &tcp = r.session.endpoints[0];
    QVERIFY(tcp.kind == EndpointKind::TcpListener);
    QVERIFY(tcp.relay);
    const RelayOptions &o = tcp.relay->options;
    QVERIFY(!o.udp);
    QCOMPARE(o.targetPort, quint16(7000));
    QVERIFY(!o.relayResets);
    QVERIFY(o.onTargetFailure == RelayEnd::Reset);
    QCOMPARE(o.connectTimeoutMs, 5000);
    QVERIFY(o.clientTls && o.targetTls);
    QVERIFY(o.targetTls->verify == TlsVerify::None);
    QCOMPARE(o.faults.seed, quint64(7));
    QCOMPARE(o.faults.up.latencyMs, 200);
    QCOMPARE(o.faults.down.limitBytes, qint64(4096));
    QVERIFY(o.faults.down.limitEnd == RelayEnd::Reset);
    const SessionEndpoint &udp = r.session.endpoints[1];
    QVERIFY(udp.kind == EndpointKind::UdpSocket);
    QVERIFY(udp.relay && udp.relay->options.udp);
    QCOMPARE(udp.relay->options.faults.up.dropPercent, 50.0);
}

void TestSession::openedRelayRelays() {
    // A relay from a session relays to its target with its faults, over real sockets.
    const auto server = LoopbackPeer::listenTcp();
    QVERIFY(server);
    SessionEndpoint e;
    e.kind = EndpointKind::TcpListener;
    e.host = QStringLiteral("127.0.0.1");
    RelayOptions options;
    options.targetHost = QStringLiteral("127.0.0.1");
    options.targetPort = server->local().port;
    options.faults.down.latencyMs = 5;
    e.relay = SessionRelay{options};
    Workbench wb;
    QSignalSpy started(&wb, &Workbench::listenerStarted);
    const EndpointId relay = openSessionEndpoint(wb, e);
    QVERIFY(started.wait(5000));
    QVERIFY(wb.info(relay).relay);
    QCOMPARE(wb.info(relay).relay->targetPort, server->local().port);
    QCOMPARE(wb.info(relay).relay->faults.down.latencyMs, 5);
    QSignalSpy legs(&wb, &Workbench::relayLegOpened);
    const auto client = LoopbackPeer::connectTcp(wb.info(relay).local);
    QVERIFY(client);
    QTRY_VERIFY_WITH_TIMEOUT(legs.count() == 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        wb.info(legs.first().at(0).value<EndpointId>()).state == EndpointState::Connected, 10000);
}

void TestSession::socketOptionsReadBackEqual() {
    SocketOptions listener;
    listener.noDelay = false;
    listener.keepAliveTiming = KeepAliveTiming{60, 10, 5};
    listener.receiveBufferBytes = 65536;
    listener.tos = 0x88; // AF41, written by name
    listener.reusePort = true;
    SocketOptions client;
    client.tos = 0x89; // not a DSCP name: written as a number
    client.ttl = 32;
    client.lingerSeconds = 0;
    client.userTimeoutMs = 30000;
    client.bindToDevice = QStringLiteral("lo");
    client.sourceAddress = QStringLiteral("127.0.0.1");
    client.sourcePort = 4000;
    SocketOptions udp;
    udp.sendBufferBytes = 1 << 20;
    udp.noDelay = true; // does not apply to UDP: left out, so the file still reads back
    Session s;
    s.endpoints = {
        {EndpointKind::TcpListener, QStringLiteral("127.0.0.1"), 9000, AutoReply::None, {}, listener, {}, {}},
        {EndpointKind::TcpConnection, QStringLiteral("localhost"), 443, AutoReply::None, {}, client, {}, {}},
        {EndpointKind::UdpSocket, QStringLiteral("::"), 5353, AutoReply::None, {}, udp, {}, {}},
    };
    const QByteArray json = serializeSession(s);
    QVERIFY2(json.contains("\"tos\": \"AF41\""), json.constData());
    QVERIFY2(json.contains("\"tos\": 137"), json.constData());
    QVERIFY2(json.contains("\"keepalive_timing\": \"60,10,5\""), json.constData());
    QVERIFY2(!json.contains("nodelay\": true"), json.constData());
    const SessionParseResult r = parseSession(json);
    QVERIFY2(r.ok(), qPrintable(r.error));
    s.endpoints[2].socket.noDelay.reset();
    QCOMPARE(r.session, s);
}

void TestSession::malformedFilesAreRefusedWhole_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("syntax, line and column")
        << QByteArray("{\n  \"sockbench_session\": 1,\n  \"endpoints\": [,]\n}")
        << "line 3, column 17: illegal value";
    QTest::newRow("not an object") << QByteArray("[1, 2]") << "a session is a JSON object";
    QTest::newRow("no version") << QByteArray(R"({"endpoints": []})")
                                << "sockbench_session: missing; this is not a Sockbench session file";
    QTest::newRow("newer version") << QByteArray(R"({"sockbench_session": 2, "endpoints": []})")
                                   << "format 2 is newer than this Sockbench reads (1)";
    QTest::newRow("unknown top key") << QByteArray(R"({"sockbench_session": 1, "endpoints": [], "tabs": 3})")
                                     << "tabs: unknown key";
    QTest::newRow("no endpoints") << QByteArray(R"({"sockbench_session": 1})") << "endpoints: missing";
    QTest::newRow("endpoint not object") << withEndpoint("7") << "endpoints[1]: an endpoint is a JSON object";
    QTest::newRow("no kind") << withEndpoint(R"({"address": "127.0.0.1", "port": 1})")
                             << "endpoints[1].kind: missing";
    QTest::newRow("bad kind") << withEndpoint(R"({"kind": "tcp-lisener", "address": "127.0.0.1", "port": 1})")
                              << "endpoints[1].kind: \"tcp-lisener\" is not one of";
    QTest::newRow("port out of range")
        << withEndpoint(R"({"kind": "udp", "address": "127.0.0.1", "port": 70000})")
        << "endpoints[1].port: 70000 is out of range (0-65535)";
    QTest::newRow("port not a number")
        << withEndpoint(R"({"kind": "udp", "address": "127.0.0.1", "port": "80"})")
        << "endpoints[1].port: missing; a whole number from 0 to 65535";
    QTest::newRow("port fraction") << withEndpoint(R"({"kind": "udp", "address": "127.0.0.1", "port": 80.5})")
                                   << "endpoints[1].port: missing; a whole number";
    QTest::newRow("client port 0") << withEndpoint(
                                          R"({"kind": "tcp-client", "host": "127.0.0.1", "port": 0})")
                                   << "endpoints[1].port: 0 is out of range (1-65535)";
    QTest::newRow("no address") << withEndpoint(R"({"kind": "tcp-listener", "port": 1})")
                                << "endpoints[1].address: missing";
    QTest::newRow("client uses host")
        << withEndpoint(R"({"kind": "tcp-client", "address": "127.0.0.1", "port": 1})")
        << "endpoints[1].address: unknown key for a tcp-client";
    QTest::newRow("bad address") << withEndpoint(R"({"kind": "udp", "address": "127.0.0.256", "port": 1})")
                                 << "endpoints[1].address: ";
    QTest::newRow("bad reply")
        << withEndpoint(R"({"kind": "tcp-listener", "address": "::1", "port": 1, "reply": "x"})")
        << "endpoints[1].reply: one of \"none\", \"echo\", \"greeting\"";
    QTest::newRow("udp greeting")
        << withEndpoint(R"({"kind": "udp", "address": "::1", "port": 1, "reply": "greeting"})")
        << "endpoints[1].reply: one of \"none\", \"echo\" for a UDP socket";
    QTest::newRow("greeting missing")
        << withEndpoint(R"({"kind": "tcp-listener", "address": "::1", "port": 1, "reply": "greeting"})")
        << "endpoints[1].greeting: missing";
    QTest::newRow("greeting malformed")
        << withEndpoint(
               R"({"kind": "tcp-listener", "address": "::1", "port": 1, "reply": "greeting", "greeting": "ab\\q"})")
        << "endpoints[1].greeting: character 3: ";
    QTest::newRow("greeting without reply")
        << withEndpoint(R"({"kind": "tcp-listener", "address": "::1", "port": 1, "greeting": "hi"})")
        << "endpoints[1].greeting: given, but \"reply\" is not \"greeting\"";
    QTest::newRow("options not an object")
        << withEndpoint(R"({"kind": "udp", "address": "::1", "port": 1, "socket_options": 3})")
        << "endpoints[1].socket_options: an object of option names and values";
    QTest::newRow("unknown option")
        << withEndpoint(R"({"kind": "udp", "address": "::1", "port": 1, "socket_options": {"quic": 1}})")
        << "endpoints[1].socket_options.quic: unknown socket option";
    QTest::newRow("tcp option on udp")
        << withEndpoint(
               R"({"kind": "udp", "address": "::1", "port": 1, "socket_options": {"nodelay": true}})")
        << "endpoints[1].socket_options.nodelay: applies to TCP only";
    QTest::newRow("source address on a listener")
        << withEndpoint(
               R"({"kind": "tcp-listener", "address": "::1", "port": 1, "socket_options": {"source_address": "::1"}})")
        << "endpoints[1].socket_options.source_address: applies to a client only";
    QTest::newRow("tos out of range")
        << withEndpoint(R"({"kind": "udp", "address": "::1", "port": 1, "socket_options": {"tos": 300}})")
        << "endpoints[1].socket_options.tos: a number from 0 to 255 or a DSCP name";
    QTest::newRow("unknown dscp")
        << withEndpoint(R"({"kind": "udp", "address": "::1", "port": 1, "socket_options": {"tos": "AF99"}})")
        << "endpoints[1].socket_options.tos: a number from 0 to 255 or a DSCP name";
    QTest::newRow("buffer beyond any integer")
        << withEndpoint(R"({"kind": "udp", "address": "::1", "port": 1, "socket_options": {"sndbuf": 1e30}})")
        << "endpoints[1].socket_options.sndbuf: a number of bytes from 1 to 1073741824";
    QTest::newRow("ttl zero")
        << withEndpoint(R"({"kind": "udp", "address": "::1", "port": 1, "socket_options": {"ttl": 0}})")
        << "endpoints[1].socket_options.ttl: a hop count from 1 to 255";
    QTest::newRow("keepalive count zero")
        << withEndpoint(
               R"({"kind": "tcp-client", "host": "::1", "port": 1, "socket_options": {"keepalive_timing": "1,1,0"}})")
        << "endpoints[1].socket_options.keepalive_timing: ";
    QTest::newRow("nodelay not a bool")
        << withEndpoint(
               R"({"kind": "tcp-client", "host": "::1", "port": 1, "socket_options": {"nodelay": 1}})")
        << "endpoints[1].socket_options.nodelay: true or false";
    QTest::newRow("source address a name")
        << withEndpoint(
               R"({"kind": "tcp-client", "host": "::1", "port": 1, "socket_options": {"source_address": "localhost"}})")
        << "endpoints[1].socket_options.source_address: a numeric address";
    QTest::newRow("relay without relay")
        << withEndpoint(R"({"kind": "tcp-relay", "address": "::1", "port": 1})")
        << "endpoints[1].relay: missing";
    QTest::newRow("relay without target")
        << withEndpoint(R"({"kind": "tcp-relay", "address": "::1", "port": 1, "relay": {"target_port": 2}})")
        << "endpoints[1].relay.target_host: missing";
    QTest::newRow("relay target port 0")
        << withEndpoint(
               R"({"kind": "tcp-relay", "address": "::1", "port": 1, "relay": {"target_host": "::1", "target_port": 0}})")
        << "endpoints[1].relay.target_port: a whole number from 1 to 65535";
    QTest::newRow("relay with a reply")
        << withEndpoint(
               R"({"kind": "tcp-relay", "address": "::1", "port": 1, "reply": "echo", "relay": {"target_host": "::1", "target_port": 2}})")
        << "endpoints[1].reply: unknown key for a tcp-relay";
    QTest::newRow("relay unknown key")
        << withEndpoint(
               R"({"kind": "tcp-relay", "address": "::1", "port": 1, "relay": {"target_host": "::1", "target_port": 2, "proxy": 1}})")
        << "endpoints[1].relay.proxy: unknown key for a TCP relay";
    QTest::newRow("udp relay with TLS")
        << withEndpoint(
               R"({"kind": "udp-relay", "address": "::1", "port": 1, "relay": {"target_host": "::1", "target_port": 2, "client_tls": {}}})")
        << "endpoints[1].relay.client_tls: unknown key for a UDP relay";
    QTest::newRow("datagram fault on TCP")
        << withEndpoint(
               R"({"kind": "tcp-relay", "address": "::1", "port": 1, "relay": {"target_host": "::1", "target_port": 2, "faults": {"up": {"drop_percent": 5}}}})")
        << "endpoints[1].relay.faults.up.drop_percent: a datagram fault; this relay is TCP";
    QTest::newRow("stream fault on UDP")
        << withEndpoint(
               R"({"kind": "udp-relay", "address": "::1", "port": 1, "relay": {"target_host": "::1", "target_port": 2, "faults": {"down": {"slice_bytes": 5}}}})")
        << "endpoints[1].relay.faults.down.slice_bytes: a stream fault; this relay is UDP";
    QTest::newRow("fault out of range")
        << withEndpoint(
               R"({"kind": "udp-relay", "address": "::1", "port": 1, "relay": {"target_host": "::1", "target_port": 2, "faults": {"up": {"drop_percent": 101}}}})")
        << "endpoints[1].relay.faults.up.drop_percent: a percentage from 0 to 100";
    QTest::newRow("negative latency")
        << withEndpoint(
               R"({"kind": "tcp-relay", "address": "::1", "port": 1, "relay": {"target_host": "::1", "target_port": 2, "faults": {"up": {"latency_ms": -5}}}})")
        << "endpoints[1].relay.faults.up.latency_ms: a whole number from 0 to";
    QTest::newRow("bad limit end")
        << withEndpoint(
               R"({"kind": "tcp-relay", "address": "::1", "port": 1, "relay": {"target_host": "::1", "target_port": 2, "faults": {"up": {"limit_bytes": 5, "limit_end": "fin"}}}})")
        << "endpoints[1].relay.faults.up.limit_end: one of \"close\", \"reset\"";
    QTest::newRow("unknown endpoint key")
        << withEndpoint(R"({"kind": "tcp-listener", "address": "::1", "port": 1, "proxy": true})")
        << "endpoints[1].proxy: unknown key for a tcp-listener";
}

void TestSession::malformedFilesAreRefusedWhole() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const SessionParseResult r = parseSession(json);
    QVERIFY(!r.ok());
    QVERIFY2(r.error.contains(error), qPrintable(r.error));
    // Nothing of a bad file is handed on, not even the endpoints before the bad one.
    QVERIFY(r.session.endpoints.isEmpty());
}

void TestSession::savedFileIsPrivateAndReplacedWhole() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("work.sockbench"));
    // An existing, world-readable file is replaced by a private one.
    {
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("old");
        QVERIFY(old.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther |
                                   QFileDevice::ReadGroup));
    }
    QVERIFY(!isPrivateToOwner(path));
    const SessionParseResult documented = parseSession(DocumentedSession);
    QString error;
    QVERIFY2(saveSession(path, documented.session, &error), qPrintable(error));
    QVERIFY(isPrivateToOwner(path));
    const SessionParseResult back = loadSession(path);
    QVERIFY2(back.ok(), qPrintable(back.error));
    QCOMPARE(back.session, documented.session);
    // A folder that does not exist: the error names the path.
    const QString nowhere = dir.filePath(QStringLiteral("no/such/dir/x.sockbench"));
    QVERIFY(!saveSession(nowhere, documented.session, &error));
    QVERIFY2(error.startsWith(nowhere), qPrintable(error));
}

void TestSession::unreadableFileNamesThePath() {
    const SessionParseResult r = loadSession(QStringLiteral("/nonexistent/session.sockbench"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error.startsWith(QStringLiteral("/nonexistent/session.sockbench: ")), qPrintable(r.error));
}

void TestSession::openingASessionLetsOneEndpointFailAlone() {
    // A port another socket holds: that listener fails, the rest open.
    const auto holder = LoopbackPeer::listenTcp();
    QVERIFY(holder);
    const auto server = LoopbackPeer::listenTcp();
    QVERIFY(server);
    Session s;
    s.endpoints = {
        {EndpointKind::TcpListener,
         QStringLiteral("127.0.0.1"),
         holder->local().port,
         AutoReply::None,
         {},
         {},
         {},
         {}},
        {EndpointKind::TcpListener,
         QStringLiteral("127.0.0.1"),
         0,
         AutoReply::Greeting,
         QStringLiteral("hi\\n"),
         {},
         {},
         {}},
        {EndpointKind::TcpConnection,
         QStringLiteral("127.0.0.1"),
         server->local().port,
         AutoReply::None,
         {},
         {},
         {},
         {}},
        {EndpointKind::UdpSocket, QStringLiteral("127.0.0.1"), 0, AutoReply::Echo, {}, {}, {}, {}},
    };
    Workbench wb;
    QList<EndpointId> ids;
    for (const SessionEndpoint &e : s.endpoints)
        ids.append(openSessionEndpoint(wb, e));
    QTRY_COMPARE(stateOf(wb, ids[0]), stateName(EndpointState::Failed));
    QVERIFY2(wb.info(ids[0]).error.contains(QStringLiteral("in use")), qPrintable(wb.info(ids[0]).error));
    QTRY_COMPARE(stateOf(wb, ids[1]), stateName(EndpointState::Listening));
    QTRY_COMPARE(stateOf(wb, ids[2]), stateName(EndpointState::Connected));
    QTRY_COMPARE(stateOf(wb, ids[3]), stateName(EndpointState::Bound));

    // The greeting reaches a client as bytes, escapes applied.
    const auto client = LoopbackPeer::connectTcp(wb.info(ids[1]).local);
    QVERIFY(client);
    QCOMPARE(client->readExactly(3), QByteArray("hi\n"));
    // The UDP socket echoes.
    const auto udpPeer = LoopbackPeer::bindUdp();
    QVERIFY(udpPeer);
    QVERIFY(udpPeer->sendTo(wb.info(ids[3]).local, "ping"));
    QCOMPARE(udpPeer->receiveFrom(), QByteArray("ping"));
}

SOCKBENCH_TEST_MAIN(TestSession)
#include "tst_session.moc"
