// The encapsulations the capture reader opens (the fixtures of tests/data/ that
// make_encapsulated.py makes: see tests/data/README.md), IPv4 datagrams put back together from
// their fragments, and what the reader says about what it does not open. tst_capturefile's
// matchesTshark holds every fixture to tshark's stream numbers and bytes.

#include "capture/capturefile.h"
#include "capture/ipfragments.h"
#include "capturerecords.h"
#include "testfiles.h"
#include "testmain.h"

#include <QRandomGenerator>
#include <QTest>
#include <QtEndian>

using namespace sockbench;
using namespace sockbench::test;
using capture::IpFragments;

namespace {

QByteArray be16(int value) {
    QByteArray out(2, '\0');
    qToBigEndian(quint16(value), out.data());
    return out;
}

QByteArray ipv4Address(const char *text) {
    QByteArray out;
    for (const QByteArray &part : QByteArray(text).split('.'))
        out.append(char(part.toInt()));
    return out;
}

/// An IPv4 header (no options, checksum left 0: the reader does not check it) and its payload.
QByteArray ipv4(const char *src, const char *dst, int protocol, const QByteArray &payload, int id = 1,
                int fragment = 0) {
    return QByteArray::fromHex("4500") + be16(20 + int(payload.size())) + be16(id) + be16(fragment) +
           char(64) + char(protocol) + be16(0) + ipv4Address(src) + ipv4Address(dst) + payload;
}

QByteArray udp(int srcPort, int dstPort, const QByteArray &payload) {
    return be16(srcPort) + be16(dstPort) + be16(8 + int(payload.size())) + be16(0) + payload;
}

QByteArray ethernet(int etherType, const QByteArray &payload) {
    return QByteArray::fromHex("020000000002020000000001") + be16(etherType) + payload;
}

/// A little-endian microsecond pcap of `frames`, link type `linkType`.
QByteArray pcap(const QList<QByteArray> &frames, quint32 linkType = 1) {
    QByteArray out = QByteArray::fromHex("d4c3b2a1020004000000000000000000ffff0000");
    QByteArray link(4, '\0');
    qToLittleEndian(linkType, link.data());
    out += link;
    quint32 second = 1700000000;
    for (const QByteArray &frame : frames) {
        QByteArray header(16, '\0');
        qToLittleEndian(second++, header.data());
        qToLittleEndian(quint32(frame.size()), header.data() + 8);
        qToLittleEndian(quint32(frame.size()), header.data() + 12);
        out += header + frame;
    }
    return out;
}

std::unique_ptr<CaptureFile> read(const QByteArray &bytes) {
    QString error;
    auto capture = readCapture(MappedFile::fromBytes(bytes), &error);
    if (!capture)
        qWarning("%s", qPrintable(error));
    return capture;
}

QByteArray steppedBytes(int length, int step, int start = 0) {
    QByteArray out(length, '\0');
    for (int i = 0; i < length; ++i)
        out[i] = char((i * step + start) & 0xff);
    return out;
}

} // namespace

class TestCaptureEncap : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tunnels_data();
    void tunnels();
    void fragments_data();
    void fragments();
    void fragmentPieces();
    void fragmentBounds();
    void incompleteFragments();
    void undecoded();
    void nestingLimit();
    void damagedTunnels();
};

