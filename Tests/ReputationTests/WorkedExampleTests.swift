import Foundation
import Provenance
import Reputation
import Testing

/// REPUTATION.md's worked example, rebuilt from engine events.
///
/// Conventions (REPUTATION.md "Conventions used" and docs/REPUTATION-NOTES.md): credits land at the event's
/// integration time; credibilities come from user history (verified users with 3 confirmed reports: c = 0.8;
/// unverified users with 4 confirmed reports: c = 0.7), built by reports about another provider long before
/// day 0; auditors are onboarded at their first attestation (A1 with r_A = 18, b = 0.9; A2 with the default
/// seed 8, b = 0.8), so that b is exactly the stated value when they attest; the initial-reputation prior is
/// left out (onboarding without one).
@Suite struct WorkedExampleTests {
    static let acme = "acme"
    static let other = "other"
    static let lineage = T.id("lineage:acme/base")
    static let criticalCVE = T.id("vuln:critical")
    static let highCVE = T.id("vuln:high")

    static func event(_ name: String, _ time: Int64, _ kind: ReputationEvent.Kind, provider: String? = acme) -> ReputationEvent {
        ReputationEvent(time: time, record: T.id(name), provider: provider, kind: kind)
    }

    /// Users' history: `count` confirmed issue reports about another provider, 200 days before day 0.
    static func history(user: String, verified: Bool, confirmed count: Int) -> [ReputationEvent] {
        var events: [ReputationEvent] = []
        for index in 0..<count {
            let name = "history:\(user):\(index)"
            let facts = FeedbackFacts(
                user: user,
                content: .issue,
                verifiedIdentity: verified,
                userRegisteredAt: T.at(-400)
            )
            events.append(event(name, T.at(-200, minutes: Int64(index)), .feedback(facts), provider: other))
            events.append(
                event("triage:\(name)", T.at(-199), .feedbackTriage(target: T.id(name), verdict: .confirm), provider: nil)
            )
        }
        return events
    }

    static func rating(
        _ user: String,
        _ time: Int64,
        verified: Bool,
        registered: Int64,
        cluster: String? = nil
    ) -> ReputationEvent {
        let facts = FeedbackFacts(
            user: user,
            content: .rating(1),
            verifiedIdentity: verified,
            userRegisteredAt: registered,
            cluster: cluster
        )
        return event("rating:\(user)", time, .feedback(facts))
    }

    /// The example's events, with the high CVE fixed on `highFixDay`, a compromise on `compromiseDay`, and
    /// `rawBurst` = a parameter set without damping (verified prior 1, no burst hold, no cluster cap) in force
    /// when the 30 burst accounts rate.
    static func events(highFixDay: Double = 95, compromiseDay: Double? = nil, rawBurst: Bool = false) -> [ReputationEvent] {
        var events: [ReputationEvent] = []
        for index in 0..<5 { events += history(user: "verified-\(index)", verified: true, confirmed: 3) }
        for index in 0..<2 { events += history(user: "reporter-\(index)", verified: false, confirmed: 4) }

        events.append(event("onboard:acme", T.at(0), .providerOnboarded(initialReputation: nil)))
        for type in [CertificationType.soc2Type2, .iso27001] {
            let facts = CertificationFacts(type: type, validFrom: T.at(0), validUntil: T.at(365))
            events.append(event("cert:\(type.rawValue)", T.at(0, minutes: 1), .certificationVerified(facts)))
        }
        var timed: [ReputationEvent] = []
        for day in [5.0, 35, 65, 95] {
            timed.append(event("release:\(day)", T.at(day), .releasePublished(lineage: lineage, clean: true)))
        }
        timed.append(event("auditor:A1", T.at(10), .auditorOnboarded(auditor: "A1", seed: 18), provider: nil))
        let pass = AttestationFacts(
            auditor: "A1",
            subject: "sha256:image",
            predicateType: "https://vmtrust.dev/audit/v1",
            passFraction: 1,
            scope: .image
        )
        timed.append(event("attest:A1", T.at(10), .attestation(pass)))
        timed.append(
            ReputationEvent(
                time: T.at(20),
                record: criticalCVE,
                provider: acme,
                kind: .obligationOpened(ObligationFacts(severity: .critical))
            )
        )
        timed.append(event("fix:critical", T.at(26), .obligationResolved(report: criticalCVE)))
        timed.append(event("cis:claim", T.at(40), .certificationUnverifiable(.cisHardened)))
        timed.append(
            ReputationEvent(
                time: T.at(50),
                record: highCVE,
                provider: acme,
                kind: .obligationOpened(ObligationFacts(severity: .high, epss: 0.05))
            )
        )
        for index in 0..<5 {
            timed.append(rating("verified-\(index)", T.at(60, minutes: Int64(index)), verified: true, registered: T.at(-400)))
        }
        if rawBurst {
            let raw = ReputationParameters(
                version: 2,
                feedback: ReputationParameters.Feedback(
                    verifiedPrior: 1,
                    clusterUnits: 1_000_000,
                    burstMinimum: 1_000_000
                )
            )
            timed.append(event("parameters:v2", T.at(60, minutes: 9), .parametersPublished(raw), provider: nil))
        }
        for index in 0..<30 {
            timed.append(
                rating(
                    "sybil-\(index)",
                    T.at(60, minutes: 10 + Int64(index)),
                    verified: rawBurst,
                    registered: T.at(59),
                    cluster: "sybil-org"
                )
            )
        }
        timed.append(event("auditor:A2", T.at(70), .auditorOnboarded(auditor: "A2", seed: nil), provider: nil))
        var partial = pass
        partial.auditor = "A2"
        partial.passFraction = 0.6
        timed.append(event("attest:A2", T.at(70), .attestation(partial)))
        for index in 0..<2 {
            let facts = FeedbackFacts(
                user: "reporter-\(index)",
                content: .issue,
                verifiedIdentity: false,
                userRegisteredAt: T.at(-400)
            )
            let name = "issue:\(index)"
            timed.append(event(name, T.at(85, minutes: Int64(index)), .feedback(facts)))
            timed.append(
                event(
                    "triage:\(name)",
                    T.at(85, minutes: 10 + Int64(index)),
                    .feedbackTriage(target: T.id(name), verdict: .confirm),
                    provider: nil
                )
            )
        }
        timed.append(event("fix:high", T.at(highFixDay), .obligationResolved(report: highCVE)))
        if let compromiseDay {
            timed.append(event("compromise", T.at(compromiseDay), .compromiseConfirmed))
        }
        // Stable by time: events of the same instant keep their order above.
        let ordered = timed.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        return events + ordered
    }

