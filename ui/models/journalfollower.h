#pragma once

#include "journal/journalcursor.h"

#include <QObject>
#include <QTimer>

#include <algorithm>
#include <vector>

namespace sockbench {

class JournalFeed;

/// What a record means to one view: the half of following the journal that JournalFollower leaves
/// to the view (a row of the log, a message, a line of a conversation).
class JournalReader {
public:
    /// Whether records are read now. When not, they go by unread (passedUnread()): a view with
    /// nothing selected costs nothing per record.
    virtual bool readsRecords() const = 0;
    /// Whether readRecord() is handed payloads; else headers only (the view reads the payloads it
    /// wants itself).
    virtual bool readsPayloads() const { return false; }
    /// The feed announced records up to count (called before any is read).
    virtual void feedAdvanced() {}
    /// Records [from, to) went by unread.
    virtual void passedUnread(quint64 from, quint64 to) {
        Q_UNUSED(from);
        Q_UNUSED(to);
    }
    /// The journal's budget dropped every record before seq (whole): forget what was read of them,
    /// so that the view stays as bounded as the journal. Called before reading on, once per advance
    /// of the journal's oldest record.
    virtual void droppedBefore(quint64 seq) = 0;
    /// One record, in order. Returns the payload bytes read for it, which count against the slice.
    virtual qint64 readRecord(const Record &record) = 0;
    /// A slice of readRecord() calls ended; caughtUp: every record announced has been read.
    virtual void sliceEnded(bool caughtUp) = 0;
    /// Reading starts again at the origin (Clear log moved it, or the view rewound: a filter
    /// changed): drop what was read.
    virtual void restarted() = 0;

protected:
    JournalReader() = default;
    ~JournalReader() = default;
    Q_DISABLE_COPY_MOVE(JournalReader)
};

/// Follows the journal feed for one view: it keeps the view's origin (Clear log), how far it has
/// read and how far the feed has announced, and reads the records in between, either at once (the
/// log's rows) or in slices from a zero timer (the message index, the conversation), so that a long
/// history never freezes the window. A slice reads at most HeadersPerSlice records and stops once
/// the view has read PayloadBytesPerSlice of payload.
class JournalFollower final : public QObject {
    Q_OBJECT

public:
    enum class Pace : quint8 { AtOnce, Sliced };
    static constexpr quint64 HeadersPerSlice = 32768;
    static constexpr qint64 PayloadBytesPerSlice = 4 * 1024 * 1024;

    JournalFollower(const Journal *journal, JournalReader *reader, Pace pace, QObject *parent = nullptr);
    ~JournalFollower() override;
    Q_DISABLE_COPY_MOVE(JournalFollower)

    /// Takes in what the feed announces from now on, and catches up with what it announced before.
    void follow(const JournalFeed *feed);
    /// Reads records [origin, count) (the journal's count at most).
    void appendUpTo(quint64 count);
    /// Clear log: records before origin are left out from now on (rewind()).
    void clearBefore(quint64 origin);
    /// Reads again, from the origin, everything announced so far: the reader's restarted() drops
    /// what it had, then reading starts (at once, or with the next slice).
    void rewind();

    quint64 origin() const { return m_origin; }
    /// The first record the view may show: the origin, or the journal's oldest once its budget
    /// dropped the records before it (JournalReader::droppedBefore()).
    quint64 first() const { return std::max(m_origin, m_dropped); }
    /// Records read (or passed by unread) so far: [first, read()).
    quint64 read() const { return m_read; }
    /// True while announced records wait to be read.
    bool isReading() const { return m_reader->readsRecords() && m_read < m_target; }

private:
    void readSlice();
    /// Tells the reader what the journal dropped since the last call, and reads on past it.
    void noteDropped();

    const Journal *m_journal;
    JournalReader *m_reader;
    Pace m_pace;
    JournalCursor m_cursor;
    std::vector<Record> m_batch; ///< kept: its capacity serves every batch
    quint64 m_origin = 0;
    quint64 m_dropped = 0; ///< the journal's oldestSeq() when last looked at
    quint64 m_read = 0;
    quint64 m_target = 0;
    QTimer m_sliceTimer;
};

} // namespace sockbench
