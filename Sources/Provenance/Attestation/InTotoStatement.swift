import TransparencyLog

/// An in-toto attestation Statement, version 1 (`https://in-toto.io/Statement/v1`), the payload of a DSSE
/// envelope of payload type `application/vnd.in-toto+json`.
///
/// Parsing follows the in-toto parsing rules: the JSON must be strict (RFC 8259, UTF-8, no duplicate keys),
/// `_type`, `subject` and `predicateType` are required with their types, every subject is a
/// ResourceDescriptor with a non-empty `digest`, and fields the specification does not define are ignored
/// (consumers MUST ignore unrecognised fields), so statements produced by cosign, Kyverno or in-toto tooling
/// are accepted. The predicate is validated separately (``predicate()``), by its type.
public struct InTotoStatement: Sendable, Equatable {
    /// `_type` of this version: `https://in-toto.io/Statement/v1`.
    public static let type = "https://in-toto.io/Statement/v1"
    /// The DSSE payload type of in-toto statements: `application/vnd.in-toto+json`.
    public static let payloadType = "application/vnd.in-toto+json"
    /// The most subjects vmtrust accepts in one statement.
    public static let subjectLimit = 64

    /// The artifacts the attestation is about (1 or more).
    public var subjects: [ResourceDescriptor]
    /// The predicate's type URI.
    public var predicateType: String
    /// The predicate object in the payload; `nil` when absent (treated as empty).
    var predicateView: JSONView?

    /// Creates a statement with a typed predicate.
    public init(subjects: [ResourceDescriptor], predicate: AttestationPredicate) {
        self.subjects = subjects
        self.predicateType = predicate.type
        self.predicateView = nil
        self.typedPredicate = predicate
    }

    private var typedPredicate: AttestationPredicate?

    /// Parses and validates the statement layer of `payload`.
    public init(payload: [UInt8]) throws(RecordError) {
        let document: JSONView
        do {
            document = try JSONView.document(payload, indexed: true)
        } catch {
            throw RecordError(code: .malformedJSON, field: nil, message: error.reason)
        }
        var reader = try JSONObjectReader(document, parent: "")
        let type = try reader.string("_type", .line(limit: RecordLimits.typeURI))
        guard type == InTotoStatement.type else {
            throw RecordError(
                code: .unsupportedVersion,
                field: "_type",
                message: "\"_type\" is \"\(type)\"; only \(InTotoStatement.type) is supported"
            )
        }
        subjects =
            try reader.array("subject", limit: InTotoStatement.subjectLimit) { value, field, index throws(RecordError) in
                let descriptor = try ResourceDescriptor(value, parent: field, index: index)
                guard !descriptor.digest.isEmpty else {
                    let path = "\(field)[\(index)]"
                    throw RecordError(
                        code: .missingField,
                        field: path + ".digest",
                        message: "\"\(path).digest\" is required in a subject"
                    )
                }
                return descriptor
            } ?? []
        try RecordValidation.distinct(subjects.map(\.digest), field: "subject")
        predicateType = try TypeURI.read(try reader.value("predicateType"), field: "predicateType")
        predicateView = try reader.optionalValue("predicate")
        if let predicateView {
            guard predicateView.isObject else {
                throw RecordError(code: .wrongType, field: "predicate", message: "\"predicate\" is not an object")
            }
        }
        typedPredicate = nil
    }

    /// The predicate, validated according to ``predicateType`` (see ``AttestationPredicate``).
    public func predicate() throws(RecordError) -> AttestationPredicate {
        if let typedPredicate { return typedPredicate }
        return try AttestationPredicate(type: predicateType, view: predicateView ?? JSONView.emptyObject)
    }

    /// The sha256 digests of the subjects, `sha256:<hex>`, in subject order (subjects without one are skipped).
    public var subjectDigests: [String] {
        subjects.compactMap { $0.digest["sha256"].map { "sha256:" + $0 } }
    }

