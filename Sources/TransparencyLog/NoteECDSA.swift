import Crypto

/// Verifies ECDSA P-256 / SHA-256 note signatures (signature type `0x02`, c2sp.org/signed-note, as
/// implemented by github.com/transparency-dev/formats and the Sigstore Rekor log).
///
/// - Key ID: the first four bytes of SHA-256 of the public key's SubjectPublicKeyInfo DER (the key name is
///   NOT hashed, unlike Ed25519).
/// - Verifier key string: `<name>+<8 hex digits key ID>+<base64(0x02 || SPKI DER)>`.
/// - Signatures: the reference implementation (Go `ecdsa.VerifyASN1`) uses ASN.1 DER `ECDSA-Sig-Value`;
///   this verifier also accepts the 64-byte raw `r || s` form. Only P-256 is supported (the spec allows
///   P-384 and P-521 but recommends P-256); the SPKI must be the canonical uncompressed-point encoding.
public struct ECDSANoteVerifier: NoteVerifier {
    /// The key name.
    public let name: String
    /// The key ID.
    public let keyID: UInt32
    /// The SubjectPublicKeyInfo DER of the P-256 public key.
    public let spkiDER: [UInt8]
    private let key: P256.Signing.PublicKey

    /// Parses a verifier key; the type byte must be `0x02` and the key ID must match the SPKI.
    public init(vkey: String) throws(NoteError) {
        let parsed = try NoteKeys.parse(vkey[...], what: "verifier key")
        guard parsed.type == NoteKeys.typeECDSA else {
            throw .unknownAlgorithm(
                "verifier key type 0x\(String(parsed.type, radix: 16)) is not ECDSA (0x02)"
            )
        }
        try self.init(name: parsed.name, spkiDER: parsed.key)
        guard keyID == parsed.keyID else {
            throw .keyIDMismatch("verifier key ID \(NoteKeys.hex(parsed.keyID)) does not match the key")
        }
    }

    /// Creates a verifier from a name and the DER SubjectPublicKeyInfo of a P-256 key.
    public init(name: String, spkiDER: [UInt8]) throws(NoteError) {
        try NoteKeys.checkName(name)
        let key: P256.Signing.PublicKey
        do {
            key = try P256.Signing.PublicKey(derRepresentation: spkiDER)
        } catch {
            throw .malformedKey("not a P-256 SubjectPublicKeyInfo")
        }
        guard Array(key.derRepresentation) == spkiDER else {
            throw .malformedKey("P-256 SubjectPublicKeyInfo is not in canonical uncompressed form")
        }
        self.name = name
        self.spkiDER = spkiDER
        self.key = key
        self.keyID = NoteKeys.firstFourBytes(Array(SHA256.hash(data: spkiDER)))
    }

    /// The verifier key string.
    public var vkey: String {
        NoteKeys.format(name: name, keyID: keyID, typeAndKey: [NoteKeys.typeECDSA] + spkiDER)
    }

    /// Verifies a DER (or raw `r || s`) ECDSA signature over SHA-256 of the message.
    public func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        if let der = try? P256.Signing.ECDSASignature(derRepresentation: signature),
            key.isValidSignature(der, for: message)
        {
            return true
        }
        if signature.count == 64,
            let raw = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
        {
            return key.isValidSignature(raw, for: message)
        }
        return false
    }
}

/// Signs notes with ECDSA P-256 / SHA-256 (signature type `0x02`), producing DER signatures.
///
/// There is no standard signer key string for this type; keys are handled as raw 32-byte scalars.
public struct ECDSANoteSigner: NoteSigner {
    /// The key name.
    public let name: String
    /// The key ID (first four bytes of SHA-256 of the SPKI DER).
    public let keyID: UInt32
    private let key: P256.Signing.PrivateKey

    /// Creates a signer from a name and a raw 32-byte P-256 private scalar.
    public init(name: String, privateKey: [UInt8]) throws(NoteError) {
        try NoteKeys.checkName(name)
        do {
            self.key = try P256.Signing.PrivateKey(rawRepresentation: privateKey)
        } catch {
            throw .malformedKey("invalid P-256 private key")
        }
        self.name = name
        self.keyID = NoteKeys.firstFourBytes(Array(SHA256.hash(data: key.publicKey.derRepresentation)))
    }

    /// Generates a new key from the system random number generator.
    public static func generate(name: String) -> (signer: ECDSANoteSigner, vkey: String) {
        precondition(NoteKeys.isValidName(name), "invalid note key name \(name.debugDescription)")
        // A freshly generated scalar and a valid name cannot be rejected.
        let signer = try! ECDSANoteSigner(
            name: name,
            privateKey: Array(P256.Signing.PrivateKey().rawRepresentation)
        )
        return (signer, signer.vkey)
    }

    /// The raw 32-byte private scalar (secret).
    public var privateKey: [UInt8] { Array(key.rawRepresentation) }

    /// The verifier key string of the public key.
    public var vkey: String { verifier.vkey }

    /// The matching verifier.
    public var verifier: ECDSANoteVerifier {
        // The canonical SPKI of a valid key is accepted.
        try! ECDSANoteVerifier(name: name, spkiDER: Array(key.publicKey.derRepresentation))
    }

    /// Signs SHA-256 of the message; returns the DER signature.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: message).derRepresentation)
    }
}
