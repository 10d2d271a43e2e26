// The rules of DESIGN.md section 3 and issue 3, one type each. Every policy passes records it does not
// concern; ``ProvenanceRules/policy`` lists them in evaluation order.

/// The record handed to the rules is the envelope's payload: same payload type, same bytes.
public struct PayloadMatchesRecord: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `recordMismatch`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard context.envelope.payloadType == context.record.payloadType else {
            return .fails(.recordMismatch, "the envelope's payload type is not \(context.record.payloadType)")
        }
        guard context.envelope.payload == context.record.encoded() else {
            return .fails(.recordMismatch, "the envelope's payload is not the record's canonical encoding")
        }
        return .meetsPolicy
    }
}

/// A record id enters the log once.
public struct NotAlreadyRecorded: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `alreadyRecorded`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard try await context.state.record(id: context.recordID) == nil else {
            return .fails(.alreadyRecorded, "\(context.recordID) is already in the log")
        }
        return .meetsPolicy
    }
}

/// The signer's time claim is within `skew` ms of the integration time.
public struct TimeWithinSkew: AdmissionPolicy {
    /// The largest allowed difference, ms.
    public var skew: Int64

    /// Creates the policy.
    public init(skew: Int64) { self.skew = skew }

    /// Fails with `timeOutsideSkew`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard let time = context.record.time else { return .meetsPolicy }
        let difference = time - context.integrationTime
        guard difference.magnitude <= skew.magnitude else {
            return .fails(
                .timeOutsideSkew,
                "\"time\" is \(difference) ms from the integration time \(context.integrationTime); at most \(skew) ms allowed"
            )
        }
        return .meetsPolicy
    }
}

/// Genesis comes first and once; every other record needs it.
public struct GovernanceOrder: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `genesisExists` or `noGovernance`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        let governance = try await context.state.governance()
        if case .genesis = context.record {
            return governance == nil ? .meetsPolicy : .fails(.genesisExists, "the log already has a genesis record")
        }
        return governance == nil ? .fails(.noGovernance, "the log has no genesis record yet") : .meetsPolicy
    }
}

/// Provider-scoped records need an onboarded provider; onboarding needs a new id.
public struct ProviderPresence: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `providerExists` or `unknownProvider`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard let id = context.record.provider else { return .meetsPolicy }
        let provider = try await context.state.provider(id: id)
        if case .providerOnboard = context.record {
            return provider == nil ? .meetsPolicy : .fails(.providerExists, "provider \"\(id)\" is already onboarded")
        }
        return provider == nil ? .fails(.unknownProvider, "provider \"\(id)\" is not onboarded") : .meetsPolicy
    }
}

/// Counts the distinct keys among `keys` that signed, against a threshold.
func thresholdResult(signed: Int, threshold: Int, what: String) -> PolicyResult {
    if signed == 0 { return .fails(.notSignedByAdmins, "\(what) must be signed by admin keys; no admin signature verifies") }
    if signed < threshold {
        return .fails(.belowThreshold, "\(what) has \(signed) valid admin signature(s); the threshold is \(threshold)")
    }
    return .meetsPolicy
}

/// A genesis record is signed by at least `threshold` of the admin keys it lists.
public struct GenesisSignatures: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `notSignedByAdmins` or `belowThreshold`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .genesis(let genesis) = context.record else { return .meetsPolicy }
        let signed = context.verifiedKeys(genesis.adminKeys).count
        return thresholdResult(signed: signed, threshold: genesis.threshold, what: "the genesis record")
    }
}

/// Governance records (provider onboard and update, key revocation, user registration) are signed by at
/// least `threshold` distinct admin keys.
public struct AdminSignatures: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `notSignedByAdmins` or `belowThreshold`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard context.record.kind.signer == .admins else { return .meetsPolicy }
        guard let governance = try await context.state.governance() else {
            return .fails(.noGovernance, "the log has no genesis record yet")
        }
        let signed = context.verifiedKeys(governance.adminKeys).count
        return thresholdResult(signed: signed, threshold: governance.threshold, what: "a \(context.record.kind.rawValue) record")
    }
}

