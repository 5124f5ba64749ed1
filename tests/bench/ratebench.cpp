// ratebench: what the RateMeter costs with many idle connections (the goal: at most 2 % of one core
// with 10,000 open idle connections).
//
// One Workbench listens on 127.0.0.1:0; loadgen (built next to this program) opens the connections
// from its own process, so that the accepted ones alone fill our descriptor table. Once every
// connection is accepted and the accepting has settled, nothing runs in this process but the
// meter's 10 Hz sampling: the reactors sleep in epoll_wait and the idle connections are never
// visited. The process's CPU time (getrusage) and the main thread's (where the meter samples)
// over the measuring window are therefore the cost of keeping rates, Qt's timer dispatch
// included. The same is measured first with no connection, as the baseline.
//
// Usage: ratebench [connections=10000] [seconds=10] [loadgen path]. Prints one JSON object.

#include "engine/ratemeter.h"
#include "engine/workbench.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTimer>

#include <sys/resource.h>

#include <cstdio>
#include <ctime>
#include <functional>

using namespace sockbench;

namespace {

constexpr int SettleMs = 1000;
constexpr int BaselineMs = 3000;

double processCpuSeconds() {
    rusage usage = {};
    ::getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double threadCpuSeconds() {
    timespec ts = {};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

/// CPU spent over a window of wall time, as % of one core, and how many samples the meter took.
struct Window {
    double wallSeconds = 0;
    double processPercent = 0;
    double mainThreadPercent = 0;
    int samples = 0;
};

/// Measures `ms` of wall time from now and calls `done` with the figures; runs in the event loop.
void measure(const RateMeter &meter, int ms, std::function<void(const Window &)> done) {
    struct Run {
        QElapsedTimer wall;
        double process = processCpuSeconds();
        double thread = threadCpuSeconds();
        int samples = 0;
        QMetaObject::Connection counting;
    };
    auto run = std::make_shared<Run>();
    run->wall.start();
    run->counting = QObject::connect(&meter, &RateMeter::sampled, [run] { ++run->samples; });
    QTimer::singleShot(ms, Qt::PreciseTimer, [run, done = std::move(done)] {
        QObject::disconnect(run->counting);
        Window w;
        w.wallSeconds = double(run->wall.nsecsElapsed()) / 1e9;
        w.processPercent = (processCpuSeconds() - run->process) / w.wallSeconds * 100;
        w.mainThreadPercent = (threadCpuSeconds() - run->thread) / w.wallSeconds * 100;
        w.samples = run->samples;
        done(w);
    });
}

QByteArray json(const Window &w) {
    return QStringLiteral("{\"seconds\":%1,\"samples\":%2,\"samples_per_s\":%3,\"process_cpu_percent\":%4,"
                          "\"main_thread_cpu_percent\":%5}")
        .arg(w.wallSeconds, 0, 'f', 2)
        .arg(w.samples)
        .arg(w.samples / w.wallSeconds, 0, 'f', 1)
        .arg(w.processPercent, 0, 'f', 3)
        .arg(w.mainThreadPercent, 0, 'f', 3)
        .toUtf8();
}

int fail(const QString &why) {
    std::fprintf(stderr, "ratebench: %s\n", qPrintable(why));
    return 1;
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const int connections = args.size() > 1 ? args.at(1).toInt() : 10000;
    const int seconds = args.size() > 2 ? args.at(2).toInt() : 10;
    const QString loadgen =
        args.size() > 3 ? args.at(3) : QCoreApplication::applicationDirPath() + QStringLiteral("/loadgen");
    if (connections <= 0 || seconds <= 0)
        return fail(QStringLiteral("usage: ratebench [connections] [seconds] [loadgen]"));

    const qint64 limit = raiseOpenFileLimit();
    if (limit < connections + 100)
        return fail(
            QStringLiteral("open-file limit %1 is too low for %2 connections").arg(limit).arg(connections));

    Workbench wb;
    const RateMeter &meter = wb.rates();
    QProcess generator;
    generator.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    int accepted = 0;
    int result = 1;
    Window baseline;
    Window idle;

    const auto finish = [&](int code) {
        result = code;
        generator.closeWriteChannel(); // loadgen closes its connections and exits on EOF
        if (!generator.waitForFinished(30000))
            generator.kill();
        QCoreApplication::exit(code);
    };
    const auto report = [&] {
        int withHistory = 0;
        for (auto it = wb.endpoints().cbegin(); it != wb.endpoints().cend(); ++it)
            withHistory += meter.history(it.key()).empty() ? 0 : 1;
        std::printf("{\"bench\":\"ratebench\",\"connections\":%d,\"accepted\":%d,"
                    "\"endpoints_with_history\":%d,\"baseline\":%s,\"idle\":%s,\"goal_percent\":2}\n",
                    connections, accepted, withHistory, json(baseline).constData(), json(idle).constData());
        std::fflush(stdout);
        finish(accepted == connections ? 0 : 1);
    };
    const auto measureIdle = [&] {
        std::fprintf(stderr, "ratebench: %d connections accepted; measuring %d s\n", accepted, seconds);
        QTimer::singleShot(SettleMs, [&] {
            measure(meter, seconds * 1000, [&](const Window &w) {
                idle = w;
                report();
            });
        });
    };
    QObject::connect(&wb, &Workbench::connectionAccepted, [&] {
        if (++accepted == connections)
            measureIdle();
    });
    QObject::connect(&wb, &Workbench::listenerStarted, [&](EndpointId, const NetAddress &local) {
        measure(meter, BaselineMs, [&, local](const Window &w) {
            baseline = w;
            std::fprintf(stderr, "ratebench: opening %d connections through %s\n", connections,
                         qPrintable(loadgen));
            generator.start(loadgen, {QStringLiteral("tcp-conns"), local.ip, QString::number(local.port),
                                      QString::number(connections), QStringLiteral("--hold"),
                                      QStringLiteral("0"), QStringLiteral("--wait-stdin")});
            QTimer::singleShot(120000, [&] {
                if (accepted < connections) {
                    fail(QStringLiteral("only %1 of %2 connections accepted").arg(accepted).arg(connections));
                    finish(1);
                }
            });
        });
    });
    QObject::connect(&wb, &Workbench::listenerFailed, [&](EndpointId, const QString &reason) {
        fail(reason);
        finish(1);
    });
    QObject::connect(&generator, &QProcess::errorOccurred, [&](QProcess::ProcessError) {
        fail(QStringLiteral("loadgen: %1").arg(generator.errorString()));
        QCoreApplication::exit(1);
    });
    // The generator's own report (one JSON line once it is connected) is not ours to print.
    generator.setStandardOutputFile(QProcess::nullDevice());
    wb.startTcpListener(QStringLiteral("127.0.0.1"), 0);
    app.exec();
    return result;
}
