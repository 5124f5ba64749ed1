// Reading the fixtures of tests/data/ (made on loopback with dumpcap, and crafted from them by
// tests/data/make_crafted.py: see tests/data/README.md for what each one carries), and damaged
// copies of them made here.

#include "capture/capturefile.h"
#include "capture/replay.h"
#include "capturerecords.h"
#include "testfiles.h"
#include "testmain.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <algorithm>

using namespace sockbench;
using namespace sockbench::test;

namespace sockbench {
// What QCOMPARE prints for the enums compared here (found by argument-dependent lookup).
char *toString(CaptureProtocol protocol) {
    return qstrdup(protocol == CaptureProtocol::Tcp ? "Tcp" : "Udp");
}
char *toString(CaptureFormat format) {
    return qstrdup(format == CaptureFormat::Pcap ? "pcap" : "pcapng");
}
char *toString(Marker marker) {
    return qstrdup(QByteArray::number(int(marker)).constData());
}
} // namespace sockbench

namespace {

QByteArray fixtureBytes(const QString &name) {
    QFile f(dataFile(name));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

QList<Marker> markers(const CaptureFile &capture, int index) {
    QList<Marker> out;
    for (const CaptureRecord &r : capture.records)
        if (r.stream == index && r.marker != Marker::None)
            out.append(r.marker);
    return out;
}

std::unique_ptr<CaptureFile> readBytes(const QByteArray &bytes, QString *error) {
    return readCapture(MappedFile::fromBytes(bytes), error);
}

/// Offsets of the pcapng blocks of a little-endian single-section file.
QList<int> blockOffsets(const QByteArray &bytes) {
    QList<int> out;
    for (int at = 0; at + 8 <= bytes.size();) {
        out.append(at);
        const quint32 length = qFromLittleEndian<quint32>(bytes.constData() + at + 4);
        if (length < 12)
            break;
        at += int(length);
    }
    return out;
}

} // namespace

class TestCaptureFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tcpConversation_data();
    void tcpConversation();
    void tcpPorts();
    void udpDatagrams();
    void sectionsAndTimestamps();
    void refusedConnect();
    void resetConnection();
    void reusedTupleIsNewStream();
    void badFiles_data();
    void badFiles();
    void hugeLengths();
    void cutEverywhere_data();
    void cutEverywhere();
    void flippedBytes();
    void progressCancels();
    void damagedPackets();
    void unsupportedLinkTypes();
    void releaseKeepsBytes();
    void truncatedDatagram();
    void ipv6ExtensionHeaders();
    void finBeforeLastBytes();
    void streamsAreCapped();
    void snapLengthCutSegment();
    void matchesTshark_data();
    void matchesTshark();
};

void TestCaptureFile::tcpConversation_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("clientIp");
    for (const char *name :
         {"tcp-v4.pcapng", "tcp-v4.pcap", "big-endian.pcap", "retransmit.pcap", "out-of-order.pcap",
          "linktype-raw.pcap", "linktype-raw12.pcap", "linktype-null.pcap", "linktype-sll.pcap",
          "linktype-sll2.pcap", "linktype-vlan.pcap"})
        QTest::newRow(name) << QString::fromLatin1(name) << QStringLiteral("127.0.0.1");
    QTest::newRow("tcp-v6.pcapng") << QStringLiteral("tcp-v6.pcapng") << QStringLiteral("::1");
    QTest::newRow("linktype-null-v6.pcap")
        << QStringLiteral("linktype-null-v6.pcap") << QStringLiteral("::1");
}

void TestCaptureFile::tcpConversation() {
    QFETCH(QString, file);
    QFETCH(QString, clientIp);
    const QString path = dataFile(file);
    QVERIFY2(!path.isEmpty(), qPrintable(file + QStringLiteral(" not found")));
    QString error;
    auto capture = readCapture(path, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->path, path);
    QCOMPARE(capture->format,
             file.endsWith(QLatin1String(".pcapng")) ? CaptureFormat::Pcapng : CaptureFormat::Pcap);
    QVERIFY2(capture->warnings.isEmpty(), qPrintable(capture->warnings.join(u'\n')));
    QCOMPARE(capture->streams.size(), 1);
    const CaptureStream &s = capture->streams[0];
    QCOMPARE(s.protocol, CaptureProtocol::Tcp);
    QCOMPARE(s.number, 0);
    QCOMPARE(s.client.ip, clientIp);
    QCOMPARE(s.server.ip, clientIp);
    QVERIFY(s.client.port != s.server.port);
    QCOMPARE(toString(s.endState), toString(EndpointState::Closed));
    QCOMPARE(s.endDetail, QString());
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("hello server\nbye\n"));
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataIn), QByteArray("hello client\n"));
    QCOMPARE(s.bytesToServer, 17u);
    QCOMPARE(s.bytesToClient, 13u);
    QCOMPARE(markers(*capture, 0), (QList<Marker>{Marker::Connecting, Marker::Established, Marker::FinSent,
                                                  Marker::FinReceived, Marker::Closed}));
    QVERIFY(s.firstNs > 1700000000LL * 1000000000LL);
    QVERIFY(s.lastNs > s.firstNs);
    QCOMPARE(capture->skippedPackets, 0u);
    QVERIFY(capture->packets >= 12);
    // Records are in capture order; data records point inside the file.
    for (const CaptureRecord &r : capture->records) {
        QVERIFY(r.timeNs >= s.firstNs && r.timeNs <= s.lastNs);
        if (r.kind != RecordKind::Event)
            QVERIFY(r.offset + r.length <= capture->file->size());
    }
    if (file == QLatin1String("retransmit.pcap") || file == QLatin1String("out-of-order.pcap")) {
        // No gap is left: nothing is said about missing bytes.
        for (const CaptureRecord &r : capture->records)
            QVERIFY2(!r.text.contains(QLatin1String("missing")), qPrintable(r.text));
    }
}

