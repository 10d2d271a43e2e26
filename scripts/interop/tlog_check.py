#!/usr/bin/env python3
"""Read and verify a vmtrust log with an independent tlog-tiles client (tlog-scales).

    tlog_check.py URL VKEY

URL is the log's tlog-tiles prefix (e.g. http://127.0.0.1:8080/log; a bare server URL
gets /log appended). VKEY is the log's C2SP vkey (`vmtrust log key`), or a file holding it.

What is checked, and by whom:
  tlog-scales  parses the vkey and the checkpoint, verifies the Ed25519 signed-note signature
               (Vkey / Checkpoint.verify), reads hash tiles and entry bundles (TilesReader,
               full and partial tiles), recomputes the root from tiles, builds an inclusion
               proof for every entry and a consistency proof from several older sizes and
               checks them (RFC 9162 InclusionProof.check / ConsistencyProof.check); where the
               log serves partial tiles of older sizes, the older roots from those too.
  hashlib      (tlog-scales has no API for these) the vkey's key id recomputed per
               c2sp.org/signed-note; the checkpoint text must round-trip byte for byte
               through tlog-scales' parser; every entry bundle is re-hashed
               (SHA-256(0x00 || entry), RFC 6962) and compared with the level-0 hash tile;
               every level-1 tile hash is recomputed as the RFC 6962 root of the 256 leaf
               hashes under it; older roots for the consistency proofs are the RFC 6962 roots
               of prefixes of the level-0 hashes; entries are decoded as vmtrust log entries v1
               (docs/FORMATS.md: version 1, index = position, envelope JSON); the server's
               own JSON proofs (/v1/log/inclusion, /v1/log/consistency), when it has them,
               must equal the proofs built from tiles.

Exit 0 when everything verifies, 1 on any verification failure, 2 on a usage error.
Prints one summary line.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
from urllib.parse import urlsplit

try:
    from tlog_scales import tiles
    from tlog_scales.backend import HttpBackend
    from tlog_scales.reader import Tile, TilesReader
    from tlog_scales.signing import Vkey
    from tlog_scales.tlog import Checkpoint
    from tlog_scales.utils import make_session
except ImportError as error:  # pragma: no cover - reported to the caller
    print(f"tlog_check: tlog-scales is not installed ({error}); python3 -m pip install tlog-scales", file=sys.stderr)
    sys.exit(2)


class Failure(Exception):
    """A verification failure (exit 1)."""


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def rfc6962_root(leaf_hashes: list[bytes]) -> bytes:
    """MTH over already hashed leaves (RFC 6962 section 2.1), plain hashlib."""
    if not leaf_hashes:
        return sha256(b"")
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = 1 << ((len(leaf_hashes) - 1).bit_length() - 1)
    return sha256(b"\x01" + rfc6962_root(leaf_hashes[:k]) + rfc6962_root(leaf_hashes[k:]))


def fetch(backend: HttpBackend, level: int, n: int, width: int) -> bytes:
    """Fetches tile (level, n) of `width` entries: the full path for 256, else .p/<width>."""
    path = tiles.tile_path(level, n, 0 if width == 256 else width)
    data = backend.get(*path)
    if data is None:
        raise Failure(f"the log does not serve {'/'.join(path)}")
    return data


def decode_vmtrust_entry(entry: bytes, index: int) -> None:
    """docs/FORMATS.md, log entry version 1."""
    if len(entry) < 17 or entry[0] != 1:
        raise Failure(f"entry {index} is not a vmtrust v1 entry (first byte {entry[:1].hex()}, {len(entry)} bytes)")
    stored = int.from_bytes(entry[1:9], "big")
    if stored != index:
        raise Failure(f"entry at position {index} says it is index {stored}")
    try:
        envelope = json.loads(entry[17:])
        base64.b64decode(envelope["payload"])
        if not envelope["signatures"]:
            raise ValueError("no signatures")
    except (ValueError, KeyError, TypeError) as error:
        raise Failure(f"entry {index} does not hold a DSSE envelope: {error}") from error


def server_proof(session, api: str, path: str) -> list[bytes] | None:
    response = session.get(api + path)
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise Failure(f"{path}: HTTP {response.status_code}")
    return [base64.b64decode(h) for h in response.json()["proof"]]


def check(url: str, vkey_text: str) -> str:
    # The vkey: parsed by tlog-scales; its key id recomputed from name, type and key (signed-note).
    try:
        vkey = Vkey.from_string(vkey_text)
    except (ValueError, IndexError) as error:
        raise Failure(f"not a vkey: {error}") from error
    derived = Vkey(vkey.name, None, vkey.sig_type, vkey.pubkey).key_id
    if derived != vkey.key_id:
        raise Failure(f"vkey key id {vkey.key_id:08x} is not the signed-note key id {derived:08x}")
    if vkey.sig_type != 1:
        raise Failure(f"vkey type {vkey.sig_type} is not Ed25519 (1)")

    backend = HttpBackend(url)
    reader = TilesReader(backend)

    # Checkpoint: signature by tlog-scales over its own re-serialisation, which must be the received text.
    raw = backend.get("checkpoint")
    if raw is None:
        raise Failure(f"no checkpoint at {url}/checkpoint")
    try:
        checkpoint = Checkpoint.from_text(raw.decode())  # what TilesReader.get_checkpoint does, on the bytes we hold
    except (ValueError, IndexError, UnicodeDecodeError) as error:
        raise Failure(f"checkpoint does not parse: {error}: {raw!r}") from error
    reader.set_size(checkpoint.size)
    if checkpoint.serialize().encode() != raw:
        raise Failure(f"checkpoint text does not round-trip through tlog-scales: {raw!r}")
    if checkpoint.origin != vkey.name:
        raise Failure(f"checkpoint origin {checkpoint.origin!r} is not the vkey name {vkey.name!r}")
    try:
        checkpoint.verify(vkey)
    except Exception as error:  # RuntimeError (no matching signature) or InvalidSignature
        raise Failure(f"checkpoint signature does not verify with {vkey_text}: {type(error).__name__} {error}") from error
    size, root = checkpoint.size, checkpoint.root_hash
    if size == 0:
        if root != sha256(b""):
            raise Failure("empty tree with a root that is not SHA-256('')")
        return "ok: empty log, checkpoint verifies"

    # The root, recomputed from hash tiles by tlog-scales.
    computed = reader.calculate_root_hash()
    if computed != root:
        raise Failure(f"root from tiles {computed.hex()} != checkpoint root {root.hex()}")

    # Entry bundles re-hashed against level-0 tiles; level-1 tiles recomputed from level-0 tiles.
    bundles = full = partial = 0
    level0: list[bytes] = []
    entries: list[bytes] = []
    for n in range((size + 255) // 256):
        width = min(256, size - n * 256)
        bundle = Tile.from_entries_bytes(fetch(backend, -1, n, width)).entries
        hashes = Tile.from_hash_bytes(fetch(backend, 0, n, width)).entries
        if len(bundle) != width or len(hashes) != width:
            raise Failure(f"tile {n} width {width}: bundle has {len(bundle)} entries, hash tile {len(hashes)} hashes")
        for i, (entry, leaf_hash) in enumerate(zip(bundle, hashes)):
            index = n * 256 + i
            if tiles.leaf_hash(entry) != leaf_hash:
                raise Failure(f"entry {index}: SHA-256(0x00||entry) != level-0 tile hash {leaf_hash.hex()}")
            decode_vmtrust_entry(entry, index)
        entries += bundle
        level0 += hashes
        bundles += 1
        full += width == 256
        partial += width != 256
    level1_tiles = 0
    level1_count = size // 256
    for n in range((level1_count + 255) // 256):
        width = min(256, level1_count - n * 256)
        hashes = Tile.from_hash_bytes(fetch(backend, 1, n, width)).entries
        for i, node in enumerate(hashes):
            start = (n * 256 + i) * 256
            if rfc6962_root(level0[start : start + 256]) != node:
                raise Failure(f"level-1 tile {n} hash {i} is not the root of leaves {start}..{start + 255}")
        level1_tiles += 1
    if rfc6962_root(level0) != root:
        raise Failure("the RFC 6962 root of all level-0 hashes is not the checkpoint root")

    # Inclusion proofs from tiles, for every entry (tlog-scales builds and checks them).
    proofs: dict[int, list[bytes]] = {}
    for index, entry in enumerate(entries):
        proof = reader.get_inclusion_proof(index, size)
        try:
            proof.check(tiles.leaf_hash(entry), root)
        except Exception as error:
            raise Failure(f"inclusion proof for entry {index} at size {size}: {error}") from error
        proofs[index] = proof.node_hashes

    # Consistency proofs from older sizes, built by tlog-scales from the current tiles and checked against
    # the older roots (RFC 6962 roots of a prefix of the level-0 hashes, hashlib). The log's partial tiles
    # for those older sizes are read too when it serves them (tlog-tiles does not require it; vmtrust does).
    olds = sorted({s for s in (1, 2, 255, 256, 257, 511, 512, size // 2, size - 1) if 0 < s < size})
    older_tiles = 0
    for old in olds:
        old_root = rfc6962_root(level0[:old])
        proof = reader.get_consistency_proof(old, size)
        try:
            proof.check(old_root, root)
        except Exception as error:
            raise Failure(f"consistency proof {old} -> {size}: {error}") from error
        old_reader = TilesReader(backend)
        old_reader.set_size(old)
        try:
            from_tiles = old_reader.calculate_root_hash()
        except RuntimeError:  # an older partial tile that is not served
            continue
        if from_tiles != old_root:
            raise Failure(f"root at size {old} from the tiles of that size disagrees with the root of its leaves")
        older_tiles += 1

    # The server's own JSON proofs must be the ones built from tiles (vmtrust's convenience API).
    api = url[: -len("/log")] if url.endswith("/log") else None
    compared = 0
    if api is not None:
        session = make_session()
        for index in sorted({0, 1, 255, 256, size // 2, size - 1} & set(range(size))):
            served = server_proof(session, api, f"/v1/log/inclusion?index={index}&size={size}")
            if served is None:
                break
            if served != proofs[index]:
                raise Failure(f"/v1/log/inclusion index {index} size {size} differs from the proof built from tiles")
            compared += 1
        for old in olds:
            served = server_proof(session, api, f"/v1/log/consistency?from={old}&to={size}")
            if served is None:
                break
            if served != reader.get_consistency_proof(old, size).node_hashes:
                raise Failure(f"/v1/log/consistency {old} -> {size} differs from the proof built from tiles")
            compared += 1

    return (
        f"ok: {checkpoint.origin} size {size} root {base64.b64encode(root).decode()} verified: signature, "
        f"{bundles} entry bundles ({full} full, {partial} partial) re-hashed to level-0 tiles, {level1_tiles} level-1 tiles, "
        f"{size} inclusion proofs, {len(olds)} consistency proofs ({older_tiles} older roots from older tiles), "
        f"{compared} server proofs compared"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="tlog-tiles prefix, e.g. http://127.0.0.1:8080/log")
    parser.add_argument("vkey", help="the log's vkey, or a file holding it")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    if urlsplit(url).path in ("", "/"):
        url += "/log"
    vkey = args.vkey
    if os.path.isfile(vkey):
        with open(vkey, encoding="utf-8") as file:
            vkey = file.read()
    vkey = vkey.strip()
    try:
        print(check(url, vkey))
        return 0
    except Failure as failure:
        print(f"FAIL: {failure}")
        return 1
    except Exception as error:  # a crash inside the reader is a failure to verify, too
        print(f"FAIL: {type(error).__name__}: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
