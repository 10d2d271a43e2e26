import Foundation
import GRDB
import Ledger
import Logging
import Provenance
import TransparencyLog

/// The embedded default `LedgerStore`: one SQLite database file, managed with GRDB.
///
/// The database runs in WAL mode with `synchronous = FULL`, so a committed batch is on disk
/// (the WAL is fsync'd) before ``append(_:)`` returns. GRDB's `DatabasePool` resets the
/// writer connection to `NORMAL` after `prepareDatabase`; the store sets `FULL` again after
/// opening and refuses to start if the writer does not report it.
///
/// Schema: versioned GRDB migrations, recorded by GRDB in `grdb_migrations`, applied in the
/// order of ``migrationVersions``:
/// - `v1`: `entries(idx INTEGER PRIMARY KEY, record_id BLOB UNIQUE, data BLOB)` — encoded
///   entries; `nodes(level, idx, hash) WITHOUT ROWID` — every complete-subtree hash (level 0 =
///   leaves); `checkpoints(size INTEGER PRIMARY KEY, root BLOB, note TEXT)` — one per batch;
/// - `v2-state`: `state(namespace, key, value) WITHOUT ROWID` — derived state.
/// - `v3-decisions`: `decisions(id TEXT PRIMARY KEY, time, log_size, body) WITHOUT ROWID` — policy decisions;
/// - `v4-decisions-rowid`: the same columns in a rowid table, `decisions(seq INTEGER PRIMARY KEY, id TEXT UNIQUE,
///   time, log_size, body)`: a decision's KiB-sized body is appended at the end of the table instead of being
///   inserted at a random place of a tree keyed by its id (which read and rewrote random pages on every batch);
///   only the small id index takes random inserts.
/// - `v5-decisions-key`: the unique index on the 64-character id is replaced by an index on `key INTEGER`, the id's
///   first 16 hex digits as a signed 64-bit integer (``decisionKey(_:)``): about a quarter of the bytes per entry, so
///   each batch's random inserts dirty fewer and smaller index pages. Keys may collide (they are not unique), so
///   every statement matches the key and then the full id, and a store inserts only when no row has both (what the
///   unique index did). Rows keep their `seq`.
/// - `v6-decision-journal`: new decisions go to an append-only file beside the database (``DecisionJournal``), indexed
///   by `decision_frames(offset INTEGER PRIMARY KEY, key, length)` with an index on `key`; the `decisions` table keeps
///   (and still answers for) the decisions stored before.
/// - `v7-state-rowid`: `state(id INTEGER PRIMARY KEY, namespace, key, value, UNIQUE (namespace, key))`, a rowid
///   table instead of `WITHOUT ROWID`. In a `WITHOUT ROWID` tree every row is its own key, so interior pages held
///   whole rows: record states (≈ 700 bytes each, keyed by random record ids) fitted five to a page, and a batch of
///   23 attestations dirtied ≈ 84 pages of the tree (58 leaves, 26 interior pages), each written to the WAL and again
///   at the checkpoint. Now new rows are appended in id order and only the (namespace, key) index, a few dozen bytes
///   per entry, takes the random inserts. An upsert keeps a row's id; statements name their columns, so none changed.
/// - `v8-decision-spans`: new journal frames are indexed by span, not one by one:
///   `decision_spans(offset INTEGER PRIMARY KEY, length, first_key, last_key)`, one row per run of consecutive frames
///   whose keys lie within 128 ms of request time (``DecisionJournal/spans(of:)``): about 45 decisions per row
///   instead of one. Its index on `(first_key, last_key)` answers a read's range of candidate spans by itself.
///   `decision_frames` keeps (and still answers for) the frames indexed before.
///
/// A database migrated by a newer build (a migration this build does not know) is refused.
public final class SQLiteLedgerStore: LedgerStore {
    private let pool: DatabasePool
    /// Where policy decisions go (migration `v6-decision-journal`).
    private let decisionJournal: DecisionJournal

