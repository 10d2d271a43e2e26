#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from the blob store.
///
/// Errors carry a stable ``Code`` that the HTTP and CLI layers map to problem types and exit
/// codes; ``message`` is for people.
public struct BlobStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, as used in problem types.
        public let name: String

        /// The text is not a digest of the form `sha256:<64 lowercase hex digits>`.
        public static let invalidDigest = Code(name: "invalid-digest")
        /// The uploaded bytes do not hash to the digest they were announced under.
        public static let digestMismatch = Code(name: "digest-mismatch")
        /// The upload is larger than the limit it was given.
        public static let tooLarge = Code(name: "blob-too-large")
        /// No blob with that digest is stored.
        public static let notFound = Code(name: "not-found")
        /// A requested byte range lies outside the blob.
        public static let rangeNotSatisfiable = Code(name: "range-not-satisfiable")
        /// The file system refused an operation.
        public static let io = Code(name: "io")

        public var description: String { name }
    }

    /// The stable code.
    public var code: Code
    /// A one-line explanation for people.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// The text is not a `sha256:<hex>` digest.
    public static func invalidDigest(_ message: String) -> BlobStoreError { .init(code: .invalidDigest, message: message) }

    /// The bytes hash to `actual`, not `expected`.
    public static func digestMismatch(expected: BlobDigest, actual: BlobDigest) -> BlobStoreError {
        .init(code: .digestMismatch, message: "the content hashes to \(actual), not \(expected)")
    }

    /// The upload passed `limit` bytes.
    public static func tooLarge(limit: UInt64) -> BlobStoreError {
        .init(code: .tooLarge, message: "blobs are limited to \(limit) bytes")
    }

    /// No blob `digest`.
    public static func notFound(_ digest: BlobDigest) -> BlobStoreError {
        .init(code: .notFound, message: "no blob \(digest) is stored")
    }

    /// `range` is not inside a blob of `size` bytes.
    public static func rangeNotSatisfiable(_ range: Range<UInt64>, size: UInt64) -> BlobStoreError {
        .init(
            code: .rangeNotSatisfiable,
            message: "bytes \(range.lowerBound)..<\(range.upperBound) are not inside a blob of \(size) bytes"
        )
    }

    /// A system call failed with `errno`.
    static func io(_ operation: String, _ path: String, errno code: Int32) -> BlobStoreError {
        .init(code: .io, message: "\(operation) \(path): \(String(cString: strerror(code)))")
    }
}
