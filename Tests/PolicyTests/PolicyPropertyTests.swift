import DeterministicRandom
import Policy
import Provenance
import Testing

@Suite("Policy properties: monotonicity in evidence and time, determinism")
struct PolicyPropertyTests {
    static let cases = 400

    static let kOfN = """
        apiVersion: vmtrust.dev/policy/v1
        name: k-of-n
        version: 1
        scopes:
          - name: all
            rules:
              reputation: {low: 30}
              allow_low_reputation: false
              require_attestation: {max_age: 45d}
              tiers:
                - {name: high, min_score: 75, min_band90_low: 50, effect: allow, privilege: full}
                - name: mid
                  min_score: 40
                  effect: allow_with_conditions
                  privilege: restricted
                  required_checks: [manual_approval]
                  attestations:
                    - {predicate_type: "\(Fixture.audit)", auditors: [auditor-a1, auditor-a2, auditor-a3], threshold: 2, max_age: 60d}
                - {name: low, effect: deny}
              attestations:
                - predicate_type: "\(Fixture.scan)"
                  threshold: 1
                  max_age: 30d
                  min_score: 50
                  no_findings_at_or_above: high
              provenance: {max_deprecated_age: 10d, max_versions_behind: 1}
        """

    static func policies() throws -> [Policy] {
        [try Policy.parse(try Fixture.example("policy.yaml")), try Policy.parse(kOfN)]
    }

    static func randomRequest(_ rng: inout SplitMix64, time: Int64 = Fixture.now) -> AuthorizationRequest {
        Fixture.request(
            user: ["alice", "bob"].randomElement(using: &rng)!,
            groups: Bool.random(using: &rng) ? ["platform-oncall"] : [],
            project: [nil, "canary", "payments"].randomElement(using: &rng)!,
            environment: [nil, "prod", "staging", "dev"].randomElement(using: &rng)!,
            time: time
        )
    }

    /// Facts with nothing integrated or granted after `Fixture.now`.
    static func randomFacts(_ rng: inout SplitMix64) -> PolicyFacts {
        let revocation: RevocationFact? =
            Int.random(in: 0..<6, using: &rng) == 0
            ? RevocationFact(
                record: Fixture.record("revoke"),
                inheritedFrom: Bool.random(using: &rng) ? Fixture.record("image-v1") : nil,
                effectiveAt: Fixture.now + Int64.random(in: -5...5, using: &rng) * Fixture.day
            ) : nil
        let deprecation: DeprecationFact? =
            Bool.random(using: &rng)
            ? DeprecationFact(
                record: Fixture.record("dep"),
                at: Fixture.now - Int64.random(in: 0...20, using: &rng) * Fixture.day
            )
            : nil
        let image = Fixture.imageFacts(
            chainValid: Int.random(in: 0..<8, using: &rng) != 0,
            revocation: revocation,
            deprecation: deprecation,
            versionsBehind: Int.random(in: 0...3, using: &rng)
        )
        let provider = ProviderFacts(
            id: "acme",
            suspended: Int.random(in: 0..<8, using: &rng) == 0,
            keyValid: Int.random(in: 0..<8, using: &rng) != 0
        )
        let score = Double.random(in: 0...100, using: &rng)
        let reputation =
            Int.random(in: 0..<10, using: &rng) == 0
            ? nil
            : Fixture.reputation(
                score: score,
                band90Low: max(0, score - Double.random(in: 0...50, using: &rng)),
                confidence: Double.random(in: 0...1, using: &rng)
            )
        var attestations: [AttestationFact] = []
        for index in 0..<Int.random(in: 0...8, using: &rng) {
            attestations.append(
                Fixture.attestation(
                    "att-\(index)",
                    type: [Fixture.scan, Fixture.audit].randomElement(using: &rng)!,
                    auditor: ["auditor-a1", "auditor-a2", "auditor-a3", "auditor-zz"].randomElement(using: &rng)!,
                    ageDays: Double.random(in: 0...90, using: &rng),
                    index: UInt64.random(in: 1...40, using: &rng) * 100 + UInt64(index),
                    result: Int.random(in: 0..<4, using: &rng) == 0 ? .fail : .pass,
                    score: Bool.random(using: &rng) ? Double.random(in: 0...100, using: &rng) : nil,
                    findings: FindingCounts(
                        critical: Int.random(in: 0..<6, using: &rng) == 0 ? 1 : 0,
                        high: Int.random(in: 0..<4, using: &rng) == 0 ? 2 : 0,
                        medium: Int.random(in: 0...3, using: &rng)
                    ),
                    withdrawn: Int.random(in: 0..<6, using: &rng) == 0,
                    superseded: Int.random(in: 0..<10, using: &rng) == 0,
                    subject: Int.random(in: 0..<10, using: &rng) == 0 ? Fixture.otherImage : Fixture.image
                )
            )
        }
        let grants: [BreakGlassGrant] =
            Int.random(in: 0..<4, using: &rng) == 0
            ? [
                BreakGlassGrant(
                    record: Fixture.record("grant"),
                    grantedBy: "admin",
                    reason: "incident",
                    scope: ScopeMatch(users: ["alice"]),
                    notBefore: Fixture.now - Fixture.day,
                    expiresAt: Fixture.now + Int64.random(in: 0...10, using: &rng) * Fixture.day
                )
            ] : []
        return Fixture.facts(
            image: image,
            provider: provider,
            reputation: reputation,
            attestations: attestations,
            breakGlass: grants
        )
    }

