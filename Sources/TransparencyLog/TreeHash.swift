/// A 32-byte SHA-256 hash in the tree.
public struct TreeHash: Hashable, Sendable, CustomStringConvertible {
    /// The length of every tree hash in bytes.
    public static let byteCount = 32

    /// The hash bytes; always exactly ``byteCount`` long.
    public let bytes: [UInt8]

    /// Wraps `bytes` without checking the length; callers guarantee 32 bytes.
    init(unchecked bytes: [UInt8]) {
        assert(bytes.count == TreeHash.byteCount)
        self.bytes = bytes
    }

    /// Creates a hash from exactly 32 bytes; returns `nil` for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == TreeHash.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses 64 hexadecimal characters (either case); returns `nil` for anything else.
    public init?(hex: String) {
        let utf8 = hex.utf8
        guard utf8.count == 2 * TreeHash.byteCount else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(TreeHash.byteCount)
        var high: UInt8?
        for char in utf8 {
            guard let nibble = TreeHash.hexValue(char) else { return nil }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        self.bytes = out
    }

    /// Parses standard, padded base64 (RFC 4648 section 4) that decodes to exactly 32 bytes.
    ///
    /// Non-canonical encodings (missing padding, non-zero trailing bits, whitespace) are rejected.
    public init?(base64: String) {
        guard let decoded = StrictBase64.decode(base64), decoded.count == TreeHash.byteCount else { return nil }
        self.bytes = decoded
    }

    /// The lowercase hexadecimal encoding (64 characters).
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 * bytes.count)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The standard, padded base64 encoding (44 characters).
    public var base64: String { StrictBase64.encode(bytes) }

    /// The lowercase hexadecimal encoding.
    public var description: String { hex }

    private static func hexValue(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Array where Element == TreeHash {
    /// Converts raw proof hashes (for example from JSON or a database) into tree hashes,
    /// rejecting any element that is not exactly 32 bytes.
    public init(proofBytes: some Sequence<some Collection<UInt8>>) throws(MerkleError) {
        var out: [TreeHash] = []
        for (position, raw) in proofBytes.enumerated() {
            guard let hash = TreeHash(bytes: raw) else {
                throw .invalidHash("proof hash \(position) is \(raw.count) bytes, expected \(TreeHash.byteCount)")
            }
            out.append(hash)
        }
        self = out
    }
}

/// Strict standard base64 (RFC 4648 section 4, with padding): decoding accepts only the
/// canonical encoding, so every byte string has exactly one accepted text form.
enum StrictBase64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8
    )

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 {
                out.append(alphabet[Int((b1 & 0x0f) << 2 | (b2 ?? 0) >> 6)])
            } else {
                out.append(UInt8(ascii: "="))
            }
            if let b2 {
                out.append(alphabet[Int(b2 & 0x3f)])
            } else {
                out.append(UInt8(ascii: "="))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        var position = 0
        while position < chars.count {
            let isLast = position + 4 == chars.count
            guard let v0 = value(chars[position]), let v1 = value(chars[position + 1]) else { return nil }
            out.append(v0 << 2 | v1 >> 4)
            let c2 = chars[position + 2]
            let c3 = chars[position + 3]
            if c2 == UInt8(ascii: "=") {
                // "xx==": one byte; the low 4 bits of v1 must be zero.
                guard isLast, c3 == UInt8(ascii: "="), v1 & 0x0f == 0 else { return nil }
            } else {
                guard let v2 = value(c2) else { return nil }
                out.append(v1 << 4 | v2 >> 2)
                if c3 == UInt8(ascii: "=") {
                    // "xxx=": two bytes; the low 2 bits of v2 must be zero.
                    guard isLast, v2 & 0x03 == 0 else { return nil }
                } else {
                    guard let v3 = value(c3) else { return nil }
                    out.append(v2 << 6 | v3)
                }
            }
            position += 4
        }
        return out
    }

    private static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): char - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): char - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
