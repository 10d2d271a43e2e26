import Foundation
import Ledger
import Provenance
import Testing
import TransparencyLog
import VMTrustTesting

/// Bundles of attested images (version 2): the current attestations and the auditor records that authorise their
/// keys, verified offline, and tampered with.
@Suite("Provenance bundles with attestations")
struct AttestationBundleTests {
    typealias B = BundleTests
    static let auditorKey = B.key(0x31)
    static let otherAuditorKey = B.key(0x32)

    static func scan(_ findings: Int) -> InTotoStatement {
        InTotoStatement(
            subjects: [ResourceDescriptor(imageDigest: B.digest(3))],
            predicate: .vulns(
                VulnsPredicate(
                    scannerURI: "pkg:github/anchore/grype@v0.79.0",
                    scannerVersion: "0.79.0",
                    databaseURI: nil,
                    databaseVersion: "5",
                    databaseLastUpdate: B.t0,
                    findings: (0..<findings).map {
                        .init(id: "CVE-2026-\($0)", severity: [.init(method: "nvd", score: "medium")])
                    },
                    scanStartedOn: B.t0,
                    scanFinishedOn: B.t0
                )
            )
        )
    }

    struct Attested {
        var log: BundleTests.Lineage
        var onboard: Receipt
        var superseded: Receipt
        var current: Receipt
        var withdrawn: Receipt
    }

    func attested() async throws -> Attested {
        let log = try await BundleTests().lineage()
        func attest(_ statement: InTotoStatement, by key: SigningKey) async throws -> Receipt {
            log.clock.advance(byMillis: 1000)
            let envelope = try DSSEEnvelope.sign(
                payloadType: InTotoStatement.payloadType,
                payload: statement.encoded(),
                keys: [key]
            )
            return try await log.ledger.submit(
                envelope: envelope.jsonBytes(),
                recordID: RecordID(payload: envelope.payload),
                context: envelope
            )
        }
        let onboard = try await log.submit(
            .auditorOnboard(
                AuditorOnboardRecord(
                    id: "sec-audit",
                    displayName: "Secure Audit",
                    keys: [KeyGrant(key: Self.auditorKey.publicKey, validUntil: log.next + 3_600_000)],
                    accreditation: Accreditation(by: "DAkkS", until: B.t0 + 365 * 86_400_000),
                    attestationTypes: [AttestationPredicate.vulnsType, AttestationPredicate.auditType],
                    time: log.next
                )
            ),
            by: [B.admin]
        )
        try await log.submit(
            .auditorOnboard(
                AuditorOnboardRecord(
                    id: "other-audit",
                    displayName: "Other",
                    keys: [KeyGrant(key: Self.otherAuditorKey.publicKey)],
                    accreditation: Accreditation(by: "UKAS", until: B.t0 + 365 * 86_400_000),
                    attestationTypes: [AttestationPredicate.auditType],
                    time: log.next
                )
            ),
            by: [B.admin]
        )
        let superseded = try await attest(Self.scan(3), by: Self.auditorKey)
        let current = try await attest(Self.scan(1), by: Self.auditorKey)
        let audit = InTotoStatement(
            subjects: [ResourceDescriptor(imageDigest: B.digest(3))],
            predicate: .audit(AuditPredicate(result: .passed, score: 80, controlsChecked: 5, controlsPassed: 4, scope: .image))
        )
        let withdrawn = try await attest(audit, by: Self.otherAuditorKey)
        try await log.submit(
            .attestationWithdraw(
                AttestationWithdrawRecord(auditor: "other-audit", attestation: withdrawn.recordID, time: log.next)
            ),
            by: [Self.otherAuditorKey]
        )
        return Attested(log: log, onboard: onboard, superseded: superseded, current: current, withdrawn: withdrawn)
    }

    @Test("A version 2 bundle holds the current attestations and their auditors' records, and verifies")
    func valid() async throws {
        let world = try await attested()
        let bundle = try await world.log.bundle(B.digest(3))
        #expect(bundle.version == 2)
        let ids = try bundle.entries.map { RecordID(payload: try DSSEEnvelope(json: $0.envelope).payload) }
        #expect(ids.contains(world.onboard.recordID) && ids.contains(world.current.recordID))
        #expect(!ids.contains(world.superseded.recordID) && !ids.contains(world.withdrawn.recordID))
        let verdict = await world.log.verify(bundle, image: B.digest(3))
        #expect(verdict.isValid, "\(verdict.failures)")
        #expect(verdict.attestations.map(\.recordID) == [world.current.recordID])
        let attestation = try #require(verdict.attestations.first)
        #expect(attestation.valid && attestation.auditor == "sec-audit")
        #expect(attestation.signerKeyID == Self.auditorKey.publicKey.keyID)
        #expect(attestation.summary?.result == .warned && attestation.summary?.score == 91)
        #expect(attestation.integratedTime == world.current.integratedAtMillis)
        // The JSON round-trips; version 1 bundles still decode, others do not.
        let decoded = try JSONDecoder().decode(ProvenanceBundle.self, from: try JSONEncoder().encode(bundle))
        #expect(decoded == bundle)
        // An image without attestations still gets a version 1 bundle.
        #expect(try await world.log.bundle(B.digest(1)).version == 1)
    }

    @Test("Attestations are replayed: the auditor's record dropped, a forged signature, a key used after its validity")
    func tampered() async throws {
        let world = try await attested()
        let bundle = try await world.log.bundle(B.digest(3))
        let onboard = try B.position(of: world.onboard.recordID, in: bundle)
        let current = try B.position(of: world.current.recordID, in: bundle)

        var dropped = bundle
        dropped.entries.remove(at: onboard)
        let unknown = await world.log.verify(dropped)
        #expect(unknown.failures.first?.code == .recordRejected)
        #expect(unknown.failures.first?.entry == bundle.entries[current].index)
        #expect(unknown.failures.first?.rejection == .unknownAuditor)
        #expect(unknown.attestations.first?.valid == false)

        var forged = bundle
        var envelope = try DSSEEnvelope(json: forged.entries[current].envelope)
        envelope.signatures[0].signature[7] ^= 0x01
        forged.entries[current].envelope = envelope.jsonBytes()
        let unsealed = await world.log.verify(forged)
        #expect(unsealed.failures.map(\.code) == [.inclusionProof])
        let signature = await world.log.verify(try B.resealed(forged))
        #expect(signature.failures.first?.rejection == .notSignedByAuditor)
        #expect(signature.attestations.first?.valid == false)

        // The auditor key is valid for an hour: the same attestation integrated later is refused.
        var late = bundle
        late.entries[current].integratedTime += 7_200_000
        let expired = await world.log.verify(try B.resealed(late))
        #expect(expired.failures.first?.rejection == .keyExpired, "\(expired.failures)")

        // A version 1 bundle holds no attestations.
        var version1 = bundle
        version1.version = 1
        #expect(await world.log.verify(version1).contains(.unsupportedVersion))
    }
}
