#include "probe/benchprobe.h"

#include "engine/workbench.h"
#include "panels/detailpane.h"
#include "views/rategraph.h"
#include "window/mainwindow.h"

#include <QAbstractItemModel>
#include <QAbstractItemView>
#include <QCoreApplication>
#include <QEvent>
#include <QSocketNotifier>
#include <QWidget>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace sockbench {

namespace {

qint64 realtimeNs() {
    timespec ts = {};
    clock_gettime(CLOCK_REALTIME, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// VmRSS or VmHWM from /proc/self/status, in KiB.
qint64 statusKib(const char *key) {
    FILE *f = std::fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    qint64 value = -1;
    const size_t keyLength = std::strlen(key);
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, key, keyLength) == 0) {
            value = std::atoll(line + keyLength + 1);
            break;
        }
    }
    std::fclose(f);
    return value;
}

} // namespace

void BenchProbe::attachIfRequested(MainWindow *window) {
    const QByteArray mode = qgetenv("SOCKBENCH_BENCH_PROBE");
    if (mode.isEmpty())
        return;
    new BenchProbe(window, mode == "load");
}

BenchProbe::BenchProbe(MainWindow *window, bool load)
    : QObject(window)
    , m_window(window)
    , m_load(load) {
    m_window->installEventFilter(this);
    m_tick.setTimerType(Qt::PreciseTimer);
    m_tick.setInterval(5);
    connect(&m_tick, &QTimer::timeout, this, &BenchProbe::onTick);
    m_stdin = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    connect(m_stdin, &QSocketNotifier::activated, this, &BenchProbe::onCommand);
    // The window owns its Workbench; the probe only borrows it.
    m_workbench = m_window->workbench();
    if (m_load && m_workbench) {
        connect(m_workbench, &Workbench::listenerStarted, this,
                [this](EndpointId id, const NetAddress &local) {
                    if (id == m_tcpListener)
                        m_tcpPort = local.port;
                    if (m_tcpPort && m_udpPort)
                        report("ready");
                });
        connect(m_workbench, &Workbench::udpBound, this, [this](EndpointId id, const NetAddress &local) {
            if (id == m_udpSocket)
                m_udpPort = local.port;
            if (m_tcpPort && m_udpPort)
                report("ready");
        });
        // A one-byte greeting tells the load generator that the window accepted a connection
        // (not merely the kernel); a client that is done is closed, as the command line does.
        connect(m_workbench, &Workbench::stateChanged, this, [this](EndpointId id, EndpointState state) {
            if (state == EndpointState::PeerClosed && m_workbench->info(id).listener == m_tcpListener)
                m_workbench->close(id);
        });
        m_graph = qgetenv("SOCKBENCH_BENCH_GRAPH") == "1";
        if (m_graph)
            connect(m_workbench, &Workbench::connectionAccepted, this, &BenchProbe::graphLoadEndpoints);
        ListenerOptions options;
        options.autoReply = AutoReply::Greeting;
        options.greeting = QByteArrayLiteral("!");
        m_tcpListener = m_workbench->startTcpListener(QStringLiteral("127.0.0.1"), 0, options);
        m_udpSocket = m_workbench->bindUdp(QStringLiteral("127.0.0.1"), 0);
        if (m_graph) {
            if (auto *pane = m_window->findChild<DetailPane *>())
                pane->showGraph();
            graphLoadEndpoints();
        }
    }
}

void BenchProbe::graphLoadEndpoints() {
    // The graph only, not the selection: selecting would also filter the log, whose row count the
    // scenario compares with the journal.
    auto *graph = m_window->findChild<RateGraph *>();
    if (!graph)
        return;
    QSet<EndpointId> ids{m_tcpListener, m_udpSocket};
    for (EndpointId id : m_workbench->connectionsOf(m_tcpListener))
        ids.insert(id);
    graph->setEndpoints(ids);
}

BenchProbe::~BenchProbe() = default;

bool BenchProbe::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_window && !m_shown && event->type() == QEvent::Paint) {
        m_shown = true;
        const QByteArray start = qgetenv("SOCKBENCH_BENCH_T0_NS");
        const double shownMs = start.isEmpty() ? -1 : double(realtimeNs() - start.toLongLong()) / 1e6;
        emitLine("{\"probe\":\"shown\",\"shown_ms\":" + QByteArray::number(shownMs, 'f', 2) +
                 ",\"rss_kib\":" + QByteArray::number(statusKib("VmRSS")) +
                 ",\"workbench\":" + (m_workbench ? "true" : "false") + '}');
        resetDelays();
        m_tick.start();
    }
    return QObject::eventFilter(watched, event);
}

