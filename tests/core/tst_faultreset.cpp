// Fault matrix, resets: a peer that resets mid-transfer (SO_LINGER 0, or a peer process killed
// with SIGKILL) must show as Reset, the counters must equal what the kernel delivered, the bytes
// recorded must be exactly what was sent (a prefix of it when the reset cut the stream), and the
// Workbench must keep working afterwards.

#include "../helpers/faultutil.h"
#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <csignal>

using namespace sockbench;
using namespace sockbench::test;

class TestFaultReset final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void peerResetAfterDataKeepsExactCounters();
    void peerResetMidStreamRecordsAPrefix();
    void resetWhileWeSendReportsWhatLeft();
    void killedPeerProcessIsReset();
    void workbenchKeepsWorkingAfterManyResets();
    void bytesJustBeforeAResetAreRecorded();
};

namespace {

/// The last `queued` value bytesWritten reported for id; -1 if none.
qint64 lastQueued(const QSignalSpy &spy, EndpointId id) {
    qint64 queued = -1;
    for (const auto &args : spy) {
        if (args.at(0).value<EndpointId>() == id)
            queued = qint64(args.at(2).toULongLong());
    }
    return queued;
}

qint64 lastWritten(const QSignalSpy &spy, EndpointId id) {
    qint64 written = -1;
    for (const auto &args : spy) {
        if (args.at(0).value<EndpointId>() == id)
            written = qint64(args.at(1).toULongLong());
    }
    return written;
}

} // namespace

void TestFaultReset::peerResetAfterDataKeepsExactCounters() {
    Workbench wb;
    QSignalSpy reset(&wb, &Workbench::reset);
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy failed(&wb, &Workbench::connectionFailed);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);

    const QByteArray sent = pattern(MiB, 11);
    QVERIFY(raw->sendAll(sent));
    // Everything sent has reached us before the reset, so the count must be exact.
    QTRY_COMPARE(wb.journal().counters(server).bytesIn, quint64(sent.size()));
    raw->setLingerZero();
    raw->closeNow();

    QTRY_COMPARE(emissionsFor(reset, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Reset));
    QCOMPARE(wb.info(server).error, QStringLiteral("Connection reset by peer"));
    QVERIFY2(eventsOf(wb.journal(), server).contains(QStringLiteral("reset")),
             qPrintable(eventsOf(wb.journal(), server)));
    QCOMPARE(emissionsFor(closed, server), 0);
    QCOMPARE(emissionsFor(failed, server), 0);
    const Counters c = wb.journal().counters(server);
    QCOMPARE(c.bytesIn, quint64(sent.size()));
    QCOMPARE(c.bytesOut, quint64(0));
    QCOMPARE(sha256(streamOf(wb.journal(), server, RecordKind::DataIn)), sha256(sent));
    QVERIFY(!wb.clientsOf(listener).contains(server));
    QCOMPARE(stateOf(wb, listener), stateName(EndpointState::Listening));
}

void TestFaultReset::bytesJustBeforeAResetAreRecorded() {
    // The peer's last words and its RST arrive together: the words are in the kernel's buffer
    // when the error is seen, and must be read (and recorded) before the reset ends the stream.
    Workbench wb;
    ListenerOptions options;
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"), options);
    QVERIFY(at.isValid());
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    constexpr int Rounds = 20;
    std::vector<std::pair<EndpointId, QByteArray>> ends;
    for (int i = 0; i < Rounds; ++i) {
        std::unique_ptr<LoopbackPeer> raw = LoopbackPeer::connectTcp(at);
        QVERIFY(raw);
        const EndpointId server = waitAccepted(accepted, raw->local());
        QVERIFY(server != 0);
        const QByteArray words = "last words " + QByteArray::number(i) + "\n";
        QVERIFY(raw->sendAll(words));
        raw->setLingerZero();
        raw->closeNow();
        ends.emplace_back(server, words);
    }
    for (const auto &[server, words] : ends) {
        QTRY_VERIFY(isFinal(wb.info(server).state));
        QCOMPARE(stateOf(wb, server), stateName(EndpointState::Reset));
        QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), words);
    }
}

void TestFaultReset::peerResetMidStreamRecordsAPrefix() {
    Workbench wb;
    QSignalSpy reset(&wb, &Workbench::reset);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);

    // The peer streams until told to stop, then resets with whatever is still in flight.
    const QByteArray stream = pattern(64 * MiB, 12);
    std::atomic<bool> stop{false};
    qsizetype sentByPeer = 0;
    LoopbackPeer *peer = raw.get();
    raw->run([&, peer] {
        constexpr qsizetype Chunk = 64 * 1024;
        while (!stop.load() && sentByPeer + Chunk <= stream.size()) {
            if (!peer->sendAll(stream.constData() + sentByPeer, Chunk))
                break;
            sentByPeer += Chunk;
        }
        peer->setLingerZero();
        peer->closeNow();
    });
    QTRY_VERIFY(wb.journal().counters(server).bytesIn >= quint64(4 * MiB));
    stop = true;
    QVERIFY(raw->wait());

    QTRY_COMPARE(emissionsFor(reset, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Reset));
    const QByteArray recorded = streamOf(wb.journal(), server, RecordKind::DataIn);
    // Not one byte invented: the recorded stream is what the peer sent, cut where the reset cut it.
    QVERIFY2(recorded.size() <= sentByPeer,
             qPrintable(QStringLiteral("recorded %1, peer sent %2").arg(recorded.size()).arg(sentByPeer)));
    QVERIFY(recorded.size() >= 4 * MiB);
    QCOMPARE(sha256(recorded), sha256(stream.left(recorded.size())));
    // The counter is the recorded stream, byte for byte.
    QCOMPARE(wb.journal().counters(server).bytesIn, quint64(recorded.size()));
}