void TestCaptureFile::tcpPorts() {
    // The ports dumpcap saw (tests/data/README.md), the client being the SYN's sender.
    QString error;
    auto capture = readCapture(dataFile(QStringLiteral("tcp-v4.pcap")), &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->streams[0].client, (NetAddress{QStringLiteral("127.0.0.1"), 46406}));
    QCOMPARE(capture->streams[0].server, (NetAddress{QStringLiteral("127.0.0.1"), 53673}));
    QCOMPARE(capture->records.front().text, QStringLiteral("Connecting to 127.0.0.1:53673"));
}

void TestCaptureFile::udpDatagrams() {
    QString error;
    auto capture = readCapture(dataFile(QStringLiteral("udp.pcapng")), &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY(capture->warnings.isEmpty());
    QCOMPARE(capture->streams.size(), 1);
    const CaptureStream &s = capture->streams[0];
    QCOMPARE(s.protocol, CaptureProtocol::Udp);
    QCOMPARE(s.number, 0);
    QCOMPARE(s.client.port, quint16(38478));
    QCOMPARE(s.server.port, quint16(55433));
    QCOMPARE(toString(s.endState), toString(EndpointState::Closed));
    QCOMPARE(datagrams(*capture, 0, RecordKind::DataOut), (QList<QByteArray>{"ping 1", "ping 2"}));
    QCOMPARE(datagrams(*capture, 0, RecordKind::DataIn), (QList<QByteArray>{"pong 1", "pong 2"}));
    QCOMPARE(capture->findStream(CaptureProtocol::Udp, 0), 0);
    QCOMPARE(capture->findStream(CaptureProtocol::Tcp, 0), -1);
}

void TestCaptureFile::sectionsAndTimestamps() {
    // Two sections of opposite byte orders, 2^-20 s and nanosecond resolutions, NRB/ISB/custom
    // blocks skipped, a Simple Packet Block and an obsolete Packet Block.
    QString error;
    auto capture = readCapture(dataFile(QStringLiteral("sections.pcapng")), &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY2(capture->warnings.isEmpty(), qPrintable(capture->warnings.join(u'\n')));
    QCOMPARE(capture->streams.size(), 2);
    QCOMPARE(capture->streams[0].protocol, CaptureProtocol::Tcp);
    QCOMPARE(capture->streams[1].protocol, CaptureProtocol::Udp);
    QCOMPARE(capture->streams[1].number, 0);
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("hello server\nbye\n"));
    QCOMPARE(datagrams(*capture, 1, RecordKind::DataOut), (QList<QByteArray>{"ping 1", "ping 2"}));
    QCOMPARE(datagrams(*capture, 1, RecordKind::DataIn), (QList<QByteArray>{"pong 1", "pong 2"}));

    auto reference = readCapture(dataFile(QStringLiteral("tcp-v4.pcap")), &error);
    QVERIFY(reference);
    // 2^-20 s is a little under a microsecond
    QVERIFY(qAbs(capture->streams[0].firstNs - reference->streams[0].firstNs) < 1000);
    QVERIFY(qAbs(capture->streams[0].lastNs - reference->streams[0].lastNs) < 1000);
    auto udp = readCapture(dataFile(QStringLiteral("udp.pcapng")), &error);
    QVERIFY(udp);
    QVERIFY(qAbs(capture->streams[1].firstNs - udp->streams[0].firstNs) < 1000);
    // The Simple Packet Block (the first pong) has the time of the packet before it.
    QList<qint64> times;
    for (const CaptureRecord &r : capture->records)
        if (r.stream == 1)
            times.append(r.timeNs);
    QCOMPARE(times.size(), 4);
    QCOMPARE(times[1], times[0]);
}

void TestCaptureFile::refusedConnect() {
    QString error;
    auto capture = readCapture(dataFile(QStringLiteral("refused.pcapng")), &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->streams.size(), 1);
    QCOMPARE(toString(capture->streams[0].endState), toString(EndpointState::Failed));
    QCOMPARE(capture->streams[0].endDetail, QStringLiteral("Connection refused"));
    QCOMPARE(markers(*capture, 0), (QList<Marker>{Marker::Connecting, Marker::Failed}));
    QCOMPARE(capture->records.back().text, QStringLiteral("Connection refused"));
}

void TestCaptureFile::resetConnection() {
    QString error;
    auto capture = readCapture(dataFile(QStringLiteral("reset.pcapng")), &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->streams.size(), 1);
    const CaptureStream &s = capture->streams[0];
    QCOMPARE(toString(s.endState), toString(EndpointState::Reset));
    QCOMPARE(s.endDetail, QStringLiteral("Reset by %1").arg(s.server.toString()));
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("abort me\n"));
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataIn), QByteArray());
    QCOMPARE(markers(*capture, 0),
             (QList<Marker>{Marker::Connecting, Marker::Established, Marker::ResetReceived}));
}

