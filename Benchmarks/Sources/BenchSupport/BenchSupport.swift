import Foundation
import Ledger
import Provenance
import SQLiteStore
import TransparencyLog

/// Fixed keys and inputs shared by the benchmarks, so runs are comparable.
public enum BenchFixtures {
    /// A fixed Ed25519 admin key (seed 0x01 0x02 … 0x20).
    public static let adminKey: SigningKey = try! SigningKey(ed25519Seed: (1...32).map { UInt8($0) })

    /// A fixed log key named after the default origin.
    public static let logSigner: Ed25519NoteSigner = try! Ed25519NoteSigner(
        name: LedgerConfiguration.defaultOrigin,
        seed: (33...64).map { UInt8($0) }
    )

    /// The JSON bytes of an admin-signed DSSE envelope of about `size` bytes (the shape
    /// scripts/bench/gen-envelopes.py produces), distinct per `n`.
    public static func envelopeJSON(n: Int, size: Int = 1024) -> [UInt8] {
        let pad = max(0, (size - 300) * 3 / 4 - 40)
        let payload = Array("{\"seed\":\"bench\",\"n\":\(n),\"pad\":\"\(String(repeating: "x", count: pad))\"}".utf8)
        let envelope = try! DSSEEnvelope.sign(
            payloadType: "application/vnd.vmtrust.bench+json",
            payload: payload,
            keys: [adminKey]
        )
        return envelope.jsonBytes()
    }

    /// Milliseconds since the epoch.
    @Sendable public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// A SQLite log of a given size, built once and cached under /tmp (not in the repository).
public enum CachedLog {
    /// Where the cached logs live; override with `VMTRUST_BENCH_DIR`.
    public static var directory: String {
        ProcessInfo.processInfo.environment["VMTRUST_BENCH_DIR"] ?? "/tmp/vmtrust-bench"
    }

    /// Opens the cached log of `size` entries, building it first if needed.
    ///
    /// Building writes the store directly in batches of `batchSize` (entries, the
    /// complete-subtree nodes from ``CompactRange`` and one signed checkpoint per batch),
    /// which is much faster than going through ``Ledger/submit(envelope:recordID:)``;
    /// the result is an ordinary store that ``Ledger`` opens and `vmtrust log audit` accepts.
    /// Entries carry `entrySize`-byte synthetic envelopes: proofs read only the node table.
    public static func open(size: UInt64, entrySize: Int = 256, batchSize: Int = 16_384) async throws -> SQLiteLedgerStore {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/log-\(size).sqlite"
        if FileManager.default.fileExists(atPath: path) {
            let store = try SQLiteLedgerStore(path: path)
            if try await store.latestCheckpoint()?.size == size { return store }
            FileHandle.standardError.write(Data("vmtrust-bench: \(path) is incomplete; rebuilding\n".utf8))
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let started = ContinuousClock.now
        let store = try SQLiteLedgerStore(path: path)
        // An empty checkpoint first, as Ledger writes it.
        try await store.append(
            LedgerBatch(startSize: 0, entries: [], nodes: [], checkpoint: try checkpoint(size: 0, root: RFC6962.emptyRoot))
        )
        var tree = CompactRange()
        let time = BenchFixtures.now()
        var filler = [UInt8](repeating: 0x61, count: entrySize)
        while tree.size < size {
            let count = Int(min(UInt64(batchSize), size - tree.size))
            let start = tree.size
            var entries: [BatchEntry] = []
            var nodes: [(id: NodeID, hash: TreeHash)] = []
            entries.reserveCapacity(count)
            nodes.reserveCapacity(count * 2 + 64)
            for _ in 0..<count {
                let index = tree.size
                withUnsafeBytes(of: index.bigEndian) { filler.replaceSubrange(0..<8, with: $0) }
                let entry = LedgerEntry(index: index, integratedAtMillis: time, envelope: filler)
                entries.append(BatchEntry(entry: entry, recordID: RecordID(payload: filler)))
                nodes.append(contentsOf: tree.append(entry.leafHash))
            }
            let cp = try checkpoint(size: tree.size, root: tree.root())
            try await store.append(LedgerBatch(startSize: start, entries: entries, nodes: nodes, checkpoint: cp))
        }
        let elapsed = started.duration(to: .now)
        FileHandle.standardError.write(Data("vmtrust-bench: built \(path) (\(size) entries) in \(elapsed)\n".utf8))
        return store
    }

    static func checkpoint(size: UInt64, root: TreeHash) throws -> StoredCheckpoint {
        let body = Checkpoint(origin: BenchFixtures.logSigner.name, size: size, rootHash: root.bytes).text
        let note = try Note.sign(text: body, signers: [BenchFixtures.logSigner])
        return StoredCheckpoint(size: size, rootHash: root, note: note.formatted)
    }
}

/// A deterministic xorshift generator, so every run asks for the same "random" indexes.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