void TestCaptureEncap::tunnels_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("tcpStreams");
    QTest::addColumn<int>("udpStreams");
    QTest::addColumn<QString>("tcpClient"); ///< tcp.stream 0's ends
    QTest::addColumn<QString>("tcpServer");
    QTest::addColumn<QString>("udpClient"); ///< the last udp.stream's ends
    QTest::addColumn<QString>("udpServer");
    QTest::addColumn<int>("skipped");
    QTest::newRow("qinq-pppoe") << "qinq-pppoe.pcap" << 1 << 1 << "192.0.2.10:50000"
                                << "198.51.100.20:80"
                                << "[2001:db8:1::10]:40000"
                                << "[2001:db8:2::53]:9053" << 2;
    QTest::newRow("mpls") << "mpls.pcap" << 1 << 1 << "10.1.0.1:51000"
                          << "10.2.0.2:443"
                          << "[2001:db8::a]:41000"
                          << "[2001:db8::b]:9353" << 0;
    QTest::newRow("gre-v4") << "gre-v4.pcap" << 1 << 1 << "172.16.0.1:52000"
                            << "172.16.0.2:8080"
                            << "192.168.7.1:42000"
                            << "192.168.7.2:9999" << 0;
    QTest::newRow("gre-v6") << "gre-v6.pcap" << 1 << 1 << "[2001:db8:10::1]:53000"
                            << "[2001:db8:20::2]:9022"
                            << "[2001:db8:30::1]:43000"
                            << "[2001:db8:40::2]:9123" << 0;
    QTest::newRow("ipip") << "ipip.pcap" << 1 << 0 << "172.20.0.1:54000"
                          << "172.20.0.2:25"
                          << ""
                          << "" << 0;
    QTest::newRow("6in4") << "6in4.pcap" << 2 << 1 << "[2001:db8:6::1]:55000"
                          << "[2001:db8:4::2]:80"
                          << "192.0.2.1:44000"
                          << "203.0.113.53:9153" << 0;
    QTest::newRow("ip6ip6") << "ip6ip6.pcap" << 1 << 1 << "[2001:db8:66::1]:56000"
                            << "[2001:db8:66::2]:8443"
                            << "172.30.0.1:45000"
                            << "172.30.0.2:9514" << 0;
    // The tunnel's own datagrams are udp.stream 0 and 1 (one per tunnel end), as in Wireshark.
    QTest::newRow("vxlan") << "vxlan.pcap" << 1 << 3 << "192.168.50.1:57000"
                           << "192.168.50.2:6379"
                           << "192.168.50.1:46000"
                           << "192.168.50.3:9161" << 0;
}

