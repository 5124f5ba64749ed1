#include "capture/tcpreassembly.h"

#include "language/numbers.h"

#include <QCoreApplication>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <vector>

namespace sockbench {

namespace {

// How many of the last delivered runs are remembered for comparing retransmissions with: a
// retransmission normally comes within a round trip, which at 1,448-byte segments is the last
// ~370 KB here. Older bytes are not compared (their retransmission is dropped unchecked): keeping
// them would cost memory for every connection of a capture that has many.
constexpr std::size_t RecentCapacity = 256;

QString byteCount(quint64 count) {
    return count == 1
               ? QCoreApplication::translate("sockbench::TcpReassembler", "1 byte")
               : QCoreApplication::translate("sockbench::TcpReassembler", "%1 bytes").arg(grouped(count));
}

ReassembledPiece eventPiece(qint64 timeNs, const QString &text) {
    ReassembledPiece piece;
    piece.kind = ReassembledPiece::Kind::Event;
    piece.timeNs = timeNs;
    piece.text = text;
    return piece;
}

} // namespace

// Positions inside the stream are kept as 64-bit offsets from its first byte ("abs"), so that
// ordering and lengths need no modulo arithmetic: a sequence number becomes an offset through its
// signed 32-bit distance from the next expected byte, which is how TCP itself compares them (RFC 793
// "sequence number arithmetic"); anything within 2^31 behind or ahead is placed right, across wraps.
struct TcpReassembler::Impl {
    struct Waiting {
        const char *data = nullptr;
        quint64 fileOffset = 0;
        quint32 length = 0;
        bool uncaptured = false; ///< bytes on the wire the capture did not keep
    };
    // One run of bytes that went out, still in the mapped file.
    struct Recent {
        qint64 start = 0;
        const char *data = nullptr;
        quint32 length = 0;
    };

    bool started = false;
    quint32 base = 0; // sequence number of stream offset 0
    qint64 next = 0;  // stream offset of the next expected byte
    quint64 delivered = 0;
    bool finKnown = false;
    qint64 finAt = 0; // stream offset of the FIN: nothing at or after it is data
    // A FIN seen before the stream started (no SYN, no data yet), applied once it starts.
    bool finWaiting = false;
    quint32 finWaitingSeq = 0;
    qint64 finWaitingNs = 0;

    // Segments ahead of `next`, by stream offset; equal offsets keep their arrival order, so that the
    // first copy is the one delivered.
    std::multimap<qint64, Waiting> waiting;
    quint64 waitingBytes = 0;

    // The last delivered runs, oldest at recentHead once full. Grows on demand so that a connection
    // of a few segments costs a few entries; once full, delivering allocates nothing.
    std::vector<Recent> recent;
    std::size_t recentHead = 0;

    qint64 offsetOf(quint32 seq) const { return next + qint64(qint32(seq - (base + quint32(next)))); }

    const Recent &recentAt(std::size_t i) const { return recent[(recentHead + i) % recent.size()]; }

    void remember(qint64 start, const char *data, quint32 length) {
        if (data == nullptr)
            return;
        if (recent.size() < RecentCapacity) {
            recent.push_back({start, data, length});
            return;
        }
        recent[recentHead] = {start, data, length};
        recentHead = (recentHead + 1) % recent.size();
    }

