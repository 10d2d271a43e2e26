import Foundation
import Ledger
import SQLiteStore
import Testing
import VMTrustTesting

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("The writer runs with synchronous = FULL in WAL mode")
    func durability() throws {
        let directory = TestDirectory.root.appendingPathComponent("vmtrust-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteLedgerStore(path: directory.appendingPathComponent("ledger.sqlite").path)
        #expect(try store.writerSynchronousMode() == 2)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("ledger.sqlite-wal").path))
    }
}

@Suite("SQLite store migrations")
struct SQLiteMigrationTests {
    @Test("Every migration of this build is applied; a newer database is refused")
    func versions() async throws {
        let directory = TestDirectory.root.appendingPathComponent("vmtrust-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("ledger.sqlite").path
        let store = try SQLiteLedgerStore(path: path)
        try await store.checkReady()
        try store.recordMigrationForTesting("v99-future")
        await #expect(throws: LedgerError.self) { try await store.checkReady() }
        #expect(throws: LedgerError.self) { _ = try SQLiteLedgerStore(path: path) }
    }

    @Test("Decisions stored before v4-decisions-rowid are kept, and ids stay unique")
    func decisionsSurviveTheRowidMigration() async throws {
        let directory = TestDirectory.root.appendingPathComponent("vmtrust-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("ledger.sqlite").path
        func decision(_ n: Int, body: String = "old") -> StoredDecision {
            StoredDecision(
                id: String(repeating: String(n % 10), count: 64),
                time: Int64(n),
                logSize: UInt64(n),
                body: Array("{\"n\":\(n),\"b\":\"\(body)\"}".utf8)
            )
        }
        do {
            let old = try SQLiteLedgerStore(path: path, migrationsUpTo: "v3-decisions")
            try await old.storeDecisions((0..<5).map { decision($0) })
        }
        let store = try SQLiteLedgerStore(path: path)
        try await store.checkReady()
        for n in 0..<5 {
            #expect(try await store.decision(id: decision(n).id) == decision(n))
        }
        // Storing an id again leaves the first body; new ids are added.
        try await store.storeDecisions([decision(1, body: "new"), decision(7, body: "new")])
        #expect(try await store.decision(id: decision(1).id)?.body == decision(1).body)
        #expect(try await store.decision(id: decision(7).id)?.body == decision(7, body: "new").body)
    }
}
