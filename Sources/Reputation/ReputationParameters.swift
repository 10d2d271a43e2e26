/// Milliseconds in a day.
public let millisecondsPerDay: Int64 = 86_400_000

/// A reputation dimension.
public enum ReputationDimension: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Security handling.
    case sec = "SEC"
    /// Auditor attestations.
    case att = "ATT"
    /// Compliance certifications.
    case cmp = "CMP"
    /// User feedback.
    case fb = "FB"

    public static func < (lhs: ReputationDimension, rhs: ReputationDimension) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A vulnerability or incident severity (CVSS bands).
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable {
    /// CVSS 9.0–10.0.
    case critical
    /// CVSS 7.0–8.9.
    case high
    /// CVSS 4.0–6.9.
    case medium
    /// CVSS 0.1–3.9.
    case low

    /// The band of a CVSS base score; `nil` outside (0, 10] (CVSS "none" or an invalid score).
    public init?(cvss: Double) {
        switch cvss {
        case 9.0...10.0: self = .critical
        case 7.0..<9.0: self = .high
        case 4.0..<7.0: self = .medium
        case 0.1..<4.0: self = .low
        default: return nil
        }
    }
}

/// The versioned parameter set of the reputation model (REPUTATION.md); every constant of the model is here.
///
/// Durations are in days, half-lives as `Double` days. The defaults are REPUTATION.md's. A parameter set is
/// published as a record; the engine uses the version in force at each event, and every score names the
/// version it was computed with.
public struct ReputationParameters: Sendable, Hashable, Codable {
    /// The version (strictly increasing across publications).
    public var version: Int
    /// W: the prior weight of the base rate.
    public var priorWeight: Double
    /// a: the base rate (the expected quality of a provider with no evidence).
    public var baseRate: Double
    /// Half-lives in days.
    public var halfLives: HalfLives
    /// ω: the dimension weights of the score.
    public var weights: DimensionWeights
    /// SEC: security handling.
    public var security: Security
    /// ATT: auditor attestations and auditor trust.
    public var attestation: Attestation
    /// CMP: compliance certifications.
    public var compliance: Compliance
    /// FB: user feedback, credibility and damping.
    public var feedback: Feedback
    /// The z value of the published band: band90 = score ± 100·z·σ.
    public var bandZ: Double

    /// Creates a parameter set; every argument defaults to REPUTATION.md.
    public init(
        version: Int = 1,
        priorWeight: Double = 2,
        baseRate: Double = 0.5,
        halfLives: HalfLives = HalfLives(),
        weights: DimensionWeights = DimensionWeights(),
        security: Security = Security(),
        attestation: Attestation = Attestation(),
        compliance: Compliance = Compliance(),
        feedback: Feedback = Feedback(),
        bandZ: Double = 1.645
    ) {
        self.version = version
        self.priorWeight = priorWeight
        self.baseRate = baseRate
        self.halfLives = halfLives
        self.weights = weights
        self.security = security
        self.attestation = attestation
        self.compliance = compliance
        self.feedback = feedback
        self.bandZ = bandZ
    }

    /// REPUTATION.md's parameter set, version 1.
    public static let defaults = ReputationParameters()

    /// Half-lives in days.
    public struct HalfLives: Sendable, Hashable, Codable {
        /// SEC evidence (positive and negative).
        public var security: Double
        /// ATT evidence.
        public var attestation: Double
        /// FB evidence.
        public var feedback: Double
        /// Negative CMP evidence (valid certifications are state and do not decay).
        public var complianceNegative: Double
        /// Auditor trust evidence r_A, s_A.
        public var auditor: Double

        /// Creates half-lives (defaults: 180, 90, 30, 365, 365 days).
        public init(
            security: Double = 180,
            attestation: Double = 90,
            feedback: Double = 30,
            complianceNegative: Double = 365,
            auditor: Double = 365
        ) {
            self.security = security
            self.attestation = attestation
            self.feedback = feedback
            self.complianceNegative = complianceNegative
            self.auditor = auditor
        }

        /// The half-life of a decayed evidence channel, in days.
        public func days(_ channel: DecayChannel) -> Double {
            switch channel {
            case .security: security
            case .attestation: attestation
            case .feedback: feedback
            case .complianceNegative: complianceNegative
            case .auditor: auditor
            }
        }
    }

