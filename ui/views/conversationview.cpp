#include "views/conversationview.h"
#include "language/payload.h"
#include "models/journalfeed.h"
#include "models/messageindex.h"
#include "style/presentation.h"
#include "views/scrollkeys.h"

#include <QEvent>
#include <QFontDatabase>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>
#include <climits>
#include <cstring>

namespace sockbench {

namespace {

constexpr quint32 MaxLineBytes = 96;
constexpr int Margin = 4;
// A block closes at whichever comes first; each bounds the work of splitting it again on sight.
constexpr quint32 BlockPayloadBytes = 64 * 1024;
constexpr quint64 BlockRecords = 4096;
constexpr quint32 BlockLines = 65536;
constexpr size_t ExpandedBlocks = 4;

} // namespace

ConversationView::ConversationView(const Journal *journal, QWidget *parent)
    : QAbstractScrollArea(parent)
    , m_journal(journal)
    , m_payloads(8 * 1024 * 1024)
    , m_messages(new MessageIndex(journal, this))
    , m_messageTexts(512)
    , m_follower(journal, this, JournalFollower::Pace::Sliced) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_lineHeight = QFontMetrics(font()).height();
    connect(m_messages, &MessageIndex::appended, this, &ConversationView::onMessagesGrew);
    connect(m_messages, &MessageIndex::reset, this, &ConversationView::onMessagesGrew);
    connect(m_messages, &MessageIndex::droppedFront, this, [this](qsizetype count) {
        if (!m_messageMode)
            return;
        QScrollBar *bar = verticalScrollBar();
        const int value = bar->value();
        m_messageTexts.clear();
        updateScrollBars();
        bar->setValue(int(std::max<qint64>(0, qint64(value) - count)));
        viewport()->update();
    });
    setToolTip(tr("Conversation of the selected connection: received bytes in blue, sent bytes in red; "
                  "a relayed connection shows both legs, client → relay → target, with its events"));
}

ConversationView::~ConversationView() = default;

void ConversationView::setEndpoints(const QSet<EndpointId> &endpoints, const QHash<EndpointId, Leg> &legs,
                                    const QHash<EndpointId, NetAddress> &peers) {
    if (endpoints == m_endpoints && legs == m_legs && peers == m_peers)
        return;
    m_endpoints = endpoints;
    m_legs = legs;
    m_peers = peers;
    updateMode();
}

bool ConversationView::shows(const Record &header) const {
    if (!m_endpoints.contains(header.endpoint))
        return false;
    // A UDP relay's own socket speaks of every client; what concerns one client (its faults) is
    // on that client's socket to the target.
    if (header.kind == RecordKind::Event)
        return m_legs.contains(header.endpoint) && !m_peers.contains(header.endpoint);
    const auto peer = m_peers.constFind(header.endpoint);
    return peer == m_peers.constEnd() || header.peer == *peer;
}

QString ConversationView::sideText(EndpointId endpoint, RecordKind kind) const {
    const auto leg = m_legs.constFind(endpoint);
    if (leg == m_legs.constEnd())
        return {};
    const bool client = *leg == Leg::Client;
    switch (kind) {
    case RecordKind::DataIn:
        return client ? tr("client → relay") : tr("relay ← target");
    case RecordKind::DataOut:
        return client ? tr("client ← relay") : tr("relay → target");
    case RecordKind::Event:
        break;
    }
    return client ? tr("client leg") : tr("target leg");
}

void ConversationView::setFrameLookup(std::function<FrameSpec(EndpointId)> lookup) {
    m_frameLookup = std::move(lookup);
    m_messages->setFrameLookup(m_frameLookup);
    updateMode();
}

void ConversationView::onFramingChanged(EndpointId id) {
    if (!m_endpoints.contains(id))
        return;
    m_messages->restart();
    updateMode();
}

void ConversationView::updateMode() {
    const bool framed =
        m_frameLookup && std::any_of(m_endpoints.begin(), m_endpoints.end(),
                                     [this](EndpointId id) { return !m_frameLookup(id).isRaw(); });
    m_messageMode = framed;
    m_messageTexts.clear();
    // The unused index follows nothing and costs nothing.
    m_messages->setEndpoints(framed ? m_endpoints : QSet<EndpointId>{});
    m_follower.rewind();
}

qsizetype ConversationView::lineCount() const {
    return m_messageMode ? m_messages->size() : qsizetype(m_lineCount);
}

bool ConversationView::isIndexing() const {
    if (m_messageMode)
        return m_messages->isIndexing();
    return m_follower.isReading();
}

