import Foundation
import Ledger
import Provenance
import SQLiteStore
import Testing

@Suite("Reputation from the command line")
struct ReputationCLITests {
    @Test("vmtrust reputation replay: 0 when the stored state is the replay, 1 on a difference, 2 on bad input")
    func replay() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = root + "/data"
        #expect(try CLI.run(["init", "--data", data]).status == 0)
        let server = try ServerProcess(data: data)
        let common = ["--server", server.url, "--data", data]
        let acme = root + "/acme.pem"
        #expect(try CLI.run(["key", "generate", "--out", acme]).status == 0)
        let onboarded = try CLI.run(
            [
                "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", acme, "--reputation", "70",
                "--key", data + "/admin-key.pem",
            ] + common
        )
        #expect(onboarded.status == 0, "\(onboarded.stderr)")
        let image = root + "/image.raw"
        try Data(repeating: 3, count: 4096).write(to: URL(fileURLWithPath: image))
        #expect(try CLI.run(["image", "register", image, "--provider", "acme", "--key", acme] + common).status == 0)
        server.stop()

        let clean = try CLI.run(["reputation", "replay", "--data", data])
        #expect(clean.status == 0, "\(clean.stdout) \(clean.stderr)")
        #expect(clean.stdout.contains("ok: 3 entries, 3 records"), "\(clean.stdout)")
        let json = try CLI.run(["reputation", "replay", "--data", data, "--json"])
        #expect(json.status == 0)
        #expect(json.stdout.contains(#""ok":true"#), "\(json.stdout)")

        // Bad input: exit 2.
        #expect(try CLI.run(["reputation", "replay", "--data", data, "--tolerance", "-1"]).status == 2)
        #expect(try CLI.run(["reputation", "replay", "--data", root + "/nowhere"]).status == 2)

