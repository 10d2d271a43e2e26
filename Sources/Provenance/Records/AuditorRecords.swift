/// An auditor's accreditation: who accredited them and until when (ms since the Unix epoch, exclusive).
///
/// JSON: `{"by": "<line ≤ 256>", "until": <ms>}`.
public struct Accreditation: Sendable, Hashable, Codable {
    /// The accrediting body.
    public var by: String
    /// End of the accreditation (exclusive), ms.
    public var until: Int64

    /// Creates an accreditation.
    public init(by: String, until: Int64) {
        self.by = by
        self.until = until
    }

    init(_ value: StrictJSON.Value, path: String) throws(RecordError) {
        var reader = try FieldReader(value, path: path)
        by = try reader.string("by", .line(limit: RecordLimits.name))
        until = try reader.time("until")
        try reader.finish()
    }

    var json: CanonicalJSON { .object([("by", .string(by)), ("until", .integer(until))]) }
}

/// The default auditor trust seed r_A of an onboarding that names none (REPUTATION.md).
public let defaultAuditorTrustSeed = 8

/// Reads the list of attestation types an auditor may issue: 1–16 distinct type URIs.
private func readAttestationTypes(_ reader: inout FieldReader, required: Bool) throws(RecordError) -> [String]? {
    let types = try reader.array("attestationTypes", limit: RecordLimits.keys, required: required) {
        value,
        path throws(RecordError) in
        try TypeURI.read(value, field: path)
    }
    if let types { try RecordValidation.distinct(types, field: "attestationTypes") }
    return types
}

/// `auditor-onboard`: a new auditor. Admin-signed.
public struct AuditorOnboardRecord: Sendable, Hashable {
    /// The auditor id (identifier syntax).
    public var id: String
    /// A human readable name.
    public var displayName: String
    /// The auditor's keys (1–16, distinct).
    public var keys: [KeyGrant]
    /// The accreditation.
    public var accreditation: Accreditation
    /// The predicate type URIs the auditor may attest (1–16, distinct).
    public var attestationTypes: [String]
    /// The reputation engine's initial auditor trust r_A, 0–1000; absent = ``defaultAuditorTrustSeed``.
    public var trustSeed: Int?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates an onboarding record.
    public init(
        id: String,
        displayName: String,
        keys: [KeyGrant],
        accreditation: Accreditation,
        attestationTypes: [String],
        trustSeed: Int? = nil,
        time: Int64
    ) {
        self.id = id
        self.displayName = displayName
        self.keys = keys
        self.accreditation = accreditation
        self.attestationTypes = attestationTypes
        self.trustSeed = trustSeed
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        id = try reader.string("id", .identifier)
        displayName = try reader.string("displayName", .line(limit: RecordLimits.name))
        keys =
            try reader.array("keys", limit: RecordLimits.keys) { value, path throws(RecordError) in
                try KeyGrant(value, path: path)
            } ?? []
        try RecordValidation.distinct(keys.map(\.key), field: "keys")
        accreditation = try Accreditation(try reader.value("accreditation"), path: "accreditation")
        attestationTypes = try readAttestationTypes(&reader, required: true) ?? []
        trustSeed = try reader.optionalInteger("trustSeed", in: 0...1000).map { Int($0) }
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("id", .string(id)),
            ("displayName", .string(displayName)),
            ("keys", .array(keys.map(\.json))),
            ("accreditation", accreditation.json),
            ("attestationTypes", .array(attestationTypes.map { .string($0) })),
            ("trustSeed", trustSeed.map { .integer(Int64($0)) }),
        ]
    }
}

