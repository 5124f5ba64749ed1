// The pcapng writer: a session of real loopback traffic, written out, must read in
// Wireshark as real traffic: no malformed packet, no expert error even with checksum validation,
// every TCP stream's bytes exactly as the journal has them in both directions, every datagram's
// payload, and Sockbench's events as packet comments. tshark is the judge.

#include "capture/pcapngwriter.h"
#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"
#include "tshark.h"

#include <QElapsedTimer>
#include <QFile>
#include <QMap>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace sockbench;
using namespace sockbench::test;

namespace {

/// All of the journal's records, through a fresh writer, into `path`. Returns false if unwritable.
bool writeCapture(const Journal &journal, const QString &path, const EndpointNamer &namer = {}) {
    PcapngWriter writer(journal, namer);
    QByteArray out;
    writer.begin(&out);
    const quint64 n = journal.count();
    for (quint64 seq = journal.oldestSeq(); seq < n; ++seq) {
        Record r;
        if (!journal.record(seq, &r, true))
            return false;
        writer.add(r, &out);
    }
    writer.finish(&out);
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(out) == out.size();
}

QStringList withChecksums(QStringList args) {
    return tsharkChecksumOptions() + args;
}

/// What tshark flags as broken: malformed packets and expert infos of error severity.
QByteArray problems(const QString &path) {
    const TsharkRun run =
        runTshark(withChecksums({QStringLiteral("-r"), path, QStringLiteral("-Y"),
                                 QStringLiteral("_ws.malformed || _ws.expert.severity >= error")}));
    if (!run.ok)
        return "tshark failed: " + run.error;
    return run.out.trimmed();
}

/// One TCP stream as tshark's "follow,tcp,raw" tells it: the first node (the side that sent the
/// first packet) and the bytes each side sent.
struct FollowedStream {
    QString node0;
    QString node1;
    QByteArray from0;
    QByteArray from1;
};

QList<FollowedStream> followAll(const QString &path, int streams, QByteArray *error) {
    QStringList args{QStringLiteral("-r"), path, QStringLiteral("-q")};
    for (int i = 0; i < streams; ++i)
        args << QStringLiteral("-z") << QStringLiteral("follow,tcp,raw,%1").arg(i);
    const TsharkRun run = runTshark(args);
    QList<FollowedStream> out;
    if (!run.ok) {
        *error = run.error;
        return out;
    }
    FollowedStream *current = nullptr;
    for (const QByteArray &line : run.out.split('\n')) {
        if (line.startsWith("Follow: ")) {
            out.append(FollowedStream{});
            current = &out.last();
        } else if (!current || line.startsWith("=====") || line.startsWith("Filter:")) {
            continue;
        } else if (line.startsWith("Node 0: ")) {
            current->node0 = QString::fromUtf8(line.mid(8));
        } else if (line.startsWith("Node 1: ")) {
            current->node1 = QString::fromUtf8(line.mid(8));
        } else if (line.startsWith('\t')) {
            current->from1 += QByteArray::fromHex(line.trimmed());
        } else if (!line.trimmed().isEmpty()) {
            current->from0 += QByteArray::fromHex(line.trimmed());
        }
    }
    return out;
}

/// tshark's "ip:port" text of a node, as NetAddress::toString() writes it ("[::1]:80" for v6).
QString nodeText(const NetAddress &a) {
    return a.isV6() ? QStringLiteral("[%1]:%2").arg(a.ip).arg(a.port) : a.toString();
}

/// Markers of one endpoint's events, in order.
QList<Marker> markersOf(const Journal &journal, EndpointId id) {
    QList<Marker> out;
    for (const Record &r : recordsOf(journal, id, RecordKind::Event, false)) {
        if (r.marker != Marker::None)
            out.append(r.marker);
    }
    return out;
}

/// Waits until the endpoint's state is final.
bool waitFinal(const Workbench &wb, EndpointId id) {
    return QTest::qWaitFor([&] { return isFinal(wb.info(id).state); }, 10000);
}

} // namespace

class TestPcapngWriter final : public QObject {
    Q_OBJECT

public:
    TestPcapngWriter() = default;
    Q_DISABLE_COPY_MOVE(TestPcapngWriter)

private Q_SLOTS:
    void initTestCase();
    void markersOfAPlainConnectAndClose();
    void fileStartsWithSectionAndInterface();
    void sessionReadsAsRealTraffic();
    void droppedRecordsStillMakeAValidCapture();
    void subsetDrawsTheHandshake();
    void manyRecords();
    void leftoverCommentsInventNoTraffic();
    void datagramsFromOtherHostsAreDrawn();

private:
    bool m_haveTshark = false;
};

