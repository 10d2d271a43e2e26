import Foundation
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
    ///
    /// A document the sequencer writes may be encoded only when first read (see ``LazyDocument``): the sequencer
    /// encodes the values that reach the store (``resolved()``) before the batch is written.
    public var value: [UInt8]? {
        get { content.bytes }
        set { content = .bytes(newValue) }
    }
    /// The value as given: bytes, or a document not encoded yet.
    var content: Content

    /// A write's value: bytes (`nil` deletes) or a document encoded when first needed.
    enum Content: Sendable {
        case bytes([UInt8]?)
        case document(LazyDocument)

        /// The bytes (a document is encoded now; one that cannot be encoded reads as absent: the sequencer refuses
        /// to write it, see ``StateWrite/resolved()``).
        var bytes: [UInt8]? {
            switch self {
            case .bytes(let bytes): bytes
            case .document(let document): try? document.encoded()
            }
        }

        /// Whether the write deletes its key.
        var isDeletion: Bool {
            if case .bytes(nil) = self { return true }
            return false
        }
    }

    /// Creates a write.
    public init(namespace: String, key: String, value: [UInt8]?) {
        self.namespace = namespace
        self.key = key
        self.content = .bytes(value)
    }

    /// A write of a document encoded only when its bytes are needed: a key that later writes of the same batch
    /// supersede is never encoded.
    init(namespace: String, key: String, document: LazyDocument) {
        self.namespace = namespace
        self.key = key
        self.content = .document(document)
    }

    /// The write with its value encoded (a document that cannot be encoded throws its encoder's error).
    func resolved() throws -> StateWrite {
        guard case .document(let document) = content else { return self }
        return StateWrite(namespace: namespace, key: key, value: try document.encoded())
    }

    /// Whether the write deletes its key.
    var isDeletion: Bool { content.isDeletion }

    public static func == (lhs: StateWrite, rhs: StateWrite) -> Bool {
        lhs.namespace == rhs.namespace && lhs.key == rhs.key && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(namespace)
        hasher.combine(key)
        hasher.combine(value)
    }
}

/// A derived-state document whose encoding is computed on first use and then kept: the reputation engine's
/// documents that several records of a batch rewrite (a provider's, its history copy, a contribution) are encoded
/// once, for the last value, when the batch is written.
final class LazyDocument: Sendable {
    /// The document (what later records of the batch read, without decoding).
    let document: any Sendable
    private let encode: @Sendable () throws -> [UInt8]
    private let result = Mutex<Result<[UInt8], any Error>?>(nil)

    init(_ document: any Sendable, encode: @escaping @Sendable () throws -> [UInt8]) {
        self.document = document
        self.encode = encode
    }

    /// The document's bytes (encoded on the first call).
    func encoded() throws -> [UInt8] {
        if let known = result.withLock({ $0 }) { return try known.get() }
        let computed = Result { try encode() }
        result.withLock { $0 = computed }
        return try computed.get()
    }
}

extension StateWrite {
    /// The writes that leave the same state as applying `writes` in order: the last write of each key, in the
    /// order of those last writes.
    public static func lastPerKey(_ writes: [StateWrite]) -> [StateWrite] {
        guard writes.count > 1 else { return writes }
        var seen = Set<StateKey>(minimumCapacity: writes.count)
        var kept: [StateWrite] = []
        kept.reserveCapacity(writes.count)
        for write in writes.reversed() where seen.insert(StateKey(namespace: write.namespace, key: write.key)).inserted {
            kept.append(write)
        }
        if kept.count == writes.count { return writes }
        kept.reverse()
        return kept
    }
}

