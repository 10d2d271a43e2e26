import ArgumentParser
import Ledger
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

    func run() async throws {
        let directory = DataDirectory(path: data)
        try await directory.initialise(origin: origin)
        let loaded = try directory.load()
        print("initialised \(data)")
        print("log key:   \(loaded.logSigner.vkey)")
        print("admin key: \(directory.adminKeyPath) (keep it safe; move it off the server)")
    }
}
