import Foundation
import Provenance
import Testing

@Suite("Interoperability: attestations with securesystemslib", .enabled(if: Interop.isAvailable || Interop.isCI))
struct AttestationInteropTests {
    @Test("securesystemslib verifies vmtrust attestation envelopes; vmtrust accepts securesystemslib's")
    func attestations() async throws {
        try Interop.requirePackages()
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = root + "/data"
        #expect(try CLI.run(["init", "--data", data]).status == 0)
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let common = ["--server", server.url, "--data", data]
        let admin = data + "/admin-key.pem"
        let acme = root + "/acme.pem"
        #expect(try CLI.run(["key", "generate", "--out", acme]).status == 0)
        #expect(
            try CLI.run(
                [
                    "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", acme, "--reputation", "70",
                    "--key", admin,
                ]
                    + common
            ).status == 0
        )
        let image = root + "/image.raw"
        try Data(repeating: 3, count: 4096).write(to: URL(fileURLWithPath: image))
        #expect(try CLI.run(["image", "register", image, "--provider", "acme", "--key", acme] + common).status == 0)
        let digest = String(try CLI.run(["image", "hash", image]).stdout.split(separator: " ")[0])
        var auditorKeys: [String] = []
        for type in ["ed25519", "p256"] {
            let key = root + "/auditor-\(type).pem"
            #expect(try CLI.run(["key", "generate", "--type", type, "--out", key]).status == 0)
            auditorKeys.append(key)
        }
        let onboarded = try CLI.run(
            [
                "auditor", "onboard", "--id", "sec-audit", "--name", "Secure Audit", "--auditor-key", auditorKeys[0],
                "--auditor-key", auditorKeys[1], "--accredited-by", "DAkkS", "--accredited-until", "2099-01-01", "--type",
                "audit",
                "--type", "https://slsa.dev/provenance/v1", "--key", admin,
            ] + common
        )
        #expect(onboarded.status == 0, "\(onboarded.stderr)")

        // vmtrust → securesystemslib: vmtrust's statement, signed by vmtrust, verified by securesystemslib.
        for (offset, key) in auditorKeys.enumerated() {
            let statement = InTotoStatement(
                subjects: [ResourceDescriptor(imageDigest: digest, name: "image.raw")],
                predicate: .audit(
                    AuditPredicate(result: .passed, score: 90 + offset, controlsChecked: 10, controlsPassed: 9, scope: .image)
                )
            )
            let statementPath = root + "/statement-\(offset).json"
            try Data(statement.encoded()).write(to: URL(fileURLWithPath: statementPath))
            let signed = try CLI.run(["record", "sign", "--type", "application/vnd.in-toto+json", "--key", key, statementPath])
            #expect(signed.status == 0, "\(signed.stderr)")
            let envelope = root + "/vmtrust-attestation-\(offset).json"
            try Data(signed.stdout.utf8).write(to: URL(fileURLWithPath: envelope))
            let verified = try Interop.python("dsse_check.py", "verify", "--intoto", envelope, key)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(
                verified.stdout.contains("predicateType \(AttestationPredicate.auditType); subject \(digest)"),
                "\(verified.stdout)"
            )
            // The same envelope is accepted by the log.
            let submitted = try CLI.run(["record", "submit", envelope] + common.prefix(4))
            #expect(submitted.status == 0, "\(submitted.stdout)\(submitted.stderr)")
            // A changed payload no longer verifies.
            let altered = root + "/altered-\(offset).json"
            try Data(signed.stdout.replacingOccurrences(of: "\"payload\":\"", with: "\"payload\":\"e").utf8).write(
                to: URL(fileURLWithPath: altered)
            )
            #expect(try Interop.python("dsse_check.py", "verify", "--intoto", altered, key).status != 0)
        }

        // securesystemslib → vmtrust: statements written by Python (not canonical JSON), signed by securesystemslib
        // with its own keyid or vmtrust's; accepted, and listed under the auditor.
        var accepted: [String] = []
        for (offset, key) in auditorKeys.enumerated() {
            for keyid in ["sslib", "vmtrust", "none"] {
                let statement = """
                    {
                      "_type": "https://in-toto.io/Statement/v1",
                      "subject": [{"name": "image.raw", "digest": {"sha256": "\(digest.dropFirst(7))"}}],
                      "predicateType": "https://slsa.dev/provenance/v1",
                      "predicate": {"buildDefinition": {"buildType": "https://example.com/packer@v1", "n": \(offset)}, "keyid": "\(keyid)"}
                    }
                    """
                let signed = try Interop.python(
                    "dsse_check.py",
                    "sign",
                    "--key",
                    key,
                    "--type",
                    "application/vnd.in-toto+json",
                    "--keyid",
                    keyid,
                    "-",
                    stdin: Array(statement.utf8)
                )
                try #require(signed.status == 0, "\(signed.stderr)")
                let (status, body) = try await HTTP.post(server.url + "/v1/records", body: Array(signed.stdout.utf8))
                let text = String(decoding: body, as: UTF8.self)
                if keyid == "none" {
                    // Without a keyid nothing names the auditor.
                    #expect(status == 409 && text.contains("record-unknown-auditor"), "\(text)")
                } else {
                    #expect(status == 201, "\(key) keyid \(keyid): \(text)")
                    let receipt = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
                    accepted.append(try #require(receipt?["recordId"] as? String))
                }
            }
        }
        let listed = try CLI.run(["image", "attestations", digest, "--json"] + common)
        let view = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
        let attestations = try #require(view?["attestations"] as? [[String: Any]])
        #expect(attestations.count == 2 + accepted.count)
        for id in accepted {
            let entry = try #require(attestations.first { $0["id"] as? String == id })
            #expect(entry["auditor"] as? String == "sec-audit")
            #expect(entry["predicateType"] as? String == "https://slsa.dev/provenance/v1")
            #expect(entry["score"] == nil)
        }
        #expect(attestations.last?["status"] as? String == "current")
    }
}
