import Provenance
import Synchronization

/// One change to the ledger's derived state: sets `value` at (`namespace`, `key`), or deletes
/// the key when `value` is `nil`.
///
/// Derived state (indexes such as image digest → records, provider → keys) is a function of
/// the entries alone. It is written in the same transaction as the entries that cause it, so a
/// reader never sees one without the other, and can be rebuilt by replaying the log.
public struct StateWrite: Sendable, Hashable {
    /// A table-like grouping, e.g. `provider` or `children`.
    public var namespace: String
    /// The key inside the namespace. Keys sort bytewise, so prefixes select ranges.
    public var key: String
    /// The new value, or `nil` to delete.
    public var value: [UInt8]?

    /// Creates a write.
    public init(namespace: String, key: String, value: [UInt8]?) {
        self.namespace = namespace
        self.key = key
        self.value = value
    }
}

/// What the sequencer asks before it integrates a write.
public struct AdmissionRequest: Sendable {
    /// The DSSE envelope bytes as received.
    public var envelope: [UInt8]
    /// Its record id.
    public var recordID: RecordID
    /// The integration time the entry will get, milliseconds since the Unix epoch.
    public var integratedAtMillis: Int64
    /// Whatever the caller of ``Ledger/submit(envelope:recordID:context:)`` computed before
    /// sequencing (a parsed record, the keys whose signatures verified), so that expensive
    /// work is not repeated inside the sequencer.
    public var context: (any Sendable)?
}

/// The answer to an ``AdmissionRequest``.
public enum AdmissionDecision: Sendable {
    /// Integrate the write, applying these derived-state changes in the same transaction.
    case admit([StateWrite])
    /// Refuse the write; its submitter gets this error and nothing is written.
    case reject(any Error)
}

/// Decides, inside the sequencer and in log order, whether writes may enter the log.
///
/// Checks that depend on the state of the log (is this key valid for this provider now, does
/// the previous record exist) belong here: the sequencer is the only place where the state is
/// known not to change between the check and the write. `state` shows the stored state plus
/// the changes of writes admitted earlier in the same batch.
public protocol EntryAdmission: Sendable {
    /// Admits or refuses one write.
    func admit(_ request: AdmissionRequest, state: StateView) async throws -> AdmissionDecision
}

/// Admits every write and changes no state: the log as a plain transparency log.
public struct AdmitAll: EntryAdmission {
    /// Creates the policy.
    public init() {}

    public func admit(_ request: AdmissionRequest, state: StateView) async throws -> AdmissionDecision { .admit([]) }
}

/// Read access to the derived state during sequencing: the store, overlaid with the writes of
/// entries admitted earlier in the same batch.
public struct StateView: Sendable {
    private let store: any LedgerStore
    /// Pending writes by namespace, then key (per namespace, so that a range read scans its namespace only).
    private var overlay: [String: [String: [UInt8]?]] = [:]

    private struct StateKey: Hashable {
        var namespace: String
        var key: String
    }

    /// Store values read by this view, for a view that lives for one batch (see ``init(batchOver:)``).
    private let reads: ReadCache?

    /// Point reads remembered for the life of one batch.
    private final class ReadCache: Sendable {
        let values = Mutex<[StateKey: [UInt8]?]>([:])
    }

    /// A view of the store's state with no pending changes (for reads outside sequencing).
    public init(store: any LedgerStore) {
        self.store = store
        self.reads = nil
    }

    /// The view the sequencer gives admission for one batch: point reads of the store are remembered
    /// for the batch, so the records of a batch that consult the same keys (the same auditor, image,
    /// provider or governance) read each from the store once. Only the sequencer writes the store and
    /// it does so after the batch, so a remembered value is the store's value for the whole batch.
    init(batchOver store: any LedgerStore) {
        self.store = store
        self.reads = ReadCache()
    }

    /// The value at (`namespace`, `key`), or `nil`.
    public func value(namespace: String, key: String) async throws -> [UInt8]? {
        if let pending = overlay[namespace]?[key] { return pending }
        let stateKey = StateKey(namespace: namespace, key: key)
        guard let reads else { return try await store.stateValue(namespace: namespace, key: key) }
        if let known = reads.values.withLock({ $0[stateKey] }) { return known }
        let value = try await store.stateValue(namespace: namespace, key: key)
        reads.values.withLock { $0[stateKey] = .some(value) }
        return value
    }

    /// Keys in `namespace` that start with `prefix` (and sort after `after`, when given), in key order,
    /// at most `limit`.
    public func keys(namespace: String, prefix: String, after: String? = nil, limit: Int) async throws -> [String] {
        let pending = (overlay[namespace] ?? [:]).filter { key, _ in key.hasPrefix(prefix) && after.map({ key > $0 }) ?? true }
        // Pending deletions may hide stored keys: read as many more, so that `limit` keys remain when they exist.
        let deletions = pending.values.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
        let stored = try await store.stateEntries(namespace: namespace, prefix: prefix, after: after, limit: limit + deletions)
        var keys = Set(stored.map(\.key))
        for (key, value) in pending {
            if value == nil { keys.remove(key) } else { keys.insert(key) }
        }
        return Array(keys.sorted().prefix(limit))
    }

    mutating func apply(_ writes: [StateWrite]) {
        for write in writes {
            overlay[write.namespace, default: [:]][write.key] = .some(write.value)
        }
    }
}
