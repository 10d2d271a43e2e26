import Foundation
import Provenance
import Reputation
import Testing

/// One rule of REPUTATION.md at a time.
@Suite struct ReputationRulesTests {
    static let day = T.day

    /// A runner with provider `p` onboarded (no prior) at t0.
    static func world() async throws -> Runner {
        var runner = Runner(roundTripJSON: true)
        try await runner.apply(
            ReputationEvent(time: T.t0, record: T.id("onboard"), provider: "p", kind: .providerOnboarded(initialReputation: nil))
        )
        return runner
    }

    static func event(_ name: String, _ day: Double, _ kind: ReputationEvent.Kind, provider: String? = "p") -> ReputationEvent {
        ReputationEvent(time: T.at(day), record: T.id(name), provider: provider, kind: kind)
    }

    static func attestation(_ auditor: String, subject: String = "img", type: String = "t", x: Double = 1) -> ReputationEvent.Kind
    {
        .attestation(AttestationFacts(auditor: auditor, subject: subject, predicateType: type, passFraction: x, scope: .image))
    }

    static func rating(
        _ user: String,
        _ v: Double,
        verified: Bool = true,
        cluster: String? = nil,
        proof: Bool = true
    ) -> ReputationEvent.Kind {
        .feedback(
            FeedbackFacts(
                user: user,
                content: .rating(v),
                verifiedIdentity: verified,
                userRegisteredAt: T.at(-400),
                cluster: cluster,
                proofOfUse: proof
            )
        )
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance }

    // MARK: ATT

    @Test func attestationReplacesTheSameAuditorSubjectAndType() async throws {
        var runner = try await Self.world()
        try await runner.apply(Self.event("a1", 0, .auditorOnboarded(auditor: "A", seed: 18), provider: nil))
        try await runner.apply(Self.event("b1", 0, .auditorOnboarded(auditor: "B", seed: 18), provider: nil))
        try await runner.apply(Self.event("att-b", 0, Self.attestation("B", subject: "other")))
        try await runner.apply(Self.event("att-b2", 0, Self.attestation("B", subject: "other2")))
        try await runner.apply(Self.event("att1", 0, Self.attestation("A", x: 1)))
        try await runner.apply(Self.event("att2", 10, Self.attestation("A", x: 0.5)))
        let score = try await runner.score("p", at: T.at(10))
        // B: 2 × 1.8 decayed 10 days; A: only the newer b_A·2·0.5 each way (b_A decayed 10 days, 365-day half-life).
        let f = pow(2, -10.0 / 90)
        let b = 18 * pow(2, -10.0 / 365) / (18 * pow(2, -10.0 / 365) + 2)
        #expect(Self.close(score[.att].r, 3.6 * f + b), "\(score[.att])")
        #expect(Self.close(score[.att].s, b))
        #expect(!score.top.contains { $0.record == T.id("att1") })
        // Another predicate type is another contribution.
        try await runner.apply(Self.event("att3", 10, Self.attestation("A", type: "u", x: 1)))
        let more = try await runner.score("p", at: T.at(10))
        #expect(Self.close(more[.att].r, 3.6 * f + 3 * b))
    }

    @Test func unknownAuditorMovesNothing() async throws {
        var runner = try await Self.world()
        try await runner.apply(Self.event("att", 1, Self.attestation("nobody")))
        let score = try await runner.score("p", at: T.at(1))
        #expect(score[.att].r == 0 && score[.att].s == 0)
        #expect(score.published == 50.0)
    }

    @Test func oneAuditorProvidesAtMostHalfOfTheEvidence() async throws {
        var runner = try await Self.world()
        try await runner.apply(Self.event("a", 0, .auditorOnboarded(auditor: "A", seed: 18), provider: nil))
        for index in 0..<3 {
            try await runner.apply(Self.event("att\(index)", 0, Self.attestation("A", subject: "img\(index)")))
        }
        // 5.4 from A alone: counted at most as much as the rest of the ATT evidence including the prior W = 2.
        let alone = try await runner.score("p", at: T.at(0))
        #expect(Self.close(alone[.att].r, 2))
        #expect(Self.close(alone[.att].expected, 0.75))
        try await runner.apply(Self.event("b", 0, .auditorOnboarded(auditor: "B", seed: 8), provider: nil))
        try await runner.apply(Self.event("attB", 0, Self.attestation("B", x: 0.5)))
        // B adds 0.8 each way: A is counted up to 1.6 + 2 = 3.6.
        let both = try await runner.score("p", at: T.at(0))
        #expect(Self.close(both[.att].r, 3.6 + 0.8))
        #expect(Self.close(both[.att].s, 0.8))
    }