/// tcp-v4.pcap's records with the client's sequence numbers (and the server's acknowledgements) moved by
/// delta.
QByteArray shiftedClientSequence(const QByteArray &pcap, quint32 delta) {
    QByteArray out = pcap.mid(24);
    quint16 clientPort = 0;
    for (int at = 0; at + 16 <= out.size();) {
        const int length = int(qFromLittleEndian<quint32>(out.constData() + at + 8));
        char *tcp = out.data() + at + 16 + 34; // Ethernet 14, IPv4 20
        const quint16 source = qFromBigEndian<quint16>(tcp);
        if (clientPort == 0)
            clientPort = source; // the SYN's sender
        if (source == clientPort)
            qToBigEndian<quint32>(qFromBigEndian<quint32>(tcp + 4) + delta, tcp + 4);
        else if (tcp[13] & 0x10)
            qToBigEndian<quint32>(qFromBigEndian<quint32>(tcp + 8) + delta, tcp + 8);
        at += 16 + length;
    }
    return out;
}

void TestCaptureFile::reusedTupleIsNewStream() {
    // Checked against tshark 4.0: the same conversation again on the same ports is a new
    // tcp.stream when its SYN has another initial sequence number (the port was reused), and
    // the same stream (a retransmitted SYN) when it has the same one.
    const QByteArray pcap = fixtureBytes(QStringLiteral("tcp-v4.pcap"));
    QVERIFY(pcap.size() > 24);
    QString error;
    auto capture = readBytes(pcap + shiftedClientSequence(pcap, 1000), &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->streams.size(), 2);
    QCOMPARE(capture->streams[0].number, 0);
    QCOMPARE(capture->streams[1].number, 1);
    QCOMPARE(capture->streams[1].client, capture->streams[0].client);
    for (int i = 0; i < 2; ++i) {
        QCOMPARE(streamBytes(*capture, i, RecordKind::DataOut), QByteArray("hello server\nbye\n"));
        QCOMPARE(streamBytes(*capture, i, RecordKind::DataIn), QByteArray("hello client\n"));
        QCOMPARE(toString(capture->streams[i].endState), toString(EndpointState::Closed));
    }
    QCOMPARE(capture->findStream(CaptureProtocol::Tcp, 1), 1);
    QCOMPARE(capture->path, QString());

    capture = readBytes(pcap + pcap.mid(24), &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->streams.size(), 1);
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("hello server\nbye\n"));
}

void TestCaptureFile::badFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    QTest::newRow("text") << QByteArray("<!DOCTYPE html>") << QStringLiteral("not a pcap or pcapng capture");
    QTest::newRow("short") << QByteArray("ab") << QStringLiteral("too short");
    const QByteArray pcap = fixtureBytes(QStringLiteral("tcp-v4.pcap"));
    QTest::newRow("pcap header cut")
        << pcap.left(20)
        << QStringLiteral("block 1 (pcap file header) at offset 0: the pcap file header is cut short");
    QByteArray otherLink = pcap;
    qToLittleEndian<quint32>(147, otherLink.data() + 20);
    QTest::newRow("pcap link type") << otherLink << QStringLiteral("link type 147 is not supported");
    const QByteArray pcapng = fixtureBytes(QStringLiteral("tcp-v4.pcapng"));
    QTest::newRow("shb cut") << pcapng.left(20)
                             << QStringLiteral("block 1 (Section Header Block) at offset 0");
    QByteArray badOrder = pcapng;
    badOrder[8] = 0x11;
    QTest::newRow("byte order") << badOrder << QStringLiteral("byte-order magic");
}

void TestCaptureFile::badFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    QString error;
    auto capture = readBytes(bytes, &error);
    QVERIFY(!capture);
    QVERIFY2(error.contains(expected), qPrintable(error));

    // Through a path: the file's name comes first.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.pcap"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
    f.close();
    QVERIFY(!readCapture(path, &error));
    QVERIFY2(error.startsWith(QLatin1String("bad.pcap: ")), qPrintable(error));

    // Empty files, folders and missing files.
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.close();
    QVERIFY(!readCapture(path, &error));
    QCOMPARE(error, QStringLiteral("bad.pcap: the file is empty"));
    QVERIFY(!readCapture(dir.path(), &error));
    QVERIFY2(error.contains(QLatin1String("is a folder")), qPrintable(error));
    QVERIFY(!readCapture(dir.filePath(QStringLiteral("missing.pcapng")), &error));
    QCOMPARE(error, QStringLiteral("missing.pcapng: No such file or directory"));
}

