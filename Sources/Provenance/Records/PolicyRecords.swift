import Crypto

/// `policy-publish`: an admin publishes a version of an access policy (docs/POLICY-LANGUAGE.md). Admin-signed.
///
/// The policy document is carried as a JSON object in the payload's `document` member, in the policy's canonical
/// form (the `Policy` target's `PolicyDocument.canonicalJSON`). Provenance does not read policies: it takes the
/// document's `name` and `version` members, and leaves validation to the ledger's policy validator
/// (``ProvenanceRules/policyValidator``), which refuses a document that is not a valid policy in canonical form.
/// Per policy name the versions increase; the newest published version of a name is the one in force.
public struct PolicyPublishRecord: Sendable, Hashable {
    /// The document's canonical JSON bytes (a JSON object).
    public var document: [UInt8]
    /// The document's `name` member.
    public var name: String
    /// The document's `version` member (1 … 2^53 − 1).
    public var version: Int64
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a record from a document's canonical JSON; throws when `document` is not a JSON object with a
    /// string `name` and a positive integer `version`.
    public init(document: [UInt8], time: Int64) throws(RecordError) {
        let value: StrictJSON.Value
        do {
            value = try StrictJSON.parse(document)
        } catch {
            throw RecordError(code: .malformedJSON, field: "document", message: "\"document\": \(error.reason)")
        }
        try self.init(document: value, time: time)
    }

    private init(document value: StrictJSON.Value, time: Int64) throws(RecordError) {
        guard case .object(let members) = value else {
            throw RecordError(code: .wrongType, field: "document", message: "\"document\" is not an object")
        }
        guard case .string(let name) = members.first(where: { $0.key == "name" })?.value else {
            throw RecordError(code: .missingField, field: "document.name", message: "\"document.name\" is not a string")
        }
        guard !name.isEmpty, name.utf8.count <= 128 else {
            throw RecordError(code: .invalidValue, field: "document.name", message: "\"document.name\" must be 1-128 bytes")
        }
        guard let versionValue = members.first(where: { $0.key == "version" })?.value else {
            throw RecordError(code: .missingField, field: "document.version", message: "missing \"document.version\"")
        }
        self.document = PolicyPublishRecord.canonical(value).bytes
        self.name = name
        self.version = try FieldReader.integer(versionValue, in: 1...RecordLimits.maximumInteger, field: "document.version")
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        let value = try reader.value("document")
        try self.init(document: value, time: try reader.time("time"))
    }

    /// `sha256:<hex>` of ``document``: the policy digest decisions cite.
    public var digest: String { "sha256:" + SHA256.hash(data: document).lowercaseHex }

    var fields: [(String, CanonicalJSON?)] { [("document", .raw(document))] }

    /// The value re-encoded canonically (numbers as written): the record's canonical check then refuses a
    /// document that was not canonical in the payload.
    private static func canonical(_ value: StrictJSON.Value) -> CanonicalJSON {
        switch value {
        case .object(let members): .object(members.map { ($0.key, canonical($0.value)) })
        case .array(let elements): .array(elements.map(canonical))
        case .string(let string): .string(string)
        case .number(let literal): .decimal(literal)
        case .bool(let bool): .bool(bool)
        case .null: .null
        }
    }
}

/// `break-glass`: a signed, time-limited override letting `user` use an image (or any image of a provider),
/// optionally only in one environment, although the policy would deny it. Admin-signed.
///
/// Decisions made under it are allowed with conditions, always appended to the log, and flagged with the
/// evidence still missing until the rules allow on their own (docs/POLICY-LANGUAGE.md, "Break-glass"). The
/// validity window `[notBefore, expiresAt)` is at most ``maximumValidity``.
public struct BreakGlassRecord: Sendable, Hashable {
    /// The longest validity window: 24 hours.
    public static let maximumValidity: Int64 = 86_400_000

