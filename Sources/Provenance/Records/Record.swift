/// A provenance record: the decoded payload of a DSSE envelope whose payload type is one of the
/// `application/vnd.vmtrust.<kind>.v1+json` types.
///
/// Payloads are canonical JSON objects (docs/FORMATS.md, "Records, version 1"): every record has `"v": 1`
/// and `"time"` (the signer's claim, integer milliseconds since the Unix epoch) besides its kind's fields.
/// ``decode(payloadType:payload:)`` accepts exactly the bytes ``encoded()`` produces, so one record has one
/// record id.
public enum Record: Sendable, Hashable {
    /// `genesis`.
    case genesis(GenesisRecord)
    /// `provider-onboard`.
    case providerOnboard(ProviderOnboardRecord)
    /// `provider-update`.
    case providerUpdate(ProviderUpdateRecord)
    /// `key-rotation`.
    case keyRotation(KeyRotationRecord)
    /// `key-revocation`.
    case keyRevocation(KeyRevocationRecord)
    /// `user-register`.
    case userRegister(UserRegisterRecord)
    /// `image-register`.
    case imageRegister(ImageRegisterRecord)
    /// `image-modify`.
    case imageModify(ImageModifyRecord)
    /// `image-revoke`.
    case imageRevoke(ImageRevokeRecord)
    /// `image-restore`.
    case imageRestore(ImageRestoreRecord)
    /// `image-deprecate`.
    case imageDeprecate(ImageDeprecateRecord)
    /// `vulnerability-report`.
    case vulnerabilityReport(VulnerabilityReportRecord)
    /// `vulnerability-resolution`.
    case vulnerabilityResolution(VulnerabilityResolutionRecord)
    /// `incident-report`.
    case incidentReport(IncidentReportRecord)
    /// `incident-response`.
    case incidentResponse(IncidentResponseRecord)
    /// `user-feedback`.
    case userFeedback(UserFeedbackRecord)
    /// `feedback-triage`.
    case feedbackTriage(FeedbackTriageRecord)
    /// `certifier-onboard`.
    case certifierOnboard(CertifierOnboardRecord)
    /// `compliance-certification`.
    case complianceCertification(ComplianceCertificationRecord)
    /// `certification-revocation`.
    case certificationRevocation(CertificationRevocationRecord)
    /// `reputation-parameters`.
    case reputationParameters(ReputationParametersRecord)
    /// `auditor-onboard`.
    case auditorOnboard(AuditorOnboardRecord)
    /// `auditor-update`.
    case auditorUpdate(AuditorUpdateRecord)
    /// `attestation`: an in-toto Statement v1 (payload type `application/vnd.in-toto+json`).
    case attestation(AttestationRecord)
    /// `attestation-withdraw`.
    case attestationWithdraw(AttestationWithdrawRecord)
    /// `policy-decision`.
    case policyDecision(PolicyDecisionRecord)

    /// The record format version written in `"v"`.
    public static let version: Int64 = 1

