#!/usr/bin/env python3
"""Makes the encapsulation fixtures of tests/data/ from byte layouts (pure Python, struct only).

Every file is a little-endian microsecond pcap with Ethernet frames (link type 1). The TCP
conversations carry the bytes of the dumpcap fixtures: a handshake, `hello server\\n` from the
client, `hello client\\n` back, `bye\\n`, then a FIN each way; the UDP exchanges are `ping N` and
`pong N`. Checksums are right everywhere, so Wireshark reads them as real traffic.

- qinq-pppoe.pcap: a home DSL line. Ethernet, 802.1Q (VLAN 100), 802.1Q (VLAN 200), PPPoE session
  (ethertype 0x8864), PPP (protocol 0x0021), IPv4, TCP. Then a PPPoE discovery packet and a PPP LCP
  echo (neither is traffic), and UDP over IPv6 (PPP protocol 0x0057) behind an 802.1ad tag
  (0x88a8) and an 802.1Q tag.
- mpls.pcap: MPLS unicast (0x8847) with two labels, then IPv4 and TCP; MPLS with one label, then
  IPv6 and UDP. No field says what follows the last label: the first nibble does.
- gre-v4.pcap: IPv4 carrying GRE (protocol 47) with checksum, key and sequence number, carrying
  IPv4 and TCP; then GRE with a key carrying an Ethernet frame (transparent Ethernet bridging,
  0x6558) with IPv4 and UDP.
- gre-v6.pcap: IPv6 carrying plain GRE carrying IPv6 and TCP; then IPv4 carrying GRE with a
  sequence number carrying IPv6 and UDP.
- ipip.pcap: IPv4 in IPv4 (protocol 4), TCP inside.
- 6in4.pcap: IPv6 in IPv4 (protocol 41), TCP inside; then a plain IPv4 TCP stream and a plain UDP
  exchange, numbered after it.
- ip6ip6.pcap: IPv6 in IPv6 (next header 41), TCP inside; then IPv4 in IPv6 (next header 4), UDP
  inside.
- vxlan.pcap: IPv4 and UDP to port 4789, the 8-byte VXLAN header (VNI 5001), then an Ethernet frame
  with IPv4 and TCP; UDP inside as well. Each tunnel end sends from its own source port, so the
  outer datagrams are two UDP streams of their own (Wireshark counts them first).
- fragments.pcap: a 3,000-byte UDP datagram in three IPv4 fragments, in order, with a plain
  datagram between them; then a TCP conversation whose 2,000-byte segment is in three fragments
  captured last first; then a datagram in two fragments, captured last first, that overlap by 8
  bytes with different contents (Wireshark keeps the bytes of the fragment with the lower offset),
  and an answer.
"""
import ipaddress
import os
import struct

from make_crafted import checksum  # the Internet checksum (RFC 1071)

HERE = os.path.dirname(os.path.abspath(__file__))
START_USEC = 1700000000 * 1000000

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def addr(text):
    return ipaddress.ip_address(text).packed


