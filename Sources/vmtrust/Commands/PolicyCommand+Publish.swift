import ArgumentParser
import Foundation
import Policy
import Provenance

extension PolicyCommand {
    /// `vmtrust policy publish FILE --key ADMIN`: validates the policy and appends its canonical form to the log in
    /// an admin-signed policy-publish record; the newest published version of a name is the one in force.
    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a policy to the log (admin-signed policy-publish record of its canonical JSON).",
            discussion: """
                The file is validated first (exit 2 with the line and field of an error, nothing sent). Each \
                publication of a name must raise its version; the newest published policy is the one the server \
                decides with.
                """
        )

        @Argument(help: "The policy file (YAML or JSON).")
        var file: String

        @Option(name: .long, help: "Admin private key(s) signing the record.")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let policy = try PolicyCommand.load(file)
            let record: PolicyPublishRecord
            do {
                record = try PolicyPublishRecord(document: policy.canonicalJSON, time: DataDirectory.now())
            } catch {
                throw CLIError.input("\(file): \(error.message)")
            }
            if !server.json {
                print("policy \"\(policy.document.name)\" version \(policy.document.version), digest \(policy.digest)")
            }
            _ = try await server.submit(.policyPublish(record), keys: try signingKeys(key))
        }
    }

}
