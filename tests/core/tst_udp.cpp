// UDP through the Workbench: each datagram is one record with its sender, boundaries are kept,
// oversized datagrams are recorded as truncated, and failures are reported. Checked with raw sockets.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace sockbench;
using namespace sockbench::test;

namespace {

/// A bound Workbench UDP socket and a raw UDP peer on the same host, the start of most tests here.
struct BoundWithRawPeer {
    EndpointId id = 0;
    NetAddress local; ///< where the Workbench socket is bound
    std::unique_ptr<LoopbackPeer> raw;
    /// The step that went wrong, for QVERIFY2(!failure, failure); null when every step worked.
    const char *failure = nullptr;
};

BoundWithRawPeer bindWithRawPeer(Workbench &wb, const QString &host = QStringLiteral("127.0.0.1"),
                                 const UdpOptions &options = {}) {
    BoundWithRawPeer out;
    out.local = bindAndWait(wb, &out.id, host, options);
    if (!out.local.isValid()) {
        out.failure = "the Workbench UDP socket did not bind";
        return out;
    }
    out.raw = LoopbackPeer::bindUdp(host);
    if (!out.raw)
        out.failure = "the raw UDP peer could not bind";
    return out;
}

/// Sizes 1..1400, first 1 and last 1400, the rest scattered between.
qsizetype datagramSize(int i, int count) {
    if (i == 0)
        return 1;
    if (i == count - 1)
        return 1400;
    return 1 + (qsizetype(i) * 317) % 1400;
}

} // namespace

class TestUdp final : public QObject {
    Q_OBJECT

public:
    TestUdp() = default;
    Q_DISABLE_COPY_MOVE(TestUdp)

private Q_SLOTS:
    void bindReportsPortAndCloses();
    void receiveRecordsTheSender();
    void sendDatagramReachesThePeer();
    void boundariesArePreserved();
    void ipv6Loopback();
    void oversizedDatagramIsRecordedTruncated();
    void echoSendsDatagramsBack();
    void workbenchToWorkbench();
    void sendFromUnknownSocketFails();
    void datagramTooLargeToSendFails();
    void datagramLimitIsTheWorkbenchs();
    void bindToTakenPortFails();
    void sendToUnresolvableHostFails();
    void sendToHostNameKeepsTheSocketBound();
};

void TestUdp::bindReportsPortAndCloses() {
    Workbench wb;
    QSignalSpy bound(&wb, &Workbench::udpBound);
    QSignalSpy closed(&wb, &Workbench::closed);
    const EndpointId id = wb.bindUdp(QStringLiteral("127.0.0.1"), 0);
    QVERIFY(id != 0);
    QTRY_COMPARE(emissionsFor(bound, id), 1);
    const NetAddress local = bound.constFirst().at(1).value<NetAddress>();
    QCOMPARE(local.ip, QStringLiteral("127.0.0.1"));
    QVERIFY(local.port != 0);
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Bound));
    QVERIFY(wb.info(id).kind == EndpointKind::UdpSocket);
    QCOMPARE(wb.info(id).local, local);

    wb.close(id);
    QTRY_COMPARE(emissionsFor(closed, id), 1);
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Closed));
    // The port is free again.
    auto raw = LoopbackPeer::bindUdp();
    QVERIFY(raw);
}

void TestUdp::receiveRecordsTheSender() {
    Workbench wb;
    const auto [id, local, raw, failure] = bindWithRawPeer(wb);
    QVERIFY2(!failure, failure);

    QVERIFY(raw->sendTo(local, "hello udp"));
    QTRY_COMPARE(wb.journal().counters(id).datagramsIn, quint64(1));
    const auto in = recordsOf(wb.journal(), id, RecordKind::DataIn);
    QCOMPARE(in.size(), size_t(1));
    QCOMPARE(in[0].payload, QByteArray("hello udp"));
    QCOMPARE(in[0].peer, raw->local());
    QCOMPARE(in[0].length, quint32(9));
    QCOMPARE(in[0].originalLength, quint32(9));
    QVERIFY(!in[0].isTruncated());
    const Counters c = wb.journal().counters(id);
    QCOMPARE(c.bytesIn, quint64(9));
    QCOMPARE(c.chunksIn, quint64(1));
    QCOMPARE(c.datagramsOut, quint64(0));
}