void TestCaptureEncap::tunnels() {
    QFETCH(QString, file);
    QFETCH(int, tcpStreams);
    QFETCH(int, udpStreams);
    QFETCH(QString, tcpClient);
    QFETCH(QString, tcpServer);
    QFETCH(QString, udpClient);
    QFETCH(QString, udpServer);
    QFETCH(int, skipped);
    QString error;
    auto capture = readCapture(dataFile(file), &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY2(capture->warnings.isEmpty(), qPrintable(capture->warnings.join(u'\n')));
    QCOMPARE(capture->skippedPackets, quint64(skipped));
    QCOMPARE(capture->streams.size(), tcpStreams + udpStreams);
    // Nothing was put back together: the file is the one mapped, and records point into it.
    QCOMPARE(capture->file->size(), quint64(readFileBytes(dataFile(file)).size()));

    const int tcp = capture->findStream(CaptureProtocol::Tcp, 0);
    QVERIFY(tcp >= 0);
    const CaptureStream &s = capture->streams[tcp];
    QCOMPARE(s.client.toString(), tcpClient);
    QCOMPARE(s.server.toString(), tcpServer);
    QVERIFY(s.endState == EndpointState::Closed);
    QCOMPARE(s.endDetail, QString());
    QCOMPARE(streamBytes(*capture, tcp, RecordKind::DataOut), QByteArray("hello server\nbye\n"));
    QCOMPARE(streamBytes(*capture, tcp, RecordKind::DataIn), QByteArray("hello client\n"));

    if (udpStreams == 0)
        return;
    const int udp = capture->findStream(CaptureProtocol::Udp, udpStreams - 1);
    QVERIFY(udp >= 0);
    QCOMPARE(capture->streams[udp].client.toString(), udpClient);
    QCOMPARE(capture->streams[udp].server.toString(), udpServer);
    QCOMPARE(datagrams(*capture, udp, RecordKind::DataOut), (QList<QByteArray>{"ping 1", "ping 2"}));
    QCOMPARE(datagrams(*capture, udp, RecordKind::DataIn), (QList<QByteArray>{"pong 1", "pong 2"}));
}

void TestCaptureEncap::fragments_data() {
    // Both homes of the bytes put back together: after a mapped file, after bytes in memory.
    QTest::addColumn<bool>("mapped");
    QTest::newRow("mapped file") << true;
    QTest::newRow("bytes in memory") << false;
}

void TestCaptureEncap::fragments() {
    QFETCH(bool, mapped);
    const QByteArray original = readFileBytes(dataFile(QStringLiteral("fragments.pcap")));
    QString error;
    auto capture = mapped ? readCapture(dataFile(QStringLiteral("fragments.pcap")), &error) : read(original);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY2(capture->warnings.isEmpty(), qPrintable(capture->warnings.join(u'\n')));
    QCOMPARE(capture->skippedPackets, 0u);
    QCOMPARE(capture->streams.size(), 4);

    // udp.stream 0: the datagram captured between two fragments of the next one.
    QCOMPARE(datagrams(*capture, capture->findStream(CaptureProtocol::Udp, 0), RecordKind::DataOut),
             QList<QByteArray>{"between"});
    // udp.stream 1: 3,000 bytes in three fragments, whole again.
    const int big = capture->findStream(CaptureProtocol::Udp, 1);
    QCOMPARE(datagrams(*capture, big, RecordKind::DataOut), QList<QByteArray>{steppedBytes(3000, 7, 1)});
    QCOMPARE(datagrams(*capture, big, RecordKind::DataIn), QList<QByteArray>{"got it"});
    // tcp.stream 0: a 2,000-byte segment in three fragments captured last first.
    const int tcp = capture->findStream(CaptureProtocol::Tcp, 0);
    QCOMPARE(streamBytes(*capture, tcp, RecordKind::DataOut), steppedBytes(2000, 13) + "bye\n");
    QCOMPARE(streamBytes(*capture, tcp, RecordKind::DataIn), QByteArray("hello client\n"));
    QVERIFY(capture->streams[tcp].endState == EndpointState::Closed);
    // udp.stream 2: overlapping fragments; the bytes of the one with the lower offset stand.
    const int overlap = capture->findStream(CaptureProtocol::Udp, 2);
    QCOMPARE(datagrams(*capture, overlap, RecordKind::DataOut),
             QList<QByteArray>{"overlapping fragments, rewritten"});

    // The datagrams put back together are after the file's bytes, which are unchanged.
    QVERIFY(capture->file->size() > quint64(original.size()));
    QCOMPARE(QByteArray(capture->file->bytes(), original.size()), original);
    int after = 0;
    for (const CaptureRecord &r : capture->records) {
        if (r.kind == RecordKind::Event)
            continue;
        QVERIFY(r.offset + r.length <= capture->file->size());
        after += r.offset >= quint64(original.size()) ? 1 : 0;
    }
    QCOMPARE(after, 3); // the two UDP datagrams and the TCP segment
}

void TestCaptureEncap::fragmentPieces() {
    const quint8 a[4] = {192, 0, 2, 1};
    const quint8 b[4] = {192, 0, 2, 2};
    const QByteArray first(8, 'a'), second(8, 'b'), third(8, 'c');
    const auto data = [](const QByteArray &bytes) {
        return reinterpret_cast<const quint8 *>(bytes.constData());
    };
    IpFragments fragments;
    IpFragments::Whole whole;
    // Out of order: the last first, then the first, then the middle completes it.
    QVERIFY(!fragments.add(a, b, 17, 1, 16, false, data(third), 8, &whole));
    QVERIFY(!fragments.add(a, b, 17, 1, 0, true, data(first), 8, &whole));
    QVERIFY(
        !fragments.add(a, b, 6, 1, 8, true, data(second), 8, &whole)); // another protocol: another datagram
    QCOMPARE(fragments.waiting(), 3u);
    QVERIFY(fragments.add(a, b, 17, 1, 8, true, data(second), 8, &whole));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(whole.data), whole.length), first + second + third);
    QCOMPARE(whole.heldOffset, 0u);
    QCOMPARE(fragments.waiting(), 1u);

    // Overlaps: the lower offset's bytes stand, whichever came first; at the same offset, the first seen.
    const QByteArray upper(16, 'X'), lower(16, 'y'), again(16, 'z');
    QVERIFY(!fragments.add(a, b, 17, 2, 8, false, data(upper), 16, &whole));
    QVERIFY(fragments.add(a, b, 17, 2, 0, true, data(lower), 16, &whole));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(whole.data), whole.length),
             QByteArray(16, 'y') + QByteArray(8, 'X'));
    QCOMPARE(whole.heldOffset, 24u);
    QVERIFY(!fragments.add(a, b, 17, 3, 0, true, data(lower), 8, &whole));
    QVERIFY(!fragments.add(a, b, 17, 3, 0, true, data(again), 8, &whole));
    QVERIFY(fragments.add(a, b, 17, 3, 8, false, data(again), 8, &whole));
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(whole.data), whole.length),
             QByteArray(8, 'y') + QByteArray(8, 'z'));
    // A fragment of a datagram already whole starts a new one.
    QVERIFY(!fragments.add(a, b, 17, 3, 8, false, data(again), 8, &whole));
    QCOMPARE(fragments.waiting(), 2u);
    QCOMPARE(fragments.heldBytes(), 24u + 24u + 16u);
    QCOMPARE(fragments.held().size(), size_t(3));
    QCOMPARE(fragments.dropped(), 0u);
}

