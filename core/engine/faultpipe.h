#pragma once

// Internal to core: one direction's faults at work, without sockets or threads. The relay feeds
// what one leg read and sends what comes out to the other leg when it is due, arming a timer for
// nextDueNs(); a test can drive it with made-up times.

#include "engine/relayoptions.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <deque>
#include <optional>
#include <random>
#include <vector>

namespace sockbench {

/// A bandwidth's token bucket, in bytes, shared by both pipelines. What leaves does so in pieces of
/// 1/20 s worth (at least one byte); the bucket holds two pieces (a late timer loses no tokens) and
/// starts with one, so an idle line lets at most 1/10 s worth through at once. It starts counting
/// at its first refill (or `startNs`), never from time zero.
class TokenBucket final {
public:
    /// `startNs` < 0: the bucket starts at its first refill().
    explicit TokenBucket(qint64 rate, qint64 startNs = -1);
    Q_DISABLE_COPY_MOVE(TokenBucket)

    /// A new rate from nowNs on (< 0: the time is unknown, keep the bucket's); a line that was
    /// unlimited starts with one piece, as a new one, since it has had no debt.
    void setRate(qint64 rate, qint64 nowNs);
    qint64 rate() const { return m_rate; }
    /// The largest piece a stream sends at once, in bytes.
    double piece() const;
    void refill(qint64 nowNs);
    /// Refills, then takes `cost` when `need` tokens are there (false: wait until readyNs(need)).
    /// A cost above need (a datagram larger than a piece) leaves the bucket in debt.
    bool take(double need, double cost, qint64 nowNs);
    /// When `need` tokens will be there (monotonic ns); clamped, never overflowing.
    qint64 readyNs(double need) const;

private:
    double bucketSize() const { return 2 * piece(); }

    qint64 m_rate = 0;
    double m_tokens = 0;
    qint64 m_atNs = -1; ///< when m_tokens was last brought up to date; -1: not started
};

/// The faults of one direction of one relayed TCP connection. Bytes, then the end, leave in the
/// order they came; every fault that changes a chunk says so in an event text ("delayed 212 ms",
/// "sliced into 7 pieces", "limit of 4,096 bytes reached: reset") for the journal, at its place:
/// at most one text per chunk and fault, on the chunk's first step, never one per piece.
///
/// - The bandwidth is a TokenBucket: a held chunk leaves in pieces of at most 1/20 s worth of bytes
///   (at least 1), so 1 MB at 64 KB/s leaves over 16 s, not in one write at the end.
/// - A slicer's pieces are due sliceDelayMs apart (from when the first was due); with the bandwidth
///   they may leave later, never earlier.
/// - A limit counts bytes from the start, or from setFaults() that changed it; the chunk that
///   reaches it is cut, then an End step follows; later bytes and the FIN are dropped, and said:
///   the End's event ends with "1,000 bytes not relayed: limit reached" for what was cut or came
///   before it left, and what still comes after it is said once, in a Bytes step with no bytes and
///   that event (later bytes still are counted in notRelayedBytes(), not said again).
/// - A timeout counts from the start, or from setFaults() that changed it. Once in effect, what
///   arrives (bytes, the FIN) is dropped and counted in a Bytes step with no bytes and the event
///   "timeout: 4,096 bytes not forwarded" (one step for what arrives while the last is not taken).
/// - Slow close: the FIN leaves slowCloseMs after the bytes ahead of it have left.
class StreamFaults final {
public:
    /// `startNs` is when the connection opened (a timeout counts from it, or from setFaults()).
    StreamFaults(const FaultSet &faults, quint64 seed, qint64 startNs);
    Q_DISABLE_COPY_MOVE(StreamFaults)

    /// Live change: applies to bytes pushed from now on (bytes already held keep their times).
    void setFaults(const FaultSet &faults, qint64 nowNs);
    const FaultSet &faults() const { return m_faults; }
    /// Nothing held and no fault on: the caller may forward bytes straight through.
    bool isPassThrough() const;

