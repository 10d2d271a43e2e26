/// The governance established by the genesis record.
public struct GovernanceState: Sendable, Hashable, Codable {
    /// The admin keys.
    public var adminKeys: [PublicKey]
    /// How many distinct admin keys must sign a governance record.
    public var threshold: Int
    /// The log origin.
    public var origin: String
    /// The genesis record's id.
    public var genesis: RecordID

    /// Creates a governance state.
    public init(adminKeys: [PublicKey], threshold: Int, origin: String, genesis: RecordID) {
        self.adminKeys = adminKeys
        self.threshold = threshold
        self.origin = origin
        self.genesis = genesis
    }
}

/// Whether a key may sign at a given time, and if not, why.
public enum KeyValidity: Sendable, Hashable {
    /// The key is valid.
    case valid
    /// The time is before the key's validity starts.
    case notYetValid(from: Int64)
    /// The time is at or after the key's validity ends (retired, rotated out or expired).
    case expired(until: Int64)
    /// The time is at or after the key's revocation takes effect.
    case revoked(effectiveAt: Int64)
}

/// A provider key with its validity window `[validFrom, validUntil)` and its revocation, all in ms since the
/// Unix epoch.
public struct KeyState: Sendable, Hashable, Codable {
    /// The public key.
    public var key: PublicKey
    /// Start of validity (inclusive).
    public var validFrom: Int64
    /// End of validity (exclusive); `nil` = no expiry.
    public var validUntil: Int64?
    /// The revocation's effective time; `nil` = not revoked.
    public var revokedAt: Int64?
    /// The record that granted the key.
    public var grantedBy: RecordID

    /// Creates a key state.
    public init(key: PublicKey, validFrom: Int64, validUntil: Int64? = nil, revokedAt: Int64? = nil, grantedBy: RecordID) {
        self.key = key
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.revokedAt = revokedAt
        self.grantedBy = grantedBy
    }

    /// The key id (hex SHA-256 of the SPKI).
    public var keyID: String { key.keyID }

    /// Whether a signature by this key on a record integrated at `integrationTime` (ms) is valid.
    ///
    /// This is the rule every verifier applies, online or offline, with the newest key state it knows: a
    /// revocation invalidates signatures integrated at or after its effective time and keeps earlier ones
    /// valid, so a back-dated (compromise) revocation invalidates records signed after the compromise even
    /// though they were accepted when they were written.
    public func validity(at integrationTime: Int64) -> KeyValidity {
        if let revokedAt, integrationTime >= revokedAt { return .revoked(effectiveAt: revokedAt) }
        if integrationTime < validFrom { return .notYetValid(from: validFrom) }
        if let validUntil, integrationTime >= validUntil { return .expired(until: validUntil) }
        return .valid
    }

    /// `validity(at:) == .valid`.
    public func isValid(at integrationTime: Int64) -> Bool { validity(at: integrationTime) == .valid }
}

/// A provider.
public struct ProviderState: Sendable, Hashable, Codable {
    /// The provider id.
    public var id: String
    /// The display name.
    public var displayName: String
    /// Every key ever granted, in grant order (retired and revoked keys stay, for verification of old records).
    public var keys: [KeyState]
    /// Whether the provider is suspended (may not write image records).
    public var suspended: Bool
    /// The reputation score assigned at onboarding.
    public var initialReputation: Int
    /// The onboarding record.
    public var onboardedBy: RecordID

    /// Creates a provider state.
    public init(
        id: String,
        displayName: String,
        keys: [KeyState],
        suspended: Bool = false,
        initialReputation: Int,
        onboardedBy: RecordID
    ) {
        self.id = id
        self.displayName = displayName
        self.keys = keys
        self.suspended = suspended
        self.initialReputation = initialReputation
        self.onboardedBy = onboardedBy
    }

    /// The key with id `keyID`.
    public func key(id keyID: String) -> KeyState? { keys.first { $0.keyID == keyID } }

    /// The keys valid at `time`.
    public func keys(validAt time: Int64) -> [PublicKey] { keys.filter { $0.isValid(at: time) }.map(\.key) }
}

/// A user.
public struct UserState: Sendable, Hashable, Codable {
    /// The user id.
    public var id: String
    /// The user's key.
    public var key: PublicKey
    /// The registration record.
    public var registeredBy: RecordID
    /// Whether the admins verified the user's identity (`nil` = not stated: unverified).
    public var verified: Bool?
    /// The user's organisation (a cluster for feedback damping), if stated.
    public var organization: String?

    /// Creates a user state.
    public init(id: String, key: PublicKey, registeredBy: RecordID, verified: Bool? = nil, organization: String? = nil) {
        self.id = id
        self.key = key
        self.registeredBy = registeredBy
        self.verified = verified
        self.organization = organization
    }
}

