#pragma once

// Internal to core: one direction's faults at work, without sockets or threads. The relay feeds
// what one leg read and sends what comes out to the other leg when it is due, arming a timer for
// nextDueNs(); a test can drive it with made-up times.

#include "engine/relayoptions.h"

#include <QByteArray>
#include <QString>

#include <deque>
#include <optional>
#include <random>

namespace sockbench {

/// The faults of one direction of one relayed TCP connection. Bytes, then the end, leave in the
/// order they came; every fault that changes a chunk says so in an event text ("delayed 212 ms",
/// "sliced into 7 pieces", "limit of 4096 bytes reached: reset") for the journal, at its place.
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
        QByteArray bytes;
        RelayEnd end = RelayEnd::Close;
        /// An event for the journal of the receiving leg, recorded before the step (may be empty).
        QString event;
    };
    /// The next step due at nowNs, if any; call until nullopt.
    std::optional<Step> takeDue(qint64 nowNs);
    /// When the next held step is due (monotonic ns), or -1 when nothing is held. A bandwidth
    /// limit makes this the moment enough tokens are back for the next piece.
    qint64 nextDueNs() const;
    /// Bytes held back (counted as the receiving leg's queue, for back-pressure on the sender).
    quint64 heldBytes() const { return m_heldBytes; }
    /// Forwarding stopped by a timeout: bytes are dropped (and counted in the event text).
    bool isTimedOut(qint64 nowNs) const;

private:
    struct Held {
        qint64 dueNs = 0;
        QByteArray bytes; ///< empty with fin set: the FIN
        bool fin = false;
        QString event;
    };

    FaultSet m_faults;
    std::mt19937_64 m_random;
    qint64 m_timeoutFromNs = 0;
    qint64 m_forwarded = 0; ///< bytes let through, for the limit
    bool m_limitHit = false;
    qint64 m_lastDueNs = 0; ///< latency keeps order: no chunk is due before the one ahead of it
    double m_tokens = 0;    ///< bandwidth bucket, in bytes
    qint64 m_tokensAtNs = 0;
    std::deque<Held> m_held;
    quint64 m_heldBytes = 0;
};

/// The faults of one direction of one UDP relay client: what becomes of each datagram.
class DatagramFaults final {
public:
    DatagramFaults(const FaultSet &faults, quint64 seed);
    Q_DISABLE_COPY_MOVE(DatagramFaults)

    void setFaults(const FaultSet &faults);
    const FaultSet &faults() const { return m_faults; }
    bool isPassThrough() const;

    struct Out {
        qint64 dueNs = 0;
        QByteArray bytes;
        QString event; ///< "dropped", "duplicated", "corrupted: bit 13 flipped", "reordered", "delayed 20 ms"
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
    FaultSet m_faults;
    std::mt19937_64 m_random;
    Counts m_counts;
    std::deque<Out> m_window; ///< held for reordering
    std::deque<Out> m_due;
    QStringList m_dropped;
    double m_tokens = 0;
    qint64 m_tokensAtNs = 0;
    qint64 m_lastDueNs = 0;
};

/// The generator seed of one relayed connection or UDP client in one direction (see RelayFaults::seed).
quint64 faultSeed(quint64 relaySeed, quint64 arrival, RelayDirection direction);

} // namespace sockbench
