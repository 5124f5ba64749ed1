// File > Export in the window: a live conversation exported as CSV and as pcapng through
// the dialog (the export runs on its own thread; the outcome lands in the status bar), the pcapng
// read back holds the bytes both ways; OK stays off with the reason until a file is named; the log's
// context menu offers "Export selected rows…" and "Export this connection…".

#include "capturetesting.h"
#include "testmain.h"

#include "panels/logpanel.h"

#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QProgressDialog>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>

using namespace sockbench;
using namespace sockbench::testing;

class TestWindowExport final : public QObject {
    Q_OBJECT

public:
    TestWindowExport() = default;
    Q_DISABLE_COPY_MOVE(TestWindowExport)

private Q_SLOTS:
    void initTestCase() { QVERIFY(useSettingsIn(m_settingsDir, "tst_windowexport")); }
    void init();
    void cleanup() {
        m_client.reset();
        m_ui.reset();
        if (m_window)
            m_window->close();
        m_window.reset();
    }

    void exportsEverythingAsCsv();
    void exportsTheConnectionAsPcapng();
    void okWaitsForAFileAndSaysWhy();
    void logContextMenuOffersExports();
    void cancelFromTheProgressLeavesNoFile();

private:
    QDialog *openExportDialog() {
        windowAction(m_window.get(), "exportAction")->trigger();
        QDialog *dialog = nullptr;
        const bool shown = QTest::qWaitFor([&] {
            dialog = m_window->findChild<QDialog *>(QStringLiteral("exportDialog"));
            return dialog && dialog->isVisible();
        });
        return shown ? dialog : nullptr;
    }
    static QPushButton *exportButton(QDialog *dialog) {
        return dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    }
    /// Chooses a format by its row in the combo, typed with the keyboard as a user does.
    static void chooseFormat(QDialog *dialog, int row) {
        auto *combo = dialog->findChild<QComboBox *>(QStringLiteral("exportFormatCombo"));
        combo->setFocus();
        QTest::keyClick(combo, Qt::Key_Home);
        for (int i = 0; i < row; ++i)
            QTest::keyClick(combo, Qt::Key_Down);
    }
    bool runExport(QDialog *dialog, const QString &path) {
        WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("exportPathEdit")), path);
        if (!exportButton(dialog)->isEnabled())
            return false;
        QSignalSpy finished(m_window->captures(), &CaptureController::exportFinished);
        QTest::mouseClick(exportButton(dialog), Qt::LeftButton);
        if (!finished.wait(20000))
            return false;
        return finished.constFirst().constFirst().toBool();
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
    std::unique_ptr<QTcpSocket> m_client;
    EndpointId m_listener = 0;
    EndpointId m_accepted = 0;
};

void TestWindowExport::init() {
    QSettings().clear();
    QVERIFY(openTestWindow(m_window, m_ui));
    m_client = std::make_unique<QTcpSocket>();
    QVERIFY(liveConversation(*m_ui, *m_client, &m_listener, &m_accepted));
    m_client->write("hello export\n");
    const Journal &journal = m_window->workbench()->journal();
    QTRY_COMPARE(bytesOf(journal, m_accepted, RecordKind::DataIn), QByteArray("hello export\n"));
    QVERIFY(m_window->workbench()->send(m_accepted, QByteArray("answered\n")));
    QTRY_COMPARE(bytesOf(journal, m_accepted, RecordKind::DataOut), QByteArray("answered\n"));
}

