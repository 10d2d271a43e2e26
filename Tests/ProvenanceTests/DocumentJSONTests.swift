import Foundation
import Provenance
import Testing

/// ``DocumentJSON`` writes the bytes of Foundation's `JSONEncoder` with sorted keys: compared on values that
/// exercise every container, scalar, escape and number form.
@Suite("Document JSON")
struct DocumentJSONTests {
    struct Inner: Codable, Equatable {
        var name: String
        var value: Double?
        var flags: [Bool]
    }

    enum Kind: String, Codable {
        case plain
        case slashed = "a/b"
    }

    struct Everything: Codable {
        var string: String
        var int: Int
        var int64: Int64
        var int8: Int8
        var uint: UInt
        var uint64: UInt64
        var uint16: UInt16
        var double: Double
        var float: Float
        var bool: Bool
        var optionalPresent: String?
        var optionalAbsent: Int?
        var kind: Kind
        var inner: Inner
        var inners: [Inner]
        var nested: [[Int64]]
        var map: [String: Inner]
        var intKeyed: [Int: String]
        var empty: [String]
        var emptyMap: [String: Double]
        var set: [String: [String: Double]]
    }

    /// Keys written by hand, in an order that differs from the sorted one, and a nested keyed container.
    struct Manual: Encodable {
        enum Key: String, CodingKey {
            case zebra, apple, Apple, äpfel
            case a1 = "a/1"
            case nested, list
        }
        enum NestedKey: String, CodingKey { case y, x }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode("z", forKey: .zebra)
            try container.encode(1, forKey: .apple)
            try container.encode(2, forKey: .Apple)
            try container.encode(3, forKey: .äpfel)
            try container.encodeNil(forKey: .a1)
            var nested = container.nestedContainer(keyedBy: NestedKey.self, forKey: .nested)
            try nested.encode(1.5, forKey: .y)
            try nested.encode(true, forKey: .x)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode("a")
            try list.encodeNil()
            var inner = list.nestedUnkeyedContainer()
            try inner.encode(0.25)
            var object = list.nestedContainer(keyedBy: NestedKey.self)
            try object.encode("q", forKey: .x)
        }
    }

    static func foundation(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }

    static let strings = [
        "", "plain", "https://in-toto.io/attestation/vulns/v0.2", "quote \" backslash \\ slash /",
        "controls \u{0}\u{1}\u{7}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1B}\u{1F}\u{7F}", "é ü ß 中文 🚀 \u{2028}\u{2029}",
        "sha256:0123456789abcdef", "e\u{301}",
    ]

    static let doubles: [Double] = [
        0, -0.0, 1, -1, 0.1, 0.5, 1.0 / 3, 2.0 / 3, 100, 1e15, 1e16, 1e17, 1e21, 1e22, 1e-5, 1e-7, 123_456_789.125,
        0.000_1, Double.leastNonzeroMagnitude, Double.leastNormalMagnitude, Double.greatestFiniteMagnitude,
        -Double.greatestFiniteMagnitude,
        4.35, 70, 0.9999999999999999, Double(Int64(9_007_199_254_740_993)), 1_764_000_000_000,
    ]

    @Test func scalarsAndEscapesAsFoundation() throws {
        for string in Self.strings {
            #expect(try DocumentJSON.encode(string) == Self.foundation(string), "\(string.debugDescription)")
            #expect(try DocumentJSON.encode([string: string]) == Self.foundation([string: string]))
        }
        for double in Self.doubles {
            #expect(try DocumentJSON.encode(double) == Self.foundation(double), "\(double)")
            #expect(try DocumentJSON.encode([double]) == Self.foundation([double]), "\(double)")
            let float = Float(double)
            if float.isFinite { #expect(try DocumentJSON.encode(["f": float]) == Self.foundation(["f": float]), "\(float)") }
        }
        for int in [Int64.min, -1, 0, 1, Int64.max] {
            #expect(try DocumentJSON.encode(int) == Self.foundation(int))
        }
        #expect(try DocumentJSON.encode(true) == Self.foundation(true))
        #expect(try DocumentJSON.encode(UInt64.max) == Self.foundation(UInt64.max))
    }

    @Test func containersAsFoundation() throws {
        var random = SystemRandomNumberGenerator()
        for round in 0..<200 {
            func string() -> String {
                Self.strings.randomElement(using: &random)! + String(Int.random(in: 0..<5, using: &random))
            }
            func inner() -> Inner {
                Inner(
                    name: string(),
                    value: Bool.random(using: &random) ? Self.doubles.randomElement(using: &random)! : nil,
                    flags: (0..<Int.random(in: 0..<4, using: &random)).map { _ in Bool.random(using: &random) }
                )
            }
            let value = Everything(
                string: string(),
                int: Int.random(in: Int.min...Int.max, using: &random),
                int64: Int64.random(in: Int64.min...Int64.max, using: &random),
                int8: Int8.random(in: Int8.min...Int8.max, using: &random),
                uint: UInt.random(in: 0...UInt.max, using: &random),
                uint64: UInt64.random(in: 0...UInt64.max, using: &random),
                uint16: UInt16.random(in: 0...UInt16.max, using: &random),
                double: round.isMultiple(of: 2)
                    ? Double.random(in: -1e6...1e6, using: &random)
                    : Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &random)),
                float: Float.random(in: -1000...1000, using: &random),
                bool: Bool.random(using: &random),
                optionalPresent: string(),
                optionalAbsent: nil,
                kind: Bool.random(using: &random) ? .plain : .slashed,
                inner: inner(),
                inners: (0..<Int.random(in: 0..<5, using: &random)).map { _ in inner() },
                nested: [[1, -2], [], [Int64.max]],
                map: Dictionary((0..<Int.random(in: 0..<6, using: &random)).map { _ in (string(), inner()) }) { a, _ in a },
                intKeyed: [3: "three", -1: "minus one", 20: "twenty"],
                empty: [],
                emptyMap: [:],
                set: ["b": ["z": 1, "a": 2.5], "a": [:], "B": ["/": 0.1]]
            )
            #expect(try DocumentJSON.encode(value) == Self.foundation(value))
        }
        #expect(try DocumentJSON.encode(Manual()) == Self.foundation(Manual()))
    }

    @Test func documentTypesAsFoundation() throws {
        let key = SigningKey.generate(.ed25519).publicKey
        let id = RecordID(payload: Array("x".utf8))
        let record = RecordState(
            id: id,
            kind: .attestation,
            provider: "acme",
            digest: "sha256:" + String(repeating: "ab", count: 32),
            linked: id,
            integratedAt: 1_764_000_000_123,
            auditor: "sec/audit",
            subjects: ["sha256:" + String(repeating: "cd", count: 32)],
            root: id,
            affected: [],
            user: "u\"1"
        )
        #expect(try DocumentJSON.encode(record) == Self.foundation(record))
        let governance = GovernanceState(adminKeys: [key, key], threshold: 2, origin: "vmtrust.local/log", genesis: id)
        #expect(try DocumentJSON.encode(governance) == Self.foundation(governance))
        let keyState = KeyState(key: key, validFrom: 1, validUntil: nil, grantedBy: id)
        #expect(try DocumentJSON.encode(keyState) == Self.foundation(keyState))
    }

    @Test func nonFiniteNumbersAreRefusedAsByFoundation() {
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(throws: EncodingError.self) { try DocumentJSON.encode(["x": value]) }
            #expect(throws: (any Error).self) { try Self.foundation(["x": value]) }
        }
    }
}
