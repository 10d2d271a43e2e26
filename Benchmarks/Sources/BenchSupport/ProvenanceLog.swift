import Foundation
import Ledger
import Provenance
import SQLiteStore
import Synchronization
import TransparencyLog

/// A SQLite provenance log for issue 3's read benchmark, built once and cached under
/// ``CachedLog/directory`` as `provenance-<size>.sqlite`.
///
/// Contents, in log order (every size has exactly `size` entries):
/// 1. through a real ``Ledger`` with ``ProvenanceAdmission`` (every signature and chain rule
///    checked): the genesis, the onboarding of provider `probe` and of the bulk providers
///    `p00000`…, then the three **probe lineages** of provider `probe`, of depth 1, 10 and 100
///    (a register, then `depth - 1` modifies each extending the one before). Their digests are
///    the same in every log (``probeDigest(depth:level:)``).
/// 2. the **bulk**, written directly with ``SQLiteLedgerStore/append(_:)`` in batches:
///    image lineages of depth 1–3 spread over the bulk providers (registers, then modifies
///    level by level), each record really signed by its provider's key (in parallel), with the
///    derived state the sequencer would write (`ProvenanceRules.changes` →
///    `LedgerProvenanceState.writes(for:)`, plus the `image-name` key `ProvenanceAdmission`
///    adds); then non-vmtrust filler envelopes (admin-signed, ~300 bytes, no derived state).
///    Admission-time checks (signature verification, ~67 µs each on the sequencer's one core) are
///    skipped for the bulk only, which is what makes a 1,000,000-record log take about a minute
///    instead of several.
public enum ProvenanceLog {
    /// The probe lineage depths.
    public static let probeDepths = [1, 10, 100]
    /// The probe provider.
    public static let probeProvider = "probe"
    /// Its key.
    public static let probeKey = providerKey(UInt32.max)

    /// The key of bulk provider `index`.
    public static func providerKey(_ index: UInt32) -> SigningKey {
        var seed = [UInt8](repeating: 0xB7, count: 32)
        withUnsafeBytes(of: index.bigEndian) { seed.replaceSubrange(0..<4, with: $0) }
        return try! SigningKey(ed25519Seed: seed)
    }

    static func providerID(_ index: Int) -> String { String(format: "p%05d", index) }

    /// `sha256:` + 64 hex digits built from three numbers (unique per (tag, a, b)).
    static func digest(tag: UInt8, _ a: UInt64, _ b: UInt64) -> String {
        "sha256:" + String(format: "%02x%016llx%016llx", tag, a, b) + String(repeating: "0", count: 30)
    }

    /// The digest of record `level` (1 = the register) of the probe lineage of `depth`.
    public static func probeDigest(depth: Int, level: Int) -> String { digest(tag: 0xEE, UInt64(depth), UInt64(level)) }

    /// How a log of `size` entries is made up.
    public struct Shape: Sendable, CustomStringConvertible {
        public var size: Int
        public var providers: Int
        public var lineages: Int
        public var lineageRecords: Int
        public var filler: Int

        public init(size: Int) {
            self.size = size
            providers = max(20, size / 1000)
            lineages = size * 3 / 20  // depth (i % 3) + 1: 2 records on average → 30 % provenance
            lineageRecords = (0..<lineages).reduce(0) { $0 + ($1 % 3) + 1 }
            let governed = 1 + 1 + providers + ProvenanceLog.probeDepths.reduce(0, +)
            filler = size - governed - lineageRecords
            precondition(filler >= 0, "log of \(size) is too small")
        }

        public var description: String {
            "\(size) entries: genesis, \(providers + 1) providers, probes 1+10+100, \(lineages) bulk lineages "
                + "(\(lineageRecords) records, depth 1-3), \(filler) filler"
        }
    }

