/// RFC 4648 base64 without Foundation, with an explicit choice of strictness.
///
/// - ``encode(_:)`` writes the standard alphabet with padding (RFC 4648 section 4).
/// - ``decode(_:)`` is the strict decoder used for signed notes, keys and checkpoints: standard alphabet,
///   mandatory padding, no whitespace, and canonical trailing bits (unused low bits of the last symbol must be
///   zero), so every byte string has exactly one accepted encoding.
/// - ``decodeLenient(_:)`` additionally accepts the URL-safe alphabet (RFC 4648 section 5, not mixed with the
///   standard one) and omitted padding; trailing bits must still be canonical. Used for DSSE envelopes.
public enum Base64 {
    private static let standardAlphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8
    )

    /// Encodes bytes with the standard alphabet and `=` padding.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let value =
                UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(standardAlphabet[Int(value >> 18 & 63)])
            out.append(standardAlphabet[Int(value >> 12 & 63)])
            out.append(standardAlphabet[Int(value >> 6 & 63)])
            out.append(standardAlphabet[Int(value & 63)])
            index += 3
        }
        let remaining = input.count - index
        if remaining == 1 {
            let value = UInt32(input[index]) << 16
            out.append(standardAlphabet[Int(value >> 18 & 63)])
            out.append(standardAlphabet[Int(value >> 12 & 63)])
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        } else if remaining == 2 {
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            out.append(standardAlphabet[Int(value >> 18 & 63)])
            out.append(standardAlphabet[Int(value >> 12 & 63)])
            out.append(standardAlphabet[Int(value >> 6 & 63)])
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strictly decodes standard, padded, canonical base64; returns `nil` for anything else.
    public static func decode(_ string: some StringProtocol) -> [UInt8]? {
        decode(Array(string.utf8), urlSafe: false, paddingRequired: true)
    }

    /// Decodes standard or URL-safe base64 (one alphabet per input), padded or not; returns `nil` when invalid.
    public static func decodeLenient(_ string: some StringProtocol) -> [UInt8]? {
        let bytes = Array(string.utf8)
        if let decoded = decode(bytes, urlSafe: false, paddingRequired: false) {
            return decoded
        }
        return decode(bytes, urlSafe: true, paddingRequired: false)
    }

    private static func value(of symbol: UInt8, urlSafe: Bool) -> UInt8? {
        switch symbol {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return symbol - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return symbol - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return symbol - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where !urlSafe: return 62
        case UInt8(ascii: "/") where !urlSafe: return 63
        case UInt8(ascii: "-") where urlSafe: return 62
        case UInt8(ascii: "_") where urlSafe: return 63
        default: return nil
        }
    }

    private static func decode(_ input: [UInt8], urlSafe: Bool, paddingRequired: Bool) -> [UInt8]? {
        var symbols = input[...]
        // Strip padding: at most two `=`, and only so that the padded length is a multiple of four.
        var padding = 0
        while let last = symbols.last, last == UInt8(ascii: "=") {
            padding += 1
            symbols = symbols.dropLast()
        }
        if padding > 2 { return nil }
        if padding > 0 || paddingRequired {
            guard input.count % 4 == 0 else { return nil }
        }
        let remainder = symbols.count % 4
        if remainder == 1 { return nil }
        if padding > 0 && remainder == 0 { return nil }
        if padding > 0 && padding != 4 - remainder { return nil }

        var out: [UInt8] = []
        out.reserveCapacity(symbols.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            guard let sextet = value(of: symbol, urlSafe: urlSafe) else { return nil }
            accumulator = accumulator << 6 | UInt32(sextet)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Canonical encoding: the leftover low bits must be zero.
        guard accumulator == 0 else { return nil }
        return out
    }
}