    // How many of the bytes [start, start + length) at `data` differ from the delivered bytes at the
    // same stream offsets, for as much of that range as is still remembered.
    quint64 differingFromDelivered(qint64 start, const char *data, quint64 length) const {
        if (data == nullptr || recent.empty() || length == 0)
            return 0;
        const qint64 end = start + qint64(length);
        // The remembered runs are disjoint and ascending: find the first one ending after `start`.
        std::size_t lo = 0;
        std::size_t hi = recent.size();
        while (lo < hi) {
            const std::size_t mid = (lo + hi) / 2;
            const Recent &r = recentAt(mid);
            if (r.start + qint64(r.length) <= start)
                lo = mid + 1;
            else
                hi = mid;
        }
        quint64 differing = 0;
        for (std::size_t i = lo; i < recent.size(); ++i) {
            const Recent &r = recentAt(i);
            if (r.start >= end)
                break;
            const qint64 from = std::max(start, r.start);
            const qint64 to = std::min(end, r.start + qint64(r.length));
            const char *mine = data + (from - start);
            const char *theirs = r.data + (from - r.start);
            const std::size_t n = std::size_t(to - from);
            if (std::memcmp(mine, theirs, n) == 0)
                continue;
            for (std::size_t k = 0; k < n; ++k)
                differing += mine[k] != theirs[k] ? 1 : 0;
        }
        return differing;
    }

    void differentContent(quint64 count, qint64 timeNs, std::vector<ReassembledPiece> *out) {
        if (count == 0)
            return;
        out->push_back(eventPiece(
            timeNs, QCoreApplication::translate("sockbench::TcpReassembler",
                                                "%1 retransmitted with different content; kept the first")
                        .arg(byteCount(count))));
    }

    void afterFin(quint64 count, qint64 timeNs, std::vector<ReassembledPiece> *out) {
        out->push_back(eventPiece(timeNs, QCoreApplication::translate("sockbench::TcpReassembler",
                                                                      "%1 of data after the FIN ignored")
                                              .arg(byteCount(count))));
    }

    void declareGap(qint64 to, qint64 timeNs, std::vector<ReassembledPiece> *out) {
        if (to <= next)
            return;
        out->push_back(
            eventPiece(timeNs, QCoreApplication::translate("sockbench::TcpReassembler",
                                                           "%1 missing from the capture (not reassembled)")
                                   .arg(byteCount(quint64(to - next)))));
        out->back().missing = quint64(to - next);
        next = to;
    }

    // The uncaptured [start, start + length), `start` being at or before `next`: what of it is new
    // is said and skipped.
    void skipUncaptured(qint64 start, quint32 length, qint64 timeNs, std::vector<ReassembledPiece> *out) {
        const qint64 end = start + qint64(length);
        if (end <= next)
            return;
        out->push_back(
            eventPiece(timeNs, QCoreApplication::translate("sockbench::TcpReassembler",
                                                           "%1 not captured (the capture's snap length)")
                                   .arg(byteCount(quint64(end - next)))));
        out->back().missing = quint64(end - next);
        next = end;
    }

    // Puts out what of [start, start + length) is new, `start` being at or before `next`; what is
    // old is compared with what went out.
    void deliver(qint64 start, const char *data, quint64 fileOffset, quint32 length, qint64 timeNs,
                 std::vector<ReassembledPiece> *out) {
        const qint64 end = start + qint64(length);
        if (end <= next) {
            differentContent(differingFromDelivered(start, data, length), timeNs, out);
            return;
        }
        const quint32 skip = quint32(next - start);
        if (skip > 0)
            differentContent(differingFromDelivered(start, data, skip), timeNs, out);
        const quint32 fresh = length - skip;
        ReassembledPiece piece;
        piece.timeNs = timeNs;
        piece.fileOffset = fileOffset + skip;
        piece.length = fresh;
        out->push_back(std::move(piece));
        remember(next, data == nullptr ? nullptr : data + skip, fresh);
        next += fresh;
        delivered += fresh;
    }

    // Sends out every waiting segment that now starts at or before `next`.
    void flushReady(qint64 timeNs, std::vector<ReassembledPiece> *out) {
        while (!waiting.empty() && waiting.begin()->first <= next) {
            const auto first = waiting.begin();
            const qint64 start = first->first;
            const Waiting w = first->second;
            waitingBytes -= w.length;
            waiting.erase(first);
            if (w.uncaptured)
                skipUncaptured(start, w.length, timeNs, out);
            else
                deliver(start, w.data, w.fileOffset, w.length, timeNs, out);
        }
    }

