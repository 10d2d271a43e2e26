import TransparencyLog

// Reputation evidence records (REPUTATION.md, issue 5): vulnerabilities, incidents, user feedback and its
// triage, certifiers and compliance certifications, and the reputation parameters. Decoding, encoding and
// field validation; their admission rules are in EvidencePolicies.swift.

/// A vulnerability or incident severity (CVSS v3/v4 qualitative bands).
public enum EvidenceSeverity: String, Sendable, Hashable, CaseIterable, Codable {
    /// CVSS 9.0–10.0.
    case critical
    /// CVSS 7.0–8.9.
    case high
    /// CVSS 4.0–6.9.
    case medium
    /// CVSS 0.1–3.9.
    case low

    /// The band of a CVSS base score given in tenths (1…100); `nil` outside.
    public init?(cvssTenths: Int64) {
        switch cvssTenths {
        case 90...100: self = .critical
        case 70..<90: self = .high
        case 40..<70: self = .medium
        case 1..<40: self = .low
        default: return nil
        }
    }
}

/// A compliance certification type.
public enum ComplianceType: String, Sendable, Hashable, CaseIterable, Codable {
    /// SOC 2 Type II.
    case soc2Type2 = "soc2-type2"
    /// ISO/IEC 27001.
    case iso27001 = "iso27001"
    /// PCI DSS.
    case pciDSS = "pci-dss"
    /// FedRAMP High.
    case fedRAMPHigh = "fedramp-high"
    /// FedRAMP Moderate.
    case fedRAMPModerate = "fedramp-moderate"
    /// FedRAMP Low.
    case fedRAMPLow = "fedramp-low"
    /// CIS-hardened image.
    case cisHardened = "cis-hardened"
}

/// What kind of incident a report states (reputation: a confirmed compromise or a flaw the provider introduced).
public enum IncidentCategory: String, Sendable, Hashable, CaseIterable, Codable {
    /// The provider's systems or keys were compromised.
    case compromise
    /// An image was tampered with.
    case tampering
    /// Secrets shipped in an image.
    case secrets
    /// Default credentials shipped in an image.
    case defaultCredentials = "default-credentials"
    /// Malware shipped in an image.
    case malware

    /// Whether the category is a compromise or tampering (else a flaw introduced by the provider).
    public var isCompromise: Bool { self == .compromise || self == .tampering }
}

/// A triage verdict.
public enum TriageDecision: String, Sendable, Hashable, CaseIterable, Codable {
    /// The report is confirmed.
    case confirm
    /// The report is rejected.
    case reject
}

/// Limits of evidence record fields.
enum EvidenceLimits {
    /// Vulnerability and incident identifiers (e.g. `CVE-2026-12345`), bytes.
    static let identifier = 128
    /// Affected images per report.
    static let affected = 64
    /// Records retiring affected versions per resolution.
    static let retired = 64
    /// Certificates per chain or trust anchor list.
    static let certificates = 8
    /// Bytes of one DER certificate.
    static let certificateBytes = 16_384
    /// Members of a parameter set.
    static let parameters = 256
    /// Bytes of a parameter name.
    static let parameterName = 64
}

extension FieldReader {
    /// A list of image digests.
    mutating func digests(_ key: String, limit: Int, required: Bool = true) throws(RecordError) -> [String]? {
        let list = try array(key, limit: limit, required: required) { value, path throws(RecordError) -> String in
            guard case .string(let string) = value else {
                throw RecordError(code: .wrongType, field: path, message: "\"\(path)\" is not a string")
            }
            guard ImageDigest.isValid(string) else {
                throw RecordError(code: .invalidValue, field: path, message: "\"\(path)\" is not an image digest sha256:<64 hex>")
            }
            return string
        }
        if let list { try RecordValidation.distinct(list, field: fieldPath(key)) }
        return list
    }

