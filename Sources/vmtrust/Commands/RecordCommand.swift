import ArgumentParser
import Foundation
import Ledger
import Provenance
import TransparencyLog

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Sign, submit and verify log records (DSSE envelopes).",
        subcommands: [Sign.self, Submit.self, Verify.self]
    )

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a payload into a DSSE envelope (printed on stdout).")

        @Option(name: .long, help: "Private key (PEM PKCS#8); repeat to add signatures.")
        var key: [String] = []

        @Option(name: .long, help: "The DSSE payload type.")
        var type: String

        @Argument(help: "Payload file, or - for standard input.")
        var payload: String

        func run() async throws {
            guard !key.isEmpty else { throw CLIError.input("give at least one --key") }
            guard !type.isEmpty else { throw CLIError.input("--type must not be empty") }
            let keys = try key.map(KeyFile.loadPrivate)
            let envelope = try DSSEEnvelope.sign(payloadType: type, payload: try Files.read(payload), keys: keys)
            print(String(decoding: envelope.jsonBytes(), as: UTF8.self))
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit an envelope; print the receipt after verifying it against the log key."
        )

        @Option(name: .long, help: "Server URL.")
        var server: String = defaultServer

        @Option(name: .long, help: "Log verifier key (string or file). Default: the local data directory's.")
        var vkey: [String] = []

        @Option(name: .long, help: "Data directory to read the log key from when --vkey is not given.")
        var data: String = DataDirectory.defaultPath

        @Option(name: .long, help: "Also write the receipt JSON to this file.")
        var receiptOut: String?

        @Option(name: .long, help: "Also write the proof as a c2sp.org/tlog-proof@v1 file.")
        var proofOut: String?

        @Flag(name: .long, help: "Print the receipt JSON instead of a summary.")
        var json = false

        @Argument(help: "Envelope file, or - for standard input.")
        var envelope: String

        func run() async throws {
            let verifiers = try logVerifiers(vkey: vkey, data: data)
            let bytes = try Files.read(envelope)
            let answer = try await APIClient(server: server).expectOK("POST", "/v1/records", body: bytes)
            let receipt: Receipt
            do {
                receipt = try JSONDecoder().decode(Receipt.self, from: Data(answer.body))
            } catch {
                throw CLIError.verdict("the server's answer is not a receipt: \(error)")
            }
            if let receiptOut { try Files.write(answer.body, to: receiptOut) }
            if let proofOut, let proof = receipt.tlogProof { try Files.write(Array(proof.text.utf8), to: proofOut) }
            switch receipt.verify(using: verifiers, envelope: bytes) {
            case .invalid(let reason):
                throw CLIError.verdict("receipt does not verify: \(reason)")
            case .valid(let checkpoint):
                if json {
                    print(String(decoding: answer.body, as: UTF8.self))
                } else {
                    let state = receipt.duplicate ? "already in the log" : "appended"
                    print("ok: \(receipt.recordID) \(state) at index \(receipt.index); verified at size \(checkpoint.size)")
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a receipt offline (optionally against the envelope).")

        @Option(name: .long, help: "Log verifier key (string or file).")
        var vkey: [String] = []

        @Option(name: .long, help: "The envelope as submitted: recompute the leaf from it.")
        var envelope: String?

        @Argument(help: "Receipt JSON file.")
        var receipt: String

        func run() async throws {
            let verifiers = try KeyFile.verifiers(vkey)
            let parsed: Receipt
            do {
                parsed = try JSONDecoder().decode(Receipt.self, from: Data(try Files.read(receipt)))
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError.input("\(receipt) is not a receipt: \(error)")
            }
            let envelopeBytes = try envelope.map(Files.read)
            switch parsed.verify(using: verifiers, envelope: envelopeBytes) {
            case .invalid(let reason):
                throw CLIError.verdict("receipt does not verify: \(reason)")
            case .valid(let checkpoint):
                print("ok: \(parsed.recordID) is entry \(parsed.index) of \(checkpoint.origin) (size \(checkpoint.size))")
            }
        }
    }
}

/// The log verifiers from --vkey, or from the data directory when none is given.
func logVerifiers(vkey: [String], data: String) throws -> NoteVerifiers {
    if !vkey.isEmpty { return try KeyFile.verifiers(vkey) }
    let directory = DataDirectory(path: data)
    guard directory.isInitialised else {
        throw CLIError.input("give --vkey (the log's key, from `vmtrust log key`) to verify receipts")
    }
    return NoteVerifiers([try directory.load().logSigner.verifier])
}
