import DeterministicRandom
import Testing

@testable import Provenance

/// The fast paths of ``StrictJSON``: strings of printable ASCII without escapes, and the duplicate-key check of
/// ``StrictJSON/validate(_:)`` by key bytes. Each against the general path on generated input: same value, or
/// same failure with the same reason.
@Suite("Strict JSON fast paths")
struct StrictJSONFastPathTests {
    /// The target's deterministic generator.
    typealias Generator = SplitMix64

    /// Pieces of string contents: plain ASCII, escapes (valid and not), non-ASCII (valid and not), control characters.
    static let pieces: [[UInt8]] = [
        Array("a".utf8), Array("Z".utf8), Array(" ".utf8), Array("/".utf8), Array("~".utf8), Array("plain text".utf8),
        Array("\\n".utf8), Array("\\\"".utf8), Array("\\\\".utf8), Array("\\u0041".utf8), Array("\\u00e9".utf8),
        Array("\\ud83d\\ude00".utf8), Array("\\ud83d".utf8), Array("\\ude00".utf8), Array("\\x".utf8),
        Array("\\u12".utf8), Array("é".utf8), Array("😀".utf8), Array("\u{212A}".utf8), [0xC3, 0x28], [0xFF], [0x80],
        [0x01], [0x1F], [0x7F], Array("\"".utf8),
    ]

