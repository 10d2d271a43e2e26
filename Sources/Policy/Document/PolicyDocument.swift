/// A validated policy document (docs/POLICY-LANGUAGE.md): a versioned, named set of scopes, each with a mode
/// and the rules that decide requests it matches.
///
/// Values are only made by ``PolicyDocument/parse(_:)`` (YAML or JSON) or by hand for tests; ``Policy`` wraps a
/// document with its canonical bytes, digest and compiled rules.
public struct PolicyDocument: Sendable, Hashable {
    /// The only `apiVersion` this engine reads.
    public static let apiVersion = "vmtrust.dev/policy/v1"
    /// The privileges used when a document names none, most to least.
    public static let defaultPrivileges = ["full", "restricted", "sandbox"]

    /// The policy's name (an identifier).
    public var name: String
    /// The policy's version: a positive integer the publisher raises with each change.
    public var version: Int64
    /// Free text for people.
    public var description: String?
    /// The privilege names, from the most to the least privileged.
    public var privileges: [String]
    /// Whether every decision under this policy is to be appended to the log (break-glass decisions always are).
    public var recordDecisions: Bool
    /// The scopes in declaration order; exactly one is the catch-all.
    public var scopes: [PolicyScope]

    /// Creates a document (no validation: use ``PolicyDocument/parse(_:)`` for untrusted input).
    public init(
        name: String,
        version: Int64,
        description: String? = nil,
        privileges: [String] = PolicyDocument.defaultPrivileges,
        recordDecisions: Bool = false,
        scopes: [PolicyScope]
    ) {
        self.name = name
        self.version = version
        self.description = description
        self.privileges = privileges
        self.recordDecisions = recordDecisions
        self.scopes = scopes
    }
}

/// How a scope's decisions are applied.
public enum PolicyMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Decisions are what the rules say.
    case enforce
    /// A deny becomes an allow; the deny reasons are reported as warnings.
    case warn
    /// Everything is allowed at the top privilege with no checks; what enforce would say is reported only.
    case dryRun = "dry_run"
}

/// The effect of a decision or of one rule, ordered from the most to the least restrictive.
public enum Effect: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Refused.
    case deny
    /// Allowed once the required checks are met.
    case allowWithConditions = "allow_with_conditions"
    /// Allowed.
    case allow

    private var rank: Int {
        switch self {
        case .deny: 0
        case .allowWithConditions: 1
        case .allow: 2
        }
    }

    /// `deny < allow_with_conditions < allow`.
    public static func < (lhs: Effect, rhs: Effect) -> Bool { lhs.rank < rhs.rank }
}

/// One scope: who it applies to, how, and with which rules.
public struct PolicyScope: Sendable, Hashable {
    /// The scope's name, unique in the document.
    public var name: String
    /// Which requests it matches.
    public var match: ScopeMatch
    /// How its decisions apply.
    public var mode: PolicyMode
    /// Its rules.
    public var rules: PolicyRuleSet

    /// Creates a scope.
    public init(name: String, match: ScopeMatch = ScopeMatch(), mode: PolicyMode = .enforce, rules: PolicyRuleSet) {
        self.name = name
        self.match = match
        self.mode = mode
        self.rules = rules
    }
}

/// The requests a scope (or a break-glass grant) applies to: every dimension it names must match; a dimension
/// left out matches anything. A match naming nothing is the catch-all.
public struct ScopeMatch: Sendable, Hashable, Codable {
    /// User ids; the request's user must be one of them.
    public var users: [String]?
    /// Group names; the request's groups must include one of them.
    public var groups: [String]?
    /// Projects (namespaces); the request's project must be one of them.
    public var projects: [String]?
    /// Environments (`prod`, `staging`, …); the request's environment must be one of them.
    public var environments: [String]?

    /// Creates a match.
    public init(users: [String]? = nil, groups: [String]? = nil, projects: [String]? = nil, environments: [String]? = nil) {
        self.users = users
        self.groups = groups
        self.projects = projects
        self.environments = environments
    }

