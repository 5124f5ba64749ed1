// The traffic log's model on its own: columns, roles and filters over a journal with known records,
// batches of new rows, the hex and time-delta displays, long, truncated and evicted payloads, and
// datagrams from a real peer on loopback named by their sender.

#include "models/journalfeed.h"
#include "models/trafficmodel.h"
#include "style/presentation.h"
#include "testmain.h"
#include "testutil.h"

#include <QFont>
#include <QSignalSpy>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

namespace {

QString cell(const TrafficModel &model, int row, int column, int role = Qt::DisplayRole) {
    return model.index(row, column).data(role).toString();
}

EndpointId endpointAt(const TrafficModel &model, int row) {
    return model.index(row, 0).data(TrafficModel::EndpointRole).value<EndpointId>();
}

QList<quint64> seqsOf(const TrafficModel &model) {
    QList<quint64> seqs;
    for (int row = 0; row < model.rowCount(); ++row)
        seqs.append(model.seqAt(row));
    return seqs;
}

} // namespace

class TestTrafficModel final : public QObject {
    Q_OBJECT

public:
    TestTrafficModel() = default;
    Q_DISABLE_COPY_MOVE(TestTrafficModel)

private Q_SLOTS:
    void columnsAndHeaders();
    void rowsShowWhatTheJournalHolds();
    void appendInsertsOneBatchAndStopsAtTheJournal();
    void filtersByEndpointDirectionAndSearch();
    void hexPreviewAndTimeDelta();
    void hexColumnShowsThePayloadBesideItsText();
    void longAndTruncatedPayloadsArePreviewedShort();
    void droppedRecordsLeaveFromTheTop();
    void datagramsFromARealPeerNameTheirSender();

private:
    /// Out "GET /\r\n" on #1, a datagram "pong" in on #2 from 127.0.0.1:5353, the event
    /// "Connection refused" on #3, then in "HTTP/1.1 200 OK" on #1.
    static void appendKnownRecords(Journal &journal);
};

void TestTrafficModel::appendKnownRecords(Journal &journal) {
    journal.appendData(1, RecordKind::DataOut, QByteArray("GET /\r\n"));
    const NetAddress sender{QStringLiteral("127.0.0.1"), 5353};
    journal.appendData(2, RecordKind::DataIn, QByteArray("pong"), &sender);
    journal.appendEvent(3, QStringLiteral("Connection refused"));
    journal.appendData(1, RecordKind::DataIn, QByteArray("HTTP/1.1 200 OK"));
}

void TestTrafficModel::columnsAndHeaders() {
    Journal journal;
    TrafficModel model(&journal);
    QCOMPARE(model.columnCount(), int(TrafficModel::ColumnCount));
    QCOMPARE(model.rowCount(), 0);
    const QStringList headers = {QStringLiteral("No."),        QStringLiteral("Time"),
                                 QStringLiteral("Connection"), QStringLiteral("Direction"),
                                 QStringLiteral("Length"),     QStringLiteral("Data"),
                                 QStringLiteral("Hex")};
    for (int c = 0; c < TrafficModel::ColumnCount; ++c)
        QCOMPARE(model.headerData(c, Qt::Horizontal).toString(), headers[c]);
    QVERIFY(!model.headerData(0, Qt::Vertical).isValid());
    // A table has no children.
    appendKnownRecords(journal);
    model.appendUpTo(journal.count());
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);
    QCOMPARE(model.columnCount(model.index(0, 0)), 0);
    QVERIFY(!model.index(4, 0).data().isValid());
}