/// Classifies the provider keys that signed: passes when one is valid at `time`, otherwise names why the best
/// candidate is not.
func providerKeyResult(verified: [KeyState], time: Int64, provider: String) -> PolicyResult {
    if verified.contains(where: { $0.isValid(at: time) }) { return .meetsPolicy }
    guard let key = verified.first else {
        return .fails(.notSignedByProvider, "no signature verifies with a key of provider \"\(provider)\"")
    }
    switch key.validity(at: time) {
    case .valid: return .meetsPolicy
    case .revoked(let at): return .fails(.keyRevoked, "key \(key.keyID) of \"\(provider)\" is revoked since \(at)")
    case .expired(let until): return .fails(.keyExpired, "key \(key.keyID) of \"\(provider)\" is not valid since \(until)")
    case .notYetValid(let from): return .fails(.keyNotYetValid, "key \(key.keyID) of \"\(provider)\" is valid from \(from)")
    }
}

/// The provider keys among `provider.keys` that signed the envelope.
func verifiedProviderKeys(_ context: AdmissionContext, _ provider: ProviderState) -> [KeyState] {
    let verified = Set(context.verifiedKeys(provider.keys.map(\.key)))
    return provider.keys.filter { verified.contains($0.key) }
}

/// Image records are signed by a key of the provider that owns the lineage, valid (within its window, not
/// retired, not revoked) at the integration time.
public struct ProviderSignatures: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `notSignedByProvider`, `keyRevoked`, `keyExpired` or `keyNotYetValid`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard context.record.kind.signer == .provider, let id = context.record.provider else { return .meetsPolicy }
        guard let provider = try await context.state.provider(id: id) else {
            return .fails(.unknownProvider, "provider \"\(id)\" is not onboarded")
        }
        return providerKeyResult(
            verified: verifiedProviderKeys(context, provider),
            time: context.integrationTime,
            provider: id
        )
    }
}

/// A key rotation is signed by admins (threshold), or by the old key (valid at integration) together with the
/// new key.
public struct KeyRotationSignatures: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `notSignedByProvider`, `missingNewKeySignature`, `belowThreshold` or a key validity code.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .keyRotation(let rotation) = context.record else { return .meetsPolicy }
        guard let governance = try await context.state.governance() else {
            return .fails(.noGovernance, "the log has no genesis record yet")
        }
        guard let provider = try await context.state.provider(id: rotation.provider) else {
            return .fails(.unknownProvider, "provider \"\(rotation.provider)\" is not onboarded")
        }
        let admins = context.verifiedKeys(governance.adminKeys).count
        if admins >= governance.threshold { return .meetsPolicy }
        guard let old = provider.key(id: rotation.oldKeyID) else {
            return .fails(.unknownKey, "provider \"\(rotation.provider)\" has no key \(rotation.oldKeyID)")
        }
        if context.verifiedKeys([old.key]).isEmpty {
            if admins > 0 { return thresholdResult(signed: admins, threshold: governance.threshold, what: "a key rotation") }
            return .fails(
                .notSignedByProvider,
                "a key rotation must be signed by admins, or by the old key \(rotation.oldKeyID) together with the new key"
            )
        }
        let oldResult = providerKeyResult(verified: [old], time: context.integrationTime, provider: rotation.provider)
        guard case .meetsPolicy = oldResult else { return oldResult }
        guard !context.verifiedKeys([rotation.newKey]).isEmpty else {
            return .fails(.missingNewKeySignature, "a self-signed key rotation must also be signed by the new key")
        }
        return .meetsPolicy
    }
}

