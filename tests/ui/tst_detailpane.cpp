// The detail pane on a real Workbench with a loopback peer: what it says about the current record,
// its bytes in the hex view, the byte-level copy buttons, the whole-record copies in the record
// formatter's forms (log line, hex dump, CSV, JSON Lines), evicted records, and the conversation tab.

#include "models/journalfeed.h"
#include "panels/detailpane.h"
#include "style/presentation.h"
#include "testmain.h"
#include "testutil.h"
#include "views/conversationview.h"
#include "views/hexview.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace sockbench;
using namespace sockbench::test;

class TestDetailPane final : public QObject {
    Q_OBJECT

public:
    TestDetailPane() = default;
    Q_DISABLE_COPY_MOVE(TestDetailPane)

private Q_SLOTS:
    void cleanup();
    void showsTheCurrentRecord();
    void copiesTheSelectedBytes();
    void copiesTheWholeRecordInEachForm();
    void droppedRecordsSayTheyAreGone();
    void conversationTabFollowsTheFeed();

private:
    void open(const WorkbenchConfig &config = {});
    /// Sequence number of the first record of this endpoint and kind, once the journal has it.
    quint64 firstRecord(EndpointId id, RecordKind kind) const;
    QString copied(const char *actionName) const;
    template <typename T> T *child(const char *name) const {
        T *widget = m_pane->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no child named %s", name);
        return widget;
    }

    std::unique_ptr<Workbench> m_wb;
    std::unique_ptr<JournalFeed> m_feed;
    std::unique_ptr<DetailPane> m_pane;
    ConnectedToRawListener m_pair;
};

void TestDetailPane::open(const WorkbenchConfig &config) {
    m_wb = std::make_unique<Workbench>(config);
    m_feed = std::make_unique<JournalFeed>(m_wb.get());
    m_pane = std::make_unique<DetailPane>(m_wb.get(), m_feed.get());
    m_pane->resize(900, 400);
    m_pane->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_pane.get()));
    m_pair = connectToRawListener(*m_wb);
    QVERIFY2(!m_pair.failure, m_pair.failure);
}

void TestDetailPane::cleanup() {
    m_pane.reset();
    m_feed.reset();
    m_pair = {};
    m_wb.reset();
}

quint64 TestDetailPane::firstRecord(EndpointId id, RecordKind kind) const {
    std::vector<Record> records;
    (void)QTest::qWaitFor([&] { return !(records = recordsOf(m_wb->journal(), id, kind, false)).empty(); });
    return records.empty() ? ~quint64(0) : records.front().seq;
}

QString TestDetailPane::copied(const char *actionName) const {
    QApplication::clipboard()->clear();
    child<QAction>(actionName)->trigger();
    return QApplication::clipboard()->text();
}

void TestDetailPane::showsTheCurrentRecord() {
    open();
    QCOMPARE(child<QLabel>("recordLabel")->text(), QStringLiteral("No record selected"));
    QVERIFY(!child<QToolButton>("copyRecordButton")->isEnabled());
    QVERIFY(m_wb->send(m_pair.client, "hello\n"));
    QCOMPARE(m_pair.raw->readExactly(6), QByteArray("hello\n"));
    const quint64 seq = firstRecord(m_pair.client, RecordKind::DataOut);
    m_pane->showRecord(seq);
    const QString label = child<QLabel>("recordLabel")->text();
    QVERIFY2(label.startsWith(QStringLiteral("Record %1, #%2 client, ").arg(seq + 1).arg(m_pair.client)),
             qPrintable(label));
    QVERIFY2(label.endsWith(QStringLiteral(": 6 bytes sent")), qPrintable(label));
    QCOMPARE(m_pane->hexView()->data(), QByteArray("hello\n"));
    QVERIFY(child<QToolButton>("copyRecordButton")->isEnabled());

    QVERIFY(m_pair.raw->sendAll(QByteArray("back")));
    m_pane->showRecord(firstRecord(m_pair.client, RecordKind::DataIn));
    QVERIFY(child<QLabel>("recordLabel")->text().endsWith(QStringLiteral(": 4 bytes received")));
    QCOMPARE(m_pane->hexView()->data(), QByteArray("back"));

    // A sequence number the journal does not have changes nothing.
    m_pane->showRecord(1000000);
    QCOMPARE(m_pane->hexView()->data(), QByteArray("back"));
    m_pane->clearRecord();
    QCOMPARE(child<QLabel>("recordLabel")->text(), QStringLiteral("No record selected"));
    QVERIFY(m_pane->hexView()->data().isEmpty());
    QVERIFY(!child<QToolButton>("copyRecordButton")->isEnabled());
}

void TestDetailPane::copiesTheSelectedBytes() {
    open();
    QVERIFY(m_wb->send(m_pair.client, QByteArray("AB\x01\xff", 4)));
    QCOMPARE(m_pair.raw->readExactly(4).size(), 4);
    m_pane->showRecord(firstRecord(m_pair.client, RecordKind::DataOut));
    QTest::mouseClick(child<QPushButton>("copyHexButton"), Qt::LeftButton);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("41 42 01 ff"));
    m_pane->hexView()->setSelection(0, 2);
    QTest::mouseClick(child<QPushButton>("copyTextButton"), Qt::LeftButton);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("AB"));
    QTest::mouseClick(child<QPushButton>("copyCArrayButton"), Qt::LeftButton);
    QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("{\n    0x41, 0x42,\n};")));
}

