#!/usr/bin/env python3
"""Pages written per commit, by table, from a SQLite WAL that was not checkpointed.

    scripts/bench/wal-pages.py DIR

DIR holds copies of `ledger.sqlite` and `ledger.sqlite-wal` taken after the server was killed with SIGKILL (so its
WAL was neither checkpointed nor deleted), e.g. by `KEEP_WAL=DIR scripts/bench/bench-attest.sh`. The script reads
the WAL's frames of its current generation (salts equal to the header's), groups them into commits (a frame with a
non-zero database size ends one), maps each distinct page of a commit to its table or index with `dbstat` (on a
scratch copy, since opening the database applies the WAL), and prints the mean pages per commit by table, and for
the `state` table and its key index by the namespace most rows of each page belong to (leaf or interior). Records per commit come from the
`checkpoints` table (one row per batch).
"""
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile


def commits(wal):
    _, _, page_size, _, salt1, salt2, _, _ = struct.unpack(">IIIIIIII", wal[:32])
    offset, current, out = 32, [], []
    while offset + 24 + page_size <= len(wal):
        page, db_size, s1, s2, _, _ = struct.unpack(">IIIIII", wal[offset:offset + 24])
        if (s1, s2) != (salt1, salt2):
            break
        current.append((page, wal[offset + 24:offset + 24 + page_size]))
        if db_size:
            out.append(current)
            current = []
        offset += 24 + page_size
    return out


def varint(data, i):
    value = 0
    for k in range(9):
        byte = data[i + k]
        if k == 8:
            return (value << 8) | byte, i + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + k + 1


def first_column_texts(page):
    """The page type and the first text column of each cell of an index b-tree page or a table leaf."""
    kind = page[0]
    cells = struct.unpack(">H", page[3:5])[0]
    header = 12 if kind in (2, 5) else 8
    texts = []
    for n in range(cells):
        i = struct.unpack(">H", page[header + 2 * n:header + 2 * n + 2])[0]
        if kind == 2:
            i += 4
        if kind in (2, 10):
            _, i = varint(page, i)
        elif kind == 13:
            _, i = varint(page, i)
            _, i = varint(page, i)
        else:
            continue
        start = i
        length, i = varint(page, i)
        body = start + length
        while i < start + length:  # the first text column (a rowid table's leaf starts with the NULL id alias)
            serial, i = varint(page, i)
            if serial >= 13 and serial % 2 == 1:
                texts.append(page[body:body + (serial - 13) // 2].decode("utf-8", "replace"))
                break
            body += SERIAL_SIZES.get(serial, (serial - 12) // 2 if serial >= 12 else 0)
    return kind, texts


SERIAL_SIZES = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}


def main():
    directory = sys.argv[1]
    wal = open(os.path.join(directory, "ledger.sqlite-wal"), "rb").read()
    batches = commits(wal)
    if not batches:
        sys.exit("no commits in the WAL's current generation")
    scratch = tempfile.mkdtemp()
    for name in ("ledger.sqlite", "ledger.sqlite-wal"):
        shutil.copy(os.path.join(directory, name), scratch)
    db = sqlite3.connect(os.path.join(scratch, "ledger.sqlite"))
    tables = dict(db.execute("SELECT pageno, name FROM dbstat"))
    sizes = [row[0] for row in db.execute("SELECT size FROM checkpoints ORDER BY size DESC LIMIT ?", (len(batches) + 1,))]
    by_table, by_namespace, distinct = collections.Counter(), collections.Counter(), 0
    for batch in batches:
        last = dict(batch)
        distinct += len(last)
        for page, data in last.items():
            table = tables.get(page, "?")
            by_table[table] += 1
            if table in ("state", "sqlite_autoindex_state_1"):
                kind, texts = first_column_texts(data)
                namespace = collections.Counter(texts).most_common(1)[0][0] if texts else "?"
                by_namespace[(table, "interior" if kind in (2, 5) else "leaf", namespace)] += 1
    n = len(batches)
    records = (sizes[0] - sizes[-1]) / (len(sizes) - 1) if len(sizes) > 1 else float("nan")
    print(f"{n} commits, {records:.1f} records per commit, {distinct / n:.1f} distinct pages per commit "
          f"({distinct / n / records:.2f} per record)")
    for table, count in by_table.most_common():
        print(f"  {table:35s} {count / n:6.1f} pages per commit")
    for (table, kind, namespace), count in by_namespace.most_common():
        print(f"  {table} {kind:8s} {namespace:25s} {count / n:6.1f} pages per commit")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
