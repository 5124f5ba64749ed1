#pragma once

#include "net/endpointid.h"
#include "net/netaddress.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace sockbench {

enum class RecordKind : quint8 {
    DataIn,  ///< bytes (or one datagram) received
    DataOut, ///< bytes (or one datagram) handed to the kernel
    Event,   ///< a lifecycle event; the payload is UTF-8 text such as "Connection refused"
};

enum RecordFlag : quint8 {
    NoFlags = 0,
    Truncated = 1, ///< datagram was longer than the buffer; originalLength says how long
    Evicted = 2,   ///< payload dropped by the memory budget; length still says how long it was
    Imported = 4,  ///< read from a capture file (appendImported*), not from a socket of ours
};

/// What a record means for a TCP connection's life on the wire, so that a capture writer can draw
/// the packets (SYN, FIN, RST) that the socket API never shows. Set on the event the engine records
/// at that moment; None on data and on every other event.
enum class Marker : quint8 {
    None,
    Connecting,    ///< outgoing TCP: connect() sent the SYN; describedEndpoint() has local and peer
    Established,   ///< TCP: connected (outgoing) or accepted; describedEndpoint() has both addresses
    FinSent,       ///< TCP: our FIN (shutdown(SHUT_WR)) went out after the bytes before it
    FinReceived,   ///< TCP: the peer's FIN arrived after the bytes before it
    Closed,        ///< final: closed in order (listener stopped, UDP socket closed, TCP both FINs)
    ResetSent,     ///< final: we reset the connection (abort())
    ResetReceived, ///< final: the peer's RST arrived
    Failed,        ///< final: failed; before Established, the connect was refused or never answered
};

/// Who an endpoint is on the wire, for readers that need addresses rather than names (capture
/// writers, exports). The engine describes each endpoint before the records that need it: a
/// connection before its Connecting or Established marker, a UDP socket before its first datagram.
struct EndpointMeta {
    EndpointKind kind = EndpointKind::TcpConnection;
    bool outgoing = false;   ///< TCP: this end sent the SYN
    EndpointId listener = 0; ///< accepted connection (or relay leg): its listener or relay
    NetAddress local;        ///< may be a wildcard address for a UDP socket
    NetAddress peer;         ///< TCP: the other end; UDP opened towards one destination: it
};

/// Bytes that outlive the journal's arena: a capture file mapped into memory, say. Imported records
/// point into one; the journal keeps it alive for as long as it lives and never evicts from it.
class JournalSource {
public:
    virtual ~JournalSource() = default;
    virtual const char *bytes() const = 0;
    virtual quint64 size() const = 0;
};

/// One entry of the journal, copied out for a reader.
struct Record {
    quint64 seq = 0;   ///< 0-based, dense, strictly increasing
    qint64 timeNs = 0; ///< wall clock, nanoseconds since the Unix epoch; never decreases
    EndpointId endpoint = 0;
    RecordKind kind = RecordKind::Event;
    quint8 flags = NoFlags;
    quint32 length = 0;         ///< bytes recorded
    quint32 originalLength = 0; ///< bytes on the wire (differs from length only when Truncated)
    NetAddress peer;            ///< datagram sender or destination; empty for TCP data
    QByteArray payload;         ///< empty when Evicted (check flags)
    Marker marker = Marker::None;

    bool isEvicted() const { return flags & Evicted; }
    bool isTruncated() const { return flags & Truncated; }
    bool isImported() const { return flags & Imported; }
};

/// Exact traffic counters. They count every byte the kernel handed us or took from us and are
/// never evicted.
struct Counters {
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
    quint64 datagramsIn = 0;
    quint64 datagramsOut = 0;
    quint64 chunksIn = 0; ///< recv() calls that returned data (TCP) or datagrams (UDP)
    quint64 chunksOut = 0;
    friend bool operator==(const Counters &, const Counters &) = default;
};

/// What one endpoint's counters gained between two calls of Journal::takeCounterDeltas().
struct CounterDelta {
    EndpointId endpoint = 0;
    Counters gained;
};

