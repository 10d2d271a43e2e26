#!/usr/bin/env python3
"""Writes COUNT distinct admin-signed DSSE envelopes (SIZE bytes each, give or take a few), one JSON per line.

With --subject sha256:<hex>, writes attestations instead: in-toto Statement v1 envelopes
(application/vnd.in-toto+json) with a vulns v0.2 predicate about that image, signed with --key
(an onboarded auditor's key, allowed https://in-toto.io/attestation/vulns/v0.2), padded with
findings to SIZE bytes.

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
    parser.add_argument("--subject", help="image digest: write in-toto vulns attestations about it")
    args = parser.parse_args()
    key = serialization.load_pem_private_key(open(args.key, "rb").read(), password=None)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    keyid = hashlib.sha256(spki).hexdigest()
    payload_type = "application/vnd.vmtrust.bench+json"

    if args.subject:
        payload_type = "application/vnd.in-toto+json"

    def attestation(n, pad):
        findings = [
            {"id": f"CVE-2026-{i:05d}", "severity": [{"method": "nvd", "score": ["low", "medium", "high"][i % 3]},
                                                     {"method": "cvss_v3:nvd", "score": "5.5"}]}
            for i in range(pad // 106)
        ]
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "bench.qcow2", "digest": {"sha256": args.subject.removeprefix("sha256:")}}],
            "predicateType": "https://in-toto.io/attestation/vulns/v0.2",
            "predicate": {
                "scanner": {
                    "uri": "pkg:github/anchore/grype@v0.79.0",
                    "version": f"0.79.0+{args.seed}.{n}",
                    "db": {"version": "5", "lastUpdate": "2026-09-01T01:31:05Z"},
                    "result": findings,
                },
                "metadata": {"scanStartedOn": "2026-09-01T08:00:00Z", "scanFinishedOn": "2026-09-01T08:01:00Z"},
            },
        }
        return json.dumps(statement, separators=(",", ":")).encode()

    def envelope(n, pad):
        if args.subject:
            payload = attestation(n, pad)
        else:
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
