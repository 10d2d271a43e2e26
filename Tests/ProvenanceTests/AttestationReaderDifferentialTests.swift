import DeterministicRandom
import Foundation
import Testing

@testable import Provenance

/// The byte-level statement reader (``InTotoStatement/init(payload:)`` over ``JSONView``) against the tree-based
/// reference (``ReferenceAttestationDecoder``): for generated statements and their mangled forms, both accept with
/// equal subjects, predicate type and predicate, or both reject with the same error (code, field and message).
@Suite("Attestation reader: byte-level reader agrees with the tree-based reference")
struct AttestationReaderDifferentialTests {
    /// The target's deterministic generator.
    typealias Generator = SplitMix64

    typealias Value = StrictJSON.Value

    /// Writes `value` keeping member order (StrictJSON's quoting).
    static func write(_ value: Value, into out: inout [UInt8], spaced: Bool) {
        switch value {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out += Array((spaced ? ", " : ",").utf8) }
                StrictJSON.quote(member.key, into: &out)
                out += Array((spaced ? ": " : ":").utf8)
                write(member.value, into: &out, spaced: spaced)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out += Array((spaced ? " ,\n" : ",").utf8) }
                write(element, into: &out, spaced: spaced)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let string): StrictJSON.quote(string, into: &out)
        case .number(let literal): out += Array(literal.utf8)
        case .bool(let bool): out += Array((bool ? "true" : "false").utf8)
        case .null: out += Array("null".utf8)
        }
    }

    static func bytes(_ value: Value, spaced: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out, spaced: spaced)
        return out
    }

    static func hex(_ count: Int, _ g: inout Generator) -> String {
        String((0..<count).map { _ in "0123456789abcdef".randomElement(using: &g)! })
    }

    static func pick<T>(_ options: [T], _ g: inout Generator) -> T { options.randomElement(using: &g)! }

    static let texts = [
        "CVE-2026-0001", "GHSA-xxxx-yyyy-zzzz", "nvd", "cvss_score", "CRITICAL", "high", "moderate", "low", "9.8",
        "ubuntu-24.04", "é", "e\u{301}", "K", "\u{212A}", "line\nbreak", "tab\there", "\u{7F}", "", " ",
        String(repeating: "x", count: 300), "naïve — ✓", "\u{1F600}",
    ]

    static func timestamp(_ g: inout Generator) -> Value {
        .string(
            pick(
                [
                    "2026-09-01T00:00:00Z", "2026-09-01T00:10:00.5Z", "2026-08-31T20:00:00-04:00", "1969-12-31T23:59:59Z",
                    "2026-02-30T00:00:00Z", "yesterday",
                ],
                &g
            )
        )
    }

    static func descriptor(_ g: inout Generator) -> Value {
        var members: [(key: String, value: Value)] = []
        if Bool.random(using: &g) { members.append(("name", .string(pick(texts, &g)))) }
        if Int.random(in: 0..<4, using: &g) == 0 {
            members.append(("uri", .string(pick(["https://example.com/x", "pkg:oci/ubuntu", "no-scheme", ":x"], &g))))
        }
        var digest: [(key: String, value: Value)] = []
        digest.append(("sha256", .string(hex(Int.random(in: 0..<6, using: &g) == 0 ? 63 : 64, &g))))
        if Int.random(in: 0..<4, using: &g) == 0 { digest.append(("sha512", .string(hex(128, &g)))) }
        if Int.random(in: 0..<5, using: &g) == 0 { digest.append(("customAlg", .string(pick(texts, &g)))) }
        if Int.random(in: 0..<8, using: &g) > 0 { members.append(("digest", .object(digest))) }
        if Int.random(in: 0..<6, using: &g) == 0 { members.append(("content", .string(pick(["aGVsbG8=", "!!"], &g)))) }
        if Int.random(in: 0..<6, using: &g) == 0 { members.append(("annotations", .object([("a", .number("1"))]))) }
        if Int.random(in: 0..<6, using: &g) == 0 { members.append(("mediaType", .string(pick(texts, &g)))) }
        if Int.random(in: 0..<8, using: &g) == 0 { members.append(("unknownField", .array([.null, .bool(true)]))) }
        members.shuffle(using: &g)
        return .object(members)
    }

    static func vulns(_ g: inout Generator) -> Value {
        let findings: [Value] = (0..<Int.random(in: 0..<24, using: &g)).map { _ in
            var finding: [(key: String, value: Value)] = [("id", .string(pick(texts, &g)))]
            let ratings: [Value] = (0..<Int.random(in: 0..<3, using: &g)).map { _ in
                .object([
                    ("method", .string(pick(["nvd", "cvss_score", "ghsa", "vendor"], &g))),
                    ("score", .string(pick(["CRITICAL", "high", "7.5", "4.0", "low", "moderate", "unknown", "9.8"], &g))),
                ])
            }
            finding.append(("severity", .array(ratings)))
            if Int.random(in: 0..<5, using: &g) == 0 {
                finding.append(("annotations", pick([.object([]), .array([]), .string("x")], &g)))
            }
            finding.shuffle(using: &g)
            return .object(finding)
        }
        return .object([
            (
                "scanner",
                .object([
                    ("uri", .string("pkg:github/aquasecurity/trivy@v0.52.2")),
                    ("version", .string("0.52.2")),
                    (
                        "db",
                        .object([
                            ("uri", .string("pkg:github/aquasecurity/trivy-db")), ("version", .string("2")),
                            ("lastUpdate", timestamp(&g)),
                        ])
                    ),
                    ("result", .array(findings)),
                ])
            ),
            ("metadata", .object([("scanStartedOn", timestamp(&g)), ("scanFinishedOn", timestamp(&g))])),
        ])
    }

    static func testResult(_ g: inout Generator) -> Value {
        var members: [(key: String, value: Value)] = [
            ("result", .string(pick(["PASSED", "WARNED", "FAILED", "passed"], &g))),
            ("configuration", .array((0..<Int.random(in: 0..<3, using: &g)).map { _ in descriptor(&g) })),
        ]
        if Bool.random(using: &g) { members.append(("url", .string("https://ci.example.com/run/1"))) }
        for key in ["passedTests", "warnedTests", "failedTests"] where Bool.random(using: &g) {
            let names = (0..<Int.random(in: 0..<4, using: &g)).map { _ in Value.string(pick(texts, &g)) }
            members.append((key, .array(names)))
        }
        members.shuffle(using: &g)
        return .object(members)
    }

    static func audit(_ g: inout Generator) -> Value {
        var members: [(key: String, value: Value)] = [
            ("result", .string(pick(["PASSED", "WARNED", "FAILED"], &g))),
            ("score", .number(pick(["92", "0", "100", "101", "-0", "9.5", "1e2", "-1"], &g))),
            (
                "controls",
                .object([
                    ("checked", .number(pick(["120", "1", "0", "100001"], &g))),
                    ("passed", .number(pick(["114", "0", "121", "5"], &g))),
                ])
            ),
            ("scope", .string(pick(["image", "process", "provider", "organisation"], &g))),
        ]
        if Bool.random(using: &g) { members.append(("standard", .string(pick(texts, &g)))) }
        if Bool.random(using: &g) { members.append(("summary", .string(pick(texts, &g)))) }
        if Bool.random(using: &g) { members.append(("expiresAt", timestamp(&g))) }
        if Int.random(in: 0..<8, using: &g) == 0 { members.append(("extra", .bool(false))) }
        members.shuffle(using: &g)
        return .object(members)
    }

    static func statement(_ g: inout Generator) -> Value {
        let kind = Int.random(in: 0..<8, using: &g)
        let (type, predicate): (String, Value) =
            switch kind {
            case 0...3: (AttestationPredicate.vulnsType, vulns(&g))
            case 4, 5: (AttestationPredicate.testResultType, testResult(&g))
            case 6: (AttestationPredicate.auditType, audit(&g))
            default: ("https://slsa.dev/provenance/v1", .object([("buildDefinition", .object([("x", .array([]))]))]))
            }
        var members: [(key: String, value: Value)] = [
            ("_type", .string(InTotoStatement.type)),
            ("subject", .array((0..<Int.random(in: 1..<3, using: &g)).map { _ in descriptor(&g) })),
            ("predicateType", .string(type)),
            ("predicate", predicate),
        ]
        members.shuffle(using: &g)
        return .object(members)
    }

    /// Paths to every value of the tree (indices into objects' members and arrays' elements).
    static func paths(_ value: Value, prefix: [Int] = []) -> [[Int]] {
        var out = [prefix]
        switch value {
        case .object(let members):
            for (index, member) in members.enumerated() { out += paths(member.value, prefix: prefix + [index]) }
        case .array(let elements):
            for (index, element) in elements.enumerated() { out += paths(element, prefix: prefix + [index]) }
        default: break
        }
        return out
    }

    /// Applies `change` to the value at `path`, or to its parent container when `parent` is set.
    static func modify(_ value: Value, at path: [Int], _ change: (Value) -> Value) -> Value {
        guard let first = path.first else { return change(value) }
        let rest = Array(path.dropFirst())
        switch value {
        case .object(var members):
            members[first].value = modify(members[first].value, at: rest, change)
            return .object(members)
        case .array(var elements):
            elements[first] = modify(elements[first], at: rest, change)
            return .array(elements)
        default: return value
        }
    }

    static let replacements: [Value] = [
        .null, .bool(true), .number("0"), .number("1.5"), .number("-0"), .number("1e3"), .string(""),
        .string("x"), .array([]), .object([]), .array([.string("a")]), .object([("k", .string("v"))]),
    ]

    static func structuralMutation(_ value: Value, _ g: inout Generator) -> Value {
        let all = paths(value)
        let path = pick(all, &g)
        switch Int.random(in: 0..<5, using: &g) {
        case 0:  // replace with a value of another type
            let replacement = pick(replacements, &g)
            return modify(value, at: path) { _ in replacement }
        case 1:  // drop a member or element
            let index = Int.random(in: 0..<64, using: &g)
            return modify(value, at: path) { node in
                switch node {
                case .object(var members) where !members.isEmpty:
                    members.remove(at: index % members.count)
                    return .object(members)
                case .array(var elements) where !elements.isEmpty:
                    elements.remove(at: index % elements.count)
                    return .array(elements)
                default: return node
                }
            }
        case 2:  // duplicate a member, or add one spelled with an escape / a canonically equivalent key
            let index = Int.random(in: 0..<64, using: &g)
            let style = Int.random(in: 0..<3, using: &g)
            return modify(value, at: path) { node in
                guard case .object(var members) = node, !members.isEmpty else { return node }
                var member = members[index % members.count]
                if style == 1 { member.key = member.key.replacingOccurrences(of: "e", with: "e\u{301}") }
                if style == 2 { member.key = "\u{212A}" + member.key.dropFirst() }
                members.insert(member, at: index % (members.count + 1))
                return .object(members)
            }
        case 3:  // repeat an array element (duplicates in lists)
            return modify(value, at: path) { node in
                guard case .array(let elements) = node, let first = elements.first else { return node }
                return .array(elements + [first])
            }
        default:  // change a string
            let text = pick(texts, &g)
            return modify(value, at: path) { node in
                guard case .string = node else { return node }
                return .string(text)
            }
        }
    }

    static func byteMutation(_ bytes: [UInt8], _ g: inout Generator) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        var out = bytes
        let index = Int.random(in: 0..<out.count, using: &g)
        switch Int.random(in: 0..<6, using: &g) {
        case 0: out.removeSubrange(index...)  // truncate
        case 1: out[index] = UInt8.random(in: 0...255, using: &g)  // flip to any byte
        case 2: out[index] = pick(Array("{}[]\",:\\ 0-.eE\u{1}tfnu".utf8) + [0x80, 0xC3, 0xED, 0xF4, 0xFF], &g)
        case 3: out.insert(contentsOf: pick([Array(" x".utf8), Array(",".utf8), [0xEF, 0xBB, 0xBF], [0xC3]], &g), at: index)
        case 4: out += pick([Array(" ".utf8), Array("{}".utf8), Array("\n".utf8), [0]], &g)  // trailing data
        default: out.remove(at: index)
        }
        return out
    }

    /// The new reader's outcome, in the reference's shape.
    static func decodeNew(_ payload: [UInt8]) -> Result<ReferenceAttestationDecoder.Decoded, RecordError> {
        do {
            let statement = try InTotoStatement(payload: payload)
            let predicate: Result<AttestationPredicate, RecordError>
            do {
                predicate = .success(try statement.predicate())
            } catch {
                predicate = .failure(error)
            }
            let record = try AttestationRecord(payload: payload)
            #expect(Result { () throws(RecordError) in try record.predicate() } == predicate)
            return .success(.init(subjects: statement.subjects, predicateType: statement.predicateType, predicate: predicate))
        } catch {
            return .failure(error)
        }
    }

    static func decodeReference(_ payload: [UInt8]) -> Result<ReferenceAttestationDecoder.Decoded, RecordError> {
        Result { () throws(RecordError) in try ReferenceAttestationDecoder.decode(payload) }
    }

    struct Tally {
        var accepted = 0
        var predicateRejected = 0
        var rejected = 0
    }

    static func compare(_ payload: [UInt8], _ tally: inout Tally) {
        let new = decodeNew(payload)
        let reference = decodeReference(payload)
        #expect(new == reference, "payload: \(String(decoding: payload, as: UTF8.self))")
        switch reference {
        case .success(let decoded):
            if case .failure = decoded.predicate { tally.predicateRejected += 1 } else { tally.accepted += 1 }
        case .failure: tally.rejected += 1
        }
    }

    @Test func generatedAndMangledStatementsAgree() {
        var g = Generator(seed: 0x5EED_0004)
        var tally = Tally()
        for round in 0..<1500 {
            let original = Self.statement(&g)
            let spaced = round % 3 == 0
            Self.compare(Self.bytes(original, spaced: spaced), &tally)
            var mutated = original
            for _ in 0..<Int.random(in: 1...3, using: &g) { mutated = Self.structuralMutation(mutated, &g) }
            Self.compare(Self.bytes(mutated, spaced: spaced), &tally)
            for _ in 0..<2 { Self.compare(Self.byteMutation(Self.bytes(original, spaced: spaced), &g), &tally) }
        }
        // The generator reaches every outcome often (the comparison is not vacuous).
        #expect(tally.accepted > 150)
        #expect(tally.predicateRejected > 300)
        #expect(tally.rejected > 1500)
    }

    @Test(arguments: [
        #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "a", count: 64))"}}],"predicateType":"x:y","\u005ftype":"z"}"#,
        #"{"\u005ftype":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "a", count: 64))"}}],"predicateType":"x:y"}"#,
        #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "a", count: 64))","sh\u0061256":"b"}}],"predicateType":"x:y"}"#,
        #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "a", count: 64))"}}],"predicateType":"https://vmtrust.dev/attestation/audit/v1","predicate":{"re\u0073ult":"PASSED","score":90,"controls":{"checked":10,"passed":9},"scope":"image","\u00e9":1}}"#,
        #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "a", count: 64))"}}],"predicateType":"x:y","predicate":{"é":1,"é":2}}"#,
        #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "a", count: 64))"}}],"predicateType":"x:y","predicate":{"\ud83d\ude00":"\ud83d"}}"#,
        #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "a", count: 64))"}}],"predicateType":"x:y","predicate":{"a":"\u00zz"}}"#,
        #" {"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "a", count: 64))"}}],"predicateType":"x:y","predicate":null} "#,
        #"[]"#, #""#, #"{}"#, #"{"a":1}x"#, #"{"a":01}"#, #"{"a":[1,]}"#, #"{"a" 1}"#, #"{"a":tru}"#,
    ])
    func handWrittenEdgeCasesAgree(_ text: String) {
        var tally = Tally()
        Self.compare(Array(text.utf8), &tally)
    }

    @Test func deepNestingAndManyKeysAgree() {
        var tally = Tally()
        for depth in [62, 63, 64, 65] {
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            Self.compare(Array(#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"a":\#(nested)}}"#.utf8), &tally)
        }
        for duplicateAt in [5, 16, 17, 40] {
            var members = (0..<40).map { #""k\#($0)":\#($0)"# }
            members.append(#""k\#(duplicateAt)":0"#)
            Self.compare(Array(("{" + members.joined(separator: ",") + "}").utf8), &tally)
        }
    }
}
