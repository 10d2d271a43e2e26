import Foundation
import Testing

@Suite("Reputation from the command line")
struct ReputationCLITests {
    @Test("reputation show: an onboarded provider without evidence scores 50 with confidence 0; bad input exits 2")
    func showAndRefusals() async throws {
        let data = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let common = ["--server", server.url, "--data", data]
        let admin = data + "/admin-key.pem"
        #expect(try CLI.run(["key", "generate", "--out", data + "/acme.pem"]).status == 0)
        let onboard = try CLI.run(
            [
                "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", data + "/acme.pem", "--reputation",
                "80", "--key", admin,
            ]
                + common
        )
        #expect(onboard.status == 0, "\(onboard.stderr)")

        let show = try CLI.run(["reputation", "show", "acme", "--explain"] + common)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.hasPrefix("acme: "), "\(show.stdout)")
        #expect(show.stdout.contains("dimension       P      u      r      s"), "\(show.stdout)")
        #expect(show.stdout.contains("caps: none"), "\(show.stdout)")
        let json = try CLI.run(["reputation", "show", "acme", "--json"] + common)
        #expect(json.status == 0, "\(json.stderr)")
        let view = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(view?["provider"] as? String == "acme")
        #expect(view?["parametersVersion"] as? Int == 1)
        let history = try CLI.run(["reputation", "history", "acme", "--step", "1d", "--json"] + common)
        #expect(history.status == 0, "\(history.stderr)")

        // Bad input: one line on stderr, exit 2, nothing sent.
        let refusals: [[String]] = [
            ["reputation", "show", "nobody"],
            ["reputation", "show", "Bad!"],
            ["reputation", "history", "acme", "--step", "0"],
            ["feedback", "acme", "--user", "u1", "--key", data + "/acme.pem"],
            ["feedback", "acme", "--user", "u1", "--key", data + "/acme.pem", "--stars", "6"],
            ["feedback", "acme", "--user", "u1", "--key", data + "/acme.pem", "--stars", "4", "--issue", "x"],
            ["feedback", "acme", "--user", "u1", "--key", data + "/acme.pem", "--rating", "1.5"],
            ["feedback", "triage", "sha256:zz", "--confirm", "--key", admin],
            ["feedback", "triage", "sha256:" + String(repeating: "a", count: 64), "--key", admin],
            [
                "vuln", "report", "acme", "--id", "CVE-2026-1", "--affected", "sha256:" + String(repeating: "a", count: 64),
                "--key", admin,
            ],
            [
                "vuln", "report", "acme", "--id", "CVE-2026-1", "--cvss", "11", "--affected",
                "sha256:" + String(repeating: "a", count: 64), "--key", admin,
            ],
            [
                "vuln", "report", "acme", "--id", "CVE-2026-1", "--severity", "urgent", "--affected",
                "sha256:" + String(repeating: "a", count: 64), "--key", admin,
            ],
            ["vuln", "report", "acme", "--id", "CVE-2026-1", "--severity", "high", "--key", admin],
            [
                "vuln", "resolve", "sha256:1", "--fixed", "sha256:" + String(repeating: "a", count: 64), "--provider", "acme",
                "--key", data + "/acme.pem",
            ],
            ["incident", "report", "acme", "--id", "INC-1", "--severity", "bad", "--summary", "s", "--key", admin],
            [
                "certify", "acme", "--certifier", "c", "--type", "soc3", "--valid-from", "2026-01-01", "--valid-until",
                "2027-01-01", "--key", admin,
            ],
            [
                "certify", "acme", "--certifier", "c", "--type", "soc2-type2", "--valid-from", "2027-01-01", "--valid-until",
                "2026-01-01", "--key", admin,
            ],
            ["certifier", "onboard", "c", "--types", "soc2-type2", "--key", admin],
            ["certifier", "onboard", "c", "--anchor", data + "/acme.pem", "--types", "soc2-type2", "--key", admin],
            ["reputation", "params", "publish", data + "/missing.json", "--key", admin],
        ]
        for arguments in refusals {
            let result = try CLI.run(arguments + common)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        let params = data + "/params.json"
        for (body, message) in [
            (#"{"version": 2, "parameters": {"no.such": 1}}"#, "no.such"),
            (#"{"version": 0, "parameters": {"weights.sec": 0.4}}"#, "version"),
            (#"{"version": 2, "parameters": {"weights.sec": 0.0001}}"#, "decimals"),
            (#"[1]"#, "JSON object"),
        ] {
            try Data(body.utf8).write(to: URL(fileURLWithPath: params))
            let result = try CLI.run(["reputation", "params", "publish", params, "--key", admin] + common)
            #expect(result.status == 2 && result.stderr.contains(message), "\(body): \(result.stderr)")
        }
    }
}
