import Crypto

/// The DSSE `keyid`s under which an auditor key is found.
///
/// vmtrust's own keyid is the lowercase hex SHA-256 of the SPKI DER. securesystemslib (and tools built on it,
/// e.g. in-toto) by default write a different keyid: the SHA-256 of the securesystemslib canonical JSON of the
/// key's metadata, `{"keytype":"ed25519","keyval":{"public":"<hex raw key>"},"scheme":"ed25519"}` or
/// `{"keytype":"ecdsa","keyval":{"public":"<SPKI PEM>"},"scheme":"ecdsa-sha2-nistp256"}`. Indexing both lets an
/// attestation signed by such a tool with its default keyid identify its auditor.
public enum KeyIDAliases {
    /// vmtrust's keyid, then securesystemslib's.
    public static func all(_ key: PublicKey) -> [String] {
        [key.keyID, securesystemslib(key)]
    }

    /// securesystemslib's default keyid of `key`.
    public static func securesystemslib(_ key: PublicKey) -> String {
        // securesystemslib's canonical JSON escapes only `"` and `\` (neither occurs in hex or PEM).
        let json: String
        switch key.algorithm {
        case .ed25519:
            let hex = (key.rawEd25519 ?? []).lowercaseHex
            json = #"{"keytype":"ed25519","keyval":{"public":"\#(hex)"},"scheme":"ed25519"}"#
        case .p256:
            json = #"{"keytype":"ecdsa","keyval":{"public":"\#(key.pem)"},"scheme":"ecdsa-sha2-nistp256"}"#
        }
        return Array(SHA256.hash(data: Array(json.utf8))).lowercaseHex
    }
}
