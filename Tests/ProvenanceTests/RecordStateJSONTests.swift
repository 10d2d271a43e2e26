import DeterministicRandom
import Foundation
import Testing

@testable import Provenance

/// The direct writer of record states (``DocumentJSON/recordState(_:)``, which ``DocumentJSON/encode(_:)`` uses for
/// them) against Foundation's `JSONEncoder` with sorted keys, the stored form: generated states with every optional
/// present or absent, strings that need escaping, and pass fractions of every form.
@Suite("Record state JSON")
struct RecordStateJSONTests {
    /// The target's deterministic generator.
    typealias Generator = SplitMix64

    static func foundation(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }

    static let strings = [
        "", "acme", "sec/audit", "quote \" backslash \\", "tab\t new\n", "\u{01}\u{1F}\u{7F}", "été 😀", "a/b/c",
        "sha256:" + String(repeating: "ab", count: 32), "https://in-toto.io/attestation/vulns/v0.2",
    ]

    static func coin(_ g: inout Generator) -> Bool { Bool.random(using: &g) }

    static func string(_ g: inout Generator) -> String { strings.randomElement(using: &g)! }

    static func id(_ g: inout Generator) -> RecordID {
        RecordID(payload: (0..<8).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    static func int64(_ g: inout Generator) -> Int64 {
        [0, 1, -1, 1_764_000_000_123, .max, .min, Int64.random(in: .min ... .max, using: &g)].randomElement(using: &g)!
    }

    static func fraction(_ g: inout Generator) -> Double {
        [
            0, 1, 0.5, 1.0 / 3, 2.0 / 3, 1e-7, 0.1 + 0.2, .leastNonzeroMagnitude, 123_456_789.0, 1e21,
            Double.random(in: 0...1, using: &g),
        ]
        .randomElement(using: &g)!
    }

    static func summary(_ g: inout Generator) -> AttestationSummary {
        var s = AttestationSummary(predicateType: string(&g))
        s.result = (coin(&g) ? AttestationResult.allCases.randomElement(using: &g)! : nil)
        s.score = (coin(&g) ? Int.random(in: -5...105, using: &g) : nil)
        s.passFraction = (coin(&g) ? fraction(&g) : nil)
        s.scope = (coin(&g) ? AuditScope.allCases.randomElement(using: &g)! : nil)
        if Bool.random(using: &g) {
            var counts = SeverityCounts()
            counts.critical = Int.random(in: 0...9, using: &g)
            counts.high = Int.random(in: 0...999, using: &g)
            counts.medium = Int.random(in: 0...9, using: &g)
            counts.low = Int.random(in: 0...9, using: &g)
            counts.negligible = Int.random(in: 0...9, using: &g)
            counts.unknown = Int.random(in: 0...9, using: &g)
            s.severities = counts
        }
        s.passed = (coin(&g) ? Int.random(in: 0...50, using: &g) : nil)
        s.warned = (coin(&g) ? Int.random(in: 0...50, using: &g) : nil)
        s.failed = (coin(&g) ? Int.random(in: 0...50, using: &g) : nil)
        s.benchmark = (coin(&g) ? string(&g) : nil)
        s.scanner = (coin(&g) ? string(&g) : nil)
        s.expiresAt = (coin(&g) ? int64(&g) : nil)
        return s
    }

    static func state(_ g: inout Generator) -> RecordState {
        var r = RecordState(
            id: id(&g),
            kind: RecordKind.allCases.randomElement(using: &g)!,
            provider: (coin(&g) ? string(&g) : nil),
            digest: (coin(&g) ? string(&g) : nil),
            linked: (coin(&g) ? id(&g) : nil),
            integratedAt: int64(&g),
            revocation: coin(&g)
                ? RevocationState(
                    record: id(&g),
                    effectiveAt: int64(&g),
                    inherit: Bool.random(using: &g),
                    reason: string(&g)
                ) : nil,
            deprecation: (coin(&g) ? DeprecationState(record: id(&g), after: int64(&g)) : nil),
            auditor: (coin(&g) ? string(&g) : nil),
            subjects: (coin(&g) ? (0..<Int.random(in: 0..<3, using: &g)).map { _ in string(&g) } : nil),
            attestation: (coin(&g) ? summary(&g) : nil),
            withdrawnBy: (coin(&g) ? id(&g) : nil),
            root: (coin(&g) ? id(&g) : nil),
            affected: (coin(&g) ? (0..<Int.random(in: 0..<3, using: &g)).map { _ in string(&g) } : nil),
            user: (coin(&g) ? string(&g) : nil),
            certification: coin(&g)
                ? CertificationCheck(
                    outcome: [.verified, .unverifiable, .forged].randomElement(using: &g)!,
                    reason: string(&g),
                    validUntil: int64(&g)
                ) : nil
        )
        r.cleanScan = (coin(&g) ? id(&g) : nil)
        r.resolvedBy = (coin(&g) ? id(&g) : nil)
        return r
    }

    @Test("The direct writer gives JSONEncoder's bytes on 4,000 generated record states")
    func generatedStates() throws {
        var g = Generator(seed: 0x5245_4353_5441_5445)
        for _ in 0..<4_000 {
            let record = Self.state(&g)
            let expected = try Self.foundation(record)
            #expect(DocumentJSON.recordState(record) == expected)
            #expect(try DocumentJSON.encode(record) == expected)
            // The stored bytes decode back to the state.
            #expect(try JSONDecoder().decode(RecordState.self, from: Data(expected)) == record)
        }
    }

    @Test("Minimal states, and a non-finite pass fraction refused as before")
    func edges() throws {
        let id = RecordID(payload: Array("x".utf8))
        let minimal = RecordState(id: id, kind: .attestation, integratedAt: 0)
        #expect(DocumentJSON.recordState(minimal) == (try Self.foundation(minimal)))
        var summary = AttestationSummary(predicateType: "p")
        let empty = RecordState(id: id, kind: .imageRegister, integratedAt: 1, subjects: [], attestation: summary, affected: [])
        #expect(DocumentJSON.recordState(empty) == (try Self.foundation(empty)))
        for value in [Double.nan, .infinity, -.infinity] {
            summary.passFraction = value
            let state = RecordState(id: id, kind: .attestation, integratedAt: 1, attestation: summary)
            #expect(DocumentJSON.recordState(state) == nil)
            #expect(throws: EncodingError.self) { try DocumentJSON.encode(state) }
        }
    }
}
