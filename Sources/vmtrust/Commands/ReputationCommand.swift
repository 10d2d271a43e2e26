import ArgumentParser
import Foundation
import Ledger
import Provenance
import Reputation
import SQLiteStore
import TransparencyLog

struct ReputationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reputation",
        abstract: "Provider reputation.",
        subcommands: [Replay.self]
    )

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild every provider's reputation from the log and compare it with the stored state.",
            discussion: """
                Exit status: 0 when the stored state equals the replay (within --tolerance, before rounding), 1 when \
                it differs (the differences are listed), 2 on bad input. Signatures are not verified again unless \
                --verify-signatures is given (the log's admission verified them; `vmtrust log audit` checks the \
                entries).
                """
        )

        @Option(name: .long, help: "Data directory.")
        var data: String = DataDirectory.defaultPath

        @OptionGroup var database: PostgresOptions

        @Option(name: .long, help: "Compare the scores at this time (ms since the Unix epoch; default: the last entry's time).")
        var at: Int64?

        @Option(name: .long, help: "Largest accepted difference of any figure.")
        var tolerance: Double = ReputationReplay.tolerance

        @Flag(name: .long, help: "Verify every signature again.")
        var verifySignatures = false

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            guard tolerance >= 0, tolerance.isFinite else { throw CLIError.input("--tolerance must be a number ≥ 0") }
            let directory = DataDirectory(path: data)
            let loaded = try directory.load()
            let decisionKey: PublicKey
            do {
                decisionKey = try PublicKey(ed25519Raw: loaded.logSigner.verifier.publicKey)
            } catch {
                throw CLIError.input("the log key is not an Ed25519 key: \(error)")
            }
            let replay = LedgerReputationReplay(
                rules: ProvenanceRules(decisionKeys: [decisionKey]),
                verifySignatures: verifySignatures
            )
            let progress = ProgressBar(label: "replay", total: nil)
            let at = self.at
            let tolerance = self.tolerance
            let report: LedgerReputationReplay.Report
            if let url = try database.url() {
                report = try await database.withStore(url, logger: PostgresOptions.cliLogger) { store in
                    try await replay.run(store: store, at: at, tolerance: tolerance) { done in progress.update(done) }
                }
            } else {
                guard FileManager.default.fileExists(atPath: directory.databasePath) else {
                    throw CLIError.input("\(directory.databasePath) does not exist")
                }
                let store: SQLiteLedgerStore
                do {
                    store = try SQLiteLedgerStore(path: directory.databasePath, readOnly: true)
                } catch {
                    throw CLIError.input("cannot open \(directory.databasePath): \(error)")
                }
                report = try await replay.run(store: store, at: at, tolerance: tolerance) { done in progress.update(done) }
            }
            progress.finish()
            let lines =
                report.refused.map { "entry \($0.index) refused on replay: \($0.reason)" } + report.differences.map(\.description)
            if json {
                let object: [String: Any] = [
                    "ok": report.matches,
                    "entries": report.entries,
                    "records": report.records,
                    "events": report.events,
                    "providers": report.providers,
                    "logSize": report.logSize,
                    "time": report.time,
                    "differences": lines,
                    "seconds": [
                        "read": report.seconds.read, "admit": report.seconds.admit,
                        "reputation": report.seconds.reputation, "compare": report.seconds.compare,
                    ],
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for line in lines { print(line) }
                let summary =
                    "\(report.entries) entries, \(report.records) records, \(report.events) events, \(report.providers) providers at \(report.time)"
                print(report.matches ? "ok: \(summary): no difference" : "differences: \(summary): \(lines.count)")
            }
            guard report.matches else { throw CLIError.verdict("the stored reputation differs from the replay") }
        }
    }
}
