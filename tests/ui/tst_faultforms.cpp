// Fault matrix and safety defaults, the window's side: every address, port, payload and number a
// user can type into the forms, tried with malformed values, gives a clear message where the user
// looks and sends nothing; a listener binds 127.0.0.1 unless told otherwise, binding every
// interface is visible; the settings file Sockbench writes is readable by the user alone.

#include "loopbackpeer.h"
#include "platform/privatefile.h"
#include "testmain.h"
#include "windowdriver.h"

#include <QCheckBox>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace sockbench;
using namespace sockbench::test;
using sockbench::testing::WindowDriver;

class TestFaultForms final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void malformedEndpointFormOpensNothing_data();
    void malformedEndpointFormOpensNothing();
    void numberFieldsStayInRange();
    void malformedPayloadSendsNothing_data();
    void malformedPayloadSendsNothing();
    void listenerBindsLoopbackByDefault();
    void everyInterfaceIsVisible();
    void settingsFileIsPrivate();

private:
    EndpointDialog *openDialog(const char *action);
    QLineEdit *addressEdit(EndpointDialog *d) const {
        return d->findChild<QComboBox *>(QStringLiteral("addressCombo"))->lineEdit();
    }
    QPushButton *okButton(EndpointDialog *d) const {
        return d->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestFaultForms::initTestCase() {
    QVERIFY(testing::useSettingsIn(m_settingsDir, "tst_faultforms", "SockbenchFaultTest"));
}

void TestFaultForms::init() {
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    m_ui = std::make_unique<WindowDriver>(m_window.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestFaultForms::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

EndpointDialog *TestFaultForms::openDialog(const char *action) {
    m_ui->clickAction(action);
    EndpointDialog *d = nullptr;
    (void)QTest::qWaitFor([&] { return (d = m_ui->dialog()) != nullptr; }, 5000);
    return d;
}

void TestFaultForms::malformedEndpointFormOpensNothing_data() {
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("port");
    QTest::addColumn<QString>("greeting"); // non-empty: choose "greeting" as auto-reply and type this

    const QString listen = QStringLiteral("newListenerAction");
    const QString connect = QStringLiteral("connectAction");
    const QString udp = QStringLiteral("openUdpAction");
    QTest::newRow("port too large") << listen << "127.0.0.1"
                                    << "70000" << QString();
    QTest::newRow("port 65536") << connect << "127.0.0.1"
                                << "65536" << QString();
    QTest::newRow("port letters") << connect << "127.0.0.1"
                                  << "http" << QString();
    QTest::newRow("port negative") << udp << "127.0.0.1"
                                   << "-1" << QString();
    QTest::newRow("port empty") << connect << "127.0.0.1"
                                << "" << QString();
    QTest::newRow("port mixed") << listen << "127.0.0.1"
                                << "8o8o" << QString();
    QTest::newRow("port zero to connect") << connect << "127.0.0.1"
                                          << "0" << QString();
    QTest::newRow("address empty") << connect << ""
                                   << "80" << QString();
    QTest::newRow("address bad ipv4") << listen << "127.0.0.256"
                                      << "0" << QString();
    QTest::newRow("address bad ipv6") << connect << "::1::2"
                                      << "80" << QString();
    QTest::newRow("address brackets") << connect << "[::1]"
                                      << "80" << QString();
    QTest::newRow("address with port") << connect << "127.0.0.1:80"
                                       << "80" << QString();
    QTest::newRow("address junk") << udp << "no such host!"
                                  << "0" << QString();
    QTest::newRow("greeting bad escape") << listen << "127.0.0.1"
                                         << "0"
                                         << "hello\\x";
}

void TestFaultForms::malformedEndpointFormOpensNothing() {
    QFETCH(QString, action);
    QFETCH(QString, address);
    QFETCH(QString, port);
    QFETCH(QString, greeting);
    // A real listener the malformed form might otherwise reach.
    auto raw = LoopbackPeer::listenTcp();
    QVERIFY(raw);

    EndpointDialog *d = openDialog(action.toLatin1().constData());
    QVERIFY(d);
    if (!greeting.isEmpty()) {
        auto *reply = d->findChild<QComboBox *>(QStringLiteral("autoReplyCombo"));
        WindowDriver::chooseInCombo(reply, reply->findData(int(AutoReply::Greeting)));
        WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("greetingEdit")), greeting);
    }
    WindowDriver::replaceText(addressEdit(d), address);
    WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("portEdit")), port);

    // The message is in the form, next to the fields, and OK refuses with the same reason.
    auto *error = d->findChild<QLabel *>(QStringLiteral("errorLabel"));
    QVERIFY(error->isVisible());
    QVERIFY(!error->text().isEmpty());
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY2(okButton(d)->toolTip().contains(error->text().section(u'\n', 0, 0)),
             qPrintable(okButton(d)->toolTip()));

    // Return in a field must not open it either.
    QTest::keyClick(d->findChild<QLineEdit *>(QStringLiteral("portEdit")), Qt::Key_Return);
    QVERIFY(d->isVisible() || d->result() != QDialog::Accepted);
    QTest::keyClick(d, Qt::Key_Escape);
    QTRY_VERIFY(!m_ui->dialog());
    QCOMPARE(m_ui->connections()->rowCount(), 0);
    QVERIFY(m_window->workbench()->endpoints().isEmpty());
    QVERIFY(!raw->accept(0));
}