    /// The statement as canonical JSON (sorted keys, no white space); only for statements created with a typed
    /// predicate (vmtrust produces them so), a parsed statement keeps its received bytes instead.
    public func encoded() -> [UInt8] {
        let predicate = typedPredicate?.json
        return CanonicalJSON.object([
            ("_type", .string(InTotoStatement.type)),
            ("subject", .array(subjects.map(\.json))),
            ("predicateType", .string(predicateType)),
            ("predicate", predicate),
        ]).bytes
    }

    public static func == (lhs: InTotoStatement, rhs: InTotoStatement) -> Bool {
        lhs.subjects == rhs.subjects && lhs.predicateType == rhs.predicateType
            && lhs.predicateView?.slice == rhs.predicateView?.slice
            && lhs.typedPredicate == rhs.typedPredicate
    }
}

/// An in-toto ResourceDescriptor: a reference to an artifact (`name`, `uri`, `digest`, `downloadLocation`,
/// `mediaType`; `content` and `annotations` are checked for their type and not kept). At least one of `uri`,
/// `digest` or `content` is required.
public struct ResourceDescriptor: Sendable, Hashable {
    /// A name, local to the attestation.
    public var name: String?
    /// A URI identifying the resource.
    public var uri: String?
    /// Digests by algorithm (`sha256` → lowercase hex).
    public var digest: [String: String]
    /// Where to download it.
    public var downloadLocation: String?
    /// Its media type.
    public var mediaType: String?

    /// Creates a descriptor.
    public init(
        name: String? = nil,
        uri: String? = nil,
        digest: [String: String] = [:],
        downloadLocation: String? = nil,
        mediaType: String? = nil
    ) {
        self.name = name
        self.uri = uri
        self.digest = digest
        self.downloadLocation = downloadLocation
        self.mediaType = mediaType
    }

    /// A subject for an image digest `sha256:<hex>`.
    public init(imageDigest: String, name: String? = nil) {
        self.init(name: name, digest: ["sha256": String(imageDigest.dropFirst("sha256:".count))])
    }

    init(_ value: JSONView, parent: JSONPath, index: Int? = nil) throws(RecordError) {
        var reader = try JSONObjectReader(value, parent: parent, index: index)
        name = try reader.optionalString("name", .line(limit: RecordLimits.reason))
        uri = try reader.optionalValue("uri").map { value throws(RecordError) in
            try TypeURI.read(value, field: reader.fieldPath("uri"), limit: RecordLimits.reason)
        }
        downloadLocation = try reader.optionalValue("downloadLocation").map { value throws(RecordError) in
            try TypeURI.read(value, field: reader.fieldPath("downloadLocation"), limit: RecordLimits.reason)
        }
        mediaType = try reader.optionalString("mediaType", .line(limit: RecordLimits.name))
        var content: String?
        if let value = try reader.optionalValue("content") {
            guard let string = value.string, Base64.decode(string) != nil else {
                throw RecordError(
                    code: .invalidValue,
                    field: reader.fieldPath("content"),
                    message: "\"\(reader.fieldPath("content"))\" is not base64"
                )
            }
            content = string
        }
        if let value = try reader.optionalValue("annotations") {
            guard value.isObject else {
                throw RecordError(
                    code: .wrongType,
                    field: reader.fieldPath("annotations"),
                    message: "\"\(reader.fieldPath("annotations"))\" is not an object"
                )
            }
        }
        digest = [:]
        if let value = try reader.optionalValue("digest") {
            digest = try DigestSet.read(value, field: reader.fieldPath("digest"))
        }
        guard uri != nil || !digest.isEmpty || content != nil else {
            let path = reader.path
            throw RecordError(
                code: .missingField,
                field: path,
                message: "\"\(path)\" needs one of uri, digest or content"
            )
        }
        // Unrecognised fields are ignored (in-toto parsing rules).
    }

