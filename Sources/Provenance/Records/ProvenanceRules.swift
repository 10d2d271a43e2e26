/// The chain rules that decide whether a record may enter the log, and the state changes it makes.
///
/// Pure: the integration time and the state are passed in. The sequencer must admit records one after the
/// other against the state including every earlier record of the batch, and persist the changes of an
/// accepted record with it.
public struct ProvenanceRules: Sendable {
    /// The default allowed difference between a record's time claim and its integration time: 5 minutes.
    public static let defaultSkew: Int64 = 300_000

    /// The allowed difference between a record's time claim and its integration time, ms.
    public var skew: Int64
    /// The server's decision keys (its log key): the only signers of `policy-decision` records (contract C1).
    public var decisionKeys: [PublicKey]

    /// Checks policy-publish documents (the ledger passes the `Policy` target's check); `nil` refuses them.
    public var policyValidator: PolicyDocumentValidator?

    /// Creates the rules.
    public init(
        skew: Int64 = ProvenanceRules.defaultSkew,
        decisionKeys: [PublicKey] = [],
        policyValidator: PolicyDocumentValidator? = nil
    ) {
        self.skew = skew
        self.decisionKeys = decisionKeys
        self.policyValidator = policyValidator
    }

    /// Every rule, in evaluation order; the first failure decides.
    @AdmissionPolicyBuilder
    public var policy: some AdmissionPolicy {
        PayloadMatchesRecord()
        NotAlreadyRecorded()
        TimeWithinSkew(skew: skew)
        GovernanceOrder()
        ProviderPresence()
        AuditorPresence()
        GenesisSignatures()
        AdminSignatures()
        KeyRotationSignatures()
        ProviderSignatures()
        AuditorSignatures()
        AuditorStanding()
        AuditorKeyChanges()
        AttestationSubjects()
        AttestationPredicateValid()
        WithdrawalTarget()
        ProviderNotSuspended()
        ProviderKeyChanges()
        UserNotRegistered()
        LinkedRecordExists()
        SameLineageOwner()
        NotOwnAncestor()
        PreviousNotRevoked()
        RevocationTransition()
        EffectiveTimeNotBackdated()
        DigestNotRegistered()
        InitialReputationMatches()
        PolicyDocumentValid(validator: policyValidator)
        PolicyVersionIncreases()
        BreakGlassScope()
        ReportSignerAndImages()
        ResolutionTarget()
        FeedbackProofOfUse()
        TriageSignerAndTarget()
        CertifierOnboarding()
        CertificationIssuer()
        CertificationRevocationTarget()
        ParametersVersionIncreases()
        DecisionSignerAndSubjects(keys: decisionKeys)
    }

    /// Decides whether `record`, the decoded payload of `envelope`, may be integrated at `integrationTime` (ms)
    /// given `state`, and if so which state changes it makes. Throws only when `state` does.
    ///
    /// `recordID`, when given, must be the record id of the envelope's payload (`RecordID(payload:)`): a caller that
    /// computed it already saves hashing the payload again.
    public func admit(
        _ envelope: DSSEEnvelope,
        record: Record,
        integrationTime: Int64,
        state: some ProvenanceStateReader,
        signatures: VerifiedSignatures = VerifiedSignatures(),
        recordID: RecordID? = nil
    ) async throws -> Admission {
        try await admit(
            envelope,
            record: record,
            integrationTime: integrationTime,
            state: state,
            policy: policy,
            signatures: signatures,
            recordID: recordID
        )
    }

    /// Like ``admit(_:record:integrationTime:state:)`` with a custom `policy` (e.g. ``policy`` plus local rules).
    public func admit(
        _ envelope: DSSEEnvelope,
        record: Record,
        integrationTime: Int64,
        state: some ProvenanceStateReader,
        policy: some AdmissionPolicy,
        signatures: VerifiedSignatures = VerifiedSignatures(),
        recordID: RecordID? = nil
    ) async throws -> Admission {
        let context = AdmissionContext(
            envelope: envelope,
            record: record,
            recordID: recordID ?? RecordID(payload: envelope.payload),
            integrationTime: integrationTime,
            state: state,
            signatures: signatures
        )
        if case .failsToMeetPolicy(let rejection) = try await policy.evaluate(context) { return .rejected(rejection) }
        return .accepted(try await ProvenanceRules.changes(context))
    }

    /// Decodes the envelope's payload (an undecodable payload is rejected with `invalidRecord`) and admits it.
    public func admit(
        _ envelope: DSSEEnvelope,
        integrationTime: Int64,
        state: some ProvenanceStateReader
    ) async throws -> Admission {
        let record: Record
        do {
            record = try Record.decode(envelope)
        } catch {
            return .rejected(RecordRejection(code: .invalidRecord, message: error.message))
        }
        return try await admit(envelope, record: record, integrationTime: integrationTime, state: state)
    }

