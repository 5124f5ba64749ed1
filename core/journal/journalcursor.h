#pragma once

#include "journal/journal.h"

#include <vector>

namespace sockbench {

/// How much one JournalCursor::read() copies at most: it bounds the time the journal's lock is
/// held and the payload memory a reader has in hand.
struct ReadLimits {
    quint64 records = 4096;
    /// Payload bytes of one batch; a record larger than this still comes, alone.
    qint64 payloadBytes = 4 * 1024 * 1024;
    /// False: headers only (payload empty, length and flags still true).
    bool payloads = true;
};

/// A reader's place in the journal: it reads records in order and in batches (ReadLimits), says
/// what the journal let go before the reader came (evicted payloads, records no longer held) and,
/// when asked to, holds the journal so that eviction waits for it (Journal::addHold). A reader then
/// says only what a record means to it: a line on stdout, a packet, a row of an export.
///
/// Records the journal no longer holds (its budget drops the oldest whole) are skipped: the cursor
/// moves to the oldest held record, skipped() counts them and evictedBytes() their payload bytes.
/// Not thread-safe: one thread reads through a cursor at a time.
class JournalCursor final {
public:
    /// Reads from record `from` on.
    JournalCursor(const Journal &journal, quint64 from, ReadLimits limits = {});
    /// Holds the journal from `from` on, moving the hold past each batch read: no payload is
    /// evicted before this cursor has read it, within the journal's hold allowance. Non-const:
    /// holding changes what the journal may evict. The destructor releases the hold.
    enum class Hold : quint8 { Payloads };
    JournalCursor(Journal &journal, quint64 from, ReadLimits limits, Hold hold);
    /// Reads these records, in this order, instead of a range (an export of selected rows).
    JournalCursor(const Journal &journal, std::vector<quint64> selection, ReadLimits limits = {});
    ~JournalCursor();
    Q_DISABLE_COPY_MOVE(JournalCursor)

    /// What the next read() copies at most.
    void setLimits(ReadLimits limits) { m_limits = limits; }
    /// The next record read() copies (a range cursor).
    quint64 position() const { return m_position; }
    /// Moves the cursor: forward past records a reader leaves out (Clear log), or back to read them
    /// again. A hold only moves forward.
    void seek(quint64 seq);
    /// Copies the next batch, from position() up to `end` (exclusive) and the journal's count, into
    /// *batch (its capacity kept; the last batch is freed before the journal's lock is taken). False when
    /// there is nothing to copy, or (a selection) when the next selected records are not all in the journal
    /// and before `end`: see missing().
    bool read(std::vector<Record> *batch, quint64 end = UINT64_MAX);

    /// Records copied so far.
    quint64 taken() const { return m_taken; }
    /// Records passed over because the journal no longer held them when the cursor came.
    quint64 skipped() const { return m_skipped; }
    /// Payload bytes of data records of this kind (DataIn or DataOut) that the journal had let go
    /// before this cursor read them: those of skipped records, and of records read Evicted.
    quint64 evictedBytes(RecordKind kind) const {
        return kind == RecordKind::DataOut ? m_evictedOut : m_evictedIn;
    }
    /// A selection: the first selected record not in the journal, after read() returned false short
    /// of the end. UINT64_MAX when none is missing.
    quint64 missing() const;

private:
    void tally(const std::vector<Record> &batch);
    /// Where the cursor stands: the payload bytes of data records before position().
    void measurePosition();

    const Journal &m_journal;
    Journal *m_held = nullptr; ///< the journal, when this cursor holds it
    int m_hold = 0;
    ReadLimits m_limits;
    quint64 m_position = 0;
    std::vector<quint64> m_selection; ///< read instead of a range when not empty
    bool m_selecting = false;
    quint64 m_selectionEnd = UINT64_MAX; ///< the `end` of the last read() of a selection
    quint64 m_taken = 0;
    quint64 m_skipped = 0;
    quint64 m_evictedIn = 0;
    quint64 m_evictedOut = 0;
    quint64 m_bytesInBefore = 0; ///< DataIn payload bytes before m_position (dropped ones included)
    quint64 m_bytesOutBefore = 0;
};

} // namespace sockbench