void TestFaultForms::numberFieldsStayInRange() {
    EndpointDialog *d = openDialog("connectAction");
    QVERIFY(d);
    auto *timeout = d->findChild<QSpinBox *>(QStringLiteral("timeoutSpin"));
    for (const QString &typed :
         {QStringLiteral("-5"), QStringLiteral("99999"), QStringLiteral("abc"), QStringLiteral("1e3")}) {
        timeout->setFocus();
        timeout->selectAll();
        QTest::keyClicks(timeout, typed);
        timeout->interpretText();
        QVERIFY2(timeout->value() >= timeout->minimum() && timeout->value() <= timeout->maximum(),
                 qPrintable(typed));
    }
    QTest::keyClick(d, Qt::Key_Escape);
    QTRY_VERIFY(!m_ui->dialog());

    for (const char *name : {"repeatCountSpin", "repeatIntervalSpin"}) {
        auto *spin = m_ui->child<QSpinBox>(name);
        for (const QString &typed : {QStringLiteral("-1"), QStringLiteral("0"), QStringLiteral("x"),
                                     QStringLiteral("99999999999")}) {
            spin->setFocus();
            spin->selectAll();
            QTest::keyClicks(spin, typed);
            spin->interpretText();
            QVERIFY2(spin->value() >= 1 && spin->value() <= spin->maximum(),
                     qPrintable(QStringLiteral("%1 took %2").arg(QLatin1String(name), typed)));
        }
    }
}

void TestFaultForms::malformedPayloadSendsNothing_data() {
    QTest::addColumn<int>("mode"); // index in modeCombo: 0 text, 1 hex
    QTest::addColumn<QString>("typed");
    QTest::newRow("text escape cut short") << 0 << "abc\\x4";
    QTest::newRow("text unknown escape") << 0 << "tab\\q";
    QTest::newRow("text bad code point") << 0 << "\\u{110000}";
    QTest::newRow("text trailing backslash") << 0 << "end\\";
    QTest::newRow("hex odd digits") << 1 << "abc";
    QTest::newRow("hex not hex") << 1 << "48 zz 6c";
}

