import Foundation
import Ledger
import Testing
import VMTrustTesting

/// Decisions beside the log: the same behaviour on every backend.
@Suite("Decision store conformance")
struct DecisionStoreTests {
    /// The backend's decision store: the ledger store itself for SQLite and PostgreSQL, memory otherwise.
    static func decisionStore(
        _ handle: StoreHandle
    ) -> (any DecisionStore, reopen: @Sendable () async throws -> any DecisionStore) {
        if let store = handle.store as? any DecisionStore {
            return (store, { try await handle.reopen() as! any DecisionStore })
        }
        let memory = InMemoryDecisionStore()
        return (memory, { memory })
    }

    static func decision(_ n: Int, body: String = "{}") -> StoredDecision {
        let id = String(repeating: String(format: "%02x", n % 256), count: 32)
        return StoredDecision(id: id, time: 1_790_000_000_000 + Int64(n), logSize: UInt64(n), body: Array(body.utf8))
    }

    @Test(
        "Stored decisions are read back by id, survive a restart, and a second store of an id keeps the first",
        arguments: Backend.allCases
    )
    func storeAndRead(backend: Backend) async throws {
        let handle = try await backend.make()
        let (store, reopen) = Self.decisionStore(handle)
        #expect(try await store.decision(id: Self.decision(1).id) == nil)
        try await store.storeDecisions([Self.decision(1, body: #"{"a":1}"#), Self.decision(2)])
        try await store.storeDecisions([Self.decision(1, body: #"{"a":2}"#)])
        try await store.storeDecisions([])
        #expect(try await store.decision(id: Self.decision(1).id) == Self.decision(1, body: #"{"a":1}"#))
        let reopened = try await reopen()
        #expect(try await reopened.decision(id: Self.decision(2).id) == Self.decision(2))
        #expect(try await reopened.decision(id: String(repeating: "f", count: 64)) == nil)
    }

    @Test("The recorder group-commits concurrent decisions and each returns once stored", arguments: Backend.allCases)
    func recorder(backend: Backend) async throws {
        let handle = try await backend.make()
        let (store, _) = Self.decisionStore(handle)
        let recorder = DecisionRecorder(store: store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<200 {
                group.addTask { try await recorder.store(Self.decision(n, body: "{\"n\":\(n)}")) }
            }
            try await group.waitForAll()
        }
        for n in [0, 99, 199] {
            #expect(try await recorder.decision(id: Self.decision(n).id)?.body == Array("{\"n\":\(n)}".utf8))
        }
    }
}

/// A decision store that fails the batches it is told to fail.
private actor FailingDecisionStore: DecisionStore {
    struct Failure: Error {}
    var failNext = true
    var stored: [String: StoredDecision] = [:]
    var batches = 0

    func storeDecisions(_ decisions: [StoredDecision]) async throws {
        batches += 1
        if failNext {
            failNext = false
            // Let the other callers queue behind this batch.
            try await Task.sleep(for: .milliseconds(20))
            throw Failure()
        }
        for decision in decisions where stored[decision.id] == nil { stored[decision.id] = decision }
    }

    func decision(id: String) -> StoredDecision? { stored[id] }
}

@Suite("Decision recorder")
struct DecisionRecorderTests {
    @Test("A failed batch throws to each of its callers, and later batches are stored")
    func failedBatch() async throws {
        let store = FailingDecisionStore()
        let recorder = DecisionRecorder(store: store)
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<100 {
                group.addTask {
                    do {
                        try await recorder.store(DecisionStoreTests.decision(n))
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            var results: [Int: Bool] = [:]
            for await (n, ok) in group { results[n] = ok }
            return results
        }
        #expect(results.count == 100)
        let failed = results.filter { !$0.value }.map(\.key)
        let succeeded = results.filter(\.value).map(\.key)
        #expect(!failed.isEmpty)
        for n in failed { #expect(try await recorder.decision(id: DecisionStoreTests.decision(n).id) == nil) }
        for n in succeeded { #expect(try await recorder.decision(id: DecisionStoreTests.decision(n).id) != nil) }
        // The recorder still works after the failure.
        try await recorder.store(DecisionStoreTests.decision(1_000))
        #expect(try await recorder.decision(id: DecisionStoreTests.decision(1_000).id) != nil)
        #expect(await store.batches >= 2)
    }
}
