#pragma once

#include "journal/journal.h"
#include "models/journalfollower.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QRegularExpression>
#include <QSet>

#include <functional>
#include <vector>

namespace sockbench {

class JournalFeed;

/// The traffic log as a table over the Journal.
///
/// Holds no copy of the records: with no filter a row is its sequence number; with a filter the
/// model keeps one sorted vector of matching sequence numbers (8 bytes a row). data() reads the
/// record header and a payload preview from the journal and caches only the rows being looked at.
/// New records arrive in batches through appendUpTo(), one beginInsertRows() per batch; follow()
/// has the feed call it. A JournalFollower reads them, at once: with no filter it reads nothing.
class TrafficModel final : public QAbstractTableModel, private JournalReader {
    Q_OBJECT

public:
    enum Column {
        NumberColumn,
        TimeColumn,
        ConnectionColumn,
        DirectionColumn,
        LengthColumn,
        DataColumn,
        /// The payload in hex beside its text; hidden unless the user shows it (LogPanel).
        HexColumn,
        ColumnCount
    };
    enum class Direction { All, In, Out, Events };
    static constexpr int EndpointRole = Qt::UserRole + 2;

    explicit TrafficModel(const Journal *journal, QObject *parent = nullptr);
    ~TrafficModel() override;
    Q_DISABLE_COPY_MOVE(TrafficModel)

    /// Takes in what the feed announces from now on, and catches up with what it announced before.
    void follow(const JournalFeed *feed);
    /// Makes records [origin, count) visible (those that pass the filters).
    void appendUpTo(quint64 count);
    /// Clear log: records before origin are left out from now on (the feed's cleared()).
    void clearBefore(quint64 origin);

    /// Only records of these endpoints; empty shows every endpoint.
    void setEndpointFilter(const QSet<EndpointId> &endpoints);
    void setDirectionFilter(Direction direction);
    /// Only records whose payload contains these bytes; empty shows all. Without case, ASCII
    /// letters match either case; other bytes (UTF-8 letters beyond ASCII included) match exactly.
    void setSearchBytes(const QByteArray &bytes, Qt::CaseSensitivity cs = Qt::CaseSensitive);
    /// Only records whose payload, as payloadText() reads it, has a match of the pattern. Replaces a
    /// byte search; an empty or invalid pattern shows all.
    void setSearchPattern(const QRegularExpression &pattern);
    /// The text a pattern is matched against: the payload as UTF-8 when it is valid UTF-8, else as
    /// Latin-1, one character per byte, so that a pattern's \xHH reaches any byte of a binary payload.
    static QString payloadText(QByteArrayView payload);
    void setHexPreview(bool hex);
    /// Time column shows the time since the previous row instead of the wall clock.
    void setTimeDelta(bool delta);
    /// Time column shows the time of day alone (the date and full stamp are in its tooltip);
    /// the time since the previous row wins while that is on.
    void setTimeOfDay(bool timeOfDay);
    /// How the connection column names an endpoint; default "#id".
    void setEndpointLabeler(std::function<QString(EndpointId)> labeler);

    /// The look of a cell that does not depend on its text (colour by direction, italics for
    /// events and evicted payloads, numbers to the right), for this model and the Messages view.
    static QVariant cellStyle(int role, int column, RecordKind kind, bool italic);
    /// The column titles, for this model and the Messages view.
    static QVariant columnTitle(int section, bool hexPreview, bool timeDelta);

    bool isFiltered() const;
    /// True when a byte search or a pattern is set.
    bool hasSearch() const { return !m_search.isEmpty() || hasPattern(); }
    /// Whether a payload passes the byte search or pattern set (true when none is): the same test
    /// the log applies to records, for views that show other units (the Messages view).
    bool payloadMatches(QByteArrayView payload) const;
    quint64 seqAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct CachedRow {
        Record header; ///< without payload
        QString preview;
        QString hex; ///< the Hex column: the payload's first bytes in hex
    };
    const CachedRow *cachedRow(quint64 seq) const;
    /// The Data column's whole text for a tooltip, up to a few thousand bytes (in hex for the Hex
    /// column and with Hex preview on).
    QString dataToolTip(const Record &header, bool hex) const;
    bool matches(const Record &record) const;
    bool hasPattern() const;
    /// Reads again from the origin under one model reset (a filter changed).
    void rebuild();
    /// Drops cached previews and repaints when the journal evicted payloads since last asked.
    void noteEviction();

    // JournalReader: a row is a record that passes the filters.
    bool readsRecords() const override { return isFiltered(); }
    bool readsPayloads() const override { return hasSearch(); }
    void feedAdvanced() override { noteEviction(); }
    void passedUnread(quint64 from, quint64 to) override;
    void droppedBefore(quint64 seq) override;
    qint64 readRecord(const Record &record) override;
    void sliceEnded(bool caughtUp) override;
    void restarted() override;

    const Journal *m_journal;
    JournalFollower m_follower;
    quint64 m_begin = 0; ///< without a filter: the rows are records [m_begin, m_end)
    quint64 m_end = 0;
    std::vector<quint64> m_seqs;  ///< matching seqs, used only when isFiltered()
    std::vector<quint64> m_found; ///< matching seqs of the slice being read
    bool m_rebuilding = false;    ///< inside rebuild()'s model reset: rows come without signals
    QSet<EndpointId> m_endpoints;
    Direction m_direction = Direction::All;
    QByteArray m_search; ///< folded to lower case when m_searchCase is Qt::CaseInsensitive
    Qt::CaseSensitivity m_searchCase = Qt::CaseSensitive;
    QRegularExpression m_pattern; ///< in use when valid and not empty
    bool m_hexPreview = false;
    bool m_timeDelta = false;
    bool m_timeOfDay = false;
    qint64 m_evictedSeen = 0;
    std::function<QString(EndpointId)> m_labeler;
    mutable QCache<quint64, CachedRow> m_cache;
};

} // namespace sockbench
