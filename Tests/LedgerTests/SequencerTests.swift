import Foundation
import Ledger
import Provenance
import Synchronization
import Testing
import TransparencyLog
import VMTrustTesting

/// A store whose appends wait for the test to open a gate, so batching is observable.
final class GatedStore: LedgerStore {
    let inner = InMemoryLedgerStore()
    private let gate = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let blocking = Mutex(false)
    let batchSizes = Mutex<[Int]>([])

    func closeGate() { blocking.withLock { $0 = true } }

    func openGate() {
        blocking.withLock { $0 = false }
        for waiter in gate.withLock({ waiters in
            defer { waiters = [] }
            return waiters
        }) { waiter.resume() }
    }

    var waitingAppends: Int { gate.withLock { $0.count } }

    func append(_ batch: LedgerBatch) async throws {
        batchSizes.withLock { $0.append(batch.entries.count) }
        if blocking.withLock({ $0 }) {
            await withCheckedContinuation { continuation in gate.withLock { $0.append(continuation) } }
        }
        try await inner.append(batch)
    }

    func latestCheckpoint() async throws -> StoredCheckpoint? { await inner.latestCheckpoint() }
    func checkpoint(size: UInt64) async throws -> StoredCheckpoint? { await inner.checkpoint(size: size) }
    func checkpoints(in sizes: ClosedRange<UInt64>, limit: Int) async throws -> [StoredCheckpoint] {
        await inner.checkpoints(in: sizes, limit: limit)
    }
    func nodeHashes(_ ids: [NodeID]) async throws -> [NodeID: TreeHash] { await inner.nodeHashes(ids) }
    func nodeHashes(level: UInt8, indexes: Range<UInt64>) async throws -> [TreeHash] {
        await inner.nodeHashes(level: level, indexes: indexes)
    }
    func entries(_ indexes: Range<UInt64>) async throws -> [[UInt8]] { await inner.entries(indexes) }
    func index(of recordID: RecordID) async throws -> UInt64? { await inner.index(of: recordID) }
    func indexes(of recordIDs: [RecordID]) async throws -> [RecordID: UInt64] { await inner.indexes(of: recordIDs) }
    func stateValue(namespace: String, key: String) async throws -> [UInt8]? {
        await inner.stateValue(namespace: namespace, key: key)
    }
    func stateValues(namespace: String, keys: [String]) async throws -> [String: [UInt8]] {
        await inner.stateValues(namespace: namespace, keys: keys)
    }
    func stateEntries(
        namespace: String,
        prefix: String,
        after: String?,
        limit: Int
    ) async throws -> [(key: String, value: [UInt8])] {
        await inner.stateEntries(namespace: namespace, prefix: prefix, after: after, limit: limit)
    }
}

@Suite("Sequencer")
struct SequencerTests {
    @Test("Writes that arrive during a commit are grouped into the next batch with one checkpoint")
    func groupCommit() async throws {
        let store = GatedStore()
        let ledger = try await openLedger(store)
        store.closeGate()
        let first = Task { try await ledger.submit(envelope: Fixtures.envelope(0), recordID: Fixtures.recordID(0)) }
        while store.waitingAppends == 0 { try await Task.sleep(for: .milliseconds(1)) }
        // The first batch is committing; these 99 queue behind it.
        let rest = Task { try await submitConcurrently(ledger, range: 1..<100) }
        var queued = 0
        while queued < 99 {
            try await Task.sleep(for: .milliseconds(5))
            queued = await ledger.pendingCount
        }
        #expect(try await store.latestCheckpoint()?.size == 0)
        store.openGate()
        let receipt = try await first.value
        let receipts = try await rest.value
        #expect(receipt.treeSize == 1)
        #expect(Set(receipts.values.map(\.treeSize)) == [100])
        #expect(store.batchSizes.withLock { $0 } == [0, 1, 99])
        let checkpoints = try await store.checkpoints(in: 0...100, limit: 10)
        #expect(checkpoints.map(\.size) == [0, 1, 100])
    }

    @Test("A receipt is not handed out before its batch is committed")
    func acknowledgedOnlyAfterCommit() async throws {
        let store = GatedStore()
        let ledger = try await openLedger(store)
        store.closeGate()
        let write = Task { try await ledger.submit(envelope: Fixtures.envelope(7), recordID: Fixtures.recordID(7)) }
        while store.waitingAppends == 0 { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await store.inner.index(of: Fixtures.recordID(7)) == nil)
        store.openGate()
        let receipt = try await write.value
        #expect(await store.inner.index(of: Fixtures.recordID(7)) == receipt.index)
    }

    @Test("Batches never exceed the configured size")
    func maxBatchSize() async throws {
        let store = GatedStore()
        let ledger = try await openLedger(store, maxBatchSize: 16)
        _ = try await submitConcurrently(ledger, range: 0..<200)
        let sizes = store.batchSizes.withLock { $0 }
        #expect(sizes.allSatisfy { $0 <= 16 })
        #expect(sizes.reduce(0, +) == 200)
    }
}
