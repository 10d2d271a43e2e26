import ArgumentParser
import Foundation
import Provenance
import TrustServer

/// `vmtrust attest …`: auditors sign in-toto attestations about registered images.
struct AttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Sign and submit attestations (in-toto Statement v1 in DSSE) about registered images.",
        subcommands: [VulnScan.self, Compliance.self, Audit.self, Statement.self, Withdraw.self]
    )

    /// Who signs: the auditor and its private key.
    struct AuditorSigning: ParsableArguments {
        @Option(name: .long, help: "The auditor's private key (PEM).")
        var key: String

        @Option(name: .long, help: "Auditor id; the key must be one of its keys (checked before submitting).")
        var auditor: String
    }

    /// The image digest an argument names: a digest as is, or a file hashed.
    static func imageDigest(_ argument: String) throws -> String {
        if ImageDigest.isValid(argument) { return argument }
        if argument.hasPrefix("sha256:") { throw CLIError.input("\(argument) is not an image digest (sha256:<64 hex digits>)") }
        return try ImageCommand.digestAndSize(of: argument).digest
    }

    /// Checks that `key` is a current key of the auditor, signs `statement` and submits it.
    static func submit(_ statement: AttestationRecord, signing: AuditorSigning, server: ServerOptions) async throws {
        let key = try KeyFile.loadPrivate(signing.key)
        let view = try await server.get(AuditorView.self, "/v1/auditors/\(signing.auditor)")
        guard view.auditor.key(id: key.publicKey.keyID) != nil else {
            throw CLIError.input("\(signing.key) is not a key of auditor \(signing.auditor)")
        }
        do {
            _ = try statement.statement.predicate()
        } catch {
            throw CLIError.input("the predicate is not valid: \(error.message)")
        }
        _ = try await server.submit(.attestation(statement), keys: [key])
    }

    struct VulnScan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vuln-scan",
            abstract: "Attest a vulnerability scan: converts a Trivy or Grype JSON report (detected) to vulns v0.2."
        )

        @Argument(help: "The image: its digest, or the image file (hashed).")
        var image: String

        @Option(name: .long, help: "The scanner's JSON report (trivy --format json, grype -o json).")
        var from: String

        @Option(
            name: .long,
            help: "When the vulnerability database was last updated (RFC 3339, YYYY-MM-DD or ms); required for Trivy."
        )
        var dbUpdated: String?

        @OptionGroup var signing: AuditorSigning
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let digest = try AttestCommand.imageDigest(image)
            let report = try Files.read(from)
            let databaseUpdated = try dbUpdated.map(parseTime)
            let converted: (format: ScanReport.Format, predicate: VulnsPredicate)
            do {
                converted = try ScanReport.predicate(from: report, databaseUpdated: databaseUpdated)
            } catch {
                throw CLIError.input("\(from): \(error.message)")
            }
            let statement = InTotoStatement(
                subjects: [ResourceDescriptor(imageDigest: digest)],
                predicate: .vulns(converted.predicate)
            )
            if !server.json {
                let summary = converted.predicate.summary
                let counts = summary.severities ?? SeverityCounts()
                print(
                    "\(converted.format.rawValue) report: \(counts.total) findings (critical \(counts.critical), high \(counts.high), medium \(counts.medium), low \(counts.low)) → \(summary.result?.rawValue ?? "") score \(summary.score ?? 0)"
                )
            }
            try await AttestCommand.submit(AttestationRecord(statement: statement), signing: signing, server: server)
        }
    }

    struct Compliance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attest a compliance check (test-result v0.1): the benchmark run and its result."
        )

        @Argument(help: "The image: its digest, or the image file (hashed).")
        var image: String

        @Option(name: .long, help: "The benchmark, e.g. \"CIS Ubuntu Linux 24.04 LTS Benchmark v1.0.0 L1 Server\".")
        var benchmark: String

        @Option(name: .long, help: "A URI for the benchmark (default urn:vmtrust:benchmark:<benchmark>).")
        var benchmarkUri: String?

        @Option(name: .long, help: "passed, warned or failed.")
        var result: String

        @Option(name: .long, help: "Number of controls passed (named <benchmark> #1…).")
        var passed: Int?

        @Option(name: .long, help: "Number of controls passed with a warning.")
        var warned: Int?

        @Option(name: .long, help: "Number of controls failed.")
        var failed: Int?

        @Option(name: .long, help: "A URL of the run.")
        var url: String?

        @OptionGroup var signing: AuditorSigning
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let digest = try AttestCommand.imageDigest(image)
            guard let outcome = AttestationResult(rawValue: result.uppercased()) else {
                throw CLIError.input("--result must be passed, warned or failed")
            }
            var next = 0
            func names(_ count: Int?, _ label: String) throws -> [String]? {
                guard let count else { return nil }
                guard (0...TestResultPredicate.testLimit).contains(count) else {
                    throw CLIError.input("--\(label) must be 0…\(TestResultPredicate.testLimit)")
                }
                defer { next += count }
                return (0..<count).map { "\(benchmark) control #\(next + $0 + 1)" }
            }
            let uri =
                benchmarkUri ?? "urn:vmtrust:benchmark:"
                + benchmark.map { $0.isLetter || $0.isNumber || ".-_".contains($0) ? String($0) : "_" }.joined()
            let predicate = TestResultPredicate(
                result: outcome,
                configuration: [ResourceDescriptor(name: benchmark, uri: uri)],
                url: url,
                passedTests: try names(passed, "passed"),
                warnedTests: try names(warned, "warned"),
                failedTests: try names(failed, "failed")
            )
            let statement = InTotoStatement(
                subjects: [ResourceDescriptor(imageDigest: digest)],
                predicate: .testResult(predicate)
            )
            try await AttestCommand.submit(AttestationRecord(statement: statement), signing: signing, server: server)
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Attest an audit (vmtrust audit v1 predicate).")

        @Argument(help: "The image: its digest, or the image file (hashed).")
        var image: String

        @Option(name: .long, help: "Score, 0-100.")
        var score: Int

        @Option(name: .long, help: "Controls checked.")
        var controls: Int

        @Option(name: .long, help: "Controls passed.")
        var passed: Int

        @Option(name: .long, help: "passed, warned or failed (default: passed when every control passed, else failed).")
        var result: String?

        @Option(name: .long, help: "image or process.")
        var scope: String = "image"

        @Option(name: .long, help: "The standard audited against.")
        var standard: String?

        @Option(name: .long, help: "A summary.")
        var summary: String?

        @Option(name: .long, help: "When the audit expires (RFC 3339, YYYY-MM-DD or ms).")
        var expires: String?

        @OptionGroup var signing: AuditorSigning
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let digest = try AttestCommand.imageDigest(image)
            guard let auditScope = AuditScope(rawValue: scope) else { throw CLIError.input("--scope must be image or process") }
            let outcome: AttestationResult
            if let result {
                guard let parsed = AttestationResult(rawValue: result.uppercased()) else {
                    throw CLIError.input("--result must be passed, warned or failed")
                }
                outcome = parsed
            } else {
                outcome = passed == controls ? .passed : .failed
            }
            let predicate = AuditPredicate(
                result: outcome,
                score: score,
                controlsChecked: controls,
                controlsPassed: passed,
                scope: auditScope,
                standard: standard,
                summaryText: summary,
                expiresAt: try expires.map(parseTime)
            )
            let statement = InTotoStatement(subjects: [ResourceDescriptor(imageDigest: digest)], predicate: .audit(predicate))
            try await AttestCommand.submit(AttestationRecord(statement: statement), signing: signing, server: server)
        }
    }

    struct Statement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign and submit any in-toto Statement v1 (the file's bytes are the payload, unchanged)."
        )

        @Argument(help: "The statement JSON file.")
        var file: String

        @OptionGroup var signing: AuditorSigning
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record: AttestationRecord
            do {
                record = try AttestationRecord(payload: try Files.read(file))
            } catch let error as RecordError {
                throw CLIError.input("\(file): \(error.message)")
            }
            try await AttestCommand.submit(record, signing: signing, server: server)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw one of the auditor's attestations.")

        @Argument(help: "The attestation's record id.")
        var record: String

        @Option(name: .long, help: "Why.")
        var reason: String?

        @OptionGroup var signing: AuditorSigning
        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard let id = RecordID(record) else { throw CLIError.input("\(record) is not a record id (sha256:<64 hex digits>)") }
            let key = try KeyFile.loadPrivate(signing.key)
            let withdrawal = AttestationWithdrawRecord(
                auditor: signing.auditor,
                attestation: id,
                reason: reason,
                time: DataDirectory.now()
            )
            _ = try await server.submit(.attestationWithdraw(withdrawal), keys: [key])
        }
    }
}
