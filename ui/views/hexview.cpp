#include "views/hexview.h"
#include "views/scrollkeys.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFontDatabase>
#include <QMenu>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>

namespace sockbench {

namespace {

constexpr int HexMargin = 4;

QChar printable(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 0x20 && u < 0x7f) ? QChar(u) : QChar(u'.');
}

} // namespace

HexView::HexView(QWidget *parent)
    : QAbstractScrollArea(parent) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setFocusPolicy(Qt::StrongFocus);
    viewport()->setCursor(Qt::IBeamCursor);
    setToolTip(tr("Payload bytes: drag to select, right-click to copy"));
    updateMetrics();
}

HexView::~HexView() = default;

void HexView::setData(const QByteArray &data) {
    m_data = data;
    m_placeholder.clear();
    m_selStart = m_selEnd = m_pressByte = 0;
    verticalScrollBar()->setValue(0);
    updateScrollBars();
    viewport()->update();
}

void HexView::setPlaceholder(const QString &text) {
    m_data.clear();
    m_placeholder = text;
    m_selStart = m_selEnd = m_pressByte = 0;
    updateScrollBars();
    viewport()->update();
}

void HexView::setSelection(qsizetype start, qsizetype end) {
    start = std::clamp<qsizetype>(start, 0, m_data.size());
    end = std::clamp<qsizetype>(end, 0, m_data.size());
    m_selStart = std::min(start, end);
    m_selEnd = std::max(start, end);
    viewport()->update();
}

QByteArray HexView::selectedBytes() const {
    if (selectionStart() == selectionEnd())
        return m_data;
    return m_data.mid(selectionStart(), selectionEnd() - selectionStart());
}

void HexView::copyAsHex() const {
    QApplication::clipboard()->setText(QString::fromLatin1(selectedBytes().toHex(' ')));
}

void HexView::copyAsText() const {
    QApplication::clipboard()->setText(QString::fromUtf8(selectedBytes()));
}

void HexView::copyAsCArray() const {
    const QByteArray bytes = selectedBytes();
    QString out = QStringLiteral("static const unsigned char data[%1] = {").arg(bytes.size());
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (i % 12 == 0)
            out += QStringLiteral("\n    ");
        out += QStringLiteral("0x%1,").arg(static_cast<unsigned char>(bytes[i]), 2, 16, QLatin1Char('0'));
        if (i % 12 != 11 && i + 1 < bytes.size())
            out += QLatin1Char(' ');
    }
    out += QStringLiteral("\n};\n");
    QApplication::clipboard()->setText(out);
}

void HexView::updateMetrics() {
    const QFontMetrics metrics(font());
    m_charWidth = std::max(1, metrics.horizontalAdvance(QLatin1Char('0')));
    m_lineHeight = metrics.height();
    m_hexX = HexMargin + m_charWidth * 10;
    m_asciiX = m_hexX + m_charWidth * (BytesPerRow * 3 + 2);
    updateScrollBars();
}

void HexView::updateScrollBars() {
    const int visibleRows = std::max(1, viewport()->height() / m_lineHeight);
    // Rows beyond int range cannot happen: a QByteArray of 2 GiB is 134 M rows.
    verticalScrollBar()->setRange(0, int(std::max<qsizetype>(0, rowCount() - visibleRows)));
    verticalScrollBar()->setPageStep(visibleRows);
    verticalScrollBar()->setSingleStep(1);
    const int width = m_asciiX + m_charWidth * (BytesPerRow + 1);
    horizontalScrollBar()->setRange(0, std::max(0, width - viewport()->width()));
    horizontalScrollBar()->setPageStep(viewport()->width());
}

void HexView::resizeEvent(QResizeEvent *event) {
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
}

void HexView::changeEvent(QEvent *event) {
    if (event->type() == QEvent::FontChange)
        updateMetrics();
    QAbstractScrollArea::changeEvent(event);
}