    @Test func auditorTrustAdjustments() async throws {
        var runner = try await Self.world()
        try await runner.apply(Self.event("a", 0, .auditorOnboarded(auditor: "A", seed: nil), provider: nil))
        try await runner.apply(Self.event("agree", 0, .auditorAgreed(auditor: "A"), provider: nil))
        try await runner.apply(Self.event("bad", 0, .auditorPassedCompromised(auditor: "A"), provider: nil))
        let auditor = try #require(try await runner.state.auditor(id: "A"))
        #expect(auditor.mass.r == 9 && auditor.mass.s == 5)
        #expect(Self.close(auditor.trust(at: T.at(0), ParameterHistory()), 9.0 / 16))
        #expect(Self.close(auditor.trust(at: T.at(365), ParameterHistory()), 4.5 / 9.0))
        // Adjustments for an auditor never onboarded change nothing.
        try await runner.apply(Self.event("agree2", 0, .auditorAgreed(auditor: "Z"), provider: nil))
        #expect(try await runner.state.auditor(id: "Z") == nil)
    }

    // MARK: SEC

    @Test func releaseCreditAtMostOncePerLineagePerWeek() async throws {
        var runner = try await Self.world()
        let lineage = T.id("lineage")
        for (index, day) in [1.0, 3, 7.9, 8, 9].enumerated() {
            try await runner.apply(Self.event("rel\(index)", day, .releasePublished(lineage: lineage, clean: true)))
        }
        try await runner.apply(Self.event("dirty", 20, .releasePublished(lineage: T.id("other"), clean: false)))
        let score = try await runner.score("p", at: T.at(20))
        let expected = 0.5 * pow(2, -19.0 / 180) + 0.5 * pow(2, -12.0 / 180)
        #expect(Self.close(score[.sec].r, expected))
    }

    @Test func resolutionCreditFollowsQ() async throws {
        var runner = try await Self.world()
        let cases: [(Reputation.Severity, Bool, Double, Double)] = [
            (.critical, false, 6, 1),  // ρ = 0.2
            (.high, false, 10, 1 - (1.0 / 3 - 0.25) / 1.5),  // ρ = 1/3
            (.medium, false, 90, 0.5),  // ρ = 1, at the due time: still within the SLA
            (.low, true, 7, 1 - (0.5 - 0.25) / 1.5),  // known exploited: SLA 14 days
        ]
        for (index, (severity, exploited, days, q)) in cases.enumerated() {
            let start = Double(index * 200)
            let report = T.id("report\(index)")
            try await runner.apply(
                ReputationEvent(
                    time: T.at(start),
                    record: report,
                    provider: "p",
                    kind: .obligationOpened(ObligationFacts(severity: severity, knownExploited: exploited))
                )
            )
            let before = try await runner.score("p", at: T.at(start + days))
            try await runner.apply(Self.event("fix\(index)", start + days, .obligationResolved(report: report)))
            let after = try await runner.score("p", at: T.at(start + days))
            let w = ReputationParameters.defaults.security.severityWeights[severity]
            #expect(Self.close(after[.sec].r - before[.sec].r, w * q, 1e-9), "\(severity)")
            #expect(Self.close(after[.sec].s - before[.sec].s, w * (1 - q), 1e-9), "\(severity)")
            #expect(after.caps.isEmpty)
        }
        #expect(runner.state.queueCount == 0)
    }

    @Test func breachAddsPenaltyAndCapUntilFixed() async throws {
        var runner = try await Self.world()
        let report = T.id("kev")
        try await runner.apply(
            ReputationEvent(
                time: T.at(0),
                record: report,
                provider: "p",
                kind: .obligationOpened(ObligationFacts(kind: .incident, severity: .medium, knownExploited: true))
            )
        )
        // Due on day 14; the read on day 20 accounts for it before any event fires it.
        let overdue = try await runner.score("p", at: T.at(20))
        #expect(Self.close(overdue[.sec].s, 1 * 2 * pow(2, -6.0 / 180)))
        #expect(overdue.caps == [ReputationScore.ActiveCap(reason: .overdueCritical, level: 0.40, record: report)])
        #expect(overdue.score <= 40)
        try await runner.apply(Self.event("late-fix", 30, .obligationResolved(report: report)))
        let fixed = try await runner.score("p", at: T.at(30))
        #expect(fixed.caps.isEmpty)
        #expect(fixed[.sec].r == 0)
        #expect(Self.close(fixed[.sec].s, 2 * pow(2, -16.0 / 180)))
        let obligation = try #require(try await runner.state.obligation(report: report))
        #expect(obligation.state == .resolvedLate)
    }

