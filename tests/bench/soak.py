#!/usr/bin/env python3
"""The soak test, run by scripts/soak: a long mixed load, and Sockbench's memory must stay bounded.

Runs headless `listen --echo` (connection churn), `listen --echo` (echo streams), `listen --udp --echo`
(UDP floods), `listen --tls --echo` (TLS handshakes), `listen --rules` (`PING n` -> `PONG n`) and
`relay --latency 5 --slice 100` before a `listen --echo`, all with `--journal-budget` (--budget), and the
window offscreen on a .sockbench session with the same endpoints, its budget in its own settings. The
same loads run against both for MINUTES, paced in 10 s rounds (the window gets --window-scale of them),
and every byte that comes back is checked. Every --interval (10 s) each process's VmRSS and descriptors
go to OUT/soak.csv, with traffic_mib: the payload the loads put through its journal (in + out).

It passes when, for every process:
- RSS is bounded: judged from the later of half-time and the sample where traffic_mib passed the budget
  (payload alone: conservative, headers fill the journal sooner), max(RSS, last 10 % of the run) -
  max(RSS, first 10 % of the run from that start) <= --max-growth (8 MiB). Maxima, as glibc's RSS is a
  high-water mark moving in steps: the same early and late for a bounded process whatever the sampling
  phase, growing with time for a leak. The least-squares slope times half the run is shown too. A
  budget not reached by 90 % of the run fails ("run longer");
- once the loads stopped and their connections closed, its descriptors are back to the baseline taken
  before the loads (listeners open, no client) + FD_TOLERANCE;
- no byte was wrong (mismatch, short reply, error, duplicate datagram), and the headless --stats equal
  what the loads sent (UDP: what the kernel did not drop; its per-socket drop counters are shown).
It prints a table, writes OUT/summary.txt and a PNG of RSS over time; exit 0 only if all passed.
"""

import argparse
import csv
import ctypes
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROUND_S = 10.0
CHURN_CONNS, CHURN_BYTES = 2000, 1500
ECHO_STREAMS, ECHO_BYTES = 2, 2 << 20
UDP_DATAGRAMS, UDP_SIZE = 50_000, 200
TLS_HANDSHAKES, TLS_BYTES = 200, 16 << 10
RULES_CONNS, RULES_PINGS = 2, 5000
RELAY_STREAMS, RELAY_BYTES = 2, 2 << 20
# Runs came back to the exact baseline; 2 allows a descriptor opened once on first use (a thread's
# eventfd, a file of the TLS library) while a leak per connection, after thousands, shows as many.
FD_TOLERANCE = 2
WINDOW_DEFAULT_BUDGET = 256 << 20
BLOCK = random.Random(26).randbytes(8 << 20)  # every payload is a slice of it, found again by its seed
PAD = bytes(random.Random(8).choices(b"abcdefghijklmnopqrstuvwxyz", k=500))
RULES = {"frame": "line", "rules": [{"match": {"regex": "^PING (\\d+) "}, "reply": "PONG \\1\\n"}]}


def log(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_size(text):
    """'64M', '512K', '1G', '64MiB' or bytes -> bytes; 'none' -> None."""
    m = re.fullmatch(r"(\d+)([KMG]?)(i?B)?", text.strip(), re.I)
    if text.lower() != "none" and not m:
        raise SystemExit(f"soak: --budget: not a size: {text}")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2).upper()] if m else None


def proc_net(port, udp):
    """The /proc/net/{tcp,udp}{,6} rows of the sockets bound to port (TCP: listening only)."""
    rows = []
    for path in (f"/proc/net/{'udp' if udp else 'tcp'}", f"/proc/net/{'udp6' if udp else 'tcp6'}"):
        if os.path.exists(path):
            with open(path) as f:
                rows += [p for p in map(str.split, list(f)[1:])
                         if int(p[1].split(":")[1], 16) == port and (udp or p[3] == "0A")]
    return rows


def udp_drops(port):
    return sum(int(p[-1]) for p in proc_net(port, True))