void TestCaptureFile::hugeLengths() {
    const QByteArray pcapng = fixtureBytes(QStringLiteral("tcp-v4.pcapng"));
    const QList<int> blocks = blockOffsets(pcapng);
    // The fourth block is dumpcap's first packet (SHB, IDB, ..., EPB): find the first EPB.
    int epbIndex = -1;
    for (int i = 0; i < blocks.size(); ++i)
        if (qFromLittleEndian<quint32>(pcapng.constData() + blocks[i]) == 6) {
            epbIndex = i;
            break;
        }
    QVERIFY(epbIndex > 0);
    const int at = blocks[epbIndex];
    const QString where =
        QStringLiteral("block %1 (Enhanced Packet Block) at offset %2: ").arg(epbIndex + 1).arg(at);

    QByteArray captured = pcapng;
    qToLittleEndian<quint32>(70000, captured.data() + at + 20);
    QString error;
    auto capture = readBytes(captured, &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY(!capture->warnings.isEmpty());
    QVERIFY2(
        capture->warnings[0].startsWith(where + QStringLiteral("captured length 70,000 runs past the block")),
        qPrintable(capture->warnings[0]));
    // Only that packet is lost: the SYN. The rest still reads.
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("hello server\nbye\n"));

    QByteArray block = pcapng;
    qToLittleEndian<quint32>(0x7ffffff0, block.data() + at + 4);
    capture = readBytes(block, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->warnings.size(), 1);
    QVERIFY2(capture->warnings[0].startsWith(where +
                                             QStringLiteral("block length 2,147,483,632 runs past the end")),
             qPrintable(capture->warnings[0]));
    QCOMPARE(capture->records.size(), size_t(0));

    QByteArray pcap = fixtureBytes(QStringLiteral("tcp-v4.pcap"));
    qToLittleEndian<quint32>(0xfffffff0, pcap.data() + 24 + 8);
    capture = readBytes(pcap, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->warnings.size(), 1);
    QVERIFY2(capture->warnings[0].startsWith(QStringLiteral(
                 "block 2 (pcap packet record) at offset 24: captured length 4,294,967,280 runs past")),
             qPrintable(capture->warnings[0]));
}

void TestCaptureFile::cutEverywhere_data() {
    QTest::addColumn<QString>("file");
    for (const char *name :
         {"tcp-v4.pcapng", "tcp-v4.pcap", "tcp-v6.pcapng", "sections.pcapng", "udp.pcapng"})
        QTest::newRow(name) << QString::fromLatin1(name);
}

void TestCaptureFile::cutEverywhere() {
    // A file cut anywhere reads up to the cut and says where it stopped, or (cut in its first
    // header) says why nothing could be read.
    QFETCH(QString, file);
    const QByteArray bytes = fixtureBytes(file);
    QVERIFY(!bytes.isEmpty());
    for (int cut = 1; cut < bytes.size(); cut += 97) {
        QString error;
        auto capture = readBytes(bytes.left(cut), &error);
        if (!capture) {
            QVERIFY2(!error.isEmpty(), qPrintable(QString::number(cut)));
            continue;
        }
        const QString all = capture->warnings.join(u'\n');
        QVERIFY2(!capture->warnings.isEmpty(), qPrintable(QStringLiteral("cut at %1: no warning").arg(cut)));
        QVERIFY2(all.contains(
                     QRegularExpression(QStringLiteral("^block \\d+ \\([A-Za-z ]+\\) at offset [\\d,]+: "))),
                 qPrintable(all));
        for (const CaptureRecord &r : capture->records)
            if (r.kind != RecordKind::Event)
                QVERIFY(r.offset + r.length <= quint64(cut));
    }
}

void TestCaptureFile::flippedBytes() {
    // Random damage never crashes, and every record stays inside the file.
    QRandomGenerator random(14);
    for (const char *name :
         {"tcp-v4.pcapng", "tcp-v4.pcap", "sections.pcapng", "linktype-sll2.pcap", "tcp-v6.pcapng"}) {
        const QByteArray bytes = fixtureBytes(QString::fromLatin1(name));
        for (int round = 0; round < 300; ++round) {
            QByteArray damaged = bytes;
            const int flips = 1 + int(random.bounded(8));
            for (int i = 0; i < flips; ++i)
                damaged[int(random.bounded(damaged.size()))] = char(random.bounded(256));
            QString error;
            auto capture = readBytes(damaged, &error);
            if (!capture) {
                QVERIFY(!error.isEmpty());
                continue;
            }
            for (const CaptureRecord &r : capture->records) {
                QVERIFY(r.stream >= 0 && r.stream < capture->streams.size());
                if (r.kind != RecordKind::Event)
                    QVERIFY(r.offset + r.length <= quint64(damaged.size()));
            }
        }
    }
}

void TestCaptureFile::progressCancels() {
    QByteArray big = fixtureBytes(QStringLiteral("tcp-v4.pcap"));
    const QByteArray records = big.mid(24);
    while (big.size() < 20 * 1024 * 1024)
        big += records;
    CaptureReadOptions options;
    int calls = 0;
    options.progress = [&calls](quint64 done, quint64 total) {
        ++calls;
        return done < total / 2;
    };
    QString error;
    QVERIFY(!readCapture(MappedFile::fromBytes(big), &error, options));
    QCOMPARE(error, QStringLiteral("cancelled"));
    QVERIFY(calls >= 2);
}

/// The offset in tcp-v4.pcap of record `index`'s frame (0-based).
int frameOffset(const QByteArray &pcap, int index) {
    int at = 24;
    for (int i = 0; i < index; ++i)
        at += 16 + int(qFromLittleEndian<quint32>(pcap.constData() + at + 8));
    return at + 16;
}

