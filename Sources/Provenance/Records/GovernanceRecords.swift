import TransparencyLog

/// A key granted to a provider, with an optional validity window `[validFrom, validUntil)` in milliseconds
/// since the Unix epoch. An absent `validFrom` means "from the integration time of the record that grants it".
///
/// JSON: `{"key": "<base64 SPKI DER>", "validFrom": <ms>, "validUntil": <ms>}`.
public struct KeyGrant: Sendable, Hashable {
    /// The public key.
    public var key: PublicKey
    /// Start of validity (inclusive), ms; `nil` = the granting record's integration time.
    public var validFrom: Int64?
    /// End of validity (exclusive), ms; `nil` = no expiry.
    public var validUntil: Int64?

    /// Creates a grant.
    public init(key: PublicKey, validFrom: Int64? = nil, validUntil: Int64? = nil) {
        self.key = key
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    init(_ value: StrictJSON.Value, path: String) throws(RecordError) {
        var reader = try FieldReader(value, path: path)
        key = try reader.publicKey("key")
        validFrom = try reader.optionalTime("validFrom")
        validUntil = try reader.optionalTime("validUntil")
        try reader.finish()
        if let validFrom, let validUntil, validUntil <= validFrom {
            throw RecordError(
                code: .invalidValue,
                field: reader.fieldPath("validUntil"),
                message: "\"\(reader.fieldPath("validUntil"))\" is not after validFrom"
            )
        }
    }

    var json: CanonicalJSON {
        .object([
            ("key", .string(Base64.encode(key.spkiDER))),
            ("validFrom", validFrom.map { .integer($0) }),
            ("validUntil", validUntil.map { .integer($0) }),
        ])
    }
}

/// `genesis`: the admin keys, how many of them must sign governance records, and the log origin.
/// Signed by at least `threshold` of `adminKeys`.
public struct GenesisRecord: Sendable, Hashable {
    /// The admin keys (1–16, distinct).
    public var adminKeys: [PublicKey]
    /// How many distinct admin keys must sign a governance record (1...adminKeys.count).
    public var threshold: Int
    /// The log origin (c2sp.org/tlog-checkpoint), e.g. `vmtrust.local/log`.
    public var origin: String
    /// The signer's time claim, ms since the Unix epoch.
    public var time: Int64

    /// Creates a genesis record.
    public init(adminKeys: [PublicKey], threshold: Int, origin: String, time: Int64) {
        self.adminKeys = adminKeys
        self.threshold = threshold
        self.origin = origin
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        adminKeys =
            try reader.array("adminKeys", limit: RecordLimits.keys) { value, path throws(RecordError) in
                try FieldReader.publicKey(value, field: path)
            } ?? []
        try RecordValidation.distinct(adminKeys, field: "adminKeys")
        threshold = Int(try reader.integer("threshold", in: 1...Int64(RecordLimits.keys)))
        guard threshold <= adminKeys.count else {
            throw RecordError(code: .outOfRange, field: "threshold", message: "\"threshold\" exceeds the number of admin keys")
        }
        origin = try reader.string("origin", .line(limit: RecordLimits.name))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("adminKeys", .array(adminKeys.map { .string(Base64.encode($0.spkiDER)) })),
            ("threshold", .integer(Int64(threshold))),
            ("origin", .string(origin)),
        ]
    }
}

/// `provider-onboard`: a new provider. Admin-signed.
public struct ProviderOnboardRecord: Sendable, Hashable {
    /// The provider id (identifier syntax).
    public var id: String
    /// A human readable name.
    public var displayName: String
    /// The provider's keys (1–16, distinct).
    public var keys: [KeyGrant]
    /// The reputation score assigned at onboarding, 0–100.
    public var initialReputation: Int
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates an onboarding record.
    public init(id: String, displayName: String, keys: [KeyGrant], initialReputation: Int, time: Int64) {
        self.id = id
        self.displayName = displayName
        self.keys = keys
        self.initialReputation = initialReputation
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
        initialReputation = Int(try reader.integer("initialReputation", in: 0...100))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("id", .string(id)),
            ("displayName", .string(displayName)),
            ("keys", .array(keys.map(\.json))),
            ("initialReputation", .integer(Int64(initialReputation))),
        ]
    }
}

