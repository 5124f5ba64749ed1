#include "cli/cli.h"
#include "engine/workbench.h"
#include "window/capturecontroller.h"
#include "window/mainwindow.h"
#include "window/sessioncontroller.h"

#include <QApplication>

int main(int argc, char *argv[]) {
    // A verb runs headless (QCoreApplication, no display); Qt's own options and a session file open
    // the window.
    if (sockbench::isCommandLineInvocation(argc, argv))
        return sockbench::runCommandLine(argc, argv);
    // Read before QApplication takes its own options out of argv.
    const QString sessionFile = sockbench::sessionFileInvocation(argc, argv);

    sockbench::raiseOpenFileLimit();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Sockbench"));
    QApplication::setOrganizationName(QStringLiteral("Sockbench"));
    QApplication::setApplicationVersion(QStringLiteral(SOCKBENCH_VERSION));
    sockbench::MainWindow window;
    window.show();
    // `sockbench FILE.pcapng` opens the capture, read-only, in the window.
    const bool isCapture = sessionFile.endsWith(QLatin1String(".pcapng"), Qt::CaseInsensitive) ||
                           sessionFile.endsWith(QLatin1String(".pcap"), Qt::CaseInsensitive) ||
                           sessionFile.endsWith(QLatin1String(".cap"), Qt::CaseInsensitive);
    if (isCapture)
        window.captures()->openCapture(sessionFile);
    else if (!sessionFile.isEmpty())
        window.sessions()->open(sessionFile);
    else
        window.sessions()->reopenLastIfWanted();
    return QApplication::exec();
}