def ipv4(src, dst, proto, payload, ident=1, frag=0x4000):
    """IPv4 header (20 bytes, no options) then payload; frag: flags and offset (in 8-byte units)."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                         addr(src), addr(dst))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def ipv6(src, dst, next_header, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, 64, addr(src), addr(dst)) + payload


def pseudo(src, dst, proto, length):
    if ":" in src:
        return addr(src) + addr(dst) + struct.pack("!IxxxB", length, proto)
    return addr(src) + addr(dst) + struct.pack("!BBH", 0, proto, length)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    total = checksum(pseudo(src, dst, 6, len(header) + len(payload)) + header + payload)
    return header[:16] + struct.pack("!H", total) + header[18:] + payload


def udp(src, dst, sport, dport, payload):
    header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    total = checksum(pseudo(src, dst, 17, len(header) + len(payload)) + header + payload) or 0xFFFF
    return header[:6] + struct.pack("!H", total) + payload


def ip(src, dst, proto, payload, ident=1):
    return ipv6(src, dst, proto, payload) if ":" in src else ipv4(src, dst, proto, payload, ident)


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def tcp_conversation(client, server, cport, sport, to_server=(b"hello server\n", b"bye\n"),
                     to_client=b"hello client\n"):
    """IP packets of one TCP conversation, each as (from the client, packet)."""
    c, s = 1000, 5000  # initial sequence numbers
    out = []

    def send(from_client, flags, payload=b""):
        nonlocal c, s
        if from_client:
            seg = tcp(client, server, cport, sport, c, s if flags & ACK else 0, flags, payload)
            c += len(payload) + (1 if flags & (SYN | FIN) else 0)
            out.append((True, ip(client, server, 6, seg, ident=len(out) + 1)))
        else:
            seg = tcp(server, client, sport, cport, s, c, flags, payload)
            s += len(payload) + (1 if flags & (SYN | FIN) else 0)
            out.append((False, ip(server, client, 6, seg, ident=len(out) + 1)))

    send(True, SYN)
    send(False, SYN | ACK)
    send(True, ACK)
    send(True, PSH | ACK, to_server[0])
    send(False, ACK)
    send(False, PSH | ACK, to_client)
    send(True, PSH | ACK, to_server[1])
    send(True, FIN | ACK)
    send(False, FIN | ACK)
    send(True, ACK)
    return out


def udp_exchange(client, server, cport, sport, rounds=2):
    out = []
    for n in range(1, rounds + 1):
        out.append((True, ip(client, server, 17, udp(client, server, cport, sport, b"ping %d" % n), ident=40 + n)))
        out.append((False, ip(server, client, 17, udp(server, client, sport, cport, b"pong %d" % n), ident=60 + n)))
    return out


def ether(ethertype, payload, from_a=True):
    return (MAC_B + MAC_A if from_a else MAC_A + MAC_B) + struct.pack("!H", ethertype) + payload


def eth_ip(packet, from_a=True):
    return ether(0x86DD if packet[0] >> 4 == 6 else 0x0800, packet, from_a)


def write_pcap(name, frames):
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)]
    for i, frame in enumerate(frames):
        usec = START_USEC + i * 1000
        out.append(struct.pack("<IIII", usec // 1000000, usec % 1000000, len(frame), len(frame)) + frame)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(b"".join(out))


def vlan(vid, ethertype):
    """One 802.1Q or 802.1ad tag's last four bytes: priority 0, the VLAN id, then the next type."""
    return struct.pack("!HH", vid, ethertype)


def pppoe_session(ppp_protocol, payload, session=0x1234):
    ppp = struct.pack("!H", ppp_protocol) + payload
    return struct.pack("!BBHH", 0x11, 0x00, session, len(ppp)) + ppp


def make_qinq_pppoe():
    frames = []
    for from_client, pkt in tcp_conversation("192.0.2.10", "198.51.100.20", 50000, 80):
        body = vlan(100, 0x8100) + vlan(200, 0x8864) + pppoe_session(0x0021, pkt)
        frames.append(ether(0x8100, body, from_client))
    # PPPoE discovery (PADI, 0x8863) and a PPP LCP echo request: not traffic, skipped
    frames.append(ether(0x8863, struct.pack("!BBHH", 0x11, 0x09, 0, 4) + struct.pack("!HH", 0x0101, 0)))
    lcp = struct.pack("!BBHI", 9, 1, 8, 0x01020304)
    frames.append(ether(0x8100, vlan(100, 0x8100) + vlan(200, 0x8864) + pppoe_session(0xC021, lcp)))
    for from_client, pkt in udp_exchange("2001:db8:1::10", "2001:db8:2::53", 40000, 9053):
        body = vlan(300, 0x8100) + vlan(200, 0x8864) + pppoe_session(0x0057, pkt)
        frames.append(ether(0x88A8, body, from_client))
    write_pcap("qinq-pppoe.pcap", frames)


def mpls(labels, payload):
    out = b""
    for i, label in enumerate(labels):
        bottom = 1 if i == len(labels) - 1 else 0
        out += struct.pack("!I", (label << 12) | (bottom << 8) | 64)
    return out + payload


