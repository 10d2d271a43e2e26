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
        guard let decoded = Base64.decode(base64), decoded.count == TreeHash.byteCount else { return nil }
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
    public var base64: String { Base64.encode(bytes) }

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
