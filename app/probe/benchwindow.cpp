// sockbench-benchwindow: the main window as `sockbench` opens it, with the benchmark probe
// attached (SOCKBENCH_BENCH_PROBE, see benchprobe.h). scripts/bench starts it; it is built with
// SOCKBENCH_BENCH and never installed, so the installed binary carries no probe.

#include "engine/workbench.h"
#include "probe/benchprobe.h"
#include "window/mainwindow.h"
#include "window/sessioncontroller.h"

#include <QApplication>

int main(int argc, char *argv[]) {
    sockbench::raiseOpenFileLimit();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Sockbench"));
    QApplication::setOrganizationName(QStringLiteral("Sockbench"));
    QApplication::setApplicationVersion(QStringLiteral(SOCKBENCH_VERSION));
    sockbench::MainWindow window;
    sockbench::BenchProbe::attachIfRequested(&window);
    window.show();
    window.sessions()->reopenLastIfWanted();
    return QApplication::exec();
}
