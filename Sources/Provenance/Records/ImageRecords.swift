/// Disk image formats.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// Raw disk image.
    case raw
    /// QEMU copy-on-write v2.
    case qcow2
    /// VMware virtual disk.
    case vmdk
    /// Virtual PC / Hyper-V VHD.
    case vhd
    /// Hyper-V VHDX.
    case vhdx
    /// ISO 9660 image.
    case iso
    /// Open Virtualization Appliance.
    case ova
}

/// The kinds of change an image modification makes.
public enum ChangeKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// A patch (security or bug fix).
    case patch
    /// A feature or version update.
    case update
    /// A rebuild from the same inputs.
    case rebuild
    /// A configuration change.
    case config
}

/// `image-register`: the root of a lineage. Signed by the provider.
public struct ImageRegisterRecord: Sendable, Hashable {
    /// The image's digest, `sha256:<64 lowercase hex>`.
    public var digest: String
    /// The provider id.
    public var provider: String
    /// The image name (single line, at most 256 bytes).
    public var name: String
    /// The image format.
    public var format: ImageFormat
    /// The image size in bytes (1 ... 2^53 − 1).
    public var size: Int64
    /// The provider's reputation score as onboarded (0–100); the server checks it.
    public var initialReputation: Int
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates an image registration.
    public init(
        digest: String,
        provider: String,
        name: String,
        format: ImageFormat,
        size: Int64,
        initialReputation: Int,
        time: Int64
    ) {
        self.digest = digest
        self.provider = provider
        self.name = name
        self.format = format
        self.size = size
        self.initialReputation = initialReputation
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        digest = try reader.digest("digest")
        provider = try reader.string("provider", .identifier)
        name = try reader.string("name", .line(limit: RecordLimits.name))
        format = try reader.enumeration("format", ImageFormat.self)
        size = try reader.integer("size", in: 1...RecordLimits.maximumInteger)
        initialReputation = Int(try reader.integer("initialReputation", in: 0...100))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("digest", .string(digest)),
            ("provider", .string(provider)),
            ("name", .string(name)),
            ("format", .string(format.rawValue)),
            ("size", .integer(size)),
            ("initialReputation", .integer(Int64(initialReputation))),
        ]
    }
}

/// How an image version was built.
///
/// JSON: `{"builder": "<text>", "inputs": ["<text>", …]}` (inputs: 0–64 strings, e.g. digests or URLs).
public struct BuildDetails: Sendable, Hashable {
    /// The builder (tool, pipeline or URL), single line, at most 1024 bytes.
    public var builder: String
    /// The build inputs, single lines of at most 1024 bytes each.
    public var inputs: [String]

    /// Creates build details.
    public init(builder: String, inputs: [String]) {
        self.builder = builder
        self.inputs = inputs
    }

    init(_ value: StrictJSON.Value, path: String) throws(RecordError) {
        var reader = try FieldReader(value, path: path)
        builder = try reader.string("builder", .line(limit: RecordLimits.buildString))
        inputs =
            try reader.array("inputs", limit: RecordLimits.buildInputs, allowEmpty: true) { value, path throws(RecordError) in
                try FieldReader.text(value, .line(limit: RecordLimits.buildString), field: path)
            } ?? []
        try reader.finish()
    }

    var json: CanonicalJSON {
        .object([("builder", .string(builder)), ("inputs", .array(inputs.map { .string($0) }))])
    }
}