def make_mpls():
    frames = [ether(0x8847, mpls([16, 1001], pkt), fc)
              for fc, pkt in tcp_conversation("10.1.0.1", "10.2.0.2", 51000, 443)]
    frames += [ether(0x8847, mpls([2002], pkt), fc)
               for fc, pkt in udp_exchange("2001:db8::a", "2001:db8::b", 41000, 9353)]
    write_pcap("mpls.pcap", frames)


def gre(protocol, payload, checksum_present=False, key=None, sequence=None):
    flags = (0x8000 if checksum_present else 0) | (0x2000 if key is not None else 0) | \
            (0x1000 if sequence is not None else 0)
    rest = b""
    if key is not None:
        rest += struct.pack("!I", key)
    if sequence is not None:
        rest += struct.pack("!I", sequence)
    if checksum_present:
        unsummed = struct.pack("!HHHH", flags, protocol, 0, 0) + rest + payload
        return struct.pack("!HHHH", flags, protocol, checksum(unsummed), 0) + rest + payload
    return struct.pack("!HH", flags, protocol) + rest + payload


def tunnelled(exchange, a, b, wrap):
    """Frames of `exchange` (pairs of from-client, packet), each inside an outer packet between a and
    b, facing the way its packet goes: wrap(i, src, dst, packet) makes the outer packet."""
    frames = []
    for i, (fc, pkt) in enumerate(exchange):
        src, dst = (a, b) if fc else (b, a)
        frames.append(eth_ip(wrap(i, src, dst, pkt), fc))
    return frames


def make_gre_v4():
    frames = tunnelled(tcp_conversation("172.16.0.1", "172.16.0.2", 52000, 8080), "10.0.0.1", "10.0.0.2",
                       lambda i, s, d, pkt: ipv4(s, d, 47, gre(0x0800, pkt, checksum_present=True, key=7,
                                                                sequence=i), ident=100 + i))
    # Ethernet bridged over GRE: each datagram in a frame of its own first.
    bridged = [(fc, eth_ip(pkt, fc)) for fc, pkt in udp_exchange("192.168.7.1", "192.168.7.2", 42000, 9999)]
    frames += tunnelled(bridged, "10.0.0.1", "10.0.0.2",
                        lambda i, s, d, frame: ipv4(s, d, 47, gre(0x6558, frame, key=8), ident=200 + i))
    write_pcap("gre-v4.pcap", frames)


def make_gre_v6():
    frames = tunnelled(tcp_conversation("2001:db8:10::1", "2001:db8:20::2", 53000, 9022), "2001:db8::1",
                       "2001:db8::2", lambda i, s, d, pkt: ipv6(s, d, 47, gre(0x86DD, pkt)))
    frames += tunnelled(udp_exchange("2001:db8:30::1", "2001:db8:40::2", 43000, 9123), "10.0.0.1", "10.0.0.2",
                        lambda i, s, d, pkt: ipv4(s, d, 47, gre(0x86DD, pkt, sequence=i), ident=300 + i))
    write_pcap("gre-v6.pcap", frames)


def make_ipip():
    frames = tunnelled(tcp_conversation("172.20.0.1", "172.20.0.2", 54000, 25), "10.9.0.1", "10.9.0.2",
                       lambda i, s, d, pkt: ipv4(s, d, 4, pkt, ident=400 + i))
    write_pcap("ipip.pcap", frames)


def make_6in4():
    frames = tunnelled(tcp_conversation("2001:db8:6::1", "2001:db8:4::2", 55000, 80), "192.0.2.1",
                       "198.51.100.1", lambda i, s, d, pkt: ipv4(s, d, 41, pkt, ident=500 + i))
    # plain traffic after the tunnelled stream: its numbers depend on the tunnel's being counted
    frames += [eth_ip(pkt, fc) for fc, pkt in tcp_conversation("192.0.2.1", "203.0.113.5", 55001, 443)]
    frames += [eth_ip(pkt, fc) for fc, pkt in udp_exchange("192.0.2.1", "203.0.113.53", 44000, 9153)]
    write_pcap("6in4.pcap", frames)


