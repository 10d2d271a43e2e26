#!/usr/bin/env python3
"""CPU per request by shared object or symbol, authorize against the trivial route, from one bench-authorize run.

    PERF=1 OUT=dir scripts/bench/bench-authorize.sh 8 64
    cd dir && python3 /path/to/scripts/bench/perf-compare.py [dso|symbol] [ROWS]

Reads perf.data (the authorize run) and perf-trivial.data (the first /healthz run) with `perf report`, and the
answered requests of each run from authorize.txt and trivial.txt; prints, per shared object or symbol, the server's
CPU time per request (µs) in each run and the difference, largest difference first (cpu-clock samples).
"""
import subprocess, sys, re, collections
def load(data, sort):
    out = subprocess.run(["perf","report","-i",data,"--no-children","-g","none","--sort",sort,"--stdio","-F","overhead,"+sort],capture_output=True,text=True).stdout
    total = None
    res = {}
    for line in out.splitlines():
        m = re.match(r"# Event count \(approx\.\): (\d+)", line)
        if m: total = int(m.group(1))
        m = re.match(r"\s+([\d.]+)%\s+(.*)$", line)
        if m: res[m.group(2).strip()] = float(m.group(1))
    return total, res
def req(f):
    return int(re.search(r"ok=(\d+)", open(f).read()).group(1))
sort = sys.argv[1] if len(sys.argv) > 1 else "dso"
ta, a = load("perf.data", sort); th, h = load("perf-trivial.data", sort)
na, nh = req("authorize.txt"), req("trivial.txt")
# The event count of cpu-clock is nanoseconds.
ua = {k: v/100*ta/1000/na for k, v in a.items()}; uh = {k: v/100*th/1000/nh for k, v in h.items()}
print(f"authorize {ta/1000/na:.1f} us/req, trivial {th/1000/nh:.1f} us/req")
keys = sorted(set(ua)|set(uh), key=lambda k: -(ua.get(k,0)-uh.get(k,0)))
for k in keys[:int(sys.argv[2]) if len(sys.argv)>2 else 25]:
    print(f"{ua.get(k,0):7.2f} {uh.get(k,0):7.2f} {ua.get(k,0)-uh.get(k,0):7.2f}  {k[:150]}")