void TestCaptureFile::damagedPackets() {
    const QByteArray pcap = fixtureBytes(QStringLiteral("tcp-v4.pcap"));
    QString error;

    // The SYN's TCP header length says 60 bytes in a 40-byte segment.
    QByteArray header = pcap;
    header[frameOffset(pcap, 0) + 34 + 12] = char(0xf0);
    auto capture = readBytes(header, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->warnings,
             QStringList{QStringLiteral(
                 "block 2 (pcap packet record) at offset 24: the TCP header runs past the packet")});
    QCOMPARE(capture->skippedPackets, 1u);
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("hello server\nbye\n"));

    // The first data segment marked as a fragment (more fragments): skipped, said, and the gap it
    // leaves is said at its place.
    QByteArray fragment = pcap;
    fragment[frameOffset(pcap, 3) + 14 + 6] = char(0x20);
    capture = readBytes(fragment, &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY2(capture->warnings.join(u'\n').contains(QLatin1String("1 fragmented IP packets skipped")),
             qPrintable(capture->warnings.join(u'\n')));
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("bye\n"));
    bool gapSaid = false;
    for (const CaptureRecord &r : capture->records)
        gapSaid = gapSaid || r.text.contains(QLatin1String("13 bytes missing"));
    QVERIFY(gapSaid);

    // Neither TCP nor UDP (protocol 1, ICMP): counted as skipped, no warning.
    QByteArray icmp = pcap;
    icmp[frameOffset(pcap, 4) + 14 + 9] = 1;
    capture = readBytes(icmp, &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY(capture->warnings.isEmpty());
    QCOMPARE(capture->skippedPackets, 1u);
    QCOMPARE(capture->packets, 12u);
}

void TestCaptureFile::unsupportedLinkTypes() {
    // pcapng: the first IDB of tcp-v4.pcapng is block 2 at offset 28 (dumpcap's SHB is longer:
    // find it).
    const QByteArray pcapng = fixtureBytes(QStringLiteral("tcp-v4.pcapng"));
    const QList<int> blocks = blockOffsets(pcapng);
    QVERIFY(blocks.size() > 2);
    QCOMPARE(qFromLittleEndian<quint32>(pcapng.constData() + blocks[1]), 1u);
    QByteArray other = pcapng;
    qToLittleEndian<quint16>(147, other.data() + blocks[1] + 8);
    QString error;
    QVERIFY(!readBytes(other, &error));
    QVERIFY2(error.startsWith(
                 QStringLiteral("block 2 (Interface Description Block) at offset %1: link type 147 is not "
                                "supported, and no interface has a supported link type")
                     .arg(blocks[1])),
             qPrintable(error));

    // sections.pcapng: its first interface unsupported, the second section still reads.
    QByteArray sections = fixtureBytes(QStringLiteral("sections.pcapng"));
    qToLittleEndian<quint16>(147, sections.data() + 28 + 8);
    auto capture = readBytes(sections, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->streams.size(), 1);
    QCOMPARE(capture->streams[0].protocol, CaptureProtocol::Udp);
    QCOMPARE(capture->skippedPackets, 12u);
    QCOMPARE(capture->warnings, QStringList{QStringLiteral(
                                    "block 2 (Interface Description Block) at offset 28: link type 147 of "
                                    "interface 0 is not supported; its packets are skipped")});
}

void TestCaptureFile::releaseKeepsBytes() {
    // Releasing pages drops them from this process, not from the file: they read again the same.
    QString error;
    const auto file = MappedFile::open(dataFile(QStringLiteral("tcp-v6.pcapng")), &error);
    QVERIFY2(file, qPrintable(error));
    const QByteArray before(file->bytes(), qsizetype(file->size()));
    file->release(0, file->size());
    file->release(file->size() - 1, 100);
    file->release(file->size() + 10, 100);
    QCOMPARE(QByteArray(file->bytes(), qsizetype(file->size())), before);
    QCOMPARE(before, fixtureBytes(QStringLiteral("tcp-v6.pcapng")));
}

void TestCaptureFile::truncatedDatagram() {
    // The first datagram's EPB says 3 bytes fewer were captured: "pin" of "ping 1", 6 on the wire.
    QByteArray udp = fixtureBytes(QStringLiteral("udp.pcapng"));
    const QList<int> blocks = blockOffsets(udp);
    int epb = -1;
    for (int at : blocks)
        if (qFromLittleEndian<quint32>(udp.constData() + at) == 6) {
            epb = at;
            break;
        }
    QVERIFY(epb > 0);
    qToLittleEndian<quint32>(qFromLittleEndian<quint32>(udp.constData() + epb + 20) - 3,
                             udp.data() + epb + 20);
    QString error;
    auto capture = readBytes(udp, &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY(capture->warnings.isEmpty());
    QCOMPARE(datagrams(*capture, 0, RecordKind::DataOut), (QList<QByteArray>{"pin", "ping 2"}));
    QCOMPARE(capture->records[0].originalLength, 6u);
    QCOMPARE(capture->records[1].originalLength, 0u);
}

void TestCaptureFile::ipv6ExtensionHeaders() {
    // linktype-null-v6.pcap with a hop-by-hop options header (8 bytes, PadN) in front of every TCP header.
    const QByteArray pcap = fixtureBytes(QStringLiteral("linktype-null-v6.pcap"));
    QByteArray out = pcap.left(24);
    for (int at = 24; at + 16 <= pcap.size();) {
        const quint32 length = qFromLittleEndian<quint32>(pcap.constData() + at + 8);
        QByteArray header = pcap.mid(at, 16);
        QByteArray frame = pcap.mid(at + 16, int(length));
        char *ip = frame.data() + 4;
        const char next = ip[6];
        ip[6] = 0; // hop-by-hop
        qToBigEndian<quint16>(qFromBigEndian<quint16>(ip + 4) + 8, ip + 4);
        const char hopByHop[8] = {next, 0, 1, 4, 0, 0, 0, 0};
        frame.insert(44, hopByHop, 8);
        qToLittleEndian<quint32>(length + 8, header.data() + 8);
        qToLittleEndian<quint32>(length + 8, header.data() + 12);
        out += header + frame;
        at += 16 + int(length);
    }
    QString error;
    auto capture = readBytes(out, &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY2(capture->warnings.isEmpty(), qPrintable(capture->warnings.join(u'\n')));
    QCOMPARE(capture->streams.size(), 1);
    QCOMPARE(capture->streams[0].client.ip, QStringLiteral("::1"));
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("hello server\nbye\n"));
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataIn), QByteArray("hello client\n"));
}