/// What the sequencer asks before it integrates a write.
public struct AdmissionRequest: Sendable {
    /// The DSSE envelope bytes as received.
    public var envelope: [UInt8]
    /// Its record id. The sequencer has checked that no entry of the log has it, and a batch holds
    /// each record id once.
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
    private var overlay: [String: [String: StateWrite.Content]] = [:]
    /// Pending writes of this copy only, above ``overlay`` (see ``layered()``): applying a record's writes to a
    /// copy of the batch's view then costs O(the record's writes), not a copy of the batch's overlay.
    private var layer: [String: [String: StateWrite.Content]]?
    /// The least key with a pending write, by namespace, in ``overlay`` and in ``layer``: a range read bounded below
    /// it (the reputation engine's due-date queue, read on every event, below the event's time) skips the pending
    /// keys without scanning them.
    private var overlayLeast: [String: String] = [:]
    private var layerLeast: [String: String] = [:]
    /// The ledger's memory of committed point reads, when it is the store's only writer.
    private let committed: CommittedStateCache?

    /// Store values read by this view, for a view that lives for one batch (see ``init(batchOver:)``).
    private let reads: ReadCache?

    /// Point and range reads remembered for the life of one batch.
    private final class ReadCache: Sendable {
        let values = Mutex<[StateKey: [UInt8]?]>([:])
        /// Keys of range reads (``keys(namespace:prefix:after:limit:)``): every record of a batch asks the
        /// reputation engine's due-date queue for the obligations due before the batch's time, for example.
        let ranges = Mutex<[RangeKey: [String]]>([:])
    }

    /// Documents of the batch's pending values, decoded or as written, for a view that lives for one batch.
    private let pendingDocuments: PendingDocuments?

    /// The decoded document of a pending value, with the bytes it stands for: it answers only while the overlay
    /// holds those very bytes (a later write of the key, or a copy of the view without that write, decodes anew).
    private final class PendingDocuments: Sendable {
        let values = Mutex<[StateKey: (bytes: [UInt8], document: any Sendable)]>([:])
    }

    /// A view of the store's state with no pending changes (for reads outside sequencing).
    public init(store: any LedgerStore) {
        self.store = store
        self.reads = nil
        self.committed = nil
        self.pendingDocuments = nil
    }

    /// A view of the committed state that consults (and feeds) the ledger's cache of point reads.
    init(store: any LedgerStore, committed: CommittedStateCache?) {
        self.store = store
        self.reads = nil
        self.committed = committed
        self.pendingDocuments = nil
    }

    /// The view the sequencer gives admission for one batch: point reads of the store are remembered
    /// for the batch, so the records of a batch that consult the same keys (the same auditor, image,
    /// provider or governance) read each from the store once. Only the sequencer writes the store and
    /// it does so after the batch, so a remembered value is the store's value for the whole batch.
    init(batchOver store: any LedgerStore, committed: CommittedStateCache? = nil) {
        self.store = store
        self.reads = ReadCache()
        self.committed = committed
        self.pendingDocuments = PendingDocuments()
    }

    /// The value at (`namespace`, `key`), or `nil`.
    public func value(namespace: String, key: String) async throws -> [UInt8]? {
        if let pending = pendingValue(namespace: namespace, key: key) { return pending }
        let stateKey = StateKey(namespace: namespace, key: key)
        if let known = reads?.values.withLock({ $0[stateKey] }) { return known }
        var generation: UInt64 = 0
        if let committed {
            let lookup = committed.lookup(stateKey)
            if let hit = lookup.value {
                reads?.values.withLock { $0[stateKey] = .some(hit) }
                return hit
            }
            generation = lookup.generation
        }
        let value = try await store.stateValue(namespace: namespace, key: key)
        reads?.values.withLock { $0[stateKey] = .some(value) }
        committed?.remember(stateKey, value, readAt: generation)
        return value
    }

