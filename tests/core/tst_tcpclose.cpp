// How TCP connections end: the user must be able to tell a peer's FIN from a reset, and our own
// close, abort and half-close must do on the wire what they promise. Checked with raw sockets.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestTcpClose final : public QObject {
    Q_OBJECT

public:
    TestTcpClose() = default;
    Q_DISABLE_COPY_MOVE(TestTcpClose)

private Q_SLOTS:
    void peerFinIsPeerClosedThenClosed();
    void peerResetIsReset();
    void outgoingConnectionTellsFinFromReset();
    void closeIsGraceful();
    void abortMakesThePeerSeeReset();
    void shutdownWriteHalfCloses();
    void closeOnListenerStopsIt();
    void closeDoesNotWaitForeverForThePeersFin();
    void acceptedClosesAfterPeerFinByDefault();
    void keepHalfOpenStaysPeerClosed();
    void ourAbortAndThePeersResetAreToldApart();
};

void TestTcpClose::peerFinIsPeerClosedThenClosed() {
    Workbench wb;
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy reset(&wb, &Workbench::reset);
    QSignalSpy failed(&wb, &Workbench::connectionFailed);
    // Accepted connections close after the peer's FIN unless the listener keeps them half-open.
    ListenerOptions options;
    options.keepHalfOpen = true;
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb, options);
    QVERIFY2(!failure, failure);

    QVERIFY(raw->sendAll("last words"));
    raw->shutdownWrite();
    QTRY_COMPARE(emissionsFor(peerClosed, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::PeerClosed));
    // Everything before the FIN was recorded.
    QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("last words"));

    // After the peer's FIN we may still send.
    QVERIFY(wb.send(server, "still talking"));
    QCOMPARE(raw->readExactly(13), QByteArray("still talking"));

    wb.close(server);
    QByteArray rest;
    QCOMPARE(toText(raw->readToEnd(&rest)), toText(StreamEnd::Eof));
    QVERIFY(rest.isEmpty());
    QTRY_COMPARE(emissionsFor(closed, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Closed));
    QCOMPARE(emissionsFor(reset, server), 0);
    QCOMPARE(emissionsFor(failed, server), 0);
    QVERIFY(!wb.clientsOf(listener).contains(server));

    // forget() drops a final endpoint from the list but not its records; a live one stays.
    wb.forget(server);
    QVERIFY(!wb.endpoints().contains(server));
    QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("last words"));
    wb.forget(listener);
    QCOMPARE(stateOf(wb, listener), stateName(EndpointState::Listening));
}

void TestTcpClose::peerResetIsReset() {
    Workbench wb;
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy reset(&wb, &Workbench::reset);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    QVERIFY(raw->sendAll("abrupt"));
    QTRY_COMPARE(wb.journal().counters(server).bytesIn, quint64(6));

    raw->setLingerZero();
    raw->closeNow();
    QTRY_COMPARE(emissionsFor(reset, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Reset));
    QCOMPARE(emissionsFor(peerClosed, server), 0);
    QCOMPARE(emissionsFor(closed, server), 0);
    QVERIFY(!wb.clientsOf(listener).contains(server));
    // The listener is not affected.
    QCOMPARE(stateOf(wb, listener), stateName(EndpointState::Listening));
}

void TestTcpClose::outgoingConnectionTellsFinFromReset() {
    Workbench wb;
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy reset(&wb, &Workbench::reset);
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);

    const EndpointId graceful = connectAndWait(wb, rawListener->local());
    QVERIFY(graceful != 0);
    auto a = rawListener->accept();
    QVERIFY(a);
    const EndpointId abrupt = connectAndWait(wb, rawListener->local());
    QVERIFY(abrupt != 0);
    auto b = rawListener->accept();
    QVERIFY(b);

    a->closeNow();
    b->setLingerZero();
    b->closeNow();

    QTRY_COMPARE(emissionsFor(peerClosed, graceful), 1);
    QTRY_COMPARE(emissionsFor(reset, abrupt), 1);
    QCOMPARE(stateOf(wb, graceful), stateName(EndpointState::PeerClosed));
    QCOMPARE(stateOf(wb, abrupt), stateName(EndpointState::Reset));
    QCOMPARE(emissionsFor(reset, graceful), 0);
    QCOMPARE(emissionsFor(peerClosed, abrupt), 0);

    wb.close(graceful);
    QTRY_COMPARE(emissionsFor(closed, graceful), 1);
    QCOMPARE(stateOf(wb, graceful), stateName(EndpointState::Closed));
    QCOMPARE(emissionsFor(closed, abrupt), 0);
}