def make_ip6ip6():
    outer = ("2001:db8:ff::1", "2001:db8:ff::2")
    frames = tunnelled(tcp_conversation("2001:db8:66::1", "2001:db8:66::2", 56000, 8443), *outer,
                       lambda i, s, d, pkt: ipv6(s, d, 41, pkt))
    frames += tunnelled(udp_exchange("172.30.0.1", "172.30.0.2", 45000, 9514), *outer,
                        lambda i, s, d, pkt: ipv6(s, d, 4, pkt))
    write_pcap("ip6ip6.pcap", frames)


def vxlan(vni, frame):
    return struct.pack("!BxxxI", 0x08, vni << 8) + frame


def make_vxlan():
    frames = []
    inner = tcp_conversation("192.168.50.1", "192.168.50.2", 57000, 6379)
    inner += udp_exchange("192.168.50.1", "192.168.50.3", 46000, 9161)
    for i, (fc, pkt) in enumerate(inner):
        # each tunnel end sends from its own port, always to 4789
        src, dst, sport = ("10.10.0.1", "10.10.0.2", 49152) if fc else ("10.10.0.2", "10.10.0.1", 50123)
        tunnelled = vxlan(5001, eth_ip(pkt, fc))
        frames.append(eth_ip(ipv4(src, dst, 17, udp(src, dst, sport, 4789, tunnelled), ident=600 + i), fc))
    write_pcap("vxlan.pcap", frames)


def fragments(src, dst, proto, payload, ident, size):
    """The IPv4 fragments of one datagram, `size` payload bytes each (a multiple of 8)."""
    out = []
    for at in range(0, len(payload), size):
        more = 0x2000 if at + size < len(payload) else 0
        out.append(ipv4(src, dst, proto, payload[at:at + size], ident=ident, frag=more | (at // 8)))
    return out


def make_fragments():
    frames = []
    a, b = "192.0.2.7", "198.51.100.9"
    big = bytes((i * 7 + 1) & 0xFF for i in range(3000))
    first = fragments(a, b, 17, udp(a, b, 47000, 19700, big), 0x1111, 1480)
    frames.append(eth_ip(first[0]))
    frames.append(eth_ip(ipv4(a, b, 17, udp(a, b, 47001, 9701, b"between"), ident=0x1112)))
    frames += [eth_ip(f) for f in first[1:]]
    frames.append(eth_ip(ipv4(b, a, 17, udp(b, a, 19700, 47000, b"got it"), ident=0x2222), False))

    segment = bytes((i * 13) & 0xFF for i in range(2000))
    conversation = tcp_conversation(a, b, 58000, 8000, to_server=(segment, b"bye\n"))
    for fc, pkt in conversation:
        if len(pkt) > 1500:
            ident = struct.unpack("!H", pkt[4:6])[0]
            pieces = fragments(a, b, 6, pkt[20:], ident, 1000)
            frames += [eth_ip(f) for f in reversed(pieces)]  # captured last first
        else:
            frames.append(eth_ip(pkt, fc))

    # Overlapping fragments, captured last first: bytes 16-39, whose first 8 differ from what the
    # other fragment has there, then bytes 0-23.
    data = udp(a, b, 47002, 9702, b"overlapping fragments, rewritten")
    assert len(data) == 40
    changed = data[16:24].upper()
    frames.append(eth_ip(ipv4(a, b, 17, changed + data[24:], ident=0x3333, frag=2)))
    frames.append(eth_ip(ipv4(a, b, 17, data[:24], ident=0x3333, frag=0x2000)))
    frames.append(eth_ip(ipv4(b, a, 17, udp(b, a, 9702, 47002, b"ok"), ident=0x3334), False))
    write_pcap("fragments.pcap", frames)


def main():
    make_qinq_pppoe()
    make_mpls()
    make_gre_v4()
    make_gre_v6()
    make_ipip()
    make_6in4()
    make_ip6ip6()
    make_vxlan()
    make_fragments()


if __name__ == "__main__":
    main()
