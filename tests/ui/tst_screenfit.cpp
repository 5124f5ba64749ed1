// Issue 27, small screens: the window and every dialog fit the screen's available geometry, at
// first start and after every dialog. ctest runs this class on three screens: 1280×800 (ui/tst_
// screenfit), 1024×640 (ui/tst_screenfit@1024x640) and 2048×1280 at scale 2, 1024×640
// device-independent pixels (ui/tst_screenfit@scale2); see tests/CMakeLists.txt.

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/relaydialog.h"
#include "panels/detailpane.h"
#include "panels/faultpanel.h"

#include <QCheckBox>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolButton>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestScreenFit final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void firstWindowFitsTheScreen();
    void relayFormWithEverythingOpenFits();
    void endpointFormsFit();
    void faultsTabIsNotCut();

private:
    QRect available() const { return m_window->screen()->availableGeometry(); }
    /// Why `widget` (shown) is not wholly on the screen; empty when it is.
    QString offScreen(const QWidget *widget) const;
    QDialog *visibleDialog() const;

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestScreenFit::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_screenfit"));
    qInfo("screen %dx%d available, scale %.1f", QGuiApplication::primaryScreen()->availableGeometry().width(),
          QGuiApplication::primaryScreen()->availableGeometry().height(),
          QGuiApplication::primaryScreen()->devicePixelRatio());
}

void TestScreenFit::init() {
    QSettings().clear();
    QVERIFY(openTestWindow(m_window, m_ui));
}

void TestScreenFit::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

QString TestScreenFit::offScreen(const QWidget *widget) const {
    const QRect global(widget->mapToGlobal(QPoint(0, 0)), widget->size());
    const QRect frame = widget->isWindow() ? widget->frameGeometry() : global;
    if (available().contains(frame))
        return {};
    return QStringLiteral("%1 at %2,%3 %4×%5 is not within the screen's %6×%7")
        .arg(widget->objectName())
        .arg(frame.x())
        .arg(frame.y())
        .arg(frame.width())
        .arg(frame.height())
        .arg(available().width())
        .arg(available().height());
}

QDialog *TestScreenFit::visibleDialog() const {
    for (QDialog *d : m_window->findChildren<QDialog *>()) {
        if (d->isVisible())
            return d;
    }
    return nullptr;
}

void TestScreenFit::firstWindowFitsTheScreen() {
    // Where 1280×800 does not fit, the first window opened at 1280×800 with its bottom off-screen.
    QTRY_VERIFY2(offScreen(m_window.get()).isEmpty(), qPrintable(offScreen(m_window.get())));
    QVERIFY2(offScreen(m_ui->sendButton()).isEmpty(), qPrintable(offScreen(m_ui->sendButton())));
    QVERIFY2(offScreen(m_ui->composerEdit()).isEmpty(), qPrintable(offScreen(m_ui->composerEdit())));
    QVERIFY2(offScreen(m_window->statusBar()).isEmpty(), qPrintable(offScreen(m_window->statusBar())));
}

