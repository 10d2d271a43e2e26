import Provenance

/// Everything the engine may know about the world, as a value: the caller assembles it from the ledger (or an
/// offline bundle) at one checkpoint. The engine reads nothing else, so the same facts give the same decision.
public struct PolicyFacts: Sendable, Hashable, Codable {
    /// The image's provenance, or `nil` when the digest is not in the log.
    public var image: ImageFacts?
    /// The provider of the image, or `nil` when unknown.
    public var provider: ProviderFacts?
    /// The provider's reputation at the checkpoint, or `nil` when none is available.
    public var reputation: ReputationSnapshot?
    /// Attestation records about the image (all of them: the engine selects; see ``EvidenceSelection``).
    public var attestations: [AttestationFact]
    /// Break-glass grants whose signatures the caller verified.
    public var breakGlass: [BreakGlassGrant]
    /// The checkpoint the facts were read at.
    public var checkpoint: CheckpointReference

    /// Creates facts.
    public init(
        image: ImageFacts?,
        provider: ProviderFacts?,
        reputation: ReputationSnapshot?,
        attestations: [AttestationFact] = [],
        breakGlass: [BreakGlassGrant] = [],
        checkpoint: CheckpointReference
    ) {
        self.image = image
        self.provider = provider
        self.reputation = reputation
        self.attestations = attestations
        self.breakGlass = breakGlass
        self.checkpoint = checkpoint
    }

    private enum CodingKeys: String, CodingKey {
        case image, provider, reputation, attestations
        case breakGlass = "break_glass"
        case checkpoint
    }

    /// Decodes; `attestations` and `break_glass` default to none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        image = try container.decodeIfPresent(ImageFacts.self, forKey: .image)
        provider = try container.decodeIfPresent(ProviderFacts.self, forKey: .provider)
        reputation = try container.decodeIfPresent(ReputationSnapshot.self, forKey: .reputation)
        attestations = try container.decodeIfPresent([AttestationFact].self, forKey: .attestations) ?? []
        breakGlass = try container.decodeIfPresent([BreakGlassGrant].self, forKey: .breakGlass) ?? []
        checkpoint = try container.decode(CheckpointReference.self, forKey: .checkpoint)
    }
}

/// The provenance of the image record registered for the requested digest.
public struct ImageFacts: Sendable, Hashable, Codable {
    /// The image record (register or modify) for the digest.
    public var record: RecordID
    /// The image digest.
    public var digest: String
    /// The provider that owns the lineage.
    public var provider: String
    /// The lineage from its root (the register record) to ``record``.
    public var chain: [RecordID]
    /// Whether every record of the chain is present, linked and signed by a key valid at its integration.
    public var chainValid: Bool
    /// The revocation in force, if any (direct, or inherited from an ancestor).
    public var revocation: RevocationFact?
    /// The deprecation, if any.
    public var deprecation: DeprecationFact?
    /// How many newer versions the lineage has (`0`: this is the newest).
    public var versionsBehind: Int

    /// Creates image facts.
    public init(
        record: RecordID,
        digest: String,
        provider: String,
        chain: [RecordID],
        chainValid: Bool,
        revocation: RevocationFact? = nil,
        deprecation: DeprecationFact? = nil,
        versionsBehind: Int = 0
    ) {
        self.record = record
        self.digest = digest
        self.provider = provider
        self.chain = chain
        self.chainValid = chainValid
        self.revocation = revocation
        self.deprecation = deprecation
        self.versionsBehind = versionsBehind
    }

    private enum CodingKeys: String, CodingKey {
        case record, digest, provider, chain
        case chainValid = "chain_valid"
        case revocation, deprecation
        case versionsBehind = "versions_behind"
    }
}

/// A revocation of the image.
public struct RevocationFact: Sendable, Hashable, Codable {
    /// The revoke record.
    public var record: RecordID
    /// The revoked ancestor the revocation is inherited from; `nil` for a direct revocation.
    public var inheritedFrom: RecordID?
    /// When it takes effect (ms); a scheduled revocation before then does not count.
    public var effectiveAt: Int64

