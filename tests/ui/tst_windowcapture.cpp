// Opening a capture in the window: File > Open capture reads the file off the GUI thread
// and its streams become rows under a row for the file, shown in the same conversation view,
// read-only (the composer refuses them, Close and Abort are off), left alone by Clear closed and
// removed by Close capture; a captured conversation opens at its start, and Ctrl+Home / Ctrl+End
// move it; a file that is not a capture is refused in words and adds nothing.

#include "capturetesting.h"
#include "testmain.h"

#include "capture/pcapngwriter.h"
#include "models/connectionmodel.h"
#include "testfiles.h"
#include "views/conversationview.h"
#include "views/hexview.h"

#include <QLabel>
#include <QMessageBox>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
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
    void captureIsARowOfItsOwnThatClearClosedKeeps();
    void capturedConversationOpensAtItsStart();

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

    /// The conversation view, its tab shown by a click on it.
    ConversationView *showConversationTab() const {
        auto *conversation = m_window->findChild<ConversationView *>();
        if (!conversation)
            return nullptr;
        for (QTabWidget *tabs : m_window->findChildren<QTabWidget *>()) {
            for (int i = 0; i < tabs->count(); ++i) {
                QWidget *page = tabs->widget(i);
                if (page == conversation || page->isAncestorOf(conversation))
                    QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {},
                                      tabs->tabBar()->tabRect(i).center());
            }
        }
        return conversation;
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
    // Under the row of its file.
    const QModelIndex file = m_ui->rowOf(id).parent();
    QVERIFY(file.isValid());
    QVERIFY2(file.data().toString().contains(QLatin1String("tcp-v4.pcapng")),
             qPrintable(file.data().toString()));
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

void TestWindowCapture::captureIsARowOfItsOwnThatClearClosedKeeps() {
    // A live connection that ends, beside an opened capture.
    QTcpSocket client;
    EndpointId listener = 0;
    EndpointId accepted = 0;
    QVERIFY(liveConversation(*m_ui, client, &listener, &accepted));
    const QString path = testFile(QStringLiteral("data/tcp-v4.pcapng"));
    const QList<EndpointId> ids = openThroughTheMenu(path);
    QCOMPARE(ids.size(), 1);
    const EndpointId stream = ids.constFirst();
    QTRY_VERIFY(m_ui->rowOf(stream).isValid());

    // One top-level row for the file, its name and count; the whole path in its tooltip; the
    // stream under it, not among the live rows.
    QAbstractItemModel *rows = m_ui->connections();
    QCOMPARE(rows->rowCount(), 2);
    const QModelIndex file = rows->index(1, 0);
    QCOMPARE(m_ui->rowOf(stream).parent(), file);
    QCOMPARE(file.data().toString(), QStringLiteral("tcp-v4.pcapng · 1 stream"));
    QVERIFY2(file.data(Qt::ToolTipRole).toString().contains(path),
             qPrintable(file.data(Qt::ToolTipRole).toString()));
    QCOMPARE(m_ui->childrenOf(listener), QList<EndpointId>{accepted});

    // Clear closed takes the ended connection and leaves the capture.
    client.disconnectFromHost();
    QTRY_VERIFY(isFinal(m_window->workbench()->info(accepted).state));
    QAction *clearClosed = windowAction(m_window.get(), "clearClosedAction");
    QTRY_VERIFY(clearClosed->isEnabled());
    clearClosed->trigger();
    QVERIFY(!m_ui->rowOf(accepted).isValid());
    QVERIFY(m_ui->rowOf(stream).isValid());
    QCOMPARE(rows->rowCount(), 2);
    // With nothing live closed, Clear closed has nothing to do, however closed the capture's streams.
    QTRY_VERIFY(!clearClosed->isEnabled());

    // Close capture, on the file's row, removes it with its stream.
    QAction *closeCapture = windowAction(m_window.get(), "closeCaptureAction");
    QVERIFY(!closeCapture->isEnabled()); // the listener's row is no capture
    QTreeView *view = m_ui->connectionsView();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(rows->index(1, 0)).center());
    QTRY_VERIFY(closeCapture->isEnabled());
    closeCapture->trigger();
    QCOMPARE(rows->rowCount(), 1);
    QVERIFY(!m_ui->rowOf(stream).isValid());
    QVERIFY(!m_window->workbench()->endpoints().contains(stream));
}

void TestWindowCapture::capturedConversationOpensAtItsStart() {
    // A capture of a conversation longer than a screen, made from a live one.
    QTcpSocket client;
    EndpointId listener = 0;
    EndpointId accepted = 0;
    QVERIFY(liveConversation(*m_ui, client, &listener, &accepted));
    QByteArray lines;
    for (int i = 0; i < 300; ++i)
        lines += QByteArray("line ") + QByteArray::number(i) + '\n';
    client.write(lines);
    const Journal &journal = m_window->workbench()->journal();
    QTRY_COMPARE(bytesOf(journal, accepted, RecordKind::DataIn), lines);
    PcapngWriter writer(journal);
    QByteArray pcapng;
    writer.begin(&pcapng);
    for (quint64 seq = 0; seq < journal.count(); ++seq) {
        Record r;
        if (journal.record(seq, &r, true))
            writer.add(r, &pcapng);
    }
    writer.finish(&pcapng);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("long.pcapng"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(pcapng);
    file.close();
    const QList<EndpointId> ids = openThroughTheMenu(path);
    QCOMPARE(ids.size(), 1);
    QTRY_VERIFY(m_ui->rowOf(ids.constFirst()).isValid());

    ConversationView *conversation = showConversationTab();
    QVERIFY(conversation);
    m_ui->selectRow(ids.constFirst());
    QTRY_VERIFY(conversation->lineCount() >= 300 && !conversation->isIndexing());
    QScrollBar *bar = conversation->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QCOMPARE(bar->value(), 0); // its first line, not its last
    QVERIFY2(conversation->lineText(0).contains(QLatin1String("line 0")),
             qPrintable(conversation->lineText(0)));

    // Ctrl+End and Ctrl+Home go to the end and back.
    conversation->setFocus();
    QTest::keyClick(conversation, Qt::Key_End, Qt::ControlModifier);
    QCOMPARE(bar->value(), bar->maximum());
    QTest::keyClick(conversation, Qt::Key_Home, Qt::ControlModifier);
    QCOMPARE(bar->value(), 0);

    // A live connection still opens at its end.
    m_ui->selectRow(accepted);
    QTRY_VERIFY(conversation->lineCount() >= 300 && !conversation->isIndexing());
    QTRY_COMPARE(bar->value(), bar->maximum());
    QVERIFY(bar->maximum() > 0);
}

SOCKBENCH_TEST_MAIN(TestWindowCapture)
#include "tst_windowcapture.moc"
