/// An error raised while decoding, encoding or using a key.
///
/// Errors carry a stable ``code`` for programmatic matching and a human readable ``message``; two errors are
/// equal when their codes are equal.
public struct KeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable category of the error.
    public var code: Code
    /// A human readable explanation; not stable.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `KeyError.<code>: <message>`.
    public var description: String { "KeyError.\(code): \(message)" }

    /// Equality by ``code`` only.
    public static func == (lhs: KeyError, rhs: KeyError) -> Bool { lhs.code == rhs.code }

    /// Hashes the ``code`` only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Stable error categories.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case malformedKey
            case unsupportedAlgorithm
            case malformedPEM
            case unexpectedPEMLabel
            case signingFailed
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// The DER (SPKI, PKCS#8, SEC1) or raw key bytes are malformed or inconsistent.
        public static let malformedKey = Code(.malformedKey)
        /// The key is of an algorithm other than Ed25519 and ECDSA P-256.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// The text is not a single well-formed PEM block.
        public static let malformedPEM = Code(.malformedPEM)
        /// The PEM block's label is not the one expected (e.g. `PUBLIC KEY` where a private key is expected).
        public static let unexpectedPEMLabel = Code(.unexpectedPEMLabel)
        /// The signing operation failed.
        public static let signingFailed = Code(.signingFailed)

        /// The code's stable name.
        public var description: String { backing.rawValue }
    }
}

extension KeyError {
    /// Malformed key bytes.
    public static func malformedKey(_ message: String) -> KeyError { .init(code: .malformedKey, message: message) }
    /// Unsupported key algorithm.
    public static func unsupportedAlgorithm(_ message: String) -> KeyError {
        .init(code: .unsupportedAlgorithm, message: message)
    }
    /// Malformed PEM text.
    public static func malformedPEM(_ message: String) -> KeyError { .init(code: .malformedPEM, message: message) }
    /// Unexpected PEM label.
    public static func unexpectedPEMLabel(_ message: String) -> KeyError {
        .init(code: .unexpectedPEMLabel, message: message)
    }
    /// Signing failed.
    public static func signingFailed(_ message: String) -> KeyError { .init(code: .signingFailed, message: message) }
}
