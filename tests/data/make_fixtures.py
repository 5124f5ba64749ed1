#!/usr/bin/env python3
"""Makes the dumpcap fixtures of tests/data/ on loopback (run as root, or with dumpcap's capabilities).

Each scenario runs a tiny client and server in this process while dumpcap captures their port on
`lo`; the bytes each side sends are fixed here and listed in README.md, which the tests check.
Run from anywhere: python3 tests/data/make_fixtures.py (then python3 tests/data/make_crafted.py).
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port(family):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def capture(name, port, run, pcap=False):
    """Runs `run(port)` while dumpcap writes what crosses `port` on lo to tests/data/<name>."""
    path = os.path.join(HERE, name)
    tmp = "/tmp/" + name
    if os.path.exists(tmp):
        os.unlink(tmp)
    args = ["dumpcap", "-q", "-i", "lo", "-f", f"port {port}", "-w", tmp]
    if pcap:
        args.insert(1, "-P")
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    # dumpcap says "File: ..." once it captures
    while True:
        line = proc.stderr.readline()
        if not line or line.startswith("File:"):
            break
    time.sleep(0.5)
    run(port)
    time.sleep(0.5)
    proc.send_signal(2)
    proc.wait()
    with open(tmp, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data)
    os.unlink(tmp)
    print(f"{name}: {len(data)} bytes")


def tcp_conversation(family, host):
    def run(port):
        srv = socket.socket(family, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((host, port))
        srv.listen(1)

        def serve():
            c, _ = srv.accept()
            got = b""
            while not got.endswith(b"\n"):
                got += c.recv(100)
            c.sendall(b"hello client\n")
            while True:
                chunk = c.recv(100)
                if not chunk:
                    break
            c.close()

        t = threading.Thread(target=serve)
        t.start()
        cl = socket.create_connection((host, port))
        cl.sendall(b"hello server\n")
        got = b""
        while not got.endswith(b"\n"):
            got += cl.recv(100)
        time.sleep(0.05)
        cl.sendall(b"bye\n")
        time.sleep(0.05)
        cl.shutdown(socket.SHUT_WR)
        while cl.recv(100):
            pass
        cl.close()
        t.join()
        srv.close()

    return run


def udp_exchange(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", port))
    cl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in (1, 2):
        cl.sendto(b"ping %d" % i, ("127.0.0.1", port))
        data, addr = srv.recvfrom(100)
        srv.sendto(b"pong %d" % i, addr)
        cl.recvfrom(100)
    cl.close()
    srv.close()


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port)).close()
    except ConnectionRefusedError:
        pass


def reset(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(1)
    cl = socket.create_connection(("127.0.0.1", port))
    c, _ = srv.accept()
    cl.sendall(b"abort me\n")
    got = b""
    while not got.endswith(b"\n"):
        got += c.recv(100)
    # linger 0: close() sends an RST instead of a FIN
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    time.sleep(0.1)
    try:
        cl.recv(100)
    except ConnectionResetError:
        pass
    cl.close()
    srv.close()


def main():
    if os.geteuid() != 0:
        print("run as root (dumpcap captures on lo)", file=sys.stderr)
    capture("tcp-v4.pcapng", free_port(socket.AF_INET), tcp_conversation(socket.AF_INET, "127.0.0.1"))
    capture("tcp-v4.pcap", free_port(socket.AF_INET), tcp_conversation(socket.AF_INET, "127.0.0.1"), pcap=True)
    capture("tcp-v6.pcapng", free_port(socket.AF_INET6), tcp_conversation(socket.AF_INET6, "::1"))
    capture("udp.pcapng", free_port(socket.AF_INET), udp_exchange)
    capture("refused.pcapng", free_port(socket.AF_INET), refused)
    capture("reset.pcapng", free_port(socket.AF_INET), reset)


if __name__ == "__main__":
    main()