    /// Opens the cached provenance log of `size` entries, building it first if needed.
    public static func open(size: Int) async throws -> SQLiteLedgerStore {
        try FileManager.default.createDirectory(atPath: CachedLog.directory, withIntermediateDirectories: true)
        let path = "\(CachedLog.directory)/provenance-\(size).sqlite"
        if FileManager.default.fileExists(atPath: path) {
            let store = try SQLiteLedgerStore(path: path)
            if try await store.latestCheckpoint()?.size == UInt64(size) { return store }
            log("\(path) is incomplete; rebuilding")
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let shape = Shape(size: size)
        log("building \(path): \(shape)")
        let started = ContinuousClock.now
        let store = try SQLiteLedgerStore(path: path)
        try await governedPart(store: store, shape: shape)
        log("governance and probes (through Ledger + ProvenanceAdmission) done after \(started.duration(to: .now))")
        try await bulk(store: store, shape: shape)
        guard try await store.latestCheckpoint()?.size == UInt64(size) else {
            throw LedgerError.corruptStore("built \(path) but its size is not \(size)")
        }
        log("built \(path) in \(started.duration(to: .now))")
        return store
    }

    static func log(_ message: String) { FileHandle.standardError.write(Data("vmtrust-bench: \(message)\n".utf8)) }

    /// Genesis, providers and probe lineages through the real sequencer and admission.
    static func governedPart(store: SQLiteLedgerStore, shape: Shape) async throws {
        let ledger = try await Ledger(
            store: store,
            signer: BenchFixtures.logSigner,
            admission: ProvenanceAdmission(),
            clock: BenchFixtures.now
        )
        @Sendable func submit(_ record: Record, by key: SigningKey) async throws -> Receipt {
            let envelope = try record.signed(by: [key])
            return try await ledger.submit(
                envelope: envelope.jsonBytes(),
                recordID: RecordID(payload: envelope.payload),
                context: envelope
            )
        }
        let admin = BenchFixtures.adminKey
        _ = try await submit(
            .genesis(GenesisRecord(adminKeys: [admin.publicKey], threshold: 1, origin: ledger.origin, time: BenchFixtures.now())),
            by: admin
        )
        func onboard(_ id: String, _ key: SigningKey) -> Record {
            .providerOnboard(
                ProviderOnboardRecord(
                    id: id,
                    displayName: id,
                    keys: [KeyGrant(key: key.publicKey)],
                    initialReputation: 60,
                    time: BenchFixtures.now()
                )
            )
        }
        _ = try await submit(onboard(probeProvider, probeKey), by: admin)
        // The bulk providers in one concurrent burst.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<shape.providers {
                let record = onboard(providerID(index), providerKey(UInt32(index)))
                group.addTask { _ = try await submit(record, by: admin) }
            }
            try await group.waitForAll()
        }
        // The probe lineages, one record after the other.
        for depth in probeDepths {
            var previous: RecordID?
            for level in 1...depth {
                let digest = probeDigest(depth: depth, level: level)
                let record: Record
                if let previous {
                    record = .imageModify(
                        ImageModifyRecord(
                            digest: digest,
                            provider: probeProvider,
                            previous: previous,
                            change: .patch,
                            description: "probe \(depth) level \(level)",
                            time: BenchFixtures.now()
                        )
                    )
                } else {
                    record = .imageRegister(
                        ImageRegisterRecord(
                            digest: digest,
                            provider: probeProvider,
                            name: "probe-\(depth)",
                            format: .qcow2,
                            size: 1 << 30,
                            initialReputation: 60,
                            time: BenchFixtures.now()
                        )
                    )
                }
                previous = try await submit(record, by: probeKey).recordID
            }
        }
    }

    /// One signed entry of the bulk.
    struct Signed: Sendable {
        var json: [UInt8]
        var recordID: RecordID
        var envelope: DSSEEnvelope
        var record: Record?
    }

    /// Signs `count` items made by `make` on all cores, in order.
    static func signAll(_ count: Int, _ make: @escaping @Sendable (Int) throws -> Signed) async throws -> [Signed] {
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let per = (count + workers - 1) / workers
        return try await withThrowingTaskGroup(of: (Int, [Signed]).self) { group in
            for w in 0..<workers {
                let range = (w * per)..<min(count, (w + 1) * per)
                group.addTask { (w, try range.map(make)) }
            }
            var parts: [Int: [Signed]] = [:]
            for try await (w, part) in group { parts[w] = part }
            return (0..<workers).flatMap { parts[$0] ?? [] }
        }
    }

    /// The bulk lineages and filler, appended directly in batches.
    static func bulk(store: SQLiteLedgerStore, shape: Shape) async throws {
        guard let latest = try await store.latestCheckpoint() else { throw LedgerError.corruptStore("no checkpoint") }
        let ids = CompactRange.nodes(forSize: latest.size)
        let found = try await store.nodeHashes(ids)
        var tree = try CompactRange(size: latest.size, hashes: ids.map { found[$0]! })
        let reader = LedgerProvenanceState(store: store)
        let keys = (0..<shape.providers).map { providerKey(UInt32($0)) }
        let chunk = 32_768
        var tips = [RecordID?](repeating: nil, count: shape.lineages)

        func append(_ signed: [Signed]) async throws {
            let time = BenchFixtures.now()
            let start = tree.size
            var entries: [BatchEntry] = []
            var nodes: [(id: NodeID, hash: TreeHash)] = []
            var writes: [StateWrite] = []
            entries.reserveCapacity(signed.count)
            nodes.reserveCapacity(signed.count * 2 + 64)
            for item in signed {
                let entry = LedgerEntry(index: tree.size, integratedAtMillis: time, envelope: item.json)
                entries.append(BatchEntry(entry: entry, recordID: item.recordID))
                nodes.append(contentsOf: tree.append(entry.leafHash))
                guard let record = item.record else { continue }
                let context = AdmissionContext(
                    envelope: item.envelope,
                    record: record,
                    recordID: item.recordID,
                    integrationTime: time,
                    state: reader
                )
                writes += try await reader.writes(for: try await ProvenanceRules.changes(context))
                if case .imageRegister(let image) = record {
                    writes.append(
                        StateWrite(
                            namespace: "image-name",
                            key: "\(image.name)/\(image.provider)/\(item.recordID)",
                            value: Array(image.digest.utf8)
                        )
                    )
                }
            }
            let checkpoint = try CachedLog.checkpoint(size: tree.size, root: tree.root())
            try await store.append(
                LedgerBatch(startSize: start, entries: entries, nodes: nodes, checkpoint: checkpoint, stateWrites: writes)
            )
        }

        let fillerPerLevel = (shape.filler + 2) / 3
        var fillerDone = 0
        for level in 1...3 {
            // Lineage i has depth (i % 3) + 1.
            let members = (0..<shape.lineages).filter { ($0 % 3) + 1 >= level }
            var offset = 0
            while offset < members.count {
                let slice = Array(members[offset..<min(members.count, offset + chunk)])
                let parents = slice.map { tips[$0] }
                let time = BenchFixtures.now()
                let signed = try await signAll(slice.count) { k in
                    let lineage = slice[k]
                    let providerIndex = lineage % keys.count
                    let provider = providerID(providerIndex)
                    let digest = digest(tag: 0x01, UInt64(lineage), UInt64(level))
                    let record: Record
                    if let previous = parents[k] {
                        record = .imageModify(
                            ImageModifyRecord(
                                digest: digest,
                                provider: provider,
                                previous: previous,
                                change: level == 2 ? .patch : .update,
                                description: "bulk \(lineage) level \(level)",
                                time: time
                            )
                        )
                    } else {
                        record = .imageRegister(
                            ImageRegisterRecord(
                                digest: digest,
                                provider: provider,
                                name: "image-\(lineage)",
                                format: .qcow2,
                                size: 1 << 30,
                                initialReputation: 60,
                                time: time
                            )
                        )
                    }
                    let envelope = try record.signed(by: [keys[providerIndex]])
                    return Signed(
                        json: envelope.jsonBytes(),
                        recordID: RecordID(payload: envelope.payload),
                        envelope: envelope,
                        record: record
                    )
                }
                for (k, item) in signed.enumerated() { tips[slice[k]] = item.recordID }
                try await append(signed)
                offset += slice.count
            }
            // A third of the filler after each level.
            let fillerTarget = level == 3 ? shape.filler : min(shape.filler, fillerDone + fillerPerLevel)
            while fillerDone < fillerTarget {
                let base = fillerDone
                let count = min(chunk, fillerTarget - fillerDone)
                let tag = shape.size
                let signed = try await signAll(count) { k in
                    let payload = Array("{\"filler\":\(base + k),\"log\":\(tag),\"pad\":\"\(String(repeating: "x", count: 96))\"}".utf8)
                    let envelope = try DSSEEnvelope.sign(
                        payloadType: "application/vnd.vmtrust.bench+json",
                        payload: payload,
                        keys: [BenchFixtures.adminKey]
                    )
                    return Signed(json: envelope.jsonBytes(), recordID: RecordID(payload: payload), envelope: envelope, record: nil)
                }
                try await append(signed)
                fillerDone += count
            }
            log("bulk level \(level) done: tree size \(tree.size)")
        }
    }
}

