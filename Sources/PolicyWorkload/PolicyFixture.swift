import Policy
import Provenance

/// The policy-evaluation workload of issue 6 ("in-process evaluation of a 20-rule policy: p99 under 50 µs"),
/// measured by `vmtrust bench policy` and by the ordo-one PolicyBenchmarks (one fixture, so that both measure the
/// same work): a prod scope of 21 rules (image known, six provenance conditions, the seed's two rules, tiers with
/// two tier-only attestation requirements, ten required attestations) against facts holding 40 attestations from 8
/// auditors, 2 of them withdrawn. The decision allows, so every rule runs to completion.
public enum PolicyFixture {
    /// The request time (ms since the epoch).
    public static let now: Int64 = 1_767_225_600_000
    /// One day in milliseconds.
    public static let day: Int64 = 86_400_000
    /// The requested image's digest.
    public static let image = "sha256:" + String(repeating: "ab", count: 32)
    /// The eight auditors.
    public static let auditors = (1...8).map { "auditor-\($0)" }
    /// The ten required predicate types.
    public static let types = (0..<10).map { "https://vmtrust.dev/attestation/type-\($0)/v1" }

    /// The prod scope's rules as YAML lines, each prefixed with `indent`.
    public static func rules(indent: String) -> String {
        var lines = [
            "reputation: {low: 40}",
            "allow_low_reputation: false",
            "require_attestation: {max_age: 90d}",
            "tiers:",
            "  - name: high",
            "    min_score: 80",
            "    min_band90_low: 60",
            "    effect: allow",
            "    privilege: full",
            "    required_checks: [standard_scan]",
            "    attestations:",
            "      - {predicate_type: \"\(types[0])\", threshold: 2, max_age: 60d}",
            "      - {predicate_type: \"\(types[1])\", auditors: [auditor-1, auditor-2, auditor-3], threshold: 2}",
            "  - {name: middle, min_score: 50, effect: allow_with_conditions, privilege: restricted}",
            "  - {name: low, effect: deny}",
            "attestations:",
        ]
        for type in types {
            lines.append(
                "  - {predicate_type: \"\(type)\", auditors: [\(auditors.joined(separator: ", "))], threshold: 2, max_age: 30d, min_score: 50, no_findings_at_or_above: high}"
            )
        }
        lines += [
            "provenance:",
            "  max_deprecated_age: 30d",
            "  max_versions_behind: 2",
        ]
        return lines.map { indent + $0 }.joined(separator: "\n")
    }

    /// The policy: the prod scope, `extraScopes` scopes that do not match the request, then a catch-all.
    public static func policy(extraScopes: Int) throws -> Policy {
        var text = """
            apiVersion: vmtrust.dev/policy/v1
            name: bench
            version: 1
            scopes:
              - name: prod
                match: {environments: [prod]}
                rules:

            """
        text += rules(indent: "      ") + "\n"
        for index in 0..<extraScopes {
            text += "  - name: team-\(index)\n    match: {groups: [team-\(index)], projects: [p-\(index)]}\n    rules: {}\n"
        }
        text += "  - name: default\n    rules: {}\n"
        return try Policy.parse(text)
    }

    /// A record id standing for `name`.
    public static func record(_ name: String) -> RecordID { RecordID(payload: Array(name.utf8)) }

    /// The request: alice (group ops) using the image in prod.
    public static let request = AuthorizationRequest(user: "alice", groups: ["ops"], environment: "prod", image: image, time: now)

    /// The facts: the image (a chain of five), provider acme at score 85, 40 attestations, a checkpoint.
    public static let facts: PolicyFacts = {
        var attestations: [AttestationFact] = []
        for (index, type) in types.enumerated() {
            for auditor in 0..<4 {
                attestations.append(
                    AttestationFact(
                        record: record("att-\(index)-\(auditor)"),
                        subject: image,
                        predicateType: type,
                        auditor: auditors[(index + auditor) % auditors.count],
                        integratedAt: now - Int64(auditor + 1) * day,
                        logIndex: UInt64(index * 10 + auditor),
                        withdrawn: index < 2 && auditor == 3,
                        result: .pass,
                        score: 80,
                        findings: FindingCounts(medium: 2)
                    )
                )
            }
        }
        return PolicyFacts(
            image: ImageFacts(
                record: record("image"),
                digest: image,
                provider: "acme",
                chain: (0..<5).map { record("chain-\($0)") },
                chainValid: true,
                versionsBehind: 1
            ),
            provider: ProviderFacts(id: "acme"),
            reputation: ReputationSnapshot(
                provider: "acme",
                score: 85,
                confidence: 0.8,
                band90Low: 70,
                band90High: 95,
                parameterVersion: 1
            ),
            attestations: attestations,
            checkpoint: CheckpointReference(size: 1_000_000, rootHash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        )
    }()
}
