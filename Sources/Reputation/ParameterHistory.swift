import Foundation

/// Every published parameter set with the time it took effect: the engine uses the version in force at each
/// moment.
///
/// Decay across a publication is exact and piecewise: evidence last brought up to date at `t` and read at
/// `now` decays by the half-life in force on each stretch of `[t, now)`. The history is one small document
/// (one entry per publication), so this costs O(publications crossed), in practice one `exp2`.
public struct ParameterHistory: Sendable, Hashable, Codable {
    /// One version and the time (ms) it takes effect.
    public struct Entry: Sendable, Hashable, Codable {
        /// When it takes effect (ms); the defaults take effect at `Int64.min`.
        public var effectiveFrom: Int64
        /// The parameters.
        public var parameters: ReputationParameters

        /// Creates an entry.
        public init(effectiveFrom: Int64, parameters: ReputationParameters) {
            self.effectiveFrom = effectiveFrom
            self.parameters = parameters
        }
    }

    /// The versions in effect order (non-decreasing `effectiveFrom`); never empty.
    public private(set) var entries: [Entry]

    /// A history with `initial` in force from the beginning of time.
    public init(initial: ReputationParameters = .defaults) {
        self.entries = [Entry(effectiveFrom: Int64.min, parameters: initial)]
    }

    /// Publishes `parameters` from `time`. Returns `false` (and changes nothing) when the version is not greater
    /// than the current one or `time` is before the current version's start.
    @discardableResult
    public mutating func publish(_ parameters: ReputationParameters, at time: Int64) -> Bool {
        guard let last = entries.last, parameters.version > last.parameters.version, time >= last.effectiveFrom else {
            return false
        }
        entries.append(Entry(effectiveFrom: time, parameters: parameters))
        return true
    }

    /// The newest version.
    public var current: ReputationParameters { entries[entries.count - 1].parameters }

    /// The parameters in force at `time`.
    public func parameters(at time: Int64) -> ReputationParameters {
        var index = entries.count - 1
        while index > 0, entries[index].effectiveFrom > time { index -= 1 }
        return entries[index].parameters
    }

    /// The exact decay factor of `channel` from `from` to `to` (ms): Π 2^(−Δt_i/h_i) over the stretches of
    /// `[from, to)` under each version; 1 when `to <= from`.
    public func decay(_ channel: DecayChannel, from: Int64, to: Int64) -> Double {
        guard to > from else { return 1 }
        if entries.count == 1 || entries[entries.count - 1].effectiveFrom <= from {
            return Self.factor(to - from, halfLifeDays: entries[entries.count - 1].parameters.halfLives.days(channel))
        }
        var exponent = 0.0
        for (index, entry) in entries.enumerated() {
            let start = max(from, entry.effectiveFrom)
            let end = index + 1 < entries.count ? min(to, entries[index + 1].effectiveFrom) : to
            guard end > start else { continue }
            exponent += Double(end - start) / (entry.parameters.halfLives.days(channel) * Double(millisecondsPerDay))
        }
        return exp2(-exponent)
    }

    /// 2^(−Δt/h) with Δt in ms and h in days.
    static func factor(_ milliseconds: Int64, halfLifeDays: Double) -> Double {
        exp2(-Double(milliseconds) / (halfLifeDays * Double(millisecondsPerDay)))
    }
}

/// The parameters in force over a stretch of time `[from, until)` of a history, kept by reference: the rules read
/// them through it instead of copying the whole parameter set out of the history for each event.
final class ParametersInForce: Sendable {
    /// The parameters.
    let value: ReputationParameters
    /// When they take effect (ms).
    let from: Int64
    /// When the next version takes effect (ms; `Int64.max` for the newest).
    let until: Int64

    /// The parameters of `history` in force at `time`.
    init(_ history: ParameterHistory, at time: Int64) {
        let entries = history.entries
        var index = entries.count - 1
        while index > 0, entries[index].effectiveFrom > time { index -= 1 }
        value = entries[index].parameters
        from = entries[index].effectiveFrom
        until = index + 1 < entries.count ? entries[index + 1].effectiveFrom : Int64.max
    }

    /// Whether these are the parameters in force at `time`.
    func covers(_ time: Int64) -> Bool { from <= time && time < until }
}

/// Positive and negative evidence brought up to date at time `t`.
public struct Mass: Sendable, Hashable, Codable {
    /// Positive mass.
    public var r: Double
    /// Negative mass.
    public var s: Double
    /// When `r` and `s` were last brought up to date (ms).
    public var t: Int64

    /// Creates a mass.
    public init(r: Double = 0, s: Double = 0, t: Int64 = Int64.min) {
        self.r = r
        self.s = s
        self.t = t
    }

    /// The mass decayed to `time` (unchanged when `time <= t`).
    public func decayed(to time: Int64, _ channel: DecayChannel, _ history: ParameterHistory) -> Mass {
        guard time > t else { return self }
        guard r != 0 || s != 0 else { return Mass(r: 0, s: 0, t: time) }
        let f = history.decay(channel, from: t, to: time)
        return Mass(r: r * f, s: s * f, t: time)
    }