void TestFaultForms::malformedPayloadSendsNothing() {
    QFETCH(int, mode);
    QFETCH(QString, typed);
    Workbench *wb = m_window->workbench();

    // A connection to a raw peer, made through the form and selected.
    auto raw = LoopbackPeer::listenTcp();
    QVERIFY(raw);
    m_ui->clickAction("connectAction");
    QTRY_VERIFY(m_ui->dialog());
    QVERIFY(m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(raw->local().port)));
    auto peer = raw->accept();
    QVERIFY(peer);
    const EndpointId id = m_ui->lastTopLevel();
    QTRY_VERIFY(wb->info(id).state == EndpointState::Connected);
    m_ui->selectRow(id);

    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("modeCombo"), mode);
    m_ui->typeInComposer(typed);
    QPushButton *send = m_ui->sendButton();
    QTRY_VERIFY(!send->isEnabled());
    QVERIFY2(!send->toolTip().isEmpty(), "a disabled Send must say why");
    // Ctrl+Return, the shortcut, must not get around the disabled button.
    QTest::keyClick(m_ui->composerEdit(), Qt::Key_Return, Qt::ControlModifier);
    QTest::mouseClick(send, Qt::LeftButton);
    QVERIFY(peer->readExactly(1, 300).isEmpty());
    QCOMPARE(wb->journal().counters(id).bytesOut, quint64(0));

    // A well-formed payload goes out, so the check above could have failed.
    m_ui->typeInComposer(mode == 0 ? QStringLiteral("ok\\n") : QStringLiteral("6f 6b 0a"));
    QTRY_VERIFY(send->isEnabled());
    QTest::mouseClick(send, Qt::LeftButton);
    QCOMPARE(peer->readExactly(3), QByteArray("ok\n"));
}

void TestFaultForms::listenerBindsLoopbackByDefault() {
    EndpointDialog *d = openDialog("newListenerAction");
    QVERIFY(d);
    QCOMPARE(addressEdit(d)->text(), QStringLiteral("127.0.0.1"));
    QVERIFY(!d->findChild<QLabel *>(QStringLiteral("wildcardLabel"))->isVisible());
    QVERIFY(okButton(d)->isEnabled());
    QTest::mouseClick(okButton(d), Qt::LeftButton); // the defaults as they are
    QTRY_VERIFY(m_ui->localPort(m_ui->lastTopLevel()) != 0);
    const EndpointId id = m_ui->lastTopLevel();
    QCOMPARE(m_window->workbench()->info(id).local.ip, QStringLiteral("127.0.0.1"));
    QVERIFY(m_ui->cell(id, ConnectionModel::LocalColumn).startsWith(QStringLiteral("127.0.0.1:")));
}

void TestFaultForms::everyInterfaceIsVisible() {
    EndpointDialog *d = openDialog("newListenerAction");
    QVERIFY(d);
    WindowDriver::replaceText(addressEdit(d), QStringLiteral("0.0.0.0"));
    auto *warning = d->findChild<QLabel *>(QStringLiteral("wildcardLabel"));
    QVERIFY(warning->isVisible());
    QVERIFY2(warning->text().contains(QStringLiteral("every interface")), qPrintable(warning->text()));
    QTest::mouseClick(okButton(d), Qt::LeftButton);
    QTRY_VERIFY(m_ui->localPort(m_ui->lastTopLevel()) != 0);

    // In the connections panel the address stands out and says what it means.
    const QModelIndex local = m_ui->rowOf(m_ui->lastTopLevel()).siblingAtColumn(ConnectionModel::LocalColumn);
    QVERIFY(local.data().toString().startsWith(QStringLiteral("0.0.0.0:")));
    QVERIFY(local.data(Qt::FontRole).value<QFont>().bold());
    QVERIFY2(local.data(Qt::ToolTipRole).toString().contains(QStringLiteral("every interface")),
             qPrintable(local.data(Qt::ToolTipRole).toString()));
}

void TestFaultForms::settingsFileIsPrivate() {
    // Open a listener (remembered in the settings), then close the window: settings are written.
    EndpointDialog *d = openDialog("newListenerAction");
    QVERIFY(d);
    QTest::mouseClick(okButton(d), Qt::LeftButton);
    QTRY_VERIFY(m_ui->localPort(m_ui->lastTopLevel()) != 0);
    m_ui.reset();
    m_window->close();
    m_window.reset();

    const QString path = QSettings().fileName();
    QVERIFY2(QFile::exists(path), qPrintable(path));
    struct stat st {};
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
    QVERIFY2(isPrivateToOwner(path), qPrintable(QStringLiteral("%1 is open to others (mode %2)")
                                                    .arg(path, QString::number(st.st_mode & 07777, 8))));
}

SOCKBENCH_TEST_MAIN(TestFaultForms)
#include "tst_faultforms.moc"
