#!/usr/bin/env python3
"""Writes COUNT distinct admin-signed DSSE envelopes (SIZE bytes each, give or take a few), one JSON per line.

Independent of vmtrust's own code: it uses the `cryptography` package for Ed25519, so the
benchmark also checks that envelopes signed elsewhere are accepted.
"""
import argparse, base64, hashlib, json, sys
from cryptography.hazmat.primitives import serialization


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True, help="Ed25519 PKCS#8 PEM admin key")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--size", type=int, default=1024, help="approximate envelope size in bytes")
    parser.add_argument("--seed", default="bench")
    args = parser.parse_args()
    key = serialization.load_pem_private_key(open(args.key, "rb").read(), password=None)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    keyid = hashlib.sha256(spki).hexdigest()
    payload_type = "application/vnd.vmtrust.bench+json"

    def envelope(n, pad):
        payload = json.dumps({"seed": args.seed, "n": n, "pad": "x" * pad}, separators=(",", ":")).encode()
        pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(payload), payload)
        sig = key.sign(pae)
        return json.dumps(
            {
                "payloadType": payload_type,
                "payload": base64.b64encode(payload).decode(),
                "signatures": [{"keyid": keyid, "sig": base64.b64encode(sig).decode()}],
            },
            separators=(",", ":"),
        )

    # Pad the payload so that a mid-range envelope is --size bytes (base64: 4 chars per 3 bytes).
    overhead = len(envelope(args.count // 2, 0))
    pad = max(0, (args.size - overhead) * 3 // 4)
    out = sys.stdout
    for n in range(args.count):
        out.write(envelope(n, pad))
        out.write("\n")


if __name__ == "__main__":
    main()
