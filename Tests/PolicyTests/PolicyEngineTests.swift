import Foundation
import Policy
import Provenance
import Testing

@Suite("Policy engine: scopes, modes, break-glass, decisions")
struct PolicyEngineTests {
    static let scopes = """
        apiVersion: vmtrust.dev/policy/v1
        name: scopes
        version: 1
        scopes:
          - name: catch-all
            rules: {}
          - name: env
            match: {environments: [prod]}
            rules: {}
          - name: project
            match: {projects: [payments]}
            rules: {}
          - name: project-env
            match: {projects: [payments], environments: [prod]}
            rules: {}
          - name: group
            match: {groups: [ops, sre]}
            rules: {}
          - name: group-2
            match: {groups: [dev]}
            rules: {}
          - name: user
            match: {users: [carol]}
            rules: {}
        """

    @Test(arguments: [
        (Fixture.request(user: "zed", environment: nil), "catch-all"),
        (Fixture.request(user: "zed", environment: "dev"), "catch-all"),
        (Fixture.request(user: "zed", environment: "prod"), "env"),
        (Fixture.request(user: "zed", project: "payments", environment: "dev"), "project"),
        (Fixture.request(user: "zed", project: "payments", environment: "prod"), "project-env"),
        (Fixture.request(user: "zed", groups: ["sre"], project: "payments", environment: "prod"), "group"),
        (Fixture.request(user: "zed", groups: ["dev", "ops"], environment: "prod"), "group"),
        (Fixture.request(user: "zed", groups: ["dev"], environment: "prod"), "group-2"),
        (Fixture.request(user: "carol", groups: ["ops"], project: "payments", environment: "prod"), "user"),
    ])
    func mostSpecificScopeWins(_ request: AuthorizationRequest, _ expected: String) throws {
        let policy = try Policy.parse(Self.scopes)
        #expect(PolicyEngine.evaluate(policy, request, Fixture.facts()).policy.scope == expected)
    }

