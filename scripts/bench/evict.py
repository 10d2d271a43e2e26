#!/usr/bin/env python3
"""Evicts FILE's pages from the page cache (POSIX_FADV_DONTNEED after fsync), so the next
read is cold without dropping every cache on the machine (no root needed)."""
import os, sys

for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
