import ArgumentParser
import Crypto
import Foundation
import Ledger
import Policy
import Provenance
import TransparencyLog
import TrustServer

/// The story `vmtrust demo` plays: every step is a real signed record sent to the server or a real decision asked
/// of it; the narrative says what happened and why, and each step's outcome is checked against what the story
/// expects.
struct DemoStory {
    let client: APIClient
    let admins: [SigningKey]
    /// The log key, for the offline check (skipped without it).
    let verifiers: NoteVerifiers?
    /// Appended to every id the story creates (empty on a fresh server).
    let suffix: String

    /// One step's outcome.
    struct Step: Codable, Sendable {
        var label: String
        var kind: String
        var expected: String
        var actual: String
        var asExpected: Bool
        var user: String?
        var environment: String?
        var image: String?
        var effect: String?
        var privilege: String?
        var mode: String?
        var codes: [String]?
        var warnings: [String]?
        var decisionID: String?
        var score: Double?
    }

    /// Everything that happened.
    struct Result: Codable, Sendable {
        var steps: [Step] = []
        /// Parts of the story this server could not play (a record kind it does not admit, a route it lacks).
        var gaps: [String] = []
        /// Whether the offline decision from the bundle equalled the server's (nil when not checked).
        var offlineMatches: Bool?
    }

    /// A party that signs: an id and its key.
    struct Party {
        var id: String
        var name: String
        var key: SigningKey
    }

    /// An image version the story registered.
    struct Image {
        var label: String
        var digest: String
        var record: RecordID
        var provider: Party
    }

    // MARK: - Output

    final class Log: @unchecked Sendable {
        var result = Result()
        func say(_ text: String = "") { print(text) }
    }

    // MARK: - The story