def usage(pid):
    """(VmRSS in KiB, open descriptors), -1 for a process gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), -1)
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1, -1


class Proc:
    """A Sockbench process in a session of its own (Ctrl-C reaches only the soak, which stops it), with
    SIGTERM should the soak die; ready once stderr names its port, or every port of `ports` is bound."""

    def __init__(self, name, argv, out, env=None, ports=()):
        self.name, self.stats, self.port, self.ports = name, {}, None, dict(ports)
        self.err_path = os.path.join(out, name + ".err")
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                         env=env, start_new_session=True,
                                         preexec_fn=lambda: ctypes.CDLL(None).prctl(1, signal.SIGTERM))
        self.pid, deadline = self.proc.pid, time.time() + 20
        while time.time() < deadline and self.proc.poll() is None:
            m = re.search(r"(?:listening on|relaying) \S*:(\d+)", self.stderr())  # the first stderr line
            if all(proc_net(p, kind == "udp") for kind, p in ports) if ports else m:
                self.port = m and int(m.group(1))
                return
            time.sleep(0.05)
        self.stop(timeout=1)
        raise RuntimeError(f"{name} did not start ({' '.join(argv)}): {self.stderr().strip()[-500:]}")

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def stop(self, timeout=30):
        """SIGTERM (SIGKILL after timeout); keeps the --stats object, the last stderr line."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        last = (self.stderr().strip().splitlines() or [""])[-1]
        self.stats = json.loads(last) if last.startswith("{") else {}


class Soak:
    """What the threads share: the stop flag, the failures, the traffic each journal saw."""

    def __init__(self):
        self.stop, self.lock = threading.Event(), threading.Lock()
        self.failures, self.failure_count = [], 0  # (load, target, what), the first 50
        self.traffic, self.t0 = {}, time.monotonic()  # process name -> payload bytes in + out; the start

    def fail(self, load, target, what):
        with self.lock:
            self.failure_count += 1
            if len(self.failures) < 50:
                self.failures.append((load, target, what))
                log(f"FAIL {load} -> {target}: {what}")


def piece(seed, n):
    return BLOCK[(off := (seed * 7919) % (len(BLOCK) - n)):off + n]


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n and (chunk := sock.recv(min(n - len(buf), 1 << 20))):
        buf += chunk
    return bytes(buf)


def compare(sent, got):
    """None when equal, else where the two part."""
    if sent == got:
        return None
    i = next((i for i, (a, b) in enumerate(zip(sent, got)) if a != b), min(len(sent), len(got)))
    if i >= len(got):
        return f"{len(got):,} of {len(sent):,} bytes came back"
    return f"byte {i:,} of {len(sent):,}: sent 0x{sent[i]:02x}, got 0x{got[i]:02x}"


class Load(threading.Thread):
    """One kind of load against one target in rounds of ROUND_S; a subclass does one round.
    `shares`: whose journal sees each byte sent, and how often (in and out; both legs of a relay)."""

    def __init__(self, kind, soak, target, port, shares, scale, cafile):
        super().__init__(daemon=True, name=f"{kind}-{target}")
        self.kind, self.soak, self.target, self.port, self.shares = kind, soak, target, port, shares
        self.scale, self.cafile, self.round_start = scale, cafile, 0.0
        self.ops = self.sent = self.conns = self.round_no = 0

    def n(self, count):  # an amount per round, scaled
        return max(1, int(count * self.scale))

    def run(self):
        while not self.soak.stop.is_set():
            self.round_start = time.monotonic()
            self.round()
            self.round_no += 1
            self.soak.stop.wait(max(0.0, self.round_start + ROUND_S - time.monotonic()))

    def pace(self, i, total):
        """Before piece i of total: waits for its share of the round (of 90 %, for a margin); True: stop."""
        return self.soak.stop.wait(max(0.0, self.round_start + ROUND_S * 0.9 * i / total - time.monotonic()))

    def check(self, what, bad, n):
        if bad:
            self.soak.fail(self.kind, self.target, f"round {self.round_no}, {what}: {bad}")
        else:
            self.ops, self.sent = self.ops + 1, self.sent + n
            with self.soak.lock:
                for name, times in self.shares.items():
                    self.soak.traffic[name] = self.soak.traffic.get(name, 0) + times * n

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.conns += 1
        return s