    /// A list of record ids.
    mutating func recordIDs(_ key: String, limit: Int) throws(RecordError) -> [RecordID] {
        let list: [RecordID] =
            try array(key, limit: limit) { value, path throws(RecordError) -> RecordID in
                guard case .string(let string) = value else {
                    throw RecordError(code: .wrongType, field: path, message: "\"\(path)\" is not a string")
                }
                guard let id = RecordID(string) else {
                    throw RecordError(code: .invalidValue, field: path, message: "\"\(path)\" is not a record id sha256:<64 hex>")
                }
                return id
            } ?? []
        try RecordValidation.distinct(list, field: fieldPath(key))
        return list
    }

    /// A list of DER certificates, each standard padded base64.
    mutating func certificates(_ key: String, required: Bool, allowEmpty: Bool) throws(RecordError) -> [[UInt8]]? {
        let list = try array(key, limit: EvidenceLimits.certificates, required: required, allowEmpty: allowEmpty) {
            value,
            path throws(RecordError) -> [UInt8] in
            guard case .string(let string) = value else {
                throw RecordError(code: .wrongType, field: path, message: "\"\(path)\" is not a string")
            }
            guard let der = Base64.decode(string), Base64.encode(der) == string, !der.isEmpty,
                der.count <= EvidenceLimits.certificateBytes, der[0] == 0x30
            else {
                throw RecordError(
                    code: .invalidValue,
                    field: path,
                    message: "\"\(path)\" is not standard padded base64 of a DER certificate (at most 16 KiB)"
                )
            }
            return der
        }
        if let list { try RecordValidation.distinct(list, field: fieldPath(key)) }
        return list
    }
}

/// `vulnerability-report`: a vulnerability affecting some of a provider's images. Signed by an auditor, a
/// registered user, or the provider. The SLA clock runs from the report's integration time.
public struct VulnerabilityReportRecord: Sendable, Hashable {
    /// The provider whose images are affected.
    public var provider: String
    /// The vulnerability id (CVE or other), a line ≤ 128 bytes.
    public var vulnerability: String
    /// The severity; optional when `cvssTenths` is given (then it must match its band).
    public var severity: EvidenceSeverity?
    /// The CVSS base score in tenths (1…100, e.g. 75 for 7.5).
    public var cvssTenths: Int64?
    /// The EPSS probability in millionths (0…1,000,000).
    public var epssMillionths: Int64?
    /// Whether the vulnerability is known to be exploited.
    public var knownExploited: Bool
    /// The affected image digests (1–64, distinct).
    public var affected: [String]
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a report.
    public init(
        provider: String,
        vulnerability: String,
        severity: EvidenceSeverity? = nil,
        cvssTenths: Int64? = nil,
        epssMillionths: Int64? = nil,
        knownExploited: Bool,
        affected: [String],
        time: Int64
    ) {
        self.provider = provider
        self.vulnerability = vulnerability
        self.severity = severity
        self.cvssTenths = cvssTenths
        self.epssMillionths = epssMillionths
        self.knownExploited = knownExploited
        self.affected = affected
        self.time = time
    }

    /// The severity given, or the band of the CVSS score.
    public var effectiveSeverity: EvidenceSeverity {
        severity ?? cvssTenths.flatMap { EvidenceSeverity(cvssTenths: $0) } ?? .low
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        vulnerability = try reader.string("vulnerability", .line(limit: EvidenceLimits.identifier))
        severity = try reader.optionalValue("severity") == nil ? nil : try reader.enumeration("severity", EvidenceSeverity.self)
        cvssTenths = try reader.optionalInteger("cvssTenths", in: 1...100)
        epssMillionths = try reader.optionalInteger("epssMillionths", in: 0...1_000_000)
        knownExploited = try reader.bool("knownExploited")
        affected = try reader.digests("affected", limit: EvidenceLimits.affected) ?? []
        time = try reader.time("time")
        switch (severity, cvssTenths) {
        case (nil, nil):
            throw RecordError(code: .missingField, field: "severity", message: "missing \"severity\" (or \"cvssTenths\")")
        case (let severity?, let cvss?) where EvidenceSeverity(cvssTenths: cvss) != severity:
            throw RecordError(code: .invalidValue, field: "severity", message: "\"severity\" is not the band of \"cvssTenths\"")
        default:
            break
        }
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("affected", .array(affected.map { .string($0) })),
            ("cvssTenths", cvssTenths.map { .integer($0) }),
            ("epssMillionths", epssMillionths.map { .integer($0) }),
            ("knownExploited", .bool(knownExploited)),
            ("provider", .string(provider)),
            ("severity", severity.map { .string($0.rawValue) }),
            ("vulnerability", .string(vulnerability)),
        ]
    }
}

