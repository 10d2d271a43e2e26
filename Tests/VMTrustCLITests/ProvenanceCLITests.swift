import Foundation
import Testing

@Suite("Provenance from the command line")
struct ProvenanceCLITests {
    @Test("Onboard a provider, register and patch an image, revoke it, and read the lineage")
    func lineage() throws {
        let data = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let common = ["--server", server.url, "--data", data]
        let admin = data + "/admin-key.pem"
        for name in ["acme", "globex"] {
            #expect(try CLI.run(["key", "generate", "--out", data + "/\(name).pem"]).status == 0)
            let onboarded = try CLI.run(
                [
                    "provider", "onboard", "--id", name, "--name", name.capitalized, "--provider-key", data + "/\(name).pem",
                    "--reputation", "80", "--key", admin,
                ]
                    + common
            )
            #expect(onboarded.status == 0, "\(onboarded.stderr)")
        }
        let base = data + "/base.qcow2"
        let patched = data + "/patched.qcow2"
        try Data(repeating: 1, count: 3 << 20).write(to: URL(fileURLWithPath: base))
        try Data(repeating: 2, count: 3 << 20).write(to: URL(fileURLWithPath: patched))
        let registered = try CLI.run(["image", "register", base, "--provider", "acme", "--key", data + "/acme.pem"] + common)
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(registered.stdout.contains("image-register"))
        let baseDigest = try CLI.run(["image", "hash", base]).stdout.split(separator: " ")[0]
        let patchedDigest = try CLI.run(["image", "hash", patched]).stdout.split(separator: " ")[0]

        let modified = try CLI.run(
            [
                "image", "modify", patched, "--previous", String(baseDigest), "--change", "patch", "-m", "openssl 3.0.15",
                "--key", data + "/acme.pem",
            ]
                + common
        )
        #expect(modified.status == 0, "\(modified.stderr)")

        // Globex may not extend Acme's lineage: refused by the server, input error.
        let hijack = try CLI.run(
            [
                "image", "modify", "--digest", "sha256:" + String(repeating: "c", count: 64), "--previous", String(patchedDigest),
                "--change", "update", "-m", "x", "--provider", "globex", "--key", data + "/globex.pem",
            ]
                + common
        )
        #expect(hijack.status == 2)
        #expect(hijack.stderr.contains("record-foreign-lineage"), "\(hijack.stderr)")

        let revoked = try CLI.run(
            [
                "image", "revoke", String(baseDigest), "--reason", "build host compromised", "--inherit", "--provider", "acme",
                "--key", data + "/acme.pem",
            ]
                + common
        )
        #expect(revoked.status == 0, "\(revoked.stderr)")
        Thread.sleep(forTimeInterval: 0.01)

        let lineage = try CLI.run(["image", "lineage", String(patchedDigest)] + common)
        #expect(lineage.status == 0, "\(lineage.stderr)")
        let lines = lineage.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(lineage.stdout)")
        #expect(lines.first?.hasPrefix("image-register") == true)
        #expect(lines.last?.contains("└─ image-modify") == true)
        #expect(lines.last?.contains("✗ revoked (inherited from") == true, "\(lineage.stdout)")

        let found = try CLI.run(["image", "search", "base", "--prefix", "--provider", "acme"] + common)
        #expect(found.status == 0)
        #expect(found.stdout.hasPrefix(String(baseDigest) + "  acme  base.qcow2"), "\(found.stdout)")
        #expect(try CLI.run(["key", "generate", "--out", data + "/alice.pem"]).status == 0)
        let user = try CLI.run(["user", "register", "--id", "alice", "--user-key", data + "/alice.pem", "--key", admin] + common)
        #expect(user.status == 0, "\(user.stderr)")

        let shown = try CLI.run(["provider", "show", "acme"] + common)
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("records: 4"), "\(shown.stdout)")
        let json = try CLI.run(["image", "show", String(baseDigest), "--json"] + common)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["descendants"] as? [Any])?.count == 1)
    }

    @Test("image push uploads and registers; image pull checks the log and refuses a revoked image")
    func pushPull() throws {
        let data = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let common = ["--server", server.url, "--data", data]
        #expect(try CLI.run(["key", "generate", "--out", data + "/acme.pem"]).status == 0)
        let onboarded = try CLI.run(
            ["provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", data + "/acme.pem", "--reputation", "90"]
                + ["--key", data + "/admin-key.pem"] + common
        )
        #expect(onboarded.status == 0, "\(onboarded.stderr)")
        let image = data + "/disk.raw"
        var bytes = [UInt8](repeating: 0, count: 5 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 7 >> 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: image))
        let pushed = try CLI.run(["image", "push", image, "--provider", "acme", "--key", data + "/acme.pem"] + common)
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let digest = String(try CLI.run(["image", "hash", image]).stdout.split(separator: " ")[0])

        let pulled = data + "/pulled.raw"
        let pull = try CLI.run(["image", "pull", digest, "-o", pulled] + common)
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: pulled)) == Data(bytes))

        let revoked = try CLI.run(
            ["image", "revoke", digest, "--reason", "bad", "--provider", "acme", "--key", data + "/acme.pem"] + common
        )
        #expect(revoked.status == 0, "\(revoked.stderr)")
        Thread.sleep(forTimeInterval: 0.01)
        try? FileManager.default.removeItem(atPath: pulled)
        let refused = try CLI.run(["image", "pull", digest, "-o", pulled] + common)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("revoked"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pulled))
        let forced = try CLI.run(["image", "pull", digest, "-o", pulled, "--force"] + common)
        #expect(forced.status == 0, "\(forced.stderr)")

        // A wrong log key: the checkpoint does not verify, nothing is downloaded.
        try? FileManager.default.removeItem(atPath: pulled)
        let otherKey = "vmtrust.local/log+a1b2c3d4+AQ" + String(repeating: "A", count: 41) + "="
        let untrusted = try CLI.run([
            "image", "pull", digest, "-o", pulled, "--force", "--server", server.url, "--vkey", otherKey,
        ])
        #expect(untrusted.status != 0)
        #expect(!FileManager.default.fileExists(atPath: pulled))
    }

    @Test("init with two admins and threshold 2: governance records need both signatures")
    func threshold() throws {
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        #expect(try CLI.run(["key", "generate", "--out", work + "/second-admin.pem"]).status == 0)
        let tooFew = try CLI.run(["init", "--data", work + "/short", "--threshold", "2"])
        #expect(tooFew.status == 2, "\(tooFew.stderr)")
        let data = work + "/data"
        let initialised = try CLI.run(["init", "--data", data, "--admin-key", work + "/second-admin.pem", "--threshold", "2"])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let common = ["--server", server.url, "--data", data]
        #expect(try CLI.run(["key", "generate", "--out", work + "/acme.pem"]).status == 0)
        let onboard = [
            "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", work + "/acme.pem", "--reputation", "50",
        ]
        let one = try CLI.run(onboard + ["--key", data + "/admin-key.pem"] + common)
        #expect(one.status == 2)
        #expect(one.stderr.contains("record-below-threshold"), "\(one.stderr)")
        let both = try CLI.run(onboard + ["--key", data + "/admin-key.pem", "--key", work + "/second-admin.pem"] + common)
        #expect(both.status == 0, "\(both.stderr)")
    }
}