    /// The registered user the override is for.
    public var user: String
    /// Why (single line, at most 1024 bytes).
    public var reason: String
    /// The image digest it covers; exactly one of ``image`` and ``provider`` is present.
    public var image: String?
    /// The provider all of whose images it covers.
    public var provider: String?
    /// The environment it is limited to; `nil` for any.
    public var environment: String?
    /// The privilege it grants; `nil` for the policy's least.
    public var privilege: String?
    /// Start of validity (inclusive), ms.
    public var notBefore: Int64
    /// End of validity (exclusive), ms; at most 24 h after ``notBefore``.
    public var expiresAt: Int64
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a break-glass record.
    public init(
        user: String,
        reason: String,
        image: String? = nil,
        provider: String? = nil,
        environment: String? = nil,
        privilege: String? = nil,
        notBefore: Int64,
        expiresAt: Int64,
        time: Int64
    ) {
        self.user = user
        self.reason = reason
        self.image = image
        self.provider = provider
        self.environment = environment
        self.privilege = privilege
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        user = try reader.string("user", .identifier)
        reason = try reader.string("reason", .line(limit: RecordLimits.reason))
        image = try reader.optionalValue("image") == nil ? nil : try reader.digest("image")
        provider = try reader.optionalString("provider", .identifier)
        environment = try reader.optionalString("environment", .identifier)
        privilege = try reader.optionalString("privilege", .identifier)
        notBefore = try reader.time("notBefore")
        expiresAt = try reader.time("expiresAt")
        time = try reader.time("time")
        guard (image == nil) != (provider == nil) else {
            throw RecordError(
                code: .invalidValue,
                field: nil,
                message: "a break-glass record names exactly one of image and provider"
            )
        }
        guard expiresAt > notBefore else {
            throw RecordError(code: .invalidValue, field: "expiresAt", message: "\"expiresAt\" is not after notBefore")
        }
        guard expiresAt - notBefore <= Self.maximumValidity else {
            throw RecordError(
                code: .outOfRange,
                field: "expiresAt",
                message: "\"expiresAt\" is more than 24 hours after notBefore"
            )
        }
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("user", .string(user)),
            ("reason", .string(reason)),
            ("image", image.map(CanonicalJSON.string)),
            ("provider", provider.map(CanonicalJSON.string)),
            ("environment", environment.map(CanonicalJSON.string)),
            ("privilege", privilege.map(CanonicalJSON.string)),
            ("notBefore", .integer(notBefore)),
            ("expiresAt", .integer(expiresAt)),
        ]
    }
}

/// The newest published version of one policy name.
public struct PublishedPolicyState: Sendable, Hashable, Codable {
    /// The policy's name.
    public var name: String
    /// Its version.
    public var version: Int64
    /// The policy-publish record.
    public var record: RecordID
    /// `sha256:<hex>` of the canonical document.
    public var digest: String
    /// The record's integration time, ms.
    public var integratedAt: Int64

    /// Creates a published-policy state.
    public init(name: String, version: Int64, record: RecordID, digest: String, integratedAt: Int64) {
        self.name = name
        self.version = version
        self.record = record
        self.digest = digest
        self.integratedAt = integratedAt
    }
}

/// A logged break-glass override.
public struct BreakGlassState: Sendable, Hashable, Codable {
    /// The break-glass record.
    public var record: RecordID
    /// Who granted it: `admin:<first 16 hex of the key id>` of the first admin key that signed.
    public var grantedBy: String
    /// The user it is for.
    public var user: String
    /// Why.
    public var reason: String
    /// The image it covers, if it names one.
    public var image: String?
    /// The provider whose images it covers, if it names one.
    public var provider: String?
    /// The environment it is limited to.
    public var environment: String?
    /// The privilege it grants.
    public var privilege: String?
    /// Start of validity (inclusive), ms.
    public var notBefore: Int64
    /// End of validity (exclusive), ms.
    public var expiresAt: Int64

    /// Creates a break-glass state.
    public init(
        record: RecordID,
        grantedBy: String,
        user: String,
        reason: String,
        image: String? = nil,
        provider: String? = nil,
        environment: String? = nil,
        privilege: String? = nil,
        notBefore: Int64,
        expiresAt: Int64
    ) {
        self.record = record
        self.grantedBy = grantedBy
        self.user = user
        self.reason = reason
        self.image = image
        self.provider = provider
        self.environment = environment
        self.privilege = privilege
        self.notBefore = notBefore
        self.expiresAt = expiresAt
    }
}