    /// The values at `keys` of `namespace` (a key without a value is absent from the result): pending writes,
    /// the batch's and the ledger's remembered reads, then one store read (``LedgerStore/stateValues(namespace:keys:)``)
    /// for all the others.
    public func values(namespace: String, keys: [String]) async throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        out.reserveCapacity(keys.count)
        var missing: [String] = []
        // Taken before the store read: values read while a batch commits are not remembered.
        let generation = committed?.generation ?? 0
        for key in keys {
            if let pending = pendingValue(namespace: namespace, key: key) {
                if let pending { out[key] = pending }
                continue
            }
            let stateKey = StateKey(namespace: namespace, key: key)
            if let known = reads?.values.withLock({ $0[stateKey] }) {
                if let known { out[key] = known }
                continue
            }
            if let hit = committed?.lookup(stateKey).value {
                if let hit { out[key] = hit }
                continue
            }
            missing.append(key)
        }
        guard !missing.isEmpty else { return out }
        let found = try await store.stateValues(namespace: namespace, keys: missing)
        for key in missing {
            let value = found[key]
            let stateKey = StateKey(namespace: namespace, key: key)
            reads?.values.withLock { $0[stateKey] = .some(value) }
            committed?.remember(stateKey, value, readAt: generation)
            if let value { out[key] = value }
        }
        return out
    }

    /// The JSON documents at `keys` of `namespace` (a key without a value is absent), read like
    /// ``values(namespace:keys:)``; documents the ledger decoded before are not decoded again. A value that does
    /// not decode is a corrupt store.
    public func documents<T: Decodable & Sendable>(
        _ type: T.Type,
        namespace: String,
        keys: [String]
    ) async throws -> [String: T] {
        var out: [String: T] = [:]
        var rest: [String] = []
        let generation = committed?.generation ?? 0
        for key in keys {
            if pendingValue(namespace: namespace, key: key) == nil,
                let known = committed?.decoded(StateKey(namespace: namespace, key: key), as: T.self)
            {
                out[key] = known
            } else {
                rest.append(key)
            }
        }
        guard !rest.isEmpty else { return out }
        let decoder = JSONDecoder()
        for (key, bytes) in try await values(namespace: namespace, keys: rest) {
            let document: T
            do {
                document = try decoder.decode(T.self, from: Data(bytes))
            } catch {
                throw LedgerError.corruptStore("derived state \(namespace)/\(key) does not decode: \(error)")
            }
            if pendingValue(namespace: namespace, key: key) == nil {
                committed?.rememberDecoded(StateKey(namespace: namespace, key: key), document, readAt: generation)
            }
            out[key] = document
        }
        return out
    }

    /// The value at (`namespace`, `key`) decoded by `decode`, or `nil`.
    ///
    /// A committed value decoded once is remembered with the ledger's cache of point reads, so that
    /// the documents every admission consults (governance, an auditor, a provider) are not decoded
    /// again for each record.
    public func decoded<T: Sendable>(
        _ type: T.Type,
        namespace: String,
        key: String,
        decode: ([UInt8]) throws -> T
    ) async throws -> T? {
        let stateKey = StateKey(namespace: namespace, key: key)
        if let content = pendingContent(namespace: namespace, key: key) {
            // Written earlier in the batch: the document as written (or as decoded once), while the value is unchanged.
            if case .document(let lazy) = content, let document = lazy.document as? T { return document }
            guard let bytes = content.bytes else { return nil }
            guard let pendingDocuments else { return try decode(bytes) }
            if let known = pendingDocuments.values.withLock({ $0[stateKey] }), known.bytes == bytes,
                let document = known.document as? T
            {
                return document
            }
            let document = try decode(bytes)
            pendingDocuments.values.withLock { $0[stateKey] = (bytes, document) }
            return document
        }
        guard let committed else {
            return try await value(namespace: namespace, key: key).map(decode)
        }
        let generation = committed.generation
        if let known = committed.decoded(stateKey, as: T.self) { return known }
        guard let bytes = try await value(namespace: namespace, key: key) else { return nil }
        let value = try decode(bytes)
        committed.rememberDecoded(stateKey, value, readAt: generation)
        return value
    }

    /// The JSON document at (`namespace`, `key`), or `nil`; a value that does not decode is a corrupt store.
    public func document<T: Decodable & Sendable>(_ type: T.Type, namespace: String, key: String) async throws -> T? {
        try await decoded(T.self, namespace: namespace, key: key) { bytes in
            do {
                return try JSONDecoder().decode(T.self, from: Data(bytes))
            } catch {
                throw LedgerError.corruptStore("derived state \(namespace)/\(key) does not decode: \(error)")
            }
        }
    }

    /// Keys in `namespace` that start with `prefix` (and sort after `after` and before `before`, when given), in
    /// key order, at most `limit`.
    public func keys(
        namespace: String,
        prefix: String,
        after: String? = nil,
        before: String? = nil,
        limit: Int
    ) async throws -> [String] {
        let inRange = { (key: String) -> Bool in
            key.hasPrefix(prefix) && (after.map { key > $0 } ?? true) && (before.map { key < $0 } ?? true)
        }
        // Pending keys, each with whether it is deleted (none when every pending key sorts at or above `before`).
        var pending: [String: Bool] = [:]
        if let least = overlayLeast[namespace], before.map({ least < $0 }) ?? true {
            for (key, content) in overlay[namespace] ?? [:] where inRange(key) {
                pending[key] = content.isDeletion
            }
        }
        if let least = layerLeast[namespace], before.map({ least < $0 }) ?? true, let layered = layer?[namespace] {
            for (key, content) in layered where inRange(key) {
                pending[key] = content.isDeletion
            }
        }
        // Pending deletions may hide stored keys: read as many more, so that `limit` keys remain when they exist.
        let deletions = pending.values.reduce(0) { $0 + ($1 ? 1 : 0) }
        let range = RangeKey(namespace: namespace, prefix: prefix, after: after, limit: limit + deletions)
        var storedKeys: [String]
        if let known = reads?.ranges.withLock({ $0[range] }) {
            storedKeys = known
        } else if let known = committed?.range(range) {
            storedKeys = known
            reads?.ranges.withLock { $0[range] = known }
        } else {
            // Taken before the store read: a range read while a batch commits is not remembered.
            let generation = committed?.generation ?? 0
            storedKeys = try await store.stateEntries(namespace: namespace, prefix: prefix, after: after, limit: range.limit)
                .map(\.key)
            reads?.ranges.withLock { $0[range] = storedKeys }
            committed?.rememberRange(range, storedKeys, readAt: generation)
        }
        // The stored keys below `before` are a prefix of the store's range: when there are more than `limit` of
        // them, the first `limit` are the answer either way.
        if let before { storedKeys.removeAll { $0 >= before } }
        if pending.isEmpty { return Array(storedKeys.sorted().prefix(limit)) }
        var keys = Set(storedKeys)
        for (key, deleted) in pending {
            if deleted { keys.remove(key) } else { keys.insert(key) }
        }
        return Array(keys.sorted().prefix(limit))
    }

    /// The entries of `namespace` whose keys start with `prefix` (and sort after `after`, when given), in key
    /// order, at most `limit`: keys and values in one store read (plus the pending writes).
    public func entries(
        namespace: String,
        prefix: String,
        after: String? = nil,
        limit: Int
    ) async throws -> [(key: String, value: [UInt8])] {
        if overlay[namespace] == nil, layer?[namespace] == nil {
            return try await store.stateEntries(namespace: namespace, prefix: prefix, after: after, limit: limit)
        }
        let found = try await self.keys(namespace: namespace, prefix: prefix, after: after, limit: limit)
        let read = try await self.values(namespace: namespace, keys: found)
        return found.compactMap { key in read[key].map { (key, $0) } }
    }

    /// Records that the pending value `bytes` at (`namespace`, `key`) is the encoding of `document`, so that a read
    /// of the document later in the batch does not decode it (a view that lives for one batch only). `bytes` must
    /// decode to `document`.
    func rememberPending<T: Sendable>(_ document: T, bytes: [UInt8], namespace: String, key: String) {
        pendingDocuments?.values.withLock { $0[StateKey(namespace: namespace, key: key)] = (bytes, document) }
    }

    mutating func apply(_ writes: [StateWrite]) {
        if layer != nil {
            for write in writes {
                layer?[write.namespace, default: [:]][write.key] = write.content
                Self.lower(&layerLeast, write)
            }
            return
        }
        for write in writes {
            overlay[write.namespace, default: [:]][write.key] = write.content
            Self.lower(&overlayLeast, write)
        }
    }

    private static func lower(_ least: inout [String: String], _ write: StateWrite) {
        if let current = least[write.namespace], current <= write.key { return }
        least[write.namespace] = write.key
    }

    /// A copy of this view whose ``apply(_:)`` keeps its writes in a layer of its own, above this view's pending
    /// writes (which it shares without copying them). Reads see the same state as an ordinary copy would.
    func layered() -> StateView {
        guard layer == nil else { return self }
        var copy = self
        copy.layer = [:]
        copy.layerLeast = [:]
        return copy
    }

    /// The pending value at (`namespace`, `key`): `nil` when the key has no pending write, `.some(nil)` when it is
    /// pending deletion.
    private func pendingValue(namespace: String, key: String) -> [UInt8]?? {
        pendingContent(namespace: namespace, key: key).map(\.bytes)
    }

    /// The pending write at (`namespace`, `key`), as written (a document may not be encoded yet).
    private func pendingContent(namespace: String, key: String) -> StateWrite.Content? {
        if let layered = layer?[namespace]?[key] { return layered }
        return overlay[namespace]?[key]
    }
}