void TestPcapngWriter::initTestCase() {
    m_haveTshark = !tsharkPath().isEmpty();
    if (!m_haveTshark && tsharkRequired())
        QFAIL("tshark is not installed (scripts/deps installs it); CI needs it to judge the captures");
}

void TestPcapngWriter::markersOfAPlainConnectAndClose() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client);
    const EndpointId server = waitAccepted(accepted, wb.info(client).local);
    QVERIFY(server);
    wb.close(client);
    QVERIFY(waitFinal(wb, client));
    QVERIFY(waitFinal(wb, server));
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Closed));

    const QList<Marker> clientMarkers = markersOf(wb.journal(), client);
    // The client that closes first: its FIN, then Closed when the peer's FIN arrives (which the
    // engine may or may not mark on its own first).
    const QList<Marker> plain{Marker::Connecting, Marker::Established, Marker::FinSent, Marker::Closed};
    const QList<Marker> spelledOut{Marker::Connecting, Marker::Established, Marker::FinSent,
                                   Marker::FinReceived, Marker::Closed};
    QVERIFY2(clientMarkers == plain || clientMarkers == spelledOut,
             qPrintable(eventsOf(wb.journal(), client)));

    const QList<Marker> serverMarkers = markersOf(wb.journal(), server);
    QCOMPARE(serverMarkers.first(), Marker::Established);
    QCOMPARE(serverMarkers.last(), Marker::Closed);
    QVERIFY(serverMarkers.indexOf(Marker::FinReceived) > 0);
    QVERIFY(serverMarkers.indexOf(Marker::FinSent) > 0);

    const auto meta = wb.journal().describedEndpoint(client);
    QVERIFY(meta);
    QVERIFY(meta->outgoing);
    QCOMPARE(meta->peer, at);
}

