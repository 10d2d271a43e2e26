import ArgumentParser
import Provenance

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Register users (their keys sign feedback and access requests).",
        subcommands: [Register.self]
    )

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a user id with its public key (admin-signed).")

        @Option(name: .long, help: "User id ([a-z0-9._-], at most 64).")
        var id: String

        @Option(name: .long, help: "The user's public key (PEM file).")
        var userKey: String

        @Option(name: .long, help: "Admin private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = UserRegisterRecord(id: id, key: try publicKey(fromFile: userKey), time: DataDirectory.now())
            _ = try await server.submit(.userRegister(record), keys: try signingKeys(key))
        }
    }
}