void TestCaptureFile::finBeforeLastBytes() {
    // tcp-v4.pcap with the client's "bye\n" captured after its FIN: the bytes still go in, and
    // the FIN's marker after them.
    const QByteArray pcap = fixtureBytes(QStringLiteral("tcp-v4.pcap"));
    QList<QByteArray> records;
    for (int at = 24; at + 16 <= pcap.size();) {
        const int length = int(qFromLittleEndian<quint32>(pcap.constData() + at + 8));
        records.append(pcap.mid(at, 16 + length));
        at += 16 + length;
    }
    QCOMPARE(records.size(), 12);
    QVERIFY(records[7].endsWith("bye\n"));
    records.move(7, 9); // after the server's ACK and the client's FIN
    QByteArray reordered = pcap.left(24);
    for (const QByteArray &r : std::as_const(records))
        reordered += r;
    QString error;
    auto capture = readBytes(reordered, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("hello server\nbye\n"));
    QCOMPARE(markers(*capture, 0), (QList<Marker>{Marker::Connecting, Marker::Established, Marker::FinSent,
                                                  Marker::FinReceived, Marker::Closed}));
    QCOMPARE(toString(capture->streams[0].endState), toString(EndpointState::Closed));
    qsizetype bye = -1, finSent = -1;
    for (size_t i = 0; i < capture->records.size(); ++i) {
        const CaptureRecord &r = capture->records[i];
        if (r.kind == RecordKind::DataOut && r.length == 4)
            bye = qsizetype(i);
        if (r.marker == Marker::FinSent)
            finSent = qsizetype(i);
        QVERIFY2(!r.text.contains(QLatin1String("missing")), qPrintable(r.text));
    }
    QVERIFY(bye >= 0 && finSent > bye);
}

void TestCaptureFile::streamsAreCapped() {
    // A hostile file of ever new tuples: past MaxCaptureStreams their packets are skipped, counted
    // and said, instead of costing an endpoint each. Raw IPv4 (link type 101), one UDP datagram or
    // TCP SYN per source port and address.
    constexpr int Extra = 5;
    QByteArray pcap(24, '\0');
    qToLittleEndian<quint32>(0xa1b2c3d4, pcap.data());
    qToLittleEndian<quint16>(2, pcap.data() + 4);
    qToLittleEndian<quint16>(4, pcap.data() + 6);
    qToLittleEndian<quint32>(65535, pcap.data() + 16);
    qToLittleEndian<quint32>(101, pcap.data() + 20);
    auto add = [&pcap](int i, bool tcp) {
        const int l4 = tcp ? 20 : 8;
        QByteArray p(20 + l4, '\0');
        uchar *b = reinterpret_cast<uchar *>(p.data());
        b[0] = 0x45;
        qToBigEndian<quint16>(quint16(p.size()), b + 2);
        b[8] = 64;
        b[9] = tcp ? 6 : 17;
        b[12] = 10;
        b[13] = quint8(i >> 16);
        b[14] = quint8(i >> 8);
        b[15] = quint8(i);
        b[16] = 10;
        b[19] = 1;
        qToBigEndian<quint16>(quint16(1024 + i % 50000), b + 20);
        qToBigEndian<quint16>(9, b + 22);
        if (tcp) {
            qToBigEndian<quint32>(1000, b + 24);
            b[32] = 5 << 4;
            b[33] = 0x02; // SYN
            qToBigEndian<quint16>(65535, b + 34);
        } else {
            qToBigEndian<quint16>(8, b + 24);
        }
        QByteArray header(16, '\0');
        qToLittleEndian<quint32>(quint32(i), header.data());
        qToLittleEndian<quint32>(quint32(p.size()), header.data() + 8);
        qToLittleEndian<quint32>(quint32(p.size()), header.data() + 12);
        pcap += header + p;
    };
    for (int i = 0; i < MaxCaptureStreams + Extra; ++i)
        add(i, i % 2 == 1);
    QString error;
    const auto capture = readBytes(pcap, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->packets, quint64(MaxCaptureStreams + Extra));
    QCOMPARE(capture->streams.size(), qsizetype(MaxCaptureStreams));
    QCOMPARE(capture->skippedPackets, quint64(Extra));
    QVERIFY2(capture->warnings.join(QLatin1Char('\n'))
                 .contains(QLatin1String("more than 100,000 streams: 5 packets")),
             qPrintable(capture->warnings.join(QLatin1Char('\n'))));
}

