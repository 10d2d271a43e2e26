import ArgumentParser
import Foundation
import Ledger
import Logging
import PostgresNIO
import PostgresStore

/// `--postgres URL` (or `VMTRUST_POSTGRES_URL`): keep the ledger in PostgreSQL.
struct PostgresOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "PostgreSQL URL postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require] (default: $VMTRUST_POSTGRES_URL; none: SQLite in the data directory).",
            valueName: "url"
        )
    )
    var postgres: String?

    @Option(name: .long, help: "PostgreSQL schema that holds the ledger's tables.")
    var postgresSchema: String = "public"

    /// The URL given by option or environment, parsed; `nil` for SQLite.
    func url() throws -> PostgresURL? {
        let environment = ProcessInfo.processInfo.environment["VMTRUST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text = postgres ?? environment else { return nil }
        do {
            return try PostgresURL(text)
        } catch {
            throw CLIError.input("--postgres: \(error.message)")
        }
    }

    /// A logger for one-shot commands: the client's connection retries are not news.
    static var cliLogger: Logger {
        var logger = Logger(label: "vmtrust")
        logger.logLevel = .warning
        return logger
    }

    /// Runs `body` with a running client and the opened store; stops the client afterwards.
    func withStore<T: Sendable>(
        _ url: PostgresURL,
        logger: Logger,
        _ body: @Sendable (PostgresLedgerStore) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: try url.clientConfiguration(maximumConnections: 4), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            let store = try await Self.openStore(client: client, url: url, schema: postgresSchema, logger: logger)
            return try await body(store)
        }
    }

    /// Opens the store on a running client, with a CLI error when the database cannot be used.
    static func openStore(
        client: PostgresClient,
        url: PostgresURL,
        schema: String,
        logger: Logger
    ) async throws
        -> PostgresLedgerStore
    {
        do {
            return try await PostgresLedgerStore.open(client: client, schema: schema, logger: logger)
        } catch {
            throw CLIError.input("cannot open the ledger in \(url) (schema \(schema)): \(String(reflecting: error))")
        }
    }
}
