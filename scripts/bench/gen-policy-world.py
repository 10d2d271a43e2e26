#!/usr/bin/env python3
"""Writes the records of a small policy world, one DSSE envelope per line, in the order to POST them:
a provider (onboarded by the admin), IMAGES images registered by it with one patch each, an auditor, one
audit attestation per image, and a policy (published by the admin). Then writes authorize request bodies
to --requests (one JSON per line: users x images x environments).

Records are canonical JSON (sorted keys, no white space) signed with Ed25519 by the `cryptography`
package, independently of vmtrust's code. Times are the current clock (records must be within 5 minutes
of their integration).
"""
import argparse, base64, hashlib, json, sys, time
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

AUDIT = "https://vmtrust.dev/attestation/audit/v1"


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def spki(key):
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def envelope(payload_type, payload, key):
    keyid = hashlib.sha256(spki(key)).hexdigest()
    pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(payload), payload)
    return json.dumps(
        {
            "payloadType": payload_type,
            "payload": base64.b64encode(payload).decode(),
            "signatures": [{"keyid": keyid, "sig": base64.b64encode(key.sign(pae)).decode()}],
        },
        separators=(",", ":"),
    )


def record(kind, fields, key):
    return envelope(f"application/vnd.vmtrust.{kind}.v1+json", canonical(dict(fields, v=1)), key)


def rules(low):
    """A scope's rules: 21 rules (image known, provider known, six provenance conditions, the seed's two, three
    tiers, one required attestation and its evidence selection...), every field explicit (canonical form)."""
    return {
        "allow_low_reputation": False,
        "reputation": {"low": low},
        "require_attestation": {"max_age": "90d"},
        "tiers": [
            {"attestations": [], "effect": "allow", "min_score": 60, "name": "high", "privilege": "full",
             "required_checks": ["standard_scan"]},
            {"attestations": [], "effect": "allow_with_conditions", "min_score": 30, "name": "middle",
             "privilege": "restricted", "required_checks": ["manual_approval"]},
            {"attestations": [], "effect": "deny", "name": "rest", "required_checks": []},
        ],
        "attestations": [
            {"auditors": ["bench-audit"], "max_age": "180d", "min_score": 60, "predicate_type": AUDIT,
             "result": "pass", "threshold": 1},
        ],
        "provenance": {"chain_valid": True, "max_deprecated_age": "30d", "max_versions_behind": 2,
                       "not_revoked": True, "provider_key_valid": True, "provider_not_suspended": True},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin-key", required=True, help="the data directory's admin-key.pem")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", required=True, help="where to write authorize bodies")
    args = parser.parse_args()
    admin = serialization.load_pem_private_key(open(args.admin_key, "rb").read(), password=None)
    provider = Ed25519PrivateKey.from_private_bytes(bytes([0x01] * 32))
    auditor = Ed25519PrivateKey.from_private_bytes(bytes([0x31] * 32))
    now = int(time.time() * 1000)
    out = sys.stdout
    out.write(record("provider-onboard", {
        "id": "acme", "displayName": "Acme", "initialReputation": 80,
        "keys": [{"key": base64.b64encode(spki(provider)).decode()}], "time": now}, admin) + "\n")
    out.write(record("auditor-onboard", {
        "id": "bench-audit", "displayName": "Bench Audit",
        "keys": [{"key": base64.b64encode(spki(auditor)).decode()}],
        "accreditation": {"by": "DAkkS", "until": now + 365 * 86_400_000},
        "attestationTypes": [AUDIT], "time": now}, admin) + "\n")
    digests = []
    for n in range(args.images):
        root = "sha256:" + hashlib.sha256(b"bench-root-%d" % n).hexdigest()
        register = {"digest": root, "format": "qcow2", "initialReputation": 80, "name": f"bench-{n}",
                    "provider": "acme", "size": 4096, "time": now}
        register_id = "sha256:" + hashlib.sha256(canonical(dict(register, v=1))).hexdigest()
        out.write(record("image-register", register, provider) + "\n")
        patched = "sha256:" + hashlib.sha256(b"bench-patch-%d" % n).hexdigest()
        out.write(record("image-modify", {"digest": patched, "provider": "acme", "previous": register_id,
                                          "change": "patch", "description": "security patch", "time": now},
                         provider) + "\n")
        digests += [root, patched]
    for digest in digests:
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "bench.qcow2", "digest": {"sha256": digest.removeprefix("sha256:")}}],
            "predicateType": AUDIT,
            "predicate": {"controls": {"checked": 20, "passed": 19}, "result": "PASSED", "scope": "image", "score": 90},
        }
        out.write(envelope("application/vnd.in-toto+json", json.dumps(statement, separators=(",", ":")).encode(),
                           auditor) + "\n")
    policy = {
        "apiVersion": "vmtrust.dev/policy/v1", "name": "bench", "version": 1, "record_decisions": False,
        "privileges": ["full", "restricted", "sandbox"],
        "scopes": [
            {"match": {}, "mode": "enforce", "name": "default", "rules": rules(40)},
            {"match": {"environments": ["prod"]}, "mode": "enforce", "name": "prod", "rules": rules(60)},
            {"match": {"environments": ["staging"]}, "mode": "warn", "name": "staging", "rules": rules(70)},
        ],
    }
    out.write(record("policy-publish", {"document": policy, "time": now}, admin) + "\n")
    with open(args.requests, "w") as requests:
        for u in range(args.users):
            for i, digest in enumerate(digests):
                environment = ["prod", "staging", "dev"][(u + i) % 3]
                requests.write(json.dumps({"user": f"user-{u}", "image": digest, "environment": environment},
                                          separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
