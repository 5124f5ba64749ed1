// The rate graph in the detail pane draws what the rate meter measured for the selected
// endpoints, follows the selection, and the status bar's sparkline shows the total.

#include "testmain.h"
#include "windowdriver.h"

#include "engine/ratemeter.h"
#include "loopbackpeer.h"
#include "panels/detailpane.h"
#include "views/rategraph.h"
#include "views/sparkline.h"

#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;
using sockbench::test::LoopbackPeer;

class TestRateGraph final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void drawsTheSelectionsTraffic();
    void followsTheSelection();
    void followsTheMeterOnlyWhileVisible();
    void sparklineShowsTheTotal();
    void bucketsZeroFillTheGaps();

private:
    void openWindow();
    /// Clicks the detail pane's tab that holds this page.
    void clickTab(QWidget *page) const;
    RateGraph *graph() const { return m_ui->child<RateGraph>("rateGraph"); }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestRateGraph::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_rategraph"));
}

void TestRateGraph::init() {
    QSettings().clear();
}

void TestRateGraph::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

void TestRateGraph::openWindow() {
    QVERIFY(openTestWindow(m_window, m_ui));
}

void TestRateGraph::clickTab(QWidget *page) const {
    auto *tabs = m_ui->child<QTabWidget>("detailTabs");
    const int index = tabs->indexOf(page);
    QVERIFY(index >= 0);
    QTabBar *bar = tabs->tabBar();
    QTest::mouseClick(bar, Qt::LeftButton, {}, bar->tabRect(index).center());
    QTRY_COMPARE(tabs->currentIndex(), index);
}

void TestRateGraph::drawsTheSelectionsTraffic() {
    openWindow();
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    auto peer = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    QVERIFY(peer);
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    const EndpointId connection = m_ui->childrenOf(listener).first();
    m_ui->selectRow(connection);
    clickTab(m_ui->child<QWidget>("graphPage"));
    RateGraph *g = graph();
    QVERIFY(g->isVisible());
    QCOMPARE(g->endpoints(), QSet<EndpointId>{connection});

    QVERIFY(peer->sendAll(QByteArray(200000, 'x')));
    QTRY_COMPARE(m_window->workbench()->journal().counters(connection).bytesIn, quint64(200000));
    QTRY_COMPARE(g->seriesTotal().bytesIn, quint64(200000));

    // Right after a tick the graph has summed exactly what the meter holds for its endpoints.
    QSignalSpy ticks(&m_window->workbench()->rates(), &RateMeter::sampled);
    QVERIFY(ticks.wait());
    RateDelta meter{};
    for (EndpointId id : g->endpoints()) {
        for (const RateSample &s : m_window->workbench()->rates().history(id)) {
            meter.bytesIn += s.delta.bytesIn;
            meter.bytesOut += s.delta.bytesOut;
            meter.messagesIn += s.delta.messagesIn;
        }
    }
    QCOMPARE(g->seriesTotal().bytesIn, meter.bytesIn);
    QCOMPARE(g->seriesTotal().bytesOut, meter.bytesOut);
    QCOMPARE(g->seriesTotal().messagesIn, meter.messagesIn);
    double perSecond = 0;
    for (double v : g->bytesInPerSecond())
        perSecond += v;
    QVERIFY(perSecond > 0);

    // It draws: the plot holds pixels of the inbound colour's area, not only the background.
    const QImage image = g->grab().toImage();
    const QRect plot = g->plotRect().intersected(image.rect());
    QVERIFY(plot.width() > 50 && plot.height() > 20);
    const QRgb background = g->palette().color(QPalette::Base).rgb();
    int drawn = 0;
    for (int y = plot.top() + 1; y < plot.bottom(); ++y) {
        for (int x = plot.left() + 1; x < plot.right(); ++x)
            drawn += (image.pixel(x, y) & 0xffffff) != (background & 0xffffff) ? 1 : 0;
    }
    QVERIFY2(drawn > 20, qPrintable(QString::number(drawn)));
}

