import Provenance

/// The reputation state of one provider: its decayed evidence masses and the small state (certifications,
/// open obligations, timed caps, top contributions) its score is computed from.
///
/// One document per provider; an event touches it and at most a few others, whatever the log size.
public struct ProviderReputation: Sendable, Hashable, Codable {
    /// The provider id.
    public var id: String
    /// SEC evidence (including the initial-reputation prior and fired SLA breaches).
    public var security: Mass
    /// ATT evidence per auditor (each auditor's share is capped when the score is read).
    public var attestations: [String: Mass]
    /// Negative CMP evidence.
    public var complianceNegative: Mass
    /// FB evidence, uncapped (the r + s ≤ 20 cap is applied when read).
    public var feedback: Mass
    /// Verified certifications, one per type (a newer one of the same type replaces the older).
    public var certifications: [ActiveCertification]
    /// Open obligations (not yet resolved), breached or not.
    public var obligations: [OpenObligation]
    /// Caps with a fixed duration (confirmed compromise, forged certification).
    public var timedCaps: [TimedCap]
    /// The largest contributions, kept for explanations (at most ``ProviderReputation/topCapacity``).
    public var top: [TopContribution]
    /// The number of events applied to this provider.
    public var events: Int

    /// How many contributions ``top`` keeps.
    public static let topCapacity = 24

    /// A provider with no evidence.
    public init(id: String) {
        self.id = id
        self.security = Mass()
        self.attestations = [:]
        self.complianceNegative = Mass()
        self.feedback = Mass()
        self.certifications = []
        self.obligations = []
        self.timedCaps = []
        self.top = []
        self.events = 0
    }
}

/// A verified certification, counted fully while valid.
public struct ActiveCertification: Sendable, Hashable, Codable {
    /// The record that stated it.
    public var record: RecordID
    /// The type.
    public var type: CertificationType
    /// Its weight (from the parameters in force when it was recorded).
    public var weight: Double
    /// Start of validity (ms, inclusive).
    public var validFrom: Int64
    /// End of validity (ms, exclusive).
    public var validUntil: Int64

    /// Creates a certification.
    public init(record: RecordID, type: CertificationType, weight: Double, validFrom: Int64, validUntil: Int64) {
        self.record = record
        self.type = type
        self.weight = weight
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// Whether it counts at `time`.
    public func isValid(at time: Int64) -> Bool { validFrom <= time && time < validUntil }
}

/// An open obligation as the provider's document keeps it.
public struct OpenObligation: Sendable, Hashable, Codable {
    /// The report record.
    public var report: RecordID
    /// The due time (ms): report time + SLA.
    public var due: Int64
    /// The penalty w·m added to SEC s at the due time if still open.
    public var penalty: Double
    /// The cap while open and overdue, if any (from the parameters in force at the report).
    public var cap: Double?
    /// Why the cap applies.
    public var capReason: CapReason?
    /// Whether the breach has been fired into ``ProviderReputation/security``.
    public var breached: Bool

    /// Creates an open obligation.
    public init(
        report: RecordID,
        due: Int64,
        penalty: Double,
        cap: Double?,
        capReason: CapReason?,
        breached: Bool = false
    ) {
        self.report = report
        self.due = due
        self.penalty = penalty
        self.cap = cap
        self.capReason = capReason
        self.breached = breached
    }

    /// Whether it is overdue at `time` (strictly after the due time; a resolution at the due time is in time).
    public func isOverdue(at time: Int64) -> Bool { time > due }
}

/// Why a cap applies.
public enum CapReason: String, Sendable, Hashable, Codable {
    /// An open, overdue known-exploited or critical obligation.
    case overdueCritical = "overdue-critical"
    /// An open, overdue high obligation.
    case overdueHigh = "overdue-high"
    /// A confirmed compromise within 90 days.
    case compromise
    /// A forged certification within 180 days.
    case forgedCertification = "forged-certification"
}

/// A cap with a fixed duration.
public struct TimedCap: Sendable, Hashable, Codable {
    /// Why.
    public var reason: CapReason
    /// The cap on E.
    public var level: Double
    /// From (ms, inclusive).
    public var from: Int64
    /// Until (ms, exclusive).
    public var until: Int64
    /// The record that caused it.
    public var record: RecordID

