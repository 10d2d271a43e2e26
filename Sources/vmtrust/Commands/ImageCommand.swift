import ArgumentParser
import Foundation
import Provenance

struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Work with VM image files.",
        subcommands: [
            Hash.self, Push.self, Pull.self, Register.self, Modify.self, Revoke.self, Restore.self, Deprecate.self, Show.self,
            Lineage.self,
            Search.self,
            Attestations.self,
        ]
    )

    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the SHA-256 digest of an image file (streaming).")

        @Argument(help: "The image file.")
        var file: String

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw CLIError.input("\(file) is not a file")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value
            let progress = ProgressBar(label: "hashing", total: size)
            let result = try FileHasher.sha256(path: file) { progress.update($0) }
            progress.finish()
            let digest = "sha256:" + result.digest.lowercaseHex
            if json {
                struct Output: Encodable {
                    var digest: String
                    var size: UInt64
                    var path: String
                }
                try printJSON(Output(digest: digest, size: result.size, path: file))
            } else {
                print("\(digest)  \(file)")
            }
        }
    }
}
