import Provenance

extension RecordsFixture {
    /// A DER "certificate" for codec tests (a SEQUENCE; the codec checks the encoding, not the certificate).
    static let certificateDER: [UInt8] = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]
    /// `core` followed by ``evidenceGolden`` and ``policyGolden``.
    static func withEvidence(_ core: [(String, Record)]) -> [(String, Record)] { core + evidenceGolden + policyGolden }

    /// A certifier's key.
    static let certifierKey = key(0x31)

    /// One record of every reputation-evidence kind, with every optional field present where there is one.
    static let evidenceGolden: [(String, Record)] = [
        (
            "vulnerability-report",
            .vulnerabilityReport(
                VulnerabilityReportRecord(
                    provider: "acme",
                    vulnerability: "CVE-2026-12345",
                    severity: .high,
                    cvssTenths: 75,
                    epssMillionths: 50_000,
                    knownExploited: false,
                    affected: [digest(0x0A), digest(0x0B)],
                    time: t0 + 11
                )
            )
        ),
        (
            "vulnerability-resolution",
            .vulnerabilityResolution(
                VulnerabilityResolutionRecord(
                    provider: "acme",
                    report: sampleID,
                    fixed: digest(0x0C),
                    retired: [sampleID],
                    time: t0 + 12
                )
            )
        ),
        (
            "incident-report",
            .incidentReport(
                IncidentReportRecord(
                    provider: "acme",
                    incident: "INC-2026-7",
                    severity: .critical,
                    summary: "build host compromised\nkeys rotated",
                    affected: [digest(0x0A)],
                    time: t0 + 13
                )
            )
        ),
        (
            "incident-response",
            .incidentResponse(
                IncidentResponseRecord(provider: "acme", report: sampleID, response: "rebuilt from clean sources", time: t0 + 14)
            )
        ),
        (
            "user-feedback",
            .userFeedback(
                UserFeedbackRecord(user: "alice", provider: "acme", body: .stars(4), image: digest(0x0A), time: t0 + 15)
            )
        ),
        (
            "feedback-triage",
            .feedbackTriage(FeedbackTriageRecord(target: sampleID, verdict: .confirm, reason: "reproduced", time: t0 + 16))
        ),
        (
            "certifier-onboard",
            .certifierOnboard(
                CertifierOnboardRecord(
                    id: "certco",
                    displayName: "CertCo Audit",
                    keys: [certifierKey.publicKey],
                    trustAnchors: [certificateDER],
                    types: [.soc2Type2, .iso27001],
                    time: t0 + 17
                )
            )
        ),
        (
            "compliance-certification",
            .complianceCertification(
                ComplianceCertificationRecord(
                    provider: "acme",
                    certifier: "certco",
                    type: .soc2Type2,
                    validFrom: t0,
                    validUntil: t0 + 365 * 24 * hour,
                    chain: [certificateDER],
                    reference: "SOC2-2026-001",
                    time: t0 + 18
                )
            )
        ),
        (
            "certification-revocation",
            .certificationRevocation(
                CertificationRevocationRecord(
                    provider: "acme",
                    certifier: "certco",
                    certification: sampleID,
                    reason: "scope withdrawn",
                    time: t0 + 19
                )
            )
        ),
        (
            "reputation-parameters",
            .reputationParameters(
                ReputationParametersRecord(
                    version: 2,
                    parameters: [
                        .init(name: "weights.sec", thousandths: 400),
                        .init(name: "halfLives.security", thousandths: 180_000),
                    ],
                    time: t0 + 20
                )
            )
        ),
    ]
}
