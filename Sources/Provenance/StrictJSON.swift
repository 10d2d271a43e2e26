/// A small strict JSON (RFC 8259) parser used for envelopes, where ambiguity is a security problem.
///
/// Rejects: invalid UTF-8, a byte-order mark, duplicate object keys, unescaped control characters in
/// strings, lone surrogate escapes, leading zeros and other invalid numbers, trailing content after the
/// value, and nesting deeper than ``maximumDepth``.
package enum StrictJSON {
    indirect enum Value: Equatable, Sendable {
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        case number(String)
        case bool(Bool)
        case null

        static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.object(let l), .object(let r)):
                l.count == r.count && zip(l, r).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            case (.array(let l), .array(let r)): l == r
            case (.string(let l), .string(let r)): l == r
            case (.number(let l), .number(let r)): l == r
            case (.bool(let l), .bool(let r)): l == r
            case (.null, .null): true
            default: false
            }
        }

        /// The member named `key` of an object.
        subscript(key: String) -> Value? {
            guard case .object(let members) = self else { return nil }
            return members.first { $0.key == key }?.value
        }
    }

    struct Failure: Error {
        var reason: String
    }

    static let maximumDepth = 64

    static func parse(_ bytes: [UInt8]) throws(Failure) -> Value {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Failure(reason: "trailing content after the JSON value") }
        return value
    }

    /// Checks that `bytes` are one strict JSON value, failing exactly where and why ``parse(_:)`` would, without
    /// building the value (see ``JSONView``).
    static func validate(_ bytes: [UInt8]) throws(Failure) {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        try parser.skipValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Failure(reason: "trailing content after the JSON value") }
    }

    /// ``validate(_:)`` that also returns the document's structural index: for the first byte of every object,
    /// array and string, the index just past it (other entries are 0). With it, ``JSONView`` steps over a nested
    /// value in O(1) instead of scanning it again at every level.
    static func validateIndexed(_ bytes: [UInt8]) throws(Failure) -> [Int32] {
        var parser = Parser(bytes: bytes)
        parser.ends = [Int32](repeating: 0, count: bytes.count)
        parser.skipWhitespace()
        try parser.skipValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Failure(reason: "trailing content after the JSON value") }
        return parser.ends ?? []
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0
        /// When set, the skip functions record where each object, array and string ends (``validateIndexed(_:)``).
        var ends: [Int32]?

        init(bytes: [UInt8], index: Int = 0) {
            self.bytes = bytes
            self.index = index
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func expect(_ literal: StaticString) throws(Failure) {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - index >= count else { throw Failure(reason: "invalid literal") }
            let start = literal.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] {
                throw Failure(reason: "invalid literal")
            }
            index += count
        }

        mutating func parseValue(depth: Int) throws(Failure) -> Value {
            guard depth < StrictJSON.maximumDepth else { throw Failure(reason: "nesting too deep") }
            guard index < bytes.count else { throw Failure(reason: "unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            default: return .number(try parseNumber())
            }
        }

        mutating func parseObject(depth: Int) throws(Failure) -> Value {
            index += 1
            var members: [(key: String, value: Value)] = []
            // Duplicate keys are found by a scan while the object is small, by a set beyond.
            var keys: Set<String>?
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw Failure(reason: "expected an object key")
                }
                let key = try parseString()
                if keys == nil, members.count >= 16 { keys = Set(members.map(\.key)) }
                let duplicate = keys?.contains(key) ?? members.contains { $0.key == key }
                guard !duplicate else { throw Failure(reason: "duplicate key \"\(key)\"") }
                keys?.insert(key)
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Failure(reason: "expected ':'") }
                index += 1
                skipWhitespace()
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw Failure(reason: "unterminated object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw Failure(reason: "expected ',' or '}'") }
                index += 1
                return .object(members)
            }
        }

        mutating func parseArray(depth: Int) throws(Failure) -> Value {
            index += 1
            var elements: [Value] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw Failure(reason: "unterminated array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw Failure(reason: "expected ',' or ']'") }
                index += 1
                return .array(elements)
            }
        }

        mutating func parseHex4() throws(Failure) -> UInt32 {
            guard bytes.count - index >= 4 else { throw Failure(reason: "truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw Failure(reason: "invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        mutating func parseString() throws(Failure) -> String {
            // Fast path: printable ASCII up to the closing quote, no escape: the string is the bytes in between; ASCII
            // is valid UTF-8, so decoding the buffer (no generic slice validation) gives what the general path does.
            let quote = index
            var scan = index + 1
            while scan < bytes.count {
                let byte = bytes[scan]
                if byte == UInt8(ascii: "\"") {
                    let start = index + 1
                    index = scan + 1
                    return bytes.withUnsafeBufferPointer { buffer in
                        String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<scan]), as: UTF8.self)
                    }
                }
                // Anything else (an escape, a control character, non-ASCII) is the general path's.
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { break }
                scan += 1
            }
            index = quote
            return try parseStringGeneral()
        }

        /// ``parseString()`` without its ASCII fast path: any string, with the same checks in the same order.
        mutating func parseStringGeneral() throws(Failure) -> String {
            index += 1  // opening quote
            // Fast path: no escape before the closing quote, so the string is the bytes in between.
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    guard let string = String(validating: bytes[start..<index], as: UTF8.self) else {
                        throw Failure(reason: "string is not valid UTF-8")
                    }
                    index += 1
                    return string
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw Failure(reason: "unescaped control character in string") }
                index += 1
            }
            var out = Array(bytes[start..<index])
            while true {
                guard index < bytes.count else { throw Failure(reason: "unterminated string") }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let string = String(validating: out, as: UTF8.self) else {
                        throw Failure(reason: "string is not valid UTF-8")
                    }
                    return string
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw Failure(reason: "unterminated escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try parseHex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                                bytes[index + 1] == UInt8(ascii: "u")
                            else { throw Failure(reason: "lone high surrogate") }
                            index += 2
                            let low = try parseHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw Failure(reason: "invalid surrogate pair") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw Failure(reason: "lone low surrogate")
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw Failure(reason: "invalid code point") }
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default:
                        throw Failure(reason: "invalid escape")
                    }
                default:
                    guard byte >= 0x20 else { throw Failure(reason: "unescaped control character in string") }
                    out.append(byte)
                }
            }
        }

        mutating func parseNumber() throws(Failure) -> String {
            let start = index
            try scanNumber()
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func scanNumber() throws(Failure) {
            func isDigit(_ i: Int) -> Bool {
                i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { throw Failure(reason: "invalid value") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                guard !isDigit(index) else { throw Failure(reason: "number with a leading zero") }
            } else {
                while isDigit(index) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard isDigit(index) else { throw Failure(reason: "invalid fraction") }
                while isDigit(index) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard isDigit(index) else { throw Failure(reason: "invalid exponent") }
                while isDigit(index) { index += 1 }
            }
        }
    }

    /// Serializes a string as a JSON string literal: `"` and `\` escaped, control characters as `\n`, `\r`,
    /// `\t`, `\b`, `\f` or `\u00XX`; everything else (including `/` and non-ASCII) written as raw UTF-8.
    static func quote(_ string: String) -> [UInt8] {
        var out: [UInt8] = []
        quote(string, into: &out)
        return out
    }

    /// ``quote(_:)`` appending to `out`; runs with nothing to escape are copied in one go. With `escapingSlashes`,
    /// `/` is written `\/` as well (Foundation's `JSONEncoder` without `.withoutEscapingSlashes`). The one string
    /// escaper of the project (with ``quote(_:escapingSlashes:to:)``, the same over a caller's buffer): canonical
    /// record JSON, derived-state documents and policy decisions use it.
    package static func quote(_ string: String, escapingSlashes: Bool = false, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            forEachPiece(
                of: utf8,
                escapingSlashes: escapingSlashes,
                run: { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[$0])) },
                escape: { sequence, length in withUnsafeBytes(of: sequence) { out.append(contentsOf: $0.prefix(length)) } }
            )
        }
        out.append(UInt8(ascii: "\""))
    }

    /// ``quote(_:escapingSlashes:into:)`` for a writer with its own buffer: writes the quoted `utf8` at `out`, which
    /// has room for `utf8.count * 6 + 2` bytes (every byte escaped as `\u00XX`), and returns the bytes written.
    package static func quote(
        _ utf8: UnsafeBufferPointer<UInt8>,
        escapingSlashes: Bool = false,
        to out: UnsafeMutablePointer<UInt8>
    ) -> Int {
        out[0] = UInt8(ascii: "\"")
        var written = 1
        if let base = utf8.baseAddress {
            forEachPiece(
                of: utf8,
                escapingSlashes: escapingSlashes,
                run: { run in
                    (out + written).update(from: base + run.lowerBound, count: run.count)
                    written += run.count
                },
                escape: { sequence, length in
                    withUnsafeBytes(of: sequence) { bytes in
                        for offset in 0..<length { out[written + offset] = bytes[offset] }
                    }
                    written += length
                }
            )
        }
        out[written] = UInt8(ascii: "\"")
        return written + 1
    }

    /// Splits `utf8` into runs that need no escaping (`run`, by index range) and the escapes of the bytes between them
    /// (`escape`, ``escapeSequence(_:)``), in order; eight bytes at a time while none of them needs escaping (the usual
    /// case: ids, digests, words).
    @inline(__always)
    private static func forEachPiece(
        of utf8: UnsafeBufferPointer<UInt8>,
        escapingSlashes: Bool,
        run: (Range<Int>) -> Void,
        escape: (UInt64, Int) -> Void
    ) {
        guard let base = utf8.baseAddress else { return }
        var start = 0
        var index = 0
        let count = utf8.count
        while index < count {
            if index + 8 <= count,
                !Self.needsEscape(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self), escapingSlashes)
            {
                index += 8
                continue
            }
            let byte = base[index]
            index += 1
            guard
                byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                    || (escapingSlashes && byte == UInt8(ascii: "/"))
            else { continue }
            run(start..<(index - 1))
            start = index
            let (sequence, length) = escapeSequence(byte)
            escape(sequence, length)
        }
        run(start..<count)
    }

    /// The escape of a byte that needs one: its bytes (little-endian, the first in the lowest byte) and length.
    @inline(__always)
    static func escapeSequence(_ byte: UInt8) -> (UInt64, Int) {
        let backslash = UInt64(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return (backslash | UInt64(byte) << 8, 2)
        case 0x0A: return (backslash | UInt64(UInt8(ascii: "n")) << 8, 2)
        case 0x0D: return (backslash | UInt64(UInt8(ascii: "r")) << 8, 2)
        case 0x09: return (backslash | UInt64(UInt8(ascii: "t")) << 8, 2)
        case 0x08: return (backslash | UInt64(UInt8(ascii: "b")) << 8, 2)
        case 0x0C: return (backslash | UInt64(UInt8(ascii: "f")) << 8, 2)
        default:
            // `\u00` and two lowercase hex digits.
            func hex(_ nibble: UInt8) -> UInt64 { UInt64(nibble < 10 ? 0x30 + nibble : 0x57 + nibble) }
            let prefix = backslash | UInt64(UInt8(ascii: "u")) << 8 | 0x30 << 16 | 0x30 << 24
            return (prefix | hex(byte >> 4) << 32 | hex(byte & 0x0F) << 40, 6)
        }
    }

    /// Whether any of the eight bytes of `word` is a control character, `"` or `\\` (or `/` when
    /// `escapingSlashes`): the classic exact "has a byte less than n" and "has a zero byte" word tests.
    @inline(__always)
    static func needsEscape(_ word: UInt64, _ escapingSlashes: Bool) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs != 0
        let quote = hasZeroByte(word ^ (ones &* 0x22))
        let backslash = hasZeroByte(word ^ (ones &* 0x5C))
        let slash = escapingSlashes && hasZeroByte(word ^ (ones &* 0x2F))
        return control || quote || backslash || slash
    }
}
