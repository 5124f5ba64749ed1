// The window's layout: messages never change the window's size, and the window is fully
// usable at 1024×640 with splitters that move freely and columns that fit their content.

#include "testmain.h"
#include "windowdriver.h"

#include <QHeaderView>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestWindowLayout final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void messagesNeverResizeTheWindow();
    void fitsIn1024x640();
    void splittersMoveFreely();
    void numericAndStateColumnsFitTheirContent();

private:
    void openWindow();
    std::pair<EndpointId, EndpointId> connectedPair();
    void selectFirstLogRow();
    /// Selects a log record, types a long bad escape and bad hex, and shows a long message.
    void showEveryMessage();

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowLayout::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_windowlayout"));
}

void TestWindowLayout::init() {
    QSettings().clear();
}

void TestWindowLayout::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

void TestWindowLayout::openWindow() {
    QVERIFY(openTestWindow(m_window, m_ui));
}

std::pair<EndpointId, EndpointId> TestWindowLayout::connectedPair() {
    m_ui->clickAction("newListenerAction");
    if (!m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")))
        return {0, 0};
    const EndpointId listener = m_ui->lastTopLevel();
    if (!QTest::qWaitFor([&] { return m_ui->localPort(listener) != 0; }))
        return {0, 0};
    m_ui->clickAction("connectAction");
    if (!m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(m_ui->localPort(listener))))
        return {0, 0};
    const EndpointId client = m_ui->lastTopLevel();
    if (!QTest::qWaitFor([&] {
            return m_ui->cell(client, ConnectionModel::StateColumn) == QLatin1String("Connected") &&
                   m_ui->childrenOf(listener).size() == 1;
        }))
        return {0, 0};
    m_window->activateWindow();
    return {client, m_ui->childrenOf(listener).first()};
}

void TestWindowLayout::selectFirstLogRow() {
    QTableView *log = m_ui->trafficView();
    const QModelIndex index = log->model()->index(0, TrafficModel::DataColumn);
    log->scrollTo(index);
    QTest::mouseClick(log->viewport(), Qt::LeftButton, {}, log->visualRect(index).center());
}

void TestWindowLayout::showEveryMessage() {
    selectFirstLogRow();
    QTRY_VERIFY(!m_ui->child<QLabel>("recordLabel")->text().startsWith(QStringLiteral("No record")));
    // A long invalid escape, then a long invalid hex payload: the error line grows with the input.
    m_ui->typeInComposer(QStringLiteral("a much longer text than the composer is wide, ended by \\"));
    QVERIFY(!m_ui->child<QLabel>("previewLabel")->styleSheet().isEmpty());
    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("modeCombo"), 1);
    m_ui->typeInComposer(QStringLiteral("00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff zz yy xx ww"));
    QVERIFY(!m_ui->child<QLabel>("previewLabel")->styleSheet().isEmpty());
    m_ui->child<Composer>("composer")->showMessage(QString(400, QLatin1Char('x')), true);
}

void TestWindowLayout::messagesNeverResizeTheWindow() {
    openWindow();
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("hello"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("5"));
    QTRY_VERIFY(m_ui->trafficView()->model()->rowCount() > 0);
    m_ui->typeInComposer(QString());
    // At its smallest, any growth of what the messages ask for would widen the window.
    m_window->resize(m_window->minimumSizeHint());
    QTRY_COMPARE(m_window->size(), m_window->minimumSizeHint());
    const QSize before = m_window->size();
    const QSize minimumBefore = m_window->minimumSizeHint();
    // Each message line asks for the same width whatever it says (offscreen fonts are small enough
    // that the window's own minimum may not show a growth that a desktop font does).
    const char *lines[] = {"recordLabel", "previewLabel", "targetLabel", "messageLabel"};
    QList<int> lineWidths;
    for (const char *name : lines)
        lineWidths << m_ui->child<QLabel>(name)->minimumSizeHint().width();

    showEveryMessage();
    for (int i = 0; i < lineWidths.size(); ++i)
        QVERIFY2(m_ui->child<QLabel>(lines[i])->minimumSizeHint().width() <= lineWidths[i], lines[i]);
    QCOMPARE(m_window->minimumSizeHint(), minimumBefore);
    QCOMPARE(m_window->size(), before);
}

