/// An error raised while parsing or verifying signed notes, verifier/signer keys, checkpoints or cosignatures.
///
/// Errors carry a stable ``code`` meant for programmatic matching and a human readable ``message``.
/// Two errors compare equal when their codes are equal (the message is informational), in the style of
/// swift-certificates' `CertificateError`.
public struct NoteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable category of the error.
    public var code: Code
    /// A human readable explanation; not stable, do not match on it.
    public var message: String

    /// Creates an error with a code and a message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `NoteError.<code>: <message>`.
    public var description: String { "NoteError.\(code): \(message)" }

    /// Equality by ``code`` only.
    public static func == (lhs: NoteError, rhs: NoteError) -> Bool { lhs.code == rhs.code }

    /// Hashes the ``code`` only, consistent with ``==(_:_:)``.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Stable error categories.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case malformedNote
            case malformedKey
            case unknownAlgorithm
            case keyIDMismatch
            case invalidName
            case ambiguousKey
            case invalidSignature
            case noVerifiedSignature
            case malformedCheckpoint
            case signingFailed
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The note's bytes are not a well-formed signed note (or its text is unsuitable for signing).
        public static let malformedNote = Code(.malformedNote)
        /// A verifier key (vkey), signer key (skey) or raw public/private key is malformed.
        public static let malformedKey = Code(.malformedKey)
        /// A key names a signature type this implementation (or this verifier type) does not support.
        public static let unknownAlgorithm = Code(.unknownAlgorithm)
        /// The key ID written in a key string does not match the key ID computed from the key.
        public static let keyIDMismatch = Code(.keyIDMismatch)
        /// A key name is empty, contains a Unicode space or a plus sign.
        public static let invalidName = Code(.invalidName)
        /// Several known verifiers share one (name, key ID) pair.
        public static let ambiguousKey = Code(.ambiguousKey)
        /// A signature by a known key failed to verify.
        public static let invalidSignature = Code(.invalidSignature)
        /// No signature by a known key is present on the note.
        public static let noVerifiedSignature = Code(.noVerifiedSignature)
        /// The note text is not a well-formed c2sp.org/tlog-checkpoint body.
        public static let malformedCheckpoint = Code(.malformedCheckpoint)
        /// A signer failed to produce a signature.
        public static let signingFailed = Code(.signingFailed)

        /// The code's stable name, e.g. `malformedNote`.
        public var description: String { backing.rawValue }
    }
}

extension NoteError {
    /// The note is malformed.
    public static func malformedNote(_ message: String) -> NoteError {
        .init(code: .malformedNote, message: message)
    }
    /// A key string or key material is malformed.
    public static func malformedKey(_ message: String) -> NoteError {
        .init(code: .malformedKey, message: message)
    }
    /// The signature type is not supported.
    public static func unknownAlgorithm(_ message: String) -> NoteError {
        .init(code: .unknownAlgorithm, message: message)
    }
    /// The key ID does not match the key.
    public static func keyIDMismatch(_ message: String) -> NoteError {
        .init(code: .keyIDMismatch, message: message)
    }
    /// The key name is not valid.
    public static func invalidName(_ message: String) -> NoteError {
        .init(code: .invalidName, message: message)
    }
    /// Several verifiers share a (name, key ID).
    public static func ambiguousKey(_ message: String) -> NoteError {
        .init(code: .ambiguousKey, message: message)
    }
    /// A known key's signature did not verify.
    public static func invalidSignature(_ message: String) -> NoteError {
        .init(code: .invalidSignature, message: message)
    }
    /// No known key signed the note.
    public static func noVerifiedSignature(_ message: String) -> NoteError {
        .init(code: .noVerifiedSignature, message: message)
    }
    /// The checkpoint body is malformed.
    public static func malformedCheckpoint(_ message: String) -> NoteError {
        .init(code: .malformedCheckpoint, message: message)
    }
    /// A signer failed.
    public static func signingFailed(_ message: String) -> NoteError {
        .init(code: .signingFailed, message: message)
    }
}