/// `provider-update`: changes to a provider; at least one of the optional fields. Admin-signed.
public struct ProviderUpdateRecord: Sendable, Hashable {
    /// The provider id.
    public var id: String
    /// A new display name.
    public var displayName: String?
    /// Keys to add (distinct, at most 16).
    public var addKeys: [KeyGrant]?
    /// Key ids to retire: their validity ends at this record's integration time (past signatures stay valid).
    public var retireKeys: [String]?
    /// `true` suspends the provider, `false` reinstates it.
    public var suspended: Bool?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates an update record.
    public init(
        id: String,
        displayName: String? = nil,
        addKeys: [KeyGrant]? = nil,
        retireKeys: [String]? = nil,
        suspended: Bool? = nil,
        time: Int64
    ) {
        self.id = id
        self.displayName = displayName
        self.addKeys = addKeys
        self.retireKeys = retireKeys
        self.suspended = suspended
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        id = try reader.string("id", .identifier)
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
        suspended = try reader.optionalBool("suspended")
        time = try reader.time("time")
        guard displayName != nil || addKeys != nil || retireKeys != nil || suspended != nil else {
            throw RecordError(
                code: .invalidValue,
                field: nil,
                message: "a provider update needs displayName, addKeys, retireKeys or suspended"
            )
        }
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("id", .string(id)),
            ("displayName", displayName.map { .string($0) }),
            ("addKeys", addKeys.map { .array($0.map(\.json)) }),
            ("retireKeys", retireKeys.map { .array($0.map { .string($0) }) }),
            ("suspended", suspended.map { .bool($0) }),
        ]
    }
}

/// `key-rotation`: the provider's key `oldKeyID` is replaced by `newKey` from `effectiveAt`.
/// Signed by admins (threshold), or by the old key (valid at integration) together with the new key.
public struct KeyRotationRecord: Sendable, Hashable {
    /// The provider id.
    public var provider: String
    /// The key id (hex SHA-256 of the SPKI) of the key being replaced.
    public var oldKeyID: String
    /// The replacement key.
    public var newKey: PublicKey
    /// When the new key takes over, ms; not before the time claim. The old key stays valid until then.
    public var effectiveAt: Int64
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a rotation record.
    public init(provider: String, oldKeyID: String, newKey: PublicKey, effectiveAt: Int64, time: Int64) {
        self.provider = provider
        self.oldKeyID = oldKeyID
        self.newKey = newKey
        self.effectiveAt = effectiveAt
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        oldKeyID = try reader.keyID("oldKeyId")
        newKey = try reader.publicKey("newKey")
        effectiveAt = try reader.time("effectiveAt")
        time = try reader.time("time")
        guard newKey.keyID != oldKeyID else {
            throw RecordError(code: .invalidValue, field: "newKey", message: "\"newKey\" is the old key")
        }
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("provider", .string(provider)),
            ("oldKeyId", .string(oldKeyID)),
            ("newKey", .string(Base64.encode(newKey.spkiDER))),
            ("effectiveAt", .integer(effectiveAt)),
        ]
    }
}

/// `key-revocation`: the provider's key `keyID` is revoked from `effectiveAt`, which may lie in the past
/// (a compromise): signatures integrated before it stay valid, later ones are invalid. Admin-signed.
public struct KeyRevocationRecord: Sendable, Hashable {
    /// The provider id.
    public var provider: String
    /// The key id of the revoked key.
    public var keyID: String
    /// The revocation's effective time, ms; may be earlier than the time claim.
    public var effectiveAt: Int64
    /// Why (single line, at most 1024 bytes).
    public var reason: String
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a key revocation record.
    public init(provider: String, keyID: String, effectiveAt: Int64, reason: String, time: Int64) {
        self.provider = provider
        self.keyID = keyID
        self.effectiveAt = effectiveAt
        self.reason = reason
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        keyID = try reader.keyID("keyId")
        effectiveAt = try reader.time("effectiveAt")
        reason = try reader.string("reason", .line(limit: RecordLimits.reason))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("provider", .string(provider)),
            ("keyId", .string(keyID)),
            ("effectiveAt", .integer(effectiveAt)),
            ("reason", .string(reason)),
        ]
    }
}

/// `user-register`: a user id and key (for feedback and decisions). Admin-signed.
public struct UserRegisterRecord: Sendable, Hashable {
    /// The user id (identifier syntax).
    public var id: String
    /// The user's key.
    public var key: PublicKey
    /// Whether the admins verified the user's identity (reputation: prior credibility 0.5 instead of 0.1);
    /// absent = unverified.
    public var verified: Bool?
    /// The user's organisation (identifier syntax), a cluster for feedback damping; absent = a cluster of one.
    public var organization: String?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a user registration.
    public init(id: String, key: PublicKey, verified: Bool? = nil, organization: String? = nil, time: Int64) {
        self.id = id
        self.key = key
        self.verified = verified
        self.organization = organization
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        id = try reader.string("id", .identifier)
        key = try reader.publicKey("key")
        verified = try reader.optionalBool("verified")
        organization = try reader.optionalString("organization", .identifier)
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("id", .string(id)), ("key", .string(Base64.encode(key.spkiDER))),
            ("organization", organization.map { .string($0) }), ("verified", verified.map { .bool($0) }),
        ]
    }
}

enum RecordValidation {
    static func distinct<T: Hashable>(_ values: [T], field: String) throws(RecordError) {
        var seen: Set<T> = []
        for (index, value) in values.enumerated() where !seen.insert(value).inserted {
            throw RecordError(
                code: .invalidValue,
                field: "\(field)[\(index)]",
                message: "\"\(field)[\(index)]\" repeats an earlier element"
            )
        }
    }
}