    func play() async throws -> Result {
        let log = Log()
        let now = DataDirectory.now()
        func id(_ base: String) -> String { base + suffix }

        let northwind = Party(id: id("northwind"), name: "Northwind Systems", key: SigningKey.generate(.ed25519))
        let quickvm = Party(id: id("quickvm"), name: "QuickVM", key: SigningKey.generate(.ed25519))
        let scanco = Party(id: id("scanco"), name: "ScanCo vulnerability scanning", key: SigningKey.generate(.ed25519))
        let secaudit = Party(id: id("secaudit"), name: "SecAudit LLP", key: SigningKey.generate(.ed25519))
        let auditlab = Party(id: id("auditlab"), name: "AuditLab", key: SigningKey.generate(.ed25519))
        let alice = Party(id: id("alice"), name: "Alice, platform on-call", key: SigningKey.generate(.ed25519))
        let bob = Party(id: id("bob"), name: "Bob, developer", key: SigningKey.generate(.ed25519))
        let carol = Party(id: id("carol"), name: "Carol, contractor", key: SigningKey.generate(.ed25519))

        // 1. Governance.
        log.say("1. The log's admins set the stage")
        log.say("   Two image providers are onboarded, with the standing the admins know of them:")
        try await submit(
            .providerOnboard(
                ProviderOnboardRecord(
                    id: northwind.id,
                    displayName: northwind.name,
                    keys: [KeyGrant(key: northwind.key.publicKey)],
                    initialReputation: 85,
                    time: now
                )
            ),
            by: admins,
            label: "onboard \(northwind.id)",
            say: "   • \(northwind.name) (\(northwind.id)): an established vendor, initial reputation 85",
            log: log
        )
        try await submit(
            .providerOnboard(
                ProviderOnboardRecord(
                    id: quickvm.id,
                    displayName: quickvm.name,
                    keys: [KeyGrant(key: quickvm.key.publicKey)],
                    initialReputation: 15,
                    time: now
                )
            ),
            by: admins,
            label: "onboard \(quickvm.id)",
            say: "   • \(quickvm.name) (\(quickvm.id)): a newcomer selling cheap images, initial reputation 15",
            log: log
        )
        log.say("   Three accredited auditors:")
        for (auditor, types, what) in [
            (scanco, [AttestationPredicate.vulnsType], "vulnerability scans"),
            (secaudit, [AttestationPredicate.auditType], "security audits"),
            (auditlab, [AttestationPredicate.auditType], "security audits"),
        ] {
            try await submit(
                .auditorOnboard(
                    AuditorOnboardRecord(
                        id: auditor.id,
                        displayName: auditor.name,
                        keys: [KeyGrant(key: auditor.key.publicKey)],
                        accreditation: Accreditation(by: "vmtrust demo accreditation board", until: now + 365 * Self.day),
                        attestationTypes: types,
                        time: now
                    )
                ),
                by: admins,
                label: "onboard auditor \(auditor.id)",
                say: "   • \(auditor.name) (\(auditor.id)): \(what)",
                log: log
            )
        }
        log.say("   And three users:")
        for user in [alice, bob, carol] {
            try await submit(
                .userRegister(UserRegisterRecord(id: user.id, key: user.key.publicKey, time: now)),
                by: admins,
                label: "register \(user.id)",
                say: "   • \(user.name) (\(user.id))",
                log: log
            )
        }

        // 2. Images and patch chains.
        log.say("\n2. The providers publish images, each patch linked to the version it fixes")
        let nw1 = try await register(northwind, name: "ubuntu-24.04", version: 1, log: log)
        let nw2 = try await modify(northwind, previous: nw1, version: 2, change: "openssl 3.0.13 security fix", log: log)
        let nw3 = try await modify(northwind, previous: nw2, version: 3, change: "kernel 6.8.0-45", log: log)
        let qv1 = try await register(quickvm, name: "fastvm-debian", version: 1, log: log)
        let qv2 = try await modify(quickvm, previous: qv1, version: 2, change: "sudo CVE backport", log: log)

        // 3. Evidence from auditors.
        log.say("\n3. Auditors attest what they found (the log records when, so ages are never taken on trust)")
        try await scan(nw3, by: scanco, findings: ["low": 2], log: log)
        try await audit(nw3, by: secaudit, score: 92, log: log)
        try await scan(qv2, by: scanco, findings: ["low": 4], log: log)
        try await audit(qv2, by: secaudit, score: 74, log: log)

        // 4. The policy.
        log.say("\n4. The admins publish the access policy")
        let policyText = Self.policy(suffix: suffix)
        let policy = try Policy.parse(policyText)
        let published = try await publish(policy, log: log)
        log.say("   prod: the seed's rules (deny reputation below 55, a passing attestation within 90 days),")
        log.say("         tiers on reputation (≥ 60 full access; 55–60 restricted with two independent audits),")
        log.say("         a clean vulnerability scan within 30 days, at most one version behind the newest.")
        log.say("   staging: the same rules in warn mode. Everywhere else: sandbox unless the provider is trusted.")
        log.say("   Every decision is appended to the log (record_decisions), which is what proves use for feedback.")

        // 5. Decisions.
        log.say("\n5. People ask to boot images")
        if published {
            let reputations = try await reputationLine([northwind, quickvm], log: log)
            if !reputations.isEmpty { log.say("   Reputation now: \(reputations)") }
            try await decide(alice, nw3, env: "prod", expect: .allow, privilege: "full", label: "alice prod nw v3", log: log)
            try await decide(
                alice,
                qv2,
                env: "prod",
                expect: .deny,
                codes: ["reputation.below_low"],
                label: "alice prod qv v2",
                log: log
            )
            try await decide(bob, qv2, env: "staging", expect: .allow, mode: .warn, label: "bob staging qv v2 (warn)", log: log)
            try await decide(
                carol,
                qv2,
                env: "dev",
                expect: .allowWithConditions,
                privilege: "sandbox",
                label: "carol dev qv v2",
                log: log
            )
            try await decide(
                alice,
                nw1,
                env: "prod",
                expect: .deny,
                codes: ["provenance.not_newest"],
                label: "alice prod nw v1",
                log: log
            )

            // The offline check: the same question, answered from the bundle alone.
            try await offlineCheck(alice, nw3, env: "prod", policy: policy, log: log)
        }

        // 6. A vulnerability, a fix, a revocation.
        log.say("\n6. A vulnerability is found in \(nw3.label)")
        let report = try await submit(
            .vulnerabilityReport(
                VulnerabilityReportRecord(
                    provider: northwind.id,
                    vulnerability: "CVE-2026-31337",
                    severity: .high,
                    cvssTenths: 81,
                    knownExploited: false,
                    affected: [nw3.digest],
                    time: DataDirectory.now()
                )
            ),
            by: [scanco.key],
            label: "vulnerability report on nw v3",
            say: "   \(scanco.name) reports CVE-2026-31337 (high, CVSS 8.1) in \(nw3.label); the fix clock starts now.",
            log: log,
            optional: "vulnerability reports"
        )
        let nw4 = try await modify(northwind, previous: nw3, version: 4, change: "fix CVE-2026-31337", log: log)
        let revoke = try await submit(
            .imageRevoke(
                ImageRevokeRecord(
                    provider: northwind.id,
                    target: nw3.record,
                    reason: "CVE-2026-31337",
                    inherit: false,
                    time: DataDirectory.now()
                )
            ),
            by: [northwind.key],
            label: "revoke nw v3",
            say: "   \(northwind.name) revokes \(nw3.label): nobody should boot it any more.",
            log: log
        )
        if let report, let revoke {
            _ = try await submit(
                .vulnerabilityResolution(
                    VulnerabilityResolutionRecord(
                        provider: northwind.id,
                        report: report,
                        fixed: nw4.digest,
                        retired: [revoke],
                        time: DataDirectory.now()
                    )
                ),
                by: [northwind.key],
                label: "resolution of CVE-2026-31337",
                say: "   It records the resolution: fixed in \(nw4.label), the vulnerable version retired — within the SLA.",
                log: log,
                optional: "vulnerability resolutions"
            )
        }
        try await scan(nw4, by: scanco, findings: [:], log: log)
        try await audit(nw4, by: secaudit, score: 95, log: log)
        let afterFix = try await reputationLine([northwind], log: log)
        if !afterFix.isEmpty { log.say("   A fix within the SLA is evidence too: \(afterFix)") }
        if published {
            try await decide(
                alice,
                nw3,
                env: "prod",
                expect: .deny,
                codes: ["provenance.revoked"],
                label: "alice prod nw v3 revoked",
                log: log
            )
            try await decide(alice, nw4, env: "prod", expect: .allow, privilege: "full", label: "alice prod nw v4", log: log)
        }

        // 7. Feedback.
        log.say("\n7. Users who ran the images rate their providers (only with proof of use: a logged decision)")
        _ = try await submit(
            .userFeedback(
                UserFeedbackRecord(
                    user: alice.id,
                    provider: northwind.id,
                    body: .stars(5),
                    image: nw4.digest,
                    time: DataDirectory.now()
                )
            ),
            by: [alice.key],
            label: "alice rates northwind",
            say: "   \(alice.name) gives \(northwind.name) 5 stars.",
            log: log,
            optional: "user feedback"
        )
        _ = try await submit(
            .userFeedback(
                UserFeedbackRecord(
                    user: carol.id,
                    provider: quickvm.id,
                    body: .stars(1),
                    image: qv2.digest,
                    time: DataDirectory.now()
                )
            ),
            by: [carol.key],
            label: "carol rates quickvm",
            say: "   \(carol.name) gives \(quickvm.name) 1 star: the sandboxed VM kept crashing.",
            log: log,
            optional: "user feedback"
        )
        _ = try await submit(
            .userFeedback(
                UserFeedbackRecord(user: bob.id, provider: northwind.id, body: .stars(1), time: DataDirectory.now())
            ),
            by: [bob.key],
            label: "bob rates northwind without using it",
            say: "   \(bob.name) tries to give \(northwind.name) 1 star without ever having run one of its images:",
            log: log,
            optional: "user feedback",
            expectRefusal: "no-proof-of-use"
        )

        // 8. Break-glass.
        if published {
            log.say("\n8. An incident at night: Bob must boot \(qv2.label) in prod, which the policy denies")
            let start = DataDirectory.now() - 1000
            let grant = try await submit(
                .breakGlass(
                    BreakGlassRecord(
                        user: bob.id,
                        reason: "INC-4711: restore the billing batch host",
                        image: qv2.digest,
                        environment: "prod",
                        privilege: "sandbox",
                        notBefore: start,
                        expiresAt: start + 2 * 3_600_000,
                        time: DataDirectory.now()
                    )
                ),
                by: admins,
                label: "break-glass for bob",
                say: "   An admin signs a break-glass override for Bob: that image, prod, sandbox, two hours — on the log.",
                log: log,
                optional: "break-glass overrides"
            )
            if grant != nil {
                try await decide(
                    bob,
                    qv2,
                    env: "prod",
                    expect: .allowWithConditions,
                    privilege: "sandbox",
                    codes: ["break_glass.used"],
                    label: "bob prod qv v2 break-glass",
                    log: log
                )
            }
            try await decide(
                alice,
                qv2,
                env: "prod",
                expect: .deny,
                codes: ["reputation.below_low"],
                label: "alice prod qv v2 (no grant)",
                log: log
            )
        }

        // Epilogue.
        log.say("\n9. Where things stand")
        let reputations = try await reputationLine([northwind, quickvm], log: log)
        if !reputations.isEmpty { log.say("   Reputation: \(reputations)") }
        let steps = log.result.steps
        let decisions = steps.filter { $0.kind == "decision" }
        log.say(
            "   \(steps.count) steps, \(decisions.count) decisions; \(steps.filter(\.asExpected).count) went as the story expects."
        )
        if let last = decisions.last?.decisionID {
            log.say("   Any decision can be explained again later: vmtrust decision explain \(last)")
        }
        if !log.result.gaps.isEmpty {
            log.say("   Not played on this server:")
            for gap in log.result.gaps { log.say("   • \(gap)") }
        }
        return log.result
    }

