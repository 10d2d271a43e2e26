#!/usr/bin/env python3
"""What the decision journal's preallocation buys: one write + fdatasync at a time, as the journal does per batch.

    python3 scripts/bench/fsync-allocated.py [DIRECTORY] [SYNCS] [WRITE_BYTES]

Defaults: /tmp (where the benchmarks put their data), 600 syncs of 26,000 bytes (a batch of about 18 decisions).
Three files, alternating, twice: `append` grows the file with each write (its size and allocation change, so each
fdatasync also writes the inode and the allocation); `falloc` is allocated first with posix_fallocate, as the journal
is (its size does not change; the blocks are allocated); `zeros` is written with zeros and synced first. Prints syncs
per second, the p50 and p99 of write + fdatasync, and this process's CPU time per sync.
"""
import os
import resource
import sys
import time

directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 600
size = int(sys.argv[3]) if len(sys.argv) > 3 else 26_000
path = os.path.join(directory, f"fsync-allocated-{os.getpid()}.bin")


def run(mode):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    total = count * size + (2 << 20)
    if mode == "zeros":
        zeros = bytes(1 << 20)
        for i in range((total >> 20) + 1):
            os.pwrite(fd, zeros, i << 20)
        os.fdatasync(fd)
    elif mode == "falloc":
        os.posix_fallocate(fd, 0, total)
        os.fsync(fd)
    data = os.urandom(size)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    latencies = []
    for i in range(count):
        t = time.perf_counter()
        os.pwrite(fd, data, 20 + i * size)
        os.fdatasync(fd)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / count * 1e6
    latencies.sort()
    print(f"{mode:7} {count / elapsed:6.0f} syncs/s  p50 {latencies[count // 2] * 1e3:6.2f} ms  "
          f"p99 {latencies[int(count * 0.99)] * 1e3:6.2f} ms  CPU {cpu:4.0f} us/sync")
    os.close(fd)
    os.unlink(path)


print(f"{count} x (pwrite {size} bytes + fdatasync) in {directory}; load {os.getloadavg()[0]:.2f}")
for _ in range(2):
    for mode in ("append", "falloc", "zeros"):
        run(mode)
