/// An error raised while decoding or producing a DSSE envelope.
///
/// Errors carry a stable ``code`` and a human readable ``message``; two errors are equal when their codes
/// are equal.
public struct DSSEError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable category of the error.
    public var code: Code
    /// A human readable explanation; not stable.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `DSSEError.<code>: <message>`.
    public var description: String { "DSSEError.\(code): \(message)" }

    /// Equality by ``code`` only.
    public static func == (lhs: DSSEError, rhs: DSSEError) -> Bool { lhs.code == rhs.code }

    /// Hashes the ``code`` only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Stable error categories.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case malformedJSON
            case missingField
            case wrongType
            case invalidBase64
            case noSignatures
            case emptySignature
            case signingFailed
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The bytes are not strict JSON (syntax, UTF-8, duplicate keys, trailing content) or not an object.
        public static let malformedJSON = Code(.malformedJSON)
        /// A required field (`payloadType`, `payload`, `signatures`, `sig`) is absent.
        public static let missingField = Code(.missingField)
        /// A field has the wrong JSON type.
        public static let wrongType = Code(.wrongType)
        /// `payload` or `sig` is not valid base64.
        public static let invalidBase64 = Code(.invalidBase64)
        /// The `signatures` array is empty (or no key was given to sign with).
        public static let noSignatures = Code(.noSignatures)
        /// A signature is empty.
        public static let emptySignature = Code(.emptySignature)
        /// A key failed to sign.
        public static let signingFailed = Code(.signingFailed)

        /// The code's stable name.
        public var description: String { backing.rawValue }
    }
}
