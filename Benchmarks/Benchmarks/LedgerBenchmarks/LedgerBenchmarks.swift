// Inclusion proofs in a 1,000,000-entry SQLite log, the pure Merkle plan, and in-process
// sequencer throughput (Ledger.submit from N concurrent tasks on SQLite, no HTTP).
//
// The 1M-entry log is built once into $VMTRUST_BENCH_DIR (default /tmp/vmtrust-bench) and
// reused by later runs.
import Benchmark
import BenchSupport
import Foundation
import Ledger
import Provenance
import SQLiteStore
import TransparencyLog

let logSize: UInt64 = 1_000_000

/// State created in setup hooks (benchmarks run one at a time).
final class Shared: @unchecked Sendable {
    static let shared = Shared()
    var ledger: Ledger?
    var store: SQLiteLedgerStore?
    var rng = SplitMix64(seed: 6962)
}

func openLedger(cacheCapacity: Int) async throws -> Ledger {
    let store = try await CachedLog.open(size: logSize)
    return try await Ledger(
        store: store,
        signer: BenchFixtures.logSigner,
        configuration: LedgerConfiguration(nodeCacheCapacity: cacheCapacity),
        clock: BenchFixtures.now
    )
}

/// An inclusion proof, or a crash that names the error (a `try!` would not).
func proof(_ ledger: Ledger, index: UInt64) async throws -> [TreeHash] {
    do {
        return try await ledger.inclusionProof(index: index, size: logSize)
    } catch {
        FileHandle.standardError.write(Data("inclusionProof(index: \(index), size: \(logSize)) failed: \(error)\n".utf8))
        throw error
    }
}

let benchmarks: @Sendable () -> Void = {
    let latency = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .cpuTotal, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 10,
        maxDuration: .seconds(10),
        maxIterations: 100_000
    )

    Benchmark("MerkleTree.inclusionPlan (random index, size 1M)", configuration: latency) { benchmark in
        var rng = SplitMix64(seed: 1)
        for _ in benchmark.scaledIterations {
            let index = UInt64.random(in: 0..<logSize, using: &rng)
            blackHole(try! MerkleTree.inclusionPlan(index: index, size: logSize))
        }
    }

    // What an inclusion proof costs when no node is cached (right after start-up, or for
    // old entries): the plan, one SQLite read of its ~20 nodes, assembly. This is
    // Ledger.resolve without the cache. (A Ledger with a tiny node cache cannot be measured
    // at ee6dc21: Ledger.resolve loses hashes it evicts itself; see docs/BENCHMARKS.md.)
    Benchmark(
        "SQLite nodeHashes + assemble for a random inclusion plan (1M log, no cache)",
        configuration: latency,
        closure: { benchmark in
            let store = Shared.shared.store!
            for _ in benchmark.scaledIterations {
                let index = UInt64.random(in: 0..<logSize, using: &Shared.shared.rng)
                let plan = try MerkleTree.inclusionPlan(index: index, size: logSize)
                let hashes = try await store.nodeHashes(plan.nodes)
                blackHole(try plan.assemble { hashes[$0] })
            }
        },
        setup: { Shared.shared.store = try await CachedLog.open(size: logSize) },
        teardown: { Shared.shared.store = nil }
    )

    // Node cache of 64 entries: nearly every proof reads its nodes from SQLite. Only
    // meaningful with the Ledger.resolve fix (VMTRUST_PACKAGE_PATH at a patched tree);
    // skipped unless VMTRUST_BENCH_SMALL_CACHE is set.
    Benchmark(
        "Ledger.inclusionProof (random index, 1M SQLite log, 64-node cache)",
        configuration: {
            var configuration = latency
            configuration.skip = ProcessInfo.processInfo.environment["VMTRUST_BENCH_SMALL_CACHE"] == nil
            return configuration
        }(),
        closure: { benchmark in
            let ledger = Shared.shared.ledger!
            for _ in benchmark.scaledIterations {
                let index = UInt64.random(in: 0..<logSize, using: &Shared.shared.rng)
                blackHole(try await proof(ledger, index: index))
            }
        },
        setup: { Shared.shared.ledger = try await openLedger(cacheCapacity: 64) },
        teardown: { Shared.shared.ledger = nil }
    )

    // The server's default node cache (262,144 nodes); it warms up as proofs are served.
    Benchmark(
        "Ledger.inclusionProof (random index, 1M SQLite log, default node cache)",
        configuration: latency,
        closure: { benchmark in
            let ledger = Shared.shared.ledger!
            for _ in benchmark.scaledIterations {
                let index = UInt64.random(in: 0..<logSize, using: &Shared.shared.rng)
                blackHole(try await proof(ledger, index: index))
            }
        },
        setup: { Shared.shared.ledger = try await openLedger(cacheCapacity: LedgerConfiguration().nodeCacheCapacity) },
        teardown: { Shared.shared.ledger = nil }
    )

    // In-process sequencer: `records` Ledger.submit calls from `clients` concurrent tasks,
    // each submitting its share one after the other (closed loop, like HTTP clients).
    // One iteration = `records` durable appends; records/s = records / wall clock.
    let records = 8192
    let envelopes: [[UInt8]] = (0..<1024).map { BenchFixtures.envelopeJSON(n: $0) }
    for clients in [1, 16, 64, 256, 1024] {
        let perIteration = clients == 1 ? 512 : records
        Benchmark(
            "Ledger.submit SQLite, \(clients) concurrent clients, \(perIteration) x 1 KiB per iteration",
            configuration: .init(
                metrics: [.wallClock, .cpuTotal, .custom("records/s", polarity: .prefersLarger, useScalingFactor: false)],
                timeUnits: .milliseconds,
                warmupIterations: 1,
                maxDuration: .seconds(15),
                maxIterations: 20
            ),
            closure: { benchmark in
                let ledger = Shared.shared.ledger!
                let base = Int(await ledger.latestCheckpoint.size)
                let started = ContinuousClock.now
                await withTaskGroup(of: Void.self) { group in
                    for client in 0..<clients {
                        group.addTask {
                            var n = base + client
                            while n < base + perIteration {
                                // Distinct record ids; envelope bytes cycle through 1,024 real envelopes.
                                var id = [UInt8](repeating: 0, count: 32)
                                withUnsafeBytes(of: UInt64(n).bigEndian) { id.replaceSubrange(0..<8, with: $0) }
                                _ = try! await ledger.submit(envelope: envelopes[n % envelopes.count], recordID: RecordID(digest: id)!)
                                n += clients
                            }
                        }
                    }
                }
                let elapsed = started.duration(to: .now)
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                benchmark.measurement(
                    .custom("records/s", polarity: .prefersLarger, useScalingFactor: false),
                    Int(Double(perIteration) / seconds)
                )
            },
            setup: {
                let path = "\(CachedLog.directory)/sequencer-\(clients).sqlite"
                try FileManager.default.createDirectory(atPath: CachedLog.directory, withIntermediateDirectories: true)
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                Shared.shared.ledger = try await Ledger(
                    store: try SQLiteLedgerStore(path: path),
                    signer: BenchFixtures.logSigner,
                    clock: BenchFixtures.now
                )
            },
            teardown: { Shared.shared.ledger = nil }
        )
    }
}
