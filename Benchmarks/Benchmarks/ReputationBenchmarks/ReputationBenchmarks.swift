// Issue 5: the pure reputation engine.
// - apply: events per second on the in-place path (ReputationEngine.apply(_:to:), what replay uses) and on the ledger
//   path (ReputationEngine.apply(_:state:) + InMemoryReputationState.apply(changes)), after 1,000 and after
//   1,000,000 prior events. One iteration = 1,000 events (scaling factor kilo: figures are per event); the events
//   are generated before the measured part of each iteration.
// - read: a score read of a provider with 10 and with 10,000 contributions (O(1): the same cost).
import Benchmark
import Provenance
import Reputation

/// A deterministic stream of events: one provider per 100 prior events (so every provider has the same history
/// depth at both sizes), 100,000 users in 5,000 organisations, 10 auditors; releases, ratings, issue reports and
/// their triage, attestations, vulnerability reports (most resolved a few events later, every tenth left to breach
/// through the due-date queue), certifications. 30 s between events. Record ids are SHA-256 digests, as in a log.
struct EventStream {
    let providers: Int
    var serial = 0
    var time: Int64 = 20_000 * millisecondsPerDay
    var openReports: [(RecordID, String)] = []
    var issues: [RecordID] = []

    init(prior: Int) { providers = max(10, prior / 100) }

    mutating func id() -> RecordID {
        serial += 1
        return withUnsafeBytes(of: UInt64(serial).bigEndian) { RecordID(payload: $0) }
    }

    mutating func onboardings() -> [ReputationEvent] {
        (0..<10).map { index in
            ReputationEvent(time: time, record: id(), provider: nil, kind: .auditorOnboarded(auditor: "a\(index)", seed: nil))
        }
    }

    mutating func next() -> ReputationEvent {
        time += 30_000
        let n = serial
        let provider = "p\(n % providers)"
        let record = id()
        let kind: ReputationEvent.Kind
        switch n % 20 {
        case 0, 1:
            kind = .releasePublished(lineage: RecordID(payload: Array("l\(n % 30_000)".utf8)), clean: true)
        case 2, 3, 4, 5, 6, 7:
            kind = .feedback(
                FeedbackFacts(
                    user: "u\(n % 100_000)",
                    content: .stars(n % 5 + 1),
                    verifiedIdentity: n % 3 == 0,
                    userRegisteredAt: time - Int64(n % 90) * millisecondsPerDay,
                    cluster: "org\(n % 5_000)"
                )
            )
        case 8:
            kind = .feedback(
                FeedbackFacts(user: "u\(n % 100_000)", content: .issue, verifiedIdentity: true, userRegisteredAt: 0)
            )
            issues.append(record)
        case 9 where !issues.isEmpty:
            return ReputationEvent(
                time: time,
                record: record,
                provider: nil,
                kind: .feedbackTriage(target: issues.removeFirst(), verdict: n % 3 == 0 ? .reject : .confirm)
            )
        case 10, 11, 12:
            kind = .attestation(
                AttestationFacts(
                    auditor: "a\(n % 10)",
                    subject: "img\(n % 50_000)",
                    predicateType: "audit",
                    passFraction: Double(n % 11) / 10,
                    scope: .image
                )
            )
        case 13:
            kind = .obligationOpened(
                ObligationFacts(severity: Severity.allCases[n % 4], knownExploited: n % 7 == 0, epss: 0.1)
            )
            if n % 10 != 3 { openReports.append((record, provider)) }
        case 14 where !openReports.isEmpty:
            let (report, owner) = openReports.removeFirst()
            return ReputationEvent(time: time, record: record, provider: owner, kind: .obligationResolved(report: report))
        case 15:
            kind = .certificationVerified(
                CertificationFacts(
                    type: CertificationType.allCases[n % 7],
                    validFrom: time,
                    validUntil: time + 365 * millisecondsPerDay
                )
            )
        default:
            kind = .releasePublished(lineage: RecordID(payload: Array("l\(n % 30_000)".utf8)), clean: n % 2 == 0)
        }
        return ReputationEvent(time: time, record: record, provider: provider, kind: kind)
    }

    mutating func batch(_ count: Int) -> [ReputationEvent] { (0..<count).map { _ in next() } }
}

/// A state after `prior` events of the stream, applied on the in-place path; the stream continues from there.
final class InPlaceFixture: @unchecked Sendable {
    let engine = ReputationEngine()
    var stream: EventStream
    var state = InMemoryReputationState()
    let prior: Int

    init(prior: Int) {
        self.prior = prior
        stream = EventStream(prior: prior)
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
    var stream: EventStream
    var state = InMemoryReputationState()
    let prior: Int

    init(prior: Int) {
        self.prior = prior
        stream = EventStream(prior: prior)
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
