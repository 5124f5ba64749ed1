#include "capture/capturefile.h"

#include "capture/packetdecode.h"
#include "capture/packetsink.h"
#include "capture/pcapngreader.h"
#include "capture/pcapreader.h"
#include "capture/tcpreassembly.h"
#include "language/numbers.h"

#include <QFileInfo>

#include <cstring>
#include <unordered_map>

namespace sockbench {

using capture::CaptureInterface;
using capture::DecodedPacket;

int CaptureFile::findStream(CaptureProtocol protocol, int number) const {
    for (int i = 0; i < streams.size(); ++i)
        if (streams[i].protocol == protocol && streams[i].number == number)
            return i;
    return -1;
}

// --- StreamIndex ---------------------------------------------------------------------------------------

namespace {

constexpr int MaxWarnings = 50;
/// How much of the file is read between two releases of the pages behind the reader.
constexpr quint64 ReleaseEvery = 64ull * 1024 * 1024;
constexpr quint64 ProgressEvery = 8ull * 1024 * 1024;

QString formatIp(bool v6, const quint8 *a) {
    if (!v6)
        return QStringLiteral("%1.%2.%3.%4").arg(a[0]).arg(a[1]).arg(a[2]).arg(a[3]);
    // RFC 5952: lower case, the longest run (>= 2) of zero groups as "::", first one on a tie.
    quint16 g[8];
    for (int i = 0; i < 8; ++i)
        g[i] = quint16((a[2 * i] << 8) | a[2 * i + 1]);
    // IPv4-mapped addresses read as Qt writes them: ::ffff:1.2.3.4
    static constexpr quint8 Mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a, Mapped, 12) == 0)
        return QStringLiteral("::ffff:%1.%2.%3.%4").arg(a[12]).arg(a[13]).arg(a[14]).arg(a[15]);
    int bestStart = -1, bestLength = 1;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            ++j;
        if (j - i > bestLength) {
            bestStart = i;
            bestLength = j - i;
        }
        i = j;
    }
    QString out;
    for (int i = 0; i < 8; ++i) {
        if (i == bestStart) {
            out += QStringLiteral("::");
            i += bestLength - 1;
            continue;
        }
        if (!out.isEmpty() && !out.endsWith(u':'))
            out += u':';
        out += QString::number(g[i], 16);
    }
    return out;
}

QString formatAddress(const NetAddress &a) {
    return a.isV6() ? QStringLiteral("[%1]:%2").arg(a.ip).arg(a.port)
                    : QStringLiteral("%1:%2").arg(a.ip).arg(a.port);
}

/// A conversation's key: both ends, in a fixed order so either direction finds it.
struct TupleKey {
    quint8 a[16];
    quint8 b[16];
    quint16 aPort;
    quint16 bPort;
    quint8 v6;
    quint8 protocol;
    bool operator==(const TupleKey &o) const {
        return std::memcmp(a, o.a, 16) == 0 && std::memcmp(b, o.b, 16) == 0 && aPort == o.aPort &&
               bPort == o.bPort && v6 == o.v6 && protocol == o.protocol;
    }
};

struct TupleHash {
    size_t operator()(const TupleKey &k) const {
        // FNV-1a over the key's fields
        quint64 h = 1469598103934665603ull;
        auto mix = [&h](const quint8 *p, size_t n) {
            for (size_t i = 0; i < n; ++i) {
                h ^= p[i];
                h *= 1099511628211ull;
            }
        };
        mix(k.a, 16);
        mix(k.b, 16);
        const quint8 rest[6] = {
            quint8(k.aPort), quint8(k.aPort >> 8), quint8(k.bPort), quint8(k.bPort >> 8), k.v6, k.protocol};
        mix(rest, 6);
        return size_t(h);
    }
};