    /// Brings the mass up to `time` and adds `Δr`, `Δs` (which may be negative: a replaced contribution).
    public mutating func add(r dr: Double, s ds: Double, at time: Int64, _ channel: DecayChannel, _ history: ParameterHistory) {
        self = decayed(to: max(time, t), channel, history)
        r += dr
        s += ds
    }

    /// r + s.
    public var total: Double { r + s }
}

/// The decay of ``ParameterHistory/decay(_:from:to:)`` under the newest version, with that version's start and
/// scales read once: the top-contribution scan (``ReputationEngine/smallestTop(_:at:_:)``) decays every entry of the
/// list at every event, and most of the cost of a call of `decay` is outside its `exp2`.
struct NewestDecay {
    /// When the newest version took effect: a decay from no earlier than this is one `exp2`.
    private let start: Int64
    /// h · ms per day per dimension's channel, under the newest version.
    private let security: Double
    private let attestation: Double
    private let complianceNegative: Double
    private let feedback: Double
    /// 1 / scale per dimension (SEC, ATT, CMP, FB), for ``logValue(_:at:_:)``.
    private let inverses: (Double, Double, Double, Double)

    /// The newest version's decay of `history`.
    init(_ history: ParameterHistory) {
        let newest = history.entries.count - 1
        let halfLives = history.entries[newest].parameters.halfLives
        start = history.entries[newest].effectiveFrom
        security = halfLives.days(.security) * Double(millisecondsPerDay)
        attestation = halfLives.days(.attestation) * Double(millisecondsPerDay)
        complianceNegative = halfLives.days(.complianceNegative) * Double(millisecondsPerDay)
        feedback = halfLives.days(.feedback) * Double(millisecondsPerDay)
        inverses = (1 / security, 1 / attestation, 1 / complianceNegative, 1 / feedback)
    }

    /// `history.decay(dimension.channel, from: from, to: to)`, bit for bit: the same operations where it is one `exp2`
    /// of the newest version (or 1), else the history's own piecewise computation.
    @inline(__always)
    func decay(_ dimension: ReputationDimension, from: Int64, to: Int64, _ history: ParameterHistory) -> Double {
        guard from >= start else { return history.decay(dimension.channel, from: from, to: to) }
        guard to > from else { return 1 }
        let scale =
            dimension == .sec
            ? security : dimension == .att ? attestation : dimension == .cmp ? complianceNegative : feedback
        return exp2(-Double(to - from) / scale)
    }

    /// A bound on the distance between ``logValue(_:at:_:)`` and log₂ of the exact value
    /// `(entry.r + entry.s) · decay(entry.dimension, from: entry.t, to: time, history)`, with a margin of more than
    /// 100×: the logarithm's polynomial is within 8.3e-8 of log₂ on [1, 2), and the roundings (a few ulps of the
    /// exponent x ≤ 512 in both computations, an ulp each of `exp2` and of the products, the sums of at most 700)
    /// add less than 1e-12.
    static let logError = 0x1p-16

    /// An approximation, within ``logError``, of log₂ of the exact current value of `entry` at `time` (its `r + s`
    /// decayed as ``decay(_:from:to:_:)`` decays it): `log₂(r + s) − (time − t)/scale`, without `exp2` or `log2`
    /// (log₂(r + s) is the entry's ``TopContribution/logWeight``, computed once when the entry is made); NaN where no
    /// such bound is promised: a decay under an older version, an entry later than `time`, an exponent
    /// `(time − t)/scale` over 512 (or NaN), or `r + s` outside [2⁻¹⁰⁰, 2¹⁰⁰] (negative, zero, infinite or NaN
    /// included).
    @inline(__always)
    func logValue(_ entry: TopContribution, at time: Int64, _ inverses: UnsafePointer<Double>) -> Double {
        guard entry.t >= start, time >= entry.t else { return .nan }
        // Wrapping: a difference beyond `Int64.max` becomes negative, and x with it (above 512 as bits: 0x4080…).
        let x = Double(time &- entry.t) * inverses[Self.index(entry.dimension)]
        guard x.bitPattern <= 0x4080_0000_0000_0000 else { return .nan }
        // NaN when the weight is out of range.
        return entry.logWeight - x
    }

    /// The inverse scales `1 / scale` of ``index(_:)``'s dimensions, in that order, for ``logValue(_:at:_:)``.
    func writeInverses(to buffer: UnsafeMutableBufferPointer<Double>) {
        buffer[Self.index(.sec)] = inverses.0
        buffer[Self.index(.att)] = inverses.1
        buffer[Self.index(.cmp)] = inverses.2
        buffer[Self.index(.fb)] = inverses.3
    }

    /// The dimension's position in ``writeInverses(to:)``'s table: its tag (an enum without payloads is stored as the
    /// number of its case, in declaration order), read without a branch.
    @inline(__always)
    static func index(_ dimension: ReputationDimension) -> Int {
        Int(unsafeBitCast(dimension, to: UInt8.self))
    }
}
