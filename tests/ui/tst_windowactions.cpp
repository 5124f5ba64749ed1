// The window's actions on running endpoints and on the log, clicked and typed as a user would:
// changing a running listener's auto-reply (Ctrl+R), clearing the log with a confirmation that
// names the record count while the counters stay (Ctrl+Shift+L), and a listener whose port is
// taken naming that address and port in its row; Quit and closing the window asking first while
// connections are open, naming how many, with "Don't ask again" kept in the settings.

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/autoreplydialog.h"
#include "loopbackpeer.h"
#include "window/sessioncontroller.h"
#include "window/windowsettings.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>

#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QSettings>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;
using sockbench::test::LoopbackPeer;

class TestWindowActions final : public QObject {
    Q_OBJECT

public:
    TestWindowActions() = default;
    Q_DISABLE_COPY_MOVE(TestWindowActions)

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void autoReplyChangesOnARunningListener();
    void autoReplyFormRefusesABadGreeting();
    void autoReplyIsOnlyForListenersAndUdpSockets();
    void clearLogAsksNamingTheCountAndKeepsCounters();
    void failedListenerRowNamesAddressAndPort();
    void quitAsksWhileConnectionsAreOpen();

private:
    AutoReplyDialog *autoReplyDialog() const {
        for (AutoReplyDialog *d : m_window->findChildren<AutoReplyDialog *>()) {
            if (d->isVisible())
                return d;
        }
        return nullptr;
    }
    static QPushButton *okOf(QDialog *dialog) {
        return dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))
            ->button(QDialogButtonBox::Ok);
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowActions::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_windowactions"));
}

void TestWindowActions::init() {
    QSettings().clear();
    QVERIFY(openTestWindow(m_window, m_ui));
}

void TestWindowActions::cleanup() {
    m_ui.reset();
    m_window.reset();
}

void TestWindowActions::autoReplyChangesOnARunningListener() {
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    const NetAddress at{QStringLiteral("127.0.0.1"), m_ui->localPort(listener)};
    auto early = LoopbackPeer::connectTcp(at);
    QVERIFY(early);
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    QVERIFY(!m_ui->cell(listener, ConnectionModel::NameColumn).contains(QStringLiteral("echo")));

    // Echo, on a listener that only recorded so far: the client already connected follows it.
    m_ui->selectRow(listener);
    m_ui->press(m_ui->connectionsView(), Qt::Key_R, Qt::ControlModifier);
    QTRY_VERIFY(autoReplyDialog());
    WindowDriver::chooseInCombo(autoReplyDialog()->findChild<QComboBox *>(QStringLiteral("autoReplyCombo")),
                                1);
    QVERIFY(okOf(autoReplyDialog())->isEnabled());
    QTest::mouseClick(okOf(autoReplyDialog()), Qt::LeftButton);
    QTRY_VERIFY(m_window->workbench()->info(listener).autoReply == AutoReply::Echo);
    QTRY_VERIFY(m_ui->cell(listener, ConnectionModel::NameColumn).contains(QStringLiteral("echo")));
    QVERIFY(
        m_ui->cell(listener, ConnectionModel::NameColumn, Qt::ToolTipRole).contains(QStringLiteral("echo")));
    QVERIFY(early->sendAll(QByteArrayLiteral("ping")));
    QCOMPARE(early->readExactly(4), QByteArrayLiteral("ping"));

    // A greeting: clients from now on get it; the dialog opens with the current choice.
    m_ui->press(m_ui->connectionsView(), Qt::Key_R, Qt::ControlModifier);
    QTRY_VERIFY(autoReplyDialog());
    auto *combo = autoReplyDialog()->findChild<QComboBox *>(QStringLiteral("autoReplyCombo"));
    QCOMPARE(AutoReply(combo->currentData().toInt()), AutoReply::Echo);
    WindowDriver::chooseInCombo(combo, 2);
    WindowDriver::replaceText(autoReplyDialog()->findChild<QLineEdit *>(QStringLiteral("greetingEdit")),
                              QStringLiteral("hi\\n"));
    QTest::mouseClick(okOf(autoReplyDialog()), Qt::LeftButton);
    QTRY_VERIFY(m_window->workbench()->info(listener).autoReply == AutoReply::Greeting);
    QCOMPARE(m_window->workbench()->info(listener).greeting, QByteArrayLiteral("hi\n"));
    QTRY_VERIFY(m_ui->cell(listener, ConnectionModel::NameColumn).contains(QStringLiteral("greeting")));
    auto late = LoopbackPeer::connectTcp(at);
    QVERIFY(late);
    QCOMPARE(late->readExactly(3), QByteArrayLiteral("hi\n"));

    // A session saved now reopens the listener with what it does now, not what it started with.
    const Session session = m_window->sessions()->current();
    QCOMPARE(session.endpoints.size(), 1);
    QVERIFY(session.endpoints[0].reply == AutoReply::Greeting);
    QCOMPARE(session.endpoints[0].greeting, QStringLiteral("hi\\n"));
}