    void wait(qint64 start, const char *data, quint64 fileOffset, quint32 length, qint64 timeNs,
              std::vector<ReassembledPiece> *out, bool uncaptured = false) {
        // An exact retransmission of a segment that already waits: compared now and dropped, so that
        // repeated copies cannot fill the bounds.
        const auto [same, sameEnd] = waiting.equal_range(start);
        for (auto it = same; it != sameEnd; ++it) {
            const Waiting &w = it->second;
            if (w.length < length || w.uncaptured != uncaptured)
                continue;
            if (data != nullptr && w.data != nullptr && std::memcmp(w.data, data, length) != 0) {
                quint64 differing = 0;
                for (quint32 k = 0; k < length; ++k)
                    differing += w.data[k] != data[k] ? 1 : 0;
                differentContent(differing, timeNs, out);
            }
            return;
        }
        waiting.emplace(start, Waiting{data, fileOffset, length, uncaptured});
        waitingBytes += length;
        // Past the bounds, the bytes before the earliest waiting segment are given up for lost.
        while (!waiting.empty() &&
               (waiting.size() > std::size_t(MaxWaitingSegments) || waitingBytes > MaxWaitingBytes)) {
            declareGap(waiting.begin()->first, timeNs, out);
            flushReady(timeNs, out);
        }
    }