    static func run(_ events: [ReputationEvent], until time: Int64) async throws -> Runner {
        var runner = Runner(roundTripJSON: true)
        try await runner.apply(events.filter { $0.time <= time })
        return runner
    }

    @Test func credibilitiesAndAuditorTrustAreTheStatedOnes() async throws {
        let runner = try await Self.run(Self.events(), until: T.at(100))
        let verified = try #require(try await runner.state.user(id: "verified-0"))
        #expect(abs(verified.credibility(verified: true, .defaults) - 0.8) < 1e-15)
        let reporter = try #require(try await runner.state.user(id: "reporter-1"))
        // Confirmed on day 85 too: 5 confirmed now, but the report was weighed with c = 0.7 when made.
        #expect(reporter.confirmed == 5)
        let history = ParameterHistory()
        let a1 = try #require(try await runner.state.auditor(id: "A1"))
        #expect(abs(a1.trust(at: T.at(10), history) - 0.9) < 1e-15)
        let a2 = try #require(try await runner.state.auditor(id: "A2"))
        #expect(abs(a2.trust(at: T.at(70), history) - 0.8) < 1e-15)
    }

    @Test func day100MatchesTheTable() async throws {
        let runner = try await Self.run(Self.events(), until: T.at(100))
        let score = try await runner.score(Self.acme, at: T.at(100))
        let table: [(ReputationDimension, Double, Double, Double, Double)] = [
            (.sec, 3.920, 1.944, 0.626, 0.254),
            (.att, 1.662, 0.508, 0.638, 0.480),
            (.cmp, 4.000, 0.892, 0.725, 0.290),
            (.fb, 1.587, 0.990, 0.565, 0.437),
        ]
        for (dimension, r, s, p, u) in table {
            let figures = score[dimension]
            #expect(rounded(figures.r, 3) == r, "\(dimension) r \(figures.r)")
            #expect(rounded(figures.s, 3) == s, "\(dimension) s \(figures.s)")
            #expect(rounded(figures.expected, 3) == p, "\(dimension) P \(figures.expected)")
            #expect(rounded(figures.uncertainty, 3) == u, "\(dimension) u \(figures.uncertainty)")
        }
        #expect(score.published == 64.0)
        #expect(rounded(score.confidence, 3) == 0.655)
        #expect(score.bandLow.rounded() == 34)
        #expect(score.bandHigh.rounded() == 94)
        #expect(score.caps.isEmpty)
        #expect(score.parametersVersion == 1)
        #expect(score.logSize == runner.count)
    }

    @Test func day90IsCappedByTheOverdueHighCVE() async throws {
        let runner = try await Self.run(Self.events(), until: T.at(90))
        let score = try await runner.score(Self.acme, at: T.at(90))
        #expect(score.published == 60.0)
        #expect(rounded(score.expected * 100, 1) == 63.2)
        #expect(score.caps == [ReputationScore.ActiveCap(reason: .overdueHigh, level: 0.60, record: Self.highCVE)])
    }