void TestScreenFit::relayFormWithEverythingOpenFits() {
    m_ui->clickAction("newRelayAction");
    RelayDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = qobject_cast<RelayDialog *>(visibleDialog())));
    // Both TLS legs and the faults: the tallest the form gets (604 pixels in the issue).
    for (const char *name : {"relayClientTlsCheck", "relayTargetTlsCheck"}) {
        auto *check = dialog->findChild<QCheckBox *>(QLatin1String(name));
        QVERIFY(check);
        QTest::mouseClick(check, Qt::LeftButton, {}, QPoint(4, check->height() / 2));
        QVERIFY(check->isChecked());
    }
    auto *faults = dialog->findChild<QToolButton *>(QStringLiteral("relayFaultsButton"));
    QTest::mouseClick(faults, Qt::LeftButton);
    QVERIFY(faults->isChecked());
    QPushButton *ok =
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
    QTRY_VERIFY2(offScreen(dialog).isEmpty(), qPrintable(offScreen(dialog)));
    QVERIFY2(offScreen(ok).isEmpty(), qPrintable(offScreen(ok)));
    // It takes the height it needs, or the screen's, before it scrolls; its fields are not squeezed.
    const int wanted = std::min(available().height(), dialog->sizeHint().height());
    QTRY_VERIFY2(dialog->frameGeometry().height() >= wanted - 2,
                 qPrintable(QStringLiteral("%1 of %2").arg(dialog->frameGeometry().height()).arg(wanted)));
    auto *fieldsArea = dialog->findChild<QScrollArea *>(QStringLiteral("relayFieldsArea"));
    QVERIFY(fieldsArea->widget()->height() >= fieldsArea->widget()->minimumSizeHint().height());
    // Closed again, it fits still; nothing of the faults grid is cut sideways.
    QTest::mouseClick(faults, Qt::LeftButton);
    QTRY_VERIFY2(offScreen(dialog).isEmpty(), qPrintable(offScreen(dialog)));
    auto *fields = dialog->findChild<QScrollArea *>(QStringLiteral("relayFieldsArea"));
    QVERIFY(fields);
    QVERIFY(fields->widget()->width() >= fields->widget()->minimumSizeHint().width());
    dialog->reject();
    // After the dialog, the window still fits.
    QTRY_VERIFY2(offScreen(m_window.get()).isEmpty(), qPrintable(offScreen(m_window.get())));
}

void TestScreenFit::endpointFormsFit() {
    for (const char *action : {"newListenerAction", "connectAction", "openUdpAction"}) {
        m_ui->clickAction(action);
        QDialog *dialog = nullptr;
        QTRY_VERIFY2((dialog = visibleDialog()), action);
        // Every section open: each check box that opens one.
        for (QCheckBox *check : dialog->findChildren<QCheckBox *>()) {
            if (check->isVisible() && check->isEnabled() && !check->isChecked())
                check->setChecked(true);
        }
        for (QToolButton *button : dialog->findChildren<QToolButton *>()) {
            if (button->isVisible() && button->isCheckable() && !button->isChecked())
                button->setChecked(true);
        }
        QTRY_VERIFY2(offScreen(dialog).isEmpty(),
                     qPrintable(QLatin1String(action) + u' ' + offScreen(dialog)));
        QPushButton *ok =
            dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
        QVERIFY2(offScreen(ok).isEmpty(), qPrintable(QLatin1String(action) + u' ' + offScreen(ok)));
        dialog->reject();
        QTRY_VERIFY(!dialog->isVisible());
        QTRY_VERIFY2(offScreen(m_window.get()).isEmpty(), qPrintable(offScreen(m_window.get())));
    }
}

void TestScreenFit::faultsTabIsNotCut() {
    auto *details = m_window->findChild<DetailPane *>();
    QVERIFY(details);
    details->showFaults();
    auto *area = m_ui->child<QScrollArea>("faultEditorArea");
    QTRY_VERIFY(area->isVisible());
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    // The whole grid is as wide as it needs (its right-hand column, "target → client", was cut
    // behind a sideways scroll bar), and the seed is in view without scrolling.
    QWidget *editor = area->widget();
    QVERIFY2(
        editor->width() >= editor->minimumSizeHint().width(),
        qPrintable(QStringLiteral("%1 < %2").arg(editor->width()).arg(editor->minimumSizeHint().width())));
    QVERIFY(area->viewport()->width() >= editor->width());
    QVERIFY(!area->horizontalScrollBar()->isVisible());
    auto *seed = m_ui->child<QLineEdit>("faultSeedEdit");
    const QRect seedInView(seed->mapTo(area->viewport(), QPoint(0, 0)), seed->size());
    QVERIFY2(area->viewport()->rect().contains(seedInView), "the seed is below the fold");
    QVERIFY2(offScreen(m_window.get()).isEmpty(), qPrintable(offScreen(m_window.get())));
}

SOCKBENCH_TEST_MAIN(TestScreenFit)
#include "tst_screenfit.moc"
