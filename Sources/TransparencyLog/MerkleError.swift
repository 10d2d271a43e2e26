/// An error thrown when Merkle tree, tile or proof input is malformed or cannot be processed.
///
/// Domain verdicts (a proof that does not verify) are reported as `Bool` return values, not
/// as errors; this type is for input that cannot be parsed or requests that are out of range.
public struct MerkleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable classification of a ``MerkleError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// A leaf index is not inside the tree (index >= size).
        public static let invalidIndex = Code("invalidIndex")
        /// A tree size is not acceptable for the operation.
        public static let invalidSize = Code("invalidSize")
        /// A proof has the wrong shape (length) for the requested index and sizes.
        public static let malformedProof = Code("malformedProof")
        /// A hash needed to answer a request was not supplied.
        public static let missingHash = Code("missingHash")
        /// A range of leaves or tree sizes is inverted or otherwise invalid.
        public static let invalidRange = Code("invalidRange")
        /// A hash was not exactly 32 bytes, or not valid hex/base64.
        public static let invalidHash = Code("invalidHash")
        /// A tile or entry bundle path is not in the canonical tlog-tiles form.
        public static let invalidTilePath = Code("invalidTilePath")
        /// A hash tile or entry bundle body is malformed.
        public static let invalidTile = Code("invalidTile")
        /// A log entry is larger than an entry bundle can hold.
        public static let entryTooLarge = Code("entryTooLarge")
        /// A c2sp.org/tlog-proof file is malformed.
        public static let invalidProofFile = Code("invalidProofFile")

        /// The stable name of the code, e.g. `"invalidIndex"`.
        public var description: String { name }
    }

    /// The classification of the error.
    public var code: Code
    /// A human-readable explanation.
    public var message: String

    /// Creates an error with a code and a human-readable message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "MerkleError.\(code): \(message)" }

    /// A leaf index is not inside the tree.
    public static func invalidIndex(_ message: String) -> MerkleError { .init(code: .invalidIndex, message: message) }
    /// A tree size is not acceptable.
    public static func invalidSize(_ message: String) -> MerkleError { .init(code: .invalidSize, message: message) }
    /// A proof has the wrong shape.
    public static func malformedProof(_ message: String) -> MerkleError {
        .init(code: .malformedProof, message: message)
    }
    /// A needed hash was not supplied.
    public static func missingHash(_ message: String) -> MerkleError { .init(code: .missingHash, message: message) }
    /// A range is inverted or invalid.
    public static func invalidRange(_ message: String) -> MerkleError { .init(code: .invalidRange, message: message) }
    /// A hash is malformed.
    public static func invalidHash(_ message: String) -> MerkleError { .init(code: .invalidHash, message: message) }
    /// A tile path is not canonical.
    public static func invalidTilePath(_ message: String) -> MerkleError {
        .init(code: .invalidTilePath, message: message)
    }
    /// A tile or bundle body is malformed.
    public static func invalidTile(_ message: String) -> MerkleError { .init(code: .invalidTile, message: message) }
    /// An entry is too large for an entry bundle.
    public static func entryTooLarge(_ message: String) -> MerkleError {
        .init(code: .entryTooLarge, message: message)
    }
    /// A tlog-proof file is malformed.
    public static func invalidProofFile(_ message: String) -> MerkleError {
        .init(code: .invalidProofFile, message: message)
    }
}
