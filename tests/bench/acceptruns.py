#!/usr/bin/env python3
"""Scenario 4's headless listener, N times in a row: accepts/s and the kernel's ListenOverflows per run.

Usage: acceptruns.py SOCKBENCH LOADGEN [RUNS] [--python]
Each run starts `sockbench listen --greet ! --quiet --stats 127.0.0.1:0`, opens 10,000 connections
flat out with the load generator (as scripts/bench does), and reads TcpExtListenOverflows before and
after from /proc/net/netstat. One dropped SYN costs its client a 1 s retransmit, so a run either
keeps up (tens of thousands a second) or shows the overflow. --python runs the plain Python epoll
listener of bench.py instead, for reference. Run it alone on the machine: other load skews the rates.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import CONNS, PY_LISTENER  # noqa: E402


def overflows():
    lines = open("/proc/net/netstat").read().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            row = dict(zip(names.split()[1:], map(int, values.split()[1:])))
            return row["ListenOverflows"]
    return 0


def start_sockbench(binary):
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([binary, "listen", "--greet", "!", "--quiet", "--stats", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 10
    while time.time() < deadline:
        err.seek(0)
        found = re.search(r"listening on .*:(\d+)", err.read())
        if found:
            return proc, int(found.group(1))
        time.sleep(0.01)
    raise SystemExit("acceptruns: sockbench did not start listening")


def start_python():
    proc = subprocess.Popen([sys.executable, "-c", PY_LISTENER], stdout=subprocess.PIPE, text=True)
    return proc, int(proc.stdout.readline())


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    python = "--python" in sys.argv
    sockbench, loadgen = args[0], args[1]
    runs = int(args[2]) if len(args) > 2 else 20
    rates, overflowing = [], 0
    for i in range(runs):
        proc, port = start_python() if python else start_sockbench(sockbench)
        before = overflows()
        gen = subprocess.Popen([loadgen, "tcp-conns", "127.0.0.1", str(port), str(CONNS), "--hold", "1",
                                "--greeting", "--watch-pid", str(proc.pid), "--wait-stdin"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        report = json.loads(gen.stdout.readline())
        added = overflows() - before
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        gen.stdin.close()
        gen.wait(timeout=60)
        rates.append(report["accepts_per_s"])
        overflowing += added > 0
        print(f"run {i + 1:2}: {report['accepts_per_s']:>8,.0f} accepts/s, alive {report['alive_after_hold']:,}, "
              f"ListenOverflows +{added}, load {os.getloadavg()[0]:.2f}", flush=True)
    rates.sort()
    print(f"{'python' if python else 'sockbench'}: {runs} runs, min {rates[0]:,.0f}, "
          f"median {rates[len(rates) // 2]:,.0f}, max {rates[-1]:,.0f} accepts/s; "
          f"runs below 30,000/s: {sum(r < 30000 for r in rates)}; runs with overflows: {overflowing}")


if __name__ == "__main__":
    main()
