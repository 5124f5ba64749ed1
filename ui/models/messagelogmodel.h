#pragma once

#include "models/messageindex.h"
#include "models/trafficmodel.h"

#include <QAbstractTableModel>
#include <QCache>

#include <functional>

namespace sockbench {

/// The log's Messages view: one row per message of the selected endpoints (MessageIndex), with
/// the columns of TrafficModel. A row holds nothing but its index entry; the Data column's preview
/// is read again from the journal when the row comes into sight, and only those rows are cached.
class MessageLogModel final : public QAbstractTableModel {
    Q_OBJECT

public:
    explicit MessageLogModel(const Journal *journal, QObject *parent = nullptr);
    ~MessageLogModel() override;
    Q_DISABLE_COPY_MOVE(MessageLogModel)

    MessageIndex *messages() const { return m_index; }
    void setHexPreview(bool hex);
    void setTimeDelta(bool delta);
    void setTimeOfDay(bool timeOfDay);
    void setEndpointLabeler(std::function<QString(EndpointId)> labeler);
    /// The journal record where the row's message starts.
    quint64 seqAt(int row) const;
    /// The row's message as a record: the header of its first record with the message's payload,
    /// its length and the time of the record that ended it (for copies and Send again).
    Record recordAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct CachedRow {
        qint64 timeNs = 0;
        QString preview;
        QString hex; ///< TrafficModel::HexColumn
    };
    const CachedRow *cachedRow(int row) const;
    qint64 timeOf(const MessageIndex::Message &message) const;
    QString toolTip(const MessageIndex::Message &message) const;
    void onIndexAboutToAppend(qsizetype first, qsizetype last);
    void onIndexAppended();
    void onIndexAboutToReset();
    void onIndexReset();

    const Journal *m_journal;
    MessageIndex *m_index;
    bool m_hexPreview = false;
    bool m_timeDelta = false;
    bool m_timeOfDay = false;
    std::function<QString(EndpointId)> m_labeler;
    mutable QCache<int, CachedRow> m_cache;
};

} // namespace sockbench
