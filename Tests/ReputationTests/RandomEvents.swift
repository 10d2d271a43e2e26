import DeterministicRandom
import Provenance
import Reputation

/// Random but well-formed event streams: three providers, four auditors (one never onboarded), twelve users.
struct RandomEvents {
    var rng: SplitMix64
    var time: Int64 = T.t0
    var serial = 0
    var reports: [(RecordID, String)] = []
    var feedback: [RecordID] = []
    var certifications: [(RecordID, String)] = []
    var version = 1

    static let providers = ["p0", "p1", "p2"]
    static let auditors = ["a0", "a1", "a2", "a-unknown"]

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func id(_ prefix: String) -> RecordID {
        serial += 1
        return T.id("\(prefix):\(serial)")
    }

    mutating func pick<C: RandomAccessCollection>(_ collection: C) -> C.Element where C.Index == Int {
        collection[Int.random(in: 0..<collection.count, using: &rng)]
    }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    /// `count` events after the onboardings, times advancing by 0 to 3 days (often by minutes, to make bursts).
    mutating func make(_ count: Int) -> [ReputationEvent] {
        var events: [ReputationEvent] = []
        for provider in Self.providers {
            let initial: Double? = chance(0.5) ? Double(Int.random(in: 0...100, using: &rng)) : nil
            events.append(
                ReputationEvent(
                    time: time,
                    record: id("onboard"),
                    provider: provider,
                    kind: .providerOnboarded(initialReputation: initial)
                )
            )
        }
        for auditor in Self.auditors.dropLast() {
            let seed: Double? = chance(0.5) ? nil : Double.random(in: 1...20, using: &rng)
            events.append(
                ReputationEvent(
                    time: time,
                    record: id("auditor"),
                    provider: nil,
                    kind: .auditorOnboarded(auditor: auditor, seed: seed)
                )
            )
        }
        for _ in 0..<count {
            time +=
                chance(0.3) ? Int64.random(in: 0...(3 * T.day), using: &rng) : Int64.random(in: 0...(30 * T.minute), using: &rng)
            events.append(next())
        }
        return events
    }

    mutating func next() -> ReputationEvent {
        let provider = pick(Self.providers)
        func event(_ prefix: String, _ kind: ReputationEvent.Kind, provider: String? = provider) -> ReputationEvent {
            ReputationEvent(time: time, record: id(prefix), provider: provider, kind: kind)
        }
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<10:
            let lineage = T.id("lineage:\(provider):\(Int.random(in: 0..<3, using: &rng))")
            return event("release", .releasePublished(lineage: lineage, clean: chance(0.8)))
        case 10..<18:
            let facts = ObligationFacts(
                kind: chance(0.7) ? .vulnerability : .incident,
                severity: pick(Severity.allCases),
                knownExploited: chance(0.2),
                epss: chance(0.5) ? Double.random(in: 0...1, using: &rng) : nil,
                affectsActiveVersion: chance(0.9)
            )
            let e = event("report", .obligationOpened(facts))
            reports.append((e.record, provider))
            return e
        case 18..<26 where !reports.isEmpty:
            let (report, owner) = pick(reports)
            return event("resolve", .obligationResolved(report: report), provider: owner)
        case 26..<28:
            return event("flaw", .flawIntroduced(pick(Severity.allCases)))
        case 28..<29:
            return event("compromise", .compromiseConfirmed)
        case 29..<32:
            let auditor = pick(Self.auditors)
            return event(
                "auditor-outcome",
                chance(0.5) ? .auditorAgreed(auditor: auditor) : .auditorPassedCompromised(auditor: auditor),
                provider: nil
            )
        case 32..<50:
            let facts = AttestationFacts(
                auditor: pick(Self.auditors),
                subject: "image-\(Int.random(in: 0..<3, using: &rng))",
                predicateType: "type-\(Int.random(in: 0..<2, using: &rng))",
                passFraction: Double.random(in: 0...1, using: &rng),
                scope: chance(0.7) ? .image : .process
            )
            return event("attest", .attestation(facts))
        case 50..<56:
            let from = time - Int64.random(in: 0...(100 * T.day), using: &rng)
            let facts = CertificationFacts(
                type: pick(CertificationType.allCases),
                validFrom: from,
                validUntil: from + Int64.random(in: 1...(400 * T.day), using: &rng)
            )
            let e = event("cert", .certificationVerified(facts))
            certifications.append((e.record, provider))
            return e
        case 56..<58:
            return event("cert-bad", .certificationUnverifiable(pick(CertificationType.allCases)))
        case 58..<59:
            return event("cert-forged", .certificationForged(pick(CertificationType.allCases)))
        case 59..<62 where !certifications.isEmpty:
            let (certification, owner) = pick(certifications)
            return event("cert-revoke", .certificationRevoked(certification: certification), provider: owner)
        case 62..<88:
            let user = Int.random(in: 0..<12, using: &rng)
            let facts = FeedbackFacts(
                user: "u\(user)",
                content: chance(0.3)
                    ? .issue
                    : (chance(0.5)
                        ? .stars(Int.random(in: 1...5, using: &rng)) : .rating(Double.random(in: -1...1, using: &rng))),
                verifiedIdentity: user % 3 == 0,
                userRegisteredAt: user < 6 ? T.t0 - 400 * T.day : time - Int64.random(in: 0...(40 * T.day), using: &rng),
                cluster: user % 4 == 0 ? nil : "org\(user % 4)",
                proofOfUse: chance(0.95)
            )
            let e = event("feedback", .feedback(facts))
            feedback.append(e.record)
            return e
        case 88..<96 where !feedback.isEmpty:
            return event(
                "triage",
                .feedbackTriage(target: pick(feedback), verdict: chance(0.6) ? .confirm : .reject),
                provider: nil
            )
        case 96..<97:
            version += 1
            let parameters = ReputationParameters(
                version: version,
                halfLives: ReputationParameters.HalfLives(
                    security: Double.random(in: 30...365, using: &rng),
                    attestation: Double.random(in: 30...365, using: &rng),
                    feedback: Double.random(in: 10...90, using: &rng)
                )
            )
            return event("parameters", .parametersPublished(parameters), provider: nil)
        default:
            return event("release", .releasePublished(lineage: T.id("lineage:\(provider):x"), clean: true))
        }
    }
}
