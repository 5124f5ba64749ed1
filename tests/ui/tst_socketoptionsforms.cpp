// Socket options in the forms. The endpoint form's "Socket options" section sets them
// before the socket opens, the live dialog changes them on an open one, the kernel's read-back is
// shown, and bad values are refused where the user looks, with nothing opened.

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/socketoptionsdialog.h"
#include "dialogs/socketoptionsform.h"
#include "loopbackpeer.h"
#include "style/presentation.h"
#include "views/appliedoptionstable.h"

#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;
using sockbench::test::LoopbackPeer;

namespace {

const AppliedOption *findOption(const QList<AppliedOption> &options, const QString &name) {
    for (const AppliedOption &o : options) {
        if (o.name == name)
            return &o;
    }
    return nullptr;
}

} // namespace

class TestSocketOptionsForms final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void sectionShowsWhatAppliesToTheKind();
    void endpointDialogSetsOptionsThatReadBack();
    void badValuesAreRefusedInTheForm_data();
    void badValuesAreRefusedInTheForm();
    void liveDialogChangesNoDelay();
    void dscpNamesAndNumbers();
    void refusalsAreNamed();

private:
    void openWindow();
    /// Opens the endpoint dialog of this action with its socket options section open.
    EndpointDialog *openDialog(const char *action) const;
    template <typename T> static T *field(QWidget *dialog, const char *name) {
        T *widget = dialog->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no field named %s", name);
        return widget;
    }
    static QPushButton *okButton(QWidget *dialog) {
        return dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))
            ->button(QDialogButtonBox::Ok);
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestSocketOptionsForms::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_socketoptionsforms"));
}

void TestSocketOptionsForms::init() {
    QSettings().clear();
}

void TestSocketOptionsForms::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

void TestSocketOptionsForms::openWindow() {
    QVERIFY(openTestWindow(m_window, m_ui));
}

EndpointDialog *TestSocketOptionsForms::openDialog(const char *action) const {
    m_ui->clickAction(action);
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog)
        return nullptr;
    auto *toggle = field<QToolButton>(dialog, "socketOptionsButton");
    QTest::mouseClick(toggle, Qt::LeftButton);
    if (!field<QWidget>(dialog, "socketOptionsForm")->isVisible())
        return nullptr;
    return dialog;
}

void TestSocketOptionsForms::sectionShowsWhatAppliesToTheKind() {
    openWindow();
    EndpointDialog *dialog = openDialog("newListenerAction");
    QVERIFY(dialog);
    QVERIFY(field<QWidget>(dialog, "noDelayCombo")->isVisible());
    QVERIFY(field<QWidget>(dialog, "reusePortCheck")->isVisible());
    QVERIFY(!field<QWidget>(dialog, "sourcePortEdit")->isVisible());
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "kindCombo"), 1); // TCP connection
    QVERIFY(field<QWidget>(dialog, "sourcePortEdit")->isVisible());
    QVERIFY(field<QWidget>(dialog, "sourceAddressEdit")->isVisible());
    QVERIFY(!field<QWidget>(dialog, "reusePortCheck")->isVisible());
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "kindCombo"), 2); // UDP socket
    QVERIFY(!field<QWidget>(dialog, "noDelayCombo")->isVisible());
    QVERIFY(!field<QWidget>(dialog, "keepAliveCombo")->isVisible());
    QVERIFY(field<QWidget>(dialog, "tosCombo")->isVisible());
    QVERIFY(field<QWidget>(dialog, "reusePortCheck")->isVisible());
    dialog->reject();
}

