// Opening a capture in the window: File > Open capture reads the file off the GUI thread
// and its streams become rows marked "from capture", shown in the same conversation view, read-only
// (the composer refuses them, Close and Abort are off); a file that is not a capture is refused in
// words and adds nothing.

#include "capturetesting.h"
#include "testmain.h"

#include "models/connectionmodel.h"
#include "testfiles.h"
#include "views/conversationview.h"
#include "views/hexview.h"

#include <QLabel>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>

using namespace sockbench;
using namespace sockbench::testing;

class TestWindowCapture final : public QObject {
    Q_OBJECT

public:
    TestWindowCapture() = default;
    Q_DISABLE_COPY_MOVE(TestWindowCapture)

private Q_SLOTS:
    void initTestCase() { QVERIFY(useSettingsIn(m_settingsDir, "tst_windowcapture")); }
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

    void openedCaptureShowsReadOnlyRows();
    void notACaptureIsRefusedInWords();
    void damagedCaptureOpensWithItsWarnings();

private:
    QList<EndpointId> openThroughTheMenu(const QString &path) {
        QSignalSpy opened(m_window->captures(), &CaptureController::captureOpened);
        windowAction(m_window.get(), "openCaptureAction")->trigger();
        QFileDialog *dialog = waitForFileDialog(m_window.get(), "openCaptureDialog");
        if (!dialog) {
            qWarning("no open-capture dialog");
            return {};
        }
        chooseFile(dialog, path);
        if (!opened.wait(10000)) {
            qWarning("the capture was not opened: %s", qPrintable(m_window->statusBar()->currentMessage()));
            return {};
        }
        return opened.constFirst().constFirst().value<QList<EndpointId>>();
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowCapture::openedCaptureShowsReadOnlyRows() {
    const QString path = testFile(QStringLiteral("data/tcp-v4.pcapng"));
    QVERIFY(!path.isEmpty());
    const QList<EndpointId> ids = openThroughTheMenu(path);
    QCOMPARE(ids.size(), 1);
    const EndpointId id = ids.constFirst();
    QTRY_VERIFY(m_ui->rowOf(id).isValid());
    QVERIFY2(
        m_ui->cell(id, ConnectionModel::NameColumn).contains(QLatin1String("from capture tcp-v4.pcapng")),
        qPrintable(m_ui->cell(id, ConnectionModel::NameColumn)));
    QVERIFY(m_window->statusBar()->currentMessage().contains(QLatin1String("tcp-v4.pcapng")));

    m_ui->selectRow(id);
    // Both directions are there, in the conversation view the live connections use.
    auto *conversation = m_window->findChild<ConversationView *>();
    QVERIFY(conversation);
    const auto conversationHas = [&](const QString &text) {
        for (qsizetype i = 0; i < conversation->lineCount(); ++i) {
            if (conversation->lineText(i).contains(text))
                return true;
        }
        return false;
    };
    QTRY_VERIFY(conversationHas(QStringLiteral("hello server")));
    QVERIFY(conversationHas(QStringLiteral("hello client")));

    // A log row of the stream shows its bytes in the hex view.
    auto *log = m_ui->trafficView();
    auto *hex = m_window->findChild<HexView *>(QStringLiteral("hexView"));
    QVERIFY(hex);
    QTRY_VERIFY(log->model()->rowCount() > 0);
    bool shown = false;
    for (int row = 0; row < log->model()->rowCount() && !shown; ++row) {
        log->setFocus();
        log->selectRow(row);
        shown = QTest::qWaitFor([&] { return hex->data() == "hello server\n"; }, 300);
    }
    QVERIFY(shown);

    // Read-only: nothing to close, abort or send.
    QVERIFY(!windowAction(m_window.get(), "closeAction")->isEnabled());
    QVERIFY(!windowAction(m_window.get(), "abortAction")->isEnabled());
    m_ui->typeInComposer(QStringLiteral("more"));
    QTRY_VERIFY(!m_ui->sendButton()->isEnabled());
    QVERIFY2(m_ui->sendButton()->toolTip().contains(QLatin1String("read-only")),
             qPrintable(m_ui->sendButton()->toolTip()));
}

void TestWindowCapture::notACaptureIsRefusedInWords() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.pcap"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("these are notes, not packets\n");
    file.close();
    const int rowsBefore = m_ui->connections()->rowCount();
    windowAction(m_window.get(), "openCaptureAction")->trigger();
    QFileDialog *dialog = waitForFileDialog(m_window.get(), "openCaptureDialog");
    QVERIFY(dialog);
    chooseFile(dialog, path);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("captureErrorBox"))) != nullptr);
    QVERIFY2(box->text().contains(QLatin1String("notes.pcap")), qPrintable(box->text()));
    QCOMPARE(m_ui->connections()->rowCount(), rowsBefore);
}

void TestWindowCapture::damagedCaptureOpensWithItsWarnings() {
    // The fixture cut in its last block: what comes before it is read, and the damage is named.
    QFile fixture(testFile(QStringLiteral("data/tcp-v4.pcapng")));
    QVERIFY(fixture.open(QIODevice::ReadOnly));
    const QByteArray bytes = fixture.readAll();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("cut.pcapng"));
    QFile cut(path);
    QVERIFY(cut.open(QIODevice::WriteOnly));
    cut.write(bytes.left(bytes.size() - 10));
    cut.close();
    const QList<EndpointId> ids = openThroughTheMenu(path);
    QCOMPARE(ids.size(), 1);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("captureWarningsBox"))) != nullptr);
    QVERIFY2(box->detailedText().contains(QLatin1String("offset")), qPrintable(box->detailedText()));
    QVERIFY2(m_window->statusBar()->currentMessage().contains(QLatin1String("warning")),
             qPrintable(m_window->statusBar()->currentMessage()));
}

SOCKBENCH_TEST_MAIN(TestWindowCapture)
#include "tst_windowcapture.moc"
