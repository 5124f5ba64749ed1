#include "mainwindow.h"

namespace sockbench {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Sockbench"));
    resize(1200, 800);
}

MainWindow::~MainWindow() = default;

} // namespace sockbench