void TestTrafficModel::rowsShowWhatTheJournalHolds() {
    Journal journal;
    appendKnownRecords(journal);
    TrafficModel model(&journal);
    model.setEndpointLabeler([](EndpointId id) { return QStringLiteral("conn%1").arg(id); });
    model.appendUpTo(journal.count());
    QCOMPARE(model.rowCount(), 4);

    QCOMPARE(cell(model, 0, TrafficModel::NumberColumn), QStringLiteral("1"));
    QCOMPARE(cell(model, 3, TrafficModel::NumberColumn), QStringLiteral("4"));
    Record first;
    QVERIFY(journal.record(0, &first, false));
    QCOMPARE(cell(model, 0, TrafficModel::TimeColumn), formatTimestamp(first.timeNs));

    QCOMPARE(cell(model, 0, TrafficModel::ConnectionColumn), QStringLiteral("conn1"));
    QCOMPARE(cell(model, 1, TrafficModel::ConnectionColumn), QStringLiteral("conn2 ← 127.0.0.1:5353"));
    QCOMPARE(cell(model, 2, TrafficModel::ConnectionColumn), QStringLiteral("conn3"));
    QCOMPARE(endpointAt(model, 0), EndpointId(1));
    QCOMPARE(endpointAt(model, 1), EndpointId(2));
    QCOMPARE(endpointAt(model, 2), EndpointId(3));

    QCOMPARE(cell(model, 0, TrafficModel::DirectionColumn), directionText(RecordKind::DataOut));
    QCOMPARE(cell(model, 1, TrafficModel::DirectionColumn), directionText(RecordKind::DataIn));
    QCOMPARE(cell(model, 2, TrafficModel::DirectionColumn), directionText(RecordKind::Event));

    // Lengths for data, none for events; payloads as escaped text, events as their text.
    QCOMPARE(cell(model, 0, TrafficModel::LengthColumn), QStringLiteral("7"));
    QVERIFY(!model.index(2, TrafficModel::LengthColumn).data().isValid());
    QCOMPARE(cell(model, 0, TrafficModel::DataColumn), QStringLiteral("GET /\\r\\n"));
    QCOMPARE(cell(model, 1, TrafficModel::DataColumn), QStringLiteral("pong"));
    QCOMPARE(cell(model, 2, TrafficModel::DataColumn), QStringLiteral("Connection refused"));

    // Colours of the directions, italics for events, numbers to the right.
    const auto colour = [&](int row, int column) {
        return model.index(row, column).data(Qt::ForegroundRole).value<QColor>();
    };
    QCOMPARE(colour(0, TrafficModel::DirectionColumn), outboundColor());
    QCOMPARE(colour(1, TrafficModel::DataColumn), inboundColor());
    QCOMPARE(colour(2, TrafficModel::DataColumn), eventColor());
    QVERIFY(!model.index(0, TrafficModel::ConnectionColumn).data(Qt::ForegroundRole).isValid());
    QVERIFY(model.index(2, TrafficModel::DataColumn).data(Qt::FontRole).value<QFont>().italic());
    QVERIFY(!model.index(0, TrafficModel::DataColumn).data(Qt::FontRole).isValid());
    const auto alignment = model.index(0, TrafficModel::LengthColumn).data(Qt::TextAlignmentRole);
    QCOMPARE(alignment.value<Qt::Alignment>(), Qt::AlignRight | Qt::AlignVCenter);
}

void TestTrafficModel::appendInsertsOneBatchAndStopsAtTheJournal() {
    Journal journal;
    TrafficModel model(&journal);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 1000; ++i)
        journal.appendData(1 + i % 2, RecordKind::DataIn, QByteArray::number(i));
    model.appendUpTo(1000);
    QCOMPARE(inserted.count(), 1); // a thousand records, one insertion
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    QCOMPARE(inserted.first().at(2).toInt(), 999);
    QCOMPARE(model.rowCount(), 1000);
    // An announcement beyond what the journal holds shows what it holds, and nothing twice.
    model.appendUpTo(5000);
    model.appendUpTo(1000);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), 1000);
    journal.appendData(1, RecordKind::DataOut, QByteArray("one more"));
    model.appendUpTo(journal.count());
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(cell(model, 1000, TrafficModel::DataColumn), QStringLiteral("one more"));
}

