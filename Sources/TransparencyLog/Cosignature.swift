import Crypto

/// Verifies timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, `cosignature/v1`,
/// signature type `0x04`).
///
/// - Key ID: `SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4]`.
/// - Verifier key string: `<name>+<hex key ID>+<base64(0x04 || public key)>`.
/// - Signature bytes (after the key ID): `u64 big-endian timestamp || 64-byte Ed25519 signature`.
/// - Signed message: `"cosignature/v1\ntime <timestamp>\n"` followed by the whole checkpoint body, extension
///   lines included. The note text must be a well-formed ``Checkpoint`` and the timestamp at most 2^63 - 1.
///
/// Rejecting timestamps in the future is left to the caller (pure code has no clock): use
/// ``verifiedTimestamp(message:signature:)`` or ``verifiedTimestamp(in:)``.
public struct CosignatureVerifier: NoteVerifier {
    private let material: Ed25519NoteKey

    /// The key name.
    public var name: String { material.name }
    /// The key ID.
    public var keyID: UInt32 { material.keyID }
    /// The raw 32-byte Ed25519 public key.
    public var publicKey: [UInt8] { material.publicKey }
    private var key: Curve25519.Signing.PublicKey { material.key }

    /// Parses a verifier key; the key ID must match the key, the type byte must be `0x04`.
    public init(vkey: String) throws(NoteError) {
        material = try Ed25519NoteKey(vkey: vkey, type: NoteKeys.typeCosignatureV1, typeName: "an Ed25519 cosignature key")
    }

    /// Creates a verifier from a name and a raw 32-byte Ed25519 public key.
    public init(name: String, publicKey: [UInt8]) throws(NoteError) {
        material = try Ed25519NoteKey(name: name, publicKey: publicKey, type: NoteKeys.typeCosignatureV1)
    }

    /// The verifier key string.
    public var vkey: String { material.vkey }

    /// Whether `signature` is a valid cosignature of the checkpoint body `message`.
    public func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        verifiedTimestamp(message: message, signature: signature) != nil
    }

    /// The timestamp (POSIX seconds) of a valid cosignature over the checkpoint body `message`, or `nil` if the
    /// cosignature does not verify.
    public func verifiedTimestamp(message: [UInt8], signature: [UInt8]) -> UInt64? {
        guard signature.count == 72,
            let timestamp = CosignatureVerifier.timestamp(ofSignatureBytes: signature),
            let signed = try? CosignatureVerifier.signedMessage(
                checkpointBody: message,
                timestamp: timestamp
            )
        else { return nil }
        return key.isValidSignature(signature[8...], for: signed) ? timestamp : nil
    }

    /// The timestamp of this cosigner's valid cosignature on `note`, or `nil` if it has none that verifies.
    public func verifiedTimestamp(in note: Note) -> UInt64? {
        let message = Array(note.text.utf8)
        for signature in note.signatures where signature.name == name && signature.keyID == keyID {
            if let timestamp = verifiedTimestamp(message: message, signature: signature.signature) {
                return timestamp
            }
        }
        return nil
    }

    /// The (unverified) timestamp carried by a cosignature line, or `nil` if it is not 8 + 64 bytes or the
    /// timestamp exceeds 2^63 - 1.
    public static func timestamp(of signature: NoteSignature) -> UInt64? {
        signature.signature.count == 72 ? timestamp(ofSignatureBytes: signature.signature) : nil
    }

    private static func timestamp(ofSignatureBytes bytes: [UInt8]) -> UInt64? {
        guard bytes.count >= 8 else { return nil }
        let value = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return value <= UInt64(Int64.max) ? value : nil
    }

    /// The message an Ed25519 cosigner signs: `"cosignature/v1\ntime <t>\n" || checkpoint body`.
    ///
    /// Throws ``NoteError/Code-swift.struct/malformedCheckpoint`` if the body is not a well-formed checkpoint
    /// and ``NoteError/Code-swift.struct/malformedNote`` if the timestamp exceeds 2^63 - 1.
    public static func signedMessage(
        checkpointBody: [UInt8],
        timestamp: UInt64
    ) throws(NoteError)
        -> [UInt8]
    {
        guard timestamp <= UInt64(Int64.max) else {
            throw .malformedNote("cosignature timestamp exceeds 2^63 - 1")
        }
        guard let text = String(validating: checkpointBody, as: UTF8.self) else {
            throw .malformedCheckpoint("checkpoint is not valid UTF-8")
        }
        _ = try Checkpoint(parsing: text)
        return Array("cosignature/v1\ntime \(timestamp)\n".utf8) + checkpointBody
    }
}

/// Produces timestamped Ed25519 cosignatures (`cosignature/v1`, type `0x04`) on checkpoints.
///
/// The timestamp is passed in (pure code reads no clock); create one signer per cosigning moment.
public struct CosignatureSigner: NoteSigner {
    /// The cosigner (witness) name.
    public let name: String
    /// The key ID (type `0x04`).
    public let keyID: UInt32
    /// The POSIX timestamp put into the cosignatures.
    public let timestamp: UInt64
    private let key: Curve25519.Signing.PrivateKey

    /// Creates a signer from a name, a 32-byte Ed25519 seed and the cosigning time (at most 2^63 - 1).
    public init(name: String, seed: [UInt8], timestamp: UInt64) throws(NoteError) {
        try NoteKeys.checkName(name)
        guard seed.count == 32 else { throw .malformedKey("Ed25519 seed must be 32 bytes") }
        guard timestamp <= UInt64(Int64.max) else {
            throw .malformedNote("cosignature timestamp exceeds 2^63 - 1")
        }
        do {
            self.key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        } catch {
            throw .malformedKey("invalid Ed25519 seed")
        }
        self.name = name
        self.timestamp = timestamp
        self.keyID = NoteKeys.keyID(
            name: name,
            typeAndKey: [NoteKeys.typeCosignatureV1] + Array(key.publicKey.rawRepresentation)
        )
    }

    /// The matching verifier.
    public var verifier: CosignatureVerifier {
        // The public key of a valid private key is a valid public key.
        try! CosignatureVerifier(name: name, publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// The verifier key string (type `0x04`).
    public var vkey: String { verifier.vkey }

    /// Cosigns a checkpoint body: returns `timestamp || Ed25519 signature`.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        let signed = try CosignatureVerifier.signedMessage(
            checkpointBody: message,
            timestamp: timestamp
        )
        let bigEndian = (0..<8).reversed().map {
            UInt8(truncatingIfNeeded: timestamp >> (UInt64($0) * 8))
        }
        return bigEndian + Array(try key.signature(for: signed))
    }
}
