import Crypto

/// The name of a blob: `sha256:` followed by the 64 lowercase hex digits of the SHA-256 of
/// its content.
///
/// Parsing is strict: no upper case, no whitespace, no other algorithm, exactly 64 digits.
/// The text form is the only form, so two equal digests always name the same file.
public struct BlobDigest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The algorithm prefix, with its colon.
    public static let prefix = "sha256:"

    /// The 64 lowercase hex digits.
    public let hex: String

    /// Parses `sha256:<64 lowercase hex digits>`.
    public init(_ text: String) throws(BlobStoreError) {
        guard text.hasPrefix(Self.prefix) else {
            throw .invalidDigest("\(Self.quoted(text)) does not start with \(Self.prefix)")
        }
        let hex = text.utf8.dropFirst(Self.prefix.utf8.count)
        guard hex.count == 64 else {
            throw .invalidDigest("\(Self.quoted(text)) must have 64 hex digits after \(Self.prefix), not \(hex.count)")
        }
        guard hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .invalidDigest("\(Self.quoted(text)) must use only the lowercase hex digits 0-9 and a-f")
        }
        self.hex = String(decoding: hex, as: UTF8.self)
    }

    /// The digest of a finished SHA-256.
    public init(_ digest: SHA256.Digest) {
        self.hex = Self.hexString(digest)
    }

    /// The digest of `bytes`.
    public init(hashing bytes: some Sequence<UInt8>) {
        self.init(SHA256.hash(data: Array(bytes)))
    }

    /// The 32 digest bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            out.append(Self.nibble(high) << 4 | Self.nibble(low))
        }
        return out
    }

    /// `sha256:<hex>`.
    public var description: String { Self.prefix + hex }

    public static func < (lhs: BlobDigest, rhs: BlobDigest) -> Bool { lhs.hex < rhs.hex }

    /// Decodes from the text form, strictly.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(try container.decode(String.self))
    }

    /// Encodes as the text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func hexString(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ digit: UInt8) -> UInt8 { digit <= 0x39 ? digit - 0x30 : digit - 0x61 + 10 }

    private static func quoted(_ text: String) -> String {
        let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return "\"\(shown.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "?" }.joined())\""
    }
}