    /// Decodes and validates a payload of type `payloadType`.
    ///
    /// Rejects an unknown payload type, anything but one strict JSON object, a missing or unknown field, a
    /// field of the wrong JSON type (`null` included), malformed digests, record ids, key ids, keys,
    /// identifiers and enumeration values, out-of-range numbers, over-long strings, `v` other than 1, and
    /// a payload that is valid but not in canonical form. The error names the field.
    public static func decode(payloadType: String, payload: [UInt8]) throws(RecordError) -> Record {
        guard let kind = RecordKind(payloadType: payloadType) else {
            throw RecordError(code: .unknownPayloadType, field: nil, message: "unknown payload type \"\(payloadType)\"")
        }
        if kind == .attestation { return .attestation(try AttestationRecord(payload: payload)) }
        let value: StrictJSON.Value
        do {
            value = try StrictJSON.parse(payload)
        } catch {
            throw RecordError(code: .malformedJSON, field: nil, message: error.reason)
        }
        var reader = try FieldReader(value, path: "")
        let version: Int64
        do {
            version = try reader.integer("v", in: Int64.min...Int64.max)
        } catch  where error.code == .outOfRange {
            throw RecordError(code: .unsupportedVersion, field: "v", message: "\"v\" must be 1")
        }
        guard version == Record.version else {
            throw RecordError(code: .unsupportedVersion, field: "v", message: "\"v\" is \(version); only 1 is supported")
        }
        let record: Record
        switch kind {
        case .genesis: record = .genesis(try GenesisRecord(&reader))
        case .providerOnboard: record = .providerOnboard(try ProviderOnboardRecord(&reader))
        case .providerUpdate: record = .providerUpdate(try ProviderUpdateRecord(&reader))
        case .keyRotation: record = .keyRotation(try KeyRotationRecord(&reader))
        case .keyRevocation: record = .keyRevocation(try KeyRevocationRecord(&reader))
        case .userRegister: record = .userRegister(try UserRegisterRecord(&reader))
        case .imageRegister: record = .imageRegister(try ImageRegisterRecord(&reader))
        case .imageModify: record = .imageModify(try ImageModifyRecord(&reader))
        case .imageRevoke: record = .imageRevoke(try ImageRevokeRecord(&reader))
        case .imageRestore: record = .imageRestore(try ImageRestoreRecord(&reader))
        case .imageDeprecate: record = .imageDeprecate(try ImageDeprecateRecord(&reader))
        case .vulnerabilityReport: record = .vulnerabilityReport(try VulnerabilityReportRecord(&reader))
        case .vulnerabilityResolution: record = .vulnerabilityResolution(try VulnerabilityResolutionRecord(&reader))
        case .incidentReport: record = .incidentReport(try IncidentReportRecord(&reader))
        case .incidentResponse: record = .incidentResponse(try IncidentResponseRecord(&reader))
        case .userFeedback: record = .userFeedback(try UserFeedbackRecord(&reader))
        case .feedbackTriage: record = .feedbackTriage(try FeedbackTriageRecord(&reader))
        case .certifierOnboard: record = .certifierOnboard(try CertifierOnboardRecord(&reader))
        case .complianceCertification: record = .complianceCertification(try ComplianceCertificationRecord(&reader))
        case .certificationRevocation: record = .certificationRevocation(try CertificationRevocationRecord(&reader))
        case .reputationParameters: record = .reputationParameters(try ReputationParametersRecord(&reader))
        case .auditorOnboard: record = .auditorOnboard(try AuditorOnboardRecord(&reader))
        case .auditorUpdate: record = .auditorUpdate(try AuditorUpdateRecord(&reader))
        case .attestationWithdraw: record = .attestationWithdraw(try AttestationWithdrawRecord(&reader))
        case .policyDecision: record = .policyDecision(try PolicyDecisionRecord(&reader))
        case .attestation: record = .attestation(try AttestationRecord(payload: payload))
        }
        try reader.finish()
        guard record.encoded() == payload else {
            throw RecordError(
                code: .notCanonical,
                field: nil,
                message: "the payload is not canonical JSON (sorted keys, no white space, minimal escaping)"
            )
        }
        return record
    }

    /// Decodes the payload of `envelope` (see ``decode(payloadType:payload:)``).
    public static func decode(_ envelope: DSSEEnvelope) throws(RecordError) -> Record {
        try decode(payloadType: envelope.payloadType, payload: envelope.payload)
    }

    /// The auditor who speaks: the `id` of auditor records, the `auditor` of a withdrawal; `nil` otherwise
    /// (an attestation's auditor is the one whose key signed it).
    public var auditor: String? {
        switch self {
        case .auditorOnboard(let r): r.id
        case .auditorUpdate(let r): r.id
        case .attestationWithdraw(let r): r.auditor
        default: nil
        }
    }

    /// The record's kind.
    public var kind: RecordKind {
        switch self {
        case .genesis: .genesis
        case .providerOnboard: .providerOnboard
        case .providerUpdate: .providerUpdate
        case .keyRotation: .keyRotation
        case .keyRevocation: .keyRevocation
        case .userRegister: .userRegister
        case .imageRegister: .imageRegister
        case .imageModify: .imageModify
        case .imageRevoke: .imageRevoke
        case .imageRestore: .imageRestore
        case .imageDeprecate: .imageDeprecate
        case .vulnerabilityReport: .vulnerabilityReport
        case .vulnerabilityResolution: .vulnerabilityResolution
        case .incidentReport: .incidentReport
        case .incidentResponse: .incidentResponse
        case .userFeedback: .userFeedback
        case .feedbackTriage: .feedbackTriage
        case .certifierOnboard: .certifierOnboard
        case .complianceCertification: .complianceCertification
        case .certificationRevocation: .certificationRevocation
        case .reputationParameters: .reputationParameters
        case .auditorOnboard: .auditorOnboard
        case .auditorUpdate: .auditorUpdate
        case .attestation: .attestation
        case .attestationWithdraw: .attestationWithdraw
        case .policyDecision: .policyDecision
        }
    }

    /// The DSSE payload type, `application/vnd.vmtrust.<kind>.v1+json`.
    public var payloadType: String { kind.payloadType }