    static let day: Int64 = 86_400_000

    /// The demo policy (docs/POLICY-LANGUAGE.md); auditor ids carry the run's suffix.
    static func policy(suffix: String) -> String {
        """
        apiVersion: vmtrust.dev/policy/v1
        name: demo\(suffix)
        version: 1
        description: The vmtrust demo's policy.
        record_decisions: true
        scopes:
          - name: prod
            match: {environments: [prod]}
            mode: enforce
            rules: &production
              reputation: {low: 55}
              allow_low_reputation: false
              require_attestation: {max_age: 90d}
              tiers:
                - name: established
                  min_score: 60
                  effect: allow
                  privilege: full
                  required_checks: [standard_scan]
                - name: emerging
                  min_score: 55
                  effect: allow_with_conditions
                  privilege: restricted
                  required_checks: [manual_approval]
                  attestations:
                    - predicate_type: \(AttestationPredicate.auditType)
                      auditors: [secaudit\(suffix), auditlab\(suffix)]
                      threshold: 2
                      max_age: 180d
                      min_score: 70
                - name: unproven
                  effect: deny
              attestations:
                - predicate_type: \(AttestationPredicate.vulnsType)
                  max_age: 30d
                  result: pass
                  no_findings_at_or_above: high
              provenance:
                max_versions_behind: 1
          - name: staging
            match: {environments: [staging]}
            mode: warn
            rules: *production
          - name: default
            mode: enforce
            rules:
              tiers:
                - name: trusted
                  min_score: 70
                  effect: allow
                  privilege: restricted
                - name: anyone
                  effect: allow_with_conditions
                  privilege: sandbox
                  required_checks: [manual_approval, isolated_network]
        """
    }