void ConversationView::onMessagesGrew() {
    if (!m_messageMode)
        return;
    QScrollBar *bar = verticalScrollBar();
    const bool atBottom = followsEnd();
    m_messageTexts.clear();
    updateScrollBars();
    if (atBottom)
        bar->setValue(bar->maximum());
    viewport()->update();
}

bool ConversationView::followsEnd() const {
    const QScrollBar *bar = verticalScrollBar();
    return bar->value() >= bar->maximum() && (bar->maximum() > 0 || m_opensAtEnd);
}

bool ConversationView::event(QEvent *event) {
    if (claimStartOrEndKey(event))
        return true;
    return QAbstractScrollArea::event(event);
}

void ConversationView::keyPressEvent(QKeyEvent *event) {
    if (!scrollToStartOrEnd(this, event))
        QAbstractScrollArea::keyPressEvent(event);
}

void ConversationView::clearBefore(quint64 origin) {
    m_follower.clearBefore(origin);
}

void ConversationView::restarted() {
    m_blocks.clear();
    m_blocks.shrink_to_fit();
    m_lineCount = 0;
    m_linesShown = 0;
    m_expanded.clear();
    m_payloads.clear();
    verticalScrollBar()->setValue(0);
    updateScrollBars();
    viewport()->update();
}

void ConversationView::droppedBefore(quint64 seq) {
    // Blocks that begin before seq go whole (a block is a few hundred lines at most); the lines
    // after them move up, and so does the scroll bar, so that the same lines stay in sight.
    const auto kept =
        std::find_if(m_blocks.begin(), m_blocks.end(), [seq](const Block &b) { return b.firstSeq >= seq; });
    const auto erased = size_t(kept - m_blocks.begin());
    if (erased == 0)
        return;
    const quint64 lines = kept == m_blocks.end() ? m_lineCount : kept->firstLine;
    m_blocks.erase(m_blocks.begin(), kept);
    for (Block &b : m_blocks)
        b.firstLine -= lines;
    m_lineCount -= lines;
    m_linesShown -= std::min(m_linesShown, lines);
    std::erase_if(m_expanded, [erased](const auto &e) { return e.first < erased; });
    for (auto &e : m_expanded)
        e.first -= erased;
    QScrollBar *bar = verticalScrollBar();
    const int value = bar->value();
    updateScrollBars();
    bar->setValue(int(std::max<qint64>(0, qint64(value) - qint64(lines))));
    viewport()->update();
}

void ConversationView::follow(const JournalFeed *feed) {
    m_follower.follow(feed);
    m_messages->follow(feed);
}

void ConversationView::appendUpTo(quint64 count) {
    // In message mode the MessageIndex follows the feed itself.
    m_follower.appendUpTo(count);
}

template <typename Sink> void ConversationView::splitLines(QByteArrayView bytes, Sink &&sink) {
    // Break at each newline and at MaxLineBytes so a line never grows past the view.
    quint32 start = 0;
    const auto size = quint32(bytes.size());
    while (start < size) {
        const quint32 limit = std::min(size - start, MaxLineBytes);
        const void *nl = std::memchr(bytes.data() + start, '\n', limit);
        const quint32 len = nl ? quint32(static_cast<const char *>(nl) - bytes.data() - start) + 1 : limit;
        sink(start, len);
        start += len;
    }
}

qint64 ConversationView::readRecord(const Record &header) {
    Block *open = m_blocks.empty() ? nullptr : &m_blocks.back();
    const bool full = !open || open->endSeq != header.seq || open->payloadBytes >= BlockPayloadBytes ||
                      open->endSeq - open->firstSeq >= BlockRecords || open->lines >= BlockLines;
    if (!shows(header)) {
        if (!full)
            open->endSeq = header.seq + 1;
        return 0;
    }
    quint32 lines = 1;
    quint32 bytes = 0;
    // An event is one line, whatever its length.
    if (header.kind != RecordKind::Event && !header.isEvicted()) {
        // Read directly: the paint cache is for what is on screen, not for the whole history.
        Record record;
        if (!m_journal->record(header.seq, &record, true))
            return 0;
        bytes = quint32(record.payload.size());
        lines = 0;
        splitLines(record.payload, [&lines](quint32, quint32) { ++lines; });
        if (lines == 0)
            return 0;
    }
    if (full) {
        m_blocks.push_back({header.seq, header.seq, m_lineCount, 0, 0});
        open = &m_blocks.back();
    } else {
        // The open block grew: its lines are split again when next in sight.
        const size_t index = m_blocks.size() - 1;
        std::erase_if(m_expanded, [index](const auto &e) { return e.first == index; });
    }
    open->endSeq = header.seq + 1;
    open->lines += lines;
    open->payloadBytes += bytes;
    m_lineCount += lines;
    return bytes;
}

