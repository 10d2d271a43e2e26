import DeterministicRandom
import Foundation
import Provenance
import Reputation
import Testing

@Suite struct ReputationPropertyTests {
    /// Incremental state (documents round-tripped through JSON, queue read one entry per page, random timer
    /// ticks between events) equals the replay of the same events, at several reading times.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func incrementalEqualsReplay(seed: UInt64) async throws {
        var generator = RandomEvents(seed: seed)
        let events = generator.make(400)
        var incremental = Runner(roundTripJSON: true, engine: ReputationEngine(queuePageSize: 1))
        var rng = SplitMix64(seed: seed &* 7)
        for (index, event) in events.enumerated() {
            try await incremental.apply(event)
            if index + 1 < events.count, Bool.random(using: &rng) {
                let next = events[index + 1].time
                try await incremental.advance(to: Int64.random(in: event.time...next, using: &rng))
            }
        }
        let replayed = try await ReputationReplay.replay(events)
        let last = events[events.count - 1].time
        for offset in [0, 1, T.hour, 10 * T.day, 100 * T.day, 1000 * T.day] {
            let differences = try await ReputationReplay.differences(
                stored: incremental.state,
                replayed: replayed,
                providers: RandomEvents.providers,
                at: last + offset,
                logSize: events.count
            )
            #expect(differences.isEmpty, "\(differences.prefix(5))")
        }
        // The comparison can fail: a replay missing one event differs.
        let truncated = try await ReputationReplay.replay(events.dropLast(40))
        let differences = try await ReputationReplay.differences(
            stored: incremental.state,
            replayed: truncated,
            providers: RandomEvents.providers,
            at: last,
            logSize: events.count
        )
        #expect(!differences.isEmpty)
    }

    /// A provider's open obligations name distinct reports, even when an opening is logged again (firing looks a
    /// report up from the end of the array, which finds the only match only because of this): the repeats add none.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func openObligationsHaveDistinctReports(seed: UInt64) async throws {
        var generator = RandomEvents(seed: seed)
        let events = generator.make(400)
        let last = events[events.count - 1].time
        let openings = events.filter { event in
            if case .obligationOpened = event.kind { return true }
            return false
        }
        #expect(!openings.isEmpty)
        let repeated = openings.enumerated().map { index, event in
            var event = event
            event.time = last + 1 + Int64(index)
            return event
        }
        let state = ReputationReplay.replayed(events + repeated)
        let reference = ReputationReplay.replayed(events)
        var open = 0
        for id in RandomEvents.providers {
            let reports = try await state.provider(id: id)?.obligations.map(\.report) ?? []
            #expect(Set(reports).count == reports.count, "\(id)")
            open += reports.count
            let before = try await reference.provider(id: id)?.obligations.map(\.report) ?? []
            #expect(reports == before, "\(id)")
        }
        #expect(open > 0)
    }

    /// Each event writes a bounded number of documents (amortised: firing and burst holds touch each
    /// obligation or held contribution once).
    @Test func documentsPerEventAreBounded() async throws {
        var generator = RandomEvents(seed: 77)
        var state = InMemoryReputationState()
        let engine = ReputationEngine()
        var total = 0
        var largest = 0
        let events = generator.make(2_000)
        for event in events {
            let changes = try await engine.apply(event, state: state)
            state.apply(changes)
            total += changes.count
            largest = max(largest, changes.count)
        }
        // Measured: mean 2.85, largest 13 (a feedback that starts a burst and holds earlier ones).
        #expect(Double(total) / Double(events.count) < 4)
        #expect(largest <= 20)
    }

    /// Caps bound the score, and every figure is in range, on random streams.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func capsBoundTheScore(seed: UInt64) async throws {
        var generator = RandomEvents(seed: seed)
        var runner = Runner()
        for event in generator.make(300) {
            try await runner.apply(event)
            guard let provider = event.provider, RandomEvents.providers.contains(provider) else { continue }
            let score = try await runner.score(provider, at: event.time + T.day)
            #expect(score.score <= 100 * (score.cap ?? 1) + 1e-12)
            #expect(score.score >= 0 && score.score <= 100)
            #expect(score.bandLow <= score.score && score.score <= score.bandHigh)
            #expect(score.confidence >= 0 && score.confidence < 1)
            #expect(score[.fb].r + score[.fb].s <= 20 + 1e-9)
            for dimension in score.dimensions {
                #expect(dimension.r >= 0 && dimension.s >= 0)
                #expect(dimension.expected >= 0 && dimension.expected <= 1)
            }
        }
    }

    /// Without events, evidence only decays: r of every dimension and s of ATT, CMP, FB never grow with time
    /// (SEC s may grow when an obligation falls due: that is the breach timer).
    @Test(arguments: [21, 22] as [UInt64])
    func evidenceOnlyDecaysWithTime(seed: UInt64) async throws {
        var generator = RandomEvents(seed: seed)
        let events = generator.make(300)
        let state = try await ReputationReplay.replay(events)
        let engine = ReputationEngine()
        let last = events[events.count - 1].time
        for provider in RandomEvents.providers {
            var previous: ReputationScore?
            for step in 0..<40 {
                let time = last + Int64(step) * 5 * T.day
                let score = try #require(try await engine.score(provider: provider, at: time, logSize: 0, state: state))
                if let previous {
                    for dimension in ReputationDimension.allCases {
                        #expect(score[dimension].r <= previous[dimension].r + 1e-12)
                        if dimension != .sec { #expect(score[dimension].s <= previous[dimension].s + 1e-12) }
                    }
                }
                previous = score
            }
        }
    }

    /// Lazy decay is exact: the mass after many updates equals the sum of each credit decayed on its own, also
    /// across a parameter publication that changes the half-life (piecewise decay).
    @Test func decayIsExact() async throws {
        var rng = SplitMix64(seed: 99)
        var runner = Runner()
        try await runner.apply(
            ReputationEvent(time: T.t0, record: T.id("onboard"), provider: "p", kind: .providerOnboarded(initialReputation: nil))
        )
        var credits: [Int64] = []
        var time = T.t0
        let change = T.t0 + 200 * T.day
        var published = false
        for index in 0..<200 {
            time += Int64.random(in: 0...(3 * T.day), using: &rng)
            if !published, time >= change {
                let parameters = ReputationParameters(version: 2, halfLives: .init(security: 45))
                try await runner.apply(
                    ReputationEvent(time: change, record: T.id("v2"), provider: nil, kind: .parametersPublished(parameters))
                )
                published = true
            }
            // Distinct lineages: every clean release is credited.
            let event = ReputationEvent(
                time: time,
                record: T.id("release:\(index)"),
                provider: "p",
                kind: .releasePublished(lineage: T.id("lineage:\(index)"), clean: true)
            )
            try await runner.apply(event)
            credits.append(time)
        }
        let read = time + 30 * T.day
        func factor(_ from: Int64, _ to: Int64) -> Double {
            // 180 days before `change`, 45 after.
            let before = Double(max(0, min(to, change) - from)) / Double(180 * T.day)
            let after = Double(max(0, to - max(from, change))) / Double(45 * T.day)
            return pow(2, -(before + after))
        }
        let expected = credits.reduce(0) { $0 + 0.5 * factor($1, read) }
        let score = try await runner.score("p", at: read)
        #expect(abs(score[.sec].r - expected) <= 1e-12 * expected)
        #expect(score.parametersVersion == 2)
    }

    @Test func brandNewProvider() async throws {
        var runner = Runner()
        try await runner.apply(
            ReputationEvent(
                time: T.t0,
                record: T.id("onboard"),
                provider: "new",
                kind: .providerOnboarded(initialReputation: nil)
            )
        )
        let score = try await runner.score("new", at: T.t0 + 10 * T.day)
        #expect(score.published == 50.0)
        #expect(score.confidence == 0)
        #expect(rounded(score.bandLow, 1) == 2.5)
        #expect(rounded(score.bandHigh, 1) == 97.5)
        #expect(score.top.isEmpty)
        #expect(try await runner.engine.score(provider: "unknown", at: T.t0, logSize: 0, state: runner.state) == nil)
    }

    @Test func initialReputationIsDecayingSECEvidence() async throws {
        var runner = Runner()
        try await runner.apply(
            ReputationEvent(time: T.t0, record: T.id("onboard"), provider: "p", kind: .providerOnboarded(initialReputation: 70))
        )
        let now = try await runner.score("p", at: T.t0)
        #expect(abs(now[.sec].r - 1.4) < 1e-12 && abs(now[.sec].s - 0.6) < 1e-12)
        let later = try await runner.score("p", at: T.t0 + 180 * T.day)
        #expect(abs(later[.sec].r - 0.7) < 1e-12 && abs(later[.sec].s - 0.3) < 1e-12)
    }
}
