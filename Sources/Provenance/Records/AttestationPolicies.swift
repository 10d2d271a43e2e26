import Synchronization

// The rules of issue 4 (auditors and attestations), one type each; ``ProvenanceRules/policy`` lists them.

/// The auditor an attestation's signatures identify: the first signature (in envelope order) whose `keyid`
/// names a key granted to an onboarded auditor and that verifies with that key. Returns the auditor and the
/// auditor's keys that signed, or `nil` when no signature identifies an auditor.
public func attestationSigner(
    _ envelope: DSSEEnvelope,
    state: some ProvenanceStateReader,
    signatures: VerifiedSignatures = VerifiedSignatures()
) async throws -> (auditor: AuditorState, keys: [KeyState])? {
    var tried: Set<String> = []
    for signature in envelope.signatures {
        guard let keyID = signature.keyID, tried.insert(keyID).inserted,
            let id = try await state.auditorID(keyID: keyID), let auditor = try await state.auditor(id: id)
        else { continue }
        let verified = verifiedAuditorKeys(envelope, auditor, signatures)
        if !verified.isEmpty { return (auditor, verified) }
    }
    return nil
}

/// Results one admission computes once and every policy reuses: signature verification runs once per
/// attestation, not once per rule.
public final class AdmissionMemo: Sendable {
    private let attestationSigner = Mutex<(auditor: AuditorState, keys: [KeyState])??>(nil)

    /// An empty memo.
    public init() {}

    /// ``attestationSigner(_:state:)`` of the context's envelope, computed on first use.
    public func attestationSigner(_ context: AdmissionContext) async throws -> (auditor: AuditorState, keys: [KeyState])? {
        if let known = attestationSigner.withLock({ $0 }) { return known }
        let signer = try await Provenance.attestationSigner(
            context.envelope,
            state: context.state,
            signatures: context.signatures
        )
        attestationSigner.withLock { $0 = .some(signer) }
        return signer
    }
}

/// The keys of `auditor` that signed `envelope`.
func verifiedAuditorKeys(
    _ envelope: DSSEEnvelope,
    _ auditor: AuditorState,
    _ signatures: VerifiedSignatures = VerifiedSignatures()
) -> [KeyState] {
    let verified = Set(signatures.verifiedKeys(of: envelope, among: auditor.keys.map(\.key)))
    return auditor.keys.filter { verified.contains($0.key) }
}

/// Auditor records name an onboarded auditor (a new one for onboarding); a withdrawal names an onboarded
/// auditor.
public struct AuditorPresence: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `auditorExists` or `unknownAuditor`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard let id = context.record.auditor else { return .meetsPolicy }
        let auditor = try await context.state.auditor(id: id)
        if case .auditorOnboard = context.record {
            return auditor == nil ? .meetsPolicy : .fails(.auditorExists, "auditor \"\(id)\" is already onboarded")
        }
        return auditor == nil ? .fails(.unknownAuditor, "auditor \"\(id)\" is not onboarded") : .meetsPolicy
    }
}