    // Cuts [start, start + length) at the FIN; returns the length kept.
    quint32 cutAtFin(qint64 start, quint32 length, qint64 timeNs, std::vector<ReassembledPiece> *out) {
        if (!finKnown || start + qint64(length) <= finAt)
            return length;
        const quint32 kept = start >= finAt ? 0 : quint32(finAt - start);
        // Bytes at or before `next` were either delivered already or are compared as retransmissions,
        // only the part beyond both the FIN and what went out is new data after the FIN.
        const qint64 ignoredFrom = std::max({start, finAt, next});
        if (start + qint64(length) > ignoredFrom)
            afterFin(quint64(start + qint64(length) - ignoredFrom), timeNs, out);
        return kept;
    }
};

TcpReassembler::TcpReassembler()
    : m_impl(std::make_unique<Impl>()) {}

TcpReassembler::~TcpReassembler() = default;

void TcpReassembler::syn(quint32 isn) {
    Impl &d = *m_impl;
    // Only the first start counts: a retransmitted SYN changes nothing, and a SYN seen after data
    // (a capture that reordered them) cannot move bytes already delivered. A new connection on the
    // same ports is a new reassembler.
    if (d.started)
        return;
    d.started = true;
    d.base = isn + 1;
}

void TcpReassembler::segment(qint64 timeNs, quint32 seq, const char *data, quint64 fileOffset, quint32 length,
                             std::vector<ReassembledPiece> *out, quint32 uncaptured) {
    Impl &d = *m_impl;
    // Pure ACKs and zero-length probes carry nothing, and cannot start a stream: a keep-alive's
    // sequence number is one before the next byte.
    if (length == 0 && uncaptured == 0)
        return;
    if (!d.started) {
        d.started = true;
        // The first byte seen starts the stream, unless a FIN before it says the stream is shorter:
        // a FIN a little behind (2^31) is data's end, and the stream starts at the earlier.
        d.base = d.finWaiting && qint32(d.finWaitingSeq - seq) < 0 ? d.finWaitingSeq : seq;
        if (d.finWaiting) {
            d.finWaiting = false;
            fin(d.finWaitingNs, d.finWaitingSeq, out);
        }
    }
    const qint64 start = d.offsetOf(seq);
    if (length > 0)
        captured(timeNs, start, data, fileOffset, length, out);
    if (uncaptured == 0)
        return;
    // The tail the capture cut off, at its place: declared now when it is next, else it waits.
    const qint64 tail = start + qint64(length);
    if (d.finKnown)
        uncaptured = tail >= d.finAt ? 0 : quint32(std::min<qint64>(uncaptured, d.finAt - tail));
    if (uncaptured == 0)
        return;
    if (tail <= d.next) {
        d.skipUncaptured(tail, uncaptured, timeNs, out);
        d.flushReady(timeNs, out);
        return;
    }
    d.wait(tail, nullptr, 0, uncaptured, timeNs, out, true);
}

void TcpReassembler::captured(qint64 timeNs, qint64 start, const char *data, quint64 fileOffset,
                              quint32 length, std::vector<ReassembledPiece> *out) {
    Impl &d = *m_impl;
    // The common case: the next bytes, nothing waiting, no FIN seen. O(1), no allocation once the
    // comparison window is full.
    if (start == d.next && d.waiting.empty() && !d.finKnown) {
        d.deliver(start, data, fileOffset, length, timeNs, out);
        return;
    }
    // A keep-alive: one garbage byte (or none) at the byte before the next; it is no retransmission.
    if (length == 1 && start == d.next - 1)
        return;
    length = d.cutAtFin(start, length, timeNs, out);
    if (length == 0)
        return;
    if (start <= d.next) {
        d.deliver(start, data, fileOffset, length, timeNs, out);
        d.flushReady(timeNs, out);
        return;
    }
    d.wait(start, data, fileOffset, length, timeNs, out);
}

void TcpReassembler::fin(qint64 timeNs, quint32 seq, std::vector<ReassembledPiece> *out) {
    Impl &d = *m_impl;
    if (!d.started) {
        // Neither a SYN nor data yet (a capture begun mid-connection): where the stream starts is
        // not known, and data before the FIN may still come out of order. The FIN waits for the
        // first segment, or for finish(), where the stream is empty.
        if (!d.finWaiting) {
            d.finWaiting = true;
            d.finWaitingSeq = seq;
            d.finWaitingNs = timeNs;
        }
        return;
    }
    if (d.finKnown)
        return; // retransmitted FIN; the first one counts
    d.finKnown = true;
    // A FIN behind bytes already delivered cannot take them back: the stream ends after them.
    d.finAt = std::max(d.offsetOf(seq), d.next);
    // Waiting segments reaching past the FIN are cut there (their key, the start, stays) or dropped.
    quint64 ignored = 0;
    for (auto it = d.waiting.begin(); it != d.waiting.end();) {
        Impl::Waiting &w = it->second;
        const qint64 end = it->first + qint64(w.length);
        if (end <= d.finAt) {
            ++it;
            continue;
        }
        ignored += quint64(end - std::max(it->first, d.finAt));
        const quint32 kept = it->first < d.finAt ? quint32(d.finAt - it->first) : 0;
        d.waitingBytes -= w.length - kept;
        w.length = kept;
        it = kept == 0 ? d.waiting.erase(it) : std::next(it);
    }
    if (ignored > 0)
        d.afterFin(ignored, timeNs, out);
}

void TcpReassembler::finish(qint64 timeNs, std::vector<ReassembledPiece> *out) {
    Impl &d = *m_impl;
    if (d.finWaiting) {
        // Nothing came before the FIN: an empty stream that ends there.
        d.finWaiting = false;
        d.started = true;
        d.base = d.finWaitingSeq;
        fin(d.finWaitingNs, d.finWaitingSeq, out);
    }
    while (!d.waiting.empty()) {
        d.declareGap(d.waiting.begin()->first, timeNs, out);
        d.flushReady(timeNs, out);
    }
    // With the FIN seen, the end of the stream is known, and so is what is missing before it.
    if (d.finKnown)
        d.declareGap(d.finAt, timeNs, out);
}

quint64 TcpReassembler::delivered() const {
    return m_impl->delivered;
}

quint64 TcpReassembler::reached() const {
    return quint64(std::max<qint64>(m_impl->next, 0));
}

} // namespace sockbench
