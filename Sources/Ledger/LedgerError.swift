/// An error from the ledger or one of its stores.
///
/// Errors carry a stable ``Code`` that HTTP and CLI layers map to problem types and exit
/// codes; ``message`` is for people.
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, as used in problem types.
        public let name: String

        /// Encoded entry bytes are not a valid ``LedgerEntry``.
        public static let malformedEntry = Code(name: "malformed-entry")
        /// The entry is over the 64 KiB limit.
        public static let entryTooLarge = Code(name: "entry-too-large")
        /// A batch did not start at the store's current size (another sequencer wrote first).
        public static let sequencingConflict = Code(name: "sequencing-conflict")
        /// The stored state contradicts itself (missing nodes, root mismatch).
        public static let corruptStore = Code(name: "corrupt-store")
        /// A requested index, size or tile lies outside the published tree.
        public static let outOfRange = Code(name: "out-of-range")
        /// The store cannot give the durability the ledger needs.
        public static let notDurable = Code(name: "not-durable")
        /// The store did not answer in time (a database that is down or unreachable).
        public static let storeUnavailable = Code(name: "store-unavailable")
        /// The ledger is shutting down.
        public static let shuttingDown = Code(name: "shutting-down")

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

    static func malformedEntry(_ message: String) -> LedgerError { .init(code: .malformedEntry, message: message) }
    static func outOfRange(_ message: String) -> LedgerError { .init(code: .outOfRange, message: message) }
    /// A corrupt-store error.
    public static func corruptStore(_ message: String) -> LedgerError { .init(code: .corruptStore, message: message) }
    /// A sequencing conflict.
    public static func sequencingConflict(expected: UInt64, actual: UInt64) -> LedgerError {
        .init(code: .sequencingConflict, message: "batch starts at \(expected) but the log has \(actual) entries")
    }
}
