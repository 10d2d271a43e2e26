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
