import Foundation
import Policy
import Testing

@Suite("Policy test suites: fixture cases")
struct PolicyTestSuiteTests {
    @Test func exampleCasesAllPass() throws {
        let policy = try Policy.parse(try Fixture.example("policy.yaml"))
        let suite = try PolicyTestSuite.parse(try Fixture.example("cases.yaml"))
        #expect(suite.cases.count >= 10)
        let report = suite.run(policy)
        #expect(report.allPassed, "\(report.summary)")
        #expect(report.summary.hasSuffix("\(suite.cases.count) passed, 0 failed"))
    }

    static let caseFile = """
        cases:
          - name: denied in prod
            request: {user: alice, environment: prod, image: "\(Fixture.image)", time: \(Fixture.now)}
            facts:
              image: {record: "\(Fixture.record("i"))", digest: "\(Fixture.image)", provider: acme, chain: [], chain_valid: true, versions_behind: 0}
              provider: {id: acme, suspended: false, key_valid: true}
              reputation: {provider: acme, score: 10, confidence: 0.5, band90_low: 0, band90_high: 30, parameter_version: 1}
              checkpoint: {size: 5, root_hash: AAAA}
            expect:
              effect: allow
              privilege: full
              codes: [attestation.missing]
              required_checks: [x]
        """

    @Test func mismatchesAreReportedPerField() throws {
        let policy = try Fixture.policy(rules: "reputation: {low: 40}\nallow_low_reputation: false")
        let report = try PolicyTestSuite.parse(Self.caseFile).run(policy)
        #expect(report.failed == 1)
        #expect(!report.allPassed)
        #expect(
            report.results[0].mismatches == [
                "effect: expected allow, got deny",
                "privilege: expected full, got none",
                "codes: expected [attestation.missing], got [reputation.below_low]",
                "required_checks: expected [x], got []",
            ]
        )
        #expect(report.summary.contains("FAIL denied in prod"))
        #expect(report.summary.hasSuffix("0 passed, 1 failed"))
    }

    @Test func badCaseFilesNameTheLineAndField() throws {
        let missing = Self.caseFile.replacingOccurrences(of: "      effect: allow\n", with: "")
        let error = #expect(throws: PolicyError.self) { try PolicyTestSuite.parse(missing) }
        #expect(error?.code == .missingField)
        #expect(error?.field == "cases[0].expect.effect")
        #expect(error?.line == 10)

        let wrongEffect = Self.caseFile.replacingOccurrences(of: "effect: allow", with: "effect: permit")
        let effectError = #expect(throws: PolicyError.self) { try PolicyTestSuite.parse(wrongEffect) }
        #expect(effectError?.field == "cases[0].expect.effect")
        #expect(effectError?.line == 10)

        let wrongTime = Self.caseFile.replacingOccurrences(of: "time: \(Fixture.now)", with: "time: soon")
        let timeError = #expect(throws: PolicyError.self) { try PolicyTestSuite.parse(wrongTime) }
        #expect(timeError?.field == "cases[0].request.time")
        #expect(timeError?.line == 3)

        let duplicate = Self.caseFile + "\n" + Self.caseFile.split(separator: "\n").dropFirst().joined(separator: "\n")
        let duplicateError = #expect(throws: PolicyError.self) { try PolicyTestSuite.parse(duplicate) }
        #expect(duplicateError?.field == "cases[1].name")
        #expect(duplicateError?.line == 14)

        let misspelt = Self.caseFile.replacingOccurrences(of: "privilege: full", with: "privilige: full")
        let misspeltError = #expect(throws: PolicyError.self) { try PolicyTestSuite.parse(misspelt) }
        #expect(misspeltError?.code == .unknownField)
        #expect(misspeltError?.field == "cases[0].expect.privilige")
        #expect(misspeltError?.line == 11)

        let deepTypo = Self.caseFile.replacingOccurrences(of: "key_valid: true", with: "key_vaild: true")
        let deepError = #expect(throws: PolicyError.self) { try PolicyTestSuite.parse(deepTypo) }
        #expect(deepError?.field == "cases[0].facts.provider.key_vaild")
        #expect(deepError?.line == 6)

        let duplicateKey = Self.caseFile.replacingOccurrences(of: "effect: allow\n", with: "effect: allow\n      effect: deny\n")
        let keyError = #expect(throws: PolicyError.self) { try PolicyTestSuite.parse(duplicateKey) }
        #expect(keyError?.code == .duplicateKey)
        #expect(keyError?.field == "cases[0].expect.effect")
    }
}