void TestTrafficModel::filtersByEndpointDirectionAndSearch() {
    Journal journal;
    appendKnownRecords(journal);
    TrafficModel model(&journal);
    model.appendUpTo(journal.count());
    QVERIFY(!model.isFiltered());
    QCOMPARE(seqsOf(model), (QList<quint64>{0, 1, 2, 3}));

    model.setEndpointFilter({1});
    QVERIFY(model.isFiltered());
    QCOMPARE(seqsOf(model), (QList<quint64>{0, 3}));
    model.setDirectionFilter(TrafficModel::Direction::In);
    QCOMPARE(seqsOf(model), (QList<quint64>{3}));
    model.setEndpointFilter({});
    QCOMPARE(seqsOf(model), (QList<quint64>{1, 3}));
    model.setDirectionFilter(TrafficModel::Direction::Out);
    QCOMPARE(seqsOf(model), (QList<quint64>{0}));
    model.setDirectionFilter(TrafficModel::Direction::Events);
    QCOMPARE(seqsOf(model), (QList<quint64>{2}));
    model.setDirectionFilter(TrafficModel::Direction::All);

    // Search looks inside payloads, events included, across both directions.
    model.setSearchBytes("O");
    QCOMPARE(seqsOf(model), (QList<quint64>{3}));
    model.setSearchBytes("o");
    QCOMPARE(seqsOf(model), (QList<quint64>{1, 2}));
    model.setSearchBytes("\r\n");
    QCOMPARE(seqsOf(model), (QList<quint64>{0}));
    QCOMPARE(cell(model, 0, TrafficModel::DataColumn), QStringLiteral("GET /\\r\\n"));

    // New records pass through the filters that are on.
    journal.appendData(4, RecordKind::DataIn, QByteArray("line\r\n"));
    journal.appendData(4, RecordKind::DataIn, QByteArray("no break"));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.appendUpTo(journal.count());
    QCOMPARE(seqsOf(model), (QList<quint64>{0, 4}));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 1);

    // Nothing that matches, then nothing inserted; clearing every filter shows every record.
    model.setSearchBytes("absent");
    QCOMPARE(model.rowCount(), 0);
    model.setSearchBytes({});
    QVERIFY(!model.isFiltered());
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(model.seqAt(5), quint64(5));
}

void TestTrafficModel::hexColumnShowsThePayloadBesideItsText() {
    Journal journal;
    appendKnownRecords(journal);
    journal.appendData(4, RecordKind::DataOut, QByteArray("Hi\x01\xff", 4));
    TrafficModel model(&journal);
    model.appendUpTo(journal.count());
    // Text and hex side by side, in the direction's colour; events have no hex.
    QCOMPARE(cell(model, 0, TrafficModel::DataColumn), QStringLiteral("GET /\\r\\n"));
    QCOMPARE(cell(model, 0, TrafficModel::HexColumn), QStringLiteral("47 45 54 20 2f 0d 0a"));
    QCOMPARE(cell(model, 4, TrafficModel::HexColumn), QStringLiteral("48 69 01 ff"));
    QCOMPARE(cell(model, 2, TrafficModel::HexColumn), QString());
    QCOMPARE(model.index(0, TrafficModel::HexColumn).data(Qt::ForegroundRole),
             model.index(0, TrafficModel::DataColumn).data(Qt::ForegroundRole));
    QVERIFY2(cell(model, 4, TrafficModel::HexColumn, Qt::ToolTipRole).contains(QStringLiteral("48 69 01 ff")),
             qPrintable(cell(model, 4, TrafficModel::HexColumn, Qt::ToolTipRole)));
    // Hex preview changes the Data column, not this one.
    model.setHexPreview(true);
    QCOMPARE(cell(model, 4, TrafficModel::HexColumn), QStringLiteral("48 69 01 ff"));
}

