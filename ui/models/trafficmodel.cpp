#include "models/trafficmodel.h"
#include "language/payload.h"
#include "models/journalfeed.h"
#include "style/presentation.h"

#include <QFont>
#include <QStringDecoder>

#include <algorithm>

namespace sockbench {

namespace {

constexpr char foldAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

QByteArray foldedAscii(QByteArrayView bytes) {
    QByteArray out(bytes.size(), Qt::Uninitialized);
    std::transform(bytes.begin(), bytes.end(), out.begin(), foldAscii);
    return out;
}

bool hasAsciiLetter(QByteArrayView bytes) {
    return std::any_of(bytes.begin(), bytes.end(),
                       [](char c) { return foldAscii(c) != c || (c >= 'a' && c <= 'z'); });
}

/// Whether `haystack` contains `folded` (already lower case) with ASCII letters in either case.
/// memchr finds the candidates for the first byte in both cases, so a million short payloads scan
/// at about the speed of an exact search.
bool containsFolded(QByteArrayView haystack, QByteArrayView folded) {
    const qsizetype n = folded.size();
    if (n == 0)
        return true;
    if (haystack.size() < n)
        return false;
    const char lower = folded.front();
    const char upper = (lower >= 'a' && lower <= 'z') ? char(lower - 'a' + 'A') : lower;
    const char *data = haystack.data();
    const qsizetype last = haystack.size() - n;
    for (qsizetype i = 0; i <= last; ++i) {
        const char c = data[i];
        if (c != lower && c != upper)
            continue;
        qsizetype k = 1;
        while (k < n && foldAscii(data[i + k]) == folded[k])
            ++k;
        if (k == n)
            return true;
    }
    return false;
}

} // namespace

TrafficModel::TrafficModel(const Journal *journal, QObject *parent)
    : QAbstractTableModel(parent)
    , m_journal(journal)
    , m_follower(journal, this, JournalFollower::Pace::AtOnce)
    , m_labeler([](EndpointId id) { return QStringLiteral("#%1").arg(id); })
    , m_cache(2048) {}

TrafficModel::~TrafficModel() = default;

bool TrafficModel::isFiltered() const {
    return !m_endpoints.isEmpty() || m_direction != Direction::All || !m_search.isEmpty() || hasPattern();
}

bool TrafficModel::hasPattern() const {
    return m_pattern.isValid() && !m_pattern.pattern().isEmpty();
}

QString TrafficModel::payloadText(QByteArrayView payload) {
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = utf8(payload);
    if (utf8.hasError())
        text = QString::fromLatin1(payload);
    return text;
}

bool TrafficModel::matches(const Record &record) const {
    if (!m_endpoints.isEmpty() && !m_endpoints.contains(record.endpoint))
        return false;
    switch (m_direction) {
    case Direction::All:
        break;
    case Direction::In:
        if (record.kind != RecordKind::DataIn)
            return false;
        break;
    case Direction::Out:
        if (record.kind != RecordKind::DataOut)
            return false;
        break;
    case Direction::Events:
        if (record.kind != RecordKind::Event)
            return false;
        break;
    }
    // Events are matched by their text too: it is what the Data column shows for them.
    return payloadMatches(record.payload);
}

bool TrafficModel::payloadMatches(QByteArrayView payload) const {
    if (!m_search.isEmpty()) {
        const bool found = m_searchCase == Qt::CaseSensitive ? payload.contains(m_search)
                                                             : containsFolded(payload, m_search);
        if (!found)
            return false;
    }
    return !hasPattern() || m_pattern.match(payloadText(payload)).hasMatch();
}

void TrafficModel::follow(const JournalFeed *feed) {
    m_follower.follow(feed);
}

void TrafficModel::appendUpTo(quint64 count) {
    m_follower.appendUpTo(count);
}

void TrafficModel::clearBefore(quint64 origin) {
    m_follower.clearBefore(origin);
}

void TrafficModel::noteEviction() {
    const qint64 evicted = m_journal->evictedBytes();
    if (evicted == m_evictedSeen)
        return;
    // Payloads went away under rows we may be showing: drop stale previews and repaint.
    m_evictedSeen = evicted;
    m_cache.clear();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, LengthColumn), index(rowCount() - 1, DataColumn));
}

void TrafficModel::passedUnread(quint64 from, quint64 to) {
    // Without a filter a row is its sequence number: nothing to read.
    if (!m_rebuilding)
        beginInsertRows({}, rowCount(), rowCount() + int(to - from) - 1);
    m_end = to;
    if (!m_rebuilding)
        endInsertRows();
}