/// One TCP conversation while it is being read.
struct TcpConn {
    int stream = 0;         ///< index into CaptureFile::streams
    quint8 client[16] = {}; ///< the client's address and port, to tell directions apart
    quint16 clientPort = 0;
    std::unique_ptr<TcpReassembler> dir[2]; ///< 0: client to server, 1: server to client
    quint32 baseSeq[2] = {0, 0};            ///< the first sequence number seen from each side
    bool baseSet[2] = {false, false};
    bool synSeen[2] = {false, false};
    quint32 isn[2] = {0, 0};
    bool finSeen[2] = {false, false};
    bool finPending[2] = {false, false}; ///< FIN seen, its marker waits for the bytes before it
    quint32 finSeq[2] = {0, 0};
    bool reset = false;
    bool established = false;
    bool ended = false;
    bool refused = false;
};

struct UdpConn {
    int stream = 0;
    quint8 client[16] = {};
    quint16 clientPort = 0;
};

/// Turns the packets a format reader hands over into streams and records: TCP reassembled per
/// stream and direction, UDP datagram by datagram, and every stream's end said in words.
class StreamIndex final : public capture::PacketSink {
public:
    StreamIndex(const MappedFile &file, CaptureFile &out, const CaptureReadOptions &options)
        : m_file(file)
        , m_data(reinterpret_cast<const quint8 *>(file.bytes()))
        , m_size(file.size())
        , m_out(out)
        , m_options(options)
        , m_tailOffset(file.tailOffset()) {
        m_decode.fragments = &m_ipFragments;
    }
    Q_DISABLE_COPY_MOVE(StreamIndex)

    /// The datagrams put back together from fragments, for MappedFile::withTail.
    const std::vector<QByteArray> &held() const { return m_ipFragments.held(); }

    /// Reads the file in its format; false with *error when nothing could be read.
    bool run(QString *error);

    bool tick(quint64 offset) override;
    void warn(quint64 block, const QString &type, quint64 offset, const QString &what) override;
    void packet(const CaptureInterface &iface, qint64 timeNs, quint64 offset, quint32 captured, quint64 block,
                const QString &blockType, quint64 blockOffset) override;

private:
    /// The connection a TCP packet belongs to, started when it starts one; null when skipped.
    TcpConn *tcpConnOf(const DecodedPacket &d, qint64 timeNs);
    void tcp(const DecodedPacket &d, qint64 timeNs, quint64 payloadAt);
    void udp(const DecodedPacket &d, qint64 timeNs, quint64 payloadAt);
    int newStream(CaptureProtocol protocol, const DecodedPacket &d, bool senderIsClient, qint64 timeNs);
    void addPieces(int stream, int direction);
    void addEvent(int stream, qint64 timeNs, Marker marker, const QString &text);
    void endStream(TcpConn &conn, qint64 timeNs);
    void finMarkers(TcpConn &conn, qint64 timeNs, bool force);
    void finishAll();

    /// Where the payload of `d`, from the packet at `offset` in the file, is in the file as the
    /// reader leaves it (a datagram put back together from fragments: after the file's bytes).
    quint64 payloadAt(quint64 offset, const DecodedPacket &d) const {
        return d.held ? m_tailOffset + d.heldOffset : offset + d.payloadOffset;
    }
    void noteUndecoded(const char *what);
    void fragmentWarnings();

    const MappedFile &m_file;
    const quint8 *m_data;
    quint64 m_size;
    CaptureFile &m_out;
    const CaptureReadOptions &m_options;
    bool m_cancelled = false;
    int m_suppressedWarnings = 0;
    quint64 m_released = 0;
    quint64 m_nextProgress = ProgressEvery;
    quint64 m_fragments = 0; ///< IP fragments not put back together (IPv6, or cut short)
    capture::IpFragments m_ipFragments;
    capture::DecodeContext m_decode;
    quint64 m_tailOffset = 0;
    /// Encapsulations not decoded: what, how many packets, the first one's number.
    struct Undecoded {
        const char *what;
        quint64 packets;
        quint64 first;
    };
    std::vector<Undecoded> m_undecoded;
    quint64 m_beyondMaxStreams = 0; ///< packets of streams past MaxCaptureStreams, skipped
    int m_tcpStreams = 0;
    int m_udpStreams = 0;
    std::unordered_map<TupleKey, int, TupleHash> m_tcpIndex; ///< tuple -> index into m_tcp
    std::unordered_map<TupleKey, int, TupleHash> m_udpIndex; ///< tuple -> index into m_udp
    std::vector<TcpConn> m_tcp;
    std::vector<UdpConn> m_udp;
    std::vector<ReassembledPiece> m_pieces;
};

