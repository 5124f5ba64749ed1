#include "engine/ratemeter.h"

#include "journal/journal.h"

#include <QDateTime>

namespace sockbench {

namespace {

RateDelta rateDeltaOf(const Counters &gained) {
    return {gained.bytesIn, gained.bytesOut, gained.chunksIn, gained.chunksOut};
}

} // namespace

void RateMeter::Series::dropThrough(quint64 serial) {
    while (head < kept.size() && kept[head].serial <= serial)
        ++head;
    // Compact once half is dead: each sample is moved at most once per time it is kept, on average.
    if (head == kept.size()) {
        kept.clear();
        head = 0;
    } else if (head * 2 >= kept.size()) {
        kept.erase(kept.begin(), kept.begin() + qsizetype(head));
        head = 0;
    }
}

RateMeter::RateMeter(const Journal &journal, QObject *parent)
    : QObject(parent)
    , m_journal(journal) {
    m_monotonic.start();
    m_clock.wallMs = [] { return QDateTime::currentMSecsSinceEpoch(); };
    m_clock.monotonicMs = [this] { return m_monotonic.elapsed(); };
    m_lastMonotonicMs = m_clock.monotonicMs();
    // Precise: a coarse timer may fire up to 5 % late, and the graph should step evenly.
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(IntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &RateMeter::sample);
    m_timer.start();
}

RateMeter::~RateMeter() = default;

void RateMeter::stop() {
    m_timer.stop();
    m_forgotten.clear();
}

void RateMeter::sample() {
    const qint64 monotonicMs = m_clock.monotonicMs();
    Interval interval;
    interval.serial = m_nextSerial++;
    interval.endMs = m_clock.wallMs();
    interval.monotonicEndMs = monotonicMs;
    interval.intervalMs = int(monotonicMs - m_lastMonotonicMs);
    m_lastMonotonicMs = monotonicMs;

    Counters total;
    m_journal.takeCounterDeltas(&m_changed, &total);
    for (const CounterDelta &changed : m_changed) {
        const RateDelta delta = rateDeltaOf(changed.gained);
        if (delta.isZero() || m_forgotten.contains(changed.endpoint))
            continue;
        m_endpoints[changed.endpoint].kept.push_back({delta, interval.serial});
        interval.endpoints.push_back(changed.endpoint);
    }
    // Only counts that came before forget() can be pending: the endpoint was final by then.
    m_forgotten.clear();
    if (const RateDelta delta = rateDeltaOf(total); !delta.isZero())
        m_total.kept.push_back({delta, interval.serial});
    m_intervals.push_back(std::move(interval));
    prune(monotonicMs);
    Q_EMIT sampled(m_intervals.back().endMs);
}

void RateMeter::prune(qint64 monotonicNowMs) {
    const qint64 cutoff = monotonicNowMs - HistoryMs;
    while (!m_intervals.empty() && m_intervals.front().monotonicEndMs <= cutoff) {
        const Interval &old = m_intervals.front();
        for (EndpointId id : old.endpoints) {
            auto it = m_endpoints.find(id);
            // Gone after forget(); if it came back, its samples are newer than this serial.
            if (it == m_endpoints.end())
                continue;
            it->second.dropThrough(old.serial);
            if (it->second.empty())
                m_endpoints.erase(it);
        }
        m_total.dropThrough(old.serial);
        m_intervals.pop_front();
    }
}

std::vector<RateSample> RateMeter::samplesOf(const Series &series) const {
    std::vector<RateSample> samples;
    samples.reserve(series.kept.size() - series.head);
    for (size_t i = series.head; i < series.kept.size(); ++i) {
        const Kept &kept = series.kept[i];
        // Every kept sample's interval is still in m_intervals (both are pruned together), and
        // serials there are consecutive.
        const Interval &interval = m_intervals[size_t(kept.serial - m_intervals.front().serial)];
        samples.push_back({interval.endMs, interval.intervalMs, kept.delta});
    }
    return samples;
}

std::vector<RateSample> RateMeter::history(EndpointId id) const {
    auto it = m_endpoints.find(id);
    return it == m_endpoints.end() ? std::vector<RateSample>{} : samplesOf(it->second);
}

std::vector<RateSample> RateMeter::totalHistory() const {
    return samplesOf(m_total);
}

void RateMeter::forget(EndpointId id) {
    m_endpoints.erase(id);
    // Only a running meter takes another sample that must leave the endpoint out: a stopped one
    // (the command line's) would keep every endpoint ever forgotten.
    if (m_timer.isActive())
        m_forgotten.insert(id);
}

} // namespace sockbench