    /// A string literal from its opening quote: random pieces, mostly plain, sometimes unterminated.
    static func literal(_ g: inout Generator) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        let plainOnly = Bool.random(using: &g)
        for _ in 0..<Int.random(in: 0..<12, using: &g) {
            out += plainOnly ? pieces[Int.random(in: 0..<6, using: &g)] : pieces.randomElement(using: &g)!
        }
        if Int.random(in: 0..<10, using: &g) > 0 { out.append(UInt8(ascii: "\"")) }
        if Bool.random(using: &g) { out += Array(",1".utf8) }
        return out
    }

    /// The outcome of a string parse: the string and where the parser stopped, or the failure's reason.
    static func outcome(_ bytes: [UInt8], general: Bool) -> String {
        var string = ""
        let stopped = stop(bytes) { parser throws(StrictJSON.Failure) in
            string = try general ? parser.parseStringGeneral() : parser.parseString()
        }
        return stopped.hasPrefix("at ") ? "ok \(Array(string.utf8)) \(stopped)" : stopped
    }

    @Test("parseString with its ASCII fast path agrees with the general path on 20,000 generated strings")
    func stringsAgree() {
        var g = Generator(seed: 0x5354_524A_534F_4E01)
        var plain = 0
        for _ in 0..<20_000 {
            let bytes = Self.literal(&g)
            let fast = Self.outcome(bytes, general: false)
            let general = Self.outcome(bytes, general: true)
            #expect(fast == general, "\(bytes)")
            if !bytes.dropFirst().contains(where: { $0 >= 0x80 || $0 < 0x20 || $0 == UInt8(ascii: "\\") }) { plain += 1 }
        }
        // Both paths were exercised.
        #expect(plain > 2_000)
        #expect(plain < 18_000)
    }

    @Test("The ASCII fast path gives the string's exact characters")
    func asciiStrings() throws {
        for text in ["", "a", "K", "https://in-toto.io/attestation/vulns/v0.2", "~!@#$%^&*()_+{}|:<>?/.,;'[]=-`"] {
            var parser = StrictJSON.Parser(bytes: Array("\"\(text)\"".utf8))
            let string = try parser.parseString()
            #expect(string == text)
            #expect(Array(string.utf8) == Array(text.utf8))
        }
    }

    /// An object with the given raw keys (each written between quotes as is), values `1`.
    static func object(_ keys: [String]) -> [UInt8] {
        Array(("{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + "}").utf8)
    }

    /// The outcome of validating and of parsing `bytes`: nil when accepted, else the failure's reason.
    static func failures(_ bytes: [UInt8]) -> (validate: String?, parse: String?) {
        var validate: String?
        var parse: String?
        do { try StrictJSON.validate(bytes) } catch { validate = error.reason }
        do { _ = try StrictJSON.parse(bytes) } catch { parse = error.reason }
        return (validate, parse)
    }

    @Test("Duplicate keys are refused by validation, with the parser's message", arguments: [1, 2, 15, 16, 17, 40])
    func duplicatesRefused(members: Int) {
        let keys = (0..<members).map { "key\($0)" }
        let accepted = Self.failures(Self.object(keys))
        #expect(accepted.validate == nil)
        #expect(accepted.parse == nil)
        for duplicate in Set([keys[0], keys[members / 2], keys[members - 1]]) {
            for position in Set([0, members / 2, members]) {
                var mangled = keys
                mangled.insert(duplicate, at: position)
                let (validate, parse) = Self.failures(Self.object(mangled))
                #expect(validate == "duplicate key \"\(duplicate)\"")
                #expect(validate == parse)
            }
        }
    }

    @Test("Keys equal as strings but not as bytes are duplicates; prefixes and near keys are not")
    func duplicateSpellings() {
        let cases: [([String], String?)] = [
            (["ab", "a\\u0062"], "duplicate key \"ab\""),
            (["a\\u0062", "ab"], "duplicate key \"ab\""),
            (["K", "\u{212A}"], "duplicate key \"\u{212A}\""),
            (["\u{212A}", "K"], "duplicate key \"K\""),
            (["é", "e\u{0301}"], "duplicate key \"e\u{0301}\""),
            (["a\\/b", "a/b"], "duplicate key \"a/b\""),
            (["a", "ab", "abc", "b", "ba", ""], nil),
            (["ab", "a", "", "abc"], nil),
            (["", "x", ""], "duplicate key \"\""),
            (["x,1", "x"], nil),
        ]
        for (keys, expected) in cases {
            let (validate, parse) = Self.failures(Self.object(keys))
            #expect(validate == expected, "\(keys)")
            #expect(validate == parse, "\(keys)")
        }
    }

    @Test("Validation and parsing agree on 6,000 generated objects with repeated and odd keys")
    func objectsAgree() {
        var g = Generator(seed: 0x4455_504B_4559_5301)
        let alphabet = ["a", "b", "K", "\u{212A}", "\\u0061", "é", "e\u{0301}", "/", "\\/", "\\n", "\u{01}"]
        var refused = 0
        for _ in 0..<6_000 {
            let count = Int.random(in: 0..<24, using: &g)
            let odd = Int.random(in: 0..<3, using: &g) == 0
            let keys = (0..<count).map { _ in
                (0..<Int.random(in: 0..<3, using: &g)).map { _ in
                    odd ? alphabet.randomElement(using: &g)! : alphabet[Int.random(in: 0..<3, using: &g)]
                }.joined()
            }
            let bytes = Self.object(keys)
            let (validate, parse) = Self.failures(bytes)
            #expect(validate == parse, "\(keys)")
            if validate != nil { refused += 1 }
        }
        #expect(refused > 1_000)
        #expect(refused < 5_900)
    }

    /// The escaping of ``StrictJSON/quote(_:escapingSlashes:into:)`` byte by byte, as it was before the scan went
    /// eight bytes at a time.
    static func referenceQuote(_ string: String, escapingSlashes: Bool) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case UInt8(ascii: "/") where escapingSlashes: out += [UInt8(ascii: "\\"), byte]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    @Test("Quoting eight bytes at a time escapes exactly what quoting byte by byte escapes")
    func quoteMatchesByteByByte() {
        var g = Generator(seed: 0x51_7E)
        // Characters on both sides of every boundary the word test checks (0x1F/0x20, 0x21/0x22/0x23, 0x2E/0x2F/0x30,
        // 0x5B/0x5C/0x5D, 0x7F/0x80) and multi-byte UTF-8, placed at every offset of long runs.
        let characters: [Character] = [
            "a", "Z", " ", "!", "\"", "#", ".", "/", "0", "[", "\\", "]", "\u{7F}", "\u{80}", "é", "😀", "\u{212A}", "\u{00}",
            "\u{1F}", "\n", "\t", "\r", "\u{08}", "\u{0C}",
        ]
        for _ in 0..<5_000 {
            var string = ""
            let plain = Int.random(in: 0..<4, using: &g) == 0
            for _ in 0..<Int.random(in: 0..<40, using: &g) {
                string.append(plain ? characters[Int.random(in: 0..<4, using: &g)] : characters.randomElement(using: &g)!)
            }
            for escapingSlashes in [false, true] {
                var out: [UInt8] = []
                StrictJSON.quote(string, escapingSlashes: escapingSlashes, into: &out)
                #expect(out == Self.referenceQuote(string, escapingSlashes: escapingSlashes), "\(Array(string.utf8))")
            }
        }
    }

    /// Where `read` left a parser of `bytes`, or its failure's reason.
    static func stop(
        _ bytes: [UInt8],
        _ read: (inout StrictJSON.Parser) throws(StrictJSON.Failure) -> Void
    ) -> String {
        var parser = StrictJSON.Parser(bytes: bytes)
        do {
            try read(&parser)
            return "at \(parser.index)"
        } catch {
            return "failure \(error.reason)"
        }
    }

    @Test("Skipping a string eight bytes at a time stops and fails exactly where parsing it does")
    func skipStringAgreesWithParse() {
        var g = Generator(seed: 0x5348_4950)
        for _ in 0..<20_000 {
            // Up to 40 pieces: long plain runs put every special byte at every offset of an eight-byte word.
            var bytes: [UInt8] = [UInt8(ascii: "\"")]
            let plainOnly = Int.random(in: 0..<3, using: &g) == 0
            for _ in 0..<Int.random(in: 0..<40, using: &g) {
                bytes += plainOnly ? Self.pieces[Int.random(in: 0..<6, using: &g)] : Self.pieces.randomElement(using: &g)!
            }
            if Int.random(in: 0..<10, using: &g) > 0 { bytes.append(UInt8(ascii: "\"")) }
            let skipped = Self.stop(bytes) { parser throws(StrictJSON.Failure) in try parser.skipString() }
            let parsed = Self.stop(bytes) { parser throws(StrictJSON.Failure) in _ = try parser.parseStringGeneral() }
            #expect(skipped == parsed, "\(bytes)")
        }
    }

    @Test("A line read from a string without escapes is checked as the decoded string is")
    func plainLinesAgreeWithCheckText() throws {
        var g = Generator(seed: 0x4C49_4E45)
        // Around the control characters a line refuses: U+007E/7F, U+0080…009F (C2 80…C2 9F), U+00A0, é, and the
        // continuation bytes of other two-byte characters that are not control characters (U+0100: C4 80).
        let characters: [Character] = ["a", "~", "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "é", "\u{100}", "😀", " "]
        for _ in 0..<5_000 {
            var string = ""
            for _ in 0..<Int.random(in: 0..<12, using: &g) { string.append(characters.randomElement(using: &g)!) }
            var document: [UInt8] = []
            StrictJSON.quote(string, escapingSlashes: false, into: &document)
            let view = try JSONView.document(document, indexed: Bool.random(using: &g))
            let limit = Int.random(in: 1..<20, using: &g)
            for kind in [FieldReader.TextKind.line(limit: limit), .text(limit: limit), .identifier] {
                let fast = Result { () throws(RecordError) in try JSONObjectReader.text(view, kind, field: "f") }
                let general = Result { () throws(RecordError) in try FieldReader.checkText(string, kind, field: "f") }
                #expect(fast == general, "\(Array(string.utf8)) \(kind)")
            }
        }
    }
}
