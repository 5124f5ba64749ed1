#include "capture/pcapngwriterimpl.h"

#include "engine/sockaddr.h"

#include <algorithm>
#include <cerrno>

namespace sockbench {

using capture::putBe16;

namespace {

quint64 splitmix(quint64 x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

} // namespace

PcapngWriter::Impl::Impl(const Journal &j, EndpointNamer n)
    : journal(j)
    , namer(std::move(n))
    , ownAddresses(capture::interfaceAddresses())
    , refusedText(errnoText(ECONNREFUSED).toUtf8()) {}

/// True when `ip` is this machine's: loopback, or an address of one of its interfaces.
bool PcapngWriter::Impl::isOwnAddress(QString ip) const {
    if (ip.startsWith(QLatin1String("::ffff:")))
        ip = ip.mid(7);
    return ip.startsWith(QLatin1String("127.")) || ip == QLatin1String("::1") || ownAddresses.contains(ip);
}

QString PcapngWriter::Impl::nameOf(EndpointId id) const {
    if (namer) {
        const QString name = namer(id);
        if (!name.isEmpty())
            return name;
    }
    return QStringLiteral("Endpoint #%1").arg(id);
}

QByteArray PcapngWriter::Impl::prefixed(EndpointId id, const QByteArray &text) const {
    if (text.isEmpty()) // an event whose text was evicted: nothing to say
        return {};
    return nameOf(id).toUtf8() + ": " + text;
}

PcapngWriter::Impl::Flow &PcapngWriter::Impl::flow(EndpointId id) {
    auto [it, inserted] = flows.try_emplace(id);
    Flow &f = it->second;
    if (inserted) {
        f.id = id;
        refresh(f);
        f.localIsn = quint32(splitmix(id * 2));
        f.peerIsn = quint32(splitmix(id * 2 + 1));
        f.localIpId = quint16(splitmix(id * 4 + 2));
        f.peerIpId = quint16(splitmix(id * 4 + 3));
    }
    return f;
}

void PcapngWriter::Impl::refresh(Flow &f) {
    if (const auto meta = journal.describedEndpoint(f.id)) {
        f.described = true;
        f.meta = *meta;
        if (f.meta.kind == EndpointKind::UdpSocket && !f.registered) {
            f.registered = true;
            udpPorts.insert(f.meta.local.port, f.id);
        }
        if (f.meta.kind == EndpointKind::TcpConnection && f.phase == Phase::Fresh)
            f.wire = capture::tcpWire(f.meta);
    }
}

/// Collects what the next packet of `f` carries before anything of its own: comments waiting
/// for any packet, its name on its first packet, its own waiting comments.
void PcapngWriter::Impl::gatherLead(Flow &f) {
    for (QByteArray &c : global)
        lead.push_back(std::move(c));
    global.clear();
    if (!f.hadPacket) {
        f.hadPacket = true;
        lead.push_back(nameOf(f.id).toUtf8());
    }
    for (QByteArray &c : f.pending)
        lead.push_back(std::move(c));
    f.pending.clear();
}

/// Comments that have no packet of their own endpoint to go on: the next packet of any.
void PcapngWriter::Impl::toGlobal(Flow &f, const QByteArray *text) {
    for (const QByteArray &c : f.pending)
        global.push_back(prefixed(f.id, c));
    f.pending.clear();
    if (text && !text->isEmpty())
        global.push_back(prefixed(f.id, *text));
}

/// A datagram one of our own UDP sockets sent: the sender's DataOut record draws it (with all
/// its bytes, even when the receiver truncated it), so the receiver's DataIn must not draw it
/// again. The sender is ours when one of our open sockets has the source's port and its address,
/// or is bound to every interface and the source is an address of this machine (a datagram from
/// another host to a port we also use is its own traffic). Streams read from a capture are
/// never ours: both their ends are in the one stream.
bool PcapngWriter::Impl::sentByUs(const Flow &receiver, const NetAddress &from) const {
    if (receiver.imported)
        return false;
    for (auto it = udpPorts.constFind(from.port); it != udpPorts.cend() && it.key() == from.port; ++it) {
        if (it.value() == receiver.id)
            continue;
        const auto sender = flows.find(it.value());
        if (sender == flows.end() || sender->second.phase == Phase::Done || sender->second.imported)
            continue;
        const QString &ip = sender->second.meta.local.ip;
        if (ip == from.ip || from.ip.endsWith(QLatin1Char(':') + ip))
            return true;
        if ((ip == QLatin1String("0.0.0.0") || ip == QLatin1String("::")) && isOwnAddress(from.ip))
            return true;
    }
    return false;
}

void PcapngWriter::Impl::addUdp(const Record &r, Flow &f, QByteArray *out) {
    if (r.kind == RecordKind::Event) {
        if (r.marker == Marker::Closed || r.marker == Marker::Failed)
            f.phase = Phase::Done;
        if (!f.hadPacket || f.phase == Phase::Done)
            toGlobal(f, &r.payload);
        else
            f.pending.push_back(r.payload);
        return;
    }
    const NetAddress &peer = r.peer.isValid() ? r.peer : f.meta.peer;
    if (r.kind == RecordKind::DataIn && sentByUs(f, peer))
        return; // drawn once already, from the sender's DataOut
    if (!(peer == f.lastPeer) || !f.lastPeerWire.valid) {
        if (!f.described)
            refresh(f);
        f.lastPeer = peer;
        f.lastPeerWire = capture::udpWire(f.meta.local, peer);
    }
    const Wire &w = f.lastPeerWire;
    if (!w.valid)
        return;
    gatherLead(f);
    const bool fromLocal = r.kind == RecordKind::DataOut;
    const quint32 wireLen = std::max(r.length, r.originalLength);
    const bool evicted = r.isEvicted() || quint32(r.payload.size()) < r.length;
    const quint32 cap = evicted ? 0 : r.length;
    if (evicted)
        own.push_back(QByteArrayLiteral("payload evicted from the journal (") + QByteArray::number(r.length) +
                      QByteArrayLiteral(" bytes)"));
    uchar *h = header;
    putBe16(h, fromLocal ? w.localPort : w.peerPort);
    putBe16(h + 2, fromLocal ? w.peerPort : w.localPort);
    putBe16(h + 4, quint16(std::min<quint64>(quint64(wireLen) + 8, 65535)));
    putBe16(h + 6, 0);
    // IPv4 allows "no checksum" (0): the only honest value when bytes are missing. IPv6 does
    // not; there the sum covers what we have, which Wireshark cannot check on a short packet.
    const bool complete = cap == wireLen;
    packet(out, r.timeNs, w, fromLocal, fromLocal ? &f.localIpId : &f.peerIpId,
           capture::TransportHeader{capture::ProtoUdp, h, 8, 6, complete || w.v6}, r.payload.constData(), cap,
           wireLen, true);
}

void PcapngWriter::Impl::add(const Record &r, QByteArray *out) {
    lastTimeNs = std::max(lastTimeNs, r.timeNs);
    Flow &f = flow(r.endpoint);
    if (r.isImported())
        f.imported = true;
    if (!f.described)
        refresh(f);
    if (!f.described) {
        if (r.kind == RecordKind::Event)
            global.push_back(prefixed(f.id, r.payload));
        return;
    }
    switch (f.meta.kind) {
    case EndpointKind::TcpConnection:
        addTcp(r, f, out);
        break;
    case EndpointKind::UdpSocket:
        addUdp(r, f, out);
        break;
    case EndpointKind::TcpListener:
        if (r.kind == RecordKind::Event)
            global.push_back(prefixed(f.id, r.payload));
        break;
    }
}

void PcapngWriter::Impl::packet(QByteArray *out, qint64 timeNs, const Wire &w, bool fromLocal, quint16 *ipId,
                                const capture::TransportHeader &transport, const char *payload,
                                quint32 captured, quint32 onWire, bool designated) {
    capture::appendPacket(out, timeNs, w, fromLocal, ipId, transport, payload, captured, onWire, lead,
                          designated ? &own : nullptr);
    lead.clear();
    if (designated)
        own.clear();
    ++packets;
}

PcapngWriter::PcapngWriter(const Journal &journal, EndpointNamer names)
    : m_impl(std::make_unique<Impl>(journal, std::move(names))) {}

PcapngWriter::~PcapngWriter() = default;

void PcapngWriter::begin(QByteArray *out) {
    capture::appendSectionStart(out);
}

void PcapngWriter::add(const Record &record, QByteArray *out) {
    m_impl->add(record, out);
}

void PcapngWriter::finish(QByteArray *out) {
    Impl &d = *m_impl;
    std::vector<QByteArray> rest = std::move(d.global);
    d.global.clear();
    for (auto &[id, f] : d.flows) {
        for (const QByteArray &c : f.pending)
            rest.push_back(d.prefixed(id, c));
        f.pending.clear();
    }
    if (rest.empty())
        return;
    // No packet is left to carry them, and inventing traffic would mislead: an Interface
    // Statistics Block (no counters, only its end time) carries them as comments.
    capture::appendStatistics(out, d.lastTimeNs, rest);
}

quint64 PcapngWriter::packetsWritten() const {
    return m_impl->packets;
}

} // namespace sockbench