    /// Bytes read from the sending leg at nowNs.
    void push(const char *data, qsizetype size, qint64 nowNs);
    /// The sending leg's FIN arrived (relayed after what is held, and after slowCloseMs).
    void pushFin(qint64 nowNs);

    /// What to do next with the receiving leg.
    struct Step {
        enum class Kind : quint8 {
            Bytes, ///< write `bytes`
            Fin,   ///< shut down writing (relays the FIN)
            End,   ///< end the connection as `end` says (a limit was reached)
        };
        Kind kind = Kind::Bytes;
        QByteArray bytes; ///< may be empty with an event: record the event, write nothing
        RelayEnd end = RelayEnd::Close;
        /// An event for the journal of the receiving leg, recorded before the step (may be empty).
        QString event;
    };
    /// The next step due at nowNs, if any; call until nullopt.
    std::optional<Step> takeDue(qint64 nowNs);
    /// When the next held step is due (monotonic ns), or -1 when nothing is held. A bandwidth
    /// limit makes this the moment enough tokens are back for the next piece.
    qint64 nextDueNs() const;
    /// What one held chunk costs beyond its bytes (its entry, its event text): counted in
    /// heldBytes(), so that many tiny chunks press back on the sender as a few large ones do.
    static constexpr quint64 HeldEntryOverhead = 128;
    /// Bytes held back, plus HeldEntryOverhead per held chunk (counted as the receiving leg's
    /// queue, for back-pressure on the sender); 0 when nothing is held.
    quint64 heldBytes() const { return m_heldBytes; }
    /// The bytes held back themselves, without the entries' overhead: what a break drops.
    quint64 heldPayloadBytes() const { return m_heldPayload; }
    /// Bytes dropped because the limit was reached (cut from the last chunk, or pushed after it).
    qint64 notRelayedBytes() const { return m_notRelayed; }
    /// Forwarding stopped by a timeout: bytes are dropped (and counted in the event text).
    bool isTimedOut(qint64 nowNs) const;

private:
    struct Held {
        enum class Kind : quint8 { Bytes, Note, Fin, End };
        Kind kind = Kind::Bytes;
        qint64 dueNs = 0;     ///< of the next piece (Bytes), or of the step
        qint64 arrivalNs = 0; ///< when it was pushed
        QByteArray bytes;
        qsizetype offset = 0;         ///< bytes of `bytes` already taken
        qsizetype pieceLeft = 0;      ///< bytes left of the current slice piece (the rest when unsliced)
        int sliceBytes = 0;           ///< slice size; 0: not sliced
        int sliceVariance = 0;        ///< piece sizes vary within ± this
        quint64 pieceDraws = 0;       ///< the chunk's own generator of piece sizes, drawn lazily
        qint64 pieceDelayNs = 0;      ///< between slice pieces
        qint64 afterPreviousNs = 0;   ///< Fin: slow close counted from when the bytes ahead left
        qint64 droppedBytes = 0;      ///< Note: bytes a timeout (or the limit) did not forward
        bool droppedFin = false;      ///< Note: a FIN a timeout (or the limit) did not forward
        bool byLimit = false;         ///< Note: dropped after the limit's End step left
        bool waitedForTokens = false; ///< the bandwidth held its first piece past dueNs
        bool started = false;         ///< a piece has left (events go with the first one)
        RelayEnd end = RelayEnd::Close;
        QString event;
    };
    static qint64 nextPieceSize(Held &held);
    qint64 drawDelayNs();
    /// The Note that counts what a timeout (or the limit, after its End left) drops, made once and
    /// grown while it waits, so that a stream of drops makes one event, not one per read.
    Held &dropNote(qint64 nowNs, bool byLimit);
    /// The note for what the limit drops after its End left: made once, null when the End will say
    /// it (not left yet) or when the note has been said already.
    Held *limitNote(qint64 nowNs);
    /// "1,000 bytes and the FIN": what a note (or the End) says was not forwarded.
    static QString droppedText(qint64 bytes, bool fin);

