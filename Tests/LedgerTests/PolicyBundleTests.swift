import Foundation
import Ledger
import Policy
import Provenance
import Reputation
import Testing
import TransparencyLog
import VMTrustTesting

/// Version 3 bundles carry the policy facts: an offline decision from the bundle alone equals the server's decision
/// (same facts, same engine) for the same request, policy and log size — over many users, environments, images,
/// times and policies.
@Suite("Offline decisions from version 3 bundles")
struct PolicyBundleTests {
    typealias B = BundleTests
    static let auditorKeys = [B.key(0x41), B.key(0x42), B.key(0x43)]
    static let auditors = ["auditor-a1", "auditor-a2", "auditor-a3"]
    static let users = ["alice", "bob", "carol"]
    static let userKeys = [B.key(0x51), B.key(0x52), B.key(0x53)]
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    /// A log with two providers, lineages with branches, revocations (direct, inherited, scheduled), a deprecation,
    /// attestations of every status (current, superseded, withdrawn, expired, about two images at once), a
    /// suspension, and break-glass overrides.
    struct World {
        var log: BundleTests.Lineage
        var digests: [String]
        var store: any LedgerStore
    }

    func world() async throws -> World {
        let store = InMemoryLedgerStore()
        let clock = Fixtures.clock(startingAt: B.t0)
        let ledger = try await Ledger(
            store: store,
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: TestKeys.admission,
            clock: { clock.now() }
        )
        let log = BundleTests.Lineage(ledger: ledger, clock: clock)
        try await log.submit(
            .genesis(GenesisRecord(adminKeys: [B.admin.publicKey], threshold: 1, origin: TestKeys.origin, time: log.next)),
            by: [B.admin]
        )
        for (id, key, reputation) in [("acme", B.acme, 85), ("globex", B.globex, 30)] {
            try await log.submit(
                .providerOnboard(
                    ProviderOnboardRecord(
                        id: id,
                        displayName: id,
                        keys: [KeyGrant(key: key.publicKey)],
                        initialReputation: reputation,
                        time: log.next
                    )
                ),
                by: [B.admin]
            )
        }
        for (index, auditor) in Self.auditors.enumerated() {
            try await log.submit(
                .auditorOnboard(
                    AuditorOnboardRecord(
                        id: auditor,
                        displayName: auditor,
                        keys: [KeyGrant(key: Self.auditorKeys[index].publicKey)],
                        accreditation: Accreditation(by: "DAkkS", until: B.t0 + 365 * Self.day),
                        attestationTypes: [AttestationPredicate.vulnsType, AttestationPredicate.auditType],
                        time: log.next
                    )
                ),
                by: [B.admin]
            )
        }
        for (index, user) in Self.users.enumerated() {
            try await log.submit(
                .userRegister(UserRegisterRecord(id: user, key: Self.userKeys[index].publicKey, time: log.next)),
                by: [B.admin]
            )
        }

        // Lineages: acme 1 → 2 → 3 → 4 and 2 → 5 (a branch); globex 9 → 10.
        func register(_ digest: UInt8, _ provider: String, _ key: SigningKey) async throws -> Receipt {
            try await log.submit(
                .imageRegister(
                    ImageRegisterRecord(
                        digest: B.digest(digest),
                        provider: provider,
                        name: "image-\(digest)",
                        format: .qcow2,
                        size: 1 << 30,
                        initialReputation: provider == "acme" ? 85 : 30,
                        time: log.next
                    )
                ),
                by: [key]
            )
        }
        func modify(_ digest: UInt8, _ previous: Receipt, _ provider: String, _ key: SigningKey) async throws -> Receipt {
            try await log.submit(
                .imageModify(
                    ImageModifyRecord(
                        digest: B.digest(digest),
                        provider: provider,
                        previous: previous.recordID,
                        change: .patch,
                        description: "patch \(digest)",
                        time: log.next
                    )
                ),
                by: [key]
            )
        }
        let a1 = try await register(1, "acme", B.acme)
        let a2 = try await modify(2, a1, "acme", B.acme)
        let a3 = try await modify(3, a2, "acme", B.acme)
        _ = try await modify(4, a3, "acme", B.acme)
        let a5 = try await modify(5, a2, "acme", B.acme)
        let g9 = try await register(9, "globex", B.globex)
        let g10 = try await modify(10, g9, "globex", B.globex)

        // Attestations.
        func attest(_ statement: InTotoStatement, by auditor: Int) async throws -> Receipt {
            log.clock.advance(byMillis: 1000)
            let envelope = try DSSEEnvelope.sign(
                payloadType: InTotoStatement.payloadType,
                payload: statement.encoded(),
                keys: [Self.auditorKeys[auditor]]
            )
            return try await log.ledger.submit(
                envelope: envelope.jsonBytes(),
                recordID: RecordID(payload: envelope.payload),
                context: envelope
            )
        }
        func scan(_ digests: [UInt8], high: Int, low: Int) -> InTotoStatement {
            let now = log.clock.now()
            return InTotoStatement(
                subjects: digests.map { ResourceDescriptor(imageDigest: B.digest($0)) },
                predicate: .vulns(
                    VulnsPredicate(
                        scannerURI: "pkg:github/anchore/grype@v0.79.0",
                        scannerVersion: "0.79.0",
                        databaseURI: nil,
                        databaseVersion: "5",
                        databaseLastUpdate: now,
                        findings: (0..<high).map { .init(id: "CVE-2026-\($0)", severity: [.init(method: "nvd", score: "high")]) }
                            + (0..<low).map { .init(id: "CVE-2025-\($0)", severity: [.init(method: "nvd", score: "low")]) },
                        scanStartedOn: now,
                        scanFinishedOn: now
                    )
                )
            )
        }
        func audit(_ digest: UInt8, score: Int, expires: Int64? = nil) -> InTotoStatement {
            InTotoStatement(
                subjects: [ResourceDescriptor(imageDigest: B.digest(digest))],
                predicate: .audit(
                    AuditPredicate(
                        result: .passed,
                        score: score,
                        controlsChecked: 10,
                        controlsPassed: 10,
                        scope: .image,
                        expiresAt: expires
                    )
                )
            )
        }
        _ = try await attest(scan([3], high: 1, low: 0), by: 0)  // superseded by the next
        _ = try await attest(scan([3], high: 0, low: 2), by: 0)
        _ = try await attest(audit(3, score: 90), by: 1)
        let withdrawn = try await attest(audit(3, score: 95), by: 2)
        try await log.submit(
            .attestationWithdraw(
                AttestationWithdrawRecord(auditor: Self.auditors[2], attestation: withdrawn.recordID, time: log.next)
            ),
            by: [Self.auditorKeys[2]]
        )
        _ = try await attest(scan([4, 10], high: 0, low: 0), by: 1)  // about two images of two providers
        _ = try await attest(audit(4, score: 75, expires: log.next + 2 * Self.hour), by: 0)  // expires soon
        _ = try await attest(audit(4, score: 65), by: 2)
        _ = try await attest(scan([10], high: 2, low: 0), by: 2)
        _ = try await attest(audit(10, score: 80), by: 1)

        // Revocations and a deprecation.
        try await log.submit(
            .imageRevoke(
                ImageRevokeRecord(provider: "acme", target: a5.recordID, reason: "bad build", inherit: false, time: log.next)
            ),
            by: [B.acme]
        )
        try await log.submit(
            .imageRevoke(
                ImageRevokeRecord(
                    provider: "globex",
                    target: g9.recordID,
                    reason: "compromised base",
                    inherit: true,
                    effectiveAt: log.next + Self.day,
                    time: log.next
                )
            ),
            by: [B.globex]
        )
        try await log.submit(
            .imageDeprecate(ImageDeprecateRecord(provider: "acme", target: a1.recordID, after: log.next, time: log.next)),
            by: [B.acme]
        )
        _ = g10

        // Break-glass: bob for image 10 in prod; carol for any acme image.
        let start = log.next
        try await log.submit(
            .breakGlass(
                BreakGlassRecord(
                    user: "bob",
                    reason: "INC-1",
                    image: B.digest(10),
                    environment: "prod",
                    privilege: "sandbox",
                    notBefore: start,
                    expiresAt: start + 6 * Self.hour,
                    time: log.next
                )
            ),
            by: [B.admin]
        )
        try await log.submit(
            .breakGlass(
                BreakGlassRecord(
                    user: "carol",
                    reason: "INC-2",
                    provider: "acme",
                    notBefore: start,
                    expiresAt: start + 3 * Self.hour,
                    time: log.next
                )
            ),
            by: [B.admin]
        )
        return World(log: log, digests: [1, 2, 3, 4, 5, 9, 10].map(B.digest), store: store)
    }

