// The rules of issue 5 (reputation evidence) and contract C1/C2 (policy decisions, proof of use), one type
// each; ``ProvenanceRules/policy`` lists them.

/// Who signed a vulnerability or incident report.
public enum Reporter: Sendable, Hashable {
    /// The provider the report is about.
    case provider
    /// An onboarded auditor (not suspended).
    case auditor(String)
    /// A registered user.
    case user(String)
}

/// The reporter of `context`'s record: the provider (a key valid at the integration time), else an onboarded,
/// not suspended auditor (a key valid at the integration time, named by a signature's `keyid`), else a registered
/// user (the key named by a signature's `keyid`); `nil` when none signed.
func reporter(_ context: AdmissionContext) async throws -> Reporter? {
    if let id = context.record.provider, let provider = try await context.state.provider(id: id),
        verifiedProviderKeys(context, provider).contains(where: { $0.isValid(at: context.integrationTime) })
    {
        return .provider
    }
    if let (auditor, keys) = try await context.memo.attestationSigner(context), !auditor.suspended,
        keys.contains(where: { $0.isValid(at: context.integrationTime) })
    {
        return .auditor(auditor.id)
    }
    for signature in context.envelope.signatures {
        guard let keyID = signature.keyID, let id = try await context.state.userID(keyID: keyID),
            let user = try await context.state.user(id: id), !context.verifiedKeys([user.key]).isEmpty
        else { continue }
        return .user(id)
    }
    return nil
}

/// A vulnerability or incident report is signed by the provider, an onboarded auditor or a registered user, and
/// its affected digests are registered images of the provider.
public struct ReportSignerAndImages: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `notSignedByReporter` or `unknownImage`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        let affected: [String]
        switch context.record {
        case .vulnerabilityReport(let report): affected = report.affected
        case .incidentReport(let report): affected = report.affected ?? []
        default: return .meetsPolicy
        }
        guard let provider = context.record.provider else { return .meetsPolicy }
        guard try await reporter(context) != nil else {
            return .fails(
                .notSignedByReporter,
                "a report must be signed by provider \"\(provider)\", an onboarded auditor or a registered user"
            )
        }
        for digest in affected where try await context.state.imageRecord(provider: provider, digest: digest) == nil {
            return .fails(.unknownImage, "\(digest) is not a registered image of provider \"\(provider)\"")
        }
        return .meetsPolicy
    }
}

