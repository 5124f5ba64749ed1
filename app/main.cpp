#include "mainwindow.h"
#include "workbench.h"

#include <QApplication>

int main(int argc, char *argv[])
{
    sockbench::raiseOpenFileLimit();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Sockbench"));
    QApplication::setOrganizationName(QStringLiteral("Sockbench"));
    QApplication::setApplicationVersion(QStringLiteral(SOCKBENCH_VERSION));
    sockbench::MainWindow window;
    window.show();
    return QApplication::exec();
}
