// Issue 5: the pure reputation engine's cost per event and per score read, after 1,000 and after
// 1,000,000 prior events (in-memory state, documents kept as values). Flat cost = O(1) per event.
// One iteration = one event applied (engine.apply + state.apply), or one score read.
import Benchmark
import Provenance
import Reputation

/// A state with `prior` events applied, and a deterministic stream of further events: one provider per 100
/// prior events (so every provider has the same history depth at both sizes), 100,000 users, 10 auditors; releases, ratings, issue reports and their triage, attestations, vulnerability
/// reports (most resolved a few events later, every tenth left to breach), certifications. 30 s between events.
final class ReputationFixture: @unchecked Sendable {
    let engine = ReputationEngine()
    let providers: Int
    var state = InMemoryReputationState()
    var serial = 0
    var time: Int64 = 20_000 * millisecondsPerDay
    var openReports: [(RecordID, String)] = []
    var issues: [RecordID] = []

    init(prior: Int) { providers = max(10, prior / 100) }

    func id() -> RecordID {
        serial += 1
        var bytes = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: UInt64(serial).bigEndian) { bytes.replaceSubrange(24..<32, with: $0) }
        return RecordID(digest: bytes)!
    }

    func next() -> ReputationEvent {
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

    func step() async throws {
        let event = next()
        state.apply(try await engine.apply(event, state: state))
    }

    func populate(_ count: Int) async throws {
        for index in 0..<10 {
            let event = ReputationEvent(time: time, record: id(), provider: nil, kind: .auditorOnboarded(auditor: "a\(index)", seed: nil))
            state.apply(try await engine.apply(event, state: state))
        }
        for _ in 0..<count { try await step() }
    }

    func read() async throws -> ReputationScore? {
        serial += 1
        return try await engine.score(provider: "p\(serial % providers)", at: time, logSize: serial, state: state)
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 1_000,
        maxDuration: .seconds(5),
        maxIterations: 1_000_000
    )
    for prior in [1_000, 1_000_000] {
        let fixture = ReputationFixture(prior: prior)
        Benchmark(
            "reputation apply event (\(prior) prior events)",
            configuration: configuration,
            closure: { benchmark in
                for _ in benchmark.scaledIterations { try! await fixture.step() }
            },
            setup: { try await fixture.populate(prior) }
        )
        let readFixture = ReputationFixture(prior: prior)
        Benchmark(
            "reputation score read (\(prior) prior events)",
            configuration: configuration,
            closure: { benchmark in
                for _ in benchmark.scaledIterations { blackHole(try! await readFixture.read()) }
            },
            setup: { try await readFixture.populate(prior) }
        )
    }
}
