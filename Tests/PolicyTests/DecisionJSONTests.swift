import Foundation
import Provenance
import Testing

@testable import Policy

/// `Decision.jsonBytes()` writes decisions without `JSONEncoder`; the stored and served bytes must stay exactly what
/// `JSONEncoder` (sorted keys, unescaped slashes) wrote before.
struct DecisionJSONTests {
    static func encoderBytes(_ decision: Decision) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(decision))
    }

    static func expectSameBytes(_ decision: Decision, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let direct = try decision.jsonBytes()
        let encoded = try encoderBytes(decision)
        #expect(
            String(decoding: direct, as: UTF8.self) == String(decoding: encoded, as: UTF8.self),
            sourceLocation: sourceLocation
        )
    }

    /// Decisions of every shape the engine makes: allow, deny, conditions, warn, dry run, break-glass, no image,
    /// no reputation, groups and project.
    static func engineDecisions() throws -> [Decision] {
        let strict = """
            reputation: {low: 40}
            allow_low_reputation: false
            require_attestation: {max_age: 30d}
            tiers:
              - {name: high, min_score: 80, effect: allow, privilege: full, required_checks: [scan/standard]}
              - {name: middle, min_score: 50, effect: allow_with_conditions, privilege: restricted}
              - {name: low, effect: deny}
            """
        var decisions: [Decision] = []
        for mode in ["enforce", "warn", "dry_run"] {
            let policy = try Fixture.policy(rules: strict, mode: mode)
            for score in [10.0, 55.5, 85, 99.95] {
                for attestations in [[], [Fixture.attestation("scan-1", index: 10)]] {
                    let facts = Fixture.facts(reputation: Fixture.reputation(score: score), attestations: attestations)
                    decisions.append(PolicyEngine.evaluate(policy, Fixture.request(), facts))
                    decisions.append(
                        PolicyEngine.evaluate(
                            policy,
                            Fixture.request(groups: ["b", "a/b"], project: "payments", environment: nil),
                            facts
                        )
                    )
                }
            }
            decisions.append(PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(image: nil, reputation: nil)))
            let grant = BreakGlassGrant(
                record: Fixture.record("grant"),
                grantedBy: "admin-bob",
                reason: "incident 42: \"restore\" payments\n\\ now",
                scope: ScopeMatch(users: ["alice"]),
                images: nil,
                notBefore: Fixture.now - Fixture.day,
                expiresAt: Fixture.now + Fixture.day,
                privilege: nil
            )
            let facts = Fixture.facts(reputation: Fixture.reputation(score: 10), attestations: [], breakGlass: [grant])
            decisions.append(PolicyEngine.evaluate(policy, Fixture.request(), facts))
        }
        return decisions
    }

    @Test func engineDecisionsEncodeAsJSONEncoderDoes() throws {
        let decisions = try Self.engineDecisions()
        #expect(decisions.contains { $0.breakGlass != nil })
        #expect(decisions.contains { $0.privilege == nil })
        #expect(decisions.contains { !$0.warnings.isEmpty })
        for decision in decisions { try Self.expectSameBytes(decision) }
    }

    @Test func stringsAndNumbersEncodeAsJSONEncoderDoes() throws {
        var decision = try #require(try Self.engineDecisions().first)
        let strings = [
            "", "plain", "a/b", "quote \" backslash \\", "controls \u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f}",
            "é ü 😀 \u{2028}\u{2029}", "ends with \\",
        ]
        for string in strings {
            decision.reasons[0].message = string
            decision.policy.name = string
            decision.request.project = string
            try Self.expectSameBytes(decision)
        }
        var generator = SystemRandomNumberGenerator()
        var numbers: [Double] = [
            0, -0.0, 1, -1, 0.1, 0.001, 1e-7, 99.9, 100, 85.25, 1e9, 1e9 - 0.5, 1e15, 1e16, 123_456_789_012_345_680,
            -1e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.30000000000000004,
        ]
        for _ in 0..<2_000 {
            numbers.append(Double.random(in: -1e6...1e6, using: &generator))
            numbers.append((Double.random(in: 0...100, using: &generator) * 10).rounded() / 10)
            numbers.append(Double(bitPattern: generator.next()))
        }
        var reputation = try #require(decision.evidence.reputation)
        for number in numbers where number.isFinite && (number * 1e10).isFinite {
            reputation.score = number
            reputation.confidence = number / 3
            reputation.band90Low = -number
            reputation.band90High = number * 1e10
            reputation.parameterVersion = Int64(truncatingIfNeeded: number.bitPattern)
            decision.evidence.reputation = reputation
            decision.request.time = Int64(truncatingIfNeeded: number.bitPattern)
            #expect(try decision.jsonBytes() == (try Self.encoderBytes(decision)))
        }
    }

    @Test func nonFiniteNumbersAreRefusedAsJSONEncoderRefusesThem() throws {
        var decision = try #require(try Self.engineDecisions().first)
        var reputation = try #require(decision.evidence.reputation)
        reputation.score = .nan
        decision.evidence.reputation = reputation
        #expect(throws: (any Error).self) { try decision.jsonBytes() }
        #expect(throws: (any Error).self) { try Self.encoderBytes(decision) }
    }

    /// The decision id's input, written directly, is the canonical JSON ``CanonicalJSON`` writes.
    @Test func decisionIDInputIsCanonicalJSON() {
        let strings = ["alice", "a/b", "quote \" \\", "é😀", "\u{1}\n"]
        var requests: [AuthorizationRequest] = []
        for string in strings {
            requests.append(AuthorizationRequest(user: string, image: Fixture.image, time: -5))
            requests.append(
                AuthorizationRequest(
                    user: "u",
                    groups: [string, "b", "a", "b", string],
                    project: string,
                    environment: string,
                    image: Fixture.image,
                    time: Fixture.now
                )
            )
        }
        for request in requests {
            for checkpoint in [Fixture.checkpoint, CheckpointReference(size: .max, rootHash: "a/b+c=")] {
                let canonical = CanonicalJSON.object([
                    ("checkpoint", checkpoint.canonical),
                    ("policy", .string("sha256:" + String(repeating: "0", count: 64))),
                    ("request", request.canonical),
                ])
                let time = String(UInt64(bitPattern: request.time) & 0xFFFF_FFFF_FFFF, radix: 16)
                let expected =
                    String(repeating: "0", count: 12 - time.count) + time
                    + RecordID(payload: canonical.bytes).description.dropFirst(7).prefix(52)
                let id = PolicyEngine.decisionID(
                    policyDigest: "sha256:" + String(repeating: "0", count: 64),
                    request: request,
                    checkpoint: checkpoint
                )
                #expect(id == expected)
            }
        }
    }

    /// Figures in reason messages, as the string-building version wrote them.
    @Test func figuresInMessagesAreUnchanged() {
        func reference(_ value: Double, places: Int) -> String {
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            let scaled = Int64((value * scale).rounded())
            let whole = scaled / Int64(scale)
            let fraction = String(abs(scaled % Int64(scale)))
            let sign = scaled < 0 && whole == 0 ? "-" : ""
            return "\(sign)\(whole)." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        var values: [Double] = [0, -0.0, 0.04, 0.05, -0.04, -0.05, -0.5, 1, 99.95, 100, -12.345, 1e12, 0.0005, 0.001]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { values.append(Double.random(in: -1_000...1_000, using: &generator)) }
        for value in values {
            for places in 1...3 {
                #expect(AgeText.figure(value, places: places) == reference(value, places: places))
            }
        }
    }
}
