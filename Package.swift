// swift-tools-version:6.2
import PackageDescription

/// Settings shared by every target we own: Swift 6 language mode is the package default;
/// warnings are errors in our code (dependencies are not ours to fix).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "vmtrust",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TransparencyLog", targets: ["TransparencyLog"]),
        .library(name: "Provenance", targets: ["Provenance"]),
        .library(name: "Reputation", targets: ["Reputation"]),
        .library(name: "ReputationWorkload", targets: ["ReputationWorkload"]),
        .library(name: "PolicyWorkload", targets: ["PolicyWorkload"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "SQLiteStore", targets: ["SQLiteStore"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .library(name: "TrustServer", targets: ["TrustServer"]),
        .library(name: "VMTrustTesting", targets: ["VMTrustTesting"]),
        .executable(name: "vmtrust", targets: ["vmtrust"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.10.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.25.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.1.0"),
    ],
    targets: [
        // Pure: RFC 6962 trees, C2SP signed notes, checkpoints, tiles, tlog-proof. No I/O.
        .target(
            name: "TransparencyLog",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // Pure: keys, DSSE envelopes, records.
        .target(
            name: "Provenance",
            dependencies: [
                "TransparencyLog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strictSettings
        ),
        // Pure: reputation engine (decayed evidence, caps, SLA obligations, damping). No I/O, no clock.
        .target(
            name: "Reputation",
            dependencies: ["Provenance"],
            swiftSettings: strictSettings
        ),
        // Pure: a deterministic, realistic stream of reputation events, measured by `vmtrust bench engine` and by
        // the ordo-one benchmarks (one generator, so that both measure the same work).
        .target(
            name: "ReputationWorkload",
            dependencies: ["Provenance", "Reputation"],
            swiftSettings: strictSettings
        ),
        // Pure: the policy-evaluation fixture measured by `vmtrust bench policy` and the ordo-one PolicyBenchmarks.
        .target(
            name: "PolicyWorkload",
            dependencies: ["Policy", "Provenance"],
            swiftSettings: strictSettings
        ),
        // Pure: SplitMix64, the deterministic generator of generated test inputs and benchmark workloads.
        .target(
            name: "DeterministicRandom",
            swiftSettings: strictSettings
        ),
        // Pure: policy documents (YAML/JSON, validated, canonical form) and the decision engine.
        .target(
            name: "Policy",
            dependencies: [
                "Provenance",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        // Store protocol, sequencer, checkpoint publishing.
        .target(
            name: "Ledger",
            dependencies: [
                "TransparencyLog",
                "Provenance",
                "Reputation",
                "Policy",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        // Embedded default backend (GRDB, WAL, synchronous = FULL).
        .target(
            name: "SQLiteStore",
            dependencies: [
                "Ledger",
                "Provenance",
                "TransparencyLog",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API, for the decision index's inserts (bound without GRDB's per-row arguments).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Scale-out backend: one PostgreSQL shared by several server replicas (postgres-nio).
        .target(
            name: "PostgresStore",
            dependencies: [
                "Ledger",
                "Provenance",
                "TransparencyLog",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Content-addressed image blobs on disk: streamed, hashed, fsync'd, renamed into place.
        .target(
            name: "BlobStore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // HTTP API as a library, testable in-process.
        .target(
            name: "TrustServer",
            dependencies: [
                "BlobStore",
                "Ledger",
                "Policy",
                "Provenance",
                "Reputation",
                "TransparencyLog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: strictSettings
        ),
        // Test-only helpers: in-memory store, fixed keys, fixtures.
        .target(
            name: "VMTrustTesting",
            dependencies: ["Ledger", "Provenance", "TransparencyLog"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "vmtrust",
            dependencies: [
                "BlobStore",
                "DeterministicRandom",
                "TrustServer",
                "SQLiteStore",
                "PostgresStore",
                "Ledger",
                "Policy",
                "PolicyWorkload",
                "Provenance",
                "Reputation",
                "ReputationWorkload",
                "TransparencyLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TransparencyLogTests",
            dependencies: ["DeterministicRandom", "TransparencyLog"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ProvenanceTests",
            dependencies: [
                "DeterministicRandom", "Provenance", "TransparencyLog", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PolicyTests",
            dependencies: ["DeterministicRandom", "Policy", "Provenance"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ReputationTests",
            dependencies: ["DeterministicRandom", "Reputation", "Provenance"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "DeterministicRandom", "Ledger", "SQLiteStore", "PostgresStore", "VMTrustTesting", "Policy", "Provenance",
                "Reputation", "TransparencyLog",
                // The decision index's tables, read and rewritten by the journal's tests.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BlobStoreTests",
            dependencies: [
                "BlobStore", "VMTrustTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TrustServerTests",
            dependencies: [
                "TrustServer", "VMTrustTesting", "Ledger", "Policy", "Provenance", "Reputation", "TransparencyLog",
                "DeterministicRandom",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VMTrustCLITests",
            dependencies: ["vmtrust", "Ledger", "SQLiteStore", "Provenance", "TransparencyLog", "VMTrustTesting"],
            swiftSettings: strictSettings
        ),
    ]
)
