#pragma once

#include <QByteArray>
#include <QtGlobal>

#include <cstddef>
#include <vector>

namespace sockbench::capture {

// The bytes of a pcapng file the writer makes: its section start, packets (an Enhanced Packet
// Block around an IP header and a transport header), comments, and the final statistics block.
// Internal to PcapngWriter; no state: what goes where is the writer's business.

struct Wire;

constexpr quint8 ProtoTcp = 6;
constexpr quint8 ProtoUdp = 17;

/// Packet comments (opt_comment), in the order they are written; empty ones are left out.
using Comments = std::vector<QByteArray>;

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

/// Adds n bytes to an Internet checksum's running sum (host order; see the definition).
quint64 sumBytes(const uchar *p, size_t n, quint64 acc);

/// The bytes `comments` take as options, added to acc.
quint32 commentsSize(const Comments &comments, quint32 acc);
/// Writes `comments` as options at p; returns where they end.
uchar *putComments(uchar *p, const Comments &comments);

/// The Section Header Block and the Interface Description Block (raw IP, nanoseconds).
void appendSectionStart(QByteArray *out);

/// An Interface Statistics Block with only its end time, carrying `comments`.
void appendStatistics(QByteArray *out, qint64 endNs, const Comments &comments);

/// The transport header of one packet, its checksum field (at checksumAt) zero.
struct TransportHeader {
    quint8 protocol = ProtoTcp;
    const uchar *bytes = nullptr;
    quint32 length = 0;
    int checksumAt = 0;
    bool checksum = true; ///< false: the field stays 0 (UDP over IPv4: "no checksum")
};

/// One Enhanced Packet Block: an IP header for `w` in the given direction (`ipId` counts IPv4
/// identifications), the transport header, then `captured` payload bytes of `onWire` on the wire.
/// Comments: `lead`, then `own` when not null.
void appendPacket(QByteArray *out, qint64 timeNs, const Wire &w, bool fromLocal, quint16 *ipId,
                  const TransportHeader &transport, const char *payload, quint32 captured, quint32 onWire,
                  const Comments &lead, const Comments *own);

} // namespace sockbench::capture
