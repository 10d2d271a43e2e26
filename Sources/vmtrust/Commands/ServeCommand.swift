import ArgumentParser
import BlobStore
import Foundation
import Hummingbird
import Ledger
import Logging
import Metrics
import NIOCore
import PostgresNIO
import PostgresStore
import Prometheus
import SQLiteStore
import ServiceLifecycle
import Synchronization
import TransparencyLog
import TrustServer
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server (SQLite in the data directory, initialised on first run; or a replica on PostgreSQL)."
    )

    @Option(name: .long, help: "Data directory.")
    var data: String = DataDirectory.defaultPath

    @Option(name: .long, help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen: String = "127.0.0.1:8080"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "The largest blob an upload may store, in bytes.")
    var maxBlobSize: UInt64 = TrustServerConfiguration.defaultMaxBlobSize

    @Option(name: .long, help: "The environment POST /v1/admission assumes for objects without a vmtrust.io/environment label.")
    var admissionEnvironment: String?

    @OptionGroup var database: PostgresOptions

    @Option(name: .long, help: "With --postgres: most pooled database connections of this replica.")
    var maxDatabaseConnections: Int = 20

    @Option(name: .long, help: "With --postgres: how often to read the checkpoints other replicas publish, in ms.")
    var refreshMilliseconds: Int = 250

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw CLIError.input("--listen must be HOST:PORT, not \(listen)")
        }
        let host = String(listen[..<colon])
        guard let level = Logger.Level(rawValue: logLevel) else { throw CLIError.input("unknown log level \(logLevel)") }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "vmtrust")

        let directory = DataDirectory(path: data)
        let postgresURL = try database.url()
        if !directory.isInitialised {
            guard postgresURL == nil else {
                throw CLIError.input(
                    "\(data) is not a vmtrust data directory: run `vmtrust init --data \(data) --postgres URL` once, then give every replica that directory (or a copy)"
                )
            }
            try await directory.initialise(origin: LedgerConfiguration.defaultOrigin)
            logger.notice("initialised a new data directory", metadata: ["data": "\(data)"])
        }
        let loaded = try directory.load()
        let blobs: FileBlobStore
        do {
            blobs = try FileBlobStore(root: directory.blobsPath)
            // Before serving: anything in tmp/ is an upload a crash interrupted.
            let stale = try blobs.removeStaleTemporaryFiles()
            if stale > 0 { logger.notice("removed unfinished uploads", metadata: ["count": "\(stale)"]) }
        } catch {
            throw CLIError.input("cannot open the blob store \(directory.blobsPath): \(error)")
        }
        let serve = Serve(
            host: host,
            port: port,
            loaded: loaded,
            blobs: blobs,
            registry: registry,
            maxBlobSize: maxBlobSize,
            admissionEnvironment: admissionEnvironment,
            logger: logger
        )

        guard let postgresURL else {
            let ledger = try await directory.openLedger(origin: loaded.settings.origin, signer: loaded.logSigner, logger: logger)
            if let store = ledger.decisionStore as? SQLiteLedgerStore {
                do {
                    try await store.openDecisionJournal()
                } catch {
                    throw CLIError.input("cannot open the decision journal \(store.decisionJournalPath): \(error)")
                }
            }
            try await serve.application(ledger: ledger).runService()
            return
        }
        // A replica: the PostgreSQL client and the HTTP server run in one service group; the
        // ledger opens once the client runs, and the server stops before the client.
        let client = PostgresClient(
            configuration: try postgresURL.clientConfiguration(maximumConnections: maxDatabaseConnections),
            backgroundLogger: logger
        )
        let schema = database.postgresSchema
        let refreshInterval = Duration.milliseconds(refreshMilliseconds)
        let replica = ReplicaService {
            let store = try await PostgresOptions.openStore(client: client, url: postgresURL, schema: schema, logger: logger)
            let ledger = try await directory.openLedger(
                origin: loaded.settings.origin,
                signer: loaded.logSigner,
                logger: logger,
                store: store
            )
            logger.notice("replica on PostgreSQL", metadata: ["database": "\(postgresURL)", "schema": "\(schema)"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Follow the checkpoints other replicas publish, for /log/checkpoint.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: refreshInterval)
                        do {
                            try await ledger.refresh()
                        } catch  where !Task.isCancelled {
                            logger.warning("cannot read the latest checkpoint", metadata: ["error": "\(error)"])
                        }
                    }
                }
                defer { group.cancelAll() }
                try await serve.application(ledger: ledger).run()
            }
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: client),
                    .init(
                        service: replica,
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup
                    ),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        if let failure = replica.failure.withLock({ $0 }) { throw failure }
    }
}

/// What every way of serving shares: the HTTP API over a ledger.
private struct Serve: Sendable {
    var host: String
    var port: Int
    var loaded: DataDirectory.Loaded
    var blobs: FileBlobStore
    var registry: PrometheusCollectorRegistry
    var maxBlobSize: UInt64
    var admissionEnvironment: String?
    var logger: Logger

    func application(ledger: Ledger) async -> some ApplicationProtocol {
        let checkpoint = await ledger.latestCheckpoint
        logger.notice(
            "ledger open",
            metadata: [
                "origin": "\(loaded.settings.origin)", "size": "\(checkpoint.size)", "vkey": "\(loaded.logSigner.vkey)",
            ]
        )
        let server = TrustServer(
            ledger: ledger,
            configuration: TrustServerConfiguration(
                adminKeys: loaded.adminKeys,
                logVerifierKey: loaded.logSigner.vkey,
                maxBlobSize: maxBlobSize,
                decisionKey: loaded.logKey,
                admissionEnvironment: admissionEnvironment
            ),
            registry: registry,
            blobs: blobs
        )
        let host = host
        let port = port
        return server.application(host: host, port: port, logger: logger) { channel in
            let actual = channel.localAddress?.port ?? port
            FileHandle.standardOutput.write(Data("vmtrust: listening on http://\(host):\(actual)\n".utf8))
        }
    }
}

/// The part of a replica that needs the database client running: opening the ledger and serving.
private final class ReplicaService: Service {
    private let body: @Sendable () async throws -> Void
    /// Why the replica stopped, when it failed (reported after the group shut down).
    let failure = Mutex<(any Error)?>(nil)

    init(_ body: @escaping @Sendable () async throws -> Void) {
        self.body = body
    }

    func run() async throws {
        do {
            try await body()
        } catch {
            failure.withLock { $0 = error }
            throw error
        }
    }
}