    /// Creates a timed cap.
    public init(reason: CapReason, level: Double, from: Int64, until: Int64, record: RecordID) {
        self.reason = reason
        self.level = level
        self.from = from
        self.until = until
        self.record = record
    }
}

/// One record's contribution to a dimension, as it was at time `t` (it decays with its dimension).
///
/// Two contributions are equal when their record, dimension, masses and time are; the JSON holds these five.
public struct TopContribution: Sendable, Hashable, Codable {
    /// The record.
    public var record: RecordID
    /// The dimension.
    public var dimension: ReputationDimension
    /// Positive mass at `t`.
    public var r: Double {
        didSet { logWeight = Self.logWeight(r + s) }
    }
    /// Negative mass at `t`.
    public var s: Double {
        didSet { logWeight = Self.logWeight(r + s) }
    }
    /// When (ms).
    public var t: Int64
    /// ``logWeight(_:)`` of `r + s`, kept with the masses: the top-list scan
    /// (``ReputationEngine/smallestTop(_:at:_:)``) reads every entry's at every event, and the entries never change.
    /// Derived, so neither compared nor encoded.
    private(set) var logWeight: Double

    /// Creates a contribution.
    public init(record: RecordID, dimension: ReputationDimension, r: Double, s: Double, t: Int64) {
        self.record = record
        self.dimension = dimension
        self.r = r
        self.s = s
        self.t = t
        self.logWeight = Self.logWeight(r + s)
    }

    private enum CodingKeys: String, CodingKey {
        case record, dimension, r, s, t
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            record: try container.decode(RecordID.self, forKey: .record),
            dimension: try container.decode(ReputationDimension.self, forKey: .dimension),
            r: try container.decode(Double.self, forKey: .r),
            s: try container.decode(Double.self, forKey: .s),
            t: try container.decode(Int64.self, forKey: .t)
        )
    }

    public static func == (lhs: TopContribution, rhs: TopContribution) -> Bool {
        lhs.record == rhs.record && lhs.dimension == rhs.dimension && lhs.r == rhs.r && lhs.s == rhs.s && lhs.t == rhs.t
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(record)
        hasher.combine(dimension)
        hasher.combine(r)
        hasher.combine(s)
        hasher.combine(t)
    }

    /// An approximation of log₂(`weight`) within 8.3e-8 for a weight in [2⁻¹⁰⁰, 2¹⁰⁰]; NaN outside that range
    /// (negative, zero, infinite or NaN included), where no bound is promised.
    ///
    /// log₂(weight) = e + log₂(m) with m ∈ [1, 2) read from the bits, and log₂(m) = t · P(t²), t = (m − 1)/(m + 1)
    /// ∈ [0, 1/3], P of degree 3 fitted to minimise the largest error.
    static func logWeight(_ weight: Double) -> Double {
        let bits = weight.bitPattern
        // One unsigned comparison for the weight's range: the bit patterns of [2⁻¹⁰⁰, 2¹⁰⁰] are 0x39B0… to 0x4630…
        // (negative values have the sign bit set, NaN and infinities lie above every finite value).
        guard bits &- 0x39B0_0000_0000_0000 <= 0x4630_0000_0000_0000 - 0x39B0_0000_0000_0000 else { return .nan }
        let m = Double(bitPattern: bits & 0x000F_FFFF_FFFF_FFFF | 0x3FF0_0000_0000_0000)
        let e = Double(Int64(bitPattern: bits >> 52) &- 1023)
        let t = (m - 1) / (m + 1)
        let u = t * t
        var p = 0.5052879920887229
        p = p * u + 0.5689154459200819
        p = p * u + 0.9620559439341516
        p = p * u + 2.8853878742009216
        return e + t * p
    }
}

/// An active contribution with replace semantics: one per (rater, provider), per (auditor, subject, predicate
/// type), or per issue report.
public struct Contribution: Sendable, Hashable, Codable {
    /// The contribution key (see ``ContributionKey``).
    public var key: String
    /// The provider.
    public var provider: String
    /// The record that made it.
    public var record: RecordID
    /// The dimension (ATT or FB).
    public var dimension: ReputationDimension
    /// The positive mass it added at `t` (0 while held).
    public var r: Double
    /// The negative mass it added at `t` (0 while held).
    public var s: Double
    /// When it was (last) counted (ms).
    public var t: Int64
    /// The auditor (ATT).
    public var auditor: String?
    /// The feedback details (FB).
    public var feedback: FeedbackContribution?