/// A vulnerability resolution names an open vulnerability report about the provider, a fixed image registered by
/// the provider (not one of the affected), and image-revoke or image-deprecate records of the provider, in effect,
/// that retire every affected version (directly, or by an inherited revocation of an ancestor). An incident
/// response names an open incident report about the provider.
public struct ResolutionTarget: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownRecord`, `notAReport`, `alreadyResolved`, `unknownImage` or `affectedNotRetired`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        let reportID: RecordID
        let kind: RecordKind
        switch context.record {
        case .vulnerabilityResolution(let resolution): (reportID, kind) = (resolution.report, .vulnerabilityReport)
        case .incidentResponse(let response): (reportID, kind) = (response.report, .incidentReport)
        default: return .meetsPolicy
        }
        let provider = context.record.provider ?? ""
        guard let report = try await context.state.record(id: reportID) else {
            return .fails(.unknownRecord, "\"report\" \(reportID) is not in the log")
        }
        guard report.kind == kind, report.provider == provider else {
            return .fails(.notAReport, "\"report\" \(reportID) is not a \(kind.rawValue) about provider \"\(provider)\"")
        }
        if let by = report.resolvedBy { return .fails(.alreadyResolved, "\(reportID) is already resolved by \(by)") }
        guard case .vulnerabilityResolution(let resolution) = context.record else { return .meetsPolicy }
        let affected = report.affected ?? []
        guard try await context.state.imageRecord(provider: provider, digest: resolution.fixed) != nil else {
            return .fails(.unknownImage, "\"fixed\" \(resolution.fixed) is not a registered image of provider \"\(provider)\"")
        }
        if affected.contains(resolution.fixed) {
            return .fails(.affectedNotRetired, "\"fixed\" \(resolution.fixed) is one of the affected images")
        }
        // The retiring records: the provider's revocations or deprecations, each in effect on its target.
        var direct: Set<RecordID> = []
        var inherited: Set<RecordID> = []
        for id in resolution.retired {
            guard let retiring = try await context.state.record(id: id),
                retiring.kind == .imageRevoke || retiring.kind == .imageDeprecate, retiring.provider == provider,
                let target = retiring.linked, let targetState = try await context.state.record(id: target),
                targetState.revocation?.record == id || targetState.deprecation?.record == id
            else {
                return .fails(
                    .affectedNotRetired,
                    "\"retired\" \(id) is not an image-revoke or image-deprecate of provider \"\(provider)\" in effect"
                )
            }
            direct.insert(target)
            if targetState.revocation?.record == id, targetState.revocation?.inherit == true { inherited.insert(target) }
        }
        for digest in affected {
            guard let image = try await context.state.imageRecord(provider: provider, digest: digest),
                let state = try await context.state.record(id: image)
            else { continue }
            if direct.contains(image) { continue }
            let ancestors = try await context.state.ancestors(of: state)
            if ancestors.contains(where: { inherited.contains($0.id) }) { continue }
            return .fails(.affectedNotRetired, "no record of \"retired\" revokes or deprecates affected image \(digest)")
        }
        return .meetsPolicy
    }
}

/// A user feedback is signed by the registered user it names, names (if any) a registered image of the provider,
/// and comes with proof of use: a logged decision allowed the user to use one of the provider's images within the
/// `window` (180 days) before the integration time (contract C2).
public struct FeedbackProofOfUse: AdmissionPolicy {
    /// The proof-of-use window, ms.
    public var window: Int64

    /// Creates the policy.
    public init(window: Int64 = 180 * 86_400_000) { self.window = window }

    /// Fails with `unknownUser`, `notSignedByUser`, `unknownImage` or `noProofOfUse`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .userFeedback(let feedback) = context.record else { return .meetsPolicy }
        guard let user = try await context.state.user(id: feedback.user) else {
            return .fails(.unknownUser, "user \"\(feedback.user)\" is not registered")
        }
        guard !context.verifiedKeys([user.key]).isEmpty else {
            return .fails(.notSignedByUser, "no signature verifies with the key of user \"\(feedback.user)\"")
        }
        if let image = feedback.image, try await context.state.imageRecord(provider: feedback.provider, digest: image) == nil {
            return .fails(.unknownImage, "\"image\" \(image) is not a registered image of provider \"\(feedback.provider)\"")
        }
        guard let used = try await context.state.lastUse(user: feedback.user, provider: feedback.provider),
            used <= context.integrationTime, context.integrationTime - used <= window
        else {
            return .fails(
                .noProofOfUse,
                "no decision allowed user \"\(feedback.user)\" to use an image of provider \"\(feedback.provider)\" in the \(window / 86_400_000) days before"
            )
        }
        return .meetsPolicy
    }
}

/// A feedback triage is signed by the admins (threshold) or an onboarded, not suspended auditor (a valid key), and
/// targets a user-feedback record.
public struct TriageSignerAndTarget: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `notSignedByAdminsOrAuditor`, `unknownRecord` or `notFeedback`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .feedbackTriage(let triage) = context.record else { return .meetsPolicy }
        var signed = false
        if let governance = try await context.state.governance(),
            context.verifiedKeys(governance.adminKeys).count >= governance.threshold
        {
            signed = true
        } else if let (auditor, keys) = try await context.memo.attestationSigner(context), !auditor.suspended,
            keys.contains(where: { $0.isValid(at: context.integrationTime) })
        {
            signed = true
        }
        guard signed else {
            return .fails(.notSignedByAdminsOrAuditor, "a triage must be signed by the admins or an onboarded auditor")
        }
        guard let target = try await context.state.record(id: triage.target) else {
            return .fails(.unknownRecord, "\"target\" \(triage.target) is not in the log")
        }
        guard target.kind == .userFeedback else {
            return .fails(.notFeedback, "\"target\" \(triage.target) is a \(target.kind.rawValue) record, not a user feedback")
        }
        return .meetsPolicy
    }
}

/// A certifier is onboarded once, and its trust anchors parse as X.509 certificates.
public struct CertifierOnboarding: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `certifierExists` or `invalidTrustAnchor`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .certifierOnboard(let onboard) = context.record else { return .meetsPolicy }
        if try await context.state.certifier(id: onboard.id) != nil {
            return .fails(.certifierExists, "certifier \"\(onboard.id)\" is already onboarded")
        }
        for (index, anchor) in onboard.trustAnchors.enumerated() where !CertificationCheck.isCertificate(anchor) {
            return .fails(.invalidTrustAnchor, "\"trustAnchors[\(index)]\" is not an X.509 certificate")
        }
        return .meetsPolicy
    }
}

/// A compliance certification names an onboarded certifier allowed its type, and is signed by the provider (a key
/// valid at the integration time) or by a key of the certifier. Whether the claim verifies is not a condition: a
/// claim that fails is recorded as such (``CertificationCheck``).
public struct CertificationIssuer: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownCertifier`, `certificationTypeNotAllowed` or `notSignedByCertifier`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .complianceCertification(let certification) = context.record else { return .meetsPolicy }
        guard let certifier = try await context.state.certifier(id: certification.certifier) else {
            return .fails(.unknownCertifier, "certifier \"\(certification.certifier)\" is not onboarded")
        }
        guard certifier.types.contains(certification.type) else {
            return .fails(
                .certificationTypeNotAllowed,
                "certifier \"\(certifier.id)\" may not certify \(certification.type.rawValue)"
            )
        }
        if !context.verifiedKeys(certifier.keys).isEmpty { return .meetsPolicy }
        if let provider = try await context.state.provider(id: certification.provider),
            verifiedProviderKeys(context, provider).contains(where: { $0.isValid(at: context.integrationTime) })
        {
            return .meetsPolicy
        }
        return .fails(
            .notSignedByCertifier,
            "a certification must be signed by provider \"\(certification.provider)\" or certifier \"\(certifier.id)\""
        )
    }
}

