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
        decodeLenient(utf8: Array(string.utf8)[...])
    }

    /// ``decodeLenient(_:)`` of the text whose UTF-8 bytes are `bytes`.
    public static func decodeLenient(utf8 bytes: ArraySlice<UInt8>) -> [UInt8]? {
        if let decoded = decode(bytes, urlSafe: false, paddingRequired: false) {
            return decoded
        }
        return decode(bytes, urlSafe: true, paddingRequired: false)
    }

    /// Sextet values of the standard (`+`, `/`) and URL-safe (`-`, `_`) alphabets; 0xFF marks other bytes.
    private static let standardValues: [UInt8] = values(urlSafe: false)
    private static let urlSafeValues: [UInt8] = values(urlSafe: true)

    private static func values(urlSafe: Bool) -> [UInt8] {
        (0..<256).map { value(of: UInt8($0), urlSafe: urlSafe) ?? 0xFF }
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
        decode(input[...], urlSafe: urlSafe, paddingRequired: paddingRequired)
    }

    private static func decode(_ input: ArraySlice<UInt8>, urlSafe: Bool, paddingRequired: Bool) -> [UInt8]? {
        var symbols = input
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

        let table = urlSafe ? urlSafeValues : standardValues
        let whole = symbols.count / 4
        let tail = symbols.count % 4
        let outputCount = whole * 3 + (tail == 0 ? 0 : tail - 1)
        var invalid = false
        var leftover: UInt32 = 0
        let out = [UInt8](unsafeUninitializedCapacity: outputCount) { buffer, initialized in
            table.withUnsafeBufferPointer { table in
                symbols.withUnsafeBufferPointer { input in
                    // Four symbols make three bytes; a 0xFF sextet (not in the alphabet) sets bit 7 of `check`.
                    var check: UInt8 = 0
                    var o = 0
                    var i = 0
                    for _ in 0..<whole {
                        let a = table[Int(input[i])]
                        let b = table[Int(input[i + 1])]
                        let c = table[Int(input[i + 2])]
                        let d = table[Int(input[i + 3])]
                        check |= a | b | c | d
                        let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                        buffer[o] = UInt8(truncatingIfNeeded: word >> 16)
                        buffer[o + 1] = UInt8(truncatingIfNeeded: word >> 8)
                        buffer[o + 2] = UInt8(truncatingIfNeeded: word)
                        o += 3
                        i += 4
                    }
                    // The last two or three symbols: one or two bytes, and low bits that must be zero.
                    if tail > 0 {
                        var word: UInt32 = 0
                        for k in 0..<tail {
                            let sextet = table[Int(input[i + k])]
                            check |= sextet
                            word = word << 6 | UInt32(sextet & 0x3F)
                        }
                        let bits = UInt32(tail * 6)
                        let bytes = tail - 1
                        let spare = bits - UInt32(bytes * 8)
                        leftover = word & ((1 << spare) - 1)
                        word >>= spare
                        for k in 0..<bytes {
                            buffer[o + k] = UInt8(truncatingIfNeeded: word >> UInt32((bytes - 1 - k) * 8))
                        }
                        o += bytes
                    }
                    invalid = check & 0x80 != 0
                    initialized = o
                }
            }
        }
        // Canonical encoding: the leftover low bits must be zero.
        guard !invalid, leftover == 0 else { return nil }
        return out
    }
}
