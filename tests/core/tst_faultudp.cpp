// Fault matrix, UDP: a datagram larger than our receive buffer is recorded as truncated (with its
// real length), never silently cut; datagrams from many senders are each attributed to the right
// sender, and none is lost or invented.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestFaultUdp final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void oversizedDatagramIsReportedTruncated();
    void largestDatagramArrivesWhole();
    void manySendersAreAttributedRight();
};

void TestFaultUdp::oversizedDatagramIsReportedTruncated() {
    Workbench wb;
    UdpOptions options;
    options.maxDatagramBytes = 512;
    EndpointId udp = 0;
    const NetAddress at = bindAndWait(wb, &udp, QStringLiteral("127.0.0.1"), options);
    QVERIFY(at.isValid());
    auto sender = LoopbackPeer::bindUdp();
    QVERIFY(sender);

    const QByteArray big = pattern(2000, 41);
    QVERIFY(sender->sendTo(at, big));
    QVERIFY(sender->sendTo(at, "small after big"));
    QVERIFY(sender->sendTo(at, QByteArray()));
    QTRY_COMPARE(recordsOf(wb.journal(), udp, RecordKind::DataIn).size(), size_t(3));

    const std::vector<Record> in = recordsOf(wb.journal(), udp, RecordKind::DataIn);
    const Record &cut = in[0];
    QVERIFY(cut.isTruncated());
    QCOMPARE(cut.length, quint32(512));
    QCOMPARE(cut.originalLength, quint32(2000));
    QCOMPARE(cut.payload, big.left(512));
    QCOMPARE(cut.peer, sender->local());
    // The next datagram is whole and not marked: the truncation did not spill over.
    QVERIFY(!in[1].isTruncated());
    QCOMPARE(in[1].payload, QByteArray("small after big"));
    QCOMPARE(in[1].originalLength, in[1].length);
    // An empty datagram is a datagram: recorded, with no bytes.
    QVERIFY(!in[2].isTruncated());
    QCOMPARE(in[2].length, quint32(0));
    QCOMPARE(in[2].peer, sender->local());

    const Counters c = wb.journal().counters(udp);
    QCOMPARE(c.datagramsIn, quint64(3));
    // Counters count the bytes that arrived on the wire, including the part not kept.
    QCOMPARE(c.bytesIn, quint64(2000 + 15));
    QCOMPARE(stateOf(wb, udp), stateName(EndpointState::Bound));
}

void TestFaultUdp::largestDatagramArrivesWhole() {
    Workbench wb;
    EndpointId udp = 0;
    const NetAddress at = bindAndWait(wb, &udp);
    QVERIFY(at.isValid());
    auto sender = LoopbackPeer::bindUdp();
    QVERIFY(sender);
    const int sendBuffer = 1 << 20;
    ::setsockopt(sender->fd(), SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);

    const QByteArray largest = pattern(65507, 42); // the IPv4 maximum
    QVERIFY(sender->sendTo(at, largest));
    QTRY_COMPARE(wb.journal().counters(udp).datagramsIn, quint64(1));
    const std::vector<Record> in = recordsOf(wb.journal(), udp, RecordKind::DataIn);
    QCOMPARE(in.size(), size_t(1));
    QVERIFY(!in[0].isTruncated());
    QCOMPARE(in[0].length, quint32(largest.size()));
    QCOMPARE(sha256(in[0].payload), sha256(largest));
}

void TestFaultUdp::manySendersAreAttributedRight() {
    constexpr int Senders = 64;
    constexpr int Rounds = 16;
    Workbench wb;
    EndpointId udp = 0;
    const NetAddress at = bindAndWait(wb, &udp);
    QVERIFY(at.isValid());
    std::vector<std::unique_ptr<LoopbackPeer>> senders;
    QHash<QString, int> senderOf; // "ip:port" -> index
    for (int i = 0; i < Senders; ++i) {
        senders.push_back(LoopbackPeer::bindUdp());
        QVERIFY(senders.back());
        senderOf.insert(senders.back()->local().toString(), i);
    }
    QCOMPARE(senderOf.size(), Senders);

    // Round by round, all senders interleaved; each round is waited for, so a small receive
    // buffer on a test machine cannot drop datagrams and blur what is checked.
    auto datagram = [](int sender, int round) {
        return QByteArray("sender ") + QByteArray::number(sender) + " round " + QByteArray::number(round) +
               ' ' + pattern(1 + (sender * 37 + round * 11) % 700, quint64(sender * 1000 + round));
    };
    for (int round = 0; round < Rounds; ++round) {
        for (int i = 0; i < Senders; ++i)
            QVERIFY(senders[size_t(i)]->sendTo(at, datagram(i, round)));
        QTRY_COMPARE(wb.journal().counters(udp).datagramsIn, quint64((round + 1) * Senders));
    }

    const std::vector<Record> in = recordsOf(wb.journal(), udp, RecordKind::DataIn);
    QCOMPARE(in.size(), size_t(Senders * Rounds));
    QList<int> nextRound(Senders, 0);
    quint64 bytes = 0;
    for (const Record &r : in) {
        QVERIFY2(senderOf.contains(r.peer.toString()), qPrintable(r.peer.toString()));
        const int i = senderOf.value(r.peer.toString());
        // Each sender's datagrams arrive in its own order, attributed to it, byte for byte.
        QCOMPARE(r.payload, datagram(i, nextRound[i]));
        ++nextRound[i];
        bytes += r.length;
        QVERIFY(!r.isTruncated());
    }
    for (int i = 0; i < Senders; ++i)
        QCOMPARE(nextRound[i], Rounds);
    QCOMPARE(wb.journal().counters(udp).bytesIn, bytes);
}

SOCKBENCH_TEST_MAIN(TestFaultUdp)
#include "tst_faultudp.moc"