void TestSocketOptionsForms::endpointDialogSetsOptionsThatReadBack() {
    openWindow();
    EndpointDialog *dialog = openDialog("newListenerAction");
    QVERIFY(dialog);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "receiveBufferEdit"), QStringLiteral("65536"));
    WindowDriver::replaceText(field<QComboBox>(dialog, "tosCombo")->lineEdit(), QStringLiteral("AF41"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "ttlEdit"), QStringLiteral("32"));
    QTest::mouseClick(field<QCheckBox>(dialog, "reusePortCheck"), Qt::LeftButton);
    QVERIFY2(dialog->problem().isEmpty(), qPrintable(dialog->problem()));
    QVERIFY(field<QToolButton>(dialog, "socketOptionsButton")->text().contains(QStringLiteral("4 set")));
    QVERIFY(m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")));
    const EndpointId id = m_ui->lastTopLevel();
    QTRY_VERIFY(m_window->workbench()->info(id).state == EndpointState::Listening);

    const QList<AppliedOption> options = m_window->workbench()->info(id).options;
    const AppliedOption *rcvbuf = findOption(options, QStringLiteral("SO_RCVBUF"));
    QVERIFY(rcvbuf);
    QVERIFY2(!rcvbuf->isRefused(), qPrintable(rcvbuf->error));
    QVERIFY(rcvbuf->requested.contains(QStringLiteral("65536")));
    // The kernel doubles a buffer size for its bookkeeping; the read-back says so.
    QVERIFY2(rcvbuf->actual.contains(QStringLiteral("131072")), qPrintable(rcvbuf->actual));
    const AppliedOption *tos = findOption(options, QStringLiteral("IP_TOS"));
    QVERIFY(tos);
    QVERIFY2(tos->actual.contains(QStringLiteral("136")) || tos->actual.contains(QStringLiteral("AF41")),
             qPrintable(tos->actual));
    QVERIFY(findOption(options, QStringLiteral("SO_REUSEPORT")));
    QVERIFY(findOption(options, QStringLiteral("IP_TTL")));

    // The TCP tab lists the read-back.
    m_window->activateWindow();
    m_ui->selectRow(id);
    auto *tabs = m_ui->child<QTabWidget>("detailTabs");
    tabs->setCurrentWidget(m_ui->child<QWidget>("tcpInfoPanel"));
    auto *table = m_ui->child<AppliedOptionsTable>("appliedOptionsTable");
    QTRY_VERIFY(table->isVisible());
    QCOMPARE(table->rowCount(), options.size());
}

void TestSocketOptionsForms::badValuesAreRefusedInTheForm_data() {
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("fieldName");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("source port 70000") << "connectAction"
                                       << "sourcePortEdit"
                                       << "70000"
                                       << "Source port";
    QTest::newRow("TOS 300") << "newListenerAction"
                             << "tosCombo"
                             << "300"
                             << "TOS: 300 is out of range";
    QTest::newRow("TOS name") << "openUdpAction"
                              << "tosCombo"
                              << "XY12"
                              << "DSCP name";
    QTest::newRow("keepalive count 0") << "connectAction"
                                       << "keepAliveTimingEdit"
                                       << "60,10,0"
                                       << "Keepalive timing";
    QTest::newRow("TTL 0") << "openUdpAction"
                           << "ttlEdit"
                           << "0"
                           << "TTL: 0 is out of range";
    QTest::newRow("buffer text") << "newListenerAction"
                                 << "sendBufferEdit"
                                 << "big"
                                 << "Send buffer";
}

void TestSocketOptionsForms::badValuesAreRefusedInTheForm() {
    QFETCH(QString, action);
    QFETCH(QString, fieldName);
    QFETCH(QString, text);
    QFETCH(QString, message);
    openWindow();
    EndpointDialog *dialog = openDialog(action.toLatin1().constData());
    QVERIFY(dialog);
    if (action == QLatin1String("connectAction")) {
        WindowDriver::replaceText(field<QLineEdit>(dialog, "portEdit"), QStringLiteral("9"));
        if (fieldName == QLatin1String("keepAliveTimingEdit"))
            WindowDriver::chooseInCombo(field<QComboBox>(dialog, "keepAliveCombo"), 1); // on
    }
    QVERIFY2(dialog->problem().isEmpty(), qPrintable(dialog->problem()));
    QWidget *target = dialog->findChild<QWidget *>(fieldName);
    QVERIFY(target && target->isVisible());
    auto *combo = qobject_cast<QComboBox *>(target);
    WindowDriver::replaceText(combo ? combo->lineEdit() : qobject_cast<QLineEdit *>(target), text);

    QVERIFY2(dialog->problem().contains(message), qPrintable(dialog->problem()));
    auto *error = field<QLabel>(dialog, "errorLabel");
    QVERIFY(error->isVisible());
    QVERIFY(error->text().contains(message));
    QVERIFY(!target->styleSheet().isEmpty()); // the field is marked
    QPushButton *ok = okButton(dialog);
    QVERIFY(!ok->isEnabled());
    QTest::keyClick(dialog, Qt::Key_Return);
    QVERIFY(dialog->isVisible());
    QVERIFY(m_window->workbench()->endpoints().isEmpty());
    dialog->reject();
}

