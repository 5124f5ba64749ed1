#!/usr/bin/env python3
"""Makes the crafted fixtures of tests/data/ from the dumpcap ones (pure Python, struct only).

- retransmit.pcap: tcp-v4.pcap with the client's "hello server\\n" segment sent twice.
- out-of-order.pcap: tcp-v4.pcap with that segment split in two ("hello " and "server\\n") and the
  second half captured first.
- linktype-*.pcap: tcp-v4.pcap re-framed for each link type the reader knows: raw IP (101 and 12),
  null/loopback (0; the address family little-endian), loopback with IPv6 (tcp-v6 with AF 30
  big-endian), Linux cooked SLL (113) and SLL2 (276), Ethernet with an 802.1Q tag (1).
- sections.pcapng: two sections. The first, little-endian: raw IP interface with a 2^-20 s
  timestamp resolution carrying tcp-v4, around a Name Resolution, a Statistics and a Custom block.
  The second, big-endian: an Ethernet interface in nanoseconds (if_tsresol 9) carrying udp's
  datagrams as an Enhanced Packet Block, a Simple Packet Block, an obsolete Packet Block and an EPB.
- big-endian.pcap: tcp-v4.pcap written big-endian with nanosecond timestamps.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def read_pcap(name):
    data = open(os.path.join(HERE, name), "rb").read()
    magic, = struct.unpack("<I", data[:4])
    assert magic == 0xA1B2C3D4, "expects a little-endian microsecond pcap"
    link = struct.unpack("<I", data[20:24])[0]
    packets, at = [], 24
    while at < len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[at:at + 16])
        packets.append([sec * 1000000 + usec, data[at + 16:at + 16 + incl]])
        at += 16 + incl
    return link, packets


def read_pcapng(name):
    """Ethernet EPBs of a little-endian, single-interface, microsecond... dumpcap file (nanoseconds: dumpcap
    writes if_tsresol 9)."""
    data = open(os.path.join(HERE, name), "rb").read()
    packets, at, resol = [], 0, 6
    while at < len(data):
        btype, blen = struct.unpack("<II", data[at:at + 8])
        body = data[at + 8:at + blen - 4]
        if btype == 1:
            opt = 8
            while opt + 4 <= len(body):
                code, olen = struct.unpack("<HH", body[opt:opt + 4])
                if code == 0:
                    break
                if code == 9:
                    resol = body[opt + 4]
                opt += 4 + (olen + 3) // 4 * 4
        if btype == 6:
            _, hi, lo, cap, _ = struct.unpack("<IIIII", body[:20])
            ts = (hi << 32) | lo
            usec = ts // 10 ** (resol - 6) if resol >= 6 else ts
            packets.append([usec, body[20:20 + cap]])
        at += blen
    return packets


def write_pcap(name, link, packets, endian="<", nano=False):
    out = [struct.pack(endian + "IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, 262144, link)]
    for usec, frame in packets:
        frac = (usec % 1000000) * (1000 if nano else 1)
        out.append(struct.pack(endian + "IIII", usec // 1000000, frac, len(frame), len(frame)) + frame)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(b"".join(out))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rebuild_ipv4_tcp(frame, payload, seq_delta):
    """An Ethernet/IPv4/TCP frame with a new payload and its sequence number moved by seq_delta."""
    eth, ip = frame[:14], frame[14:]
    ihl = (ip[0] & 15) * 4
    tcp = bytearray(ip[ihl:ihl + (ip[ihl + 12] >> 4) * 4])
    seq = (struct.unpack("!I", tcp[4:8])[0] + seq_delta) & 0xFFFFFFFF
    tcp[4:8] = struct.pack("!I", seq)
    header = bytearray(ip[:ihl])
    header[2:4] = struct.pack("!H", ihl + len(tcp) + len(payload))
    header[10:12] = b"\0\0"
    header[10:12] = struct.pack("!H", checksum(bytes(header)))
    tcp[16:18] = b"\0\0"
    pseudo = bytes(header[12:20]) + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp[16:18] = struct.pack("!H", checksum(pseudo + bytes(tcp) + payload))
    return eth + bytes(header) + bytes(tcp) + payload


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(endian, btype, body):
    body = pad4(body)
    n = 12 + len(body)
    return struct.pack(endian + "II", btype, n) + body + struct.pack(endian + "I", n)


def option(endian, code, value):
    return struct.pack(endian + "HH", code, len(value)) + pad4(value)


def main():
    link, packets = read_pcap("tcp-v4.pcap")
    assert link == 1
    data_index = next(i for i, (_, f) in enumerate(packets) if f.endswith(b"hello server\n"))
    t, seg = packets[data_index]

    retransmitted = [list(p) for p in packets]
    retransmitted.insert(data_index + 1, [t + 200, seg])
    write_pcap("retransmit.pcap", 1, retransmitted)

    first = rebuild_ipv4_tcp(seg, b"hello ", 0)
    second = rebuild_ipv4_tcp(seg, b"server\n", 6)
    swapped = [list(p) for p in packets]
    swapped[data_index:data_index + 1] = [[t, second], [t + 100, first]]
    write_pcap("out-of-order.pcap", 1, swapped)

    ip_only = [[u, f[14:]] for u, f in packets]
    write_pcap("linktype-raw.pcap", 101, ip_only)
    write_pcap("linktype-raw12.pcap", 12, ip_only)
    write_pcap("linktype-null.pcap", 0, [[u, struct.pack("<I", 2) + f] for u, f in ip_only])
    v6 = read_pcapng("tcp-v6.pcapng")
    write_pcap("linktype-null-v6.pcap", 0, [[u, struct.pack(">I", 30) + f[14:]] for u, f in v6])
    # SLL: packet type, ARPHRD (772 loopback), address length, 8 address bytes, protocol
    write_pcap("linktype-sll.pcap", 113,
               [[u, struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, 0x0800) + f] for u, f in ip_only])
    # SLL2: protocol, reserved, interface index, ARPHRD, packet type, address length, 8 address bytes
    write_pcap("linktype-sll2.pcap", 276,
               [[u, struct.pack("!HHIHBB8s", 0x0800, 0, 1, 772, 0, 6, b"\0" * 8) + f] for u, f in ip_only])
    write_pcap("linktype-vlan.pcap", 1,
               [[u, f[:12] + struct.pack("!HH", 0x8100, 42) + f[12:]] for u, f in packets])
    write_pcap("big-endian.pcap", 1, packets, endian=">", nano=True)

    udp = read_pcapng("udp.pcapng")
    le, be = "<", ">"
    out = [block(le, 0x0A0D0D0A, struct.pack(le + "IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(le, 1, struct.pack(le + "HHI", 101, 0, 0) + option(le, 9, bytes([0x80 | 20])) + struct.pack(le + "I", 0)),
           block(le, 4, struct.pack(le + "HH", 0, 0)),  # an empty Name Resolution Block
           ]
    for i, (u, f) in enumerate(packets):
        ts = (u << 20) // 1000000  # 2^-20 s units
        frame = f[14:]
        out.append(block(le, 6, struct.pack(le + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame))
        if i == 2:
            out.append(block(le, 5, struct.pack(le + "III", 0, 0, 0)))  # Interface Statistics
            out.append(block(le, 0xBAD, struct.pack(le + "I", 32473) + b"custom"))
    out.append(block(be, 0x0A0D0D0A, struct.pack(be + "IHHq", 0x1A2B3C4D, 1, 0, -1)))
    out.append(block(be, 1, struct.pack(be + "HHI", 1, 0, 262144) + option(be, 9, bytes([9])) + option(be, 14, struct.pack(be + "q", 0))
                     + struct.pack(be + "I", 0)))
    for i, (u, f) in enumerate(udp):
        ns = u * 1000
        if i == 1:
            out.append(block(be, 3, struct.pack(be + "I", len(f)) + f))
        elif i == 2:
            out.append(block(be, 2, struct.pack(be + "HHIIII", 0, 0, ns >> 32, ns & 0xFFFFFFFF, len(f), len(f)) + f))
        else:
            out.append(block(be, 6, struct.pack(be + "IIIII", 0, ns >> 32, ns & 0xFFFFFFFF, len(f), len(f)) + f))
    with open(os.path.join(HERE, "sections.pcapng"), "wb") as fh:
        fh.write(b"".join(out))


if __name__ == "__main__":
    main()
