#pragma once

// Every top-level window on its screen: the main window at first start, and each dialog when it
// opens and whenever its form grows, fit inside the screen's available geometry (issue 27).

#include <QScrollArea>
#include <QSize>

class QWidget;

namespace sockbench {

/// Shrinks window (a top-level widget) to its screen's available geometry, never below its minimum
/// size, and moves it so that its frame lies inside that geometry. A form taller than the screen
/// needs a scroll area (FormScrollArea) to have a minimum that fits.
void fitToScreen(QWidget *window);

/// `wanted` bounded by the available geometry of the screen `window` is (or will be) shown on.
QSize boundedToScreen(const QWidget *window, QSize wanted);

/// Resizes window to what its layout wants (its size hint), bounded by the screen, and fits it: what
/// a dialog whose sections open and close calls instead of adjustSize(), which stops at two thirds
/// of the screen and does not move the window back onto it.
void resizeToContent(QWidget *window);

/// A form's fields in a scroll area that asks for their whole size and needs only a few lines: a
/// dialog holding one fits a short screen (fitToScreen) and scrolls there, and nowhere else. Its
/// width is the fields' own, so it never scrolls sideways.
class FormScrollArea final : public QScrollArea {
    Q_OBJECT

public:
    explicit FormScrollArea(QWidget *fields, QWidget *parent = nullptr);
    ~FormScrollArea() override;
    Q_DISABLE_COPY_MOVE(FormScrollArea)

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    bool eventFilter(QObject *watched, QEvent *event) override;
};

/// Installs, once, an application-wide filter that fits every dialog and main window to its screen
/// when it is shown and whenever its size changes afterwards (a form whose size hint grew).
void keepWindowsOnScreen();

} // namespace sockbench