    /// Creates a contribution.
    public init(
        key: String,
        provider: String,
        record: RecordID,
        dimension: ReputationDimension,
        r: Double,
        s: Double,
        t: Int64,
        auditor: String? = nil,
        feedback: FeedbackContribution? = nil
    ) {
        self.key = key
        self.provider = provider
        self.record = record
        self.dimension = dimension
        self.r = r
        self.s = s
        self.t = t
        self.auditor = auditor
        self.feedback = feedback
    }
}

/// The state of a feedback contribution.
public enum FeedbackState: String, Sendable, Hashable, Codable {
    /// A rating that counts.
    case counted
    /// An issue report not yet triaged (weight 0.25).
    case untriaged
    /// A confirmed issue report (weight 1).
    case confirmed
    /// Held at weight 0 (burst) until triaged.
    case held
}

/// What a feedback contribution needs to be re-weighted by triage.
public struct FeedbackContribution: Sendable, Hashable, Codable {
    /// The user.
    public var user: String
    /// The content.
    public var content: FeedbackContent
    /// c_u when it was made (after the cluster cap).
    public var credibility: Double
    /// Its state.
    public var state: FeedbackState
    /// The time it was made (ms); a rating may change at most once per 30 days after it.
    public var madeAt: Int64

    /// Creates feedback details.
    public init(user: String, content: FeedbackContent, credibility: Double, state: FeedbackState, madeAt: Int64) {
        self.user = user
        self.content = content
        self.credibility = credibility
        self.state = state
        self.madeAt = madeAt
    }
}

/// Contribution keys.
public enum ContributionKey {
    /// A user's rating of a provider: one voice per (user, provider).
    public static func rating(provider: String, user: String) -> String { "rating/\(provider)/\(user)" }
    /// An issue report: each report is its own contribution.
    ///
    /// `issue/` and the record id's text (``RecordID/description``, `sha256:<hex>`), written in place: each issue
    /// report interns a new key, and interpolating the id's text would build it apart first.
    public static func issue(_ record: RecordID) -> String { record.description(after: "issue/") }

    /// An attestation: one per (auditor, subject, predicate type) of a provider.
    public static func attestation(provider: String, auditor: String, subject: String, predicateType: String) -> String {
        "attestation/\(provider)/\(auditor)/\(subject)/\(predicateType)"
    }
}

/// An auditor's trust evidence: b_A = r_A/(r_A + s_A + 2), decaying with a 365-day half-life.
public struct AuditorTrust: Sendable, Hashable, Codable {
    /// The auditor id.
    public var id: String
    /// r_A, s_A.
    public var mass: Mass

    /// Creates an auditor's trust.
    public init(id: String, mass: Mass) {
        self.id = id
        self.mass = mass
    }

    /// b_A at `time`.
    public func trust(at time: Int64, _ history: ParameterHistory) -> Double {
        let m = mass.decayed(to: time, .auditor, history)
        return m.r / (m.r + m.s + 2)
    }
}

/// A user's credibility evidence: counts of their reports later confirmed (r_u) or rejected (s_u).
public struct UserCredibility: Sendable, Hashable, Codable {
    /// The user id.
    public var id: String
    /// Reports confirmed.
    public var confirmed: Double
    /// Reports rejected.
    public var rejected: Double

    /// Creates a user's credibility evidence.
    public init(id: String, confirmed: Double = 0, rejected: Double = 0) {
        self.id = id
        self.confirmed = confirmed
        self.rejected = rejected
    }

    /// c_u = (r_u + 2·a_u)/(r_u + s_u + 2), a_u = 0.5 verified, 0.1 unverified.
    public func credibility(verified: Bool, _ parameters: ReputationParameters) -> Double {
        let prior = verified ? parameters.feedback.verifiedPrior : parameters.feedback.unverifiedPrior
        return (confirmed + 2 * prior) / (confirmed + rejected + 2)
    }
}

/// The state of an obligation.
public enum ObligationState: String, Sendable, Hashable, Codable {
    /// Open, not yet due.
    case open
    /// Open and breached (the breach was fired).
    case breached
    /// Resolved within its SLA.
    case resolved
    /// Resolved after its breach (the cap is lifted).
    case resolvedLate = "resolved-late"
}

/// An obligation opened by a vulnerability or incident report.
public struct Obligation: Sendable, Hashable, Codable {
    /// The report record.
    public var report: RecordID
    /// The provider.
    public var provider: String
    /// The facts of the report.
    public var facts: ObligationFacts
    /// The report's integration time (ms): the SLA clock starts here.
    public var reportedAt: Int64
    /// The SLA (ms), from the parameters in force at the report.
    public var sla: Int64
    /// w, from the parameters in force at the report.
    public var weight: Double
    /// m, from the parameters in force at the report.
    public var multiplier: Double
    /// The state.
    public var state: ObligationState