/// `auditor-update`: changes to an auditor; at least one of the optional fields. Admin-signed.
public struct AuditorUpdateRecord: Sendable, Hashable {
    /// The auditor id (JSON `auditor`, so that no provider-update payload is an auditor-update).
    public var id: String
    /// A new display name.
    public var displayName: String?
    /// Keys to add.
    public var addKeys: [KeyGrant]?
    /// Key ids to retire (validity ends at this record's integration time).
    public var retireKeys: [String]?
    /// A new accreditation (replaces the old one).
    public var accreditation: Accreditation?
    /// A new list of allowed predicate types (replaces the old one).
    public var attestationTypes: [String]?
    /// `true` suspends the auditor, `false` reinstates them.
    public var suspended: Bool?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates an update record.
    public init(
        id: String,
        displayName: String? = nil,
        addKeys: [KeyGrant]? = nil,
        retireKeys: [String]? = nil,
        accreditation: Accreditation? = nil,
        attestationTypes: [String]? = nil,
        suspended: Bool? = nil,
        time: Int64
    ) {
        self.id = id
        self.displayName = displayName
        self.addKeys = addKeys
        self.retireKeys = retireKeys
        self.accreditation = accreditation
        self.attestationTypes = attestationTypes
        self.suspended = suspended
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        id = try reader.string("auditor", .identifier)
        displayName = try reader.optionalString("displayName", .line(limit: RecordLimits.name))
        addKeys = try reader.array("addKeys", limit: RecordLimits.keys, required: false) { value, path throws(RecordError) in
            try KeyGrant(value, path: path)
        }
        if let addKeys { try RecordValidation.distinct(addKeys.map(\.key), field: "addKeys") }
        retireKeys = try reader.array("retireKeys", limit: RecordLimits.keys, required: false) {
            value,
            path throws(RecordError) in
            try FieldReader.keyID(value, field: path)
        }
        if let retireKeys { try RecordValidation.distinct(retireKeys, field: "retireKeys") }
        accreditation = try reader.optionalValue("accreditation").map { value throws(RecordError) in
            try Accreditation(value, path: "accreditation")
        }
        attestationTypes = try readAttestationTypes(&reader, required: false)
        suspended = try reader.optionalBool("suspended")
        time = try reader.time("time")
        guard
            displayName != nil || addKeys != nil || retireKeys != nil || accreditation != nil || attestationTypes != nil
                || suspended != nil
        else {
            throw RecordError(
                code: .invalidValue,
                field: nil,
                message: "an auditor update needs displayName, addKeys, retireKeys, accreditation, attestationTypes or suspended"
            )
        }
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("auditor", .string(id)),
            ("displayName", displayName.map { .string($0) }),
            ("addKeys", addKeys.map { .array($0.map(\.json)) }),
            ("retireKeys", retireKeys.map { .array($0.map { .string($0) }) }),
            ("accreditation", accreditation?.json),
            ("attestationTypes", attestationTypes.map { .array($0.map { .string($0) }) }),
            ("suspended", suspended.map { .bool($0) }),
        ]
    }
}

/// `attestation-withdraw`: the auditor who issued an attestation retracts it. Signed by that auditor.
public struct AttestationWithdrawRecord: Sendable, Hashable {
    /// The auditor id.
    public var auditor: String
    /// The record id of the attestation withdrawn.
    public var attestation: RecordID
    /// Why.
    public var reason: String?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a withdrawal.
    public init(auditor: String, attestation: RecordID, reason: String? = nil, time: Int64) {
        self.auditor = auditor
        self.attestation = attestation
        self.reason = reason
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        auditor = try reader.string("auditor", .identifier)
        attestation = try reader.recordID("attestation")
        reason = try reader.optionalString("reason", .line(limit: RecordLimits.reason))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("auditor", .string(auditor)),
            ("attestation", .string(attestation.description)),
            ("reason", reason.map { .string($0) }),
        ]
    }
}

/// `attestation`: an in-toto Statement v1 (payload type `application/vnd.in-toto+json`) signed by an
/// onboarded auditor. The record keeps the payload bytes exactly as received (they are not vmtrust canonical
/// JSON: any in-toto producer may write them); its record id is their SHA-256 like every record's.
public struct AttestationRecord: Sendable, Hashable {
    /// The parsed statement.
    public var statement: InTotoStatement
    /// The payload bytes.
    public var payload: [UInt8]

    /// The predicate validated by its type, once, when the record is decoded (see ``predicate()``).
    private let validatedPredicate: Result<AttestationPredicate, RecordError>
    /// What the predicate says (its ``AttestationPredicate/summary``), or `nil` when it is invalid: computed with
    /// the predicate, when the record is decoded (before sequencing), for the record's state.
    public let summary: AttestationSummary?

    /// Parses `payload` (the statement layer) and validates the predicate by its type; an invalid
    /// predicate does not fail decoding: the rules refuse it (see ``predicate()``).
    public init(payload: [UInt8]) throws(RecordError) {
        self.statement = try InTotoStatement(payload: payload)
        self.payload = payload
        self.validatedPredicate = Self.validate(statement)
        self.summary = try? validatedPredicate.get().summary
    }

    /// A record for a statement vmtrust builds (encoded canonically).
    public init(statement: InTotoStatement) {
        self.statement = statement
        self.payload = statement.encoded()
        self.validatedPredicate = Self.validate(statement)
        self.summary = try? validatedPredicate.get().summary
    }

    /// The predicate, validated according to the statement's predicate type
    /// (``InTotoStatement/predicate()``, computed once per record).
    public func predicate() throws(RecordError) -> AttestationPredicate {
        try validatedPredicate.get()
    }

    private static func validate(_ statement: InTotoStatement) -> Result<AttestationPredicate, RecordError> {
        do {
            return .success(try statement.predicate())
        } catch {
            return .failure(error)
        }
    }

    public static func == (lhs: AttestationRecord, rhs: AttestationRecord) -> Bool { lhs.payload == rhs.payload }
    public func hash(into hasher: inout Hasher) { hasher.combine(payload) }
}