void TestUdp::sendDatagramReachesThePeer() {
    Workbench wb;
    const auto [id, local, raw, failure] = bindWithRawPeer(wb);
    QVERIFY2(!failure, failure);

    QVERIFY(wb.sendDatagram(id, raw->local().ip, raw->local().port, "reply"));
    NetAddress from;
    QCOMPARE(raw->receiveFrom(&from), QByteArray("reply"));
    QCOMPARE(from, local);
    QTRY_COMPARE(wb.journal().counters(id).datagramsOut, quint64(1));
    QCOMPARE(wb.journal().counters(id).bytesOut, quint64(5));
    const auto out = recordsOf(wb.journal(), id, RecordKind::DataOut);
    QCOMPARE(out.size(), size_t(1));
    QCOMPARE(out[0].payload, QByteArray("reply"));
    QCOMPARE(out[0].peer, raw->local());

    // An empty datagram is a datagram too.
    QVERIFY(wb.sendDatagram(id, raw->local().ip, raw->local().port, QByteArray()));
    QCOMPARE(raw->receiveFrom(), QByteArray(""));
    QTRY_COMPARE(wb.journal().counters(id).datagramsOut, quint64(2));
}

void TestUdp::boundariesArePreserved() {
    constexpr int Count = 100;
    Workbench wb;
    const auto [id, local, raw, failure] = bindWithRawPeer(wb);
    QVERIFY2(!failure, failure);

    quint64 total = 0;
    for (int i = 0; i < Count; ++i) {
        QVERIFY(raw->sendTo(local, pattern(datagramSize(i, Count), quint64(i) + 1)));
        total += quint64(datagramSize(i, Count));
    }
    QTRY_COMPARE(wb.journal().counters(id).datagramsIn, quint64(Count));
    QCOMPARE(wb.journal().counters(id).bytesIn, total);
    const auto in = recordsOf(wb.journal(), id, RecordKind::DataIn);
    QCOMPARE(int(in.size()), Count);
    for (int i = 0; i < Count; ++i) {
        QCOMPARE(qsizetype(in[i].length), datagramSize(i, Count));
        QVERIFY2(in[i].payload == pattern(datagramSize(i, Count), quint64(i) + 1),
                 qPrintable(QString::number(i)));
        QCOMPARE(in[i].peer, raw->local());
    }

    // And the other way.
    for (int i = 0; i < Count; ++i)
        QVERIFY(wb.sendDatagram(id, raw->local().ip, raw->local().port,
                                pattern(datagramSize(i, Count), 500 + i)));
    for (int i = 0; i < Count; ++i) {
        NetAddress from;
        const QByteArray datagram = raw->receiveFrom(&from);
        QCOMPARE(datagram.size(), datagramSize(i, Count));
        QVERIFY2(datagram == pattern(datagramSize(i, Count), 500 + i), qPrintable(QString::number(i)));
        QCOMPARE(from, local);
    }
    QTRY_COMPARE(wb.journal().counters(id).datagramsOut, quint64(Count));
    QCOMPARE(wb.journal().counters(id).bytesOut, total);
    QCOMPARE(int(recordsOf(wb.journal(), id, RecordKind::DataOut, false).size()), Count);
}

void TestUdp::ipv6Loopback() {
    if (!hasIpv6Loopback())
        QSKIP("this machine has no IPv6 loopback (cannot bind ::1)");
    Workbench wb;
    const auto [id, local, raw, failure] = bindWithRawPeer(wb, QStringLiteral("::1"));
    QVERIFY2(!failure, failure);
    QCOMPARE(local.ip, QStringLiteral("::1"));

    QVERIFY(raw->sendTo(local, "v6 in"));
    QTRY_COMPARE(wb.journal().counters(id).datagramsIn, quint64(1));
    const auto in = recordsOf(wb.journal(), id, RecordKind::DataIn);
    QCOMPARE(in.at(0).payload, QByteArray("v6 in"));
    QCOMPARE(in.at(0).peer, raw->local());
    QVERIFY(in.at(0).peer.isV6());

    QVERIFY(wb.sendDatagram(id, QStringLiteral("::1"), raw->local().port, "v6 out"));
    NetAddress from;
    QCOMPARE(raw->receiveFrom(&from), QByteArray("v6 out"));
    QCOMPARE(from, local);
}

