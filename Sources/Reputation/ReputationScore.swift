import Foundation
import Provenance

/// A provider's score at a time, with its explanation (REPUTATION.md "Score" and "Explanation").
public struct ReputationScore: Sendable, Hashable, Codable {
    /// One dimension's evidence and expectation.
    public struct DimensionScore: Sendable, Hashable, Codable {
        /// The dimension.
        public var dimension: ReputationDimension
        /// P_k = (r + W·a)/(r + s + W).
        public var expected: Double
        /// u_k = W/(r + s + W).
        public var uncertainty: Double
        /// Positive mass at the time (after the ATT auditor-share and FB channel caps).
        public var r: Double
        /// Negative mass at the time (after the same caps).
        public var s: Double

        /// Creates a dimension score.
        public init(dimension: ReputationDimension, expected: Double, uncertainty: Double, r: Double, s: Double) {
            self.dimension = dimension
            self.expected = expected
            self.uncertainty = uncertainty
            self.r = r
            self.s = s
        }
    }

    /// A cap in force.
    public struct ActiveCap: Sendable, Hashable, Codable {
        /// Why.
        public var reason: CapReason
        /// The cap on E.
        public var level: Double
        /// The record that caused it.
        public var record: RecordID

        /// Creates a cap.
        public init(reason: CapReason, level: Double, record: RecordID) {
            self.reason = reason
            self.level = level
            self.record = record
        }
    }

    /// The provider.
    public var provider: String
    /// The time of the reading (ms).
    public var time: Int64
    /// The log size the score was computed at.
    public var logSize: Int
    /// The parameter-set version in force at ``time``.
    public var parametersVersion: Int
    /// 100 · min(cap, E), unrounded.
    public var score: Double
    /// E = Σ ω_k P_k.
    public var expected: Double
    /// U = Σ ω_k u_k.
    public var uncertainty: Double
    /// n = W/U − W: the equivalent amount of evidence.
    public var evidence: Double
    /// σ = sqrt(E(1−E)/(n + W + 1)).
    public var sigma: Double
    /// score − 100·z·σ, clipped to [0, 100].
    public var bandLow: Double
    /// score + 100·z·σ, clipped to [0, 100].
    public var bandHigh: Double
    /// The effective cap (the smallest in force), or `nil`.
    public var cap: Double?
    /// Per dimension, in SEC, ATT, CMP, FB order.
    public var dimensions: [DimensionScore]
    /// The caps in force with the records that caused them.
    public var caps: [ActiveCap]
    /// The largest contributions with their current (decayed) value, largest first (before the ATT share and FB
    /// channel caps).
    public var top: [TopContribution]

    /// C = 1 − U.
    public var confidence: Double { 1 - uncertainty }

    /// The score as published: rounded to 0.1.
    public var published: Double { (score * 10).rounded() / 10 }

    /// The dimension score of `dimension`.
    public subscript(_ dimension: ReputationDimension) -> DimensionScore {
        dimensions.first { $0.dimension == dimension }!
    }

    /// How many contributions an explanation lists.
    public static let explanationSize = 10