    // MARK: - Steps

    /// Signs and submits `record`; says `say` when accepted. A refusal is a surprise unless `expectRefusal` names
    /// its code; with `optional`, a refusal because the server does not admit the kind is a gap, not a surprise.
    @discardableResult
    func submit(
        _ record: Record,
        by keys: [SigningKey],
        label: String,
        say: String,
        log: Log,
        optional: String? = nil,
        expectRefusal: String? = nil
    ) async throws -> RecordID? {
        let envelope = try record.signed(by: keys)
        let answer = try await client.send("POST", "/v1/records", body: envelope.jsonBytes())
        var step = Step(
            label: label,
            kind: "record",
            expected: expectRefusal.map { "refused (\($0))" } ?? "accepted",
            actual: "",
            asExpected: false
        )
        if (200..<300).contains(answer.status) {
            let receipt = try? JSONDecoder().decode(Receipt.self, from: Data(answer.body))
            step.actual = "accepted"
            step.asExpected = expectRefusal == nil
            log.say(say + (receipt.map { " [log #\($0.index)]" } ?? ""))
            if expectRefusal != nil { log.say("     …and the log accepted it, which it should not have.") }
            log.result.steps.append(step)
            return RecordID(payload: envelope.payload)
        }
        let problem = try? JSONDecoder().decode(Problem.self, from: Data(answer.body))
        let code = problem?.code ?? "HTTP \(answer.status)"
        step.actual = "refused (\(code))"
        if let expectRefusal, code.hasSuffix(expectRefusal) {
            step.asExpected = true
            log.say(say)
            log.say("     The log refuses it (\(code)): \(problem?.detail ?? "")")
            log.result.steps.append(step)
            return nil
        }
        if let optional, Self.isUnsupported(code: code, detail: problem?.detail ?? "") {
            log.result.gaps.append("\(optional): this server does not admit them yet (\(code): \(problem?.detail ?? ""))")
            log.say(say)
            log.say("     (skipped: this server does not admit \(optional) yet)")
            step.asExpected = true
            step.actual = "unsupported (\(code))"
            log.result.steps.append(step)
            return nil
        }
        log.say(say)
        log.say("     ✗ unexpectedly refused (\(code)): \(problem?.detail ?? String(decoding: answer.body, as: UTF8.self))")
        log.result.steps.append(step)
        return nil
    }