void StreamIndex::warn(quint64 block, const QString &type, quint64 offset, const QString &what) {
    // Bounded: a file damaged all through says so once per kind of damage at most MaxWarnings times.
    if (m_out.warnings.size() >= MaxWarnings) {
        ++m_suppressedWarnings;
        return;
    }
    m_out.warnings.append(QStringLiteral("%1: %2").arg(capture::blockWhere(block, type, offset), what));
}

bool StreamIndex::tick(quint64 offset) {
    if (offset >= m_released + ReleaseEvery) {
        m_file.release(m_released, offset - m_released);
        m_released = offset - offset % 4096;
    }
    if (m_options.progress && offset >= m_nextProgress) {
        m_nextProgress = offset + ProgressEvery;
        if (!m_options.progress(offset, m_size)) {
            m_cancelled = true;
            return false;
        }
    }
    return true;
}

bool StreamIndex::run(QString *error) {
    if (m_size < 4) {
        *error = QStringLiteral("the file is too short to be a capture (%1 bytes)").arg(m_size);
        return false;
    }
    const capture::CaptureBytes bytes{m_data, m_size};
    const quint32 magicLe = bytes.u32le(0);
    bool ok;
    if (capture::isPcapngMagic(magicLe)) {
        m_out.format = CaptureFormat::Pcapng;
        ok = capture::readPcapng(bytes, *this, error);
    } else if (capture::isPcapMagic(magicLe)) {
        m_out.format = CaptureFormat::Pcap;
        ok = capture::readPcap(bytes, *this, error);
    } else {
        *error =
            QStringLiteral("not a pcap or pcapng capture (it begins with %1)")
                .arg(QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(m_data), 4).toHex(' ')));
        return false;
    }
    if (!ok)
        return false;
    finishAll();
    fragmentWarnings();
    for (const Undecoded &u : m_undecoded)
        m_out.warnings.append(QStringLiteral("%1 packets skipped (the first is packet %2): %3 is not decoded")
                                  .arg(grouped(u.packets), grouped(u.first), QString::fromLatin1(u.what)));
    if (m_beyondMaxStreams)
        m_out.warnings.append(QStringLiteral("more than %1 streams: %2 packets of the later ones skipped")
                                  .arg(grouped(quint64(MaxCaptureStreams)), grouped(m_beyondMaxStreams)));
    if (m_suppressedWarnings)
        m_out.warnings.append(
            QStringLiteral("… and %1 more problems").arg(grouped(quint64(m_suppressedWarnings))));
    if (m_cancelled) {
        *error = QStringLiteral("cancelled");
        return false;
    }
    return true;
}

void StreamIndex::packet(const CaptureInterface &iface, qint64 timeNs, quint64 offset, quint32 captured,
                         quint64 block, const QString &blockType, quint64 blockOffset) {
    ++m_out.packets;
    if (!iface.supported) {
        ++m_out.skippedPackets;
        return;
    }
    const DecodedPacket d = capture::decodePacket(iface.linkType, m_data + offset, captured, &m_decode);
    // The UDP datagrams of a tunnel (VXLAN) that carried the packet: streams of their own, first.
    for (int i = 0; i < m_decode.carrierCount; ++i)
        udp(m_decode.carriers[i], timeNs, payloadAt(offset, m_decode.carriers[i]));
    const quint64 skipped = m_decode.carrierCount == 0 ? 1 : 0;
    switch (d.result) {
    case DecodedPacket::Result::Tcp:
        tcp(d, timeNs, payloadAt(offset, d));
        break;
    case DecodedPacket::Result::Udp:
        udp(d, timeNs, payloadAt(offset, d));
        break;
    case DecodedPacket::Result::Waiting: // counted at the end if its datagram never completes
        break;
    case DecodedPacket::Result::Fragment:
        ++m_fragments;
        m_out.skippedPackets += skipped;
        break;
    case DecodedPacket::Result::Undecoded:
        m_out.skippedPackets += skipped;
        noteUndecoded(d.problem);
        break;
    case DecodedPacket::Result::Damaged:
        m_out.skippedPackets += skipped;
        warn(block, blockType, blockOffset, QString::fromLatin1(d.problem));
        break;
    case DecodedPacket::Result::Other:
        m_out.skippedPackets += skipped;
        break;
    }
}