void TestCaptureEncap::fragmentBounds() {
    const quint8 a[4] = {10, 0, 0, 1};
    const quint8 b[4] = {10, 0, 0, 2};
    const QByteArray chunk(60000, 'q');
    const auto *data = reinterpret_cast<const quint8 *>(chunk.constData());
    IpFragments::Whole whole;
    {
        // More datagrams than may wait: the oldest go.
        IpFragments fragments;
        for (int id = 0; id < IpFragments::MaxPendingDatagrams + 76; ++id)
            QVERIFY(!fragments.add(a, b, 17, quint16(id), 0, true, data, 8, &whole));
        QCOMPARE(fragments.waiting(), quint64(IpFragments::MaxPendingDatagrams));
        QCOMPARE(fragments.dropped(), 76u);
        // The first ones are gone: their last fragment completes nothing.
        QVERIFY(!fragments.add(a, b, 17, 0, 8, false, data, 8, &whole));
        // A later one is still there.
        QVERIFY(fragments.add(a, b, 17, 1000, 8, false, data, 8, &whole));
    }
    {
        // More bytes than may wait.
        IpFragments fragments;
        for (int id = 0; id < 300; ++id)
            QVERIFY(!fragments.add(a, b, 17, quint16(id), 0, true, data, 60000, &whole));
        QVERIFY(fragments.waiting() * 60000 <= IpFragments::MaxPendingBytes);
        QCOMPARE(fragments.waiting() + fragments.dropped(), 300u);
        QVERIFY(fragments.dropped() > 0);
    }
}

void TestCaptureEncap::incompleteFragments() {
    // Fragments whose datagrams never complete: skipped at the end, and said once each way.
    QList<QByteArray> frames;
    frames.append(ethernet(0x0800, ipv4("192.0.2.1", "192.0.2.2", 17, udp(1000, 2000, "whole"), 7)));
    for (int id = 0; id < IpFragments::MaxPendingDatagrams + 10; ++id)
        frames.append(
            ethernet(0x0800, ipv4("192.0.2.1", "192.0.2.2", 17, QByteArray(16, 'f'), 100 + id, 0x2000)));
    auto capture = read(pcap(frames));
    QVERIFY(capture);
    QCOMPARE(capture->streams.size(), 1);
    QCOMPARE(capture->packets, quint64(frames.size()));
    QCOMPARE(capture->skippedPackets, quint64(frames.size() - 1));
    QCOMPARE(
        capture->warnings,
        (QStringList{QStringLiteral("1,024 fragmented IP packets skipped (the rest of their datagrams is not "
                                    "in the capture)"),
                     QStringLiteral("10 fragmented IP packets skipped (more than 1,024 datagrams or 16 MiB "
                                    "waited for their other fragments)")}));
    QCOMPARE(capture->file->size(), quint64(pcap(frames).size())); // nothing put back together
}

