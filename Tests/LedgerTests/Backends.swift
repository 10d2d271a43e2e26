import Foundation
import Ledger
import Logging
import PostgresNIO
import PostgresStore
import SQLiteStore
import Testing
import TransparencyLog
import VMTrustTesting

/// A store under test, with the operations the conformance suite needs beyond the protocol.
struct StoreHandle: Sendable {
    /// The store.
    var store: any LedgerStore
    /// Opens the same data again, as a restarted process (or another replica) would.
    var reopen: @Sendable () async throws -> any LedgerStore
    /// Overwrites an entry's bytes behind the ledger's back.
    var tamper: @Sendable (UInt64, [UInt8]) async throws -> Void
}

/// Every `LedgerStore` backend the conformance suite runs on.
///
/// PostgreSQL runs when `VMTRUST_TEST_POSTGRES_URL` names a database (`.ci/run` starts one;
/// `scripts/postgres/cluster.sh` starts one by hand); without it, its cases are left out.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    case postgres

    static var allCases: [Backend] { TestPostgres.url == nil ? [.memory, .sqlite] : [.memory, .sqlite, .postgres] }

    var testDescription: String { rawValue }

    func make() async throws -> StoreHandle {
        switch self {
        case .memory:
            let store = InMemoryLedgerStore()
            return StoreHandle(
                store: store,
                reopen: { store },
                tamper: { index, bytes in await store.tamper(index: index) { $0 = bytes } }
            )
        case .sqlite:
            let directory = TestDirectory.root.appendingPathComponent("vmtrust-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("ledger.sqlite").path
            let store = try SQLiteLedgerStore(path: path)
            return StoreHandle(
                store: store,
                reopen: { try SQLiteLedgerStore(path: path) },
                tamper: { index, bytes in try store.tamperForTesting(index: index, data: bytes) }
            )
        case .postgres:
            // Each test gets its own schema, so tests are independent and may run in parallel.
            let schema = TestPostgres.newSchema()
            let client = try TestPostgres.client()
            let store = try await PostgresLedgerStore.open(
                client: client,
                schema: schema,
                timeout: TestPostgres.openTimeout,
                logger: TestPostgres.logger
            )
            return StoreHandle(
                store: store,
                reopen: {
                    try await PostgresLedgerStore.open(
                        client: client,
                        schema: schema,
                        timeout: TestPostgres.openTimeout,
                        logger: TestPostgres.logger
                    )
                },
                tamper: { index, bytes in try await store.tamperForTesting(index: index, data: bytes) }
            )
        }
    }
}

/// The test PostgreSQL database named by `VMTRUST_TEST_POSTGRES_URL`.
enum TestPostgres {
    /// The database URL, when one is given.
    static let url: String? = {
        guard let value = ProcessInfo.processInfo.environment["VMTRUST_TEST_POSTGRES_URL"], !value.isEmpty else { return nil }
        return value
    }()

    static let logger = Logger(label: "vmtrust.test.postgres")

    /// How long a test store may take to connect and migrate: the whole suite runs in parallel on two cores,
    /// and each schema's migration waits for the others' (one advisory lock).
    static let openTimeout: Duration = .seconds(180)

    /// One running client for the whole test process.
    private static let shared: Result<PostgresClient, any Error> = Result {
        let configuration = try PostgresURL(url ?? "").clientConfiguration(maximumConnections: 24)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        Task.detached { await client.run() }
        return client
    }

    /// The shared client (running).
    static func client() throws -> PostgresClient { try shared.get() }

    /// A fresh schema name.
    static func newSchema() -> String {
        "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}

/// Opens a ledger on `store` with the test log key and a fixed clock.
func openLedger(
    _ store: any LedgerStore,
    clock: TestClock = Fixtures.clock(),
    maxBatchSize: Int = 4096,
    nodeCacheCapacity: Int = 1 << 18
) async throws -> Ledger {
    try await Ledger(
        store: store,
        signer: TestKeys.logSigner,
        configuration: LedgerConfiguration(
            origin: TestKeys.origin,
            maxBatchSize: maxBatchSize,
            nodeCacheCapacity: nodeCacheCapacity
        ),
        clock: { clock.now() }
    )
}

/// Submits `count` distinct test records concurrently and returns the receipts by `n`.
func submitConcurrently(_ ledger: Ledger, range: Range<Int>) async throws -> [Int: Receipt] {
    try await withThrowingTaskGroup(of: (Int, Receipt).self) { group in
        for n in range {
            group.addTask {
                (n, try await ledger.submit(envelope: Fixtures.envelope(n), recordID: Fixtures.recordID(n)))
            }
        }
        var out: [Int: Receipt] = [:]
        for try await (n, receipt) in group { out[n] = receipt }
        return out
    }
}