void TestRateGraph::followsTheSelection() {
    openWindow();
    const EndpointId a = m_ui->startListener();
    QVERIFY(a != 0);
    const EndpointId b = m_ui->startListener();
    QVERIFY(b != 0 && b != a);
    QTRY_VERIFY(m_ui->localPort(a) != 0 && m_ui->localPort(b) != 0);
    clickTab(m_ui->child<QWidget>("graphPage"));
    m_ui->selectRow(a);
    QTRY_COMPARE(graph()->endpoints(), QSet<EndpointId>{a});
    m_ui->selectRow(b);
    QTRY_COMPARE(graph()->endpoints(), QSet<EndpointId>{b});

    // A listener's graph sums its connections too, as its conversation does.
    auto peer = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(b)});
    QVERIFY(peer);
    QTRY_COMPARE(m_ui->childrenOf(b).size(), 1);
    const EndpointId child = m_ui->childrenOf(b).first();
    m_ui->selectRow(child);
    QTRY_COMPARE(graph()->endpoints(), QSet<EndpointId>{child});
    m_ui->selectRow(b);
    QTRY_COMPARE(graph()->endpoints(), (QSet<EndpointId>{b, child}));
}

void TestRateGraph::followsTheMeterOnlyWhileVisible() {
    openWindow();
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    auto peer = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    QVERIFY(peer);
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    const EndpointId connection = m_ui->childrenOf(listener).first();
    m_ui->selectRow(connection);
    // On the Bytes tab the graph is hidden: traffic does not reach it.
    QVERIFY(!graph()->isVisible());
    QVERIFY(peer->sendAll(QByteArray(1000, 'y')));
    QTRY_COMPARE(m_window->workbench()->journal().counters(connection).bytesIn, quint64(1000));
    QSignalSpy ticks(&m_window->workbench()->rates(), &RateMeter::sampled);
    QTRY_VERIFY(ticks.size() >= 3);
    QCOMPARE(graph()->seriesTotal().bytesIn, quint64(0));
    // Shown, it reads the meter at once.
    clickTab(m_ui->child<QWidget>("graphPage"));
    QCOMPARE(graph()->seriesTotal().bytesIn, quint64(1000));
}

void TestRateGraph::sparklineShowsTheTotal() {
    openWindow();
    auto *spark = m_ui->child<Sparkline>("rateSparkline");
    QVERIFY(spark->isVisible());
    const QSize size = spark->size();
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    auto peer = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    QVERIFY(peer);
    QVERIFY(peer->sendAll(QByteArray(100000, 'z')));
    QTRY_VERIFY(spark->currentRate() > 0);
    QVERIFY(spark->toolTip().contains(QStringLiteral("/s now")));
    // Its figure changes, its size does not.
    QCOMPARE(spark->size(), size);
}

void TestRateGraph::bucketsZeroFillTheGaps() {
    Workbench workbench;
    RateGraph g(&workbench);
    g.resize(600, 240);
    g.setEndpoints({1});
    // Two intervals with traffic 10 s apart, and one older than the minute (summed, not drawn).
    const qint64 now = 1'000'000;
    std::vector<RateSample> samples(3);
    samples[0].endMs = now - RateMeter::HistoryMs - 5000;
    samples[0].intervalMs = RateMeter::IntervalMs;
    samples[0].delta.bytesIn = 7;
    samples[1].endMs = now - 10'000;
    samples[1].intervalMs = RateMeter::IntervalMs;
    samples[1].delta.bytesIn = 1000;
    samples[1].delta.messagesIn = 2;
    samples[2].endMs = now;
    samples[2].intervalMs = 200; // a late tick: a longer interval, the same rate
    samples[2].delta.bytesOut = 400;
    g.setHistory(samples, now);
    QCOMPARE(g.seriesTotal().bytesIn, quint64(1007));
    QCOMPARE(g.seriesTotal().bytesOut, quint64(400));
    const std::vector<double> &in = g.bytesInPerSecond();
    const std::vector<double> &out = g.bytesOutPerSecond();
    QCOMPARE(int(in.size()), RateGraph::BucketCount);
    QCOMPARE(in[size_t(RateGraph::BucketCount - 1 - 100)], 10000.0); // 1000 B in 100 ms
    QCOMPARE(out[size_t(RateGraph::BucketCount - 1)], 2000.0);       // 400 B in 200 ms
    double others = 0;
    for (int i = 0; i < RateGraph::BucketCount; ++i) {
        if (i != RateGraph::BucketCount - 1 - 100)
            others += in[size_t(i)];
    }
    QCOMPARE(others, 0.0);
    // Painting it, with the messages pane, draws inside the plot.
    g.setShowMessages(true);
    const QImage image = g.grab().toImage();
    QVERIFY(!image.isNull());
    QVERIFY(g.plotRect().height() < 240 * 3 / 4); // the messages pane took room
}

SOCKBENCH_TEST_MAIN(TestRateGraph)
#include "tst_rategraph.moc"
