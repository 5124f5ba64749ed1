// Fault matrix, half-close in both directions: after the peer's FIN we can still send and the
// peer receives every byte; after our FIN the peer can still send and we record every byte.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestFaultHalfClose final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void afterPeerFinWeStillSend();
    void afterOurFinPeerStillSends();
    void bothWorkbenchEndsHalfClose();
    void sendsAfterPeerFinRecordItOnce();
};

namespace {

ListenerOptions keepingHalfOpen() {
    ListenerOptions options;
    options.keepHalfOpen = true;
    return options;
}
} // namespace

void TestFaultHalfClose::afterPeerFinWeStillSend() {
    Workbench wb;
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy reset(&wb, &Workbench::reset);
    // Accepted connections close after the peer's FIN unless the listener keeps them half-open.
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb, keepingHalfOpen());
    QVERIFY2(!failure, failure);
    QVERIFY(raw->sendAll("GET /big\r\n"));
    raw->shutdownWrite();
    QTRY_COMPARE(emissionsFor(peerClosed, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::PeerClosed));

    // A reply much larger than the socket buffers, so most of it is sent while the peer's FIN is
    // already in.
    const QByteArray reply = pattern(8 * MiB, 21);
    QVERIFY(wb.send(server, reply));
    QByteArray received;
    raw->run([&received, peer = raw.get()] { received = peer->readExactly(8 * MiB); });
    QVERIFY(raw->wait());
    QCOMPARE(received.size(), reply.size());
    QCOMPARE(sha256(received), sha256(reply));
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::PeerClosed));

    wb.close(server);
    QByteArray rest;
    QCOMPARE(toText(raw->readToEnd(&rest)), toText(StreamEnd::Eof));
    QCOMPARE(rest.size(), 0);
    QTRY_COMPARE(emissionsFor(closed, server), 1);
    QCOMPARE(emissionsFor(reset, server), 0);
    const Counters c = wb.journal().counters(server);
    QCOMPARE(c.bytesIn, quint64(10));
    QCOMPARE(c.bytesOut, quint64(reply.size()));
}

void TestFaultHalfClose::afterOurFinPeerStillSends() {
    Workbench wb;
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy reset(&wb, &Workbench::reset);
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);

    const QByteArray request = pattern(MiB, 22);
    QVERIFY(wb.send(client, request));
    wb.shutdownWrite(client);
    // The peer gets the whole request, then the end of our stream.
    QByteArray got;
    QCOMPARE(toText(raw->readToEnd(&got)), toText(StreamEnd::Eof));
    QCOMPARE(sha256(got), sha256(request));
    QTRY_VERIFY(eventsOf(wb.journal(), client).contains(QStringLiteral("FIN sent")));
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Connected));

    // Nothing more may go out after our FIN: the attempt is refused and said so.
    wb.send(client, "too late");
    QTRY_COMPARE(emissionsFor(sendFailed, client), 1);
    QVERIFY(!textFor(sendFailed, client).isEmpty());

    // The peer still talks to us, and every byte is recorded.
    const QByteArray answer = pattern(4 * MiB, 23);
    QVERIFY(raw->sendAll(answer));
    raw->shutdownWrite();
    QTRY_COMPARE(emissionsFor(closed, client), 1);
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Closed));
    QCOMPARE(emissionsFor(reset, client), 0);
    QCOMPARE(sha256(streamOf(wb.journal(), client, RecordKind::DataIn)), sha256(answer));
    const Counters c = wb.journal().counters(client);
    QCOMPARE(c.bytesIn, quint64(answer.size()));
    QCOMPARE(c.bytesOut, quint64(request.size()));
    // "too late" never reached the peer: its stream ended with the request.
    QByteArray after;
    raw->readToEnd(&after, 1000);
    QCOMPARE(after.size(), 0);
}

void TestFaultHalfClose::bothWorkbenchEndsHalfClose() {
    // Both ends are ours: each side half-closes in turn and the other keeps talking.
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    QSignalSpy closed(&wb, &Workbench::closed);
    EndpointId listener = 0;
    // The server half-closes in turn, so it must outlive the client's FIN.
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"), keepingHalfOpen());
    QVERIFY(at.isValid());
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client != 0);
    const EndpointId server = waitAccepted(accepted, wb.info(client).local);
    QVERIFY(server != 0);

    const QByteArray up = pattern(2 * MiB, 24);
    QVERIFY(wb.send(client, up));
    wb.shutdownWrite(client);
    QTRY_COMPARE(emissionsFor(peerClosed, server), 1);
    QCOMPARE(sha256(streamOf(wb.journal(), server, RecordKind::DataIn)), sha256(up));

    const QByteArray down = pattern(3 * MiB, 25);
    QVERIFY(wb.send(server, down));
    wb.shutdownWrite(server);
    QTRY_COMPARE(emissionsFor(closed, client), 1);
    QTRY_COMPARE(emissionsFor(closed, server), 1);
    QCOMPARE(sha256(streamOf(wb.journal(), client, RecordKind::DataIn)), sha256(down));
    QCOMPARE(wb.journal().counters(client).bytesOut, quint64(up.size()));
    QCOMPARE(wb.journal().counters(server).bytesOut, quint64(down.size()));
}

void TestFaultHalfClose::sendsAfterPeerFinRecordItOnce() {
    // Each send turns the stream's epoll interest back on; the peer's EOF must not be read (and
    // reported) again each time.
    Workbench wb;
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    QSignalSpy closed(&wb, &Workbench::closed);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);
    raw->shutdownWrite();
    QTRY_COMPARE(emissionsFor(peerClosed, client), 1);

    for (const QByteArray &piece : {QByteArray("one"), QByteArray("two"), QByteArray("three")}) {
        QVERIFY(wb.send(client, piece));
        QCOMPARE(raw->readExactly(piece.size()), piece);
    }
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::PeerClosed));
    wb.close(client);
    QTRY_COMPARE(emissionsFor(closed, client), 1);

    QCOMPARE(emissionsFor(peerClosed, client), 1);
    QCOMPARE(eventsOf(wb.journal(), client).count(QStringLiteral("Peer closed")), 1);
    QCOMPARE(streamOf(wb.journal(), client, RecordKind::DataOut), QByteArray("onetwothree"));
}

SOCKBENCH_TEST_MAIN(TestFaultHalfClose)
#include "tst_faulthalfclose.moc"
