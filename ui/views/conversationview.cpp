#include "views/conversationview.h"
#include "language/payload.h"
#include "models/journalfeed.h"
#include "style/presentation.h"

#include <QEvent>
#include <QFontDatabase>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>
#include <cstring>

namespace sockbench {

namespace {

constexpr quint32 MaxLineBytes = 96;
constexpr quint64 HeadersPerSlice = 32768;
constexpr qint64 PayloadBytesPerSlice = 4 * 1024 * 1024;
constexpr int Margin = 4;

} // namespace

ConversationView::ConversationView(const Journal *journal, QWidget *parent)
    : QAbstractScrollArea(parent)
    , m_journal(journal)
    , m_payloads(8 * 1024 * 1024) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_lineHeight = QFontMetrics(font()).height();
    m_scanTimer.setSingleShot(true);
    m_scanTimer.setInterval(0);
    connect(&m_scanTimer, &QTimer::timeout, this, &ConversationView::scanSlice);
    setToolTip(tr("Conversation of the selected connection: received bytes in blue, sent bytes in red"));
}

ConversationView::~ConversationView() = default;

void ConversationView::setEndpoints(const QSet<EndpointId> &endpoints) {
    if (endpoints == m_endpoints)
        return;
    m_endpoints = endpoints;
    m_lines.clear();
    m_lines.shrink_to_fit();
    m_payloads.clear();
    m_target = std::max(m_target, m_scanned);
    m_scanned = 0;
    verticalScrollBar()->setValue(0);
    updateScrollBars();
    viewport()->update();
    if (!m_endpoints.isEmpty() && m_target > 0)
        m_scanTimer.start();
}

void ConversationView::follow(const JournalFeed *feed) {
    connect(feed, &JournalFeed::recordsAppended, this, &ConversationView::appendUpTo);
    appendUpTo(feed->count());
}

void ConversationView::appendUpTo(quint64 count) {
    m_target = std::max(m_target, count);
    if (m_endpoints.isEmpty()) {
        m_scanned = m_target;
        return;
    }
    if (!m_scanTimer.isActive())
        scanSlice();
}

void ConversationView::scanSlice() {
    QScrollBar *bar = verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum();
    const size_t before = m_lines.size();
    qint64 payloadBudget = PayloadBytesPerSlice;
    quint64 headers = 0;
    while (m_scanned < m_target && headers < HeadersPerSlice && payloadBudget > 0) {
        const quint64 n = std::min<quint64>(4096, m_target - m_scanned);
        const std::vector<Record> batch = m_journal->records(m_scanned, n, false);
        if (batch.empty()) {
            m_scanned = m_target;
            break;
        }
        for (const Record &header : batch) {
            m_scanned = header.seq + 1;
            ++headers;
            if (header.kind == RecordKind::Event || !m_endpoints.contains(header.endpoint))
                continue;
            const bool inbound = header.kind == RecordKind::DataIn;
            if (header.isEvicted()) {
                m_lines.push_back({header.seq, header.length, 0, inbound, true});
                continue;
            }
            // Read directly: the paint cache is for what is on screen, not for the whole history.
            Record full;
            if (!m_journal->record(header.seq, &full, true))
                continue;
            const QByteArray &bytes = full.payload;
            payloadBudget -= bytes.size();
            // Break at each newline and at MaxLineBytes so a line never grows past the view.
            quint32 start = 0;
            const auto size = quint32(bytes.size());
            while (start < size) {
                const quint32 limit = std::min(size - start, MaxLineBytes);
                const void *nl = std::memchr(bytes.constData() + start, '\n', limit);
                const quint32 len =
                    nl ? quint32(static_cast<const char *>(nl) - bytes.constData() - start) + 1 : limit;
                m_lines.push_back({header.seq, start, quint16(len), inbound, false});
                start += len;
            }
            if (payloadBudget <= 0)
                break;
        }
    }
    if (m_lines.size() != before) {
        updateScrollBars();
        if (atBottom)
            bar->setValue(bar->maximum());
        viewport()->update();
    }
    if (m_scanned < m_target)
        m_scanTimer.start();
}