/// An onboarded certifier: a trusted source of compliance certifications.
public struct CertifierState: Sendable, Hashable, Codable {
    /// The certifier id.
    public var id: String
    /// The display name.
    public var displayName: String
    /// Keys that sign its statements.
    public var keys: [PublicKey]
    /// DER trust-anchor certificates its chains lead to.
    public var trustAnchors: [[UInt8]]
    /// The certification types it may issue.
    public var types: [ComplianceType]
    /// The onboarding record.
    public var onboardedBy: RecordID

    /// Creates a certifier state.
    public init(
        id: String,
        displayName: String,
        keys: [PublicKey],
        trustAnchors: [[UInt8]],
        types: [ComplianceType],
        onboardedBy: RecordID
    ) {
        self.id = id
        self.displayName = displayName
        self.keys = keys
        self.trustAnchors = trustAnchors
        self.types = types
        self.onboardedBy = onboardedBy
    }
}

/// A direct revocation of an image record.
public struct RevocationState: Sendable, Hashable, Codable {
    /// The image-revoke record.
    public var record: RecordID
    /// When it takes effect (ms); later than the integration time for a scheduled revocation.
    public var effectiveAt: Int64
    /// Whether every descendant is revoked too.
    public var inherit: Bool
    /// The reason given.
    public var reason: String

    /// Creates a revocation state.
    public init(record: RecordID, effectiveAt: Int64, inherit: Bool, reason: String) {
        self.record = record
        self.effectiveAt = effectiveAt
        self.inherit = inherit
        self.reason = reason
    }
}

/// A deprecation of an image record.
public struct DeprecationState: Sendable, Hashable, Codable {
    /// The image-deprecate record.
    public var record: RecordID
    /// The time from which the image is deprecated (ms).
    public var after: Int64

    /// Creates a deprecation state.
    public init(record: RecordID, after: Int64) {
        self.record = record
        self.after = after
    }
}

/// What the rules need to know about a logged record.
public struct RecordState: Sendable, Hashable, Codable {
    /// The record id.
    public var id: RecordID
    /// The record's kind.
    public var kind: RecordKind
    /// The provider it concerns, if any.
    public var provider: String?
    /// The image digest (image-register and image-modify).
    public var digest: String?
    /// The record it links to: `previous` of an image-modify, `target` of a revoke, restore or deprecate.
    public var linked: RecordID?
    /// The integration time (ms).
    public var integratedAt: Int64
    /// The direct revocation, in effect or scheduled (image records only).
    public var revocation: RevocationState?
    /// The deprecation (image records only).
    public var deprecation: DeprecationState?
    /// The auditor who issued it (attestations) or speaks (auditor records, withdrawals, reports signed by an
    /// auditor); the certifier of a certification or certification revocation.
    public var auditor: String?
    /// The subjects' image digests (attestations).
    public var subjects: [String]?
    /// What the predicate says (attestations).
    public var attestation: AttestationSummary?
    /// The withdrawal (attestations withdrawn by their auditor).
    public var withdrawnBy: RecordID?
    /// The lineage root (image records; the record itself for an image-register).
    public var root: RecordID?
    /// The first vulnerability scan without critical or high findings about this image record (image records).
    public var cleanScan: RecordID?
    /// The affected image digests (vulnerability and incident reports).
    public var affected: [String]?
    /// The user who speaks (user feedback, policy decisions).
    public var user: String?
    /// How a compliance certification's claim checked out against its trusted source (certifications).
    public var certification: CertificationCheck?
    /// The resolution or response of a report.
    public var resolvedBy: RecordID?

    /// Creates a record state.
    public init(
        id: RecordID,
        kind: RecordKind,
        provider: String? = nil,
        digest: String? = nil,
        linked: RecordID? = nil,
        integratedAt: Int64,
        revocation: RevocationState? = nil,
        deprecation: DeprecationState? = nil,
        auditor: String? = nil,
        subjects: [String]? = nil,
        attestation: AttestationSummary? = nil,
        withdrawnBy: RecordID? = nil,
        root: RecordID? = nil,
        affected: [String]? = nil,
        user: String? = nil,
        certification: CertificationCheck? = nil
    ) {
        self.id = id
        self.kind = kind
        self.provider = provider
        self.digest = digest
        self.linked = linked
        self.integratedAt = integratedAt
        self.revocation = revocation
        self.deprecation = deprecation
        self.auditor = auditor
        self.subjects = subjects
        self.attestation = attestation
        self.withdrawnBy = withdrawnBy
        self.root = root
        self.affected = affected
        self.user = user
        self.certification = certification
    }

    /// The parent in the lineage: `linked` of an image-modify, else `nil`.
    public var previous: RecordID? { kind == .imageModify ? linked : nil }
}