    /// Whether a refusal says the server does not handle the record kind at all (rather than refusing this one).
    static func isUnsupported(code: String, detail: String) -> Bool {
        let text = (code + " " + detail).lowercased()
        return text.contains("not admitted") || text.contains("kind-not-admitted") || text.contains("kindnotadmitted")
            || text.contains("unknown payload type") || text.contains("not supported") || text.contains("unsupported")
    }

    static func digest(_ text: String) -> String {
        "sha256:" + SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func register(_ provider: Party, name: String, version: Int, log: Log) async throws -> Image {
        let content = "\(provider.id)/\(name) v\(version) disk image"
        let digest = Self.digest(content)
        let record = Record.imageRegister(
            ImageRegisterRecord(
                digest: digest,
                provider: provider.id,
                name: name,
                format: .qcow2,
                size: 2_147_483_648,
                initialReputation: provider.id.hasPrefix("northwind") ? 85 : 15,
                time: DataDirectory.now()
            )
        )
        let label = "\(provider.id)/\(name) v\(version)"
        guard
            let id = try await submit(
                record,
                by: [provider.key],
                label: "register \(label)",
                say: "   \(provider.name) registers \(label) (\(digest.prefix(19))…)",
                log: log
            )
        else { throw CLIError.verdict("the demo cannot go on without \(label)") }
        return Image(label: label, digest: digest, record: id, provider: provider)
    }

    func modify(_ provider: Party, previous: Image, version: Int, change: String, log: Log) async throws -> Image {
        let name = previous.label.split(separator: "/").last.map { String($0.split(separator: " ")[0]) } ?? "image"
        let label = "\(provider.id)/\(name) v\(version)"
        let digest = Self.digest("\(label) disk image")
        let record = Record.imageModify(
            ImageModifyRecord(
                digest: digest,
                provider: provider.id,
                previous: previous.record,
                change: .patch,
                description: change,
                time: DataDirectory.now()
            )
        )
        guard
            let id = try await submit(
                record,
                by: [provider.key],
                label: "patch \(label)",
                say: "   \(provider.name) patches it: \(label) — \(change)",
                log: log
            )
        else { throw CLIError.verdict("the demo cannot go on without \(label)") }
        return Image(label: label, digest: digest, record: id, provider: provider)
    }

    func scan(_ image: Image, by auditor: Party, findings: [String: Int], log: Log) async throws {
        let now = DataDirectory.now()
        var list: [VulnsPredicate.Finding] = []
        for (severity, count) in findings.sorted(by: { $0.key < $1.key }) {
            let score = severity == "low" ? "2.1" : severity == "medium" ? "5.0" : "7.5"
            for index in 0..<count {
                list.append(
                    VulnsPredicate.Finding(
                        id: "CVE-2026-\(1000 + index)",
                        severity: [VulnsPredicate.Rating(method: "CVSS_V3", score: score)]
                    )
                )
            }
        }
        let predicate = VulnsPredicate(
            scannerURI: "pkg:github/aquasecurity/trivy",
            scannerVersion: "0.52.0",
            databaseURI: nil,
            databaseVersion: nil,
            databaseLastUpdate: now - 3_600_000,
            findings: list,
            scanStartedOn: now - 60_000,
            scanFinishedOn: now - 1000
        )
        let statement = InTotoStatement(subjects: [ResourceDescriptor(imageDigest: image.digest)], predicate: .vulns(predicate))
        let summary = list.isEmpty ? "no findings" : findings.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        try await submit(
            .attestation(AttestationRecord(statement: statement)),
            by: [auditor.key],
            label: "scan \(image.label)",
            say: "   \(auditor.name) scans \(image.label): \(summary) → pass",
            log: log
        )
    }

    func audit(_ image: Image, by auditor: Party, score: Int, log: Log) async throws {
        let predicate = AuditPredicate(
            result: .passed,
            score: score,
            controlsChecked: 120,
            controlsPassed: 120 * score / 100,
            scope: .image,
            standard: "CIS Level 1",
            summaryText: "hardening review"
        )
        let statement = InTotoStatement(subjects: [ResourceDescriptor(imageDigest: image.digest)], predicate: .audit(predicate))
        try await submit(
            .attestation(AttestationRecord(statement: statement)),
            by: [auditor.key],
            label: "audit \(image.label)",
            say: "   \(auditor.name) audits \(image.label): score \(score), passed",
            log: log
        )
    }

    /// Publishes the policy (admin-signed policy-publish record); false when the server cannot take it.
    func publish(_ policy: Policy, log: Log) async throws -> Bool {
        let record: PolicyPublishRecord
        do {
            record = try PolicyPublishRecord(document: policy.canonicalJSON, time: DataDirectory.now())
        } catch {
            throw CLIError.verdict("the demo policy is not publishable: \(error)")
        }
        let id = try await submit(
            .policyPublish(record),
            by: admins,
            label: "publish policy",
            say:
                "   Policy \"\(policy.document.name)\" v\(policy.document.version) (\(policy.digest.prefix(19))…) is published to the log.",
            log: log,
            optional: "policy publication"
        )
        return id != nil
    }

    /// Asks the server; says who asked for what, the answer and why; checks it against the expectation.
    func decide(
        _ user: Party,
        _ image: Image,
        env: String,
        expect effect: Effect,
        privilege: String? = nil,
        mode: PolicyMode? = nil,
        codes: [String] = [],
        label: String,
        log: Log
    ) async throws {
        log.say("   ▸ \(user.name) asks for \(image.label) in \(env)")
        let decision: Decision
        do {
            (decision, _) = try await AuthorizeCommand.decideOnline(
                user: user.id,
                groups: [],
                project: nil,
                environment: env,
                image: image.digest,
                time: nil,
                server: try serverOptions()
            )
        } catch let error as CLIError {
            log.say("     ✗ no decision: \(error.message)")
            log.result.steps.append(
                Step(
                    label: label,
                    kind: "decision",
                    expected: effect.rawValue,
                    actual: "error: \(error.message)",
                    asExpected: false
                )
            )
            return
        }
        let matches =
            decision.effect == effect && (privilege == nil || decision.privilege == privilege)
            && (mode == nil || decision.mode == mode) && Set(codes).isSubset(of: Set(decision.codes.map(\.rawValue)))
        log.say(
            "     \(matches ? "" : "✗ (the story expected \(effect.rawValue)) ")\(DecisionText.oneLine(decision).uppercasedFirst)"
        )
        for reason in decision.reasons
        where reason.effect == .deny || reason.code == .reputationTier || reason.code == .breakGlassUsed {
            log.say("       because \(reason.message)")
        }
        if !decision.warnings.isEmpty {
            log.say("       (warn mode: allowed, but \(decision.warnings.count) rule(s) would deny under enforce)")
        }
        log.say("       decision \(decision.decisionID.prefix(16))… at log size \(decision.evidence.checkpoint.size)")
        log.result.steps.append(
            Step(
                label: label,
                kind: "decision",
                expected: effect.rawValue,
                actual: decision.effect.rawValue,
                asExpected: matches,
                user: user.id,
                environment: env,
                image: image.digest,
                effect: decision.effect.rawValue,
                privilege: decision.privilege,
                mode: decision.mode.rawValue,
                codes: decision.codes.map(\.rawValue),
                warnings: decision.warnings.map(\.code.rawValue),
                decisionID: decision.decisionID,
                score: decision.evidence.reputation?.score
            )
        )
    }

    /// Fetches the image's bundle, asks the server at the bundle's log size, decides offline from the bundle alone
    /// and compares.
    func offlineCheck(_ user: Party, _ image: Image, env: String, policy: Policy, log: Log) async throws {
        guard let verifiers else {
            log.result.gaps.append("the offline check: no log key given (--vkey)")
            return
        }
        log.say("   ▸ The same question on an air-gapped host, from the image's bundle alone:")
        let answer = try await client.expectOK("GET", "/v1/images/\(image.digest)/bundle")
        let time = DataDirectory.now()
        let (online, _) = try await AuthorizeCommand.decideOnline(
            user: user.id,
            groups: [],
            project: nil,
            environment: env,
            image: image.digest,
            time: time,
            server: try serverOptions()
        )
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vmtrust-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundlePath = directory.appendingPathComponent("bundle.json").path
        let policyPath = directory.appendingPathComponent("policy.json").path
        try Files.write(answer.body, to: bundlePath)
        try Files.write(policy.canonicalJSON, to: policyPath)
        let offline = try await AuthorizeCommand.decideOffline(
            request: AuthorizationRequest(user: user.id, environment: env, image: image.digest, time: time),
            bundlePath: bundlePath,
            policyPath: policyPath,
            atSize: online.evidence.checkpoint.size,
            verifiers: verifiers
        )
        let same = offline == online
        log.result.offlineMatches = same
        log.say(
            same
                ? "     vmtrust authorize --offline gives the identical decision (\(offline.decisionID.prefix(16))…, log size \(offline.evidence.checkpoint.size)): same facts, same engine."
                : "     ✗ the offline decision differs from the server's: \(DecisionText.oneLine(offline)) vs \(DecisionText.oneLine(online))"
        )
        log.result.steps.append(
            Step(
                label: "offline equals server",
                kind: "check",
                expected: "identical",
                actual: same ? "identical" : "different",
                asExpected: same,
                user: user.id,
                environment: env,
                image: image.digest,
                effect: offline.effect.rawValue,
                decisionID: offline.decisionID
            )
        )
    }

    /// The reputation route's answer, as far as the story reads it.
    struct ReputationReading: Decodable {
        struct Band: Decodable {
            var low: Double
            var high: Double
        }
        var score: Double
        var confidence: Double
        var band: Band
    }

    /// `northwind 82.1 (band90 61.0–95.0, confidence 0.71), quickvm …` from `GET /v1/providers/{id}/reputation`;
    /// empty when the server has no such route.
    func reputationLine(_ providers: [Party], log: Log) async throws -> String {
        var parts: [String] = []
        for provider in providers {
            let answer = try await client.send("GET", "/v1/providers/\(provider.id)/reputation")
            guard answer.status == 200, let reading = try? JSONDecoder().decode(ReputationReading.self, from: Data(answer.body))
            else {
                if !log.result.gaps.contains(where: { $0.hasPrefix("reputation readings") }) {
                    log.result.gaps.append("reputation readings: GET /v1/providers/{id}/reputation answered \(answer.status)")
                }
                continue
            }
            parts.append(
                "\(provider.id) \(DecisionText.fixed(reading.score, 1)) (band90 \(DecisionText.fixed(reading.band.low, 1))–\(DecisionText.fixed(reading.band.high, 1)), confidence \(DecisionText.fixed(reading.confidence, 2)))"
            )
        }
        return parts.joined(separator: "; ")
    }

    func serverOptions() throws -> ServerOptions {
        var options = try ServerOptions.parse([])
        options.server = client.base.absoluteString
        return options
    }
}

extension String {
    /// The string with its first character upper-cased.
    var uppercasedFirst: String { prefix(1).uppercased() + dropFirst() }
}
