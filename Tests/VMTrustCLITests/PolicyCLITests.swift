import Foundation
import Testing

@Suite("vmtrust policy validate | test")
struct PolicyCLITests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/policy")
    static let policy = examples.appendingPathComponent("policy.yaml").path
    static let cases = examples.appendingPathComponent("cases.yaml").path

    static let seed = """
        apiVersion: vmtrust.dev/policy/v1
        name: seed
        version: 1
        scopes:
          - name: default
            mode: enforce
            rules:
              reputation:
                low: 40
              allow_low_reputation: false
              require_attestation:
                max_age: 90d
        """

    /// Writes `text` to a fresh file in `directory`.
    static func file(_ text: String, in directory: String, name: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("The example policy validates: exit 0, its digest and scopes printed")
    func validExample() throws {
        let result = try CLI.run(["policy", "validate", Self.policy])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("ok: policy \"example\" version 1 is valid (digest sha256:"), "\(result.stdout)")
        #expect(result.stdout.contains("scope prod: environments prod, mode enforce"))
        #expect(result.stdout.contains("scope prod-oncall: groups platform-oncall; environments prod, mode enforce"))
        #expect(result.stdout.contains("scope default: catch-all, mode enforce"))
    }

    @Test("--canonical prints the seed policy's canonical JSON as the language document gives it")
    func canonical() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try Self.file(Self.seed, in: directory, name: "seed.yaml")
        let result = try CLI.run(["policy", "validate", "--canonical", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout
                == #"{"apiVersion":"vmtrust.dev/policy/v1","name":"seed","privileges":["full","restricted","sandbox"],"record_decisions":false,"scopes":[{"match":{},"mode":"enforce","name":"default","rules":{"allow_low_reputation":false,"attestations":[],"provenance":{"chain_valid":true,"not_revoked":true,"provider_key_valid":true,"provider_not_suspended":true},"reputation":{"low":40},"require_attestation":{"max_age":"90d"},"tiers":[]}}],"version":1}"#
                + "\n"
        )
        // Standard input works too, and gives the same bytes.
        let piped = try CLI.run(["policy", "validate", "--canonical", "-"], stdin: Array(Self.seed.utf8))
        #expect(piped.stdout == result.stdout)
    }

    @Test(
        "Invalid policies exit 2 with one line naming the file, line, column and field",
        arguments: [
            (
                PolicyCLITests.seed.replacingOccurrences(of: "mode: enforce", with: "mode: enforced"),
                #"line 6, column 11: scopes[0].mode: unknown mode "enforced""#
            ),
            (
                PolicyCLITests.seed.replacingOccurrences(
                    of: "allow_low_reputation: false",
                    with: "allow_low_reputation: false\n      allow_low_reputation: true"
                ),
                #"scopes[0].rules.allow_low_reputation: duplicate key "allow_low_reputation" (first at line 10"#
            ),
            (
                PolicyCLITests.seed.replacingOccurrences(of: "low: 40", with: "low: 140"),
                "line 9, column 14: scopes[0].rules.reputation.low"
            ),
            (
                PolicyCLITests.seed.replacingOccurrences(of: "max_age: 90d", with: "max_age: 90d\n        max_agee: 1d"),
                "scopes[0].rules.require_attestation.max_agee: unknown field"
            ),
            (
                PolicyCLITests.seed.replacingOccurrences(
                    of: "  - name: default\n",
                    with: "  - name: default\n    match: {users: [alice]}\n"
                ),
                "no catch-all scope"
            ),
            (PolicyCLITests.seed.replacingOccurrences(of: "policy/v1", with: "policy/v9"), "unsupported apiVersion"),
            ("scopes: [", "not valid YAML"),
            ("", "the document is empty"),
        ]
    )
    func invalid(text: String, expected: String) throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try Self.file(text, in: directory, name: "bad.yaml")
        let result = try CLI.run(["policy", "validate", path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("vmtrust: \(path): "), "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }

    @Test("A missing or non-UTF-8 file is bad input (exit 2)")
    func unreadable() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CLI.run(["policy", "validate", directory + "/absent.yaml"]).status == 2)
        let binary = directory + "/binary.yaml"
        try Data([0xff, 0xfe, 0x00, 0x41]).write(to: URL(fileURLWithPath: binary))
        let result = try CLI.run(["policy", "validate", binary])
        #expect(result.status == 2)
        #expect(result.stderr.contains("is not UTF-8"))
        #expect(try CLI.run(["policy", "validate"]).status == 2)
    }

    @Test("The example's fixture cases all pass: exit 0, one ok line per case and the total")
    func examplesPass() throws {
        let result = try CLI.run(["policy", "test", Self.policy, "--cases", Self.cases])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let okLines = lines.filter { $0.hasPrefix("ok ") }
        #expect(okLines.count >= 10)
        #expect(lines.last == "\(okLines.count) passed, 0 failed")
        #expect(!result.stdout.contains("FAIL"))
    }

    @Test("A case the policy does not meet: exit 1, FAIL with each differing field; the others still run")
    func mismatch() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try String(contentsOfFile: Self.cases, encoding: .utf8)
        // The first case expects an allow at full privilege: claim a deny at sandbox instead.
        let changed = original.replacingOccurrences(
            of: "expect: {effect: allow, privilege: full, codes: [reputation.tier], required_checks: [standard_scan]}",
            with: "expect: {effect: deny, privilege: sandbox, codes: [reputation.tier], required_checks: [manual_approval]}"
        )
        #expect(changed != original)
        let cases = try Self.file(changed, in: directory, name: "cases.yaml")
        let result = try CLI.run(["policy", "test", Self.policy, "--cases", cases])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("FAIL prod, high reputation, fresh clean scan -> full access\n"), "\(result.stdout)")
        #expect(result.stdout.contains("effect: expected deny, got allow"))
        #expect(result.stdout.contains("privilege: expected sandbox, got full"))
        #expect(result.stdout.contains("required_checks: expected [manual_approval], got [standard_scan]"))
        #expect(!result.stdout.contains("codes: expected"), "the codes matched")
        #expect(result.stdout.contains("ok   prod, low reputation -> denied (seed rule)"))
        #expect(result.stdout.contains(" passed, 1 failed"))
        #expect(result.stderr.contains("1 of "), "\(result.stderr)")
    }

    @Test("Bad input to policy test exits 2: an invalid policy, a malformed or misspelt case file, no cases")
    func badInput() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try String(contentsOfFile: Self.cases, encoding: .utf8)

        let badPolicy = try Self.file("apiVersion: nope", in: directory, name: "policy.yaml")
        #expect(try CLI.run(["policy", "test", badPolicy, "--cases", Self.cases]).status == 2)

        let misspelt = try Self.file(
            original.replacingOccurrences(
                of: "expect: {effect: allow, privilege: full,",
                with: "expect: {effect: allow, privilige: full,"
            ),
            in: directory,
            name: "misspelt.yaml"
        )
        let unknown = try CLI.run(["policy", "test", Self.policy, "--cases", misspelt])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("cases[0].expect.privilige: unknown field"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("line "), "\(unknown.stderr)")

        let wrongEffect = try Self.file(
            original.replacingOccurrences(
                of: "expect: {effect: allow, privilege: full,",
                with: "expect: {effect: permit, privilege: full,"
            ),
            in: directory,
            name: "effect.yaml"
        )
        let effect = try CLI.run(["policy", "test", Self.policy, "--cases", wrongEffect])
        #expect(effect.status == 2)
        #expect(effect.stderr.contains("cases[0].expect.effect"), "\(effect.stderr)")

        let empty = try Self.file("cases: []", in: directory, name: "empty.yaml")
        #expect(try CLI.run(["policy", "test", Self.policy, "--cases", empty]).status == 2)
        #expect(try CLI.run(["policy", "test", Self.policy, "--cases", directory + "/absent.yaml"]).status == 2)
        #expect(try CLI.run(["policy", "test", Self.policy]).status == 2, "--cases is required")
    }
}