/// A read-only view of the provenance state derived from the log, as the rules need it.
///
/// Stores implement it from their derived indexes; every method is a point lookup (O(log n) or better).
/// Errors thrown are store failures, never verdicts.
public protocol ProvenanceStateReader: Sendable {
    /// The governance, or `nil` before the genesis record.
    func governance() async throws -> GovernanceState?
    /// The provider with `id`.
    func provider(id: String) async throws -> ProviderState?
    /// The record with `id`.
    func record(id: RecordID) async throws -> RecordState?
    /// The first image record (register or modify) by `provider` for image `digest`.
    func imageRecord(provider: String, digest: String) async throws -> RecordID?
    /// The user with `id`.
    func user(id: String) async throws -> UserState?
    /// The auditor with `id`.
    func auditor(id: String) async throws -> AuditorState?
    /// The id of the auditor that was granted the key with id `keyID` (key ids are unique among auditors).
    func auditorID(keyID: String) async throws -> String?
    /// The first image record (register or modify, any provider) in log order that names `digest`.
    func imageRecord(digest: String) async throws -> RecordID?
    /// The certifier with `id`.
    func certifier(id: String) async throws -> CertifierState?
    /// The integration time (ms) of the latest logged decision allowing `user` to use an image of `provider`
    /// (the `usage` index, proof of use).
    func lastUse(user: String, provider: String) async throws -> Int64?
    /// The version of the latest published reputation parameter set, or `nil` before any.
    func parametersVersion() async throws -> Int64?
    /// The id of the user registered with the key whose key id is `keyID`.
    func userID(keyID: String) async throws -> String?
}

extension ProvenanceStateReader {
    /// The ancestors of `record` from its parent to the lineage root, following `previous` links.
    ///
    /// Throws ``LineageError`` when a link is missing or loops (a corrupted state), or when the lineage is
    /// deeper than `limit`.
    public func ancestors(of record: RecordState, limit: Int = 100_000) async throws -> [RecordState] {
        var out: [RecordState] = []
        var seen: Set<RecordID> = [record.id]
        var next = record.previous
        while let id = next {
            guard seen.insert(id).inserted else { throw LineageError.cycle(id) }
            guard out.count < limit else { throw LineageError.tooDeep(limit) }
            guard let parent = try await self.record(id: id) else { throw LineageError.missing(id) }
            out.append(parent)
            next = parent.previous
        }
        return out
    }

    /// The status of the record with `id` at `time` (ms), or `nil` when there is no such record.
    public func status(of id: RecordID, at time: Int64) async throws -> RecordStatus? {
        guard let record = try await record(id: id) else { return nil }
        return RecordStatus(record: record, ancestors: try await ancestors(of: record), at: time)
    }
}

/// A lineage that cannot be walked.
public enum LineageError: Error, Hashable, Sendable {
    /// A record links to itself through its ancestors.
    case cycle(RecordID)
    /// A `previous` link names a record the state does not have.
    case missing(RecordID)
    /// The lineage is deeper than the limit.
    case tooDeep(Int)
}

/// One change to the provenance state, produced by an admission; stores persist them in the transaction
/// that appends the record, in order.
public enum StateChange: Sendable, Hashable {
    /// The genesis record set the governance.
    case governanceSet(GovernanceState)
    /// A provider was created or replaced as a whole (onboarding, update).
    case providerUpserted(ProviderState)
    /// A key was granted to a provider (rotation).
    case keyAdded(provider: String, KeyState)
    /// A provider key's validity ends at `until` (rotation); never extends an earlier end.
    case keyRetired(provider: String, keyID: String, until: Int64)
    /// A provider key is revoked from `effectiveAt`; never later than an earlier revocation.
    case keyRevoked(provider: String, keyID: String, effectiveAt: Int64)
    /// A record was logged.
    case recordAdded(RecordState)
    /// An image record was revoked directly (possibly scheduled).
    case recordRevoked(RecordID, RevocationState)
    /// An image record's direct revocation was lifted.
    case recordRestored(RecordID)
    /// An image record was deprecated.
    case recordDeprecated(RecordID, DeprecationState)
    /// A user was registered.
    case userRegistered(UserState)
    /// An auditor was created or replaced as a whole (onboarding, update).
    case auditorUpserted(AuditorState)
    /// An attestation about image `subject` was logged (one change per subject, in log order).
    case attestationAdded(subject: String, RecordID)
    /// An attestation was withdrawn by the record `by`.
    case attestationWithdrawn(RecordID, by: RecordID)
    /// A certifier was onboarded.
    case certifierUpserted(CertifierState)
    /// A logged decision allowed `user` to use an image of `provider` at `time` (ms): proof of use.
    case usageRecorded(user: String, provider: String, time: Int64)
    /// A reputation parameter set of `version` was published.
    case parametersPublished(version: Int64)
    /// The first clean vulnerability scan `by` of the image record `image`.
    case cleanScanRecorded(image: RecordID, by: RecordID)
    /// The report was resolved (vulnerability) or answered (incident) by the record `by`.
    case reportResolved(RecordID, by: RecordID)
}
