import Foundation
import Testing

@Suite("Attestations from the command line")
struct AttestCLITests {
    /// `Tests/ProvenanceTests/Fixtures/scanners/<name>.json`.
    static func scannerFixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ProvenanceTests/Fixtures/scanners/\(name).json").path
    }

    @Test("Onboard an auditor, attest scans, a compliance check and an audit, withdraw one, list them, verify the bundle")
    func attestations() async throws {
        let data = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let common = ["--server", server.url, "--data", data]
        let admin = data + "/admin-key.pem"
        for name in ["acme", "auditor", "stranger"] {
            #expect(try CLI.run(["key", "generate", "--out", data + "/\(name).pem"]).status == 0)
        }
        #expect(
            try CLI.run(
                [
                    "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", data + "/acme.pem", "--reputation",
                    "80", "--key", admin,
                ]
                    + common
            ).status == 0
        )
        let image = data + "/ubuntu.qcow2"
        try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: image))
        #expect(
            try CLI.run(["image", "register", image, "--provider", "acme", "--key", data + "/acme.pem"] + common).status == 0
        )
        let digest = String(try CLI.run(["image", "hash", image]).stdout.split(separator: " ")[0])

        let onboarded = try CLI.run(
            [
                "auditor", "onboard", "--id", "sec-audit", "--name", "Secure Audit", "--auditor-key", data + "/auditor.pem",
                "--accredited-by", "DAkkS", "--accredited-until", "2099-01-01", "--type", "vuln-scan", "--type", "compliance",
                "--type", "audit", "--trust-seed", "18", "--key", admin,
            ] + common
        )
        #expect(onboarded.status == 0, "\(onboarded.stderr)")
        let auditor = ["--key", data + "/auditor.pem", "--auditor", "sec-audit"]

        let trivy = try CLI.run(
            [
                "attest", "vuln-scan", digest, "--from", Self.scannerFixture("trivy-rootfs"), "--db-updated",
                "2026-09-01T00:00:00Z",
            ]
                + auditor + common
        )
        #expect(trivy.status == 0, "\(trivy.stderr)")
        #expect(
            trivy.stdout.contains("trivy report: 5 findings (critical 0, high 1, medium 2, low 2) → FAILED score 67"),
            "\(trivy.stdout)"
        )
        let grype = try CLI.run(["attest", "vuln-scan", image, "--from", Self.scannerFixture("grype-rootfs")] + auditor + common)
        #expect(grype.status == 0, "\(grype.stderr)")
        #expect(grype.stdout.contains("grype report: 3 findings"), "\(grype.stdout)")
        // Trivy without the database time: input error, nothing sent.
        let noTime = try CLI.run(
            ["attest", "vuln-scan", digest, "--from", Self.scannerFixture("trivy-rootfs")] + auditor + common
        )
        #expect(noTime.status == 2 && noTime.stderr.contains("database"), "\(noTime.stderr)")
        let compliance = try CLI.run(
            [
                "attest", "compliance", digest, "--benchmark", "CIS Ubuntu Linux 24.04 LTS Benchmark v1.0.0 Level 1 - Server",
                "--result", "warned", "--passed", "180", "--warned", "3",
            ] + auditor + common
        )
        #expect(compliance.status == 0, "\(compliance.stderr)")
        let audit = try CLI.run(
            ["attest", "audit", digest, "--score", "88", "--controls", "50", "--passed", "47", "--scope", "process", "--json"]
                + auditor + common
        )
        #expect(audit.status == 0, "\(audit.stderr)")
        let auditReceipt = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any]
        let auditID = try #require(auditReceipt?["recordId"] as? String)
        let withdrawn = try CLI.run(["attest", "withdraw", auditID, "--reason", "wrong scope"] + auditor + common)
        #expect(withdrawn.status == 0, "\(withdrawn.stderr)")

        // A statement file signed as is (any in-toto producer's), and refusals.
        let statement = data + "/statement.json"
        let other =
            #"{"_type": "https://in-toto.io/Statement/v1", "subject": [{"digest": {"sha256": "\#(digest.dropFirst(7))"}}], "predicateType": "https://slsa.dev/provenance/v1", "predicate": {}}"#
        try Data(other.utf8).write(to: URL(fileURLWithPath: statement))
        let notAllowed = try CLI.run(["attest", "statement", statement] + auditor + common)
        #expect(
            notAllowed.status == 2 && notAllowed.stderr.contains("record-attestation-type-not-allowed"),
            "\(notAllowed.stderr)"
        )
        let stranger = try CLI.run(
            [
                "attest", "audit", digest, "--score", "1", "--controls", "1", "--passed", "0", "--key", data + "/stranger.pem",
                "--auditor", "sec-audit",
            ]
                + common
        )
        #expect(stranger.status == 2 && stranger.stderr.contains("not a key of auditor"), "\(stranger.stderr)")
        let badScore = try CLI.run(
            ["attest", "audit", digest, "--score", "101", "--controls", "1", "--passed", "1"] + auditor + common
        )
        #expect(badScore.status == 2, "\(badScore.stderr)")

        let listed = try CLI.run(["image", "attestations", digest] + common)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("4 attestation(s)"), "\(listed.stdout)")
        #expect(listed.stdout.contains("SUPERSEDED"), "\(listed.stdout)")
        #expect(listed.stdout.contains("CURRENT"), "\(listed.stdout)")
        #expect(listed.stdout.contains("WITHDRAWN"), "\(listed.stdout)")
        #expect(listed.stdout.contains("compliance by sec-audit WARNED score 99"), "\(listed.stdout)")
        let json = try CLI.run(["image", "attestations", digest, "--json"] + common)
        let view = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let statuses = (view?["attestations"] as? [[String: Any]])?.compactMap { $0["status"] as? String }
        #expect(statuses == ["superseded", "current", "current", "withdrawn"])

        // The bundle holds the current attestations; vmtrust verify checks and prints them.
        let vkey = data + "/log.vkey"
        try Data(try CLI.run(["log", "key", "--data", data]).stdout.utf8).write(to: URL(fileURLWithPath: vkey))
        let (status, body) = try await HTTP.get(server.url + "/v1/images/\(digest)/bundle")
        #expect(status == 200)
        let bundle = data + "/bundle.json"
        try Data(body).write(to: URL(fileURLWithPath: bundle))
        let verified = try CLI.run(["verify", bundle, "--log-key", vkey, "--image", image])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("attestations (current at bundle time):"), "\(verified.stdout)")
        #expect(verified.stdout.contains("✓"), "\(verified.stdout)")
        #expect(verified.stdout.contains("compliance by sec-audit"), "\(verified.stdout)")
        #expect(verified.stdout.contains("vuln-scan by sec-audit"), "\(verified.stdout)")
        #expect(!verified.stdout.contains("audit by"), "\(verified.stdout)")

        let suspended = try CLI.run(["auditor", "suspend", "--id", "sec-audit", "--key", admin] + common)
        #expect(suspended.status == 0, "\(suspended.stderr)")
        let shown = try CLI.run(["auditor", "show", "sec-audit"] + common)
        #expect(
            shown.status == 0 && shown.stdout.contains("[SUSPENDED]") && shown.stdout.contains("trust seed r_A: 18"),
            "\(shown.stdout)"
        )
        let refused = try CLI.run(["attest", "statement", statement] + auditor + common)
        #expect(refused.status == 2 && refused.stderr.contains("record-auditor-suspended"), "\(refused.stderr)")
    }
}
