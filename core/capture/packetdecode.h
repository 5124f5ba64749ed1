#pragma once

#include <QtGlobal>

#include "capture/ipfragments.h"

namespace sockbench::capture {

// Decoding one captured frame down to its TCP segment or UDP datagram, through the encapsulations
// between: 802.1Q and 802.1ad tags (any number), PPPoE sessions carrying PPP, MPLS label stacks,
// GRE, IP in IP (IPv4 and IPv6 either way), VXLAN, and IPv4 fragments put back together. Each
// inner packet goes through the same steps as the outer one, nested at most
// DecodeContext::MaxNesting deep. Internal to the capture reader; every length is checked against
// the captured bytes.

/// Link types (LINKTYPE_*) the reader understands.
bool isSupportedLinkType(quint32 linkType);

struct DecodedPacket {
    enum class Result : quint8 {
        Tcp,
        Udp,
        Other,     ///< a protocol we do not read (ARP, ICMP, ...): counted as skipped
        Fragment,  ///< an IP fragment that is not put back together (IPv6; cut short): skipped
        Waiting,   ///< an IPv4 fragment kept until the rest of its datagram comes
        Undecoded, ///< an encapsulation this reader does not open; `problem` names it
        Damaged,   ///< a header that does not fit or contradicts itself; `problem` says which
    };
    Result result = Result::Other;
    /// The innermost IP header's addresses (a tunnel's inner packet's), and the ports: the stream's,
    /// as Wireshark's tcp.stream and udp.stream take them.
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
    /// The payload's bytes. When `held`, they are not in the frame but in a datagram put back
    /// together from IPv4 fragments, at `heldOffset` into IpFragments::held().
    const quint8 *payload = nullptr;
    bool held = false;
    quint64 heldOffset = 0;
    /// The payload's length on the wire (UDP: from its header; TCP: from the IP length), which
    /// exceeds payloadLength when the capture cut the packet (its snap length).
    quint32 wireLength = 0;
    /// Damaged: what was wrong, e.g. "IPv4 header length 60 runs past the packet"; Undecoded: the
    /// encapsulation, e.g. "GRE with source routing" (a string that lives for ever, one per kind).
    const char *problem = nullptr;
};

/// What decoding needs from beyond one frame, and what it finds besides the innermost packet.
struct DecodeContext {
    /// Encapsulations one packet may go through (IP in IP, GRE, VXLAN): deeper is Undecoded.
    static constexpr int MaxNesting = 8;
    /// Where IPv4 fragments wait for the rest of their datagram; null: they are skipped (Fragment).
    IpFragments *fragments = nullptr;
    /// Out: the UDP datagrams that carried the packet (a VXLAN tunnel's), outermost first. Each is a
    /// datagram of a UDP stream of its own, as Wireshark counts them, before the packet inside.
    DecodedPacket carriers[MaxNesting + 1];
    int carrierCount = 0;
};

enum TcpFlag : quint8 { Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10 };

/// Decodes `frame` (captured bytes, `length` of them) of link type `linkType`. Without a context,
/// IPv4 fragments are skipped and UDP is not looked into (no VXLAN).
DecodedPacket decodePacket(quint32 linkType, const quint8 *frame, quint32 length,
                           DecodeContext *context = nullptr);

} // namespace sockbench::capture
