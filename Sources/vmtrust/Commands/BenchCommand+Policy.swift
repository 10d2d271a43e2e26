import ArgumentParser
import Foundation
import Policy
import PolicyWorkload

extension BenchCommand {
    /// `vmtrust bench policy` (hidden): the latency distribution of one in-process policy evaluation
    /// (``PolicyEngine/evaluate(_:_:_:)``) on the fixture of Benchmarks/Benchmarks/PolicyBenchmarks
    /// (``PolicyFixture``: a 21-rule scope, 40 attestations), from the release CLI. Unlike the ordo-one benchmark it
    /// links no malloc interposer, which counts each of an evaluation's allocations and so adds to every one.
    struct PolicyEvaluation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy",
            abstract: "Latency percentiles of one in-process policy evaluation (21 rules, 40 attestations)."
        )

        @Option(name: .long, help: "Evaluations measured, each timed on its own.")
        var evaluations: Int = 200_000

        @Option(name: .long, help: "Scopes besides the matching one and the catch-all (the ordo-one benchmark uses 0 and 48).")
        var extraScopes: Int = 0

        func run() async throws {
            guard evaluations >= 100, (0...10_000).contains(extraScopes) else {
                throw CLIError.input("--evaluations must be at least 100 and --extra-scopes within 0...10000")
            }
            let policy = try PolicyFixture.policy(extraScopes: extraScopes)
            let request = PolicyFixture.request
            let facts = PolicyFixture.facts
            let expected = PolicyEngine.evaluate(policy, request, facts)
            guard expected.effect == .allow else { throw CLIError.input("the fixture no longer allows: \(expected.effect)") }
            for _ in 0..<1_000 { blackHole(PolicyEngine.evaluate(policy, request, facts)) }

            var nanoseconds = [UInt64](repeating: 0, count: evaluations)
            let cpuStarted = Engine.cpuSeconds()
            for index in 0..<evaluations {
                let started = DispatchTime.now().uptimeNanoseconds
                blackHole(PolicyEngine.evaluate(policy, request, facts))
                nanoseconds[index] = DispatchTime.now().uptimeNanoseconds - started
            }
            let cpuPerEvaluation = (Engine.cpuSeconds() - cpuStarted) / Double(evaluations)
            nanoseconds.sort()
            func percentile(_ p: Double) -> String {
                let index = min(nanoseconds.count - 1, Int((p / 100 * Double(nanoseconds.count)).rounded(.up)) - 1)
                return String(format: "%.1f", Double(nanoseconds[max(0, index)]) / 1_000)
            }
            print(
                "policy: \(policy.document.scopes.count) scopes (21 rules in the matching one), "
                    + "\(facts.attestations.count) attestations, \(evaluations) evaluations"
            )
            print(
                "wall µs per evaluation: p0 \(percentile(0.0001)), p50 \(percentile(50)), p90 \(percentile(90)), "
                    + "p99 \(percentile(99)), p99.9 \(percentile(99.9)), max \(percentile(100))"
            )
            print("CPU µs per evaluation (mean): \(String(format: "%.1f", cpuPerEvaluation * 1e6))")
        }
    }
}

/// Keeps `value` alive without letting the optimiser drop the call that made it.
@inline(never)
private func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
