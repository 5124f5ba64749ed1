// Replay: scripts made from the journal, ReplayClient against a Python server that records what it
// receives, ReplayServer against a Python client that checks each turn comes at its byte gate.

#include "capture/captureimport.h"
#include "capture/replay.h"
#include "engine/workbench.h"
#include "language/numbers.h"
#include "testfiles.h"
#include "testmain.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

namespace {

ReplayMessage message(bool fromClient, qint64 timeMs, const QByteArray &bytes) {
    ReplayMessage m;
    m.fromClient = fromClient;
    m.timeNs = timeMs * 1000000;
    m.bytes = bytes;
    return m;
}

/// A Python program that prints its port (first line), then, once done, what it has to say.
class Python final {
public:
    explicit Python(const QString &program) {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral("python3"), {QStringLiteral("-c"), program});
    }
    ~Python() {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    Q_DISABLE_COPY_MOVE(Python)

    quint16 port() {
        // A whole line: the number and its newline may come in two reads.
        if (!QTest::qWaitFor([this] { return m_process.canReadLine(); }, WaitMs))
            return 0;
        return quint16(m_process.readLine().trimmed().toUInt());
    }
    /// Waits (turning the event loop) until it exits; returns the rest of its output.
    QByteArray output() {
        if (!QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; }, WaitMs))
            return "<python did not finish>";
        return m_process.readAll().trimmed();
    }
    QProcess &process() { return m_process; }

private:
    QProcess m_process;
};

/// A TCP server that takes one client, reads to its FIN with the time of each read, answers
/// "bye" and closes; then prints the bytes (hex) and the time from the first to the last read (ms).
const char *RecordingServer =
    "import socket, time\n"
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
    "print(s.getsockname()[1], flush=True)\n"
    "c, _ = s.accept(); got = b''; first = last = None\n"
    "while True:\n"
    "    d = c.recv(65536)\n"
    "    if not d: break\n"
    "    now = time.monotonic(); first = first or now; last = now\n"
    "    got += d\n"
    "c.sendall(b'bye'); c.close()\n"
    "print(got.hex()); print(int(((last or 0) - (first or 0)) * 1000), flush=True)\n";

ReplayScript threeTurnScript(qint64 gapMs) {
    ReplayScript script;
    script.source = QStringLiteral("test");
    script.messages = {message(true, 0, "GET /a\r\n"), message(false, 1, "A\r\n"),
                       message(true, gapMs, "GET /b\r\n"), message(false, gapMs + 1, "B\r\n"),
                       message(true, 2 * gapMs, "QUIT\r\n")};
    script.computeGates();
    return script;
}

QByteArray clientBytes(const ReplayScript &script) {
    QByteArray out;
    for (const ReplayMessage &m : script.messages)
        out += m.fromClient ? m.bytes : QByteArray();
    return out;
}

} // namespace

class TestReplay final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void scriptGatesAndCounts();
    void scriptFromOutgoingConnection();
    void scriptFromAcceptedConnection();
    void scriptRefusesWhatCannotBeReplayed();
    void scriptFromCaptureFile();
    void scriptFromCaptureErrors();
    void serverFromCaptureAgainstTheRecordedClient();
    void clientReplaysAsap();
    void clientKeepsScaledGaps();
    void clientConnectRefused();
    void clientCancelWhileWaiting();
    void clientEndsAfterGraceWhenServerStaysOpen();
    void clientReplaysUdp();
    void serverGatesEachTurn();
    void serverServesUdpByDatagrams();
    void serverGivesEachClientItsOwnTurns();
};

void TestReplay::scriptGatesAndCounts() {
    const ReplayScript script = threeTurnScript(10);
    QCOMPARE(script.clientMessageCount(), 3);
    QCOMPARE(script.serverMessageCount(), 2);
    QCOMPARE(script.clientByteCount(), quint64(8 + 8 + 6));
    QCOMPARE(script.serverByteCount(), quint64(6));
    const QList<quint64> gates = {0, 8, 8, 16, 16};
    for (int i = 0; i < gates.size(); ++i)
        QCOMPARE(script.messages.at(i).clientBytesBefore, gates.at(i));
}

