import Policy
import Provenance
import Testing

@Suite("Policy rules, one at a time")
struct PolicyRulesTests {
    static let seed = """
        reputation: {low: 40}
        allow_low_reputation: false
        require_attestation: {max_age: 30d}
        """

    // MARK: The seed's pseudocode: three branches.

    @Test func seedLowReputationIsDenied() throws {
        let decision = PolicyEngine.evaluate(
            try Fixture.policy(rules: Self.seed),
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 39.9))
        )
        #expect(decision.effect == .deny)
        #expect(decision.codes == [.reputationBelowLow])
        #expect(decision.privilege == nil)
        #expect(decision.reasons[0].rule == "rules.allow_low_reputation")
        #expect(decision.reasons[0].message.contains("39.9"))
    }

    @Test func seedStaleAttestationIsRefused() throws {
        let decision = PolicyEngine.evaluate(
            try Fixture.policy(rules: Self.seed),
            Fixture.request(),
            Fixture.facts(attestations: [Fixture.attestation("old", ageDays: 31, index: 3)])
        )
        #expect(decision.effect == .deny)
        #expect(decision.codes == [.attestationStale])
        #expect(decision.reasons[0].message.contains("31.0 days"))
    }

    @Test func seedOtherwiseAllowed() throws {
        let facts = Fixture.facts(attestations: [Fixture.attestation("fresh", ageDays: 29.9, index: 3)])
        let decision = PolicyEngine.evaluate(try Fixture.policy(rules: Self.seed), Fixture.request(), facts)
        #expect(decision.effect == .allow)
        #expect(decision.privilege == "full")
        #expect(decision.reasons.isEmpty)
        #expect(decision.evidence.records.contains(Fixture.record("fresh")))
        #expect(decision.evidence.records.contains(Fixture.record("image-v1")))
    }

    @Test func seedAllowsLowReputationWhenThePolicySaysSo() throws {
        let policy = try Fixture.policy(rules: "reputation: {low: 40}\nallow_low_reputation: true")
        let decision = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(reputation: Fixture.reputation(score: 5)))
        #expect(decision.effect == .allow)
    }

    @Test func reputationExactlyAtTheLowBoundIsNotLow() throws {
        let decision = PolicyEngine.evaluate(
            try Fixture.policy(rules: Self.seed),
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 40))
        )
        #expect(decision.effect == .allow)
    }

    @Test func missingReputationIsNotGoodReputation() throws {
        let decision = PolicyEngine.evaluate(
            try Fixture.policy(rules: Self.seed),
            Fixture.request(),
            Fixture.facts(reputation: nil)
        )
        #expect(decision.codes == [.reputationUnavailable])
        #expect(decision.effect == .deny)
    }

    @Test func attestationAgeIsMeasuredFromIntegrationTime() throws {
        // The payload could claim anything; the fact carries only the ledger's integration time.
        let policy = try Fixture.policy(rules: Self.seed)
        let attestation = Fixture.attestation("edge", ageDays: 30, index: 3)
        #expect(PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: [attestation])).effect == .allow)
        let later = Fixture.request(time: Fixture.now + 1)
        #expect(PolicyEngine.evaluate(policy, later, Fixture.facts(attestations: [attestation])).codes == [.attestationStale])
    }

    @Test func attestationIntegratedAfterTheRequestDoesNotCount() throws {
        let policy = try Fixture.policy(rules: Self.seed)
        let future = Fixture.attestation("future", ageDays: -1, index: 3)
        #expect(
            PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: [future])).codes == [.attestationMissing]
        )
    }

    @Test func noAttestationAtAllIsMissing() throws {
        let decision = PolicyEngine.evaluate(
            try Fixture.policy(rules: Self.seed),
            Fixture.request(),
            Fixture.facts(attestations: [])
        )
        #expect(decision.codes == [.attestationMissing])
        #expect(decision.reasons[0].message.contains("there is none"))
    }

    // MARK: Tiers

    static let tiers = """
        tiers:
          - name: high
            min_score: 80
            min_band90_low: 60
            effect: allow
            privilege: full
            required_checks: [standard_scan]
          - name: middle
            min_score: 50
            min_confidence: 0.3
            effect: allow_with_conditions
            privilege: restricted
            required_checks: [fresh_vulnerability_scan, manual_approval]
          - name: low
            min_score: 20
            effect: allow_with_conditions
            privilege: sandbox
            required_checks: [manual_approval, isolated_network]
        """

    @Test(arguments: [
        (85.0, 70.0, 0.8, Effect.allow, "full", ["standard_scan"]),
        (85.0, 50.0, 0.8, .allowWithConditions, "restricted", ["fresh_vulnerability_scan", "manual_approval"]),
        (60.0, 40.0, 0.8, .allowWithConditions, "restricted", ["fresh_vulnerability_scan", "manual_approval"]),
        (60.0, 40.0, 0.1, .allowWithConditions, "sandbox", ["manual_approval", "isolated_network"]),
        (20.0, 2.5, 0.0, .allowWithConditions, "sandbox", ["manual_approval", "isolated_network"]),
    ])
    func tierByScoreBandAndConfidence(
        score: Double,
        band: Double,
        confidence: Double,
        effect: Effect,
        privilege: String,
        checks: [String]
    ) throws {
        let facts = Fixture.facts(reputation: Fixture.reputation(score: score, band90Low: band, confidence: confidence))
        let decision = PolicyEngine.evaluate(try Fixture.policy(rules: Self.tiers), Fixture.request(), facts)
        #expect(decision.effect == effect)
        #expect(decision.privilege == privilege)
        #expect(decision.requiredChecks == checks)
        #expect(decision.codes == [.reputationTier])
    }

    @Test func noTierMatchesDenies() throws {
        let facts = Fixture.facts(reputation: Fixture.reputation(score: 19))
        let decision = PolicyEngine.evaluate(try Fixture.policy(rules: Self.tiers), Fixture.request(), facts)
        #expect(decision.effect == .deny)
        #expect(decision.codes == [.reputationNoTier])
        #expect(decision.reasons.map(\.message) == ["no tier matches (score 19.0, band90 low 0.0, confidence 0.700)"])
        let none = PolicyEngine.evaluate(try Fixture.policy(rules: Self.tiers), Fixture.request(), Fixture.facts(reputation: nil))
        #expect(none.codes == [.reputationNoTier])
        #expect(none.reasons.map(\.message) == ["no tier matches (no reputation)"])
    }

    @Test func tierMessagesQuoteTheFigures() throws {
        let policy = try Fixture.policy(rules: Self.tiers + "\n  - {name: floor, effect: deny}")
        let high = PolicyEngine.evaluate(
            policy,
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 85.25, band90Low: 70, confidence: 0.8125))
        )
        #expect(
            high.reasons.map(\.message) == [
                #"tier "high" (score 85.3, band90 low 70.0, confidence 0.813): allow, privilege full"#
            ]
        )
        let floor = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(reputation: Fixture.reputation(score: 5)))
        #expect(floor.reasons.map(\.message) == [#"tier "floor" (score 5.0, band90 low 0.0, confidence 0.700): deny"#])
        let unknown = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(reputation: nil))
        #expect(unknown.reasons.map(\.message).first == #"tier "floor" (no reputation): deny"#)
    }

    @Test func aBrandNewProviderCannotReachProductionThroughTheBand() throws {
        // REPUTATION.md: no evidence scores 50 with confidence 0 and band90 low 2.5.
        let policy = try Fixture.policy(
            rules: """
                tiers:
                  - {name: prod, min_band90_low: 50, effect: allow, privilege: full}
                  - {name: rest, effect: deny}
                """
        )
        let facts = Fixture.facts(reputation: Fixture.reputation(score: 50, band90Low: 2.5, confidence: 0))
        #expect(PolicyEngine.evaluate(policy, Fixture.request(), facts).effect == .deny)
    }

    @Test func tierAttestationsApplyOnlyInThatTier() throws {
        let policy = try Fixture.policy(
            rules: """
                tiers:
                  - {name: high, min_score: 80, effect: allow, privilege: full}
                  - name: middle
                    effect: allow_with_conditions
                    privilege: restricted
                    attestations:
                      - {predicate_type: "\(Fixture.audit)", threshold: 2}
                """
        )
        let high = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: []))
        #expect(high.effect == .allow)
        let middle = PolicyEngine.evaluate(
            policy,
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 60), attestations: [])
        )
        #expect(middle.effect == .deny)
        #expect(middle.codes == [.attestationMissing, .reputationTier])
        #expect(middle.reasons.map(\.rule) == ["rules.tiers[1]", "rules.tiers[1].attestations[0]"])
    }

    @Test func tiersAndDenyingRulesCombineToTheMostRestrictive() throws {
        let policy = try Fixture.policy(rules: Self.seed + "\n" + Self.tiers)
        let decision = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: []))
        #expect(decision.effect == .deny)
        #expect(decision.codes == [.attestationMissing, .reputationTier])
        #expect(decision.evaluated.requiredChecks == ["standard_scan"])
    }

    // MARK: Required attestations

    static func requirement(_ body: String) -> String {
        "attestations:\n  - predicate_type: \"\(Fixture.scan)\"\n"
            + body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
    }

    @Test func resultConditionsPassFailScoreAndSeverity() throws {
        let policy = try Fixture.policy(rules: Self.requirement("min_score: 80\nno_findings_at_or_above: high"))
        func decide(_ attestation: AttestationFact) -> Decision {
            PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: [attestation]))
        }
        #expect(decide(Fixture.attestation("ok", index: 1, score: 80, findings: FindingCounts(medium: 9))).effect == .allow)
        let failed = decide(Fixture.attestation("f", index: 1, result: .fail))
        #expect(failed.codes == [.attestationConditionsNotMet])
        #expect(failed.reasons[0].message.contains("reports fail"))
        let low = decide(Fixture.attestation("l", index: 1, score: 79.9))
        #expect(low.codes == [.attestationConditionsNotMet])
        #expect(low.reasons[0].message.contains("scores 79.9"))
        let unscored = decide(Fixture.attestation("u", index: 1, score: nil))
        #expect(unscored.codes == [.attestationConditionsNotMet])
        let high = decide(Fixture.attestation("h", index: 1, findings: FindingCounts(high: 1)))
        #expect(high.codes == [.attestationConditionsNotMet])
        #expect(high.reasons[0].message.contains("1 finding(s) at or above high"))
        let critical = decide(Fixture.attestation("c", index: 1, findings: FindingCounts(critical: 2)))
        #expect(critical.codes == [.attestationConditionsNotMet])
    }

    @Test func resultAnyAndFail() throws {
        let any = try Fixture.policy(rules: Self.requirement("result: any"))
        let fail = try Fixture.policy(rules: Self.requirement("result: fail"))
        let failing = Fixture.facts(attestations: [Fixture.attestation("f", index: 1, result: .fail)])
        let passing = Fixture.facts(attestations: [Fixture.attestation("p", index: 1, result: .pass)])
        #expect(PolicyEngine.evaluate(any, Fixture.request(), failing).effect == .allow)
        #expect(PolicyEngine.evaluate(fail, Fixture.request(), failing).effect == .allow)
        #expect(PolicyEngine.evaluate(fail, Fixture.request(), passing).effect == .deny)
    }

    @Test func onlyAcceptableAuditorsAndTheRightTypeCount() throws {
        let policy = try Fixture.policy(rules: Self.requirement("auditors: [auditor-a1]"))
        let stranger = Fixture.attestation("s", auditor: "auditor-zz", index: 1)
        let wrongType = Fixture.attestation("w", type: Fixture.audit, index: 2)
        let otherImage = Fixture.attestation("o", index: 3, subject: Fixture.otherImage)
        let decision = PolicyEngine.evaluate(
            policy,
            Fixture.request(),
            Fixture.facts(attestations: [stranger, wrongType, otherImage])
        )
        #expect(decision.codes == [.attestationMissing])
    }

    @Test func kOfNDistinctAuditors() throws {
        let policy = try Fixture.policy(
            rules: Self.requirement("auditors: [auditor-a1, auditor-a2, auditor-a3]\nthreshold: 2\nmax_age: 30d")
        )
        func decide(_ attestations: [AttestationFact]) -> Decision {
            PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: attestations))
        }
        let a1 = Fixture.attestation("a1", auditor: "auditor-a1", index: 1)
        let a1Again = Fixture.attestation("a1b", type: Fixture.scan, auditor: "auditor-a1", index: 5)
        let a2 = Fixture.attestation("a2", auditor: "auditor-a2", index: 2)
        let a2Stale = Fixture.attestation("a2s", auditor: "auditor-a2", ageDays: 45, index: 2)
        let a4 = Fixture.attestation("a4", auditor: "auditor-a4", index: 3)

        #expect(decide([a1, a2]).effect == .allow)
        #expect(decide([a1, a2]).evidence.records.contains(Fixture.record("a2")))
        // The same auditor twice is one auditor.
        let same = decide([a1, a1Again])
        #expect(same.codes == [.attestationThresholdNotMet])
        #expect(same.reasons[0].message.contains("only auditor-a1 qualify"))
        // An auditor outside the acceptable set does not count.
        #expect(decide([a1, a4]).codes == [.attestationThresholdNotMet])
        // A stale attestation does not count.
        #expect(decide([a1, a2Stale]).codes == [.attestationThresholdNotMet])
        #expect(decide([a2Stale]).codes == [.attestationStale])
    }

    // MARK: Provenance

    @Test func unknownImageAndProvider() throws {
        let policy = try Fixture.policy(rules: "{}")
        #expect(PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(image: nil)).codes == [.imageUnknown])
        let other = Fixture.request(image: Fixture.otherImage)
        #expect(PolicyEngine.evaluate(policy, other, Fixture.facts()).codes == [.imageUnknown])
        #expect(PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(provider: nil)).codes == [.providerUnknown])
        let foreign = ProviderFacts(id: "someone-else")
        #expect(PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(provider: foreign)).codes == [.providerUnknown])
    }

    @Test func chainRevocationSuspensionKey() throws {
        let policy = try Fixture.policy(rules: "{}")
        func codes(_ facts: PolicyFacts) -> [ReasonCode] { PolicyEngine.evaluate(policy, Fixture.request(), facts).codes }
        #expect(codes(Fixture.facts(image: Fixture.imageFacts(chainValid: false))) == [.chainInvalid])
        let direct = RevocationFact(record: Fixture.record("revoke"), effectiveAt: Fixture.now - 1)
        #expect(codes(Fixture.facts(image: Fixture.imageFacts(revocation: direct))) == [.revoked])
        let inherited = RevocationFact(
            record: Fixture.record("revoke"),
            inheritedFrom: Fixture.record("image-v1"),
            effectiveAt: Fixture.now
        )
        #expect(codes(Fixture.facts(image: Fixture.imageFacts(revocation: inherited))) == [.revokedInherited])
        let scheduled = RevocationFact(record: Fixture.record("revoke"), effectiveAt: Fixture.now + 1)
        #expect(codes(Fixture.facts(image: Fixture.imageFacts(revocation: scheduled))) == [])
        #expect(codes(Fixture.facts(provider: ProviderFacts(id: "acme", suspended: true))) == [.providerSuspended])
        #expect(codes(Fixture.facts(provider: ProviderFacts(id: "acme", keyValid: false))) == [.providerKeyInvalid])
        let everything = Fixture.facts(
            image: Fixture.imageFacts(chainValid: false, revocation: direct),
            provider: ProviderFacts(id: "acme", suspended: true, keyValid: false)
        )
        #expect(codes(everything) == [.chainInvalid, .revoked, .providerKeyInvalid, .providerSuspended])
    }

    @Test func provenanceConditionsCanBeSwitchedOff() throws {
        let policy = try Fixture.policy(
            rules:
                "provenance: {chain_valid: false, not_revoked: false, provider_not_suspended: false, provider_key_valid: false}"
        )
        let facts = Fixture.facts(
            image: Fixture.imageFacts(chainValid: false, revocation: RevocationFact(record: Fixture.record("r"), effectiveAt: 0)),
            provider: ProviderFacts(id: "acme", suspended: true, keyValid: false)
        )
        #expect(PolicyEngine.evaluate(policy, Fixture.request(), facts).effect == .allow)
    }

    @Test func deprecatedPastNDays() throws {
        let policy = try Fixture.policy(rules: "provenance: {max_deprecated_age: 30d}")
        func effect(deprecatedDaysAgo days: Int64) -> Effect {
            let deprecation = DeprecationFact(record: Fixture.record("dep"), at: Fixture.now - days * Fixture.day)
            return PolicyEngine.evaluate(
                policy,
                Fixture.request(),
                Fixture.facts(image: Fixture.imageFacts(deprecation: deprecation))
            ).effect
        }
        #expect(effect(deprecatedDaysAgo: 30) == .allow)
        #expect(effect(deprecatedDaysAgo: 31) == .deny)
        let unlimited = try Fixture.policy(rules: "{}")
        let old = Fixture.facts(image: Fixture.imageFacts(deprecation: DeprecationFact(record: Fixture.record("dep"), at: 0)))
        #expect(PolicyEngine.evaluate(unlimited, Fixture.request(), old).effect == .allow)
    }

    @Test func newestInLineageOrAtMostNBehind() throws {
        let newest = try Fixture.policy(rules: "provenance: {max_versions_behind: 0}")
        let two = try Fixture.policy(rules: "provenance: {max_versions_behind: 2}")
        let behind = Fixture.facts(image: Fixture.imageFacts(versionsBehind: 2))
        #expect(PolicyEngine.evaluate(newest, Fixture.request(), behind).codes == [.notNewest])
        #expect(PolicyEngine.evaluate(two, Fixture.request(), behind).effect == .allow)
        let three = Fixture.facts(image: Fixture.imageFacts(versionsBehind: 3))
        #expect(PolicyEngine.evaluate(two, Fixture.request(), three).effect == .deny)
    }
}
