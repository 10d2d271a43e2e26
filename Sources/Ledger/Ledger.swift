import Logging
import Metrics
import Policy
import Provenance
import TransparencyLog

/// Settings of a ``Ledger``.
public struct LedgerConfiguration: Sendable {
    /// The log's origin line (c2sp.org/tlog-checkpoint); also the checkpoint key's name.
    public var origin: String
    /// Most entries sequenced in one transaction.
    public var maxBatchSize: Int
    /// How many recent node hashes to keep in memory for building receipts.
    public var nodeCacheCapacity: Int
    /// How many committed derived-state values (point reads) to keep in memory; 0 keeps none.
    public var stateCacheCapacity: Int

    /// The default origin of a vmtrust log.
    public static let defaultOrigin = "vmtrust.local/log"

    /// Creates a configuration.
    public init(
        origin: String = LedgerConfiguration.defaultOrigin,
        maxBatchSize: Int = 4096,
        nodeCacheCapacity: Int = 1 << 18,
        stateCacheCapacity: Int = 1 << 15
    ) {
        self.origin = origin
        self.maxBatchSize = maxBatchSize
        self.nodeCacheCapacity = nodeCacheCapacity
        self.stateCacheCapacity = stateCacheCapacity
    }
}

/// The sequencer and reader of one verifiable log.
///
/// `Ledger` groups concurrent writes into batches: each batch is one durable store
/// transaction that adds the entries, the new tree nodes and one newly signed checkpoint.
/// A write's ``submit(envelope:recordID:)`` returns only after that transaction committed,
/// with a ``Receipt`` whose proof verifies against the new checkpoint.
///
/// Start-up loads the latest checkpoint and the O(log n) right edge of the tree, and checks
/// that they agree; no read or write is proportional to the log size.
public actor Ledger {
    let store: any LedgerStore
    private let signer: any NoteSigner
    private let admission: any EntryAdmission
    private let configuration: LedgerConfiguration
    private let clock: @Sendable () -> Int64
    private let logger: Logger

    private var tree: CompactRange
    private var latest: StoredCheckpoint
    private var cache: NodeCache
    /// Committed point reads of the derived state; `nil` on a store other writers share.
    private let stateCache: CommittedStateCache?
    /// The latest checkpoint for policy reads (``readPolicyFacts(signers:_:)``); `nil` on a store other writers share.
    private let publication: CheckpointPublication?
    private var pending: [PendingWrite] = []
    private var waiters: [RecordID: [CheckedContinuation<Receipt, any Error>]] = [:]
    private var flushing = false
    /// Where the flush task runs (see ``SequencerExecutor``).
    private let sequencerExecutor = SequencerExecutor(label: "vmtrust.ledger.sequencer")
    private let broadcaster = CommitBroadcaster()

    private let appendedCounter = Counter(label: "vmtrust_ledger_entries_appended_total")
    private let batchCounter = Counter(label: "vmtrust_ledger_batches_total")
    private let batchSizeRecorder = Recorder(label: "vmtrust_ledger_batch_size")
    private let commitTimer = Timer(label: "vmtrust_ledger_commit_seconds")
    private let admissionTimer = Timer(label: "vmtrust_ledger_admission_seconds")
    private let treeSizeGauge = Gauge(label: "vmtrust_ledger_tree_size")
    private let conflictCounter = Counter(label: "vmtrust_ledger_sequencing_conflicts_total")

    private struct PendingWrite: Sendable {
        var envelope: [UInt8]
        var recordID: RecordID
        var context: (any Sendable)?
    }

    /// Opens a ledger on a store, signing checkpoints with `signer`.
    ///
    /// - Parameters:
    ///   - store: where entries, nodes and checkpoints live.
    ///   - signer: the log key; its name must equal `configuration.origin`.
    ///   - configuration: origin and batching.
    ///   - admission: decides inside the sequencer whether each write may enter the log and
    ///     which derived state it changes.
    ///   - clock: integration time in milliseconds since the Unix epoch (passed in for tests).
    ///   - logger: where sequencing problems are reported.
    public init(
        store: any LedgerStore,
        signer: any NoteSigner,
        configuration: LedgerConfiguration = .init(),
        admission: any EntryAdmission = AdmitAll(),
        clock: @escaping @Sendable () -> Int64,
        logger: Logger = Logger(label: "vmtrust.ledger")
    ) async throws {
        guard signer.name == configuration.origin else {
            throw LedgerError(
                code: .corruptStore,
                message: "log key is named \(signer.name) but the log origin is \(configuration.origin)"
            )
        }
        self.store = store
        self.signer = signer
        self.admission = admission
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.cache = NodeCache(capacity: configuration.nodeCacheCapacity)
        self.stateCache =
            store.isShared || configuration.stateCacheCapacity <= 0
            ? nil : CommittedStateCache(capacity: configuration.stateCacheCapacity)

        if let latest = try await store.latestCheckpoint() {
            self.tree = try await Self.loadEdge(of: latest, from: store)
            self.latest = latest
        } else {
            // A new log publishes a signed checkpoint for the empty tree.
            let empty = try Self.sign(size: 0, root: RFC6962.emptyRoot, origin: configuration.origin, signer: signer)
            do {
                try await store.append(LedgerBatch(startSize: 0, entries: [], nodes: [], checkpoint: empty))
                self.tree = CompactRange()
                self.latest = empty
            } catch let error as LedgerError where error.code == .sequencingConflict {
                // Another replica sharing the store published first.
                guard let latest = try await store.latestCheckpoint() else { throw error }
                self.tree = try await Self.loadEdge(of: latest, from: store)
                self.latest = latest
            }
        }
        self.publication = store.isShared ? nil : CheckpointPublication(latest)
        treeSizeGauge.record(Int64(latest.size))
    }

    /// The latest published checkpoint.
    public var latestCheckpoint: StoredCheckpoint { latest }

    /// Writes waiting for the next batch (not counting the batch being committed).
    public var pendingCount: Int { pending.count }

    /// The ledger's clock: milliseconds since the Unix epoch.
    public nonisolated func now() -> Int64 { clock() }

    /// The provenance state as committed (for reads outside sequencing).
    public nonisolated var provenanceState: LedgerProvenanceState {
        LedgerProvenanceState(view: committedState)
    }

    /// The committed derived state (for reads outside sequencing), through the ledger's cache of
    /// point reads.
    public nonisolated var committedState: StateView { StateView(store: store, committed: stateCache) }

    /// The ledger's store as a ``DecisionStore``, when it is one (SQLite, PostgreSQL): decisions then live in the
    /// log's database.
    public nonisolated var decisionStore: (any DecisionStore)? { store as? any DecisionStore }

    /// Runs `body` over the policy facts of the committed state at one checkpoint
    /// (``LedgerPolicyFactSource/read(store:signers:_:)``).
    public nonisolated func readPolicyFacts<T: Sendable>(
        signers: SignerKeyCache,
        _ body: (LedgerPolicyFactSource) async throws -> T
    ) async throws -> T {
        try await LedgerPolicyFactSource.read(store: store, publication: publication, signers: signers, body)
    }

    /// The size of the checkpoint this ledger last published, when it is its store's only writer and no batch is
    /// committing (`nil` otherwise): values read consistently at that checkpoint are the state now.
    public nonisolated func publishedSize() -> UInt64? {
        publication?.current()?.checkpoint.size
    }

    /// The log entry holding `recordID`, read from the committed store (no catch-up with other writers).
    public nonisolated func committedEntry(for recordID: RecordID) async throws -> LedgerEntry? {
        guard let index = try await store.index(of: recordID),
            let bytes = try await store.entries(index..<(index + 1)).first
        else { return nil }
        return try LedgerEntry(encoded: bytes)
    }

    /// Checks that the store can serve (it answers, its schema is current) and catches up with
    /// checkpoints other writers published: throws when the store cannot answer.
    public func checkStore() async throws {
        try await store.checkReady()
        try await refresh()
    }

    /// Catches up with the store: when another writer sharing it (a replica on the same
    /// database) published a newer checkpoint, loads that checkpoint and the O(log n) right
    /// edge of its tree, checked against its root. Throws when the store lost published
    /// checkpoints or holds another root for the published size.
    public func refresh() async throws {
        guard let stored = try await store.latestCheckpoint(), stored.size >= latest.size else {
            throw LedgerError.corruptStore("the store lost checkpoints that were published")
        }
        guard stored.size > latest.size else {
            guard stored.rootHash == latest.rootHash else {
                throw LedgerError.corruptStore("the store holds another root for published size \(latest.size)")
            }
            return
        }
        let edge = try await Self.loadEdge(of: stored, from: store)
        // Entries this ledger did not write changed the derived state.
        stateCache?.clear()
        advance(tree: edge, checkpoint: stored)
        publication?.endCommit(publishing: stored)
    }

    /// Moves the published state forward (never back: a refresh and a batch may race).
    private func advance(tree next: CompactRange, checkpoint: StoredCheckpoint) {
        guard checkpoint.size > latest.size else { return }
        tree = next
        latest = checkpoint
        treeSizeGauge.record(Int64(checkpoint.size))
    }

    /// Catches up when asked about a size beyond the published one (another writer may have
    /// extended the store; otherwise the caller's range check answers).
    private func catchUp(to size: UInt64) async throws {
        if size > latest.size { try await refresh() }
    }

    private static func loadEdge(of checkpoint: StoredCheckpoint, from store: any LedgerStore) async throws -> CompactRange {
        let ids = CompactRange.nodes(forSize: checkpoint.size)
        let found = try await store.nodeHashes(ids)
        var hashes: [TreeHash] = []
        for id in ids {
            guard let hash = found[id] else {
                throw LedgerError.corruptStore("node \(id) of the tree's right edge is missing")
            }
            hashes.append(hash)
        }
        let tree = try CompactRange(size: checkpoint.size, hashes: hashes)
        guard tree.root() == checkpoint.rootHash else {
            throw LedgerError.corruptStore("stored nodes give a root that differs from checkpoint \(checkpoint.size)")
        }
        return tree
    }

    /// The log origin.
    public nonisolated var origin: String { configuration.origin }

    // MARK: - Writing

    /// Sequences an already verified DSSE envelope and returns its receipt once durable.
    ///
    /// An envelope whose record id is already in the log is not written again: its original
    /// receipt comes back (with ``Receipt/duplicate`` set), with a proof against the latest
    /// checkpoint. A write that the ledger's ``EntryAdmission`` refuses throws its error.
    ///
    /// - Parameter context: passed to the admission policy unchanged (for example the parsed
    ///   record and the keys whose signatures verified).
    public func submit(envelope: [UInt8], recordID: RecordID, context: (any Sendable)? = nil) async throws -> Receipt {
        guard envelope.count <= LedgerEntry.maxEnvelopeSize else {
            throw LedgerError(
                code: .entryTooLarge,
                message: "the envelope is \(envelope.count) bytes; entries hold at most \(LedgerEntry.maxEnvelopeSize)"
            )
        }
        return try await withCheckedThrowingContinuation { continuation in
            if waiters[recordID] != nil {
                waiters[recordID]!.append(continuation)
                return
            }
            waiters[recordID] = [continuation]
            pending.append(PendingWrite(envelope: envelope, recordID: recordID, context: context))
            if !flushing {
                flushing = true
                Task(executorPreference: sequencerExecutor) { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let take = min(pending.count, configuration.maxBatchSize)
            let writes = Array(pending.prefix(take))
            pending.removeFirst(take)
            do {
                try await sequenceRetryingConflicts(writes)
            } catch {
                logger.error("sequencing a batch failed", metadata: ["error": "\(error)", "entries": "\(writes.count)"])
                for write in writes {
                    for waiter in waiters.removeValue(forKey: write.recordID) ?? [] {
                        waiter.resume(throwing: error)
                    }
                }
            }
        }
        flushing = false
    }

    /// How many times a batch is rebuilt when other writers extended a shared store first.
    private static let maxConflictRetries = 100

    private func sequenceRetryingConflicts(_ writes: [PendingWrite]) async throws {
        var attempt = 0
        // On a shared store another replica may have extended the log since the last batch.
        if store.isShared { try await refresh() }
        while true {
            do {
                try await sequence(writes)
                return
            } catch let error as LedgerError where error.code == .sequencingConflict && attempt < Self.maxConflictRetries {
                // Another writer extended the log after the refresh: catch up and build the batch again.
                attempt += 1
                conflictCounter.increment()
                try await refresh()
            }
        }
    }

    private func sequence(_ writes: [PendingWrite]) async throws {
        // Records already in the log get their original receipts.
        let existing = try await store.indexes(of: writes.map(\.recordID))
        var fresh: [PendingWrite] = []
        var duplicates: [(RecordID, UInt64)] = []
        for write in writes {
            if let index = existing[write.recordID] {
                duplicates.append((write.recordID, index))
            } else {
                fresh.append(write)
            }
        }

        var receipts: [RecordID: Receipt] = [:]
        let time = clock()
        var next = tree
        var entries: [BatchEntry] = []
        var nodes: [(id: NodeID, hash: TreeHash)] = []
        let admissionStarted = ContinuousClock.now
        let admitted = try await Self.admit(
            fresh,
            at: time,
            admission: admission,
            state: StateView(batchOver: store, committed: stateCache)
        )
        // Only the last write of a key in the batch reaches the store: the batch is one transaction, so its
        // earlier values are never visible (a key written by several entries of a batch, such as a provider's
        // reputation document, its history copy at the batch's time or an image's attestation count, is
        // written once).
        // Documents are encoded here, for those last values only (see ``LazyDocument``).
        let lastWrites = StateWrite.lastPerKey(admitted.stateWrites)
        let stateWrites = try lastWrites.map { try $0.resolved() }
        let rejections = admitted.rejections
        let notify = !broadcaster.isEmpty
        var committed: [CommittedEntry] = []
        entries.reserveCapacity(admitted.writes.count)
        nodes.reserveCapacity(admitted.writes.count * 2 + 64)
        for (write, changes) in zip(admitted.writes, admitted.changes) {
            if notify {
                committed.append(CommittedEntry(index: next.size, recordID: write.recordID, stateWrites: changes))
            }
            let entry = LedgerEntry(index: next.size, integratedAtMillis: time, envelope: write.envelope)
            entries.append(BatchEntry(entry: entry, recordID: write.recordID))
            nodes.append(contentsOf: next.append(entry.leafHash))
        }
        admissionTimer.record(duration: admissionStarted.duration(to: .now))
        if !entries.isEmpty {
            let checkpoint = try Self.sign(size: next.size, root: next.root(), origin: configuration.origin, signer: signer)
            let batch = LedgerBatch(
                startSize: tree.size,
                entries: entries,
                nodes: nodes,
                checkpoint: checkpoint,
                stateWrites: stateWrites
            )

            let started = ContinuousClock.now
            stateCache?.forget(stateWrites)
            publication?.beginCommit()
            do {
                try await store.append(batch)
            } catch {
                publication?.endCommit(publishing: nil)
                throw error
            }
            let elapsed = started.duration(to: .now)
            commitTimer.recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            )

            stateCache?.apply(stateWrites, documents: lastWrites)
            let startSize = tree.size
            advance(tree: next, checkpoint: checkpoint)
            publication?.endCommit(publishing: checkpoint)
            for node in nodes { cache.insert(node.id, node.hash) }
            if notify {
                broadcaster.publish(CommittedBatch(startSize: startSize, size: checkpoint.size, time: time, entries: committed))
            }
            appendedCounter.increment(by: entries.count)
            batchCounter.increment()
            batchSizeRecorder.record(entries.count)

            let proofs = try await inclusionProofs(indexes: entries.map(\.entry.index), size: checkpoint.size)
            for (item, proof) in zip(entries, proofs) {
                receipts[item.recordID] = Receipt(
                    index: item.entry.index,
                    recordID: item.recordID,
                    integratedAtMillis: item.entry.integratedAtMillis,
                    leafHash: item.entry.leafHash,
                    treeSize: checkpoint.size,
                    inclusionProof: proof,
                    checkpoint: checkpoint.note,
                    duplicate: false
                )
            }
        }
        for (recordID, error) in rejections {
            for waiter in waiters.removeValue(forKey: recordID) ?? [] { waiter.resume(throwing: error) }
        }
        for (recordID, index) in duplicates {
            receipts[recordID] = try await receipt(index: index, recordID: recordID)
        }
        for (recordID, receipt) in receipts {
            for waiter in waiters.removeValue(forKey: recordID) ?? [] {
                waiter.resume(returning: receipt)
            }
        }
    }

    /// What admission decided for one batch.
    private struct BatchAdmission: Sendable {
        /// The admitted writes, in order.
        var writes: [PendingWrite] = []
        /// The derived-state changes of each admitted write (parallel to ``writes``).
        var changes: [[StateWrite]] = []
        /// Their derived-state changes, in order.
        var stateWrites: [StateWrite] = []
        /// The refused writes and why (answered once the batch is committed: a conflict rebuilds it).
        var rejections: [(RecordID, any Error)] = []
    }

    /// Admits a batch's writes one after the other, each against the state including the earlier ones.
    ///
    /// Runs off the actor as one task: admission is a chain of nonisolated calls, and calling it per
    /// write from the actor would cost two executor hops per write, each waiting behind the request
    /// handlers' work on the shared pool; the sequencer is the log's one serial section.
    private nonisolated static func admit(
        _ writes: [PendingWrite],
        at time: Int64,
        admission: any EntryAdmission,
        state: StateView
    ) async throws -> BatchAdmission {
        var state = state
        var result = BatchAdmission()
        result.writes.reserveCapacity(writes.count)
        for write in writes {
            let request = AdmissionRequest(
                envelope: write.envelope,
                recordID: write.recordID,
                integratedAtMillis: time,
                context: write.context
            )
            switch try await admission.admit(request, state: state) {
            case .reject(let error):
                result.rejections.append((write.recordID, error))
            case .admit(let changes):
                state.apply(changes)
                result.stateWrites.append(contentsOf: changes)
                result.writes.append(write)
                result.changes.append(changes)
            }
        }
        return result
    }

    private static func sign(size: UInt64, root: TreeHash, origin: String, signer: any NoteSigner) throws -> StoredCheckpoint {
        let body = Checkpoint(origin: origin, size: size, rootHash: root.bytes).text
        let note = try Note.sign(text: body, signers: [signer])
        return StoredCheckpoint(size: size, rootHash: root, note: note.formatted)
    }

    /// Committed batches from now on, each published once its transaction is durable.
    ///
    /// The stream keeps at most `buffer` batches its reader has not taken yet, dropping the oldest: a
    /// reader notices a loss because a batch's ``CommittedBatch/startSize`` is beyond the size of the
    /// last batch it saw. Publishing never waits for readers. Only batches this process sequenced are
    /// published (not those of other replicas sharing the store).
    public nonisolated func commits(buffer: Int = 256) -> AsyncStream<CommittedBatch> {
        broadcaster.subscribe(buffer: buffer)
    }

    // MARK: - Reading

    /// The receipt of an entry already in the log, proven against the latest checkpoint.
    public func receipt(for recordID: RecordID) async throws -> Receipt? {
        guard let index = try await store.index(of: recordID) else { return nil }
        return try await receipt(index: index, recordID: recordID)
    }

    private func receipt(index: UInt64, recordID: RecordID) async throws -> Receipt {
        try await catchUp(to: index + 1)
        let checkpoint = latest
        guard index < checkpoint.size else {
            throw LedgerError.outOfRange("entry \(index) is not yet in a published checkpoint")
        }
        guard let bytes = try await store.entries(index..<(index + 1)).first else {
            throw LedgerError.corruptStore("entry \(index) is indexed but missing")
        }
        let entry = try LedgerEntry(encoded: bytes)
        let proof = try await inclusionProofs(indexes: [index], size: checkpoint.size)[0]
        return Receipt(
            index: index,
            recordID: recordID,
            integratedAtMillis: entry.integratedAtMillis,
            leafHash: RFC6962.leafHash(bytes),
            treeSize: checkpoint.size,
            inclusionProof: proof,
            checkpoint: checkpoint.note,
            duplicate: true
        )
    }

    /// Inclusion proof of `index` in the tree of `size` leaves (`size` at most the published size).
    public func inclusionProof(index: UInt64, size: UInt64) async throws -> [TreeHash] {
        try await catchUp(to: size)
        guard size <= latest.size else {
            throw LedgerError.outOfRange("tree size \(size) is beyond the published size \(latest.size)")
        }
        guard index < size else {
            throw LedgerError.outOfRange("index \(index) is not below tree size \(size)")
        }
        return try await inclusionProofs(indexes: [index], size: size)[0]
    }

    /// Consistency proof between two published sizes (`from <= to <=` published size).
    public func consistencyProof(from: UInt64, to: UInt64) async throws -> [TreeHash] {
        try await catchUp(to: to)
        guard to <= latest.size else {
            throw LedgerError.outOfRange("tree size \(to) is beyond the published size \(latest.size)")
        }
        guard from <= to else {
            throw LedgerError.outOfRange("from \(from) is larger than to \(to)")
        }
        return try await resolve([MerkleTree.consistencyPlan(from: from, to: to)])[0]
    }

    /// The root of the tree at a published size.
    public func rootHash(size: UInt64) async throws -> TreeHash {
        try await catchUp(to: size)
        guard size <= latest.size else {
            throw LedgerError.outOfRange("tree size \(size) is beyond the published size \(latest.size)")
        }
        return try await resolve([MerkleTree.rootPlan(size: size)])[0][0]
    }

    private func inclusionProofs(indexes: [UInt64], size: UInt64) async throws -> [[TreeHash]] {
        var plans: [HashPlan] = []
        plans.reserveCapacity(indexes.count)
        for index in indexes {
            plans.append(try MerkleTree.inclusionPlan(index: index, size: size))
        }
        return try await resolve(plans)
    }

    /// Assembles plans from the node cache, fetching what it lacks in one store read.
    private func resolve(_ plans: [HashPlan]) async throws -> [[TreeHash]] {
        let known = try await nodeHashes(plans.lazy.flatMap(\.nodes))
        return try plans.map { plan in try plan.assemble { id in known[id] } }
    }

    /// The hashes of `ids`: cache hits, plus one store read for the rest.
    ///
    /// The hits are copied out before the store read: while this call is suspended, other
    /// work on the actor (a batch being cached) may evict them.
    private func nodeHashes(_ ids: some Sequence<NodeID>) async throws -> [NodeID: TreeHash] {
        var known: [NodeID: TreeHash] = [:]
        var missing: Set<NodeID> = []
        for id in ids {
            if let hash = cache[id] { known[id] = hash } else { missing.insert(id) }
        }
        if !missing.isEmpty {
            let fetched = try await store.nodeHashes(Array(missing))
            guard fetched.count == missing.count else {
                throw LedgerError.corruptStore("\(missing.count - fetched.count) tree nodes are missing from the store")
            }
            for (id, hash) in fetched {
                known[id] = hash
                cache.insert(id, hash)
            }
        }
        return known
    }

    /// Where records sit in the log and the proofs of it, against the latest checkpoint, in
    /// two store reads whatever their number (the indexes, then the missing nodes).
    public func inclusionProofs(for recordIDs: [RecordID]) async throws -> [RecordID: RecordProof] {
        let found = try await store.indexes(of: recordIDs)
        try await catchUp(to: (found.values.max() ?? 0) + 1)
        let checkpoint = latest
        let indexes = found.filter { $0.value < checkpoint.size }
        let ordered = Array(indexes)
        let plans = try ordered.map { try MerkleTree.inclusionPlan(index: $0.value, size: checkpoint.size) }
        let leaves = ordered.map { NodeID(level: 0, index: $0.value) }
        let known = try await nodeHashes(plans.flatMap(\.nodes) + leaves)
        var out: [RecordID: RecordProof] = [:]
        for ((id, index), (plan, leaf)) in zip(ordered, zip(plans, leaves)) {
            guard let leafHash = known[leaf] else { throw LedgerError.corruptStore("leaf \(index) is missing") }
            let proof = try plan.assemble { known[$0] }
            out[id] = RecordProof(index: index, leafHash: leafHash, treeSize: checkpoint.size, inclusionProof: proof)
        }
        return out
    }

    /// A hash tile of the published tree, or `nil` when the tree does not have it (yet).
    public func hashTile(_ tile: TileID) async throws -> [UInt8]? {
        if !tile.isEntries, store.isShared,
            TileID.hashTile(level: tile.level, index: tile.index, treeSize: latest.size).map({ tile.width > $0.width }) ?? true
        {
            try await refresh()
        }
        guard !tile.isEntries,
            let available = TileID.hashTile(level: tile.level, index: tile.index, treeSize: latest.size),
            tile.width <= available.width
        else { return nil }
        let start = tile.index * UInt64(TileID.fullWidth)
        let hashes = try await store.nodeHashes(
            level: tile.level * UInt8(TileID.height),
            indexes: start..<(start + UInt64(tile.width))
        )
        guard hashes.count == Int(tile.width) else {
            throw LedgerError.corruptStore("tile \(tile.path) has \(hashes.count) of \(tile.width) hashes")
        }
        return HashTile.encode(hashes)
    }

    /// An entry bundle of the published tree, or `nil` when the tree does not have it (yet).
    public func entryBundle(_ tile: TileID) async throws -> [UInt8]? {
        if tile.isEntries, store.isShared,
            TileID.entryBundle(index: tile.index, treeSize: latest.size).map({ tile.width > $0.width }) ?? true
        {
            try await refresh()
        }
        guard tile.isEntries,
            let available = TileID.entryBundle(index: tile.index, treeSize: latest.size),
            tile.width <= available.width
        else { return nil }
        let start = tile.index * UInt64(TileID.fullWidth)
        let entries = try await store.entries(start..<(start + UInt64(tile.width)))
        guard entries.count == Int(tile.width) else {
            throw LedgerError.corruptStore("entry bundle \(tile.path) has \(entries.count) of \(tile.width) entries")
        }
        return try EntryBundle.encode(entries)
    }

    /// The log index of the entry holding `recordID`, if any (it may be beyond the published tree while a batch
    /// is being committed: compare with the checkpoint you read).
    public func index(of recordID: RecordID) async throws -> UInt64? {
        try await store.index(of: recordID)
    }

    /// The log indexes of the entries holding `recordIDs` (those in the log).
    public func indexes(of recordIDs: [RecordID]) async throws -> [RecordID: UInt64] {
        try await store.indexes(of: recordIDs)
    }

    /// The encoded entry at `index` of the published tree.
    public func entry(at index: UInt64) async throws -> LedgerEntry? {
        try await catchUp(to: index + 1)
        guard index < latest.size, let bytes = try await store.entries(index..<(index + 1)).first else { return nil }
        return try LedgerEntry(encoded: bytes)
    }
}