void TestReplay::scriptFromOutgoingConnection() {
    // A server that greets, answers two requests and closes: the recorded conversation.
    Python server("import socket\n"
                  "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
                  "print(s.getsockname()[1], flush=True)\n"
                  "c, _ = s.accept(); c.sendall(b'HELLO\\n')\n"
                  "def need(n):\n"
                  "    b = b''\n"
                  "    while len(b) < n: b += c.recv(n - len(b))\n"
                  "need(5); c.sendall(b'pong1'); need(5); c.sendall(b'pong2'); c.close()\n");
    const quint16 port = server.port();
    QVERIFY(port != 0);
    Workbench wb;
    const EndpointId id = connectAndWait(wb, {QStringLiteral("127.0.0.1"), port});
    QVERIFY(id != 0);
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(id).bytesIn, quint64(6), WaitMs);
    QVERIFY(wb.send(id, "ping1"));
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(id).bytesIn, quint64(11), WaitMs);
    QVERIFY(wb.send(id, "ping2"));
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(wb, id), stateName(EndpointState::PeerClosed), WaitMs);
    wb.close(id);
    QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb.info(id).state), WaitMs);

    ReplayScript script;
    QString error;
    QVERIFY2(ReplayScript::fromJournal(wb.journal(), wb.info(id), &script, &error), qPrintable(error));
    QVERIFY(!script.udp);
    QVERIFY(script.serverClosed);
    QCOMPARE(clientBytes(script), QByteArray("ping1ping2"));
    QByteArray served;
    for (const ReplayMessage &m : std::as_const(script.messages)) {
        if (m.fromClient)
            continue;
        // Each answer came after the request before it: its gate is what the client had sent then.
        if (m.bytes.startsWith("HELLO"))
            QCOMPARE(m.clientBytesBefore, quint64(0));
        if (m.bytes.startsWith("pong1"))
            QCOMPARE(m.clientBytesBefore, quint64(5));
        if (m.bytes.startsWith("pong2"))
            QCOMPARE(m.clientBytesBefore, quint64(10));
        served += m.bytes;
    }
    QCOMPARE(served, QByteArray("HELLO\npong1pong2"));
    QVERIFY(script.source.contains(QString::number(id)));
}

void TestReplay::scriptFromAcceptedConnection() {
    // On an accepted connection the client is the peer: what we received is the client's side.
    Workbench wb;
    AcceptedRawClient c = acceptRawClient(wb);
    QVERIFY2(!c.failure, c.failure);
    QVERIFY(c.raw->sendAll("request"));
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(c.server).bytesIn, quint64(7), WaitMs);
    QVERIFY(wb.send(c.server, "response"));
    QCOMPARE(c.raw->readExactly(8), QByteArray("response"));
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(c.server).bytesOut, quint64(8), WaitMs);
    ReplayScript script;
    QString error;
    QVERIFY2(ReplayScript::fromJournal(wb.journal(), wb.info(c.server), &script, &error), qPrintable(error));
    QCOMPARE(script.messages.size(), 2);
    QVERIFY(script.messages.at(0).fromClient);
    QCOMPARE(script.messages.at(0).bytes, QByteArray("request"));
    QVERIFY(!script.messages.at(1).fromClient);
    QCOMPARE(script.messages.at(1).clientBytesBefore, quint64(7));
    QVERIFY(!script.serverClosed);

    // "Replay to…": the recorded client side goes to a new server, byte for byte.
    Python server(QString::fromLatin1(RecordingServer));
    const quint16 port = server.port();
    QVERIFY(port != 0);
    ReplayClient client(wb, script, QStringLiteral("127.0.0.1"), port, 0);
    QSignalSpy finished(&client, &ReplayClient::finished);
    client.start();
    QVERIFY(finished.wait(WaitMs));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QCOMPARE(QByteArray::fromHex(server.output().split('\n').value(0)), QByteArray("request"));
}