    @Test func day90WithoutAnyEventAfterTheDueTimeIsTheSame() async throws {
        // No event after day 79: the breach is not fired in the state, the read accounts for it.
        let events = Self.events().filter { $0.time <= T.at(79) }
        let lazy = try await Self.run(events, until: T.at(79))
        var ticked = lazy
        try await ticked.advance(to: T.at(90))
        #expect(lazy.state.queueCount == 1)
        #expect(ticked.state.queueCount == 0)
        let a = try await lazy.score(Self.acme, at: T.at(90))
        let b = try await ticked.score(Self.acme, at: T.at(90))
        #expect(ReputationReplay.compare(a, b, tolerance: 1e-12).isEmpty)
        #expect(a.caps.map(\.reason) == [.overdueHigh])
        // Exactly at the due time the obligation is not yet overdue; one ms later it is.
        #expect(try await lazy.score(Self.acme, at: T.at(80)).caps.isEmpty)
        #expect(try await lazy.score(Self.acme, at: T.at(80) + 1).caps.count == 1)
    }

    @Test func counterfactualHighCVEFixedInTenDays() async throws {
        let runner = try await Self.run(Self.events(highFixDay: 60), until: T.at(100))
        let score = try await runner.score(Self.acme, at: T.at(100))
        #expect(score.published == 73.2)
    }

    @Test func counterfactualBurstCountedRaw() async throws {
        let runner = try await Self.run(Self.events(rawBurst: true), until: T.at(100))
        let score = try await runner.score(Self.acme, at: T.at(100))
        #expect(score.published == 68.7)
        #expect(score.parametersVersion == 2)
        // 5 × 0.8 + 30 × 1 on day 60 (minutes 0–4 and 10–39), decayed to day 100 with a 30-day half-life.
        let credits =
            (0..<5).map { (0.8, T.at(60, minutes: Int64($0))) } + (0..<30).map { (1.0, T.at(60, minutes: 10 + Int64($0))) }
        let expected = credits.reduce(0) { $0 + $1.0 * pow(2, -Double(T.at(100) - $1.1) / Double(30 * T.day)) }
        #expect(abs(score[.fb].r - expected) < 1e-12)
    }

    @Test func counterfactualCompromiseOnDay98() async throws {
        let runner = try await Self.run(Self.events(compromiseDay: 98), until: T.at(100))
        let score = try await runner.score(Self.acme, at: T.at(100))
        #expect(score.published == 10.0)
        #expect(rounded(score.expected * 100, 1) == 50.0)
        #expect(score.caps.map(\.reason) == [.compromise])
        #expect(score.caps.map(\.record) == [T.id("compromise")])
    }

    @Test func heldBurstMovesNothing() async throws {
        let withBurst = try await Self.run(Self.events(), until: T.at(100))
        let withoutBurst = try await Self.run(
            Self.events().filter { !($0.record.description.isEmpty) && !isSybil($0) },
            until: T.at(100)
        )
        let a = try await withBurst.score(Self.acme, at: T.at(100))
        let b = try await withoutBurst.score(Self.acme, at: T.at(100))
        #expect(ReputationReplay.compare(a, b, tolerance: 1e-12).isEmpty)
        #expect(a.top == b.top)
    }

    func isSybil(_ event: ReputationEvent) -> Bool {
        if case .feedback(let facts) = event.kind { return facts.user.hasPrefix("sybil-") }
        return false
    }

    @Test func explanationNamesTheLargestContributions() async throws {
        let runner = try await Self.run(Self.events(), until: T.at(100))
        let score = try await runner.score(Self.acme, at: T.at(100))
        // The critical fix (3 · 2^(−74/180) = 2.256) leads, then the certifications (2 each, not decayed).
        #expect(score.top[0].record == T.id("fix:critical"))
        #expect(abs(score.top[0].r - 3 * pow(2, -74.0 / 180)) < 1e-12)
        #expect(Set(score.top[1...2].map(\.record)) == [T.id("cert:soc2-type2"), T.id("cert:iso27001")])
        #expect(score.top[1].r == 2 && score.top[1].s == 0)
        #expect(score.top.count == ReputationScore.explanationSize)
    }

    @Test func replayEqualsIncremental() async throws {
        let events = Self.events(compromiseDay: 98)
        let incremental = try await Self.run(events, until: T.at(100))
        let replayed = try await ReputationReplay.replay(events)
        for day in [0.0, 30, 80, 80.5, 99, 100, 200] {
            let differences = try await ReputationReplay.differences(
                stored: incremental.state,
                replayed: replayed,
                providers: [Self.acme, Self.other],
                at: T.at(day),
                logSize: events.count
            )
            #expect(differences.isEmpty, "\(differences)")
        }
    }
}
