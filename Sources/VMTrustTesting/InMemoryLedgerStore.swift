import Ledger
import Provenance
import TransparencyLog

/// A `LedgerStore` held in memory, for tests.
///
/// It honours the whole store contract (atomic batches, sequencing conflicts, immutable
/// nodes) but keeps nothing across processes. ``failNextAppend(_:)`` injects a write
/// failure to test that the sequencer hands the error to every waiter and writes nothing.
public actor InMemoryLedgerStore: LedgerStore {
    private var entries: [[UInt8]] = []
    private var recordIndex: [RecordID: UInt64] = [:]
    private var nodes: [NodeID: TreeHash] = [:]
    private var checkpoints: [UInt64: StoredCheckpoint] = [:]
    private var latest: StoredCheckpoint?
    private var state: [String: [String: [UInt8]]] = [:]
    private var injectedFailure: (any Error)?

    /// How many batches were committed (empty ones included).
    public private(set) var appendCount = 0

    /// Creates an empty store.
    public init() {}

    /// Makes the next ``append(_:)`` throw `error` without writing anything.
    public func failNextAppend(_ error: any Error) { injectedFailure = error }

    public func latestCheckpoint() -> StoredCheckpoint? { latest }

    public func checkpoint(size: UInt64) -> StoredCheckpoint? { checkpoints[size] }

    public func checkpoints(in sizes: ClosedRange<UInt64>, limit: Int) -> [StoredCheckpoint] {
        Array(checkpoints.values.filter { sizes.contains($0.size) }.sorted { $0.size < $1.size }.prefix(limit))
    }

    public func append(_ batch: LedgerBatch) throws {
        if let error = injectedFailure {
            injectedFailure = nil
            throw error
        }
        let size = UInt64(entries.count)
        guard batch.startSize == size else { throw LedgerError.sequencingConflict(expected: batch.startSize, actual: size) }
        guard batch.checkpoint.size == size + UInt64(batch.entries.count) else {
            throw LedgerError.corruptStore("checkpoint size \(batch.checkpoint.size) does not match the batch")
        }
        if let existing = checkpoints[batch.checkpoint.size], existing.rootHash != batch.checkpoint.rootHash {
            throw LedgerError.corruptStore("a different root is already signed for size \(batch.checkpoint.size)")
        }
        var seen: Set<RecordID> = []
        for (offset, item) in batch.entries.enumerated() {
            guard item.entry.index == size + UInt64(offset) else {
                throw LedgerError.corruptStore("entry index \(item.entry.index) out of sequence")
            }
            guard recordIndex[item.recordID] == nil, seen.insert(item.recordID).inserted else {
                throw LedgerError.corruptStore("record \(item.recordID) is already in the log")
            }
        }
        for item in batch.entries {
            recordIndex[item.recordID] = item.entry.index
            entries.append(item.entry.encoded)
        }
        for node in batch.nodes where nodes[node.id] == nil { nodes[node.id] = node.hash }
        for write in batch.stateWrites { state[write.namespace, default: [:]][write.key] = write.value }
        checkpoints[batch.checkpoint.size] = batch.checkpoint
        latest = batch.checkpoint
        appendCount += 1
    }

    public func nodeHashes(_ ids: [NodeID]) -> [NodeID: TreeHash] {
        var out: [NodeID: TreeHash] = [:]
        for id in ids { out[id] = nodes[id] }
        return out
    }

    public func nodeHashes(level: UInt8, indexes: Range<UInt64>) -> [TreeHash] {
        var out: [TreeHash] = []
        for index in indexes {
            guard let hash = nodes[NodeID(level: level, index: index)] else { break }
            out.append(hash)
        }
        return out
    }

    public func entries(_ indexes: Range<UInt64>) -> [[UInt8]] {
        let upper = min(indexes.upperBound, UInt64(entries.count))
        guard indexes.lowerBound < upper else { return [] }
        return Array(entries[Int(indexes.lowerBound)..<Int(upper)])
    }

    public func index(of recordID: RecordID) -> UInt64? { recordIndex[recordID] }

    public func indexes(of recordIDs: [RecordID]) -> [RecordID: UInt64] {
        var out: [RecordID: UInt64] = [:]
        for id in recordIDs { out[id] = recordIndex[id] }
        return out
    }

    public func stateValue(namespace: String, key: String) -> [UInt8]? { state[namespace]?[key] }

    public func stateValues(namespace: String, keys: [String]) -> [String: [UInt8]] {
        guard let values = state[namespace] else { return [:] }
        var out: [String: [UInt8]] = [:]
        for key in keys { out[key] = values[key] }
        return out
    }

    public func stateEntries(namespace: String, prefix: String, after: String?, limit: Int) -> [(key: String, value: [UInt8])] {
        let matching = (state[namespace] ?? [:]).filter { key, _ in
            key.hasPrefix(prefix) && (after.map { $0.utf8.lexicographicallyPrecedes(key.utf8) } ?? true)
        }
        return matching.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.prefix(limit).map { ($0.key, $0.value) }
    }

    /// Every derived-state value, by namespace and key (for tests that compare whole states).
    public func allStateForTesting() -> [String: [String: [UInt8]]] { state }

    /// Overwrites a derived-state value behind the ledger's back (for replay tests).
    public func setStateForTesting(namespace: String, key: String, value: [UInt8]) {
        state[namespace, default: [:]][key] = value
    }

    /// Overwrites stored entry bytes, as an attacker with disk access could (for audit tests).
    public func tamper(index: UInt64, _ edit: (inout [UInt8]) -> Void) {
        edit(&entries[Int(index)])
    }
}