void TestPcapngWriter::fileStartsWithSectionAndInterface() {
    Journal journal;
    PcapngWriter writer(journal);
    QByteArray out;
    writer.begin(&out);
    writer.finish(&out);
    QVERIFY(out.size() >= 28);
    QCOMPARE(out.left(4), QByteArray("\x0a\x0d\x0d\x0a", 4));
    QCOMPARE(out.mid(8, 4), QByteArray("\x4d\x3c\x2b\x1a", 4));
    QVERIFY(out.contains("Sockbench"));
    QCOMPARE(writer.packetsWritten(), quint64(0));
    if (!m_haveTshark)
        QSKIP("tshark is not installed");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("empty.pcapng"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(out);
    file.close();
    const TsharkRun run = runTshark({QStringLiteral("-r"), path});
    QVERIFY2(run.ok, run.error.constData());
}

void TestPcapngWriter::sessionReadsAsRealTraffic() {
    if (!m_haveTshark)
        QSKIP("tshark is not installed");
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QMap<EndpointId, EndpointId> pairs; // client -> accepted end

    // TCP over IPv4 and IPv6, data both ways, one record larger than an IP packet can hold.
    QStringList hosts{QStringLiteral("127.0.0.1")};
    if (hasIpv6Loopback())
        hosts << QStringLiteral("::1");
    const QByteArray big = pattern(200 * 1024, 1);
    const QByteArray small = pattern(5000, 2);
    const QByteArray reply = pattern(3000, 3);
    QList<EndpointId> clients;
    for (const QString &host : hosts) {
        EndpointId listener = 0;
        const NetAddress at = startListener(wb, &listener, host);
        QVERIFY(at.isValid());
        const EndpointId client = connectAndWait(wb, at);
        QVERIFY(client);
        const EndpointId server = waitAccepted(accepted, wb.info(client).local);
        QVERIFY(server);
        QVERIFY(wb.send(client, small));
        QVERIFY(wb.send(client, big));
        QVERIFY(wb.send(server, reply));
        QTRY_COMPARE_WITH_TIMEOUT(streamOf(wb.journal(), server, RecordKind::DataIn).size(),
                                  small.size() + big.size(), 10000);
        QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn).size(), reply.size());
        wb.close(client);
        QVERIFY(waitFinal(wb, client));
        QVERIFY(waitFinal(wb, server));
        pairs.insert(client, server);
        clients << client;
    }
    QVERIFY2(std::any_of(clients.begin(), clients.end(),
                         [&](EndpointId c) {
                             for (const Record &r : recordsOf(wb.journal(), c, RecordKind::DataOut))
                                 if (r.length > 65535)
                                     return true;
                             return false;
                         }),
             "no record was larger than one IP packet: the split is not exercised");

    // A reset we send (abort) after some data.
    {
        EndpointId listener = 0;
        const NetAddress at = startListener(wb, &listener);
        QVERIFY(at.isValid());
        const EndpointId client = connectAndWait(wb, at);
        QVERIFY(client);
        QVERIFY(wb.send(client, "before the reset"));
        const EndpointId server = waitAccepted(accepted, wb.info(client).local);
        QVERIFY(server);
        QTRY_COMPARE(streamOf(wb.journal(), server, RecordKind::DataIn), QByteArray("before the reset"));
        wb.abort(client);
        QVERIFY(waitFinal(wb, client));
        QVERIFY(waitFinal(wb, server));
        QCOMPARE(stateOf(wb, client), stateName(EndpointState::Reset));
        clients << client;
    }

    // A reset we receive: a raw peer closes with SO_LINGER 0.
    EndpointId resetByPeer = 0;
    {
        auto [rawListener, client, raw, failure] = connectToRawListener(wb);
        QVERIFY2(!failure, failure);
        QVERIFY(raw->sendAll("hello then RST"));
        QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), QByteArray("hello then RST"));
        raw->setLingerZero();
        raw->closeNow();
        QVERIFY(waitFinal(wb, client));
        QCOMPARE(stateOf(wb, client), stateName(EndpointState::Reset));
        QVERIFY(!wb.info(client).resetByUs);
        resetByPeer = client;
        clients << client;
    }

    // A refused connect.
    EndpointId refused = 0;
    {
        auto closedPort = LoopbackPeer::bindTcpOnly();
        QVERIFY(closedPort);
        refused = wb.connectTcp(closedPort->local().ip, closedPort->local().port);
        QVERIFY(waitFinal(wb, refused));
        QCOMPARE(stateOf(wb, refused), stateName(EndpointState::Failed));
        clients << refused;
    }

    // UDP: datagrams both ways, and one truncated by a small receive limit.
    QSignalSpy bound(&wb, &Workbench::udpBound);
    UdpOptions tiny;
    tiny.maxDatagramBytes = 16;
    const EndpointId udpA = wb.bindUdp(QStringLiteral("127.0.0.1"), 0);
    const EndpointId udpB = wb.bindUdp(QStringLiteral("127.0.0.1"), 0, tiny);
    QTRY_COMPARE(bound.size(), 2);
    const NetAddress addrA = wb.info(udpA).local;
    const NetAddress addrB = wb.info(udpB).local;
    QVERIFY(wb.sendDatagram(udpA, addrB.ip, addrB.port, "one"));
    QVERIFY(wb.sendDatagram(udpA, addrB.ip, addrB.port, "two"));
    QVERIFY(wb.sendDatagram(udpB, addrA.ip, addrA.port, "back"));
    // A datagram from a socket of ours is drawn once, from the sender's record, whole.
    QVERIFY(wb.sendDatagram(udpA, addrB.ip, addrB.port, pattern(100, 4)));
    // A raw peer's datagram, truncated by B: drawn from B's record, with its real length.
    auto rawUdp = LoopbackPeer::bindUdp();
    QVERIFY(rawUdp);
    QVERIFY(rawUdp->sendTo(addrB, pattern(100, 5)));
    QTRY_COMPARE(recordsOf(wb.journal(), udpB, RecordKind::DataIn).size(), size_t(4));
    QTRY_COMPARE(recordsOf(wb.journal(), udpA, RecordKind::DataIn).size(), size_t(1));
    QVERIFY(recordsOf(wb.journal(), udpB, RecordKind::DataIn).back().isTruncated());
    // The same over IPv6, where a UDP checksum is mandatory but cannot cover the missing bytes.
    EndpointId udp6 = 0;
    if (hasIpv6Loopback()) {
        udp6 = wb.bindUdp(QStringLiteral("::1"), 0, tiny);
        QTRY_COMPARE(bound.size(), 3);
        auto raw6 = LoopbackPeer::bindUdp(QStringLiteral("::1"));
        QVERIFY(raw6);
        QVERIFY(raw6->sendTo(wb.info(udp6).local, pattern(100, 6)));
        QVERIFY(raw6->sendTo(wb.info(udp6).local, "whole"));
        QTRY_COMPARE(recordsOf(wb.journal(), udp6, RecordKind::DataIn).size(), size_t(2));
    }

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("session.pcapng"));
    const auto namer = [](EndpointId id) { return QStringLiteral("Endpoint %1 of the test").arg(id); };
    QVERIFY(writeCapture(wb.journal(), path, namer));

    // 1. Nothing broken, checksums included.
    const QByteArray broken = problems(path);
    QVERIFY2(broken.isEmpty(), broken.constData());

    // 2. Exactly our connections, each once (the accepted ends are the same connections).
    const TsharkRun conv = runTshark(
        {QStringLiteral("-r"), path, QStringLiteral("-q"), QStringLiteral("-z"), QStringLiteral("conv,tcp")});
    QVERIFY2(conv.ok, conv.error.constData());
    int conversations = 0;
    for (const QByteArray &line : conv.out.split('\n'))
        conversations += line.contains("<->") ? 1 : 0;
    QCOMPARE(conversations, int(clients.size()));

    // 3. Every stream's bytes, both ways, exactly as the client's journal has them.
    QByteArray error;
    const QList<FollowedStream> streams = followAll(path, int(clients.size()), &error);
    QVERIFY2(error.isEmpty(), error.constData());
    QCOMPARE(streams.size(), clients.size());
    for (EndpointId client : clients) {
        const NetAddress local = wb.journal().describedEndpoint(client)->local;
        const auto it = std::find_if(streams.begin(), streams.end(),
                                     [&](const FollowedStream &s) { return s.node0 == nodeText(local); });
        QVERIFY2(it != streams.end(), qPrintable(QStringLiteral("no stream from %1").arg(nodeText(local))));
        QCOMPARE(it->from0, streamOf(wb.journal(), client, RecordKind::DataOut));
        QCOMPARE(it->from1, streamOf(wb.journal(), client, RecordKind::DataIn));
    }

    // 4. UDP payloads, in order, with the truncated one's real length.
    const TsharkRun udp = runTshark(
        {QStringLiteral("-r"), path, QStringLiteral("-Y"), QStringLiteral("udp"), QStringLiteral("-T"),
         QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("udp.srcport"), QStringLiteral("-e"),
         QStringLiteral("udp.length"), QStringLiteral("-e"), QStringLiteral("udp.payload")});
    QVERIFY2(udp.ok, udp.error.constData());
    QStringList expected;
    for (quint64 seq = 0; seq < wb.journal().count(); ++seq) {
        Record r;
        QVERIFY(wb.journal().record(seq, &r, true));
        if ((r.endpoint != udpA && r.endpoint != udpB && r.endpoint != udp6) || r.kind == RecordKind::Event)
            continue;
        if (r.kind == RecordKind::DataIn && (r.peer.port == addrA.port || r.peer.port == addrB.port))
            continue; // the sender's DataOut drew it
        const NetAddress self = r.endpoint == udpA ? addrA : r.endpoint == udpB ? addrB : wb.info(udp6).local;
        const quint16 from = r.kind == RecordKind::DataOut ? self.port : r.peer.port;
        expected << QStringLiteral("%1\t%2\t%3")
                        .arg(from)
                        .arg(r.originalLength + 8)
                        .arg(QString::fromLatin1(r.payload.toHex()));
    }
    QCOMPARE(QString::fromUtf8(udp.out.trimmed()).split(u'\n'), expected);

    // 5. Comments: the refusal on the RST that answers the SYN, the peer's reset on its RST, names.
    const TsharkRun resets =
        runTshark({QStringLiteral("-r"), path, QStringLiteral("-Y"), QStringLiteral("tcp.flags.reset == 1"),
                   QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"),
                   QStringLiteral("frame.comment")});
    QVERIFY2(resets.ok, resets.error.constData());
    const QString resetComments = QString::fromUtf8(resets.out);
    QVERIFY2(resetComments.contains(QStringLiteral("refused"), Qt::CaseInsensitive),
             qPrintable(resetComments));
    QVERIFY2(resetComments.contains(eventsOf(wb.journal(), resetByPeer).split(u'\n').last()),
             qPrintable(resetComments));
    const TsharkRun all =
        runTshark({QStringLiteral("-r"), path, QStringLiteral("-T"), QStringLiteral("fields"),
                   QStringLiteral("-e"), QStringLiteral("frame.comment")});
    QVERIFY2(all.ok, all.error.constData());
    const QString comments = QString::fromUtf8(all.out);
    QVERIFY2(comments.contains(namer(clients.first())), qPrintable(comments));
    QVERIFY2(comments.contains(namer(udpA)), qPrintable(comments));
    QVERIFY2(comments.contains(QStringLiteral("Connected to")), qPrintable(comments));
}