QByteArray ConversationView::payloadOf(quint64 seq) const {
    if (const QByteArray *cached = m_payloads.object(seq))
        return *cached;
    Record record;
    if (!m_journal->record(seq, &record, true))
        return {};
    m_payloads.insert(seq, new QByteArray(record.payload), std::max<qsizetype>(1, record.payload.size()));
    return record.payload;
}

QString ConversationView::lineText(qsizetype line) const {
    if (line < 0 || line >= lineCount())
        return {};
    const Line &l = m_lines[size_t(line)];
    if (l.evicted)
        return tr("(%1 evicted by the journal budget)").arg(formatByteCount(l.offset));
    const QByteArray bytes = payloadOf(l.seq);
    return bytesToEscapedText(
        QByteArrayView(bytes).sliced(l.offset, std::min<qsizetype>(l.length, bytes.size() - l.offset)));
}

bool ConversationView::lineIsInbound(qsizetype line) const {
    return line >= 0 && line < lineCount() && m_lines[size_t(line)].inbound;
}

void ConversationView::updateScrollBars() {
    const int visible = std::max(1, viewport()->height() / m_lineHeight);
    verticalScrollBar()->setRange(0, std::max(0, int(m_lines.size()) - visible));
    verticalScrollBar()->setPageStep(visible);
    const int width =
        QFontMetrics(font()).horizontalAdvance(QLatin1Char('0')) * int(MaxLineBytes * 2) + 4 * Margin;
    horizontalScrollBar()->setRange(0, std::max(0, width - viewport()->width()));
    horizontalScrollBar()->setPageStep(viewport()->width());
}

void ConversationView::resizeEvent(QResizeEvent *event) {
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
}

void ConversationView::changeEvent(QEvent *event) {
    if (event->type() == QEvent::FontChange) {
        m_lineHeight = QFontMetrics(font()).height();
        updateScrollBars();
    }
    QAbstractScrollArea::changeEvent(event);
}

void ConversationView::paintEvent(QPaintEvent *) {
    QPainter painter(viewport());
    painter.setFont(font());
    painter.fillRect(viewport()->rect(), palette().base());
    const QFontMetrics metrics(font());
    if (m_lines.empty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(QPoint(Margin, metrics.ascent() + Margin),
                         m_endpoints.isEmpty() ? tr("Select a connection to see its conversation")
                         : isIndexing()        ? tr("Reading the journal…")
                                               : tr("No data on this connection yet"));
        return;
    }
    painter.translate(-horizontalScrollBar()->value(), 0);
    const qsizetype first = verticalScrollBar()->value();
    const qsizetype last = std::min(lineCount(), first + viewport()->height() / m_lineHeight + 2);
    const QColor inTint = inboundColor().lighter(190);
    const QColor outTint = outboundColor().lighter(190);
    const int arrowWidth = metrics.horizontalAdvance(QStringLiteral("→ "));
    for (qsizetype i = first; i < last; ++i) {
        const Line &l = m_lines[size_t(i)];
        const int y = int(i - first) * m_lineHeight;
        QColor tint = l.inbound ? inTint : outTint;
        tint.setAlpha(70);
        painter.fillRect(QRect(0, y, viewport()->width() + horizontalScrollBar()->value(), m_lineHeight),
                         tint);
        painter.setPen(l.inbound ? inboundColor() : outboundColor());
        const bool recordStart = l.offset == 0;
        if (recordStart)
            painter.drawText(Margin, y + metrics.ascent(),
                             l.inbound ? QStringLiteral("←") : QStringLiteral("→"));
        painter.drawText(Margin + arrowWidth, y + metrics.ascent(), lineText(i));
    }
}

} // namespace sockbench