void TestReplay::scriptRefusesWhatCannotBeReplayed() {
    // A journal small enough that the first payloads are evicted by the later ones.
    Journal journal(64 * 1024);
    const EndpointId id = 7;
    const QByteArray chunk = pattern(16 * 1024);
    for (int i = 0; i < 200; ++i)
        journal.appendData(id, i % 2 ? RecordKind::DataIn : RecordKind::DataOut, chunk);
    QVERIFY2(journal.oldestSeq() > 0, "the test needs the first records dropped");
    const DroppedRecords dropped = journal.dropped();
    EndpointInfo info;
    info.id = id;
    info.kind = EndpointKind::TcpConnection;
    info.outgoing = true;
    ReplayScript script;
    QString error;
    QVERIFY(!ReplayScript::fromJournal(journal, info, &script, &error));
    QVERIFY2(error.contains(QStringLiteral("dropped")) &&
                 error.contains(grouped(dropped.bytesIn + dropped.bytesOut) + QStringLiteral(" bytes")),
             qPrintable(error));

    // Nothing to replay: a connection without data, and a listener.
    info.id = 8;
    journal.appendEvent(8, QStringLiteral("Connection refused"), Marker::Failed);
    QVERIFY(!ReplayScript::fromJournal(journal, info, &script, &error));
    QVERIFY2(error.contains(QStringLiteral("no payload")), qPrintable(error));
    info.kind = EndpointKind::TcpListener;
    QVERIFY(!ReplayScript::fromJournal(journal, info, &script, &error));
    QVERIFY2(error.contains(QStringLiteral("listener")), qPrintable(error));
}

void TestReplay::scriptFromCaptureFile() {
    // tests/data/README.md: every TCP fixture carries "hello server\n" + "bye\n" from the client
    // and "hello client\n" back, then both FINs.
    for (const char *name : {"tcp-v4.pcapng", "tcp-v6.pcapng", "out-of-order.pcap", "retransmit.pcap"}) {
        const QString path = dataFile(QLatin1StringView(name));
        QVERIFY2(!path.isEmpty(), name);
        for (const QString &spec : {path, path + QStringLiteral("#0")}) {
            ReplayScript script;
            QString error;
            QVERIFY2(ReplayScript::fromCaptureSpec(spec, &script, &error), qPrintable(error));
            QVERIFY(!script.udp);
            QVERIFY(script.serverClosed);
            QCOMPARE(clientBytes(script), QByteArray("hello server\nbye\n"));
            QCOMPARE(script.serverByteCount(), quint64(13));
            for (const ReplayMessage &m : std::as_const(script.messages)) {
                if (!m.fromClient)
                    QCOMPARE(m.clientBytesBefore, quint64(13)); // the answer came after "hello server\n"
            }
            QCOMPARE(script.source, QLatin1StringView(name) + QStringLiteral("#0"));
        }
    }
    // The same stream opened in the window (a capture endpoint in the journal) gives the same script.
    {
        QString error;
        const std::unique_ptr<CaptureFile> capture =
            readCapture(dataFile(QStringLiteral("tcp-v4.pcapng")), &error);
        QVERIFY2(capture, qPrintable(error));
        Workbench wb;
        const QList<EndpointId> ids = importCapture(wb, *capture);
        QCOMPARE(ids.size(), 1);
        ReplayScript fromFile;
        ReplayScript fromWindow;
        QVERIFY2(ReplayScript::fromCapture(*capture, -1, &fromFile, &error), qPrintable(error));
        QVERIFY2(ReplayScript::fromJournal(wb.journal(), wb.info(ids.first()), &fromWindow, &error),
                 qPrintable(error));
        QCOMPARE(fromWindow.source, fromFile.source);
        QCOMPARE(fromWindow.messages.size(), fromFile.messages.size());
        for (int i = 0; i < fromFile.messages.size(); ++i) {
            QCOMPARE(fromWindow.messages.at(i).fromClient, fromFile.messages.at(i).fromClient);
            QCOMPARE(fromWindow.messages.at(i).bytes, fromFile.messages.at(i).bytes);
            QCOMPARE(fromWindow.messages.at(i).clientBytesBefore, fromFile.messages.at(i).clientBytesBefore);
        }
        QCOMPARE(fromWindow.serverClosed, fromFile.serverClosed);
    }
    ReplayScript script;
    QString error;
    QVERIFY2(ReplayScript::fromCaptureSpec(dataFile(QStringLiteral("udp.pcapng")), &script, &error),
             qPrintable(error));
    QVERIFY(script.udp);
    QCOMPARE(script.messages.size(), 4);
    QCOMPARE(script.messages.at(0).bytes, QByteArray("ping 1"));
    QVERIFY(!script.messages.at(1).fromClient);
    QCOMPARE(script.messages.at(3).bytes, QByteArray("pong 2"));
}