/// A suspended provider writes no image records and cannot rotate its own keys.
public struct ProviderNotSuspended: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `providerSuspended`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        let kind = context.record.kind
        guard kind.signer == .provider || kind == .keyRotation, let id = context.record.provider,
            let provider = try await context.state.provider(id: id), provider.suspended
        else { return .meetsPolicy }
        if kind == .keyRotation, let governance = try await context.state.governance(),
            context.verifiedKeys(governance.adminKeys).count >= governance.threshold
        {
            return .meetsPolicy  // admins may rotate a suspended provider's keys
        }
        return .fails(.providerSuspended, "provider \"\(id)\" is suspended")
    }
}

/// Key changes name existing keys and grant new ones: provider updates (added, retired), rotations (old,
/// new) and key revocations (not already revoked as early).
public struct ProviderKeyChanges: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownKey`, `keyAlreadyGranted` or `keyAlreadyRevoked`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard let id = context.record.provider, let provider = try await context.state.provider(id: id) else {
            return .meetsPolicy
        }
        func unknown(_ keyID: String) -> PolicyResult { .fails(.unknownKey, "provider \"\(id)\" has no key \(keyID)") }
        func granted(_ key: PublicKey) -> PolicyResult {
            .fails(.keyAlreadyGranted, "key \(key.keyID) is already granted to provider \"\(id)\"")
        }
        switch context.record {
        case .providerUpdate(let update):
            for keyID in update.retireKeys ?? [] where provider.key(id: keyID) == nil { return unknown(keyID) }
            for grant in update.addKeys ?? [] where provider.key(id: grant.key.keyID) != nil { return granted(grant.key) }
        case .keyRotation(let rotation):
            if provider.key(id: rotation.oldKeyID) == nil { return unknown(rotation.oldKeyID) }
            if provider.key(id: rotation.newKey.keyID) != nil { return granted(rotation.newKey) }
        case .keyRevocation(let revocation):
            guard let key = provider.key(id: revocation.keyID) else { return unknown(revocation.keyID) }
            if let revokedAt = key.revokedAt, revokedAt <= revocation.effectiveAt {
                return .fails(.keyAlreadyRevoked, "key \(key.keyID) is already revoked since \(revokedAt)")
            }
        default: break
        }
        return .meetsPolicy
    }
}

/// A user id is registered once.
public struct UserNotRegistered: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `userExists`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .userRegister(let user) = context.record, try await context.state.user(id: user.id) != nil else {
            return .meetsPolicy
        }
        return .fails(.userExists, "user \"\(user.id)\" is already registered")
    }
}

/// `previous` (image-modify) and `target` (revoke, restore, deprecate) name an image record in the log.
public struct LinkedRecordExists: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownRecord` or `notAnImageRecord`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard let id = context.record.linkedRecord else { return .meetsPolicy }
        let field = context.record.kind == .imageModify ? "previous" : "target"
        guard let linked = try await context.state.record(id: id) else {
            return .fails(.unknownRecord, "\"\(field)\" \(id) is not in the log")
        }
        guard linked.kind.isImageRecord else {
            return .fails(.notAnImageRecord, "\"\(field)\" \(id) is a \(linked.kind.rawValue) record, not an image record")
        }
        return .meetsPolicy
    }
}

/// A provider only extends, revokes, restores or deprecates records of its own lineages.
public struct SameLineageOwner: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `foreignLineage`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard let id = context.record.linkedRecord, let linked = try await context.state.record(id: id) else {
            return .meetsPolicy
        }
        guard linked.provider == context.record.provider else {
            return .fails(
                .foreignLineage,
                "\(id) belongs to provider \"\(linked.provider ?? "")\", not \"\(context.record.provider ?? "")\""
            )
        }
        return .meetsPolicy
    }
}

