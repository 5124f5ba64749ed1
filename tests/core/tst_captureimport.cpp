// Importing the fixtures of tests/data/ into a Workbench: endpoints "from capture", their
// descriptions, and records that point into the mapped file.

#include "capture/captureimport.h"
#include "engine/workbench.h"
#include "testfiles.h"
#include "testmain.h"

#include <QSignalSpy>
#include <QTest>

using namespace sockbench;

namespace {

struct ImportedCapture {
    QList<EndpointId> ids;
    std::unique_ptr<CaptureFile> capture;
};

ImportedCapture importFixture(Workbench &wb, const QString &name) {
    QString error;
    ImportedCapture out;
    out.capture = readCapture(dataFile(name), &error);
    if (!out.capture) {
        qWarning("%s", qPrintable(error));
        return out;
    }
    out.ids = importCapture(wb, *out.capture);
    return out;
}

QList<Record> allRecordsOf(const Journal &journal, EndpointId id) {
    QList<Record> out;
    for (quint64 seq = 0; seq < journal.count(); ++seq) {
        Record r;
        if (journal.record(seq, &r) && r.endpoint == id)
            out.append(r);
    }
    return out;
}

} // namespace

class TestCaptureImport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tcpStream();
    void udpStream();
    void endStates();
    void streamWithoutRecords();
};

void TestCaptureImport::tcpStream() {
    Workbench wb;
    QSignalSpy added(&wb, &Workbench::captureEndpointAdded);
    QSignalSpy grew(&wb, &Workbench::journalGrew);
    const ImportedCapture imported = importFixture(wb, QStringLiteral("tcp-v4.pcapng"));
    QVERIFY(imported.capture);
    QCOMPARE(imported.ids.size(), 1);
    QCOMPARE(added.count(), 1);
    QCOMPARE(grew.count(), 1);
    const EndpointId id = imported.ids[0];
    const EndpointInfo info = wb.info(id);
    QVERIFY(info.kind == EndpointKind::TcpConnection);
    QVERIFY(info.isFromCapture());
    QCOMPARE(info.captureFile, dataFile(QStringLiteral("tcp-v4.pcapng")));
    QCOMPARE(info.captureStream, 0);
    QVERIFY(info.outgoing);
    QCOMPARE(info.local, imported.capture->streams[0].client);
    QCOMPARE(info.peer, imported.capture->streams[0].server);
    QCOMPARE(toString(info.state), toString(EndpointState::Closed));

    const auto meta = wb.journal().describedEndpoint(id);
    QVERIFY(meta);
    QVERIFY(meta->outgoing);
    QCOMPARE(meta->local, info.local);
    QCOMPARE(meta->peer, info.peer);

    QByteArray out, in;
    QList<Marker> markers;
    const QList<Record> records = allRecordsOf(wb.journal(), id);
    QCOMPARE(records.size(), qsizetype(imported.capture->records.size()));
    for (const Record &r : records) {
        QVERIFY(r.isImported());
        if (r.kind == RecordKind::DataOut)
            out += r.payload;
        else if (r.kind == RecordKind::DataIn)
            in += r.payload;
        QVERIFY(r.peer.ip.isEmpty());
        if (r.marker != Marker::None)
            markers.append(r.marker);
    }
    QCOMPARE(out, QByteArray("hello server\nbye\n"));
    QCOMPARE(in, QByteArray("hello client\n"));
    QVERIFY(markers == (QList<Marker>{Marker::Connecting, Marker::Established, Marker::FinSent,
                                      Marker::FinReceived, Marker::Closed}));
    QCOMPARE(wb.journal().counters(id).bytesOut, 17u);
    QCOMPARE(wb.journal().counters(id).bytesIn, 13u);
    QCOMPARE(wb.journal().totals().bytesOut, 0u); // no traffic of ours
}

void TestCaptureImport::udpStream() {
    Workbench wb;
    const ImportedCapture imported = importFixture(wb, QStringLiteral("sections.pcapng"));
    QVERIFY(imported.capture);
    QCOMPARE(imported.ids.size(), 2);
    const EndpointInfo udp = wb.info(imported.ids[1]);
    QVERIFY(udp.kind == EndpointKind::UdpSocket);
    QCOMPARE(udp.captureStream, 0);
    QCOMPARE(udp.local.port, quint16(38478));
    QCOMPARE(udp.peer.port, quint16(55433));
    QList<QByteArray> out, in;
    for (const Record &r : allRecordsOf(wb.journal(), imported.ids[1])) {
        QCOMPARE(r.peer, udp.peer); // the datagram's destination (out) or sender (in)
        (r.kind == RecordKind::DataOut ? out : in).append(r.payload);
    }
    QCOMPARE(out, (QList<QByteArray>{"ping 1", "ping 2"}));
    QCOMPARE(in, (QList<QByteArray>{"pong 1", "pong 2"}));
    QCOMPARE(wb.journal().counters(imported.ids[1]).datagramsOut, 2u);
}

void TestCaptureImport::endStates() {
    Workbench wb;
    ImportedCapture refused = importFixture(wb, QStringLiteral("refused.pcapng"));
    QVERIFY(refused.capture);
    QCOMPARE(toString(wb.info(refused.ids[0]).state), toString(EndpointState::Failed));
    QCOMPARE(wb.info(refused.ids[0]).error, QStringLiteral("Connection refused"));
    ImportedCapture reset = importFixture(wb, QStringLiteral("reset.pcapng"));
    QVERIFY(reset.capture);
    const EndpointInfo info = wb.info(reset.ids[0]);
    QCOMPARE(toString(info.state), toString(EndpointState::Reset));
    QVERIFY(!info.resetByUs); // the server reset it
    QCOMPARE(info.error, QStringLiteral("Reset by %1").arg(info.peer.toString()));
    QVERIFY(reset.ids[0] != refused.ids[0]);
}

void TestCaptureImport::streamWithoutRecords() {
    // A stream whose packets carried nothing to show still becomes an endpoint.
    CaptureFile capture;
    capture.path = QStringLiteral("empty.pcapng");
    CaptureStream s;
    s.protocol = CaptureProtocol::Udp;
    s.number = 3;
    s.client = {QStringLiteral("10.0.0.1"), 1000};
    s.server = {QStringLiteral("10.0.0.2"), 2000};
    capture.streams.append(s);
    Workbench wb;
    const QList<EndpointId> ids = importCapture(wb, capture);
    QCOMPARE(ids.size(), 1);
    QCOMPARE(wb.info(ids[0]).captureStream, 3);
    QCOMPARE(wb.info(ids[0]).captureFile, QStringLiteral("empty.pcapng"));
}

SOCKBENCH_TEST_MAIN(TestCaptureImport)
#include "tst_captureimport.moc"
