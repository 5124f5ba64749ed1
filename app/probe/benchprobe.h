#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

class QSocketNotifier;

namespace sockbench {

class MainWindow;
class Workbench;

/// Measures the real main window for scripts/bench; inert unless SOCKBENCH_BENCH_PROBE is set.
///
/// It reports on stderr, one JSON object per line: when the window was first painted (relative to
/// SOCKBENCH_BENCH_T0_NS, the launcher's clock), then, on the commands "reset", "report" and "quit"
/// read from stdin, the event loop's delay as seen by a 5 ms timer, the rows of the window's item
/// views next to the journal's record count, and memory. With SOCKBENCH_BENCH_PROBE=load it also
/// opens a TCP listener and a UDP socket on the window's own Workbench, so that the window's
/// views show what the load generator sends; with SOCKBENCH_BENCH_GRAPH=1 as well, the detail
/// pane's Graph tab is brought to the front and graphs those endpoints and the listener's
/// connections, so that the event-loop delay includes the graph's work.
class BenchProbe final : public QObject {
    Q_OBJECT

public:
    static void attachIfRequested(MainWindow *window);
    ~BenchProbe() override;
    Q_DISABLE_COPY_MOVE(BenchProbe)

    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    BenchProbe(MainWindow *window, bool load);
    void onTick();
    void onCommand();
    void report(const char *what);
    void emitLine(const QByteArray &json);
    void resetDelays();
    void graphLoadEndpoints();

    MainWindow *m_window;
    Workbench *m_workbench = nullptr;
    bool m_load;
    bool m_graph = false;
    bool m_shown = false;
    QTimer m_tick;
    QElapsedTimer m_sinceTick;
    std::vector<qint64> m_delaysUs;
    QSocketNotifier *m_stdin = nullptr;
    QByteArray m_input;
    quint64 m_tcpListener = 0;
    quint64 m_udpSocket = 0;
    quint16 m_tcpPort = 0;
    quint16 m_udpPort = 0;
};

} // namespace sockbench
