// The log's search on a real LogPanel: without case by default, with a Match case toggle, and
// regular expressions as an option, whose errors are marked in the search field and change
// nothing. A pattern reads a payload as UTF-8 when it is valid UTF-8, else as Latin-1.

#include "engine/workbench.h"
#include "models/journalfeed.h"
#include "models/trafficmodel.h"
#include "panels/logpanel.h"
#include "testmain.h"

#include <QComboBox>
#include <QLineEdit>
#include <QTableView>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace sockbench;

class TestLogSearch final : public QObject {
    Q_OBJECT

public:
    TestLogSearch() = default;
    Q_DISABLE_COPY_MOVE(TestLogSearch)

private Q_SLOTS:
    void init();
    void cleanup();

    void textSearchIgnoresCaseUntilToggled();
    void regularExpressions();
    void invalidPatternIsMarkedAndChangesNothing();
    void binaryPayloadsMatchAsLatin1();
    void dataColumnIsTheWidest();

private:
    void search(const QString &text) const {
        m_search->setFocus();
        m_search->selectAll();
        QTest::keyClick(m_search, Qt::Key_Delete);
        QTest::keyClicks(m_search, text);
    }
    int rows() const { return m_panel->model()->rowCount(); }
    void chooseMode(int index) const {
        m_panel->findChild<QComboBox *>(QStringLiteral("searchModeCombo"))->setCurrentIndex(index);
    }

    std::unique_ptr<Workbench> m_wb;
    std::unique_ptr<JournalFeed> m_feed;
    std::unique_ptr<LogPanel> m_panel;
    QLineEdit *m_search = nullptr;
    QToolButton *m_matchCase = nullptr;
};

void TestLogSearch::init() {
    m_wb = std::make_unique<Workbench>();
    m_feed = std::make_unique<JournalFeed>(m_wb.get());
    m_panel = std::make_unique<LogPanel>(m_wb.get(), m_feed.get());
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    m_search = m_panel->findChild<QLineEdit *>(QStringLiteral("searchEdit"));
    m_matchCase = m_panel->findChild<QToolButton *>(QStringLiteral("matchCaseButton"));
    QVERIFY(m_search);
    QVERIFY(m_matchCase);
    Journal &journal = m_wb->journal();
    journal.appendData(1, RecordKind::DataIn, "HTTP/1.1 200 OK\r\n");
    journal.appendData(1, RecordKind::DataOut, "get /index.html");
    journal.appendData(2, RecordKind::DataIn, "GET /other");
    journal.appendData(2, RecordKind::DataIn, QByteArray("\x01\xff\xfe binary", 10));
    journal.appendData(3, RecordKind::DataIn, "caf\xc3\xa9"); // "café" in UTF-8
    Q_EMIT m_wb->journalGrew(journal.count());
    QTRY_COMPARE(rows(), 5);
}

void TestLogSearch::cleanup() {
    m_panel.reset();
    m_feed.reset();
    m_wb.reset();
}

void TestLogSearch::textSearchIgnoresCaseUntilToggled() {
    QVERIFY(!m_matchCase->isChecked());
    search(QStringLiteral("GeT"));
    QTRY_COMPARE(rows(), 2);
    QTest::mouseClick(m_matchCase, Qt::LeftButton);
    QVERIFY(m_matchCase->isChecked());
    QTRY_COMPARE(rows(), 0);
    search(QStringLiteral("GET"));
    QTRY_COMPARE(rows(), 1);
    QTest::mouseClick(m_matchCase, Qt::LeftButton);
    QTRY_COMPARE(rows(), 2);
    // Hex bytes have no case.
    chooseMode(1);
    QVERIFY(!m_matchCase->isEnabled());
}

void TestLogSearch::regularExpressions() {
    chooseMode(2);
    search(QStringLiteral("^get /\\w+$"));
    QTRY_COMPARE(rows(), 1); // "GET /other"; "get /index.html" has a dot
    search(QStringLiteral("^get /"));
    QTRY_COMPARE(rows(), 2);
    QTest::mouseClick(m_matchCase, Qt::LeftButton);
    QTRY_COMPARE(rows(), 1);
    // Valid UTF-8 is read as UTF-8: one character é.
    search(QStringLiteral("caf.$"));
    QTRY_COMPARE(rows(), 1);
    search(QString());
    QTRY_COMPARE(rows(), 5);
}

void TestLogSearch::invalidPatternIsMarkedAndChangesNothing() {
    chooseMode(2);
    search(QStringLiteral("200"));
    QTRY_COMPARE(rows(), 1);
    QVERIFY(m_search->styleSheet().isEmpty());
    search(QStringLiteral("200 (OK"));
    QTRY_VERIFY(!m_search->styleSheet().isEmpty());
    QVERIFY(m_search->toolTip().contains(QStringLiteral("Column")));
    // The filter that was on stays on.
    QCOMPARE(rows(), 1);
    search(QStringLiteral("200 (OK)"));
    QTRY_VERIFY(m_search->styleSheet().isEmpty());
    QCOMPARE(rows(), 1);
}

void TestLogSearch::binaryPayloadsMatchAsLatin1() {
    chooseMode(2);
    // Not valid UTF-8: one character per byte, so \xHH reaches any byte.
    search(QStringLiteral("\\x01\\xff"));
    QTRY_COMPARE(rows(), 1);
    QCOMPARE(TrafficModel::payloadText(QByteArray("\xff\x41", 2)), QString(QChar(0xff)) + u'A');
    QCOMPARE(TrafficModel::payloadText("caf\xc3\xa9"), QStringLiteral("café"));
}

void TestLogSearch::dataColumnIsTheWidest() {
    // The log's share of a 1280-pixel window: Data takes what the others leave, and that is most.
    m_panel->resize(700, 400);
    auto *view = m_panel->findChild<QTableView *>(QStringLiteral("trafficView"));
    QTRY_COMPARE(view->width(), m_panel->width() - 4);
    int others = 0;
    const int data = view->columnWidth(TrafficModel::DataColumn);
    for (int c = 0; c < TrafficModel::DataColumn; ++c) {
        others += view->columnWidth(c);
        QVERIFY2(
            data > view->columnWidth(c),
            qPrintable(
                QStringLiteral("column %1 is %2 px, data %3").arg(c).arg(view->columnWidth(c)).arg(data)));
    }
    QCOMPARE(others + data, view->viewport()->width());
}

SOCKBENCH_TEST_MAIN(TestLogSearch)
#include "tst_logsearch.moc"
