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