/// What the journal let go of so far: the records before oldestSeq(), dropped whole by the budget.
struct DroppedRecords {
    quint64 records = 0;    ///< = oldestSeq()
    quint64 bytesIn = 0;    ///< payload bytes of the DataIn records among them
    quint64 bytesOut = 0;   ///< payload bytes of the DataOut records among them
    qint64 firstTimeNs = 0; ///< time of the first record dropped (0: none yet)
    qint64 lastTimeNs = 0;  ///< time of the last record dropped: everything up to here is gone
};

/// The one record of what crossed the wire, and of what happened to each endpoint, in order.
///
/// Append-only and thread-safe: reactor threads append, any thread reads by sequence number.
/// One budget covers everything the journal keeps: payload bytes (in an arena of large blocks),
/// record headers (in chunks of 8,192), endpoint descriptions and counters. Past the budget the
/// oldest records go whole, header and payload, so memory stays bounded however long the run:
/// oldestSeq() moves forward and dropped() says how many went, and from when. The counters stay
/// exact; an endpoint's own counters and description go once the endpoint was forgotten
/// (forgetEndpoint()) and its last record dropped.
class Journal final {
public:
    static constexpr qint64 DefaultBudgetBytes = 256LL * 1024 * 1024;
    /// How far past its budget a hold may keep the journal (see addHold).
    static constexpr qint64 DefaultHoldAllowanceBytes = 1024LL * 1024 * 1024;

    explicit Journal(qint64 budgetBytes = DefaultBudgetBytes);
    ~Journal();
    Q_DISABLE_COPY_MOVE(Journal)

    /// Appends a data record and updates the counters. Returns its sequence number.
    /// A record with a peer is a datagram (counted in datagramsIn/Out); without one it is a TCP chunk.
    /// originalLength > length marks a truncated datagram.
    quint64 appendData(EndpointId endpoint, RecordKind kind, const char *data, quint32 length,
                       const NetAddress *peer = nullptr, quint32 originalLength = 0);
    quint64 appendData(EndpointId endpoint, RecordKind kind, const QByteArray &data,
                       const NetAddress *peer = nullptr) {
        return appendData(endpoint, kind, data.constData(), quint32(data.size()), peer);
    }
    /// Appends an event record (text shown in the log); does not touch the counters.
    quint64 appendEvent(EndpointId endpoint, const QString &text, Marker marker = Marker::None);

    /// Says who an endpoint is on the wire (replacing what was said before). Thread-safe.
    void describeEndpoint(EndpointId endpoint, const EndpointMeta &meta);
    /// What describeEndpoint() said last, or nullopt.
    std::optional<EndpointMeta> describedEndpoint(EndpointId endpoint) const;

    // Records read from a capture file. They keep the capture's times (which may be older than
    // the records before them: imported records do not move the journal's clock), point into a
    // JournalSource instead of copying, are never evicted, and carry the Imported flag. They add
    // to their endpoint's counters() but not to totals() or takeCounterDeltas(): no traffic of
    // ours crossed the wire.
    /// Keeps `source` alive with the journal; returns its number for appendImported().
    quint32 addSource(std::shared_ptr<const JournalSource> source);
    /// A data record whose payload is bytes [offset, offset + length) of source `source`.
    /// Returns its sequence number, or no record (UINT64_MAX) when the range is not in the source.
    quint64 appendImported(EndpointId endpoint, RecordKind kind, qint64 timeNs, quint32 source,
                           quint64 offset, quint32 length, quint32 originalLength = 0,
                           const NetAddress *peer = nullptr);
    /// An event record with the capture's time, e.g. "3 bytes retransmitted differently; kept the first".
    quint64 appendImportedEvent(EndpointId endpoint, qint64 timeNs, const QString &text,
                                Marker marker = Marker::None);

    /// Holds: a reader that must see every record (a recorder writing to disk) holds the records
    /// from `seq` on. Eviction does not drop a record at or after the lowest hold, so the journal
    /// grows past its budget while that reader catches up, by at most holdAllowanceBytes(): past
    /// that, the oldest held records are dropped after all (the reader skips them), so that a
    /// reader that cannot keep up (a slow disk under a flood) costs bounded memory. Returns the
    /// hold's handle.
    int addHold(quint64 seq);
    /// Moves a hold forward (the reader has taken everything before seq).
    void moveHold(int hold, quint64 seq);
    /// Drops a hold; eviction catches up at the next append.
    void releaseHold(int hold);

