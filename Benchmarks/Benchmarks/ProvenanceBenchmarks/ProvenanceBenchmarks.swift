// Issue 3: "GET /v1/images/{digest} cost grows with the lineage's depth, not with the log
// size". The real route (TrustServer.router(), in-process through HummingbirdTesting's
// `.router` framework: no sockets) over two cached SQLite provenance logs of 1,000 and
// 1,000,000 entries that hold the same probe lineages of depth 1, 10 and 100; the probe asked
// for is the newest record of its lineage, so the answer carries depth - 1 ancestors.
//
// Besides time, each benchmark reports "store calls": the LedgerStore calls (SQLite
// statements) one request makes, counted by a wrapper around the store.
//
//   VMTRUST_PACKAGE_PATH=/tmp/vmtrust-snap2 swift package --disable-sandbox \
//       --scratch-path /tmp/vmtrust-i3-build benchmark --target ProvenanceBenchmarks
@preconcurrency import Benchmark
import BenchSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Ledger
import Provenance
import SQLiteStore
import TrustServer

/// A log opened once per process and shared by the benchmarks on it.
final class Env: @unchecked Sendable {
    let counting: CountingStore
    let ledger: Ledger
    let router: Router<BasicRequestContext>

    init(size: Int) async throws {
        let store = try await ProvenanceLog.open(size: size)
        counting = CountingStore(store)
        ledger = try await Ledger(store: counting, signer: BenchFixtures.logSigner, clock: BenchFixtures.now)
        let server = TrustServer(
            ledger: ledger,
            configuration: TrustServerConfiguration(
                adminKeys: [BenchFixtures.adminKey.publicKey],
                logVerifierKey: BenchFixtures.logSigner.vkey
            )
        )
        router = server.router()
    }

    static let lock = NSLock()
    nonisolated(unsafe) static var opened: [Int: Env] = [:]

    static func get(_ size: Int) async throws -> Env {
        if let env = lock.withLock({ opened[size] }) { return env }
        let env = try await Env(size: size)
        lock.withLock { opened[size] = env }
        return env
    }
}

let sizes = [(1_000, "1k"), (1_000_000, "1M")]
let storeCalls = BenchmarkMetric.custom("store calls", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    for (size, label) in sizes {
        for depth in ProvenanceLog.probeDepths {
            let digest = ProvenanceLog.probeDigest(depth: depth, level: depth)
            let configuration = Benchmark.Configuration(
                metrics: [.wallClock, .cpuTotal, .mallocCountTotal, storeCalls],
                timeUnits: .microseconds,
                warmupIterations: depth == 100 ? 5 : 50,
                maxDuration: .seconds(depth == 100 ? 8 : 4),
                maxIterations: depth == 100 ? 400 : 5_000
            )
            Benchmark(
                "GET /v1/images/{digest} depth \(depth), \(label) log",
                configuration: configuration,
                closure: { benchmark in
                    let env = try await Env.get(size)
                    let app = Application(router: env.router)
                    try await app.test(.router) { client in
                        let before = env.counting.total
                        benchmark.startMeasurement()
                        let response = try await client.execute(uri: "/v1/images/\(digest)", method: .get)
                        benchmark.stopMeasurement()
                        benchmark.measurement(storeCalls, env.counting.total - before)
                        guard response.status == .ok else {
                            fatalError("GET \(digest): \(response.status) \(String(decoding: response.body.readableBytesView, as: UTF8.self))")
                        }
                        blackHole(response)
                    }
                },
                setup: {
                    // Check the answer once, and show what one request reads.
                    let env = try await Env.get(size)
                    let app = Application(router: env.router)
                    try await app.test(.router) { client in
                        _ = try await client.execute(uri: "/v1/images/\(digest)", method: .get)  // warm the node cache
                        let before = env.counting.snapshot
                        let response = try await client.execute(uri: "/v1/images/\(digest)", method: .get)
                        let after = env.counting.snapshot
                        let view = try JSONDecoder().decode(ImageView.self, from: Data(response.body.readableBytesView))
                        guard response.status == .ok, view.ancestors.count == depth - 1, view.newest else {
                            fatalError("GET \(digest): \(response.status), \(view.ancestors.count) ancestors")
                        }
                        let delta = after.keys.sorted().compactMap { key -> String? in
                            let n = after[key, default: 0] - before[key, default: 0]
                            return n == 0 ? nil : "\(key) \(n)"
                        }
                        FileHandle.standardError.write(
                            Data(
                                ("vmtrust-bench: depth \(depth), \(label) log (tree size \(await env.ledger.latestCheckpoint.size)): "
                                    + "\(response.body.readableBytes) bytes, \(view.ancestors.count) ancestors, store calls: "
                                    + delta.joined(separator: ", ") + "\n").utf8
                            )
                        )
                    }
                }
            )
        }
    }
}