    var json: CanonicalJSON {
        .object([
            ("name", name.map { .string($0) }),
            ("uri", uri.map { .string($0) }),
            ("digest", digest.isEmpty ? nil : .object(digest.map { ($0.key, .string($0.value)) })),
            ("downloadLocation", downloadLocation.map { .string($0) }),
            ("mediaType", mediaType.map { .string($0) }),
        ])
    }
}

/// in-toto DigestSet: a non-empty map of algorithm → digest. Known algorithms must carry lowercase hex of their
/// length (`sha256` 64, `sha512` 128, `sha384` 96, `sha224` 56, `sha1` 40, `md5` 32, `sha512_256` 64,
/// `gitCommit`/`gitTree`/`gitBlob`/`gitTag` 40 or 64); other algorithm names carry any non-empty string.
enum DigestSet {
    static let hexLengths: [String: Set<Int>] = [
        "sha256": [64], "sha224": [56], "sha384": [96], "sha512": [128], "sha512_224": [56], "sha512_256": [64],
        "sha3_224": [56], "sha3_256": [64], "sha3_384": [96], "sha3_512": [128], "sha1": [40], "md5": [32],
        "gitCommit": [40, 64], "gitTree": [40, 64], "gitBlob": [40, 64], "gitTag": [40, 64], "dirHash": [64],
    ]

    static func read(_ value: JSONView, field: String) throws(RecordError) -> [String: String] {
        guard value.isObject else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not an object")
        }
        let members = value.members
        guard !members.isEmpty else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is empty")
        }
        guard members.count <= 16 else {
            throw RecordError(code: .outOfRange, field: field, message: "\"\(field)\" has more than 16 algorithms")
        }
        var out: [String: String] = [:]
        for member in members {
            let algorithm = member.key
            guard !algorithm.isEmpty, algorithm.utf8.count <= 64 else {
                throw RecordError(
                    code: .invalidValue,
                    field: "\(field).\(algorithm)",
                    message: "\"\(field)\" has an invalid algorithm name"
                )
            }
            let digest = try JSONObjectReader.text(member.value, .line(limit: 1024), field: "\(field).\(algorithm)")
            if let lengths = hexLengths[algorithm] {
                guard lengths.contains(digest.utf8.count), [UInt8](lowercaseHex: digest) != nil else {
                    let path = "\(field).\(algorithm)"
                    throw RecordError(
                        code: .invalidValue,
                        field: path,
                        message: "\"\(path)\" is not lowercase hex of a \(algorithm) digest"
                    )
                }
            }
            out[algorithm] = digest
        }
        return out
    }
}

/// in-toto TypeURI / ResourceURI: an RFC 3986 URI with a scheme (`https://…`, `pkg:…`), no white space or control
/// characters, at most `limit` bytes.
enum TypeURI {
    static func read(
        _ value: JSONView,
        field: @autoclosure () -> String,
        limit: Int = RecordLimits.typeURI
    ) throws(RecordError)
        -> String
    {
        let string = try JSONObjectReader.text(value, .line(limit: limit), field: field())
        guard isValid(string) else {
            let field = field()
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not a URI with a scheme")
        }
        return string
    }

    static func read(_ value: StrictJSON.Value, field: String, limit: Int = RecordLimits.typeURI) throws(RecordError) -> String {
        let string = try FieldReader.text(value, .line(limit: limit), field: field)
        guard isValid(string) else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not a URI with a scheme")
        }
        return string
    }

    static func isValid(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon + 1 < bytes.count else { return false }
        func letter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
        guard letter(bytes[0]) else { return false }
        for b in bytes[1..<colon] where !(letter(b) || (0x30...0x39).contains(b) || b == 0x2B || b == 0x2D || b == 0x2E) {
            return false
        }
        return !bytes.contains { $0 <= 0x20 || $0 == 0x7F }
    }
}