void StreamIndex::noteUndecoded(const char *what) {
    for (Undecoded &u : m_undecoded) {
        if (u.what == what) {
            ++u.packets;
            return;
        }
    }
    m_undecoded.push_back({what, 1, m_out.packets});
}

void StreamIndex::fragmentWarnings() {
    // Fragments of datagrams that never completed were read, not skipped, until now.
    const quint64 waiting = m_ipFragments.waiting();
    const quint64 dropped = m_ipFragments.dropped();
    m_out.skippedPackets += waiting + dropped;
    if (m_fragments)
        m_out.warnings.append(
            QStringLiteral("%1 fragmented IP packets skipped (IPv6 fragments, and fragments "
                           "the capture cut short, are not put back together)")
                .arg(grouped(m_fragments)));
    if (waiting)
        m_out.warnings.append(
            QStringLiteral(
                "%1 fragmented IP packets skipped (the rest of their datagrams is not in the capture)")
                .arg(grouped(waiting)));
    if (dropped)
        m_out.warnings.append(QStringLiteral("%1 fragmented IP packets skipped (more than %2 datagrams or %3 "
                                             "MiB waited for their other fragments)")
                                  .arg(grouped(dropped),
                                       grouped(quint64(capture::IpFragments::MaxPendingDatagrams)),
                                       grouped(capture::IpFragments::MaxPendingBytes >> 20)));
}

TupleKey keyOf(const DecodedPacket &d, quint8 protocol) {
    TupleKey k{};
    const int n = d.v6 ? 16 : 4;
    const int order = std::memcmp(d.src, d.dst, size_t(n));
    const bool srcFirst = order < 0 || (order == 0 && d.srcPort <= d.dstPort);
    std::memcpy(k.a, srcFirst ? d.src : d.dst, size_t(n));
    std::memcpy(k.b, srcFirst ? d.dst : d.src, size_t(n));
    k.aPort = srcFirst ? d.srcPort : d.dstPort;
    k.bPort = srcFirst ? d.dstPort : d.srcPort;
    k.v6 = d.v6;
    k.protocol = protocol;
    return k;
}

int StreamIndex::newStream(CaptureProtocol protocol, const DecodedPacket &d, bool senderIsClient,
                           qint64 timeNs) {
    CaptureStream s;
    s.protocol = protocol;
    s.number = protocol == CaptureProtocol::Tcp ? m_tcpStreams++ : m_udpStreams++;
    const NetAddress src{formatIp(d.v6, d.src), d.srcPort};
    const NetAddress dst{formatIp(d.v6, d.dst), d.dstPort};
    s.client = senderIsClient ? src : dst;
    s.server = senderIsClient ? dst : src;
    s.firstNs = s.lastNs = timeNs;
    m_out.streams.append(s);
    return int(m_out.streams.size() - 1);
}

void StreamIndex::addEvent(int stream, qint64 timeNs, Marker marker, const QString &text) {
    CaptureRecord r;
    r.timeNs = timeNs;
    r.stream = stream;
    r.kind = RecordKind::Event;
    r.marker = marker;
    r.text = text;
    m_out.records.push_back(std::move(r));
}

void StreamIndex::addPieces(int stream, int direction) {
    CaptureStream &s = m_out.streams[stream];
    for (ReassembledPiece &p : m_pieces) {
        CaptureRecord r;
        r.timeNs = p.timeNs;
        r.stream = stream;
        if (p.kind == ReassembledPiece::Kind::Data) {
            if (p.length == 0)
                continue;
            r.kind = direction == 0 ? RecordKind::DataOut : RecordKind::DataIn;
            r.offset = p.fileOffset;
            r.length = p.length;
            (direction == 0 ? s.bytesToServer : s.bytesToClient) += p.length;
        } else {
            r.kind = RecordKind::Event;
            r.text = std::move(p.text);
            s.bytesMissing += p.missing;
        }
        m_out.records.push_back(std::move(r));
    }
    m_pieces.clear();
}

