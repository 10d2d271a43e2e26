import Foundation
import Ledger
import PostgresNIO
import PostgresStore
import Testing
import TransparencyLog
import VMTrustTesting

@Suite("PostgreSQL URL")
struct PostgresURLTests {
    @Test("A URL gives host, port, user, password, database and TLS mode")
    func parses() throws {
        let url = try PostgresURL("postgres://vm%40trust:s3cr%2Ft@db.example:6543/ledger?sslmode=require")
        #expect(url.host == "db.example")
        #expect(url.port == 6543)
        #expect(url.username == "vm@trust")
        #expect(url.password == "s3cr/t")
        #expect(url.database == "ledger")
        #expect(url.sslMode == "require")
        #expect(!url.description.contains("s3cr"))
        let plain = try PostgresURL("postgresql://postgres@127.0.0.1/vmtrust")
        #expect(plain.port == 5432)
        #expect(plain.sslMode == "prefer")
        #expect(plain.password == nil)
    }

    @Test(
        "Malformed URLs are refused",
        arguments: [
            "", "vmtrust", "http://u@h/db", "postgres://h/db", "postgres://u@/db", "postgres://u@h", "postgres://u@h/",
            "postgres://u@h/a/b", "postgres://u@h/db?sslmode=verify-full", "postgres://u@h/db?schema=x",
            "postgres://u@h:99999/db",
        ]
    )
    func refuses(text: String) {
        #expect(throws: PostgresURLError.self) { try PostgresURL(text) }
    }
}

@Suite("PostgreSQL store", .enabled(if: TestPostgres.url != nil, "set VMTRUST_TEST_POSTGRES_URL to run"))
struct PostgresStoreTests {
    @Test("Migrations are versioned in schema_migrations and run once")
    func migrations() async throws {
        let client = try TestPostgres.client()
        let schema = TestPostgres.newSchema()
        let store = try await PostgresLedgerStore.open(
            client: client,
            schema: schema,
            timeout: TestPostgres.openTimeout,
            logger: TestPostgres.logger
        )
        #expect(try await store.appliedSchemaVersion() == PostgresLedgerStore.schemaVersion)
        try await store.checkReady()
        // Opening again (another replica, a restart) applies nothing twice.
        async let again1 = PostgresLedgerStore.open(
            client: client,
            schema: schema,
            timeout: TestPostgres.openTimeout,
            logger: TestPostgres.logger
        )
        async let again2 = PostgresLedgerStore.open(
            client: client,
            schema: schema,
            timeout: TestPostgres.openTimeout,
            logger: TestPostgres.logger
        )
        _ = try await (again1, again2)
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).schema_migrations ORDER BY version")
        )
        var versions: [Int32] = []
        for try await version in rows.decode(Int32.self) { versions.append(version) }
        #expect(versions.map(Int.init) == PostgresLedgerStore.migrations.map(\.version))
    }

    @Test("A database migrated by a newer build is refused, and not ready")
    func newerSchema() async throws {
        let client = try TestPostgres.client()
        let schema = TestPostgres.newSchema()
        let store = try await PostgresLedgerStore.open(
            client: client,
            schema: schema,
            timeout: TestPostgres.openTimeout,
            logger: TestPostgres.logger
        )
        try await client.query(
            PostgresQuery(unsafeSQL: "INSERT INTO \(schema).schema_migrations (version, name) VALUES (999, 'future')")
        )
        await #expect(throws: LedgerError.self) { try await store.checkReady() }
        await #expect(throws: LedgerError.self) {
            _ = try await PostgresLedgerStore.open(
                client: client,
                schema: schema,
                timeout: TestPostgres.openTimeout,
                logger: TestPostgres.logger
            )
        }
    }

    @Test("Schema names that are not plain identifiers are refused", arguments: ["", "Public", "a-b", "1abc", "a;drop", "x\"y"])
    func schemaNames(schema: String) async throws {
        let client = try TestPostgres.client()
        await #expect(throws: LedgerError.self) {
            _ = try await PostgresLedgerStore.open(
                client: client,
                schema: schema,
                timeout: TestPostgres.openTimeout,
                logger: TestPostgres.logger
            )
        }
    }

    @Test("A session that stops inside the sequencing transaction loses the lock within 5 s")
    func frozenSequencer() async throws {
        let handle = try await Backend.postgres.make()
        let store = try #require(handle.store as? PostgresLedgerStore)
        let ledger = try await openLedger(store)
        let client = try TestPostgres.client()
        let locked = AsyncStream<Void>.makeStream()
        // A "replica" that takes the sequencing lock and then stops answering.
        let frozen = Task {
            try? await client.withConnection { connection in
                try await connection.query("BEGIN", logger: TestPostgres.logger)
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(Int32(0x766D_7472)), hashtext(\(store.schema)))",
                    logger: TestPostgres.logger
                )
                locked.continuation.yield()
                try await Task.sleep(for: .seconds(30))
            }
        }
        for await _ in locked.stream { break }
        // Another session holds this schema's sequencing lock, so the write below must wait for it: checked in
        // `pg_locks` rather than by how long the write took, which a loaded machine stretches or shortens (the frozen
        // session's idle timer starts when its lock query returns, not when this task resumes).
        let holders = try await client.query(
            """
            SELECT count(*)::int4 FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND classid = \(Int64(0x766D_7472))::int8::oid
            AND objid::int8 = (hashtext(\(store.schema))::int8 & 4294967295) AND objsubid = 2
            """,
            logger: TestPostgres.logger
        )
        var held: [Int32] = []
        for try await count in holders.decode(Int32.self) { held.append(count) }
        #expect(held == [1], "the frozen session does not hold the sequencing lock")
        let started = ContinuousClock.now
        let receipt = try await ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1))
        let waited = started.duration(to: .now)
        frozen.cancel()
        #expect(receipt.index == 0)
        // The server ends the frozen session after 5 s idle in its transaction (`idle_in_transaction_session_timeout`);
        // without that the lock would be held until the frozen task's 30 s are over. The bound sits well between the
        // two, far from what a loaded machine adds (the write waited 10.8 s once, with builds running).
        #expect(waited < .seconds(25), "the frozen session kept the lock for \(waited)")
    }

    @Test("A replica that did not write sees the others' checkpoints, tiles and proofs")
    func readsOnAnotherReplica() async throws {
        let handle = try await Backend.postgres.make()
        let writer = try await openLedger(handle.store, maxBatchSize: 32)
        let reader = try await openLedger(try await handle.reopen())
        let receipts = try await submitConcurrently(writer, range: 0..<300)
        let latest = await writer.latestCheckpoint
        // Asking for the writer's size makes the reader catch up.
        let proof = try await reader.inclusionProof(index: 7, size: latest.size)
        let seventh = try #require(receipts.values.first { $0.index == 7 })
        let leaf = try #require(TreeHash(hex: seventh.leafHash))
        #expect(MerkleTree.verifyInclusion(leafHash: leaf, index: 7, size: latest.size, proof: proof, root: latest.rootHash))
        #expect(await reader.latestCheckpoint == latest)
        #expect(try await reader.hashTile(TileID(level: 0, index: 0)) != nil)
        let more = try await submitConcurrently(writer, range: 300..<310)
        #expect(try await reader.entryBundle(.entries(index: 1, width: 54)) != nil)
        // A duplicate sent to the reader gets the writer's receipt.
        let duplicate = try await reader.submit(envelope: Fixtures.envelope(305), recordID: Fixtures.recordID(305))
        #expect(duplicate.duplicate)
        #expect(duplicate.index == more[305]?.index)
    }
}
