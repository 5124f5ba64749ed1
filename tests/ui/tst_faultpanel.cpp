// The fault panel's fields and RelayFaults, both ways (issue 11, "The window"): faults shown in the
// fields read back equal, a field ticked and typed in builds the fault it names, a fault whose box
// is off does not act, the kind of relay decides which faults show; without a relay the panel says
// what to select and applies nothing.

#include "engine/workbench.h"
#include "panels/faultpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace sockbench;

class TestFaultPanel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void streamFaultsReadBackEqual();
    void datagramFaultsReadBackEqual();
    void tickedFieldsBuildTheFault();
    void boxOffMeansNoFault();
    void kindDecidesWhichFaultsShow();
    void panelWithoutRelayAppliesNothing();

private:
    template <typename T> static T *field(QWidget *parent, const char *name) {
        T *widget = parent->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no widget named %s", name);
        return widget;
    }
    static void tick(QCheckBox *check) {
        QTest::mouseClick(check, Qt::LeftButton, {}, QPoint(8, check->height() / 2));
    }
    static void typeInSpin(QAbstractSpinBox *spin, const QString &value) {
        spin->setFocus();
        QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(spin, value);
        QTest::keyClick(spin, Qt::Key_Enter);
    }
    static RelayFaults streamFaults() {
        RelayFaults f;
        f.up.latencyMs = 200;
        f.up.jitterMs = 50;
        f.up.sliceBytes = 100;
        f.up.sliceVariance = 20;
        f.up.sliceDelayMs = 5;
        f.up.timeoutMs = 0;
        f.down.bandwidthBytesPerSecond = 1000;
        f.down.limitBytes = 4096;
        f.down.limitEnd = RelayEnd::Reset;
        f.down.slowCloseMs = 300;
        f.down.timeoutMs = 1500;
        f.seed = 123456789012345ULL;
        return f;
    }
};

void TestFaultPanel::streamFaultsReadBackEqual() {
    FaultsEditor editor;
    QSignalSpy changed(&editor, &FaultsEditor::changed);
    const RelayFaults f = streamFaults();
    editor.setFaults(f);
    QCOMPARE(changed.count(), 0); // showing is not changing
    QVERIFY(editor.faults() == f);
    QVERIFY(field<QCheckBox>(&editor, "upLatencyCheck")->isChecked());
    QCOMPARE(field<QSpinBox>(&editor, "upLatencySpin")->value(), 200);
    QCOMPARE(field<QSpinBox>(&editor, "upJitterSpin")->value(), 50);
    QVERIFY(field<QCheckBox>(&editor, "upTimeoutCheck")->isChecked());
    QCOMPARE(field<QSpinBox>(&editor, "upTimeoutSpin")->text(), QStringLiteral("now"));
    QVERIFY(!field<QCheckBox>(&editor, "downLatencyCheck")->isChecked());
    QVERIFY(!field<QSpinBox>(&editor, "downLatencySpin")->isEnabled());
    QCOMPARE(field<QComboBox>(&editor, "downLimitEndCombo")->currentIndex(), 1);
    QCOMPARE(field<QLineEdit>(&editor, "faultSeedEdit")->text(), QStringLiteral("123456789012345"));
    // And back to no faults at all.
    editor.setFaults({});
    QVERIFY(editor.faults() == RelayFaults{});
}

void TestFaultPanel::datagramFaultsReadBackEqual() {
    FaultsEditor editor;
    editor.setUdp(true);
    RelayFaults f;
    f.up.dropPercent = 50;
    f.up.reorderWindow = 8;
    f.down.duplicatePercent = 12.5;
    f.down.corruptPercent = 1;
    f.down.latencyMs = 30;
    f.seed = 7;
    editor.setFaults(f);
    QVERIFY(editor.faults() == f);
    QVERIFY(field<QCheckBox>(&editor, "upDropCheck")->isChecked());
    QCOMPARE(field<QDoubleSpinBox>(&editor, "downDuplicateSpin")->value(), 12.5);
}