void StreamIndex::finMarkers(TcpConn &conn, qint64 timeNs, bool force) {
    // A FIN's marker goes after the last byte before it: when the reassembler has delivered up to
    // the FIN (a segment out of order may still come after it), or when the stream ends.
    for (int d = 0; d < 2; ++d) {
        if (!conn.finPending[d])
            continue;
        const quint32 dataStart = conn.baseSeq[d] + (conn.synSeen[d] ? 1u : 0u);
        const quint64 expected = quint32(conn.finSeq[d] - dataStart);
        // Reached, not delivered: bytes the capture lacks (said as events) count as passed.
        const quint64 reached = conn.dir[d] ? conn.dir[d]->reached() : 0;
        if (!force && reached < expected)
            continue;
        conn.finPending[d] = false;
        addEvent(conn.stream, timeNs, d == 0 ? Marker::FinSent : Marker::FinReceived,
                 d == 0 ? QStringLiteral("FIN sent") : QStringLiteral("Peer closed its side (FIN received)"));
    }
}

void StreamIndex::endStream(TcpConn &conn, qint64 timeNs) {
    for (int d = 0; d < 2; ++d) {
        if (conn.dir[d]) {
            conn.dir[d]->finish(timeNs, &m_pieces);
            addPieces(conn.stream, d);
        }
    }
    finMarkers(conn, timeNs, true);
    for (int d = 0; d < 2; ++d)
        conn.dir[d].reset(); // frees what it held: ended streams cost nothing more
    conn.ended = true;
    if (conn.finSeen[0] && conn.finSeen[1] && !conn.reset) {
        CaptureStream &s = m_out.streams[conn.stream];
        s.endState = EndpointState::Closed;
        s.endDetail.clear();
        addEvent(conn.stream, timeNs, Marker::Closed, QStringLiteral("Closed"));
    }
}

/// 0: the packet goes from the connection's client to its server; 1: back.
int directionOf(const DecodedPacket &d, const TcpConn &c) {
    return (std::memcmp(d.src, c.client, 16) == 0 && d.srcPort == c.clientPort) ? 0 : 1;
}

TcpConn *StreamIndex::tcpConnOf(const DecodedPacket &d, qint64 timeNs) {
    const TupleKey key = keyOf(d, 6);
    const bool syn = d.flags & capture::Syn;
    const bool ack = d.flags & capture::Ack;
    auto found = m_tcpIndex.find(key);
    TcpConn *conn = found == m_tcpIndex.end() ? nullptr : &m_tcp[size_t(found->second)];
    // As Wireshark numbers them: a SYN (without ACK) whose sequence number differs from the first
    // one seen from its sender on this tuple starts a new stream (the port was reused); the same
    // one is a retransmission.
    bool fresh = !conn;
    if (conn && syn && !ack) {
        const int sender = directionOf(d, *conn);
        fresh = conn->baseSet[sender] && conn->baseSeq[sender] != d.seq;
    }
    if (fresh && m_out.streams.size() >= MaxCaptureStreams) {
        // Full: this packet's stream is not kept, and neither is an older one on its tuple (a new
        // stream's packets must not land in it).
        if (conn)
            m_tcpIndex.erase(found);
        ++m_beyondMaxStreams;
        ++m_out.skippedPackets;
        return nullptr;
    }
    if (fresh) {
        TcpConn added;
        // The client: the SYN's sender; the SYN-ACK's receiver; else whoever spoke first.
        const bool senderIsClient = !(syn && ack);
        added.stream = newStream(CaptureProtocol::Tcp, d, senderIsClient, timeNs);
        std::memcpy(added.client, senderIsClient ? d.src : d.dst, 16);
        added.clientPort = senderIsClient ? d.srcPort : d.dstPort;
        m_tcp.push_back(std::move(added));
        m_tcpIndex[key] = int(m_tcp.size() - 1);
        conn = &m_tcp.back();
    }
    return conn;
}

