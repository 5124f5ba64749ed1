#pragma once

#include "engine/endpoint.h"
#include "journal/journal.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sockbench {

class Journal;

/// Traffic counted in one sampling interval, from the journal's exact counters. Messages are
/// chunks read or written (TCP) and datagrams (UDP): Counters::chunksIn/chunksOut.
struct RateDelta {
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
    quint64 messagesIn = 0;
    quint64 messagesOut = 0;
    bool isZero() const { return !bytesIn && !bytesOut && !messagesIn && !messagesOut; }
    friend bool operator==(const RateDelta &, const RateDelta &) = default;
};

/// One sampling interval: what was counted in (endMs - intervalMs, endMs].
struct RateSample {
    qint64 endMs = 0; ///< QDateTime::currentMSecsSinceEpoch() at the end of the interval
    int intervalMs = 0;
    RateDelta delta;
    double perSecond(quint64 count) const { return intervalMs > 0 ? count * 1000.0 / intervalMs : 0; }
};

/// Samples the journal's counters at 10 Hz in the engine and keeps the last 60 s per endpoint and
/// in total. Lives in the Workbench's thread. An idle endpoint costs nothing per sample: only the
/// counters that changed since the last sample are visited, and intervals with no traffic are not
/// stored (history() leaves them out; a graph draws them as zero).
///
/// Decisions:
/// - Deltas are differences of the exact counters taken by Journal::takeCounterDeltas(), so an
///   endpoint's deltas add up to Journal::counters() and the total's to Journal::totals(), as
///   long as nothing has been pruned. The first sample holds whatever the journal counted before
///   the meter started.
/// - intervalMs is measured on the monotonic clock (QElapsedTimer): a late timer makes a longer
///   interval, not a wrong rate. endMs is wall-clock time, for drawing against the present.
/// - "The last HistoryMs" is measured on the monotonic clock too, so a wall-clock step neither
///   empties the history nor keeps stale samples.
/// - Pruning visits only what expires: each sample records which endpoints it stored something
///   for, and when it ages out just those endpoints lose their oldest sample. An endpoint whose
///   last sample is gone takes no memory.
class RateMeter final : public QObject {
    Q_OBJECT

public:
    static constexpr int IntervalMs = 100;
    static constexpr int HistoryMs = 60000;

    explicit RateMeter(const Journal &journal, QObject *parent = nullptr);
    ~RateMeter() override;
    Q_DISABLE_COPY_MOVE(RateMeter)

    /// The endpoint's samples of the last HistoryMs, oldest first; zero intervals left out.
    std::vector<RateSample> history(EndpointId id) const;
    /// The same for all endpoints together.
    std::vector<RateSample> totalHistory() const;
    /// The end of the newest interval (as RateSample::endMs), 0 before the first sample.
    qint64 lastSampleMs() const { return m_intervals.empty() ? 0 : m_intervals.back().endMs; }
    /// Stops sampling for good: nothing is kept and sampled() is not emitted any more.
    void stop();
    /// Drops the history of an endpoint (Workbench::forget()). What the endpoint counted between
    /// the last sample and this call is dropped with it, so a closed endpoint does not come back.
    void forget(EndpointId id);

Q_SIGNALS:
    /// Emitted after each sample, whether or not anything changed (a graph scrolls on it).
    void sampled(qint64 endMs);

private:
    /// Where a sample reads the time. Tests replace it (through RateMeterTestAccess, which they
    /// define) to age the history by 60 s without waiting.
    struct Clock {
        std::function<qint64()> wallMs;
        std::function<qint64()> monotonicMs;
    };
    friend struct RateMeterTestAccess;

    /// One sampling interval, kept for HistoryMs whether or not anything was counted in it.
    struct Interval {
        quint64 serial;
        qint64 endMs;
        qint64 monotonicEndMs;
        int intervalMs;
        std::vector<EndpointId> endpoints; ///< the endpoints that stored a sample for it
    };
    /// A stored sample: its delta and the serial of its Interval (which has the times).
    struct Kept {
        RateDelta delta;
        quint64 serial;
    };
    /// One endpoint's (or the total's) kept samples, oldest first from `head`.
    struct Series {
        std::vector<Kept> kept;
        size_t head = 0;
        bool empty() const { return head == kept.size(); }
        void dropThrough(quint64 serial);
    };

    void sample();
    void prune(qint64 monotonicNowMs);
    std::vector<RateSample> samplesOf(const Series &series) const;

    const Journal &m_journal;
    QTimer m_timer;
    QElapsedTimer m_monotonic;
    Clock m_clock;
    qint64 m_lastMonotonicMs = 0;
    quint64 m_nextSerial = 0;
    std::deque<Interval> m_intervals;                   ///< the last HistoryMs, oldest first
    std::unordered_map<EndpointId, Series> m_endpoints; ///< only endpoints with a kept sample
    Series m_total;
    std::unordered_set<EndpointId> m_forgotten; ///< forgotten since the last sample
    std::vector<CounterDelta> m_changed;        ///< reused by sample(), to not allocate per tick
};

} // namespace sockbench