void ConversationView::sliceEnded(bool caughtUp) {
    if (m_lineCount != m_linesShown) {
        m_linesShown = m_lineCount;
        QScrollBar *bar = verticalScrollBar();
        const bool atBottom = followsEnd();
        updateScrollBars();
        if (atBottom)
            bar->setValue(bar->maximum());
        viewport()->update();
    } else if (caughtUp) {
        // Nothing found: "Reading the journal…" must give way to "No traffic".
        viewport()->update();
    }
}

const ConversationView::Lines &ConversationView::linesOf(size_t block) const {
    for (auto it = m_expanded.begin(); it != m_expanded.end(); ++it) {
        if (it->first == block) {
            std::rotate(it, it + 1, m_expanded.end());
            return m_expanded.back().second;
        }
    }
    if (m_expanded.size() >= ExpandedBlocks)
        m_expanded.erase(m_expanded.begin());
    const Block &b = m_blocks[block];
    Lines lines;
    lines.reserve(b.lines);
    for (const Record &header : m_journal->records(b.firstSeq, b.endSeq - b.firstSeq, false)) {
        if (!shows(header))
            continue;
        const bool inbound = header.kind == RecordKind::DataIn;
        if (header.kind == RecordKind::Event) {
            lines.push_back({header.seq, 0, 0, false, false, header.kind, header.endpoint});
            continue;
        }
        Record record;
        if (header.isEvicted() || !m_journal->record(header.seq, &record, true) || record.isEvicted()) {
            lines.push_back({header.seq, header.length, 0, inbound, true, header.kind, header.endpoint});
            continue;
        }
        splitLines(record.payload, [&](quint32 offset, quint32 length) {
            lines.push_back(
                {header.seq, offset, quint16(length), inbound, false, header.kind, header.endpoint});
        });
    }
    // A record evicted since it was counted has one line now instead of several; the count the
    // scroll bar knows stays true, the missing lines show blank.
    while (lines.size() < b.lines) {
        const Line &last =
            lines.empty() ? Line{b.firstSeq, 0, 0, false, true, RecordKind::DataOut, 0} : lines.back();
        lines.push_back({last.seq, 0, 1, last.inbound, true, last.kind, last.endpoint});
    }
    lines.resize(b.lines);
    m_expanded.emplace_back(block, std::move(lines));
    return m_expanded.back().second;
}

const ConversationView::Line *ConversationView::lineAt(qsizetype line) const {
    if (line < 0 || quint64(line) >= m_lineCount)
        return nullptr;
    const auto after = std::upper_bound(m_blocks.begin(), m_blocks.end(), quint64(line),
                                        [](quint64 l, const Block &b) { return l < b.firstLine; });
    const auto block = size_t(std::distance(m_blocks.begin(), after) - 1);
    const Lines &lines = linesOf(block);
    const quint64 inside = quint64(line) - m_blocks[block].firstLine;
    return inside < lines.size() ? &lines[size_t(inside)] : nullptr;
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
    if (m_messageMode) {
        if (line < 0 || line >= m_messages->size())
            return {};
        if (const QString *cached = m_messageTexts.object(line))
            return *cached;
        const MessageIndex::Message &m = m_messages->at(line);
        QString text;
        if (m.flags & Evicted) {
            text = tr("(%1 evicted by the journal budget)").arg(formatByteCount(m.length));
        } else {
            const QByteArray payload = m_messages->payload(m);
            text = payloadDisplayText(
                QByteArrayView(payload).first(std::min<qsizetype>(payload.size(), MaxLineBytes)), payload);
            if (payload.size() > qsizetype(MaxLineBytes) || m.cutBytes > 0)
                text += QStringLiteral("…");
        }
        m_messageTexts.insert(line, new QString(text));
        return text;
    }
    const Line *found = lineAt(line);
    if (!found)
        return {};
    const Line l = *found;
    if (l.kind == RecordKind::Event) {
        const QByteArray text = payloadOf(l.seq);
        return text.isEmpty() ? tr("(event text evicted by the journal budget)") : QString::fromUtf8(text);
    }
    if (l.evicted)
        return l.length != 0 ? QString()
                             : tr("(%1 evicted by the journal budget)").arg(formatByteCount(l.offset));
    const QByteArray bytes = payloadOf(l.seq);
    if (qsizetype(l.offset) >= bytes.size())
        return {};
    return payloadDisplayText(
        QByteArrayView(bytes).sliced(l.offset, std::min<qsizetype>(l.length, bytes.size() - l.offset)));
}