/// A (namespace, key) of the derived state.
/// A range read of the derived state: its namespace, key prefix, lower bound and limit.
struct RangeKey: Hashable, Sendable {
    var namespace: String
    var prefix: String
    var after: String?
    var limit: Int
}

struct StateKey: Hashable, Sendable {
    var namespace: String
    var key: String
}

/// Point reads of the committed derived state, kept by a ledger that is its store's only writer, so that
/// admission inside the sequencer and the request handlers' reads (the keys a record's signer is
/// checked against, the image an attestation names) do not each wait for a store read.
///
/// Coherence: the sequencer calls ``forget(_:)`` with a batch's writes before the batch commits, so a
/// reader never gets a remembered value older than the store's, and ``apply(_:)`` right after the batch
/// commits, which updates the remembered keys and starts a new generation. A value read from the store
/// is remembered only if no batch committed while it was being read (``remember(_:_:readAt:)``), so a
/// read that raced a commit cannot bring back an older value. A store that other writers extend
/// (``LedgerStore/isShared``) gets no cache; ``clear()`` forgets everything (a refresh that found
/// entries the ledger did not write).
final class CommittedStateCache: Sendable {
    private struct Contents {
        var values: [StateKey: [UInt8]?] = [:]
        /// Decoded documents of remembered values.
        var decoded: [StateKey: any Sendable] = [:]
        var generation: UInt64 = 0
        /// The keys ``forget(_:)`` took out that were remembered: ``apply(_:)`` remembers their new values.
        var forgotten: Set<StateKey> = []
        /// Range reads (the keys they found), forgotten when a batch writes their namespace: the reputation engine
        /// reads its due-date queue on every event, and most batches do not change it.
        var ranges: [RangeKey: [String]] = [:]
    }

