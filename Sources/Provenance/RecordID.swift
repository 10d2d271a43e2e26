import Crypto

/// A record id: `sha256:<hex>` of the DSSE payload bytes.
///
/// The 32 digest bytes are held inline as four big-endian words: a record id has no heap storage, so copying one
/// (documents and events hold many) costs no reference counting, and hashing and comparing it touch four words.
public struct RecordID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    @usableFromInline let w0: UInt64
    @usableFromInline let w1: UInt64
    @usableFromInline let w2: UInt64
    @usableFromInline let w3: UInt64

    /// The 32 digest bytes.
    public var digest: [UInt8] { withUnsafeDigestBytes { Array($0) } }

    /// The first 8 digest bytes as a big-endian integer: uniformly distributed (a SHA-256 digest), for hash tables
    /// that mix a seed into these bits instead of hashing all 32 bytes.
    public var leadingBits: UInt64 { w0 }

    /// Calls `body` with the 32 digest bytes.
    @inlinable
    public func withUnsafeDigestBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try withUnsafeBytes(of: words) { try body($0) }
    }

    /// From exactly 32 bytes.
    private init(bytes: UnsafeRawBufferPointer) {
        w0 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// The record id of a payload.
    public init(payload: some Collection<UInt8>) {
        let hash =
            payload.withContiguousStorageIfAvailable { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
            ?? SHA256.hash(data: Array(payload))
        self = hash.withUnsafeBytes { RecordID(bytes: $0) }
    }

    /// Wraps 32 digest bytes; `nil` for any other length.
    public init?(digest: some Collection<UInt8>) {
        guard digest.count == 32 else { return nil }
        self = Array(digest).withUnsafeBytes { RecordID(bytes: $0) }
    }

    /// Parses `sha256:<64 lowercase hex>`.
    public init?(_ string: String) {
        var string = string
        let parsed = string.withUTF8 { utf8 -> RecordID? in
            guard utf8.count == 71, utf8.starts(with: "sha256:".utf8) else { return nil }
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            return withUnsafeMutableBytes(of: &words) { out -> RecordID? in
                for index in 0..<32 {
                    guard let high = Self.hexValue(utf8[7 + 2 * index]), let low = Self.hexValue(utf8[8 + 2 * index]) else {
                        return nil
                    }
                    out[index] = high << 4 | low
                }
                return RecordID(bytes: UnsafeRawBufferPointer(out))
            }
        }
        guard let parsed else { return nil }
        self = parsed
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// `sha256:<hex>`.
    public var description: String { description(after: "") }

    /// `prefix` followed by ``description``, written in place (one allocation; keys such as `issue/sha256:<hex>`).
    public func description(after prefix: StaticString) -> String {
        withUnsafeDigestBytes { bytes in
            let start = prefix.utf8CodeUnitCount
            return String(unsafeUninitializedCapacity: start + 71) { out in
                // Unchecked writes: the capacity is exactly the prefix, the scheme and two digits per byte.
                let base = out.baseAddress.unsafelyUnwrapped
                let scheme: StaticString = "sha256:"
                base.update(from: prefix.utf8Start, count: start)
                (base + start).update(from: scheme.utf8Start, count: 7)
                var digit = base + start + 7
                for byte in bytes {
                    digit[0] = Self.hexDigit(byte >> 4)
                    digit[1] = Self.hexDigit(byte & 0x0f)
                    digit += 2
                }
                return start + 71
            }
        }
    }

    /// The lowercase hexadecimal digit of `nibble` (0–15).
    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble &+ UInt8(ascii: "0") : nibble &+ (UInt8(ascii: "a") &- 10)
    }

    /// Byte-wise (lexicographic) order of the digests.
    public static func < (lhs: RecordID, rhs: RecordID) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(w0)
        hasher.combine(w1)
        hasher.combine(w2)
        hasher.combine(w3)
    }

    public static func == (lhs: RecordID, rhs: RecordID) -> Bool {
        lhs.w0 == rhs.w0 && lhs.w1 == rhs.w1 && lhs.w2 == rhs.w2 && lhs.w3 == rhs.w3
    }

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
