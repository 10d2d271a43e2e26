import Crypto

/// Shared helpers for signed-note key strings (vkeys and skeys), names and key IDs.
enum NoteKeys {
    /// Signature type identifier bytes assigned by c2sp.org/signed-note.
    static let typeEd25519: UInt8 = 0x01
    static let typeECDSA: UInt8 = 0x02
    static let typeCosignatureV1: UInt8 = 0x04

    /// A key name must be non-empty and contain no Unicode white space and no `+`.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "+" }
    }

    /// Throws ``NoteError/Code-swift.struct/invalidName`` unless `name` is valid.
    static func checkName(_ name: String) throws(NoteError) {
        guard isValidName(name) else {
            throw .invalidName(
                "key name must be non-empty without spaces or '+': \(name.debugDescription)"
            )
        }
    }

    /// First four bytes, big-endian, of SHA-256(name || "\n" || key), where `key` starts with the type byte.
    static func keyID(name: String, typeAndKey: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A] + typeAndKey)
        return firstFourBytes(Array(hasher.finalize()))
    }

    /// The first four bytes of a digest as a big-endian integer.
    static func firstFourBytes(_ digest: [UInt8]) -> UInt32 {
        UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }

    /// Eight lowercase hex digits.
    static func hex(_ keyID: UInt32) -> String {
        let digits = String(keyID, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// A parsed `<name>+<hex key ID>+<base64(type || key)>` string.
    struct Parsed {
        var name: String
        var keyID: UInt32
        var type: UInt8
        var key: [UInt8]
    }

    /// Splits and decodes a vkey (or the part of an skey after `PRIVATE+KEY+`).
    static func parse(_ string: Substring, what: String) throws(NoteError) -> Parsed {
        let parts = string.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedKey("\(what) must be <name>+<key id>+<key>") }
        let name = String(parts[0])
        try checkName(name)
        let hex = parts[1]
        guard hex.utf8.count == 8, hex.utf8.allSatisfy({ isHexDigit($0) }),
            let keyID = UInt32(hex, radix: 16)
        else {
            throw .malformedKey("\(what) key ID must be 8 hex digits")
        }
        guard let raw = Base64.decode(parts[2]), let type = raw.first else {
            throw .malformedKey("\(what) key is not valid base64")
        }
        return Parsed(name: name, keyID: keyID, type: type, key: Array(raw.dropFirst()))
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    /// `<name>+<hex key ID>+<base64(type || key)>`.
    static func format(name: String, keyID: UInt32, typeAndKey: [UInt8]) -> String {
        "\(name)+\(hex(keyID))+\(Base64.encode(typeAndKey))"
    }
}