class Echo(Load):
    """Connections that each send one payload and read it back checked: churn (2,000 short ones a
    round, every 4th ending with a reset), TLS (a handshake each, the certificate verified), and
    streams (echo and relay: a thread sends while this one reads, so that a full pipe cannot lock)."""
    SIZES = {"churn": (CHURN_CONNS, CHURN_BYTES), "tls": (TLS_HANDSHAKES, TLS_BYTES),
             "echo": (ECHO_STREAMS, ECHO_BYTES), "relay": (RELAY_STREAMS, RELAY_BYTES)}

    def __init__(self, *args):
        super().__init__(*args)
        self.count, self.size = self.SIZES[self.kind]
        self.ctx = ssl.create_default_context(cafile=self.cafile) if self.kind == "tls" else None

    def round(self):
        # Many connections scale in number, two streams in size.
        total, size = (self.n(self.count), self.size) if self.count > 10 else (self.count, self.n(self.size))
        for i in range(total):
            if i % max(1, total // 200) == 0 and self.pace(i, total):
                return
            data, errors = piece(self.round_no * 100_003 + i, size), []
            try:
                s = self.connect()
                try:
                    if self.ctx:
                        s = self.ctx.wrap_socket(s, server_hostname="localhost")
                    if len(data) > 65536:
                        threading.Thread(target=self.send, args=(s, data, errors), daemon=True).start()
                    else:
                        s.sendall(data)
                    bad = compare(data, recv_exact(s, len(data)))
                    if i % 4 == 3 and self.kind == "churn":
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                finally:
                    s.close()
            except OSError as e:  # ssl.SSLError included
                bad = str(e)
            self.check(f"connection {i}", bad or (f"send: {errors[0]}" if errors else None), len(data))

    @staticmethod
    def send(sock, data, errors):
        try:
            sock.sendall(data)
        except OSError as e:
            errors.append(e)


class Rules(Load):
    """Lines `PING n <500 letters>` in batches of 100 on RULES_CONNS connections a round; the replies
    must be exactly `PONG n`, in order."""
    seq = replied = 0  # PINGs sent, bytes of PONGs received

    def round(self):
        per_conn = self.n(RULES_PINGS)
        for c in range(RULES_CONNS):
            try:
                with self.connect() as s, s.makefile("rb") as replies:
                    for b in range(0, per_conn, 100):
                        if self.pace(c * per_conn + b, RULES_CONNS * per_conn):
                            return
                        first, count = self.seq + 1, min(100, per_conn - b)
                        self.seq += count
                        lines = b"".join(b"PING %d %s\n" % (first + k, PAD) for k in range(count))
                        s.sendall(lines)
                        for k in range(count):
                            want, got = b"PONG %d\n" % (first + k), replies.readline()
                            if got != want:
                                raise ValueError(f"PING {first + k}: reply {got[:40]!r}, expected {want!r}")
                            self.replied += len(want)
                        self.check("", None, len(lines))
            except (OSError, ValueError) as e:
                self.check(f"connection {c}", str(e), 0)


class Udp(Load):
    """Datagrams of UDP_SIZE, an 8-byte sequence number and the bytes that follow from it, in batches
    of 500; a thread reads the echoes, checks each whole and counts it once."""

    def __init__(self, *args):
        super().__init__(*args)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.seq = self.received = self.lost = self.drops = 0
        self.seen, self.reading = bytearray(), True  # seen[seq]: came back
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    @staticmethod
    def body(seq):
        return seq.to_bytes(8, "big") + piece(seq, UDP_SIZE - 8)

    def round(self):
        total, dest = self.n(UDP_DATAGRAMS), ("127.0.0.1", self.port)
        for i in range(0, total, 500):
            if self.pace(i, total):
                return
            self.seen.extend(bytes(max(0, self.seq + 500 - len(self.seen))))
            for _ in range(min(500, total - i)):
                self.seq += 1  # first: the echo may be read before sendto returns
                self.sock.sendto(self.body(self.seq - 1), dest)
            self.check("", None, min(500, total - i) * UDP_SIZE)

    def read(self):
        while self.reading:
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                continue
            seq = int.from_bytes(d[:8], "big")
            bad = compare(self.body(seq), d) if seq < self.seq else f"{len(d)} B, number {seq} never sent"
            if bad or self.seen[seq]:
                self.check(f"datagram {seq}", bad or "came back twice", 0)
                continue
            self.seen[seq], self.received = 1, self.received + 1

    def run(self):
        super().run()
        time.sleep(2)  # the last echoes
        self.reading = False
        self.reader.join(5)
        self.lost = self.seq - self.received
        self.drops = udp_drops(self.port) + udp_drops(self.sock.getsockname()[1])


def start_processes(args, out, cert, key):
    """The headless processes, then the window; {name: Proc}. Before any thread (preexec_fn)."""
    with open(rules_file := os.path.join(out, "rules.json"), "w") as f:
        json.dump(RULES, f)
    common = ["--quiet", "--stats"] + (["--journal-budget", args.budget_text] if args.budget else [])
    procs = {}
    for name, extra in (("churn", ["--echo"]), ("echo", ["--echo"]), ("udp", ["--udp", "--echo"]),
                        ("tls", ["--tls", "--cert", cert, "--key", key, "--echo"]),
                        ("rules", ["--rules", rules_file]), ("relay-target", ["--echo"])):
        procs[name] = Proc(name, [args.binary, "listen", *common, *extra, "127.0.0.1:0"], out)
    procs["relay"] = Proc("relay", [args.binary, "relay", *common, "--latency", "5", "--slice", "100",
                                    "127.0.0.1:0", f"127.0.0.1:{procs['relay-target'].port}"], out)
    if not args.window:
        return procs
    ports = {}
    for k in ("echo", "udp", "tls", "rules", "relay"):  # free now: bound, closed, then named in the session
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM if k == "udp" else socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            ports[k] = s.getsockname()[1]
    faults = {"latency_ms": 5, "slice_bytes": 100}
    endpoint = lambda kind, k, **more: {"kind": kind, "address": "127.0.0.1", "port": ports[k], **more}  # noqa
    session = {"sockbench_session": 1, "endpoints": [
        endpoint("tcp-listener", "echo", reply="echo"), endpoint("udp", "udp", reply="echo"),
        endpoint("tcp-listener", "tls", reply="echo", tls={"certificate": cert, "key": key}),
        endpoint("tcp-listener", "rules", rules=RULES),
        endpoint("tcp-relay", "relay", relay={"target_host": "127.0.0.1", "target_port": ports["echo"],
                                              "faults": {"up": faults, "down": faults}})]}
    with open(os.path.join(out, "soak.sockbench"), "w") as f:
        json.dump(session, f, indent=1)
    config = os.path.join(out, "window-config")
    os.makedirs(os.path.join(config, "Sockbench"), exist_ok=True)
    with open(os.path.join(config, "Sockbench", "Sockbench.conf"), "w") as f:
        if args.budget:  # the Preferences setting (an older window ignores it), 16 MiB at least
            f.write(f"[journal]\nbudgetMiB={args.window_budget >> 20}\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=config,
               XDG_RUNTIME_DIR=tempfile.mkdtemp(prefix="runtime-", dir=out))
    procs["window"] = Proc("window", [args.binary, os.path.join(out, "soak.sockbench")], out, env=env,
                           ports=ports.items())
    return procs


def start_loads(soak, procs, args, cert):
    """Six loads at the headless processes, six at the window. Shares: whose journal sees each byte sent,
    how often (in and out; a relay's two legs; the window's relay, its echo listener too)."""
    p, w, h = {k: v.port for k, v in procs.items()}, getattr(procs.get("window"), "ports", {}), "headless"
    plan = [(h, k, p[k], {k: 2}) for k in ("churn", "echo", "udp", "tls")]
    plan += [(h, "rules", p["rules"], {"rules": 1}), (h, "relay", p["relay"], {"relay": 4, "relay-target": 2})]
    if w:  # churn at its echo listener
        plan += [("window", k, w.get(k, w["echo"]), {"window": 2}) for k in ("churn", "echo", "udp", "tls")]
        plan += [("window", "rules", w["rules"], {"window": 1}), ("window", "relay", w["relay"], {"window": 6})]
    scale = {h: args.scale, "window": args.scale * args.window_scale}
    loads = [{"udp": Udp, "rules": Rules}.get(kind, Echo)(kind, soak, target, port, shares, scale[target], cert)
             for target, kind, port, shares in plan]
    for load in loads:
        load.start()
    return loads


class Samples:
    """RSS and descriptors of each process, to OUT/soak.csv and to `rows`."""

    def __init__(self, soak, procs, path):
        self.soak, self.procs, self.rows, self.file = soak, procs, [], open(path, "w", newline="")
        self.csv = csv.writer(self.file)
        self.csv.writerow(["time_s", "phase", "process", "pid", "rss_kib", "fds", "traffic_mib"])

    def sample(self, phase):
        t = round(time.monotonic() - self.soak.t0, 1) if phase != "baseline" else 0.0
        for name, p in self.procs.items():
            row = (t, phase, name, p.pid, *usage(p.pid), round(self.soak.traffic.get(name, 0) / 2**20, 1))
            self.rows.append(row)
            self.csv.writerow(row)
            if row[4] < 0 and phase != "baseline":
                self.soak.fail("process", name, f"gone at {t:.0f} s: {p.stderr().strip()[-300:]}")
        self.file.flush()


def check_stats(loads, procs, soak):
    """The headless processes' --stats against what the loads sent, once all stopped."""
    by = {load.kind: load for load in loads if load.target == "headless"}
    relay, udp = by["relay"], procs["udp"]
    want = {(n, k): by[n].conns if k == "connections" else by[n].sent
            for n in ("churn", "echo", "tls") for k in ("connections", "bytes_in", "bytes_out")}
    want |= {("udp", "datagrams_in"): by["udp"].seq - udp_drops(udp.port),
             ("udp", "datagrams_out"): udp.stats.get("datagrams_in"),
             ("rules", "bytes_in"): by["rules"].sent, ("rules", "bytes_out"): by["rules"].replied,
             ("relay", "connections"): relay.conns, ("relay-target", "bytes_in"): relay.sent}
    want |= {("relay", f"{leg}.{k}"): relay.sent for leg in ("client", "target") for k in ("bytes_in", "bytes_out")}
    for (proc, key), expected in want.items():
        got = procs[proc].stats
        for part in key.split("."):
            got = got.get(part) if isinstance(got, dict) else None
        if got != expected:
            soak.fail(proc, "headless", f"--stats of {proc}: {key} is {got}, expected {expected}")


def judge(rows, name, budget, duration, max_growth_kib):
    """The verdict on one process (the rule is in the module docstring)."""
    mine = [r for r in rows if r[2] == name]
    load = [(t, rss, traffic) for t, phase, _, _, rss, _, traffic in mine if phase == "load"]
    reached = next((t for t, _, traffic in load if budget and traffic * 2**20 >= budget), None)
    start = max(duration / 2, reached or 0)
    judged = [(t, rss) for t, rss, _ in load if t >= start]
    v = {"base": mine[0][4], "peak": max([r for _, r, _ in load] or [-1]), "reached": reached, "start": start,
         "fd_base": mine[0][5], "fd_end": mine[-1][5], "growth": None, "slope": None, "why": []}
    if (budget and reached is None) or start > 0.9 * duration or len(judged) < 2:
        v["why"].append("budget not reached in time (run longer or lower --budget)")
    else:
        v["early"] = max([r for t, r in judged if t <= start + 0.1 * duration] or [judged[0][1]])
        v["late"] = max([r for t, r in judged if t >= 0.9 * duration] or [judged[-1][1]])
        v["growth"] = v["late"] - v["early"]
        mt, mr = sum(t for t, _ in judged) / len(judged), sum(r for _, r in judged) / len(judged)
        den = sum((t - mt) ** 2 for t, _ in judged)
        v["slope"] = sum((t - mt) * (r - mr) for t, r in judged) / den if den else 0.0
        if v["growth"] > max_growth_kib:
            v["why"].append(f"RSS grew {v['growth'] / 1024:.1f} MiB")
    if not 0 <= v["fd_end"] <= v["fd_base"] + FD_TOLERANCE:
        v["why"].append(f"{v['fd_end']} descriptors at the end, {v['fd_base']} before")
    return v


def summary(verdicts, loads, soak, args, duration):
    mib = lambda kib: "-" if kib is None else f"{kib / 1024:.1f}"  # noqa
    lines = [f"Sockbench soak: {duration / 60:g} min, {args.binary}; journal budget "
             f"{args.budget_text if args.budget else 'binary default'}, window {args.window_budget >> 20} MiB; "
             f"RSS growth allowed {args.max_growth:g} MiB, descriptors +{FD_TOLERANCE}", "",
             f"{'process':<13}{'RSS base':>9}{'peak':>8}{'full at':>8}{'judged':>7}{'early':>8}{'late':>8}"
             f"{'growth':>8}{'slope':>7}{'fds':>10}  verdict   (MiB; s since the loads started)"]
    for name, v in verdicts.items():
        slope = None if v["slope"] is None else v["slope"] * duration / 2
        full = "-" if v["reached"] is None else f"{v['reached']:.0f}"
        verdict = "FAIL: " + "; ".join(v["why"]) if v["why"] else "PASS"
        lines.append(f"{name:<13}{mib(v['base']):>9}{mib(v['peak']):>8}{full:>8}{v['start']:>7.0f}"
                     f"{mib(v.get('early')):>8}{mib(v.get('late')):>8}{mib(v['growth']):>8}{mib(slope):>7}"
                     f"{v['fd_base']:>5}->{v['fd_end']:<3}  {verdict}")
    lines += ["", f"{'load':<7}{'target':<10}{'rounds':>7}{'ops':>9}{'conns':>8}{'MiB checked':>12}  notes"]
    for d in loads:
        note = f"{d.seq:,} sent, {d.lost:,} lost (kernel drops {d.drops:,})" if d.kind == "udp" else ""
        lines.append(f"{d.kind:<7}{d.target:<10}{d.round_no:>7}{d.ops:>9,}{d.conns:>8,}{d.sent / 2**20:>12,.1f}  "
                     + note)
    lines += ["", f"byte and count failures: {soak.failure_count}"]
    lines += [f"  {load} -> {target}: {what}" for load, target, what in soak.failures[:20]]
    ok = soak.failure_count == 0 and not any(v["why"] for v in verdicts.values())
    return "\n".join(lines + ["", "PASS" if ok else "FAIL"]), ok


PLOT = """
import json, sys, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
for name, pts in json.load(sys.stdin).items():
    ax.plot(*zip(*pts), label=name, marker=".", markersize=3)
ax.set_xlabel("minutes of load"); ax.set_ylabel("RSS (MiB)"); ax.set_title(sys.argv[2], fontsize=10)
ax.set_ylim(bottom=0); ax.grid(alpha=0.3); ax.legend(fontsize=8, ncol=2); fig.tight_layout(); fig.savefig(sys.argv[1])
"""


def plot(rows, png, title):
    """RSS over time with matplotlib (this Python's, else Debian's /usr/bin/python3), else gnuplot."""
    series = {}
    for t, phase, name, _, rss, _, _ in rows:
        if phase != "end" and rss >= 0:
            series.setdefault(name, []).append((t / 60, rss / 1024))
    for py in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        if os.path.exists(py) and subprocess.run([py, "-c", "import matplotlib"], capture_output=True).returncode == 0:
            return subprocess.run([py, "-c", PLOT, png, title], input=json.dumps(series), text=True).returncode == 0
    if subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True).returncode != 0:
        log("no plot: neither matplotlib nor gnuplot (scripts/soak installs python3-matplotlib as root)")
        return False
    script = (f"set terminal png size 800,450\nset output '{png}'\nset title '{title}'\nset key left top\n"
              "set xlabel 'minutes of load'\nset ylabel 'RSS (MiB)'\nset yrange [0:*]\nplot "
              + ", ".join(f"'-' with linespoints title '{n}'" for n in series) + "\n"
              + "".join("".join(f"{t} {r}\n" for t, r in pts) + "e\n" for pts in series.values()))
    return subprocess.run(["gnuplot"], input=script, text=True).returncode == 0


