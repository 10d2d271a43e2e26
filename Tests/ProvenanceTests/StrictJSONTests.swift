import Testing

@testable import Provenance

/// The strict JSON parser under every record, envelope and in-toto statement.
@Suite("Strict JSON")
struct StrictJSONTests {
    static func parse(_ text: String) throws -> StrictJSON.Value { try StrictJSON.parse(Array(text.utf8)) }

    static func refused(_ text: String) -> Bool { (try? StrictJSON.parse(Array(text.utf8))) == nil }

    static func refused(_ bytes: [UInt8]) -> Bool { (try? StrictJSON.parse(bytes)) == nil }

    @Test("Strings: plain, escaped at any position, surrogate pairs")
    func strings() throws {
        let cases: [(String, String)] = [
            (#""""#, ""),
            (#""plain""#, "plain"),
            (#""a longer plain string that is not stored inline""#, "a longer plain string that is not stored inline"),
            (#""\"quoted\"""#, "\"quoted\""),
            (#""tail\n""#, "tail\n"),
            (#""mid\\dle/\/""#, "mid\\dle//"),
            (#""\u00e9t\u00E9 \ud83d\ude00""#, "été 😀"),
            ("\"été\"", "été"),
        ]
        for (json, expected) in cases {
            #expect(try Self.parse(json) == .string(expected), "\(json)")
        }
    }

    @Test("Mangled strings are refused")
    func mangledStrings() {
        for json in [#""unterminated"#, #""bad \x escape""#, #""\ud83d alone""#, #""\ude00""#, #""trunc \u12""#, "\"tab\there\""]
        {
            #expect(Self.refused(json), "\(json)")
        }
        // Invalid UTF-8 before and after an escape.
        #expect(Self.refused([0x22, 0xC3, 0x28, 0x22]))
        #expect(Self.refused([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22]))
        #expect(Self.refused([0x22, 0x61, 0x01, 0x22]))
    }

    @Test("Duplicate keys are refused in small and large objects", arguments: [1, 15, 16, 17, 40, 70])
    func duplicateKeys(members: Int) throws {
        let keys = (0..<members).map { "k\($0)" }
        let object = "{" + keys.map { "\"\($0)\":\($0.count)" }.joined(separator: ",") + "}"
        guard case .object(let parsed) = try Self.parse(object) else {
            Issue.record("not an object")
            return
        }
        #expect(parsed.map(\.key) == keys)
        for duplicate in [keys.first!, keys.last!] {
            let mangled = "{" + (keys + [duplicate]).map { "\"\($0)\":1" }.joined(separator: ",") + "}"
            #expect(Self.refused(mangled), "\(members) members, duplicate \(duplicate)")
        }
        // An escaped spelling of the same key is the same key.
        #expect(Self.refused(#"{"ab":1,"a\u0062":2}"#))
    }

    @Test("Literals, numbers and structure")
    func literals() throws {
        #expect(
            try Self.parse(" [true, false, null, -0.5e3, 12] ")
                == .array([.bool(true), .bool(false), .null, .number("-0.5e3"), .number("12")])
        )
        for json in ["tru", "nul", "falsey", "[true,]", "{\"a\" 1}", "01", "[1 2]", "{} {}", "", "nulL"] {
            #expect(Self.refused(json), "\(json)")
        }
    }
}
