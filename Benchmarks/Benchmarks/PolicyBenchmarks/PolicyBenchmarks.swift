// Issue 6: "In-process evaluation of a 20-rule policy: p99 under 50 µs". PolicyEngine.evaluate
// on a prod scope of 21 rules (image known, six provenance conditions, the seed's two rules,
// tiers with two tier-only attestation requirements, ten required attestations) against facts
// holding 40 attestations from 8 auditors, 2 of them withdrawn; the decision allows, so every
// rule runs to completion. A second benchmark picks the scope among 50 for the same request.
// The fixture is the PolicyWorkload target, which `vmtrust bench policy` also measures (without
// the malloc interposer this package links: it counts every allocation, ~870 per evaluation).
//
//   VMTRUST_PACKAGE_PATH=/tmp/vmtrust-snap swift package --disable-sandbox \
//       --scratch-path /tmp/vmtrust-bench-build benchmark --target PolicyBenchmarks
@preconcurrency import Benchmark
import Policy
import PolicyWorkload

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 1_000,
        maxDuration: .seconds(10),
        maxIterations: 200_000
    )
    let policy = try! PolicyFixture.policy(extraScopes: 0)
    let crowded = try! PolicyFixture.policy(extraScopes: 48)
    precondition(PolicyEngine.evaluate(policy, PolicyFixture.request, PolicyFixture.facts).effect == .allow)
    precondition(PolicyEngine.evaluate(crowded, PolicyFixture.request, PolicyFixture.facts).effect == .allow)

    Benchmark("evaluate: 21-rule scope, 40 attestations", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(PolicyEngine.evaluate(policy, PolicyFixture.request, PolicyFixture.facts))
        }
    }
    Benchmark("evaluate: same, 50 scopes to choose from", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(PolicyEngine.evaluate(crowded, PolicyFixture.request, PolicyFixture.facts))
        }
    }
    Benchmark(
        "parse + validate + canonicalize: the 21-rule policy",
        configuration: Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds, maxDuration: .seconds(5))
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! PolicyFixture.policy(extraScopes: 0))
        }
    }
}
