import Foundation
import Ledger
import SQLiteStore
import Testing
import TransparencyLog
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

    @Test("State written before v7-state-rowid is kept; upserts and deletes keep working after it")
    func stateSurvivesTheRowidMigration() async throws {
        let directory = TestDirectory.root.appendingPathComponent("vmtrust-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("ledger.sqlite").path
        let value = { (n: Int) in [UInt8](repeating: UInt8(n % 251), count: 700) }
        /// Appends entry `index` with `writes` directly to `store` (no admission).
        func append(_ store: SQLiteLedgerStore, index: UInt64, _ writes: [StateWrite]) async throws {
            let checkpoint = try #require(try await store.latestCheckpoint())
            var tree = CompactRange()
            for bytes in try await store.entries(0..<index) { _ = tree.append(RFC6962.leafHash(bytes)) }
            let entry = LedgerEntry(index: index, integratedAtMillis: Int64(index), envelope: Fixtures.envelope(Int(index)))
            let nodes = tree.append(entry.leafHash)
            try await store.append(
                LedgerBatch(
                    startSize: index,
                    entries: [BatchEntry(entry: entry, recordID: Fixtures.recordID(Int(index)))],
                    nodes: nodes,
                    checkpoint: StoredCheckpoint(size: index + 1, rootHash: tree.root(), note: checkpoint.note),
                    stateWrites: writes
                )
            )
        }
        do {
            let old = try SQLiteLedgerStore(path: path, migrationsUpTo: "v6-decision-journal")
            let ledger = try await openLedger(old)
            _ = try await ledger.submit(envelope: Fixtures.envelope(0), recordID: Fixtures.recordID(0))
            try await append(old, index: 1, (0..<50).map { StateWrite(namespace: "record", key: "k/\($0)", value: value($0)) })
        }
        let store = try SQLiteLedgerStore(path: path)
        try await store.checkReady()
        #expect(try await store.stateValue(namespace: "record", key: "k/7") == value(7))
        #expect(
            try await store.stateValues(namespace: "record", keys: ["k/1", "k/49", "k/50"]) == [
                "k/1": value(1), "k/49": value(49),
            ]
        )
        try await append(
            store,
            index: 2,
            [
                StateWrite(namespace: "record", key: "k/7", value: value(1_000)),
                StateWrite(namespace: "record", key: "k/8", value: nil),
                StateWrite(namespace: "record", key: "k/50", value: value(50)),
                StateWrite(namespace: "other", key: "k/7", value: [1]),
            ]
        )
        #expect(try await store.stateValue(namespace: "record", key: "k/7") == value(1_000))
        #expect(try await store.stateValue(namespace: "record", key: "k/8") == nil)
        #expect(try await store.stateValue(namespace: "other", key: "k/7") == [1])
        let page = try await store.stateEntries(namespace: "record", prefix: "k/", after: "k/48", limit: 10)
        #expect(page.map(\.key) == ["k/49", "k/5", "k/50", "k/6", "k/7", "k/9"])
        #expect(page.first { $0.key == "k/50" }?.value == value(50))
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
            try old.storeDecisionsBeforeKeyForTesting((0..<5).map { decision($0) })
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

    @Test("Decisions stored before v5-decisions-key are kept with their order, and ids stay unique")
    func decisionsSurviveTheKeyMigration() async throws {
        let directory = TestDirectory.root.appendingPathComponent("vmtrust-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("ledger.sqlite").path
        func decision(_ id: String, _ n: Int, body: String = "old") -> StoredDecision {
            StoredDecision(id: id, time: Int64(n), logSize: UInt64(n), body: Array("{\"n\":\(n),\"b\":\"\(body)\"}".utf8))
        }
        // Ids of one key (the same first 16 hex digits) and of others.
        let shared = String(repeating: "ab", count: 8)
        let ids = (0..<6).map { n in
            n < 3 ? shared + String(repeating: String(n), count: 48) : String(repeating: String(format: "%x", n + 9), count: 64)
        }
        do {
            let old = try SQLiteLedgerStore(path: path, migrationsUpTo: "v4-decisions-rowid")
            try old.storeDecisionsBeforeKeyForTesting([decision(ids[0], 0), decision(ids[3], 3), decision(ids[1], 1)])
        }
        let store = try SQLiteLedgerStore(path: path)
        try await store.checkReady()
        for n in [0, 1, 3] {
            #expect(try await store.decision(id: ids[n]) == decision(ids[n], n))
        }
        #expect(try await store.decision(id: ids[2]) == nil)
        #expect(try await store.decision(id: ids[4]) == nil)
        // Storing an id again (old or new, also twice in one batch) leaves the first body; ids of a stored key are
        // added beside it.
        try await store.storeDecisions([
            decision(ids[1], 1, body: "new"), decision(ids[2], 2, body: "new"), decision(ids[2], 2, body: "newer"),
            decision(ids[4], 4, body: "new"),
        ])
        try await store.storeDecisions([decision(ids[4], 4, body: "newer"), decision(ids[5], 5, body: "new")])
        #expect(try await store.decision(id: ids[1]) == decision(ids[1], 1))
        #expect(try await store.decision(id: ids[2]) == decision(ids[2], 2, body: "new"))
        #expect(try await store.decision(id: ids[4]) == decision(ids[4], 4, body: "new"))
        #expect(try await store.decision(id: ids[5]) == decision(ids[5], 5, body: "new"))
        #expect(try await store.decision(id: shared + String(repeating: "9", count: 48)) == nil)
    }

    @Test("A decision key is the id's first 16 hex digits as a 64-bit integer")
    func decisionKeys() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for _ in 0..<10_000 {
            let id = (0..<4).map { _ in
                let word = String(next(), radix: 16)
                return String(repeating: "0", count: 16 - word.count) + word
            }.joined()
            #expect(SQLiteLedgerStore.decisionKey(id) == Int64(bitPattern: UInt64(id.prefix(16), radix: 16)!))
        }
        #expect(SQLiteLedgerStore.decisionKey(String(repeating: "f", count: 64)) == -1)
        #expect(SQLiteLedgerStore.decisionKey("0123456789ABCDEF" + String(repeating: "0", count: 48)) == 0)
        #expect(SQLiteLedgerStore.decisionKey("12") == 0)
    }
}