/// An attestation is signed by a key of an onboarded auditor — the DSSE signature's `keyid` names the key, and
/// so the auditor — valid at the integration time; a withdrawal by a valid key of the auditor it names.
public struct AuditorSignatures: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownAuditor`, `notSignedByAuditor`, `keyRevoked`, `keyExpired` or `keyNotYetValid`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        let auditor: AuditorState
        let verified: [KeyState]
        switch context.record {
        case .attestation:
            guard let signer = try await context.memo.attestationSigner(context) else {
                let named = context.envelope.signatures.compactMap(\.keyID)
                if named.isEmpty {
                    return .fails(.unknownAuditor, "the attestation's signatures carry no keyid naming an auditor key")
                }
                for keyID in named where try await context.state.auditorID(keyID: keyID) != nil {
                    return .fails(.notSignedByAuditor, "the signature by auditor key \(keyID) does not verify")
                }
                return .fails(.unknownAuditor, "no signature keyid names a key of an onboarded auditor")
            }
            (auditor, verified) = signer
        case .attestationWithdraw(let withdrawal):
            guard let named = try await context.state.auditor(id: withdrawal.auditor) else {
                return .fails(.unknownAuditor, "auditor \"\(withdrawal.auditor)\" is not onboarded")
            }
            auditor = named
            verified = verifiedAuditorKeys(context.envelope, named, context.signatures)
        default:
            return .meetsPolicy
        }
        if verified.contains(where: { $0.isValid(at: context.integrationTime) }) { return .meetsPolicy }
        guard let key = verified.first else {
            return .fails(.notSignedByAuditor, "no signature verifies with a key of auditor \"\(auditor.id)\"")
        }
        switch key.validity(at: context.integrationTime) {
        case .valid: return .meetsPolicy
        case .revoked(let at): return .fails(.keyRevoked, "key \(key.keyID) of auditor \"\(auditor.id)\" is revoked since \(at)")
        case .expired(let until):
            return .fails(.keyExpired, "key \(key.keyID) of auditor \"\(auditor.id)\" is not valid since \(until)")
        case .notYetValid(let from):
            return .fails(.keyNotYetValid, "key \(key.keyID) of auditor \"\(auditor.id)\" is valid from \(from)")
        }
    }
}

/// An attesting auditor is not suspended, is accredited at the integration time and is allowed the
/// statement's predicate type. (A withdrawal only needs a valid key: retracting is always allowed.)
public struct AuditorStanding: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `auditorSuspended`, `accreditationExpired` or `attestationTypeNotAllowed`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .attestation(let attestation) = context.record,
            let (auditor, _) = try await context.memo.attestationSigner(context)
        else { return .meetsPolicy }
        if auditor.suspended { return .fails(.auditorSuspended, "auditor \"\(auditor.id)\" is suspended") }
        guard auditor.isAccredited(at: context.integrationTime) else {
            return .fails(
                .accreditationExpired,
                "the accreditation of auditor \"\(auditor.id)\" by \(auditor.accreditation.by) ended at \(auditor.accreditation.until)"
            )
        }
        let type = attestation.statement.predicateType
        guard auditor.attestationTypes.contains(type) else {
            return .fails(.attestationTypeNotAllowed, "auditor \"\(auditor.id)\" may not attest \(type)")
        }
        return .meetsPolicy
    }
}

/// Auditor key changes: granted keys are new to every auditor (a key id identifies one auditor), retired keys
/// are the auditor's.
public struct AuditorKeyChanges: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `auditorKeyInUse`, `keyAlreadyGranted` or `unknownKey`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        let id: String
        let granted: [PublicKey]
        var retired: [String] = []
        switch context.record {
        case .auditorOnboard(let onboard):
            id = onboard.id
            granted = onboard.keys.map(\.key)
        case .auditorUpdate(let update):
            id = update.id
            granted = (update.addKeys ?? []).map(\.key)
            retired = update.retireKeys ?? []
        default:
            return .meetsPolicy
        }
        for key in granted {
            var found: String?
            for keyID in KeyIDAliases.all(key) where found == nil { found = try await context.state.auditorID(keyID: keyID) }
            guard let owner = found else { continue }
            if owner == id { return .fails(.keyAlreadyGranted, "key \(key.keyID) is already granted to auditor \"\(id)\"") }
            return .fails(.auditorKeyInUse, "key \(key.keyID) is granted to auditor \"\(owner)\"")
        }
        if !retired.isEmpty, let auditor = try await context.state.auditor(id: id) {
            for keyID in retired where auditor.key(id: keyID) == nil {
                return .fails(.unknownKey, "auditor \"\(id)\" has no key \(keyID)")
            }
        }
        return .meetsPolicy
    }
}

/// Every subject of an attestation names a registered image by its sha256 digest.
public struct AttestationSubjects: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownSubject`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .attestation(let attestation) = context.record else { return .meetsPolicy }
        for (index, subject) in attestation.statement.subjects.enumerated() {
            guard let hex = subject.digest["sha256"] else {
                return .fails(.unknownSubject, "subject[\(index)] has no sha256 digest; images are matched by sha256")
            }
            guard try await context.state.imageRecord(digest: "sha256:" + hex) != nil else {
                return .fails(.unknownSubject, "subject[\(index)] sha256:\(hex) is not a registered image")
            }
        }
        return .meetsPolicy
    }
}

/// The predicate validates against its predicate type, and an audit's own expiry lies after the integration
/// time.
public struct AttestationPredicateValid: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `invalidPredicate` or `attestationExpired`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .attestation(let attestation) = context.record else { return .meetsPolicy }
        // The record validated its predicate and summarised it once, when it was decoded.
        guard let summary = attestation.summary else {
            do {
                _ = try attestation.predicate()
            } catch {
                return .fails(.invalidPredicate, error.message)
            }
            return .meetsPolicy
        }
        if let expiresAt = summary.expiresAt, expiresAt <= context.integrationTime {
            return .fails(.attestationExpired, "the predicate expires at \(expiresAt), not after the integration time")
        }
        return .meetsPolicy
    }
}