    /// ω per dimension.
    public struct DimensionWeights: Sendable, Hashable, Codable {
        /// SEC (0.40).
        public var sec: Double
        /// ATT (0.25).
        public var att: Double
        /// CMP (0.20).
        public var cmp: Double
        /// FB (0.15).
        public var fb: Double

        /// Creates weights (defaults 0.40, 0.25, 0.20, 0.15).
        public init(sec: Double = 0.40, att: Double = 0.25, cmp: Double = 0.20, fb: Double = 0.15) {
            self.sec = sec
            self.att = att
            self.cmp = cmp
            self.fb = fb
        }

        /// ω_k.
        public subscript(_ dimension: ReputationDimension) -> Double {
            switch dimension {
            case .sec: sec
            case .att: att
            case .cmp: cmp
            case .fb: fb
            }
        }
    }

    /// A value per severity.
    public struct SeverityTable: Sendable, Hashable, Codable {
        /// Critical.
        public var critical: Double
        /// High.
        public var high: Double
        /// Medium.
        public var medium: Double
        /// Low.
        public var low: Double

        /// Creates a table.
        public init(critical: Double, high: Double, medium: Double, low: Double) {
            self.critical = critical
            self.high = high
            self.medium = medium
            self.low = low
        }

        /// The value for `severity`.
        public subscript(_ severity: Severity) -> Double {
            switch severity {
            case .critical: critical
            case .high: high
            case .medium: medium
            case .low: low
            }
        }
    }

    /// SEC constants.
    public struct Security: Sendable, Hashable, Codable {
        /// Credit for a clean release with provenance (r += 0.5).
        public var releaseCredit: Double
        /// At most one release credit per lineage per this many days (7).
        public var releaseCreditIntervalDays: Int64
        /// w per severity: critical 3, high 2, medium 1, low 0.5.
        public var severityWeights: SeverityTable
        /// m for a known-exploited vulnerability (2); otherwise 1 + EPSS when given, else 1.
        public var knownExploitedMultiplier: Double
        /// SLA days per severity: critical 30, high 30, medium 90, low 180.
        public var slaDays: SeverityTable
        /// SLA days when known exploited, whatever the severity (14).
        public var knownExploitedSLADays: Double
        /// q(ρ) = 1 for ρ ≤ this (0.25).
        public var fullCreditRatio: Double
        /// q(ρ) = 1 − (ρ − fullCreditRatio)/this beyond it (1.5).
        public var creditSlope: Double
        /// A flaw introduced by the provider: s += this·w (2).
        public var flawMultiplier: Double
        /// A confirmed compromise or tampering: s += this (10).
        public var compromisePenalty: Double
        /// The cap while a confirmed compromise is recent (0.10).
        public var compromiseCap: Double
        /// How long the compromise cap lasts, days (90).
        public var compromiseCapDays: Int64
        /// The cap while a known-exploited or critical obligation is open and overdue (0.40).
        public var overdueCriticalCap: Double
        /// The cap while a high obligation is open and overdue (0.60).
        public var overdueHighCap: Double
        /// Initial reputation i enters as r += this·i/100, s += this·(1 − i/100) (2).
        public var initialReputationWeight: Double

        /// Creates SEC constants with REPUTATION.md's defaults.
        public init(
            releaseCredit: Double = 0.5,
            releaseCreditIntervalDays: Int64 = 7,
            severityWeights: SeverityTable = SeverityTable(critical: 3, high: 2, medium: 1, low: 0.5),
            knownExploitedMultiplier: Double = 2,
            slaDays: SeverityTable = SeverityTable(critical: 30, high: 30, medium: 90, low: 180),
            knownExploitedSLADays: Double = 14,
            fullCreditRatio: Double = 0.25,
            creditSlope: Double = 1.5,
            flawMultiplier: Double = 2,
            compromisePenalty: Double = 10,
            compromiseCap: Double = 0.10,
            compromiseCapDays: Int64 = 90,
            overdueCriticalCap: Double = 0.40,
            overdueHighCap: Double = 0.60,
            initialReputationWeight: Double = 2
        ) {
            self.releaseCredit = releaseCredit
            self.releaseCreditIntervalDays = releaseCreditIntervalDays
            self.severityWeights = severityWeights
            self.knownExploitedMultiplier = knownExploitedMultiplier
            self.slaDays = slaDays
            self.knownExploitedSLADays = knownExploitedSLADays
            self.fullCreditRatio = fullCreditRatio
            self.creditSlope = creditSlope
            self.flawMultiplier = flawMultiplier
            self.compromisePenalty = compromisePenalty
            self.compromiseCap = compromiseCap
            self.compromiseCapDays = compromiseCapDays
            self.overdueCriticalCap = overdueCriticalCap
            self.overdueHighCap = overdueHighCap
            self.initialReputationWeight = initialReputationWeight
        }

