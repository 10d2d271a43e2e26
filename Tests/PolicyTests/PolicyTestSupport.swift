import Foundation
import Policy
import Provenance

/// Builders for requests and facts.
enum Fixture {
    static let day: Int64 = 86_400_000
    /// 2026-01-01T00:00:00Z.
    static let now: Int64 = 1_767_225_600_000
    static let image = "sha256:" + String(repeating: "ab", count: 32)
    static let otherImage = "sha256:" + String(repeating: "cd", count: 32)
    static let scan = "https://vmtrust.dev/attestation/vulnerability-scan/v1"
    static let audit = "https://vmtrust.dev/attestation/audit/v1"
    static let checkpoint = CheckpointReference(size: 1_000, rootHash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")

    static func record(_ name: String) -> RecordID { RecordID(payload: Array(name.utf8)) }

    static func request(
        user: String = "alice",
        groups: [String] = [],
        project: String? = nil,
        environment: String? = "prod",
        image: String = Fixture.image,
        time: Int64 = Fixture.now
    ) -> AuthorizationRequest {
        AuthorizationRequest(user: user, groups: groups, project: project, environment: environment, image: image, time: time)
    }

    static func reputation(score: Double, band90Low: Double? = nil, confidence: Double = 0.7) -> ReputationSnapshot {
        ReputationSnapshot(
            provider: "acme",
            score: score,
            confidence: confidence,
            band90Low: band90Low ?? max(0, score - 20),
            band90High: min(100, score + 20),
            parameterVersion: 1
        )
    }

    static func attestation(
        _ name: String,
        type: String = Fixture.scan,
        auditor: String = "auditor-a1",
        ageDays: Double = 1,
        index: UInt64,
        result: AttestationOutcome = .pass,
        score: Double? = 90,
        findings: FindingCounts = FindingCounts(),
        withdrawn: Bool = false,
        superseded: Bool = false,
        subject: String = Fixture.image
    ) -> AttestationFact {
        AttestationFact(
            record: record(name),
            subject: subject,
            predicateType: type,
            auditor: auditor,
            integratedAt: now - Int64(ageDays * Double(day)),
            logIndex: index,
            withdrawn: withdrawn,
            superseded: superseded,
            result: result,
            score: score,
            findings: findings
        )
    }

    static func imageFacts(
        chainValid: Bool = true,
        revocation: RevocationFact? = nil,
        deprecation: DeprecationFact? = nil,
        versionsBehind: Int = 0
    ) -> ImageFacts {
        ImageFacts(
            record: record("image-v2"),
            digest: image,
            provider: "acme",
            chain: [record("image-v1"), record("image-v2")],
            chainValid: chainValid,
            revocation: revocation,
            deprecation: deprecation,
            versionsBehind: versionsBehind
        )
    }

    /// A healthy image of a well-reputed provider with a fresh clean scan.
    static func facts(
        image: ImageFacts? = Fixture.imageFacts(),
        provider: ProviderFacts? = ProviderFacts(id: "acme"),
        reputation: ReputationSnapshot? = Fixture.reputation(score: 85, band90Low: 70),
        attestations: [AttestationFact] = [Fixture.attestation("scan-1", index: 10)],
        breakGlass: [BreakGlassGrant] = []
    ) -> PolicyFacts {
        PolicyFacts(
            image: image,
            provider: provider,
            reputation: reputation,
            attestations: attestations,
            breakGlass: breakGlass,
            checkpoint: checkpoint
        )
    }

    /// A one-scope policy whose catch-all has `rules` (YAML, indented under `rules:`).
    static func policy(rules: String, mode: String = "enforce", extra: String = "") throws -> Policy {
        try Policy.parse(
            """
            apiVersion: vmtrust.dev/policy/v1
            name: test
            version: 1
            \(extra)
            scopes:
              - name: default
                mode: \(mode)
                rules:
            \(rules.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n"))
            """
        )
    }

    static var examplesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/policy")
    }

    static func example(_ name: String) throws -> String {
        try String(contentsOf: examplesDirectory.appendingPathComponent(name), encoding: .utf8)
    }
}
