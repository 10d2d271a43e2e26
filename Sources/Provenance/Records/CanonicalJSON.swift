import TransparencyLog

/// The canonical JSON of vmtrust: objects with keys sorted by their UTF-8 bytes, no white space, integers in
/// shortest decimal form, strings escaped minimally (``StrictJSON/quote(_:into:)``), absent optional fields
/// omitted. Record payloads use it (docs/FORMATS.md), and so do the policy target's canonical policies and
/// decision-id inputs.
package indirect enum CanonicalJSON: Sendable {
    case string(String)
    case integer(Int64)
    /// A number already in its canonical decimal form, written as is.
    case decimal(String)
    case bool(Bool)
    case null
    /// Bytes that already are canonical JSON (a nested document), written as is.
    case raw([UInt8])
    case array([CanonicalJSON])
    case object([(String, CanonicalJSON?)])

    /// The canonical bytes; object members whose value is `nil` are omitted.
    package var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// An array of strings.
    package static func strings(_ values: [String]) -> CanonicalJSON { .array(values.map(CanonicalJSON.string)) }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .string(let string): StrictJSON.quote(string, into: &out)
        case .integer(let value): out += Array(String(value).utf8)
        case .decimal(let value): out += Array(value.utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .null: out += Array("null".utf8)
        case .raw(let bytes): out += bytes
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let present = members.compactMap { key, value in value.map { (key, $0) } }
            let sorted = present.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                StrictJSON.quote(member.0, into: &out)
                out.append(UInt8(ascii: ":"))
                member.1.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// Limits of record fields.
enum RecordLimits {
    /// Identifiers (provider and user ids): 1–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
    static let identifier = 64
    /// Single-line texts: display names, image names, log origins.
    static let name = 256
    /// Reasons (revocations, deprecations, restores).
    static let reason = 1024
    /// Change descriptions (may span lines).
    static let description = 4096
    /// Build builder and input strings.
    static let buildString = 1024
    /// Build inputs per record.
    static let buildInputs = 64
    /// Keys per list (admin keys, provider keys, keys added or retired in one update).
    static let keys = 16
    /// The largest integer accepted anywhere: 2^53 − 1, exact in every JSON implementation.
    static let maximumInteger: Int64 = 9_007_199_254_740_991
}

/// Reads the members of one JSON object strictly, tracking the path for messages and refusing unknown members.
struct FieldReader {
    private let members: [(key: String, value: StrictJSON.Value)]
    private let path: String
    /// Which members were asked for: bit i for member i (the first 64), then a list for the rest.
    private var consumed: UInt64 = 0
    private var consumedBeyond64: [Bool] = []

    init(_ value: StrictJSON.Value, path: String) throws(RecordError) {
        guard case .object(let members) = value else {
            if path.isEmpty {
                throw RecordError(code: .malformedJSON, field: nil, message: "the payload is not a JSON object")
            }
            throw RecordError(code: .wrongType, field: path, message: "\"\(path)\" is not an object")
        }
        self.members = members
        self.path = path
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value of `key`, or `nil` when absent. `null` is refused: optional fields are omitted, never null.
    mutating func optionalValue(_ key: String) throws(RecordError) -> StrictJSON.Value? {
        guard let index = members.firstIndex(where: { $0.key == key }) else { return nil }
        if index < 64 {
            consumed |= 1 << UInt64(index)
        } else {
            if consumedBeyond64.isEmpty { consumedBeyond64 = Array(repeating: false, count: members.count - 64) }
            consumedBeyond64[index - 64] = true
        }
        let value = members[index].value
        if case .null = value {
            throw RecordError(
                code: .wrongType,
                field: fieldPath(key),
                message: "\"\(fieldPath(key))\" is null (omit an absent field)"
            )
        }
        return value
    }

    mutating func value(_ key: String) throws(RecordError) -> StrictJSON.Value {
        guard let value = try optionalValue(key) else {
            throw RecordError(code: .missingField, field: fieldPath(key), message: "missing \"\(fieldPath(key))\"")
        }
        return value
    }

    /// Refuses members that were never asked for.
    func finish() throws(RecordError) {
        func isConsumed(_ index: Int) -> Bool {
            index < 64 ? consumed & (1 << UInt64(index)) != 0 : !consumedBeyond64.isEmpty && consumedBeyond64[index - 64]
        }
        for (index, member) in members.enumerated() where !isConsumed(index) {
            let field = fieldPath(member.key)
            throw RecordError(code: .unknownField, field: field, message: "unknown field \"\(field)\"")
        }
    }

    // MARK: Typed fields

    mutating func string(_ key: String, _ kind: TextKind) throws(RecordError) -> String {
        try FieldReader.text(try value(key), kind, field: fieldPath(key))
    }

    mutating func optionalString(_ key: String, _ kind: TextKind) throws(RecordError) -> String? {
        guard let value = try optionalValue(key) else { return nil }
        return try FieldReader.text(value, kind, field: fieldPath(key))
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int64>) throws(RecordError) -> Int64 {
        try FieldReader.integer(try value(key), in: range, field: fieldPath(key))
    }

    mutating func optionalInteger(_ key: String, in range: ClosedRange<Int64>) throws(RecordError) -> Int64? {
        guard let value = try optionalValue(key) else { return nil }
        return try FieldReader.integer(value, in: range, field: fieldPath(key))
    }

    mutating func time(_ key: String) throws(RecordError) -> Int64 {
        try integer(key, in: 0...RecordLimits.maximumInteger)
    }

    mutating func optionalTime(_ key: String) throws(RecordError) -> Int64? {
        try optionalInteger(key, in: 0...RecordLimits.maximumInteger)
    }

    mutating func bool(_ key: String) throws(RecordError) -> Bool {
        try FieldReader.bool(try value(key), field: fieldPath(key))
    }

    mutating func optionalBool(_ key: String) throws(RecordError) -> Bool? {
        guard let value = try optionalValue(key) else { return nil }
        return try FieldReader.bool(value, field: fieldPath(key))
    }

    mutating func recordID(_ key: String) throws(RecordError) -> RecordID {
        let field = fieldPath(key)
        guard case .string(let string) = try value(key) else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a string")
        }
        guard let id = RecordID(string) else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not a record id sha256:<64 hex>")
        }
        return id
    }

    mutating func digest(_ key: String) throws(RecordError) -> String {
        let field = fieldPath(key)
        guard case .string(let string) = try value(key) else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a string")
        }
        guard ImageDigest.isValid(string) else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not an image digest sha256:<64 hex>")
        }
        return string
    }

    mutating func publicKey(_ key: String) throws(RecordError) -> PublicKey {
        try FieldReader.publicKey(try value(key), field: fieldPath(key))
    }

    mutating func keyID(_ key: String) throws(RecordError) -> String {
        try FieldReader.keyID(try value(key), field: fieldPath(key))
    }

    mutating func enumeration<T: RawRepresentable & CaseIterable>(
        _ key: String,
        _ type: T.Type
    ) throws(RecordError) -> T where T.RawValue == String {
        let field = fieldPath(key)
        guard case .string(let string) = try value(key) else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a string")
        }
        guard let value = T(rawValue: string) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" must be one of \(allowed)")
        }
        return value
    }

    /// An array of at most `limit` elements, each read by `element(value, path)`.
    mutating func array<T>(
        _ key: String,
        limit: Int,
        required: Bool = true,
        allowEmpty: Bool = false,
        _ element: (StrictJSON.Value, String) throws(RecordError) -> T
    ) throws(RecordError) -> [T]? {
        let field = fieldPath(key)
        let raw: StrictJSON.Value
        if required {
            raw = try value(key)
        } else {
            guard let value = try optionalValue(key) else { return nil }
            raw = value
        }
        guard case .array(let elements) = raw else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not an array")
        }
        guard allowEmpty || !elements.isEmpty else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is empty")
        }
        guard elements.count <= limit else {
            throw RecordError(code: .outOfRange, field: field, message: "\"\(field)\" has more than \(limit) elements")
        }
        var out: [T] = []
        for (index, value) in elements.enumerated() {
            out.append(try element(value, "\(field)[\(index)]"))
        }
        return out
    }

    // MARK: Value readers

    /// What a string field may contain.
    enum TextKind {
        /// 1–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
        case identifier
        /// Non-empty, at most `limit` bytes of UTF-8, no control characters.
        case line(limit: Int)
        /// Non-empty, at most `limit` bytes of UTF-8, no control characters except line feed and tab.
        case text(limit: Int)
    }

    static func text(_ value: StrictJSON.Value, _ kind: TextKind, field: String) throws(RecordError) -> String {
        guard case .string(let string) = value else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a string")
        }
        return try checkText(string, kind, field: field)
    }

    /// The error of an empty text `field`.
    static func emptyText(_ field: String) -> RecordError {
        RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is empty")
    }

    /// The error of a line or text `field` longer than `limit` bytes.
    static func textTooLong(_ field: String, limit: Int) -> RecordError {
        RecordError(code: .tooLong, field: field, message: "\"\(field)\" is longer than \(limit) bytes")
    }

    /// The error of a line or text `field` with a control character it may not hold.
    static func controlCharacter(_ field: String) -> RecordError {
        RecordError(code: .invalidValue, field: field, message: "\"\(field)\" contains a control character")
    }

    /// The checks of ``text(_:_:field:)`` on a decoded string; `field` is built only for an error.
    static func checkText(_ string: String, _ kind: TextKind, field: @autoclosure () -> String) throws(RecordError) -> String {
        guard !string.isEmpty else { throw emptyText(field()) }
        switch kind {
        case .identifier:
            guard string.utf8.count <= RecordLimits.identifier else {
                let field = field()
                throw RecordError(
                    code: .tooLong,
                    field: field,
                    message: "\"\(field)\" is longer than \(RecordLimits.identifier) characters"
                )
            }
            guard Identifier.isValid(string) else {
                let field = field()
                throw RecordError(
                    code: .invalidValue,
                    field: field,
                    message: "\"\(field)\" must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
                )
            }
        case .line(let limit), .text(let limit):
            guard string.utf8.count <= limit else { throw textTooLong(field(), limit: limit) }
            let multiline = if case .text = kind { true } else { false }
            for scalar in string.unicodeScalars
            where (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
                && !(multiline && (scalar == "\n" || scalar == "\t"))
            {
                throw controlCharacter(field())
            }
        }
        return string
    }

    static func integer(_ value: StrictJSON.Value, in range: ClosedRange<Int64>, field: String) throws(RecordError) -> Int64 {
        guard case .number(let literal) = value else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not an integer")
        }
        return try checkInteger(literal, in: range, field: field)
    }

    /// The checks of ``integer(_:in:field:)`` on a number literal; `field` is built only for an error.
    static func checkInteger(
        _ literal: String,
        in range: ClosedRange<Int64>,
        field: @autoclosure () -> String
    ) throws(RecordError) -> Int64 {
        // StrictJSON validated the number grammar; an integer has no fraction or exponent.
        guard !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            let field = field()
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not an integer")
        }
        guard let number = Int64(literal), range.contains(number), literal != "-0" else {
            let field = field()
            throw RecordError(
                code: .outOfRange,
                field: field,
                message: "\"\(field)\" must be an integer in \(range.lowerBound)...\(range.upperBound)"
            )
        }
        return number
    }

    static func bool(_ value: StrictJSON.Value, field: String) throws(RecordError) -> Bool {
        guard case .bool(let bool) = value else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a boolean")
        }
        return bool
    }

    /// A public key: standard padded base64 of its DER SubjectPublicKeyInfo (Ed25519 or P-256).
    static func publicKey(_ value: StrictJSON.Value, field: String) throws(RecordError) -> PublicKey {
        guard case .string(let string) = value else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a string")
        }
        guard let der = Base64.decode(string), Base64.encode(der) == string else {
            throw RecordError(
                code: .invalidValue,
                field: field,
                message: "\"\(field)\" is not standard padded base64 of a SubjectPublicKeyInfo"
            )
        }
        do {
            return try PublicKey(spkiDER: der)
        } catch {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\": \(error.message)")
        }
    }

    /// A key id: 64 lowercase hex digits (SHA-256 of the key's SubjectPublicKeyInfo).
    static func keyID(_ value: StrictJSON.Value, field: String) throws(RecordError) -> String {
        guard case .string(let string) = value else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a string")
        }
        guard string.utf8.count == 64, [UInt8](lowercaseHex: string) != nil else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not a key id (64 lowercase hex)")
        }
        return string
    }
}

/// Provider and user identifiers.
public enum Identifier {
    /// 1–64 characters of `a-z 0-9 . _ -`, the first a letter or digit.
    public static func isValid(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        guard let first = bytes.first, bytes.count <= RecordLimits.identifier else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        return alphanumeric(first)
            && bytes.allSatisfy {
                alphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
    }
}

/// Image digests.
public enum ImageDigest {
    /// Whether `string` is `sha256:` followed by 64 lowercase hex digits.
    public static func isValid(_ string: String) -> Bool {
        var string = string
        return string.withUTF8 { utf8 in
            guard utf8.count == 71 else { return false }
            let prefix: StaticString = "sha256:"
            let prefixMatches = prefix.withUTF8Buffer { prefix in
                prefix.indices.allSatisfy { utf8[$0] == prefix[$0] }
            }
            return prefixMatches
                && utf8[7...].allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        }
    }
}