void BenchProbe::resetDelays() {
    m_delaysUs.clear();
    m_sinceTick.start();
}

void BenchProbe::onTick() {
    const qint64 elapsedUs = m_sinceTick.nsecsElapsed() / 1000;
    m_sinceTick.start();
    m_delaysUs.push_back(std::max<qint64>(0, elapsedUs - 5000));
}

void BenchProbe::onCommand() {
    char buffer[256];
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n <= 0) {
        m_stdin->setEnabled(false);
        return;
    }
    m_input.append(buffer, n);
    qsizetype nl;
    while ((nl = m_input.indexOf('\n')) >= 0) {
        const QByteArray command = m_input.left(nl).trimmed();
        m_input.remove(0, nl + 1);
        if (command == "reset") {
            resetDelays();
            report("reset");
        } else if (command == "report") {
            report("report");
        } else if (command == "quit") {
            report("quit");
            m_window->close();
            QCoreApplication::quit();
        }
    }
}

void BenchProbe::report(const char *what) {
    std::vector<qint64> delays = m_delaysUs;
    std::sort(delays.begin(), delays.end());
    const qint64 maxUs = delays.empty() ? 0 : delays.back();
    const qint64 p99Us = delays.empty() ? 0 : delays[std::min(delays.size() - 1, delays.size() * 99 / 100)];
    // The traffic log is the view named "trafficView"; the others are reported for context.
    QByteArray views = "[";
    const auto all = m_window->findChildren<QAbstractItemView *>();
    for (const QAbstractItemView *view : all) {
        if (!view->model())
            continue;
        if (views.size() > 1)
            views += ',';
        views += "{\"name\":\"" + view->objectName().toUtf8() + "\",\"class\":\"" +
                 view->metaObject()->className() +
                 "\",\"rows\":" + QByteArray::number(view->model()->rowCount()) + '}';
    }
    views += ']';
    const auto *log = m_window->findChild<QAbstractItemView *>(QStringLiteral("trafficView"));
    const int logRows = log && log->model() ? log->model()->rowCount() : -1;
    QByteArray json = "{\"probe\":\"" + QByteArray(what) + "\"";
    json += ",\"max_delay_ms\":" + QByteArray::number(double(maxUs) / 1000, 'f', 2);
    json += ",\"p99_delay_ms\":" + QByteArray::number(double(p99Us) / 1000, 'f', 2);
    json += ",\"samples\":" + QByteArray::number(qulonglong(delays.size()));
    // Whether the delays were measured with the rate graph on screen (scenario 5 wants it).
    const auto *graph = m_window->findChild<const RateGraph *>();
    json += QByteArray(",\"graph_visible\":") + (graph && graph->isVisible() ? "true" : "false");
    json += ",\"rss_kib\":" + QByteArray::number(statusKib("VmRSS"));
    json += ",\"peak_rss_kib\":" + QByteArray::number(statusKib("VmHWM"));
    if (m_workbench) {
        const Journal &journal = m_workbench->journal();
        const Counters totals = journal.totals();
        json += ",\"journal_records\":" + QByteArray::number(journal.count());
        // What the log can show: the journal's budget drops the oldest records whole.
        json += ",\"journal_kept\":" + QByteArray::number(journal.count() - journal.oldestSeq());
        json += ",\"chunks_in\":" + QByteArray::number(totals.chunksIn);
        json += ",\"bytes_in\":" + QByteArray::number(totals.bytesIn);
        json += ",\"datagrams_in\":" + QByteArray::number(totals.datagramsIn);
        json += ",\"clients\":" +
                QByteArray::number(m_tcpListener ? m_workbench->clientsOf(m_tcpListener).size() : 0);
        json += ",\"tcp_port\":" + QByteArray::number(m_tcpPort);
        json += ",\"udp_port\":" + QByteArray::number(m_udpPort);
    }
    json += ",\"log_rows\":" + QByteArray::number(logRows);
    json += ",\"views\":" + views + '}';
    emitLine(json);
}

void BenchProbe::emitLine(const QByteArray &json) {
    const QByteArray line = json + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

} // namespace sockbench