    /// Creates a revocation fact.
    public init(record: RecordID, inheritedFrom: RecordID? = nil, effectiveAt: Int64) {
        self.record = record
        self.inheritedFrom = inheritedFrom
        self.effectiveAt = effectiveAt
    }

    private enum CodingKeys: String, CodingKey {
        case record
        case inheritedFrom = "inherited_from"
        case effectiveAt = "effective_at"
    }
}

/// A deprecation of the image.
public struct DeprecationFact: Sendable, Hashable, Codable {
    /// The deprecate record.
    public var record: RecordID
    /// Its integration time (ms).
    public var at: Int64

    /// Creates a deprecation fact.
    public init(record: RecordID, at: Int64) {
        self.record = record
        self.at = at
    }
}

/// The image's provider.
public struct ProviderFacts: Sendable, Hashable, Codable {
    /// The provider id.
    public var id: String
    /// Whether it is suspended.
    public var suspended: Bool
    /// Whether the key that signed the image record is valid at the request time (not revoked, not expired).
    public var keyValid: Bool

    /// Creates provider facts.
    public init(id: String, suspended: Bool = false, keyValid: Bool = true) {
        self.id = id
        self.suspended = suspended
        self.keyValid = keyValid
    }

    private enum CodingKeys: String, CodingKey {
        case id, suspended
        case keyValid = "key_valid"
    }
}

/// The provider's reputation as REPUTATION.md's "Score" computes it, at the checkpoint.
public struct ReputationSnapshot: Sendable, Hashable, Codable {
    /// The provider id.
    public var provider: String
    /// The score, 0–100.
    public var score: Double
    /// The confidence C = 1 − U, 0–1.
    public var confidence: Double
    /// The pessimistic bound of the 90% band, 0–100.
    public var band90Low: Double
    /// The optimistic bound of the 90% band, 0–100.
    public var band90High: Double
    /// The reputation parameter-set version used.
    public var parameterVersion: Int64

    /// Creates a snapshot.
    public init(
        provider: String,
        score: Double,
        confidence: Double,
        band90Low: Double,
        band90High: Double,
        parameterVersion: Int64
    ) {
        self.provider = provider
        self.score = score
        self.confidence = confidence
        self.band90Low = band90Low
        self.band90High = band90High
        self.parameterVersion = parameterVersion
    }

    private enum CodingKeys: String, CodingKey {
        case provider, score, confidence
        case band90Low = "band90_low"
        case band90High = "band90_high"
        case parameterVersion = "parameter_version"
    }
}

/// The result an attestation reports.
public enum AttestationOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Passed.
    case pass
    /// Failed.
    case fail
}

/// Findings per severity reported by an attestation.
public struct FindingCounts: Sendable, Hashable, Codable {
    /// Critical findings.
    public var critical: Int
    /// High findings.
    public var high: Int
    /// Medium findings.
    public var medium: Int
    /// Low findings.
    public var low: Int

    /// Creates counts.
    public init(critical: Int = 0, high: Int = 0, medium: Int = 0, low: Int = 0) {
        self.critical = critical
        self.high = high
        self.medium = medium
        self.low = low
    }

    /// The number of findings at `severity` or above.
    public func count(atOrAbove severity: Severity) -> Int {
        Severity.allCases.filter { $0 >= severity }.reduce(0) { total, level in
            switch level {
            case .critical: total + critical
            case .high: total + high
            case .medium: total + medium
            case .low: total + low
            }
        }
    }
}

/// One attestation record about an image.
public struct AttestationFact: Sendable, Hashable, Codable {
    /// The attestation record.
    public var record: RecordID
    /// The attested image digest (the in-toto subject).
    public var subject: String
    /// The in-toto predicate type.
    public var predicateType: String
    /// The auditor.
    public var auditor: String
    /// The ledger's integration time (ms): ages are measured from here, never from a claim in the payload.
    public var integratedAt: Int64
    /// The entry's index in the log: "latest" means highest index.
    public var logIndex: UInt64
    /// Whether the auditor withdrew it.
    public var withdrawn: Bool
    /// Whether a newer attestation (possibly not in this list) supersedes it.
    public var superseded: Bool
    /// The reported result.
    public var result: AttestationOutcome
    /// The reported score (0–100), if any.
    public var score: Double?
    /// The reported findings.
    public var findings: FindingCounts

