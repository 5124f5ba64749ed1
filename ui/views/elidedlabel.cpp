#include "views/elidedlabel.h"

#include <QPainter>
#include <QStyle>

namespace sockbench {

ElidedLabel::ElidedLabel(QWidget *parent)
    : QLabel(parent) {
    // Ignored: the layout gives this label whatever width is left, never what its text asks for.
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    setTextFormat(Qt::PlainText);
}

ElidedLabel::~ElidedLabel() = default;

void ElidedLabel::setFullText(const QString &text) {
    setText(text);
    setToolTip(text);
}

QSize ElidedLabel::sizeHint() const {
    return {fontMetrics().averageCharWidth() * 8, fontMetrics().height() + 2 * margin()};
}

QSize ElidedLabel::minimumSizeHint() const {
    return {0, fontMetrics().height() + 2 * margin()};
}

void ElidedLabel::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    const QRect area = contentsRect().adjusted(margin(), margin(), -margin(), -margin());
    const QString shown = fontMetrics().elidedText(text(), Qt::ElideRight, area.width());
    style()->drawItemText(&painter, area, int(alignment() | Qt::AlignVCenter), palette(), isEnabled(), shown,
                          foregroundRole());
}

} // namespace sockbench
