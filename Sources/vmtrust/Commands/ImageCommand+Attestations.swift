import ArgumentParser
import Foundation
import Provenance
import TrustServer

extension ImageCommand {
    struct Attestations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an image's attestations: current, superseded, withdrawn, with auditor, result, score and age."
        )

        @Argument(help: "Image digest.")
        var digest: String

        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard ImageDigest.isValid(digest) else {
                throw CLIError.input("\(digest) is not an image digest (sha256:<64 hex digits>)")
            }
            let view = try await server.get(AttestationsView.self, "/v1/images/\(digest)/attestations")
            if server.json {
                try printJSON(view)
                return
            }
            print("image \(view.digest) (record \(view.record)): \(view.attestations.count) attestation(s)")
            for attestation in view.attestations {
                let type = attestation.predicateType.map(Self.shortType) ?? "?"
                let result = attestation.result.map { " \($0)" } ?? ""
                let score = attestation.score.map { " score \($0)" } ?? " (not scored)"
                print(
                    "  \(attestation.status.uppercased()) #\(attestation.index) \(type) by \(attestation.auditor ?? "?")\(result)\(score), \(Self.age(attestation.age)) old (\(formatTime(attestation.integratedTime)))"
                )
                if let counts = attestation.summary?.severities {
                    print(
                        "    findings: critical \(counts.critical), high \(counts.high), medium \(counts.medium), low \(counts.low), other \(counts.negligible + counts.unknown)"
                    )
                }
                if let by = attestation.supersededBy { print("    superseded by \(by)") }
                if let by = attestation.withdrawnBy { print("    withdrawn by \(by)") }
                print("    \(attestation.id)")
            }
        }

        static func shortType(_ type: String) -> String {
            switch type {
            case AttestationPredicate.vulnsType: "vuln-scan"
            case AttestationPredicate.testResultType: "compliance"
            case AttestationPredicate.auditType: "audit"
            default: type
            }
        }

        static func age(_ millis: Int64) -> String {
            let seconds = millis / 1000
            if seconds < 120 { return "\(seconds)s" }
            if seconds < 7200 { return "\(seconds / 60)m" }
            if seconds < 172_800 { return "\(seconds / 3600)h" }
            return "\(seconds / 86400)d"
        }
    }
}
