#include "engine/faultpipe.h"

#include "language/numbers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace sockbench {

namespace {

// Token arithmetic is in doubles: a piece counts as paid when this close, so that a timer fired at
// exactly nextDueNs() always finds its tokens (no wake-up that does nothing, no spin).
constexpr double TokenSlack = 1e-3;

// The distributions of <random> differ between standard libraries; these depend only on the
// generator, so a seed gives the same run everywhere.
double uniform01(std::mt19937_64 &random) {
    return double(random() >> 11) * (1.0 / 9007199254740992.0);
}

// splitmix64: a generator of eight bytes, for what a held chunk draws lazily (its slice sizes).
struct SplitMix {
    quint64 &state;
    quint64 operator()() {
        quint64 z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
};

// Uniform in [lo, hi]; spans here are far below 2^64, so the modulo's bias is negligible.
template <typename Generator> qint64 uniformInt(Generator &&random, qint64 lo, qint64 hi) {
    if (hi <= lo)
        return lo;
    return lo + qint64(random() % quint64(hi - lo + 1));
}

bool chance(std::mt19937_64 &random, double percent) {
    return percent > 0 && uniform01(random) * 100.0 < percent;
}

QString ordinal(qsizetype n) {
    const qsizetype tens = n % 100;
    const char *suffix = "th";
    if (tens < 11 || tens > 13) {
        switch (n % 10) {
        case 1:
            suffix = "st";
            break;
        case 2:
            suffix = "nd";
            break;
        case 3:
            suffix = "rd";
            break;
        default:
            break;
        }
    }
    return QString::number(n) + QLatin1String(suffix);
}

void appendEvent(QString &event, const QString &text) {
    if (!event.isEmpty())
        event += QStringLiteral("; ");
    event += text;
}

QString msText(qint64 ns) {
    return QStringLiteral("%1 ms").arg(grouped((ns + NsPerMs / 2) / NsPerMs));
}

// Latency plus a uniform jitter, never below zero.
qint64 drawLatencyNs(const FaultSet &faults, std::mt19937_64 &random) {
    qint64 delay = qint64(qMax(faults.latencyMs, 0)) * NsPerMs;
    if (faults.jitterMs > 0) {
        const qint64 jitter = qint64(faults.jitterMs) * NsPerMs;
        delay += uniformInt(random, -jitter, jitter);
    }
    return qMax<qint64>(delay, 0);
}

bool hasLatency(const FaultSet &faults) {
    return faults.latencyMs > 0 || faults.jitterMs > 0;
}

// a + b for a time and a non-negative span, saturated: a day between a million pieces must not wrap.
qint64 addSaturated(qint64 a, qint64 b) {
    return b > std::numeric_limits<qint64>::max() - a ? std::numeric_limits<qint64>::max() : a + b;
}

// n * b, both non-negative, saturated.
qint64 mulSaturated(qint64 n, qint64 b) {
    if (n <= 0 || b <= 0)
        return 0;
    return n > std::numeric_limits<qint64>::max() / b ? std::numeric_limits<qint64>::max() : n * b;
}

// When `tokens` (as of `atNs`) grow to `need` at `rate` bytes per second.
qint64 tokensReadyNs(double tokens, qint64 atNs, double need, qint64 rate) {
    if (tokens + TokenSlack >= need)
        return atNs;
    const double wait = std::ceil((need - tokens) * double(NsPerSecond) / double(rate));
    // A wait beyond ~292 years cannot be armed anyway; clamp instead of overflowing.
    return wait > 9.0e18 - double(atNs) ? std::numeric_limits<qint64>::max() : atNs + qint64(wait) + 1;
}

} // namespace

// ---- TokenBucket ----------------------------------------------------------------------------

TokenBucket::TokenBucket(qint64 rate, qint64 startNs)
    : m_rate(rate)
    , m_tokens(piece())
    , m_atNs(startNs) {}

// Bytes leave in pieces of 1/20 s worth (at least one byte), so about 20 writes a second. The
// bucket holds two pieces: a timer that fires late keeps the tokens it earned meanwhile (with room
// for one piece only, every late wake-up would lose some, and the rate would fall short by the
// timers' lateness), and an idle line lets at most 1/10 s worth through at once.
double TokenBucket::piece() const {
    return qMax(1.0, double(m_rate) / 20.0);
}

void TokenBucket::refill(qint64 nowNs) {
    if (m_atNs < 0) {
        // The first look at the clock: the bucket holds the one piece it started with, whatever
        // the clock reads (counting from zero would fill it to two).
        m_atNs = nowNs;
        return;
    }
    if (nowNs <= m_atNs)
        return;
    if (m_rate > 0) {
        const double earned = double(nowNs - m_atNs) * double(m_rate) / double(NsPerSecond);
        m_tokens = std::min(bucketSize(), m_tokens + earned);
    }
    m_atNs = nowNs;
}

void TokenBucket::setRate(qint64 rate, qint64 nowNs) {
    if (nowNs >= 0)
        refill(nowNs);
    const qint64 old = std::exchange(m_rate, rate);
    if (rate > 0 && old <= 0)
        m_tokens = piece(); // a line that was unlimited has had no debt
    else
        m_tokens = std::min(m_tokens, bucketSize());
}

bool TokenBucket::take(double need, double cost, qint64 nowNs) {
    refill(nowNs);
    if (m_tokens + TokenSlack < need)
        return false;
    m_tokens = cost > need ? m_tokens - cost : qMax(0.0, m_tokens - cost);
    return true;
}

qint64 TokenBucket::readyNs(double need) const {
    if (m_atNs < 0)
        return m_tokens + TokenSlack >= need ? -1 : 0; // not started: ready as soon as it is
    return tokensReadyNs(m_tokens, m_atNs, need, m_rate);
}

quint64 faultSeed(quint64 relaySeed, quint64 arrival, RelayDirection direction) {
    // splitmix64 over the three inputs: neighbouring connections get unrelated generators.
    quint64 z = relaySeed ^ (arrival * 0x9E3779B97F4A7C15ULL) ^
                (direction == RelayDirection::Up ? 0 : 0xD1B54A32D192ED03ULL);
    for (int round = 0; round < 2; ++round) {
        z += 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
    }
    return z;
}

// ---- StreamFaults ----------------------------------------------------------------------------

StreamFaults::StreamFaults(const FaultSet &faults, quint64 seed, qint64 startNs)
    : m_faults(faults)
    , m_random(seed)
    , m_timeoutFromNs(startNs)
    , m_lastDueNs(startNs)
    , m_lastOutNs(startNs)
    , m_bucket(faults.bandwidthBytesPerSecond, startNs) {}

void StreamFaults::setFaults(const FaultSet &faults, qint64 nowNs) {
    const FaultSet old = std::exchange(m_faults, faults);
    m_bucket.setRate(faults.bandwidthBytesPerSecond, nowNs);
    if (faults.timeoutMs != old.timeoutMs)
        m_timeoutFromNs = nowNs;
    if (faults.limitBytes != old.limitBytes)
        m_forwarded = 0;
}

bool StreamFaults::isPassThrough() const {
    return m_held.empty() && !m_limitHit && m_faults.isEmpty();
}

bool StreamFaults::isTimedOut(qint64 nowNs) const {
    return m_faults.timeoutMs >= 0 && nowNs >= m_timeoutFromNs + qint64(m_faults.timeoutMs) * NsPerMs;
}

qint64 StreamFaults::drawDelayNs() {
    return drawLatencyNs(m_faults, m_random);
}

StreamFaults::Held &StreamFaults::dropNote(qint64 nowNs, bool byLimit) {
    // One growing note while the drops last, unless real steps came in between.
    if (m_held.empty() || m_held.back().kind != Held::Kind::Note || m_held.back().started ||
        m_held.back().byLimit != byLimit) {
        Held note;
        note.kind = Held::Kind::Note;
        note.byLimit = byLimit;
        note.arrivalNs = nowNs;
        note.dueNs = std::max(nowNs, m_lastDueNs);
        m_lastDueNs = note.dueNs;
        m_held.push_back(std::move(note));
    }
    return m_held.back();
}

void StreamFaults::push(const char *data, qsizetype size, qint64 nowNs) {
    if (size <= 0)
        return;
    if (m_limitHit) {
        // The connection is ending: nothing more leaves, and the journal says how much did not:
        // the End's event while it waits, then one note for what comes after it.
        m_notRelayed += size;
        if (Held *note = limitNote(nowNs))
            note->droppedBytes += size;
        return;
    }
    if (isTimedOut(nowNs)) {
        dropNote(nowNs, false).droppedBytes += size;
        return;
    }

    QString event;
    bool reachesLimit = false;
    const qsizetype pushed = size;
    if (m_faults.limitBytes >= 0) {
        const qint64 room = qMax<qint64>(m_faults.limitBytes - m_forwarded, 0);
        if (size >= room) {
            size = room;
            reachesLimit = true;
        }
    }
    m_forwarded += size;

    qint64 dueNs = std::max(nowNs, m_lastDueNs);
    if (hasLatency(m_faults)) {
        dueNs = std::max(nowNs + drawDelayNs(), m_lastDueNs);
        event = QStringLiteral("delayed ") + msText(dueNs - nowNs);
    }

    if (size > 0) {
        Held held;
        held.arrivalNs = nowNs;
        held.dueNs = dueNs;
        held.bytes = QByteArray(data, size);
        held.pieceLeft = size;
        if (m_faults.sliceBytes > 0) {
            held.sliceBytes = m_faults.sliceBytes;
            held.sliceVariance = qMax(m_faults.sliceVariance, 0);
            qsizetype pieceCount = 0;
            if (held.sliceVariance == 0) {
                pieceCount = (size + held.sliceBytes - 1) / held.sliceBytes;
            } else {
                // The sizes come from the chunk's own generator, seeded by one draw: counted here on
                // a copy, drawn again as the pieces leave, so a chunk of a million 1-byte pieces
                // holds eight bytes of state, not a list of a million sizes.
                held.pieceDraws = m_random();
                Held counter;
                counter.bytes = held.bytes;
                counter.sliceBytes = held.sliceBytes;
                counter.sliceVariance = held.sliceVariance;
                counter.pieceDraws = held.pieceDraws;
                while (counter.offset < size) {
                    counter.offset += nextPieceSize(counter);
                    ++pieceCount;
                }
            }
            held.pieceLeft = nextPieceSize(held);
            if (pieceCount > 1) {
                held.pieceDelayNs = qint64(qMax(m_faults.sliceDelayMs, 0)) * NsPerMs;
                appendEvent(event, QStringLiteral("sliced into %1 pieces").arg(grouped(pieceCount)));
                dueNs = addSaturated(dueNs, mulSaturated(pieceCount - 1, held.pieceDelayNs));
            }
        }
        held.event = event;
        event.clear();
        m_heldBytes += quint64(size) + HeldEntryOverhead;
        m_heldPayload += quint64(size);
        m_held.push_back(std::move(held));
    }
    m_lastDueNs = dueNs;

    if (reachesLimit) {
        m_limitHit = true;
        m_notRelayed += pushed - size; // the rest of the chunk that reached it
        Held end;
        end.kind = Held::Kind::End;
        end.arrivalNs = nowNs;
        end.dueNs = m_lastDueNs;
        end.end = m_faults.limitEnd;
        end.event =
            QStringLiteral("limit of %1 bytes reached: %2")
                .arg(grouped(m_faults.limitBytes),
                     m_faults.limitEnd == RelayEnd::Reset ? QLatin1String("reset") : QLatin1String("close"));
        if (!event.isEmpty()) // no bytes were left to carry the latency's text
            end.event = event + QStringLiteral("; ") + end.event;
        m_held.push_back(std::move(end));
    }
}

StreamFaults::Held *StreamFaults::limitNote(qint64 nowNs) {
    if (!m_limitEndOut)
        return nullptr; // the End's event counts it
    if (!m_limitNoteMade) {
        m_limitNoteMade = true;
        return &dropNote(nowNs, true);
    }
    if (!m_held.empty() && m_held.back().kind == Held::Kind::Note && m_held.back().byLimit)
        return &m_held.back(); // not taken yet: it grows
    return nullptr;            // said once already: counted only
}

void StreamFaults::pushFin(qint64 nowNs) {
    if (m_limitHit) {
        if (Held *note = limitNote(nowNs))
            note->droppedFin = true;
        else if (!m_limitEndOut)
            m_finNotRelayed = true;
        return;
    }
    if (isTimedOut(nowNs)) {
        dropNote(nowNs, false).droppedFin = true;
        return;
    }
    Held fin;
    fin.kind = Held::Kind::Fin;
    fin.arrivalNs = nowNs;
    fin.afterPreviousNs = qint64(qMax(m_faults.slowCloseMs, 0)) * NsPerMs;
    fin.dueNs = addSaturated(std::max(nowNs, m_lastDueNs), fin.afterPreviousNs);
    m_lastDueNs = fin.dueNs;
    m_held.push_back(std::move(fin));
}

qint64 StreamFaults::nextPieceSize(Held &held) {
    const qsizetype left = held.bytes.size() - held.offset;
    if (held.sliceBytes <= 0)
        return left;
    if (held.sliceVariance == 0)
        return qMin<qsizetype>(held.sliceBytes, left);
    const qint64 drawn = uniformInt(SplitMix{held.pieceDraws}, qint64(held.sliceBytes) - held.sliceVariance,
                                    qint64(held.sliceBytes) + held.sliceVariance);
    return qMin<qint64>(left, qMax<qint64>(1, drawn));
}

QString StreamFaults::droppedText(qint64 bytes, bool fin) {
    QStringList what;
    if (bytes > 0)
        what << QStringLiteral("%1 bytes").arg(grouped(bytes));
    if (fin)
        what << QStringLiteral("the FIN");
    return what.join(QStringLiteral(" and "));
}

std::optional<StreamFaults::Step> StreamFaults::takeDue(qint64 nowNs) {
    if (m_held.empty())
        return std::nullopt;
    Held &held = m_held.front();
    if (held.dueNs > nowNs)
        return std::nullopt;

    switch (held.kind) {
    case Held::Kind::Note: {
        const QString what = droppedText(held.droppedBytes, held.droppedFin);
        Step step{Step::Kind::Bytes,
                  {},
                  RelayEnd::Close,
                  held.byLimit ? QStringLiteral("%1 not relayed: limit reached").arg(what)
                               : QStringLiteral("timeout: %1 not forwarded").arg(what)};
        m_held.pop_front();
        return step;
    }
    case Held::Kind::Fin: {
        if (m_lastOutNs + held.afterPreviousNs > nowNs)
            return std::nullopt; // slow close: counted from when the bytes ahead left
        QString event;
        if (held.afterPreviousNs > 0)
            event = QStringLiteral("slow close: FIN held ") + msText(nowNs - held.arrivalNs);
        m_held.pop_front();
        m_lastOutNs = nowNs;
        return Step{Step::Kind::Fin, {}, RelayEnd::Close, event};
    }
    case Held::Kind::End: {
        Step step{Step::Kind::End, {}, held.end, held.event};
        if (m_notRelayed > 0 || m_finNotRelayed)
            appendEvent(step.event, QStringLiteral("%1 not relayed: limit reached")
                                        .arg(droppedText(m_notRelayed, m_finNotRelayed)));
        m_limitEndOut = true;
        m_held.pop_front();
        m_lastOutNs = nowNs;
        return step;
    }
    case Held::Kind::Bytes:
        break;
    }

    qint64 n = held.pieceLeft;
    const qint64 rate = m_faults.bandwidthBytesPerSecond;
    if (rate > 0) {
        n = qMin<qint64>(n, qint64(m_bucket.piece()));
        if (!m_bucket.take(double(n), double(n), nowNs)) {
            if (!held.started)
                held.waitedForTokens = true;
            return std::nullopt;
        }
    }

    Step step;
    step.kind = Step::Kind::Bytes;
    if (held.offset == 0 && n == held.bytes.size())
        step.bytes = held.bytes; // the whole chunk: shared, not copied
    else
        step.bytes = held.bytes.mid(held.offset, n);
    if (!held.started) {
        held.started = true;
        step.event = std::move(held.event);
        if (rate > 0) {
            QString bandwidth;
            if (held.waitedForTokens && nowNs - held.dueNs >= NsPerMs)
                bandwidth = QStringLiteral("held ") + msText(nowNs - held.dueNs);
            const qint64 rest = held.bytes.size() - held.offset - n;
            if (rest > 0 && held.sliceBytes == 0) {
                if (!bandwidth.isEmpty())
                    bandwidth += QStringLiteral(", ");
                bandwidth += QStringLiteral("paced over %1 s")
                                 .arg(double(held.bytes.size()) / double(rate), 0, 'f', 1);
            }
            if (!bandwidth.isEmpty())
                appendEvent(step.event, bandwidth + QStringLiteral(" by bandwidth"));
        }
    }
    held.offset += n;
    held.pieceLeft -= n;
    m_heldBytes -= quint64(n);
    m_heldPayload -= quint64(n);
    m_lastOutNs = nowNs;
    if (held.offset >= held.bytes.size()) {
        m_heldBytes -= HeldEntryOverhead;
        m_held.pop_front();
    } else if (held.pieceLeft == 0) {
        held.pieceLeft = nextPieceSize(held);
        held.dueNs = addSaturated(held.dueNs, held.pieceDelayNs);
    }
    return step;
}

qint64 StreamFaults::nextDueNs() const {
    if (m_held.empty())
        return -1;
    const Held &held = m_held.front();
    switch (held.kind) {
    case Held::Kind::Fin:
        return std::max(held.dueNs, m_lastOutNs + held.afterPreviousNs);
    case Held::Kind::Note:
    case Held::Kind::End:
        return held.dueNs;
    case Held::Kind::Bytes:
        break;
    }
    if (m_faults.bandwidthBytesPerSecond <= 0)
        return held.dueNs;
    const double need = double(qMin<qint64>(held.pieceLeft, qint64(m_bucket.piece())));
    return std::max(held.dueNs, m_bucket.readyNs(need));
}

// ---- DatagramFaults --------------------------------------------------------------------------

DatagramFaults::DatagramFaults(const FaultSet &faults, quint64 seed)
    : m_faults(faults)
    , m_random(seed)
    , m_bucket(faults.bandwidthBytesPerSecond) {}

void DatagramFaults::setFaults(const FaultSet &faults) {
    m_faults = faults;
    // Before any datagram the time is unknown: the bucket starts at its first use, as a new one.
    m_bucket.setRate(faults.bandwidthBytesPerSecond, m_counts.received > 0 ? m_lastNowNs : -1);
    if (!m_window.empty() && qsizetype(m_window.size()) >= qMax(faults.reorderWindow, 1))
        releaseWindow(m_lastNowNs); // the window shrank (or reordering stopped): let it go now
}

bool DatagramFaults::isPassThrough() const {
    return m_window.empty() && m_due.empty() && m_faults.isEmpty();
}

void DatagramFaults::push(QByteArray datagram, qint64 nowNs) {
    m_lastNowNs = std::max(m_lastNowNs, nowNs);
    ++m_counts.received;
    if (chance(m_random, m_faults.dropPercent)) {
        ++m_counts.dropped;
        m_dropped << QStringLiteral("dropped");
        return;
    }
    Out out;
    out.bytes = std::move(datagram);
    if (!out.bytes.isEmpty() && chance(m_random, m_faults.corruptPercent)) {
        const qint64 bits = qint64(out.bytes.size()) * 8;
        const qint64 bit = uniformInt(m_random, 0, bits - 1);
        out.bytes[qsizetype(bit / 8)] = char(out.bytes[qsizetype(bit / 8)] ^ char(1 << (bit % 8)));
        out.event = QStringLiteral("corrupted: bit %1 of %2 flipped").arg(bit).arg(grouped(bits));
        ++m_counts.corrupted;
    }
    std::optional<Out> copy;
    if (chance(m_random, m_faults.duplicatePercent)) {
        copy = Out{0, out.bytes, QStringLiteral("duplicated")};
        ++m_counts.duplicated;
    }
    for (Out *each : {&out, copy ? &*copy : nullptr}) {
        if (!each)
            continue;
        const qint64 cost = each->bytes.size() + HeldEntryOverhead;
        if (m_heldBytes + cost > MaxHeldBytes) {
            ++m_counts.dropped;
            m_dropped << QStringLiteral("dropped: the relay already holds %1 MiB for this client")
                             .arg(MaxHeldBytes >> 20);
            continue;
        }
        m_heldBytes += cost;
        if (m_faults.reorderWindow > 1) {
            if (m_window.empty())
                m_windowSinceNs = nowNs;
            m_window.push_back(std::move(*each));
            if (qsizetype(m_window.size()) >= m_faults.reorderWindow)
                releaseWindow(nowNs);
        } else {
            schedule(std::move(*each), nowNs);
        }
    }
}

void DatagramFaults::releaseWindow(qint64 nowNs) {
    const qsizetype n = qsizetype(m_window.size());
    std::vector<qsizetype> order(size_t(n), 0);
    for (qsizetype i = 0; i < n; ++i)
        order[size_t(i)] = i;
    for (qsizetype i = n - 1; i > 0; --i) // Fisher-Yates, with our own draws
        std::swap(order[size_t(i)], order[size_t(uniformInt(m_random, 0, i))]);
    std::deque<Out> window;
    window.swap(m_window);
    for (qsizetype position = 0; position < n; ++position) {
        Out out = std::move(window[size_t(order[size_t(position)])]);
        if (order[size_t(position)] != position) {
            appendEvent(
                out.event,
                QStringLiteral("reordered: sent %1 of a window of %2").arg(ordinal(position + 1)).arg(n));
            ++m_counts.reordered;
        }
        schedule(std::move(out), nowNs);
    }
}

void DatagramFaults::schedule(Out out, qint64 nowNs) {
    out.dueNs = std::max(nowNs, m_lastDueNs);
    if (hasLatency(m_faults)) {
        out.dueNs = std::max(nowNs + drawLatencyNs(m_faults, m_random), m_lastDueNs);
        appendEvent(out.event, QStringLiteral("delayed ") + msText(out.dueNs - nowNs));
    }
    m_lastDueNs = out.dueNs;
    m_due.push_back(std::move(out));
}

QStringList DatagramFaults::takeDropped() {
    return std::exchange(m_dropped, {});
}

std::optional<DatagramFaults::Out> DatagramFaults::takeDue(qint64 nowNs) {
    m_lastNowNs = std::max(m_lastNowNs, nowNs);
    if (!m_window.empty() && nowNs >= m_windowSinceNs + ReorderHoldMs * NsPerMs)
        releaseWindow(nowNs);
    if (m_due.empty() || m_due.front().dueNs > nowNs)
        return std::nullopt;
    Out &front = m_due.front();
    const qint64 rate = m_faults.bandwidthBytesPerSecond;
    if (rate > 0) {
        // A datagram cannot be cut: it waits for a piece's worth at most, and may leave the bucket in
        // debt, so that large datagrams still average out at the rate.
        const double need = std::min(double(front.bytes.size()), m_bucket.piece());
        if (!m_bucket.take(need, double(front.bytes.size()), nowNs)) {
            m_frontWaited = true;
            return std::nullopt;
        }
        if (m_frontWaited && nowNs - front.dueNs >= NsPerMs)
            appendEvent(front.event, QStringLiteral("held ") + msText(nowNs - front.dueNs) +
                                         QStringLiteral(" by bandwidth"));
    }
    m_frontWaited = false;
    Out out = std::move(front);
    m_due.pop_front();
    m_heldBytes -= out.bytes.size() + HeldEntryOverhead;
    ++m_counts.sent;
    return out;
}

qint64 DatagramFaults::nextDueNs() const {
    qint64 next = -1;
    if (!m_due.empty()) {
        const Out &front = m_due.front();
        next = front.dueNs;
        if (m_faults.bandwidthBytesPerSecond > 0)
            next = std::max(next, m_bucket.readyNs(std::min(double(front.bytes.size()), m_bucket.piece())));
    }
    if (!m_window.empty()) {
        const qint64 release = m_windowSinceNs + ReorderHoldMs * NsPerMs;
        next = next < 0 ? release : std::min(next, release);
    }
    return next;
}

} // namespace sockbench
