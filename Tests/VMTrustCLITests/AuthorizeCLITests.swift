import Foundation
import Testing

@Suite("vmtrust authorize | decision explain | policy publish | break-glass")
struct AuthorizeCLITests {
    static let policy = """
        apiVersion: vmtrust.dev/policy/v1
        name: cli
        version: 1
        scopes:
          - name: prod
            match: {environments: [prod]}
            rules:
              require_attestation: {max_age: 30d}
              tiers:
                - {name: any, effect: allow, privilege: full}
          - name: default
            rules:
              tiers:
                - {name: any, effect: allow_with_conditions, privilege: sandbox, required_checks: [manual_approval]}
        """

    /// A server with a provider, an image, a user and (unless `publish` is false) the policy above.
    struct World {
        var data: String
        var server: ServerProcess
        var digest: String
        var admin: String
        var vkey: String
        var common: [String]
    }

    func world(publish: Bool = true) throws -> World {
        let data = try CLI.temporaryDirectory()
        let server = try ServerProcess(data: data)
        let common = ["--server", server.url, "--data", data]
        let admin = data + "/admin-key.pem"
        let acme = data + "/acme.pem"
        let alice = data + "/alice.pem"
        #expect(try CLI.run(["key", "generate", "--out", acme]).status == 0)
        #expect(try CLI.run(["key", "generate", "--out", alice]).status == 0)
        let onboarded = try CLI.run(
            [
                "provider", "onboard", "--id", "acme", "--name", "Acme", "--provider-key", acme, "--reputation", "80", "--key",
                admin,
            ]
                + common
        )
        #expect(onboarded.status == 0, "\(onboarded.stderr)")
        let user = try CLI.run(["user", "register", "--id", "alice", "--user-key", alice, "--key", admin] + common)
        #expect(user.status == 0, "\(user.stderr)")
        let image = data + "/base.raw"
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: image))
        #expect(try CLI.run(["image", "register", image, "--provider", "acme", "--key", acme] + common).status == 0)
        let digest = String(try CLI.run(["image", "hash", image]).stdout.split(separator: " ")[0])
        let vkey = data + "/log.vkey"
        try Data(try CLI.run(["log", "key", "--data", data]).stdout.utf8).write(to: URL(fileURLWithPath: vkey))
        if publish {
            let path = data + "/policy.yaml"
            try Data(Self.policy.utf8).write(to: URL(fileURLWithPath: path))
            let published = try CLI.run(["policy", "publish", path, "--key", admin] + common)
            #expect(published.status == 0, "\(published.stderr)")
            #expect(published.stdout.contains("policy \"cli\" version 1, digest sha256:"), "\(published.stdout)")
            #expect(published.stdout.contains("ok: policy-publish sha256:"), "\(published.stdout)")
        }
        return World(data: data, server: server, digest: digest, admin: admin, vkey: vkey, common: common)
    }

    @Test("Allow exits 0, deny exits 1; the text names effect, privilege, checks, reasons, evidence and the decision id")
    func decisions() throws {
        let world = try world()
        defer { world.server.stop() }
        let dev = try CLI.run(["authorize", "--user", "alice", "--image", world.digest, "--env", "dev"] + world.common)
        #expect(dev.status == 0, "\(dev.stdout)\(dev.stderr)")
        #expect(dev.stdout.hasPrefix("ALLOW WITH CONDITIONS: alice → \(world.digest) (env dev)"), "\(dev.stdout)")
        #expect(dev.stdout.contains("privilege:       sandbox"))
        #expect(dev.stdout.contains("required checks: manual_approval"))
        #expect(dev.stdout.contains("reputation.tier"))
        #expect(dev.stdout.contains("reputation: acme: score "))
        #expect(dev.stdout.contains("policy record: sha256:"))
        let id = try #require(dev.stdout.split(separator: "\n").first { $0.hasPrefix("decision: ") }).dropFirst(10).prefix(64)
        #expect(id.count == 64)

        // prod requires an attestation the image does not have.
        let prod = try CLI.run(["authorize", "--user", "alice", "--image", world.digest, "--env", "prod"] + world.common)
        #expect(prod.status == 1, "\(prod.stdout)\(prod.stderr)")
        #expect(prod.stdout.hasPrefix("DENY: alice"), "\(prod.stdout)")
        #expect(prod.stdout.contains("✗ attestation.missing"))
        #expect(prod.stderr.contains("denied: attestation.missing"), "\(prod.stderr)")

        // JSON: the decision body.
        let json = try CLI.run(
            ["authorize", "--user", "alice", "--image", world.digest, "--env", "prod", "--json"] + world.common
        )
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["effect"] as? String == "deny")
        #expect((object["policy"] as? [String: Any])?["scope"] as? String == "prod")

        // The stored decision, explained again.
        let explained = try CLI.run(["decision", "explain", String(id)] + world.common)
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("decision: \(id)"))
        #expect(explained.stdout.contains("required checks: manual_approval"))
        let unknown = try CLI.run(["decision", "explain", String(repeating: "0", count: 64)] + world.common)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("not-found"), "\(unknown.stderr)")
        #expect(try CLI.run(["decision", "explain", "nope"] + world.common).status == 2)
    }

    @Test("Bad input exits 2 and decides nothing: a malformed digest, a time far off, no policy, an invalid policy to publish")
    func badInput() throws {
        let world = try world(publish: false)
        defer { world.server.stop() }
        let malformed = try CLI.run(["authorize", "--user", "alice", "--image", "sha256:abc"] + world.common)
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("image digest"), "\(malformed.stderr)")
        let noPolicy = try CLI.run(["authorize", "--user", "alice", "--image", world.digest] + world.common)
        #expect(noPolicy.status == 2)
        #expect(noPolicy.stderr.contains("no-policy"), "\(noPolicy.stderr)")
        let farOff = try CLI.run(
            ["authorize", "--user", "alice", "--image", world.digest, "--time", "2020-01-01"] + world.common
        )
        #expect(farOff.status == 2)
        #expect(
            try CLI.run(["authorize", "--user", "alice", "--image", world.digest, "--bundle", "x"] + world.common).status == 2
        )
        #expect(try CLI.run(["authorize", "--user", "alice", "--image", world.digest, "--offline"]).status == 2)

        let invalid = world.data + "/invalid.yaml"
        try Data(Self.policy.replacingOccurrences(of: "effect: allow,", with: "effect: permit,").utf8)
            .write(to: URL(fileURLWithPath: invalid))
        let refused = try CLI.run(["policy", "publish", invalid, "--key", world.admin] + world.common)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("line 10, column 31: scopes[0].rules.tiers[0].effect"), "\(refused.stderr)")
        // Nothing was published: still no policy.
        #expect(try CLI.run(["authorize", "--user", "alice", "--image", world.digest] + world.common).status == 2)
    }

    @Test("Offline from the bundle gives the server's decision byte for byte; a tampered bundle or another size is refused")
    func offline() async throws {
        let world = try world()
        defer { world.server.stop() }
        let (status, body) = try await HTTP.get(world.server.url + "/v1/images/\(world.digest)/bundle")
        #expect(status == 200)
        let bundle = world.data + "/bundle.json"
        try Data(body).write(to: URL(fileURLWithPath: bundle))
        let policy = world.data + "/policy.yaml"
        let time = String(Int64(Date().timeIntervalSince1970 * 1000))
        for environment in ["dev", "prod"] {
            let request = ["--user", "alice", "--image", world.digest, "--env", environment, "--time", time, "--json"]
            let online = try CLI.run(["authorize"] + request + world.common)
            let offline = try CLI.run(
                ["authorize", "--offline", "--bundle", bundle, "--policy", policy, "--vkey", world.vkey] + request
            )
            #expect(offline.status == online.status, "\(offline.stderr)")
            #expect(!offline.stdout.isEmpty)
            #expect(offline.stdout == online.stdout)
        }
        let section = (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["reputation"] as? [String: Any]
        let size = try #require(section?["logSize"] as? Int)
        let base = [
            "authorize", "--offline", "--bundle", bundle, "--policy", policy, "--vkey", world.vkey, "--user", "alice",
            "--image", world.digest, "--env", "dev",
        ]
        #expect(try CLI.run(base + ["--at-size", String(size)]).status == 0)
        let otherSize = try CLI.run(base + ["--at-size", String(size + 1)])
        #expect(otherSize.status == 2)
        #expect(otherSize.stderr.contains("is at log size \(size)"), "\(otherSize.stderr)")

        // A flipped byte in the reputation document's provider, a wrong log key, another image: refused (2).
        let text = String(decoding: body, as: UTF8.self)
        let tampered = world.data + "/tampered.json"
        try Data(text.replacingOccurrences(of: "\"logSize\":\(size)", with: "\"logSize\":\(size + 1)").utf8)
            .write(to: URL(fileURLWithPath: tampered))
        let refused = try CLI.run(
            [
                "authorize", "--offline", "--bundle", tampered, "--policy", policy, "--vkey", world.vkey, "--user", "alice",
                "--image", world.digest,
            ]
        )
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("does not verify"), "\(refused.stderr)")
        let otherKey = world.data + "/other.vkey"
        let generated = try CLI.run(["init", "--data", world.data + "/other"])
        #expect(generated.status == 0, "\(generated.stderr)")
        try Data(try CLI.run(["log", "key", "--data", world.data + "/other"]).stdout.utf8).write(
            to: URL(fileURLWithPath: otherKey)
        )
        #expect(
            try CLI.run([
                "authorize", "--offline", "--bundle", bundle, "--policy", policy, "--vkey", otherKey, "--user", "alice",
                "--image", world.digest,
            ]).status == 2
        )
        #expect(
            try CLI.run([
                "authorize", "--offline", "--bundle", bundle, "--policy", policy, "--vkey", world.vkey, "--user", "alice",
                "--image", "sha256:" + String(repeating: "ab", count: 32),
            ]).status == 2
        )
    }

    @Test("break-glass: an admin-signed override turns a deny into a flagged, logged allow with conditions")
    func breakGlass() throws {
        let world = try world()
        defer { world.server.stop() }
        let before = try CLI.run(["authorize", "--user", "alice", "--image", world.digest, "--env", "prod"] + world.common)
        #expect(before.status == 1)
        let granted = try CLI.run(
            [
                "break-glass", "--user", "alice", "--image", world.digest, "--env", "prod", "--reason", "INC-7", "--for", "2h",
                "--key", world.admin,
            ] + world.common
        )
        #expect(granted.status == 0, "\(granted.stderr)")
        #expect(granted.stdout.contains("ok: break-glass sha256:"), "\(granted.stdout)")
        let after = try CLI.run(["authorize", "--user", "alice", "--image", world.digest, "--env", "prod"] + world.common)
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        #expect(after.stdout.hasPrefix("ALLOW WITH CONDITIONS"), "\(after.stdout)")
        #expect(after.stdout.contains("break_glass.used"))
        #expect(after.stdout.contains("still missing: attestation.missing"))
        // Break-glass decisions are always appended to the log, signed by the server's decision key.
        #expect(after.stdout.contains("logged: policy-decision sha256:"), "\(after.stdout)")

        let tooLong = try CLI.run(
            ["break-glass", "--user", "alice", "--image", world.digest, "--reason", "x", "--for", "25h", "--key", world.admin]
                + world.common
        )
        #expect(tooLong.status == 2)
        let both = try CLI.run(
            [
                "break-glass", "--user", "alice", "--image", world.digest, "--provider", "acme", "--reason", "x", "--key",
                world.admin,
            ]
                + world.common
        )
        #expect(both.status == 2)
    }

    @Test("Decisions answered before a SIGKILL are all served after the restart; a second server on the data is refused")
    func decisionsSurviveAKill() async throws {
        let world = try world()
        // A second server on the same data directory stops at start: the decision journal has one writer.
        let second = Process()
        second.executableURL = URL(fileURLWithPath: CLI.binary)
        second.arguments = ["serve", "--data", world.data, "--listen", "127.0.0.1:0", "--log-level", "warning"]
        let errors = Pipe()
        second.standardError = errors
        second.standardOutput = FileHandle.nullDevice
        try second.run()
        let deadline = Date().addingTimeInterval(60)
        while second.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if second.isRunning {
            second.terminate()
            Issue.record("a second server on the same data directory kept running")
        }
        second.waitUntilExit()
        #expect(second.terminationStatus == 2)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("decision journal"), "\(message)")

        let answered = Locked<[String: [UInt8]]>([:])
        let killed = Locked(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<8 {
                group.addTask {
                    var n = 0
                    while true {
                        let environment = ["prod", "staging", "dev"][(client + n) % 3]
                        let body = Array(
                            #"{"user":"alice","image":"\#(world.digest)","environment":"\#(environment)","project":"p\#(client)-\#(n)"}"#
                                .utf8
                        )
                        n += 1
                        let status: Int
                        let answer: [UInt8]
                        do {
                            (status, answer) = try await HTTP.post(world.server.url + "/v1/authorize", body: body)
                        } catch {
                            #expect(killed.withLock { $0 }, "request failed before the kill: \(error)")
                            return
                        }
                        #expect(status == 200, "\(String(decoding: answer, as: UTF8.self))")
                        let object = try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any]
                        let id = try #require(object?["decision_id"] as? String)
                        answered.withLock { $0[id] = answer }
                    }
                }
            }
            group.addTask {
                while answered.withLock({ $0.count }) < 300 { try await Task.sleep(for: .milliseconds(5)) }
                killed.withLock { $0 = true }
                world.server.kill()
            }
            try await group.waitForAll()
        }
        let restarted = try ServerProcess(data: world.data)
        defer { restarted.stop() }
        let decisions = answered.withLock { $0 }
        #expect(decisions.count >= 300)
        for (id, body) in decisions {
            let (status, stored) = try await HTTP.get(restarted.url + "/v1/decisions/" + id)
            #expect(status == 200, "decision \(id) answered before the kill is not stored")
            #expect(stored == body)
        }
    }
}
