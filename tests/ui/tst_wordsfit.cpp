// Issue 27, words cut at the default 1280×800: the log's columns show their whole text (a 6-digit
// length, a datagram's sender, the time), what is cut has its whole text in the tooltip, the time can
// be compact (a persisted choice) with the full stamp in its tooltip, and a status message is not cut
// by the counters. Run at 1280×800 and at scale 2 (ui/tst_wordsfit@scale2; tests/CMakeLists.txt).

#include "testmain.h"
#include "windowdriver.h"

#include "panels/statussummary.h"
#include "style/presentation.h"
#include "views/elidingdelegate.h"

#include <QHeaderView>
#include <QRandomGenerator>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QUdpSocket>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestWordsFit final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void logColumnsShowTheirWholeText();
    void cutTextIsWholeInTheTooltip();
    void compactTimeIsAPersistedChoice();
    void statusMessagesComeBeforeCounters();
    void binaryPayloadsShowNoStrayScripts();

private:
    /// The text `view` draws for index, elided as its column's width and font make it.
    static QString shown(QAbstractItemView *view, const QModelIndex &index);
    /// A UDP socket of the window that got a datagram of `bytes` bytes from another socket; the
    /// row of that datagram in the log.
    int datagramRow(int bytes) { return datagramRow(QByteArray(bytes, 'u')); }
    int datagramRow(const QByteArray &payload);

    EndpointId m_udp = 0;

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWordsFit::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_wordsfit"));
}

void TestWordsFit::init() {
    QSettings().clear();
    QVERIFY(openTestWindow(m_window, m_ui));
    QTRY_COMPARE(m_window->size(), QSize(1280, 800));
}

void TestWordsFit::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
    m_udp = 0;
}

QString TestWordsFit::shown(QAbstractItemView *view, const QModelIndex &index) {
    // The view's own delegate for the column draws it; an ElidingDelegate measures as the style
    // draws, with the cell's rectangle and font.
    const ElidingDelegate measure(view->textElideMode());
    QStyleOptionViewItem option;
    option.initFrom(view->viewport());
    option.widget = view;
    option.rect = view->visualRect(index);
    option.font = view->font();
    option.fontMetrics = QFontMetrics(view->font());
    option.features |= QStyleOptionViewItem::HasDisplay;
    return measure.shownText(option, index);
}

int TestWordsFit::datagramRow(const QByteArray &payload) {
    Workbench *workbench = m_window->workbench();
    if (m_udp == 0 || isFinal(workbench->info(m_udp).state))
        m_udp = workbench->bindUdp(QStringLiteral("127.0.0.1"), 0);
    if (!QTest::qWaitFor([&] { return workbench->info(m_udp).local.port != 0; }))
        return -1;
    QUdpSocket sender;
    if (!sender.bind(QHostAddress::LocalHost, 0))
        return -1;
    const int before = m_ui->trafficView()->model()->rowCount();
    sender.writeDatagram(payload, QHostAddress::LocalHost, workbench->info(m_udp).local.port);
    QAbstractItemModel *log = m_ui->trafficView()->model();
    int found = -1;
    (void)QTest::qWaitFor([&] {
        for (int r = before; r < log->rowCount(); ++r) {
            if (log->index(r, TrafficModel::LengthColumn).data().toInt() == payload.size())
                found = r;
        }
        return found >= 0;
    });
    return found;
}

void TestWordsFit::logColumnsShowTheirWholeText() {
    QTableView *view = m_ui->trafficView();
    // A datagram names its sender ("#5 UDP fro…" in the issue).
    const int row = datagramRow(512);
    QVERIFY(row >= 0);
    QAbstractItemModel *log = view->model();
    for (int column :
         {int(TrafficModel::NumberColumn), int(TrafficModel::TimeColumn), int(TrafficModel::ConnectionColumn),
          int(TrafficModel::DirectionColumn), int(TrafficModel::LengthColumn)}) {
        const QModelIndex index = log->index(row, column);
        const QString full = index.data().toString();
        QVERIFY(!full.isEmpty());
        QCOMPARE(shown(view, index), full);
    }
    QVERIFY(log->index(row, TrafficModel::ConnectionColumn)
                .data()
                .toString()
                .contains(QStringLiteral("UDP ← 127.0.0.1:")));
    // A length of six digits ("102…" in the issue), as the view writes it: 123,456.
    const QModelIndex length = log->index(row, TrafficModel::LengthColumn);
    const QString sixDigits = QLocale().toString(123456);
    QStyleOptionViewItem option;
    const int needed = view->fontMetrics().horizontalAdvance(sixDigits) +
                       2 * (view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, &option, view) + 1);
    QVERIFY2(view->horizontalHeader()->sectionSize(length.column()) >= needed,
             qPrintable(QStringLiteral("%1 < %2")
                            .arg(view->horizontalHeader()->sectionSize(length.column()))
                            .arg(needed)));
    // What is left for the data is a useful share of the log, at scale 2 as at 1.
    QVERIFY2(view->horizontalHeader()->sectionSize(TrafficModel::DataColumn) >= view->viewport()->width() / 4,
             qPrintable(QStringLiteral("%1 %2 %3 %4 %5 %6 of %7")
                            .arg(view->horizontalHeader()->sectionSize(0))
                            .arg(view->horizontalHeader()->sectionSize(1))
                            .arg(view->horizontalHeader()->sectionSize(2))
                            .arg(view->horizontalHeader()->sectionSize(3))
                            .arg(view->horizontalHeader()->sectionSize(4))
                            .arg(view->horizontalHeader()->sectionSize(5))
                            .arg(view->viewport()->width())));
}