    static func privilegeRank(_ privilege: String?, _ policy: Policy) -> Int {
        guard let privilege else { return -1 }
        let privileges = policy.document.privileges
        return privileges.count - (privileges.firstIndex(of: privilege) ?? privileges.count)
    }

    /// `after` is no more permissive than `before`: by the rules (`evaluated`) in every mode, and as enforced in
    /// enforce mode (break-glass included).
    static func expectNoMorePermissive(_ after: Decision, than before: Decision, _ policy: Policy, _ what: String) {
        #expect(after.evaluated.effect <= before.evaluated.effect, "\(what): \(before.codes) → \(after.codes)")
        if after.evaluated.effect == before.evaluated.effect, after.evaluated.effect != .deny {
            #expect(
                privilegeRank(after.evaluated.privilege, policy) <= privilegeRank(before.evaluated.privilege, policy),
                "\(what)"
            )
        }
        if before.mode == .enforce {
            #expect(after.effect <= before.effect, "\(what): \(before.codes) → \(after.codes)")
            if before.effect == .deny { #expect(after.effect == .deny, "\(what)") }
        }
    }

    /// Withdrawing any attestation (or dropping everything one auditor said about one type) never makes a
    /// decision more permissive: ignoring evidence cannot turn deny into allow.
    @Test func ignoringEvidenceNeverLoosensADecision() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var loosenedSomewhere = false
        for policy in try Self.policies() {
            for _ in 0..<Self.cases {
                let request = Self.randomRequest(&rng)
                let facts = Self.randomFacts(&rng)
                let before = PolicyEngine.evaluate(policy, request, facts)
                for index in facts.attestations.indices {
                    var withdrawn = facts
                    withdrawn.attestations[index].withdrawn = true
                    Self.expectNoMorePermissive(
                        PolicyEngine.evaluate(policy, request, withdrawn),
                        than: before,
                        policy,
                        "withdraw \(index)"
                    )

                    let key = (facts.attestations[index].predicateType, facts.attestations[index].auditor)
                    var dropped = facts
                    dropped.attestations.removeAll { ($0.predicateType, $0.auditor) == key }
                    let after = PolicyEngine.evaluate(policy, request, dropped)
                    Self.expectNoMorePermissive(after, than: before, policy, "drop \(key)")
                    if after.evaluated.effect < before.evaluated.effect { loosenedSomewhere = true }
                }
            }
        }
        // The property is not vacuous: evidence does matter somewhere in these cases.
        #expect(loosenedSomewhere)
    }

    /// Later requests, on the same facts (with nothing from the future), are never more permissive: evidence and
    /// grants only age.
    @Test func timeOnlyTightensADecision() throws {
        var rng = SplitMix64(seed: 0x5EED_0002)
        for policy in try Self.policies() {
            for _ in 0..<Self.cases {
                let request = Self.randomRequest(&rng)
                let facts = Self.randomFacts(&rng)
                let before = PolicyEngine.evaluate(policy, request, facts)
                var later = request
                later.time += Int64.random(in: 1...40, using: &rng) * Fixture.day / 2
                Self.expectNoMorePermissive(PolicyEngine.evaluate(policy, later, facts), than: before, policy, "later")
            }
        }
    }

    /// The order of the facts' lists does not change anything, decision id included.
    @Test func evaluationIsDeterministic() throws {
        var rng = SplitMix64(seed: 0x5EED_0003)
        for policy in try Self.policies() {
            for _ in 0..<Self.cases {
                let request = Self.randomRequest(&rng)
                var facts = Self.randomFacts(&rng)
                let first = PolicyEngine.evaluate(policy, request, facts)
                facts.attestations.shuffle(using: &rng)
                #expect(PolicyEngine.evaluate(policy, request, facts) == first)
            }
        }
    }
}
