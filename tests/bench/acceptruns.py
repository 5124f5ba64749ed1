#!/usr/bin/env python3
"""Scenario 4's headless listener, N times in a row: accepts/s and the kernel's ListenOverflows per run.

Usage: acceptruns.py SOCKBENCH CLIENT [RUNS] [--python]
Each run starts `sockbench listen --greet ! --quiet --stats 127.0.0.1:0`, opens 10,000 connections
with CLIENT, and reads TcpExtListenOverflows before and after from /proc/net/netstat. CLIENT is
either tests/bench's backtoback (one blocking connect() after another, as fast as the kernel
completes them: the client that shows a listener falling behind) or its loadgen (non-blocking
connects flat out, as scripts/bench does). One dropped SYN costs its client a 1 s retransmit, so a
run either keeps up (tens of thousands a second) or shows the overflow. --python runs the plain
Python epoll listener of bench.py instead, for reference. Run it alone on the machine, or beside a
build on purpose: other load skews the rates.
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


def cpu_seconds(pid):
    """The process's user + system CPU so far, from /proc (all its threads)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(proc):
    """SIGTERM, then the process's whole CPU use from the kernel's accounting at its exit."""
    proc.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


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
    sockbench, client = args[0], args[1]
    back_to_back = os.path.basename(client).startswith("backtoback")
    runs = int(args[2]) if len(args) > 2 else 20
    rates, overflowing, cpus = [], 0, []
    for i in range(runs):
        proc, port = start_python() if python else start_sockbench(sockbench)
        before = overflows()
        started_cpu = cpu_seconds(proc.pid)
        if back_to_back:
            out = subprocess.run([client, "127.0.0.1", str(port), str(CONNS)], stdout=subprocess.PIPE,
                                 text=True, timeout=120).stdout
            report = json.loads(out)
            rate, detail = report["connects_per_s"], (f"slowest connect {report['slowest_connect_ms']:.1f} ms, "
                                                      f"failed {report['failed']}")
            added = overflows() - before
        else:
            gen = subprocess.Popen([client, "tcp-conns", "127.0.0.1", str(port), str(CONNS), "--hold", "1",
                                    "--greeting", "--watch-pid", str(proc.pid), "--wait-stdin"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            report = json.loads(gen.stdout.readline())
            rate, detail = report["accepts_per_s"], f"alive {report['alive_after_hold']:,}"
            added = overflows() - before
        # CPU per connection: accepting, greeting, and closing when the client goes (the start-up
        # before the first connection is not counted).
        cpu_us = (stop(proc) - started_cpu) / CONNS * 1e6
        cpus.append(cpu_us)
        if not back_to_back:
            gen.stdin.close()
            gen.wait(timeout=60)
        rates.append(rate)
        overflowing += added > 0
        print(f"run {i + 1:2}: {rate:>8,.0f} accepts/s, {detail}, "
              f"ListenOverflows +{added}, CPU {cpu_us:.1f} µs per connection, load {os.getloadavg()[0]:.2f}",
              flush=True)
    rates.sort()
    print(f"{'python' if python else 'sockbench'}: {runs} runs, min {rates[0]:,.0f}, "
          f"median {rates[len(rates) // 2]:,.0f}, max {rates[-1]:,.0f} accepts/s; "
          f"runs below 30,000/s: {sum(r < 30000 for r in rates)}; runs with overflows: {overflowing}; "
          f"CPU per connection median {sorted(cpus)[len(cpus) // 2]:.1f} µs")


if __name__ == "__main__":
    main()