void TestTcpClose::closeIsGraceful() {
    Workbench wb;
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy reset(&wb, &Workbench::reset);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);

    // More than the socket buffers hold: close() must first drain the queue, then send FIN.
    const QByteArray bytes = pattern(8 * 1024 * 1024, 11);
    QByteArray received;
    StreamEnd end = StreamEnd::Error;
    raw->run([&] {
        end = raw->readToEnd(&received);
        raw->closeNow();
    });
    QVERIFY(wb.send(client, bytes));
    wb.close(client);
    QVERIFY(raw->wait());
    QCOMPARE(toText(end), toText(StreamEnd::Eof));
    QCOMPARE(received.size(), bytes.size());
    QVERIFY(received == bytes);

    QTRY_COMPARE(emissionsFor(closed, client), 1);
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Closed));
    QCOMPARE(emissionsFor(reset, client), 0);
    QCOMPARE(wb.journal().counters(client).bytesOut, quint64(bytes.size()));
    QVERIFY(!wb.send(client, "too late"));
}

void TestTcpClose::abortMakesThePeerSeeReset() {
    Workbench wb;
    QSignalSpy reset(&wb, &Workbench::reset);
    QSignalSpy closed(&wb, &Workbench::closed);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);

    QByteArray received;
    StreamEnd end = StreamEnd::Error;
    int error = 0;
    raw->run([&] {
        end = raw->readToEnd(&received);
        error = raw->lastErrno();
    });
    wb.abort(server);
    QVERIFY(raw->wait());
    QVERIFY2(end == StreamEnd::Reset, toText(end));
    QCOMPARE(error, ECONNRESET);
    QTRY_COMPARE(emissionsFor(reset, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Reset));
    QCOMPARE(emissionsFor(closed, server), 0);
}

void TestTcpClose::shutdownWriteHalfCloses() {
    Workbench wb;
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy reset(&wb, &Workbench::reset);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);

    QVERIFY(wb.send(client, "request"));
    wb.shutdownWrite(client);
    QByteArray received;
    QCOMPARE(toText(raw->readToEnd(&received)), toText(StreamEnd::Eof));
    QCOMPARE(received, QByteArray("request"));

    // Sending after our FIN is a user error: refused with a reason, and the connection lives on.
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    wb.send(client, "more");
    QTRY_COMPARE(emissionsFor(sendFailed, client), 1);
    QVERIFY(!textFor(sendFailed, client).isEmpty());
    QCOMPARE(wb.journal().counters(client).bytesOut, quint64(7));

    // Our side still receives.
    QVERIFY(!isFinal(wb.info(client).state));
    QVERIFY(raw->sendAll("response"));
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), QByteArray("response"));
    QVERIFY(!isFinal(wb.info(client).state));

    // Both ends have now sent FIN, in order.
    raw->closeNow();
    QTRY_COMPARE(stateOf(wb, client), stateName(EndpointState::Closed));
    QCOMPARE(emissionsFor(closed, client), 1);
    QCOMPARE(emissionsFor(reset, client), 0);
}

void TestTcpClose::closeOnListenerStopsIt() {
    Workbench wb;
    QSignalSpy stopped(&wb, &Workbench::listenerStopped);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    wb.close(listener);
    QTRY_COMPARE(emissionsFor(stopped, listener), 1);
    QCOMPARE(stateOf(wb, listener), stateName(EndpointState::Stopped));
    int error = 0;
    QVERIFY(!LoopbackPeer::connectTcp(at, &error));
    QCOMPARE(error, ECONNREFUSED);
}

