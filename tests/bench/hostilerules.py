#!/usr/bin/env python3
"""Scenario 8's hostile pattern: how long other clients wait while lines that make a rule's regex
backtrack arrive at 1,000 per second.

Usage: hostilerules.py SOCKBENCH [--seconds S] [--rate N] [--json]

Starts `sockbench listen --quiet --rules` with three rules: ^(a+)+$ (exponential on a line of a's
that ends in '!'), ^PING (\\d+)$ -> PONG, and a catch-all. Eight well-behaved clients each send
PING n, wait for PONG n, pause 5 ms and go again, recording every round trip. First for S seconds
alone (the baseline), then for S seconds while a separate process sends hostile lines (40 a's and
a '!') on 4 connections, N per second in all, and reads their answers. Reports the round trips'
median, 99th percentile and maximum in both phases, the hostile lines answered, and whether the
log said that the pattern gave up. The goal: the maximum while hostile <= 20 ms.
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

RULES = {"frame": "line", "rules": [
    {"match": {"regex": r"^(a+)+$"}, "reply": "all a\\n"},
    {"match": {"regex": r"^PING (\d+)$"}, "reply": "PONG \\1\\n"},
    {"match": "any", "reply": "ERR\\n"}]}
HOSTILE_LINE = b"a" * 40 + b"!\n"
GOAL_MS = 20.0
CLIENTS = 8
HOSTILE_CONNECTIONS = 4

# The hostile sender, in its own process so that its pacing never holds the measuring clients'
# interpreter: N lines a second spread over the connections, each answer read and counted.
HOSTILE = r"""
import selectors, socket, sys, time
port, rate, seconds, conns = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
line = b"a" * 40 + b"!\n"
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(conns)]
sel = selectors.DefaultSelector()
for s in socks:
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
sent = answered = 0
start = time.monotonic()
while True:
    now = time.monotonic() - start
    if now >= seconds:
        break
    due = int(now * rate)
    while sent < due:
        socks[sent % conns].sendall(line)
        sent += 1
    for key, _ in sel.select(timeout=max(0.0, (sent + 1) / rate - (time.monotonic() - start))):
        answered += key.fileobj.recv(65536).count(b"\n")
print(sent, answered, flush=True)
"""


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(port, seconds):
    """Round trips in ms of CLIENTS clients, each PING/PONG with a 5 ms pause, for `seconds`."""
    times, failures = [], []
    lock = threading.Lock()

    def client(k):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")
        n, end = 0, time.monotonic() + seconds
        mine = []
        while time.monotonic() < end:
            n += 1
            t0 = time.perf_counter()
            s.sendall(b"PING %d\n" % (k * 1000000 + n))
            reply = f.readline()
            mine.append((time.perf_counter() - t0) * 1000)
            if reply != b"PONG %d\n" % (k * 1000000 + n):
                with lock:
                    failures.append(f"client {k}: {reply!r}")
                break
            time.sleep(0.005)
        s.close()
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, failures


def summary(times):
    return {"round_trips": len(times), "median_ms": round(statistics.median(times), 3),
            "p99_ms": round(percentile(times, 99), 3), "max_ms": round(max(times), 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sockbench")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=int, default=1000, help="hostile lines a second, in all (default 1000)")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout instead of text")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "hostile.json")
        with open(rules, "w") as f:
            json.dump(RULES, f)
        err = open(os.path.join(tmp, "stderr"), "w+")
        # Without --quiet: the log is where "gave up" is said; it goes to a file, read at the end.
        server = subprocess.Popen([args.sockbench, "listen", "--log", "--rules", rules, "127.0.0.1:0"],
                                  stdout=err, stderr=err)
        try:
            port = None
            for _ in range(1000):
                err.seek(0)
                found = re.search(r"listening on .*:(\d+)", err.read())
                if found:
                    port = int(found.group(1))
                    break
                time.sleep(0.01)
            if port is None:
                raise SystemExit("hostilerules: sockbench did not start listening")
            calm, calm_failures = measure(port, args.seconds)
            hostile = subprocess.Popen([sys.executable, "-c", HOSTILE, str(port), str(args.rate), str(args.seconds),
                                        str(HOSTILE_CONNECTIONS)], stdout=subprocess.PIPE, text=True)
            loud, loud_failures = measure(port, args.seconds)
            sent, answered = map(int, hostile.communicate(timeout=60)[0].split())
        finally:
            server.terminate()
            server.wait(timeout=10)
        err.seek(0)
        log = err.read()
    result = {"calm": summary(calm), "hostile": summary(loud), "hostile_lines_sent": sent,
              "hostile_lines_answered": answered, "rate": args.rate,
              "gave_up_said": log.count("pattern gave up after"),
              "failures": calm_failures + loud_failures, "goal_max_ms": GOAL_MS}
    result["ok"] = not result["failures"] and result["hostile"]["max_ms"] <= GOAL_MS
    if args.json:
        print(json.dumps(result))
    else:
        for phase in ("calm", "hostile"):
            r = result[phase]
            print(f"{phase:8} {r['round_trips']:6} round trips: median {r['median_ms']:.2f} ms, "
                  f"p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms")
        print(f"hostile lines: {sent} sent, {answered} answered; 'gave up' said {result['gave_up_said']} times "
              f"(once per hostile connection expected)")
        print(f"goal: max while hostile <= {GOAL_MS:g} ms: {'met' if result['ok'] else 'MISSED'}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
