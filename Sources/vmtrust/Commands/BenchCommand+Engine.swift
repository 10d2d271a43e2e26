import ArgumentParser
import Foundation
import Provenance
import Reputation
import ReputationWorkload

#if canImport(Glibc)
import Glibc
#endif

extension BenchCommand {
    /// `vmtrust bench engine` (hidden): the pure reputation engine's events per second by CPU time, on the event
    /// stream of Benchmarks/Benchmarks/ReputationBenchmarks (``ReputationEventStream``, shared with the ordo-one benchmark, so that it runs from the release CLI
    /// without building the benchmark package): in place (``ReputationEngine/apply(_:to:)``, what replay runs) and
    /// on the ledger path (``ReputationEngine/apply(_:state:)`` + applying the changes), after `--prior` events.
    struct Engine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engine",
            abstract: "Events per second of the reputation engine, by process CPU time."
        )

        @Option(name: .long, help: "Events applied before the measured ones.")
        var prior: Int = 100_000

        @Option(name: .long, help: "Events measured (in place; the ledger path measures a tenth).")
        var events: Int = 1_000_000

        @Option(name: .long, help: "Measured batches (the figures are per batch: min, median, max).")
        var rounds: Int = 5

        func run() async throws {
            guard prior >= 0, events >= rounds, rounds > 0 else { throw CLIError.input("bad --prior/--events/--rounds") }
            let engine = ReputationEngine()
            var stream = ReputationEventStream(prior: prior)
            var state = InMemoryReputationState()
            for event in stream.onboardings() { engine.apply(event, to: &state) }
            for _ in 0..<prior { engine.apply(stream.next(), to: &state) }
            var inPlace: [Double] = []
            for _ in 0..<rounds {
                let batch = stream.batch(events / rounds)
                let started = Self.cpuSeconds()
                for event in batch { engine.apply(event, to: &state) }
                inPlace.append((Self.cpuSeconds() - started) / Double(batch.count))
            }
            var ledger: [Double] = []
            for _ in 0..<rounds {
                let batch = stream.batch(max(1, events / rounds / 10))
                let started = Self.cpuSeconds()
                for event in batch { state.apply(try await engine.apply(event, state: state)) }
                ledger.append((Self.cpuSeconds() - started) / Double(batch.count))
            }
            func line(_ name: String, _ values: [Double]) -> String {
                let sorted = values.sorted()
                let median = sorted[sorted.count / 2]
                return
                    "\(name): \(String(format: "%.3f", median * 1e6)) µs CPU/event (min \(String(format: "%.3f", sorted[0] * 1e6)), "
                    + "max \(String(format: "%.3f", sorted[sorted.count - 1] * 1e6))) = \(Int(1 / median)) events/s per core"
            }
            print("prior events \(prior), \(state.providerIDs.count) providers, queue \(state.queueCount)")
            print(line("in place   ", inPlace))
            print(line("ledger path", ledger))
        }

        /// The process's CPU time (user + system), seconds.
        static func cpuSeconds() -> Double {
            var spec = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        }
    }
}