void TestDetailPane::copiesTheWholeRecordInEachForm() {
    open();
    QVERIFY(m_wb->send(m_pair.client, "hello\n"));
    QCOMPARE(m_pair.raw->readExactly(6), QByteArray("hello\n"));
    const quint64 seq = firstRecord(m_pair.client, RecordKind::DataOut);
    m_pane->showRecord(seq);
    // The client is known by its peer, as the command line names it.
    const QString peer = m_pair.rawListener->local().toString();

    const QString logLine = copied("copyLogLineAction");
    static const QRegularExpression iso(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6} "));
    QVERIFY2(iso.match(logLine).hasMatch(), qPrintable(logLine));
    QVERIFY2(logLine.endsWith(QStringLiteral(" -> %1 6 B: hello\\n\n").arg(peer)), qPrintable(logLine));

    const QString dump = copied("copyHexDumpAction");
    QVERIFY2(dump.startsWith(QStringLiteral("00000000  68 65 6c 6c 6f 0a ")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("|hello.|")), qPrintable(dump));

    const QStringList csv = copied("copyCsvAction").split(QStringLiteral("\r\n"));
    QCOMPARE(csv.size(), 3); // header, row, and nothing after the last CRLF
    QCOMPARE(csv[0], QStringLiteral("seq,time,time_us,endpoint,endpoint_name,local,peer,kind,length,"
                                    "original_length,flags,payload,hex"));
    const QStringList fields = csv[1].split(QLatin1Char(','));
    QCOMPARE(fields.size(), 13);
    QCOMPARE(fields[0], QString::number(seq));
    QCOMPARE(fields[3], QString::number(m_pair.client));
    QCOMPARE(fields[4], endpointLabel(*m_wb, m_pair.client));
    QVERIFY2(fields[5].startsWith(QStringLiteral("127.0.0.1:")), qPrintable(fields[5]));
    QCOMPARE(fields[6], peer);
    QCOMPARE(fields[7], QStringLiteral("out"));
    QCOMPARE(fields[8], QStringLiteral("6"));
    QCOMPARE(fields[11], QStringLiteral("hello\\n"));
    QCOMPARE(fields[12], QStringLiteral("68656c6c6f0a"));
    QVERIFY(csv[2].isEmpty());

    const QString json = copied("copyJsonLineAction");
    QVERIFY(json.endsWith(QLatin1Char('\n')));
    QJsonParseError error;
    const QJsonObject object = QJsonDocument::fromJson(json.toUtf8(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(object.value(QStringLiteral("seq")).toInteger(), qint64(seq));
    QCOMPARE(object.value(QStringLiteral("kind")).toString(), QStringLiteral("out"));
    QCOMPARE(object.value(QStringLiteral("peer")).toString(), peer);
    QCOMPARE(QByteArray::fromBase64(object.value(QStringLiteral("payload_base64")).toString().toLatin1()),
             QByteArray("hello\n"));
    QCOMPARE(object.value(QStringLiteral("evicted")).toBool(), false);

    // An event copies as its sentence.
    std::vector<Record> events;
    QTRY_VERIFY(!(events = recordsOf(m_wb->journal(), m_pair.client, RecordKind::Event, false)).empty());
    m_pane->showRecord(events.front().seq);
    const QString eventLine = copied("copyLogLineAction");
    QVERIFY2(eventLine.contains(QStringLiteral(" -- ")), qPrintable(eventLine));
    QVERIFY(!child<QAction>("copyHexDumpAction")->isEnabled());
}

void TestDetailPane::droppedRecordsSayTheyAreGone() {
    WorkbenchConfig config;
    config.journalBudgetBytes = 2 * 1024 * 1024;
    open(config);
    QVERIFY(m_wb->send(m_pair.client, "first words"));
    QCOMPARE(m_pair.raw->readExactly(11), QByteArray("first words"));
    const quint64 first = firstRecord(m_pair.client, RecordKind::DataOut);
    m_pane->showRecord(first);
    QVERIFY(child<QAction>("copyHexDumpAction")->isEnabled());
    const QByteArray big(3 * 1024 * 1024, 'x');
    QVERIFY(m_wb->send(m_pair.client, big));
    QCOMPARE(m_pair.raw->readExactly(big.size()).size(), big.size());
    QTRY_VERIFY(m_wb->journal().oldestSeq() > first);
    m_pane->showRecord(first);
    QVERIFY(m_pane->hexView()->data().isEmpty());
    QVERIFY(!child<QToolButton>("copyRecordButton")->isEnabled());
    QVERIFY(child<QLabel>("recordLabel")->text().contains(QStringLiteral("no longer held")));
}

void TestDetailPane::conversationTabFollowsTheFeed() {
    open();
    auto *tabs = child<QTabWidget>("detailTabs");
    QCOMPARE(tabs->count(), 6); // Bytes, Conversation, Graph, TCP, TLS, Faults
    QCOMPARE(tabs->widget(1), m_pane->conversationView());
    tabs->setCurrentIndex(1);
    m_pane->setConversationEndpoints({m_pair.client});
    QVERIFY(m_wb->send(m_pair.client, "ping\n"));
    QCOMPARE(m_pair.raw->readExactly(5), QByteArray("ping\n"));
    QVERIFY(m_pair.raw->sendAll(QByteArray("pong\n")));
    QTRY_COMPARE(m_pane->conversationView()->lineCount(), 2);
    QCOMPARE(m_pane->conversationView()->lineText(0), QStringLiteral("ping\\n"));
    QVERIFY(m_pane->conversationView()->lineIsInbound(1));
}

SOCKBENCH_TEST_MAIN(TestDetailPane)
#include "tst_detailpane.moc"