void TestFaultPanel::tickedFieldsBuildTheFault() {
    FaultsEditor editor;
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy changed(&editor, &FaultsEditor::changed);
    tick(field<QCheckBox>(&editor, "upLatencyCheck"));
    typeInSpin(field<QSpinBox>(&editor, "upLatencySpin"), QStringLiteral("250"));
    typeInSpin(field<QSpinBox>(&editor, "upJitterSpin"), QStringLiteral("10"));
    tick(field<QCheckBox>(&editor, "downSliceCheck"));
    typeInSpin(field<QSpinBox>(&editor, "downSliceSpin"), QStringLiteral("1"));
    typeInSpin(field<QSpinBox>(&editor, "downSliceDelaySpin"), QStringLiteral("10"));
    tick(field<QCheckBox>(&editor, "downLimitCheck"));
    typeInSpin(field<QSpinBox>(&editor, "downLimitSpin"), QStringLiteral("4096"));
    auto *end = field<QComboBox>(&editor, "downLimitEndCombo");
    end->setFocus();
    QTest::keyClick(end, Qt::Key_Down);
    auto *seed = field<QLineEdit>(&editor, "faultSeedEdit");
    seed->setFocus();
    QTest::keyClick(seed, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(seed, QStringLiteral("42x")); // the x is refused as typed
    QVERIFY(changed.count() > 0);

    RelayFaults expected;
    expected.up.latencyMs = 250;
    expected.up.jitterMs = 10;
    expected.down.sliceBytes = 1;
    expected.down.sliceDelayMs = 10;
    expected.down.limitBytes = 4096;
    expected.down.limitEnd = RelayEnd::Reset;
    expected.seed = 42;
    const RelayFaults got = editor.faults();
    QCOMPARE(got.up, expected.up);
    QCOMPARE(got.down, expected.down);
    QCOMPARE(got.seed, expected.seed);
}

void TestFaultPanel::boxOffMeansNoFault() {
    FaultsEditor editor;
    editor.setFaults(streamFaults());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    tick(field<QCheckBox>(&editor, "upLatencyCheck"));
    tick(field<QCheckBox>(&editor, "downLimitCheck"));
    const RelayFaults got = editor.faults();
    QCOMPARE(got.up.latencyMs, 0);
    QCOMPARE(got.up.jitterMs, 0);
    QCOMPARE(got.down.limitBytes, qint64(-1));
    QCOMPARE(got.up.sliceBytes, 100); // the others stay
    // Ticked again, the numbers shown before come back.
    tick(field<QCheckBox>(&editor, "upLatencyCheck"));
    QCOMPARE(editor.faults().up.latencyMs, 200);
}

void TestFaultPanel::kindDecidesWhichFaultsShow() {
    FaultsEditor editor;
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QVERIFY(field<QWidget>(&editor, "upSliceCheck")->isVisible());
    QVERIFY(!field<QWidget>(&editor, "upDropCheck")->isVisible());
    RelayFaults mixed = streamFaults();
    mixed.up.dropPercent = 50;
    editor.setFaults(mixed);
    QCOMPARE(editor.faults().up.dropPercent, 0.0); // hidden: does not act on a TCP relay
    editor.setUdp(true);
    QVERIFY(!field<QWidget>(&editor, "upSliceCheck")->isVisible());
    QVERIFY(field<QWidget>(&editor, "upDropCheck")->isVisible());
    QVERIFY(field<QWidget>(&editor, "upLatencyCheck")->isVisible()); // latency is for both
    QCOMPARE(editor.faults().up.dropPercent, 50.0);
    QCOMPARE(editor.faults().up.sliceBytes, 0);
    QCOMPARE(editor.faults().up.latencyMs, 200);
}

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

QTEST_MAIN(TestFaultPanel)
#include "tst_faultpanel.moc"
