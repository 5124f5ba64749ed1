#include "style/screenfit.h"

#include <QApplication>
#include <QDialog>
#include <QEvent>
#include <QGuiApplication>
#include <QLayout>
#include <QMainWindow>
#include <QPointer>
#include <QScreen>
#include <QScrollBar>
#include <QSet>
#include <QTimer>
#include <QWidget>

#include <algorithm>

namespace sockbench {

namespace {

QRect availableGeometryFor(const QWidget *window) {
    const QScreen *screen = window->screen();
    if (!screen)
        screen = QGuiApplication::primaryScreen();
    return screen ? screen->availableGeometry() : QRect();
}

/// The filter behind keepWindowsOnScreen(): a fit is queued, so that it sees the geometry the
/// window system and QDialog's own placement settled on, and is queued once per event-loop turn.
class ScreenFitFilter final : public QObject {
public:
    using QObject::QObject;

    bool eventFilter(QObject *watched, QEvent *event) override {
        const QEvent::Type type = event->type();
        if (type != QEvent::Show && type != QEvent::Resize)
            return false;
        auto *widget = qobject_cast<QWidget *>(watched);
        if (!widget || !widget->isWindow() ||
            !(qobject_cast<QDialog *>(widget) || qobject_cast<QMainWindow *>(widget)))
            return false;
        if (type == QEvent::Resize && !widget->isVisible())
            return false;
        if (m_queued.contains(widget))
            return false;
        m_queued.insert(widget);
        QTimer::singleShot(0, this, [this, window = QPointer<QWidget>(widget), key = widget] {
            m_queued.remove(key);
            if (window && window->isVisible() && !window->isMaximized() && !window->isFullScreen())
                fitToScreen(window);
        });
        return false;
    }

private:
    QSet<QWidget *> m_queued;
};

} // namespace

QSize boundedToScreen(const QWidget *window, QSize wanted) {
    const QRect available = availableGeometryFor(window);
    return available.isValid() ? wanted.boundedTo(available.size()) : wanted;
}

void fitToScreen(QWidget *window) {
    const QRect available = availableGeometryFor(window);
    if (!available.isValid())
        return;
    const QRect frame = window->frameGeometry();
    const QSize margins = frame.size() - window->size();
    const QSize size = window->size().boundedTo(available.size() - margins).expandedTo(window->minimumSize());
    if (size != window->size())
        window->resize(size);
    const QSize frameSize = size + margins;
    const int x = std::clamp(frame.left(), available.left(),
                             std::max(available.left(), available.right() + 1 - frameSize.width()));
    const int y = std::clamp(frame.top(), available.top(),
                             std::max(available.top(), available.bottom() + 1 - frameSize.height()));
    if (QPoint(x, y) != frame.topLeft())
        window->move(x, y);
}

void resizeToContent(QWidget *window) {
    // Sections just shown or hidden have asked for a new layout: settle it before measuring.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    if (QLayout *layout = window->layout())
        layout->activate();
    const QRect frame = window->frameGeometry();
    const QSize margins = frame.size() - window->size();
    const QSize wanted = boundedToScreen(window, window->sizeHint() + margins) - margins;
    window->resize(wanted.expandedTo(window->minimumSizeHint()));
    fitToScreen(window);
}

FormScrollArea::FormScrollArea(QWidget *fields, QWidget *parent)
    : QScrollArea(parent) {
    setWidget(fields);
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
}

FormScrollArea::~FormScrollArea() = default;

QSize FormScrollArea::sizeHint() const {
    // QScrollArea's own hint stops at 24 lines: this one is the fields' whole height.
    const QSize fields = widget() ? widget()->sizeHint() : QSize();
    const int bar = verticalScrollBar()->sizeHint().width();
    return QSize(fields.width() + bar, fields.height()) + QSize(2 * frameWidth(), 2 * frameWidth());
}

QSize FormScrollArea::minimumSizeHint() const {
    const QSize fields = widget() ? widget()->minimumSizeHint() : QSize();
    const int bar = verticalScrollBar()->sizeHint().width();
    const int lines = 4 * fontMetrics().lineSpacing();
    return QSize(fields.width() + bar + 2 * frameWidth(),
                 std::min(fields.height(), lines) + 2 * frameWidth());
}

bool FormScrollArea::eventFilter(QObject *watched, QEvent *event) {
    const bool handled = QScrollArea::eventFilter(watched, event);
    // A section of the fields opened or closed: the dialog's layout asks again.
    if (watched == widget() && event->type() == QEvent::LayoutRequest)
        updateGeometry();
    return handled;
}

void keepWindowsOnScreen() {
    static QPointer<ScreenFitFilter> installed;
    if (installed || !qApp)
        return;
    installed = new ScreenFitFilter(qApp);
    qApp->installEventFilter(installed);
}

} // namespace sockbench
