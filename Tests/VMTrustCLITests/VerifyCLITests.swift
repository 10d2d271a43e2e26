import Foundation
import Testing

@Suite("Offline verification from the command line")
struct VerifyCLITests {
    @Test("Fetch an image's bundle, verify it offline, with the image file good and bad, and after revocation")
    func verify() async throws {
        let data = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let common = ["--server", server.url, "--data", data]
        let admin = data + "/admin-key.pem"
        let acme = data + "/acme.pem"
        #expect(try CLI.run(["key", "generate", "--out", acme]).status == 0)
        let onboarded = try CLI.run(
            [
                "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", acme, "--reputation", "80", "--key",
                admin,
            ]
                + common
        )
        #expect(onboarded.status == 0, "\(onboarded.stderr)")
        let base = data + "/base.raw"
        let patched = data + "/patched.raw"
        try Data(repeating: 1, count: 1 << 20).write(to: URL(fileURLWithPath: base))
        try Data(repeating: 2, count: 1 << 20).write(to: URL(fileURLWithPath: patched))
        let registered = try CLI.run(["image", "register", base, "--provider", "acme", "--key", acme] + common)
        #expect(registered.status == 0, "\(registered.stderr)")
        let baseDigest = String(try CLI.run(["image", "hash", base]).stdout.split(separator: " ")[0])
        let patchedDigest = String(try CLI.run(["image", "hash", patched]).stdout.split(separator: " ")[0])
        let modified = try CLI.run(
            [
                "image", "modify", patched, "--previous", baseDigest, "--change", "patch", "-m", "openssl", "--provider",
                "acme", "--key", acme,
            ]
                + common
        )
        #expect(modified.status == 0, "\(modified.stderr)")

        let vkey = data + "/log.vkey"
        let key = try CLI.run(["log", "key", "--data", data])
        #expect(key.status == 0)
        try Data(key.stdout.utf8).write(to: URL(fileURLWithPath: vkey))

        func fetch(_ digest: String, to path: String) async throws {
            let (status, body) = try await HTTP.get(server.url + "/v1/images/\(digest)/bundle")
            #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
            try Data(body).write(to: URL(fileURLWithPath: path))
        }
        let bundle = data + "/patched.bundle.json"
        try await fetch(patchedDigest, to: bundle)

        // No server needed from here on.
        let ok = try CLI.run(["verify", bundle, "--log-key", vkey, "--image", patched])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("image-register \(baseDigest)"), "\(ok.stdout)")
        #expect(ok.stdout.contains("└─ ✓ #"), "\(ok.stdout)")
        #expect(ok.stdout.contains("image file: matches the subject"))
        #expect(ok.stdout.contains("ok: the bundle is valid; the image is active"), "\(ok.stdout)")
        #expect(try CLI.run(["verify", bundle, "--log-key", vkey, "--require-active"]).status == 0)

        let wrongImage = try CLI.run(["verify", bundle, "--log-key", vkey, "--image", base])
        #expect(wrongImage.status == 1)
        #expect(wrongImage.stderr.contains("is not the subject"), "\(wrongImage.stderr)")

        let json = try CLI.run(["verify", bundle, "--log-key", vkey, "--json"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == true)
        #expect((object["chain"] as? [Any])?.count == 2)
        #expect((object["status"] as? [String: Any])?["state"] as? String == "active")

        // A flipped byte anywhere in an envelope: exit 1, naming the entry.
        var text = try String(contentsOfFile: bundle, encoding: .utf8)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let entries = try #require(parsed["entries"] as? [[String: Any]])
        let last = try #require(entries.last)
        let envelope = try #require(last["envelope"] as? String)
        var bytes = try #require(Data(base64Encoded: envelope))
        bytes[bytes.count / 2] ^= 1
        text = text.replacingOccurrences(of: envelope, with: bytes.base64EncodedString())
        let tampered = data + "/tampered.json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: tampered))
        let bad = try CLI.run(["verify", tampered, "--log-key", vkey])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("entry \(last["index"] as? Int ?? -1): inclusion proof does not match"), "\(bad.stderr)")

        // Unreadable input: exit 2.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: tampered))
        #expect(try CLI.run(["verify", tampered, "--log-key", vkey]).status == 2)
        #expect(try CLI.run(["verify", data + "/missing.json", "--log-key", vkey]).status == 2)
        #expect(try CLI.run(["verify", bundle, "--log-key", vkey, "--image", data + "/missing.raw"]).status == 2)

        // Revoked: still a valid bundle (exit 0, status reported), unless --require-active.
        let revoked = try CLI.run(
            ["image", "revoke", baseDigest, "--reason", "compromised", "--inherit", "--provider", "acme", "--key", acme]
                + common
        )
        #expect(revoked.status == 0, "\(revoked.stderr)")
        try await fetch(patchedDigest, to: bundle)
        let still = try CLI.run(["verify", bundle, "--log-key", vkey, "--image", patched])
        #expect(still.status == 0, "\(still.stdout)\(still.stderr)")
        #expect(still.stdout.contains("the image is revoked"), "\(still.stdout)")
        #expect(still.stdout.contains("inherited from"), "\(still.stdout)")
        let strict = try CLI.run(["verify", bundle, "--log-key", vkey, "--require-active"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("not active"), "\(strict.stderr)")
    }
}