void TestFaultReset::resetWhileWeSendReportsWhatLeft() {
    Workbench wb;
    QSignalSpy reset(&wb, &Workbench::reset);
    QSignalSpy written(&wb, &Workbench::bytesWritten);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);

    const QByteArray payload = pattern(64 * MiB, 13);
    QVERIFY(wb.send(client, payload));
    // The peer reads the first MiB, then resets with the rest of our stream unread.
    const QByteArray head = raw->readExactly(MiB);
    QCOMPARE(head.size(), MiB);
    // Let the kernel buffers fill and the progress report catch up, so the reset hits a stuck queue.
    QTRY_VERIFY(lastWritten(written, client) > 0 &&
                quint64(lastWritten(written, client)) == wb.journal().counters(client).bytesOut);
    QVERIFY(lastQueued(written, client) > 0);
    raw->setLingerZero();
    raw->closeNow();

    QTRY_COMPARE(emissionsFor(reset, client), 1);
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Reset));
    QCOMPARE(sha256(head), sha256(payload.left(MiB)));

    const QByteArray out = streamOf(wb.journal(), client, RecordKind::DataOut);
    const Counters c = wb.journal().counters(client);
    // What we report as sent is what the kernel took: a prefix of the payload, at least what the
    // peer read, and never the whole 64 MiB (the peer's buffers cannot hold it).
    QCOMPARE(c.bytesOut, quint64(out.size()));
    QVERIFY(out.size() >= head.size());
    QVERIFY(out.size() < payload.size());
    QCOMPARE(sha256(out), sha256(payload.left(out.size())));
    // The progress signal agrees with the journal, and the queue shows empty: the rest was dropped.
    QTRY_COMPARE(lastWritten(written, client), qint64(out.size()));
    QTRY_COMPARE(lastQueued(written, client), qint64(0));
    QCOMPARE(wb.info(client).queuedBytes, quint64(0));
}

void TestFaultReset::killedPeerProcessIsReset() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy reset(&wb, &Workbench::reset);
    QSignalSpy closed(&wb, &Workbench::closed);
    QSignalSpy peerClosed(&wb, &Workbench::peerClosed);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());

    const qsizetype size = MiB;
    QProcess child;
    child.start(helperPath(QStringLiteral("faultpeer")),
                {at.ip, QString::number(at.port), QString::number(size)});
    QVERIFY2(child.waitForStarted(5000), qPrintable(child.errorString()));
    QTRY_COMPARE(accepted.size(), 1);
    const EndpointId server = accepted.at(0).at(0).value<EndpointId>();
    QTRY_VERIFY(child.canReadLine());
    QCOMPARE(child.readLine().trimmed(), QByteArray("sent ") + QByteArray::number(size));
    QTRY_COMPARE(wb.journal().counters(server).bytesIn, quint64(size));

    // Bytes the child never reads: when it dies, the kernel closes its socket with them unread
    // and answers with a reset.
    const QByteArray unread = pattern(64 * 1024, 14);
    QVERIFY(wb.send(server, unread));
    QTRY_COMPARE(wb.journal().counters(server).bytesOut, quint64(unread.size()));
    ::kill(pid_t(child.processId()), SIGKILL);
    QVERIFY(child.waitForFinished(5000));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);

    QTRY_COMPARE(emissionsFor(reset, server), 1);
    QCOMPARE(stateOf(wb, server), stateName(EndpointState::Reset));
    QCOMPARE(emissionsFor(closed, server), 0);
    QCOMPARE(emissionsFor(peerClosed, server), 0);
    const Counters c = wb.journal().counters(server);
    QCOMPARE(c.bytesIn, quint64(size));
    QCOMPARE(c.bytesOut, quint64(unread.size()));
    QCOMPARE(sha256(streamOf(wb.journal(), server, RecordKind::DataIn)), sha256(pattern(size)));
    QCOMPARE(streamOf(wb.journal(), server, RecordKind::DataOut), unread);
}

void TestFaultReset::workbenchKeepsWorkingAfterManyResets() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy reset(&wb, &Workbench::reset);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());

    // Fifty peers reset at once, some while we are sending to them.
    constexpr int Peers = 50;
    std::vector<std::unique_ptr<LoopbackPeer>> peers;
    for (int i = 0; i < Peers; ++i) {
        peers.push_back(LoopbackPeer::connectTcp(at));
        QVERIFY(peers.back());
    }
    QTRY_COMPARE(accepted.size(), Peers);
    const int busy = wb.sendToAllClients(listener, pattern(2 * MiB, 15));
    QCOMPARE(busy, Peers);
    for (auto &p : peers) {
        p->setLingerZero();
        p->closeNow();
    }
    QTRY_COMPARE(reset.size(), Peers);
    QVERIFY(wb.clientsOf(listener).isEmpty());

    // Still listening, and a new client is served byte for byte in both directions.
    QCOMPARE(stateOf(wb, listener), stateName(EndpointState::Listening));
    auto fresh = LoopbackPeer::connectTcp(at);
    QVERIFY(fresh);
    const EndpointId server = waitAccepted(accepted, fresh->local());
    QVERIFY(server != 0);
    QVERIFY(fresh->sendAll("after the storm"));
    QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("after the storm"));
    QVERIFY(wb.send(server, "still standing"));
    QCOMPARE(fresh->readExactly(14), QByteArray("still standing"));
}

SOCKBENCH_TEST_MAIN(TestFaultReset)
#include "tst_faultreset.moc"
