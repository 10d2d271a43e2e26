import ArgumentParser
import Foundation
import Provenance
import Reputation

#if canImport(Glibc)
import Glibc
#endif

extension BenchCommand {
    /// `vmtrust bench engine` (hidden): the pure reputation engine's events per second by CPU time, on the event
    /// stream of Benchmarks/Benchmarks/ReputationBenchmarks (copied here so that it runs from the release CLI,
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
            var stream = BenchEventStream(prior: prior)
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

/// A deterministic stream of events: one provider per 100 prior events (so every provider has the same history
/// depth at both sizes), 100,000 users in 5,000 organisations, 10 auditors; releases, ratings, issue reports and
/// their triage, attestations, vulnerability reports (most resolved a few events later, every tenth left to breach
/// through the due-date queue), certifications. 30 s between events. Record ids are SHA-256 digests, as in a log.
struct BenchEventStream {
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
