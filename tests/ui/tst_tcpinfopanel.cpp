// What the kernel knows about the selected TCP connection, read twice a second only
// while someone looks, kept as of the close, and a plain sentence for everything else.

#include "testmain.h"
#include "windowdriver.h"

#include "loopbackpeer.h"
#include "panels/tcpinfopanel.h"
#include "views/rategraph.h"

#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;
using sockbench::test::LoopbackPeer;

class TestTcpInfoPanel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void fillsForTheSelectedConnection();
    void stopsAskingWhenHiddenOrUnselected();
    void graphGetsRttAndCwnd();
    void closedConnectionKeepsItsLastReading();
    void otherKindsGetASentence();
    void noEmptyBands();

private:
    void openWindow();
    /// A listener with one accepted connection, which is selected; the peer stays open.
    EndpointId openConnection();
    void clickTab(QWidget *page) const;
    TcpInfoPanel *panel() const { return m_ui->child<TcpInfoPanel>("tcpInfoPanel"); }
    /// Lets the event loop run for about this many rate-meter ticks (100 ms each).
    void waitTicks(int ticks) const;

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
    std::unique_ptr<LoopbackPeer> m_peer;
};

void TestTcpInfoPanel::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_tcpinfopanel"));
}

void TestTcpInfoPanel::init() {
    QSettings().clear();
}

