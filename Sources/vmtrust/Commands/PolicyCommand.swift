import ArgumentParser
import Foundation
import Policy

/// `vmtrust policy …`: check policy documents offline (validate, run fixture cases).
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate policies, run them against fixture cases, publish them (docs/POLICY-LANGUAGE.md).",
        subcommands: [Validate.self, Test.self, Publish.self]
    )

    /// Reads and validates a policy file; a refusal is bad input (exit 2) naming the file, line, column and field.
    static func load(_ path: String) throws -> Policy {
        let text = try Files.readText(path)
        do {
            return try Policy.parse(text)
        } catch {
            throw CLIError.input("\(path): \(error)")
        }
    }

    /// `vmtrust policy validate FILE`: exit 0 when valid, 2 with the error's line and field otherwise.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy document (YAML or JSON).",
            discussion: """
                Exit 0 when the policy is valid (its name, version, scopes and digest are printed); exit 2 when it \
                is not, with one line naming the line, column and field of the error.
                """
        )

        @Argument(help: "The policy file (YAML or JSON), or - for standard input.")
        var file: String

        @Flag(name: .long, help: "Print the policy's canonical JSON (the bytes that are signed and published).")
        var canonical = false

        func run() async throws {
            let policy = try PolicyCommand.load(file)
            if canonical {
                print(String(decoding: policy.canonicalJSON, as: UTF8.self))
                return
            }
            let document = policy.document
            print("ok: policy \"\(document.name)\" version \(document.version) is valid (digest \(policy.digest))")
            for scope in document.scopes {
                print("  scope \(scope.name): \(PolicyCommand.describe(scope.match)), mode \(scope.mode.rawValue)")
            }
        }
    }

    /// `vmtrust policy test FILE --cases CASES`: exit 0 when every case passes, 1 on a mismatch, 2 on bad input.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a policy against fixture cases (expected decisions for given requests and facts).",
            discussion: """
                Prints one line per case (ok or FAIL, and each field that differs: effect, privilege, codes, \
                required_checks) and a total. Exit 0 when every case passes, 1 when one does not, 2 when the policy \
                or the case file is not valid.
                """
        )

        @Argument(help: "The policy file (YAML or JSON).")
        var file: String

        @Option(name: .long, help: "The fixture-case file (YAML or JSON).")
        var cases: String

        func run() async throws {
            let policy = try PolicyCommand.load(file)
            let text = try Files.readText(cases)
            let suite: PolicyTestSuite
            do {
                suite = try PolicyTestSuite.parse(text)
            } catch {
                throw CLIError.input("\(cases): \(error)")
            }
            guard !suite.cases.isEmpty else { throw CLIError.input("\(cases): no cases") }
            let report = suite.run(policy)
            print(report.summary)
            if !report.allPassed {
                throw CLIError.verdict("\(report.failed) of \(report.results.count) cases do not match the policy")
            }
        }
    }

    /// `users alice, bob; environments prod` or `catch-all`.
    static func describe(_ match: ScopeMatch) -> String {
        guard !match.isCatchAll else { return "catch-all" }
        let dimensions: [(String, [String]?)] = [
            ("users", match.users), ("groups", match.groups), ("projects", match.projects),
            ("environments", match.environments),
        ]
        return dimensions.compactMap { name, values in
            values.map { "\(name) \($0.joined(separator: ", "))" }
        }.joined(separator: "; ")
    }
}
