import ArgumentParser
import Ledger
import Logging
import TransparencyLog

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a data directory: the log key, the first admin key and the settings."
    )

    @Option(name: .long, help: "Data directory.")
    var data: String = DataDirectory.defaultPath

    @Option(name: .long, help: "The log's origin (checkpoint first line and key name).")
    var origin: String = LedgerConfiguration.defaultOrigin

    @Option(name: .long, help: "Another admin key for the genesis record (PEM; a private key co-signs it). Repeatable.")
    var adminKey: [String] = []

    @Option(name: .long, help: "Admin signatures required on governance records.")
    var threshold: Int = 1

    @OptionGroup var database: PostgresOptions

    func run() async throws {
        let directory = DataDirectory(path: data)
        if let url = try database.url() {
            try await database.withStore(url, logger: PostgresOptions.cliLogger) { store in
                try await directory.initialise(origin: origin, extraAdmins: adminKey, threshold: threshold, store: store)
            }
            print("ledger in \(url), schema \(database.postgresSchema)")
        } else {
            try await directory.initialise(origin: origin, extraAdmins: adminKey, threshold: threshold)
        }
        let loaded = try directory.load()
        print("initialised \(data)")
        print("log key:   \(loaded.logSigner.vkey)")
        print("admin key: \(directory.adminKeyPath) (keep it safe; move it off the server)")
    }
}
