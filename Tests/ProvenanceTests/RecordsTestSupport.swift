import Foundation
import Provenance
import Testing

/// Fixed keys and records shared by the record tests.
enum RecordsFixture {
    /// An Ed25519 key whose seed is 32 bytes of `byte`.
    static func key(_ byte: UInt8) -> SigningKey { try! SigningKey(ed25519Seed: [UInt8](repeating: byte, count: 32)) }

    static let admin1 = key(0xA1)
    static let admin2 = key(0xA2)
    static let admin3 = key(0xA3)
    static let acmeKey = key(0x01)
    static let acmeNextKey = key(0x02)
    static let acmeOtherKey = key(0x03)
    static let globexKey = key(0x11)
    static let userKey = key(0x21)
    static let auditorKey = key(0x31)
    static let auditorOtherKey = key(0x32)
    static let day: Int64 = 86_400_000

    /// 2026-09-01T00:00:00Z.
    static let t0: Int64 = 1_788_220_800_000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    static func digest(_ byte: UInt8) -> String { "sha256:" + String(repeating: String(format: "%02x", byte), count: 32) }

    static let sampleID = RecordID("sha256:" + String(repeating: "ab", count: 32))!

    /// One record of every kind, with every optional field present where there is one; golden file name first
    /// (the reputation evidence kinds come from EvidenceRecordsTestSupport.swift).
    static let golden: [(String, Record)] = withEvidence([
        (
            "genesis",
            .genesis(
                GenesisRecord(
                    adminKeys: [admin1.publicKey, admin2.publicKey],
                    threshold: 2,
                    origin: "vmtrust.local/log",
                    time: t0
                )
            )
        ),
        (
            "provider-onboard",
            .providerOnboard(
                ProviderOnboardRecord(
                    id: "acme",
                    displayName: "Acme Images \"Ltd\" — Zürich",
                    keys: [
                        KeyGrant(key: acmeKey.publicKey),
                        KeyGrant(key: acmeOtherKey.publicKey, validFrom: t0, validUntil: t0 + 365 * 24 * hour),
                    ],
                    initialReputation: 70,
                    time: t0 + 1
                )
            )
        ),
        (
            "provider-update",
            .providerUpdate(
                ProviderUpdateRecord(
                    id: "acme",
                    displayName: "Acme Images",
                    addKeys: [KeyGrant(key: acmeNextKey.publicKey, validFrom: t0 + hour)],
                    retireKeys: [acmeOtherKey.publicKey.keyID],
                    suspended: false,
                    time: t0 + 2
                )
            )
        ),
        (
            "key-rotation",
            .keyRotation(
                KeyRotationRecord(
                    provider: "acme",
                    oldKeyID: acmeKey.publicKey.keyID,
                    newKey: acmeNextKey.publicKey,
                    effectiveAt: t0 + hour,
                    time: t0 + 3
                )
            )
        ),
        (
            "key-revocation",
            .keyRevocation(
                KeyRevocationRecord(
                    provider: "acme",
                    keyID: acmeKey.publicKey.keyID,
                    effectiveAt: t0 - hour,
                    reason: "key compromised",
                    time: t0 + 4
                )
            )
        ),
        ("user-register", .userRegister(UserRegisterRecord(id: "alice", key: userKey.publicKey, time: t0 + 5))),
        (
            "image-register",
            .imageRegister(
                ImageRegisterRecord(
                    digest: digest(0x0A),
                    provider: "acme",
                    name: "ubuntu-24.04-server",
                    format: .qcow2,
                    size: 2_147_483_648,
                    initialReputation: 70,
                    time: t0 + 6
                )
            )
        ),
        (
            "image-modify",
            .imageModify(
                ImageModifyRecord(
                    digest: digest(0x0B),
                    provider: "acme",
                    previous: sampleID,
                    change: .patch,
                    description: "CVE-2026-0001: openssl 3.0.14\n\tand \\ \"quoted\" / é",
                    build: BuildDetails(builder: "packer 1.11", inputs: [digest(0x0A), "https://example.com/ks.cfg"]),
                    time: t0 + 7
                )
            )
        ),
        (
            "image-revoke",
            .imageRevoke(
                ImageRevokeRecord(
                    provider: "acme",
                    target: sampleID,
                    reason: "backdoored build host",
                    inherit: true,
                    effectiveAt: t0 + 24 * hour,
                    time: t0 + 8
                )
            )
        ),
        (
            "image-restore",
            .imageRestore(ImageRestoreRecord(provider: "acme", target: sampleID, reason: "false alarm", time: t0 + 9))
        ),
        (
            "image-deprecate",
            .imageDeprecate(
                ImageDeprecateRecord(provider: "acme", target: sampleID, after: t0 + 30 * 24 * hour, reason: "EOL", time: t0 + 10)
            )
        ),
        (
            "auditor-onboard",
            .auditorOnboard(
                AuditorOnboardRecord(
                    id: "sec-audit",
                    displayName: "Secure Audit GmbH",
                    keys: [
                        KeyGrant(key: auditorKey.publicKey),
                        KeyGrant(key: auditorOtherKey.publicKey, validFrom: t0, validUntil: t0 + 365 * day),
                    ],
                    accreditation: Accreditation(by: "DAkkS D-ZE-12345", until: t0 + 730 * day),
                    attestationTypes: [
                        AttestationPredicate.vulnsType, AttestationPredicate.testResultType, AttestationPredicate.auditType,
                    ],
                    trustSeed: 18,
                    time: t0 + 11
                )
            )
        ),
        (
            "auditor-update",
            .auditorUpdate(
                AuditorUpdateRecord(
                    id: "sec-audit",
                    displayName: "Secure Audit AG",
                    addKeys: [KeyGrant(key: acmeOtherKey.publicKey, validUntil: t0 + 365 * day)],
                    retireKeys: [auditorOtherKey.publicKey.keyID],
                    accreditation: Accreditation(by: "DAkkS D-ZE-12345", until: t0 + 1095 * day),
                    attestationTypes: [AttestationPredicate.vulnsType],
                    suspended: false,
                    time: t0 + 12
                )
            )
        ),
        ("attestation", .attestation(AttestationRecord(statement: sampleStatement))),
        (
            "attestation-withdraw",
            .attestationWithdraw(
                AttestationWithdrawRecord(
                    auditor: "sec-audit",
                    attestation: sampleID,
                    reason: "wrong image scanned",
                    time: t0 + 14
                )
            )
        ),
        (
            "policy-decision",
            .policyDecision(
                PolicyDecisionRecord(
                    decision: "dec_0123456789abcdef0123456789abcdef",
                    user: "alice",
                    image: digest(0x0A),
                    provider: "acme",
                    effect: .allowWithConditions,
                    privilege: "standard",
                    mode: .enforce,
                    policy: sampleID,
                    logSize: 42,
                    reasons: ["attestation.stale", "reputation.tier"],
                    time: t0 + 15
                )
            )
        ),
    ])

