import ArgumentParser
import BlobStore
import Foundation
import Hummingbird
import Ledger
import Logging
import Metrics
import NIOCore
import Prometheus
import SQLiteStore
import TransparencyLog
import TrustServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server (SQLite in the data directory; initialised on first run)."
    )

    @Option(name: .long, help: "Data directory.")
    var data: String = DataDirectory.defaultPath

    @Option(name: .long, help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen: String = "127.0.0.1:8080"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "The largest blob an upload may store, in bytes.")
    var maxBlobSize: UInt64 = TrustServerConfiguration.defaultMaxBlobSize

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
        if !directory.isInitialised {
            try await directory.initialise(origin: LedgerConfiguration.defaultOrigin)
            logger.notice("initialised a new data directory", metadata: ["data": "\(data)"])
        }
        let loaded = try directory.load()
        let ledger = try await directory.openLedger(origin: loaded.settings.origin, signer: loaded.logSigner, logger: logger)
        let checkpoint = await ledger.latestCheckpoint
        logger.notice(
            "ledger open",
            metadata: [
                "origin": "\(loaded.settings.origin)", "size": "\(checkpoint.size)", "vkey": "\(loaded.logSigner.vkey)",
            ]
        )
        let blobs: FileBlobStore
        do {
            blobs = try FileBlobStore(root: directory.blobsPath)
            // Before serving: anything in tmp/ is an upload a crash interrupted.
            let stale = try blobs.removeStaleTemporaryFiles()
            if stale > 0 { logger.notice("removed unfinished uploads", metadata: ["count": "\(stale)"]) }
        } catch {
            throw CLIError.input("cannot open the blob store \(directory.blobsPath): \(error)")
        }
        let server = TrustServer(
            ledger: ledger,
            configuration: TrustServerConfiguration(
                adminKeys: loaded.adminKeys,
                logVerifierKey: loaded.logSigner.vkey,
                maxBlobSize: maxBlobSize
            ),
            registry: registry,
            blobs: blobs
        )
        let app = server.application(host: host, port: port, logger: logger) { channel in
            let actual = channel.localAddress?.port ?? port
            FileHandle.standardOutput.write(Data("vmtrust: listening on http://\(host):\(actual)\n".utf8))
        }
        try await app.runService()
    }
}