    FaultSet m_faults;
    std::mt19937_64 m_random;
    qint64 m_timeoutFromNs = 0;
    qint64 m_forwarded = 0; ///< bytes let through since the limit was set, for the limit
    bool m_limitHit = false;
    bool m_limitEndOut = false;   ///< the End step has left
    bool m_limitNoteMade = false; ///< what came after the End has been noted once
    qint64 m_notRelayed = 0;      ///< bytes dropped by the limit
    bool m_finNotRelayed = false; ///< a FIN dropped by the limit before the End left
    qint64 m_lastDueNs = 0;       ///< latency keeps order: no chunk is due before the one ahead of it
    qint64 m_lastOutNs = 0;       ///< when the last step left (slow close counts from there)
    TokenBucket m_bucket;
    std::deque<Held> m_held;
    quint64 m_heldBytes = 0;
    quint64 m_heldPayload = 0; ///< m_heldBytes without HeldEntryOverhead
};

/// The faults of one direction of one UDP relay client: what becomes of each datagram.
class DatagramFaults final {
public:
    DatagramFaults(const FaultSet &faults, quint64 seed);
    Q_DISABLE_COPY_MOVE(DatagramFaults)

    void setFaults(const FaultSet &faults);
    const FaultSet &faults() const { return m_faults; }
    bool isPassThrough() const;

    /// A reorder window that does not fill is released (shuffled) this long after its first datagram.
    static constexpr qint64 ReorderHoldMs = 200;
    /// Datagrams held (latency, bandwidth, reorder) beyond this many bytes are dropped, and say so.
    /// Each held datagram counts HeldEntryOverhead bytes on top of its payload, so that a flood of
    /// empty datagrams is bounded too (at most MaxHeldBytes / HeldEntryOverhead entries).
    static constexpr qint64 MaxHeldBytes = qint64(64) << 20;
    static constexpr qint64 HeldEntryOverhead = 128;

    struct Out {
        qint64 dueNs = 0;
        QByteArray bytes;
        /// "duplicated" (the copy), "corrupted: bit 13 of 960 flipped", "reordered: sent 3rd of a
        /// window of 4", "delayed 20 ms", "held 12 ms by bandwidth", joined by "; "; may be empty.
        QString event;
    };
    /// One datagram received at nowNs.
    void push(QByteArray datagram, qint64 nowNs);
    /// Events for datagrams that will never leave (dropped), in order; call after push().
    QStringList takeDropped();
    /// The next datagram due at nowNs, if any.
    std::optional<Out> takeDue(qint64 nowNs);
    qint64 nextDueNs() const;

    /// Totals since the start, for tests and statistics.
    struct Counts {
        quint64 received = 0;
        quint64 dropped = 0;
        quint64 duplicated = 0;
        quint64 reordered = 0;
        quint64 corrupted = 0;
        quint64 sent = 0;
    };
    const Counts &counts() const { return m_counts; }

private:
    void schedule(Out out, qint64 nowNs);
    void releaseWindow(qint64 nowNs);

    FaultSet m_faults;
    std::mt19937_64 m_random;
    Counts m_counts;
    std::deque<Out> m_window; ///< held for reordering
    qint64 m_windowSinceNs = 0;
    std::deque<Out> m_due;
    qint64 m_heldBytes = 0;     ///< m_window and m_due, with HeldEntryOverhead each
    bool m_frontWaited = false; ///< the bandwidth held m_due's front past its time
    QStringList m_dropped;
    TokenBucket m_bucket;
    qint64 m_lastDueNs = 0;
    qint64 m_lastNowNs = 0; ///< the latest time seen, for setFaults()
};

/// The generator seed of one relayed connection or UDP client in one direction (see RelayFaults::seed).
quint64 faultSeed(quint64 relaySeed, quint64 arrival, RelayDirection direction);

} // namespace sockbench
