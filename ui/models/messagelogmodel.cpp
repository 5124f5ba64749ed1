#include "models/messagelogmodel.h"
#include "language/payload.h"
#include "style/presentation.h"

namespace sockbench {

MessageLogModel::MessageLogModel(const Journal *journal, QObject *parent)
    : QAbstractTableModel(parent)
    , m_journal(journal)
    , m_index(new MessageIndex(journal, this))
    , m_labeler([](EndpointId id) { return QStringLiteral("#%1").arg(id); })
    , m_cache(2048) {
    connect(m_index, &MessageIndex::aboutToAppend, this, &MessageLogModel::onIndexAboutToAppend);
    connect(m_index, &MessageIndex::appended, this, &MessageLogModel::onIndexAppended);
    connect(m_index, &MessageIndex::aboutToReset, this, &MessageLogModel::onIndexAboutToReset);
    connect(m_index, &MessageIndex::reset, this, &MessageLogModel::onIndexReset);
    connect(m_index, &MessageIndex::aboutToDropFront, this,
            [this](qsizetype count) { beginRemoveRows({}, 0, int(count) - 1); });
    connect(m_index, &MessageIndex::droppedFront, this, [this] {
        m_cache.clear(); // by row, and every row moved
        endRemoveRows();
    });
}

MessageLogModel::~MessageLogModel() = default;

void MessageLogModel::onIndexAboutToAppend(qsizetype first, qsizetype last) {
    beginInsertRows({}, int(first), int(last));
}

void MessageLogModel::onIndexAppended() {
    endInsertRows();
}

void MessageLogModel::onIndexAboutToReset() {
    beginResetModel();
}

void MessageLogModel::onIndexReset() {
    m_cache.clear();
    endResetModel();
}

void MessageLogModel::setHexPreview(bool hex) {
    if (hex == m_hexPreview)
        return;
    m_hexPreview = hex;
    m_cache.clear();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, TrafficModel::DataColumn),
                           index(rowCount() - 1, TrafficModel::DataColumn));
    Q_EMIT headerDataChanged(Qt::Horizontal, TrafficModel::DataColumn, TrafficModel::DataColumn);
}

void MessageLogModel::setTimeOfDay(bool timeOfDay) {
    if (timeOfDay == m_timeOfDay)
        return;
    m_timeOfDay = timeOfDay;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, TrafficModel::TimeColumn),
                           index(rowCount() - 1, TrafficModel::TimeColumn));
}

void MessageLogModel::setTimeDelta(bool delta) {
    if (delta == m_timeDelta)
        return;
    m_timeDelta = delta;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, TrafficModel::TimeColumn),
                           index(rowCount() - 1, TrafficModel::TimeColumn));
    Q_EMIT headerDataChanged(Qt::Horizontal, TrafficModel::TimeColumn, TrafficModel::TimeColumn);
}

void MessageLogModel::setEndpointLabeler(std::function<QString(EndpointId)> labeler) {
    m_labeler = std::move(labeler);
}

quint64 MessageLogModel::seqAt(int row) const {
    return m_index->at(row).startSeq;
}

Record MessageLogModel::recordAt(int row) const {
    const MessageIndex::Message &m = m_index->at(row);
    Record record;
    m_journal->record(m.startSeq, &record, false);
    record.timeNs = timeOf(m);
    record.kind = m.kind;
    record.flags = m.flags;
    record.payload = m_index->payload(m);
    record.length = m.kind == RecordKind::Event || (m.flags & Evicted) ? record.length : m.length;
    record.originalLength = record.length;
    return record;
}

qint64 MessageLogModel::timeOf(const MessageIndex::Message &message) const {
    Record header;
    return m_journal->record(message.endSeq, &header, false) ? header.timeNs : 0;
}

