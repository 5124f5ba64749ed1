// graphbench: how long the rate graph (ui/views/rategraph.h) takes to paint a full minute.
//
// Gives a RateGraph 600 samples of 100 ms (60 s of traffic in both directions, with the messages
// pane and 120 TCP readings for RTT and cwnd drawn too), then renders it into an 800×300 image
// again and again and prints, as one JSON object on stdout, the median, 95th percentile and largest
// paint time, in wall time and in this thread's CPU time, and the time to rebuild the polylines
// from the samples (what a meter tick costs). The target is a paint of at most 2 ms;
// paint_target_met judges the largest CPU time, since on a shared, busy machine the largest wall
// time is the scheduler's. Usage: graphbench [paints]

#include "engine/workbench.h"
#include "views/rategraph.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace sockbench;

namespace {

constexpr int DefaultPaints = 200;
constexpr int Width = 800;
constexpr int Height = 300;

constexpr int WarmUpPaints = 5; ///< the first paints fill the glyph cache; they are not what a tick costs

struct Stats {
    double median = 0;
    double p95 = 0;
    double max = 0;
};

/// This thread's CPU time: on a busy machine the wall time of a paint also holds other processes'
/// turns, which say nothing about the graph.
double threadCpuMs() {
    timespec ts = {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

Stats stats(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[ms.size() * 95 / 100], ms.back()};
}

} // namespace

int main(int argc, char **argv) {
    QApplication app(argc, argv);
    const int paints = argc > 1 ? std::max(1, std::atoi(argv[1])) : DefaultPaints;

    Workbench workbench;
    RateGraph graph(&workbench);
    graph.resize(Width, Height);
    graph.setShowMessages(true);
    graph.setEndpoints({1});

    // A minute of uneven traffic, every interval non-zero so that every point is drawn.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    std::vector<RateSample> samples;
    for (int i = 0; i < RateGraph::BucketCount; ++i) {
        RateSample s;
        s.endMs = now - qint64(RateGraph::BucketCount - 1 - i) * RateMeter::IntervalMs;
        s.intervalMs = RateMeter::IntervalMs;
        const double wave = 1.0 + std::sin(i / 17.0);
        s.delta.bytesIn = quint64(2'000'000 * wave + 1000);
        s.delta.bytesOut = quint64(500'000 * (2.0 - wave) + 1000);
        s.delta.messagesIn = quint64(100 * wave + 1);
        s.delta.messagesOut = quint64(40 * (2.0 - wave) + 1);
        samples.push_back(s);
    }
    for (int i = 0; i < 120; ++i) {
        TcpInfo info;
        info.sampledAtMs = now - qint64(119 - i) * 500;
        info.rttUs = quint32(200 + 50 * (i % 7));
        info.cwndSegments = quint32(10 + i);
        graph.addTcpSample(info);
    }

    std::vector<double> rebuildMs;
    QElapsedTimer timer;
    for (int i = 0; i < paints; ++i) {
        timer.start();
        graph.setHistory(samples, now);
        rebuildMs.push_back(double(timer.nsecsElapsed()) / 1e6);
    }

    QImage image(Width, Height, QImage::Format_ARGB32_Premultiplied);
    for (int i = 0; i < WarmUpPaints; ++i)
        graph.render(&image);
    std::vector<double> paintMs;
    std::vector<double> paintCpuMs;
    for (int i = 0; i < paints; ++i) {
        const double cpu = threadCpuMs();
        timer.start();
        graph.render(&image);
        paintMs.push_back(double(timer.nsecsElapsed()) / 1e6);
        paintCpuMs.push_back(threadCpuMs() - cpu);
    }
    const Stats paint = stats(paintMs);
    const Stats paintCpu = stats(paintCpuMs);
    const Stats rebuild = stats(rebuildMs);
    std::printf("{\"bench\":\"graph\",\"platform\":\"%s\",\"width\":%d,\"height\":%d,\"samples\":%d,"
                "\"paints\":%d,\"paint_median_ms\":%.3f,\"paint_p95_ms\":%.3f,\"paint_max_ms\":%.3f,"
                "\"paint_cpu_median_ms\":%.3f,\"paint_cpu_p95_ms\":%.3f,\"paint_cpu_max_ms\":%.3f,"
                "\"rebuild_median_ms\":%.3f,\"rebuild_max_ms\":%.3f,\"paint_target_met\":%s}\n",
                qPrintable(QGuiApplication::platformName()), Width, Height, RateGraph::BucketCount, paints,
                paint.median, paint.p95, paint.max, paintCpu.median, paintCpu.p95, paintCpu.max,
                rebuild.median, rebuild.max, paintCpu.max <= 2.0 ? "true" : "false");
    return 0;
}
