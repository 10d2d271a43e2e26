import Foundation
import Testing

@Suite("vmtrust demo")
struct DemoCLITests {
    struct Step: Decodable {
        var label: String
        var kind: String
        var asExpected: Bool
        var effect: String?
        var privilege: String?
        var mode: String?
        var codes: [String]?
        var warnings: [String]?
        var decisionID: String?
    }

    struct Outcome: Decodable {
        var steps: [Step]
        var gaps: [String]
        var offlineMatches: Bool?
    }

    @Test("The demo plays its story against the embedded server it starts; the key outcomes are the story's")
    func embedded() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/outcomes.json"
        let result = try CLI.run(["demo", "--outcomes", path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let outcome = try JSONDecoder().decode(Outcome.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        func step(_ label: String) throws -> Step { try #require(outcome.steps.first { $0.label == label }, "\(label)") }

        let surprises = outcome.steps.filter { !$0.asExpected }.map(\.label)
        #expect(surprises.isEmpty, "\(surprises)")
        // Standing matters: the established provider's patched image is allowed in prod at full privilege, the
        // newcomer's is denied for low reputation; staging only warns; elsewhere the newcomer is sandboxed.
        let established = try step("alice prod nw v3")
        #expect(established.effect == "allow" && established.privilege == "full")
        let newcomer = try step("alice prod qv v2")
        #expect(newcomer.effect == "deny" && newcomer.codes?.contains("reputation.below_low") == true)
        let staging = try step("bob staging qv v2 (warn)")
        #expect(staging.effect == "allow" && staging.mode == "warn" && staging.warnings?.isEmpty == false)
        let dev = try step("carol dev qv v2")
        #expect(dev.effect == "allow_with_conditions" && dev.privilege == "sandbox")
        // The lineage: an old version is refused; after the vulnerability the revoked version is refused and the
        // fix allowed.
        #expect(try step("alice prod nw v1").codes?.contains("provenance.not_newest") == true)
        #expect(try step("alice prod nw v3 revoked").codes?.contains("provenance.revoked") == true)
        #expect(try step("alice prod nw v4").effect == "allow")
        // Offline from the bundle equals the server.
        #expect(outcome.offlineMatches == true)
        // Break-glass: flagged allow for Bob only.
        let glass = try step("bob prod qv v2 break-glass")
        #expect(glass.effect == "allow_with_conditions" && glass.codes?.contains("break_glass.used") == true)
        #expect(try step("alice prod qv v2 (no grant)").effect == "deny")
        // Every decision has its id; the narrative names the steps.
        #expect(outcome.steps.filter { $0.kind == "decision" }.allSatisfy { $0.decisionID?.count == 64 })
        #expect(result.stdout.contains("1. The log's admins set the stage"))
        #expect(result.stdout.contains("vmtrust decision explain "))
    }

    @Test("Against a running server (--server, --admin-key, --vkey) the story plays, twice in a row")
    func remote() throws {
        let data = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let vkey = data + "/log.vkey"
        try Data(try CLI.run(["log", "key", "--data", data]).stdout.utf8).write(to: URL(fileURLWithPath: vkey))
        for run in 1...2 {
            let path = data + "/outcomes-\(run).json"
            let result = try CLI.run(
                ["demo", "--server", server.url, "--admin-key", data + "/admin-key.pem", "--vkey", vkey, "--outcomes", path]
            )
            #expect(result.status == 0, "run \(run): \(result.stdout)\(result.stderr)")
            let outcome = try JSONDecoder().decode(Outcome.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(outcome.offlineMatches == true)
            #expect(outcome.steps.filter { $0.kind == "decision" }.count >= 9)
        }
    }

    @Test("Bad input exits 2: --server without an admin key, an unreachable server")
    func badInput() throws {
        #expect(try CLI.run(["demo", "--server", "http://127.0.0.1:9"]).status == 2)
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/admin.pem"
        #expect(try CLI.run(["key", "generate", "--out", key]).status == 0)
        #expect(try CLI.run(["demo", "--server", "http://127.0.0.1:9", "--admin-key", key]).status == 2)
    }
}
