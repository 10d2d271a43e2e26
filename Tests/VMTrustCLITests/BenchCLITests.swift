import Foundation
import Testing

@Suite("Hidden benchmark helpers")
struct BenchCLITests {
    @Test("bench policy evaluates the shared fixture (an allow) and prints its latency percentiles and CPU time")
    func policy() throws {
        let result = try CLI.run(["bench", "policy", "--evaluations", "500", "--extra-scopes", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("policy: 5 scopes (21 rules in the matching one), 40 attestations, 500 evaluations"))
        let percentiles = result.stdout.split(separator: "\n").first { $0.hasPrefix("wall µs per evaluation:") }
        let values = (percentiles ?? "").split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .punctuationCharacters))
        }
        #expect(values.count == 6, "\(result.stdout)")
        #expect(values == values.sorted(), "percentiles must not decrease: \(values)")
        #expect(values.allSatisfy { $0 > 0 })
        #expect(result.stdout.contains("CPU µs per evaluation (mean): "))
    }

    @Test("bench policy refuses too few evaluations or a negative scope count: one line, exit 2")
    func policyBadInput() throws {
        for arguments in [["--evaluations", "5"], ["--extra-scopes", "-1"]] {
            let result = try CLI.run(["bench", "policy"] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