void TestCaptureFile::snapLengthCutSegment() {
    // tcp-v4.pcap with the packet of "hello server\n" cut 5 bytes short, as a snap length cuts it
    // (captured length 5 less, original length kept): the tail is said at its place and counted,
    // "bye\n" after it is not held back, and the stream is not replayed with a hole closed up.
    QByteArray pcap = fixtureBytes(QStringLiteral("tcp-v4.pcap"));
    QVERIFY(pcap.size() > 24);
    const bool swapped = qFromLittleEndian<quint32>(pcap.constData()) != 0xa1b2c3d4;
    QVERIFY(!swapped);
    bool cut = false;
    for (qsizetype at = 24; at + 16 <= pcap.size();) {
        const quint32 captured = qFromLittleEndian<quint32>(pcap.constData() + at + 8);
        const QByteArray data = pcap.mid(at + 16, captured);
        if (data.endsWith("hello server\n")) {
            qToLittleEndian<quint32>(captured - 5, pcap.data() + at + 8);
            pcap.remove(at + 16 + captured - 5, 5);
            cut = true;
            break;
        }
        at += 16 + captured;
    }
    QVERIFY(cut);
    QString error;
    const auto capture = readBytes(pcap, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->streams.size(), 1);
    QCOMPARE(capture->streams[0].bytesMissing, 5u);
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataOut), QByteArray("hello sebye\n"));
    QCOMPARE(streamBytes(*capture, 0, RecordKind::DataIn), QByteArray("hello client\n"));
    int said = -1;
    int bye = -1;
    for (int i = 0; i < int(capture->records.size()); ++i) {
        const CaptureRecord &r = capture->records[size_t(i)];
        if (r.kind == RecordKind::Event &&
            r.text == QLatin1String("5 bytes not captured (the capture's snap length)"))
            said = i;
        if (r.kind == RecordKind::DataOut && r.length == 4)
            bye = i;
        QVERIFY2(!r.text.contains(QLatin1String("missing")), qPrintable(r.text));
    }
    QVERIFY(said >= 0);
    QVERIFY(bye > said);
    // "bye\n" keeps its own packet's time: it was not held until the end of the capture; nor was
    // the FIN after it, though the bytes before it are not all there.
    QVERIFY(capture->records[size_t(bye)].timeNs < capture->streams[0].lastNs);
    QCOMPARE(markers(*capture, 0), (QList<Marker>{Marker::Connecting, Marker::Established, Marker::FinSent,
                                                  Marker::FinReceived, Marker::Closed}));
    for (const CaptureRecord &r : capture->records) {
        if (r.marker == Marker::FinSent)
            QVERIFY(r.timeNs < capture->streams[0].lastNs);
    }

    ReplayScript script;
    QVERIFY(!ReplayScript::fromCapture(*capture, 0, &script, &error));
    QVERIFY2(error.contains(QLatin1String("cannot be replayed whole")) &&
                 error.contains(QLatin1String("5 bytes")),
             qPrintable(error));
}

void TestCaptureFile::matchesTshark_data() {
    // Every fixture: those made on loopback, those crafted from them, the encapsulated ones.
    QTest::addColumn<QString>("file");
    const QDir data = QFileInfo(dataFile(QStringLiteral("tcp-v4.pcap"))).dir();
    const QStringList names =
        data.entryList({QStringLiteral("*.pcap"), QStringLiteral("*.pcapng")}, QDir::Files);
    QVERIFY(names.size() >= 26);
    for (const QString &name : names)
        QTest::newRow(qPrintable(name)) << name;
}