    /// The score of `provider` at `time` under `history`: a pure function of the document, which is itself a
    /// function of the events before `time`.
    ///
    /// Obligations of the document that are overdue at `time` but not yet fired add their breach (at their due
    /// time, decayed to `time`) exactly as firing would.
    public init(_ provider: ProviderReputation, history: ParameterHistory, at time: Int64, logSize: Int) {
        let parameters = history.parameters(at: time)
        let w = parameters.priorWeight
        let a = parameters.baseRate
        var top = provider.top.map { entry in
            let f = history.decay(entry.dimension.channel, from: entry.t, to: time)
            return TopContribution(record: entry.record, dimension: entry.dimension, r: entry.r * f, s: entry.s * f, t: time)
        }

        // SEC, with pending breaches and overdue caps.
        var security = provider.security.decayed(to: time, .security, history)
        var caps: [ActiveCap] = []
        for obligation in provider.obligations where obligation.isOverdue(at: time) {
            if !obligation.breached {
                let s = obligation.penalty * history.decay(.security, from: obligation.due, to: time)
                security.s += s
                top.append(TopContribution(record: obligation.report, dimension: .sec, r: 0, s: s, t: time))
            }
            if let level = obligation.cap, let reason = obligation.capReason {
                caps.append(ActiveCap(reason: reason, level: level, record: obligation.report))
            }
        }
        for cap in provider.timedCaps where cap.from <= time && time < cap.until {
            caps.append(ActiveCap(reason: cap.reason, level: cap.level, record: cap.record))
        }

        // ATT: each auditor counts at most `share` of the dimension's evidence, prior weight W included. Auditors
        // are summed in id order, so that equal documents give bit-for-bit equal scores (a dictionary's order is
        // not part of its value).
        let auditors = provider.attestations.sorted { $0.key < $1.key }.map { $0.value.decayed(to: time, .attestation, history) }
        let total = auditors.reduce(0) { $0 + max(0, $1.total) }
        let share = parameters.attestation.maxAuditorShare
        var attestation = Mass(r: 0, s: 0, t: time)
        for auditor in auditors {
            let mass = max(0, auditor.total)
            var k = 1.0
            if share < 1, mass > 0 {
                let limit = share / (1 - share) * (total - mass + w)
                if mass > limit { k = limit / mass }
            }
            attestation.r += max(0, auditor.r) * k
            attestation.s += max(0, auditor.s) * k
        }

        // CMP: valid certifications count fully; negative evidence decays.
        let negative = provider.complianceNegative.decayed(to: time, .complianceNegative, history)
        var compliance = Mass(r: 0, s: negative.s, t: time)
        for certification in provider.certifications where certification.isValid(at: time) {
            compliance.r += certification.weight
            top.append(TopContribution(record: certification.record, dimension: .cmp, r: certification.weight, s: 0, t: time))
        }

        // FB: capped at r + s ≤ 20, proportionally.
        var feedback = provider.feedback.decayed(to: time, .feedback, history)
        feedback.r = max(0, feedback.r)
        feedback.s = max(0, feedback.s)
        if feedback.total > parameters.feedback.channelCap {
            let k = parameters.feedback.channelCap / feedback.total
            feedback.r *= k
            feedback.s *= k
        }

        var dimensions: [DimensionScore] = []
        var expected = 0.0
        var uncertainty = 0.0
        for (dimension, mass) in [(ReputationDimension.sec, security), (.att, attestation), (.cmp, compliance), (.fb, feedback)] {
            let r = max(0, mass.r)
            let s = max(0, mass.s)
            let p = (r + w * a) / (r + s + w)
            let u = w / (r + s + w)
            dimensions.append(DimensionScore(dimension: dimension, expected: p, uncertainty: u, r: r, s: s))
            expected += parameters.weights[dimension] * p
            uncertainty += parameters.weights[dimension] * u
        }
        let cap = caps.map(\.level).min()
        let score = 100 * min(cap ?? 1, expected)
        let evidence = uncertainty > 0 ? w / uncertainty - w : .infinity
        let sigma = evidence.isFinite ? (max(0, expected * (1 - expected)) / (evidence + w + 1)).squareRoot() : 0

        self.provider = provider.id
        self.time = time
        self.logSize = logSize
        self.parametersVersion = parameters.version
        self.score = score
        self.expected = expected
        self.uncertainty = uncertainty
        self.evidence = evidence
        self.sigma = sigma
        self.bandLow = min(100, max(0, score - 100 * parameters.bandZ * sigma))
        self.bandHigh = min(100, max(0, score + 100 * parameters.bandZ * sigma))
        self.cap = cap
        self.dimensions = dimensions
        self.caps = caps.sorted { ($0.level, $0.record) < ($1.level, $1.record) }
        self.top = Array(
            top.sorted { ($0.r + $0.s, $1.record) > ($1.r + $1.s, $0.record) }.prefix(Self.explanationSize)
        )
    }
}
