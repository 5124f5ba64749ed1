#include "models/journalfollower.h"
#include "models/journalfeed.h"

#include <algorithm>

namespace sockbench {

namespace {

/// Records copied from the journal per lock. With payloads (a search through the log), no more
/// than 16 MiB of them in hand at once.
constexpr quint64 BatchRecords = 4096;
constexpr qint64 BatchPayloadBytes = 16 * 1024 * 1024;

} // namespace

JournalFollower::JournalFollower(const Journal *journal, JournalReader *reader, Pace pace, QObject *parent)
    : QObject(parent)
    , m_journal(journal)
    , m_reader(reader)
    , m_pace(pace)
    , m_cursor(*journal, 0) {
    m_sliceTimer.setSingleShot(true);
    m_sliceTimer.setInterval(0);
    connect(&m_sliceTimer, &QTimer::timeout, this, &JournalFollower::readSlice);
}

JournalFollower::~JournalFollower() = default;

void JournalFollower::follow(const JournalFeed *feed) {
    connect(feed, &JournalFeed::recordsAppended, this, &JournalFollower::appendUpTo);
    connect(feed, &JournalFeed::cleared, this, &JournalFollower::clearBefore);
    clearBefore(feed->origin());
    appendUpTo(feed->count());
}

void JournalFollower::appendUpTo(quint64 count) {
    m_reader->feedAdvanced();
    noteDropped();
    m_target = std::max(m_target, std::min(count, m_journal->count()));
    if (!m_reader->readsRecords()) {
        const quint64 from = m_read;
        m_read = std::max(m_read, m_target);
        if (m_read > from)
            m_reader->passedUnread(from, m_read);
        return;
    }
    if (!m_sliceTimer.isActive())
        readSlice();
}

void JournalFollower::noteDropped() {
    const quint64 oldest = m_journal->oldestSeq();
    if (oldest <= m_dropped)
        return;
    m_dropped = oldest;
    m_reader->droppedBefore(oldest);
    // Records dropped before they were read are passed over (the cursor would skip them anyway).
    m_read = std::max(m_read, first());
    m_target = std::max(m_target, m_read);
}

void JournalFollower::clearBefore(quint64 origin) {
    if (origin <= m_origin)
        return;
    m_origin = origin;
    rewind();
}

void JournalFollower::rewind() {
    m_target = std::max({m_target, m_read, first()});
    m_read = first();
    m_reader->restarted();
    if (!m_reader->readsRecords()) {
        const quint64 from = m_read;
        m_read = m_target;
        if (m_read > from)
            m_reader->passedUnread(from, m_read);
    } else if (m_pace == Pace::AtOnce) {
        readSlice();
    } else if (m_target > m_read) {
        m_sliceTimer.start();
    }
}

void JournalFollower::readSlice() {
    if (!m_reader->readsRecords() || m_read >= m_target)
        return;
    const bool sliced = m_pace == Pace::Sliced;
    m_cursor.setLimits({BatchRecords, BatchPayloadBytes, m_reader->readsPayloads()});
    qint64 payloadBudget = PayloadBytesPerSlice;
    quint64 records = 0;
    while (m_read < m_target && (!sliced || (records < HeadersPerSlice && payloadBudget > 0))) {
        // From where the last slice stopped, which may be inside the batch it read.
        if (m_cursor.position() != m_read)
            m_cursor.seek(m_read);
        if (!m_cursor.read(&m_batch, m_target)) {
            m_read = m_target;
            break;
        }
        for (const Record &record : m_batch) {
            m_read = record.seq + 1;
            ++records;
            payloadBudget -= m_reader->readRecord(record);
            if (sliced && payloadBudget <= 0)
                break;
        }
    }
    const bool caughtUp = m_read >= m_target;
    m_reader->sliceEnded(caughtUp);
    if (!caughtUp)
        m_sliceTimer.start();
}

} // namespace sockbench