    /// Whether the match names no dimension.
    public var isCatchAll: Bool { users == nil && groups == nil && projects == nil && environments == nil }

    /// The specificity: users 8, groups 4, projects 2, environments 1, summed over the dimensions named. A scope
    /// naming users outranks any scope that does not; among equals, groups decide, then projects, then
    /// environments.
    public var specificity: Int {
        (users == nil ? 0 : 8) + (groups == nil ? 0 : 4) + (projects == nil ? 0 : 2) + (environments == nil ? 0 : 1)
    }

    /// Whether `request` falls in this match.
    public func matches(_ request: AuthorizationRequest) -> Bool {
        if let users, !users.contains(request.user) { return false }
        if let groups, !groups.contains(where: request.groups.contains) { return false }
        if let projects {
            guard let project = request.project, projects.contains(project) else { return false }
        }
        if let environments {
            guard let environment = request.environment, environments.contains(environment) else { return false }
        }
        return true
    }
}

/// The rules of one scope. Every rule that applies runs; the most restrictive effect and the least privilege
/// win, required checks add up.
public struct PolicyRuleSet: Sendable, Hashable {
    /// `reputation.low`: the score below which a provider's reputation is low.
    public var reputationLow: PolicyNumber?
    /// The seed rule: when `false`, a provider whose score is below ``reputationLow`` is denied.
    public var allowLowReputation: Bool
    /// The seed rule: at least one passing attestation no older than a maximum age.
    public var requireAttestation: AttestationRequirement?
    /// Reputation tiers, in order; the first that matches applies.
    public var tiers: [ReputationTier]
    /// Required attestations, each on its own.
    public var attestations: [AttestationRequirement]
    /// Conditions on the image's provenance and its provider.
    public var provenance: ProvenanceConditions

    /// Creates a rule set.
    public init(
        reputationLow: PolicyNumber? = nil,
        allowLowReputation: Bool = true,
        requireAttestation: AttestationRequirement? = nil,
        tiers: [ReputationTier] = [],
        attestations: [AttestationRequirement] = [],
        provenance: ProvenanceConditions = ProvenanceConditions()
    ) {
        self.reputationLow = reputationLow
        self.allowLowReputation = allowLowReputation
        self.requireAttestation = requireAttestation
        self.tiers = tiers
        self.attestations = attestations
        self.provenance = provenance
    }
}

/// A band of reputation mapped to an effect, a privilege and required checks.
public struct ReputationTier: Sendable, Hashable {
    /// The tier's name, unique in its scope.
    public var name: String
    /// The least score (0–100) the provider must have.
    public var minScore: PolicyNumber?
    /// The least pessimistic bound (band90 low, 0–100).
    public var minBand90Low: PolicyNumber?
    /// The least confidence (0–1).
    public var minConfidence: PolicyNumber?
    /// The effect granted.
    public var effect: Effect
    /// The privilege granted (absent exactly when the effect is `deny`).
    public var privilege: String?
    /// Checks demanded before use.
    public var requiredChecks: [String]
    /// Attestations required in this tier only.
    public var attestations: [AttestationRequirement]

    /// Creates a tier.
    public init(
        name: String,
        minScore: PolicyNumber? = nil,
        minBand90Low: PolicyNumber? = nil,
        minConfidence: PolicyNumber? = nil,
        effect: Effect,
        privilege: String?,
        requiredChecks: [String] = [],
        attestations: [AttestationRequirement] = []
    ) {
        self.name = name
        self.minScore = minScore
        self.minBand90Low = minBand90Low
        self.minConfidence = minConfidence
        self.effect = effect
        self.privilege = privilege
        self.requiredChecks = requiredChecks
        self.attestations = attestations
    }

    /// Whether the tier names no bound (it matches any reputation, and no reputation at all).
    public var isUnconditional: Bool { minScore == nil && minBand90Low == nil && minConfidence == nil }