void TestWordsFit::cutTextIsWholeInTheTooltip() {
    const int row = datagramRow(7);
    QVERIFY(row >= 0);
    QTableView *view = m_ui->trafficView();
    const QModelIndex index = view->model()->index(row, TrafficModel::ConnectionColumn);
    // Narrowed until it is cut: in the middle, so the sender's port stays; the tooltip has it all.
    view->horizontalHeader()->resizeSection(TrafficModel::ConnectionColumn, 90);
    const QString full = index.data().toString();
    const QString cut = shown(view, index);
    QVERIFY(cut != full);
    auto *delegate =
        qobject_cast<ElidingDelegate *>(view->itemDelegateForColumn(TrafficModel::ConnectionColumn));
    QVERIFY(delegate);
    QStyleOptionViewItem option;
    option.initFrom(view->viewport());
    option.widget = view;
    option.rect = view->visualRect(index);
    option.font = view->font();
    option.fontMetrics = QFontMetrics(view->font());
    QVERIFY(delegate->isElided(option, index));
    QVERIFY(delegate->toolTipText(option, index).contains(full));
    const QString port = full.mid(full.lastIndexOf(u':'));
    QVERIFY2(delegate->shownText(option, index).endsWith(port.right(4)),
             qPrintable(delegate->shownText(option, index)));
}

void TestWordsFit::compactTimeIsAPersistedChoice() {
    const int row = datagramRow(9);
    QVERIFY(row >= 0);
    QTableView *view = m_ui->trafficView();
    const QModelIndex time = view->model()->index(row, TrafficModel::TimeColumn);
    QAction *timeOfDay = m_window->findChild<QAction *>(QStringLiteral("timeOfDayAction"));
    QVERIFY(timeOfDay);
    // Offered in the columns' own menu; on by default.
    QVERIFY(view->horizontalHeader()->actions().contains(timeOfDay));
    QVERIFY(timeOfDay->isChecked());
    const QString full = time.data(Qt::ToolTipRole).toString();
    QCOMPARE(full.size(), QStringLiteral("0000-00-00 00:00:00.000000").size());
    QCOMPARE(time.data().toString(), full.mid(11));
    const int compactWidth = view->horizontalHeader()->sectionSize(TrafficModel::TimeColumn);
    timeOfDay->trigger();
    QCOMPARE(time.data().toString(), full);
    QCOMPARE(shown(view, time), full);
    QVERIFY(view->horizontalHeader()->sectionSize(TrafficModel::TimeColumn) > compactWidth);
    // Kept across a restart.
    m_window->close();
    QVERIFY(openTestWindow(m_window, m_ui));
    QVERIFY(!m_window->findChild<QAction *>(QStringLiteral("timeOfDayAction"))->isChecked());
}

void TestWordsFit::statusMessagesComeBeforeCounters() {
    auto *summary = m_window->findChild<StatusSummary *>();
    QVERIFY(summary);
    QTRY_VERIFY(summary->isVisible());
    QStatusBar *bar = m_window->statusBar();
    const QString longMessage = QStringLiteral("Connection #12 failed: ") + QString(160, u'x');
    bar->showMessage(longMessage);
    // The counters step aside for a message that does not fit beside them, and come back after it.
    QTRY_VERIFY(!summary->isVisible());
    bar->clearMessage();
    QTRY_VERIFY(summary->isVisible());
    bar->showMessage(QStringLiteral("Saved"));
    QVERIFY(summary->isVisible());
}

namespace {

QStringList wordsFitOpenTypeWarnings;
QtMessageHandler wordsFitPreviousHandler = nullptr;

void wordsFitCatchOpenType(QtMsgType type, const QMessageLogContext &context, const QString &message) {
    if (message.contains(QLatin1String("OpenType")))
        wordsFitOpenTypeWarnings << message;
    wordsFitPreviousHandler(type, context, message);
}

} // namespace

void TestWordsFit::binaryPayloadsShowNoStrayScripts() {
    // Random bytes hold valid UTF-8 sequences by chance (Arabic, Syriac, NKo, Devanagari…): drawn as
    // letters, Qt looked for fonts to shape them and said "OpenType support missing" 61 times.
    QRandomGenerator random(27);
    QList<int> rows;
    for (int i = 0; i < 8; ++i) {
        QByteArray bytes(700 + i, Qt::Uninitialized);
        random.fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
        rows << datagramRow(bytes);
        QVERIFY(rows.last() >= 0);
    }
    wordsFitOpenTypeWarnings.clear();
    wordsFitPreviousHandler = qInstallMessageHandler(wordsFitCatchOpenType);
    m_ui->selectRow(m_udp); // the conversation shows the datagrams too
    QTableView *view = m_ui->trafficView();
    view->scrollTo(view->model()->index(rows.first(), 0));
    m_window->grab(); // paints the log and the conversation
    for (int row : rows) {
        const QModelIndex data = view->model()->index(row, TrafficModel::DataColumn);
        for (const QString &text : {data.data().toString(), data.data(Qt::ToolTipRole).toString()}) {
            const auto beyondLatin1 = std::find_if(text.cbegin(), text.cend(), [](QChar c) {
                // "…" where the preview or the tooltip stops is the window's own.
                return c.unicode() > 0xff && c != QChar(0x2026);
            });
            if (beyondLatin1 != text.cend())
                QFAIL(qPrintable(QStringLiteral("U+%1 in row %2")
                                     .arg(int(beyondLatin1->unicode()), 4, 16, QLatin1Char('0'))
                                     .arg(row)));
        }
    }
    qInstallMessageHandler(wordsFitPreviousHandler);
    QVERIFY2(wordsFitOpenTypeWarnings.isEmpty(), qPrintable(wordsFitOpenTypeWarnings.join(u'\n')));
}

SOCKBENCH_TEST_MAIN(TestWordsFit)
#include "tst_wordsfit.moc"