void TestCaptureEncap::undecoded() {
    const QByteArray inner = ipv4("10.0.0.1", "10.0.0.2", 17, udp(1000, 2000, "inside"));
    QList<QByteArray> frames;
    frames.append(ethernet(0x0806, QByteArray(28, '\0'))); // ARP: not traffic, nothing said
    frames.append(ethernet(0x0800, ipv4("192.0.2.1", "192.0.2.2", 17, udp(1000, 2000, "plain"))));
    // PPTP's enhanced GRE (version 1), twice
    const QByteArray pptp = QByteArray::fromHex("3001880b") + be16(0) + be16(7) + QByteArray(4, '\0');
    frames.append(ethernet(0x0800, ipv4("192.0.2.1", "192.0.2.2", 47, pptp)));
    frames.append(ethernet(0x0800, ipv4("192.0.2.1", "192.0.2.2", 47, pptp)));
    // MPLS with a pseudowire control word (first nibble 0), then Ethernet
    frames.append(
        ethernet(0x8847, QByteArray::fromHex("00010140") + QByteArray(4, '\0') + ethernet(0x0800, inner)));
    // GRE carrying ERSPAN
    frames.append(
        ethernet(0x0800, ipv4("192.0.2.1", "192.0.2.2", 47, QByteArray::fromHex("000088be") + inner)));
    // PPP over PPPoE carrying IPX
    frames.append(ethernet(0x8864, QByteArray::fromHex("110012340006002b") + QByteArray(4, '\0')));
    auto capture = read(pcap(frames));
    QVERIFY(capture);
    QCOMPARE(capture->streams.size(), 1);
    QCOMPARE(capture->skippedPackets, 6u);
    QCOMPARE(
        capture->warnings,
        (QStringList{
            QStringLiteral("2 packets skipped (the first is packet 3): GRE of a version other than 0 (PPTP's "
                           "enhanced GRE) is not decoded"),
            QStringLiteral(
                "1 packets skipped (the first is packet 5): MPLS carrying neither IPv4 nor IPv6 (a "
                "pseudowire) is not decoded"),
            QStringLiteral(
                "1 packets skipped (the first is packet 6): GRE carrying a protocol other than IPv4, "
                "IPv6, Ethernet or MPLS is not decoded"),
            QStringLiteral(
                "1 packets skipped (the first is packet 7): PPP carrying a protocol other than IPv4 "
                "or IPv6 is not decoded")}));
}

void TestCaptureEncap::nestingLimit() {
    // IPv4 in IPv4 eight times is read; nine times is too deep.
    auto nested = [](int depth) {
        QByteArray packet = ipv4("10.8.0.1", "10.8.0.2", 17, udp(1000, 2000, "deep"));
        for (int i = 0; i < depth; ++i)
            packet = ipv4("10.0.0.1", "10.0.0.2", 4, packet);
        return ethernet(0x0800, packet);
    };
    auto capture = read(pcap({nested(8), nested(9)}));
    QVERIFY(capture);
    QCOMPARE(capture->streams.size(), 1);
    QCOMPARE(capture->streams[0].client.toString(), QStringLiteral("10.8.0.1:1000"));
    QCOMPARE(datagrams(*capture, 0, RecordKind::DataOut), QList<QByteArray>{"deep"});
    QCOMPARE(capture->skippedPackets, 1u);
    QCOMPARE(capture->warnings,
             QStringList{QStringLiteral("1 packets skipped (the first is packet 2): nesting "
                                        "deeper than 8 encapsulations is not decoded")});
}

void TestCaptureEncap::damagedTunnels() {
    // Random damage and cuts never crash, and every record stays inside the file's bytes or inside
    // a datagram put back together after them.
    QRandomGenerator random(47);
    for (const char *name : {"qinq-pppoe.pcap", "mpls.pcap", "gre-v4.pcap", "gre-v6.pcap", "ipip.pcap",
                             "6in4.pcap", "ip6ip6.pcap", "vxlan.pcap", "fragments.pcap"}) {
        const QByteArray bytes = readFileBytes(dataFile(QString::fromLatin1(name)));
        QVERIFY(!bytes.isEmpty());
        for (int round = 0; round < 400; ++round) {
            QByteArray damaged = bytes;
            if (round % 4 == 3) {
                damaged.truncate(int(random.bounded(damaged.size())));
            } else {
                const int flips = 1 + int(random.bounded(8));
                for (int i = 0; i < flips; ++i)
                    damaged[int(random.bounded(damaged.size()))] = char(random.bounded(256));
            }
            QString error;
            auto capture = readCapture(MappedFile::fromBytes(damaged), &error);
            if (!capture) {
                QVERIFY(!error.isEmpty());
                continue;
            }
            for (const CaptureRecord &r : capture->records) {
                QVERIFY(r.stream >= 0 && r.stream < capture->streams.size());
                if (r.kind == RecordKind::Event)
                    continue;
                QVERIFY(r.offset + r.length <= capture->file->size());
                QVERIFY(r.offset >= quint64(damaged.size()) ||
                        r.offset + r.length <= quint64(damaged.size()));
            }
        }
    }
}

SOCKBENCH_TEST_MAIN(TestCaptureEncap)
#include "tst_captureencap.moc"
