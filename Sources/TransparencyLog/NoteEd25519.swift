import Crypto

/// Verifies Ed25519 note signatures (signature type `0x01`, c2sp.org/signed-note).
///
/// Key ID: `SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]`.
/// Verifier key string: `<name>+<8 hex digits key ID>+<base64(0x01 || public key)>`.
public struct Ed25519NoteVerifier: NoteVerifier {
    private let material: Ed25519NoteKey

    /// The key name.
    public var name: String { material.name }
    /// The key ID.
    public var keyID: UInt32 { material.keyID }
    /// The raw 32-byte Ed25519 public key.
    public var publicKey: [UInt8] { material.publicKey }
    private var key: Curve25519.Signing.PublicKey { material.key }

    /// Parses a verifier key; the key ID must match the key, the type byte must be `0x01`.
    public init(vkey: String) throws(NoteError) {
        material = try Ed25519NoteKey(vkey: vkey, type: NoteKeys.typeEd25519, typeName: "Ed25519")
    }

    /// Creates a verifier from a name and a raw 32-byte Ed25519 public key.
    public init(name: String, publicKey: [UInt8]) throws(NoteError) {
        material = try Ed25519NoteKey(name: name, publicKey: publicKey, type: NoteKeys.typeEd25519)
    }

    /// The verifier key string.
    public var vkey: String { material.vkey }

    /// Verifies a 64-byte Ed25519 signature over the message.
    public func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        signature.count == 64 && key.isValidSignature(signature, for: message)
    }
}

/// Signs notes with Ed25519 (signature type `0x01`).
///
/// Signer key string (golang.org/x/mod/sumdb/note): `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`,
/// where the key ID is that of the corresponding public key. Ed25519 signing is deterministic (RFC 8032) with
/// swift-crypto's BoringSSL backend (Linux); Apple's CryptoKit randomizes signatures.
public struct Ed25519NoteSigner: NoteSigner {
    /// The key name.
    public let name: String
    /// The key ID.
    public let keyID: UInt32
    private let seed: [UInt8]
    private let key: Curve25519.Signing.PrivateKey

    /// Parses a signer key; its key ID must match the derived public key.
    public init(skey: String) throws(NoteError) {
        guard skey.hasPrefix("PRIVATE+KEY+") else {
            throw .malformedKey("signer key must start with PRIVATE+KEY+")
        }
        let parsed = try NoteKeys.parse(skey.dropFirst("PRIVATE+KEY+".count), what: "signer key")
        guard parsed.type == NoteKeys.typeEd25519 else {
            throw .unknownAlgorithm(
                "signer key type 0x\(String(parsed.type, radix: 16)) is not Ed25519 (0x01)"
            )
        }
        try self.init(name: parsed.name, seed: parsed.key)
        guard keyID == parsed.keyID else {
            throw .keyIDMismatch("signer key ID \(NoteKeys.hex(parsed.keyID)) does not match the key")
        }
    }

    /// Creates a signer from a name and a 32-byte Ed25519 private key seed (RFC 8032).
    public init(name: String, seed: [UInt8]) throws(NoteError) {
        try NoteKeys.checkName(name)
        guard seed.count == 32 else { throw .malformedKey("Ed25519 seed must be 32 bytes") }
        do {
            self.key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        } catch {
            throw .malformedKey("invalid Ed25519 seed")
        }
        self.name = name
        self.seed = seed
        self.keyID = NoteKeys.keyID(
            name: name,
            typeAndKey: [NoteKeys.typeEd25519] + Array(key.publicKey.rawRepresentation)
        )
    }

    /// Generates a new key from the system random number generator.
    public static func generate(
        name: String
    ) -> (
        signer: Ed25519NoteSigner, skey: String, vkey: String
    ) {
        precondition(NoteKeys.isValidName(name), "invalid note key name \(name.debugDescription)")
        let seed = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
        // A fresh 32-byte seed and a valid name cannot be rejected.
        let signer = try! Ed25519NoteSigner(name: name, seed: seed)
        return (signer, signer.skey, signer.vkey)
    }

    /// The signer key string (secret).
    public var skey: String {
        "PRIVATE+KEY+"
            + NoteKeys.format(name: name, keyID: keyID, typeAndKey: [NoteKeys.typeEd25519] + seed)
    }

    /// The verifier key string of the public key.
    public var vkey: String { verifier.vkey }

    /// The matching verifier.
    public var verifier: Ed25519NoteVerifier {
        // The public key of a valid private key is a valid public key.
        try! Ed25519NoteVerifier(name: name, publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// Signs the message with Ed25519.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: message))
    }
}
