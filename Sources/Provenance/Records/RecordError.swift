/// An error raised while decoding a record payload: the bytes are not a valid record of their payload type.
///
/// Errors carry a stable ``code``, the dotted path of the offending ``field`` (`nil` for whole-payload
/// problems) and a human readable ``message`` that names the field. Two errors are equal when their codes and
/// fields are equal.
public struct RecordError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable category of the error.
    public var code: Code
    /// The path of the offending field (`keys[1].validFrom`), or `nil` when the payload as a whole is wrong.
    public var field: String?
    /// A human readable explanation; not stable.
    public var message: String

    /// Creates an error.
    public init(code: Code, field: String?, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// `RecordError.<code>: <message>`.
    public var description: String { "RecordError.\(code): \(message)" }

    /// Equality by ``code`` and ``field``.
    public static func == (lhs: RecordError, rhs: RecordError) -> Bool { lhs.code == rhs.code && lhs.field == rhs.field }

    /// Hashes ``code`` and ``field``.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(field)
    }

    /// Stable error categories.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case unknownPayloadType
            case malformedJSON
            case missingField
            case unknownField
            case wrongType
            case invalidValue
            case outOfRange
            case tooLong
            case unsupportedVersion
            case notCanonical
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The payload type is not one of the record kinds (`application/vnd.vmtrust.<kind>.v1+json`).
        public static let unknownPayloadType = Code(.unknownPayloadType)
        /// The payload is not strict JSON (syntax, UTF-8, duplicate keys, trailing content) or not an object.
        public static let malformedJSON = Code(.malformedJSON)
        /// A required field is absent.
        public static let missingField = Code(.missingField)
        /// A field the schema does not define is present.
        public static let unknownField = Code(.unknownField)
        /// A field has the wrong JSON type (including `null`, and a number that is not an integer).
        public static let wrongType = Code(.wrongType)
        /// A field's value is malformed: digest, record id, identifier, key, enumeration value, empty string,
        /// control character, duplicate list element, inconsistent window, no change requested.
        public static let invalidValue = Code(.invalidValue)
        /// A number is outside its allowed range, or a list has too many elements.
        public static let outOfRange = Code(.outOfRange)
        /// A string is longer than its limit.
        public static let tooLong = Code(.tooLong)
        /// `v` is not `1`.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// The payload is a valid record but not in canonical form (see docs/FORMATS.md).
        public static let notCanonical = Code(.notCanonical)

        /// The code's stable name.
        public var description: String { backing.rawValue }
    }
}