    static let policies: [String] = {
        let example = try! String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Examples/policy/policy.yaml"),
            encoding: .utf8
        )
        let seed = """
            apiVersion: vmtrust.dev/policy/v1
            name: seed
            version: 1
            scopes:
              - name: default
                rules:
                  reputation: {low: 40}
                  allow_low_reputation: false
                  require_attestation: {max_age: 90d}
            """
        let strict = """
            apiVersion: vmtrust.dev/policy/v1
            name: strict
            version: 3
            record_decisions: true
            scopes:
              - name: prod
                match: {environments: [prod]}
                rules:
                  tiers:
                    - {name: new, min_band90_low: 3, effect: allow, privilege: full}
                    - {name: rest, effect: allow_with_conditions, privilege: sandbox, required_checks: [manual_approval]}
                  attestations:
                    - predicate_type: https://vmtrust.dev/attestation/audit/v1
                      auditors: [auditor-a1, auditor-a2, auditor-a3]
                      threshold: 2
                      max_age: 1d
                      min_score: 70
                    - predicate_type: https://in-toto.io/attestation/vulns/v0.2
                      no_findings_at_or_above: high
                  provenance: {max_versions_behind: 0, max_deprecated_age: 0s}
              - name: bob
                match: {users: [bob]}
                mode: warn
                rules:
                  provenance: {max_versions_behind: 1}
              - name: default
                mode: dry_run
                rules:
                  reputation: {low: 60}
                  allow_low_reputation: false
            """
        return [example, seed, strict]
    }()

    @Test("Offline from the bundle equals the server: facts and decisions, over users, environments, images, times, policies")
    func offlineEqualsServer() async throws {
        let world = try await world()
        let policies = try Self.policies.map { try Policy.parse($0) }
        let now = world.log.clock.now()
        let times = [now, now + 2 * Self.hour + 1, now + 2 * Self.day, now + 200 * Self.day]
        let contexts: [(groups: [String], project: String?, environment: String?)] = [
            ([], nil, "prod"), (["platform-oncall"], nil, "prod"), ([], nil, "staging"), ([], "canary", "dev"), ([], nil, nil),
        ]
        var compared = 0
        var effects: [Effect: Int] = [:]
        var codes: Set<ReasonCode> = []
        var scores: Set<Double> = []
        for digest in world.digests {
            let bundle = try #require(try await world.log.ledger.bundle(forImage: digest, facts: true))
            #expect(bundle.version == ProvenanceBundle.factsVersion)
            // Through JSON, as a file would carry it.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let decoded = try JSONDecoder().decode(ProvenanceBundle.self, from: encoder.encode(bundle))
            #expect(decoded == bundle)
            let offline = try await BundlePolicyFactSource.verified(decoded, logKey: TestKeys.logVerifiers)
            for user in Self.users + ["mallory"] {
                for context in contexts {
                    for time in times {
                        let request = AuthorizationRequest(
                            user: user,
                            groups: context.groups,
                            project: context.project,
                            environment: context.environment,
                            image: digest,
                            time: time
                        )
                        let serverFacts = try await LedgerPolicyFactSource.read(store: world.store) {
                            try await $0.facts(for: request)
                        }
                        let offlineFacts = try await offline.facts(for: request)
                        #expect(offlineFacts == serverFacts, "\(user) \(digest) \(context) \(time)")
                        for policy in policies {
                            let server = PolicyEngine.evaluate(policy, request, serverFacts)
                            let local = PolicyEngine.evaluate(policy, request, offlineFacts)
                            #expect(local == server)
                            compared += 1
                            effects[server.effect, default: 0] += 1
                            if let score = serverFacts.reputation?.score { scores.insert(score) }
                            codes.formUnion(server.codes)
                        }
                    }
                }
            }
        }
        #expect(compared == 7 * 4 * 5 * 4 * 3)
        #expect(scores.count >= 2, "the providers' reputations differ: \(scores)")
        // The cases are varied: every effect, and the rules that depend on the bundle's extra content.
        #expect(effects.count == 3, "\(effects)")
        for code: ReasonCode in [
            .revoked, .revokedInherited, .notNewest, .deprecated, .breakGlassUsed, .attestationThresholdNotMet,
            .attestationConditionsNotMet, .attestationMissing, .reputationTier,
        ] {
            #expect(codes.contains(code), "\(code) never fired")
        }
    }

    @Test("A version 3 bundle: the reputation section, what it holds beyond version 2, and what the verifier refuses")
    func contents() async throws {
        let world = try await world()
        let bundle = try #require(try await world.log.ledger.bundle(forImage: B.digest(3), facts: true))
        let reputation = try #require(bundle.reputation)
        #expect(reputation.source == "server")
        #expect(reputation.provider == "acme")
        let checkpoint = await world.log.ledger.latestCheckpoint
        #expect(reputation.logSize == checkpoint.size)
        // With the reputation engine wired, the section carries the provider's document (initial reputation 85,
        // attestations).
        #expect(reputation.document?.id == "acme")
        // Without facts: version 2 as before, and fewer entries.
        let plain = try #require(try await world.log.ledger.bundle(forImage: B.digest(3)))
        #expect(plain.version == ProvenanceBundle.attestationsVersion)
        #expect(plain.reputation == nil)
        #expect(Set(plain.entries.map(\.index)).isSubset(of: Set(bundle.entries.map(\.index))))
        #expect(bundle.entries.count > plain.entries.count)
        #expect(await BundleVerifier(logKey: TestKeys.logVerifiers).verify(bundle).isValid)

        // A section at another size or about another provider fails verification; a version 1 or 2 bundle cannot
        // back a decision.
        var resized = bundle
        resized.reputation?.logSize += 1
        #expect(await BundleVerifier(logKey: TestKeys.logVerifiers).verify(resized).contains(.reputationInconsistent))
        var other = bundle
        other.reputation?.provider = "globex"
        #expect(await BundleVerifier(logKey: TestKeys.logVerifiers).verify(other).contains(.reputationInconsistent))
        await #expect(throws: BundlePolicyFactSource.Refusal.self) {
            try await BundlePolicyFactSource.verified(plain, logKey: TestKeys.logVerifiers)
        }
        await #expect(throws: BundlePolicyFactSource.Refusal.self) {
            try await BundlePolicyFactSource.verified(resized, logKey: TestKeys.logVerifiers)
        }
        // Every mangled part of the section is refused when decoding.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(bundle), as: UTF8.self)
        let mangled = [
            json.replacingOccurrences(of: #""source":"server""#, with: #""source":"offline""#),
            json.replacingOccurrences(of: #""version":3"#, with: #""version":2"#),
            json.replacingOccurrences(of: #""version":3"#, with: #""version":4"#),
            json.replacingOccurrences(of: #""logSize":"#, with: #""logSize":-"#),
        ]
        for text in mangled {
            #expect(text != json)
            #expect(throws: (any Error).self) { try JSONDecoder().decode(ProvenanceBundle.self, from: Data(text.utf8)) }
        }
    }
}
