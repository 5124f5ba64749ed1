#include "capture/pcapngblocks.h"

#include "capture/pcapngwire.h"

#include <algorithm>
#include <cstring>

namespace sockbench::capture {

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
constexpr quint8 Ttl = 64;

inline quint16 swap16(quint16 v) {
    return quint16((v << 8) | (v >> 8));
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

/// The IPv4 or IPv6 header at ip; the IPv4 one with its checksum.
void putIpHeader(uchar *ip, const Wire &w, bool fromLocal, quint16 *ipId, quint8 protocol, quint32 l4Wire,
                 quint64 origLen64) {
    const uchar *src = fromLocal ? w.local : w.peer;
    const uchar *dst = fromLocal ? w.peer : w.local;
    if (w.v6) {
        putBe32(ip, 0x60000000);
        putBe16(ip + 4, quint16(l4Wire));
        ip[6] = protocol;
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
        ip[9] = protocol;
        ip[10] = ip[11] = 0;
        std::memcpy(ip + 12, src, 4);
        std::memcpy(ip + 16, dst, 4);
        storeChecksum(ip + 10, sumBytes(ip, 20, 0), false);
    }
}

} // namespace

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

quint32 commentsSize(const Comments &comments, quint32 acc) {
    for (const QByteArray &c : comments) {
        if (!c.isEmpty())
            acc += 4 + pad4(quint32(std::min<qsizetype>(c.size(), 65535)));
    }
    return acc;
}

uchar *putComments(uchar *p, const Comments &comments) {
    for (const QByteArray &c : comments) {
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

void appendSectionStart(QByteArray *out) {
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

void appendStatistics(QByteArray *out, qint64 endNs, const Comments &comments) {
    const quint32 optLen = 12 + commentsSize(comments, 0) + 4;
    const quint32 total = 20 + optLen + 4;
    const qsizetype at = out->size();
    out->resize(at + total);
    uchar *p = reinterpret_cast<uchar *>(out->data()) + at;
    putLe32(p, IsbType);
    putLe32(p + 4, total);
    putLe32(p + 8, 0);
    const quint64 ts = quint64(endNs);
    putLe32(p + 12, quint32(ts >> 32));
    putLe32(p + 16, quint32(ts));
    uchar *o = p + 20;
    putLe16(o, OptIsbEndTime);
    putLe16(o + 2, 8);
    putLe32(o + 4, quint32(ts >> 32));
    putLe32(o + 8, quint32(ts));
    o = putComments(o + 12, comments);
    putLe32(o, 0);
    putLe32(o + 4, total);
}

void appendPacket(QByteArray *out, qint64 timeNs, const Wire &w, bool fromLocal, quint16 *ipId,
                  const TransportHeader &transport, const char *payload, quint32 captured, quint32 onWire,
                  const Comments &lead, const Comments *own) {
    const quint32 ipLen = w.v6 ? 40 : 20;
    const quint32 l4Len = transport.length;
    const quint32 capLen = ipLen + l4Len + captured;
    const quint64 origLen64 = quint64(ipLen) + l4Len + onWire;
    const quint32 origLen = quint32(std::min<quint64>(origLen64, 0xffffffffULL));
    quint32 optLen = commentsSize(lead, 0);
    if (own)
        optLen = commentsSize(*own, optLen);
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
    const quint32 l4Wire = quint32(std::min<quint64>(quint64(l4Len) + onWire, 65535));
    putIpHeader(ip, w, fromLocal, ipId, transport.protocol, l4Wire, origLen64);
    uchar *t = ip + ipLen;
    std::memcpy(t, transport.bytes, l4Len);
    if (captured)
        std::memcpy(t + l4Len, payload, captured);
    if (transport.checksum) {
        // Pseudo-header: addresses, protocol, transport length (the v6 one is 32 bits, the
        // top half zero), then the transport header and what we have of the payload.
        quint64 acc = w.addrSum + swap16(transport.protocol) + swap16(quint16(l4Wire));
        acc = sumBytes(t, l4Len + captured, acc);
        storeChecksum(t + transport.checksumAt, acc, transport.protocol == ProtoUdp);
    }
    uchar *p = t + l4Len + captured;
    std::memset(p, 0, pad4(capLen) - capLen);
    p += pad4(capLen) - capLen;
    if (anyComments) {
        p = putComments(p, lead);
        if (own)
            p = putComments(p, *own);
        putLe16(p, OptEnd);
        putLe16(p + 2, 0);
        p += 4;
    }
    putLe32(p, total);
}

} // namespace sockbench::capture