void TestPcapngWriter::droppedRecordsStillMakeAValidCapture() {
    if (!m_haveTshark)
        QSKIP("tshark is not installed");
    WorkbenchConfig config;
    config.journalBudgetBytes = 2 * 1024 * 1024;
    Workbench wb(config);
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client);
    const EndpointId server = waitAccepted(accepted, wb.info(client).local);
    QVERIFY(server);
    // 4 MB in 40 chunks, each received before the next is sent, so the client's records and the
    // server's interleave and whatever the 2 MiB budget keeps holds some of each. (All at once,
    // the kernel can take every chunk before the server reads one; and chunks that divide the
    // journal's 1 MiB blocks evenly can leave a block boundary just after the client's last.)
    const int chunks = 40;
    const QByteArray chunk = pattern(100 * 1000, 5);
    for (int i = 1; i <= chunks; ++i) {
        QVERIFY(wb.send(client, chunk));
        QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(i * chunk.size()), 20000);
    }
    wb.close(client);
    QVERIFY(waitFinal(wb, client));
    QVERIFY(waitFinal(wb, server));
    QVERIFY(wb.journal().oldestSeq() > 0);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("dropped.pcapng"));
    QVERIFY(writeCapture(wb.journal(), path));
    const QByteArray broken = problems(path);
    QVERIFY2(broken.isEmpty(), broken.constData());
    // The held records are drawn as a stream that starts with its own handshake; its bytes are
    // exactly those the journal still holds.
    quint64 held = 0;
    for (const Record &r : recordsOf(wb.journal(), client, RecordKind::DataOut, false))
        held += r.length;
    QVERIFY2(held > 0 && held < quint64(chunks * chunk.size()), QByteArray::number(held).constData());
    const TsharkRun lengths = runTshark(
        {QStringLiteral("-r"), path, QStringLiteral("-Y"), QStringLiteral("tcp.len > 0"),
         QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("tcp.len")});
    QVERIFY2(lengths.ok, lengths.error.constData());
    quint64 drawn = 0;
    for (const QByteArray &line : lengths.out.split('\n'))
        drawn += line.trimmed().toULongLong();
    QCOMPARE(drawn, held);
}