    private let contents = Mutex(Contents())
    /// Remembered keys at most; reaching it forgets them all (amortised O(1), no bookkeeping per read).
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The remembered value (`.some(nil)`: known absent), and the generation to pass to
    /// ``remember(_:_:readAt:)`` after a miss.
    func lookup(_ key: StateKey) -> (value: [UInt8]??, generation: UInt64) {
        contents.withLock { ($0.values[key], $0.generation) }
    }

    /// Remembers a value read from the store, unless a batch committed since `generation`.
    func remember(_ key: StateKey, _ value: [UInt8]?, readAt generation: UInt64) {
        contents.withLock { contents in
            guard contents.generation == generation else { return }
            if contents.values.count >= capacity {
                contents.values.removeAll(keepingCapacity: true)
                contents.decoded.removeAll(keepingCapacity: true)
            }
            contents.values[key] = .some(value)
        }
    }

    /// The current generation (a batch committed since a read if it changed).
    var generation: UInt64 { contents.withLock { $0.generation } }

    /// The keys a remembered range read found.
    func range(_ key: RangeKey) -> [String]? {
        contents.withLock { $0.ranges[key] }
    }

    /// Remembers a range read from the store, unless a batch committed since `generation`.
    func rememberRange(_ key: RangeKey, _ keys: [String], readAt generation: UInt64) {
        contents.withLock { contents in
            guard contents.generation == generation else { return }
            if contents.ranges.count >= 1_024 { contents.ranges.removeAll(keepingCapacity: true) }
            contents.ranges[key] = keys
        }
    }