    quint64 count() const;
    /// Copies record `seq` out. Returns false if seq >= count() or seq < oldestSeq().
    bool record(quint64 seq, Record *out, bool withPayload = true) const;
    /// Copies records [first, first + n) without payloads (for models that page through headers),
    /// leaving out those before oldestSeq().
    std::vector<Record> records(quint64 first, quint64 n, bool withPayload = false) const;
    /// The oldest record still held; the budget dropped every record before it. Readers go through
    /// JournalCursor, which skips to it and counts what it skipped.
    quint64 oldestSeq() const;
    /// What the budget dropped so far.
    DroppedRecords dropped() const;
    /// Payload bytes of the DataIn and DataOut records before `seq` (dropped ones included), for a
    /// reader that starts there and must later say how many bytes it skipped. Walks one header
    /// chunk at most. For a seq inside the dropped range (but 0), the whole range's bytes.
    std::pair<quint64, quint64> dataBytesBefore(quint64 seq) const;
    /// The endpoint is final and forgotten (Workbench::forget): its counters and description go
    /// once its last record has been dropped, so that connection churn costs bounded memory.
    void forgetEndpoint(EndpointId endpoint);
    /// Copies records from `first` on into *out, reusing any records it holds:
    /// at most maxRecords, none at or past `end`, and once one is in, no more payload than
    /// maxPayloadBytes. Returns where the copy starts: more than `first` when the records from
    /// `first` on are no longer held (see oldestSeq()); then *dropped (when given) says what the
    /// budget had dropped by then.
    quint64 read(quint64 first, quint64 end, quint64 maxRecords, qint64 maxPayloadBytes, bool withPayload,
                 std::vector<Record> *out, DroppedRecords *dropped = nullptr) const;
    /// Copies records seqs[0, n), in that order, into *out like read(), stopping early at
    /// maxPayloadBytes. False, and nothing copied, when one of them is not in the journal.
    bool readSelected(const quint64 *seqs, quint64 n, qint64 maxPayloadBytes, bool withPayload,
                      std::vector<Record> *out) const;

    Counters counters(EndpointId endpoint) const;
    Counters totals() const;

    /// What the counters gained since the previous call: per endpoint whose counters changed (in
    /// the order they first changed), into `endpoints` (cleared first), and in total. For one
    /// caller per journal (the RateMeter): the differences are exact, so what that caller adds up
    /// over all its calls is counters() and totals(). Only endpoints with traffic since the
    /// previous call are visited: an append lists its endpoint the first time the endpoint's
    /// counters change after a call, so idle endpoints cost nothing here and one compare per
    /// append. Const because it moves only the caller's bookmark, not anything a reader sees.
    void takeCounterDeltas(std::vector<CounterDelta> *endpoints, Counters *total) const;
    /// Nobody takes counter deltas (a run without rates): appends stop listing changed endpoints,
    /// a list that would otherwise grow with every endpoint ever seen.
    void stopCounterDeltas();