    /// Where the database lives.
    public let path: String

    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// - Parameters:
    ///   - readOnly: open without writing (for audits of a live server's data).
    ///   - migrationsUpTo: apply the migrations only up to this one (tests of migrations; never the server).
    public init(path: String, readOnly: Bool = false, migrationsUpTo lastMigration: String? = nil) throws {
        var configuration = Configuration()
        configuration.label = "vmtrust.ledger"
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        self.path = path
        self.pool = try DatabasePool(path: path, configuration: configuration)
        self.decisionJournal = DecisionJournal.journal(forDatabase: path, pool: pool, readOnly: readOnly)
        if !readOnly {
            try pool.read { db in
                let unknown = try Self.migrator.appliedIdentifiers(db).subtracting(Self.migrationVersions)
                guard unknown.isEmpty else {
                    throw LedgerError(
                        code: .corruptStore,
                        message: "\(path) was migrated by a newer vmtrust (\(unknown.sorted().joined(separator: ", ")))"
                    )
                }
            }
            if let lastMigration {
                try Self.migrator.migrate(pool, upTo: lastMigration)
            } else {
                try Self.migrator.migrate(pool)
            }
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                let mode = try Int.fetchOne(db, sql: "PRAGMA synchronous")
                let journal = try String.fetchOne(db, sql: "PRAGMA journal_mode")
                guard mode == 2, journal?.lowercased() == "wal" else {
                    throw LedgerError(
                        code: .notDurable,
                        message:
                            "SQLite writer runs with synchronous=\(mode ?? -1), journal_mode=\(journal ?? "?"); FULL and WAL are required"
                    )
                }
            }
        }
    }

    /// The writer connection's `PRAGMA synchronous` value (2 means FULL).
    public func writerSynchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The schema versions (GRDB migration identifiers) this build applies, in order.
    public static let migrationVersions = [
        "v1", "v2-state", "v3-decisions", "v4-decisions-rowid", "v5-decisions-key", "v6-decision-journal",
        "v7-state-rowid", "v8-decision-spans",
    ]

    /// Checks that the database answers and every migration of this build is applied.
    /// Also opens the decision journal (``openDecisionJournal()``): a journal that cannot be written makes the store not
    /// ready.
    public func checkReady() async throws {
        let applied = try await pool.read { db in try Self.migrator.appliedIdentifiers(db) }
        guard applied == Set(Self.migrationVersions) else {
            throw LedgerError(
                code: .corruptStore,
                message: "\(path) has migrations \(applied.sorted()); this build expects \(Self.migrationVersions)"
            )
        }
        _ = try await latestCheckpoint()
        try await decisionJournal.openForWriting()
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE entries (
                        idx INTEGER PRIMARY KEY,
                        record_id BLOB NOT NULL UNIQUE,
                        data BLOB NOT NULL
                    );
                    CREATE TABLE nodes (
                        level INTEGER NOT NULL,
                        idx INTEGER NOT NULL,
                        hash BLOB NOT NULL,
                        PRIMARY KEY (level, idx)
                    ) WITHOUT ROWID;
                    CREATE TABLE checkpoints (
                        size INTEGER PRIMARY KEY,
                        root BLOB NOT NULL,
                        note TEXT NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2-state") { db in
            try db.execute(
                sql: """
                    CREATE TABLE state (
                        namespace TEXT NOT NULL,
                        key TEXT NOT NULL,
                        value BLOB NOT NULL,
                        PRIMARY KEY (namespace, key)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v3-decisions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE decisions (
                        id TEXT PRIMARY KEY,
                        time INTEGER NOT NULL,
                        log_size INTEGER NOT NULL,
                        body BLOB NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v4-decisions-rowid") { db in
            try db.execute(
                sql: """
                    CREATE TABLE decisions_rowid (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        time INTEGER NOT NULL,
                        log_size INTEGER NOT NULL,
                        body BLOB NOT NULL
                    );
                    INSERT INTO decisions_rowid (id, time, log_size, body)
                        SELECT id, time, log_size, body FROM decisions ORDER BY time, id;
                    DROP TABLE decisions;
                    ALTER TABLE decisions_rowid RENAME TO decisions;
                    """
            )
        }
        migrator.registerMigration("v5-decisions-key") { db in
            let key = DatabaseFunction("vmtrust_decision_key", argumentCount: 1, pure: true) { values in
                String.fromDatabaseValue(values[0]).map(SQLiteLedgerStore.decisionKey) ?? 0
            }
            db.add(function: key)
            defer { db.remove(function: key) }
            try db.execute(
                sql: """
                    CREATE TABLE decisions_keyed (
                        seq INTEGER PRIMARY KEY,
                        key INTEGER NOT NULL,
                        id TEXT NOT NULL,
                        time INTEGER NOT NULL,
                        log_size INTEGER NOT NULL,
                        body BLOB NOT NULL
                    );
                    INSERT INTO decisions_keyed (seq, key, id, time, log_size, body)
                        SELECT seq, vmtrust_decision_key(id), id, time, log_size, body FROM decisions ORDER BY seq;
                    DROP TABLE decisions;
                    ALTER TABLE decisions_keyed RENAME TO decisions;
                    CREATE INDEX decisions_key ON decisions (key);
                    """
            )
        }
        migrator.registerMigration("v6-decision-journal") { db in
            try db.execute(
                sql: """
                    CREATE TABLE decision_frames (
                        offset INTEGER PRIMARY KEY,
                        key INTEGER NOT NULL,
                        length INTEGER NOT NULL
                    );
                    CREATE INDEX decision_frames_key ON decision_frames (key);
                    """
            )
        }
        migrator.registerMigration("v7-state-rowid") { db in
            try db.execute(
                sql: """
                    CREATE TABLE state_rowid (
                        id INTEGER PRIMARY KEY,
                        namespace TEXT NOT NULL,
                        key TEXT NOT NULL,
                        value BLOB NOT NULL,
                        UNIQUE (namespace, key)
                    );
                    INSERT INTO state_rowid (namespace, key, value) SELECT namespace, key, value FROM state;
                    DROP TABLE state;
                    ALTER TABLE state_rowid RENAME TO state;
                    """
            )
        }
        migrator.registerMigration("v8-decision-spans") { db in
            try db.execute(
                sql: """
                    CREATE TABLE decision_spans (
                        offset INTEGER PRIMARY KEY,
                        length INTEGER NOT NULL,
                        first_key INTEGER NOT NULL,
                        last_key INTEGER NOT NULL
                    );
                    CREATE INDEX decision_spans_keys ON decision_spans (first_key, last_key);
                    """
            )
        }
        return migrator
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await pool.read { db in
            try Self.checkpoints(db, sql: "SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1", arguments: [])
                .first
        }
    }

    public func checkpoint(size: UInt64) async throws -> StoredCheckpoint? {
        try await pool.read { db in
            try Self.checkpoints(db, sql: "SELECT size, root, note FROM checkpoints WHERE size = ?", arguments: [Int64(size)])
                .first
        }
    }

    public func checkpoints(in sizes: ClosedRange<UInt64>, limit: Int) async throws -> [StoredCheckpoint] {
        let lower = Int64(clamping: sizes.lowerBound)
        let upper = Int64(clamping: sizes.upperBound)
        return try await pool.read { db in
            try Self.checkpoints(
                db,
                sql: "SELECT size, root, note FROM checkpoints WHERE size >= ? AND size <= ? ORDER BY size LIMIT ?",
                arguments: [lower, upper, limit]
            )
        }
    }

    private static func checkpoints(_ db: Database, sql: String, arguments: StatementArguments) throws -> [StoredCheckpoint] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let size: Int64 = row[0]
            let root: Data = row[1]
            guard let hash = TreeHash(bytes: root) else {
                throw LedgerError.corruptStore("checkpoint \(size) has a root of \(root.count) bytes")
            }
            return StoredCheckpoint(size: UInt64(size), rootHash: hash, note: row[2])
        }
    }

    public func append(_ batch: LedgerBatch) async throws {
        try await pool.write { db in
            let size = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries") ?? 0
            guard UInt64(size) == batch.startSize else {
                throw LedgerError.sequencingConflict(expected: batch.startSize, actual: UInt64(size))
            }
            // Only a new log appends an empty batch: another writer may have published it first.
            if batch.entries.isEmpty,
                try Bool.fetchOne(
                    db,
                    sql: "SELECT EXISTS (SELECT 1 FROM checkpoints WHERE size = ?)",
                    arguments: [Int64(batch.checkpoint.size)]
                ) == true
            {
                throw LedgerError.sequencingConflict(expected: batch.startSize, actual: UInt64(size))
            }
            let insertEntry = try db.cachedStatement(sql: "INSERT INTO entries (idx, record_id, data) VALUES (?, ?, ?)")
            for item in batch.entries {
                try insertEntry.execute(arguments: [
                    Int64(item.entry.index), Data(item.recordID.digest), Data(item.entry.encoded),
                ])
            }
            let insertNode = try db.cachedStatement(sql: "INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)")
            for node in batch.nodes {
                try insertNode.execute(arguments: [Int64(node.id.level), Int64(node.id.index), Data(node.hash.bytes)])
            }
            let upsert = try db.cachedStatement(
                sql:
                    "INSERT INTO state (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value"
            )
            let delete = try db.cachedStatement(sql: "DELETE FROM state WHERE namespace = ? AND key = ?")
            for write in batch.stateWrites {
                if let value = write.value {
                    try upsert.execute(arguments: [write.namespace, write.key, Data(value)])
                } else {
                    try delete.execute(arguments: [write.namespace, write.key])
                }
            }
            try db.execute(
                sql: "INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)",
                arguments: [Int64(batch.checkpoint.size), Data(batch.checkpoint.rootHash.bytes), batch.checkpoint.note]
            )
        }
    }

    public func nodeHashes(_ ids: [NodeID]) async throws -> [NodeID: TreeHash] {
        try await pool.read { db in
            let select = try db.cachedStatement(sql: "SELECT hash FROM nodes WHERE level = ? AND idx = ?")
            var out: [NodeID: TreeHash] = [:]
            for id in ids {
                guard let data = try Data.fetchOne(select, arguments: [Int64(id.level), Int64(id.index)]) else { continue }
                guard let hash = TreeHash(bytes: data) else {
                    throw LedgerError.corruptStore("node \(id) has \(data.count) bytes")
                }
                out[id] = hash
            }
            return out
        }
    }

    public func nodeHashes(level: UInt8, indexes: Range<UInt64>) async throws -> [TreeHash] {
        try await pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT idx, hash FROM nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(level), Int64(clamping: indexes.lowerBound), Int64(clamping: indexes.upperBound)]
            )
            var out: [TreeHash] = []
            var expected = indexes.lowerBound
            while let row = try rows.next() {
                let index: Int64 = row[0]
                guard UInt64(index) == expected else { break }
                let data: Data = row[1]
                guard let hash = TreeHash(bytes: data) else {
                    throw LedgerError.corruptStore("node \(level)/\(index) has \(data.count) bytes")
                }
                out.append(hash)
                expected += 1
            }
            return out
        }
    }

    public func entries(_ indexes: Range<UInt64>) async throws -> [[UInt8]] {
        try await pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT idx, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(clamping: indexes.lowerBound), Int64(clamping: indexes.upperBound)]
            )
            var out: [[UInt8]] = []
            var expected = indexes.lowerBound
            while let row = try rows.next() {
                let index: Int64 = row[0]
                guard UInt64(index) == expected else { break }
                let data: Data = row[1]
                out.append(Array(data))
                expected += 1
            }
            return out
        }
    }

    public func index(of recordID: RecordID) async throws -> UInt64? {
        try await indexes(of: [recordID])[recordID]
    }

    public func indexes(of recordIDs: [RecordID]) async throws -> [RecordID: UInt64] {
        try await pool.read { db in
            let select = try db.cachedStatement(sql: "SELECT idx FROM entries WHERE record_id = ?")
            var out: [RecordID: UInt64] = [:]
            for id in recordIDs {
                if let index = try Int64.fetchOne(select, arguments: [Data(id.digest)]) {
                    out[id] = UInt64(index)
                }
            }
            return out
        }
    }

    public func stateValue(namespace: String, key: String) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM state WHERE namespace = ? AND key = ?", arguments: [namespace, key])
                .map { Array($0) }
        }
    }

    public func stateValues(namespace: String, keys: [String]) async throws -> [String: [UInt8]] {
        guard !keys.isEmpty else { return [:] }
        return try await pool.read { db in
            // One cached point lookup per key on the (namespace, key) primary key, in one read transaction.
            let select = try db.cachedStatement(sql: "SELECT value FROM state WHERE namespace = ? AND key = ?")
            var out: [String: [UInt8]] = [:]
            for key in keys where out[key] == nil {
                if let value = try Data.fetchOne(select, arguments: [namespace, key]) { out[key] = Array(value) }
            }
            return out
        }
    }

    public func stateEntries(
        namespace: String,
        prefix: String,
        after: String?,
        limit: Int
    ) async throws -> [(key: String, value: [UInt8])] {
        try await pool.read { db in
            // Keys compare bytewise (BINARY collation); the range [prefix, prefix + U+10FFFF) holds every key with the prefix.
            let lower = max(prefix, after ?? "")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT key, value FROM state
                    WHERE namespace = ? AND key >= ? AND key < ? AND (? IS NULL OR key > ?)
                    ORDER BY key LIMIT ?
                    """,
                arguments: [namespace, lower, prefix + "\u{10FFFF}", after, after, limit]
            )
            return rows.compactMap { row -> (key: String, value: [UInt8])? in
                let key: String = row[0]
                guard key.hasPrefix(prefix) else { return nil }
                let value: Data = row[1]
                return (key, Array(value))
            }
        }
    }

    /// Records a migration this build does not know, as a newer build would: for tests of the
    /// version checks. Never called by the server.
    public func recordMigrationForTesting(_ identifier: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [identifier])
        }
    }

    /// Stores `decisions` as the builds before `v5-decisions-key` did (`INSERT OR IGNORE` of id, time, log size and body,
    /// the columns of `v3-decisions` and `v4-decisions-rowid`): for tests of a database migrated up to one of those.
    public func storeDecisionsBeforeKeyForTesting(_ decisions: [StoredDecision]) throws {
        try pool.write { db in
            for decision in decisions {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO decisions (id, time, log_size, body) VALUES (?, ?, ?, ?)",
                    arguments: [decision.id, decision.time, Int64(bitPattern: decision.logSize), Data(decision.body)]
                )
            }
        }
    }

    /// Overwrites the stored bytes of one entry, bypassing every check: for tests and
    /// drills that show `log audit` catches tampering. Never called by the server.
    public func tamperForTesting(index: UInt64, data: [UInt8]) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE entries SET data = ? WHERE idx = ?", arguments: [Data(data), Int64(index)])
        }
    }
}