void TrafficModel::droppedBefore(quint64 seq) {
    // The rows of dropped records go from the top; the rows below keep their place on screen.
    if (!isFiltered()) {
        const quint64 last = std::min(seq, m_end);
        if (last > m_begin) {
            beginRemoveRows({}, 0, int(last - m_begin) - 1);
            m_begin = seq;
            m_end = std::max(m_end, seq);
            endRemoveRows();
        }
        m_begin = std::max(m_begin, seq);
        m_end = std::max(m_end, seq);
        return;
    }
    const auto kept = std::lower_bound(m_seqs.begin(), m_seqs.end(), seq);
    if (kept == m_seqs.begin())
        return;
    beginRemoveRows({}, 0, int(kept - m_seqs.begin()) - 1);
    m_seqs.erase(m_seqs.begin(), kept);
    endRemoveRows();
}

qint64 TrafficModel::readRecord(const Record &record) {
    if (matches(record))
        m_found.push_back(record.seq);
    return 0;
}

void TrafficModel::sliceEnded(bool) {
    if (m_found.empty())
        return;
    const int first = int(m_seqs.size());
    if (!m_rebuilding)
        beginInsertRows({}, first, first + int(m_found.size()) - 1);
    m_seqs.insert(m_seqs.end(), m_found.begin(), m_found.end());
    m_found.clear();
    if (!m_rebuilding)
        endInsertRows();
}

void TrafficModel::restarted() {
    if (!m_rebuilding)
        beginResetModel();
    m_begin = m_end = m_follower.first();
    m_seqs.clear();
    m_seqs.shrink_to_fit();
    m_cache.clear();
    if (!m_rebuilding)
        endResetModel();
}

void TrafficModel::rebuild() {
    beginResetModel();
    m_rebuilding = true;
    m_follower.rewind();
    m_rebuilding = false;
    endResetModel();
}

void TrafficModel::setEndpointFilter(const QSet<EndpointId> &endpoints) {
    if (endpoints == m_endpoints)
        return;
    m_endpoints = endpoints;
    rebuild();
}

void TrafficModel::setDirectionFilter(Direction direction) {
    if (direction == m_direction)
        return;
    m_direction = direction;
    rebuild();
}

void TrafficModel::setSearchBytes(const QByteArray &bytes, Qt::CaseSensitivity cs) {
    // Folding a needle without letters changes nothing: keep the exact (memmem) search for it.
    if (cs == Qt::CaseInsensitive && !hasAsciiLetter(bytes))
        cs = Qt::CaseSensitive;
    const QByteArray search = cs == Qt::CaseInsensitive ? foldedAscii(bytes) : bytes;
    if (search == m_search && cs == m_searchCase && !hasPattern())
        return;
    m_search = search;
    m_searchCase = cs;
    m_pattern = QRegularExpression();
    rebuild();
}

void TrafficModel::setSearchPattern(const QRegularExpression &pattern) {
    if (pattern == m_pattern && m_search.isEmpty())
        return;
    m_search.clear();
    m_searchCase = Qt::CaseSensitive;
    m_pattern = pattern;
    if (hasPattern())
        m_pattern.optimize();
    rebuild();
}

void TrafficModel::setHexPreview(bool hex) {
    if (hex == m_hexPreview)
        return;
    m_hexPreview = hex;
    m_cache.clear();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, DataColumn), index(rowCount() - 1, DataColumn));
}

void TrafficModel::setTimeOfDay(bool timeOfDay) {
    if (timeOfDay == m_timeOfDay)
        return;
    m_timeOfDay = timeOfDay;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, TimeColumn), index(rowCount() - 1, TimeColumn));
}

void TrafficModel::setTimeDelta(bool delta) {
    if (delta == m_timeDelta)
        return;
    m_timeDelta = delta;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, TimeColumn), index(rowCount() - 1, TimeColumn));
    Q_EMIT headerDataChanged(Qt::Horizontal, TimeColumn, TimeColumn);
}

void TrafficModel::setEndpointLabeler(std::function<QString(EndpointId)> labeler) {
    m_labeler = std::move(labeler);
}

quint64 TrafficModel::seqAt(int row) const {
    if (!isFiltered())
        return m_begin + quint64(row);
    return m_seqs[size_t(row)];
}

int TrafficModel::rowCount(const QModelIndex &parent) const {
    if (parent.isValid())
        return 0;
    return isFiltered() ? int(m_seqs.size()) : int(m_end - m_begin);
}

int TrafficModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

