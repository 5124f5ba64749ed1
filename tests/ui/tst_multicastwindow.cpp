// Multicast from the window: the UDP form takes a group to join, checks it where the user types,
// and the socket hears the group once bound. Group traffic goes through "lo" only.

#include "testmain.h"
#include "windowdriver.h"

#include <QNetworkDatagram>
#include <QNetworkInterface>
#include <QSettings>
#include <QTemporaryDir>
#include <QUdpSocket>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestMulticastWindow final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void joinsTheGroupOnceBound();
    void badGroupsAreExplainedAndBlockOk();

private:
    /// Opens the UDP form and types address, port and group into it (OK not clicked).
    EndpointDialog *fillUdpForm(const QString &address, const QString &group);
    QPushButton *okButton(EndpointDialog *dialog) const {
        return dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))
            ->button(QDialogButtonBox::Ok);
    }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestMulticastWindow::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_multicastwindow"));
}

void TestMulticastWindow::init() {
    m_window = std::make_unique<MainWindow>();
    m_ui = std::make_unique<WindowDriver>(m_window.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMulticastWindow::cleanup() {
    m_ui.reset();
    m_window.reset();
}

EndpointDialog *TestMulticastWindow::fillUdpForm(const QString &address, const QString &group) {
    m_ui->clickAction("openUdpAction");
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog)
        return nullptr;
    WindowDriver::replaceText(dialog->findChild<QComboBox *>(QStringLiteral("addressCombo"))->lineEdit(),
                              address);
    WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("portEdit")),
                              QStringLiteral("0"));
    WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("multicastEdit")), group);
    return dialog;
}

void TestMulticastWindow::joinsTheGroupOnceBound() {
    const QString group = QStringLiteral("239.255.77.6");
    EndpointDialog *dialog = fillUdpForm(QStringLiteral("0.0.0.0"), group + QStringLiteral("%lo"));
    QVERIFY(dialog);
    QVERIFY2(okButton(dialog)->isEnabled(), qPrintable(dialog->problem()));
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    const EndpointId id = m_ui->lastTopLevel();
    QTRY_VERIFY(m_ui->localPort(id) != 0);
    // The join is recorded in the log once the socket is bound.
    const QString joined = QStringLiteral("Joined multicast group %1 on lo").arg(group);
    const auto logShowsJoin = [&] {
        const auto rows = m_ui->logRows();
        return std::any_of(rows.begin(), rows.end(), [&](const WindowDriver::LogRow &row) {
            return row.endpoint == id && row.data == joined;
        });
    };
    QTRY_VERIFY(logShowsJoin());

    QUdpSocket sender;
    QVERIFY(sender.bind(QHostAddress::LocalHost, 0));
    sender.setMulticastInterface(QNetworkInterface::interfaceFromName(QStringLiteral("lo")));
    QCOMPARE(sender.writeDatagram("hello group", QHostAddress(group), m_ui->localPort(id)), 11);
    QTRY_VERIFY(m_ui->logShows(id, true, QStringLiteral("hello group")));
    QTRY_COMPARE(m_ui->cell(id, ConnectionModel::InColumn), QStringLiteral("11"));
}

void TestMulticastWindow::badGroupsAreExplainedAndBlockOk() {
    const struct {
        const char *address;
        const char *group;
        const char *problem;
    } cases[] = {
        {"0.0.0.0", "10.1.2.3", "10.1.2.3 is not a multicast group"},
        {"0.0.0.0", "239.1.2.3%", "an interface name must follow '%'"},
        {"0.0.0.0", "239.1.2.3%nosuchif0", "no interface named nosuchif0"},
        {"127.0.0.1", "239.1.2.3", "bind 0.0.0.0 or ::"},
    };
    for (const auto &c : cases) {
        EndpointDialog *dialog = fillUdpForm(QLatin1String(c.address), QLatin1String(c.group));
        QVERIFY(dialog);
        QVERIFY2(dialog->problem().contains(QLatin1String(c.problem)), qPrintable(dialog->problem()));
        QVERIFY(!okButton(dialog)->isEnabled());
        QVERIFY(okButton(dialog)->toolTip().contains(QLatin1String(c.problem)));
        // Clearing the group makes the same form acceptable: the field was the only problem.
        WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("multicastEdit")), QString());
        QVERIFY2(okButton(dialog)->isEnabled(), qPrintable(dialog->problem()));
        dialog->reject();
    }
    QCOMPARE(m_ui->connections()->rowCount(), 0);
}

SOCKBENCH_TEST_MAIN(TestMulticastWindow)
#include "tst_multicastwindow.moc"