void TestWindowExport::exportsEverythingAsCsv() {
    QDialog *dialog = openExportDialog();
    QVERIFY(dialog);
    chooseFormat(dialog, 1);
    const QString path = m_dir.filePath(QStringLiteral("all.csv"));
    QVERIFY(runExport(dialog, path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray csv = file.readAll();
    QVERIFY2(csv.contains("hello export"), csv.constData());
    QVERIFY(csv.contains("answered"));
    QVERIFY2(m_window->statusBar()->currentMessage().contains(QLatin1String("all.csv")),
             qPrintable(m_window->statusBar()->currentMessage()));
}

void TestWindowExport::exportsTheConnectionAsPcapng() {
    m_ui->selectRow(m_accepted);
    QDialog *dialog = openExportDialog();
    QVERIFY(dialog);
    auto *scope = dialog->findChild<QComboBox *>(QStringLiteral("exportScopeCombo"));
    scope->setFocus();
    QTest::keyClick(scope, Qt::Key_End); // the selected connection
    QCOMPARE(scope->currentIndex(), 2);
    const QString path = m_dir.filePath(QStringLiteral("one.pcapng"));
    QVERIFY(runExport(dialog, path));
    QString error;
    const std::unique_ptr<CaptureFile> capture = readCapture(path, &error);
    QVERIFY2(capture, qPrintable(error));
    QCOMPARE(capture->streams.size(), 1);
    // Read back through the window's own import: the rows carry the same bytes.
    QSignalSpy opened(m_window->captures(), &CaptureController::captureOpened);
    m_window->captures()->openCapture(path);
    QVERIFY(opened.wait(10000));
    const EndpointId imported = opened.constFirst().constFirst().value<QList<EndpointId>>().constFirst();
    const Journal &journal = m_window->workbench()->journal();
    const QByteArray in = bytesOf(journal, imported, RecordKind::DataIn);
    const QByteArray out = bytesOf(journal, imported, RecordKind::DataOut);
    QVERIFY2((in == "hello export\n" && out == "answered\n") ||
                 (in == "answered\n" && out == "hello export\n"),
             (in + '|' + out).constData());
}

void TestWindowExport::okWaitsForAFileAndSaysWhy() {
    QDialog *dialog = openExportDialog();
    QVERIFY(dialog);
    QCOMPARE(WindowDriver::labelsShowingAmpersand(dialog), QStringList());
    auto *path = dialog->findChild<QLineEdit *>(QStringLiteral("exportPathEdit"));
    WindowDriver::replaceText(path, QString());
    QVERIFY(!exportButton(dialog)->isEnabled());
    auto *problems = dialog->findChild<QLabel *>(QStringLiteral("exportProblemsLabel"));
    QVERIFY2(problems->text().contains(QLatin1String("file")), qPrintable(problems->text()));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    const QPoint okAt = exportButton(dialog)->mapTo(dialog, QPoint(0, 0));
    const QSize size = dialog->size();
    // The suffix follows the format.
    WindowDriver::replaceText(path, m_dir.filePath(QStringLiteral("x.csv")));
    // The problem gone, Export stays where it was (issue 27: it jumped up by a line).
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QCOMPARE(exportButton(dialog)->mapTo(dialog, QPoint(0, 0)), okAt);
    QCOMPARE(dialog->size(), size);
    chooseFormat(dialog, 2);
    QVERIFY2(path->text().endsWith(QLatin1String("x.jsonl")), qPrintable(path->text()));
    QVERIFY(exportButton(dialog)->isEnabled());
    dialog->reject();
}

void TestWindowExport::logContextMenuOffersExports() {
    auto *log = m_window->findChild<LogPanel *>();
    QVERIFY(log);
    QStringList names;
    for (QAction *action : m_ui->trafficView()->actions())
        names << action->objectName();
    QVERIFY(names.contains(QStringLiteral("exportRowsAction")));
    QVERIFY(names.contains(QStringLiteral("exportConnectionAction")));
    // The row's connection, even with another one selected in the connections panel.
    m_ui->selectRow(m_listener);
    auto *view = m_ui->trafficView();
    // Every record in the log (it appends in batches), so that the last row is the accepted
    // connection's answer and not an earlier event of the listener.
    QTRY_COMPARE(quint64(view->model()->rowCount()), m_window->workbench()->journal().count());
    view->setFocus();
    view->selectRow(view->model()->rowCount() - 1);
    windowAction(m_window.get(), "exportConnectionAction")->trigger();
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog *>(QStringLiteral("exportDialog"))) != nullptr);
    QCOMPARE(dialog->findChild<QComboBox *>(QStringLiteral("exportScopeCombo"))->currentIndex(), 2);
    // Raw bytes of that connection: what the client sent it.
    chooseFormat(dialog, 4);
    const QString path = m_dir.filePath(QStringLiteral("row.bin"));
    QVERIFY(runExport(dialog, path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("hello export\n"));
}

void TestWindowExport::cancelFromTheProgressLeavesNoFile() {
    // Enough records that the export is still running when Cancel is clicked: the progress shows
    // after 300 ms.
    Journal &journal = m_window->workbench()->journal();
    const QByteArray chunk(200, 'x');
    for (int i = 0; i < 400000; ++i)
        journal.appendData(m_accepted, RecordKind::DataIn, chunk);
    QDialog *dialog = openExportDialog();
    QVERIFY(dialog);
    chooseFormat(dialog, 2); // JSON Lines, the slowest
    const QString path = m_dir.filePath(QStringLiteral("big.jsonl"));
    WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("exportPathEdit")), path);
    QSignalSpy finished(m_window->captures(), &CaptureController::exportFinished);
    QTest::mouseClick(exportButton(dialog), Qt::LeftButton);
    QProgressDialog *progress = nullptr;
    QTRY_VERIFY((progress = m_window->findChild<QProgressDialog *>(QStringLiteral("exportProgress"))) &&
                progress->isVisible());
    QVERIFY(finished.isEmpty());
    QTRY_VERIFY(progress->value() > 0); // progress arrives while the window goes on
    auto *cancel = progress->findChild<QPushButton *>();
    QVERIFY(cancel);
    QTest::mouseClick(cancel, Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.constFirst().constFirst().toBool(), false);
    const QString summary = finished.constFirst().at(1).toString();
    QVERIFY2(summary.contains(QLatin1String("cancel"), Qt::CaseInsensitive), qPrintable(summary));
    QVERIFY(!QFileInfo::exists(path));
    QVERIFY(!m_window->findChild<QMessageBox *>(QStringLiteral("captureErrorBox")));
    QVERIFY2(m_window->statusBar()->currentMessage().contains(QLatin1String("cancelled")),
             qPrintable(m_window->statusBar()->currentMessage()));
}

SOCKBENCH_TEST_MAIN(TestWindowExport)
#include "tst_windowexport.moc"
