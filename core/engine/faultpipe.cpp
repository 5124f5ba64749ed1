#include "engine/faultpipe.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace sockbench {

namespace {

constexpr qint64 NsPerMs = 1000000;
constexpr qint64 NsPerSecond = 1000000000;
// Token arithmetic is in doubles: a piece counts as paid when this close, so that a timer fired at
// exactly nextDueNs() always finds its tokens (no wake-up that does nothing, no spin).
constexpr double TokenSlack = 1e-3;

// The distributions of <random> differ between standard libraries; these depend only on the
// generator, so a seed gives the same run everywhere.
double uniform01(std::mt19937_64 &random) {
    return double(random() >> 11) * (1.0 / 9007199254740992.0);
}

// Uniform in [lo, hi]; spans here are far below 2^64, so the modulo's bias is negligible.
qint64 uniformInt(std::mt19937_64 &random, qint64 lo, qint64 hi) {
    if (hi <= lo)
        return lo;
    return lo + qint64(random() % quint64(hi - lo + 1));
}

bool chance(std::mt19937_64 &random, double percent) {
    return percent > 0 && uniform01(random) * 100.0 < percent;
}

// "4,096": counts in event texts, grouped so that large ones read at a glance.
QString grouped(qint64 n) {
    QString digits = QString::number(n < 0 ? -n : n);
    for (qsizetype i = digits.size() - 3; i > 0; i -= 3)
        digits.insert(i, QLatin1Char(','));
    return n < 0 ? QLatin1Char('-') + digits : digits;
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

// The bucket: 1/20 s worth of bytes, at least one, so that pieces leave about 20 times a second.
double bucketOf(const FaultSet &faults) {
    return qMax(1.0, double(faults.bandwidthBytesPerSecond) / 20.0);
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
    , m_tokens(bucketOf(faults))
    , m_tokensAtNs(startNs) {}

double StreamFaults::bucketSize() const {
    return bucketOf(m_faults);
}

void StreamFaults::refillTokens(qint64 nowNs) {
    if (nowNs <= m_tokensAtNs)
        return;
    if (m_faults.bandwidthBytesPerSecond > 0) {
        const double earned =
            double(nowNs - m_tokensAtNs) * double(m_faults.bandwidthBytesPerSecond) / double(NsPerSecond);
        m_tokens = std::min(bucketSize(), m_tokens + earned);
    }
    m_tokensAtNs = nowNs;
}

void StreamFaults::setFaults(const FaultSet &faults, qint64 nowNs) {
    refillTokens(nowNs);
    const FaultSet old = std::exchange(m_faults, faults);
    if (faults.bandwidthBytesPerSecond > 0 && old.bandwidthBytesPerSecond <= 0)
        m_tokens = bucketSize(); // a line that was unlimited has had no debt
    else
        m_tokens = std::min(m_tokens, bucketSize());
    m_tokensAtNs = std::max(m_tokensAtNs, nowNs);
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

void StreamFaults::push(const char *data, qsizetype size, qint64 nowNs) {
    if (size <= 0 || m_limitHit)
        return; // after a limit the connection is ending: nothing more leaves
    if (isTimedOut(nowNs)) {
        // One growing note while the timeout lasts, unless real steps came in between.
        if (m_held.empty() || m_held.back().kind != Held::Kind::Note || m_held.back().started) {
            Held note;
            note.kind = Held::Kind::Note;
            note.arrivalNs = nowNs;
            note.dueNs = std::max(nowNs, m_lastDueNs);
            m_lastDueNs = note.dueNs;
            m_held.push_back(std::move(note));
        }
        m_held.back().droppedBytes += size;
        return;
    }

    QString event;
    bool reachesLimit = false;
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
            const int base = m_faults.sliceBytes;
            const int variance = qMax(m_faults.sliceVariance, 0);
            qsizetype pieceCount = 0;
            if (variance == 0) {
                held.sliceBytes = base;
                pieceCount = (size + base - 1) / base;
                held.pieceLeft = qMin<qsizetype>(base, size);
            } else {
                qsizetype left = size;
                while (left > 0) {
                    const qsizetype piece =
                        qMin<qsizetype>(left, qMax<qint64>(1, uniformInt(m_random, qint64(base) - variance,
                                                                         qint64(base) + variance)));
                    held.pieces.push_back(int(piece));
                    left -= piece;
                }
                pieceCount = qsizetype(held.pieces.size());
                held.pieceLeft = held.pieces[0];
                held.nextPiece = 1;
            }
            if (pieceCount > 1) {
                held.pieceDelayNs = qint64(qMax(m_faults.sliceDelayMs, 0)) * NsPerMs;
                appendEvent(event, QStringLiteral("sliced into %1 pieces").arg(grouped(pieceCount)));
                dueNs += (pieceCount - 1) * held.pieceDelayNs;
            }
        }
        held.event = event;
        event.clear();
        m_heldBytes += quint64(size);
        m_held.push_back(std::move(held));
    }
    m_lastDueNs = dueNs;

    if (reachesLimit) {
        m_limitHit = true;
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

void StreamFaults::pushFin(qint64 nowNs) {
    if (m_limitHit)
        return;
    if (isTimedOut(nowNs)) {
        if (m_held.empty() || m_held.back().kind != Held::Kind::Note || m_held.back().started) {
            Held note;
            note.kind = Held::Kind::Note;
            note.arrivalNs = nowNs;
            note.dueNs = std::max(nowNs, m_lastDueNs);
            m_lastDueNs = note.dueNs;
            m_held.push_back(std::move(note));
        }
        m_held.back().droppedFin = true;
        return;
    }
    Held fin;
    fin.kind = Held::Kind::Fin;
    fin.arrivalNs = nowNs;
    fin.afterPreviousNs = qint64(qMax(m_faults.slowCloseMs, 0)) * NsPerMs;
    fin.dueNs = std::max(nowNs, m_lastDueNs) + fin.afterPreviousNs;
    m_lastDueNs = fin.dueNs;
    m_held.push_back(std::move(fin));
}

qint64 StreamFaults::nextPieceSize(Held &held) {
    const qsizetype left = held.bytes.size() - held.offset;
    if (held.sliceBytes > 0)
        return qMin<qsizetype>(held.sliceBytes, left);
    if (held.nextPiece < held.pieces.size())
        return held.pieces[held.nextPiece++];
    return left;
}

std::optional<StreamFaults::Step> StreamFaults::takeDue(qint64 nowNs) {
    if (m_held.empty())
        return std::nullopt;
    Held &held = m_held.front();
    if (held.dueNs > nowNs)
        return std::nullopt;

    switch (held.kind) {
    case Held::Kind::Note: {
        QStringList what;
        if (held.droppedBytes > 0)
            what << QStringLiteral("%1 bytes").arg(grouped(held.droppedBytes));
        if (held.droppedFin)
            what << QStringLiteral("the FIN");
        Step step{Step::Kind::Bytes,
                  {},
                  RelayEnd::Close,
                  QStringLiteral("timeout: %1 not forwarded").arg(what.join(QStringLiteral(" and ")))};
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
        n = qMin<qint64>(n, qint64(bucketSize()));
        refillTokens(nowNs);
        if (m_tokens + TokenSlack < double(n)) {
            if (!held.started)
                held.waitedForTokens = true;
            return std::nullopt;
        }
        m_tokens = qMax(0.0, m_tokens - double(n));
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
            if (rest > 0 && held.sliceBytes == 0 && held.pieces.empty()) {
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
    m_lastOutNs = nowNs;
    if (held.offset >= held.bytes.size()) {
        m_held.pop_front();
    } else if (held.pieceLeft == 0) {
        held.pieceLeft = nextPieceSize(held);
        held.dueNs += held.pieceDelayNs;
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
    const qint64 rate = m_faults.bandwidthBytesPerSecond;
    if (rate <= 0)
        return held.dueNs;
    const double need = double(qMin<qint64>(held.pieceLeft, qint64(bucketSize())));
    return std::max(held.dueNs, tokensReadyNs(m_tokens, m_tokensAtNs, need, rate));
}

// ---- DatagramFaults --------------------------------------------------------------------------

DatagramFaults::DatagramFaults(const FaultSet &faults, quint64 seed)
    : m_faults(faults)
    , m_random(seed)
    , m_tokens(bucketOf(faults)) {}

double DatagramFaults::bucketSize() const {
    return bucketOf(m_faults);
}

void DatagramFaults::refillTokens(qint64 nowNs) {
    if (nowNs <= m_tokensAtNs)
        return;
    if (m_faults.bandwidthBytesPerSecond > 0) {
        const double earned =
            double(nowNs - m_tokensAtNs) * double(m_faults.bandwidthBytesPerSecond) / double(NsPerSecond);
        m_tokens = std::min(bucketSize(), m_tokens + earned);
    }
    m_tokensAtNs = nowNs;
}

void DatagramFaults::setFaults(const FaultSet &faults) {
    refillTokens(m_lastNowNs);
    const FaultSet old = std::exchange(m_faults, faults);
    if (faults.bandwidthBytesPerSecond > 0 && old.bandwidthBytesPerSecond <= 0)
        m_tokens = bucketSize();
    else
        m_tokens = std::min(m_tokens, bucketSize());
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
    if (m_dueBytes + out.bytes.size() > MaxHeldBytes) {
        ++m_counts.dropped;
        m_dropped << QStringLiteral("dropped: the relay already holds %1 MiB for this client")
                         .arg(MaxHeldBytes >> 20);
        return;
    }
    out.dueNs = std::max(nowNs, m_lastDueNs);
    if (hasLatency(m_faults)) {
        out.dueNs = std::max(nowNs + drawLatencyNs(m_faults, m_random), m_lastDueNs);
        appendEvent(out.event, QStringLiteral("delayed ") + msText(out.dueNs - nowNs));
    }
    m_lastDueNs = out.dueNs;
    m_dueBytes += out.bytes.size();
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
        refillTokens(nowNs);
        // A datagram cannot be cut: it waits for a bucketful at most, and may leave the bucket in
        // debt, so that large datagrams still average out at the rate.
        const double need = std::min(double(front.bytes.size()), bucketSize());
        if (m_tokens + TokenSlack < need) {
            m_frontWaited = true;
            return std::nullopt;
        }
        m_tokens -= double(front.bytes.size());
        if (m_frontWaited && nowNs - front.dueNs >= NsPerMs)
            appendEvent(front.event, QStringLiteral("held ") + msText(nowNs - front.dueNs) +
                                         QStringLiteral(" by bandwidth"));
    }
    m_frontWaited = false;
    Out out = std::move(front);
    m_due.pop_front();
    m_dueBytes -= out.bytes.size();
    ++m_counts.sent;
    return out;
}

qint64 DatagramFaults::nextDueNs() const {
    qint64 next = -1;
    if (!m_due.empty()) {
        const Out &front = m_due.front();
        next = front.dueNs;
        if (m_faults.bandwidthBytesPerSecond > 0) {
            const double need = std::min(double(front.bytes.size()), bucketSize());
            next =
                std::max(next, tokensReadyNs(m_tokens, m_tokensAtNs, need, m_faults.bandwidthBytesPerSecond));
        }
    }
    if (!m_window.empty()) {
        const qint64 release = m_windowSinceNs + ReorderHoldMs * NsPerMs;
        next = next < 0 ? release : std::min(next, release);
    }
    return next;
}

} // namespace sockbench
