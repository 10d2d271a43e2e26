import ArgumentParser
import Foundation
import Provenance
import TransparencyLog

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create and inspect signing keys.",
        subcommands: [Generate.self, Show.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate a private key (PEM PKCS#8, mode 0600).")

        @Option(name: .long, help: "ed25519 or p256.")
        var type: String = "ed25519"

        @Option(name: .long, help: "Where to write the private key.")
        var out: String

        @Flag(name: .long, help: "Overwrite an existing file.")
        var force = false

        func run() async throws {
            guard let algorithm = KeyAlgorithm(rawValue: type) else {
                throw CLIError.input("--type must be ed25519 or p256, not \(type)")
            }
            let key = SigningKey.generate(algorithm)
            try Files.writePrivate(Array(key.pem.utf8), to: out, overwrite: force)
            print("wrote \(algorithm.rawValue) key \(key.publicKey.keyID) to \(out)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the public key of a private or public PEM key.")

        @Argument(help: "A PEM file (private PKCS#8 or public SPKI).")
        var file: String

        @Option(name: .long, help: "Key name for the signed-note vkey (Ed25519 and P-256).")
        var name: String = "vmtrust"

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            let text = try Files.readText(file)
            let publicKey: PublicKey
            if text.contains("PRIVATE KEY") {
                publicKey = try KeyFile.loadPrivate(file).publicKey
            } else {
                do {
                    publicKey = try PublicKey(pem: text)
                } catch {
                    throw CLIError.input("\(file) is not a PEM key: \(error)")
                }
            }
            let vkey: String
            do {
                switch publicKey.algorithm {
                case .ed25519:
                    vkey = try Ed25519NoteVerifier(name: name, publicKey: publicKey.rawEd25519 ?? []).vkey
                case .p256:
                    vkey = try ECDSANoteVerifier(name: name, spkiDER: publicKey.spkiDER).vkey
                }
            } catch {
                throw CLIError.input("cannot make a vkey named \(name): \(error)")
            }
            if json {
                try printJSON([
                    "algorithm": publicKey.algorithm.rawValue, "keyId": publicKey.keyID, "publicKey": publicKey.pem, "vkey": vkey,
                ])
            } else {
                print("algorithm: \(publicKey.algorithm.rawValue)")
                print("key id:    \(publicKey.keyID)")
                print("vkey:      \(vkey)")
                print(publicKey.pem, terminator: publicKey.pem.hasSuffix("\n") ? "" : "\n")
            }
        }
    }
}

/// Prints a value as sorted, pretty JSON on standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