void TestReplay::scriptFromCaptureErrors() {
    ReplayScript script;
    QString error;
    const QString tcp = dataFile(QStringLiteral("tcp-v4.pcapng"));
    QVERIFY(!ReplayScript::fromCaptureSpec(tcp + QStringLiteral("#3"), &script, &error));
    QCOMPARE(error, QStringLiteral("no stream 3: tcp-v4.pcapng has TCP stream 0 and no UDP stream"));
    QVERIFY(!ReplayScript::fromCaptureSpec(tcp + QStringLiteral("#x"), &script, &error));
    QVERIFY2(error.contains(QStringLiteral("expected a stream number")), qPrintable(error));
    QVERIFY(!ReplayScript::fromCaptureSpec(QStringLiteral("/nonexistent/none.pcapng#1"), &script, &error));
    QVERIFY2(error.contains(QStringLiteral("No such file")), qPrintable(error));
    // A refused connect has no payload: by number it says so, by default there is nothing to take.
    const QString refused = dataFile(QStringLiteral("refused.pcapng"));
    QVERIFY(!ReplayScript::fromCaptureSpec(refused + QStringLiteral("#0"), &script, &error));
    QVERIFY2(error.contains(QStringLiteral("no payload")), qPrintable(error));
    QVERIFY(!ReplayScript::fromCaptureSpec(refused, &script, &error));
    QVERIFY2(error.contains(QStringLiteral("no stream with payload")), qPrintable(error));
    // Not a capture at all.
    QVERIFY(!ReplayScript::fromCaptureSpec(testFile(QStringLiteral("core/tst_replay.cpp")), &script, &error));
    QVERIFY(!error.isEmpty());
}

void TestReplay::serverFromCaptureAgainstTheRecordedClient() {
    // Become the server of tcp-v4.pcapng: a client that sends the recorded client bytes, cut
    // anywhere, gets "hello client\n" once "hello server\n" is in, then the FIN.
    ReplayScript script;
    QString error;
    QVERIFY2(ReplayScript::fromCaptureSpec(dataFile(QStringLiteral("tcp-v4.pcapng")), &script, &error),
             qPrintable(error));
    Workbench wb;
    ReplayServer server(wb, script, QStringLiteral("127.0.0.1"), 0);
    QSignalSpy started(&wb, &Workbench::listenerStarted);
    server.start();
    QVERIFY(started.wait(WaitMs));
    const quint16 port = started.at(0).at(1).value<NetAddress>().port;
    Python client(QStringLiteral("import socket\n"
                                 "c = socket.create_connection(('127.0.0.1', %1)); print(0, flush=True)\n"
                                 "c.sendall(b'hello se'); c.settimeout(0.4)\n"
                                 "try: early = c.recv(100)\n"
                                 "except socket.timeout: early = b''\n"
                                 "c.settimeout(10); c.sendall(b'rver\\nb'); got = b''\n"
                                 "while len(got) < 13: got += c.recv(100)\n"
                                 "c.sendall(b'ye\\n'); c.shutdown(socket.SHUT_WR)\n"
                                 "while True:\n"
                                 "    d = c.recv(100)\n"
                                 "    if not d: break\n"
                                 "    got += d\n"
                                 "print(repr(early), repr(got), flush=True)\n")
                      .arg(port));
    QVERIFY(client.port() == 0);
    QCOMPARE(client.output(), QByteArray("b'' b'hello client\\n'"));
}

void TestReplay::clientReplaysAsap() {
    Python server(QString::fromLatin1(RecordingServer));
    const quint16 port = server.port();
    QVERIFY(port != 0);
    Workbench wb;
    // Gaps of 5 s each: at speed 0 they must not be waited for.
    const ReplayScript script = threeTurnScript(5000);
    ReplayClient client(wb, script, QStringLiteral("127.0.0.1"), port, 0);
    client.setCloseGrace(3000);
    QSignalSpy progress(&client, &ReplayClient::progress);
    QSignalSpy finished(&client, &ReplayClient::finished);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(client.start() != 0);
    QVERIFY(finished.wait(WaitMs));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QVERIFY2(clock.elapsed() < 3000, "speed 0 waited for the recorded gaps");
    const QStringList lines = QString::fromLatin1(server.output()).split(u'\n');
    QCOMPARE(QByteArray::fromHex(lines.value(0).toLatin1()), clientBytes(script));
    QCOMPARE(progress.size(), 3);
    QCOMPARE(progress.last().at(0).toInt(), 3);
    QCOMPARE(progress.last().at(1).toInt(), 3);
    QCOMPARE(progress.last().at(2).toULongLong(), quint64(22));
    QCOMPARE(progress.last().at(3).toULongLong(), quint64(22));
    // The server's "bye" was recorded as what came back.
    QCOMPARE(streamOf(wb.journal(), client.endpoint(), RecordKind::DataIn), QByteArray("bye"));
    QVERIFY2(finished.at(0).at(1).toString().contains(QStringLiteral("3/3 messages")),
             qPrintable(finished.at(0).at(1).toString()));
}

