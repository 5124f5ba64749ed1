// The faults editor's fields and RelayFaults, both ways: faults shown in the fields read back equal,
// a field ticked and typed in builds the fault it names, a fault whose box is off does not act, the
// kind of relay decides which faults show, and every fault of the fault table has its row.

#include "dialogs/faultseditor.h"
#include "engine/faulttable.h"
#include "testmain.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace sockbench;

class TestFaultsEditor final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void streamFaultsReadBackEqual();
    void datagramFaultsReadBackEqual();
    void tickedFieldsBuildTheFault();
    void boxOffMeansNoFault();
    void kindDecidesWhichFaultsShow();
    void everyFaultHasItsRow();

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

void TestFaultsEditor::streamFaultsReadBackEqual() {
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

void TestFaultsEditor::datagramFaultsReadBackEqual() {
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

void TestFaultsEditor::tickedFieldsBuildTheFault() {
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

void TestFaultsEditor::boxOffMeansNoFault() {
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

void TestFaultsEditor::kindDecidesWhichFaultsShow() {
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

void TestFaultsEditor::everyFaultHasItsRow() {
    // A fault added to the table shows in the form: its box, ticked with the numbers the form
    // starts with, turns it on, in the direction ticked only.
    for (const bool udp : {false, true}) {
        for (const FaultKind &kind : faultKinds()) {
            if (!actsOn(kind.scope, udp))
                continue;
            FaultsEditor editor;
            editor.setUdp(udp);
            for (const FaultField &f : kind.fields) {
                const QString name = QStringLiteral("down") + QLatin1String(f.widgetName);
                QVERIFY2(editor.findChild<QWidget *>(name), qPrintable(name));
            }
            // The box sits with the fault's numbers.
            const QString first = QStringLiteral("up") + QLatin1String(kind.fields.front().widgetName);
            QCheckBox *up = editor.findChild<QWidget *>(first)->parentWidget()->findChild<QCheckBox *>();
            QVERIFY(up);
            QVERIFY(!up->isChecked());
            up->setChecked(true);
            const RelayFaults got = editor.faults();
            QVERIFY2(kind.isOn(got.up), kind.name);
            QVERIFY(got.down.isEmpty());
            QCOMPARE(got.up.describe(), kind.describe(got.up)); // that fault alone
        }
    }
}

SOCKBENCH_TEST_MAIN(TestFaultsEditor)
#include "tst_faultseditor.moc"
