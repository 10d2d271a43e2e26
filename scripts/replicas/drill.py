#!/usr/bin/env python3
"""Clients of the replica drill (scripts/replicas/drill.sh): write to every replica, kill one,
then check the guarantees of issue 7 independently of vmtrust's code.

    drill.py --replicas URL,URL,URL --pids PID,PID,PID --envelopes FILE --vkey VKEY
             [--threads 12] [--kill 0] [--kill-after 0.4] [--out DIR]

Writers POST every envelope of FILE (one JSON per line) once, round-robin over the replicas
that are alive; a write whose answer was lost (connection error, 5xx) is sent again to another
replica (a resubmission returns the original receipt). When the fraction --kill-after of the
envelopes was acknowledged, replica number --kill gets SIGKILL. A poller reads
/log/checkpoint from every live replica all along.

Checks (Ed25519 with `cryptography`, RFC 9162 proof verification written here):
  1. every acknowledged record: its receipt's checkpoint signature verifies with VKEY, the
     leaf hash is SHA-256(0x00 || entry) of the entry rebuilt from (index, integrated time,
     the envelope bytes sent) per docs/FORMATS.md, the receipt's inclusion proof verifies,
     and a surviving replica proves its inclusion in the final checkpoint;
  2. no two checkpoints seen (receipts and polls) have one size and different roots;
  3. every checkpoint seen is consistent with the final one (consistency proof from a
     surviving replica) -- so all are consistent with one another;
  4. after the kill, the surviving replicas acknowledge writes again within 5 s (the time
     from the kill to the first acknowledgement of a write sent after it is reported).
Exit 0 when all hold, 1 otherwise. Prints a JSON summary (also to OUT/summary.json).
"""
import argparse, base64, hashlib, json, os, queue, random, signal, struct, sys, threading, time
import http.client, urllib.parse
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64(s):
    return base64.b64decode(s)


# --- signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint) ---

def parse_vkey(vkey):
    name, keyid_hex, key_b64 = vkey.strip().split("+", 2)
    raw = b64(key_b64)
    assert raw[0] == 1 and len(raw) == 33, "not an Ed25519 vkey"
    return name, bytes.fromhex(keyid_hex), Ed25519PublicKey.from_public_bytes(raw[1:])


def verify_checkpoint(note, vkey):
    """Returns (size, root bytes) of a checkpoint signed by vkey; raises otherwise."""
    name, keyid, public = vkey
    text, sep, sigs = note.partition("\n\n")
    assert sep, "no signature block"
    body = text + "\n"
    ok = False
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            continue
        signer, sig = line[2:].split(" ")
        raw = b64(sig)
        if signer == name and raw[:4] == keyid:
            public.verify(raw[4:], body.encode())
            ok = True
    assert ok, "no signature by the log key"
    lines = text.split("\n")
    assert lines[0] == name, "origin differs from the key name"
    return int(lines[1]), b64(lines[2])


# --- RFC 9162 section 2.1.3.2 / 2.1.4.2 ---

def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def verify_inclusion(leaf, index, size, proof, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, proof, first_root, second_root):
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if first > second or not proof:
        return False
    if first & (first - 1) == 0:  # a power of two: the first root is the first proof node
        proof = [first_root] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def leaf_hash(index, integrated_ms, envelope):
    entry = b"\x01" + struct.pack(">Q", index) + struct.pack(">q", integrated_ms) + envelope
    return hashlib.sha256(b"\x00" + entry).digest()


# --- HTTP ---