    /// The signer's time claim, ms since the Unix epoch; `nil` for attestations (an in-toto Statement carries
    /// no vmtrust time claim: the integration time is the attestation's time).
    public var time: Int64? {
        switch self {
        case .genesis(let r): r.time
        case .providerOnboard(let r): r.time
        case .providerUpdate(let r): r.time
        case .keyRotation(let r): r.time
        case .keyRevocation(let r): r.time
        case .userRegister(let r): r.time
        case .imageRegister(let r): r.time
        case .imageModify(let r): r.time
        case .imageRevoke(let r): r.time
        case .imageRestore(let r): r.time
        case .imageDeprecate(let r): r.time
        case .vulnerabilityReport(let r): r.time
        case .vulnerabilityResolution(let r): r.time
        case .incidentReport(let r): r.time
        case .incidentResponse(let r): r.time
        case .userFeedback(let r): r.time
        case .feedbackTriage(let r): r.time
        case .certifierOnboard(let r): r.time
        case .complianceCertification(let r): r.time
        case .certificationRevocation(let r): r.time
        case .reputationParameters(let r): r.time
        case .auditorOnboard(let r): r.time
        case .auditorUpdate(let r): r.time
        case .attestation: nil
        case .attestationWithdraw(let r): r.time
        case .policyDecision(let r): r.time
        }
    }

    /// The provider the record is about (provider records, key records, image records), else `nil`.
    public var provider: String? {
        switch self {
        case .genesis, .userRegister, .feedbackTriage, .certifierOnboard, .reputationParameters, .auditorOnboard,
            .auditorUpdate, .attestation, .attestationWithdraw:
            nil
        case .providerOnboard(let r): r.id
        case .providerUpdate(let r): r.id
        case .keyRotation(let r): r.provider
        case .keyRevocation(let r): r.provider
        case .imageRegister(let r): r.provider
        case .imageModify(let r): r.provider
        case .imageRevoke(let r): r.provider
        case .imageRestore(let r): r.provider
        case .imageDeprecate(let r): r.provider
        case .vulnerabilityReport(let r): r.provider
        case .vulnerabilityResolution(let r): r.provider
        case .incidentReport(let r): r.provider
        case .incidentResponse(let r): r.provider
        case .userFeedback(let r): r.provider
        case .complianceCertification(let r): r.provider
        case .certificationRevocation(let r): r.provider
        case .policyDecision(let r): r.provider
        }
    }

    /// The image digest an image-register or image-modify record describes, else `nil`.
    public var imageDigest: String? {
        switch self {
        case .imageRegister(let r): r.digest
        case .imageModify(let r): r.digest
        default: nil
        }
    }

    /// The record an image-modify (`previous`) or image-revoke/restore/deprecate (`target`) refers to.
    public var linkedRecord: RecordID? {
        switch self {
        case .imageModify(let r): r.previous
        case .imageRevoke(let r): r.target
        case .imageRestore(let r): r.target
        case .imageDeprecate(let r): r.target
        default: nil
        }
    }

    /// The canonical payload bytes: sorted keys, no white space, minimal escaping, absent optionals omitted.
    public func encoded() -> [UInt8] {
        let fields: [(String, CanonicalJSON?)]
        switch self {
        case .attestation(let r): return r.payload
        case .genesis(let r): fields = r.fields
        case .providerOnboard(let r): fields = r.fields
        case .providerUpdate(let r): fields = r.fields
        case .keyRotation(let r): fields = r.fields
        case .keyRevocation(let r): fields = r.fields
        case .userRegister(let r): fields = r.fields
        case .imageRegister(let r): fields = r.fields
        case .imageModify(let r): fields = r.fields
        case .imageRevoke(let r): fields = r.fields
        case .imageRestore(let r): fields = r.fields
        case .imageDeprecate(let r): fields = r.fields
        case .vulnerabilityReport(let r): fields = r.fields
        case .vulnerabilityResolution(let r): fields = r.fields
        case .incidentReport(let r): fields = r.fields
        case .incidentResponse(let r): fields = r.fields
        case .userFeedback(let r): fields = r.fields
        case .feedbackTriage(let r): fields = r.fields
        case .certifierOnboard(let r): fields = r.fields
        case .complianceCertification(let r): fields = r.fields
        case .certificationRevocation(let r): fields = r.fields
        case .reputationParameters(let r): fields = r.fields
        case .auditorOnboard(let r): fields = r.fields
        case .auditorUpdate(let r): fields = r.fields
        case .attestationWithdraw(let r): fields = r.fields
        case .policyDecision(let r): fields = r.fields
        }
        return CanonicalJSON.object(fields + [("time", time.map { .integer($0) }), ("v", .integer(Record.version))]).bytes
    }

    /// The record id of ``encoded()``.
    public var id: RecordID { RecordID(payload: encoded()) }

    /// Signs ``encoded()`` into a DSSE envelope with every key, in order.
    public func signed(by keys: [SigningKey]) throws -> DSSEEnvelope {
        try DSSEEnvelope.sign(payloadType: payloadType, payload: encoded(), keys: keys)
    }
}
