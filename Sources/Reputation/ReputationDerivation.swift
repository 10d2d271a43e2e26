import Provenance

/// Derives the reputation events a logged record states (REPUTATION.md "Inputs"), from the record, the
/// provenance changes its admission made and the provenance state after them.
///
/// Pure and deterministic: the ledger derives events when it admits a record, and replay derives the same events
/// from the entries alone. The readings (which records state a compromise, what a clean release is, …) are in
/// docs/REPUTATION-NOTES.md, "Events from records".
public enum ReputationDerivation {
    /// The events of `record` (id `id`) integrated at `time` (ms); `state` is the provenance state after the
    /// record's `changes`.
    ///
    /// Throws ``ParameterRecordError`` for a `reputation-parameters` record the engine cannot use, and whatever
    /// `state` throws.
    public static func events(
        record: Record,
        id: RecordID,
        time: Int64,
        changes: [StateChange],
        state: some ProvenanceStateReader
    ) async throws -> [ReputationEvent] {
        func event(_ provider: String?, _ kind: ReputationEvent.Kind) -> ReputationEvent {
            ReputationEvent(time: time, record: id, provider: provider, kind: kind)
        }
        var events: [ReputationEvent] = []
        switch record {
        case .providerOnboard(let onboard):
            events.append(event(onboard.id, .providerOnboarded(initialReputation: Double(onboard.initialReputation))))
        case .auditorOnboard(let onboard):
            events.append(event(nil, .auditorOnboarded(auditor: onboard.id, seed: onboard.trustSeed.map(Double.init))))
        case .attestation(let attestation):
            guard let stored = try await state.record(id: id), let auditor = stored.auditor else { break }
            if let summary = stored.attestation, let x = summary.passFraction {
                for subject in attestation.statement.subjectDigests {
                    guard let image = try await state.imageRecord(digest: subject),
                        let provider = try await state.record(id: image)?.provider
                    else { continue }
                    let facts = AttestationFacts(
                        auditor: auditor,
                        subject: subject,
                        predicateType: summary.predicateType,
                        passFraction: x,
                        scope: summary.scope == .process ? .process : .image
                    )
                    events.append(event(provider, .attestation(facts)))
                }
            }
            for change in changes {
                guard case .cleanScanRecorded(let image, _) = change, let imageState = try await state.record(id: image),
                    let provider = imageState.provider, let status = try await state.status(of: image, at: time),
                    status.isActiveVersion
                else { continue }
                events.append(event(provider, .releasePublished(lineage: imageState.root ?? image, clean: true)))
            }
        case .attestationWithdraw(let withdrawal):
            guard let attestation = try await state.record(id: withdrawal.attestation),
                let predicateType = attestation.attestation?.predicateType
            else { break }
            for subject in attestation.subjects ?? [] {
                guard let image = try await state.imageRecord(digest: subject),
                    let provider = try await state.record(id: image)?.provider
                else { continue }
                events.append(
                    event(
                        provider,
                        .attestationWithdrawn(
                            attestation: withdrawal.attestation,
                            auditor: withdrawal.auditor,
                            subject: subject,
                            predicateType: predicateType
                        )
                    )
                )
            }
        case .vulnerabilityReport(let report):
            let active = try await affectsActiveVersion(report.affected, provider: report.provider, time, state)
            let facts = ObligationFacts(
                kind: .vulnerability,
                severity: Severity(report.effectiveSeverity),
                knownExploited: report.knownExploited,
                epss: report.epssMillionths.map { Double($0) / 1_000_000 },
                affectsActiveVersion: active
            )
            events.append(event(report.provider, .obligationOpened(facts)))
        case .incidentReport(let report):
            let affected = report.affected ?? []
            var active = true
            if !affected.isEmpty { active = try await affectsActiveVersion(affected, provider: report.provider, time, state) }
            let facts = ObligationFacts(kind: .incident, severity: Severity(report.severity), affectsActiveVersion: active)
            events.append(event(report.provider, .obligationOpened(facts)))
            // A category is a statement only when the provider (self-disclosure) or an onboarded auditor reports it.
            if let category = report.category, let stored = try await state.record(id: id), stored.user == nil {
                events.append(
                    event(
                        report.provider,
                        category.isCompromise ? .compromiseConfirmed : .flawIntroduced(Severity(report.severity))
                    )
                )
            }
        case .vulnerabilityResolution(let resolution):
            events.append(event(resolution.provider, .obligationResolved(report: resolution.report)))
        case .incidentResponse(let response):
            events.append(event(response.provider, .obligationResolved(report: response.report)))
        case .userFeedback(let feedback):
            guard let user = try await state.user(id: feedback.user),
                let registered = try await state.record(id: user.registeredBy)
            else { break }
            let content: FeedbackContent
            switch feedback.body {
            case .stars(let stars): content = .stars(Int(stars))
            case .rating(let hundredths): content = .rating(Double(hundredths) / 100)
            case .issue: content = .issue
            }
            let facts = FeedbackFacts(
                user: feedback.user,
                content: content,
                verifiedIdentity: user.verified ?? false,
                userRegisteredAt: registered.integratedAt,
                cluster: user.organization,
                proofOfUse: true
            )
            events.append(event(feedback.provider, .feedback(facts)))
        case .feedbackTriage(let triage):
            let verdict: TriageVerdict = triage.verdict == .confirm ? .confirm : .reject
            events.append(event(nil, .feedbackTriage(target: triage.target, verdict: verdict)))
        case .complianceCertification(let certification):
            guard let check = try await state.record(id: id)?.certification,
                let type = CertificationType(rawValue: certification.type.rawValue)
            else { break }
            switch check.outcome {
            case .verified:
                let facts = CertificationFacts(type: type, validFrom: certification.validFrom, validUntil: check.validUntil)
                events.append(event(certification.provider, .certificationVerified(facts)))
            case .unverifiable:
                events.append(event(certification.provider, .certificationUnverifiable(type)))
            case .forged:
                events.append(event(certification.provider, .certificationForged(type)))
            }
        case .certificationRevocation(let revocation):
            events.append(event(revocation.provider, .certificationRevoked(certification: revocation.certification)))
        case .reputationParameters(let published):
            events.append(event(nil, .parametersPublished(try ReputationParameters(record: published))))
        case .genesis, .providerUpdate, .keyRotation, .keyRevocation, .userRegister, .imageRegister, .imageModify,
            .imageRevoke, .imageRestore, .imageDeprecate, .certifierOnboard, .auditorUpdate, .policyDecision:
            break
        }
        return events
    }

    /// Whether one of `digests` is a registered image of `provider` that is neither revoked nor deprecated at
    /// `time`.
    static func affectsActiveVersion(
        _ digests: [String],
        provider: String,
        _ time: Int64,
        _ state: some ProvenanceStateReader
    ) async throws -> Bool {
        for digest in digests {
            guard let image = try await state.imageRecord(provider: provider, digest: digest),
                let status = try await state.status(of: image, at: time)
            else { continue }
            if status.isActiveVersion { return true }
        }
        return false
    }
}

extension Severity {
    /// The reputation severity of an evidence record's severity (same CVSS bands).
    public init(_ severity: EvidenceSeverity) {
        switch severity {
        case .critical: self = .critical
        case .high: self = .high
        case .medium: self = .medium
        case .low: self = .low
        }
    }
}

extension RecordStatus {
    /// Active: neither revoked (a scheduled revocation not in effect yet counts as active) nor deprecated.
    var isActiveVersion: Bool {
        switch self {
        case .active, .scheduled: true
        case .revoked, .deprecated: false
        }
    }
}
