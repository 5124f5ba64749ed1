#pragma once

#include <QAbstractScrollArea>
#include <QKeyEvent>
#include <QScrollBar>

namespace sockbench {

/// Ctrl+Home and Ctrl+End, and Home and End (which a view without a text cursor has no other use
/// for): the keys that move a scroll area's view to its start or its end, as in a text view.
inline bool isStartOrEndKey(const QKeyEvent *event) {
    return event->matches(QKeySequence::MoveToStartOfDocument) ||
           event->matches(QKeySequence::MoveToEndOfDocument) ||
           event->matches(QKeySequence::MoveToStartOfLine) || event->matches(QKeySequence::MoveToEndOfLine);
}

/// Moves a scroll area's view to its start or end for those keys (QAbstractScrollArea itself takes
/// only the arrows and Page Up/Down). Returns true when the key was one of them.
inline bool scrollToStartOrEnd(QAbstractScrollArea *area, QKeyEvent *event) {
    if (!isStartOrEndKey(event))
        return false;
    const bool start = event->matches(QKeySequence::MoveToStartOfDocument) ||
                       event->matches(QKeySequence::MoveToStartOfLine);
    QScrollBar *bar = area->verticalScrollBar();
    bar->setValue(start ? bar->minimum() : bar->maximum());
    event->accept();
    return true;
}

/// For a scroll area's event(): claims those keys while it has the focus, before a window
/// shortcut on them does (the log's Follow is Ctrl+End), so that they reach keyPressEvent().
inline bool claimStartOrEndKey(QEvent *event) {
    if (event->type() != QEvent::ShortcutOverride || !isStartOrEndKey(static_cast<QKeyEvent *>(event)))
        return false;
    event->accept();
    return true;
}

} // namespace sockbench