void TestReplay::clientKeepsScaledGaps() {
    Python server(QString::fromLatin1(RecordingServer));
    const quint16 port = server.port();
    QVERIFY(port != 0);
    Workbench wb;
    // Recorded 400 ms apart, played at twice the speed: at least 200 ms between them.
    const ReplayScript script = threeTurnScript(400);
    ReplayClient client(wb, script, QStringLiteral("127.0.0.1"), port, 2.0);
    QSignalSpy finished(&client, &ReplayClient::finished);
    QVERIFY(client.start() != 0);
    QVERIFY(finished.wait(WaitMs));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    const QStringList lines = QString::fromLatin1(server.output()).split(u'\n');
    QCOMPARE(QByteArray::fromHex(lines.value(0).toLatin1()), clientBytes(script));
    const int spanMs = lines.value(1).toInt();
    // First to last message: 800 ms recorded / 2 = 400 ms (a little less for the first one's trip).
    QVERIFY2(spanMs >= 380, qPrintable(QStringLiteral("messages came %1 ms apart").arg(spanMs)));
    QVERIFY2(spanMs < 3000, qPrintable(QStringLiteral("messages came %1 ms apart").arg(spanMs)));
}

void TestReplay::clientConnectRefused() {
    const std::unique_ptr<LoopbackPeer> closedPort = LoopbackPeer::bindTcpOnly();
    QVERIFY(closedPort);
    Workbench wb;
    ReplayClient client(wb, threeTurnScript(10), QStringLiteral("127.0.0.1"), closedPort->local().port, 0);
    QSignalSpy finished(&client, &ReplayClient::finished);
    client.start();
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(finished.size(), 1);
    QVERIFY(!finished.at(0).at(0).toBool());
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("Connection refused"));
}

void TestReplay::clientCancelWhileWaiting() {
    Python server(QString::fromLatin1(RecordingServer));
    const quint16 port = server.port();
    QVERIFY(port != 0);
    Workbench wb;
    // The second message is due in 60 s: cancelling stops the wait, says so once, and closes.
    ReplayClient client(wb, threeTurnScript(60000), QStringLiteral("127.0.0.1"), port, 1.0);
    QSignalSpy progress(&client, &ReplayClient::progress);
    QSignalSpy finished(&client, &ReplayClient::finished);
    client.start();
    QVERIFY(progress.wait(WaitMs));
    client.cancel();
    QCOMPARE(finished.size(), 1);
    QVERIFY(!finished.at(0).at(0).toBool());
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("Cancelled after 1/3 messages, 8 bytes"));
    const QStringList lines = QString::fromLatin1(server.output()).split(u'\n');
    QCOMPARE(QByteArray::fromHex(lines.value(0).toLatin1()), QByteArray("GET /a\r\n"));
    client.cancel();
    // Its connection closes; that says nothing more.
    QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb.info(client.endpoint()).state), WaitMs);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(progress.size(), 1);
}

void TestReplay::clientEndsAfterGraceWhenServerStaysOpen() {
    // A server that reads to our FIN but never closes: the replay ends after the grace, in order.
    Python server("import socket, sys\n"
                  "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
                  "print(s.getsockname()[1], flush=True)\n"
                  "c, _ = s.accept(); got = b''\n"
                  "while True:\n"
                  "    d = c.recv(65536)\n"
                  "    if not d: break\n"
                  "    got += d\n"
                  "print('got', got.hex(), flush=True); sys.stdin.read()\n");
    const quint16 port = server.port();
    QVERIFY(port != 0);
    Workbench wb;
    const ReplayScript script = threeTurnScript(1);
    ReplayClient client(wb, script, QStringLiteral("127.0.0.1"), port, 0);
    client.setCloseGrace(300);
    QSignalSpy finished(&client, &ReplayClient::finished);
    QElapsedTimer clock;
    clock.start();
    client.start();
    QVERIFY(finished.wait(WaitMs));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QVERIFY2(clock.elapsed() >= 300,
             qPrintable(QString::number(clock.elapsed()) + finished.at(0).at(1).toString()));
    QTRY_VERIFY_WITH_TIMEOUT(server.process().canReadLine(), WaitMs);
    const QByteArray line = server.process().readLine().trimmed();
    QVERIFY2(line.startsWith("got "), line.constData());
    QCOMPARE(QByteArray::fromHex(line.mid(4)), clientBytes(script));
    QCOMPARE(server.process().state(), QProcess::Running); // it never closed
}

