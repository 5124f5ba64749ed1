#include "journal/journal.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <limits>

namespace sockbench {

namespace {
constexpr quint64 EntriesPerChunk = 8192;
constexpr quint64 StandardBlockBytes = 1024 * 1024;
constexpr size_t MaxSpareBlocks = 16; // 16 MiB: what a fast stream evicts between two appends and more
constexpr size_t MaxSpareChunks = 4;
/// Entry::flags bit (never shown in Record::flags): the payload is in a JournalSource, and
/// Entry::offset holds the source number in its top 16 bits and the offset in it below.
constexpr quint8 ExternalPayload = 0x80;
constexpr int SourceShift = 48;
constexpr quint64 SourceOffsetMask = (quint64(1) << SourceShift) - 1;

qint64 wallClockNs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// Adds a data record's payload bytes to the running figure of its direction (events add nothing).
void addDataBytes(RecordKind kind, quint32 length, quint64 *in, quint64 *out) {
    if (kind == RecordKind::DataIn)
        *in += length;
    else if (kind == RecordKind::DataOut)
        *out += length;
}

Counters difference(const Counters &now, const Counters &before) {
    return {now.bytesIn - before.bytesIn,         now.bytesOut - before.bytesOut,
            now.datagramsIn - before.datagramsIn, now.datagramsOut - before.datagramsOut,
            now.chunksIn - before.chunksIn,       now.chunksOut - before.chunksOut};
}
} // namespace

struct Journal::Entry {
    qint64 timeNs;
    quint64 offset; ///< global arena offset of the payload
    EndpointId endpoint;
    quint32 length;
    quint32 originalLength;
    quint32 peerIndex;
    RecordKind kind;
    quint8 flags;
    Marker marker;
};

struct Journal::Block {
    quint64 start = 0; ///< global offset of data[0]
    quint64 capacity = 0;
    quint64 used = 0;
    std::unique_ptr<char[]> data;
};

Journal::Journal(qint64 budgetBytes)
    : m_budget(std::max<qint64>(budgetBytes, 0)) {
    m_peers.emplace_back(); // index 0: no peer
}

Journal::~Journal() = default;

Journal::Entry &Journal::entryLocked(quint64 seq) const {
    return m_entryChunks[seq / EntriesPerChunk - m_firstChunk].entries[seq % EntriesPerChunk];
}

quint32 Journal::internPeerLocked(const NetAddress &peer) {
    // A burst usually comes from one sender: skip the hash (and the key's formatting) for a repeat.
    if (m_lastPeerIndex && m_peers[m_lastPeerIndex] == peer)
        return m_lastPeerIndex;
    m_lastPeerIndex = internSlowLocked(peer);
    return m_lastPeerIndex;
}

quint32 Journal::internSlowLocked(const NetAddress &peer) {
    const QString key = peer.toString();
    auto it = m_peerIndex.constFind(key);
    if (it != m_peerIndex.constEnd())
        return it.value();
    const auto index = quint32(m_peers.size());
    m_peers.push_back(peer);
    m_peerIndex.insert(key, index);
    return index;
}

void Journal::countDataBytesLocked(RecordKind kind, quint32 length) {
    addDataBytes(kind, length, &m_bytesIn, &m_bytesOut);
}

Journal::Entry &Journal::newEntryLocked() {
    if (m_count % EntriesPerChunk == 0) {
        std::unique_ptr<Entry[]> entries;
        if (!m_spareChunks.empty()) {
            entries = std::move(m_spareChunks.back());
            m_spareChunks.pop_back();
        } else {
            entries.reset(new Entry[EntriesPerChunk]);
        }
        m_entryChunks.push_back({std::move(entries), m_bytesIn, m_bytesOut});
    }
    return entryLocked(m_count);
}

quint64 Journal::appendLocked(EndpointId endpoint, RecordKind kind, quint8 flags, const char *data,
                              quint32 length, quint32 originalLength, quint32 peerIndex, Marker marker) {
    // The arena: payloads are packed into large blocks so that a record costs its bytes plus a
    // fixed header, and eviction frees whole blocks.
    if (length > 0) {
        Block *block = m_blocks.empty() ? nullptr : m_blocks.back().get();
        if (!block || block->used + length > block->capacity) {
            std::unique_ptr<Block> fresh;
            if (length <= StandardBlockBytes && !m_spareBlocks.empty()) {
                fresh = std::move(m_spareBlocks.back());
                m_spareBlocks.pop_back();
            } else {
                fresh = std::make_unique<Block>();
                fresh->capacity = std::max<quint64>(length, StandardBlockBytes);
                fresh->data.reset(new char[fresh->capacity]);
            }
            fresh->start = m_nextOffset;
            fresh->used = 0;
            m_heldBytes += qint64(fresh->capacity);
            m_blocks.push_back(std::move(fresh));
            block = m_blocks.back().get();
        }
        std::memcpy(block->data.get() + block->used, data, length);
        block->used += length;
    }

    const quint64 seq = m_count;
    Entry &e = newEntryLocked();
    if (flags & Imported) {
        e.timeNs = 0; // the caller sets the capture's time
    } else {
        // Wall clock can step backwards (NTP); the log must stay ordered, so never go below the last stamp.
        m_lastTimeNs = std::max(m_lastTimeNs, wallClockNs());
        e.timeNs = m_lastTimeNs;
    }
    e.offset = m_nextOffset;
    e.endpoint = endpoint;
    e.length = length;
    e.originalLength = std::max(originalLength, length);
    e.peerIndex = peerIndex;
    e.kind = kind;
    countDataBytesLocked(kind, length);
    e.flags = flags;
    e.marker = marker;
    m_nextOffset += length;
    ++m_count;
    evictLocked();
    return seq;
}

quint64 Journal::holdFloorLocked() const {
    quint64 floor = m_count;
    for (const auto &[handle, seq] : m_holds)
        floor = std::min(floor, seq);
    return floor;
}

quint64 Journal::freeingSeqLocked() const {
    // Dropping the records before the next chunk's first frees the oldest chunk of headers...
    const quint64 first = m_dropped.records;
    quint64 until = m_entryChunks.size() > 1 ? (m_firstChunk + 1) * EntriesPerChunk : first;
    // ...and dropping those before the first record in the second block frees the oldest block,
    // which may come sooner (arena offsets grow with the sequence numbers).
    if (m_blocks.size() > 1) {
        const quint64 secondBlock = m_blocks[1]->start;
        const quint64 end = until > first ? until : m_count;
        for (quint64 seq = first; seq < end; ++seq) {
            const Entry &e = entryLocked(seq);
            if (!(e.flags & ExternalPayload) && e.offset >= secondBlock)
                return seq;
        }
        return end;
    }
    return until;
}

void Journal::evictLocked() {
    if (memoryLocked() <= m_budget)
        return;
    const quint64 floor = m_holds.empty() ? m_count : holdFloorLocked();
    // Past the budget, the oldest records go whole up to the lowest hold; past the budget and the
    // holds' allowance, held ones go too.
    const qint64 ceiling = m_budget > std::numeric_limits<qint64>::max() - m_holdAllowance
                               ? std::numeric_limits<qint64>::max()
                               : m_budget + m_holdAllowance;
    while (memoryLocked() > m_budget) {
        const bool holding = memoryLocked() <= ceiling;
        if (holding && floor <= m_dropped.records)
            break; // a hold keeps the rest
        quint64 until = freeingSeqLocked();
        if (holding)
            until = std::min(until, floor);
        if (until <= m_dropped.records)
            break; // nothing more can go: the newest chunk and block stay
        dropRecordsLocked(until);
    }
}

void Journal::dropRecordsLocked(quint64 until) {
    for (quint64 seq = m_dropped.records; seq < until; ++seq) {
        const Entry &e = entryLocked(seq);
        addDataBytes(e.kind, e.length, &m_dropped.bytesIn, &m_dropped.bytesOut);
        if (seq == 0)
            m_dropped.firstTimeNs = e.timeNs;
        m_dropped.lastTimeNs = e.timeNs;
    }
    m_dropped.records = until;
    while (m_entryChunks.size() > 1 && (m_firstChunk + 1) * EntriesPerChunk <= until) {
        if (m_spareChunks.size() < MaxSpareChunks)
            m_spareChunks.push_back(std::move(m_entryChunks.front().entries));
        m_entryChunks.pop_front();
        ++m_firstChunk;
    }
    // Blocks that only the dropped records used go too.
    quint64 firstOffset = m_nextOffset;
    for (quint64 seq = until; seq < m_count; ++seq) {
        const Entry &e = entryLocked(seq);
        if (!(e.flags & ExternalPayload)) {
            firstOffset = e.offset;
            break;
        }
    }
    while (m_blocks.size() > 1 && m_blocks[1]->start <= firstOffset) {
        std::unique_ptr<Block> oldest = std::move(m_blocks.front());
        m_blocks.pop_front();
        m_heldBytes -= qint64(oldest->capacity);
        m_evictedBytes += qint64(oldest->used);
        if (oldest->capacity == StandardBlockBytes && m_spareBlocks.size() < MaxSpareBlocks)
            m_spareBlocks.push_back(std::move(oldest));
    }
    retireEndpointsLocked();
}

void Journal::retireEndpointsLocked() {
    while (!m_retiring.empty() && m_retiring.front().second <= m_dropped.records) {
        const EndpointId endpoint = m_retiring.front().first;
        m_counters.erase(endpoint);
        m_meta.erase(endpoint);
        m_retiring.pop_front();
    }
}

Journal::CounterSlot &Journal::counterSlotLocked(EndpointId endpoint) {
    CounterSlot &slot = m_counters[endpoint];
    if (slot.listedInRound != m_deltaRound && m_listsChanges) {
        slot.listedInRound = m_deltaRound;
        m_changed.push_back({endpoint, slot.counters});
    }
    return slot;
}

quint64 Journal::appendData(EndpointId endpoint, RecordKind kind, const char *data, quint32 length,
                            const NetAddress *peer, quint32 originalLength) {
    std::lock_guard lock(m_mutex);
    const quint32 peerIndex = peer ? internPeerLocked(*peer) : 0;
    const quint8 flags = originalLength > length ? Truncated : NoFlags;
    Counters &c = counterSlotLocked(endpoint).counters;
    const quint64 wire = std::max(originalLength, length);
    if (kind == RecordKind::DataIn) {
        c.bytesIn += wire;
        m_totals.bytesIn += wire;
        ++c.chunksIn;
        ++m_totals.chunksIn;
        if (peer) {
            ++c.datagramsIn;
            ++m_totals.datagramsIn;
        }
    } else if (kind == RecordKind::DataOut) {
        c.bytesOut += wire;
        m_totals.bytesOut += wire;
        ++c.chunksOut;
        ++m_totals.chunksOut;
        if (peer) {
            ++c.datagramsOut;
            ++m_totals.datagramsOut;
        }
    }
    return appendLocked(endpoint, kind, flags, data, length, originalLength, peerIndex);
}

quint64 Journal::appendEvent(EndpointId endpoint, const QString &text, Marker marker) {
    const QByteArray utf8 = text.toUtf8();
    std::lock_guard lock(m_mutex);
    return appendLocked(endpoint, RecordKind::Event, NoFlags, utf8.constData(), quint32(utf8.size()), 0, 0,
                        marker);
}

void Journal::describeEndpoint(EndpointId endpoint, const EndpointMeta &meta) {
    std::lock_guard lock(m_mutex);
    m_meta[endpoint] = meta;
}

std::optional<EndpointMeta> Journal::describedEndpoint(EndpointId endpoint) const {
    std::lock_guard lock(m_mutex);
    auto it = m_meta.find(endpoint);
    if (it == m_meta.end())
        return std::nullopt;
    return it->second;
}

quint32 Journal::addSource(std::shared_ptr<const JournalSource> source) {
    std::lock_guard lock(m_mutex);
    if (m_sources.empty())
        m_sources.emplace_back(); // 0: the arena
    m_sources.push_back(std::move(source));
    return quint32(m_sources.size() - 1);
}

quint64 Journal::appendImported(EndpointId endpoint, RecordKind kind, qint64 timeNs, quint32 source,
                                quint64 offset, quint32 length, quint32 originalLength,
                                const NetAddress *peer) {
    std::lock_guard lock(m_mutex);
    if (source == 0 || source >= m_sources.size() || kind == RecordKind::Event || offset > SourceOffsetMask)
        return UINT64_MAX;
    const quint64 size = m_sources[source]->size();
    if (offset > size || length > size - offset)
        return UINT64_MAX;
    const quint32 peerIndex = peer ? internPeerLocked(*peer) : 0;
    const quint64 wire = std::max(originalLength, length);
    // Quietly: straight into the slot, not through counterSlotLocked(), so that rates and totals
    // never show a capture's bytes as traffic of ours.
    Counters &c = m_counters[endpoint].counters;
    const bool in = kind == RecordKind::DataIn;
    (in ? c.bytesIn : c.bytesOut) += wire;
    ++(in ? c.chunksIn : c.chunksOut);
    if (peer)
        ++(in ? c.datagramsIn : c.datagramsOut);
    const quint64 seq = m_count;
    Entry &e = newEntryLocked();
    e.timeNs = timeNs;
    e.offset = (quint64(source) << SourceShift) | offset;
    e.endpoint = endpoint;
    e.length = length;
    e.originalLength = std::max(originalLength, length);
    e.peerIndex = peerIndex;
    e.kind = kind;
    countDataBytesLocked(kind, length);
    e.flags = quint8(Imported | ExternalPayload | (originalLength > length ? Truncated : NoFlags));
    e.marker = Marker::None;
    ++m_count;
    return seq;
}

quint64 Journal::appendImportedEvent(EndpointId endpoint, qint64 timeNs, const QString &text, Marker marker) {
    const QByteArray utf8 = text.toUtf8();
    std::lock_guard lock(m_mutex);
    const quint64 seq = appendLocked(endpoint, RecordKind::Event, Imported, utf8.constData(),
                                     quint32(utf8.size()), 0, 0, marker);
    entryLocked(seq).timeNs = timeNs;
    return seq;
}

int Journal::addHold(quint64 seq) {
    std::lock_guard lock(m_mutex);
    const int handle = m_nextHold++;
    m_holds[handle] = seq;
    return handle;
}

void Journal::moveHold(int hold, quint64 seq) {
    std::lock_guard lock(m_mutex);
    auto it = m_holds.find(hold);
    if (it != m_holds.end())
        it->second = std::max(it->second, seq);
}

void Journal::releaseHold(int hold) {
    std::lock_guard lock(m_mutex);
    m_holds.erase(hold);
}

quint64 Journal::count() const {
    std::lock_guard lock(m_mutex);
    return m_count;
}

const Journal::Block *Journal::findBlockLocked(quint64 offset) const {
    // Blocks are contiguous in offset space and sorted by start.
    auto it = std::upper_bound(m_blocks.begin(), m_blocks.end(), offset,
                               [](quint64 off, const std::unique_ptr<Block> &b) { return off < b->start; });
    if (it == m_blocks.begin())
        return nullptr;
    return (--it)->get();
}

void Journal::fillLocked(quint64 seq, Record *out, bool withPayload) const {
    const Entry &e = entryLocked(seq);
    out->seq = seq;
    out->timeNs = e.timeNs;
    out->endpoint = e.endpoint;
    out->kind = e.kind;
    out->flags = e.flags & ~ExternalPayload;
    out->marker = e.marker;
    out->length = e.length;
    out->originalLength = e.originalLength;
    out->peer = e.peerIndex ? m_peers[e.peerIndex] : NetAddress{};
    out->payload.clear();
    if (e.flags & ExternalPayload) {
        if (withPayload && e.length > 0)
            out->payload = QByteArray(
                m_sources[e.offset >> SourceShift]->bytes() + (e.offset & SourceOffsetMask), e.length);
    } else if (withPayload && e.length > 0) {
        const Block *b = findBlockLocked(e.offset);
        Q_ASSERT(b && e.offset + e.length <= b->start + b->used);
        out->payload = QByteArray(b->data.get() + (e.offset - b->start), e.length);
    }
}

bool Journal::record(quint64 seq, Record *out, bool withPayload) const {
    std::lock_guard lock(m_mutex);
    if (seq >= m_count || seq < m_dropped.records)
        return false;
    fillLocked(seq, out, withPayload);
    return true;
}

std::vector<Record> Journal::records(quint64 first, quint64 n, bool withPayload) const {
    std::lock_guard lock(m_mutex);
    std::vector<Record> result;
    const quint64 end = std::min(m_count, first + std::min(n, m_count));
    first = std::max(first, m_dropped.records);
    if (first >= end)
        return result;
    n = end - first;
    result.resize(n);
    for (quint64 i = 0; i < n; ++i)
        fillLocked(first + i, &result[i], withPayload);
    return result;
}

quint64 Journal::copiedBytesLocked(quint64 seq, bool withPayload) const {
    return withPayload ? entryLocked(seq).length : 0;
}

quint64 Journal::read(quint64 first, quint64 end, quint64 maxRecords, qint64 maxPayloadBytes,
                      bool withPayload, std::vector<Record> *out, DroppedRecords *dropped) const {
    std::lock_guard lock(m_mutex);
    if (first < m_dropped.records && dropped)
        *dropped = m_dropped;
    first = std::max(first, m_dropped.records);
    const quint64 stop = std::min({end, m_count, first + std::min(maxRecords, m_count)});
    const auto budget = quint64(std::max<qint64>(maxPayloadBytes, 0));
    size_t n = 0;
    quint64 bytes = 0;
    for (quint64 seq = first; seq < stop; ++seq) {
        const quint64 cost = copiedBytesLocked(seq, withPayload);
        if (n > 0 && bytes + cost > budget)
            break;
        if (n == out->size())
            out->emplace_back();
        fillLocked(seq, &(*out)[n++], withPayload);
        bytes += cost;
    }
    out->resize(n);
    return first;
}

bool Journal::readSelected(const quint64 *seqs, quint64 n, qint64 maxPayloadBytes, bool withPayload,
                           std::vector<Record> *out) const {
    std::lock_guard lock(m_mutex);
    if (std::any_of(seqs, seqs + n,
                    [this](quint64 seq) { return seq < m_dropped.records || seq >= m_count; })) {
        out->clear();
        return false;
    }
    const auto budget = quint64(std::max<qint64>(maxPayloadBytes, 0));
    size_t k = 0;
    quint64 bytes = 0;
    for (; k < n; ++k) {
        const quint64 cost = copiedBytesLocked(seqs[k], withPayload);
        if (k > 0 && bytes + cost > budget)
            break;
        if (k == out->size())
            out->emplace_back();
        fillLocked(seqs[k], &(*out)[k], withPayload);
        bytes += cost;
    }
    out->resize(k);
    return true;
}

Counters Journal::counters(EndpointId endpoint) const {
    std::lock_guard lock(m_mutex);
    auto it = m_counters.find(endpoint);
    return it == m_counters.end() ? Counters{} : it->second.counters;
}

Counters Journal::totals() const {
    std::lock_guard lock(m_mutex);
    return m_totals;
}

void Journal::takeCounterDeltas(std::vector<CounterDelta> *endpoints, Counters *total) const {
    endpoints->clear();
    std::lock_guard lock(m_mutex);
    endpoints->reserve(m_changed.size());
    for (const ChangedSlot &changed : m_changed) {
        const auto slot = m_counters.find(changed.endpoint);
        if (slot != m_counters.end())
            endpoints->push_back({changed.endpoint, difference(slot->second.counters, changed.before)});
    }
    *total = difference(m_totals, m_totalsTaken);
    m_totalsTaken = m_totals;
    // clear() keeps the capacity: busy rounds do not allocate again.
    m_changed.clear();
    ++m_deltaRound;
}

void Journal::stopCounterDeltas() {
    std::lock_guard lock(m_mutex);
    m_listsChanges = false;
    m_changed.clear();
    m_changed.shrink_to_fit();
}

qint64 Journal::budgetBytes() const {
    std::lock_guard lock(m_mutex);
    return m_budget;
}

void Journal::setBudgetBytes(qint64 bytes) {
    std::lock_guard lock(m_mutex);
    m_budget = std::max<qint64>(bytes, 0);
    evictLocked();
}

qint64 Journal::holdAllowanceBytes() const {
    std::lock_guard lock(m_mutex);
    return m_holdAllowance;
}

void Journal::setHoldAllowanceBytes(qint64 bytes) {
    std::lock_guard lock(m_mutex);
    m_holdAllowance = std::max<qint64>(bytes, 0);
    evictLocked();
}

qint64 Journal::payloadBytesHeld() const {
    std::lock_guard lock(m_mutex);
    return m_heldBytes;
}

qint64 Journal::evictedBytes() const {
    std::lock_guard lock(m_mutex);
    return m_evictedBytes;
}

qint64 Journal::headerBytes() const {
    std::lock_guard lock(m_mutex);
    return headerBytesLocked();
}

qint64 Journal::memoryBytes() const {
    std::lock_guard lock(m_mutex);
    return memoryLocked();
}

qint64 Journal::headerBytesLocked() const {
    // A description: its hash node, and the heap blocks of its two address strings. Counters and
    // interned peers: their node or element and, for a peer, its string key and hash node.
    constexpr qint64 PerDescription = qint64(sizeof(std::pair<EndpointId, EndpointMeta>)) + 32 + 2 * 48;
    constexpr qint64 PerCounterSlot = qint64(sizeof(std::pair<EndpointId, CounterSlot>)) + 32;
    constexpr qint64 PerPeer = qint64(sizeof(NetAddress)) + 48 + 48;
    return qint64(m_entryChunks.size() * EntriesPerChunk * sizeof(Entry)) +
           qint64(m_meta.size()) * PerDescription + qint64(m_counters.size()) * PerCounterSlot +
           qint64(m_peers.size()) * PerPeer + qint64(m_retiring.size() * sizeof(m_retiring.front()));
}

quint64 Journal::oldestSeq() const {
    std::lock_guard lock(m_mutex);
    return m_dropped.records;
}

DroppedRecords Journal::dropped() const {
    std::lock_guard lock(m_mutex);
    return m_dropped;
}

std::pair<quint64, quint64> Journal::dataBytesBefore(quint64 seq) const {
    std::lock_guard lock(m_mutex);
    if (seq == 0)
        return {0, 0};
    // Inside the dropped range nothing is known but the range's total: count what is before it.
    if (seq <= m_dropped.records)
        return {m_dropped.bytesIn, m_dropped.bytesOut};
    if (seq >= m_count)
        return {m_bytesIn, m_bytesOut};
    // From the start of seq's chunk, or from the oldest record when that is later.
    const Chunk &chunk = m_entryChunks[seq / EntriesPerChunk - m_firstChunk];
    quint64 from = seq - seq % EntriesPerChunk;
    quint64 in = chunk.bytesInBefore;
    quint64 out = chunk.bytesOutBefore;
    if (from < m_dropped.records) {
        from = m_dropped.records;
        in = m_dropped.bytesIn;
        out = m_dropped.bytesOut;
    }
    for (quint64 s = from; s < seq; ++s) {
        const Entry &e = entryLocked(s);
        addDataBytes(e.kind, e.length, &in, &out);
    }
    return {in, out};
}

void Journal::forgetEndpoint(EndpointId endpoint) {
    std::lock_guard lock(m_mutex);
    m_retiring.emplace_back(endpoint, m_count);
    retireEndpointsLocked();
}

} // namespace sockbench
