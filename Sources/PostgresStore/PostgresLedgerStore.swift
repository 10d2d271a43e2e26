import Ledger
import Logging
import NIOCore
import PostgresNIO
import Provenance
import TransparencyLog

/// A `LedgerStore` in PostgreSQL, shared by several `vmtrust serve` replicas.
///
/// The store does not own its `PostgresClient`: whoever creates the client runs it (in the
/// server, as a service of the service group; in tests, in a task).
///
/// Sequencing: ``append(_:)`` runs one statement (the `vmtrust_append` function, in its own
/// transaction) that first takes the transaction-scoped advisory lock of this log
/// (`pg_advisory_xact_lock`), then reads the current size from the entries table and refuses the batch with ``LedgerError/Code/sequencingConflict`` when
/// it does not start there. Exactly one replica extends the log at a time; a replica whose
/// batch was built on a stale size reloads the right edge and builds it again. Indexes are
/// computed from the stored size, never from a sequence, so they stay contiguous whatever
/// rolls back. The lock dies with the session, so a killed replica never blocks the others.
///
/// Durability: the server must run with `fsync = on` and `synchronous_commit` at least `on`
/// (PostgreSQL's defaults); ``open(client:schema:logger:)`` checks both and refuses otherwise.
///
/// Schema: versioned migrations recorded in `schema_migrations`; see ``migrations``.
public final class PostgresLedgerStore: LedgerStore {
    private let client: PostgresClient
    private let logger: Logger
    /// The schema the tables live in.
    public let schema: String

    /// The migrations, in order; `schema_migrations` records the version of each applied one.
    public static let migrations: [(version: Int, name: String, sql: [String])] = [
        (
            1, "log",
            [
                """
                CREATE TABLE entries (
                    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
                    record_id BYTEA NOT NULL UNIQUE,
                    data BYTEA NOT NULL
                )
                """,
                """
                CREATE TABLE nodes (
                    level SMALLINT NOT NULL,
                    idx BIGINT NOT NULL,
                    hash BYTEA NOT NULL,
                    PRIMARY KEY (level, idx)
                )
                """,
                """
                CREATE TABLE checkpoints (
                    size BIGINT PRIMARY KEY CHECK (size >= 0),
                    root BYTEA NOT NULL,
                    note TEXT NOT NULL
                )
                """,
            ]
        ),
        (
            2, "state",
            [
                """
                CREATE TABLE state (
                    namespace TEXT NOT NULL,
                    key TEXT COLLATE "C" NOT NULL,
                    value BYTEA NOT NULL,
                    PRIMARY KEY (namespace, key)
                )
                """
            ]
        ),
        (
            // The whole append in one statement (one round trip, its own transaction). It takes
            // the log's advisory lock, then reads the size: in a volatile function every
            // statement has a new snapshot, so it sees every batch committed before the lock
            // was granted. It returns -1 when the batch was written, else the current size (and
            // writes nothing). Tables resolve in the schema the function was created in.
            3, "append-function",
            [
                """
                CREATE FUNCTION vmtrust_append(
                    start_size BIGINT, lock_class INTEGER, lock_name TEXT,
                    entry_idx BIGINT[], entry_record_id BYTEA[], entry_data BYTEA[],
                    node_level SMALLINT[], node_idx BIGINT[], node_hash BYTEA[],
                    upsert_namespace TEXT[], upsert_key TEXT[], upsert_value BYTEA[],
                    delete_namespace TEXT[], delete_key TEXT[],
                    checkpoint_size BIGINT, checkpoint_root BYTEA, checkpoint_note TEXT
                ) RETURNS BIGINT
                LANGUAGE plpgsql VOLATILE
                SET search_path FROM CURRENT
                AS $body$
                DECLARE
                    current_size BIGINT;
                BEGIN
                    PERFORM pg_advisory_xact_lock(lock_class, hashtext(lock_name));
                    SELECT COALESCE(MAX(idx) + 1, 0) INTO current_size FROM entries;
                    IF current_size <> start_size THEN
                        RETURN current_size;
                    END IF;
                    -- Only a new log appends an empty batch: another replica may have published it first.
                    IF cardinality(entry_idx) = 0 AND EXISTS (SELECT 1 FROM checkpoints WHERE size = checkpoint_size) THEN
                        RETURN current_size;
                    END IF;
                    INSERT INTO entries (idx, record_id, data)
                        SELECT * FROM unnest(entry_idx, entry_record_id, entry_data);
                    INSERT INTO nodes (level, idx, hash)
                        SELECT * FROM unnest(node_level, node_idx, node_hash);
                    INSERT INTO state (namespace, key, value)
                        SELECT * FROM unnest(upsert_namespace, upsert_key, upsert_value)
                        ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value;
                    DELETE FROM state s
                        USING unnest(delete_namespace, delete_key) AS d(namespace, key)
                        WHERE s.namespace = d.namespace AND s.key = d.key;
                    INSERT INTO checkpoints (size, root, note) VALUES (checkpoint_size, checkpoint_root, checkpoint_note);
                    RETURN -1;
                END
                $body$
                """
            ]
        ),
        (
            // Policy decisions, beside the log (issue 6): written by the server, read by id.
            4, "decisions",
            [
                """
                CREATE TABLE decisions (
                    id TEXT PRIMARY KEY,
                    time BIGINT NOT NULL,
                    log_size BIGINT NOT NULL CHECK (log_size >= 0),
                    body BYTEA NOT NULL
                )
                """
            ]
        ),
    ]