    /// Whether `snapshot` meets every bound the tier names; with no snapshot only an unconditional tier matches.
    public func matches(_ snapshot: ReputationSnapshot?) -> Bool {
        if isUnconditional { return true }
        guard let snapshot else { return false }
        if let minScore, snapshot.score < minScore.doubleValue { return false }
        if let minBand90Low, snapshot.band90Low < minBand90Low.doubleValue { return false }
        if let minConfidence, snapshot.confidence < minConfidence.doubleValue { return false }
        return true
    }
}

/// The result an attestation must report to count.
public enum ResultCondition: String, Sendable, Hashable, Codable, CaseIterable {
    /// Only passing attestations count.
    case pass
    /// Only failing attestations count (for example a red-team attestation that an attack failed to reproduce).
    case fail
    /// Any result counts.
    case any
}

/// Finding severities (CVSS bands), ordered from the least to the most severe.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// CVSS 0.1–3.9.
    case low
    /// CVSS 4.0–6.9.
    case medium
    /// CVSS 7.0–8.9.
    case high
    /// CVSS 9.0–10.0.
    case critical

    private var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        case .critical: 3
        }
    }

    /// `low < medium < high < critical`.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A required attestation: `threshold` distinct acceptable auditors must each have a current, fresh
/// attestation of `predicateType` for the image that meets the result conditions.
public struct AttestationRequirement: Sendable, Hashable {
    /// The in-toto predicate type; `nil` (only in `require_attestation`) accepts any type.
    public var predicateType: String?
    /// The acceptable auditors; `nil` accepts any auditor.
    public var auditors: [String]?
    /// k: how many distinct auditors must qualify.
    public var threshold: Int
    /// The largest age, from the attestation's integration time to the request time.
    public var maxAge: PolicyDuration?
    /// The result that counts.
    public var result: ResultCondition
    /// The least score (0–100) a counting attestation reports.
    public var minScore: PolicyNumber?
    /// A counting attestation reports no finding at or above this severity.
    public var noFindingsAtOrAbove: Severity?

    /// Creates a requirement.
    public init(
        predicateType: String?,
        auditors: [String]? = nil,
        threshold: Int = 1,
        maxAge: PolicyDuration? = nil,
        result: ResultCondition = .pass,
        minScore: PolicyNumber? = nil,
        noFindingsAtOrAbove: Severity? = nil
    ) {
        self.predicateType = predicateType
        self.auditors = auditors
        self.threshold = threshold
        self.maxAge = maxAge
        self.result = result
        self.minScore = minScore
        self.noFindingsAtOrAbove = noFindingsAtOrAbove
    }
}

/// Conditions on the image's provenance and on its provider. The boolean conditions default to `true`.
public struct ProvenanceConditions: Sendable, Hashable {
    /// The chain of records and signatures is valid back to the lineage's root.
    public var chainValid: Bool
    /// The image is not revoked, directly or through an ancestor revoked with inheritance.
    public var notRevoked: Bool
    /// A deprecated image is denied once deprecated longer than this; `nil`: deprecation does not matter.
    public var maxDeprecatedAge: PolicyDuration?
    /// The image is at most this many versions behind the newest of its lineage (`0`: the newest only).
    public var maxVersionsBehind: Int?
    /// The provider is not suspended.
    public var providerNotSuspended: Bool
    /// The provider key that signed the image record is valid at the request time.
    public var providerKeyValid: Bool

    /// Creates the conditions.
    public init(
        chainValid: Bool = true,
        notRevoked: Bool = true,
        maxDeprecatedAge: PolicyDuration? = nil,
        maxVersionsBehind: Int? = nil,
        providerNotSuspended: Bool = true,
        providerKeyValid: Bool = true
    ) {
        self.chainValid = chainValid
        self.notRevoked = notRevoked
        self.maxDeprecatedAge = maxDeprecatedAge
        self.maxVersionsBehind = maxVersionsBehind
        self.providerNotSuspended = providerNotSuspended
        self.providerKeyValid = providerKeyValid
    }
}
