import Crypto

/// A record id: `sha256:<hex>` of the DSSE payload bytes.
public struct RecordID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The 32 digest bytes.
    public let digest: [UInt8]

    /// The record id of a payload.
    public init(payload: some Collection<UInt8>) {
        self.digest = Array(SHA256.hash(data: Array(payload)))
    }

    /// Wraps 32 digest bytes; `nil` for any other length.
    public init?(digest: some Collection<UInt8>) {
        guard digest.count == 32 else { return nil }
        self.digest = Array(digest)
    }

    /// Parses `sha256:<64 lowercase hex>`.
    public init?(_ string: String) {
        guard string.hasPrefix("sha256:") else { return nil }
        let hex = string.dropFirst(7)
        guard hex.count == 64, let bytes = [UInt8](lowercaseHex: hex) else { return nil }
        self.digest = bytes
    }

    /// `sha256:<hex>`.
    public var description: String { "sha256:" + digest.lowercaseHex }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { lhs.digest.lexicographicallyPrecedes(rhs.digest) }

    /// Hashes the digest bytes in one call (the synthesized hash combines them one by one, which dominated
    /// dictionary work keyed by record ids).
    public func hash(into hasher: inout Hasher) {
        digest.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (lhs: RecordID, rhs: RecordID) -> Bool { lhs.digest == rhs.digest }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let id = RecordID(string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a record id: \(string)")
            )
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Sequence<UInt8> {
    /// Lowercase hexadecimal.
    package var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Parses lowercase hexadecimal; `nil` on any other character or an odd length.
    package init?(lowercaseHex hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = value(utf8[i]), let low = value(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        self = out
    }
}