bool ConversationView::lineIsInbound(qsizetype line) const {
    if (m_messageMode)
        return line >= 0 && line < m_messages->size() && m_messages->at(line).kind == RecordKind::DataIn;
    const Line *found = lineAt(line);
    return found && found->inbound;
}

bool ConversationView::lineIsEvent(qsizetype line) const {
    if (m_messageMode)
        return false;
    const Line *found = lineAt(line);
    return found && found->kind == RecordKind::Event;
}

QString ConversationView::lineSide(qsizetype line) const {
    if (m_legs.isEmpty())
        return {};
    if (m_messageMode) {
        if (line < 0 || line >= m_messages->size())
            return {};
        const MessageIndex::Message &m = m_messages->at(line);
        return sideText(m_messages->streamEndpoint(m.stream), m.kind);
    }
    const Line *found = lineAt(line);
    return found ? sideText(found->endpoint, found->kind) : QString();
}

void ConversationView::updateScrollBars() {
    const int visible = std::max(1, viewport()->height() / m_lineHeight);
    verticalScrollBar()->setRange(
        0, int(std::min<quint64>(INT_MAX, std::max<quint64>(quint64(lineCount()), visible) - visible)));
    verticalScrollBar()->setPageStep(visible);
    const QFontMetrics metrics(font());
    const int labels = m_legs.isEmpty()
                           ? 0
                           : metrics.horizontalAdvance(tr("client ← relay ← target") + QStringLiteral("  "));
    const int width =
        metrics.horizontalAdvance(QLatin1Char('0')) * int(MaxLineBytes * 2) + 4 * Margin + labels;
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
    if (lineCount() == 0) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        m_placeholderShown = m_endpoints.isEmpty() ? tr("Select a connection to see its conversation")
                             : isIndexing()        ? tr("Reading the journal…")
                                                   : tr("No traffic on this connection yet");
        painter.drawText(QPoint(Margin, metrics.ascent() + Margin), m_placeholderShown);
        return;
    }
    m_placeholderShown.clear();
    painter.translate(-horizontalScrollBar()->value(), 0);
    const qsizetype first = verticalScrollBar()->value();
    const qsizetype last = std::min(lineCount(), first + viewport()->height() / m_lineHeight + 2);
    const QColor inTint = inboundColor().lighter(190);
    const QColor outTint = outboundColor().lighter(190);
    // A relay's lines name their way in a column of their own, the client's side on the left and
    // the target's indented under "relay", so the eye follows the bytes through the relay.
    const bool relay = !m_legs.isEmpty();
    const int targetX = Margin + metrics.horizontalAdvance(tr("client ← "));
    const int textX =
        relay ? Margin + metrics.horizontalAdvance(tr("client ← relay ← target") + QStringLiteral("  "))
              : Margin + metrics.horizontalAdvance(QStringLiteral("→ "));
    const int rowWidth = viewport()->width() + horizontalScrollBar()->value();
    auto drawLine = [&](qsizetype i, bool inbound, bool event, bool start, EndpointId endpoint,
                        RecordKind kind) {
        const int y = int(i - first) * m_lineHeight;
        if (event) {
            painter.setPen(palette().color(QPalette::PlaceholderText));
        } else {
            QColor tint = inbound ? inTint : outTint;
            tint.setAlpha(70);
            painter.fillRect(QRect(0, y, rowWidth, m_lineHeight), tint);
            painter.setPen(inbound ? inboundColor() : outboundColor());
        }
        if (start && relay) {
            const bool client = m_legs.value(endpoint) == Leg::Client;
            painter.drawText(client ? Margin : targetX, y + metrics.ascent(), sideText(endpoint, kind));
        } else if (start) {
            painter.drawText(Margin, y + metrics.ascent(),
                             inbound ? QStringLiteral("←") : QStringLiteral("→"));
        }
        painter.drawText(textX, y + metrics.ascent(), lineText(i));
    };
    for (qsizetype i = first; i < last && m_messageMode; ++i) {
        // A message per line: each starts with its arrow.
        const MessageIndex::Message &m = m_messages->at(i);
        drawLine(i, m.kind == RecordKind::DataIn, false, true, m_messages->streamEndpoint(m.stream), m.kind);
    }
    for (qsizetype i = first; i < last && !m_messageMode; ++i) {
        const Line *found = lineAt(i);
        if (!found)
            break;
        const Line l = *found;
        const bool recordStart = l.evicted ? l.length == 0 : l.offset == 0;
        drawLine(i, l.inbound, l.kind == RecordKind::Event, recordStart, l.endpoint, l.kind);
    }
}

} // namespace sockbench