    @Test func unaffectedOrForeignResolutionsChangeNothing() async throws {
        var runner = try await Self.world()
        try await runner.apply(
            Self.event("inactive", 0, .obligationOpened(ObligationFacts(severity: .critical, affectsActiveVersion: false)))
        )
        try await runner.apply(Self.event("crit", 0, .obligationOpened(ObligationFacts(severity: .critical))))
        try await runner.apply(Self.event("foreign-fix", 1, .obligationResolved(report: T.id("crit")), provider: "q"))
        #expect(runner.state.queueCount == 1)
        let score = try await runner.score("p", at: T.at(31))
        #expect(score.caps.map(\.record) == [T.id("crit")])
    }

    @Test func flawAndCompromise() async throws {
        var runner = try await Self.world()
        try await runner.apply(Self.event("flaw", 0, .flawIntroduced(.high)))
        try await runner.apply(Self.event("compromise", 0, .compromiseConfirmed))
        let now = try await runner.score("p", at: T.at(0))
        #expect(Self.close(now[.sec].s, 4 + 10))
        #expect(now.caps.map(\.level) == [0.10] && now.score <= 10)
        let later = try await runner.score("p", at: T.at(90))
        #expect(later.caps.isEmpty)
    }

    // MARK: CMP

    @Test func certificationsAreStateWhileValid() async throws {
        var runner = try await Self.world()
        let soc = CertificationFacts(type: .soc2Type2, validFrom: T.at(0), validUntil: T.at(100))
        try await runner.apply(Self.event("soc", 0, .certificationVerified(soc)))
        let high = CertificationFacts(type: .fedRAMPHigh, validFrom: T.at(0), validUntil: T.at(1000))
        try await runner.apply(Self.event("fedramp", 0, .certificationVerified(high)))
        #expect(try await runner.score("p", at: T.at(99))[.cmp].r == 5)
        #expect(try await runner.score("p", at: T.at(100))[.cmp].r == 3)
        // A newer certification of the same type replaces the older.
        let renewed = CertificationFacts(type: .soc2Type2, validFrom: T.at(100), validUntil: T.at(500))
        try await runner.apply(Self.event("soc2", 100, .certificationVerified(renewed)))
        #expect(try await runner.score("p", at: T.at(120))[.cmp].r == 5)
        // Revocation: disappears, s += 1. Revoking the replaced one changes nothing.
        try await runner.apply(Self.event("rev-old", 120, .certificationRevoked(certification: T.id("soc"))))
        try await runner.apply(Self.event("rev", 120, .certificationRevoked(certification: T.id("soc2"))))
        let revoked = try await runner.score("p", at: T.at(120))
        #expect(revoked[.cmp].r == 3 && revoked[.cmp].s == 1)
    }

    @Test func unverifiableAndForgedClaims() async throws {
        var runner = try await Self.world()
        try await runner.apply(Self.event("claim", 0, .certificationUnverifiable(.iso27001)))
        try await runner.apply(Self.event("forged", 0, .certificationForged(.pciDSS)))
        let now = try await runner.score("p", at: T.at(0))
        #expect(now[.cmp].s == 3)
        #expect(now.caps == [ReputationScore.ActiveCap(reason: .forgedCertification, level: 0.30, record: T.id("forged"))])
        #expect(try await runner.score("p", at: T.at(179.9)).caps.count == 1)
        let later = try await runner.score("p", at: T.at(180))
        #expect(later.caps.isEmpty)
        #expect(Self.close(later[.cmp].s, 3 * pow(2, -180.0 / 365)))
    }

    // MARK: FB

    @Test func oneVoicePerUserAndOneChangePer30Days() async throws {
        var runner = try await Self.world()
        try await runner.apply(Self.event("r1", 0, Self.rating("u", 1)))
        try await runner.apply(Self.event("r2", 10, Self.rating("u", -1)))
        let early = try await runner.score("p", at: T.at(10))
        #expect(Self.close(early[.fb].r, 0.5 * pow(2, -10.0 / 30)) && early[.fb].s == 0)
        try await runner.apply(Self.event("r3", 31, Self.rating("u", -1)))
        let changed = try await runner.score("p", at: T.at(31))
        #expect(Self.close(changed[.fb].r, 0, 1e-15) && Self.close(changed[.fb].s, 0.5))
        #expect(try await runner.state.contributionKey(record: T.id("r1")) == nil)
    }

