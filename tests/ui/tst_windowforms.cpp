// Forms, messages and help: forms that start where the user is, messages that tell
// the truth, and the Help menu.

#include "testmain.h"
#include "windowdriver.h"

#include "panels/detailpane.h"
#include "testresolvers.h"
#include "views/conversationview.h"

#include <QApplication>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestWindowForms final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void connectDialogStartsFromTheSelectedListener();
    void connectDialogWithNothingToGoOnFocusesTheEmptyField();
    void switchingTextAndHexConvertsWhatIsTyped();
    void finishedRepeatClearsItsStatus();
    void unresolvedConnectionSaysWhatWasAskedAndNoTraffic();
    void addressInUseNamesTheAddressAndPort();
    void firstRunHintUsesTheRealShortcuts();
    void aboutNamesVersionsAndBuild();
    void shortcutsListTheActions();

private:
    void openWindow(const WorkbenchConfig &config = {});
    EndpointId startListener(const QString &port = QStringLiteral("0"));

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowForms::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_windowforms"));
}

void TestWindowForms::init() {
    QSettings().clear();
}

void TestWindowForms::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

void TestWindowForms::openWindow(const WorkbenchConfig &config) {
    QVERIFY(openTestWindow(m_window, m_ui, config));
}

EndpointId TestWindowForms::startListener(const QString &port) {
    m_ui->clickAction("newListenerAction");
    if (!m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), port))
        return 0;
    const EndpointId id = m_ui->lastTopLevel();
    m_window->activateWindow();
    return id;
}

void TestWindowForms::connectDialogStartsFromTheSelectedListener() {
    openWindow();
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    m_ui->selectRow(listener);
    m_ui->clickAction("connectAction");
    EndpointDialog *dialog = m_ui->dialog();
    QVERIFY(dialog);
    auto *port = dialog->findChild<QLineEdit *>(QStringLiteral("portEdit"));
    QCOMPARE(port->text(), QString::number(m_ui->localPort(listener)));
    QCOMPARE(dialog->findChild<QComboBox *>(QStringLiteral("addressCombo"))->currentText(),
             QStringLiteral("127.0.0.1"));
    QVERIFY(port->styleSheet().isEmpty());
    // Nothing to type: Enter connects.
    QPushButton *ok =
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
    QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget *>(ok));
    QTest::mouseClick(ok, Qt::LeftButton);
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);

    // The next time, with a client selected, the last target is offered.
    m_window->activateWindow();
    m_ui->selectRow(m_ui->lastTopLevel());
    m_ui->clickAction("connectAction");
    QVERIFY(m_ui->dialog());
    QCOMPARE(m_ui->dialog()->findChild<QLineEdit *>(QStringLiteral("portEdit"))->text(),
             QString::number(m_ui->localPort(listener)));
}

void TestWindowForms::connectDialogWithNothingToGoOnFocusesTheEmptyField() {
    openWindow();
    m_ui->clickAction("connectAction");
    EndpointDialog *dialog = m_ui->dialog();
    QVERIFY(dialog);
    auto *port = dialog->findChild<QLineEdit *>(QStringLiteral("portEdit"));
    QVERIFY(port->text().isEmpty());
    // Empty is "to type", not "wrong": no red, and the focus is there rather than on Kind.
    QVERIFY(port->styleSheet().isEmpty());
    QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget *>(port));
    QTest::keyClicks(port, QStringLiteral("x"));
    QVERIFY(!port->styleSheet().isEmpty());
}

void TestWindowForms::switchingTextAndHexConvertsWhatIsTyped() {
    openWindow();
    auto *mode = m_ui->child<QComboBox>("modeCombo");
    m_ui->typeInComposer(QStringLiteral("hi\\n"));
    WindowDriver::chooseInCombo(mode, 1);
    QCOMPARE(m_ui->composerEdit()->toPlainText(), QStringLiteral("68 69 0a"));
    QVERIFY(m_ui->child<QLabel>("previewLabel")->styleSheet().isEmpty());
    QCOMPARE(m_ui->child<Composer>("composer")->payload().bytes, QByteArray("hi\n"));
    m_ui->typeInComposer(QStringLiteral("41 00 42"));
    WindowDriver::chooseInCombo(mode, 0);
    QCOMPARE(m_ui->composerEdit()->toPlainText(), QStringLiteral("A\\0B"));
    QCOMPARE(m_ui->child<Composer>("composer")->payload().bytes, QByteArray("A\0B", 3));
}

void TestWindowForms::finishedRepeatClearsItsStatus() {
    openWindow();
    const EndpointId listener = startListener();
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    m_ui->clickAction("connectAction");
    QVERIFY(
        m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(m_ui->localPort(listener))));
    const EndpointId client = m_ui->lastTopLevel();
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    // The listener can list the accepted connection before the client's own Connected arrives; the
    // composer refuses a connecting target, so wait for it as a user would.
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    m_window->activateWindow();
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("r"));
    m_ui->child<QSpinBox>("repeatCountSpin")->setValue(3);
    m_ui->child<QSpinBox>("repeatIntervalSpin")->setValue(1);
    auto *repeat = m_ui->child<QPushButton>("repeatButton");
    QTest::mouseClick(repeat, Qt::LeftButton);
    QTRY_VERIFY(!repeat->isChecked());
    QTRY_COMPARE(m_ui->cell(m_ui->childrenOf(listener).first(), ConnectionModel::InColumn),
                 QStringLiteral("3"));
    QCOMPARE(m_ui->child<QLabel>("messageLabel")->text(), QString());
}