void TestReplay::clientReplaysUdp() {
    Python server("import socket\n"
                  "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))\n"
                  "print(s.getsockname()[1], flush=True)\n"
                  "got = []\n"
                  "while len(got) < 3:\n"
                  "    d, a = s.recvfrom(65536); got.append(d.hex()); s.sendto(b'ack' + d, a)\n"
                  "print(' '.join(got), flush=True)\n");
    const quint16 port = server.port();
    QVERIFY(port != 0);
    ReplayScript script = threeTurnScript(10);
    script.udp = true;
    Workbench wb;
    ReplayClient client(wb, script, QStringLiteral("127.0.0.1"), port, 0);
    client.setCloseGrace(300);
    QSignalSpy finished(&client, &ReplayClient::finished);
    QVERIFY(client.start() != 0);
    QVERIFY(finished.wait(WaitMs));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    const QList<QByteArray> got = server.output().split(' ');
    QCOMPARE(got.size(), 3);
    // One datagram per message, in order.
    QCOMPARE(QByteArray::fromHex(got.at(0)), QByteArray("GET /a\r\n"));
    QCOMPARE(QByteArray::fromHex(got.at(1)), QByteArray("GET /b\r\n"));
    QCOMPARE(QByteArray::fromHex(got.at(2)), QByteArray("QUIT\r\n"));
    QCOMPARE(wb.journal().counters(client.endpoint()).datagramsOut, quint64(3));
}

void TestReplay::serverGatesEachTurn() {
    // A greeting at accept, then each answer only once the client has sent the bytes before it.
    ReplayScript script;
    script.messages = {message(false, 0, "220 hi\r\n"), message(true, 1, "HELO a\r\n"),
                       message(false, 2, "250 ok\r\n"), message(true, 3, "DATA 12345\r\n"),
                       message(false, 4, "354 go\r\n"), message(false, 5, "221 bye\r\n")};
    script.serverClosed = true;
    script.computeGates();
    Workbench wb;
    ReplayServer server(wb, script, QStringLiteral("127.0.0.1"), 0);
    QSignalSpy started(&wb, &Workbench::listenerStarted);
    QSignalSpy done(&server, &ReplayServer::clientDone);
    const EndpointId listener = server.start();
    QVERIFY(started.wait(WaitMs));
    QCOMPARE(started.at(0).at(0).value<EndpointId>(), listener);
    const quint16 port = started.at(0).at(1).value<NetAddress>().port;

    // The client checks that nothing comes before its gate (half of a request: silence), reads each
    // turn exactly, sends the second request a byte at a time, and reads the rest to the FIN.
    Python client(
        QStringLiteral("import socket, sys\n"
                       "c = socket.create_connection(('127.0.0.1', %1))\n"
                       "def read(n):\n"
                       "    b = b''\n"
                       "    while len(b) < n:\n"
                       "        d = c.recv(n - len(b))\n"
                       "        if not d: break\n"
                       "        b += d\n"
                       "    return b\n"
                       "def silent():\n"
                       "    c.settimeout(0.4)\n"
                       "    try: d = c.recv(100)\n"
                       "    except socket.timeout: d = None\n"
                       "    c.settimeout(10)\n"
                       "    return d is None\n"
                       "print(0, flush=True)\n"
                       "c.settimeout(10); r = []\n"
                       "r.append(read(8) == b'220 hi\\r\\n')\n"
                       "c.sendall(b'HELO'); r.append(silent())\n"
                       "c.sendall(b' a\\r\\n'); r.append(read(8) == b'250 ok\\r\\n')\n"
                       "for b in b'DATA 1234': c.sendall(bytes([b]))\n"
                       "r.append(silent())\n"
                       "c.sendall(b'5\\r\\n')\n"
                       "rest = b''\n"
                       "while True:\n"
                       "    d = c.recv(100)\n"
                       "    if not d: break\n"
                       "    rest += d\n"
                       "r.append(rest == b'354 go\\r\\n221 bye\\r\\n')\n"
                       "print(' '.join('ok' if x else 'FAIL' for x in r), repr(rest), flush=True)\n")
            .arg(port));
    QVERIFY(client.port() == 0); // its first line: started
    const QByteArray verdict = client.output();
    QVERIFY2(verdict.startsWith("ok ok ok ok ok "), verdict.constData());
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, WaitMs);
    // What it received is the client's side, exactly.
    const EndpointId accepted = done.at(0).at(0).value<EndpointId>();
    QCOMPARE(streamOf(wb.journal(), accepted, RecordKind::DataIn), QByteArray("HELO a\r\nDATA 12345\r\n"));
}

