/// Recomputes the reputation state from the events and compares it with a stored (incremental) state.
public enum ReputationReplay {
    /// The default tolerance on every figure, before rounding.
    public static let tolerance = 1e-9

    /// The state obtained by applying `events` in order to an empty state (in place: ``ReputationEngine/apply(_:to:)``).
    public static func replay(
        _ events: some Sequence<ReputationEvent>,
        engine: ReputationEngine = ReputationEngine()
    ) async throws -> InMemoryReputationState {
        replayed(events, engine: engine)
    }

    /// The state obtained by applying `events` in order to an empty state, without suspending.
    public static func replayed(
        _ events: some Sequence<ReputationEvent>,
        engine: ReputationEngine = ReputationEngine()
    ) -> InMemoryReputationState {
        var state = InMemoryReputationState()
        for event in events { engine.apply(event, to: &state) }
        return state
    }

    /// The figures of `providers` at `time` on which `stored` and `replayed` differ by more than `tolerance`
    /// (score, E, U, band, and P, u, r, s of each dimension), plus differences in presence, caps and parameter
    /// version. Empty when they agree.
    public static func differences(
        stored: some ReputationStateReader,
        replayed: some ReputationStateReader,
        providers: [String],
        at time: Int64,
        logSize: Int,
        tolerance: Double = ReputationReplay.tolerance,
        engine: ReputationEngine = ReputationEngine()
    ) async throws -> [ReputationDifference] {
        var out: [ReputationDifference] = []
        // The parameter history is one document per state: read (and decoded) once, not once per score.
        let storedHistory = try await stored.parameterHistory() ?? ParameterHistory()
        let replayedHistory = try await replayed.parameterHistory() ?? ParameterHistory()
        for provider in providers {
            let a = try await stored.provider(id: provider).map {
                ReputationScore($0, history: storedHistory, at: time, logSize: logSize)
            }
            let b = try await replayed.provider(id: provider).map {
                ReputationScore($0, history: replayedHistory, at: time, logSize: logSize)
            }
            guard let a, let b else {
                if (a == nil) != (b == nil) {
                    out.append(
                        ReputationDifference(provider: provider, figure: "presence", stored: a?.score, replayed: b?.score)
                    )
                }
                continue
            }
            out += compare(a, b, tolerance: tolerance)
        }
        return out
    }

    /// The figures on which two scores of the same provider differ by more than `tolerance`.
    public static func compare(_ a: ReputationScore, _ b: ReputationScore, tolerance: Double) -> [ReputationDifference] {
        var out: [ReputationDifference] = []
        func check(_ figure: String, _ x: Double, _ y: Double) {
            if !(abs(x - y) <= tolerance) {
                out.append(ReputationDifference(provider: a.provider, figure: figure, stored: x, replayed: y))
            }
        }
        check("score", a.score, b.score)
        check("E", a.expected, b.expected)
        check("U", a.uncertainty, b.uncertainty)
        check("band.low", a.bandLow, b.bandLow)
        check("band.high", a.bandHigh, b.bandHigh)
        for (x, y) in zip(a.dimensions, b.dimensions) {
            let name = x.dimension.rawValue
            check("\(name).P", x.expected, y.expected)
            check("\(name).u", x.uncertainty, y.uncertainty)
            check("\(name).r", x.r, y.r)
            check("\(name).s", x.s, y.s)
        }
        if a.caps != b.caps {
            out.append(
                ReputationDifference(provider: a.provider, figure: "caps", stored: a.cap, replayed: b.cap)
            )
        }
        if a.parametersVersion != b.parametersVersion {
            out.append(
                ReputationDifference(
                    provider: a.provider,
                    figure: "parametersVersion",
                    stored: Double(a.parametersVersion),
                    replayed: Double(b.parametersVersion)
                )
            )
        }
        return out
    }
}

/// One figure on which a stored and a replayed state disagree.
public struct ReputationDifference: Sendable, Hashable, CustomStringConvertible {
    /// The provider.
    public var provider: String
    /// The figure (e.g. `score`, `SEC.r`, `caps`).
    public var figure: String
    /// The stored value.
    public var stored: Double?
    /// The replayed value.
    public var replayed: Double?

    /// Creates a difference.
    public init(provider: String, figure: String, stored: Double?, replayed: Double?) {
        self.provider = provider
        self.figure = figure
        self.stored = stored
        self.replayed = replayed
    }

    public var description: String {
        "\(provider) \(figure): stored \(stored.map { "\($0)" } ?? "none"), replayed \(replayed.map { "\($0)" } ?? "none")"
    }
}
