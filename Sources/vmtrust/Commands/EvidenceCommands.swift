import ArgumentParser
import Foundation
import Provenance
import TrustServer

/// Parsing shared by the evidence commands.
enum Evidence {
    /// A severity name.
    static func severity(_ name: String) throws -> EvidenceSeverity {
        guard let severity = EvidenceSeverity(rawValue: name) else {
            throw CLIError.input("\(name) is not a severity (critical, high, medium, low)")
        }
        return severity
    }

    /// An image digest argument.
    static func digest(_ text: String) throws -> String {
        guard ImageDigest.isValid(text) else { throw CLIError.input("\(text) is not an image digest (sha256:<64 hex digits>)") }
        return text
    }

    /// A record id argument.
    static func recordID(_ text: String) throws -> RecordID {
        guard let id = RecordID(text) else { throw CLIError.input("\(text) is not a record id (sha256:<64 hex digits>)") }
        return id
    }

    /// An identifier argument (provider, user, certifier).
    static func identifier(_ text: String, what: String) throws -> String {
        guard Identifier.isValid(text) else {
            throw CLIError.input("\(text) is not a \(what) id (1-64 of a-z 0-9 . _ -, starting with a letter or digit)")
        }
        return text
    }

    /// A decimal with at most `digits` decimals, scaled by 10^digits, within `range` (scaled).
    static func scaled(_ text: String, digits: Int, range: ClosedRange<Int64>, what: String) throws -> Int64 {
        let factor = pow(10.0, Double(digits))
        guard let value = Double(text), value.isFinite else { throw CLIError.input("\(what) \(text) is not a number") }
        let scaled = (value * factor).rounded()
        guard abs(scaled - value * factor) < 1e-6, let result = Int64(exactly: scaled), range.contains(result) else {
            throw CLIError.input(
                "\(what) \(text) must be within \(Double(range.lowerBound) / factor)…\(Double(range.upperBound) / factor) "
                    + "with at most \(digits) decimals"
            )
        }
        return result
    }

    /// The DER certificates of a PEM file (one or more `CERTIFICATE` blocks).
    static func certificates(pemFile path: String) throws -> [[UInt8]] {
        let text = try Files.readText(path)
        var out: [[UInt8]] = []
        var body: String?
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line == "-----BEGIN CERTIFICATE-----" {
                body = ""
            } else if line == "-----END CERTIFICATE-----" {
                guard let encoded = body, let der = Data(base64Encoded: encoded), !der.isEmpty else {
                    throw CLIError.input("\(path) holds a CERTIFICATE block that is not base64")
                }
                out.append(Array(der))
                body = nil
            } else if body != nil {
                body! += line
            }
        }
        guard body == nil, !out.isEmpty else { throw CLIError.input("\(path) holds no complete PEM CERTIFICATE block") }
        return out
    }
}

/// `vmtrust feedback …`: user ratings and issue reports, and their triage.
struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Rate a provider or report an issue (user-signed; needs proof of use); triage feedback.",
        subcommands: [Give.self, Triage.self],
        defaultSubcommand: Give.self
    )

    struct Give: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "give",
            abstract: "Rate a provider (--stars 1-5 or --rating -1..1) or report an issue (--issue TEXT)."
        )

        @Argument(help: "Provider id.")
        var provider: String

        @Option(name: .long, help: "The user id (registered).")
        var user: String

        @Option(name: .long, help: "The user's private key.")
        var key: String

        @Option(name: .long, help: "1 to 5 stars.")
        var stars: Int?

        @Option(name: .long, help: "A rating from -1 to 1 (at most 2 decimals).")
        var rating: String?

        @Option(name: .long, help: "An issue report (text).")
        var issue: String?

        @Option(name: .long, help: "The image the feedback is about (digest).")
        var image: String?

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let body: FeedbackBody
            switch (stars, rating, issue) {
            case (let stars?, nil, nil):
                guard (1...5).contains(stars) else { throw CLIError.input("--stars must be 1 to 5, not \(stars)") }
                body = .stars(Int64(stars))
            case (nil, let rating?, nil):
                body = .rating(try Evidence.scaled(rating, digits: 2, range: -100...100, what: "--rating"))
            case (nil, nil, let issue?):
                guard !issue.isEmpty else { throw CLIError.input("--issue must not be empty") }
                body = .issue(issue)
            default:
                throw CLIError.input("give exactly one of --stars, --rating and --issue")
            }
            let record = UserFeedbackRecord(
                user: try Evidence.identifier(user, what: "user"),
                provider: try Evidence.identifier(provider, what: "provider"),
                body: body,
                image: try image.map(Evidence.digest),
                time: DataDirectory.now()
            )
            _ = try await server.submit(.userFeedback(record), keys: [try KeyFile.loadPrivate(key)])
        }
    }

    struct Triage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm or reject a feedback record (admin- or auditor-signed)."
        )

        @Argument(help: "The feedback record id.")
        var record: String

        @Flag(name: .long, help: "Confirm the feedback.")
        var confirm = false

        @Flag(name: .long, help: "Reject the feedback.")
        var reject = false

        @Option(name: .long, help: "Why (optional).")
        var reason: String?

        @Option(name: .long, help: "Admin or auditor private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard confirm != reject else { throw CLIError.input("give exactly one of --confirm and --reject") }
            let triage = FeedbackTriageRecord(
                target: try Evidence.recordID(record),
                verdict: confirm ? .confirm : .reject,
                reason: reason,
                time: DataDirectory.now()
            )
            _ = try await server.submit(.feedbackTriage(triage), keys: try signingKeys(key))
        }
    }
}

