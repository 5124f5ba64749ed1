#include "journal/journalcursor.h"

#include <algorithm>
#include <tuple>

namespace sockbench {

JournalCursor::JournalCursor(const Journal &journal, quint64 from, ReadLimits limits)
    : m_journal(journal)
    , m_limits(limits)
    , m_position(from) {
    measurePosition();
}

JournalCursor::JournalCursor(Journal &journal, quint64 from, ReadLimits limits, Hold)
    : m_journal(journal)
    , m_held(&journal)
    , m_hold(journal.addHold(from))
    , m_limits(limits)
    , m_position(from) {
    measurePosition();
}

JournalCursor::JournalCursor(const Journal &journal, std::vector<quint64> selection, ReadLimits limits)
    : m_journal(journal)
    , m_limits(limits)
    , m_selection(std::move(selection))
    , m_selecting(true) {}

JournalCursor::~JournalCursor() {
    if (m_held)
        m_held->releaseHold(m_hold);
}

void JournalCursor::seek(quint64 seq) {
    m_position = seq;
    if (m_held)
        m_held->moveHold(m_hold, seq);
    measurePosition();
}

void JournalCursor::measurePosition() {
    std::tie(m_bytesInBefore, m_bytesOutBefore) = m_journal.dataBytesBefore(m_position);
}

bool JournalCursor::read(std::vector<Record> *batch, quint64 end) {
    // The last batch's payloads are freed here, outside the journal's lock (reactors append under it).
    batch->clear();
    if (m_selecting) {
        m_selectionEnd = end;
        const quint64 n = std::min<quint64>(m_limits.records, m_selection.size() - m_taken);
        const quint64 *next = m_selection.data() + m_taken;
        if (n == 0 || std::any_of(next, next + n, [end](quint64 seq) { return seq >= end; }) ||
            !m_journal.readSelected(next, n, m_limits.payloadBytes, m_limits.payloads, batch)) {
            return false;
        }
        tally(*batch);
        return true;
    }
    DroppedRecords dropped;
    const quint64 start = m_journal.read(m_position, end, m_limits.records, m_limits.payloadBytes,
                                         m_limits.payloads, batch, &dropped);
    if (start > m_position) {
        // Everything before start is dropped: the bytes skipped are what was dropped past ours.
        m_skipped += start - m_position;
        m_position = start;
        m_evictedIn += dropped.bytesIn - std::min(dropped.bytesIn, m_bytesInBefore);
        m_evictedOut += dropped.bytesOut - std::min(dropped.bytesOut, m_bytesOutBefore);
        m_bytesInBefore = std::max(m_bytesInBefore, dropped.bytesIn);
        m_bytesOutBefore = std::max(m_bytesOutBefore, dropped.bytesOut);
    }
    if (batch->empty())
        return false;
    m_position = batch->back().seq + 1;
    // The payloads are copied out: the journal may evict them now.
    if (m_held)
        m_held->moveHold(m_hold, m_position);
    tally(*batch);
    return true;
}

void JournalCursor::tally(const std::vector<Record> &batch) {
    m_taken += batch.size();
    for (const Record &record : batch) {
        if (record.kind == RecordKind::DataIn)
            m_bytesInBefore += record.length;
        else if (record.kind == RecordKind::DataOut)
            m_bytesOutBefore += record.length;
        if (!record.isEvicted())
            continue;
        if (record.kind == RecordKind::DataIn)
            m_evictedIn += record.length;
        else if (record.kind == RecordKind::DataOut)
            m_evictedOut += record.length;
    }
}

quint64 JournalCursor::missing() const {
    if (!m_selecting)
        return UINT64_MAX;
    const quint64 count = std::min(m_journal.count(), m_selectionEnd);
    const quint64 oldest = m_journal.oldestSeq();
    const auto it = std::find_if(m_selection.begin() + qsizetype(m_taken), m_selection.end(),
                                 [count, oldest](quint64 seq) { return seq < oldest || seq >= count; });
    return it == m_selection.end() ? UINT64_MAX : *it;
}

} // namespace sockbench