void TestPcapngWriter::subsetDrawsTheHandshake() {
    if (!m_haveTshark)
        QSKIP("tshark is not installed");
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client);
    const EndpointId server = waitAccepted(accepted, wb.info(client).local);
    QVERIFY(server);
    QVERIFY(wb.send(server, "greeting"));
    QVERIFY(wb.send(client, "question"));
    QVERIFY(wb.send(server, "answer"));
    QTRY_COMPARE(streamOf(wb.journal(), client, RecordKind::DataIn), QByteArray("greetinganswer"));

    // Only the client's last data record, as if it were the one selected row.
    const std::vector<Record> in = recordsOf(wb.journal(), client, RecordKind::DataIn);
    PcapngWriter writer(wb.journal());
    QByteArray out;
    writer.begin(&out);
    writer.add(in.back(), &out);
    writer.finish(&out);
    QCOMPARE(writer.packetsWritten(), quint64(5)); // SYN, SYN-ACK, ACK, data, ACK
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("subset.pcapng"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(out);
    file.close();
    const QByteArray broken = problems(path);
    QVERIFY2(broken.isEmpty(), broken.constData());
    QByteArray error;
    const QList<FollowedStream> streams = followAll(path, 1, &error);
    QVERIFY2(error.isEmpty(), error.constData());
    QCOMPARE(streams.size(), 1);
    QCOMPARE(streams.first().node0, nodeText(wb.info(client).local));
    QCOMPARE(streams.first().from1, in.back().payload);
}