/// `vmtrust vuln …`: vulnerability reports and their resolution.
struct VulnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vuln",
        abstract: "Report a vulnerability in a provider's images; resolve it (provider-signed).",
        subcommands: [Report.self, Resolve.self]
    )

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report a vulnerability (signed by an auditor, a user or the provider): the SLA clock starts."
        )

        @Argument(help: "Provider id.")
        var provider: String

        @Option(name: .long, help: "The vulnerability id (CVE-…, GHSA-…).")
        var id: String

        @Option(name: .long, help: "critical, high, medium or low (or give --cvss).")
        var severity: String?

        @Option(name: .long, help: "CVSS base score 0.0-10.0 (its band gives the severity).")
        var cvss: String?

        @Option(name: .long, help: "EPSS probability 0-1.")
        var epss: String?

        @Flag(name: .long, help: "Known exploited (e.g. in CISA KEV).")
        var kev = false

        @Option(name: .long, parsing: .upToNextOption, help: "Affected image digests.")
        var affected: [String] = []

        @Option(name: .long, help: "The reporter's private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard severity != nil || cvss != nil else { throw CLIError.input("give --severity or --cvss") }
            guard !affected.isEmpty else { throw CLIError.input("give at least one --affected image digest") }
            let record = VulnerabilityReportRecord(
                provider: try Evidence.identifier(provider, what: "provider"),
                vulnerability: id,
                severity: try severity.map(Evidence.severity),
                cvssTenths: try cvss.map { try Evidence.scaled($0, digits: 1, range: 0...100, what: "--cvss") },
                epssMillionths: try epss.map { try Evidence.scaled($0, digits: 6, range: 0...1_000_000, what: "--epss") },
                knownExploited: kev,
                affected: try affected.map(Evidence.digest),
                time: DataDirectory.now()
            )
            _ = try await server.submit(.vulnerabilityReport(record), keys: try signingKeys(key))
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a vulnerability report: the fixed image and the affected versions revoked or deprecated."
        )

        @Argument(help: "The vulnerability-report record id.")
        var report: String

        @Option(name: .long, help: "The fixed image digest.")
        var fixed: String

        @Option(name: .long, parsing: .upToNextOption, help: "The revoke or deprecate record ids retiring the affected versions.")
        var retired: [String] = []

        @OptionGroup var signing: ProviderSigning

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = VulnerabilityResolutionRecord(
                provider: try Evidence.identifier(try signing.provider(), what: "provider"),
                report: try Evidence.recordID(report),
                fixed: try Evidence.digest(fixed),
                retired: try retired.map(Evidence.recordID),
                time: DataDirectory.now()
            )
            _ = try await server.submit(.vulnerabilityResolution(record), keys: try signing.keys())
        }
    }
}

