import ArgumentParser
import Foundation
import Provenance

/// `vmtrust break-glass --user U --image D --reason R --for 2h --key ADMIN`: an admin-signed, time-limited
/// override, always on the log (docs/POLICY-LANGUAGE.md §7).
struct BreakGlassCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "break-glass",
        abstract: "Grant a signed, time-limited override for one user (always recorded on the log).",
        discussion: """
            While it is valid, a request by the user for the image (or any image of the provider), optionally only \
            in one environment, that the policy denies in an enforce scope is allowed with conditions, at the \
            given privilege (default: the policy's least), and the decision is appended to the log with the \
            evidence still missing. At most 24 hours.
            """
    )

    @Option(name: .long, help: "The registered user the override is for.")
    var user: String

    @Option(name: .long, help: "The image digest it covers (or give --provider).")
    var image: String?

    @Option(name: .long, help: "The provider all of whose images it covers (or give --image).")
    var provider: String?

    @Option(name: [.customLong("env"), .customLong("environment")], help: "Only in this environment.")
    var environment: String?

    @Option(name: .long, help: "The privilege granted (default: the policy's least).")
    var privilege: String?

    @Option(name: .long, help: "Why (an incident id, …).")
    var reason: String

    @Option(name: .long, help: "Start of validity (RFC 3339, YYYY-MM-DD or ms); default now.")
    var from: String?

    @Option(name: .customLong("for"), help: "How long it lasts: a number and a unit s, m or h (at most 24h).")
    var lasting: String = "1h"

    @Option(name: .long, help: "Admin private key(s) signing the record.")
    var key: [String] = []

    @OptionGroup var server: ServerOptions

    static func duration(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0 else {
            throw CLIError.input("--for must be a number and a unit s, m or h (e.g. 2h), not \(text)")
        }
        let (millis, overflow) = count.multipliedReportingOverflow(by: unit)
        guard !overflow, millis <= BreakGlassRecord.maximumValidity else {
            throw CLIError.input("--for is at most 24h")
        }
        return millis
    }

    func run() async throws {
        guard (image == nil) != (provider == nil) else { throw CLIError.input("give exactly one of --image and --provider") }
        if let image, !ImageDigest.isValid(image) {
            throw CLIError.input("--image must be an image digest (sha256:<64 hex digits>)")
        }
        let now = DataDirectory.now()
        let start = try from.map(parseTime) ?? now
        let record = BreakGlassRecord(
            user: user,
            reason: reason,
            image: image,
            provider: provider,
            environment: environment,
            privilege: privilege,
            notBefore: start,
            expiresAt: start + (try Self.duration(lasting)),
            time: now
        )
        _ = try await server.submit(.breakGlass(record), keys: try signingKeys(key))
    }
}