    @Test func feedbackNeedsProofOfUse() async throws {
        var runner = try await Self.world()
        try await runner.apply(Self.event("r", 0, Self.rating("u", 1, proof: false)))
        let score = try await runner.score("p", at: T.at(0))
        #expect(score[.fb].r == 0 && score[.fb].s == 0)
    }

    @Test func clusterGetsTwoUnitsPer30Days() async throws {
        var runner = try await Self.world()
        for index in 0..<5 {
            try await runner.apply(Self.event("r\(index)", Double(index), Self.rating("u\(index)", 1, cluster: "org")))
        }
        // c = 0.5 each: 0.5, 0.5, 0.5, 0.5 = 2 units, the fifth gets nothing.
        let score = try await runner.score("p", at: T.at(4))
        let expected = (0..<4).reduce(0.0) { $0 + 0.5 * pow(2, -Double(4 - $1) / 30) }
        #expect(Self.close(score[.fb].r, expected))
        // 30 days after the first grant, units are free again.
        try await runner.apply(Self.event("r5", 30.5, Self.rating("u5", 1, cluster: "org")))
        let later = try await runner.score("p", at: T.at(30.5))
        #expect(Self.close(later[.fb].r, expected * pow(2, -26.5 / 30) + 0.5))
    }

    @Test func feedbackChannelIsCappedAt20() async throws {
        var runner = try await Self.world()
        for index in 0..<50 {
            try await runner.apply(Self.event("r\(index)", 0, Self.rating("u\(index)", index % 5 == 0 ? -1 : 1)))
        }
        let score = try await runner.score("p", at: T.at(0))
        #expect(Self.close(score[.fb].r + score[.fb].s, 20))
        #expect(Self.close(score[.fb].r / score[.fb].s, 4))
    }

    @Test func issueReportsWeighQuarterUntilTriaged() async throws {
        var runner = try await Self.world()
        for index in 0..<3 {
            let facts = FeedbackFacts(user: "u\(index)", content: .issue, verifiedIdentity: true, userRegisteredAt: T.at(-400))
            try await runner.apply(Self.event("issue\(index)", 0, .feedback(facts)))
        }
        #expect(Self.close(try await runner.score("p", at: T.at(0))[.fb].s, 3 * 0.25 * 0.5))
        try await runner.apply(Self.event("t0", 0, .feedbackTriage(target: T.id("issue0"), verdict: .confirm), provider: nil))
        try await runner.apply(Self.event("t1", 0, .feedbackTriage(target: T.id("issue1"), verdict: .reject), provider: nil))
        // Triaging twice changes nothing.
        try await runner.apply(Self.event("t1b", 0, .feedbackTriage(target: T.id("issue1"), verdict: .confirm), provider: nil))
        #expect(Self.close(try await runner.score("p", at: T.at(0))[.fb].s, 0.5 + 0.25 * 0.5))
        let confirmed = try #require(try await runner.state.user(id: "u0"))
        let rejected = try #require(try await runner.state.user(id: "u1"))
        #expect(confirmed.confirmed == 1 && confirmed.rejected == 0)
        #expect(rejected.confirmed == 0 && rejected.rejected == 1)
        #expect(Self.close(confirmed.credibility(verified: true, .defaults), 2.0 / 3))
        #expect(Self.close(rejected.credibility(verified: false, .defaults), 0.2 / 3))
    }

    @Test func burstFromNewAccountsIsHeldUntilTriaged() async throws {
        var runner = try await Self.world()
        // Established users, one a day for 30 days: median daily rate 1, threshold max(10, 5) = 10.
        for index in 0..<30 {
            try await runner.apply(Self.event("old\(index)", Double(index), Self.rating("old\(index)", 1)))
        }
        let before = try await runner.score("p", at: T.at(31))
        for index in 0..<12 {
            let facts = FeedbackFacts(
                user: "new\(index)",
                content: .rating(-1),
                verifiedIdentity: false,
                userRegisteredAt: T.at(29),
                cluster: "org\(index)"
            )
            try await runner.apply(Self.event("new\(index)", 30 + Double(index) / 100, .feedback(facts)))
        }
        // 12 in the last 24 hourly buckets (> 10), all from new accounts: all held, the ten counted before the
        // burst was seen included.
        let during = try await runner.score("p", at: T.at(31))
        #expect(Self.close(during[.fb].s, before[.fb].s, 1e-12))
        #expect(Self.close(during[.fb].r, before[.fb].r, 1e-12))
        // Triage releases one.
        try await runner.apply(
            Self.event("release", 30.2, .feedbackTriage(target: T.id("new0"), verdict: .confirm), provider: nil)
        )
        let released = try await runner.score("p", at: T.at(30.2))
        let c = 0.2 / 2.0
        #expect(Self.close(released[.fb].s, c, 1e-12))
    }