extension SQLiteLedgerStore: DecisionStore {
    /// The indexed key of a decision id (migration `v5-decisions-key`): its first 16 hex digits read as a big-endian
    /// 64-bit integer, bit-cast to `Int64`; 0 when they are not 16 hex digits (no decision id, but still a key).
    /// A decision id starts with its request time (`PolicyEngine.decisionID`), so the keys of new decisions grow with
    /// time and their index entries are appended, not scattered.
    public static func decisionKey(_ id: String) -> Int64 {
        var key: UInt64 = 0
        var digits = 0
        for byte in id.utf8.prefix(16) {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            default: return 0
            }
            key = key << 4 | UInt64(value)
            digits += 1
        }
        return digits == 16 ? Int64(bitPattern: key) : 0
    }

    /// Appends `decisions` to the decision journal (``DecisionJournal``) and returns once they are durable.
    public func storeDecisions(_ decisions: [StoredDecision]) async throws {
        try await decisionJournal.append(decisions)
    }

    /// Opens the decision journal now instead of at the first decision (recovering its end, taking its lock): a
    /// server calls it at start, so that a damaged journal or a second server on the same data is reported at once.
    public func openDecisionJournal() async throws {
        try await decisionJournal.openForWriting()
    }

    /// Indexes every journalled decision now, instead of soon (tests).
    public func flushDecisionIndexForTesting() async throws {
        try await decisionJournal.flushIndex()
    }

    /// Where the decision journal's frames end, and where the zeros written after them end (tests).
    func decisionJournalEnds() -> (frames: Int64, zeros: Int64) {
        decisionJournal.ends
    }

    /// Where the decision journal lives: the database's path followed by `.decisions`.
    public var decisionJournalPath: String { decisionJournal.path }

    /// The decision with `id`: a row of the `decisions` table (stored before `v6-decision-journal`, so first),
    /// else the first frame of the id in the decision journal.
    public func decision(id: String) async throws -> StoredDecision? {
        let stored = try await pool.read { db -> StoredDecision? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT time, log_size, body FROM decisions WHERE key = ? AND id = ? ORDER BY seq LIMIT 1",
                    arguments: [Self.decisionKey(id), id]
                )
            else { return nil }
            let size: Int64 = row[1]
            let body: Data = row[2]
            return StoredDecision(id: id, time: row[0], logSize: UInt64(bitPattern: size), body: Array(body))
        }
        if let stored { return stored }
        return try await decisionJournal.decision(id: id)
    }
}