const TrafficModel::CachedRow *TrafficModel::cachedRow(quint64 seq) const {
    if (const CachedRow *row = m_cache.object(seq))
        return row;
    auto row = std::make_unique<CachedRow>();
    if (!m_journal->record(seq, &row->header, true))
        return nullptr;
    const Record &r = row->header;
    if (r.kind == RecordKind::Event) {
        row->preview = QString::fromUtf8(r.payload);
    } else if (r.isEvicted()) {
        row->preview = tr("(payload evicted: %1 no longer held)").arg(formatByteCount(r.length));
    } else {
        const QByteArrayView head =
            QByteArrayView(r.payload).first(std::min(r.payload.size(), LogRowPreviewBytes));
        row->hex = bytesToHex(r.payload, 64);
        if (m_hexPreview) {
            row->preview = row->hex;
        } else {
            row->preview = payloadDisplayText(head, r.payload);
            if (r.payload.size() > LogRowPreviewBytes)
                row->preview += QStringLiteral("…");
        }
        if (r.isTruncated())
            row->preview = tr("(truncated from %1 bytes) ").arg(r.originalLength) + row->preview;
    }
    row->header.payload.clear();
    const CachedRow *result = row.get();
    m_cache.insert(seq, row.release());
    return result;
}

QVariant TrafficModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const CachedRow *row = cachedRow(seqAt(index.row()));
    if (!row)
        return {};
    const Record &r = row->header;
    if (role == EndpointRole)
        return QVariant::fromValue(r.endpoint);
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case NumberColumn:
            return QVariant::fromValue(r.seq + 1);
        case TimeColumn:
            if (m_timeDelta) {
                if (index.row() == 0)
                    return formatDelta(0);
                const CachedRow *previous = cachedRow(seqAt(index.row() - 1));
                return formatDelta(previous ? r.timeNs - previous->header.timeNs : 0);
            }
            return m_timeOfDay ? formatTimeOfDay(r.timeNs) : formatTimestamp(r.timeNs);
        case ConnectionColumn: {
            QString label = m_labeler(r.endpoint);
            if (r.peer.isValid())
                label += (r.kind == RecordKind::DataIn ? tr(" ← %1") : tr(" → %1")).arg(r.peer.toString());
            return label;
        }
        case DirectionColumn:
            return directionText(r.kind);
        case LengthColumn:
            return r.kind == RecordKind::Event ? QVariant() : QVariant::fromValue(r.length);
        case DataColumn:
            return row->preview;
        case HexColumn:
            return row->hex;
        }
        break;
    case Qt::ForegroundRole:
    case Qt::FontRole:
    case Qt::TextAlignmentRole:
        return cellStyle(role, column, r.kind, r.kind == RecordKind::Event || r.isEvicted());
    case Qt::ToolTipRole:
        if (column == DataColumn || (column == HexColumn && !row->hex.isEmpty()))
            return dataToolTip(r, column == HexColumn);
        if (column == TimeColumn)
            return formatTimestamp(r.timeNs);
        break;
    }
    return {};
}

QString TrafficModel::dataToolTip(const Record &header, bool hex) const {
    if (header.isEvicted())
        return tr("The journal's memory budget dropped this payload; its length and time are kept.");
    // The whole text the column cuts, read again from the journal: the cache keeps only a preview.
    Record full;
    if (!m_journal->record(header.seq, &full, true))
        return {};
    if (full.kind == RecordKind::Event)
        return QString::fromUtf8(full.payload);
    const QByteArrayView head =
        QByteArrayView(full.payload).first(std::min(full.payload.size(), LogToolTipBytes));
    QString text = hex || m_hexPreview ? bytesToHex(head) : payloadDisplayText(head, full.payload);
    if (full.payload.size() > LogToolTipBytes)
        text += tr("… (%1 in all)").arg(formatByteCount(quint64(full.payload.size())));
    return text;
}

QVariant TrafficModel::cellStyle(int role, int column, RecordKind kind, bool italic) {
    switch (role) {
    case Qt::ForegroundRole:
        if (column == DirectionColumn || column == DataColumn || column == HexColumn) {
            if (kind == RecordKind::DataIn)
                return inboundColor();
            if (kind == RecordKind::DataOut)
                return outboundColor();
            return eventColor();
        }
        break;
    case Qt::FontRole:
        if (column == DataColumn && italic) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        break;
    case Qt::TextAlignmentRole:
        if (column == NumberColumn || column == LengthColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant TrafficModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return columnTitle(section, m_hexPreview, m_timeDelta);
}

QVariant TrafficModel::columnTitle(int section, bool hexPreview, bool timeDelta) {
    switch (section) {
    case NumberColumn:
        return tr("No.");
    case TimeColumn:
        return timeDelta ? tr("Δ time") : tr("Time");
    case ConnectionColumn:
        return tr("Connection");
    case DirectionColumn:
        return tr("Direction");
    case LengthColumn:
        return tr("Length");
    case DataColumn:
        return hexPreview ? tr("Data (hex)") : tr("Data");
    case HexColumn:
        return tr("Hex");
    }
    return {};
}

} // namespace sockbench
