import Foundation
import Ledger
import SQLiteStore
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("The writer runs with synchronous = FULL in WAL mode")
    func durability() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vmtrust-sqlite-\(UUID().uuidString)")
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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vmtrust-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("ledger.sqlite").path
        let store = try SQLiteLedgerStore(path: path)
        try await store.checkReady()
        try store.recordMigrationForTesting("v99-future")
        await #expect(throws: LedgerError.self) { try await store.checkReady() }
        #expect(throws: LedgerError.self) { _ = try SQLiteLedgerStore(path: path) }
    }
}