void TestTcpInfoPanel::cleanup() {
    m_peer.reset();
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

void TestTcpInfoPanel::openWindow() {
    QVERIFY(openTestWindow(m_window, m_ui));
}

EndpointId TestTcpInfoPanel::openConnection() {
    const EndpointId listener = m_ui->startListener();
    if (listener == 0)
        return 0;
    if (!QTest::qWaitFor([&] { return m_ui->localPort(listener) != 0; }))
        return 0;
    m_peer = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    if (!m_peer || !QTest::qWaitFor([&] { return m_ui->childrenOf(listener).size() == 1; }))
        return 0;
    const EndpointId connection = m_ui->childrenOf(listener).first();
    m_ui->selectRow(connection);
    return connection;
}

void TestTcpInfoPanel::clickTab(QWidget *page) const {
    auto *tabs = m_ui->child<QTabWidget>("detailTabs");
    const int index = tabs->indexOf(page);
    QVERIFY(index >= 0);
    QTabBar *bar = tabs->tabBar();
    QTest::mouseClick(bar, Qt::LeftButton, {}, bar->tabRect(index).center());
    QTRY_COMPARE(tabs->currentIndex(), index);
}

void TestTcpInfoPanel::waitTicks(int ticks) const {
    QSignalSpy spy(&m_window->workbench()->rates(), &RateMeter::sampled);
    QVERIFY(QTest::qWaitFor([&] { return spy.size() >= ticks; }));
}

void TestTcpInfoPanel::fillsForTheSelectedConnection() {
    openWindow();
    const EndpointId connection = openConnection();
    QVERIFY(connection != 0);
    QVERIFY(!panel()->isSampling()); // the Bytes tab is in front
    QSignalSpy reads(m_window->workbench(), &Workbench::tcpInfoRead);
    clickTab(panel());
    QTRY_VERIFY(panel()->isSampling());
    QTRY_VERIFY(reads.size() >= 2); // twice a second
    QCOMPARE(reads.first().at(0).value<EndpointId>(), connection);
    QTRY_VERIFY(!panel()->fieldText(TcpInfoPanel::StateField).isEmpty());
    QVERIFY(panel()->fieldText(TcpInfoPanel::StateField).contains(QStringLiteral("ESTABLISHED")));
    QVERIFY(panel()->fieldText(TcpInfoPanel::RttField).contains(QStringLiteral("ms")));
    QVERIFY(panel()->fieldText(TcpInfoPanel::MssField).contains(QStringLiteral("bytes")));
    QVERIFY(!panel()->fieldText(TcpInfoPanel::CwndField).isEmpty());

    // Bytes the peer sent and Sockbench has read do not wait in the receive queue.
    QVERIFY(m_peer->sendAll(QByteArrayLiteral("ping")));
    QTRY_VERIFY(m_window->workbench()->info(connection).lastTcpInfo &&
                m_window->workbench()->info(connection).lastTcpInfo->bytesReceived >= 4);
    QTRY_VERIFY(panel()->fieldText(TcpInfoPanel::BytesReceivedField).startsWith(QStringLiteral("4 ")));
}

void TestTcpInfoPanel::stopsAskingWhenHiddenOrUnselected() {
    openWindow();
    const EndpointId connection = openConnection();
    QVERIFY(connection != 0);
    clickTab(panel());
    QTRY_VERIFY(panel()->requestCount() >= 2);

    // Hidden behind another tab: nothing is asked.
    clickTab(m_ui->child<QWidget>("conversationView"));
    QTRY_VERIFY(!panel()->isSampling());
    int asked = panel()->requestCount();
    QSignalSpy reads(m_window->workbench(), &Workbench::tcpInfoRead);
    waitTicks(12);
    QCOMPARE(panel()->requestCount(), asked);
    QVERIFY(reads.size() <= 1); // one answer may have been on its way

    // Shown again with the listener selected: nothing to ask either.
    clickTab(panel());
    QTRY_VERIFY(panel()->requestCount() > asked);
    m_ui->selectRow(m_window->workbench()->info(connection).listener);
    QTRY_VERIFY(!panel()->isSampling());
    QVERIFY(panel()->statusText().contains(QStringLiteral("listener")));
    asked = panel()->requestCount();
    waitTicks(12);
    QCOMPARE(panel()->requestCount(), asked);
}

void TestTcpInfoPanel::graphGetsRttAndCwnd() {
    openWindow();
    const EndpointId connection = openConnection();
    QVERIFY(connection != 0);
    clickTab(m_ui->child<QWidget>("graphPage"));
    // The TCP tab is hidden, but the graph draws RTT and cwnd: the panel reads for it.
    QTRY_VERIFY(panel()->isSampling());
    auto *graph = m_ui->child<RateGraph>("rateGraph");
    QTRY_VERIFY(graph->tcpSampleCount() >= 2);
    // A new selection starts a new series.
    m_ui->selectRow(m_window->workbench()->info(connection).listener);
    QTRY_COMPARE(graph->tcpSampleCount(), qsizetype(0));
    QTRY_VERIFY(!panel()->isSampling());
}

void TestTcpInfoPanel::closedConnectionKeepsItsLastReading() {
    openWindow();
    const EndpointId connection = openConnection();
    QVERIFY(connection != 0);
    clickTab(panel());
    QTRY_VERIFY(!panel()->fieldText(TcpInfoPanel::StateField).isEmpty());
    m_peer->closeNow();
    QTRY_VERIFY(isFinal(m_window->workbench()->info(connection).state));
    QTRY_VERIFY(!panel()->isSampling());
    QVERIFY2(panel()->statusText().contains(QStringLiteral("As of the close")),
             qPrintable(panel()->statusText()));
    QVERIFY(!panel()->fieldText(TcpInfoPanel::RttField).isEmpty());
}

void TestTcpInfoPanel::otherKindsGetASentence() {
    openWindow();
    clickTab(panel());
    QVERIFY(panel()->statusText().contains(QStringLiteral("Select a TCP connection")));
    m_ui->clickAction("openUdpAction");
    QVERIFY(m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")));
    const EndpointId udp = m_ui->lastTopLevel();
    QTRY_VERIFY(m_window->workbench()->info(udp).state == EndpointState::Bound);
    m_window->activateWindow();
    m_ui->selectRow(udp);
    QTRY_VERIFY(panel()->statusText().contains(QStringLiteral("UDP")));
    QVERIFY(!panel()->isSampling());
    QVERIFY(panel()->fieldText(TcpInfoPanel::StateField).isEmpty());
}

void TestTcpInfoPanel::noEmptyBands() {
    openWindow();
    const EndpointId connection = openConnection();
    QVERIFY(connection != 0);
    clickTab(panel());
    QTRY_VERIFY(!panel()->fieldText(TcpInfoPanel::StateField).isEmpty());
    // A tall detail pane: the space the fields do not need goes below them, not into bands between
    // the status line and the fields (issue 27).
    auto *right = m_ui->child<QSplitter>("rightSplitter");
    const int total = right->sizes().value(0) + right->sizes().value(1);
    right->setSizes({total - 560, 560});
    QTRY_VERIFY(panel()->height() > 450);
    auto *status = panel()->findChild<QLabel *>(QStringLiteral("tcpInfoStatus"));
    auto *fields = panel()->findChild<QWidget *>(QStringLiteral("tcpInfoFields"));
    QVERIFY(status && fields && fields->isVisible());
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QVERIFY2(
        fields->height() <= fields->sizeHint().height() + 1,
        qPrintable(
            QStringLiteral("fields %1 high for %2").arg(fields->height()).arg(fields->sizeHint().height())));
    if (status->isVisible()) {
        const int gap = fields->y() - status->geometry().bottom();
        QVERIFY2(gap <= 12,
                 qPrintable(QStringLiteral("%1 pixels between the status and the fields").arg(gap)));
        QVERIFY(status->height() <= status->heightForWidth(status->width()) + 1);
    }
}

SOCKBENCH_TEST_MAIN(TestTcpInfoPanel)
#include "tst_tcpinfopanel.moc"