void HexView::paintEvent(QPaintEvent *) {
    QPainter painter(viewport());
    painter.setFont(font());
    const QPalette pal = palette();
    painter.fillRect(viewport()->rect(), pal.base());
    painter.translate(-horizontalScrollBar()->value(), 0);
    const QFontMetrics metrics(font());
    if (!m_placeholder.isEmpty() || m_data.isEmpty()) {
        painter.setPen(pal.color(QPalette::PlaceholderText));
        painter.drawText(QPoint(HexMargin, metrics.ascent() + HexMargin),
                         m_placeholder.isEmpty() ? tr("Select a record to see its bytes") : m_placeholder);
        return;
    }
    const qsizetype firstRow = verticalScrollBar()->value();
    const qsizetype visible = viewport()->height() / m_lineHeight + 2;
    const qsizetype lastRow = std::min(rowCount(), firstRow + visible);
    const qsizetype selStart = selectionStart();
    const qsizetype selEnd = selectionEnd();
    const QColor selColor = pal.color(QPalette::Highlight);
    const QColor selText = pal.color(QPalette::HighlightedText);
    const QColor offsetColor = pal.color(QPalette::PlaceholderText);
    for (qsizetype row = firstRow; row < lastRow; ++row) {
        const int y = int(row - firstRow) * m_lineHeight;
        const int baseline = y + metrics.ascent();
        painter.setPen(offsetColor);
        painter.drawText(HexMargin, baseline,
                         QStringLiteral("%1").arg(row * BytesPerRow, 8, 16, QLatin1Char('0')));
        for (int col = 0; col < BytesPerRow; ++col) {
            const qsizetype i = row * BytesPerRow + col;
            if (i >= m_data.size())
                break;
            const auto byte = static_cast<unsigned char>(m_data[i]);
            const int hx = m_hexX + m_charWidth * (col * 3 + (col >= 8 ? 1 : 0));
            const int ax = m_asciiX + m_charWidth * col;
            const bool selected = i >= selStart && i < selEnd;
            if (selected) {
                painter.fillRect(QRect(hx, y, m_charWidth * 2, m_lineHeight), selColor);
                painter.fillRect(QRect(ax, y, m_charWidth, m_lineHeight), selColor);
            }
            painter.setPen(selected ? selText : pal.color(QPalette::Text));
            painter.drawText(hx, baseline, QStringLiteral("%1").arg(byte, 2, 16, QLatin1Char('0')));
            painter.drawText(ax, baseline, QString(printable(char(byte))));
        }
    }
}

qsizetype HexView::byteAt(const QPoint &viewportPos, bool clamp) const {
    if (m_data.isEmpty())
        return -1;
    const int x = viewportPos.x() + horizontalScrollBar()->value();
    qsizetype row = verticalScrollBar()->value() + viewportPos.y() / m_lineHeight;
    int col = -1;
    if (x >= m_asciiX) {
        col = (x - m_asciiX) / m_charWidth;
    } else if (x >= m_hexX - m_charWidth) {
        int rel = (x - m_hexX) / m_charWidth;
        if (rel >= 25)
            rel -= 1; // the gap between the two groups of eight
        col = std::max(0, rel) / 3;
    } else if (clamp) {
        col = 0;
    }
    if (col < 0 || (!clamp && col >= BytesPerRow))
        return -1;
    col = std::clamp(col, 0, BytesPerRow - 1);
    qsizetype i = row * BytesPerRow + col;
    if (clamp)
        i = std::clamp<qsizetype>(i, 0, m_data.size() - 1);
    return (i >= 0 && i < m_data.size()) ? i : -1;
}

void HexView::mousePressEvent(QMouseEvent *event) {
    if (event->button() != Qt::LeftButton)
        return QAbstractScrollArea::mousePressEvent(event);
    const qsizetype i = byteAt(event->position().toPoint(), false);
    if (i < 0)
        return setSelection(0, 0);
    if (!(event->modifiers() & Qt::ShiftModifier))
        m_pressByte = i;
    setSelection(std::min(m_pressByte, i), std::max(m_pressByte, i) + 1);
}

void HexView::mouseMoveEvent(QMouseEvent *event) {
    if (!(event->buttons() & Qt::LeftButton))
        return;
    const qsizetype i = byteAt(event->position().toPoint(), true);
    if (i < 0)
        return;
    // The byte where the drag started stays selected whichever way the drag goes.
    setSelection(std::min(m_pressByte, i), std::max(m_pressByte, i) + 1);
}

bool HexView::event(QEvent *event) {
    if (claimStartOrEndKey(event))
        return true;
    return QAbstractScrollArea::event(event);
}

void HexView::keyPressEvent(QKeyEvent *event) {
    if (event->matches(QKeySequence::Copy))
        return copyAsHex();
    if (event->matches(QKeySequence::SelectAll))
        return setSelection(0, m_data.size());
    if (scrollToStartOrEnd(this, event))
        return;
    QAbstractScrollArea::keyPressEvent(event);
}

void HexView::contextMenuEvent(QContextMenuEvent *event) {
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    const bool any = !m_data.isEmpty();
    menu->addAction(tr("Copy as &hex"), this, &HexView::copyAsHex)->setEnabled(any);
    menu->addAction(tr("Copy as &text"), this, &HexView::copyAsText)->setEnabled(any);
    menu->addAction(tr("Copy as &C array"), this, &HexView::copyAsCArray)->setEnabled(any);
    menu->addSeparator();
    menu->addAction(tr("Select &all"), this, [this] { setSelection(0, m_data.size()); })->setEnabled(any);
    menu->popup(event->globalPos());
}

} // namespace sockbench