    /// The state changes of an admitted record: `recordAdded` first, then the kind's own changes.
    public static func changes(_ context: AdmissionContext) async throws -> [StateChange] {
        let id = context.recordID
        let now = context.integrationTime
        let record = context.record
        var changes: [StateChange] = [
            .recordAdded(
                RecordState(
                    id: id,
                    kind: record.kind,
                    provider: record.provider,
                    digest: record.imageDigest,
                    linked: record.linkedRecord,
                    integratedAt: now
                )
            )
        ]
        func keyState(_ grant: KeyGrant) -> KeyState {
            KeyState(key: grant.key, validFrom: grant.validFrom ?? now, validUntil: grant.validUntil, grantedBy: id)
        }
        switch record {
        case .genesis(let genesis):
            changes.append(
                .governanceSet(
                    GovernanceState(
                        adminKeys: genesis.adminKeys,
                        threshold: genesis.threshold,
                        origin: genesis.origin,
                        genesis: id
                    )
                )
            )
        case .providerOnboard(let onboard):
            changes.append(
                .providerUpserted(
                    ProviderState(
                        id: onboard.id,
                        displayName: onboard.displayName,
                        keys: onboard.keys.map(keyState),
                        initialReputation: onboard.initialReputation,
                        onboardedBy: id
                    )
                )
            )
        case .providerUpdate(let update):
            guard var provider = try await context.state.provider(id: update.id) else { break }
            if let displayName = update.displayName { provider.displayName = displayName }
            for keyID in update.retireKeys ?? [] {
                guard let index = provider.keys.firstIndex(where: { $0.keyID == keyID }) else { continue }
                provider.keys[index].validUntil = min(provider.keys[index].validUntil ?? now, now)
            }
            provider.keys += (update.addKeys ?? []).map(keyState)
            if let suspended = update.suspended { provider.suspended = suspended }
            changes.append(.providerUpserted(provider))
        case .keyRotation(let rotation):
            let effective = max(rotation.effectiveAt, now)
            changes.append(.keyRetired(provider: rotation.provider, keyID: rotation.oldKeyID, until: effective))
            changes.append(
                .keyAdded(provider: rotation.provider, KeyState(key: rotation.newKey, validFrom: effective, grantedBy: id))
            )
        case .keyRevocation(let revocation):
            changes.append(
                .keyRevoked(provider: revocation.provider, keyID: revocation.keyID, effectiveAt: revocation.effectiveAt)
            )
        case .userRegister(let user):
            changes.append(
                .userRegistered(
                    UserState(
                        id: user.id,
                        key: user.key,
                        registeredBy: id,
                        verified: user.verified,
                        organization: user.organization
                    )
                )
            )
        case .imageRegister:
            if case .recordAdded(var added) = changes[0] {
                added.root = id
                changes[0] = .recordAdded(added)
            }
        case .imageModify(let modify):
            if case .recordAdded(var added) = changes[0], let previous = try await context.state.record(id: modify.previous) {
                if let root = previous.root {
                    added.root = root
                } else {
                    // A lineage recorded before roots were kept: walk up to it.
                    added.root = try await context.state.ancestors(of: previous).last?.id ?? previous.id
                }
                changes[0] = .recordAdded(added)
            }
        case .imageRevoke(let revoke):
            let revocation = RevocationState(
                record: id,
                effectiveAt: max(revoke.effectiveAt ?? now, now),
                inherit: revoke.inherit,
                reason: revoke.reason
            )
            changes.append(.recordRevoked(revoke.target, revocation))
        case .imageRestore(let restore):
            changes.append(.recordRestored(restore.target))
        case .imageDeprecate(let deprecate):
            changes.append(.recordDeprecated(deprecate.target, DeprecationState(record: id, after: deprecate.after)))
        case .vulnerabilityReport, .vulnerabilityResolution, .incidentReport, .incidentResponse, .userFeedback,
            .feedbackTriage, .certifierOnboard, .complianceCertification, .certificationRevocation, .reputationParameters,
            .policyDecision:
            guard case .recordAdded(let added) = changes[0] else { break }
            changes = try await evidenceChanges(context, added: added)
        case .auditorOnboard, .auditorUpdate, .attestation, .attestationWithdraw:
            changes = try await attestationChanges(context, added: changes[0])
        case .policyPublish(let publish):
            changes.append(
                .policyPublished(
                    PublishedPolicyState(
                        name: publish.name,
                        version: publish.version,
                        record: id,
                        digest: publish.digest,
                        integratedAt: now
                    )
                )
            )
        case .breakGlass(let grant):
            let admins = try await context.state.governance().map { context.verifiedKeys($0.adminKeys) } ?? []
            changes.append(
                .breakGlassGranted(
                    BreakGlassState(
                        record: id,
                        grantedBy: "admin:" + String((admins.first?.keyID ?? "unknown").prefix(16)),
                        user: grant.user,
                        reason: grant.reason,
                        image: grant.image,
                        provider: grant.provider,
                        environment: grant.environment,
                        privilege: grant.privilege,
                        notBefore: grant.notBefore,
                        expiresAt: grant.expiresAt
                    )
                )
            )
        }
        return changes
    }
}
