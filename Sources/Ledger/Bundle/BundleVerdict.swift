import Provenance
import TransparencyLog

/// One reason a bundle does not verify: a stable ``code``, the log index of the entry concerned (if any) and a
/// human readable message. ``description`` reads `entry 7: the inclusion proof does not match the checkpoint`.
public struct BundleFailure: Sendable, Hashable, CustomStringConvertible {
    /// The stable category.
    public var code: Code
    /// The log index of the entry the failure is about, if any.
    public var entry: UInt64?
    /// The chain rule that refused the entry on replay, for ``Code/recordRejected`` and ``Code/keyInvalidated``.
    public var rejection: RecordRejection.Code?
    /// A human readable explanation; not stable.
    public var message: String

    /// Creates a failure.
    public init(code: Code, entry: UInt64? = nil, rejection: RecordRejection.Code? = nil, message: String) {
        self.code = code
        self.entry = entry
        self.rejection = rejection
        self.message = message
    }

    /// `entry <index>: <message>`, or the message alone.
    public var description: String { entry.map { "entry \($0): \(message)" } ?? message }

    /// Stable failure categories; ``name`` is the stable spelling.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name, e.g. `inclusion-proof`.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The bundle's version is not one this build reads.
        public static let unsupportedVersion = Code("unsupported-version")
        /// The checkpoint does not parse or is not signed by the log key.
        public static let checkpointInvalid = Code("checkpoint-invalid")
        /// The bundle's origin differs from the checkpoint's, or the genesis record names another log.
        public static let originMismatch = Code("origin-mismatch")
        /// Entries are not in strictly increasing log order.
        public static let entryOrder = Code("entry-order")
        /// An entry's index is not below the checkpoint's tree size.
        public static let entryOutOfRange = Code("entry-out-of-range")
        /// An entry's leaf (index, integration time, envelope) is not proven by its proof against the checkpoint.
        public static let inclusionProof = Code("inclusion-proof")
        /// An entry's envelope does not parse as a DSSE envelope.
        public static let malformedEnvelope = Code("malformed-envelope")
        /// Replaying the entry through the chain rules at its integration time refused it.
        public static let recordRejected = Code("record-rejected")
        /// The record was valid when logged but its signing key is invalid under the final key state (a later,
        /// back-dated key revocation).
        public static let keyInvalidated = Code("key-invalidated")
        /// The chain from the lineage root to the bundle's record is incomplete or invalid.
        public static let chainBroken = Code("chain-broken")
        /// The bundle's record does not name the bundle's subject.
        public static let subjectMismatch = Code("subject-mismatch")
        /// The image file's SHA-256 is not the subject.
        public static let imageDigestMismatch = Code("image-digest-mismatch")
        /// An attestation of the bundle is not about the bundle's subject.
        public static let attestationSubject = Code("attestation-subject")
        /// A version 3 bundle's reputation section does not fit the bundle (another log size, another provider).
        public static let reputationInconsistent = Code("reputation-inconsistent")

        /// ``name``.
        public var description: String { name }
    }
}

/// One record of the chain from the lineage root to the bundle's record, as verified.
public struct BundleChainLink: Sendable, Hashable {
    /// Position in the log.
    public var index: UInt64
    /// The record id.
    public var recordID: RecordID
    /// `image-register` for the root, `image-modify` after it.
    public var kind: RecordKind
    /// The image digest the record names.
    public var digest: String?
    /// Integration time, ms since the Unix epoch.
    public var integratedTime: Int64
    /// The id of the provider key whose signature verified, if one did.
    public var signerKeyID: String?
    /// The record's status at the verdict's ``BundleVerdict/statusTime``, when the record is valid.
    public var status: RecordStatus?
    /// Whether the record is proven, admitted on replay and signed by a key valid under the final key state.
    public var valid: Bool

    /// Creates a link.
    public init(
        index: UInt64,
        recordID: RecordID,
        kind: RecordKind,
        digest: String?,
        integratedTime: Int64,
        signerKeyID: String?,
        status: RecordStatus?,
        valid: Bool
    ) {
        self.index = index
        self.recordID = recordID
        self.kind = kind
        self.digest = digest
        self.integratedTime = integratedTime
        self.signerKeyID = signerKeyID
        self.status = status
        self.valid = valid
    }
}

/// One attestation of a bundle, as verified.
public struct BundleAttestation: Sendable, Hashable {
    /// Its log index.
    public var index: UInt64
    /// Its record id.
    public var recordID: RecordID
    /// The auditor whose key signed it (as the bundle's auditor records grant the key).
    public var auditor: String?
    /// The key that signed it.
    public var signerKeyID: String?
    /// What its predicate says (type, result, score, counts).
    public var summary: AttestationSummary?
    /// Its integration time (ms).
    public var integratedTime: Int64
    /// Whether it passed every rule at its integration time and under the final key state.
    public var valid: Bool
    /// Its status among the bundle's attestations at the verdict's status time (`current`, `superseded`,
    /// `withdrawn`, `expired`): version 3 bundles also hold the attestations that no longer count.
    public var status: String

    /// Creates an entry.
    public init(
        index: UInt64,
        recordID: RecordID,
        auditor: String?,
        signerKeyID: String?,
        summary: AttestationSummary?,
        integratedTime: Int64,
        valid: Bool,
        status: String = "current"
    ) {
        self.index = index
        self.recordID = recordID
        self.auditor = auditor
        self.signerKeyID = signerKeyID
        self.summary = summary
        self.integratedTime = integratedTime
        self.valid = valid
        self.status = status
    }
}

/// The outcome of checking a ``ProvenanceBundle`` offline.
///
/// A bundle is valid when ``failures`` is empty, whatever the image's ``status``: the log proves a revoked
/// image is revoked just as it proves an active one is active. Callers decide what a status means to them.
public struct BundleVerdict: Sendable, Equatable {
    /// Everything that failed, in the order found; empty when the bundle is valid.
    public var failures: [BundleFailure]
    /// The verified checkpoint, when its signature verified.
    public var checkpoint: Checkpoint?
    /// The image digest the bundle is about.
    public var subject: String
    /// The image record the bundle is about.
    public var record: RecordID
    /// The chain from the lineage root to ``record``, as far as the bundle holds it.
    public var chain: [BundleChainLink]
    /// The status of ``record`` at ``statusTime``, when the record is valid.
    public var status: RecordStatus?
    /// The time the status is computed at: the latest integration time among the bundle's proven entries.
    public var statusTime: Int64?
    /// The bundle's attestations about the subject, in log order.
    public var attestations: [BundleAttestation] = []

    /// Creates a verdict.
    public init(
        failures: [BundleFailure],
        checkpoint: Checkpoint?,
        subject: String,
        record: RecordID,
        chain: [BundleChainLink],
        status: RecordStatus?,
        statusTime: Int64?
    ) {
        self.failures = failures
        self.checkpoint = checkpoint
        self.subject = subject
        self.record = record
        self.chain = chain
        self.status = status
        self.statusTime = statusTime
    }

    /// Whether every check passed.
    public var isValid: Bool { failures.isEmpty }

    /// Whether the bundle is valid and the image is ``RecordStatus/active``.
    public var isActive: Bool { isValid && status == .active }

    /// Whether some failure has `code`.
    public func contains(_ code: BundleFailure.Code) -> Bool { failures.contains { $0.code == code } }
}