/// `image-modify`: a new image version linked to the record it changes. Signed by the lineage's provider.
public struct ImageModifyRecord: Sendable, Hashable {
    /// The new image's digest.
    public var digest: String
    /// The provider id (must own `previous`).
    public var provider: String
    /// The record id of the image record this one changes.
    public var previous: RecordID
    /// The kind of change.
    public var change: ChangeKind
    /// What changed (may span lines; at most 4096 bytes).
    public var description: String
    /// How the new image was built.
    public var build: BuildDetails?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates an image modification.
    public init(
        digest: String,
        provider: String,
        previous: RecordID,
        change: ChangeKind,
        description: String,
        build: BuildDetails? = nil,
        time: Int64
    ) {
        self.digest = digest
        self.provider = provider
        self.previous = previous
        self.change = change
        self.description = description
        self.build = build
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        digest = try reader.digest("digest")
        provider = try reader.string("provider", .identifier)
        previous = try reader.recordID("previous")
        change = try reader.enumeration("change", ChangeKind.self)
        description = try reader.string("description", .text(limit: RecordLimits.description))
        if let value = try reader.optionalValue("build") {
            build = try BuildDetails(value, path: "build")
        }
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("digest", .string(digest)),
            ("provider", .string(provider)),
            ("previous", .string(previous.description)),
            ("change", .string(change.rawValue)),
            ("description", .string(description)),
            ("build", build?.json),
        ]
    }
}

/// `image-revoke`: revokes an image record; with `inherit` every descendant is revoked too; with
/// `effectiveAt` the revocation is scheduled. Signed by the lineage's provider.
public struct ImageRevokeRecord: Sendable, Hashable {
    /// The provider id (must own `target`).
    public var provider: String
    /// The record id of the revoked image record.
    public var target: RecordID
    /// Why (single line, at most 1024 bytes).
    public var reason: String
    /// Whether every descendant of `target` is revoked as well.
    public var inherit: Bool
    /// When the revocation takes effect, ms (not before the time claim); `nil` = at integration.
    public var effectiveAt: Int64?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a revocation.
    public init(provider: String, target: RecordID, reason: String, inherit: Bool, effectiveAt: Int64? = nil, time: Int64) {
        self.provider = provider
        self.target = target
        self.reason = reason
        self.inherit = inherit
        self.effectiveAt = effectiveAt
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        target = try reader.recordID("target")
        reason = try reader.string("reason", .line(limit: RecordLimits.reason))
        inherit = try reader.bool("inherit")
        effectiveAt = try reader.optionalTime("effectiveAt")
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("provider", .string(provider)),
            ("target", .string(target.description)),
            ("reason", .string(reason)),
            ("inherit", .bool(inherit)),
            ("effectiveAt", effectiveAt.map { .integer($0) }),
        ]
    }
}

/// `image-restore`: lifts the direct revocation (in effect or scheduled) of an image record.
/// Signed by the lineage's provider.
public struct ImageRestoreRecord: Sendable, Hashable {
    /// The provider id (must own `target`).
    public var provider: String
    /// The record id of the restored image record.
    public var target: RecordID
    /// Why (optional, single line, at most 1024 bytes).
    public var reason: String?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a restoration.
    public init(provider: String, target: RecordID, reason: String? = nil, time: Int64) {
        self.provider = provider
        self.target = target
        self.reason = reason
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        target = try reader.recordID("target")
        reason = try reader.optionalString("reason", .line(limit: RecordLimits.reason))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [("provider", .string(provider)), ("target", .string(target.description)), ("reason", reason.map { .string($0) })]
    }
}

/// `image-deprecate`: the image record is deprecated from `after` (ms). A later deprecation replaces an earlier
/// one. Signed by the lineage's provider.
public struct ImageDeprecateRecord: Sendable, Hashable {
    /// The provider id (must own `target`).
    public var provider: String
    /// The record id of the deprecated image record.
    public var target: RecordID
    /// The time from which the image is deprecated, ms (may be in the past).
    public var after: Int64
    /// Why (optional, single line, at most 1024 bytes).
    public var reason: String?
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a deprecation.
    public init(provider: String, target: RecordID, after: Int64, reason: String? = nil, time: Int64) {
        self.provider = provider
        self.target = target
        self.after = after
        self.reason = reason
        self.time = time
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        provider = try reader.string("provider", .identifier)
        target = try reader.recordID("target")
        after = try reader.time("after")
        reason = try reader.optionalString("reason", .line(limit: RecordLimits.reason))
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("provider", .string(provider)),
            ("target", .string(target.description)),
            ("after", .integer(after)),
            ("reason", reason.map { .string($0) }),
        ]
    }
}
