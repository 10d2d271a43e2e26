import Provenance
import Reputation

/// A deterministic stream of events: one provider per 100 prior events (so every provider has the same history
/// depth at both sizes), 100,000 users in 5,000 organisations, 10 auditors; releases, ratings, issue reports and
/// their triage, attestations, vulnerability reports (most resolved a few events later, every tenth left to breach
/// through the due-date queue), certifications. 30 s between events. Record ids are SHA-256 digests, as in a log.
public struct ReputationEventStream: Sendable {
    /// How many providers the events are spread over.
    public let providers: Int
    private var serial = 0
    private var time: Int64 = 20_000 * millisecondsPerDay
    private var openReports: [(RecordID, String)] = []
    private var issues: [RecordID] = []

    /// A stream sized for `prior` events before the measured ones (one provider per 100, at least 10).
    public init(prior: Int) { providers = max(10, prior / 100) }

    private mutating func id() -> RecordID {
        serial += 1
        return withUnsafeBytes(of: UInt64(serial).bigEndian) { RecordID(payload: $0) }
    }

    /// The onboarding events of the 10 auditors: apply them first.
    public mutating func onboardings() -> [ReputationEvent] {
        (0..<10).map { index in
            ReputationEvent(time: time, record: id(), provider: nil, kind: .auditorOnboarded(auditor: "a\(index)", seed: nil))
        }
    }

    /// The next event, 30 s after the previous one.
    public mutating func next() -> ReputationEvent {
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

    /// The next `count` events.
    public mutating func batch(_ count: Int) -> [ReputationEvent] { (0..<count).map { _ in next() } }
}