void TestTrafficModel::hexPreviewAndTimeDelta() {
    Journal journal;
    appendKnownRecords(journal);
    TrafficModel model(&journal);
    model.appendUpTo(journal.count());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy headers(&model, &QAbstractItemModel::headerDataChanged);

    model.setHexPreview(true);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().column(), int(TrafficModel::DataColumn));
    QCOMPARE(cell(model, 0, TrafficModel::DataColumn), QStringLiteral("47 45 54 20 2f 0d 0a"));
    QCOMPARE(model.headerData(TrafficModel::DataColumn, Qt::Horizontal).toString(),
             QStringLiteral("Data (hex)"));
    // Events stay readable text.
    QCOMPARE(cell(model, 2, TrafficModel::DataColumn), QStringLiteral("Connection refused"));
    model.setHexPreview(true); // no change, no repaint
    QCOMPARE(changed.count(), 1);
    model.setHexPreview(false);
    QCOMPARE(cell(model, 0, TrafficModel::DataColumn), QStringLiteral("GET /\\r\\n"));

    model.setTimeDelta(true);
    QCOMPARE(headers.count(), 1);
    QCOMPARE(model.headerData(TrafficModel::TimeColumn, Qt::Horizontal).toString(), QStringLiteral("Δ time"));
    QCOMPARE(cell(model, 0, TrafficModel::TimeColumn), formatDelta(0));
    Record r2;
    Record r3;
    QVERIFY(journal.record(2, &r2, false));
    QVERIFY(journal.record(3, &r3, false));
    QCOMPARE(cell(model, 3, TrafficModel::TimeColumn), formatDelta(r3.timeNs - r2.timeNs));
    QVERIFY(cell(model, 3, TrafficModel::TimeColumn).startsWith(QLatin1Char('+')));
    // The delta is to the previous row shown, not to the previous record.
    model.setEndpointFilter({1});
    Record r0;
    QVERIFY(journal.record(0, &r0, false));
    QCOMPARE(cell(model, 1, TrafficModel::TimeColumn), formatDelta(r3.timeNs - r0.timeNs));
}

void TestTrafficModel::longAndTruncatedPayloadsArePreviewedShort() {
    Journal journal;
    journal.appendData(1, RecordKind::DataIn, QByteArray(1000, 'a'));
    const QByteArray datagram(512, 'b');
    const NetAddress sender{QStringLiteral("127.0.0.1"), 9};
    journal.appendData(2, RecordKind::DataIn, datagram.constData(), quint32(datagram.size()), &sender, 2000);
    TrafficModel model(&journal);
    model.appendUpTo(journal.count());

    const QString longPreview = cell(model, 0, TrafficModel::DataColumn);
    QCOMPARE(longPreview, QString(200, QLatin1Char('a')) + QStringLiteral("…"));
    QCOMPARE(cell(model, 0, TrafficModel::LengthColumn), QStringLiteral("1000"));
    const QString truncated = cell(model, 1, TrafficModel::DataColumn);
    QVERIFY2(truncated.startsWith(QStringLiteral("(truncated from 2000 bytes) bbb")), qPrintable(truncated));
    QCOMPARE(cell(model, 1, TrafficModel::LengthColumn), QStringLiteral("512"));
    model.setHexPreview(true);
    // 64 bytes of hex and an ellipsis: a row never grows with its payload.
    const QString hex = cell(model, 0, TrafficModel::DataColumn);
    QVERIFY2(hex.startsWith(QStringLiteral("61 61 61")) && hex.size() < 64 * 3 + 8, qPrintable(hex));
}