    qint64 budgetBytes() const;
    /// The budget of everything held (payloads, headers, descriptions, counters).
    void setBudgetBytes(qint64 bytes);
    qint64 holdAllowanceBytes() const;
    void setHoldAllowanceBytes(qint64 bytes);
    /// Payload bytes currently held (blocks of the arena).
    qint64 payloadBytesHeld() const;
    /// Bytes of payload dropped so far by the budget.
    qint64 evictedBytes() const;
    /// Memory used by record headers, endpoint descriptions and counters.
    qint64 headerBytes() const;
    /// Everything the budget covers: payloadBytesHeld() + headerBytes(). At most the budget (a hold
    /// may add its allowance), apart from the newest payload block and header chunk.
    qint64 memoryBytes() const;

private:
    struct Block;
    struct Entry;
    void evictLocked();
    quint64 freeingSeqLocked() const;
    void dropRecordsLocked(quint64 until);
    void retireEndpointsLocked();
    quint64 holdFloorLocked() const;
    qint64 headerBytesLocked() const;
    qint64 memoryLocked() const { return m_heldBytes + headerBytesLocked(); }
    const Block *findBlockLocked(quint64 offset) const;
    Entry &entryLocked(quint64 seq) const;
    quint32 internPeerLocked(const NetAddress &peer);
    quint32 internSlowLocked(const NetAddress &peer);
    void fillLocked(quint64 seq, Record *out, bool withPayload) const;
    /// Payload bytes fillLocked() copies for record seq.
    quint64 copiedBytesLocked(quint64 seq, bool withPayload) const;
    /// An endpoint's counters, and the round of takeCounterDeltas() in which they were last listed
    /// as changed (so that an append lists them at most once per round).
    struct CounterSlot {
        Counters counters;
        quint64 listedInRound = 0;
    };
    /// An endpoint listed as changed: its counters as they were before the round's first change.
    /// Looked up again when the round is taken: a forgotten endpoint's slot may be gone by then.
    struct ChangedSlot {
        EndpointId endpoint;
        Counters before;
    };
    CounterSlot &counterSlotLocked(EndpointId endpoint);
    quint64 appendLocked(EndpointId endpoint, RecordKind kind, quint8 flags, const char *data, quint32 length,
                         quint32 originalLength, quint32 peerIndex, Marker marker = Marker::None);
    Entry &newEntryLocked();
    void countDataBytesLocked(RecordKind kind, quint32 length);

    mutable std::mutex m_mutex;
    /// A fixed-size chunk of headers (appends never move entries), with the payload bytes of the
    /// data records before its first, so that dataBytesBefore() walks one chunk at most.
    struct Chunk {
        std::unique_ptr<Entry[]> entries;
        quint64 bytesInBefore = 0;
        quint64 bytesOutBefore = 0;
    };
    std::deque<Chunk> m_entryChunks;
    quint64 m_firstChunk = 0; ///< chunk number of m_entryChunks.front()
    quint64 m_bytesIn = 0;    ///< payload bytes of every DataIn record appended
    quint64 m_bytesOut = 0;
    quint64 m_count = 0;
    DroppedRecords m_dropped;
    /// Forgotten endpoints, with the count when they were forgotten: all their records are before it.
    std::deque<std::pair<EndpointId, quint64>> m_retiring;
    std::deque<std::unique_ptr<Block>> m_blocks;
    /// Evicted standard blocks and header chunks, reused by the next appends (at most
    /// MaxSpareBlocks, MaxSpareChunks): a journal at its budget takes no fresh memory from the
    /// allocator and gives none back while it holds its lock. A fresh block is an mmap and a page
    /// fault per 4 KiB on first write, a freed one an munmap that stops every core for its TLB;
    /// both under the lock stalled the GUI thread's reads and the reactors' appends (datagrams
    /// left unread long enough for the kernel to drop them).
    std::vector<std::unique_ptr<Block>> m_spareBlocks;
    std::vector<std::unique_ptr<Entry[]>> m_spareChunks;
    quint64 m_nextOffset = 0; ///< global arena offset of the next payload byte
    qint64 m_heldBytes = 0;
    qint64 m_evictedBytes = 0;
    qint64 m_budget;
    qint64 m_holdAllowance = DefaultHoldAllowanceBytes;
    qint64 m_lastTimeNs = 0;
    std::vector<NetAddress> m_peers; ///< interned datagram peers; index 0 is "none"
    QHash<QString, quint32> m_peerIndex;
    quint32 m_lastPeerIndex = 0;
    std::unordered_map<EndpointId, CounterSlot> m_counters;
    std::unordered_map<EndpointId, EndpointMeta> m_meta;
    std::vector<std::shared_ptr<const JournalSource>> m_sources; ///< index 0 unused: 0 means the arena
    std::unordered_map<int, quint64> m_holds;                    ///< hold handle -> first held seq
    int m_nextHold = 1;
    Counters m_totals;
    // takeCounterDeltas()'s bookmark (mutable: see there).
    mutable quint64 m_deltaRound = 1; ///< starts above a new slot's listedInRound, so a first append lists it
    bool m_listsChanges = true;       ///< false after stopCounterDeltas()
    mutable std::vector<ChangedSlot> m_changed;
    mutable Counters m_totalsTaken;
};

} // namespace sockbench