/// `vulnerability-resolution`: the fixed image and the records (image-revoke or image-deprecate) retiring the
/// affected versions. Signed by the provider.
public struct VulnerabilityResolutionRecord: Sendable, Hashable {
    /// The provider.
    public var provider: String
    /// The vulnerability-report record resolved.
    public var report: RecordID
    /// The fixed image digest.
    public var fixed: String
    /// The image-revoke or image-deprecate records retiring the affected versions (1–64, distinct).
    public var retired: [RecordID]
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a resolution.
    public init(provider: String, report: RecordID, fixed: String, retired: [RecordID], time: Int64) {
        self.provider = provider
        self.report = report
        self.fixed = fixed
        self.retired = retired
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        report = try reader.recordID("report")
        fixed = try reader.digest("fixed")
        retired = try reader.recordIDs("retired", limit: EvidenceLimits.retired)
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("fixed", .string(fixed)),
            ("provider", .string(provider)),
            ("report", .string(report.description)),
            ("retired", .array(retired.map { .string($0.description) })),
        ]
    }
}

/// `incident-report`: an incident at a provider (same SLA clock as vulnerabilities, by severity). Signed by an
/// auditor, a registered user, or the provider.
public struct IncidentReportRecord: Sendable, Hashable {
    /// The provider.
    public var provider: String
    /// The incident id, a line ≤ 128 bytes.
    public var incident: String
    /// The severity.
    public var severity: EvidenceSeverity
    /// What happened, text ≤ 4096 bytes.
    public var summary: String
    /// The affected image digests, if known (1–64, distinct).
    public var affected: [String]?
    /// What kind of incident it is, if stated (compromise, tampering, or a flaw: secrets, default credentials,
    /// malware).
    public var category: IncidentCategory?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates an incident report.
    public init(
        provider: String,
        incident: String,
        severity: EvidenceSeverity,
        summary: String,
        affected: [String]? = nil,
        category: IncidentCategory? = nil,
        time: Int64
    ) {
        self.provider = provider
        self.incident = incident
        self.severity = severity
        self.summary = summary
        self.affected = affected
        self.category = category
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        incident = try reader.string("incident", .line(limit: EvidenceLimits.identifier))
        severity = try reader.enumeration("severity", EvidenceSeverity.self)
        summary = try reader.string("summary", .text(limit: RecordLimits.description))
        affected = try reader.digests("affected", limit: EvidenceLimits.affected, required: false)
        category =
            try reader.optionalValue("category") == nil ? nil : try reader.enumeration("category", IncidentCategory.self)
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("affected", affected.map { .array($0.map { .string($0) }) }),
            ("category", category.map { .string($0.rawValue) }),
            ("incident", .string(incident)),
            ("provider", .string(provider)),
            ("severity", .string(severity.rawValue)),
            ("summary", .string(summary)),
        ]
    }
}

/// `incident-response`: the provider's response closing an incident report. Signed by the provider.
public struct IncidentResponseRecord: Sendable, Hashable {
    /// The provider.
    public var provider: String
    /// The incident-report record answered.
    public var report: RecordID
    /// The response, text ≤ 4096 bytes.
    public var response: String
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a response.
    public init(provider: String, report: RecordID, response: String, time: Int64) {
        self.provider = provider
        self.report = report
        self.response = response
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        report = try reader.recordID("report")
        response = try reader.string("response", .text(limit: RecordLimits.description))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("provider", .string(provider)),
            ("report", .string(report.description)),
            ("response", .string(response)),
        ]
    }
}

