import Foundation
import Provenance
import Reputation
import Testing

/// The two ways of applying events run the same rules: the ledger path (``ReputationEngine/apply(_:state:)``:
/// documents loaded from a reader, changes returned) and the in-place path (``ReputationEngine/apply(_:to:)``:
/// replay). They must reach identical documents, not merely close scores.
@Suite struct ReputationPathTests {
    /// Random streams: after every event the two states hold exactly the same documents and queue, and every
    /// score is bit-for-bit the same.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func inPlaceEqualsLedgerPath(seed: UInt64) async throws {
        var generator = RandomEvents(seed: seed)
        let events = generator.make(500)
        // A small page size makes the ledger path read the queue over several pages.
        let engine = ReputationEngine(queuePageSize: 2)
        var ledger = InMemoryReputationState()
        var inPlace = InMemoryReputationState()
        for (index, event) in events.enumerated() {
            ledger.apply(try await engine.apply(event, state: ledger))
            engine.apply(event, to: &inPlace)
            #expect(ledger == inPlace, "documents differ after event \(index): \(event.kind)")
            if ledger != inPlace { return }
        }
        let last = events[events.count - 1].time
        for offset in [0, T.hour, 40 * T.day, 400 * T.day] {
            for provider in RandomEvents.providers {
                let a = try await engine.score(provider: provider, at: last + offset, logSize: events.count, state: ledger)
                let b = engine.score(provider: provider, at: last + offset, logSize: events.count, in: inPlace)
                #expect(a == b)
                #expect(a != nil)
            }
        }
        // A timer tick: same queue and documents on both paths.
        let tick = last + 200 * T.day
        ledger.apply(try await engine.advance(to: tick, state: ledger))
        engine.advance(to: tick, in: &inPlace)
        #expect(ledger == inPlace)
        #expect(inPlace.queueCount == 0)
    }

    /// The comparison can fail: one event left out of one path shows.
    @Test func aMissingEventShows() async throws {
        var generator = RandomEvents(seed: 5)
        let events = generator.make(200)
        let engine = ReputationEngine()
        var ledger = InMemoryReputationState()
        for event in events { ledger.apply(try await engine.apply(event, state: ledger)) }
        let inPlace = ReputationReplay.replayed(events.dropLast())
        #expect(ledger != inPlace)
        #expect(ledger == ReputationReplay.replayed(events))
    }

    /// The in-place path over documents kept as JSON (as a store keeps them) equals the one over values.
    @Test(arguments: [31, 32] as [UInt64])
    func inPlaceOverJSONEqualsOverValues(seed: UInt64) async throws {
        var generator = RandomEvents(seed: seed)
        let events = generator.make(300)
        let engine = ReputationEngine()
        var values = InMemoryReputationState()
        var json = InMemoryReputationState(roundTripJSON: true)
        for event in events {
            engine.apply(event, to: &values)
            engine.apply(event, to: &json)
        }
        #expect(values.providerIDs == json.providerIDs)
        #expect(values.queueCount == json.queueCount)
        let last = events[events.count - 1].time
        for provider in values.providerIDs {
            let a = engine.score(provider: provider, at: last + T.day, logSize: events.count, in: values)
            let b = engine.score(provider: provider, at: last + T.day, logSize: events.count, in: json)
            #expect(a == b)
        }
    }

    /// The worked example (held burst, triage, breaches, the counterfactuals) on both paths: same documents, same
    /// scores.
    @Test(arguments: [false, true])
    func workedExampleOnBothPaths(counterfactuals: Bool) async throws {
        let streams =
            counterfactuals
            ? [
                WorkedExampleTests.events(highFixDay: 60), WorkedExampleTests.events(compromiseDay: 98),
                WorkedExampleTests.events(rawBurst: true),
            ]
            : [WorkedExampleTests.events()]
        let engine = ReputationEngine()
        for events in streams {
            var ledger = InMemoryReputationState()
            for event in events { ledger.apply(try await engine.apply(event, state: ledger)) }
            let inPlace = ReputationReplay.replayed(events)
            #expect(ledger == inPlace)
            for day in [60.0, 90, 100] {
                let a = try await engine.score(
                    provider: WorkedExampleTests.acme,
                    at: T.at(day),
                    logSize: events.count,
                    state: ledger
                )
                let b = engine.score(provider: WorkedExampleTests.acme, at: T.at(day), logSize: events.count, in: inPlace)
                #expect(a == b)
            }
        }
        if !counterfactuals {
            let state = ReputationReplay.replayed(WorkedExampleTests.events())
            let score = try #require(engine.score(provider: WorkedExampleTests.acme, at: T.at(100), logSize: 0, in: state))
            #expect(score.published == 64.0)
        }
    }

    /// A burst holds earlier feedback retroactively: on the ledger path that reads all their contributions at
    /// once, and the held documents are the same on both paths.
    @Test func burstHoldReadsTheWindowAtOnce() async throws {
        let events = WorkedExampleTests.events()
        let engine = ReputationEngine()
        var ledger = InMemoryReputationState()
        var held = 0
        for event in events {
            let changes = try await engine.apply(event, state: ledger)
            held +=
                changes.filter {
                    if case .contribution(_, let value) = $0, value?.feedback?.state == .held { return true }
                    return false
                }.count
            ledger.apply(changes)
        }
        #expect(held >= 30)
        #expect(ledger == ReputationReplay.replayed(events))
    }

    /// Ids containing `/` make different (provider, user) or (provider, auditor, subject, predicate type) name the
    /// same contribution key text (`rating/a/b/c`); on the ledger path they are one contribution, and the in-place
    /// path, which names keys by their parts, must agree, whichever is seen first.
    @Test(arguments: [false, true])
    func idsWithSlashesShareTheirContributionKey(reversed: Bool) async throws {
        var serial = 0
        func event(_ provider: String, _ kind: ReputationEvent.Kind, day: Double) -> ReputationEvent {
            serial += 1
            return ReputationEvent(time: T.at(day), record: T.id("slash \(serial)"), provider: provider, kind: kind)
        }
        func rating(_ user: String, _ stars: Int) -> ReputationEvent.Kind {
            .feedback(FeedbackFacts(user: user, content: .stars(stars), verifiedIdentity: true, userRegisteredAt: 0))
        }
        func attestation(_ auditor: String, _ subject: String) -> ReputationEvent.Kind {
            .attestation(AttestationFacts(auditor: auditor, subject: subject, predicateType: "t", passFraction: 1, scope: .image))
        }
        var pairs: [(String, ReputationEvent.Kind, String, ReputationEvent.Kind)] = [
            ("a/b", rating("c", 5), "a", rating("b/c", 1)),
            ("x/y", attestation("z", "s"), "x", attestation("y/z", "s")),
            ("m", attestation("n", "o/p"), "m", attestation("n/o", "p")),
        ]
        if reversed { pairs = pairs.map { ($0.2, $0.3, $0.0, $0.1) } }
        var events = [
            ReputationEvent(
                time: T.at(0),
                record: T.id("onboard"),
                provider: nil,
                kind: .auditorOnboarded(auditor: "z", seed: 5)
            )
        ]
        for (index, pair) in pairs.enumerated() { events.append(event(pair.0, pair.1, day: Double(index))) }
        for (index, pair) in pairs.enumerated() { events.append(event(pair.2, pair.3, day: Double(index) + 40)) }
        let engine = ReputationEngine()
        var ledger = InMemoryReputationState()
        var inPlace = InMemoryReputationState()
        for event in events {
            ledger.apply(try await engine.apply(event, state: ledger))
            engine.apply(event, to: &inPlace)
            #expect(ledger == inPlace, "documents differ after \(event.kind)")
        }
    }
}
