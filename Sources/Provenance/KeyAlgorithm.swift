/// The signature algorithms vmtrust keys may use.
public enum KeyAlgorithm: String, Sendable, Codable, CaseIterable {
    /// Ed25519 (RFC 8032), pure EdDSA over the message.
    case ed25519
    /// ECDSA over NIST P-256 with SHA-256.
    case p256
}
