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
    /// Onboards an auditor: id, keys, accreditation, allowed attestation types, trust seed.
    case auditorOnboard = "auditor-onboard"
    /// Changes an auditor: keys, accreditation, allowed types, suspension.
    case auditorUpdate = "auditor-update"
    /// An in-toto Statement v1 about registered images, signed by an onboarded auditor.
    case attestation
    /// The issuing auditor retracts an attestation.
    case attestationWithdraw = "attestation-withdraw"

    /// `application/vnd.vmtrust.<kind>.v1+json`; attestations use in-toto's `application/vnd.in-toto+json`.
    public var payloadType: String {
        self == .attestation ? InTotoStatement.payloadType : "application/vnd.vmtrust.\(rawValue).v1+json"
    }

    /// The kind whose ``payloadType`` is `payloadType`, or `nil`.
    public init?(payloadType: String) {
        guard let kind = RecordKind.allCases.first(where: { $0.payloadType == payloadType }) else { return nil }
        self = kind
    }

    /// Who may sign a record of this kind.
    public var signer: SignerRole {
        switch self {
        case .genesis: .genesisAdmins
        case .providerOnboard, .providerUpdate, .keyRevocation, .userRegister, .auditorOnboard, .auditorUpdate: .admins
        case .keyRotation: .adminsOrRotatingKeys
        case .imageRegister, .imageModify, .imageRevoke, .imageRestore, .imageDeprecate: .provider
        case .attestation, .attestationWithdraw: .auditor
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
    /// A key of an onboarded auditor, valid at the integration time (attestations: the key the DSSE `keyid`
    /// names; withdrawals: a key of the auditor the record names).
    case auditor
}
