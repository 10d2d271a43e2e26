import Provenance

/// A stable reason code (`attestation.stale`, `reputation.below_low`, …): what clients match on. The words in
/// ``Reason/message`` may change; codes do not.
public struct ReasonCode: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The code.
    public let rawValue: String

    /// Wraps a code.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Wraps a literal code.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Decodes a bare string.
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

    /// Encodes a bare string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The code.
    public var description: String { rawValue }

    /// Orders by the code text.
    public static func < (lhs: ReasonCode, rhs: ReasonCode) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The digest is not in the log.
    public static let imageUnknown: ReasonCode = "image.unknown"
    /// No reputation snapshot for the provider (a low-reputation rule cannot be satisfied).
    public static let reputationUnavailable: ReasonCode = "reputation.unavailable"
    /// The score is below `reputation.low` and the policy does not allow low reputation.
    public static let reputationBelowLow: ReasonCode = "reputation.below_low"
    /// The reputation tier that applied (its effect, privilege and checks).
    public static let reputationTier: ReasonCode = "reputation.tier"
    /// No tier matched the reputation.
    public static let reputationNoTier: ReasonCode = "reputation.no_tier"
    /// No current attestation of the required kind (none, or withdrawn, or superseded).
    public static let attestationMissing: ReasonCode = "attestation.missing"
    /// Only attestations older than the maximum age.
    public static let attestationStale: ReasonCode = "attestation.stale"
    /// Fresh attestations, but none meets the result conditions.
    public static let attestationConditionsNotMet: ReasonCode = "attestation.conditions_not_met"
    /// Some auditors qualify, fewer than the threshold.
    public static let attestationThresholdNotMet: ReasonCode = "attestation.threshold_not_met"
    /// The record chain is not valid back to the root.
    public static let chainInvalid: ReasonCode = "provenance.chain_invalid"
    /// The image is revoked directly.
    public static let revoked: ReasonCode = "provenance.revoked"
    /// The image is revoked through an ancestor.
    public static let revokedInherited: ReasonCode = "provenance.revoked_inherited"
    /// Deprecated longer than allowed.
    public static let deprecated: ReasonCode = "provenance.deprecated"
    /// More versions behind the newest than allowed.
    public static let notNewest: ReasonCode = "provenance.not_newest"
    /// No facts about the provider.
    public static let providerUnknown: ReasonCode = "provider.unknown"
    /// The provider is suspended.
    public static let providerSuspended: ReasonCode = "provider.suspended"
    /// The provider key that signed the image is not valid.
    public static let providerKeyInvalid: ReasonCode = "provider.key_invalid"
    /// A break-glass grant turned a deny into an allow.
    public static let breakGlassUsed: ReasonCode = "break_glass.used"
}

/// One rule that fired: its code, words, the rule (by its place in the policy) and the effect it imposes.
public struct Reason: Sendable, Hashable, Codable {
    /// The stable code.
    public var code: ReasonCode
    /// What happened, in words.
    public var message: String
    /// The rule, as a path in the policy (`rules.attestations[1]`, `rules.tiers`, …).
    public var rule: String
    /// The effect this rule imposes.
    public var effect: Effect

    /// Creates a reason.
    public init(code: ReasonCode, message: String, rule: String, effect: Effect) {
        self.code = code
        self.message = message
        self.rule = rule
        self.effect = effect
    }
}

/// An effect with its privilege and checks.
public struct Outcome: Sendable, Hashable, Codable {
    /// The effect.
    public var effect: Effect
    /// The privilege; `nil` when denied.
    public var privilege: String?
    /// Checks demanded before use.
    public var requiredChecks: [String]

    /// Creates an outcome.
    public init(effect: Effect, privilege: String?, requiredChecks: [String]) {
        self.effect = effect
        self.privilege = privilege
        self.requiredChecks = requiredChecks
    }

    private enum CodingKeys: String, CodingKey {
        case effect, privilege
        case requiredChecks = "required_checks"
    }

    /// Encodes `privilege` as `null` when absent (the JSON shape is fixed).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(effect, forKey: .effect)
        try container.encode(privilege, forKey: .privilege)
        try container.encode(requiredChecks, forKey: .requiredChecks)
    }
}

/// How a break-glass grant was used.
public struct BreakGlassUse: Sendable, Hashable, Codable {
    /// The grant's record.
    public var grant: RecordID
    /// Who granted it.
    public var grantedBy: String
    /// Why.
    public var reason: String
    /// When it expires (ms).
    public var expiresAt: Int64
    /// The deny codes the grant overrode: the evidence still missing, re-flagged on every use until it exists.
    public var missing: [ReasonCode]

    /// Creates a use.
    public init(grant: RecordID, grantedBy: String, reason: String, expiresAt: Int64, missing: [ReasonCode]) {
        self.grant = grant
        self.grantedBy = grantedBy
        self.reason = reason
        self.expiresAt = expiresAt
        self.missing = missing
    }

    private enum CodingKeys: String, CodingKey {
        case grant
        case grantedBy = "granted_by"
        case reason
        case expiresAt = "expires_at"
        case missing
    }
}

