import ArgumentParser
import Foundation
import Ledger
import Provenance
import Reputation
import SQLiteStore
import TransparencyLog
import TrustServer

/// `vmtrust reputation …`: read providers' reputation; publish the engine's parameters.
struct ReputationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reputation",
        abstract: "Read a provider's reputation and its explanation; replay it from the log; publish reputation parameters.",
        subcommands: [Show.self, History.self, Replay.self, Params.self]
    )

    /// A provider id argument, checked before any request.
    static func checkProvider(_ id: String) throws {
        guard Identifier.isValid(id) else {
            throw CLIError.input("\(id) is not a provider id (1-64 of a-z 0-9 . _ -, starting with a letter or digit)")
        }
    }

    static func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a provider's score, confidence and 90% band (with --explain: dimensions, caps, top records)."
        )

        @Argument(help: "Provider id.")
        var provider: String

        @Flag(name: .long, help: "Explain the score: per dimension P, u, r, s; caps; top contributing records.")
        var explain = false

        @OptionGroup var server: ServerOptions

        func run() async throws {
            try ReputationCommand.checkProvider(provider)
            let view = try await server.get(ReputationView.self, "/v1/providers/\(provider)/reputation")
            if server.json {
                try printJSON(view)
                return
            }
            print(
                "\(view.provider): \(format(view.score)) (confidence \(format(view.confidence, 3)), "
                    + "band90 [\(format(view.band.low)), \(format(view.band.high))])"
            )
            guard explain else { return }
            print("parameters v\(view.parametersVersion), log size \(view.logSize), at \(formatTime(view.computedAt))")
            print("E = \(format(view.expected, 3))" + (view.cap.map { ", capped at \(format($0, 2))" } ?? ""))
            print("dimension       P      u      r      s")
            for dimension in view.dimensions {
                let name = dimension.dimension.padding(toLength: 9, withPad: " ", startingAt: 0)
                let columns = [dimension.expected, dimension.uncertainty, dimension.r, dimension.s].map {
                    format($0, 3).leftPadded(to: 7)
                }
                print(name + columns.joined())
            }
            if view.caps.isEmpty {
                print("caps: none")
            } else {
                print("caps:")
                for cap in view.caps { print("  \(cap.reason) \(format(cap.level, 2)) by \(cap.record)") }
            }
            print("top contributions (current r, s):")
            for contribution in view.top {
                print(
                    "  \(contribution.dimension.padding(toLength: 3, withPad: " ", startingAt: 0)) "
                        + "r \(format(contribution.r, 3)) s \(format(contribution.s, 3)) \(contribution.record)"
                )
            }
        }

        private func format(_ value: Double, _ digits: Int = 1) -> String { ReputationCommand.format(value, digits) }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a provider's score over time, each point as of the log at that time."
        )

        @Argument(help: "Provider id.")
        var provider: String

        @Option(name: .long, help: "First time (RFC 3339, YYYY-MM-DD or ms). Default: 90 days before --to.")
        var from: String?

        @Option(name: .long, help: "Last time (RFC 3339, YYYY-MM-DD or ms). Default: now.")
        var to: String?

        @Option(name: .long, help: "Distance between points, e.g. 1d, 6h, 30m or milliseconds. Default: 100 points.")
        var step: String?

        @OptionGroup var server: ServerOptions

        func run() async throws {
            try ReputationCommand.checkProvider(provider)
            var query: [String] = []
            if let from { query.append("from=\(try parseTime(from))") }
            if let to { query.append("to=\(try parseTime(to))") }
            if let step { query.append("step=\(try ReputationCommand.duration(step))") }
            let path = "/v1/providers/\(provider)/reputation/history" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            let view = try await server.get(ReputationHistoryView.self, path)
            if server.json {
                try printJSON(view)
                return
            }
            for point in view.points {
                guard let score = point.score, let confidence = point.confidence, let band = point.band else {
                    print("\(formatTime(point.time))  -")
                    continue
                }
                print(
                    "\(formatTime(point.time))  \(ReputationCommand.format(score).leftPadded(to: 5))  "
                        + "confidence \(ReputationCommand.format(confidence, 3))  "
                        + "band90 [\(ReputationCommand.format(band.low)), \(ReputationCommand.format(band.high))]"
                )
            }
        }
    }

    /// A duration: `<n>d`, `<n>h`, `<n>m`, `<n>s` or milliseconds.
    static func duration(_ text: String) throws -> Int64 {
        let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Int64(text.dropLast()), value > 0, value <= Int64.max / factor { return value * factor }
        }
        if let value = Int64(text), value > 0 { return value }
        throw CLIError.input("\(text) is not a duration (e.g. 1d, 6h, 30m, 10s or milliseconds)")
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild every provider's reputation from the log and compare it with the stored state.",
            discussion: """
                Exit status: 0 when the stored state equals the replay (within --tolerance, before rounding), 1 when \
                it differs (the differences are listed), 2 on bad input. Every logged record was admitted by the rules \
                and its signatures verified (`vmtrust log audit` checks the entries), so replay applies the state \
                changes of admission without its checks and without verifying signatures, unless --check-rules (every \
                rule) or --verify-signatures (every rule and every signature) is given.
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

        @Flag(name: .long, help: "Run every admission rule again (default: only the state changes of admission).")
        var checkRules = false

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
                verifySignatures: verifySignatures,
                checkRules: checkRules
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

    struct Params: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "params",
            abstract: "Reputation parameter sets (admin-signed).",
            subcommands: [Publish.self]
        )

        struct Publish: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Publish a parameter set: a JSON file {\"version\": N, \"parameters\": {\"halfLives.security\": 180, …}}."
            )

            @Argument(help: "The parameter file: version and the parameters that change, in natural units (days, weights).")
            var file: String

            @Option(name: .long, help: "Admin private key(s).")
            var key: [String] = []

            @OptionGroup var server: ServerOptions

            func run() async throws {
                let record = try Self.record(from: Files.read(file), file: file, time: DataDirectory.now())
                // The engine's own reading of the record: unknown names and bad values are refused here.
                do {
                    _ = try ReputationParameters(record: record)
                } catch {
                    throw CLIError.input("\(file): \(error)")
                }
                _ = try await server.submit(.reputationParameters(record), keys: try signingKeys(key))
            }

            /// Parses the file: values in natural units become thousandths (at most 3 decimals).
            static func record(from bytes: [UInt8], file: String, time: Int64) throws -> ReputationParametersRecord {
                guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    throw CLIError.input("\(file) is not a JSON object")
                }
                guard Set(object.keys).isSubset(of: ["version", "parameters"]) else {
                    throw CLIError.input("\(file): only \"version\" and \"parameters\" are allowed")
                }
                guard let version = (object["version"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) }), version > 0
                else {
                    throw CLIError.input("\(file): \"version\" must be a positive integer")
                }
                guard let parameters = object["parameters"] as? [String: Any], !parameters.isEmpty else {
                    throw CLIError.input("\(file): \"parameters\" must be a non-empty object")
                }
                var values: [ReputationParametersRecord.ParameterValue] = []
                for (name, raw) in parameters {
                    guard let number = raw as? NSNumber, !(raw is Bool), number.doubleValue.isFinite else {
                        throw CLIError.input("\(file): parameter \(name) is not a number")
                    }
                    let scaled = (number.doubleValue * 1000).rounded()
                    guard abs(scaled - number.doubleValue * 1000) < 1e-6, let thousandths = Int64(exactly: scaled) else {
                        throw CLIError.input("\(file): parameter \(name) has more than 3 decimals or is out of range")
                    }
                    values.append(.init(name: name, thousandths: thousandths))
                }
                return ReputationParametersRecord(version: version, parameters: values, time: time)
            }
        }
    }
}

extension String {
    /// The string right-aligned in `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
