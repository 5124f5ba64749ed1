// Connection > Replay in the window: a live connection's client messages sent again, as
// fast as possible, to another listener of the same window; the bytes arrive there and the replay's
// own connection is a row like any other. The dialog keeps Start off until the address parses.

#include "capturetesting.h"
#include "testfiles.h"
#include "testmain.h"

#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace sockbench;
using namespace sockbench::testing;

class TestWindowReplay final : public QObject {
    Q_OBJECT

public:
    TestWindowReplay() = default;
    Q_DISABLE_COPY_MOVE(TestWindowReplay)

private Q_SLOTS:
    void initTestCase() { QVERIFY(useSettingsIn(m_settingsDir, "tst_windowreplay")); }
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

    void replaysAConnectionToAListener();
    void replaysAStreamFromACapture();
    void replaysAsAServer();

private:
    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowReplay::replaysAConnectionToAListener() {
    QTcpSocket client;
    EndpointId listener = 0;
    EndpointId accepted = 0;
    QVERIFY(liveConversation(*m_ui, client, &listener, &accepted));
    client.write("replay me\n");
    const Journal &journal = m_window->workbench()->journal();
    QTRY_COMPARE(bytesOf(journal, accepted, RecordKind::DataIn), QByteArray("replay me\n"));

    // A second listener of the same window receives the replay.
    const EndpointId target = m_ui->startListener();
    QVERIFY(target != 0);
    QTRY_VERIFY(m_ui->localPort(target) != 0);

    m_ui->selectRow(accepted);
    QAction *replay = windowAction(m_window.get(), "replayAction");
    QTRY_VERIFY(replay->isEnabled());
    // Also on the connection's right-click menu.
    QVERIFY(m_ui->connectionsView()->actions().contains(replay));
    replay->trigger();
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog *>(QStringLiteral("replayDialog"))) != nullptr);
    QCOMPARE(WindowDriver::labelsShowingAmpersand(dialog), QStringList());
    QPushButton *start = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    auto *address = dialog->findChild<QLineEdit *>(QStringLiteral("replayAddressEdit"));
    QVERIFY(!start->isEnabled());
    WindowDriver::replaceText(address, QStringLiteral("127.0.0.1:99999"));
    QVERIFY(!start->isEnabled());
    WindowDriver::replaceText(address, QStringLiteral("127.0.0.1:%1").arg(m_ui->localPort(target)));
    QVERIFY(start->isEnabled());
    QTest::mouseClick(start, Qt::LeftButton);

    QTRY_VERIFY(!m_ui->childrenOf(target).isEmpty());
    const EndpointId received = m_ui->childrenOf(target).constFirst();
    QTRY_COMPARE(bytesOf(journal, received, RecordKind::DataIn), QByteArray("replay me\n"));
    auto *status = dialog->findChild<QLabel *>(QStringLiteral("replayStatusLabel"));
    QTRY_VERIFY2(status->text().contains(QLatin1String("1")), qPrintable(status->text()));
}

void TestWindowReplay::replaysAStreamFromACapture() {
    QSignalSpy opened(m_window->captures(), &CaptureController::captureOpened);
    m_window->captures()->openCapture(testFile(QStringLiteral("data/tcp-v4.pcapng")));
    QVERIFY(opened.wait(10000));
    const EndpointId stream = opened.constFirst().constFirst().value<QList<EndpointId>>().constFirst();
    const EndpointId target = m_ui->startListener();
    QVERIFY(target != 0);
    QTRY_VERIFY(m_ui->localPort(target) != 0);

    m_ui->selectRow(stream);
    QAction *replay = windowAction(m_window.get(), "replayAction");
    QTRY_VERIFY(replay->isEnabled());
    replay->trigger();
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog *>(QStringLiteral("replayDialog"))) != nullptr);
    WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("replayAddressEdit")),
                              QStringLiteral("127.0.0.1:%1").arg(m_ui->localPort(target)));
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_VERIFY(!m_ui->childrenOf(target).isEmpty());
    const EndpointId received = m_ui->childrenOf(target).constFirst();
    // The capture's client said "hello server\n", then "bye\n" once the server had answered; the
    // window's listener does not answer, so the replay sends what needs no answer first.
    QTRY_VERIFY(
        bytesOf(m_window->workbench()->journal(), received, RecordKind::DataIn).startsWith("hello server\n"));
}

void TestWindowReplay::replaysAsAServer() {
    QTcpSocket client;
    EndpointId listener = 0;
    EndpointId accepted = 0;
    QVERIFY(liveConversation(*m_ui, client, &listener, &accepted));
    client.write("question\n");
    const Journal &journal = m_window->workbench()->journal();
    QTRY_COMPARE(bytesOf(journal, accepted, RecordKind::DataIn), QByteArray("question\n"));
    QVERIFY(m_window->workbench()->send(accepted, QByteArray("answer\n")));
    QTRY_COMPARE(bytesOf(journal, accepted, RecordKind::DataOut), QByteArray("answer\n"));

    m_ui->selectRow(accepted);
    windowAction(m_window.get(), "replayAction")->trigger();
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog *>(QStringLiteral("replayDialog"))) != nullptr);
    auto *role = dialog->findChild<QComboBox *>(QStringLiteral("replayRoleCombo"));
    role->setFocus();
    QTest::keyClick(role, Qt::Key_End);
    QCOMPARE(role->currentIndex(), 1);
    WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("replayAddressEdit")),
                              QStringLiteral("127.0.0.1:0"));
    const int before = m_ui->connections()->rowCount();
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    // The replaying listener is a row like any other.
    QTRY_COMPARE(m_ui->connections()->rowCount(), before + 1);
    const EndpointId server = m_ui->lastTopLevel();
    QTRY_VERIFY(m_ui->localPort(server) != 0);

    QTcpSocket second;
    second.connectToHost(QHostAddress::LocalHost, m_ui->localPort(server));
    QVERIFY(second.waitForConnected(5000));
    second.write("question\n");
    QByteArray got;
    QTRY_VERIFY((got += second.readAll()) == "answer\n");
}

SOCKBENCH_TEST_MAIN(TestWindowReplay)
#include "tst_windowreplay.moc"
