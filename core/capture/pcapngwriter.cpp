#include "capture/pcapngwriter.h"

#include "engine/sockaddr.h"

#include <QHash>
#include <QSet>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace sockbench {

namespace {

constexpr quint32 ShbType = 0x0A0D0D0A;
constexpr quint32 IdbType = 1;
constexpr quint32 IsbType = 5;
constexpr quint32 EpbType = 6;
constexpr quint16 LinkTypeRaw = 101;
constexpr quint32 SnapLength = 262144;
constexpr quint16 OptEnd = 0;
constexpr quint16 OptComment = 1;
constexpr quint16 OptShbUserAppl = 4;
constexpr quint16 OptIfTsResol = 9;
constexpr quint16 OptIsbEndTime = 3;

constexpr quint8 ProtoTcp = 6;
constexpr quint8 ProtoUdp = 17;

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
constexpr quint8 Ttl = 64;

inline quint32 pad4(quint32 n) {
    return (n + 3) & ~3u;
}

inline void putLe16(uchar *p, quint16 v) {
    p[0] = uchar(v);
    p[1] = uchar(v >> 8);
}
inline void putLe32(uchar *p, quint32 v) {
    p[0] = uchar(v);
    p[1] = uchar(v >> 8);
    p[2] = uchar(v >> 16);
    p[3] = uchar(v >> 24);
}
inline void putBe16(uchar *p, quint16 v) {
    p[0] = uchar(v >> 8);
    p[1] = uchar(v);
}
inline void putBe32(uchar *p, quint32 v) {
    p[0] = uchar(v >> 24);
    p[1] = uchar(v >> 16);
    p[2] = uchar(v >> 8);
    p[3] = uchar(v);
}

inline quint16 swap16(quint16 v) {
    return quint16((v << 8) | (v >> 8));
}

// The Internet checksum, summed as little-endian 16-bit words (RFC 1071: the ones' complement sum
// does not depend on byte order, so summing in host order and storing the result in host order
// gives the right bytes). 32-bit loads into a 64-bit accumulator: no carry handling per word.
quint64 sumBytes(const uchar *p, size_t n, quint64 acc) {
    while (n >= 32) {
        quint32 w[8];
        std::memcpy(w, p, 32);
        acc += quint64(w[0]) + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7];
        p += 32;
        n -= 32;
    }
    while (n >= 4) {
        quint32 w;
        std::memcpy(&w, p, 4);
        acc += w;
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        acc += quint32(p[0]) | (quint32(p[1]) << 8);
        p += 2;
        n -= 2;
    }
    if (n)
        acc += p[0];
    return acc;
}

inline quint16 foldSum(quint64 acc) {
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return quint16(acc);
}

/// Stores the checksum (complement of the folded host-order sum) at p, in host order (see sumBytes).
inline void storeChecksum(uchar *p, quint64 acc, bool zeroMeansNone) {
    quint16 c = quint16(~foldSum(acc));
    if (zeroMeansNone && c == 0)
        c = 0xffff; // UDP: 0 means "no checksum"
    std::memcpy(p, &c, 2);
}