void TestUdp::oversizedDatagramIsRecordedTruncated() {
    Workbench wb;
    UdpOptions options;
    options.maxDatagramBytes = 1000;
    const auto [id, local, raw, failure] = bindWithRawPeer(wb, QStringLiteral("127.0.0.1"), options);
    QVERIFY2(!failure, failure);

    const QByteArray big = pattern(3000, 3);
    QVERIFY(raw->sendTo(local, big));
    QVERIFY(raw->sendTo(local, pattern(1000, 4))); // exactly the limit: whole
    QVERIFY(raw->sendTo(local, "small"));
    QTRY_COMPARE(wb.journal().counters(id).datagramsIn, quint64(3));
    const auto in = recordsOf(wb.journal(), id, RecordKind::DataIn);
    QCOMPARE(in.size(), size_t(3));

    QVERIFY(in[0].isTruncated());
    QCOMPARE(in[0].length, quint32(1000));
    QCOMPARE(in[0].originalLength, quint32(3000));
    QCOMPARE(in[0].payload, big.left(1000));
    QCOMPARE(in[0].peer, raw->local());

    QVERIFY(!in[1].isTruncated());
    QCOMPARE(in[1].length, quint32(1000));
    QCOMPARE(in[1].originalLength, quint32(1000));
    QCOMPARE(in[1].payload, pattern(1000, 4));

    QVERIFY(!in[2].isTruncated());
    QCOMPARE(in[2].payload, QByteArray("small"));
    QCOMPARE(in[2].originalLength, quint32(5));
}

void TestUdp::echoSendsDatagramsBack() {
    Workbench wb;
    UdpOptions options;
    options.echo = true;
    const auto [id, local, raw, failure] = bindWithRawPeer(wb, QStringLiteral("127.0.0.1"), options);
    QVERIFY2(!failure, failure);

    QVERIFY(raw->sendTo(local, "marco"));
    QVERIFY(raw->sendTo(local, "polo!!"));
    NetAddress from;
    QCOMPARE(raw->receiveFrom(&from), QByteArray("marco"));
    QCOMPARE(from, local);
    QCOMPARE(raw->receiveFrom(&from), QByteArray("polo!!"));
    QTRY_COMPARE(wb.journal().counters(id).datagramsOut, quint64(2));
    QCOMPARE(wb.journal().counters(id).bytesOut, quint64(11));
    const auto out = recordsOf(wb.journal(), id, RecordKind::DataOut);
    QCOMPARE(out.size(), size_t(2));
    QCOMPARE(out[0].peer, raw->local());
}

void TestUdp::workbenchToWorkbench() {
    Workbench wb;
    EndpointId a = 0;
    EndpointId b = 0;
    const NetAddress atA = bindAndWait(wb, &a);
    const NetAddress atB = bindAndWait(wb, &b);
    QVERIFY(atA.isValid() && atB.isValid());
    QVERIFY(a != b);

    QVERIFY(wb.sendDatagram(a, atB.ip, atB.port, "a to b"));
    QTRY_COMPARE(wb.journal().counters(b).datagramsIn, quint64(1));
    const auto in = recordsOf(wb.journal(), b, RecordKind::DataIn);
    QCOMPARE(in.at(0).payload, QByteArray("a to b"));
    QCOMPARE(in.at(0).peer, atA);
    // The sender's reactor records the send after sendto() returns, possibly after the receiving
    // reactor recorded the arrival: wait for it rather than race it.
    QTRY_COMPARE(wb.journal().counters(a).datagramsOut, quint64(1));
    QCOMPARE(wb.journal().counters(a).datagramsIn, quint64(0));
    QCOMPARE(wb.journal().counters(b).datagramsOut, quint64(0));
}

void TestUdp::sendFromUnknownSocketFails() {
    Workbench wb;
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    auto raw = LoopbackPeer::bindUdp();
    QVERIFY(raw);
    const Workbench::SendResult refused = wb.sendDatagram(31337, raw->local().ip, raw->local().port, "nope");
    QCOMPARE(refused.refusal, QStringLiteral("No such UDP socket"));
    QTRY_COMPARE(emissionsFor(sendFailed, 31337), 1);
    QCOMPARE(textFor(sendFailed, 31337), refused.refusal);
    QCOMPARE(wb.journal().totals().datagramsOut, quint64(0));
}

