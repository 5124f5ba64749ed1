#include "views/elidingdelegate.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QHelpEvent>
#include <QStyle>
#include <QToolTip>

namespace sockbench {

ElidingDelegate::ElidingDelegate(Qt::TextElideMode mode, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_mode(mode) {}

ElidingDelegate::~ElidingDelegate() = default;

void ElidingDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const {
    QStyledItemDelegate::initStyleOption(option, index);
    option->textElideMode = m_mode;
}

QString ElidingDelegate::shownText(const QStyleOptionViewItem &option, const QModelIndex &index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    // The rectangle the style draws the text in, less its margins, as QCommonStyle does.
    const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, opt.widget);
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, opt.widget) + 1;
    return opt.fontMetrics.elidedText(opt.text, m_mode, textRect.width() - 2 * margin);
}

bool ElidingDelegate::isElided(const QStyleOptionViewItem &option, const QModelIndex &index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    return shownText(option, index) != opt.text;
}

QString ElidingDelegate::toolTipText(const QStyleOptionViewItem &option, const QModelIndex &index) const {
    const QString own = index.data(Qt::ToolTipRole).toString();
    if (!isElided(option, index))
        return own;
    const QString full = index.data(Qt::DisplayRole).toString();
    if (own.isEmpty())
        return full;
    return own.contains(full) ? own : full + u'\n' + own;
}

bool ElidingDelegate::helpEvent(QHelpEvent *event, QAbstractItemView *view,
                                const QStyleOptionViewItem &option, const QModelIndex &index) {
    if (event->type() != QEvent::ToolTip || !index.isValid() || !isElided(option, index))
        return QStyledItemDelegate::helpEvent(event, view, option, index);
    QToolTip::showText(event->globalPos(), toolTipText(option, index), view);
    return true;
}

} // namespace sockbench