void TestPcapngWriter::manyRecords() {
    // 200,000 records of a connection, both ways, each a packet. How fast is the benchmarks'
    // business (exportbench, scenario 14): a unit test only prints the time, as a clue.
    Journal journal;
    const EndpointId id = 1;
    journal.describeEndpoint(id, {EndpointKind::TcpConnection,
                                  true,
                                  0,
                                  {QStringLiteral("127.0.0.1"), 40000},
                                  {QStringLiteral("127.0.0.1"), 80}});
    journal.appendEvent(id, QStringLiteral("Connecting"), Marker::Connecting);
    journal.appendEvent(id, QStringLiteral("Connected"), Marker::Established);
    const QByteArray chunk = pattern(100, 7);
    constexpr int N = 200000;
    for (int i = 0; i < N; ++i)
        journal.appendData(id, i % 2 ? RecordKind::DataIn : RecordKind::DataOut, chunk);
    std::vector<Record> records = journal.records(0, journal.count(), true);
    QElapsedTimer timer;
    timer.start();
    PcapngWriter writer(journal);
    QByteArray out;
    out.reserve(64 * 1024 * 1024);
    writer.begin(&out);
    for (const Record &r : records)
        writer.add(r, &out);
    writer.finish(&out);
    const qint64 ms = timer.elapsed();
    qInfo() << N << "records in" << ms << "ms," << out.size() << "bytes";
    QCOMPARE(writer.packetsWritten(), quint64(3 + 2 * N));
}

void TestPcapngWriter::leftoverCommentsInventNoTraffic() {
    // A listener's events have no packet of their own; with no packet after them they end in a
    // final statistics block, which Wireshark reads, and no packet is made up for them.
    Journal journal;
    journal.describeEndpoint(7,
                             {EndpointKind::TcpListener, false, 0, {QStringLiteral("127.0.0.1"), 5000}, {}});
    journal.appendEvent(7, QStringLiteral("Listening on 127.0.0.1:5000"));
    PcapngWriter writer(journal, [](EndpointId) { return QStringLiteral("the listener"); });
    QByteArray out;
    writer.begin(&out);
    Record r;
    QVERIFY(journal.record(0, &r, true));
    writer.add(r, &out);
    writer.finish(&out);
    QCOMPARE(writer.packetsWritten(), quint64(0));
    QVERIFY(out.contains("the listener: Listening on 127.0.0.1:5000"));
    if (!m_haveTshark)
        QSKIP("tshark is not installed");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("leftover.pcapng"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(out);
    file.close();
    const TsharkRun run = runTshark({QStringLiteral("-r"), path});
    QVERIFY2(run.ok, run.error.constData());
    QVERIFY(run.out.trimmed().isEmpty());
}

void TestPcapngWriter::datagramsFromOtherHostsAreDrawn() {
    // Two of our UDP sockets on every interface, as a UDP relay has them: the client side on 9000,
    // the target side (any port) talking to a remote server that also uses 9000. The server's
    // reply comes from 192.0.2.7:9000, not from our socket on 9000: it is drawn. A datagram between
    // our two sockets (from 127.0.0.1:9000) is drawn once, from the sender's side.
    Journal journal;
    const NetAddress any{QStringLiteral("0.0.0.0"), 9000};
    const NetAddress upstream{QStringLiteral("0.0.0.0"), 41000};
    const NetAddress server{QStringLiteral("192.0.2.7"), 9000};
    const NetAddress ourClientSide{QStringLiteral("127.0.0.1"), 9000};
    const NetAddress ourUpstream{QStringLiteral("127.0.0.1"), 41000};
    journal.describeEndpoint(1, {EndpointKind::UdpSocket, false, 0, any, {}});
    journal.describeEndpoint(2, {EndpointKind::UdpSocket, true, 0, upstream, server});
    journal.appendData(2, RecordKind::DataOut, QByteArray("query"), &server);
    journal.appendData(2, RecordKind::DataIn, QByteArray("remote reply"), &server);
    journal.appendData(1, RecordKind::DataOut, QByteArray("between us"), &ourUpstream);
    journal.appendData(2, RecordKind::DataIn, QByteArray("between us"), &ourClientSide);
    PcapngWriter writer(journal);
    QByteArray out;
    writer.begin(&out);
    for (quint64 seq = 0; seq < journal.count(); ++seq) {
        Record r;
        QVERIFY(journal.record(seq, &r, true));
        writer.add(r, &out);
    }
    writer.finish(&out);
    QCOMPARE(writer.packetsWritten(), quint64(3));
    QVERIFY(out.contains("remote reply"));
    QCOMPARE(out.count("between us"), 1);
}

SOCKBENCH_TEST_MAIN(TestPcapngWriter)
#include "tst_pcapngwriter.moc"