void TestTrafficModel::droppedRecordsLeaveFromTheTop() {
    Journal journal;
    journal.appendData(1, RecordKind::DataOut, QByteArray("first words"));
    const QByteArray chunk(64 * 1024, 'x');
    for (int i = 0; i < 64; ++i) // 4 MiB
        journal.appendData(i % 2 ? 1 : 2, RecordKind::DataOut, chunk);
    TrafficModel model(&journal);
    model.appendUpTo(journal.count());
    TrafficModel filtered(&journal);
    filtered.setEndpointFilter({1});
    filtered.appendUpTo(journal.count());
    QCOMPARE(model.rowCount(), 65);
    QCOMPARE(filtered.rowCount(), 33);
    QCOMPARE(cell(model, 0, TrafficModel::DataColumn), QStringLiteral("first words"));

    // The budget drops the oldest records whole: at the next announcement their rows go from the
    // top, in one removal, and every row left is a record the journal holds.
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy filteredRemoved(&filtered, &QAbstractItemModel::rowsRemoved);
    journal.setBudgetBytes(1024 * 1024);
    const quint64 oldest = journal.oldestSeq();
    QVERIFY(oldest > 0);
    model.appendUpTo(journal.count());
    filtered.appendUpTo(journal.count());
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().at(1).toInt(), 0);
    QCOMPARE(removed.first().at(2).toInt(), int(oldest) - 1);
    QCOMPARE(model.rowCount(), int(65 - oldest));
    QCOMPARE(model.seqAt(0), oldest);
    QCOMPARE(filteredRemoved.count(), 1);
    for (int row = 0; row < filtered.rowCount(); ++row)
        QVERIFY(filtered.seqAt(row) >= oldest);
    QCOMPARE(cell(model, model.rowCount() - 1, TrafficModel::DataColumn).left(3), QStringLiteral("xxx"));
    // New records come after, as before.
    journal.appendData(1, RecordKind::DataIn, QByteArray("later"));
    model.appendUpTo(journal.count());
    filtered.appendUpTo(journal.count());
    QCOMPARE(model.seqAt(model.rowCount() - 1), journal.count() - 1);
    QCOMPARE(filtered.seqAt(filtered.rowCount() - 1), journal.count() - 1);
    QCOMPARE(model.rowCount(), int(journal.count() - journal.oldestSeq()));
}

void TestTrafficModel::datagramsFromARealPeerNameTheirSender() {
    Workbench wb;
    JournalFeed feed(&wb);
    TrafficModel model(&wb.journal());
    model.follow(&feed);
    QSignalSpy bound(&wb, &Workbench::udpBound);
    const EndpointId udp = wb.bindUdp(QStringLiteral("127.0.0.1"), 0);
    QTRY_COMPARE(bound.count(), 1);
    const NetAddress local = bound.first().at(1).value<NetAddress>();
    auto peer = LoopbackPeer::bindUdp();
    QVERIFY(peer);
    QVERIFY(peer->sendTo(local, "hello datagram"));
    const auto inboundRow = [&] {
        for (int row = 0; row < model.rowCount(); ++row) {
            if (endpointAt(model, row) == udp &&
                cell(model, row, TrafficModel::DataColumn) == QLatin1String("hello datagram"))
                return row;
        }
        return -1;
    };
    QTRY_VERIFY(inboundRow() >= 0);
    const int row = inboundRow();
    QCOMPARE(cell(model, row, TrafficModel::ConnectionColumn),
             QStringLiteral("#%1 ← %2").arg(udp).arg(peer->local().toString()));
    QCOMPARE(cell(model, row, TrafficModel::DirectionColumn), directionText(RecordKind::DataIn));
    QCOMPARE(cell(model, row, TrafficModel::LengthColumn), QStringLiteral("14"));

    // And a datagram we send names its destination.
    QVERIFY(wb.sendDatagram(udp, QStringLiteral("127.0.0.1"), peer->local().port, "reply"));
    QCOMPARE(peer->receiveFrom(), QByteArray("reply"));
    const auto outboundShown = [&] {
        for (int r = 0; r < model.rowCount(); ++r) {
            if (cell(model, r, TrafficModel::ConnectionColumn) ==
                QStringLiteral("#%1 → %2").arg(udp).arg(peer->local().toString()))
                return cell(model, r, TrafficModel::DataColumn) == QLatin1String("reply");
        }
        return false;
    };
    QTRY_VERIFY(outboundShown());
}

SOCKBENCH_TEST_MAIN(TestTrafficModel)
#include "tst_trafficmodel.moc"
