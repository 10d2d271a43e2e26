import Provenance

/// One fact the reputation engine learns from the log: the record that states it, its integration time and
/// the kind-specific facts.
///
/// The ledger derives events from records (and from its own state: whether a vulnerability affects an active
/// version, whether a feedback's author has proof of use, whether a certification verified against its trusted
/// source). Events must be applied in log order; their times are non-decreasing.
public struct ReputationEvent: Sendable, Hashable, Codable {
    /// The integration time of the record (ms since the Unix epoch).
    public var time: Int64
    /// The record that states the fact.
    public var record: RecordID
    /// The provider concerned; `nil` for auditor and parameter events.
    public var provider: String?
    /// What happened.
    public var kind: Kind

    /// Creates an event.
    public init(time: Int64, record: RecordID, provider: String?, kind: Kind) {
        self.time = time
        self.record = record
        self.provider = provider
        self.kind = kind
    }

    /// The kinds of event.
    public enum Kind: Sendable, Hashable, Codable {
        /// A provider was onboarded, with its initial reputation i (0–100) if it enters as SEC evidence.
        case providerOnboarded(initialReputation: Double?)
        /// A parameter set was published; it is in force from the event's time. (Boxed: inline, the parameters
        /// would make every event, and every copy of one, about 500 bytes larger.)
        indirect case parametersPublished(ReputationParameters)
        /// An image version was published in lineage `lineage` (the root record); `clean` = with provenance
        /// and a clean scan.
        case releasePublished(lineage: RecordID, clean: Bool)
        /// A vulnerability or incident report: opens an obligation when it affects an active version.
        case obligationOpened(ObligationFacts)
        /// The resolution (fixed version published and affected versions revoked or deprecated) or incident
        /// response for the report `report`.
        case obligationResolved(report: RecordID)
        /// A flaw introduced by the provider (secrets, default credentials, malware): s += 2w.
        case flawIntroduced(Severity)
        /// A confirmed compromise or tampering: s += 10 and a cap for 90 days.
        case compromiseConfirmed
        /// An auditor was accredited, with its seed r_A (default 8).
        case auditorOnboarded(auditor: String, seed: Double?)
        /// A later independent re-audit agreed with the auditor: r_A += 1.
        case auditorAgreed(auditor: String)
        /// An image the auditor passed was found compromised in an attested control: s_A += 5.
        case auditorPassedCompromised(auditor: String)
        /// An attestation about one of the provider's images or its process.
        case attestation(AttestationFacts)
        /// The auditor withdrew attestation `attestation` about `subject` (predicate type `predicateType`): its
        /// contribution is removed, if it is still the active one.
        case attestationWithdrawn(attestation: RecordID, auditor: String, subject: String, predicateType: String)
        /// A certification verified against its trusted source.
        case certificationVerified(CertificationFacts)
        /// A claimed certification that cannot be verified against its trusted source: s += 1.
        case certificationUnverifiable(CertificationType)
        /// A forged certification (invalid signature or chain presented as valid): s += 2 and a cap.
        case certificationForged(CertificationType)
        /// The verified certification stated by record `certification` was revoked: it stops counting, s += 1.
        case certificationRevoked(certification: RecordID)
        /// A rating or issue report by a user.
        case feedback(FeedbackFacts)
        /// The triage of feedback record `target` (an issue report, or feedback held in a burst).
        case feedbackTriage(target: RecordID, verdict: TriageVerdict)
    }
}

/// Whether an obligation is a vulnerability or an incident (same clock).
public enum ObligationKind: String, Sendable, Hashable, Codable {
    /// A vulnerability report; resolved by a vulnerability resolution.
    case vulnerability
    /// An incident report; resolved by an incident response.
    case incident
}

/// The facts of a vulnerability or incident report.
public struct ObligationFacts: Sendable, Hashable, Codable {
    /// Vulnerability or incident.
    public var kind: ObligationKind
    /// The severity (CVSS band).
    public var severity: Severity
    /// Known exploited (SLA 14 days, multiplier 2).
    public var knownExploited: Bool
    /// The EPSS probability, when given (multiplier 1 + EPSS).
    public var epss: Double?
    /// Whether it affects an active (not revoked, not deprecated) version; only then is an obligation opened.
    public var affectsActiveVersion: Bool

    /// Creates the facts.
    public init(
        kind: ObligationKind = .vulnerability,
        severity: Severity,
        knownExploited: Bool = false,
        epss: Double? = nil,
        affectsActiveVersion: Bool = true
    ) {
        self.kind = kind
        self.severity = severity
        self.knownExploited = knownExploited
        self.epss = epss
        self.affectsActiveVersion = affectsActiveVersion
    }
}

/// The facts of an attestation.
public struct AttestationFacts: Sendable, Hashable, Codable {
    /// The auditor.
    public var auditor: String
    /// The subject: an image digest, or the process identifier for a process attestation.
    public var subject: String
    /// The predicate type.
    public var predicateType: String
    /// The fraction of controls passed, x ∈ [0, 1].
    public var passFraction: Double
    /// The scope (image v = 2, process v = 1).
    public var scope: AttestationScope

    /// Creates the facts.
    public init(auditor: String, subject: String, predicateType: String, passFraction: Double, scope: AttestationScope) {
        self.auditor = auditor
        self.subject = subject
        self.predicateType = predicateType
        self.passFraction = passFraction
        self.scope = scope
    }
}

/// The facts of a verified certification.
public struct CertificationFacts: Sendable, Hashable, Codable {
    /// The type.
    public var type: CertificationType
    /// Start of validity (ms, inclusive).
    public var validFrom: Int64
    /// End of validity (ms, exclusive).
    public var validUntil: Int64

    /// Creates the facts.
    public init(type: CertificationType, validFrom: Int64, validUntil: Int64) {
        self.type = type
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}

/// What a user said.
public enum FeedbackContent: Sendable, Hashable, Codable {
    /// A rating v ∈ [−1, 1].
    case rating(Double)
    /// An issue report.
    case issue

    /// A rating from 1–5 stars: v = (stars − 3)/2.
    public static func stars(_ stars: Int) -> FeedbackContent { .rating(Double(stars - 3) / 2) }
}

/// The facts of a feedback.
public struct FeedbackFacts: Sendable, Hashable, Codable {
    /// The user.
    public var user: String
    /// A rating or an issue report.
    public var content: FeedbackContent
    /// Whether the user's identity is verified (a_u = 0.5, else 0.1).
    public var verifiedIdentity: Bool
    /// When the user registered (ms): an account younger than 30 days is new.
    public var userRegisteredAt: Int64
    /// The user's cluster (organisation); `nil` = a cluster of one.
    public var cluster: String?
    /// Whether the user was authorised to use one of the provider's images within 180 days (decided by the
    /// ledger); feedback without it does not count.
    public var proofOfUse: Bool

    /// Creates the facts.
    public init(
        user: String,
        content: FeedbackContent,
        verifiedIdentity: Bool,
        userRegisteredAt: Int64,
        cluster: String? = nil,
        proofOfUse: Bool = true
    ) {
        self.user = user
        self.content = content
        self.verifiedIdentity = verifiedIdentity
        self.userRegisteredAt = userRegisteredAt
        self.cluster = cluster
        self.proofOfUse = proofOfUse
    }
}

/// A triage verdict.
public enum TriageVerdict: String, Sendable, Hashable, Codable {
    /// The report is confirmed (an issue report then weighs 1; held feedback counts).
    case confirm
    /// The report is rejected (it is removed).
    case reject
}
