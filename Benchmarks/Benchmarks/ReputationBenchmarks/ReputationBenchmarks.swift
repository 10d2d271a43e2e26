// Issue 5: the pure reputation engine.
// - apply: events per second on the in-place path (ReputationEngine.apply(_:to:), what replay uses) and on the ledger
//   path (ReputationEngine.apply(_:state:) + InMemoryReputationState.apply(changes)), after 1,000 and after
//   1,000,000 prior events. One iteration = 1,000 events (scaling factor kilo: figures are per event); the events
//   are generated before the measured part of each iteration.
// - read: a score read of a provider with 10 and with 10,000 contributions (O(1): the same cost).
import Benchmark
import Provenance
import Reputation
import ReputationWorkload

/// A state after `prior` events of the stream, applied on the in-place path; the stream continues from there.
final class InPlaceFixture: @unchecked Sendable {
    let engine = ReputationEngine()
    var stream: ReputationEventStream
    var state = InMemoryReputationState()
    let prior: Int

    init(prior: Int) {
        self.prior = prior
        stream = ReputationEventStream(prior: prior)
    }

    func populate() {
        for event in stream.onboardings() { engine.apply(event, to: &state) }
        for _ in 0..<prior { engine.apply(stream.next(), to: &state) }
    }

    func apply(_ events: [ReputationEvent]) {
        for event in events { engine.apply(event, to: &state) }
    }
}

/// The same on the ledger path: the engine reads the documents through `ReputationStateReader` and returns the
/// changes, which the state then applies.
final class LedgerPathFixture: @unchecked Sendable {
    let engine = ReputationEngine()
    var stream: ReputationEventStream
    var state = InMemoryReputationState()
    let prior: Int

    init(prior: Int) {
        self.prior = prior
        stream = ReputationEventStream(prior: prior)
    }

    func populate() async throws {
        for event in stream.onboardings() { state.apply(try await engine.apply(event, state: state)) }
        // Prior history on the in-place path (same documents, faster); measured events use the ledger path.
        for _ in 0..<prior { engine.apply(stream.next(), to: &state) }
    }

    func apply(_ events: [ReputationEvent]) async throws {
        for event in events { state.apply(try await engine.apply(event, state: state)) }
    }
}

/// Two providers with attestations by the same 10 auditors, two certifications and a full list of top contributions:
/// `small` with 10 contributions (attestations), `large` with 10,000 (ratings by distinct established users and
/// attestations of distinct images), plus their releases.
final class ReadFixture: @unchecked Sendable {
    let engine = ReputationEngine()
    var state = InMemoryReputationState()
    var time: Int64 = 20_000 * millisecondsPerDay
    var serial = 0

    func id() -> RecordID {
        serial += 1
        return withUnsafeBytes(of: UInt64(serial).bigEndian) { RecordID(payload: $0) }
    }

    func add(_ provider: String?, _ kind: ReputationEvent.Kind) {
        engine.apply(ReputationEvent(time: time, record: id(), provider: provider, kind: kind), to: &state)
    }

    func populate() {
        for index in 0..<10 { add(nil, .auditorOnboarded(auditor: "a\(index)", seed: nil)) }
        for (provider, contributions) in [("small", 10), ("large", 10_000)] {
            add(provider, .providerOnboarded(initialReputation: 60))
            for type in [CertificationType.soc2Type2, .iso27001] {
                add(
                    provider,
                    .certificationVerified(
                        CertificationFacts(type: type, validFrom: time, validUntil: time + 400 * millisecondsPerDay)
                    )
                )
            }
            for index in 0..<contributions {
                time += 60_000
                if index % 2 == 0 && contributions > 10 {
                    let facts = FeedbackFacts(
                        user: "\(provider)-u\(index)",
                        content: .stars(index % 5 + 1),
                        verifiedIdentity: true,
                        userRegisteredAt: 0
                    )
                    add(provider, .feedback(facts))
                } else {
                    let facts = AttestationFacts(
                        auditor: "a\((contributions > 10 ? index / 2 : index) % 10)",
                        subject: "\(provider)-img\(index)",
                        predicateType: "audit",
                        passFraction: 0.9,
                        scope: .image
                    )
                    add(provider, .attestation(facts))
                }
                if index % 100 == 0 {
                    add(provider, .releasePublished(lineage: RecordID(payload: Array("\(provider)-l\(index)".utf8)), clean: true))
                }
            }
        }
    }

    func read(_ provider: String) -> ReputationScore? {
        engine.score(provider: provider, at: time + 1_000, logSize: serial, in: state)
    }

    func readAsync(_ provider: String) async throws -> ReputationScore? {
        try await engine.score(provider: provider, at: time + 1_000, logSize: serial, state: state)
    }
}

let benchmarks: @Sendable () -> Void = {
    let batch = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        warmupIterations: 5,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 5_000
    )
    for prior in [1_000, 1_000_000] {
        let inPlace = InPlaceFixture(prior: prior)
        Benchmark(
            "apply in place, per event (\(prior) prior events)",
            configuration: batch,
            closure: { benchmark in
                let events = inPlace.stream.batch(benchmark.scaledIterations.count)
                benchmark.startMeasurement()
                inPlace.apply(events)
                benchmark.stopMeasurement()
            },
            setup: { inPlace.populate() }
        )
        let ledger = LedgerPathFixture(prior: prior)
        Benchmark(
            "apply ledger path, per event (\(prior) prior events)",
            configuration: batch,
            closure: { benchmark in
                let events = ledger.stream.batch(benchmark.scaledIterations.count)
                benchmark.startMeasurement()
                try! await ledger.apply(events)
                benchmark.stopMeasurement()
            },
            setup: { try await ledger.populate() }
        )
    }

    let read = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        warmupIterations: 1_000,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )
    let reads = ReadFixture()
    for (provider, contributions) in [("small", 10), ("large", 10_000)] {
        Benchmark(
            "score read, \(contributions) contributions",
            configuration: read,
            closure: { benchmark in
                for _ in benchmark.scaledIterations { blackHole(reads.read(provider)) }
            },
            setup: { if reads.state.providerIDs.isEmpty { reads.populate() } }
        )
        Benchmark(
            "score read through ReputationStateReader (async), \(contributions) contributions",
            configuration: read,
            closure: { benchmark in
                for _ in benchmark.scaledIterations { blackHole(try! await reads.readAsync(provider)) }
            },
            setup: { if reads.state.providerIDs.isEmpty { reads.populate() } }
        )
    }
}
