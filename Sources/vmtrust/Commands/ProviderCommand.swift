import ArgumentParser
import Foundation
import Provenance
import TrustServer

struct ProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "Onboard and manage image providers (admin-signed governance records).",
        subcommands: [Onboard.self, Show.self, RotateKey.self, RevokeKey.self, Suspend.self, Reinstate.self]
    )

    struct Onboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Onboard a provider with its keys and initial reputation.")

        @Option(name: .long, help: "Provider id ([a-z0-9._-], at most 64).")
        var id: String

        @Option(name: .long, help: "Display name.")
        var name: String

        @Option(name: .long, help: "The provider's public key (PEM file); repeat for several.")
        var providerKey: [String] = []

        @Option(name: .long, help: "Initial reputation score, 0-100.")
        var reputation: Int

        @Option(name: .long, help: "Admin private key(s) signing the record.")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard !providerKey.isEmpty else { throw CLIError.input("give at least one --provider-key") }
            let grants = try providerKey.map { KeyGrant(key: try publicKey(fromFile: $0)) }
            let record = ProviderOnboardRecord(
                id: id,
                displayName: name,
                keys: grants,
                initialReputation: reputation,
                time: DataDirectory.now()
            )
            _ = try await server.submit(.providerOnboard(record), keys: try signingKeys(key))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a provider: keys, status, records.")

        @Argument(help: "Provider id.")
        var id: String

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let view = try await server.get(ProviderView.self, "/v1/providers/\(id)")
            if server.json {
                try printJSON(view)
                return
            }
            let provider = view.provider
            print("provider \(provider.id) — \(provider.displayName)\(provider.suspended ? " [SUSPENDED]" : "")")
            print("initial reputation: \(provider.initialReputation)")
            print("keys:")
            for key in provider.keys {
                var window = "from \(formatTime(key.validFrom))"
                if let until = key.validUntil { window += " until \(formatTime(until))" }
                if let revoked = key.revokedAt { window += " REVOKED at \(formatTime(revoked))" }
                print("  \(key.key.algorithm.rawValue) \(key.keyID) \(window)")
            }
            print("records: \(view.records.count)")
            for record in view.records {
                print("  #\(record.index) \(record.kind) \(record.id)\(record.digest.map { " \($0)" } ?? "")")
            }
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Replace a provider key: signed by an admin, or by the current key together with the new one."
        )

        @Option(name: .long, help: "Provider id.")
        var id: String

        @Option(name: .long, help: "Key id (hex SHA-256 of the SPKI) of the key being replaced.")
        var oldKeyId: String

        @Option(name: .long, help: "The new key (PEM; a private key also co-signs the record).")
        var newKey: String

        @Option(name: .long, help: "When the new key takes over (RFC 3339, YYYY-MM-DD or ms); default now.")
        var effective: String?

        @Option(name: .long, help: "Private key(s) signing the record (an admin's, or the current provider key).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            var keys = try signingKeys(key)
            if try Files.readText(newKey).contains("PRIVATE KEY") { keys.append(try KeyFile.loadPrivate(newKey)) }
            let now = DataDirectory.now()
            let record = KeyRotationRecord(
                provider: id,
                oldKeyID: oldKeyId,
                newKey: try publicKey(fromFile: newKey),
                effectiveAt: try effective.map(parseTime) ?? now,
                time: now
            )
            _ = try await server.submit(.keyRotation(record), keys: keys)
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-key",
            abstract: "Revoke a provider key from a time (back-date it for a compromise)."
        )

        @Option(name: .long, help: "Provider id.")
        var id: String

        @Option(name: .long, help: "Key id to revoke.")
        var keyId: String

        @Option(name: .long, help: "Effective time (RFC 3339, YYYY-MM-DD or ms); default now.")
        var effective: String?

        @Option(name: .long, help: "Reason.")
        var reason: String

        @Option(name: .long, help: "Admin private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let now = DataDirectory.now()
            let record = KeyRevocationRecord(
                provider: id,
                keyID: keyId,
                effectiveAt: try effective.map(parseTime) ?? now,
                reason: reason,
                time: now
            )
            _ = try await server.submit(.keyRevocation(record), keys: try signingKeys(key))
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend a provider: its new records are refused.")

        @Option(name: .long, help: "Provider id.")
        var id: String

        @Option(name: .long, help: "Admin private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = ProviderUpdateRecord(id: id, suspended: true, time: DataDirectory.now())
            _ = try await server.submit(.providerUpdate(record), keys: try signingKeys(key))
        }
    }

    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a provider's suspension.")

        @Option(name: .long, help: "Provider id.")
        var id: String

        @Option(name: .long, help: "Admin private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = ProviderUpdateRecord(id: id, suspended: false, time: DataDirectory.now())
            _ = try await server.submit(.providerUpdate(record), keys: try signingKeys(key))
        }
    }
}
