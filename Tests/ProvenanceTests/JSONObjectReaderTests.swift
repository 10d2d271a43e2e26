import Testing

@testable import Provenance

/// ``JSONObjectReader``: lookups that step through the object's keys, the consumed-member bookkeeping beyond 64
/// members, and paths written out only for messages.
@Suite("JSONObjectReader: lookups, unknown members, paths")
struct JSONObjectReaderTests {
    /// An object of `count` members `k0` … `k<count-1>` with the values 0 … count-1.
    static func object(_ count: Int) throws -> JSONView {
        let members = (0..<count).map { "\"k\($0)\": \($0)" }.joined(separator: " ,\n ")
        return try JSONView.document(Array("{ \(members) }".utf8), indexed: true)
    }

    @Test("Every member is found by key, in any order; a missing key is nil", arguments: [0, 1, 3, 64, 65, 70])
    func lookups(count: Int) throws {
        var reader = try JSONObjectReader(try Self.object(count), parent: "o")
        for index in (0..<count).reversed() {
            #expect(try reader.optionalValue("k\(index)")?.numberLiteral == "\(index)")
        }
        #expect(try reader.optionalValue("k\(count)") == nil)
        #expect(try reader.optionalValue("k") == nil)
        try reader.finish()
    }

    @Test("finish names the first member not read, also beyond the 64th", arguments: [0, 5, 63, 64, 65, 69])
    func unknownMember(unread: Int) throws {
        var reader = try JSONObjectReader(try Self.object(70), parent: "o")
        for index in 0..<70 where index != unread { _ = try reader.value("k\(index)") }
        #expect(throws: RecordError(code: .unknownField, field: "o.k\(unread)", message: "unknown field \"o.k\(unread)\"")) {
            try reader.finish()
        }
    }

    @Test("Keys with escapes or canonically equivalent characters are matched as strings")
    func keysAsStrings() throws {
        // "\u004b" is K; "\u{212A}" (KELVIN SIGN) is canonically equivalent to K, as String equality sees it.
        let view = try JSONView.document(Array(#"{"\u004b1": 1, "\#u{212A}2": 2, "plain": 3}"#.utf8), indexed: true)
        var reader = try JSONObjectReader(view, parent: "")
        #expect(try reader.value("K1").numberLiteral == "1")
        #expect(try reader.value("K2").numberLiteral == "2")
        #expect(try reader.value("plain").numberLiteral == "3")
        try reader.finish()
    }

    @Test("Errors inside array elements name the element's path")
    func elementPaths() throws {
        let view = try JSONView.document(
            Array(#"{"a": {"list": [{"x": "ok"}, {"x": "ok"}, {"x": 7}]}}"#.utf8),
            indexed: true
        )
        var root = try JSONObjectReader(view, parent: "predicate")
        var a = try JSONObjectReader(try root.value("a"), parent: root.fieldPath("a"))
        #expect(
            throws: RecordError(
                code: .wrongType,
                field: "predicate.a.list[2].x",
                message: "\"predicate.a.list[2].x\" is not a string"
            )
        ) {
            _ = try a.array("list", limit: 8) { value, field, index throws(RecordError) in
                var element = try JSONObjectReader(value, parent: field, index: index)
                return try element.string("x", .line(limit: 8))
            }
        }
        #expect(JSONPath.element(.member(.root(""), "subject"), 0).description == "subject[0]")
        #expect(JSONPath.member(.element(.root("a.b"), 3), "c").description == "a.b[3].c")
    }
}