    /// A vulnerability scan of image 0x0A with one finding of each severity band.
    static let sampleVulns = VulnsPredicate(
        scannerURI: "pkg:github/aquasecurity/trivy@v0.52.2",
        scannerVersion: "0.52.2",
        databaseURI: "pkg:github/aquasecurity/trivy-db",
        databaseVersion: "2",
        databaseLastUpdate: t0 - 6 * hour,
        findings: [
            .init(
                id: "CVE-2026-0001",
                severity: [.init(method: "nvd", score: "CRITICAL"), .init(method: "cvss_score", score: "9.8")]
            ),
            .init(id: "CVE-2026-0002", severity: [.init(method: "cvss_score", score: "7.5")]),
            .init(id: "CVE-2026-0003", severity: [.init(method: "ghsa", score: "moderate")]),
            .init(id: "CVE-2026-0004", severity: [.init(method: "nvd", score: "low")]),
            .init(id: "CVE-2026-0005", severity: []),
        ],
        scanStartedOn: t0 - 10 * minute,
        scanFinishedOn: t0 - 9 * minute
    )

    static let sampleStatement = InTotoStatement(
        subjects: [ResourceDescriptor(imageDigest: digest(0x0A), name: "ubuntu-24.04-server")],
        predicate: .vulns(sampleVulns)
    )

    static func goldenBytes(_ name: String) throws -> [UInt8] {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/records")
        )
        return Array(try Data(contentsOf: url))
    }
}
