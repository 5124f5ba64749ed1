// The fault panel (its fields are the faults editor's: tst_faultseditor): without a relay the panel
// says what to select and applies nothing.

#include "dialogs/faultseditor.h"
#include "engine/workbench.h"
#include "panels/faultpanel.h"
#include "testmain.h"

#include <QCheckBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace sockbench;

class TestFaultPanel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void panelWithoutRelayAppliesNothing();
    void nonRelayClearsTheLastRelaysFaults();

private:
    template <typename T> static T *field(QWidget *parent, const char *name) {
        T *widget = parent->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no widget named %s", name);
        return widget;
    }
};

void TestFaultPanel::panelWithoutRelayAppliesNothing() {
    Workbench workbench;
    FaultPanel panel(&workbench);
    QVERIFY(panel.statusText().startsWith(QStringLiteral("Select a relay")));
    QVERIFY(!field<QPushButton>(&panel, "faultApplyButton")->isEnabled());
    QVERIFY(!panel.apply());
    QSignalSpy started(&workbench, &Workbench::listenerStarted);
    const EndpointId listener = workbench.startTcpListener(QStringLiteral("127.0.0.1"), 0);
    QVERIFY(started.wait(5000));
    panel.setEndpoint(listener);
    QCOMPARE(panel.target(), EndpointId(0));
    QVERIFY2(panel.statusText().contains(QStringLiteral("not relayed")), qPrintable(panel.statusText()));
    QVERIFY(!panel.apply());
}

void TestFaultPanel::nonRelayClearsTheLastRelaysFaults() {
    Workbench workbench;
    FaultPanel panel(&workbench);
    QSignalSpy started(&workbench, &Workbench::listenerStarted);
    const EndpointId listener = workbench.startTcpListener(QStringLiteral("127.0.0.1"), 0);
    QVERIFY(started.wait(5000));
    RelayOptions options;
    options.targetHost = QStringLiteral("127.0.0.1");
    options.targetPort = 9;
    options.faults.down.latencyMs = 50;
    options.faults.seed = 77;
    const EndpointId relay = workbench.startRelay(QStringLiteral("127.0.0.1"), 0, options);
    QTRY_VERIFY(workbench.info(relay).state == EndpointState::Listening);
    panel.setEndpoint(relay);
    QVERIFY(field<QCheckBox>(&panel, "downLatencyCheck")->isChecked());
    QCOMPARE(field<QSpinBox>(&panel, "downLatencySpin")->value(), 50);
    // A listener selected next: greyed and empty, not the relay's faults (issue 27).
    panel.setEndpoint(listener);
    QVERIFY(!field<QCheckBox>(&panel, "downLatencyCheck")->isChecked());
    QCOMPARE(field<QSpinBox>(&panel, "downLatencySpin")->value(), 200); // as a new form shows it
    QCOMPARE(field<QLineEdit>(&panel, "faultSeedEdit")->text(), QStringLiteral("1"));
    QVERIFY(panel.editor()->faults() == RelayFaults{});
}

SOCKBENCH_TEST_MAIN(TestFaultPanel)
#include "tst_faultpanel.moc"