/// A certification revocation names an onboarded certifier and a compliance certification of that provider by
/// that certifier, and is signed by the certifier or the admins (threshold).
public struct CertificationRevocationTarget: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownCertifier`, `notSignedByCertifier`, `unknownRecord` or `notACertification`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .certificationRevocation(let revocation) = context.record else { return .meetsPolicy }
        guard let certifier = try await context.state.certifier(id: revocation.certifier) else {
            return .fails(.unknownCertifier, "certifier \"\(revocation.certifier)\" is not onboarded")
        }
        var signed = !context.verifiedKeys(certifier.keys).isEmpty
        if !signed, let governance = try await context.state.governance() {
            signed = context.verifiedKeys(governance.adminKeys).count >= governance.threshold
        }
        guard signed else {
            return .fails(
                .notSignedByCertifier,
                "a revocation must be signed by certifier \"\(certifier.id)\" or the admins"
            )
        }
        guard let target = try await context.state.record(id: revocation.certification) else {
            return .fails(.unknownRecord, "\"certification\" \(revocation.certification) is not in the log")
        }
        guard target.kind == .complianceCertification, target.provider == revocation.provider,
            target.auditor == revocation.certifier
        else {
            return .fails(
                .notACertification,
                "\(revocation.certification) is not a certification of \"\(revocation.provider)\" by \"\(revocation.certifier)\""
            )
        }
        return .meetsPolicy
    }
}

/// A reputation parameter set's version is greater than the version in force (1, the defaults, before any).
public struct ParametersVersionIncreases: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `parametersVersionNotIncreasing`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .reputationParameters(let parameters) = context.record else { return .meetsPolicy }
        let current = try await context.state.parametersVersion() ?? 1
        guard parameters.version > current else {
            return .fails(
                .parametersVersionNotIncreasing,
                "version \(parameters.version) is not greater than the version in force, \(current)"
            )
        }
        return .meetsPolicy
    }
}

/// A policy decision is signed by a decision key of the server, names a registered user and a registered image of
/// the provider it names (contract C1).
public struct DecisionSignerAndSubjects: AdmissionPolicy {
    /// The accepted decision keys.
    public var keys: [PublicKey]

    /// Creates the policy.
    public init(keys: [PublicKey]) { self.keys = keys }

    /// Fails with `notSignedByDecisionKey`, `unknownUser` or `unknownImage`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .policyDecision(let decision) = context.record else { return .meetsPolicy }
        guard !keys.isEmpty, !context.verifiedKeys(keys).isEmpty else {
            return .fails(.notSignedByDecisionKey, "a policy decision must be signed by the server's decision key")
        }
        guard try await context.state.user(id: decision.user) != nil else {
            return .fails(.unknownUser, "user \"\(decision.user)\" is not registered")
        }
        guard try await context.state.imageRecord(provider: decision.provider, digest: decision.image) != nil else {
            return .fails(.unknownImage, "\(decision.image) is not a registered image of provider \"\(decision.provider)\"")
        }
        return .meetsPolicy
    }
}

extension ProvenanceRules {
    /// The state changes of an admitted evidence record or policy decision; `added` is its generic `recordAdded`.
    static func evidenceChanges(_ context: AdmissionContext, added: RecordState) async throws -> [StateChange] {
        var state = added
        let id = context.recordID
        func reporterIDs() async throws {
            switch try await reporter(context) {
            case .auditor(let auditor): state.auditor = auditor
            case .user(let user): state.user = user
            case .provider, nil: break
            }
        }
        switch context.record {
        case .vulnerabilityReport(let report):
            state.affected = report.affected
            try await reporterIDs()
        case .incidentReport(let report):
            state.affected = report.affected
            try await reporterIDs()
        case .vulnerabilityResolution(let resolution):
            state.linked = resolution.report
            return [.recordAdded(state), .reportResolved(resolution.report, by: id)]
        case .incidentResponse(let response):
            state.linked = response.report
            return [.recordAdded(state), .reportResolved(response.report, by: id)]
        case .userFeedback(let feedback):
            state.user = feedback.user
        case .feedbackTriage(let triage):
            state.linked = triage.target
        case .certifierOnboard(let onboard):
            let certifier = CertifierState(
                id: onboard.id,
                displayName: onboard.displayName,
                keys: onboard.keys,
                trustAnchors: onboard.trustAnchors,
                types: onboard.types,
                onboardedBy: id
            )
            return [.recordAdded(state), .certifierUpserted(certifier)]
        case .complianceCertification(let certification):
            state.auditor = certification.certifier
            if let certifier = try await context.state.certifier(id: certification.certifier) {
                state.certification = await CertificationCheck.check(
                    certification,
                    certifier: certifier,
                    signedByCertifier: !context.verifiedKeys(certifier.keys).isEmpty,
                    at: context.integrationTime
                )
            }
        case .certificationRevocation(let revocation):
            state.linked = revocation.certification
            state.auditor = revocation.certifier
        case .reputationParameters(let parameters):
            return [.recordAdded(state), .parametersPublished(version: parameters.version)]
        case .policyDecision(let decision):
            state.user = decision.user
            guard decision.provesUse else { break }
            return [
                .recordAdded(state),
                .usageRecorded(user: decision.user, provider: decision.provider, time: context.integrationTime),
            ]
        default:
            break
        }
        return [.recordAdded(state)]
    }
}
