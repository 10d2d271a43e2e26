/// Why the rules refuse a record: a stable ``code`` (the HTTP layer turns it into an RFC 9457 problem type)
/// and a human readable ``message``. Two rejections are equal when their codes are equal.
public struct RecordRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable category.
    public var code: Code
    /// A human readable explanation; not stable.
    public var message: String

    /// Creates a rejection.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `RecordRejection.<code>: <message>`.
    public var description: String { "RecordRejection.\(code): \(message)" }

    /// Equality by ``code`` only.
    public static func == (lhs: RecordRejection, rhs: RecordRejection) -> Bool { lhs.code == rhs.code }

    /// Hashes the ``code`` only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Stable rejection categories. ``description`` is the stable name.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name, e.g. `keyRevoked`.
        public let description: String
        private init(_ name: String) { description = name }

        /// The payload does not decode as a record of its payload type (the message carries the ``RecordError``).
        public static let invalidRecord = Code("invalidRecord")
        /// The record given does not match the envelope's payload type or payload bytes.
        public static let recordMismatch = Code("recordMismatch")
        /// The record is already in the log (the ledger answers the original receipt).
        public static let alreadyRecorded = Code("alreadyRecorded")
        /// The time claim differs from the integration time by more than the allowed skew.
        public static let timeOutsideSkew = Code("timeOutsideSkew")
        /// No genesis record yet: only a genesis record can be written.
        public static let noGovernance = Code("noGovernance")
        /// A genesis record exists already.
        public static let genesisExists = Code("genesisExists")
        /// A governance record carries no valid admin signature (or a non-admin signed it).
        public static let notSignedByAdmins = Code("notSignedByAdmins")
        /// Fewer distinct admin keys signed than the threshold requires.
        public static let belowThreshold = Code("belowThreshold")
        /// No valid signature by a key of the provider the record speaks for.
        public static let notSignedByProvider = Code("notSignedByProvider")
        /// A self-signed key rotation lacks the new key's signature.
        public static let missingNewKeySignature = Code("missingNewKeySignature")
        /// The signing key was revoked at or before the integration time.
        public static let keyRevoked = Code("keyRevoked")
        /// The signing key's validity ended at or before the integration time (retired, rotated out, expired).
        public static let keyExpired = Code("keyExpired")
        /// The signing key's validity starts after the integration time.
        public static let keyNotYetValid = Code("keyNotYetValid")
        /// The provider is not onboarded.
        public static let unknownProvider = Code("unknownProvider")
        /// The provider is onboarded already.
        public static let providerExists = Code("providerExists")
        /// The provider is suspended.
        public static let providerSuspended = Code("providerSuspended")
        /// The key id names no key of the provider.
        public static let unknownKey = Code("unknownKey")
        /// The key is already granted to the provider.
        public static let keyAlreadyGranted = Code("keyAlreadyGranted")
        /// The key is already revoked at or before the requested effective time.
        public static let keyAlreadyRevoked = Code("keyAlreadyRevoked")
        /// The user is registered already.
        public static let userExists = Code("userExists")
        /// `previous` or `target` names no record in the log.
        public static let unknownRecord = Code("unknownRecord")
        /// `previous` or `target` names a record that is not an image record (register or modify).
        public static let notAnImageRecord = Code("notAnImageRecord")
        /// `previous` or `target` belongs to another provider's lineage.
        public static let foreignLineage = Code("foreignLineage")
        /// `previous` is revoked (directly or inherited) at the integration time.
        public static let previousRevoked = Code("previousRevoked")
        /// The record would be its own ancestor.
        public static let cycle = Code("cycle")
        /// The provider already registered this image digest as another record.
        public static let digestAlreadyRegistered = Code("digestAlreadyRegistered")
        /// The record's initial reputation differs from the provider's onboarding.
        public static let reputationMismatch = Code("reputationMismatch")
        /// An effective time lies before the record's time claim (only key revocations may back-date).
        public static let effectiveTimeInPast = Code("effectiveTimeInPast")
        /// The target is already revoked directly (in effect or scheduled).
        public static let alreadyRevoked = Code("alreadyRevoked")
        /// The target has no direct revocation to lift.
        public static let notRevoked = Code("notRevoked")
        /// The record's kind is defined but not admitted to the log (no kind uses it since issue 5; kept stable).
        public static let kindNotAdmitted = Code("kindNotAdmitted")
        /// No signature's `keyid` names a key of an onboarded auditor (attestations), or the auditor a record
        /// names is not onboarded.
        public static let unknownAuditor = Code("unknownAuditor")
        /// The auditor is onboarded already.
        public static let auditorExists = Code("auditorExists")
        /// No valid signature by a key of the auditor the record speaks for.
        public static let notSignedByAuditor = Code("notSignedByAuditor")
        /// The auditor is suspended.
        public static let auditorSuspended = Code("auditorSuspended")
        /// The auditor's accreditation ended at or before the integration time.
        public static let accreditationExpired = Code("accreditationExpired")
        /// The auditor is not allowed to issue attestations of the statement's predicate type.
        public static let attestationTypeNotAllowed = Code("attestationTypeNotAllowed")
        /// A subject names no registered image by its sha256 digest.
        public static let unknownSubject = Code("unknownSubject")
        /// The predicate does not validate against its predicate type (the message names the field).
        public static let invalidPredicate = Code("invalidPredicate")
        /// The predicate's own expiry is not after the integration time.
        public static let attestationExpired = Code("attestationExpired")
        /// A withdrawal names a record that is not an attestation.
        public static let notAnAttestation = Code("notAnAttestation")
        /// A withdrawal by an auditor other than the one who issued the attestation.
        public static let notIssuingAuditor = Code("notIssuingAuditor")
        /// The attestation is withdrawn already.
        public static let alreadyWithdrawn = Code("alreadyWithdrawn")
        /// The key is already granted to another auditor (auditor key ids identify the auditor).
        public static let auditorKeyInUse = Code("auditorKeyInUse")
        /// A policy decision is not signed by a decision key of the server.
        public static let notSignedByDecisionKey = Code("notSignedByDecisionKey")
        /// The user a record names is not registered.
        public static let unknownUser = Code("unknownUser")
        /// An image digest is not a registered image of the provider the record names.
        public static let unknownImage = Code("unknownImage")
        /// A user feedback without proof of use: no logged decision allowed the user to use one of the provider's
        /// images within 180 days before the feedback.
        public static let noProofOfUse = Code("noProofOfUse")
        /// A report is signed by none of: the provider, an onboarded auditor, a registered user.
        public static let notSignedByReporter = Code("notSignedByReporter")
        /// A record that must be signed by the user it names is not.
        public static let notSignedByUser = Code("notSignedByUser")
        /// A triage is signed neither by the admins (threshold) nor by an onboarded auditor.
        public static let notSignedByAdminsOrAuditor = Code("notSignedByAdminsOrAuditor")
        /// A resolution or response names a record that is not a report of the right kind about the provider.
        public static let notAReport = Code("notAReport")
        /// The report is already resolved (or answered).
        public static let alreadyResolved = Code("alreadyResolved")
        /// A resolution's `retired` records do not retire every affected version (or are not the provider's
        /// revocations or deprecations in effect).
        public static let affectedNotRetired = Code("affectedNotRetired")
        /// A triage's target is not a user-feedback record.
        public static let notFeedback = Code("notFeedback")
        /// The certifier is onboarded already.
        public static let certifierExists = Code("certifierExists")
        /// A trust anchor does not parse as an X.509 certificate.
        public static let invalidTrustAnchor = Code("invalidTrustAnchor")
        /// The certifier a record names is not onboarded.
        public static let unknownCertifier = Code("unknownCertifier")
        /// The certifier may not certify that type.
        public static let certificationTypeNotAllowed = Code("certificationTypeNotAllowed")
        /// A certification is signed neither by the provider nor by the certifier; a revocation neither by the
        /// certifier nor by the admins.
        public static let notSignedByCertifier = Code("notSignedByCertifier")
        /// A revocation names a record that is not a compliance certification of that provider and certifier.
        public static let notACertification = Code("notACertification")
        /// A reputation parameter set's version is not greater than the version in force.
        public static let parametersVersionNotIncreasing = Code("parametersVersionNotIncreasing")
        /// A reputation parameter set names an unknown parameter or an invalid value.
        public static let invalidParameters = Code("invalidParameters")
    }
}

/// The verdict of ``ProvenanceRules/admit(_:record:integrationTime:state:)``.
public enum Admission: Sendable, Hashable {
    /// The record may be sequenced; persist these changes with it, in order.
    case accepted([StateChange])
    /// The record is refused; nothing may be written.
    case rejected(RecordRejection)

    /// The rejection, if any.
    public var rejection: RecordRejection? {
        if case .rejected(let rejection) = self { return rejection }
        return nil
    }
}
