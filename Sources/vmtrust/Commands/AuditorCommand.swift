import ArgumentParser
import Foundation
import Provenance
import TrustServer

/// `vmtrust auditor …`: admin-signed auditor governance.
struct AuditorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auditor",
        abstract: "Onboard and manage auditors (admin-signed governance records).",
        subcommands: [Onboard.self, Show.self, Suspend.self, Reinstate.self]
    )

    /// The predicate type URIs the short names stand for.
    static func attestationType(_ name: String) throws -> String {
        switch name {
        case "vuln-scan", "vulns": return AttestationPredicate.vulnsType
        case "compliance", "test-result": return AttestationPredicate.testResultType
        case "audit": return AttestationPredicate.auditType
        default:
            guard name.contains(":") else {
                throw CLIError.input("\(name) is not vuln-scan, compliance, audit or a predicate type URI")
            }
            return name
        }
    }

    struct Onboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Onboard an auditor: keys, accreditation, the attestation types it may issue, its trust seed."
        )

        @Option(name: .long, help: "Auditor id ([a-z0-9._-], at most 64).")
        var id: String

        @Option(name: .long, help: "Display name.")
        var name: String

        @Option(name: .long, help: "The auditor's public key (PEM file); repeat for several.")
        var auditorKey: [String] = []

        @Option(name: .long, help: "Key validity end (RFC 3339, YYYY-MM-DD or ms), for every key given.")
        var keyUntil: String?

        @Option(name: .long, help: "Who accredited the auditor.")
        var accreditedBy: String

        @Option(name: .long, help: "Until when (RFC 3339, YYYY-MM-DD or ms).")
        var accreditedUntil: String

        @Option(name: .long, help: "vuln-scan, compliance, audit or a predicate type URI; repeat for several.")
        var type: [String] = []

        @Option(name: .long, help: "Initial auditor trust r_A for the reputation engine (default 8).")
        var trustSeed: Int?

        @Option(name: .long, help: "Admin private key(s) signing the record.")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard !auditorKey.isEmpty else { throw CLIError.input("give at least one --auditor-key") }
            guard !type.isEmpty else { throw CLIError.input("give at least one --type") }
            let until = try keyUntil.map(parseTime)
            let record = AuditorOnboardRecord(
                id: id,
                displayName: name,
                keys: try auditorKey.map { KeyGrant(key: try publicKey(fromFile: $0), validUntil: until) },
                accreditation: Accreditation(by: accreditedBy, until: try parseTime(accreditedUntil)),
                attestationTypes: try type.map(AuditorCommand.attestationType),
                trustSeed: trustSeed,
                time: DataDirectory.now()
            )
            _ = try await server.submit(.auditorOnboard(record), keys: try signingKeys(key))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an auditor: keys, accreditation, types, status.")

        @Argument(help: "Auditor id.")
        var id: String

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let view = try await server.get(AuditorView.self, "/v1/auditors/\(id)")
            if server.json {
                try printJSON(view)
                return
            }
            let auditor = view.auditor
            print("auditor \(auditor.id) — \(auditor.displayName)\(auditor.suspended ? " [SUSPENDED]" : "")")
            print("accredited by \(auditor.accreditation.by) until \(formatTime(auditor.accreditation.until))")
            print("trust seed r_A: \(auditor.trustSeed)")
            print("may attest: \(auditor.attestationTypes.joined(separator: ", "))")
            print("keys:")
            for key in auditor.keys {
                var window = "from \(formatTime(key.validFrom))"
                if let until = key.validUntil { window += " until \(formatTime(until))" }
                print("  \(key.key.algorithm.rawValue) \(key.keyID) \(window)")
            }
            print("records: \(view.records.count)")
            for record in view.records { print("  #\(record.index) \(record.kind) \(record.id)") }
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend an auditor: its new attestations are refused.")

        @Option(name: .long, help: "Auditor id.")
        var id: String

        @Option(name: .long, help: "Admin private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = AuditorUpdateRecord(id: id, suspended: true, time: DataDirectory.now())
            _ = try await server.submit(.auditorUpdate(record), keys: try signingKeys(key))
        }
    }

    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift an auditor's suspension.")

        @Option(name: .long, help: "Auditor id.")
        var id: String

        @Option(name: .long, help: "Admin private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = AuditorUpdateRecord(id: id, suspended: false, time: DataDirectory.now())
            _ = try await server.submit(.auditorUpdate(record), keys: try signingKeys(key))
        }
    }
}