    /// Creates an attestation fact.
    public init(
        record: RecordID,
        subject: String,
        predicateType: String,
        auditor: String,
        integratedAt: Int64,
        logIndex: UInt64,
        withdrawn: Bool = false,
        superseded: Bool = false,
        result: AttestationOutcome,
        score: Double? = nil,
        findings: FindingCounts = FindingCounts()
    ) {
        self.record = record
        self.subject = subject
        self.predicateType = predicateType
        self.auditor = auditor
        self.integratedAt = integratedAt
        self.logIndex = logIndex
        self.withdrawn = withdrawn
        self.superseded = superseded
        self.result = result
        self.score = score
        self.findings = findings
    }

    private enum CodingKeys: String, CodingKey {
        case record, subject
        case predicateType = "predicate_type"
        case auditor
        case integratedAt = "integrated_at"
        case logIndex = "log_index"
        case withdrawn, superseded, result, score, findings
    }

    /// Decodes; `withdrawn` and `superseded` default to `false`, `findings` to none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        record = try container.decode(RecordID.self, forKey: .record)
        subject = try container.decode(String.self, forKey: .subject)
        predicateType = try container.decode(String.self, forKey: .predicateType)
        auditor = try container.decode(String.self, forKey: .auditor)
        integratedAt = try container.decode(Int64.self, forKey: .integratedAt)
        logIndex = try container.decode(UInt64.self, forKey: .logIndex)
        withdrawn = try container.decodeIfPresent(Bool.self, forKey: .withdrawn) ?? false
        superseded = try container.decodeIfPresent(Bool.self, forKey: .superseded) ?? false
        result = try container.decode(AttestationOutcome.self, forKey: .result)
        score = try container.decodeIfPresent(Double.self, forKey: .score)
        findings = try container.decodeIfPresent(FindingCounts.self, forKey: .findings) ?? FindingCounts()
    }
}

/// A signed, time-limited override whose signature the caller verified: who granted it, why, to whom, until when.
public struct BreakGlassGrant: Sendable, Hashable, Codable {
    /// The grant's record.
    public var record: RecordID
    /// Who granted it.
    public var grantedBy: String
    /// Why.
    public var reason: String
    /// The requests it covers (users, groups, projects, environments; every dimension named must match).
    public var scope: ScopeMatch
    /// The images it covers; `nil` for any image.
    public var images: [String]?
    /// Start of validity (ms, inclusive).
    public var notBefore: Int64
    /// End of validity (ms, exclusive).
    public var expiresAt: Int64
    /// The privilege granted; `nil`: the policy's least privilege.
    public var privilege: String?

    /// Creates a grant.
    public init(
        record: RecordID,
        grantedBy: String,
        reason: String,
        scope: ScopeMatch,
        images: [String]? = nil,
        notBefore: Int64,
        expiresAt: Int64,
        privilege: String? = nil
    ) {
        self.record = record
        self.grantedBy = grantedBy
        self.reason = reason
        self.scope = scope
        self.images = images
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.privilege = privilege
    }

    private enum CodingKeys: String, CodingKey {
        case record
        case grantedBy = "granted_by"
        case reason, scope, images
        case notBefore = "not_before"
        case expiresAt = "expires_at"
        case privilege
    }

    /// Whether the grant covers `request`: within its validity, its scope and its images.
    public func covers(_ request: AuthorizationRequest) -> Bool {
        guard notBefore <= request.time, request.time < expiresAt, scope.matches(request) else { return false }
        if let images, !images.contains(request.image) { return false }
        return true
    }
}

/// The checkpoint the facts were read at: log size and root hash.
public struct CheckpointReference: Sendable, Hashable, Codable {
    /// The log size.
    public var size: UInt64
    /// The root hash (as the checkpoint writes it: standard base64).
    public var rootHash: String

    /// Creates a reference.
    public init(size: UInt64, rootHash: String) {
        self.size = size
        self.rootHash = rootHash
    }

    private enum CodingKeys: String, CodingKey {
        case size
        case rootHash = "root_hash"
    }

    var canonical: CanonicalJSON {
        .object([("size", .integer(Int64(clamping: size))), ("root_hash", .string(rootHash))])
    }
}