    /// Creates an obligation.
    public init(
        report: RecordID,
        provider: String,
        facts: ObligationFacts,
        reportedAt: Int64,
        sla: Int64,
        weight: Double,
        multiplier: Double,
        state: ObligationState
    ) {
        self.report = report
        self.provider = provider
        self.facts = facts
        self.reportedAt = reportedAt
        self.sla = sla
        self.weight = weight
        self.multiplier = multiplier
        self.state = state
    }

    /// The due time.
    public var due: Int64 { reportedAt + sla }
}

/// An entry of the due-date queue: ordered by due time, then report record id.
public struct DueEntry: Sendable, Hashable, Codable, Comparable {
    /// The due time (ms).
    public var due: Int64
    /// The report record.
    public var report: RecordID

    /// Creates an entry.
    public init(due: Int64, report: RecordID) {
        self.due = due
        self.report = report
    }

    /// The store key: the due time zero-padded to 19 digits (``keyPrefix(due:)``), `/`, the record id (sorts in due
    /// order).
    public var key: String { Self.keyPrefix(due: due) + "/" + report.description }

    /// The due-time part of the keys of entries due at `due`: every key of an entry due earlier sorts before it,
    /// every key of an entry due then or later after it.
    public static func keyPrefix(due: Int64) -> String {
        let digits = String(max(0, due))
        return String(repeating: "0", count: max(0, 19 - digits.count)) + digits
    }

    public static func < (lhs: DueEntry, rhs: DueEntry) -> Bool {
        (lhs.due, lhs.report) < (rhs.due, rhs.report)
    }
}

/// Credibility granted to feedback from one cluster (organisation) in the trailing window.
public struct ClusterWindow: Sendable, Hashable, Codable {
    /// One grant.
    public struct Grant: Sendable, Hashable, Codable {
        /// When (ms).
        public var t: Int64
        /// Units of credibility.
        public var units: Double

        /// Creates a grant.
        public init(t: Int64, units: Double) {
            self.t = t
            self.units = units
        }
    }

    /// The cluster id.
    public var id: String
    /// The grants of the window (older ones are pruned on update); positive units summing to at most the cap.
    public var grants: [Grant]

    /// Creates a window.
    public init(id: String, grants: [Grant] = []) {
        self.id = id
        self.grants = grants
    }
}

/// A provider's feedback rates, for burst detection.
public struct FeedbackWindow: Sendable, Hashable, Codable {
    /// A count of feedback in one hour or day (index = time / bucket length).
    public struct Bucket: Sendable, Hashable, Codable {
        /// Hours or days since the epoch.
        public var index: Int64
        /// Feedback count.
        public var count: Int
        /// Of which from new accounts.
        public var fromNewAccounts: Int

        /// Creates a bucket.
        public init(index: Int64, count: Int = 0, fromNewAccounts: Int = 0) {
            self.index = index
            self.count = count
            self.fromNewAccounts = fromNewAccounts
        }
    }

    /// A counted feedback from a new account within the burst window (held retroactively if a burst starts).
    public struct Recent: Sendable, Hashable, Codable {
        /// When (ms).
        public var t: Int64
        /// Its contribution key.
        public var key: String

        /// Creates an entry.
        public init(t: Int64, key: String) {
            self.t = t
            self.key = key
        }
    }

    /// The provider.
    public var provider: String
    /// Hourly buckets of the burst window.
    public var hours: [Bucket]
    /// Daily buckets of the median window (and the current day).
    public var days: [Bucket]
    /// Counted feedback from new accounts within the burst window.
    public var recentFromNewAccounts: [Recent]

    /// An empty window.
    public init(provider: String) {
        self.provider = provider
        self.hours = []
        self.days = []
        self.recentFromNewAccounts = []
    }
}

/// The last release credit of a lineage.
public struct LineageCredit: Sendable, Hashable, Codable {
    /// `<provider>/<lineage root record id>`.
    public var key: String
    /// When the lineage was last credited (ms).
    public var lastCredit: Int64

    /// Creates a lineage credit.
    public init(key: String, lastCredit: Int64) {
        self.key = key
        self.lastCredit = lastCredit
    }

    /// The key of `provider`'s lineage with root `lineage`: `<provider>/<lineage root record id>`.
    public static func key(provider: String, lineage: RecordID) -> String { "\(provider)/\(lineage)" }
}
