// logbench: the traffic log of the real window with 1,000,000 records.
//
// Builds a MainWindow, appends records straight into its Workbench's journal in batches of 10,000
// and announces each batch with journalGrew() the way the reactors do. Then scrolls the log end
// to end, repainting synchronously, applies a connection filter and a text search, and prints
// wall times and the process's resident memory at each stage. Usage: logbench [records]

#include "rss.h"

#include "engine/workbench.h"
#include "models/trafficmodel.h"
#include "views/conversationview.h"
#include "window/mainwindow.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QTreeView>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace sockbench;

namespace {

using bench::rssMiB;

struct Stats {
    std::vector<double> ms;
    void add(double v) { ms.push_back(v); }
    double percentile(double p) {
        if (ms.empty())
            return 0;
        std::sort(ms.begin(), ms.end());
        return ms[std::min(ms.size() - 1, size_t(p * double(ms.size())))];
    }
    double max() { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
};

} // namespace

int main(int argc, char *argv[]) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const quint64 total = argc > 1 ? QByteArray(argv[1]).toULongLong() : 1000000;
    constexpr quint64 Batch = 10000;

    const double rssStart = rssMiB();
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    Workbench *wb = window.workbench();
    Journal &journal = wb->journal();
    auto *view = window.findChild<QTableView *>(QStringLiteral("trafficView"));
    auto *model = window.trafficModel();
    QScrollBar *bar = view->verticalScrollBar();
    const double rssWindow = rssMiB();
    std::printf("logbench: %llu records, batches of %llu, platform %s\n",
                static_cast<unsigned long long>(total), static_cast<unsigned long long>(Batch),
                qPrintable(QGuiApplication::platformName()));
    std::printf("RSS at start %.1f MiB, with the window shown %.1f MiB\n", rssStart, rssWindow);

    // Realistic small messages: request lines out, responses in, on 50 endpoints.
    const QByteArray out = "GET /items/000000 HTTP/1.1\r\nHost: device\r\n\r\n";
    const QByteArray in = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    quint64 payloadBytes = 0;

    std::vector<std::function<void()>> steps;
    size_t next = 0;
    QTimer driver;
    driver.setSingleShot(true);
    driver.setInterval(0);
    QObject::connect(&driver, &QTimer::timeout, [&] {
        if (next < steps.size()) {
            steps[next++]();
            driver.start();
        } else {
            QApplication::quit();
        }
    });

    Stats batchGui;
    QElapsedTimer appendClock;
    double appendMs = 0;
    quint64 appended = 0;
    std::function<void()> appendBatch = [&] {
        QElapsedTimer clock;
        clock.start();
        const quint64 n = std::min(Batch, total - appended);
        for (quint64 i = 0; i < n; ++i) {
            const quint64 k = appended + i;
            const QByteArray &bytes = (k % 2) ? in : out;
            journal.appendData(1 + k % 50, (k % 2) ? RecordKind::DataIn : RecordKind::DataOut, bytes);
            payloadBytes += quint64(bytes.size());
        }
        appended += n;
        appendMs += double(clock.nsecsElapsed()) / 1e6;
        // What the window does per batch: the model grows once, the view follows the bottom.
        QElapsedTimer gui;
        gui.start();
        Q_EMIT wb->journalGrew(journal.count());
        view->viewport()->repaint();
        batchGui.add(double(gui.nsecsElapsed()) / 1e6);
        if (appended < total)
            steps.insert(steps.begin() + qsizetype(next), appendBatch);
    };
    steps.push_back([&] { appendClock.start(); });
    steps.push_back(appendBatch);
    steps.push_back([&] {
        const double wall = double(appendClock.elapsed());
        const double rss = rssMiB();
        std::printf("\nappend: %llu rows in %.0f ms wall (journal appends %.0f ms); GUI per batch of %llu: "
                    "median %.2f ms, p99 %.2f ms, max %.2f ms\n",
                    static_cast<unsigned long long>(appended), wall, appendMs,
                    static_cast<unsigned long long>(Batch), batchGui.percentile(0.5),
                    batchGui.percentile(0.99), batchGui.max());
        std::printf("rows in the model %d, follow-bottom at row %d (scroll value %d of %d)\n",
                    model->rowCount(), view->rowAt(view->viewport()->height() - 2), bar->value(),
                    bar->maximum());
        std::printf(
            "payload %.1f MiB; journal headers %.1f MiB (%.1f B/record); RSS %.1f MiB, +%.1f MiB over the "
            "empty window = %.1f B/record including payload, %.1f B/record beyond it\n",
            double(payloadBytes) / 1048576.0, double(journal.headerBytes()) / 1048576.0,
            double(journal.headerBytes()) / double(appended), rss, rss - rssWindow,
            (rss - rssWindow) * 1048576.0 / double(appended),
            ((rss - rssWindow) * 1048576.0 - double(payloadBytes)) / double(appended));
    });

    // Scroll end to end: page by page over the first and last 2,000 pages, and 2,000 jumps in between.
    steps.push_back([&] {
        Stats paint;
        QElapsedTimer clock;
        clock.start();
        const int max = bar->maximum();
        const int page = std::max(1, bar->pageStep());
        std::vector<int> positions;
        for (int i = 0; i < 2000; ++i)
            positions.push_back(std::min(max, i * page));
        for (int i = 0; i <= 2000; ++i)
            positions.push_back(int(qint64(max) * i / 2000));
        for (int i = 2000; i >= 0; --i)
            positions.push_back(std::max(0, max - i * page));
        for (int v : positions) {
            QElapsedTimer one;
            one.start();
            bar->setValue(v);
            view->viewport()->repaint();
            paint.add(double(one.nsecsElapsed()) / 1e6);
        }
        std::printf("\nscroll: %zu positions top to bottom in %lld ms; per scroll+repaint median %.2f ms, "
                    "p99 %.2f ms, "
                    "max %.2f ms; RSS %.1f MiB\n",
                    positions.size(), static_cast<long long>(clock.elapsed()), paint.percentile(0.5),
                    paint.percentile(0.99), paint.max(), rssMiB());
    });

