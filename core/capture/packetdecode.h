#pragma once

#include <QtGlobal>

namespace sockbench::capture {

// Decoding one captured frame down to its TCP segment or UDP datagram. Internal to the capture
// reader; every length is checked against the captured bytes.

/// Link types (LINKTYPE_*) the reader understands.
bool isSupportedLinkType(quint32 linkType);

struct DecodedPacket {
    enum class Result : quint8 {
        Tcp,
        Udp,
        Other,    ///< a protocol we do not read (ARP, ICMP, ...): counted as skipped
        Fragment, ///< an IP fragment: not reassembled, skipped
        Damaged,  ///< a header that does not fit or contradicts itself; `problem` says which
    };
    Result result = Result::Other;
    bool v6 = false;
    quint8 src[16] = {};
    quint8 dst[16] = {};
    quint16 srcPort = 0;
    quint16 dstPort = 0;
    // TCP
    quint32 seq = 0;
    quint32 ack = 0;
    quint8 flags = 0;
    /// Offset of the payload from the start of the frame, and its captured length.
    quint32 payloadOffset = 0;
    quint32 payloadLength = 0;
    /// The payload's length on the wire (UDP: from its header; TCP: from the IP length), which
    /// exceeds payloadLength when the capture cut the packet (its snap length).
    quint32 wireLength = 0;
    const char *problem =
        nullptr; ///< Damaged: what was wrong, e.g. "IPv4 header length 60 runs past the packet"
};

enum TcpFlag : quint8 { Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10 };

/// Decodes `frame` (captured bytes, `length` of them) of link type `linkType`.
DecodedPacket decodePacket(quint32 linkType, const quint8 *frame, quint32 length);

} // namespace sockbench::capture
