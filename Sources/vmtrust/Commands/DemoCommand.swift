import ArgumentParser
import Foundation
import Provenance
import TransparencyLog

#if canImport(Glibc)
import Glibc
#endif

/// `vmtrust demo [--server URL]`: plays a realistic story end to end and tells what happened and why.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play a story end to end: two providers, patch chains, audits, a vulnerability, a revocation, decisions.",
        discussion: """
            Without --server the demo starts its own server (`vmtrust serve`) on a free loopback port with a fresh \
            data directory in a temporary folder, and stops it at the end. With --server it plays against that \
            server, signing governance records with --admin-key (the ids it creates get a random suffix, so it can \
            be played more than once). Exit 0 when every step happened as the story expects, 1 otherwise.
            """
    )

    @Option(name: .long, help: "Play against this server instead of starting one.")
    var server: String?

    @Option(name: .long, help: "With --server: the admin private key(s) of that log.")
    var adminKey: [String] = []

    @Option(name: .long, help: "With --server: the log's verifier key, for the offline check (skipped without it).")
    var vkey: [String] = []

    @Option(name: .long, help: "Write the outcome of every step as JSON to this file.")
    var outcomes: String?

    @Flag(name: .long, help: "Keep the embedded server's data directory (its path is printed).")
    var keep = false

    func run() async throws {
        if let server {
            guard !adminKey.isEmpty else { throw CLIError.input("--server needs --admin-key (the log's admin key)") }
            let admins = try adminKey.map(KeyFile.loadPrivate)
            let verifiers = vkey.isEmpty ? nil : try KeyFile.verifiers(vkey)
            let suffix = "-" + String(UInt32.random(in: 0x1000...0xFFFF), radix: 16)
            let story = DemoStory(client: try APIClient(server: server), admins: admins, verifiers: verifiers, suffix: suffix)
            print("vmtrust demo against \(server)\n")
            try await finish(story.play())
            return
        }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("vmtrust-demo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let embedded = try EmbeddedServer(data: data)
        let result: DemoStory.Result
        do {
            let loaded = try DataDirectory(path: data).load()
            let story = DemoStory(
                client: try APIClient(server: embedded.url),
                admins: [try KeyFile.loadPrivate(data + "/admin-key.pem")],
                verifiers: NoteVerifiers([loaded.logSigner.verifier]),
                suffix: ""
            )
            print("vmtrust demo: an embedded server on \(embedded.url), data in \(data)\n")
            result = try await story.play()
        } catch {
            embedded.stop()
            if !keep { try? FileManager.default.removeItem(atPath: data) }
            throw error
        }
        embedded.stop()
        if keep {
            print("\nThe data directory is kept: vmtrust serve --data \(data)")
        } else {
            try? FileManager.default.removeItem(atPath: data)
        }
        try finish(result)
    }

    private func finish(_ result: DemoStory.Result) throws {
        if let outcomes {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            try Files.write(Array(try encoder.encode(result)), to: outcomes)
        }
        let surprises = result.steps.filter { !$0.asExpected }
        if !surprises.isEmpty {
            throw CLIError.verdict(
                "\(surprises.count) step(s) did not go as the story expects: \(surprises.map(\.label).joined(separator: "; "))"
            )
        }
    }
}

/// A `vmtrust serve` child process on a free loopback port, in a data directory it initialises.
/// `@unchecked`: `Process` is not `Sendable`; it is only started, read and stopped from one task.
final class EmbeddedServer: @unchecked Sendable {
    private let process = Process()
    let url: String

    init(data: String) throws {
        let logPath = data + "/server.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--data", data, "--listen", "127.0.0.1:0", "--log-level", "warning"]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while true {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on ") {
                url = String(text[range.upperBound...].prefix { !$0.isNewline })
                return
            }
            guard process.isRunning, Date() < deadline else {
                if process.isRunning { process.terminate() }
                throw CLIError.input("the embedded server did not start: \(text)")
            }
            usleep(20_000)
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