    steps.push_back([&] {
        auto *connections = window.findChild<QTreeView *>(QStringLiteral("connectionsView"));
        Q_UNUSED(connections)
        QElapsedTimer clock;
        clock.start();
        model->setEndpointFilter({7});
        const qint64 filterMs = clock.elapsed();
        view->viewport()->repaint();
        std::printf("\nfilter one connection of 50: %d rows in %lld ms; RSS %.1f MiB\n", model->rowCount(),
                    static_cast<long long>(filterMs), rssMiB());
        clock.restart();
        model->setEndpointFilter({});
        model->setSearchBytes("200 OK");
        std::printf("search \"200 OK\" in every payload: %d rows in %lld ms; RSS %.1f MiB\n",
                    model->rowCount(), static_cast<long long>(clock.elapsed()), rssMiB());
        // The log's default: without case (ASCII letters fold), then a regular expression.
        clock.restart();
        model->setSearchBytes("200 ok", Qt::CaseInsensitive);
        std::printf("search \"200 ok\" without case: %d rows in %lld ms\n", model->rowCount(),
                    static_cast<long long>(clock.elapsed()));
        clock.restart();
        model->setSearchPattern(QRegularExpression(QStringLiteral("200 O[Kk]")));
        std::printf("search pattern /200 O[Kk]/: %d rows in %lld ms\n", model->rowCount(),
                    static_cast<long long>(clock.elapsed()));
        clock.restart();
        model->setSearchPattern(
            QRegularExpression(QStringLiteral("host: device"), QRegularExpression::CaseInsensitiveOption));
        std::printf("search pattern /host: device/i: %d rows in %lld ms; RSS %.1f MiB\n", model->rowCount(),
                    static_cast<long long>(clock.elapsed()), rssMiB());
        clock.restart();
        model->setSearchBytes({});
        std::printf("clear filters: %d rows in %lld ms\n", model->rowCount(),
                    static_cast<long long>(clock.elapsed()));
    });

    // The conversation view over 64 MiB on one connection: indexing runs in slices, never one long stall.
    auto *conversation = window.findChild<ConversationView *>(QStringLiteral("conversationView"));
    QElapsedTimer conversationClock;
    QElapsedTimer gap;
    Stats gaps;
    std::function<void()> watchConversation = [&] {
        gaps.add(double(gap.nsecsElapsed()) / 1e6);
        if (conversation->isIndexing()) {
            steps.insert(steps.begin() + qsizetype(next), watchConversation);
            gap.start();
            return;
        }
        const qint64 indexMs = conversationClock.elapsed();
        Stats paint;
        QScrollBar *cbar = conversation->verticalScrollBar();
        for (int i = 0; i <= 2000; ++i) {
            QElapsedTimer one;
            one.start();
            cbar->setValue(int(qint64(cbar->maximum()) * i / 2000));
            conversation->viewport()->repaint();
            paint.add(double(one.nsecsElapsed()) / 1e6);
        }
        std::printf("conversation: %lld lines indexed in %lld ms; longest GUI stall while indexing %.1f ms "
                    "(median %.2f ms); 2,001 scroll+repaints median %.2f ms, max %.2f ms; RSS %.1f MiB\n",
                    static_cast<long long>(conversation->lineCount()), static_cast<long long>(indexMs),
                    gaps.max(), gaps.percentile(0.5), paint.percentile(0.5), paint.max(), rssMiB());
    };
    steps.push_back([&] {
        QByteArray chunk;
        for (int i = 0; chunk.size() < 65536 - 80; ++i)
            chunk += QByteArray::number(i).rightJustified(8, '0') +
                     ": the quick brown fox jumps over the lazy dog\n";
        chunk = chunk.left(65536);
        for (int i = 0; i < 1024; ++i)
            journal.appendData(99, (i % 2) ? RecordKind::DataIn : RecordKind::DataOut, chunk);
        Q_EMIT wb->journalGrew(journal.count());
        std::printf(
            "\nconversation: appended 64 MiB on one connection (1,024 chunks of 64 KiB); RSS %.1f MiB\n",
            rssMiB());
        // The view paints only while its tab is the current one.
        window.findChild<QTabWidget *>(QStringLiteral("detailTabs"))->setCurrentWidget(conversation);
        conversationClock.start();
        conversation->setEndpoints({99});
        gap.start();
    });
    steps.push_back(watchConversation);

    // A small budget evicts payloads: rows stay, and say so.
    steps.push_back([&] {
        journal.setBudgetBytes(4 * 1024 * 1024);
        Q_EMIT wb->journalGrew(journal.count());
        bar->setValue(0);
        view->viewport()->repaint();
        const QString first = model->index(0, TrafficModel::DataColumn).data().toString();
        std::printf("\nbudget cut to 4 MiB: %.1f MiB evicted, %d rows kept; row 1 shows: %s; RSS %.1f MiB\n",
                    double(journal.evictedBytes()) / 1048576.0, model->rowCount(), qPrintable(first),
                    rssMiB());
    });

    driver.start();
    const int rc = QApplication::exec();
    QElapsedTimer closing;
    closing.start();
    window.close();
    std::printf("window closed in %lld ms\n", static_cast<long long>(closing.elapsed()));
    return rc;
}
