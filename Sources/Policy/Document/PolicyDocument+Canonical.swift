import Crypto
import Provenance

extension PolicyDocument {
    /// The canonical JSON of the validated document: every field explicit (defaults filled in), members sorted,
    /// no white space, numbers in their shortest exact form, durations in their largest exact unit. Two documents
    /// that mean the same have the same canonical bytes (and digest), whatever their syntax, layout or key order;
    /// ``PolicyDocument/parse(_:)`` of these bytes gives the same document back.
    public var canonicalJSON: [UInt8] { canonical.bytes }

    /// `sha256:<hex>` of ``canonicalJSON``: the policy's identity in decisions.
    public var digest: String { "sha256:" + SHA256.hash(data: canonicalJSON).lowercaseHex }

    var canonical: CanonicalJSON {
        .object([
            ("apiVersion", .string(PolicyDocument.apiVersion)),
            ("name", .string(name)),
            ("version", .integer(version)),
            ("description", description.map(CanonicalJSON.string)),
            ("privileges", .strings(privileges)),
            ("record_decisions", .bool(recordDecisions)),
            ("scopes", .array(scopes.map(\.canonical))),
        ])
    }
}

extension PolicyScope {
    var canonical: CanonicalJSON {
        .object([
            ("name", .string(name)),
            ("match", match.canonical),
            ("mode", .string(mode.rawValue)),
            ("rules", rules.canonical),
        ])
    }
}

extension ScopeMatch {
    var canonical: CanonicalJSON {
        .object([
            ("users", users.map(CanonicalJSON.strings)),
            ("groups", groups.map(CanonicalJSON.strings)),
            ("projects", projects.map(CanonicalJSON.strings)),
            ("environments", environments.map(CanonicalJSON.strings)),
        ])
    }
}

extension PolicyRuleSet {
    var canonical: CanonicalJSON {
        .object([
            ("reputation", reputationLow.map { .object([("low", .number($0))]) }),
            ("allow_low_reputation", .bool(allowLowReputation)),
            (
                "require_attestation",
                requireAttestation.map { requirement in
                    .object([
                        ("max_age", requirement.maxAge.map { .string($0.description) }),
                        ("predicate_type", requirement.predicateType.map(CanonicalJSON.string)),
                    ])
                }
            ),
            ("tiers", .array(tiers.map(\.canonical))),
            ("attestations", .array(attestations.map(\.canonical))),
            ("provenance", provenance.canonical),
        ])
    }
}

extension ReputationTier {
    var canonical: CanonicalJSON {
        .object([
            ("name", .string(name)),
            ("min_score", minScore.map(CanonicalJSON.number)),
            ("min_band90_low", minBand90Low.map(CanonicalJSON.number)),
            ("min_confidence", minConfidence.map(CanonicalJSON.number)),
            ("effect", .string(effect.rawValue)),
            ("privilege", privilege.map(CanonicalJSON.string)),
            ("required_checks", .strings(requiredChecks)),
            ("attestations", .array(attestations.map(\.canonical))),
        ])
    }
}

extension AttestationRequirement {
    var canonical: CanonicalJSON {
        .object([
            ("predicate_type", predicateType.map(CanonicalJSON.string)),
            ("auditors", auditors.map(CanonicalJSON.strings)),
            ("threshold", .integer(Int64(threshold))),
            ("max_age", maxAge.map { .string($0.description) }),
            ("result", .string(result.rawValue)),
            ("min_score", minScore.map(CanonicalJSON.number)),
            ("no_findings_at_or_above", noFindingsAtOrAbove.map { .string($0.rawValue) }),
        ])
    }
}

extension ProvenanceConditions {
    var canonical: CanonicalJSON {
        .object([
            ("chain_valid", .bool(chainValid)),
            ("not_revoked", .bool(notRevoked)),
            ("max_deprecated_age", maxDeprecatedAge.map { .string($0.description) }),
            ("max_versions_behind", maxVersionsBehind.map { .integer(Int64($0)) }),
            ("provider_not_suspended", .bool(providerNotSuspended)),
            ("provider_key_valid", .bool(providerKeyValid)),
        ])
    }
}
