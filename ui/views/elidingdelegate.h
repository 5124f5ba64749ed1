#pragma once

#include <QStyledItemDelegate>

namespace sockbench {

/// Draws a column's text elided as asked (in the middle where the end matters: an address, a
/// datagram's sender) and, when it is cut, shows the whole text in the tooltip, ahead of the
/// model's own tooltip. The text is measured only when a tooltip is asked for, never per paint.
class ElidingDelegate final : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit ElidingDelegate(Qt::TextElideMode mode, QObject *parent = nullptr);
    ~ElidingDelegate() override;
    Q_DISABLE_COPY_MOVE(ElidingDelegate)

    /// Whether index's text, drawn in option's rectangle, is cut.
    bool isElided(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    /// The text as drawn in option's rectangle (with "…" where it is cut).
    QString shownText(const QStyleOptionViewItem &option, const QModelIndex &index) const;

    /// The tooltip shown over index: its whole text when it is cut, then the model's own tooltip.
    QString toolTipText(const QStyleOptionViewItem &option, const QModelIndex &index) const;

    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    Qt::TextElideMode m_mode;
};

} // namespace sockbench