/// A new record is not its own ancestor: `previous` is not the record's own id, and the lineage above
/// `previous` does not loop (content-addressed ids make both impossible unless SHA-256 or the state is broken).
public struct NotOwnAncestor: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `cycle`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .imageModify(let modify) = context.record else { return .meetsPolicy }
        guard modify.previous != context.recordID else {
            return .fails(.cycle, "\"previous\" is the record's own id \(context.recordID)")
        }
        guard let previous = try await context.state.record(id: modify.previous) else { return .meetsPolicy }
        do {
            let ancestors = try await context.state.ancestors(of: previous)
            if ancestors.contains(where: { $0.id == context.recordID }) {
                return .fails(.cycle, "the record would be its own ancestor")
            }
        } catch let error as LineageError {
            guard case .cycle(let id) = error else { throw error }
            return .fails(.cycle, "the lineage above \"previous\" loops at \(id)")
        }
        return .meetsPolicy
    }
}

/// `previous` is not revoked, directly or through an ancestor revoked with `inherit`, at the integration time.
public struct PreviousNotRevoked: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `previousRevoked`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .imageModify(let modify) = context.record,
            let status = try await context.state.status(of: modify.previous, at: context.integrationTime),
            case .revoked(let by, let inheritedFrom, _) = status
        else { return .meetsPolicy }
        let how = inheritedFrom.map { "inherited from \($0)" } ?? "directly"
        return .fails(.previousRevoked, "\"previous\" \(modify.previous) is revoked (\(how), by \(by))")
    }
}

/// A revoke needs a target without a direct revocation; a restore needs one to lift.
public struct RevocationTransition: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `alreadyRevoked` or `notRevoked`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        switch context.record {
        case .imageRevoke(let revoke):
            if let target = try await context.state.record(id: revoke.target), let revocation = target.revocation {
                return .fails(.alreadyRevoked, "\(revoke.target) is already revoked by \(revocation.record) (restore it first)")
            }
        case .imageRestore(let restore):
            if let target = try await context.state.record(id: restore.target), target.revocation == nil {
                return .fails(.notRevoked, "\(restore.target) has no direct revocation to lift")
            }
        default: break
        }
        return .meetsPolicy
    }
}

/// Key rotations and scheduled image revocations take effect no earlier than the record's time claim; only a
/// key revocation may be back-dated.
public struct EffectiveTimeNotBackdated: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `effectiveTimeInPast`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        let effectiveAt: Int64?
        switch context.record {
        case .keyRotation(let rotation): effectiveAt = rotation.effectiveAt
        case .imageRevoke(let revoke): effectiveAt = revoke.effectiveAt
        default: effectiveAt = nil
        }
        guard let effectiveAt, let time = context.record.time, effectiveAt < time else { return .meetsPolicy }
        return .fails(.effectiveTimeInPast, "\"effectiveAt\" \(effectiveAt) is before \"time\" \(time)")
    }
}

/// A provider registers an image digest once: an image-register or image-modify may not name a digest the
/// provider already registered as another record, except a `config` change that keeps its previous's digest.
public struct DigestNotRegistered: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `digestAlreadyRegistered`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard let digest = context.record.imageDigest, let provider = context.record.provider,
            let existing = try await context.state.imageRecord(provider: provider, digest: digest),
            existing != context.recordID
        else { return .meetsPolicy }
        if case .imageModify(let modify) = context.record, modify.change == .config,
            let previous = try await context.state.record(id: modify.previous), previous.digest == digest
        {
            return .meetsPolicy
        }
        return .fails(.digestAlreadyRegistered, "provider \"\(provider)\" already registered \(digest) as \(existing)")
    }
}

/// An image registration states the provider's initial reputation as onboarded.
public struct InitialReputationMatches: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `reputationMismatch`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .imageRegister(let register) = context.record,
            let provider = try await context.state.provider(id: register.provider),
            provider.initialReputation != register.initialReputation
        else { return .meetsPolicy }
        return .fails(
            .reputationMismatch,
            "\"initialReputation\" is \(register.initialReputation); provider \"\(register.provider)\" was onboarded with \(provider.initialReputation)"
        )
    }
}