def arguments():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    binary = os.path.join(root, "build/release/app/sockbench")
    binary = binary if os.path.exists(binary) else os.path.join(root, "build/default/app/sockbench")
    ap = argparse.ArgumentParser(prog="scripts/soak", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("minutes", nargs="?", type=float, default=60.0, help="how long the loads run (default 60)")
    ap.add_argument("--binary", default=binary, help="default: build/release's, else build/default's")
    ap.add_argument("--budget", default="64M", help="--journal-budget of the headless processes and the window's "
                    "journal/budgetMiB (default 64M); 'none' sets neither (for a binary without the option)")
    ap.add_argument("--out", help="folder for the CSV, logs, summary (default: a new temporary one)")
    ap.add_argument("--plot", help="the PNG of RSS over time (default OUT/soak-rss.png)")
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between samples (default 10)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every load's amount per round")
    ap.add_argument("--window-scale", type=float, default=0.25, help="the window's share of that (default 0.25)")
    ap.add_argument("--max-growth", type=float, default=8.0, help="MiB of RSS growth allowed (default 8)")
    ap.add_argument("--no-window", dest="window", action="store_false", help="headless processes only")
    args = ap.parse_args()
    args.budget_text, args.budget, args.binary = args.budget, parse_size(args.budget), os.path.abspath(args.binary)
    args.window_budget = max(16 << 20, args.budget) if args.budget else WINDOW_DEFAULT_BUDGET
    return args


def main():
    args = arguments()
    out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="sockbench-soak-"))
    os.makedirs(out, exist_ok=True)
    duration = args.minutes * 60
    log(f"{args.minutes:g} min against {args.binary}; output in {out}")
    for sig in (signal.SIGINT, signal.SIGTERM):  # also when started in the background, where SIGINT is ignored
        signal.signal(sig, signal.default_int_handler)
    soak, procs, loads = Soak(), {}, []
    try:
        cert, key = os.path.join(out, "cert.pem"), os.path.join(out, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", "/CN=localhost", "-days", "30", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        procs = start_processes(args, out, cert, key)
        log("started " + ", ".join(f"{n} (pid {p.pid})" for n, p in procs.items()))
        time.sleep(2)  # settled: the baseline
        samples = Samples(soak, procs, os.path.join(out, "soak.csv"))
        samples.sample("baseline")
        soak.t0 = time.monotonic()
        loads = start_loads(soak, procs, args, cert)
        for k in range(1, int(-(-duration // args.interval)) + 1):  # every interval, and at the end
            t = min(k * args.interval, duration)
            time.sleep(max(0.0, soak.t0 + t - time.monotonic()))
            samples.sample("load")
            if k % max(1, round(60 / args.interval)) == 0:
                rss = ", ".join(f"{n} {usage(p.pid)[0] / 1024:.0f}" for n, p in procs.items())
                log(f"{t / 60:.1f} min: RSS {rss} MiB; {soak.failure_count} failures")
        log("loads stopping")
        soak.stop.set()
        for load in loads:
            load.join(120)
        base = {r[2]: r[5] for r in samples.rows if r[1] == "baseline"}
        deadline = time.time() + 30  # until the processes have closed their ends too
        while time.time() < deadline and any(usage(p.pid)[1] > base[n] + FD_TOLERANCE for n, p in procs.items()):
            time.sleep(0.5)
        samples.sample("end")
        samples.file.close()
        for p in procs.values():
            p.stop()
        check_stats(loads, procs, soak)
    except KeyboardInterrupt:
        log("interrupted: everything stopped")
        return 130
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        log(f"error: {e}")
        return 1
    finally:
        soak.stop.set()
        for p in procs.values():
            p.stop(timeout=5)
    budgets = {n: args.window_budget if n == "window" else args.budget for n in procs}
    verdicts = {n: judge(samples.rows, n, budgets[n], duration, args.max_growth * 1024) for n in procs}
    text, ok = summary(verdicts, loads, soak, args, duration)
    print(text)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(text + "\n")
    png = os.path.abspath(args.plot or os.path.join(out, "soak-rss.png"))
    budget = args.budget_text if args.budget else "default"
    title = f"Sockbench soak, {args.minutes:g} min, journal budget {budget}: {'PASS' if ok else 'FAIL'}"
    plotted = f"; plot: {png}" if plot(samples.rows, png, title) else ""
    log(f"CSV: {os.path.join(out, 'soak.csv')}; summary: {os.path.join(out, 'summary.txt')}{plotted}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