/// The evidence a decision rests on.
public struct DecisionEvidence: Sendable, Hashable, Codable {
    /// The records the decision rests on, sorted: the image chain, revocation and deprecation, for each met
    /// attestation requirement the newest qualifying attestation of each of `threshold` distinct auditors (for
    /// an unmet one, those that did qualify or the one that failed), the break-glass grant.
    public var records: [RecordID]
    /// The provider's reputation snapshot.
    public var reputation: ReputationSnapshot?
    /// The checkpoint the facts were read at.
    public var checkpoint: CheckpointReference

    /// Creates evidence.
    public init(records: [RecordID], reputation: ReputationSnapshot?, checkpoint: CheckpointReference) {
        self.records = records
        self.reputation = reputation
        self.checkpoint = checkpoint
    }

    private enum CodingKeys: String, CodingKey {
        case records, reputation, checkpoint
    }

    /// Encodes `reputation` as `null` when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(records, forKey: .records)
        try container.encode(reputation, forKey: .reputation)
        try container.encode(checkpoint, forKey: .checkpoint)
    }
}

/// The policy (and scope) that decided.
public struct PolicyReference: Sendable, Hashable, Codable {
    /// The policy's name.
    public var name: String
    /// Its version.
    public var version: Int64
    /// Its digest (`sha256:<hex>` of the canonical JSON).
    public var digest: String
    /// The scope that matched.
    public var scope: String

    /// Creates a reference.
    public init(name: String, version: Int64, digest: String, scope: String) {
        self.name = name
        self.version = version
        self.digest = digest
        self.scope = scope
    }
}

/// The answer (docs/POLICY-LANGUAGE.md, "Decisions"): what the caller must do (`effect`, `privilege`,
/// `required_checks`), why (`reasons`, `warnings`), on what (`evidence`, `policy`), and how it was reached (`mode`,
/// `evaluated`, `break_glass`).
public struct Decision: Sendable, Hashable, Codable {
    /// `sha256` (64 lowercase hex) of the canonical encoding of the policy digest, the request and the checkpoint.
    public var decisionID: String
    /// What the caller must enforce.
    public var effect: Effect
    /// The privilege granted; `nil` when denied.
    public var privilege: String?
    /// Checks the caller must run before use.
    public var requiredChecks: [String]
    /// The mode of the scope that decided.
    public var mode: PolicyMode
    /// What the rules said (enforce mode, before break-glass): differs from the top-level outcome in warn and
    /// dry_run modes and under break-glass.
    public var evaluated: Outcome
    /// Every rule that fired.
    public var reasons: [Reason]
    /// In warn mode: the reasons that would have denied.
    public var warnings: [Reason]
    /// The break-glass grant used, if one turned a deny into an allow.
    public var breakGlass: BreakGlassUse?
    /// Whether the decision must be appended to the log (break-glass decisions always; others when the policy
    /// says `record_decisions: true`).
    public var record: Bool
    /// The evidence.
    public var evidence: DecisionEvidence
    /// The policy and scope.
    public var policy: PolicyReference
    /// The request.
    public var request: AuthorizationRequest

    /// Creates a decision.
    public init(
        decisionID: String,
        effect: Effect,
        privilege: String?,
        requiredChecks: [String],
        mode: PolicyMode,
        evaluated: Outcome,
        reasons: [Reason],
        warnings: [Reason],
        breakGlass: BreakGlassUse?,
        record: Bool,
        evidence: DecisionEvidence,
        policy: PolicyReference,
        request: AuthorizationRequest
    ) {
        self.decisionID = decisionID
        self.effect = effect
        self.privilege = privilege
        self.requiredChecks = requiredChecks
        self.mode = mode
        self.evaluated = evaluated
        self.reasons = reasons
        self.warnings = warnings
        self.breakGlass = breakGlass
        self.record = record
        self.evidence = evidence
        self.policy = policy
        self.request = request
    }

    /// Whether the caller may go ahead (`allow` or `allow_with_conditions`).
    public var allowed: Bool { effect != .deny }

    /// The distinct codes of ``reasons``, sorted.
    public var codes: [ReasonCode] { Array(Set(reasons.map(\.code))).sorted() }

    private enum CodingKeys: String, CodingKey {
        case decisionID = "decision_id"
        case effect, privilege
        case requiredChecks = "required_checks"
        case mode, evaluated, reasons, warnings
        case breakGlass = "break_glass"
        case record, evidence, policy, request
    }

    /// Encodes every member, `null` for an absent privilege or break-glass (the JSON shape is fixed).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(decisionID, forKey: .decisionID)
        try container.encode(effect, forKey: .effect)
        try container.encode(privilege, forKey: .privilege)
        try container.encode(requiredChecks, forKey: .requiredChecks)
        try container.encode(mode, forKey: .mode)
        try container.encode(evaluated, forKey: .evaluated)
        try container.encode(reasons, forKey: .reasons)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(breakGlass, forKey: .breakGlass)
        try container.encode(record, forKey: .record)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(policy, forKey: .policy)
        try container.encode(request, forKey: .request)
    }
}