void TestWindowForms::unresolvedConnectionSaysWhatWasAskedAndNoTraffic() {
    WorkbenchConfig config;
    config.resolver = std::make_shared<test::FailingResolver>();
    openWindow(config);
    m_ui->clickAction("connectAction");
    QVERIFY(m_ui->fillDialogAndAccept(QStringLiteral("no-such-host.invalid"), QStringLiteral("7")));
    const EndpointId id = m_ui->lastTopLevel();
    QTRY_VERIFY(m_ui->cell(id, ConnectionModel::StateColumn).contains(QStringLiteral("Failed")));
    m_window->activateWindow();
    m_ui->selectRow(id);
    const QString target = m_ui->child<QLabel>("targetLabel")->text();
    QVERIFY2(target.contains(QStringLiteral("no-such-host.invalid:7")), qPrintable(target));
    QVERIFY2(!target.contains(QStringLiteral(":0")), qPrintable(target));
    auto *detail = m_ui->child<DetailPane>("detailPane");
    detail->findChild<QTabWidget *>(QStringLiteral("detailTabs"))
        ->setCurrentWidget(detail->conversationView());
    QTRY_COMPARE(detail->conversationView()->placeholderShown(),
                 QStringLiteral("No traffic on this connection yet"));
}

void TestWindowForms::addressInUseNamesTheAddressAndPort() {
    openWindow();
    const EndpointId first = startListener();
    QTRY_VERIFY(m_ui->localPort(first) != 0);
    const quint16 port = m_ui->localPort(first);
    const EndpointId second = startListener(QString::number(port));
    QVERIFY(second != first);
    QTRY_VERIFY(m_ui->cell(second, ConnectionModel::StateColumn).startsWith(QStringLiteral("Failed")));
    const QString message = m_window->statusBar()->currentMessage();
    QVERIFY2(message.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(message));
}

void TestWindowForms::firstRunHintUsesTheRealShortcuts() {
    openWindow();
    auto *hint = m_ui->child<QLabel>("firstRunHint");
    auto *listen = m_window->findChild<QAction *>(QStringLiteral("newListenerAction"));
    auto *connect = m_window->findChild<QAction *>(QStringLiteral("connectAction"));
    auto *relay = m_window->findChild<QAction *>(QStringLiteral("newRelayAction"));
    QVERIFY(hint->isVisible());
    QCOMPARE(hint->text(),
             QStringLiteral("Start a listener (%1), connect (%2) or stand in the middle with New relay… (%3)")
                 .arg(listen->shortcut().toString(QKeySequence::NativeText),
                      connect->shortcut().toString(QKeySequence::NativeText),
                      relay->shortcut().toString(QKeySequence::NativeText)));
    QVERIFY(hint->text().contains(QStringLiteral("Ctrl+L")));
    QVERIFY(hint->text().contains(QStringLiteral("Ctrl+Shift+N")));
    QVERIFY(startListener() != 0);
    QTRY_VERIFY(!hint->isVisible());
}

void TestWindowForms::aboutNamesVersionsAndBuild() {
    openWindow();
    m_window->findChild<QAction *>(QStringLiteral("aboutAction"))->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) != nullptr);
    QVERIFY(box->text().contains(QString::fromLatin1(qVersion())));
    QVERIFY(box->text().contains(QStringLiteral("Sockbench 0.")));
    QVERIFY(box->text().contains(QStringLiteral(" build")));
    QTest::mouseClick(box->button(QMessageBox::Ok), Qt::LeftButton);
    QTRY_VERIFY(!QApplication::activeModalWidget());
}

void TestWindowForms::shortcutsListTheActions() {
    openWindow();
    m_window->findChild<QAction *>(QStringLiteral("shortcutsAction"))->trigger();
    QTableWidget *table = nullptr;
    QTRY_VERIFY(QApplication::activeModalWidget() &&
                (table = QApplication::activeModalWidget()->findChild<QTableWidget *>(
                     QStringLiteral("shortcutsTable"))) != nullptr);
    QStringList rows;
    for (int r = 0; r < table->rowCount(); ++r)
        rows << table->item(r, 0)->text() + QLatin1Char('=') + table->item(r, 1)->text();
    // Every action with a shortcut is there, with the shortcut it really has.
    for (QAction *action : m_window->findChildren<QAction *>()) {
        if (action->shortcut().isEmpty())
            continue;
        const QString shortcut = action->shortcut().toString(QKeySequence::NativeText);
        QVERIFY2(std::any_of(rows.begin(), rows.end(),
                             [&](const QString &row) { return row.endsWith(QLatin1Char('=') + shortcut); }),
                 qPrintable(shortcut));
    }
    QVERIFY(rows.contains(QStringLiteral("New listener=Ctrl+L")));
    QApplication::activeModalWidget()->close();
}

SOCKBENCH_TEST_MAIN(TestWindowForms)
#include "tst_windowforms.moc"