void TestSocketOptionsForms::liveDialogChangesNoDelay() {
    openWindow();
    m_ui->clickAction("newListenerAction");
    QVERIFY(m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")));
    const EndpointId listener = m_ui->lastTopLevel();
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    m_window->activateWindow();
    m_ui->clickAction("connectAction");
    QVERIFY(m_ui->dialog());
    QTest::mouseClick(okButton(m_ui->dialog()), Qt::LeftButton);
    const EndpointId client = m_ui->lastTopLevel();
    QTRY_VERIFY(m_window->workbench()->info(client).state == EndpointState::Connected);
    m_window->activateWindow();
    m_ui->selectRow(client);

    // The shortcut from the connections panel opens the live dialog for the selection.
    auto *action = m_window->findChild<QAction *>(QStringLiteral("socketOptionsAction"));
    QVERIFY(action->isEnabled());
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    m_ui->connectionsView()->setFocus();
    QTest::keySequence(m_ui->connectionsView(), action->shortcut());
    SocketOptionsDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<SocketOptionsDialog *>()) != nullptr && dialog->isVisible());
    QCOMPARE(dialog->endpoint(), client);
    // Source address and SO_REUSEPORT are set before connect; they are not offered live.
    QVERIFY(!field<QWidget>(dialog, "sourcePortEdit")->isVisible());
    QVERIFY(!field<QWidget>(dialog, "reusePortCheck")->isVisible());

    auto *noDelay = field<QComboBox>(dialog, "noDelayCombo");
    WindowDriver::chooseInCombo(noDelay, 2); // off
    QSignalSpy applied(m_window->workbench(), &Workbench::optionsApplied);
    QPushButton *apply =
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Apply);
    QVERIFY(apply->isEnabled());
    QTest::mouseClick(apply, Qt::LeftButton);
    QTRY_VERIFY(!applied.isEmpty());
    QCOMPARE(applied.first().at(0).value<EndpointId>(), client);
    const AppliedOption *option =
        findOption(m_window->workbench()->info(client).options, QStringLiteral("TCP_NODELAY"));
    QVERIFY(option);
    QVERIFY2(!option->isRefused(), qPrintable(option->error));
    QCOMPARE(option->actual, QStringLiteral("off"));
    auto *table = field<AppliedOptionsTable>(dialog, "appliedOptionsTable");
    QTRY_VERIFY(findOption(table->options(), QStringLiteral("TCP_NODELAY")));
    QVERIFY(!dialog->message().isEmpty());

    // Opened again, the form starts from what the socket has now.
    dialog->close();
    QTRY_VERIFY(m_window->findChild<SocketOptionsDialog *>() == nullptr);
    action->trigger();
    QTRY_VERIFY((dialog = m_window->findChild<SocketOptionsDialog *>()) != nullptr);
    QCOMPARE(field<QComboBox>(dialog, "noDelayCombo")->currentIndex(), 2);
    dialog->close();
}

void TestSocketOptionsForms::dscpNamesAndNumbers() {
    SocketOptionsForm form;
    form.setKind(EndpointKind::TcpConnection);
    auto *tos = field<QComboBox>(&form, "tosCombo");
    tos->setCurrentText(QStringLiteral("EF"));
    QVERIFY(form.problem().isEmpty());
    QCOMPARE(form.options().tos, std::optional<int>(184));
    tos->setCurrentIndex(tos->findText(QStringLiteral("AF41"), Qt::MatchStartsWith));
    QCOMPARE(form.options().tos, std::optional<int>(136));
    tos->setCurrentText(QStringLiteral("0x10"));
    QCOMPARE(form.options().tos, std::optional<int>(16));
    tos->setCurrentText(QString());
    QCOMPARE(form.options().tos, std::nullopt);
    // Filled from a socket's options, a byte reads back as itself, named or not.
    for (int byte : {136, 137, 20, 184}) {
        SocketOptions options;
        options.tos = byte;
        form.setOptions(options);
        QCOMPARE(form.options().tos, std::optional<int>(byte));
    }
    form.setOptions({});
    QCOMPARE(form.setCount(), 0);
}

void TestSocketOptionsForms::refusalsAreNamed() {
    AppliedOptionsTable table;
    table.setOptions({{QStringLiteral("SO_RCVBUF"), QStringLiteral("65536"), QStringLiteral("131072"), {}},
                      {QStringLiteral("SO_BINDTODEVICE"),
                       QStringLiteral("eth9"),
                       {},
                       QStringLiteral("needs CAP_NET_RAW")}});
    QCOMPARE(table.rowCount(), 2);
    QCOMPARE(table.item(0, AppliedOptionsTable::ActualColumn)->text(), QStringLiteral("131072"));
    QVERIFY(table.item(0, AppliedOptionsTable::NoteColumn)->text().contains(QStringLiteral("adjusted")));
    const QTableWidgetItem *refusal = table.item(1, AppliedOptionsTable::NoteColumn);
    QCOMPARE(refusal->text(), QStringLiteral("Refused: needs CAP_NET_RAW"));
    QVERIFY(!refusal->icon().isNull());
    QCOMPARE(refusal->foreground().color(), errorColor());
    QCOMPARE(table.item(1, AppliedOptionsTable::ActualColumn)->text(), QStringLiteral("not applied"));
}

SOCKBENCH_TEST_MAIN(TestSocketOptionsForms)
#include "tst_socketoptionsforms.moc"
