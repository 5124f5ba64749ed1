// The fault panel (its fields are the faults editor's: tst_faultseditor): without a relay the panel
// says what to select and applies nothing.

#include "engine/workbench.h"
#include "panels/faultpanel.h"
#include "testmain.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace sockbench;

class TestFaultPanel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void panelWithoutRelayAppliesNothing();

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

SOCKBENCH_TEST_MAIN(TestFaultPanel)
#include "tst_faultpanel.moc"