void TestTcpClose::closeDoesNotWaitForeverForThePeersFin() {
    // The peer reads our FIN but never sends its own: close() may wait "briefly", not forever.
    Workbench wb;
    QSignalSpy closed(&wb, &Workbench::closed);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);

    QElapsedTimer timer;
    timer.start();
    wb.close(client);
    QByteArray rest;
    QCOMPARE(toText(raw->readToEnd(&rest)), toText(StreamEnd::Eof));
    QTRY_COMPARE_WITH_TIMEOUT(emissionsFor(closed, client), 1, 10000);
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Closed));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QStringLiteral("close took %1 ms").arg(timer.elapsed())));
}

void TestTcpClose::acceptedClosesAfterPeerFinByDefault() {
    // A client that is done talking is done: the server sends what is queued, then its FIN, and
    // leaves no socket behind in CLOSE-WAIT.
    Workbench wb;
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    QSignalSpy closed(&wb, &Workbench::closed);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    const int withServer = openFdCount();

    QVERIFY(raw->sendAll("bye"));
    raw->shutdownWrite();
    QByteArray rest;
    QCOMPARE(toText(raw->readToEnd(&rest)), toText(StreamEnd::Eof));
    QVERIFY(rest.isEmpty());
    QTRY_COMPARE(emissionsFor(closed, server), 1);
    QCOMPARE(emissionsFor(peerClosed, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Closed));
    QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("bye"));
    QTRY_COMPARE(openFdCount(), withServer - 1); // the server's socket is gone
    QVERIFY(!wb.clientsOf(listener).contains(server));

    // Outgoing connections are not affected: the user may still send.
    const auto [rawListener, client, rawEnd, clientFailure] = connectToRawListener(wb);
    QVERIFY2(!clientFailure, clientFailure);
    rawEnd->shutdownWrite();
    QTRY_COMPARE(emissionsFor(peerClosed, client), 1);
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::PeerClosed));
    QVERIFY(wb.send(client, "still here"));
    QCOMPARE(rawEnd->readExactly(10), QByteArray("still here"));
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::PeerClosed));
}

void TestTcpClose::keepHalfOpenStaysPeerClosed() {
    Workbench wb;
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    QSignalSpy closed(&wb, &Workbench::closed);
    ListenerOptions options;
    options.keepHalfOpen = true;
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb, options);
    QVERIFY2(!failure, failure);

    raw->shutdownWrite();
    QTRY_COMPARE(emissionsFor(peerClosed, server), 1);
    QVERIFY(wb.send(server, "answer"));
    QCOMPARE(raw->readExactly(6), QByteArray("answer"));
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::PeerClosed));
    QCOMPARE(emissionsFor(closed, server), 0);
    QVERIFY(wb.clientsOf(listener).contains(server));

    wb.close(server);
    QByteArray rest;
    QCOMPARE(toText(raw->readToEnd(&rest)), toText(StreamEnd::Eof));
    QTRY_COMPARE(emissionsFor(closed, server), 1);
}

void TestTcpClose::ourAbortAndThePeersResetAreToldApart() {
    // Both end in Reset; the window must tell them apart without parsing the detail text, as soon
    // as stateChanged() reports it.
    Workbench wb;
    QSignalSpy reset(&wb, &Workbench::reset);
    QHash<EndpointId, bool> byUsWhenReported;
    connect(
        &wb, &Workbench::stateChanged, this,
        [&](EndpointId id, EndpointState state) {
            if (state == EndpointState::Reset)
                byUsWhenReported.insert(id, wb.info(id).resetByUs);
        },
        Qt::DirectConnection);

    const auto [rawListener, aborted, abortedPeer, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);
    const auto [rawListener2, resetByPeer, resettingPeer, failure2] = connectToRawListener(wb);
    QVERIFY2(!failure2, failure2);
    QVERIFY(!wb.info(aborted).resetByUs);

    wb.abort(aborted);
    resettingPeer->setLingerZero();
    resettingPeer->closeNow();
    QTRY_COMPARE(emissionsFor(reset, aborted), 1);
    QTRY_COMPARE(emissionsFor(reset, resetByPeer), 1);
    QCOMPARE(byUsWhenReported.value(aborted, false), true);
    QCOMPARE(byUsWhenReported.value(resetByPeer, true), false);
    QVERIFY(wb.info(aborted).resetByUs);
    QVERIFY(!wb.info(resetByPeer).resetByUs);
}

SOCKBENCH_TEST_MAIN(TestTcpClose)
#include "tst_tcpclose.moc"
