#!/usr/bin/env python3
"""CPU per request of two runs of one server, by shared object, symbol or owner, from `perf record -g` profiles.

    PERF=1 OUT=dir scripts/bench/bench-authorize.sh 8 64
    cd dir && python3 /path/to/scripts/bench/perf-compare.py [dso|symbol|owner] [ROWS]

    PERF=1 OUT=dir scripts/bench/bench-attest.sh 8 64
    cd dir && python3 /path/to/scripts/bench/perf-compare.py [dso|symbol|owner] [ROWS] attest-2 plain-2

With no run names, compares perf.data (the authorize run) with perf-trivial.data (the first /healthz run) and reads the
answered requests of each from authorize.txt and trivial.txt (`ok=`). With two run names A B, reads A.perf.data and
B.perf.data, and the records created by each from A.txt and B.txt (`created=`).

Prints, per row, the server's CPU time per request (µs) in each run and the difference, largest difference first
(cpu-clock samples: the event count is nanoseconds). With COUNT=1 in the environment (profiles of another event, e.g.
PERF_EVENT=probe_libc:malloc), events per request instead.
- dso, symbol: where the samples fell (`perf report --no-children`).
- owner: each sample charged to the innermost frame of its call chain that belongs to vmtrust, Hummingbird, SwiftNIO or
  GRDB (so that malloc, memmove, retain and release count for the code that called them); samples without such a
  frame are shown as <other:leaf>. Async functions' callers are not in the chain, so a frame is the partial function
  that ran.
"""
import collections
import os
import re
import subprocess
import sys

OWNERS = re.compile(
    r"\$s(11TrustServer|6Ledger|6Policy|10Provenance|11SQLiteStore|10Reputation|14PostgresStore|16TransparencyLog|"
    r"9BlobStore|11Hummingbird|15HummingbirdCore|8NIOPosix|7NIOCore|8NIOHTTP1|17NIOHTTPTypesHTTP1|4GRDB)"
)


def load_report(data, sort):
    out = subprocess.run(
        ["perf", "report", "-i", data, "--no-children", "-g", "none", "--sort", sort, "--stdio", "-F", "overhead," + sort],
        capture_output=True,
        text=True,
    ).stdout
    total = None
    shares = {}
    for line in out.splitlines():
        m = re.match(r"# Event count \(approx\.\): (\d+)", line)
        if m:
            total = int(m.group(1))
        m = re.match(r"\s+([\d.]+)%\s+(.*)$", line)
        if m:
            shares[m.group(2).strip()] = float(m.group(1))
    return total, shares


def load_owner(data):
    """(event count, {owner: percent}) from `perf script`: one sample per block of frames, innermost first."""
    total = None
    out = subprocess.run(["perf", "report", "-i", data, "--no-children", "-g", "none", "--stdio"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        m = re.match(r"# Event count \(approx\.\): (\d+)", line)
        if m:
            total = int(m.group(1))
    script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym"], capture_output=True, text=True).stdout
    counts = collections.Counter()
    samples = 0
    stack = []

    def flush():
        nonlocal samples
        if not stack:
            return
        samples += 1
        for symbol in stack:
            if OWNERS.search(symbol):
                counts[symbol] += 1
                return
        counts["<other:" + stack[0] + ">"] += 1

    for line in script.splitlines():
        if not line.strip():
            flush()
            stack = []
        elif line.startswith((" ", "\t")):
            parts = line.split()
            if len(parts) >= 2:
                stack.append(parts[1])
    flush()
    return total, {k: v * 100 / samples for k, v in counts.items()}


def answered(path, member):
    return int(re.search(member + r"=(\d+)", open(path).read()).group(1))


def main():
    sort = sys.argv[1] if len(sys.argv) > 1 else "dso"
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    if len(sys.argv) > 4:
        a, b = sys.argv[3], sys.argv[4]
        files = (f"{a}.perf.data", f"{b}.perf.data")
        counts = (answered(f"{a}.txt", "created"), answered(f"{b}.txt", "created"))
        names = (a, b)
    else:
        files = ("perf.data", "perf-trivial.data")
        counts = (answered("authorize.txt", "ok"), answered("trivial.txt", "ok"))
        names = ("authorize", "trivial")
    load = load_owner if sort == "owner" else (lambda data: load_report(data, sort))
    (ta, a), (tb, b) = load(files[0]), load(files[1])
    scale, unit = (1, "events") if os.environ.get("COUNT") == "1" else (1000, "us")
    ua = {k: v / 100 * ta / scale / counts[0] for k, v in a.items()}
    ub = {k: v / 100 * tb / scale / counts[1] for k, v in b.items()}
    print(f"{names[0]} {ta / scale / counts[0]:.1f} {unit}/request, {names[1]} {tb / scale / counts[1]:.1f} {unit}/request")
    keys = sorted(set(ua) | set(ub), key=lambda k: -(ua.get(k, 0) - ub.get(k, 0)))
    for k in keys[:rows]:
        print(f"{ua.get(k, 0):7.2f} {ub.get(k, 0):7.2f} {ua.get(k, 0) - ub.get(k, 0):7.2f}  {k[:150]}")


main()