/// What a user says in a feedback record: exactly one of stars, a rating or an issue.
public enum FeedbackBody: Sendable, Hashable {
    /// 1–5 stars (v = (stars − 3)/2).
    case stars(Int64)
    /// A rating v in hundredths, −100…100.
    case rating(Int64)
    /// An issue report, text ≤ 4096 bytes.
    case issue(String)
}

/// `user-feedback`: a rating or an issue report about a provider by a registered user. Signed by the user.
/// Accepted only with proof of use (checked by the rules, not here).
public struct UserFeedbackRecord: Sendable, Hashable {
    /// The user.
    public var user: String
    /// The provider.
    public var provider: String
    /// The feedback.
    public var body: FeedbackBody
    /// The image the user used, if named.
    public var image: String?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a feedback record.
    public init(user: String, provider: String, body: FeedbackBody, image: String? = nil, time: Int64) {
        self.user = user
        self.provider = provider
        self.body = body
        self.image = image
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        user = try reader.string("user", .identifier)
        provider = try reader.string("provider", .identifier)
        let stars = try reader.optionalInteger("stars", in: 1...5)
        let rating = try reader.optionalInteger("rating", in: -100...100)
        let issue = try reader.optionalString("issue", .text(limit: RecordLimits.description))
        switch (stars, rating, issue) {
        case (let stars?, nil, nil): body = .stars(stars)
        case (nil, let rating?, nil): body = .rating(rating)
        case (nil, nil, let issue?): body = .issue(issue)
        case (nil, nil, nil):
            throw RecordError(code: .missingField, field: "stars", message: "missing \"stars\", \"rating\" or \"issue\"")
        default:
            throw RecordError(code: .invalidValue, field: "issue", message: "only one of \"stars\", \"rating\" and \"issue\"")
        }
        image = try reader.optionalValue("image") == nil ? nil : try reader.digest("image")
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        let said: (String, CanonicalJSON)
        switch body {
        case .issue(let text): said = ("issue", .string(text))
        case .rating(let value): said = ("rating", .integer(value))
        case .stars(let value): said = ("stars", .integer(value))
        }
        return [("image", image.map { .string($0) }), said, ("provider", .string(provider)), ("user", .string(user))]
    }
}

/// `feedback-triage`: confirms or rejects an issue report (or feedback held in a burst). Signed by admins or an
/// auditor.
public struct FeedbackTriageRecord: Sendable, Hashable {
    /// The user-feedback record triaged.
    public var target: RecordID
    /// The verdict.
    public var verdict: TriageDecision
    /// Why, a line ≤ 1024 bytes.
    public var reason: String?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a triage record.
    public init(target: RecordID, verdict: TriageDecision, reason: String? = nil, time: Int64) {
        self.target = target
        self.verdict = verdict
        self.reason = reason
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        target = try reader.recordID("target")
        verdict = try reader.enumeration("verdict", TriageDecision.self)
        reason = try reader.optionalString("reason", .line(limit: RecordLimits.reason))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("reason", reason.map { .string($0) }),
            ("target", .string(target.description)),
            ("verdict", .string(verdict.rawValue)),
        ]
    }
}