quint64 splitmix(quint64 x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/// Parses numeric IP text; v4-mapped IPv6 is reported as mapped (caller decides).
bool parseIp(const QString &text, bool *v6, uchar addr[16]) {
    const QByteArray latin = text.toLatin1();
    std::memset(addr, 0, 16);
    if (inet_pton(AF_INET, latin.constData(), addr) == 1) {
        *v6 = false;
        return true;
    }
    QByteArray plain = latin;
    if (const qsizetype pct = plain.indexOf('%'); pct >= 0) // zone index: not on the wire
        plain.truncate(pct);
    if (inet_pton(AF_INET6, plain.constData(), addr) == 1) {
        *v6 = true;
        return true;
    }
    return false;
}

bool isMapped(const uchar a[16]) {
    static constexpr uchar Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(a, Prefix, 12) == 0;
}

bool isWildcard(bool v6, const uchar a[16]) {
    static constexpr uchar Zero[16] = {};
    return std::memcmp(a, Zero, v6 ? 16 : 4) == 0;
}

bool isLoopback(bool v6, const uchar a[16]) {
    if (!v6)
        return a[0] == 127;
    static constexpr uchar One[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(a, One, 16) == 0;
}

/// One parsed address: family and 4 or 16 bytes.
struct Ip {
    bool v6 = false;
    uchar a[16] = {};
    bool valid = false;
};

Ip toIp(const QString &text) {
    Ip ip;
    ip.valid = !text.isEmpty() && parseIp(text, &ip.v6, ip.a);
    return ip;
}

/// A v4-mapped IPv6 address as plain IPv4 (what the wire carries when both ends are IPv4).
Ip unmapped(const Ip &ip) {
    if (!ip.v6 || !isMapped(ip.a))
        return ip;
    Ip out;
    out.valid = true;
    out.v6 = false;
    std::memcpy(out.a, ip.a + 12, 4);
    return out;
}

/// Who talks on one flow: both addresses of one family, and the pseudo-header's address sum.
struct Wire {
    bool valid = false;
    bool v6 = false;
    uchar local[16] = {};
    uchar peer[16] = {};
    quint16 localPort = 0;
    quint16 peerPort = 0;
    quint64 addrSum = 0; ///< the same in both directions: the sum does not care about order
};

void finishWire(Wire *w) {
    const size_t n = w->v6 ? 16 : 4;
    w->addrSum = sumBytes(w->local, n, sumBytes(w->peer, n, 0));
    w->valid = true;
}

/// TCP: both ends of a connection, as the connection's own meta says. A pair of v4-mapped
/// addresses is IPv4 on the wire.
Wire tcpWire(const EndpointMeta &meta) {
    Wire w;
    Ip local = toIp(meta.local.ip);
    Ip peer = toIp(meta.peer.ip);
    if (!local.valid || !peer.valid)
        return w;
    if (local.v6 != peer.v6 || (isMapped(local.a) && isMapped(peer.a))) {
        local = unmapped(local);
        peer = unmapped(peer);
    }
    if (local.v6 != peer.v6)
        return w;
    w.v6 = local.v6;
    std::memcpy(w.local, local.a, 16);
    std::memcpy(w.peer, peer.a, 16);
    w.localPort = meta.local.port;
    w.peerPort = meta.peer.port;
    finishWire(&w);
    return w;
}

/// UDP: our socket's address (a wildcard becomes the loopback of the peer's family when the peer
/// is a loopback address, since that is where the kernel sends from) and the datagram's peer.
Wire udpWire(const NetAddress &localAddr, const NetAddress &peerAddr) {
    Wire w;
    Ip peer = unmapped(toIp(peerAddr.ip));
    if (!peer.valid)
        return w;
    Ip local = toIp(localAddr.ip);
    if (local.valid && local.v6 != peer.v6)
        local = unmapped(local);
    if (!local.valid || local.v6 != peer.v6 || isWildcard(local.v6, local.a)) {
        Ip fixed;
        fixed.valid = true;
        fixed.v6 = peer.v6;
        if (isLoopback(peer.v6, peer.a)) {
            if (peer.v6)
                fixed.a[15] = 1;
            else
                std::memcpy(fixed.a, "\x7f\x00\x00\x01", 4);
        }
        local = fixed;
    }
    w.v6 = peer.v6;
    std::memcpy(w.local, local.a, 16);
    std::memcpy(w.peer, peer.a, 16);
    w.localPort = localAddr.port;
    w.peerPort = peerAddr.port;
    finishWire(&w);
    return w;
}

QByteArray wireKey(const Wire &w, bool mirrored) {
    QByteArray key(37, '\0');
    uchar *p = reinterpret_cast<uchar *>(key.data());
    p[0] = w.v6 ? 6 : 4;
    std::memcpy(p + 1, mirrored ? w.peer : w.local, 16);
    putBe16(p + 17, mirrored ? w.peerPort : w.localPort);
    std::memcpy(p + 19, mirrored ? w.local : w.peer, 16);
    putBe16(p + 35, mirrored ? w.localPort : w.peerPort);
    return key;
}

} // namespace

struct PcapngWriter::Impl {
    enum class Phase : quint8 {
        Fresh,   ///< nothing drawn yet
        SynSent, ///< the client's SYN is out
        Open,    ///< handshake drawn
        Done,    ///< ended (FINs and final ACK, or RST): nothing more is drawn
    };

    /// What the writer knows of one endpoint.
    struct Flow {
        EndpointId id = 0;
        bool described = false;
        EndpointMeta meta;
        Wire wire;
        Phase phase = Phase::Fresh;
        bool hadPacket = false;  ///< its name went out already
        bool registered = false; ///< UDP: in udpPorts
        bool imported = false;   ///< read from a capture: its datagrams are never one of our sends
        bool activated = false;  ///< TCP: looked for its mirror
        EndpointId primary = 0;  ///< TCP: the other end of the same connection, drawn already
        bool localFin = false;
        bool peerFin = false;
        bool finalAckOwed = false; ///< the second FIN is not acked yet
        bool lastFinLocal = false; ///< who sent the FIN that finalAckOwed is about
        quint32 localSeq = 0;      ///< next sequence number the local end sends
        quint32 peerSeq = 0;
        quint32 localIsn = 0;
        quint32 peerIsn = 0;
        quint16 localIpId = 0;
        quint16 peerIpId = 0;
        std::vector<QByteArray> pending; ///< comments waiting for this endpoint's next packet
        // UDP: the wire of the last datagram's peer, reused while the peer stays the same.
        NetAddress lastPeer;
        Wire lastPeerWire;
    };

    const Journal &journal;
    EndpointNamer namer;
    std::unordered_map<EndpointId, Flow> flows;
    QHash<QByteArray, EndpointId> liveTuples; ///< TCP 4-tuples drawn now, to spot the other end
    QMultiHash<quint16, EndpointId> udpPorts; ///< our UDP sockets by local port
    QSet<QString> ownAddresses;               ///< this machine's interface addresses (getifaddrs)
    /// The engine's text for a refused connect, in this process's language ("Connection refused",
    /// "Verbindungsaufbau abgelehnt"): what a Failed event of a refused connect says.
    QByteArray refusedText = errnoText(ECONNREFUSED).toUtf8();
    std::vector<QByteArray> global; ///< comments for whichever packet comes next
    std::vector<QByteArray> lead;   ///< for the next packet written (name, waiting comments)
    std::vector<QByteArray> own;    ///< for the packet the current record designates
    quint64 packets = 0;
    qint64 lastTimeNs = 0;
    uchar header[64] = {};

    Impl(const Journal &j, EndpointNamer n)
        : journal(j)
        , namer(std::move(n)) {
        ifaddrs *list = nullptr;
        if (::getifaddrs(&list) != 0)
            return;
        for (const ifaddrs *a = list; a; a = a->ifa_next) {
            if (!a->ifa_addr)
                continue;
            char text[INET6_ADDRSTRLEN] = {};
            if (a->ifa_addr->sa_family == AF_INET)
                ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(a->ifa_addr)->sin_addr, text,
                            sizeof text);
            else if (a->ifa_addr->sa_family == AF_INET6)
                ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(a->ifa_addr)->sin6_addr, text,
                            sizeof text);
            if (text[0])
                ownAddresses.insert(QString::fromLatin1(text));
        }
        ::freeifaddrs(list);
    }

    /// True when `ip` is this machine's: loopback, or an address of one of its interfaces.
    bool isOwnAddress(QString ip) const {
        if (ip.startsWith(QLatin1String("::ffff:")))
            ip = ip.mid(7);
        return ip.startsWith(QLatin1String("127.")) || ip == QLatin1String("::1") ||
               ownAddresses.contains(ip);
    }

    QString nameOf(EndpointId id) const {
        if (namer) {
            const QString name = namer(id);
            if (!name.isEmpty())
                return name;
        }
        return QStringLiteral("Endpoint #%1").arg(id);
    }

    QByteArray prefixed(EndpointId id, const QByteArray &text) const {
        if (text.isEmpty()) // an event whose text was evicted: nothing to say
            return {};
        return nameOf(id).toUtf8() + ": " + text;
    }

    Flow &flow(EndpointId id) {
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

    void refresh(Flow &f) {
        if (const auto meta = journal.describedEndpoint(f.id)) {
            f.described = true;
            f.meta = *meta;
            if (f.meta.kind == EndpointKind::UdpSocket && !f.registered) {
                f.registered = true;
                udpPorts.insert(f.meta.local.port, f.id);
            }
            if (f.meta.kind == EndpointKind::TcpConnection && f.phase == Phase::Fresh)
                f.wire = tcpWire(f.meta);
        }
    }

    // ---- comments ----

    /// Collects what the next packet of `f` carries before anything of its own: comments waiting
    /// for any packet, its name on its first packet, its own waiting comments.
    void gatherLead(Flow &f) {
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
    void toGlobal(Flow &f, const QByteArray *text) {
        for (const QByteArray &c : f.pending)
            global.push_back(prefixed(f.id, c));
        f.pending.clear();
        if (text && !text->isEmpty())
            global.push_back(prefixed(f.id, *text));
    }

    // ---- blocks ----

    static quint32 commentsSize(const std::vector<QByteArray> &list, quint32 acc) {
        for (const QByteArray &c : list) {
            if (!c.isEmpty())
                acc += 4 + pad4(quint32(std::min<qsizetype>(c.size(), 65535)));
        }
        return acc;
    }

    static uchar *putComments(uchar *p, const std::vector<QByteArray> &list) {
        for (const QByteArray &c : list) {
            if (c.isEmpty())
                continue;
            const quint32 n = quint32(std::min<qsizetype>(c.size(), 65535));
            putLe16(p, OptComment);
            putLe16(p + 2, quint16(n));
            std::memcpy(p + 4, c.constData(), n);
            std::memset(p + 4 + n, 0, pad4(n) - n);
            p += 4 + pad4(n);
        }
        return p;
    }

    /// One Enhanced Packet Block: an IP header for `w` in the given direction, the transport
    /// header `l4` (checksum field at `csumAt`, zero), then `capPayload` captured payload bytes of
    /// `wirePayload` on the wire. Comments: `lead` always, `own` when `designated`.
    void packet(QByteArray *out, qint64 timeNs, const Wire &w, bool fromLocal, quint16 *ipId, quint8 proto,
                const uchar *l4, quint32 l4Len, int csumAt, const char *payload, quint32 capPayload,
                quint32 wirePayload, bool designated, bool checksum = true) {
        const quint32 ipLen = w.v6 ? 40 : 20;
        const quint32 capLen = ipLen + l4Len + capPayload;
        const quint64 origLen64 = quint64(ipLen) + l4Len + wirePayload;
        const quint32 origLen = quint32(std::min<quint64>(origLen64, 0xffffffffULL));
        quint32 optLen = commentsSize(lead, 0);
        if (designated)
            optLen = commentsSize(own, optLen);
        const bool anyComments = optLen > 0;
        if (anyComments)
            optLen += 4;
        const quint32 total = 28 + pad4(capLen) + optLen + 4;
        const qsizetype at = out->size();
        out->resize(at + total);
        uchar *b = reinterpret_cast<uchar *>(out->data()) + at;
        putLe32(b, EpbType);
        putLe32(b + 4, total);
        putLe32(b + 8, 0);
        const quint64 ts = quint64(timeNs);
        putLe32(b + 12, quint32(ts >> 32));
        putLe32(b + 16, quint32(ts));
        putLe32(b + 20, capLen);
        putLe32(b + 24, origLen);
        uchar *ip = b + 28;
        const uchar *src = fromLocal ? w.local : w.peer;
        const uchar *dst = fromLocal ? w.peer : w.local;
        const quint32 l4Wire = quint32(std::min<quint64>(quint64(l4Len) + wirePayload, 65535));
        if (w.v6) {
            putBe32(ip, 0x60000000);
            putBe16(ip + 4, quint16(l4Wire));
            ip[6] = proto;
            ip[7] = Ttl;
            std::memcpy(ip + 8, src, 16);
            std::memcpy(ip + 24, dst, 16);
        } else {
            ip[0] = 0x45;
            ip[1] = 0;
            putBe16(ip + 2, quint16(std::min<quint64>(origLen64, 65535)));
            putBe16(ip + 4, (*ipId)++);
            putBe16(ip + 6, 0x4000); // don't fragment
            ip[8] = Ttl;
            ip[9] = proto;
            ip[10] = ip[11] = 0;
            std::memcpy(ip + 12, src, 4);
            std::memcpy(ip + 16, dst, 4);
            storeChecksum(ip + 10, sumBytes(ip, 20, 0), false);
        }
        uchar *t = ip + ipLen;
        std::memcpy(t, l4, l4Len);
        if (capPayload)
            std::memcpy(t + l4Len, payload, capPayload);
        if (checksum) {
            // Pseudo-header: addresses, protocol, transport length (the v6 one is 32 bits, the
            // top half zero), then the transport header and what we have of the payload.
            quint64 acc = w.addrSum + swap16(proto) + swap16(quint16(l4Wire));
            acc = sumBytes(t, l4Len + capPayload, acc);
            storeChecksum(t + csumAt, acc, proto == ProtoUdp);
        }
        uchar *p = t + l4Len + capPayload;
        std::memset(p, 0, pad4(capLen) - capLen);
        p += pad4(capLen) - capLen;
        if (anyComments) {
            p = putComments(p, lead);
            if (designated)
                p = putComments(p, own);
            putLe16(p, OptEnd);
            putLe16(p + 2, 0);
            p += 4;
        }
        lead.clear();
        if (designated)
            own.clear();
        putLe32(p, total);
        ++packets;
    }

    // ---- TCP ----

    void tcp(QByteArray *out, qint64 timeNs, Flow &f, bool fromLocal, quint8 flags, const char *payload,
             quint32 capPayload, quint32 wirePayload, bool designated) {
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
        packet(out, timeNs, f.wire, fromLocal, fromLocal ? &f.localIpId : &f.peerIpId, ProtoTcp, h, hLen, 16,
               payload, capPayload, wirePayload, designated);
        quint32 advance = wirePayload + ((flags & (TcpSyn | TcpFin)) ? 1 : 0);
        if (fromLocal)
            f.localSeq += advance;
        else
            f.peerSeq += advance;
    }

    /// Looks for the other end of this connection among the connections drawn now: when both ends
    /// are ours, the journal holds the connection twice, and it must appear on the wire once.
    void activate(Flow &f) {
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

    void retire(Flow &f) {
        f.phase = Phase::Done;
        if (f.primary == 0 && f.wire.valid) {
            const QByteArray key = wireKey(f.wire, false);
            if (liveTuples.value(key) == f.id)
                liveTuples.remove(key);
        }
    }

    bool clientIsLocal(const Flow &f) const { return f.meta.outgoing; }

    void drawSyn(QByteArray *out, qint64 t, Flow &f, bool designated) {
        const bool local = clientIsLocal(f);
        if (local)
            f.localSeq = f.localIsn;
        else
            f.peerSeq = f.peerIsn;
        tcp(out, t, f, local, TcpSyn, nullptr, 0, 0, designated);
        f.phase = Phase::SynSent;
    }

    void drawSynAckAck(QByteArray *out, qint64 t, Flow &f, bool designated) {
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
    void ensureOpen(QByteArray *out, qint64 t, Flow &f) {
        if (f.phase == Phase::Fresh)
            drawSyn(out, t, f, false);
        if (f.phase == Phase::SynSent)
            drawSynAckAck(out, t, f, false);
    }

    void fin(QByteArray *out, qint64 t, Flow &f, bool fromLocal, bool designated) {
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

    void tcpData(QByteArray *out, const Record &r, Flow &f) {
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

    void addTcp(const Record &r, Flow &f, QByteArray *out) {
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

    /// Which end sent its FIN last (the one whose FIN still needs an ACK).
    static bool lastFinFromLocal(const Flow &f) { return f.lastFinLocal; }

    // ---- UDP ----

    /// A datagram one of our own UDP sockets sent: the sender's DataOut record draws it (with all
    /// its bytes, even when the receiver truncated it), so the receiver's DataIn must not draw it
    /// again. The sender is ours when one of our open sockets has the source's port and its address,
    /// or is bound to every interface and the source is an address of this machine (a datagram from
    /// another host to a port we also use is its own traffic). Streams read from a capture are
    /// never ours: both their ends are in the one stream.
    bool sentByUs(const Flow &receiver, const NetAddress &from) const {
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

    void addUdp(const Record &r, Flow &f, QByteArray *out) {
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
            f.lastPeerWire = udpWire(f.meta.local, peer);
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
            own.push_back(QByteArrayLiteral("payload evicted from the journal (") +
                          QByteArray::number(r.length) + QByteArrayLiteral(" bytes)"));
        uchar *h = header;
        putBe16(h, fromLocal ? w.localPort : w.peerPort);
        putBe16(h + 2, fromLocal ? w.peerPort : w.localPort);
        putBe16(h + 4, quint16(std::min<quint64>(quint64(wireLen) + 8, 65535)));
        putBe16(h + 6, 0);
        // IPv4 allows "no checksum" (0): the only honest value when bytes are missing. IPv6 does
        // not; there the sum covers what we have, which Wireshark cannot check on a short packet.
        const bool complete = cap == wireLen;
        packet(out, r.timeNs, w, fromLocal, fromLocal ? &f.localIpId : &f.peerIpId, ProtoUdp, h, 8, 6,
               r.payload.constData(), cap, wireLen, true, complete || w.v6);
    }

    void add(const Record &r, QByteArray *out) {
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
};

PcapngWriter::PcapngWriter(const Journal &journal, EndpointNamer names)
    : m_impl(std::make_unique<Impl>(journal, std::move(names))) {}

PcapngWriter::~PcapngWriter() = default;

void PcapngWriter::begin(QByteArray *out) {
    static constexpr char App[] = "Sockbench";
    const quint32 appLen = sizeof(App) - 1;
    const quint32 shbLen = 24 + 4 + pad4(appLen) + 4 + 4;
    const quint32 idbLen = 16 + 4 + 4 + 4 + 4;
    const qsizetype at = out->size();
    out->resize(at + shbLen + idbLen);
    uchar *p = reinterpret_cast<uchar *>(out->data()) + at;
    std::memset(p, 0, shbLen + idbLen);
    putLe32(p, ShbType);
    putLe32(p + 4, shbLen);
    putLe32(p + 8, 0x1A2B3C4D);
    putLe16(p + 12, 1);
    putLe16(p + 14, 0);
    putLe32(p + 16, 0xffffffff); // section length unknown
    putLe32(p + 20, 0xffffffff);
    putLe16(p + 24, OptShbUserAppl);
    putLe16(p + 26, quint16(appLen));
    std::memcpy(p + 28, App, appLen);
    uchar *q = p + 28 + pad4(appLen);
    putLe32(q, 0); // opt_endofopt
    putLe32(q + 4, shbLen);
    p += shbLen;
    putLe32(p, IdbType);
    putLe32(p + 4, idbLen);
    putLe16(p + 8, LinkTypeRaw);
    putLe16(p + 10, 0);
    putLe32(p + 12, SnapLength);
    putLe16(p + 16, OptIfTsResol);
    putLe16(p + 18, 1);
    p[20] = 9; // nanoseconds: the journal's own resolution
    putLe32(p + 24, 0);
    putLe32(p + 28, idbLen);
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
    const quint32 optLen = 12 + Impl::commentsSize(rest, 0) + 4;
    const quint32 total = 20 + optLen + 4;
    const qsizetype at = out->size();
    out->resize(at + total);
    uchar *p = reinterpret_cast<uchar *>(out->data()) + at;
    putLe32(p, IsbType);
    putLe32(p + 4, total);
    putLe32(p + 8, 0);
    const quint64 ts = quint64(d.lastTimeNs);
    putLe32(p + 12, quint32(ts >> 32));
    putLe32(p + 16, quint32(ts));
    uchar *o = p + 20;
    putLe16(o, OptIsbEndTime);
    putLe16(o + 2, 8);
    putLe32(o + 4, quint32(ts >> 32));
    putLe32(o + 8, quint32(ts));
    o = Impl::putComments(o + 12, rest);
    putLe32(o, 0);
    putLe32(o + 4, total);
}

quint64 PcapngWriter::packetsWritten() const {
    return m_impl->packets;
}

} // namespace sockbench
