import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import NIOCore
import Policy
import Provenance
import Testing
import TransparencyLog
import TrustServer
import VMTrustTesting

@Suite("Policy decisions over HTTP")
struct PolicyRoutesTests {
    typealias W = PolicyWorld

    /// The seed policy of POLICY.md with `reputation.low` between globex's and acme's scores.
    static let seedPolicy = """
        apiVersion: vmtrust.dev/policy/v1
        name: seed
        version: 1
        scopes:
          - name: default
            rules:
              reputation: {low: 50}
              allow_low_reputation: false
              require_attestation: {max_age: 90d}
        """

    /// The seed's pseudocode — `if reputation < low and not allow_low_reputation: deny; elif require_attestation
    /// and the newest attestation is older than max_age: deny; else allow` — through the real server: each branch.
    @Test("if reputation < low and not allow_low_reputation: deny; elif attestation older than max_age: deny; else allow")
    func ifLowReputationDenyElseIfStaleAttestationDenyElseAllow() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            _ = try await world.setUp(client)
            try await world.publish(client, Self.seedPolicy)
            try await world.attest(client, W.a, by: "sec-audit")
            world.clock.advance(byMillis: 91 * W.day)
            try await world.attest(client, W.a2, by: "sec-audit")
            try await world.attest(client, W.g, by: "sec-audit")

            // Branch 1: low reputation, not allowed → deny (whatever the attestations).
            let (low, _) = try await world.authorize(client, image: W.g)
            #expect(low.effect == .deny)
            #expect(low.codes == [.reputationBelowLow])
            let lowScore = try #require(low.evidence.reputation?.score)
            #expect(lowScore < 50)

            // Branch 2: reputation fine, but the only attestation is 91 days old → deny, stale.
            let (stale, _) = try await world.authorize(client, image: W.a)
            #expect(stale.effect == .deny)
            #expect(stale.codes == [.attestationStale])
            #expect(try #require(stale.evidence.reputation?.score) >= 50)