def request(url, method, path, body=None, timeout=30):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", required=True)
    parser.add_argument("--pids", required=True)
    parser.add_argument("--envelopes", required=True)
    parser.add_argument("--vkey", required=True)
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument("--kill", type=int, default=0)
    parser.add_argument("--kill-after", type=float, default=0.4)
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    replicas = args.replicas.split(",")
    pids = [int(p) for p in args.pids.split(",")]
    vkey = parse_vkey(open(args.vkey).read() if os.path.exists(args.vkey) else args.vkey)
    envelopes = [line.rstrip("\n").encode() for line in open(args.envelopes)]

    alive = set(range(len(replicas)))
    lock = threading.Lock()
    acked = {}  # n -> (receipt, replica, sent time)
    errors = []
    checkpoints = []  # notes seen
    kill_time = [None]
    first_ack_after_kill = [None]
    work = queue.Queue()
    for n in range(len(envelopes)):
        work.put(n)
    stop = threading.Event()

    def writer(seed):
        rng = random.Random(seed)
        while True:
            try:
                n = work.get_nowait()
            except queue.Empty:
                return
            for attempt in range(20):
                with lock:
                    choices = sorted(alive)
                target = choices[(n + attempt + rng.randrange(len(choices))) % len(choices)]
                sent = time.monotonic()
                try:
                    status, body = request(replicas[target], "POST", "/v1/records", envelopes[n])
                except (OSError, http.client.HTTPException) as error:
                    # A replica killed mid-answer cuts the response (IncompleteRead): not an acknowledgement, retry.
                    with lock:
                        errors.append(f"record {n} to replica {target}: {error!r}")
                    time.sleep(0.05)
                    continue
                if status in (200, 201):
                    receipt = json.loads(body)
                    with lock:
                        acked[n] = (receipt, target, sent)
                        checkpoints.append(receipt["checkpoint"])
                        if kill_time[0] is not None and sent > kill_time[0] and first_ack_after_kill[0] is None:
                            first_ack_after_kill[0] = time.monotonic() - kill_time[0]
                        if kill_time[0] is None and len(acked) >= args.kill_after * len(envelopes):
                            kill_time[0] = time.monotonic()
                            os.kill(pids[args.kill], signal.SIGKILL)
                            alive.discard(args.kill)
                    break
                with lock:
                    errors.append(f"record {n} to replica {target}: HTTP {status} {body[:200]!r}")
                time.sleep(0.05)

    def poller():
        while not stop.is_set():
            for r in list(alive):
                try:
                    status, body = request(replicas[r], "GET", "/log/checkpoint", timeout=5)
                    if status == 200:
                        with lock:
                            checkpoints.append(body.decode())
                except (OSError, http.client.HTTPException):
                    pass
            time.sleep(0.05)

    started = time.monotonic()
    poll = threading.Thread(target=poller)
    poll.start()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    stop.set()
    poll.join()

    failures = []
    survivors = sorted(alive)
    # The final checkpoint: the largest one seen, after every survivor had time to catch up
    # (replicas follow each other's checkpoints every 250 ms by default).
    time.sleep(1)
    for r in survivors:
        status, body = request(replicas[r], "GET", "/log/checkpoint")
        if status == 200:
            checkpoints.append(body.decode())
    final_note = max(checkpoints, key=lambda note: verify_checkpoint(note, vkey)[0])
    final_size, final_root = verify_checkpoint(final_note, vkey)

    # 1. every acknowledged record
    for n, (receipt, target, _) in sorted(acked.items()):
        try:
            size, root = verify_checkpoint(receipt["checkpoint"], vkey)
            assert size == receipt["treeSize"], "receipt size differs from its checkpoint"
            leaf = leaf_hash(receipt["index"], receipt["integratedTime"], envelopes[n])
            assert leaf.hex() == receipt["leafHash"], "leaf hash does not match the envelope sent"
            proof = [b64(p) for p in receipt["inclusionProof"]]
            assert verify_inclusion(leaf, receipt["index"], size, proof, root), "receipt proof fails"
            reader = replicas[survivors[n % len(survivors)]]
            status, body = request(reader, "GET", f"/v1/log/inclusion?index={receipt['index']}&size={final_size}")
            assert status == 200, f"inclusion proof: HTTP {status}"
            proof = [b64(p) for p in json.loads(body)["proof"]]
            assert verify_inclusion(leaf, receipt["index"], final_size, proof, final_root), "final proof fails"
        except Exception as error:  # noqa: BLE001 -- every failure is reported
            failures.append(f"record {n} (index {receipt.get('index')}): {error}")

    # 2. one root per size
    roots = {}
    for note in checkpoints:
        size, root = verify_checkpoint(note, vkey)
        if roots.setdefault(size, root) != root:
            failures.append(f"two checkpoints of size {size} differ")

    # 3. every checkpoint consistent with the final one
    for size, root in sorted(roots.items()):
        reader = replicas[survivors[size % len(survivors)]]
        status, body = request(reader, "GET", f"/v1/log/consistency?from={size}&to={final_size}")
        proof = [b64(p) for p in json.loads(body)["proof"]] if status == 200 else None
        if proof is None or not verify_consistency(size, final_size, proof, root, final_root):
            failures.append(f"checkpoint {size} is not consistent with {final_size}")

    # 4. takeover
    takeover = first_ack_after_kill[0]
    if kill_time[0] is None:
        failures.append("no replica was killed")
    elif takeover is None or takeover > 5:
        failures.append(f"writes did not resume within 5 s of the kill ({takeover})")
    if len(acked) != len(envelopes):
        failures.append(f"{len(envelopes) - len(acked)} records were never acknowledged")

    summary = {
        "envelopes": len(envelopes),
        "acknowledged": len(acked),
        "acknowledged_per_replica": {str(r): sum(1 for v in acked.values() if v[1] == r) for r in range(len(replicas))},
        "write_seconds": round(elapsed, 2),
        "records_per_second": round(len(acked) / elapsed, 1),
        "killed_replica": args.kill,
        "seconds_from_kill_to_first_ack": None if takeover is None else round(takeover, 3),
        "retried_errors": len(errors),
        "checkpoints_seen": len(checkpoints),
        "distinct_sizes": len(roots),
        "final_size": final_size,
        "failures": failures[:50],
        "ok": not failures,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    with open(os.path.join(args.out, "errors.txt"), "w") as f:
        f.write("\n".join(errors))
    print(json.dumps(summary, indent=2))
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
