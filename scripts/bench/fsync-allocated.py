#!/usr/bin/env python3
"""What the decision journal's preallocation buys: one write + fdatasync at a time, as the journal does per batch.

    python3 scripts/bench/fsync-allocated.py [DIRECTORY] [SYNCS] [WRITE_BYTES]

Defaults: /tmp (where the benchmarks put their data), 600 syncs of 26,000 bytes (a batch of about 18 decisions).
Four files, alternating, twice: `append` grows the file with each write (its size and allocation change, so each
fdatasync also writes the inode and the allocation); `falloc` is allocated first with posix_fallocate, as the journal
was until session 14 (its size does not change; the blocks are allocated but unwritten, so the first write into each
changes the extent map); `zeros` is written with zeros and synced first; `ahead` is allocated, and a write that finds
fewer than 128 KiB of written zeros after its data also writes 256 KiB of zeros there, under the same fdatasync (what
the journal does now: `DecisionJournal.zeroAhead`). Prints syncs per second, the mean, p50, p90 and p99 of write +
fdatasync, and this process's CPU time per sync.
"""
import os
import resource
import sys
import time

directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 600
size = int(sys.argv[3]) if len(sys.argv) > 3 else 26_000
path = os.path.join(directory, f"fsync-allocated-{os.getpid()}.bin")
AHEAD = 256 << 10
ZEROS = bytes(AHEAD)


def run(mode):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    total = count * size + (2 << 20)
    if mode == "zeros":
        zeros = bytes(1 << 20)
        for i in range((total >> 20) + 1):
            os.pwrite(fd, zeros, i << 20)
        os.fdatasync(fd)
    elif mode in ("falloc", "ahead"):
        os.posix_fallocate(fd, 0, total + AHEAD)
        os.fsync(fd)
    data = os.urandom(size)
    zeroed = 20
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    latencies = []
    for i in range(count):
        t = time.perf_counter()
        end = 20 + (i + 1) * size
        os.pwrite(fd, data, end - size)
        if mode == "ahead" and zeroed - end < AHEAD // 2:
            start = max(zeroed, end)
            os.pwrite(fd, ZEROS, start)
            zeroed = start + AHEAD
        os.fdatasync(fd)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / count * 1e6
    latencies.sort()
    print(f"{mode:7} {count / elapsed:6.0f} syncs/s  mean {elapsed / count * 1e3:5.2f} ms  "
          f"p50 {latencies[count // 2] * 1e3:5.2f} ms  p90 {latencies[int(count * 0.9)] * 1e3:5.2f} ms  "
          f"p99 {latencies[int(count * 0.99)] * 1e3:5.2f} ms  CPU {cpu:4.0f} us/sync")
    os.close(fd)
    os.unlink(path)


print(f"{count} x (pwrite {size} bytes + fdatasync) in {directory}; load {os.getloadavg()[0]:.2f}")
for _ in range(2):
    for mode in ("append", "falloc", "zeros", "ahead"):
        run(mode)