        // The onboarding entry rewritten to another initial reputation (its signature no longer verifies, which
        // `log audit` reports): the replay differs from the stored state.
        let store = try SQLiteLedgerStore(path: data + "/ledger.sqlite")
        let bytes = try #require(try await store.entries(1..<2).first)
        let entry = try LedgerEntry(encoded: bytes)
        let envelope = try DSSEEnvelope(json: entry.envelope)
        guard case .providerOnboard(var onboard) = try Record.decode(envelope) else {
            Issue.record("entry 1 is not the onboarding")
            return
        }
        onboard.initialReputation = 20
        let forged = DSSEEnvelope(
            payloadType: envelope.payloadType,
            payload: Record.providerOnboard(onboard).encoded(),
            signatures: envelope.signatures
        )
        let rewritten = LedgerEntry(index: 1, integratedAtMillis: entry.integratedAtMillis, envelope: forged.jsonBytes())
        try store.tamperForTesting(index: 1, data: rewritten.encoded)
        let tampered = try CLI.run(["reputation", "replay", "--data", data])
        #expect(tampered.status == 1, "\(tampered.stdout) \(tampered.stderr)")
        #expect(tampered.stdout.contains("acme SEC.r"), "\(tampered.stdout)")
        // Verifying every signature again refuses the rewritten entry.
        let verified = try CLI.run(["reputation", "replay", "--data", data, "--verify-signatures"])
        #expect(verified.status == 1)
        #expect(verified.stdout.contains("entry 1 refused on replay"), "\(verified.stdout)")
    }

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

    @Test("CLI evidence moves the score: a verified certification, a vulnerability reported and resolved, new parameters")
    func evidenceEndToEnd() async throws {
        let data = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let common = ["--server", server.url, "--data", data]
        let admin = data + "/admin-key.pem"
        for name in ["acme", "certifier"] {
            #expect(try CLI.run(["key", "generate", "--out", data + "/\(name).pem"]).status == 0)
        }
        let onboard = try CLI.run(
            [
                "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", data + "/acme.pem", "--reputation",
                "80",
                "--key", admin,
            ] + common
        )
        #expect(onboard.status == 0, "\(onboard.stderr)")
        // The prior alone: SEC r = 1.6, s = 0.4 → E = 0.4·0.65 + 0.6·0.5.
        var show = try CLI.run(["reputation", "show", "acme"] + common)
        #expect(show.stdout.hasPrefix("acme: 56.0 (confidence 0.200"), "\(show.stdout)")

        let certifier = try CLI.run(
            [
                "certifier", "onboard", "audit-co", "--name", "Audit Co", "--certifier-key", data + "/certifier.pem", "--types",
                "soc2-type2", "iso27001", "--key", admin,
            ] + common
        )
        #expect(certifier.status == 0, "\(certifier.stderr)")
        let certify = try CLI.run(
            [
                "certify", "acme", "--certifier", "audit-co", "--type", "soc2-type2", "--valid-from", "2020-01-01",
                "--valid-until", "2099-01-01", "--reference", "SOC2-42", "--key", data + "/certifier.pem",
            ] + common
        )
        #expect(certify.status == 0, "\(certify.stderr)")
        // A verified SOC 2 Type II counts 2 in CMP: P = 0.75, u = 0.5 → E = 0.26 + 0.125 + 0.15 + 0.075.
        show = try CLI.run(["reputation", "show", "acme", "--explain"] + common)
        #expect(show.stdout.hasPrefix("acme: 61.0"), "\(show.stdout)")
        #expect(show.stdout.contains("CMP        0.750  0.500  2.000  0.000"), "\(show.stdout)")

        let image = data + "/ubuntu.qcow2"
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: image))
        let registered = try CLI.run(["image", "register", image, "--provider", "acme", "--key", data + "/acme.pem"] + common)
        #expect(registered.status == 0, "\(registered.stderr)")
        let digest = String(try CLI.run(["image", "hash", image]).stdout.split(separator: " ")[0])
        let report = try CLI.run(
            [
                "vuln", "report", "acme", "--id", "CVE-2026-0001", "--cvss", "9.8", "--epss", "0.05", "--affected", digest,
                "--key", data + "/acme.pem", "--json",
            ] + common
        )
        #expect(report.status == 0, "\(report.stderr)")
        // A report by a stranger's key is refused by the server: exit 2, one line.
        #expect(try CLI.run(["key", "generate", "--out", data + "/stranger.pem"]).status == 0)
        let stranger = try CLI.run(
            [
                "vuln", "report", "acme", "--id", "CVE-2026-0002", "--severity", "low", "--affected", digest, "--key",
                data + "/stranger.pem",
            ]
                + common
        )
        #expect(stranger.status == 2 && stranger.stderr.contains("record-not-signed-by-reporter"), "\(stranger.stderr)")

        // The provider fixes it: a patched version, the affected one revoked, the resolution (q = 1: r += 3 in SEC).
        let reportReceipt = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        let reportID = try #require(reportReceipt?["recordId"] as? String)
        let fixed = "sha256:" + String(repeating: "f", count: 64)
        let modify = try CLI.run(
            [
                "image", "modify", "--digest", fixed, "--previous", digest, "--change", "patch", "-m", "fix CVE-2026-0001",
                "--provider", "acme", "--key", data + "/acme.pem",
            ] + common
        )
        #expect(modify.status == 0, "\(modify.stderr)")
        let revoke = try CLI.run(
            ["image", "revoke", digest, "--reason", "CVE-2026-0001", "--provider", "acme", "--key", data + "/acme.pem", "--json"]
                + common
        )
        #expect(revoke.status == 0, "\(revoke.stderr)")
        let revokeID = try #require(
            (try JSONSerialization.jsonObject(with: Data(revoke.stdout.utf8)) as? [String: Any])?["recordId"] as? String
        )
        let badResolve = try CLI.run(
            [
                "vuln", "resolve", reportID, "--fixed", fixed, "--retired", reportID, "--provider", "acme", "--key",
                data + "/acme.pem",
            ]
                + common
        )
        #expect(badResolve.status == 2 && badResolve.stderr.contains("record-affected-not-retired"), "\(badResolve.stderr)")
        let resolve = try CLI.run(
            [
                "vuln", "resolve", reportID, "--fixed", fixed, "--retired", revokeID, "--provider", "acme", "--key",
                data + "/acme.pem",
            ]
                + common
        )
        #expect(resolve.status == 0, "\(resolve.stderr)")
        // SEC r = 1.6 + 3, s = 0.4: P = 0.8 → E = 0.32 + 0.125 + 0.15 + 0.075.
        show = try CLI.run(["reputation", "show", "acme"] + common)
        #expect(show.stdout.hasPrefix("acme: 67.0"), "\(show.stdout)")

        let params = data + "/params.json"
        try Data(#"{"version": 2, "parameters": {"weights.sec": 0.5, "weights.att": 0.15}}"#.utf8).write(
            to: URL(fileURLWithPath: params)
        )
        let published = try CLI.run(["reputation", "params", "publish", params, "--key", admin] + common)
        #expect(published.status == 0, "\(published.stderr)")
        let json = try CLI.run(["reputation", "show", "acme", "--json"] + common)
        let view = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(view?["parametersVersion"] as? Int == 2)
        #expect(try CLI.run(["reputation", "replay", "--data", data]).status == 0)
    }
}