        /// The SLA in ms for `severity`, `knownExploited`.
        public func sla(_ severity: Severity, knownExploited: Bool) -> Int64 {
            let days = knownExploited ? knownExploitedSLADays : slaDays[severity]
            return Int64((days * Double(millisecondsPerDay)).rounded())
        }

        /// m: 2 if known exploited, else 1 + EPSS when given, else 1.
        public func multiplier(knownExploited: Bool, epss: Double?) -> Double {
            knownExploited ? knownExploitedMultiplier : 1 + (epss ?? 0)
        }

        /// q(ρ): 1 for ρ ≤ 0.25, else 1 − (ρ − 0.25)/1.5 (clamped to [0, 1]).
        public func q(_ rho: Double) -> Double {
            rho <= fullCreditRatio ? 1 : min(1, max(0, 1 - (rho - fullCreditRatio) / creditSlope))
        }

        /// The cap an open overdue obligation imposes, if any: 0.40 known exploited or critical, 0.60 high.
        public func overdueCap(_ severity: Severity, knownExploited: Bool) -> Double? {
            if knownExploited || severity == .critical { return overdueCriticalCap }
            if severity == .high { return overdueHighCap }
            return nil
        }
    }

    /// ATT constants and auditor trust.
    public struct Attestation: Sendable, Hashable, Codable {
        /// Scope weight v of an image attestation (2).
        public var imageScopeWeight: Double
        /// Scope weight v of a process attestation (1).
        public var processScopeWeight: Double
        /// r_A seeded at accreditation when the onboarding names no seed (8, b = 0.8).
        public var auditorSeed: Double
        /// r_A += this when a later independent re-audit agrees (1).
        public var agreementReward: Double
        /// s_A += this when an image the auditor passed is found compromised in an attested control (5).
        public var compromisedPassPenalty: Double
        /// The largest share of a provider's ATT evidence one auditor may provide (0.5).
        public var maxAuditorShare: Double

        /// Creates ATT constants with REPUTATION.md's defaults.
        public init(
            imageScopeWeight: Double = 2,
            processScopeWeight: Double = 1,
            auditorSeed: Double = 8,
            agreementReward: Double = 1,
            compromisedPassPenalty: Double = 5,
            maxAuditorShare: Double = 0.5
        ) {
            self.imageScopeWeight = imageScopeWeight
            self.processScopeWeight = processScopeWeight
            self.auditorSeed = auditorSeed
            self.agreementReward = agreementReward
            self.compromisedPassPenalty = compromisedPassPenalty
            self.maxAuditorShare = maxAuditorShare
        }

        /// v for `scope`.
        public func scopeWeight(_ scope: AttestationScope) -> Double {
            switch scope {
            case .image: imageScopeWeight
            case .process: processScopeWeight
            }
        }
    }

    /// CMP constants.
    public struct Compliance: Sendable, Hashable, Codable {
        /// The weight of each verified certification type while valid.
        public var certificationWeights: [CertificationType: Double]
        /// A claim that cannot be verified against its trusted source: s += this (1).
        public var unverifiablePenalty: Double
        /// A revoked certification: s += this (1).
        public var revokedPenalty: Double
        /// A forged certification: s += this (2) and a cap.
        public var forgedPenalty: Double
        /// The cap after a forged certification (0.30).
        public var forgedCap: Double
        /// How long the forged-certification cap lasts, days (180).
        public var forgedCapDays: Int64

        /// Creates CMP constants with REPUTATION.md's defaults.
        public init(
            certificationWeights: [CertificationType: Double] = [
                .soc2Type2: 2, .iso27001: 2, .pciDSS: 2, .fedRAMPHigh: 3, .fedRAMPModerate: 2, .fedRAMPLow: 1,
                .cisHardened: 1,
            ],
            unverifiablePenalty: Double = 1,
            revokedPenalty: Double = 1,
            forgedPenalty: Double = 2,
            forgedCap: Double = 0.30,
            forgedCapDays: Int64 = 180
        ) {
            self.certificationWeights = certificationWeights
            self.unverifiablePenalty = unverifiablePenalty
            self.revokedPenalty = revokedPenalty
            self.forgedPenalty = forgedPenalty
            self.forgedCap = forgedCap
            self.forgedCapDays = forgedCapDays
        }
    }