void TestWindowLayout::fitsIn1024x640() {
    openWindow();
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("hello"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_VERIFY(m_ui->trafficView()->model()->rowCount() > 0);
    // With the record line and the error lines at their longest.
    showEveryMessage();
    const QSize minimum = m_window->minimumSizeHint();
    QVERIFY2(
        minimum.width() <= 1024 && minimum.height() <= 640,
        qPrintable(QStringLiteral("minimum size hint %1×%2").arg(minimum.width()).arg(minimum.height())));
    m_window->resize(1024, 640);
    QTRY_COMPARE(m_window->size(), QSize(1024, 640));
    // Every part keeps a usable share: the composer's Send button and the log are on screen.
    QVERIFY(m_ui->sendButton()->isVisible());
    QVERIFY(m_ui->sendButton()->width() > 0);
    QVERIFY(m_ui->trafficView()->height() > 60);
    QVERIFY(m_ui->connectionsView()->height() > 60);
}

void TestWindowLayout::splittersMoveFreely() {
    openWindow();
    m_window->resize(1280, 800);
    QTRY_COMPARE(m_window->size(), QSize(1280, 800));
    for (const char *name : {"mainSplitter", "leftSplitter", "rightSplitter"}) {
        auto *splitter = m_ui->child<QSplitter>(name);
        const QList<int> sizes = splitter->sizes();
        const int total = sizes.value(0) + sizes.value(1);
        // Each side can take three fifths of the space (the connections panel past the Bytes
        // pane's header), and give it back down to what its own widgets need.
        for (int side : {0, 1}) {
            const int wanted = total * 3 / 5;
            splitter->setSizes(side == 0 ? QList<int>{wanted, total - wanted}
                                         : QList<int>{total - wanted, wanted});
            QVERIFY2(splitter->sizes().value(side) >= wanted - 2,
                     qPrintable(QStringLiteral("%1 side %2: %3 of %4")
                                    .arg(QLatin1String(name))
                                    .arg(side)
                                    .arg(splitter->sizes().value(side))
                                    .arg(wanted)));
            const QSize minimum = splitter->widget(side)->minimumSizeHint();
            const int least = splitter->orientation() == Qt::Horizontal ? minimum.width() : minimum.height();
            splitter->setSizes(side == 0 ? QList<int>{least, total - least}
                                         : QList<int>{total - least, least});
            QVERIFY2(splitter->sizes().value(side) <= least + 2, name);
        }
    }
}

void TestWindowLayout::numericAndStateColumnsFitTheirContent() {
    openWindow();
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    // 1,100,000 bytes: the number the issue saw cut as "1,10…".
    m_ui->typeInComposer(QString(1000, QLatin1Char('a')));
    auto *count = m_ui->child<QSpinBox>("repeatCountSpin");
    count->setValue(1100);
    m_ui->child<QSpinBox>("repeatIntervalSpin")->setValue(1);
    QTest::mouseClick(m_ui->child<QPushButton>("repeatButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_ui->cell(accepted, ConnectionModel::InColumn).size() >= 9, 20000);
    QTreeView *tree = m_ui->connectionsView();
    // QTreeView hides the public QAbstractItemView::sizeHintForColumn; the width the content needs.
    const QAbstractItemView *view = tree;
    for (int c : {int(ConnectionModel::InColumn), int(ConnectionModel::OutColumn),
                  int(ConnectionModel::QueuedColumn), int(ConnectionModel::StateColumn)}) {
        QTRY_VERIFY2(tree->header()->sectionSize(c) >= view->sizeHintForColumn(c),
                     qPrintable(QStringLiteral("column %1: %2 < %3")
                                    .arg(c)
                                    .arg(tree->header()->sectionSize(c))
                                    .arg(view->sizeHintForColumn(c))));
    }
}

SOCKBENCH_TEST_MAIN(TestWindowLayout)
#include "tst_windowlayout.moc"
