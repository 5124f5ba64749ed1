// The log's tools on a real window: the Data column takes the room the others leave and tooltips
// its whole text; rows are selected several at a time and copied whole (Ctrl+C as log lines, as
// hex, as raw bytes); a row's menu filters to its connection, puts an outgoing record back in the
// composer, and shows a record's bytes in the detail pane.

#include "testmain.h"
#include "windowdriver.h"

#include "journal/recordformat.h"
#include "panels/detailpane.h"
#include "style/presentation.h"
#include "views/hexview.h"

#include <QClipboard>
#include <QHeaderView>
#include <QMimeData>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

namespace {

const QByteArray Request = "GET / HTTP/1.1\r\n\r\n";
const QByteArray Response = "HTTP/1.1 200 OK";
const QByteArray Binary("\x00\xff\x10", 3);
const QString LongEvent = QStringLiteral("A long event text that no column is wide enough to show: ") +
                          QString(300, QLatin1Char('x'));

} // namespace

class TestLogTools final : public QObject {
    Q_OBJECT

public:
    TestLogTools() = default;
    Q_DISABLE_COPY_MOVE(TestLogTools)

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void dataColumnTakesTheRestWithTheWholeTextInATooltip();
    void ctrlCCopiesTheSelectedRowsAsLogLines();
    void copyAsHexAndAsRawBytes();
    void filterToThisConnection();
    void sendAgainPutsTheBytesInTheComposer();
    void showBytesSelectsTheRecordInTheHexView();

private:
    QAction *action(const char *name) const {
        auto *a = m_window->findChild<QAction *>(QLatin1String(name));
        if (!a)
            qFatal("no action named %s", name);
        return a;
    }
    void clickRow(int row, Qt::KeyboardModifiers modifiers = {}) const {
        QTableView *view = m_ui->trafficView();
        const QModelIndex index = view->model()->index(row, TrafficModel::NumberColumn);
        view->scrollTo(index);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, modifiers, view->visualRect(index).center());
    }
    Record record(quint64 seq) const {
        Record r;
        m_window->workbench()->journal().record(seq, &r, true);
        return r;
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestLogTools::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_logtools"));
}

void TestLogTools::init() {
    QSettings().clear();
    QVERIFY(openTestWindow(m_window, m_ui));
    // Records straight into the journal, announced the way the reactors announce them.
    Workbench *wb = m_window->workbench();
    Journal &journal = wb->journal();
    journal.appendData(5, RecordKind::DataOut, Request);
    journal.appendData(5, RecordKind::DataIn, Response);
    journal.appendData(6, RecordKind::DataOut, Binary);
    journal.appendEvent(6, LongEvent);
    Q_EMIT wb->journalGrew(journal.count());
    QTRY_COMPARE(m_ui->trafficView()->model()->rowCount(), 4);
}

void TestLogTools::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

void TestLogTools::dataColumnTakesTheRestWithTheWholeTextInATooltip() {
    // The width itself is measured on a LogPanel of its own (tst_logsearch), whatever the layout.
    QTableView *view = m_ui->trafficView();
    QCOMPARE(view->horizontalHeader()->sectionResizeMode(TrafficModel::DataColumn), QHeaderView::Stretch);
    const QModelIndex event = view->model()->index(3, TrafficModel::DataColumn);
    QCOMPARE(event.data(Qt::ToolTipRole).toString(), LongEvent);
    QCOMPARE(view->model()->index(0, TrafficModel::DataColumn).data(Qt::ToolTipRole).toString(),
             QStringLiteral("GET / HTTP/1.1\\r\\n\\r\\n"));
}

void TestLogTools::ctrlCCopiesTheSelectedRowsAsLogLines() {
    QTableView *view = m_ui->trafficView();
    QCOMPARE(view->selectionMode(), QAbstractItemView::ExtendedSelection);
    clickRow(0);
    clickRow(2, Qt::ShiftModifier);
    QCOMPARE(view->selectionModel()->selectedRows().size(), 3);
    QApplication::clipboard()->clear();
    view->setFocus();
    QTRY_VERIFY(view->hasFocus());
    QTest::keySequence(view, QKeySequence::Copy);
    const Workbench *wb = m_window->workbench();
    const EndpointNamer namer = [wb](EndpointId id) { return endpointAddress(*wb, id); };
    const QByteArray expected =
        formatLogLine(record(0), namer) + formatLogLine(record(1), namer) + formatLogLine(record(2), namer);
    QCOMPARE(QApplication::clipboard()->text(), QString::fromUtf8(expected));
}

void TestLogTools::copyAsHexAndAsRawBytes() {
    clickRow(0);
    clickRow(3, Qt::ShiftModifier);
    QVERIFY(action("copyHexAction")->isEnabled());
    action("copyHexAction")->trigger();
    // Events have no bytes of the wire: the hex and raw forms skip them.
    QCOMPARE(QApplication::clipboard()->text(),
             bytesToHex(Request) + u'\n' + bytesToHex(Response) + u'\n' + bytesToHex(Binary) + u'\n');
    action("copyRawAction")->trigger();
    QCOMPARE(QApplication::clipboard()->mimeData()->data(QStringLiteral("application/octet-stream")),
             Request + Response + Binary);
}

void TestLogTools::filterToThisConnection() {
    clickRow(2);
    action("filterToConnectionAction")->trigger();
    QTRY_COMPARE(m_ui->trafficView()->model()->rowCount(), 2);
    for (const WindowDriver::LogRow &row : m_ui->logRows())
        QCOMPARE(row.endpoint, EndpointId(6));
    QCOMPARE(m_ui->child<QComboBox>("connectionFilterCombo")->currentIndex(), 1);
}

void TestLogTools::sendAgainPutsTheBytesInTheComposer() {
    clickRow(1);
    QVERIFY(!action("sendAgainAction")->isEnabled()); // received, not sent
    clickRow(2);
    QVERIFY(action("sendAgainAction")->isEnabled());
    action("sendAgainAction")->trigger();
    auto *composer = m_ui->child<Composer>("composer");
    QVERIFY(composer->payload().ok());
    QCOMPARE(composer->payload().bytes, Binary);
    clickRow(0);
    action("sendAgainAction")->trigger();
    QCOMPARE(composer->payload().bytes, Request);
}

void TestLogTools::showBytesSelectsTheRecordInTheHexView() {
    auto *tabs = m_window->findChild<DetailPane *>()->findChild<QTabWidget *>();
    QVERIFY(tabs);
    tabs->setCurrentIndex(tabs->count() - 1); // the conversation
    clickRow(3);
    QVERIFY(!action("showBytesAction")->isEnabled()); // an event has no bytes
    clickRow(1);
    action("showBytesAction")->trigger();
    HexView *hex = m_window->findChild<DetailPane *>()->hexView();
    QCOMPARE(hex->data(), Response);
    QCOMPARE(hex->selectedBytes(), Response);
    QCOMPARE(hex->selectionEnd() - hex->selectionStart(), Response.size());
    QVERIFY(tabs->currentWidget()->isAncestorOf(hex));
}

SOCKBENCH_TEST_MAIN(TestLogTools)
#include "tst_logtools.moc"
