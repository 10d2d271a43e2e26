/// The kinds of records; each has its own DSSE payload type `application/vnd.vmtrust.<kind>.v1+json`.
public enum RecordKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// The first governance record: admin keys, threshold, log origin.
    case genesis
    /// Onboards a provider: id, display name, keys, initial reputation.
    case providerOnboard = "provider-onboard"
    /// Changes a provider: display name, keys added or retired, suspension or reinstatement.
    case providerUpdate = "provider-update"
    /// Replaces one provider key by another from an effective time.
    case keyRotation = "key-rotation"
    /// Revokes a provider key from an effective time, which may be in the past (compromise).
    case keyRevocation = "key-revocation"
    /// Registers a user id and key.
    case userRegister = "user-register"
    /// The root of a lineage: an image digest registered by its provider.
    case imageRegister = "image-register"
    /// A new image version linked to the record it changes (`previous`).
    case imageModify = "image-modify"
    /// Revokes an image record, optionally for all its descendants, optionally from a future time.
    case imageRevoke = "image-revoke"
    /// Lifts an image record's revocation.
    case imageRestore = "image-restore"
    /// Marks an image record deprecated from a date.
    case imageDeprecate = "image-deprecate"
    /// A vulnerability affecting a provider's images (reputation evidence).
    case vulnerabilityReport = "vulnerability-report"
    /// The provider's resolution of a vulnerability report (reputation evidence).
    case vulnerabilityResolution = "vulnerability-resolution"
    /// An incident at a provider (reputation evidence).
    case incidentReport = "incident-report"
    /// The provider's response to an incident report (reputation evidence).
    case incidentResponse = "incident-response"
    /// A user's rating or issue report about a provider (reputation evidence).
    case userFeedback = "user-feedback"
    /// Confirms or rejects a user feedback (reputation evidence).
    case feedbackTriage = "feedback-triage"
    /// Onboards a certifier: a trusted source of compliance certifications.
    case certifierOnboard = "certifier-onboard"
    /// A compliance certification of a provider (reputation evidence).
    case complianceCertification = "compliance-certification"
    /// Withdraws a compliance certification (reputation evidence).
    case certificationRevocation = "certification-revocation"
    /// Publishes a version of the reputation parameter set.
    case reputationParameters = "reputation-parameters"
    /// Onboards an auditor: id, keys, accreditation, allowed attestation types, trust seed.
    case auditorOnboard = "auditor-onboard"
    /// Changes an auditor: keys, accreditation, allowed types, suspension.
    case auditorUpdate = "auditor-update"
    /// An in-toto Statement v1 about registered images, signed by an onboarded auditor.
    case attestation
    /// The issuing auditor retracts an attestation.
    case attestationWithdraw = "attestation-withdraw"
    /// Publishes a version of an access policy (docs/POLICY-LANGUAGE.md).
    case policyPublish = "policy-publish"
    /// A time-limited override of the access policy for one user, always on the log.
    case breakGlass = "break-glass"
    /// The server's decision on a user's use of an image, signed by its decision key.
    case policyDecision = "policy-decision"

    /// `application/vnd.vmtrust.<kind>.v1+json`; attestations use in-toto's `application/vnd.in-toto+json`.
    public var payloadType: String {
        self == .attestation ? InTotoStatement.payloadType : "application/vnd.vmtrust.\(rawValue).v1+json"
    }

    /// The kind whose ``payloadType`` is `payloadType`, or `nil`.
    public init?(payloadType: String) {
        guard let kind = Self.byPayloadType[payloadType] else { return nil }
        self = kind
    }

    /// Every kind by its payload type (one lookup per decoded envelope, not a string built per kind).
    private static let byPayloadType: [String: RecordKind] = Dictionary(
        uniqueKeysWithValues: RecordKind.allCases.map { ($0.payloadType, $0) }
    )

    /// Who may sign a record of this kind.
    public var signer: SignerRole {
        switch self {
        case .genesis: .genesisAdmins
        case .providerOnboard, .providerUpdate, .keyRevocation, .userRegister, .auditorOnboard, .auditorUpdate: .admins
        case .keyRotation: .adminsOrRotatingKeys
        case .imageRegister, .imageModify, .imageRevoke, .imageRestore, .imageDeprecate: .provider
        case .vulnerabilityReport, .incidentReport: .reporter
        case .vulnerabilityResolution, .incidentResponse: .provider
        case .userFeedback: .user
        case .feedbackTriage: .adminsOrAuditor
        case .certifierOnboard, .reputationParameters: .admins
        case .complianceCertification: .providerOrCertifier
        case .certificationRevocation: .certifierOrAdmins
        case .attestation, .attestationWithdraw: .auditor
        case .policyPublish, .breakGlass: .admins
        case .policyDecision: .decisionKey
        }
    }

    /// Whether the kind is reputation evidence (or its governance: certifiers, parameters).
    public var isReputationEvidence: Bool {
        switch self {
        case .vulnerabilityReport, .vulnerabilityResolution, .incidentReport, .incidentResponse, .userFeedback,
            .feedbackTriage, .certifierOnboard, .complianceCertification, .certificationRevocation, .reputationParameters:
            true
        default:
            false
        }
    }

    /// Whether records of this kind describe images (and form lineages).
    public var isImageRecord: Bool { self == .imageRegister || self == .imageModify }
}

/// The actors allowed to sign a kind of record.
public enum SignerRole: String, Sendable, Hashable {
    /// At least `threshold` of the admin keys the genesis record itself lists.
    case genesisAdmins
    /// At least `threshold` of the admin keys of the current governance.
    case admins
    /// Admins (threshold), or the provider's current key named by the rotation together with the new key.
    case adminsOrRotatingKeys
    /// A key of the provider that owns the lineage, valid at the integration time.
    case provider
    /// An onboarded auditor, a registered user, or the provider the record is about.
    case reporter
    /// The registered user the record names.
    case user
    /// Admins (threshold) or an onboarded auditor.
    case adminsOrAuditor
    /// The provider (a certificate chain) or a key of the certifier (a signed statement).
    case providerOrCertifier
    /// A key of the certifier the record names, or admins (threshold).
    case certifierOrAdmins
    /// A key of an onboarded auditor, valid at the integration time (attestations: the key the DSSE `keyid`
    /// names; withdrawals: a key of the auditor the record names).
    case auditor
    /// A decision key of the server (its log key), from the rules' configuration.
    case decisionKey
}
