import Foundation
import Ledger
import SQLiteStore
import Testing
import TransparencyLog
import VMTrustTesting

/// A store under test, with the operations the conformance suite needs beyond the protocol.
struct StoreHandle: Sendable {
    /// The store.
    var store: any LedgerStore
    /// Opens the same data again, as a restarted process would.
    var reopen: @Sendable () throws -> any LedgerStore
    /// Overwrites an entry's bytes behind the ledger's back.
    var tamper: @Sendable (UInt64, [UInt8]) async throws -> Void
}

/// Every `LedgerStore` backend the conformance suite runs on.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite

    var testDescription: String { rawValue }

    func make() throws -> StoreHandle {
        switch self {
        case .memory:
            let store = InMemoryLedgerStore()
            return StoreHandle(
                store: store,
                reopen: { store },
                tamper: { index, bytes in await store.tamper(index: index) { $0 = bytes } }
            )
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vmtrust-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("ledger.sqlite").path
            let store = try SQLiteLedgerStore(path: path)
            return StoreHandle(
                store: store,
                reopen: { try SQLiteLedgerStore(path: path) },
                tamper: { index, bytes in try store.tamperForTesting(index: index, data: bytes) }
            )
        }
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
