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

quint16 be16(const quint8 *p) {
    return quint16((p[0] << 8) | p[1]);
}
quint32 be32(const quint8 *p) {
    return (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | quint32(p[3]);
}

DecodedPacket damaged(const char *problem) {
    DecodedPacket d;
    d.result = DecodedPacket::Result::Damaged;
    d.problem = problem;
    return d;
}

/// The transport header at `p` (`length` bytes up to the end of the IP payload), `base` bytes into the frame.
DecodedPacket decodeTransport(DecodedPacket d, quint8 protocol, const quint8 *p, quint32 length, quint32 base,
                              quint32 ipPayloadOnWire) {
    if (protocol == IPPROTO_TCP) {
        if (length < 20)
            return damaged("the TCP header is cut short");
        const quint32 headerLength = quint32(p[12] >> 4) * 4;
        if (headerLength < 20)
            return damaged("TCP header length below 20 bytes");
        if (headerLength > length)
            return damaged("the TCP header runs past the packet");
        d.result = DecodedPacket::Result::Tcp;
        d.srcPort = be16(p);
        d.dstPort = be16(p + 2);
        d.seq = be32(p + 4);
        d.ack = be32(p + 8);
        d.flags = p[13];
        d.payloadOffset = base + headerLength;
        d.payloadLength = length - headerLength;
        d.wireLength = ipPayloadOnWire >= headerLength ? ipPayloadOnWire - headerLength : d.payloadLength;
        return d;
    }
    if (protocol == IPPROTO_UDP) {
        if (length < 8)
            return damaged("the UDP header is cut short");
        const quint32 udpLength = be16(p + 4);
        d.result = DecodedPacket::Result::Udp;
        d.srcPort = be16(p);
        d.dstPort = be16(p + 2);
        d.payloadOffset = base + 8;
        if (udpLength == 0) { // jumbogram or offloaded checksum: trust the IP length
            d.payloadLength = length - 8;
            d.wireLength = ipPayloadOnWire >= 8 ? ipPayloadOnWire - 8 : d.payloadLength;
        } else {
            if (udpLength < 8)
                return damaged("UDP length below 8 bytes");
            d.wireLength = udpLength - 8;
            d.payloadLength = qMin(d.wireLength, length - 8);
        }
        return d;
    }
    d.result = DecodedPacket::Result::Other;
    return d;
}

DecodedPacket decodeIpv4(const quint8 *p, quint32 length, quint32 base) {
    DecodedPacket d;
    if (length < 20)
        return damaged("the IPv4 header is cut short");
    const quint32 headerLength = quint32(p[0] & 0x0f) * 4;
    if (headerLength < 20)
        return damaged("IPv4 header length below 20 bytes");
    if (headerLength > length)
        return damaged("the IPv4 header runs past the packet");
    const quint32 totalLength = be16(p + 2);
    quint32 end = length;
    quint32 onWire = 0;
    if (totalLength == 0) { // TCP segmentation offload: the length is left for the card to fill in
        onWire = length;
    } else {
        if (totalLength < headerLength)
            return damaged("IPv4 total length shorter than its header");
        end = qMin(totalLength, length); // below totalLength: the capture cut it; beyond: link padding
        onWire = totalLength;
    }
    const quint16 fragment = be16(p + 6);
    if ((fragment & 0x1fff) != 0 || (fragment & 0x2000) != 0) {
        d.result = DecodedPacket::Result::Fragment;
        return d;
    }
    d.v6 = false;
    std::memcpy(d.src, p + 12, 4);
    std::memcpy(d.dst, p + 16, 4);
    return decodeTransport(d, p[9], p + headerLength, end - headerLength, base + headerLength,
                           onWire - headerLength);
}

DecodedPacket decodeIpv6(const quint8 *p, quint32 length, quint32 base) {
    DecodedPacket d;
    if (length < 40)
        return damaged("the IPv6 header is cut short");
    const quint32 payloadLength = be16(p + 4);
    quint32 end = length;
    quint32 onWire = 40 + payloadLength;
    if (payloadLength != 0)
        end = qMin(onWire, length);
    else
        onWire = length; // a jumbogram or offloaded: take what was captured
    d.v6 = true;
    std::memcpy(d.src, p + 8, 16);
    std::memcpy(d.dst, p + 24, 16);
    quint8 next = p[6];
    quint32 at = 40;
    // Extension headers; each one moves `at` forward by at least 8 bytes, so this ends.
    for (;;) {
        if (next == 0 || next == 43 || next == 60) { // hop-by-hop, routing, destination options
            if (at + 8 > end)
                return damaged("an IPv6 extension header runs past the packet");
            const quint32 extLength = (quint32(p[at + 1]) + 1) * 8;
            if (at + extLength > end)
                return damaged("an IPv6 extension header runs past the packet");
            next = p[at];
            at += extLength;
        } else if (next == 44) { // fragment
            if (at + 8 > end)
                return damaged("an IPv6 fragment header runs past the packet");
            const quint16 offsetAndMore = be16(p + at + 2);
            if ((offsetAndMore & 0xfff9) != 0) {
                d.result = DecodedPacket::Result::Fragment;
                return d;
            }
            next = p[at];
            at += 8;             // an atomic fragment (offset 0, no more): the datagram is whole
        } else if (next == 51) { // authentication header
            if (at + 8 > end)
                return damaged("an IPv6 authentication header runs past the packet");
            const quint32 extLength = (quint32(p[at + 1]) + 2) * 4;
            if (at + extLength > end)
                return damaged("an IPv6 authentication header runs past the packet");
            next = p[at];
            at += extLength;
        } else {
            break;
        }
    }
    return decodeTransport(d, next, p + at, end - at, base + at, onWire >= at ? onWire - at : 0);
}

DecodedPacket decodeIp(const quint8 *p, quint32 length, quint32 base) {
    if (length < 1)
        return damaged("the IP header is missing");
    switch (p[0] >> 4) {
    case 4:
        return decodeIpv4(p, length, base);
    case 6:
        return decodeIpv6(p, length, base);
    default:
        return {};
    }
}

DecodedPacket decodeEtherType(quint16 type, const quint8 *p, quint32 length, quint32 base) {
    if (type == EtherIpv4)
        return decodeIpv4(p, length, base);
    if (type == EtherIpv6)
        return decodeIpv6(p, length, base);
    return {};
}

/// BSD address families for IPv6 differ by system; IPv4 is 2 everywhere.
int familyOf(quint32 af) {
    if (af == 2)
        return 4;
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return 6;
    return 0;
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

DecodedPacket decodePacket(quint32 linkType, const quint8 *frame, quint32 length) {
    switch (linkType) {
    case LinkEthernet: {
        if (length < 14)
            return damaged("the Ethernet header is cut short");
        quint32 at = 12;
        quint16 type = be16(frame + at);
        at += 2;
        // 802.1Q and 802.1ad tags: each is 4 bytes, so this ends.
        while (type == EtherVlan || type == EtherQinQ || type == EtherQinQOld) {
            if (at + 4 > length)
                return damaged("a VLAN tag runs past the packet");
            type = be16(frame + at + 2);
            at += 4;
        }
        return decodeEtherType(type, frame + at, length - at, at);
    }
    case LinkSll:
        if (length < 16)
            return damaged("the Linux cooked (SLL) header is cut short");
        return decodeEtherType(be16(frame + 14), frame + 16, length - 16, 16);
    case LinkSll2:
        if (length < 20)
            return damaged("the Linux cooked (SLL2) header is cut short");
        return decodeEtherType(be16(frame), frame + 20, length - 20, 20);
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
        if (family == 4)
            return decodeIpv4(frame + 4, length - 4, 4);
        if (family == 6)
            return decodeIpv6(frame + 4, length - 4, 4);
        return {};
    }
    case LinkRaw:
    case LinkRawBsd:
    case LinkRawOpenBsd:
        return decodeIp(frame, length, 0);
    case LinkIpv4:
        return decodeIpv4(frame, length, 0);
    case LinkIpv6:
        return decodeIpv6(frame, length, 0);
    default:
        return {};
    }
}

} // namespace sockbench::capture
