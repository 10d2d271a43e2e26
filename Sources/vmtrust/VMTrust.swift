import ArgumentParser
import Foundation

/// `vmtrust`: the command-line interface.
///
/// Exit codes: 0 success, 1 a negative verdict (verification failed), 2 usage or input
/// error. Argument-parser usage errors are mapped to 2 as well.
@main
struct VMTrust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vmtrust",
        abstract: "Trustworthy virtual machine images: a verifiable provenance log.",
        version: "0.1.0",
        subcommands: [
            InitCommand.self, ServeCommand.self, KeyCommand.self, LogCommand.self, ImageCommand.self, RecordCommand.self,
            ProviderCommand.self, UserCommand.self,
            BlobCommand.self,
            VerifyCommand.self,
            AttestCommand.self, AuditorCommand.self,
            PolicyCommand.self, AuthorizeCommand.self, DecisionCommand.self, BreakGlassCommand.self, DemoCommand.self,
            ReputationCommand.self, FeedbackCommand.self, VulnCommand.self, IncidentCommand.self, CertifyCommand.self,
            CertifierCommand.self, BenchCommand.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("vmtrust: \(error.message)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            FileHandle.standardError.write(Data((message.isEmpty ? "vmtrust: \(error)" : message).utf8 + [0x0a]))
            Foundation.exit(CLIError.usageExitCode)
        }
    }
}
