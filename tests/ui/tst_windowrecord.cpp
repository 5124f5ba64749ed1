// File > Record to file in the window: checked, it asks for a .pcapng and writes the
// traffic as it happens, the status bar naming the file and counting packets; unchecked, it stops,
// and the file reads back with the bytes of the conversation.

#include "capturetesting.h"
#include "style/presentation.h"
#include "testmain.h"
#include "tshark.h"

#include <QLabel>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>

using namespace sockbench;
using namespace sockbench::testing;
using namespace sockbench::test;

class TestWindowRecord final : public QObject {
    Q_OBJECT

public:
    TestWindowRecord() = default;
    Q_DISABLE_COPY_MOVE(TestWindowRecord)

private Q_SLOTS:
    void initTestCase() { QVERIFY(useSettingsIn(m_settingsDir, "tst_windowrecord")); }
    void init() {
        QSettings().clear();
        QVERIFY(openTestWindow(m_window, m_ui));
    }
    void cleanup() {
        m_ui.reset();
        if (m_window)
            m_window->close();
        m_window.reset();
    }

    void recordsWhileTrafficFlows();
    void cancelledChoiceLeavesItUnchecked();

private:
    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowRecord::recordsWhileTrafficFlows() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("live.pcapng"));
    QAction *record = windowAction(m_window.get(), "recordAction");
    record->trigger();
    QFileDialog *dialog = waitForFileDialog(m_window.get(), "recordFileDialog");
    QVERIFY(dialog);
    chooseFile(dialog, path);
    QTRY_VERIFY(m_window->captures()->isRecording());
    QVERIFY(record->isChecked());
    auto *label = m_window->findChild<QLabel *>(QStringLiteral("recordingLabel"));
    QTRY_VERIFY(label->isVisible());
    QVERIFY2(label->text().contains(QLatin1String("live.pcapng")), qPrintable(label->text()));

    QTcpSocket client;
    EndpointId listener = 0;
    EndpointId accepted = 0;
    QVERIFY(liveConversation(*m_ui, client, &listener, &accepted));
    client.write("recorded bytes\n");
    QTRY_COMPARE(bytesOf(m_window->workbench()->journal(), accepted, RecordKind::DataIn),
                 QByteArray("recorded bytes\n"));
    // The label counts what the recorder has written.
    QTRY_VERIFY_WITH_TIMEOUT(!label->text().contains(QLatin1String(": 0 packets")), 10000);

    record->trigger(); // stop
    QVERIFY(!m_window->captures()->isRecording());
    QVERIFY(!record->isChecked());
    QVERIFY(!label->isVisible());
    QVERIFY(m_window->statusBar()->currentMessage().contains(path));

    QString error;
    const std::unique_ptr<CaptureFile> capture = readCapture(path, &error);
    QVERIFY2(capture, qPrintable(error));
    QVERIFY(!capture->streams.isEmpty());
    QByteArray toServer;
    for (const CaptureRecord &r : capture->records) {
        if (r.kind == RecordKind::DataOut)
            toServer += QByteArray(capture->file->bytes() + r.offset, r.length);
    }
    QVERIFY2(toServer.contains("recorded bytes\n"), toServer.constData());

    // The accepted connection opened after Record started: its name is still its first packet's
    // comment, as the connections panel names it.
    if (tsharkPath().isEmpty()) {
        if (tsharkRequired())
            QFAIL("tshark is missing (scripts/deps installs it)");
        QSKIP("tshark is not installed");
    }
    const TsharkRun comments =
        runTshark({QStringLiteral("-r"), path, QStringLiteral("-T"), QStringLiteral("fields"),
                   QStringLiteral("-e"), QStringLiteral("frame.comment")});
    QVERIFY2(comments.ok, comments.error.constData());
    const QString name =
        QStringLiteral("%1 #%2").arg(kindText(EndpointKind::TcpConnection, true)).arg(accepted);
    QVERIFY2(QString::fromUtf8(comments.out).contains(name), comments.out.constData());
}

void TestWindowRecord::cancelledChoiceLeavesItUnchecked() {
    QAction *record = windowAction(m_window.get(), "recordAction");
    record->trigger();
    QFileDialog *dialog = waitForFileDialog(m_window.get(), "recordFileDialog");
    QVERIFY(dialog);
    dialog->reject();
    QTRY_VERIFY(!record->isChecked());
    QVERIFY(!m_window->captures()->isRecording());
}

SOCKBENCH_TEST_MAIN(TestWindowRecord)
#include "tst_windowrecord.moc"
