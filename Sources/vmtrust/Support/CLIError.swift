/// A failure that ends the command with a one-line message and an exit code.
struct CLIError: Error, CustomStringConvertible {
    /// Exit code for a negative verdict (a verification that failed).
    static let verdictExitCode: Int32 = 1
    /// Exit code for usage and input errors.
    static let usageExitCode: Int32 = 2

    var message: String
    var exitCode: Int32

    var description: String { message }

    /// Bad input: exit 2.
    static func input(_ message: String) -> CLIError { CLIError(message: message, exitCode: usageExitCode) }
    /// Verification failed: exit 1.
    static func verdict(_ message: String) -> CLIError { CLIError(message: message, exitCode: verdictExitCode) }
}
