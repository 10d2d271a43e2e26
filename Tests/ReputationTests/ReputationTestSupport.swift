import Foundation
import Provenance
import Reputation
import Testing

/// Times and ids for reputation tests.
enum T {
    static let day = millisecondsPerDay
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000
    /// Day 0 of the worked example (a UTC midnight).
    static let t0: Int64 = 20_000 * millisecondsPerDay

    /// The time of `day` (plus `minutes`).
    static func at(_ day: Double, minutes: Int64 = 0) -> Int64 { t0 + Int64(day * Double(millisecondsPerDay)) + minutes * minute }

    /// A record id derived from `name`.
    static func id(_ name: String) -> RecordID { RecordID(payload: Array(name.utf8)) }
}

/// Applies events one by one to an in-memory state.
struct Runner {
    var engine = ReputationEngine()
    var state: InMemoryReputationState
    var count = 0

    init(roundTripJSON: Bool = false, engine: ReputationEngine = ReputationEngine()) {
        self.engine = engine
        self.state = InMemoryReputationState(roundTripJSON: roundTripJSON)
    }

    mutating func apply(_ event: ReputationEvent) async throws {
        state.apply(try await engine.apply(event, state: state))
        count += 1
    }

    mutating func apply(_ events: [ReputationEvent]) async throws {
        for event in events { try await apply(event) }
    }

    mutating func advance(to time: Int64) async throws {
        state.apply(try await engine.advance(to: time, state: state))
    }

    func score(_ provider: String, at time: Int64) async throws -> ReputationScore {
        let score = try await engine.score(provider: provider, at: time, logSize: count, state: state)
        return try #require(score)
    }
}

/// Rounds to `places` decimals.
func rounded(_ value: Double, _ places: Int) -> Double {
    let scale = pow(10, Double(places))
    return (value * scale).rounded() / scale
}