    /// The decoded document remembered for `key`, if it has type `T`.
    func decoded<T: Sendable>(_ key: StateKey, as type: T.Type) -> T? {
        contents.withLock { $0.decoded[key] as? T }
    }

    /// Remembers a decoded document, unless a batch committed since `generation` or the value itself is
    /// not remembered.
    func rememberDecoded(_ key: StateKey, _ value: some Sendable, readAt generation: UInt64) {
        contents.withLock { contents in
            guard contents.generation == generation, contents.values[key] != nil else { return }
            contents.decoded[key] = value
        }
    }

    /// Forgets the keys a batch is about to write, before its commit: while the commit becomes visible
    /// to the store's readers, these keys are read from the store like any unremembered key (old or new
    /// value, as without a cache), and no read that started earlier is remembered.
    func forget(_ writes: [StateWrite]) {
        contents.withLock { contents in
            contents.generation &+= 1
            if !contents.ranges.isEmpty {
                let written = Set(writes.map(\.namespace))
                contents.ranges = contents.ranges.filter { !written.contains($0.key.namespace) }
            }
            for write in writes {
                let key = StateKey(namespace: write.namespace, key: write.key)
                if contents.values.removeValue(forKey: key) != nil { contents.forgotten.insert(key) }
                contents.decoded[key] = nil
            }
        }
    }

    /// Brings remembered keys up to date with a committed batch's writes: the keys that were remembered before
    /// ``forget(_:)`` took them out get their new values (keys never remembered stay unremembered: most writes
    /// are index keys that are only ever read by range). The keys a batch rewrites every time (a provider's
    /// reputation, an image's attestation count) are then not read from the store again by the next batch.
    ///
    /// `documents`, when given, are the same writes before their documents were encoded (parallel to `writes`): a
    /// remembered key written as a document keeps that document as its decoded value, so that the next batch does
    /// not decode what this one encoded (later records of a batch read the same documents as pending values).
    func apply(_ writes: [StateWrite], documents: [StateWrite]? = nil) {
        contents.withLock { contents in
            contents.generation &+= 1
            for (offset, write) in writes.enumerated() {
                let key = StateKey(namespace: write.namespace, key: write.key)
                if contents.forgotten.contains(key) || contents.values[key] != nil {
                    contents.values[key] = .some(write.value)
                    if let documents, case .document(let lazy) = documents[offset].content {
                        contents.decoded[key] = lazy.document
                    } else {
                        contents.decoded[key] = nil
                    }
                }
            }
            contents.forgotten.removeAll(keepingCapacity: true)
        }
    }

    /// Forgets every value.
    func clear() {
        contents.withLock { contents in
            contents.generation &+= 1
            contents.values.removeAll()
            contents.decoded.removeAll()
            contents.forgotten.removeAll()
            contents.ranges.removeAll()
        }
    }
}
