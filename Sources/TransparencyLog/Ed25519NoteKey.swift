import Crypto

/// An Ed25519 public key in a signed-note verifier key of a given signature type: the name,
/// key ID and key shared by ``Ed25519NoteVerifier`` (`0x01`) and ``CosignatureVerifier`` (`0x04`).
struct Ed25519NoteKey: Sendable {
    let name: String
    let keyID: UInt32
    let publicKey: [UInt8]
    let key: Curve25519.Signing.PublicKey
    let type: UInt8

    /// Parses a verifier key whose type byte must be `type`; the key ID must match.
    init(vkey: String, type: UInt8, typeName: String) throws(NoteError) {
        let parsed = try NoteKeys.parse(vkey[...], what: "verifier key")
        guard parsed.type == type else {
            throw .unknownAlgorithm(
                "verifier key type \(Self.byteString(parsed.type)) is not \(typeName) (\(Self.byteString(type)))"
            )
        }
        try self.init(name: parsed.name, publicKey: parsed.key, type: type)
        guard keyID == parsed.keyID else {
            throw .keyIDMismatch("verifier key ID \(NoteKeys.hex(parsed.keyID)) does not match the key")
        }
    }

    /// Creates the key from a name and a raw 32-byte Ed25519 public key.
    init(name: String, publicKey: [UInt8], type: UInt8) throws(NoteError) {
        try NoteKeys.checkName(name)
        guard publicKey.count == 32 else { throw .malformedKey("Ed25519 public key must be 32 bytes") }
        do {
            self.key = try Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        } catch {
            throw .malformedKey("invalid Ed25519 public key")
        }
        self.name = name
        self.publicKey = publicKey
        self.type = type
        self.keyID = NoteKeys.keyID(name: name, typeAndKey: [type] + publicKey)
    }

    static func byteString(_ byte: UInt8) -> String { "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16) }

    /// The verifier key string.
    var vkey: String { NoteKeys.format(name: name, keyID: keyID, typeAndKey: [type] + publicKey) }
}