/// `certifier-onboard`: a trusted source of compliance certifications, with the keys that sign its statements
/// and the X.509 trust anchors that its certificate chains lead to (at least one of either), and the types it
/// may certify. Admin-signed.
public struct CertifierOnboardRecord: Sendable, Hashable {
    /// The certifier id (identifier syntax).
    public var id: String
    /// A human readable name.
    public var displayName: String
    /// Keys that sign the certifier's statements (0–16, distinct).
    public var keys: [PublicKey]
    /// DER trust-anchor certificates (0–8, distinct).
    public var trustAnchors: [[UInt8]]
    /// The types it may certify (1–7, distinct).
    public var types: [ComplianceType]
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a certifier onboarding.
    public init(
        id: String,
        displayName: String,
        keys: [PublicKey],
        trustAnchors: [[UInt8]],
        types: [ComplianceType],
        time: Int64
    ) {
        self.id = id
        self.displayName = displayName
        self.keys = keys
        self.trustAnchors = trustAnchors
        self.types = types
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        id = try reader.string("id", .identifier)
        displayName = try reader.string("displayName", .line(limit: RecordLimits.name))
        keys =
            try reader.array("keys", limit: RecordLimits.keys, allowEmpty: true) { value, path throws(RecordError) in
                try FieldReader.publicKey(value, field: path)
            } ?? []
        try RecordValidation.distinct(keys, field: "keys")
        trustAnchors = try reader.certificates("trustAnchors", required: true, allowEmpty: true) ?? []
        guard !keys.isEmpty || !trustAnchors.isEmpty else {
            throw RecordError(code: .invalidValue, field: "keys", message: "\"keys\" and \"trustAnchors\" are both empty")
        }
        types =
            try reader.array("types", limit: ComplianceType.allCases.count) { value, path throws(RecordError) -> ComplianceType in
                guard case .string(let string) = value else {
                    throw RecordError(code: .wrongType, field: path, message: "\"\(path)\" is not a string")
                }
                guard let type = ComplianceType(rawValue: string) else {
                    let allowed = ComplianceType.allCases.map(\.rawValue).joined(separator: ", ")
                    throw RecordError(code: .invalidValue, field: path, message: "\"\(path)\" must be one of \(allowed)")
                }
                return type
            } ?? []
        try RecordValidation.distinct(types, field: "types")
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("displayName", .string(displayName)),
            ("id", .string(id)),
            ("keys", .array(keys.map { .string(Base64.encode($0.spkiDER)) })),
            ("trustAnchors", .array(trustAnchors.map { .string(Base64.encode($0)) })),
            ("types", .array(types.map { .string($0.rawValue) })),
        ]
    }
}

/// `compliance-certification`: a certification of a provider by an onboarded certifier, valid in
/// `[validFrom, validUntil)`. Either with an X.509 `chain` (leaf first) to be validated against the certifier's
/// trust anchors (signed by the provider), or without, as a statement signed by a certifier key. A claim that
/// fails validation is recorded as such by the rules and counts against the provider.
public struct ComplianceCertificationRecord: Sendable, Hashable {
    /// The provider certified.
    public var provider: String
    /// The certifier.
    public var certifier: String
    /// The certification type.
    public var type: ComplianceType
    /// Start of validity, ms (inclusive).
    public var validFrom: Int64
    /// End of validity, ms (exclusive), after `validFrom`.
    public var validUntil: Int64
    /// DER certificates, leaf first (1–8, distinct); `nil` for a statement signed by the certifier.
    public var chain: [[UInt8]]?
    /// The certificate or report number, a line ≤ 256 bytes.
    public var reference: String?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a certification.
    public init(
        provider: String,
        certifier: String,
        type: ComplianceType,
        validFrom: Int64,
        validUntil: Int64,
        chain: [[UInt8]]? = nil,
        reference: String? = nil,
        time: Int64
    ) {
        self.provider = provider
        self.certifier = certifier
        self.type = type
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.chain = chain
        self.reference = reference
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        certifier = try reader.string("certifier", .identifier)
        type = try reader.enumeration("type", ComplianceType.self)
        validFrom = try reader.time("validFrom")
        validUntil = try reader.time("validUntil")
        guard validUntil > validFrom else {
            throw RecordError(code: .invalidValue, field: "validUntil", message: "\"validUntil\" is not after validFrom")
        }
        chain = try reader.certificates("chain", required: false, allowEmpty: false)
        reference = try reader.optionalString("reference", .line(limit: RecordLimits.name))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("certifier", .string(certifier)),
            ("chain", chain.map { .array($0.map { .string(Base64.encode($0)) }) }),
            ("provider", .string(provider)),
            ("reference", reference.map { .string($0) }),
            ("type", .string(type.rawValue)),
            ("validFrom", .integer(validFrom)),
            ("validUntil", .integer(validUntil)),
        ]
    }
}