void StreamIndex::tcp(const DecodedPacket &d, qint64 timeNs, quint64 payloadAt) {
    const bool syn = d.flags & capture::Syn;
    const bool ack = d.flags & capture::Ack;
    const bool rst = d.flags & capture::Rst;
    const bool fin = d.flags & capture::Fin;
    TcpConn *conn = tcpConnOf(d, timeNs);
    if (!conn)
        return;
    CaptureStream &s = m_out.streams[conn->stream];
    s.lastNs = qMax(s.lastNs, timeNs);
    const int dir = directionOf(d, *conn);
    if (!conn->baseSet[dir]) {
        conn->baseSet[dir] = true;
        conn->baseSeq[dir] = d.seq;
    }
    if (conn->ended)
        return; // retransmitted FINs, late ACKs, repeated RSTs: nothing more to show
    const int stream = conn->stream;
    // Made at the first byte or FIN of its direction: a stream that carries nothing (a refused
    // connect, a scan) costs no reassembler.
    auto reassembler = [&](int which) -> TcpReassembler & {
        if (!conn->dir[which]) {
            conn->dir[which] = std::make_unique<TcpReassembler>();
            if (conn->synSeen[which])
                conn->dir[which]->syn(conn->isn[which]);
        }
        return *conn->dir[which];
    };

    if (syn && !conn->synSeen[dir]) {
        conn->synSeen[dir] = true;
        conn->isn[dir] = d.seq;
        if (conn->dir[dir]) // bytes came before the SYN
            conn->dir[dir]->syn(d.seq);
        if (dir == 0 && !ack)
            addEvent(stream, timeNs, Marker::Connecting,
                     QStringLiteral("Connecting to %1").arg(formatAddress(s.server)));
    }
    if (rst) {
        conn->reset = true;
        endStream(*conn, timeNs); // what was delivered comes before the reset
        const NetAddress &sender = dir == 0 ? s.client : s.server;
        if (!conn->established && dir == 1 && conn->synSeen[0]) {
            s.endState = EndpointState::Failed;
            s.endDetail = QStringLiteral("Connection refused");
            addEvent(stream, timeNs, Marker::Failed, s.endDetail);
        } else {
            s.endState = EndpointState::Reset;
            s.endDetail = QStringLiteral("Reset by %1").arg(formatAddress(sender));
            addEvent(stream, timeNs, dir == 0 ? Marker::ResetSent : Marker::ResetReceived, s.endDetail);
        }
        return;
    }
    if (!conn->established && ack && !syn) {
        // The client's ACK of the SYN-ACK, or the first segment of a capture begun mid-connection.
        conn->established = true;
        const QString text =
            conn->synSeen[0] && conn->synSeen[1]
                ? QStringLiteral("Connected to %1 from %2")
                      .arg(formatAddress(s.server), formatAddress(s.client))
                : QStringLiteral("Connected to %1 from %2 (the capture began after the handshake)")
                      .arg(formatAddress(s.server), formatAddress(s.client));
        addEvent(stream, timeNs, Marker::Established, text);
    }
    quint32 dataSeq = d.seq + (syn ? 1u : 0u);
    // What the segment carried on the wire; the capture may have kept less (its snap length).
    const quint32 onWire = std::max(d.payloadLength, d.wireLength);
    if (onWire > 0) { // even after the FIN: it may fill a gap before it
        reassembler(dir).segment(timeNs, dataSeq, reinterpret_cast<const char *>(d.payload), payloadAt,
                                 d.payloadLength, &m_pieces, onWire - d.payloadLength);
        addPieces(stream, dir);
    }
    if (fin && !conn->finSeen[dir]) {
        conn->finSeen[dir] = true;
        conn->finPending[dir] = true;
        conn->finSeq[dir] = dataSeq + onWire;
        reassembler(dir).fin(timeNs, conn->finSeq[dir], &m_pieces);
        addPieces(stream, dir);
    }
    finMarkers(*conn, timeNs, false);
    // Both FINs, each after all its bytes: closed in order.
    if (conn->finSeen[0] && conn->finSeen[1] && !conn->finPending[0] && !conn->finPending[1])
        endStream(*conn, timeNs);
}

