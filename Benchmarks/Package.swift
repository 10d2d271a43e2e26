// swift-tools-version:6.1
// Benchmarks of vmtrust, kept out of the root package so that `swift test` and CI never
// build them. Run from this directory:
//
//   swift package --disable-sandbox benchmark                 # everything
//   swift package --disable-sandbox benchmark --target CryptoBenchmarks
//
// See docs/BENCHMARKS.md for the figures and the exact commands.
import PackageDescription

import class Foundation.ProcessInfo

// The vmtrust package to measure: this checkout by default; VMTRUST_PACKAGE_PATH points at
// another tree (e.g. an exported commit, so that measurements do not race with edits).
let vmtrustPath = ProcessInfo.processInfo.environment["VMTRUST_PACKAGE_PATH"] ?? ".."

let package = Package(
    name: "vmtrust-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "vmtrust", path: vmtrustPath),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.10.0"),
    ],
    targets: [
        .target(
            name: "BenchSupport",
            dependencies: [
                .product(name: "Ledger", package: "vmtrust"),
                .product(name: "SQLiteStore", package: "vmtrust"),
                .product(name: "Provenance", package: "vmtrust"),
                .product(name: "TransparencyLog", package: "vmtrust"),
            ]
        ),
        // Ed25519 / DSSE verification: the ceiling signature checks put on HTTP appends.
        .executableTarget(
            name: "CryptoBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Provenance", package: "vmtrust"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/CryptoBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Merkle plans, inclusion proofs in a 1,000,000-entry SQLite log, sequencer throughput.
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Ledger", package: "vmtrust"),
                .product(name: "Provenance", package: "vmtrust"),
                .product(name: "SQLiteStore", package: "vmtrust"),
                .product(name: "TransparencyLog", package: "vmtrust"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Issue 6: in-process policy evaluation (PolicyEngine.evaluate) of a 20-rule scope.
        .executableTarget(
            name: "PolicyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Policy", package: "vmtrust"),
                .product(name: "PolicyWorkload", package: "vmtrust"),
            ],
            path: "Benchmarks/PolicyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
            // Issue 3: GET /v1/images/{digest} through the real route at 1,000 and 1,000,000
        // provenance records, probes of lineage depth 1, 10 and 100.
        .executableTarget(
            name: "ProvenanceBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Ledger", package: "vmtrust"),
                .product(name: "Provenance", package: "vmtrust"),
                .product(name: "SQLiteStore", package: "vmtrust"),
                .product(name: "TransparencyLog", package: "vmtrust"),
                .product(name: "TrustServer", package: "vmtrust"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Benchmarks/ProvenanceBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Issue 5: the pure reputation engine, per event and per score read, at 1,000 and 1,000,000 prior events.
        .executableTarget(
            name: "ReputationBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Provenance", package: "vmtrust"),
                .product(name: "Reputation", package: "vmtrust"),
                .product(name: "ReputationWorkload", package: "vmtrust"),
            ],
            path: "Benchmarks/ReputationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
