#include "capture/packetdecode.h"

#include <netinet/in.h>

#include <cstring>

namespace sockbench::capture {

namespace {

constexpr quint32 LinkNull = 0;
constexpr quint32 LinkEthernet = 1;
constexpr quint32 LinkRawBsd = 12;
constexpr quint32 LinkRawOpenBsd = 14;
constexpr quint32 LinkRaw = 101;
constexpr quint32 LinkLoop = 108; // OpenBSD loopback: like null, AF in network order
constexpr quint32 LinkSll = 113;
constexpr quint32 LinkIpv4 = 228;
constexpr quint32 LinkIpv6 = 229;
constexpr quint32 LinkSll2 = 276;

constexpr quint16 EtherIpv4 = 0x0800;
constexpr quint16 EtherIpv6 = 0x86dd;
constexpr quint16 EtherVlan = 0x8100;
constexpr quint16 EtherQinQ = 0x88a8;
constexpr quint16 EtherQinQOld = 0x9100;
constexpr quint16 EtherPppoeSession = 0x8864;
constexpr quint16 EtherMpls = 0x8847;
constexpr quint16 EtherMplsMulticast = 0x8848;
constexpr quint16 EtherBridged = 0x6558; // GRE: transparent Ethernet bridging

constexpr quint16 VxlanPort = 4789;

quint16 be16(const quint8 *p) {
    return quint16((p[0] << 8) | p[1]);
}
quint32 be32(const quint8 *p) {
    return (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | quint32(p[3]);
}

DecodedPacket finished(DecodedPacket::Result result, const char *problem = nullptr) {
    DecodedPacket d;
    d.result = result;
    d.problem = problem;
    return d;
}

DecodedPacket damaged(const char *problem) {
    return finished(DecodedPacket::Result::Damaged, problem);
}

DecodedPacket undecoded(const char *what) {
    return finished(DecodedPacket::Result::Undecoded, what);
}

/// BSD address families for IPv6 differ by system; IPv4 is 2 everywhere.
int familyOf(quint32 af) {
    if (af == 2)
        return 4;
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return 6;
    return 0;
}

/// What comes next in a frame, for the decoding loop.
enum class Layer : quint8 { Ethernet, EtherType, IpByVersion, Ipv4, Ipv6, Ppp, Gre };

/// Walks one frame from its link header inwards, one header a step: a tunnel's inner packet takes
/// the same steps as the outer one. Each step reads the header at m_p (m_length bytes left in the
/// packet that holds it), then says what follows (next()) or how the frame ends (m_result).
class FrameDecoder {
public:
    FrameDecoder(const quint8 *frame, DecodeContext *context)
        : m_frame(frame)
        , m_context(context)
        , m_buffer(frame) {}

    DecodedPacket run(Layer layer, const quint8 *p, quint32 length, quint16 type = 0);

private:
    void next(Layer layer, const quint8 *p, quint32 length, quint16 type = 0) {
        m_layer = layer;
        m_p = p;
        m_length = length;
        m_etherType = type;
    }
    void finish(const DecodedPacket &result) {
        m_result = result;
        m_done = true;
    }
    /// One more encapsulation (IP in IP, GRE, VXLAN); false, with the frame finished, past the limit.
    bool enter();

    void ethernet();
    void etherType();
    void pppoe();
    void mpls();
    void ppp();
    void ipByVersion();
    void ipv4();
    void ipv6();
    void gre();
    /// What an IP header (v6 and the addresses in m_ip) carries: `protocol` at `p`, `length` bytes
    /// captured of `onWire`.
    void ipPayload(quint8 protocol, const quint8 *p, quint32 length, quint32 onWire);
    void transport(quint8 protocol, const quint8 *p, quint32 length, quint32 onWire);
    /// A UDP datagram to the VXLAN port: a carrier, then the Ethernet frame inside it.
    void vxlan(const DecodedPacket &udp);
    void placePayload(DecodedPacket &d, const quint8 *payload) const;

    const quint8 *m_frame;
    DecodeContext *m_context;
    /// Where the bytes being read are: the frame, or a datagram put back together (held).
    const quint8 *m_buffer;
    bool m_held = false;
    quint64 m_heldOffset = 0;

    Layer m_layer = Layer::Ethernet;
    const quint8 *m_p = nullptr;
    quint32 m_length = 0;
    quint16 m_etherType = 0;
    int m_nesting = 0;
    DecodedPacket m_ip; ///< the innermost IP header's addresses so far
    bool m_done = false;
    DecodedPacket m_result;
};

DecodedPacket FrameDecoder::run(Layer layer, const quint8 *p, quint32 length, quint16 type) {
    next(layer, p, length, type);
    // Every step moves past at least one header byte, or goes one encapsulation deeper (at most
    // MaxNesting times), or finishes: this ends.
    while (!m_done) {
        switch (m_layer) {
        case Layer::Ethernet:
            ethernet();
            break;
        case Layer::EtherType:
            etherType();
            break;
        case Layer::IpByVersion:
            ipByVersion();
            break;
        case Layer::Ipv4:
            ipv4();
            break;
        case Layer::Ipv6:
            ipv6();
            break;
        case Layer::Ppp:
            ppp();
            break;
        case Layer::Gre:
            gre();
            break;
        }
    }
    return m_result;
}

static_assert(DecodeContext::MaxNesting == 8, "the Undecoded text below says 8");

bool FrameDecoder::enter() {
    if (++m_nesting <= DecodeContext::MaxNesting)
        return true;
    finish(undecoded("nesting deeper than 8 encapsulations"));
    return false;
}

void FrameDecoder::ethernet() {
    if (m_length < 14)
        return finish(damaged("the Ethernet header is cut short"));
    next(Layer::EtherType, m_p + 14, m_length - 14, be16(m_p + 12));
}

void FrameDecoder::etherType() {
    switch (m_etherType) {
    case EtherVlan:
    case EtherQinQ:
    case EtherQinQOld: // a tag: 4 bytes, the last two the type of what follows
        if (m_length < 4)
            return finish(damaged("a VLAN tag runs past the packet"));
        return next(Layer::EtherType, m_p + 4, m_length - 4, be16(m_p + 2));
    case EtherIpv4:
        return next(Layer::Ipv4, m_p, m_length);
    case EtherIpv6:
        return next(Layer::Ipv6, m_p, m_length);
    case EtherPppoeSession:
        return pppoe();
    case EtherMpls:
    case EtherMplsMulticast:
        return mpls();
    default: // ARP, LLDP, PPPoE discovery, 802.3 lengths...
        return finish({});
    }
}

void FrameDecoder::pppoe() {
    // version and type (4 bits each, both 1), code (0 in a session), session id, payload length
    if (m_length < 6)
        return finish(damaged("the PPPoE header is cut short"));
    if (m_p[0] != 0x11 || m_p[1] != 0)
        return finish(undecoded("PPPoE of a version, type or code other than a session's"));
    const quint32 length = qMin<quint32>(be16(m_p + 4), m_length - 6); // past it: link padding
    next(Layer::Ppp, m_p + 6, length);
}

void FrameDecoder::ppp() {
    if (m_length < 1)
        return finish(damaged("the PPP header is cut short"));
    // The protocol field is 2 bytes, or 1 when compressed (an odd first byte).
    quint16 protocol = m_p[0];
    quint32 at = 1;
    if ((protocol & 1) == 0) {
        if (m_length < 2)
            return finish(damaged("the PPP header is cut short"));
        protocol = be16(m_p);
        at = 2;
    }
    if (protocol == 0x0021)
        return next(Layer::Ipv4, m_p + at, m_length - at);
    if (protocol == 0x0057)
        return next(Layer::Ipv6, m_p + at, m_length - at);
    if (protocol >= 0x8000) // link and network control (LCP, IPCP, ...): not traffic
        return finish({});
    finish(undecoded("PPP carrying a protocol other than IPv4 or IPv6"));
}

void FrameDecoder::mpls() {
    // Labels of 4 bytes until the one with the bottom-of-stack bit; nothing says what follows
    // the last, so the first nibble is taken as an IP version (as Wireshark guesses).
    quint32 at = 0;
    for (;;) {
        if (at + 4 > m_length)
            return finish(damaged("an MPLS label runs past the packet"));
        const bool bottom = m_p[at + 2] & 0x01;
        at += 4;
        if (bottom)
            break;
    }
    if (at == m_length)
        return finish(damaged("nothing follows the MPLS labels"));
    const int version = m_p[at] >> 4;
    if (version != 4 && version != 6)
        return finish(undecoded("MPLS carrying neither IPv4 nor IPv6 (a pseudowire)"));
    next(version == 4 ? Layer::Ipv4 : Layer::Ipv6, m_p + at, m_length - at);
}

void FrameDecoder::ipByVersion() {
    if (m_length < 1)
        return finish(damaged("the IP header is missing"));
    switch (m_p[0] >> 4) {
    case 4:
        return next(Layer::Ipv4, m_p, m_length);
    case 6:
        return next(Layer::Ipv6, m_p, m_length);
    default:
        return finish({});
    }
}

void FrameDecoder::gre() {
    // Flags and version (2 bytes), protocol type (an ethertype), then a checksum (with 2 reserved
    // bytes), a key and a sequence number, each there when its flag says so.
    if (m_length < 4)
        return finish(damaged("the GRE header is cut short"));
    const quint16 flags = be16(m_p);
    const quint16 protocol = be16(m_p + 2);
    if ((flags & 0x0007) != 0)
        return finish(undecoded("GRE of a version other than 0 (PPTP's enhanced GRE)"));
    if (flags & 0x4000)
        return finish(undecoded("GRE with source routing"));
    const quint32 at =
        4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + ((flags & 0x1000) ? 4 : 0);
    if (at > m_length)
        return finish(damaged("the GRE header runs past the packet"));
    if (protocol == EtherBridged)
        return next(Layer::Ethernet, m_p + at, m_length - at);
    if (protocol != EtherIpv4 && protocol != EtherIpv6 && protocol != EtherMpls &&
        protocol != EtherMplsMulticast)
        return finish(undecoded("GRE carrying a protocol other than IPv4, IPv6, Ethernet or MPLS"));
    next(Layer::EtherType, m_p + at, m_length - at, protocol);
}

void FrameDecoder::ipv4() {
    const quint8 *p = m_p;
    const quint32 length = m_length;
    if (length < 20)
        return finish(damaged("the IPv4 header is cut short"));
    const quint32 headerLength = quint32(p[0] & 0x0f) * 4;
    if (headerLength < 20)
        return finish(damaged("IPv4 header length below 20 bytes"));
    if (headerLength > length)
        return finish(damaged("the IPv4 header runs past the packet"));
    const quint32 totalLength = be16(p + 2);
    quint32 end = length;
    quint32 onWire = 0;
    if (totalLength == 0) { // TCP segmentation offload: the length is left for the card to fill in
        onWire = length;
    } else {
        if (totalLength < headerLength)
            return finish(damaged("IPv4 total length shorter than its header"));
        end = qMin(totalLength, length); // below totalLength: the capture cut it; beyond: link padding
        onWire = totalLength;
    }
    m_ip.v6 = false;
    std::memset(m_ip.src, 0, 16);
    std::memset(m_ip.dst, 0, 16);
    std::memcpy(m_ip.src, p + 12, 4);
    std::memcpy(m_ip.dst, p + 16, 4);
    const quint16 fragment = be16(p + 6);
    if ((fragment & 0x3fff) == 0)
        return ipPayload(p[9], p + headerLength, end - headerLength, onWire - headerLength);
    // A fragment: kept until its datagram is whole, which then goes on from here.
    IpFragments *fragments = m_context ? m_context->fragments : nullptr;
    if (!fragments || end < onWire) // a fragment cut short can never complete its datagram
        return finish(finished(DecodedPacket::Result::Fragment));
    const quint32 offset = quint32(fragment & 0x1fff) * 8;
    if (offset + (end - headerLength) > 65535)
        return finish(damaged("an IPv4 fragment runs past 65,535 bytes"));
    IpFragments::Whole whole;
    if (!fragments->add(p + 12, p + 16, p[9], be16(p + 4), offset, fragment & 0x2000, p + headerLength,
                        end - headerLength, &whole))
        return finish(finished(DecodedPacket::Result::Waiting));
    m_buffer = whole.data;
    m_held = true;
    m_heldOffset = whole.heldOffset;
    ipPayload(p[9], whole.data, whole.length, whole.length);
}

void FrameDecoder::ipv6() {
    const quint8 *p = m_p;
    const quint32 length = m_length;
    if (length < 40)
        return finish(damaged("the IPv6 header is cut short"));
    const quint32 payloadLength = be16(p + 4);
    quint32 end = length;
    quint32 onWire = 40 + payloadLength;
    if (payloadLength != 0)
        end = qMin(onWire, length);
    else
        onWire = length; // a jumbogram or offloaded: take what was captured
    m_ip.v6 = true;
    std::memcpy(m_ip.src, p + 8, 16);
    std::memcpy(m_ip.dst, p + 24, 16);
    quint8 next = p[6];
    quint32 at = 40;
    // Extension headers; each one moves `at` forward by at least 8 bytes, so this ends.
    for (;;) {
        if (next == 0 || next == 43 || next == 60) { // hop-by-hop, routing, destination options
            if (at + 8 > end)
                return finish(damaged("an IPv6 extension header runs past the packet"));
            const quint32 extLength = (quint32(p[at + 1]) + 1) * 8;
            if (at + extLength > end)
                return finish(damaged("an IPv6 extension header runs past the packet"));
            next = p[at];
            at += extLength;
        } else if (next == 44) { // fragment
            if (at + 8 > end)
                return finish(damaged("an IPv6 fragment header runs past the packet"));
            const quint16 offsetAndMore = be16(p + at + 2);
            if ((offsetAndMore & 0xfff9) != 0)
                return finish(finished(DecodedPacket::Result::Fragment));
            next = p[at];
            at += 8;             // an atomic fragment (offset 0, no more): the datagram is whole
        } else if (next == 51) { // authentication header
            if (at + 8 > end)
                return finish(damaged("an IPv6 authentication header runs past the packet"));
            const quint32 extLength = (quint32(p[at + 1]) + 2) * 4;
            if (at + extLength > end)
                return finish(damaged("an IPv6 authentication header runs past the packet"));
            next = p[at];
            at += extLength;
        } else {
            break;
        }
    }
    ipPayload(next, p + at, end - at, onWire >= at ? onWire - at : 0);
}

void FrameDecoder::ipPayload(quint8 protocol, const quint8 *p, quint32 length, quint32 onWire) {
    switch (protocol) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
        return transport(protocol, p, length, onWire);
    case IPPROTO_IPIP: // IPv4 in IPv4 or IPv6
        if (enter())
            next(Layer::Ipv4, p, length);
        return;
    case IPPROTO_IPV6: // IPv6 in IPv4 (6in4, 6to4) or IPv6
        if (enter())
            next(Layer::Ipv6, p, length);
        return;
    case IPPROTO_GRE:
        if (enter())
            next(Layer::Gre, p, length);
        return;
    default:
        return finish({});
    }
}

void FrameDecoder::placePayload(DecodedPacket &d, const quint8 *payload) const {
    d.payload = payload;
    d.held = m_held;
    if (m_held)
        d.heldOffset = m_heldOffset + quint64(payload - m_buffer);
    else
        d.payloadOffset = quint32(payload - m_frame);
}

void FrameDecoder::transport(quint8 protocol, const quint8 *p, quint32 length, quint32 onWire) {
    DecodedPacket d = m_ip;
    if (protocol == IPPROTO_TCP) {
        if (length < 20)
            return finish(damaged("the TCP header is cut short"));
        const quint32 headerLength = quint32(p[12] >> 4) * 4;
        if (headerLength < 20)
            return finish(damaged("TCP header length below 20 bytes"));
        if (headerLength > length)
            return finish(damaged("the TCP header runs past the packet"));
        d.result = DecodedPacket::Result::Tcp;
        d.srcPort = be16(p);
        d.dstPort = be16(p + 2);
        d.seq = be32(p + 4);
        d.ack = be32(p + 8);
        d.flags = p[13];
        placePayload(d, p + headerLength);
        d.payloadLength = length - headerLength;
        d.wireLength = onWire >= headerLength ? onWire - headerLength : d.payloadLength;
        return finish(d);
    }
    if (length < 8)
        return finish(damaged("the UDP header is cut short"));
    const quint32 udpLength = be16(p + 4);
    d.result = DecodedPacket::Result::Udp;
    d.srcPort = be16(p);
    d.dstPort = be16(p + 2);
    placePayload(d, p + 8);
    if (udpLength == 0) { // jumbogram or offloaded checksum: trust the IP length
        d.payloadLength = length - 8;
        d.wireLength = onWire >= 8 ? onWire - 8 : d.payloadLength;
    } else {
        if (udpLength < 8)
            return finish(damaged("UDP length below 8 bytes"));
        d.wireLength = udpLength - 8;
        d.payloadLength = qMin(d.wireLength, length - 8);
    }
    if (d.dstPort == VxlanPort && m_context)
        return vxlan(d);
    finish(d);
}

void FrameDecoder::vxlan(const DecodedPacket &udp) {
    // The datagram is a stream's of its own (Wireshark numbers it before the packet inside).
    m_context->carriers[m_context->carrierCount++] = udp;
    if (!enter())
        return;
    // flags (1 byte), 3 reserved, the network identifier (3 bytes), 1 reserved; then Ethernet
    if (udp.payloadLength < 8)
        return finish(damaged("the VXLAN header is cut short"));
    next(Layer::Ethernet, udp.payload + 8, udp.payloadLength - 8);
}

} // namespace

bool isSupportedLinkType(quint32 linkType) {
    switch (linkType) {
    case LinkNull:
    case LinkEthernet:
    case LinkRawBsd:
    case LinkRawOpenBsd:
    case LinkRaw:
    case LinkLoop:
    case LinkSll:
    case LinkIpv4:
    case LinkIpv6:
    case LinkSll2:
        return true;
    default:
        return false;
    }
}

DecodedPacket decodePacket(quint32 linkType, const quint8 *frame, quint32 length, DecodeContext *context) {
    if (context)
        context->carrierCount = 0;
    FrameDecoder decoder(frame, context);
    switch (linkType) {
    case LinkEthernet:
        return decoder.run(Layer::Ethernet, frame, length);
    case LinkSll:
        if (length < 16)
            return damaged("the Linux cooked (SLL) header is cut short");
        return decoder.run(Layer::EtherType, frame + 16, length - 16, be16(frame + 14));
    case LinkSll2:
        if (length < 20)
            return damaged("the Linux cooked (SLL2) header is cut short");
        return decoder.run(Layer::EtherType, frame + 20, length - 20, be16(frame));
    case LinkNull:
    case LinkLoop: {
        if (length < 4)
            return damaged("the loopback header is cut short");
        // Written in the capturing host's byte order, which the file does not say: try both.
        const quint32 big = be32(frame);
        const quint32 little = quint32(frame[0]) | (quint32(frame[1]) << 8) | (quint32(frame[2]) << 16) |
                               (quint32(frame[3]) << 24);
        int family = familyOf(little);
        if (family == 0)
            family = familyOf(big);
        if (family == 0)
            return {};
        return decoder.run(family == 4 ? Layer::Ipv4 : Layer::Ipv6, frame + 4, length - 4);
    }
    case LinkRaw:
    case LinkRawBsd:
    case LinkRawOpenBsd:
        return decoder.run(Layer::IpByVersion, frame, length);
    case LinkIpv4:
        return decoder.run(Layer::Ipv4, frame, length);
    case LinkIpv6:
        return decoder.run(Layer::Ipv6, frame, length);
    default:
        return {};
    }
}

} // namespace sockbench::capture