void StreamIndex::udp(const DecodedPacket &d, qint64 timeNs, quint64 payloadAt) {
    const TupleKey key = keyOf(d, 17);
    auto found = m_udpIndex.find(key);
    if (found == m_udpIndex.end()) {
        if (m_out.streams.size() >= MaxCaptureStreams) {
            ++m_beyondMaxStreams;
            ++m_out.skippedPackets;
            return;
        }
        UdpConn fresh;
        fresh.stream = newStream(CaptureProtocol::Udp, d, true, timeNs);
        std::memcpy(fresh.client, d.src, 16);
        fresh.clientPort = d.srcPort;
        m_udp.push_back(fresh);
        found = m_udpIndex.emplace(key, int(m_udp.size() - 1)).first;
    }
    const UdpConn &conn = m_udp[size_t(found->second)];
    CaptureStream &s = m_out.streams[conn.stream];
    s.lastNs = qMax(s.lastNs, timeNs);
    const bool out = std::memcmp(d.src, conn.client, 16) == 0 && d.srcPort == conn.clientPort;
    CaptureRecord r;
    r.timeNs = timeNs;
    r.stream = conn.stream;
    r.kind = out ? RecordKind::DataOut : RecordKind::DataIn;
    r.offset = payloadAt;
    r.length = d.payloadLength;
    r.originalLength = d.wireLength > d.payloadLength ? d.wireLength : 0;
    (out ? s.bytesToServer : s.bytesToClient) += d.payloadLength;
    m_out.records.push_back(std::move(r));
}

void StreamIndex::finishAll() {
    for (TcpConn &conn : m_tcp) {
        if (conn.ended)
            continue;
        CaptureStream &s = m_out.streams[conn.stream];
        s.endState = EndpointState::Closed;
        s.endDetail = QStringLiteral("Still open when the capture ended");
        endStream(conn, s.lastNs); // both FINs seen but bytes missing before one: closed all the same
    }
    m_tcp.clear();
    m_tcpIndex.clear();
    // Streams in Wireshark's order: TCP in tcp.stream order, then UDP. Records name streams by
    // index, so renumber them with the move.
    QList<int> newIndex(m_out.streams.size());
    QList<CaptureStream> ordered;
    ordered.reserve(m_out.streams.size());
    for (int pass = 0; pass < 2; ++pass) {
        const CaptureProtocol p = pass == 0 ? CaptureProtocol::Tcp : CaptureProtocol::Udp;
        for (int i = 0; i < m_out.streams.size(); ++i) {
            if (m_out.streams[i].protocol == p) {
                newIndex[i] = int(ordered.size());
                ordered.append(m_out.streams[i]);
            }
        }
    }
    m_out.streams = std::move(ordered);
    for (CaptureRecord &r : m_out.records)
        r.stream = newIndex[r.stream];
}

} // namespace

std::unique_ptr<CaptureFile> readCapture(const QString &path, QString *error,
                                         const CaptureReadOptions &options) {
    QString openError;
    std::shared_ptr<MappedFile> file = MappedFile::open(path, &openError);
    if (!file) {
        if (error)
            *error = openError;
        return nullptr;
    }
    QString readError;
    auto capture = readCapture(std::move(file), &readError, options);
    if (capture)
        capture->path = path;
    else if (error)
        *error = QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), readError);
    return capture;
}

std::unique_ptr<CaptureFile> readCapture(std::shared_ptr<const MappedFile> file, QString *error,
                                         const CaptureReadOptions &options) {
    QString readError;
    if (!file) {
        if (error)
            *error = QStringLiteral("no file");
        return nullptr;
    }
    auto capture = std::make_unique<CaptureFile>();
    capture->file = file;
    // Records come at about one per packet; a packet of ours is rarely under ~100 bytes of file.
    capture->records.reserve(size_t(qMin<quint64>(file->size() / 1024, 4u * 1024 * 1024)));
    StreamIndex index(*file, *capture, options);
    if (!index.run(&readError)) {
        if (error)
            *error = readError;
        return nullptr;
    }
    if (!index.held().empty()) {
        capture->file = file->withTail(index.held(), &readError);
        if (!capture->file) {
            if (error)
                *error = QStringLiteral("no memory for the reassembled IP datagrams: %1").arg(readError);
            return nullptr;
        }
    }
    return capture;
}

} // namespace sockbench
