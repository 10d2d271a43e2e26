import Provenance
import TransparencyLog

/// A checkpoint as the store keeps it: the signed note and the values it commits to.
public struct StoredCheckpoint: Sendable, Hashable {
    /// Tree size.
    public var size: UInt64
    /// Root hash at that size.
    public var rootHash: TreeHash
    /// The signed note (c2sp.org/tlog-checkpoint), exactly as published.
    public var note: String

    /// Creates a stored checkpoint.
    public init(size: UInt64, rootHash: TreeHash, note: String) {
        self.size = size
        self.rootHash = rootHash
        self.note = note
    }
}

/// One new entry of a batch.
public struct BatchEntry: Sendable, Hashable {
    /// The entry (its index is its position in the log).
    public var entry: LedgerEntry
    /// The record id the entry is deduplicated by.
    public var recordID: RecordID

    /// Creates a batch entry.
    public init(entry: LedgerEntry, recordID: RecordID) {
        self.entry = entry
        self.recordID = recordID
    }
}

/// Everything one sequencing step writes, atomically.
public struct LedgerBatch: Sendable {
    /// The tree size before the batch; the first entry's index.
    public var startSize: UInt64
    /// New entries, with indexes `startSize ..< startSize + entries.count`.
    public var entries: [BatchEntry]
    /// Every complete-subtree hash that the batch creates (leaves included).
    public var nodes: [(id: NodeID, hash: TreeHash)]
    /// The checkpoint signed for the new size.
    public var checkpoint: StoredCheckpoint
    /// Derived-state changes of the batch's entries, applied in order.
    public var stateWrites: [StateWrite]

    /// Creates a batch.
    public init(
        startSize: UInt64,
        entries: [BatchEntry],
        nodes: [(id: NodeID, hash: TreeHash)],
        checkpoint: StoredCheckpoint,
        stateWrites: [StateWrite] = []
    ) {
        self.startSize = startSize
        self.entries = entries
        self.nodes = nodes
        self.checkpoint = checkpoint
        self.stateWrites = stateWrites
    }
}

/// Durable storage behind a ``Ledger``.
///
/// The store is the seam between the sequencer and a database. Every method is a small
/// number of indexed reads or one transaction; none does work proportional to the log
/// size. Implementations: `InMemoryLedgerStore` (VMTrustTesting), `SQLiteLedgerStore`
/// (SQLiteStore) and `PostgresLedgerStore` (PostgresStore, shared by several replicas).
///
/// Contract:
/// - ``append(_:)`` is atomic and durable when it returns: entries, nodes, the record-id
///   index and the checkpoint are all written or none are. It throws
///   ``LedgerError/Code/sequencingConflict`` when `batch.startSize` is not the current size,
///   so that two sequencers can never both extend one size.
/// - Node hashes are immutable once written; a missing node is simply absent from reads.
/// - `batch.stateWrites` are applied in order in the same transaction as the entries.
/// - A store with ``isShared`` set may be extended by other processes at any time; the
///   `sequencingConflict` check then runs under a lock that serialises every writer.
public protocol LedgerStore: Sendable {
    /// Whether other processes (replicas sharing one database) may append to this store, so
    /// that a ``Ledger`` must re-read the tree's right edge instead of trusting its own.
    var isShared: Bool { get }

    /// Throws when the store cannot serve: it does not answer, or its schema is not at the
    /// version this build expects.
    func checkReady() async throws

    /// The latest checkpoint, or `nil` for an empty log.
    func latestCheckpoint() async throws -> StoredCheckpoint?

    /// The checkpoint stored for exactly `size`, if one was signed at that size.
    func checkpoint(size: UInt64) async throws -> StoredCheckpoint?

    /// Stored checkpoints with sizes in `sizes`, ascending, at most `limit`.
    func checkpoints(in sizes: ClosedRange<UInt64>, limit: Int) async throws -> [StoredCheckpoint]

    /// Writes a batch atomically and durably.
    func append(_ batch: LedgerBatch) async throws

    /// Hashes of the given nodes; ids that are not stored are absent from the result.
    func nodeHashes(_ ids: [NodeID]) async throws -> [NodeID: TreeHash]

    /// Hashes of the nodes at `level` with indexes in `indexes`, in order; stops at the first missing one.
    func nodeHashes(level: UInt8, indexes: Range<UInt64>) async throws -> [TreeHash]

    /// Encoded entries with indexes in `indexes`, in order; stops at the first missing one.
    func entries(_ indexes: Range<UInt64>) async throws -> [[UInt8]]

    /// The index of the entry with this record id, if any.
    func index(of recordID: RecordID) async throws -> UInt64?

    /// The indexes of those of `recordIDs` that are in the log.
    func indexes(of recordIDs: [RecordID]) async throws -> [RecordID: UInt64]

    /// The derived-state value at (`namespace`, `key`), or `nil`.
    func stateValue(namespace: String, key: String) async throws -> [UInt8]?

    /// The derived-state values at `keys` of `namespace`, in one read: keys without a value are absent from
    /// the result (a key given twice is read once).
    func stateValues(namespace: String, keys: [String]) async throws -> [String: [UInt8]]

    /// Derived-state entries of `namespace` whose keys start with `prefix` and sort after
    /// `after` (when given), in key order, at most `limit`.
    func stateEntries(
        namespace: String,
        prefix: String,
        after: String?,
        limit: Int
    ) async throws -> [(key: String, value: [UInt8])]
}

extension LedgerStore {
    /// Stores are private to one process unless they say otherwise.
    public var isShared: Bool { false }

    /// By default a store is ready when it answers a read.
    public func checkReady() async throws {
        _ = try await latestCheckpoint()
    }
}