void TestUdp::datagramTooLargeToSendFails() {
    Workbench wb;
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    const auto [id, local, raw, failure] = bindWithRawPeer(wb);
    QVERIFY2(!failure, failure);

    // Larger than any IPv4 UDP datagram can be: the kernel refuses it, and the user must hear why.
    const bool accepted = bool(wb.sendDatagram(id, raw->local().ip, raw->local().port, pattern(70000, 9)));
    QTRY_COMPARE(emissionsFor(sendFailed, id), 1);
    Q_UNUSED(accepted)
    QVERIFY(!textFor(sendFailed, id).isEmpty());
    QCOMPARE(wb.journal().counters(id).datagramsOut, quint64(0));
    QCOMPARE(wb.journal().counters(id).bytesOut, quint64(0));
    // The socket survives.
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Bound));
    QVERIFY(wb.sendDatagram(id, raw->local().ip, raw->local().port, "fine"));
    QCOMPARE(raw->receiveFrom(), QByteArray("fine"));
}

void TestUdp::datagramLimitIsTheWorkbenchs() {
    Workbench wb;
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    const auto [id, local, raw, failure] = bindWithRawPeer(wb);
    QVERIFY2(!failure, failure);

    // One byte over the limit is refused at the call, before any lookup or syscall.
    QVERIFY(
        !wb.sendDatagram(id, raw->local().ip, raw->local().port, pattern(MaxDatagramPayloadBytes + 1, 3)));
    QCOMPARE(emissionsFor(sendFailed, id), 1);
    QVERIFY(textFor(sendFailed, id).contains(QString::number(MaxDatagramPayloadBytes)));
    // The limit itself goes out whole.
    const QByteArray largest = pattern(MaxDatagramPayloadBytes, 4);
    QVERIFY(wb.sendDatagram(id, raw->local().ip, raw->local().port, largest));
    QCOMPARE(raw->receiveFrom(), largest);
    QCOMPARE(emissionsFor(sendFailed, id), 1);
}

void TestUdp::bindToTakenPortFails() {
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::udpFailed);
    auto occupant = LoopbackPeer::bindUdp();
    QVERIFY(occupant);
    const EndpointId id = wb.bindUdp(QStringLiteral("127.0.0.1"), occupant->local().port);
    QTRY_COMPARE(emissionsFor(failed, id), 1);
    const QString reason = textFor(failed, id);
    QVERIFY2(reason.contains(QStringLiteral("in use"), Qt::CaseInsensitive), qPrintable(reason));
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
}

void TestUdp::sendToUnresolvableHostFails() {
    auto resolver = std::make_shared<FailingResolver>();
    WorkbenchConfig config;
    config.resolver = resolver;
    Workbench wb(config);
    QSignalSpy sendFailed(&wb, &Workbench::sendFailed);
    EndpointId id = 0;
    QVERIFY(bindAndWait(wb, &id).isValid());

    const bool accepted = bool(wb.sendDatagram(id, QStringLiteral("no.such.host.invalid"), 9, "lost"));
    Q_UNUSED(accepted) // the lookup runs off this thread, so the failure may only come as a signal
    QTRY_COMPARE(emissionsFor(sendFailed, id), 1);
    const QString reason = textFor(sendFailed, id);
    QVERIFY2(reason.contains(FailingResolver::Message), qPrintable(reason));
    QCOMPARE(resolver->hosts(), QStringList{QStringLiteral("no.such.host.invalid")});
    QCOMPARE(wb.journal().counters(id).datagramsOut, quint64(0));
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Bound));
}

void TestUdp::sendToHostNameKeepsTheSocketBound() {
    // A datagram's destination lookup belongs to that datagram, not to the socket's state.
    Workbench wb;
    QSignalSpy states(&wb, &Workbench::stateChanged);
    QSignalSpy grew(&wb, &Workbench::journalGrew);
    const auto [id, local, raw, failure] = bindWithRawPeer(wb);
    QVERIFY2(!failure, failure);
    states.clear();

    QVERIFY(wb.sendDatagram(id, QStringLiteral("localhost"), raw->local().port, "by name"));
    QCOMPARE(raw->receiveFrom(), QByteArray("by name"));
    QTRY_COMPARE(wb.journal().counters(id).datagramsOut, quint64(1));
    // Signals the reactor queued before recording the datagram have been delivered once the
    // announcement of that record has.
    const quint64 recorded = wb.journal().count();
    QTRY_VERIFY(!grew.isEmpty() && grew.constLast().at(0).value<quint64>() >= recorded);
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Bound));
    QCOMPARE(emissionsFor(states, id), 0);
}

SOCKBENCH_TEST_MAIN(TestUdp)
#include "tst_udp.moc"