void TestWindowActions::autoReplyFormRefusesABadGreeting() {
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    m_ui->selectRow(listener);
    m_ui->press(m_ui->connectionsView(), Qt::Key_R, Qt::ControlModifier);
    QTRY_VERIFY(autoReplyDialog());
    AutoReplyDialog *dialog = autoReplyDialog();
    WindowDriver::chooseInCombo(dialog->findChild<QComboBox *>(QStringLiteral("autoReplyCombo")), 2);
    WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("greetingEdit")),
                              QStringLiteral("bad \\q"));
    QVERIFY(!okOf(dialog)->isEnabled());
    auto *error = dialog->findChild<QLabel *>(QStringLiteral("errorLabel"));
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("Greeting, column")), qPrintable(error->text()));
    dialog->reject();
    QVERIFY(m_window->workbench()->info(listener).autoReply == AutoReply::None); // nothing changed
}

void TestWindowActions::autoReplyIsOnlyForListenersAndUdpSockets() {
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    auto client = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    QVERIFY(client);
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    auto *action = m_window->findChild<QAction *>(QStringLiteral("autoReplyAction"));
    m_ui->selectRow(listener);
    QTRY_VERIFY(action->isEnabled());
    m_ui->selectRow(m_ui->childrenOf(listener).first());
    QTRY_VERIFY(!action->isEnabled());
    m_ui->selectRow(listener);
    QTRY_VERIFY(action->isEnabled());
    m_window->workbench()->close(listener);
    QTRY_VERIFY(!action->isEnabled()); // a stopped listener answers nobody
}

void TestWindowActions::clearLogAsksNamingTheCountAndKeepsCounters() {
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    auto client = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    QVERIFY(client);
    QVERIFY(client->sendAll(QByteArrayLiteral("0123456789")));
    QTRY_COMPARE(m_ui->cell(listener, ConnectionModel::InColumn).isEmpty(), false);
    QTRY_COMPARE(m_window->workbench()->journal().counters(m_ui->childrenOf(listener).value(0)).bytesIn, 10u);
    // Nothing selected: the log shows every record the journal has.
    m_ui->connectionsView()->setCurrentIndex({});
    TrafficModel *log = m_window->trafficModel();
    QTRY_COMPARE(quint64(log->rowCount()), m_window->workbench()->journal().count());
    const int rows = log->rowCount();
    QVERIFY(rows >= 3); // listening, accepted, the data
    const EndpointId accepted = m_ui->childrenOf(listener).first();
    const QString inBefore = m_ui->cell(accepted, ConnectionModel::InColumn);

    // Cancel changes nothing.
    m_ui->press(m_ui->trafficView(), Qt::Key_L, Qt::ControlModifier | Qt::ShiftModifier);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("clearLogBox"))));
    QVERIFY2(box->text().contains(QLocale().toString(rows)), qPrintable(box->text()));
    QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!m_window->findChild<QMessageBox *>(QStringLiteral("clearLogBox")));
    QCOMPARE(log->rowCount(), rows);

    // Clear empties the log; the counters stay; new traffic shows as usual.
    m_ui->press(m_ui->trafficView(), Qt::Key_L, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("clearLogBox"))));
    QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_COMPARE(log->rowCount(), 0);
    QCOMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), inBefore);
    QCOMPARE(m_window->workbench()->journal().counters(accepted).bytesIn, 10u);
    QVERIFY(client->sendAll(QByteArrayLiteral("abc")));
    QTRY_COMPARE(log->rowCount(), 1);
    QCOMPARE(log->seqAt(0), quint64(rows));
    QVERIFY(log->index(0, TrafficModel::DataColumn).data().toString().contains(QStringLiteral("abc")));
    // Selecting the connection filters from the cleared point on too.
    m_ui->selectRow(accepted);
    QTRY_COMPARE(log->rowCount(), 1);
}

void TestWindowActions::failedListenerRowNamesAddressAndPort() {
    auto taken = LoopbackPeer::listenTcp();
    QVERIFY(taken);
    const quint16 port = taken->local().port;
    const EndpointId listener = m_ui->startListener(QString::number(port));
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->cell(listener, ConnectionModel::StateColumn).startsWith(QStringLiteral("Failed")));
    QVERIFY(m_ui->cell(listener, ConnectionModel::StateColumn)
                .contains(QStringLiteral("Address already in use")));
    QCOMPARE(m_ui->cell(listener, ConnectionModel::LocalColumn), QStringLiteral("127.0.0.1:%1").arg(port));
}