const MessageLogModel::CachedRow *MessageLogModel::cachedRow(int row) const {
    if (const CachedRow *cached = m_cache.object(row))
        return cached;
    const MessageIndex::Message &m = m_index->at(row);
    auto cached = std::make_unique<CachedRow>();
    cached->timeNs = timeOf(m);
    if (m.flags & Evicted) {
        cached->preview = tr("(payload evicted: %1 no longer held)").arg(formatByteCount(m.length));
    } else {
        const QByteArray payload = m_index->payload(m);
        if (m.kind == RecordKind::Event) {
            cached->preview = QString::fromUtf8(payload);
        } else if (m_hexPreview) {
            cached->preview = cached->hex = bytesToHex(payload, 64);
        } else {
            cached->preview = payloadDisplayText(
                QByteArrayView(payload).first(std::min(payload.size(), LogRowPreviewBytes)), payload);
            if (payload.size() > LogRowPreviewBytes)
                cached->preview += QStringLiteral("…");
        }
        if (m.kind != RecordKind::Event && cached->hex.isEmpty())
            cached->hex = bytesToHex(payload, 64);
        if (m.cutBytes > 0)
            cached->preview = tr("(cut: %1 more) ").arg(formatByteCount(m.cutBytes)) + cached->preview;
    }
    const CachedRow *result = cached.get();
    m_cache.insert(row, cached.release());
    return result;
}

QString MessageLogModel::toolTip(const MessageIndex::Message &m) const {
    if (m.flags & Evicted)
        return tr("The journal's memory budget dropped these bytes; framing starts again after them.");
    const QByteArray payload = m_index->payload(m);
    if (m.kind == RecordKind::Event)
        return QString::fromUtf8(payload);
    const QByteArrayView head = QByteArrayView(payload).first(std::min(payload.size(), LogToolTipBytes));
    QString text = m_hexPreview ? bytesToHex(head) : payloadDisplayText(head, payload);
    if (payload.size() > LogToolTipBytes)
        text += tr("… (%1 in all)").arg(formatByteCount(quint64(payload.size())));
    if (m.cutBytes > 0)
        text = tr("Cut: this message was longer than the framing's maximum; %1 more were skipped.\n")
                   .arg(formatByteCount(m.cutBytes)) +
               text;
    return text;
}

int MessageLogModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_index->size());
}

int MessageLogModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : TrafficModel::ColumnCount;
}

QVariant MessageLogModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const MessageIndex::Message &m = m_index->at(index.row());
    const EndpointId endpoint = m_index->streamEndpoint(m.stream);
    if (role == TrafficModel::EndpointRole)
        return QVariant::fromValue(endpoint);
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TrafficModel::NumberColumn:
            return QVariant::fromValue(m.startSeq + 1);
        case TrafficModel::TimeColumn: {
            const qint64 time = cachedRow(index.row())->timeNs;
            if (!m_timeDelta)
                return m_timeOfDay ? formatTimeOfDay(time) : formatTimestamp(time);
            return formatDelta(index.row() == 0 ? 0 : time - cachedRow(index.row() - 1)->timeNs);
        }
        case TrafficModel::ConnectionColumn:
            return m_labeler(endpoint);
        case TrafficModel::DirectionColumn:
            return directionText(m.kind);
        case TrafficModel::LengthColumn:
            return m.kind == RecordKind::Event ? QVariant() : QVariant::fromValue(m.length);
        case TrafficModel::DataColumn:
            return cachedRow(index.row())->preview;
        case TrafficModel::HexColumn:
            return cachedRow(index.row())->hex;
        }
        break;
    case Qt::ForegroundRole:
    case Qt::FontRole:
    case Qt::TextAlignmentRole:
        return TrafficModel::cellStyle(role, column, m.kind,
                                       m.kind == RecordKind::Event || (m.flags & Evicted));
    case Qt::ToolTipRole:
        if (column == TrafficModel::DataColumn)
            return toolTip(m);
        if (column == TrafficModel::TimeColumn)
            return formatTimestamp(cachedRow(index.row())->timeNs);
        break;
    }
    return {};
}

QVariant MessageLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return TrafficModel::columnTitle(section, m_hexPreview, m_timeDelta);
}

} // namespace sockbench