    @Test func specificityOrder() {
        #expect(
            ScopeMatch(users: ["a"]).specificity > ScopeMatch(groups: ["g"], projects: ["p"], environments: ["e"]).specificity
        )
        #expect(ScopeMatch(groups: ["g"]).specificity > ScopeMatch(projects: ["p"], environments: ["e"]).specificity)
        #expect(ScopeMatch(projects: ["p"]).specificity > ScopeMatch(environments: ["e"]).specificity)
        #expect(ScopeMatch(environments: ["e"]).specificity > ScopeMatch().specificity)
    }

    // MARK: Modes

    static func moded(_ mode: String) throws -> Policy {
        try Fixture.policy(
            rules: """
                reputation: {low: 40}
                allow_low_reputation: false
                tiers:
                  - {name: high, min_score: 80, effect: allow, privilege: full}
                  - {name: rest, effect: allow_with_conditions, privilege: restricted, required_checks: [manual_approval]}
                """,
            mode: mode
        )
    }

    @Test func enforceDenies() throws {
        let decision = PolicyEngine.evaluate(
            try Self.moded("enforce"),
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 30))
        )
        #expect(decision.mode == .enforce)
        #expect(decision.effect == .deny)
        #expect(decision.privilege == nil)
        #expect(decision.warnings.isEmpty)
        #expect(decision.evaluated.effect == .deny)
    }

    @Test func warnAllowsAndReportsTheDenyAsWarnings() throws {
        let decision = PolicyEngine.evaluate(
            try Self.moded("warn"),
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 30))
        )
        #expect(decision.mode == .warn)
        #expect(decision.effect == .allow)
        #expect(decision.privilege == "restricted")
        #expect(decision.requiredChecks == ["manual_approval"])
        #expect(decision.warnings.map(\.code) == [.reputationBelowLow])
        #expect(decision.evaluated == Outcome(effect: .deny, privilege: nil, requiredChecks: ["manual_approval"]))
        #expect(decision.codes == [.reputationBelowLow, .reputationTier])
    }

    @Test func warnLeavesConditionsAlone() throws {
        let decision = PolicyEngine.evaluate(
            try Self.moded("warn"),
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 60))
        )
        #expect(decision.effect == .allowWithConditions)
        #expect(decision.warnings.isEmpty)
    }

    @Test func warnOnADenyTierGrantsTheLeastPrivilege() throws {
        let policy = try Fixture.policy(rules: "tiers:\n  - {name: none, effect: deny}", mode: "warn")
        let decision = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts())
        #expect(decision.effect == .allow)
        #expect(decision.privilege == "sandbox")
    }

    @Test func dryRunAllowsEverythingAndReportsWhatEnforceWouldSay() throws {
        let denied = PolicyEngine.evaluate(
            try Self.moded("dry_run"),
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 30))
        )
        #expect(denied.mode == .dryRun)
        #expect(denied.effect == .allow)
        #expect(denied.privilege == "full")
        #expect(denied.requiredChecks.isEmpty)
        #expect(denied.warnings.isEmpty)
        #expect(denied.evaluated.effect == .deny)
        #expect(denied.codes == [.reputationBelowLow, .reputationTier])
        let conditional = PolicyEngine.evaluate(
            try Self.moded("dry_run"),
            Fixture.request(),
            Fixture.facts(reputation: Fixture.reputation(score: 60))
        )
        #expect(conditional.effect == .allow)
        #expect(conditional.evaluated.effect == .allowWithConditions)
    }

    // MARK: Break-glass

    static func grant(
        _ name: String = "grant",
        users: [String]? = ["alice"],
        images: [String]? = nil,
        from: Int64 = Fixture.now - Fixture.day,
        until: Int64 = Fixture.now + Fixture.day,
        privilege: String? = nil
    ) -> BreakGlassGrant {
        BreakGlassGrant(
            record: Fixture.record(name),
            grantedBy: "admin-bob",
            reason: "incident 42: restore payments",
            scope: ScopeMatch(users: users),
            images: images,
            notBefore: from,
            expiresAt: until,
            privilege: privilege
        )
    }

    static let strict = """
        reputation: {low: 40}
        allow_low_reputation: false
        require_attestation: {max_age: 30d}
        """

    @Test func breakGlassAllowsFlagsAndRecords() throws {
        let facts = Fixture.facts(reputation: Fixture.reputation(score: 10), attestations: [], breakGlass: [Self.grant()])
        let decision = PolicyEngine.evaluate(try Fixture.policy(rules: Self.strict), Fixture.request(), facts)
        #expect(decision.effect == .allowWithConditions)
        #expect(decision.allowed)
        #expect(decision.privilege == "sandbox")
        #expect(decision.record)
        #expect(decision.evaluated.effect == .deny)
        let use = try #require(decision.breakGlass)
        #expect(use.grant == Fixture.record("grant"))
        #expect(use.grantedBy == "admin-bob")
        #expect(use.missing == [.attestationMissing, .reputationBelowLow])
        #expect(decision.codes == [.attestationMissing, .breakGlassUsed, .reputationBelowLow])
        #expect(decision.evidence.records.contains(Fixture.record("grant")))
    }

    @Test func breakGlassIsReflaggedUntilTheEvidenceExists() throws {
        let policy = try Fixture.policy(rules: Self.strict)
        let grant = Self.grant()
        let first = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: [], breakGlass: [grant]))
        let again = PolicyEngine.evaluate(
            policy,
            Fixture.request(time: Fixture.now + 3_600_000),
            Fixture.facts(attestations: [], breakGlass: [grant])
        )
        #expect(first.breakGlass?.missing == [.attestationMissing])
        #expect(again.breakGlass?.missing == [.attestationMissing])
        #expect(again.record)
        // Once an attestation lands, the grant is no longer needed: no flag, no forced recording.
        let fixed = PolicyEngine.evaluate(
            policy,
            Fixture.request(time: Fixture.now + 3_600_000),
            Fixture.facts(attestations: [Fixture.attestation("new", index: 50)], breakGlass: [grant])
        )
        #expect(fixed.effect == .allow)
        #expect(fixed.breakGlass == nil)
        #expect(!fixed.record)
    }

    @Test func breakGlassExpires() throws {
        let policy = try Fixture.policy(rules: Self.strict)
        let grant = Self.grant(until: Fixture.now + 1_000)
        let facts = Fixture.facts(attestations: [], breakGlass: [grant])
        #expect(PolicyEngine.evaluate(policy, Fixture.request(time: Fixture.now + 999), facts).effect == .allowWithConditions)
        let expired = PolicyEngine.evaluate(policy, Fixture.request(time: Fixture.now + 1_000), facts)
        #expect(expired.effect == .deny)
        #expect(expired.breakGlass == nil)
        let early = Self.grant(from: Fixture.now + 1)
        #expect(
            PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: [], breakGlass: [early])).effect == .deny
        )
    }

    @Test func breakGlassOnlyCoversItsScopeAndImages() throws {
        let policy = try Fixture.policy(rules: Self.strict)
        let bobOnly = Self.grant(users: ["bob"])
        #expect(
            PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: [], breakGlass: [bobOnly])).effect
                == .deny
        )
        let otherImage = Self.grant(images: [Fixture.otherImage])
        #expect(
            PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: [], breakGlass: [otherImage])).effect
                == .deny
        )
        let thisImage = Self.grant(images: [Fixture.image], privilege: "restricted")
        let decision = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: [], breakGlass: [thisImage]))
        #expect(decision.effect == .allowWithConditions)
        #expect(decision.privilege == "restricted")
    }

    @Test func warnAndDryRunScopesNeverUseAGrant() throws {
        for mode in ["warn", "dry_run"] {
            let policy = try Fixture.policy(rules: Self.strict, mode: mode)
            let decision = PolicyEngine.evaluate(
                policy,
                Fixture.request(),
                Fixture.facts(attestations: [], breakGlass: [Self.grant()])
            )
            #expect(decision.effect == .allow)
            #expect(decision.breakGlass == nil)
            #expect(!decision.record)
            #expect(decision.evaluated.effect == .deny)
        }
    }

    @Test func theGrantExpiringLastIsUsed() throws {
        let policy = try Fixture.policy(rules: Self.strict)
        let short = Self.grant("short", until: Fixture.now + 10)
        let long = Self.grant("long", until: Fixture.now + 20)
        let decision = PolicyEngine.evaluate(
            policy,
            Fixture.request(),
            Fixture.facts(attestations: [], breakGlass: [long, short])
        )
        #expect(decision.breakGlass?.grant == Fixture.record("long"))
    }

    @Test func recordDecisionsWhenThePolicyAsks() throws {
        let policy = try Fixture.policy(rules: "{}", extra: "record_decisions: true")
        #expect(PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts()).record)
        #expect(!PolicyEngine.evaluate(try Fixture.policy(rules: "{}"), Fixture.request(), Fixture.facts()).record)
    }

    // MARK: Decision ids and JSON

    @Test func decisionIDsAreDeterministic() throws {
        let policy = try Policy.parse(try Fixture.example("policy.yaml"))
        let request = Fixture.request(groups: ["b", "a"])
        let facts = Fixture.facts(attestations: [
            Fixture.attestation("x", index: 1), Fixture.attestation("y", auditor: "auditor-a2", index: 2),
        ])
        let first = PolicyEngine.evaluate(policy, request, facts)
        var shuffled = facts
        shuffled.attestations.reverse()
        let second = PolicyEngine.evaluate(
            try Policy.parse(try Fixture.example("policy.yaml")),
            Fixture.request(groups: ["a", "b", "a"]),
            shuffled
        )
        #expect(first.decisionID == second.decisionID)
        #expect(first.decisionID.count == 64)
        #expect(first.reasons == second.reasons)
        #expect(first.evidence == second.evidence)

        let later = PolicyEngine.evaluate(policy, Fixture.request(time: Fixture.now + 1), facts)
        var grown = facts
        grown.checkpoint = CheckpointReference(size: 1_001, rootHash: facts.checkpoint.rootHash)
        let biggerLog = PolicyEngine.evaluate(policy, request, grown)
        let otherPolicy = PolicyEngine.evaluate(try Fixture.policy(rules: "{}"), request, facts)
        #expect(Set([first.decisionID, later.decisionID, biggerLog.decisionID, otherPolicy.decisionID]).count == 4)
    }

    /// A known answer for the decision id's canonical input.
    @Test func decisionIDKnownAnswer() {
        let id = PolicyEngine.decisionID(
            policyDigest: "sha256:" + String(repeating: "0", count: 64),
            request: AuthorizationRequest(
                user: "u",
                groups: ["g"],
                image: "sha256:" + String(repeating: "1", count: 64),
                time: 5
            ),
            checkpoint: CheckpointReference(size: 3, rootHash: "AAAA")
        )
        // The time 5 in 12 hex digits, then the first 52 hex digits of the sha256 of
        // {"checkpoint":{"root_hash":"AAAA","size":3},"policy":"sha256:000…","request":{"groups":["g"],"image":"sha256:111…","time":5,"user":"u"}}
        let input =
            #"{"checkpoint":{"root_hash":"AAAA","size":3},"policy":"sha256:"# + String(repeating: "0", count: 64)
            + #"","request":{"groups":["g"],"image":"sha256:"# + String(repeating: "1", count: 64) + #"","time":5,"user":"u"}}"#
        #expect(id == "000000000005" + Self.sha256Hex(input).prefix(52))
    }

    /// Decision ids start with the request time (its low 48 bits, 12 hex digits), so they sort by it.
    @Test func decisionIDsSortByRequestTime() {
        func id(_ time: Int64, user: String = "u") -> String {
            PolicyEngine.decisionID(
                policyDigest: "sha256:" + String(repeating: "0", count: 64),
                request: AuthorizationRequest(user: user, image: Fixture.image, time: time),
                checkpoint: Fixture.checkpoint
            )
        }
        #expect(id(1_788_220_800_031).hasPrefix("01a05a43fc1f"))
        #expect(id(-5).hasPrefix("fffffffffffb"))
        let times: [Int64] = [0, 1, 15, 16, 999, 1_000, 1_788_220_800_031, 1_788_220_800_032, 0xFFFF_FFFF_FFFF]
        let ids = times.map { id($0) }
        #expect(ids == ids.sorted())
        #expect(ids.allSatisfy { $0.count == 64 && $0.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } })
        // Same time, other request: the same 12 digits, then other hash digits.
        #expect(id(7, user: "v").prefix(12) == id(7).prefix(12))
        #expect(id(7, user: "v") != id(7))
    }

    static func sha256Hex(_ text: String) -> String {
        // Independent of the engine's code path: Provenance's RecordID is sha256 of the bytes.
        String(RecordID(payload: Array(text.utf8)).description.dropFirst(7))
    }

    @Test func decisionJSONHasTheDocumentedShape() throws {
        let policy = try Fixture.policy(rules: Self.strict)
        let decision = PolicyEngine.evaluate(policy, Fixture.request(), Fixture.facts(attestations: []))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(decision)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys)
                == [
                    "decision_id", "effect", "privilege", "required_checks", "mode", "evaluated", "reasons", "warnings",
                    "break_glass", "record", "evidence", "policy", "request",
                ]
        )
        #expect(object["effect"] as? String == "deny")
        #expect(object["privilege"] is NSNull)
        #expect(object["break_glass"] is NSNull)
        let reasons = try #require(object["reasons"] as? [[String: Any]])
        #expect(reasons.first?["code"] as? String == "attestation.missing")
        let evidence = try #require(object["evidence"] as? [String: Any])
        let checkpoint = try #require(evidence["checkpoint"] as? [String: Any])
        #expect(checkpoint["size"] as? Int == 1_000)
        let reference = try #require(object["policy"] as? [String: Any])
        #expect(reference["digest"] as? String == policy.digest)
        #expect(try JSONDecoder().decode(Decision.self, from: data) == decision)
    }

    @Test func factsRoundTripThroughJSON() throws {
        let facts = Fixture.facts(
            image: Fixture.imageFacts(
                revocation: RevocationFact(record: Fixture.record("r"), inheritedFrom: Fixture.record("p"), effectiveAt: 5),
                deprecation: DeprecationFact(record: Fixture.record("d"), at: 6),
                versionsBehind: 2
            ),
            attestations: [Fixture.attestation("a", index: 1, withdrawn: true, superseded: true)],
            breakGlass: [Self.grant(images: [Fixture.image], privilege: "restricted")]
        )
        let data = try JSONEncoder().encode(facts)
        #expect(try JSONDecoder().decode(PolicyFacts.self, from: data) == facts)
        let text = String(decoding: data, as: UTF8.self)
        for key in [
            "\"chain_valid\"", "\"inherited_from\"", "\"versions_behind\"", "\"log_index\"", "\"break_glass\"", "\"expires_at\"",
        ] {
            #expect(text.contains(key))
        }
    }

    @Test func factsAndRequestsDecodeFromPlainJSON() throws {
        let json = """
            {"request": {"user": "alice", "environment": "prod", "image": "\(Fixture.image)", "time": \(Fixture.now)},
             "facts": {"image": {"record": "\(Fixture.record("i"))", "digest": "\(Fixture.image)", "provider": "acme",
                                 "chain": ["\(Fixture.record("i"))"], "chain_valid": true, "versions_behind": 0},
                       "provider": {"id": "acme", "suspended": false, "key_valid": true},
                       "reputation": {"provider": "acme", "score": 64.0, "confidence": 0.655, "band90_low": 34,
                                      "band90_high": 94, "parameter_version": 1},
                       "attestations": [{"record": "\(Fixture.record("a"))", "subject": "\(Fixture.image)",
                                         "predicate_type": "\(Fixture.scan)", "auditor": "a1", "integrated_at": \(Fixture.now - 1),
                                         "log_index": 7, "result": "pass", "score": 88,
                                         "findings": {"critical": 0, "high": 1, "medium": 0, "low": 3}}],
                       "checkpoint": {"size": 8, "root_hash": "AAAA"}}}
            """
        struct Input: Decodable {
            var request: AuthorizationRequest
            var facts: PolicyFacts
        }
        let input = try JSONDecoder().decode(Input.self, from: Data(json.utf8))
        #expect(input.request.groups == [])
        #expect(input.facts.attestations[0].findings.count(atOrAbove: .high) == 1)
        #expect(input.facts.attestations[0].withdrawn == false)
        #expect(input.facts.breakGlass.isEmpty)
        #expect(input.facts.reputation?.band90Low == 34)
    }
}