void TestWindowActions::quitAsksWhileConnectionsAreOpen() {
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    const NetAddress at{QStringLiteral("127.0.0.1"), m_ui->localPort(listener)};
    std::vector<std::unique_ptr<LoopbackPeer>> clients;
    for (int i = 0; i < 7; ++i) {
        clients.push_back(LoopbackPeer::connectTcp(at));
        QVERIFY(clients.back());
    }
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 7);
    const QList<EndpointId> accepted = m_ui->childrenOf(listener);
    Workbench *workbench = m_window->workbench();
    for (EndpointId id : accepted)
        QTRY_VERIFY(workbench->info(id).state == EndpointState::Connected);

    // Ctrl+Q asks, naming how many; Cancel keeps every socket open.
    m_ui->press(m_ui->connectionsView(), Qt::Key_Q, Qt::ControlModifier);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())));
    QCOMPARE(box->objectName(), QStringLiteral("quitBox"));
    QVERIFY2(box->text().startsWith(QStringLiteral("7 connections are open")), qPrintable(box->text()));
    QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!m_window->findChild<QMessageBox *>(QStringLiteral("quitBox")));
    QVERIFY(m_window->isVisible());
    for (EndpointId id : accepted)
        QVERIFY(workbench->info(id).state == EndpointState::Connected);
    QVERIFY(workbench->info(listener).state == EndpointState::Listening);

    // Closing the window asks too; Quit with "Don't ask again" closes everything and remembers.
    m_window->close();
    QTRY_VERIFY((box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())));
    QCOMPARE(box->objectName(), QStringLiteral("quitBox"));
    QVERIFY(m_window->isVisible());
    QCheckBox *dontAsk = box->checkBox();
    QVERIFY(dontAsk);
    QCOMPARE(dontAsk->text(), QStringLiteral("Don't ask again"));
    QTest::mouseClick(dontAsk, Qt::LeftButton);
    QVERIFY(dontAsk->isChecked());
    QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_VERIFY(!m_window->isVisible());
    for (EndpointId id : accepted)
        QTRY_VERIFY(isFinal(workbench->info(id).state));
    QTRY_VERIFY(isFinal(workbench->info(listener).state));
    QCOMPARE(QSettings().value(WindowSettings::AskBeforeQuitKey, true).toBool(), false);

    // Told not to ask: the next window quits at once with a connection open.
    clients.clear();
    QVERIFY(openTestWindow(m_window, m_ui));
    const EndpointId second = m_ui->startListener();
    QVERIFY(second != 0);
    QTRY_VERIFY(m_ui->localPort(second) != 0);
    auto client = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(second)});
    QVERIFY(client);
    QTRY_COMPARE(m_ui->childrenOf(second).size(), 1);
    const EndpointId last = m_ui->childrenOf(second).first();
    QTRY_VERIFY(m_window->workbench()->info(last).state == EndpointState::Connected);
    // Preferences shows the choice and can turn the question back on.
    m_window->findChild<QAction *>(QStringLiteral("preferencesAction"))->trigger();
    QDialog *preferences = nullptr;
    QTRY_VERIFY((preferences = m_window->findChild<QDialog *>(QStringLiteral("preferencesDialog"))));
    auto *ask = preferences->findChild<QCheckBox *>(QStringLiteral("askBeforeQuitCheck"));
    QVERIFY(ask);
    QVERIFY(!ask->isChecked());
    QTest::mouseClick(ask, Qt::LeftButton);
    QTest::mouseClick(
        preferences->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok),
        Qt::LeftButton);
    QCOMPARE(QSettings().value(WindowSettings::AskBeforeQuitKey, false).toBool(), true);
    m_ui->press(m_ui->connectionsView(), Qt::Key_Q, Qt::ControlModifier);
    QTRY_VERIFY((box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())));
    QCOMPARE(box->objectName(), QStringLiteral("quitBox"));
    QVERIFY(m_window->isVisible());

    // Told not to ask again: the next Ctrl+Q quits at once with a connection open.
    QTest::mouseClick(box->checkBox(), Qt::LeftButton);
    QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!QApplication::activeModalWidget());
    QCOMPARE(QSettings().value(WindowSettings::AskBeforeQuitKey, true).toBool(), true); // Cancel keeps asking
    QVERIFY(closeWindow(m_window.get()));
    QTRY_VERIFY(isFinal(m_window->workbench()->info(last).state));
}

SOCKBENCH_TEST_MAIN(TestWindowActions)
#include "tst_windowactions.moc"