    // MARK: Parameters and state

    @Test func parametersRoundTripAndVersioning() async throws {
        let defaults = ReputationParameters.defaults
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(defaults)
        #expect(try JSONDecoder().decode(ReputationParameters.self, from: json) == defaults)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""fedramp-high":3"#))
        #expect(defaults.security.sla(.critical, knownExploited: false) == 30 * T.day)
        #expect(defaults.security.sla(.low, knownExploited: true) == 14 * T.day)
        #expect(abs(defaults.security.multiplier(knownExploited: false, epss: 0.05) - 1.05) < 1e-15)
        #expect(defaults.security.multiplier(knownExploited: true, epss: 0.05) == 2)
        #expect(Severity(cvss: 9.0) == .critical && Severity(cvss: 8.9) == .high && Severity(cvss: 0) == nil)

        var history = ParameterHistory()
        let same = history.publish(ReputationParameters(version: 1), at: T.t0)
        let newer = history.publish(ReputationParameters(version: 3, bandZ: 2), at: T.t0)
        let older = history.publish(ReputationParameters(version: 2), at: T.t0 + 1)
        #expect(!same && newer && !older)
        #expect(history.parameters(at: T.t0 - 1).version == 1)
        #expect(history.parameters(at: T.t0).version == 3)
    }

    @Test func changesNameTheirDocuments() throws {
        let entry = DueEntry(due: T.at(30), report: T.id("r"))
        #expect(entry.key == "000000" + String(T.at(30)) + "/" + T.id("r").description)
        let change = ReputationChange.due(entry, present: true)
        #expect(change.namespace == "reputation-due")
        #expect(try change.value() == [])
        #expect(try ReputationChange.due(entry, present: false).value() == nil)
        #expect(try ReputationChange.contribution(key: "k", nil).value() == nil)
        #expect(ReputationChange.provider(ProviderReputation(id: "acme")).key == "acme")
    }
}

@Suite struct ParameterRecordTests {
    @Test func defaultsRoundTripThroughARecord() throws {
        let values = ReputationParameters.defaults.recordValues
        #expect(values.count == ReputationParameters.recordNames.count)
        #expect(values.first { $0.name == "weights.sec" }?.thousandths == 400)
        #expect(values.first { $0.name == "halfLives.security" }?.thousandths == 180_000)
        #expect(values.first { $0.name == "compliance.certificationWeights.fedRAMPHigh" }?.thousandths == 3000)
        #expect(values.first { $0.name == "bandZ" }?.thousandths == 1645)
        let record = Record.reputationParameters(ReputationParametersRecord(version: 1, parameters: values, time: T.t0))
        guard
            case .reputationParameters(let decoded) = try Record.decode(
                payloadType: record.payloadType,
                payload: record.encoded()
            )
        else {
            Issue.record("not a parameters record")
            return
        }
        #expect(try ReputationParameters(record: decoded) == .defaults)
    }

    @Test func aPartialRecordChangesOnlyWhatItNames() throws {
        let record = ReputationParametersRecord(
            version: 2,
            parameters: [
                .init(name: "halfLives.feedback", thousandths: 45_000), .init(name: "feedback.channelCap", thousandths: 12_500),
            ],
            time: T.t0
        )
        var expected = ReputationParameters.defaults
        expected.version = 2
        expected.halfLives.feedback = 45
        expected.feedback.channelCap = 12.5
        #expect(try ReputationParameters(record: record) == expected)
    }

    @Test func badRecordsAreRefused() {
        let unknown = ReputationParametersRecord(version: 2, parameters: [.init(name: "weights.xyz", thousandths: 1)], time: 0)
        #expect(throws: ParameterRecordError(name: "weights.xyz", message: "not a reputation parameter")) {
            try ReputationParameters(record: unknown)
        }
        let fractionalDays = ReputationParametersRecord(
            version: 2,
            parameters: [.init(name: "feedback.changeIntervalDays", thousandths: 30_500)],
            time: 0
        )
        #expect(throws: ParameterRecordError.self) { try ReputationParameters(record: fractionalDays) }
    }
}