namespace {

/// One stream as tshark sees it.
struct TsharkStream {
    QString node0; ///< the side that sent first: TCP's client, UDP's first sender
    QString node1;
    QByteArray fromNode0;
    QByteArray fromNode1;
};

QByteArray runTsharkOn(const QString &tshark, const QStringList &arguments) {
    QProcess process;
    process.start(tshark, arguments);
    process.waitForFinished(60000);
    return process.readAllStandardOutput();
}

/// What tshark makes of `file`: how many tcp.stream numbers, and the UDP streams by udp.stream,
/// from each packet's fields (a packet in a UDP tunnel has a value for each UDP header, outermost
/// first). UDP streams are taken from the fields, not from `-z follow`, which in a tunnel's
/// packets mixes the tunnel's datagrams with the ones inside; their ends are ports alone.
bool tsharkStreams(const QString &tshark, const QString &file, int *tcpCount, QList<TsharkStream> *udp) {
    const QByteArray out = runTsharkOn(
        tshark,
        {QStringLiteral("-r"), file, QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"),
         QStringLiteral("tcp.stream"), QStringLiteral("-e"), QStringLiteral("udp.stream"),
         QStringLiteral("-e"), QStringLiteral("udp.srcport"), QStringLiteral("-e"),
         QStringLiteral("udp.dstport"), QStringLiteral("-e"), QStringLiteral("udp.payload")});
    QList<int> tcpNumbers;
    for (const QByteArray &line : out.split('\n')) {
        const QList<QByteArray> columns = line.split('\t');
        if (columns.size() < 5)
            continue;
        if (!columns[0].isEmpty() && !tcpNumbers.contains(columns[0].toInt()))
            tcpNumbers.append(columns[0].toInt());
        if (columns[1].isEmpty())
            continue;
        const QList<QByteArray> streams = columns[1].split(','), from = columns[2].split(','),
                                to = columns[3].split(','), payloads = columns[4].split(',');
        if (from.size() != streams.size() || to.size() != streams.size() ||
            (payloads.size() != streams.size() && streams.size() != 1))
            return false;
        for (int i = 0; i < streams.size(); ++i) {
            const int n = streams[i].toInt();
            if (n > udp->size())
                return false; // numbered out of order
            if (n == udp->size())
                udp->append({QString::fromLatin1(from[i]), QString::fromLatin1(to[i]), {}, {}});
            TsharkStream &t = (*udp)[n];
            const QByteArray payload = i < payloads.size() ? QByteArray::fromHex(payloads[i]) : QByteArray();
            (QString::fromLatin1(from[i]) == t.node0 ? t.fromNode0 : t.fromNode1) += payload;
        }
    }
    std::sort(tcpNumbers.begin(), tcpNumbers.end());
    for (int i = 0; i < tcpNumbers.size(); ++i)
        if (tcpNumbers[i] != i)
            return false;
    *tcpCount = int(tcpNumbers.size());
    return true;
}

/// TCP streams 0 to count - 1, by `-qz follow,tcp,raw,N` in one run of tshark.
QMap<int, TsharkStream> tsharkFollowTcp(const QString &tshark, const QString &file, int count) {
    QStringList arguments{QStringLiteral("-r"), file, QStringLiteral("-q")};
    for (int n = 0; n < count; ++n)
        arguments << QStringLiteral("-z") << QStringLiteral("follow,tcp,raw,%1").arg(n);
    QMap<int, TsharkStream> streams; // tshark prints them in an order of its own
    TsharkStream *t = nullptr;
    static const QRegularExpression filter(QStringLiteral("^Filter: tcp\\.stream eq (\\d+)"));
    for (const QByteArray &line : runTsharkOn(tshark, arguments).split('\n')) {
        const QRegularExpressionMatch match = filter.match(QString::fromLatin1(line));
        if (match.hasMatch())
            t = &streams[match.captured(1).toInt()];
        else if (!t || line.isEmpty() || line.startsWith('='))
            continue;
        else if (line.startsWith("Node 0: "))
            t->node0 = QString::fromLatin1(line.mid(8).trimmed());
        else if (line.startsWith("Node 1: "))
            t->node1 = QString::fromLatin1(line.mid(8).trimmed());
        else if (line.startsWith('\t'))
            t->fromNode1 += QByteArray::fromHex(line.trimmed());
        else if (!line.contains(':'))
            t->fromNode0 += QByteArray::fromHex(line.trimmed());
    }
    return streams;
}

} // namespace

void TestCaptureFile::matchesTshark() {
    // Wireshark's reader is the judge: the same streams under the same numbers (tcp.stream,
    // udp.stream), between the same ends, each direction with the same bytes.
    QFETCH(QString, file);
    const QString tshark = QStandardPaths::findExecutable(QStringLiteral("tshark"));
    if (tshark.isEmpty())
        QSKIP("tshark is not installed (scripts/deps installs it)");
    QString error;
    auto capture = readCapture(dataFile(file), &error);
    QVERIFY2(capture, qPrintable(error));
    int tcp = 0;
    QList<TsharkStream> udp;
    QVERIFY(tsharkStreams(tshark, dataFile(file), &tcp, &udp));
    int ourTcp = 0, ourUdp = 0;
    for (const CaptureStream &s : capture->streams)
        ++(s.protocol == CaptureProtocol::Tcp ? ourTcp : ourUdp);
    QCOMPARE(ourTcp, tcp);
    QCOMPARE(ourUdp, int(udp.size()));
    const QMap<int, TsharkStream> followed = tsharkFollowTcp(tshark, dataFile(file), tcp);
    QCOMPARE(int(followed.size()), tcp);
    for (int n = 0; n < tcp + int(udp.size()); ++n) {
        const bool isTcp = n < tcp;
        const int number = isTcp ? n : n - tcp;
        const TsharkStream &t = isTcp ? followed[number] : udp[number];
        const int index = capture->findStream(isTcp ? CaptureProtocol::Tcp : CaptureProtocol::Udp, number);
        const QByteArray where =
            QStringLiteral("%1 stream %2").arg(isTcp ? "tcp" : "udp").arg(number).toLatin1();
        QVERIFY2(index >= 0, where.constData());
        const CaptureStream &s = capture->streams[index];
        QVERIFY2((isTcp ? s.client.toString() : QString::number(s.client.port)) == t.node0,
                 where.constData());
        QVERIFY2((isTcp ? s.server.toString() : QString::number(s.server.port)) == t.node1,
                 where.constData());
        QVERIFY2(streamBytes(*capture, index, RecordKind::DataOut) == t.fromNode0, where.constData());
        QVERIFY2(streamBytes(*capture, index, RecordKind::DataIn) == t.fromNode1, where.constData());
    }
}

SOCKBENCH_TEST_MAIN(TestCaptureFile)
#include "tst_capturefile.moc"