            // Branch 3: reputation fine, fresh attestation → allow.
            let (allowed, body) = try await world.authorize(client, image: W.a2)
            #expect(allowed.effect == .allow)
            #expect(allowed.privilege == "full")
            #expect(allowed.reasons.isEmpty)
            #expect(allowed.mode == .enforce)
            // The evidence names the chain and the attestation, the reputation and the checkpoint.
            #expect(allowed.evidence.records.count == 3)
            let checkpoint = await world.harness.ledger.latestCheckpoint
            #expect(allowed.evidence.checkpoint.size == checkpoint.size)
            #expect(allowed.evidence.checkpoint.rootHash == checkpoint.rootHash.base64)
            #expect(body["policy_record"] as? String != nil)
            #expect(allowed.decisionID.count == 64)
        }
    }

    @Test("Tiers map the reputation to effect, privilege and checks")
    func tiers() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            _ = try await world.setUp(client)
            try await world.publish(
                client,
                """
                apiVersion: vmtrust.dev/policy/v1
                name: tiers
                version: 1
                scopes:
                  - name: default
                    rules:
                      tiers:
                        - {name: high, min_score: 55, effect: allow, privilege: full, required_checks: [standard_scan]}
                        - {name: middle, min_score: 35, effect: allow_with_conditions, privilege: restricted, required_checks: [manual_approval]}
                        - {name: rest, effect: deny}
                """
            )
            let (acme, _) = try await world.authorize(client, image: W.b)
            let (globex, _) = try await world.authorize(client, image: W.g)
            let acmeScore = try #require(acme.evidence.reputation?.score)
            let globexScore = try #require(globex.evidence.reputation?.score)
            func expected(_ score: Double) -> (Effect, String?, [String]) {
                if score >= 55 { return (.allow, "full", ["standard_scan"]) }
                if score >= 35 { return (.allowWithConditions, "restricted", ["manual_approval"]) }
                return (.deny, nil, [])
            }
            for (decision, score) in [(acme, acmeScore), (globex, globexScore)] {
                let (effect, privilege, checks) = expected(score)
                #expect(decision.effect == effect, "score \(score)")
                #expect(decision.privilege == privilege)
                #expect(decision.requiredChecks == checks)
                #expect(decision.codes.contains(.reputationTier))
            }
            #expect(acme.effect != globex.effect)
        }
    }

    static let auditPolicy = """
        apiVersion: vmtrust.dev/policy/v1
        name: audits
        version: 1
        scopes:
          - name: default
            rules:
              attestations:
                - predicate_type: https://vmtrust.dev/attestation/audit/v1
                  auditors: [sec-audit, lab-two, lab-three]
                  threshold: 2
                  max_age: 30d
        """

    @Test("k of n distinct auditors; stale, withdrawn and superseded attestations count as absent")
    func kOfNStaleWithdrawnSuperseded() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            _ = try await world.setUp(client)
            try await world.publish(
                client,
                Self.auditPolicy.replacingOccurrences(
                    of: "https://vmtrust.dev/attestation/audit/v1",
                    with: AttestationPredicate.auditType
                )
            )

            #expect(try await world.authorize(client, image: W.b).0.codes == [.attestationMissing])
            let first = try await world.attest(client, W.b, by: "sec-audit")
            // The same auditor twice is still one auditor.
            try await world.attest(client, W.b, by: "sec-audit")
            #expect(try await world.authorize(client, image: W.b).0.codes == [.attestationThresholdNotMet])
            try await world.attest(client, W.b, by: "lab-two")
            let met = try await world.authorize(client, image: W.b).0
            #expect(met.effect == .allow)
            #expect(!met.evidence.records.contains(first), "the superseded attestation is not evidence")

            // Withdrawn: lab-two retracts; one auditor left.
            let labTwo = try await world.attest(client, W.b, by: "lab-two")
            #expect(try await world.authorize(client, image: W.b).0.effect == .allow)
            try await world.accept(
                client,
                .attestationWithdraw(
                    AttestationWithdrawRecord(
                        auditor: "lab-two",
                        attestation: labTwo,
                        reason: "scope",
                        time: world.clock.now() + 1000
                    )
                ),
                by: [W.auditorKeys["lab-two"]!]
            )
            #expect(try await world.authorize(client, image: W.b).0.codes == [.attestationThresholdNotMet])

            // Superseded: lab-three passes, then fails; only the newest counts.
            try await world.attest(client, W.b, by: "lab-three")
            #expect(try await world.authorize(client, image: W.b).0.effect == .allow)
            try await world.attest(client, W.b, by: "lab-three", passed: false)
            #expect(try await world.authorize(client, image: W.b).0.codes == [.attestationThresholdNotMet])

            // Stale: 31 days later nothing is fresh.
            try await world.attest(client, W.b, by: "lab-three")
            #expect(try await world.authorize(client, image: W.b).0.effect == .allow)
            world.clock.advance(byMillis: 31 * W.day)
            #expect(try await world.authorize(client, image: W.b).0.codes == [.attestationStale])
        }
    }

    static let openPolicy = """
        apiVersion: vmtrust.dev/policy/v1
        name: open
        version: 1
        scopes:
          - name: default
            rules: {}
        """

    @Test("Inherited revocation, suspended provider and unknown images deny")
    func provenanceConditions() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            let images = try await world.setUp(client)
            try await world.publish(client, Self.openPolicy)
            #expect(try await world.authorize(client, image: W.a3).0.effect == .allow)
            let unknown = try await world.authorize(client, image: W.digest(0x77)).0
            #expect(unknown.effect == .deny && unknown.codes == [.imageUnknown])

            // Revoking a (with inheritance) revokes a3 through it; b is untouched.
            let revoke = try await world.accept(
                client,
                .imageRevoke(
                    ImageRevokeRecord(
                        provider: "acme",
                        target: images.a,
                        reason: "compromised build",
                        inherit: true,
                        time: world.clock.now() + 1000
                    )
                ),
                by: [W.acmeKey]
            )
            let inherited = try await world.authorize(client, image: W.a3).0
            #expect(inherited.codes == [.revokedInherited])
            #expect(inherited.evidence.records.contains(revoke) && inherited.evidence.records.contains(images.a))
            #expect(try await world.authorize(client, image: W.a).0.codes == [.revoked])
            #expect(try await world.authorize(client, image: W.b).0.effect == .allow)

            // Suspending acme denies its images.
            try await world.accept(
                client,
                .providerUpdate(ProviderUpdateRecord(id: "acme", suspended: true, time: world.clock.now() + 1000)),
                by: [W.admin]
            )
            #expect(try await world.authorize(client, image: W.b).0.codes == [.providerSuspended])
            #expect(try await world.authorize(client, image: W.g).0.effect == .allow)
        }
    }

    @Test("Versions behind and deprecation come from the lineage")
    func lineage() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            let images = try await world.setUp(client)
            try await world.publish(
                client,
                """
                apiVersion: vmtrust.dev/policy/v1
                name: newest
                version: 1
                scopes:
                  - name: default
                    rules: {provenance: {max_versions_behind: 1, max_deprecated_age: 1d}}
                """
            )
            #expect(try await world.authorize(client, image: W.a).0.codes == [.notNewest])
            #expect(try await world.authorize(client, image: W.a2).0.effect == .allow)
            try await world.accept(
                client,
                .imageDeprecate(
                    ImageDeprecateRecord(
                        provider: "acme",
                        target: images.a2,
                        after: world.clock.now(),
                        reason: "old",
                        time: world.clock.now() + 1000
                    )
                ),
                by: [W.acmeKey]
            )
            #expect(try await world.authorize(client, image: W.a2).0.effect == .allow)
            world.clock.advance(byMillis: 2 * W.day)
            #expect(try await world.authorize(client, image: W.a2).0.codes == [.deprecated])
        }
    }

    @Test(
        "Break-glass: allowed with conditions, flagged, recorded; only for its user and scope; re-flagged until the evidence exists"
    )
    func breakGlass() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            _ = try await world.setUp(client)
            try await world.publish(client, Self.seedPolicy)
            try await world.attest(client, W.g, by: "sec-audit")
            #expect(try await world.authorize(client, image: W.g, environment: "prod").0.effect == .deny)

            let now = world.clock.now()
            let grant = Record.breakGlass(
                BreakGlassRecord(
                    user: "alice",
                    reason: "incident 42",
                    provider: "globex",
                    environment: "prod",
                    notBefore: now,
                    expiresAt: now + 4 * 3_600_000,
                    time: now + 1000
                )
            )
            // Only admins grant it.
            world.clock.advance(byMillis: 1000)
            let refused = try await client.post(try grant.signed(by: [W.globexKey]).jsonBytes())
            #expect(refused.status == .forbidden)
            try await world.accept(client, grant, by: [W.admin])

            let (decision, body) = try await world.authorize(client, image: W.g, environment: "prod")
            #expect(decision.effect == .allowWithConditions)
            #expect(decision.evaluated.effect == .deny)
            #expect(decision.breakGlass?.grant == grant.id)
            #expect(decision.breakGlass?.missing == [.reputationBelowLow])
            #expect(decision.record)
            #expect(decision.codes.contains(.breakGlassUsed))
            let logged = try #require(body["logged"] as? [String: Any])
            let loggedID = try #require(logged["record"] as? String)
            #expect(try await client.execute(uri: "/v1/records/\(loggedID)", method: .get).status == .ok)
            // Not for another environment, another user or after it expires.
            #expect(try await world.authorize(client, image: W.g, environment: "staging").0.effect == .deny)
            #expect(try await world.authorize(client, user: "bob", image: W.g, environment: "prod").0.effect == .deny)
            // Re-flagged on every use while the evidence is missing; not used when the rules allow on their own.
            #expect(try await world.authorize(client, image: W.g, environment: "prod").0.breakGlass != nil)
            let acme = try await world.authorize(client, image: W.a2, environment: "prod").0
            #expect(acme.breakGlass == nil)
            world.clock.advance(byMillis: 5 * 3_600_000)
            #expect(try await world.authorize(client, image: W.g, environment: "prod").0.effect == .deny)
        }
    }

    @Test("Dry-run and warn scopes report what enforce would say")
    func modes() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            _ = try await world.setUp(client)
            try await world.publish(
                client,
                """
                apiVersion: vmtrust.dev/policy/v1
                name: modes
                version: 1
                scopes:
                  - name: default
                    rules: &seed
                      reputation: {low: 50}
                      allow_low_reputation: false
                  - name: dev
                    match: {environments: [dev]}
                    mode: dry_run
                    rules: *seed
                  - name: staging
                    match: {environments: [staging]}
                    mode: warn
                    rules: *seed
                """
            )
            let enforce = try await world.authorize(client, image: W.g, environment: "prod").0
            #expect(enforce.effect == .deny && enforce.mode == .enforce)
            let dryRun = try await world.authorize(client, image: W.g, environment: "dev").0
            #expect(dryRun.effect == .allow && dryRun.mode == .dryRun && dryRun.privilege == "full")
            #expect(dryRun.evaluated.effect == .deny && dryRun.codes == [.reputationBelowLow])
            #expect(dryRun.warnings.isEmpty)
            let warn = try await world.authorize(client, image: W.g, environment: "staging").0
            #expect(warn.effect == .allow && warn.mode == .warn)
            #expect(warn.warnings.map(\.code) == [.reputationBelowLow])
        }
    }

    @Test("Every decision is stored and served by id; the newest published version is in force")
    func storedDecisionsAndVersions() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            _ = try await world.setUp(client)
            // Before any policy: a problem, nothing decided.
            let none = try await client.execute(
                uri: "/v1/authorize",
                method: .post,
                body: ByteBuffer(string: #"{"user":"alice","image":"\#(W.b)"}"#)
            )
            #expect(none.status == .conflict)
            #expect(try none.problem().code == "no-policy")

            let v1 = try await world.publish(client, Self.openPolicy)
            let (first, firstBody) = try await world.authorize(client, image: W.b)
            #expect(firstBody["policy_record"] as? String == v1.description)
            let stored = try await client.execute(uri: "/v1/decisions/\(first.decisionID)", method: .get)
            #expect(stored.status == .ok)
            #expect(try JSONDecoder().decode(Decision.self, from: Data(stored.bytes)) == first)

            // A new version of the same policy replaces it; an older or equal version is refused.
            let v2 = try await world.publish(
                client,
                Self.openPolicy.replacingOccurrences(of: "version: 1", with: "version: 2") + "\n    mode: dry_run"
            )
            let (second, secondBody) = try await world.authorize(client, image: W.b)
            #expect(secondBody["policy_record"] as? String == v2.description)
            #expect(second.mode == .dryRun && second.policy.version == 2)
            world.clock.advance(byMillis: 1000)
            let old = try await client.post(
                try Record.policyPublish(
                    try PolicyPublishRecord(document: try Policy.parse(Self.openPolicy).canonicalJSON, time: world.clock.now())
                ).signed(by: [W.admin]).jsonBytes()
            )
            #expect(old.status == .conflict)
            #expect(try old.problem().code == "record-policy-version-not-increasing")
            // An invalid document is refused by the policy validator.
            world.clock.advance(byMillis: 1000)
            let invalid = try await client.post(
                try Record.policyPublish(
                    try PolicyPublishRecord(document: Array(#"{"name":"x","version":1}"#.utf8), time: world.clock.now())
                ).signed(by: [W.admin]).jsonBytes()
            )
            #expect(try invalid.problem().code == "record-invalid-policy")

            for (uri, status) in [
                ("/v1/decisions/" + String(repeating: "0", count: 64), HTTPResponse.Status.notFound),
                ("/v1/decisions/xyz", .badRequest),
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == status, "\(uri)")
            }
        }
    }

    @Test("A policy with record_decisions appends each decision for a registered user, signed by the decision key")
    func recordDecisions() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            _ = try await world.setUp(client)
            try await world.publish(
                client,
                Self.openPolicy.replacingOccurrences(of: "version: 1", with: "version: 1\nrecord_decisions: true")
            )
            let size = await world.harness.ledger.latestCheckpoint.size
            let (decision, body) = try await world.authorize(client, image: W.b)
            #expect(decision.record && decision.effect == .allow)
            let logged = try #require(body["logged"] as? [String: Any])
            let id = try #require((logged["record"] as? String).flatMap(RecordID.init))
            #expect(await world.harness.ledger.latestCheckpoint.size == size + 1)
            let entry = try #require(try await world.harness.ledger.committedEntry(for: id))
            let envelope = try DSSEEnvelope(json: entry.envelope)
            #expect(envelope.verifiedKeys([TestKeys.decisionKey.publicKey]).count == 1)
            guard case .policyDecision(let record) = try Record.decode(envelope) else {
                Issue.record("not a policy-decision record")
                return
            }
            #expect(record.user == "alice" && record.image == W.b && record.provider == "acme")
            #expect(record.decision == "dec_" + decision.decisionID.prefix(32))
            #expect(
                record.effect == .allow && record.mode == .enforce && record.logSize == Int64(decision.evidence.checkpoint.size)
            )
            #expect(body["log_error"] is NSNull)

            // A user the log does not know: stored, not logged, and the answer says why.
            let (unknown, unknownBody) = try await world.authorize(client, user: "mallory", image: W.b)
            #expect(unknown.record)
            #expect(unknownBody["logged"] is NSNull)
            #expect((unknownBody["log_error"] as? String)?.contains("unknownUser") == true)
            let stored = try await client.execute(uri: "/v1/decisions/\(unknown.decisionID)", method: .get)
            #expect(stored.status == .ok)
        }
    }

    static let malformedRequests: [(String, String, String)] = [
        ("unknown member", #"{"user":"alice","image":"\#(PolicyWorld.b)","env":"prod"}"#, "invalid-parameter"),
        ("no user", #"{"image":"\#(PolicyWorld.b)"}"#, "invalid-parameter"),
        ("bad digest", #"{"user":"alice","image":"sha256:abc"}"#, "invalid-parameter"),
        ("bad user", #"{"user":"al ice","image":"\#(PolicyWorld.b)"}"#, "invalid-parameter"),
        ("time too far", #"{"user":"alice","image":"\#(PolicyWorld.b)","time":1}"#, "invalid-parameter"),
        (
            "project and namespace", #"{"user":"alice","image":"\#(PolicyWorld.b)","project":"a","namespace":"b"}"#,
            "invalid-parameter"
        ),
        ("not JSON", "{", "invalid-parameter"),
        ("array", "[]", "invalid-parameter"),
        (
            "too large", #"{"user":"alice","image":"\#(PolicyWorld.b)","groups":["\#(String(repeating: "g", count: 17_000))"]}"#,
            "body-too-large"
        ),
    ]

    @Test("Bad authorize requests get problem+json and store nothing", arguments: malformedRequests)
    func badRequests(name: String, body: String, code: String) async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            _ = try await world.setUp(client)
            try await world.publish(client, Self.openPolicy)
            let size = await world.harness.ledger.latestCheckpoint.size
            let response = try await client.execute(uri: "/v1/authorize", method: .post, body: ByteBuffer(string: body))
            #expect(try response.problem().code == code, "\(name): \(response.text)")
            #expect(await world.harness.ledger.latestCheckpoint.size == size)
        }
    }
}