    /// The schema version this build expects (the last migration's).
    public static var schemaVersion: Int { migrations.last?.version ?? 0 }

    /// Migrations and sequencing take advisory locks in this class (`'vmtr'`); the second key
    /// is derived from the schema name, so logs in different schemas do not contend.
    private static let lockClass: Int32 = 0x766D_7472

    private init(client: PostgresClient, schema: String, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Opens the store in `schema` (created if missing), checks durability settings and runs
    /// the migrations this build knows (under an advisory lock, so replicas starting
    /// together migrate once).
    ///
    /// - Parameters:
    ///   - client: a running (or soon running) client.
    ///   - schema: where the tables live; a plain identifier (letters, digits, `_`).
    ///   - timeout: how long to wait for the database before throwing
    ///     ``LedgerError/Code/storeUnavailable``.
    public static func open(
        client: PostgresClient,
        schema: String = "public",
        timeout: Duration = .seconds(15),
        logger: Logger
    ) async throws
        -> PostgresLedgerStore
    {
        guard Self.isIdentifier(schema) else {
            throw LedgerError(code: .corruptStore, message: "schema name \(schema) must be letters, digits and _")
        }
        let store = PostgresLedgerStore(client: client, schema: schema, logger: logger)
        try await withTimeout(timeout, "connecting to PostgreSQL and migrating") {
            try await store.checkDurability()
            try await store.migrate()
        }
        return store
    }

    /// Runs `body`, or throws ``LedgerError/Code/storeUnavailable`` when it takes longer than
    /// `timeout` (the client waits for a connection as long as the database is down).
    static func withTimeout<T: Sendable>(
        _ timeout: Duration,
        _ what: String,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw LedgerError(code: .storeUnavailable, message: "\(what) took longer than \(timeout)")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !(("0"..."9").contains(first)), name.utf8.count <= 63 else {
            return false
        }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    private var qualified: String { "\"\(schema)\"" }

    private func table(_ name: String) -> String { "\(qualified).\(name)" }

    private func checkDurability() async throws {
        var settings: [String: String] = [:]
        let rows = try await client.query(
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')",
            logger: logger
        )
        for try await (name, setting) in rows.decode((String, String).self) { settings[name] = setting }
        // synchronous_commit: on, local, remote_write and remote_apply all flush the local WAL before COMMIT returns.
        let commit = settings["synchronous_commit"] ?? "?"
        guard settings["fsync"] == "on", ["on", "local", "remote_write", "remote_apply"].contains(commit) else {
            throw LedgerError(
                code: .notDurable,
                message:
                    "PostgreSQL runs with fsync=\(settings["fsync"] ?? "?"), synchronous_commit=\(commit); fsync=on and synchronous_commit=on are required"
            )
        }
    }

    private func migrate() async throws {
        try await transaction { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(self.qualified)"),
                logger: self.logger
            )
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.lockClass), hashtext(\(self.schema) || '/migrations'))",
                logger: self.logger
            )
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(self.table("schema_migrations")) (
                            version INTEGER PRIMARY KEY,
                            name TEXT NOT NULL,
                            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                        )
                        """
                ),
                logger: self.logger
            )
            var applied: Set<Int> = []
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT version FROM \(self.table("schema_migrations"))"),
                logger: self.logger
            )
            for try await version in rows.decode(Int32.self) { applied.insert(Int(version)) }
            if let unknown = applied.max(), unknown > Self.schemaVersion {
                throw LedgerError(
                    code: .corruptStore,
                    message: "the database schema is at version \(unknown); this build knows up to \(Self.schemaVersion)"
                )
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(self.qualified)"),
                    logger: self.logger
                )
                for sql in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: self.logger)
                }
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(self.table("schema_migrations")) (version, name) VALUES ($1, $2)",
                        binds: try Self.binds(Int32(migration.version), migration.name)
                    ),
                    logger: self.logger
                )
                self.logger.notice(
                    "applied migration",
                    metadata: ["version": "\(migration.version)", "name": "\(migration.name)"]
                )
            }
        }
    }

    private static func binds(_ values: any PostgresEncodable...) throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { try bindings.append(value) }
        return bindings
    }

    /// The applied schema version (the highest recorded migration).
    public func appliedSchemaVersion() async throws -> Int {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT COALESCE(MAX(version), 0) FROM \(table("schema_migrations"))"),
            logger: logger
        )
        for try await version in rows.decode(Int32.self) { return Int(version) }
        return 0
    }

    /// Runs `body` in a transaction on one pooled connection; rolls back when it throws.
    private func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: self.logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    // MARK: - LedgerStore

    /// Other replicas may append to the same log.
    public var isShared: Bool { true }

    /// Checks that the database answers and its schema is at the version this build expects.
    public func checkReady() async throws {
        let version = try await Self.withTimeout(.seconds(2), "reading the schema version") {
            try await self.appliedSchemaVersion()
        }
        guard version == Self.schemaVersion else {
            throw LedgerError(
                code: .corruptStore,
                message: "the database schema is at version \(version), this build expects \(Self.schemaVersion)"
            )
        }
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await checkpoints(
            PostgresQuery(unsafeSQL: "SELECT size, root, note FROM \(table("checkpoints")) ORDER BY size DESC LIMIT 1")
        ).first
    }

    public func checkpoint(size: UInt64) async throws -> StoredCheckpoint? {
        try await checkpoints(
            PostgresQuery(
                unsafeSQL: "SELECT size, root, note FROM \(table("checkpoints")) WHERE size = $1",
                binds: try Self.binds(Int64(clamping: size))
            )
        ).first
    }

    public func checkpoints(in sizes: ClosedRange<UInt64>, limit: Int) async throws -> [StoredCheckpoint] {
        try await checkpoints(
            PostgresQuery(
                unsafeSQL:
                    "SELECT size, root, note FROM \(table("checkpoints")) WHERE size >= $1 AND size <= $2 ORDER BY size LIMIT $3",
                binds: try Self.binds(Int64(clamping: sizes.lowerBound), Int64(clamping: sizes.upperBound), Int64(limit))
            )
        )
    }

    private func checkpoints(_ query: PostgresQuery) async throws -> [StoredCheckpoint] {
        var out: [StoredCheckpoint] = []
        let rows = try await client.query(query, logger: logger)
        for try await (size, root, note) in rows.decode((Int64, ByteBuffer, String).self) {
            guard let hash = TreeHash(bytes: Array(buffer: root)) else {
                throw LedgerError.corruptStore("checkpoint \(size) has a root of \(root.readableBytes) bytes")
            }
            out.append(StoredCheckpoint(size: UInt64(size), rootHash: hash, note: note))
        }
        return out
    }

    public func append(_ batch: LedgerBatch) async throws {
        // Several writes of one key in a batch: the last one wins (they are applied in order).
        var finalState: [String: [String: [UInt8]?]] = [:]
        for write in batch.stateWrites { finalState[write.namespace, default: [:]][write.key] = .some(write.value) }
        var upsertNamespaces: [String] = []
        var upsertKeys: [String] = []
        var upsertValues: [ByteBuffer] = []
        var deleteNamespaces: [String] = []
        var deleteKeys: [String] = []
        for (namespace, keys) in finalState {
            for (key, value) in keys {
                if let value {
                    upsertNamespaces.append(namespace)
                    upsertKeys.append(key)
                    upsertValues.append(ByteBuffer(bytes: value))
                } else {
                    deleteNamespaces.append(namespace)
                    deleteKeys.append(key)
                }
            }
        }
        // One statement, so one round trip and its own transaction (autocommit): see migration 3.
        var bindings = PostgresBindings(capacity: 17)
        bindings.append(Int64(batch.startSize))
        bindings.append(Self.lockClass)
        bindings.append(schema)
        bindings.append(batch.entries.map { Int64($0.entry.index) })
        bindings.append(batch.entries.map { ByteBuffer(bytes: $0.recordID.digest) })
        bindings.append(batch.entries.map { ByteBuffer(bytes: $0.entry.encoded) })
        bindings.append(batch.nodes.map { Int16($0.id.level) })
        bindings.append(batch.nodes.map { Int64($0.id.index) })
        bindings.append(batch.nodes.map { ByteBuffer(bytes: $0.hash.bytes) })
        bindings.append(upsertNamespaces)
        bindings.append(upsertKeys)
        bindings.append(upsertValues)
        bindings.append(deleteNamespaces)
        bindings.append(deleteKeys)
        bindings.append(Int64(batch.checkpoint.size))
        bindings.append(ByteBuffer(bytes: batch.checkpoint.rootHash.bytes))
        bindings.append(batch.checkpoint.note)
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(table("vmtrust_append"))(
                        $1, $2, $3, $4::int8[], $5::bytea[], $6::bytea[], $7::int2[], $8::int8[], $9::bytea[],
                        $10::text[], $11::text[], $12::bytea[], $13::text[], $14::text[], $15, $16, $17)
                    """,
                binds: bindings
            ),
            logger: logger
        )
        var actual: Int64 = -2
        for try await value in rows.decode(Int64.self) { actual = value }
        guard actual == -1 else {
            // Nothing was written: the batch was built on a stale size.
            throw LedgerError.sequencingConflict(expected: batch.startSize, actual: UInt64(max(actual, 0)))
        }
    }

    public func nodeHashes(_ ids: [NodeID]) async throws -> [NodeID: TreeHash] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT n.level, n.idx, n.hash FROM \(table("nodes")) n
                    JOIN unnest($1::int2[], $2::int8[]) AS q(level, idx) ON n.level = q.level AND n.idx = q.idx
                    """,
                binds: try Self.binds(ids.map { Int16($0.level) }, ids.map { Int64(clamping: $0.index) })
            ),
            logger: logger
        )
        var out: [NodeID: TreeHash] = [:]
        for try await (level, index, data) in rows.decode((Int16, Int64, ByteBuffer).self) {
            guard let hash = TreeHash(bytes: Array(buffer: data)) else {
                throw LedgerError.corruptStore("node \(level)/\(index) has \(data.readableBytes) bytes")
            }
            out[NodeID(level: UInt8(level), index: UInt64(index))] = hash
        }
        return out
    }

    public func nodeHashes(level: UInt8, indexes: Range<UInt64>) async throws -> [TreeHash] {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT idx, hash FROM \(table("nodes")) WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                binds: try Self.binds(
                    Int16(level),
                    Int64(clamping: indexes.lowerBound),
                    Int64(clamping: indexes.upperBound)
                )
            ),
            logger: logger
        )
        var out: [TreeHash] = []
        var expected = indexes.lowerBound
        for try await (index, data) in rows.decode((Int64, ByteBuffer).self) {
            guard UInt64(index) == expected else { break }
            guard let hash = TreeHash(bytes: Array(buffer: data)) else {
                throw LedgerError.corruptStore("node \(level)/\(index) has \(data.readableBytes) bytes")
            }
            out.append(hash)
            expected += 1
        }
        return out
    }

    public func entries(_ indexes: Range<UInt64>) async throws -> [[UInt8]] {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT idx, data FROM \(table("entries")) WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                binds: try Self.binds(Int64(clamping: indexes.lowerBound), Int64(clamping: indexes.upperBound))
            ),
            logger: logger
        )
        var out: [[UInt8]] = []
        var expected = indexes.lowerBound
        for try await (index, data) in rows.decode((Int64, ByteBuffer).self) {
            guard UInt64(index) == expected else { break }
            out.append(Array(buffer: data))
            expected += 1
        }
        return out
    }

    public func index(of recordID: RecordID) async throws -> UInt64? {
        try await indexes(of: [recordID])[recordID]
    }

    public func indexes(of recordIDs: [RecordID]) async throws -> [RecordID: UInt64] {
        guard !recordIDs.isEmpty else { return [:] }
        var byDigest: [[UInt8]: RecordID] = [:]
        for id in recordIDs { byDigest[id.digest] = id }
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT record_id, idx FROM \(table("entries")) WHERE record_id = ANY($1::bytea[])",
                binds: try Self.binds(byDigest.keys.map { ByteBuffer(bytes: $0) })
            ),
            logger: logger
        )
        var out: [RecordID: UInt64] = [:]
        for try await (digest, index) in rows.decode((ByteBuffer, Int64).self) {
            if let id = byDigest[Array(buffer: digest)] { out[id] = UInt64(index) }
        }
        return out
    }

    public func stateValue(namespace: String, key: String) async throws -> [UInt8]? {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT value FROM \(table("state")) WHERE namespace = $1 AND key = $2",
                binds: try Self.binds(namespace, key)
            ),
            logger: logger
        )
        for try await value in rows.decode(ByteBuffer.self) { return Array(buffer: value) }
        return nil
    }

    public func stateValues(namespace: String, keys: [String]) async throws -> [String: [UInt8]] {
        guard !keys.isEmpty else { return [:] }
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT key, value FROM \(table("state")) WHERE namespace = $1 AND key = ANY($2::text[])",
                binds: try Self.binds(namespace, Array(Set(keys)))
            ),
            logger: logger
        )
        var out: [String: [UInt8]] = [:]
        for try await (key, value) in rows.decode((String, ByteBuffer).self) { out[key] = Array(buffer: value) }
        return out
    }

    public func stateEntries(
        namespace: String,
        prefix: String,
        after: String?,
        limit: Int
    ) async throws -> [(key: String, value: [UInt8])] {
        // Keys compare bytewise (COLLATE "C"); [prefix, prefix + U+10FFFF) holds every key with the prefix.
        let lower = max(prefix, after ?? "")
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT key, value FROM \(table("state"))
                    WHERE namespace = $1 AND key >= $2 AND key < $3 AND (NOT $4 OR key > $5)
                    ORDER BY key LIMIT $6
                    """,
                binds: try Self.binds(namespace, lower, prefix + "\u{10FFFF}", after != nil, after ?? "", Int64(limit))
            ),
            logger: logger
        )
        var out: [(key: String, value: [UInt8])] = []
        for try await (key, value) in rows.decode((String, ByteBuffer).self) where key.hasPrefix(prefix) {
            out.append((key, Array(buffer: value)))
        }
        return out
    }

    /// Overwrites the stored bytes of one entry, bypassing every check: for tests and
    /// drills that show `log audit` catches tampering. Never called by the server.
    public func tamperForTesting(index: UInt64, data: [UInt8]) async throws {
        try await client.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(table("entries")) SET data = $1 WHERE idx = $2",
                binds: try Self.binds(ByteBuffer(bytes: data), Int64(index))
            ),
            logger: logger
        )
    }
}

extension PostgresLedgerStore: DecisionStore {
    public func storeDecisions(_ decisions: [StoredDecision]) async throws {
        guard !decisions.isEmpty else { return }
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(decisions.map(\.id))
        bindings.append(decisions.map(\.time))
        bindings.append(decisions.map { Int64(clamping: $0.logSize) })
        bindings.append(decisions.map { ByteBuffer(bytes: $0.body) })
        try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(table("decisions")) (id, time, log_size, body)
                    SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::bytea[])
                    ON CONFLICT (id) DO NOTHING
                    """,
                binds: bindings
            ),
            logger: logger
        )
    }

    public func decision(id: String) async throws -> StoredDecision? {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT time, log_size, body FROM \(table("decisions")) WHERE id = $1",
                binds: try Self.binds(id)
            ),
            logger: logger
        )
        for try await (time, size, body) in rows.decode((Int64, Int64, ByteBuffer).self) {
            return StoredDecision(id: id, time: time, logSize: UInt64(max(size, 0)), body: Array(buffer: body))
        }
        return nil
    }
}