    /// FB constants: credibility and damping.
    public struct Feedback: Sendable, Hashable, Codable {
        /// a_u of an unverified identity (0.1).
        public var unverifiedPrior: Double
        /// a_u of a verified identity (0.5).
        public var verifiedPrior: Double
        /// Proof of use: authorised to use one of the provider's images within this many days (180).
        public var proofOfUseDays: Int64
        /// At most one change of a user's rating of a provider per this many days (30).
        public var changeIntervalDays: Int64
        /// At most this many units of credibility per cluster (organisation) per window (2).
        public var clusterUnits: Double
        /// The cluster window, days (30).
        public var clusterWindowDays: Int64
        /// A burst is more than max(this, multiple × median daily rate) feedback in the burst window (10).
        public var burstMinimum: Double
        /// The multiple of the median daily rate (5).
        public var burstMedianMultiple: Double
        /// The days over which the median daily rate is taken (30).
        public var burstMedianDays: Int64
        /// The burst window, hours (24).
        public var burstWindowHours: Int64
        /// An account younger than this many days is new (30).
        public var newAccountDays: Int64
        /// FB evidence is capped at r + s ≤ this (20).
        public var channelCap: Double
        /// The weight of an untriaged issue report (0.25).
        public var untriagedIssueWeight: Double
        /// The weight of a confirmed issue report (1).
        public var confirmedIssueWeight: Double

        /// Creates FB constants with REPUTATION.md's defaults.
        public init(
            unverifiedPrior: Double = 0.1,
            verifiedPrior: Double = 0.5,
            proofOfUseDays: Int64 = 180,
            changeIntervalDays: Int64 = 30,
            clusterUnits: Double = 2,
            clusterWindowDays: Int64 = 30,
            burstMinimum: Double = 10,
            burstMedianMultiple: Double = 5,
            burstMedianDays: Int64 = 30,
            burstWindowHours: Int64 = 24,
            newAccountDays: Int64 = 30,
            channelCap: Double = 20,
            untriagedIssueWeight: Double = 0.25,
            confirmedIssueWeight: Double = 1
        ) {
            self.unverifiedPrior = unverifiedPrior
            self.verifiedPrior = verifiedPrior
            self.proofOfUseDays = proofOfUseDays
            self.changeIntervalDays = changeIntervalDays
            self.clusterUnits = clusterUnits
            self.clusterWindowDays = clusterWindowDays
            self.burstMinimum = burstMinimum
            self.burstMedianMultiple = burstMedianMultiple
            self.burstMedianDays = burstMedianDays
            self.burstWindowHours = burstWindowHours
            self.newAccountDays = newAccountDays
            self.channelCap = channelCap
            self.untriagedIssueWeight = untriagedIssueWeight
            self.confirmedIssueWeight = confirmedIssueWeight
        }
    }
}

/// A channel of decaying evidence, each with its own half-life.
public enum DecayChannel: String, Sendable, Hashable, Codable, CaseIterable {
    /// SEC r and s.
    case security
    /// ATT r and s.
    case attestation
    /// FB r and s.
    case feedback
    /// CMP s.
    case complianceNegative
    /// Auditor trust r_A, s_A.
    case auditor
}

/// The scope of an attestation.
public enum AttestationScope: String, Sendable, Hashable, Codable {
    /// The image itself (v = 2).
    case image
    /// The provider's process (v = 1).
    case process
}

/// A compliance certification type.
public enum CertificationType: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable {
    /// SOC 2 Type II.
    case soc2Type2 = "soc2-type2"
    /// ISO/IEC 27001.
    case iso27001 = "iso27001"
    /// PCI DSS.
    case pciDSS = "pci-dss"
    /// FedRAMP High.
    case fedRAMPHigh = "fedramp-high"
    /// FedRAMP Moderate.
    case fedRAMPModerate = "fedramp-moderate"
    /// FedRAMP Low.
    case fedRAMPLow = "fedramp-low"
    /// CIS-hardened image.
    case cisHardened = "cis-hardened"
}
