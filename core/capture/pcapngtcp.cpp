#include "capture/pcapngwriterimpl.h"

#include <algorithm>

// TCP segment synthesis: each connection of the journal drawn as the segments that carried it,
// with consistent sequence and acknowledgement numbers.

namespace sockbench {

using capture::putBe16;
using capture::putBe32;
using capture::wireKey;

namespace {

constexpr quint8 TcpFin = 0x01;
constexpr quint8 TcpSyn = 0x02;
constexpr quint8 TcpRst = 0x04;
constexpr quint8 TcpPsh = 0x08;
constexpr quint8 TcpAck = 0x10;

// Segment sizes that keep the IP length field (16 bits) valid with room for options, as on loopback.
constexpr quint32 MssV4 = 65483;
constexpr quint32 MssV6 = 65475;
// The window scale both ends announce in their SYN: a 65535 window field then means 1 GiB, so a
// record of any size in flight never looks like a full window.
constexpr quint8 WindowScale = 14;
constexpr quint16 WindowField = 65535;

} // namespace

void PcapngWriter::Impl::tcp(QByteArray *out, qint64 timeNs, Flow &f, bool fromLocal, quint8 flags,
                             const char *payload, quint32 capPayload, quint32 wirePayload, bool designated) {
    const bool syn = flags & TcpSyn;
    uchar *h = header;
    const quint32 hLen = syn ? 28 : 20;
    putBe16(h, fromLocal ? f.wire.localPort : f.wire.peerPort);
    putBe16(h + 2, fromLocal ? f.wire.peerPort : f.wire.localPort);
    const quint32 seq = fromLocal ? f.localSeq : f.peerSeq;
    const quint32 ack = (flags & TcpAck) ? (fromLocal ? f.peerSeq : f.localSeq) : 0;
    putBe32(h + 4, seq);
    putBe32(h + 8, ack);
    h[12] = uchar((hLen / 4) << 4);
    h[13] = flags;
    putBe16(h + 14, WindowField);
    putBe16(h + 16, 0);
    putBe16(h + 18, 0);
    if (syn) {
        h[20] = 2; // MSS
        h[21] = 4;
        putBe16(h + 22, quint16(f.wire.v6 ? MssV6 : MssV4));
        h[24] = 1; // NOP
        h[25] = 3; // window scale
        h[26] = 3;
        h[27] = WindowScale;
    }
    packet(out, timeNs, f.wire, fromLocal, fromLocal ? &f.localIpId : &f.peerIpId,
           capture::TransportHeader{capture::ProtoTcp, h, hLen, 16, true}, payload, capPayload, wirePayload,
           designated);
    quint32 advance = wirePayload + ((flags & (TcpSyn | TcpFin)) ? 1 : 0);
    if (fromLocal)
        f.localSeq += advance;
    else
        f.peerSeq += advance;
}

/// Looks for the other end of this connection among the connections drawn now: when both ends
/// are ours, the journal holds the connection twice, and it must appear on the wire once.
void PcapngWriter::Impl::activate(Flow &f) {
    if (f.activated)
        return;
    f.activated = true;
    if (!f.wire.valid)
        return;
    if (const auto it = liveTuples.constFind(wireKey(f.wire, true)); it != liveTuples.cend()) {
        f.primary = it.value();
        return;
    }
    liveTuples.insert(wireKey(f.wire, false), f.id);
}

void PcapngWriter::Impl::retire(Flow &f) {
    f.phase = Phase::Done;
    if (f.primary == 0 && f.wire.valid) {
        const QByteArray key = wireKey(f.wire, false);
        if (liveTuples.value(key) == f.id)
            liveTuples.remove(key);
    }
}

void PcapngWriter::Impl::drawSyn(QByteArray *out, qint64 t, Flow &f, bool designated) {
    const bool local = clientIsLocal(f);
    if (local)
        f.localSeq = f.localIsn;
    else
        f.peerSeq = f.peerIsn;
    tcp(out, t, f, local, TcpSyn, nullptr, 0, 0, designated);
    f.phase = Phase::SynSent;
}

void PcapngWriter::Impl::drawSynAckAck(QByteArray *out, qint64 t, Flow &f, bool designated) {
    const bool local = clientIsLocal(f);
    if (local)
        f.peerSeq = f.peerIsn;
    else
        f.localSeq = f.localIsn;
    tcp(out, t, f, !local, TcpSyn | TcpAck, nullptr, 0, 0, false);
    tcp(out, t, f, local, TcpAck, nullptr, 0, 0, designated);
    f.phase = Phase::Open;
}

/// Draws whatever part of the handshake is missing (a connection first seen mid-stream).
void PcapngWriter::Impl::ensureOpen(QByteArray *out, qint64 t, Flow &f) {
    if (f.phase == Phase::Fresh)
        drawSyn(out, t, f, false);
    if (f.phase == Phase::SynSent)
        drawSynAckAck(out, t, f, false);
}

void PcapngWriter::Impl::fin(QByteArray *out, qint64 t, Flow &f, bool fromLocal, bool designated) {
    if (fromLocal ? f.localFin : f.peerFin)
        return;
    tcp(out, t, f, fromLocal, TcpFin | TcpAck, nullptr, 0, 0, designated);
    (fromLocal ? f.localFin : f.peerFin) = true;
    if (fromLocal ? f.peerFin : f.localFin) {
        f.finalAckOwed = true; // the second FIN: its ACK comes with Closed
        f.lastFinLocal = fromLocal;
    } else {
        tcp(out, t, f, !fromLocal, TcpAck, nullptr, 0, 0, false);
    }
}

void PcapngWriter::Impl::tcpData(QByteArray *out, const Record &r, Flow &f) {
    const bool fromLocal = r.kind == RecordKind::DataOut;
    const quint32 n = std::max(r.length, r.originalLength);
    if (n == 0)
        return; // nothing crossed the wire
    const bool evicted = r.isEvicted() || quint32(r.payload.size()) < r.length;
    if (evicted)
        own.push_back(QByteArrayLiteral("payload evicted from the journal (") + QByteArray::number(n) +
                      QByteArrayLiteral(" bytes)"));
    const quint32 mss = f.wire.v6 ? MssV6 : MssV4;
    quint32 off = 0;
    bool first = true;
    do {
        const quint32 seg = std::min(mss, n - off);
        const bool last = off + seg >= n;
        tcp(out, r.timeNs, f, fromLocal, TcpAck | (last ? TcpPsh : 0),
            evicted ? nullptr : r.payload.constData() + off, evicted ? 0 : seg, seg, first);
        first = false;
        off += seg;
    } while (off < n);
    tcp(out, r.timeNs, f, !fromLocal, TcpAck, nullptr, 0, 0, false);
}

void PcapngWriter::Impl::addTcp(const Record &r, Flow &f, QByteArray *out) {
    if (r.marker == Marker::Connecting || r.marker == Marker::Established)
        refresh(f);
    if (r.kind != RecordKind::Event || r.marker != Marker::None)
        activate(f);
    // The other end of a connection drawn already: its events become comments there.
    if (f.primary) {
        if (r.kind != RecordKind::Event)
            return;
        auto it = flows.find(f.primary);
        if (it != flows.end() && it->second.phase != Phase::Done)
            it->second.pending.push_back(prefixed(f.id, r.payload));
        else
            global.push_back(prefixed(f.id, r.payload));
        return;
    }
    if (f.phase == Phase::Done || !f.wire.valid) {
        if (r.kind == RecordKind::Event)
            toGlobal(f, &r.payload);
        return;
    }
    const qint64 t = r.timeNs;
    if (r.kind != RecordKind::Event) {
        gatherLead(f);
        ensureOpen(out, t, f);
        tcpData(out, r, f);
        return;
    }
    drawTcpEvent(r, f, out);
}

/// An event of a connection drawn here: the packets its marker stands for, its text on them.
void PcapngWriter::Impl::drawTcpEvent(const Record &r, Flow &f, QByteArray *out) {
    const qint64 t = r.timeNs;
    switch (r.marker) {
    case Marker::None:
        f.pending.push_back(r.payload);
        return;
    case Marker::Connecting:
        gatherLead(f);
        own.push_back(r.payload);
        if (f.phase == Phase::Fresh)
            drawSyn(out, t, f, true);
        break;
    case Marker::Established:
        gatherLead(f);
        own.push_back(r.payload);
        if (f.phase == Phase::Fresh)
            drawSyn(out, t, f, !f.meta.outgoing);
        if (f.phase == Phase::SynSent)
            drawSynAckAck(out, t, f, true);
        break;
    case Marker::FinSent:
    case Marker::FinReceived:
        gatherLead(f);
        own.push_back(r.payload);
        ensureOpen(out, t, f);
        fin(out, t, f, r.marker == Marker::FinSent, true);
        break;
    case Marker::Closed:
        gatherLead(f);
        own.push_back(r.payload);
        ensureOpen(out, t, f);
        fin(out, t, f, true, false);
        fin(out, t, f, false, false);
        if (f.finalAckOwed) {
            // The side that received the second FIN acks it.
            tcp(out, t, f, !lastFinFromLocal(f), TcpAck, nullptr, 0, 0, true);
            f.finalAckOwed = false;
        }
        retire(f);
        break;
    case Marker::ResetSent:
        gatherLead(f);
        own.push_back(r.payload);
        ensureOpen(out, t, f);
        tcp(out, t, f, true, TcpRst | TcpAck, nullptr, 0, 0, true);
        retire(f);
        break;
    case Marker::ResetReceived:
        gatherLead(f);
        own.push_back(r.payload);
        ensureOpen(out, t, f);
        tcp(out, t, f, false, TcpRst | TcpAck, nullptr, 0, 0, true);
        retire(f);
        break;
    case Marker::Failed:
        drawFailed(r, f, out);
        retire(f);
        break;
    }
    // Whatever the record's packets did not take (nothing drawn) waits for the next packet.
    for (QByteArray &c : lead)
        global.push_back(std::move(c));
    lead.clear();
    for (QByteArray &c : own)
        global.push_back(prefixed(f.id, c));
    own.clear();
}

/// A connection that failed: reset when open, refused (SYN answered by RST) when the engine says
/// so, else never answered, with no packet of its own to carry the text.
void PcapngWriter::Impl::drawFailed(const Record &r, Flow &f, QByteArray *out) {
    const qint64 t = r.timeNs;
    if (f.phase == Phase::Open) {
        gatherLead(f);
        own.push_back(r.payload);
        tcp(out, t, f, true, TcpRst | TcpAck, nullptr, 0, 0, true);
    } else if (f.meta.outgoing && (r.payload == refusedText || r.payload.contains("refused"))) {
        // Refused: the SYN (drawn at Connecting, or now), answered by the peer's RST,ACK.
        gatherLead(f);
        own.push_back(r.payload);
        if (f.phase == Phase::Fresh)
            drawSyn(out, t, f, false);
        f.peerSeq = 0;
        tcp(out, t, f, false, TcpRst | TcpAck, nullptr, 0, 0, true);
    } else {
        // Never answered (or never sent): no packet of its own to carry the text.
        toGlobal(f, &r.payload);
    }
}

} // namespace sockbench