void TestReplay::serverServesUdpByDatagrams() {
    ReplayScript script;
    script.udp = true;
    script.messages = {message(true, 0, "q1"), message(false, 1, "a1"), message(true, 2, "q2"),
                       message(true, 3, "q3"), message(false, 4, "a3")};
    script.computeGates();
    Workbench wb;
    ReplayServer server(wb, script, QStringLiteral("127.0.0.1"), 0);
    QSignalSpy bound(&wb, &Workbench::udpBound);
    QSignalSpy done(&server, &ReplayServer::clientDone);
    server.start();
    QVERIFY(bound.wait(WaitMs));
    const quint16 port = bound.at(0).at(1).value<NetAddress>().port;
    Python client(QStringLiteral("import socket\n"
                                 "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                                 "to = ('127.0.0.1', %1); s.settimeout(10); r = []\n"
                                 "print(0, flush=True)\n"
                                 "s.sendto(b'q1', to); r.append(s.recv(100) == b'a1')\n"
                                 "s.sendto(b'q2', to); s.settimeout(0.4)\n"
                                 "try: s.recv(100); r.append(False)\n"
                                 "except socket.timeout: r.append(True)\n"
                                 "s.settimeout(10); s.sendto(b'q3', to); r.append(s.recv(100) == b'a3')\n"
                                 "print(' '.join('ok' if x else 'FAIL' for x in r), flush=True)\n")
                      .arg(port));
    QVERIFY(client.port() == 0);
    QCOMPARE(client.output(), QByteArray("ok ok ok"));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, WaitMs);
}

void TestReplay::serverGivesEachClientItsOwnTurns() {
    // Each connection has its own gates: one client's bytes never open another's turn.
    ReplayScript script;
    script.messages = {message(true, 0, "abcd"), message(false, 1, "X")};
    script.computeGates();
    Workbench wb;
    ReplayServer server(wb, script, QStringLiteral("127.0.0.1"), 0);
    QSignalSpy started(&wb, &Workbench::listenerStarted);
    QSignalSpy done(&server, &ReplayServer::clientDone);
    server.start();
    QVERIFY(started.wait(WaitMs));
    const quint16 port = started.at(0).at(1).value<NetAddress>().port;
    Python clients(
        QStringLiteral("import socket\n"
                       "a = socket.create_connection(('127.0.0.1', %1))\n"
                       "b = socket.create_connection(('127.0.0.1', %1)); print(0, flush=True)\n"
                       "a.settimeout(10); b.settimeout(0.4); r = []\n"
                       "a.sendall(b'abcd'); r.append(a.recv(10) == b'X')\n"
                       "try: b.recv(10); r.append(False)\n"
                       "except socket.timeout: r.append(True)\n"
                       "b.settimeout(10); b.sendall(b'ab'); b.sendall(b'cd'); r.append(b.recv(10) == b'X')\n"
                       "print(' '.join('ok' if x else 'FAIL' for x in r), flush=True)\n")
            .arg(port));
    QCOMPARE(clients.port(), quint16(0));
    QCOMPARE(clients.output(), QByteArray("ok ok ok"));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, WaitMs);
    QVERIFY(done.at(0).at(0).value<EndpointId>() != done.at(1).at(0).value<EndpointId>());
}

SOCKBENCH_TEST_MAIN(TestReplay)
#include "tst_replay.moc"