/// A withdrawal names an attestation in the log, issued by the same auditor and not withdrawn yet.
public struct WithdrawalTarget: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownRecord`, `notAnAttestation`, `notIssuingAuditor` or `alreadyWithdrawn`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .attestationWithdraw(let withdrawal) = context.record else { return .meetsPolicy }
        guard let target = try await context.state.record(id: withdrawal.attestation) else {
            return .fails(.unknownRecord, "\"attestation\" \(withdrawal.attestation) is not in the log")
        }
        guard target.kind == .attestation else {
            return .fails(.notAnAttestation, "\"attestation\" \(withdrawal.attestation) is a \(target.kind.rawValue) record")
        }
        guard target.auditor == withdrawal.auditor else {
            return .fails(
                .notIssuingAuditor,
                "\(withdrawal.attestation) was issued by auditor \"\(target.auditor ?? "")\", not \"\(withdrawal.auditor)\""
            )
        }
        if let by = target.withdrawnBy {
            return .fails(.alreadyWithdrawn, "\(withdrawal.attestation) is already withdrawn by \(by)")
        }
        return .meetsPolicy
    }
}

extension ProvenanceRules {
    /// The state changes of an admitted auditor record, attestation or withdrawal; `added` is the record's
    /// generic `recordAdded`.
    static func attestationChanges(_ context: AdmissionContext, added: StateChange) async throws -> [StateChange] {
        guard case .recordAdded(var state) = added else { return [added] }
        let id = context.recordID
        let now = context.integrationTime
        func keyState(_ grant: KeyGrant) -> KeyState {
            KeyState(key: grant.key, validFrom: grant.validFrom ?? now, validUntil: grant.validUntil, grantedBy: id)
        }
        state.auditor = context.record.auditor
        switch context.record {
        case .auditorOnboard(let onboard):
            let auditor = AuditorState(
                id: onboard.id,
                displayName: onboard.displayName,
                keys: onboard.keys.map(keyState),
                accreditation: onboard.accreditation,
                attestationTypes: onboard.attestationTypes,
                trustSeed: onboard.trustSeed ?? defaultAuditorTrustSeed,
                onboardedBy: id
            )
            return [.recordAdded(state), .auditorUpserted(auditor)]
        case .auditorUpdate(let update):
            guard var auditor = try await context.state.auditor(id: update.id) else { return [.recordAdded(state)] }
            if let displayName = update.displayName { auditor.displayName = displayName }
            for keyID in update.retireKeys ?? [] {
                guard let index = auditor.keys.firstIndex(where: { $0.keyID == keyID }) else { continue }
                auditor.keys[index].validUntil = min(auditor.keys[index].validUntil ?? now, now)
            }
            auditor.keys += (update.addKeys ?? []).map(keyState)
            if let accreditation = update.accreditation { auditor.accreditation = accreditation }
            if let types = update.attestationTypes { auditor.attestationTypes = types }
            if let suspended = update.suspended { auditor.suspended = suspended }
            auditor.updatedBy = id
            return [.recordAdded(state), .auditorUpserted(auditor)]
        case .attestation(let attestation):
            state.auditor = try await context.memo.attestationSigner(context)?.auditor.id
            let subjects = attestation.statement.subjectDigests
            state.subjects = subjects
            state.attestation = attestation.summary
            if let first = subjects.first { state.linked = try await context.state.imageRecord(digest: first) }
            var clean: [StateChange] = []
            if let summary = state.attestation, summary.predicateType == AttestationPredicate.vulnsType,
                let severities = summary.severities, severities.critical + severities.high == 0
            {
                // The first scan without critical or high findings of each image record (REPUTATION.md: a release
                // with provenance and a clean scan earns SEC credit).
                for subject in subjects {
                    guard let image = try await context.state.imageRecord(digest: subject),
                        let imageState = try await context.state.record(id: image), imageState.cleanScan == nil
                    else { continue }
                    clean.append(.cleanScanRecorded(image: image, by: id))
                }
            }
            return [.recordAdded(state)] + subjects.map { .attestationAdded(subject: $0, id) } + clean
        case .attestationWithdraw(let withdrawal):
            state.linked = withdrawal.attestation
            return [.recordAdded(state), .attestationWithdrawn(withdrawal.attestation, by: id)]
        default:
            return [added]
        }
    }
}