/// `vmtrust incident …`: incident reports and responses.
struct IncidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "Report an incident at a provider; respond to it (provider-signed).",
        subcommands: [Report.self, Respond.self]
    )

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report an incident: the SLA clock starts.")

        @Argument(help: "Provider id.")
        var provider: String

        @Option(name: .long, help: "The incident id.")
        var id: String

        @Option(name: .long, help: "critical, high, medium or low.")
        var severity: String

        @Option(name: .long, help: "What happened (one line).")
        var summary: String

        @Option(name: .long, parsing: .upToNextOption, help: "Affected image digests (optional).")
        var affected: [String] = []

        @Option(name: .long, help: "The reporter's private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = IncidentReportRecord(
                provider: try Evidence.identifier(provider, what: "provider"),
                incident: id,
                severity: try Evidence.severity(severity),
                summary: summary,
                affected: affected.isEmpty ? nil : try affected.map(Evidence.digest),
                time: DataDirectory.now()
            )
            _ = try await server.submit(.incidentReport(record), keys: try signingKeys(key))
        }
    }

    struct Respond: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Respond to an incident report (closes its obligation).")

        @Argument(help: "The incident-report record id.")
        var report: String

        @Option(name: .long, help: "The response (text).")
        var response: String

        @OptionGroup var signing: ProviderSigning

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = IncidentResponseRecord(
                provider: try Evidence.identifier(try signing.provider(), what: "provider"),
                report: try Evidence.recordID(report),
                response: response,
                time: DataDirectory.now()
            )
            _ = try await server.submit(.incidentResponse(record), keys: try signing.keys())
        }
    }
}

/// `vmtrust certify`: a compliance certification of a provider.
struct CertifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Record a compliance certification (signed by the certifier or the provider; --chain for X.509)."
    )

    @Argument(help: "Provider id.")
    var provider: String

    @Option(name: .long, help: "The certifier id (onboarded).")
    var certifier: String

    @Option(name: .long, help: "soc2-type2, iso27001, pci-dss, fedramp-high, fedramp-moderate, fedramp-low or cis-hardened.")
    var type: String

    @Option(name: .long, help: "Start of validity (RFC 3339, YYYY-MM-DD or ms).")
    var validFrom: String

    @Option(name: .long, help: "End of validity (RFC 3339, YYYY-MM-DD or ms).")
    var validUntil: String

    @Option(name: .long, help: "The certificate chain (PEM file, leaf first) validated against the certifier's anchors.")
    var chain: String?

    @Option(name: .long, help: "The certificate or report number.")
    var reference: String?

    @Option(name: .long, help: "The signer's private key(s) (certifier or provider).")
    var key: [String] = []

    @OptionGroup var server: ServerOptions

    func run() async throws {
        guard let certificationType = ComplianceType(rawValue: type) else {
            throw CLIError.input(
                "\(type) is not a certification type (\(ComplianceType.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let from = try parseTime(validFrom)
        let until = try parseTime(validUntil)
        guard until > from else { throw CLIError.input("--valid-until must be after --valid-from") }
        let record = ComplianceCertificationRecord(
            provider: try Evidence.identifier(provider, what: "provider"),
            certifier: try Evidence.identifier(certifier, what: "certifier"),
            type: certificationType,
            validFrom: from,
            validUntil: until,
            chain: try chain.map(Evidence.certificates),
            reference: reference,
            time: DataDirectory.now()
        )
        _ = try await server.submit(.complianceCertification(record), keys: try signingKeys(key))
    }
}

/// `vmtrust certifier …`: admin-signed certifier governance.
struct CertifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certifier",
        abstract: "Onboard certifiers (trusted sources of compliance certifications; admin-signed).",
        subcommands: [Onboard.self]
    )

    struct Onboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Onboard a certifier: its trust anchors and/or statement keys, and the types it certifies."
        )

        @Argument(help: "Certifier id ([a-z0-9._-], at most 64).")
        var id: String

        @Option(name: .long, help: "Display name (default: the id).")
        var name: String?

        @Option(name: .long, parsing: .upToNextOption, help: "Trust-anchor certificates (PEM files).")
        var anchor: [String] = []

        @Option(name: .long, help: "A key signing the certifier's statements (PEM file); repeat for several.")
        var certifierKey: [String] = []

        @Option(name: .long, parsing: .upToNextOption, help: "The certification types it may issue.")
        var types: [String] = []

        @Option(name: .long, help: "Admin private key(s).")
        var key: [String] = []

        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard !anchor.isEmpty || !certifierKey.isEmpty else { throw CLIError.input("give --anchor or --certifier-key") }
            guard !types.isEmpty else { throw CLIError.input("give at least one --types") }
            let parsed = try types.map { name in
                guard let type = ComplianceType(rawValue: name) else {
                    throw CLIError.input(
                        "\(name) is not a certification type (\(ComplianceType.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                return type
            }
            let record = CertifierOnboardRecord(
                id: try Evidence.identifier(id, what: "certifier"),
                displayName: name ?? id,
                keys: try certifierKey.map(publicKey(fromFile:)),
                trustAnchors: try anchor.flatMap(Evidence.certificates),
                types: parsed,
                time: DataDirectory.now()
            )
            _ = try await server.submit(.certifierOnboard(record), keys: try signingKeys(key))
        }
    }
}