/// A ``LedgerStore`` that counts the calls made to the store it wraps (each is one SQLite
/// statement, or one per chunk of ids for the batched reads).
public final class CountingStore: LedgerStore {
    public let base: any LedgerStore
    private let counts = Mutex<[String: Int]>([:])

    public init(_ base: any LedgerStore) { self.base = base }

    private func count(_ name: String) { counts.withLock { $0[name, default: 0] += 1 } }

    /// Calls so far, by method.
    public var snapshot: [String: Int] { counts.withLock { $0 } }
    /// All calls so far.
    public var total: Int { counts.withLock { $0.values.reduce(0, +) } }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        count("latestCheckpoint")
        return try await base.latestCheckpoint()
    }
    public func checkpoint(size: UInt64) async throws -> StoredCheckpoint? {
        count("checkpoint")
        return try await base.checkpoint(size: size)
    }
    public func checkpoints(in sizes: ClosedRange<UInt64>, limit: Int) async throws -> [StoredCheckpoint] {
        count("checkpoints")
        return try await base.checkpoints(in: sizes, limit: limit)
    }
    public func append(_ batch: LedgerBatch) async throws {
        count("append")
        try await base.append(batch)
    }
    public func nodeHashes(_ ids: [NodeID]) async throws -> [NodeID: TreeHash] {
        count("nodeHashes")
        return try await base.nodeHashes(ids)
    }
    public func nodeHashes(level: UInt8, indexes: Range<UInt64>) async throws -> [TreeHash] {
        count("nodeHashes(level:)")
        return try await base.nodeHashes(level: level, indexes: indexes)
    }
    public func entries(_ indexes: Range<UInt64>) async throws -> [[UInt8]] {
        count("entries")
        return try await base.entries(indexes)
    }
    public func index(of recordID: RecordID) async throws -> UInt64? {
        count("index")
        return try await base.index(of: recordID)
    }
    public func indexes(of recordIDs: [RecordID]) async throws -> [RecordID: UInt64] {
        count("indexes")
        return try await base.indexes(of: recordIDs)
    }
    public func stateValue(namespace: String, key: String) async throws -> [UInt8]? {
        count("stateValue")
        return try await base.stateValue(namespace: namespace, key: key)
    }
    public func stateEntries(
        namespace: String,
        prefix: String,
        after: String?,
        limit: Int
    ) async throws -> [(key: String, value: [UInt8])] {
        count("stateEntries")
        return try await base.stateEntries(namespace: namespace, prefix: prefix, after: after, limit: limit)
    }
}
