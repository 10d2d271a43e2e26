import ArgumentParser
import Foundation
import Ledger
import Logging
import Provenance
import SQLiteStore
import TransparencyLog

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Read and verify the transparency log.",
        subcommands: [Key.self, CheckpointCommand.self, VerifyCheckpoint.self, VerifyProof.self, Audit.self]
    )

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the log's verifier key (vkey).")

        @Option(name: .long, help: "Data directory (read the key locally).")
        var data: String?

        @Option(name: .long, help: "Server URL (ask a server; trust it only if you trust the channel).")
        var server: String?

        func run() async throws {
            if let server {
                let answer = try await APIClient(server: server).expectOK("GET", "/v1/log/key")
                print(String(decoding: answer.body, as: UTF8.self), terminator: "")
            } else {
                print(try DataDirectory(path: data ?? DataDirectory.defaultPath).load().logSigner.vkey)
            }
        }
    }

    struct CheckpointCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Fetch the latest signed checkpoint; verify it when --vkey is given."
        )

        @Option(name: .long, help: "Server URL.")
        var server: String = defaultServer

        @Option(name: .long, help: "Verifier key (string or file) to check the checkpoint with.")
        var vkey: [String] = []

        func run() async throws {
            let answer = try await APIClient(server: server).expectOK("GET", "/log/checkpoint")
            if !vkey.isEmpty {
                _ = try verifyCheckpointNote(answer.body, vkeys: vkey)
            }
            print(String(decoding: answer.body, as: UTF8.self), terminator: "")
        }
    }

    struct VerifyCheckpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-checkpoint",
            abstract: "Verify any C2SP checkpoint (Ed25519 or ECDSA P-256 log key)."
        )

        @Option(name: .long, help: "Verifier key (string or file); repeat for several.")
        var vkey: [String] = []

        @Argument(help: "Checkpoint file (signed note).")
        var file: String

        func run() async throws {
            let checkpoint = try verifyCheckpointNote(try Files.read(file), vkeys: vkey)
            let root = checkpoint.rootHash.lowercaseHex
            print("ok: \(checkpoint.origin) size \(checkpoint.size) root \(root)")
        }
    }

    struct VerifyProof: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-proof",
            abstract: "Verify a c2sp.org/tlog-proof@v1 file offline."
        )

        @Option(name: .long, help: "Verifier key (string or file) of the log.")
        var vkey: [String] = []

        @Option(name: .long, help: "The log entry (leaf bytes) the proof is about.")
        var entry: String?

        @Option(name: .long, help: "The RFC 6962 leaf hash (hex) the proof is about.")
        var leafHash: String?

        @Argument(help: "The tlog-proof file.")
        var proof: String

        func validate() throws {
            guard (entry == nil) != (leafHash == nil) else {
                throw ValidationError("give exactly one of --entry and --leaf-hash")
            }
        }

        func run() async throws {
            let leaf: TreeHash
            if let leafHash {
                guard let hash = TreeHash(hex: leafHash) else { throw CLIError.input("--leaf-hash must be 64 hex digits") }
                leaf = hash
            } else {
                leaf = RFC6962.leafHash(try Files.read(entry ?? ""))
            }
            let file: TlogProof
            do {
                file = try TlogProof(parsing: try Files.readText(proof))
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError.input("\(proof) is not a tlog-proof file: \(error)")
            }
            let checkpoint = try verifyCheckpointNote(Array(file.checkpointText.utf8), vkeys: vkey)
            guard let root = TreeHash(bytes: checkpoint.rootHash),
                file.verify(leafHash: leaf, treeSize: checkpoint.size, root: root)
            else {
                throw CLIError.verdict("proof does not verify: the entry is not at index \(file.index) of \(checkpoint.origin)")
            }
            print("ok: entry \(file.index) is in \(checkpoint.origin) at size \(checkpoint.size)")
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash every entry, rebuild the tree and check every stored checkpoint."
        )

        @Option(name: .long, help: "Data directory.")
        var data: String = DataDirectory.defaultPath

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @OptionGroup var database: PostgresOptions

        func run() async throws {
            let directory = DataDirectory(path: data)
            let loaded = try directory.load()
            let auditor = LogAuditor(verifiers: NoteVerifiers([loaded.logSigner.verifier]))
            let progress = ProgressBar(label: "audit", total: nil)
            let verdict: AuditVerdict
            if let url = try database.url() {
                verdict = try await database.withStore(url, logger: PostgresOptions.cliLogger) { store in
                    try await auditor.audit(store) { done in progress.update(done) }
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
                verdict = try await auditor.audit(store) { done in progress.update(done) }
            }
            progress.finish()
            switch verdict {
            case .passed(let entries, let checkpoints):
                if json {
                    try printJSON(["ok": "true", "entries": "\(entries)", "checkpoints": "\(checkpoints)"])
                } else {
                    print("ok: \(entries) entries re-hashed, \(checkpoints) checkpoints verified")
                }
            case .failed(let index, let reason):
                let at = index.map { "entry \($0): " } ?? ""
                throw CLIError.verdict("audit failed: \(at)\(reason)")
            }
        }
    }
}

/// Verifies a signed checkpoint note with the given vkeys and parses it.
func verifyCheckpointNote(_ bytes: [UInt8], vkeys: [String]) throws -> Checkpoint {
    try verifyCheckpointNote(bytes, verifiers: try KeyFile.verifiers(vkeys))
}

/// Verifies a signed checkpoint note with `verifiers` and parses it.
func verifyCheckpointNote(_ bytes: [UInt8], verifiers: NoteVerifiers) throws -> Checkpoint {
    let note: Note
    do {
        note = try Note(parsing: bytes)
    } catch {
        throw CLIError.input("not a signed note: \(error)")
    }
    do {
        _ = try note.verify(using: verifiers)
    } catch {
        throw CLIError.verdict("checkpoint signature does not verify: \(error)")
    }
    do {
        return try Checkpoint(parsing: note.text)
    } catch {
        throw CLIError.input("signed note is not a checkpoint: \(error)")
    }
}
