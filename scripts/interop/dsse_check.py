#!/usr/bin/env python3
"""DSSE interoperability between vmtrust and securesystemslib (an independent DSSE implementation).

    dsse_check.py verify ENVELOPE.json KEY.pem
        Verifies a vmtrust envelope (`vmtrust record sign`) with securesystemslib.dsse.Envelope.
        KEY.pem is the signer's public key (SPKI PEM) or private key (PKCS#8 PEM, as written by
        `vmtrust key generate`); Ed25519 and ECDSA P-256. The key's id for securesystemslib is
        vmtrust's (lowercase hex SHA-256 of the SPKI DER, recomputed here with hashlib), because
        securesystemslib only tries keys whose keyid equals the signature's keyid. Also fails when
        the envelope's keyid is not that id. Exit 0 valid, 1 invalid.

    dsse_check.py verify --intoto ENVELOPE.json KEY.pem
        Also requires the payload to be an in-toto Statement v1 (payload type
        application/vnd.in-toto+json; `_type`, `subject` with digests, `predicateType`), parsed here
        with the json module, and prints its predicate type and subject digests.

    dsse_check.py sign --key PRIV.pem --type TYPE [--keyid sslib|vmtrust|none] PAYLOAD > envelope.json
        Signs PAYLOAD (a file, or - for standard input) with securesystemslib's CryptoSigner and
        prints securesystemslib's JSON envelope (Envelope.to_dict). The keyid is securesystemslib's
        own (SHA-256 of the canonical JSON of the key) unless --keyid says otherwise.

    dsse_check.py keyids KEY.pem
        Prints the key's vmtrust keyid and securesystemslib's default keyid.

Exit 2 on a usage or input error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

try:
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_private_key,
        load_pem_public_key,
    )
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import CryptoSigner, SSlibKey
except ImportError as error:  # pragma: no cover - reported to the caller
    print(f"dsse_check: securesystemslib is not installed ({error}); python3 -m pip install securesystemslib", file=sys.stderr)
    sys.exit(2)


class UsageError(Exception):
    """An input error (exit 2)."""


def load_key(path: str):
    """(private key or None, public key) from a PEM file: PKCS#8 private or SPKI public."""
    try:
        with open(path, "rb") as file:
            pem = file.read()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error}") from error
    try:
        if b"PRIVATE KEY" in pem:
            private = load_pem_private_key(pem, password=None)
            return private, private.public_key()
        return None, load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        raise UsageError(f"{path} is not a PEM key cryptography can load: {error}") from error


def vmtrust_keyid(public_key) -> str:
    """docs/FORMATS.md: lowercase hex SHA-256 of the SubjectPublicKeyInfo DER."""
    spki = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def cmd_verify(args) -> int:
    _, public_key = load_key(args.key)
    keyid = vmtrust_keyid(public_key)
    try:
        with open(args.envelope, "rb") as file:
            data = json.loads(file.read())
        envelope = Envelope.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{args.envelope} is not a DSSE envelope securesystemslib can read: {error}") from error
    key = SSlibKey.from_crypto(public_key, keyid=keyid)
    if keyid not in envelope.signatures:
        hints = ", ".join(envelope.signatures) or "none"
        print(f"FAIL: no signature names keyid {keyid} (SHA-256 of the SPKI DER); keyids in the envelope: {hints}")
        return 1
    try:
        envelope.verify([key], 1)
    except VerificationError as error:
        print(f"FAIL: securesystemslib rejects the envelope: {error}")
        return 1
    print(
        f"ok: securesystemslib verified {key.keytype}/{key.scheme} signature by {keyid} over "
        f"{len(envelope.payload)}-byte payload of type {envelope.payload_type}"
    )
    if args.intoto:
        return check_intoto(envelope)
    return 0


def check_intoto(envelope) -> int:
    """The payload is an in-toto Statement v1 (spec/v1/statement.md)."""
    if envelope.payload_type != "application/vnd.in-toto+json":
        print(f"FAIL: payload type {envelope.payload_type} is not application/vnd.in-toto+json")
        return 1
    try:
        statement = json.loads(envelope.payload)
    except ValueError as error:
        print(f"FAIL: the payload is not JSON: {error}")
        return 1
    subjects = statement.get("subject") if isinstance(statement, dict) else None
    if (
        statement.get("_type") != "https://in-toto.io/Statement/v1"
        or not isinstance(subjects, list)
        or not subjects
        or not all(isinstance(s, dict) and isinstance(s.get("digest"), dict) and s["digest"] for s in subjects)
        or not isinstance(statement.get("predicateType"), str)
        or not isinstance(statement.get("predicate", {}), dict)
    ):
        print("FAIL: the payload is not an in-toto Statement v1")
        return 1
    digests = ", ".join(f"{alg}:{value}" for s in subjects for alg, value in sorted(s["digest"].items()))
    print(f"in-toto Statement v1: predicateType {statement['predicateType']}; subject {digests}")
    return 0


def cmd_sign(args) -> int:
    private_key, public_key = load_key(args.key)
    if private_key is None:
        raise UsageError(f"{args.key} is not a private key")
    try:
        if args.payload == "-":
            payload = sys.stdin.buffer.read()
        else:
            with open(args.payload, "rb") as file:
                payload = file.read()
    except OSError as error:
        raise UsageError(f"cannot read {args.payload}: {error}") from error
    key = SSlibKey.from_crypto(public_key)  # securesystemslib's default keyid
    if args.keyid == "vmtrust":
        key = SSlibKey.from_crypto(public_key, keyid=vmtrust_keyid(public_key))
    try:
        signer = CryptoSigner(private_key, key)
    except ValueError as error:
        raise UsageError(f"securesystemslib cannot sign with {args.key}: {error}") from error
    envelope = Envelope(payload, args.type, {})
    envelope.sign(signer)
    out = envelope.to_dict()
    if args.keyid == "none":
        for signature in out["signatures"]:
            del signature["keyid"]
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


def cmd_keyids(args) -> int:
    _, public_key = load_key(args.key)
    print(f"vmtrust: {vmtrust_keyid(public_key)}")
    print(f"sslib:   {SSlibKey.from_crypto(public_key).keyid}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify a vmtrust envelope with securesystemslib")
    verify.add_argument("--intoto", action="store_true", help="also require an in-toto Statement v1 payload")
    verify.add_argument("envelope")
    verify.add_argument("key")
    verify.set_defaults(run=cmd_verify)
    sign = commands.add_parser("sign", help="sign a payload with securesystemslib")
    sign.add_argument("--key", required=True)
    sign.add_argument("--type", required=True)
    sign.add_argument("--keyid", choices=["sslib", "vmtrust", "none"], default="sslib")
    sign.add_argument("payload")
    sign.set_defaults(run=cmd_sign)
    keyids = commands.add_parser("keyids", help="print vmtrust's and securesystemslib's keyid of a key")
    keyids.add_argument("key")
    keyids.set_defaults(run=cmd_keyids)
    args = parser.parse_args()
    try:
        return args.run(args)
    except UsageError as error:
        print(f"dsse_check: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