/// `certification-revocation`: a certifier withdraws a certification. Signed by the certifier (or admins).
public struct CertificationRevocationRecord: Sendable, Hashable {
    /// The provider.
    public var provider: String
    /// The certifier.
    public var certifier: String
    /// The compliance-certification record revoked.
    public var certification: RecordID
    /// Why, a line ≤ 1024 bytes.
    public var reason: String
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a revocation.
    public init(provider: String, certifier: String, certification: RecordID, reason: String, time: Int64) {
        self.provider = provider
        self.certifier = certifier
        self.certification = certification
        self.reason = reason
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        certifier = try reader.string("certifier", .identifier)
        certification = try reader.recordID("certification")
        reason = try reader.string("reason", .line(limit: RecordLimits.reason))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("certification", .string(certification.description)),
            ("certifier", .string(certifier)),
            ("provider", .string(provider)),
            ("reason", .string(reason)),
        ]
    }
}

/// `reputation-parameters`: publishes a version of the reputation parameter set, in force from the record's
/// integration time. Admin-signed.
///
/// `parameters` is an object of 1–256 members: each name is 1–64 characters of `a-z A-Z 0-9 .`, starting with
/// a lowercase letter (e.g. `halfLives.security`), each value an integer: the parameter × 1000 (so 180 days
/// is 180000, ω = 0.40 is 400). The reputation engine maps names to its parameters and refuses unknown ones.
public struct ReputationParametersRecord: Sendable, Hashable {
    /// The version, greater than every earlier one.
    public var version: Int64
    /// The parameters (name, value × 1000), sorted by name.
    public var parameters: [ParameterValue]
    /// The signer's time claim, ms.
    public var time: Int64

    /// One named parameter.
    public struct ParameterValue: Sendable, Hashable {
        /// The name.
        public var name: String
        /// The value × 1000.
        public var thousandths: Int64

        /// Creates a value.
        public init(name: String, thousandths: Int64) {
            self.name = name
            self.thousandths = thousandths
        }
    }

    /// Creates a parameters record; `parameters` are sorted by name.
    public init(version: Int64, parameters: [ParameterValue], time: Int64) {
        self.version = version
        self.parameters = parameters.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        self.time = time
    }

    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
            bytes.count <= EvidenceLimits.parameterName
        else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
        }
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        version = try reader.integer("version", in: 1...RecordLimits.maximumInteger)
        guard case .object(let members) = try reader.value("parameters") else {
            throw RecordError(code: .wrongType, field: "parameters", message: "\"parameters\" is not an object")
        }
        guard !members.isEmpty else {
            throw RecordError(code: .invalidValue, field: "parameters", message: "\"parameters\" is empty")
        }
        guard members.count <= EvidenceLimits.parameters else {
            throw RecordError(
                code: .outOfRange,
                field: "parameters",
                message: "\"parameters\" has more than \(EvidenceLimits.parameters) members"
            )
        }
        var values: [ParameterValue] = []
        for member in members {
            let field = "parameters.\(member.key)"
            guard Self.isValidName(member.key) else {
                throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not a parameter name")
            }
            let value = try FieldReader.integer(member.value, in: 0...RecordLimits.maximumInteger, field: field)
            values.append(ParameterValue(name: member.key, thousandths: value))
        }
        parameters = values
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("parameters", .object(parameters.map { ($0.name, .integer($0.thousandths)) })),
            ("version", .integer(version)),
        ]
    }
}
