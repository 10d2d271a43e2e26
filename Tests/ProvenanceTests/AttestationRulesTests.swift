import Foundation
import Provenance
import Testing

extension RecordsWorld {
    /// Signs an in-toto statement's bytes with `keys` and admits them at `at` (default `now`).
    @discardableResult
    mutating func attest(_ payload: [UInt8], by keys: [SigningKey], at time: Int64? = nil) async throws -> Admission {
        let time = time ?? now
        now = max(now, time) + F.minute
        let envelope = try DSSEEnvelope.sign(payloadType: InTotoStatement.payloadType, payload: payload, keys: keys)
        let admission = try await rules.admit(envelope, integrationTime: time, state: state)
        if case .accepted(let changes) = admission { state.apply(changes) }
        return admission
    }

    func onboardAuditor(
        _ id: String = "sec-audit",
        keys: [KeyGrant] = [KeyGrant(key: F.auditorKey.publicKey)],
        until: Int64 = F.t0 + 365 * F.day,
        types: [String] = [AttestationPredicate.vulnsType, AttestationPredicate.testResultType]
    ) -> Record {
        .auditorOnboard(
            AuditorOnboardRecord(
                id: id,
                displayName: id,
                keys: keys,
                accreditation: Accreditation(by: "DAkkS", until: until),
                attestationTypes: types,
                time: now
            )
        )
    }

    /// Genesis, providers, image 0x0A registered by acme, auditor sec-audit onboarded.
    static func withAuditor() async throws -> (RecordsWorld, RecordID) {
        var world = try await RecordsWorld.make()
        let image = try await world.accept(world.register(0x0A), by: [F.acmeKey])
        try await world.accept(world.onboardAuditor(), by: [F.admin1])
        return (world, image)
    }
}

@Suite("Attestations: rules")
struct AttestationRulesTests {
    typealias F = RecordsFixture

    static func vulns(_ digestByte: UInt8 = 0x0A, findings: [VulnsPredicate.Finding] = []) -> [UInt8] {
        var predicate = F.sampleVulns
        predicate.findings = findings
        return InTotoStatement(subjects: [ResourceDescriptor(imageDigest: F.digest(digestByte))], predicate: .vulns(predicate))
            .encoded()
    }

    static func audit(expiresAt: Int64? = nil) -> [UInt8] {
        InTotoStatement(
            subjects: [ResourceDescriptor(imageDigest: F.digest(0x0A))],
            predicate: .audit(
                AuditPredicate(
                    result: .passed,
                    score: 90,
                    controlsChecked: 10,
                    controlsPassed: 9,
                    scope: .image,
                    expiresAt: expiresAt
                )
            )
        ).encoded()
    }

    func expectRejected(_ admission: Admission, _ code: RecordRejection.Code, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(admission.rejection?.code == code, "\(admission)", sourceLocation: sourceLocation)
    }

    @Test func acceptedAttestationJoinsTheImageChain() async throws {
        var (world, image) = try await RecordsWorld.withAuditor()
        let payload = Self.vulns(findings: F.sampleVulns.findings)
        let admission = try await world.attest(payload, by: [F.auditorKey])
        #expect(admission.rejection == nil, "\(admission)")
        let id = RecordID(payload: payload)
        let record = try #require(world.state.records[id])
        #expect(record.kind == .attestation)
        #expect(record.auditor == "sec-audit")
        #expect(record.linked == image)
        #expect(record.subjects == [F.digest(0x0A)])
        #expect(record.attestation?.score == 61 && record.attestation?.result == .failed)
        #expect(world.state.attestations[F.digest(0x0A)] == [id])
        // Resubmission is refused by id.
        expectRejected(try await world.attest(payload, by: [F.auditorKey]), .alreadyRecorded)
    }

    @Test func auditorIdentityAndStanding() async throws {
        var (world, _) = try await RecordsWorld.withAuditor()
        // A key no auditor holds.
        expectRejected(try await world.attest(Self.vulns(), by: [F.userKey]), .unknownAuditor)
        // No keyid at all.
        let unnamed = DSSEEnvelope(
            payloadType: InTotoStatement.payloadType,
            payload: Self.vulns(),
            signatures: try DSSEEnvelope.sign(
                payloadType: InTotoStatement.payloadType,
                payload: Self.vulns(),
                keys: [F.auditorKey]
            )
            .signatures.map { DSSEEnvelope.Signature(keyID: nil, signature: $0.signature) }
        )
        expectRejected(try await world.rules.admit(unnamed, integrationTime: world.now, state: world.state), .unknownAuditor)
        // The keyid names the auditor's key but another key signed.
        let forged = DSSEEnvelope(
            payloadType: InTotoStatement.payloadType,
            payload: Self.vulns(),
            signatures: try DSSEEnvelope.sign(payloadType: InTotoStatement.payloadType, payload: Self.vulns(), keys: [F.userKey])
                .signatures.map { DSSEEnvelope.Signature(keyID: F.auditorKey.publicKey.keyID, signature: $0.signature) }
        )
        expectRejected(try await world.rules.admit(forged, integrationTime: world.now, state: world.state), .notSignedByAuditor)
        // Not allowed that type.
        expectRejected(try await world.attest(Self.audit(), by: [F.auditorKey]), .attestationTypeNotAllowed)
        // Suspended, then reinstated.
        try await world.accept(
            .auditorUpdate(AuditorUpdateRecord(id: "sec-audit", suspended: true, time: world.now)),
            by: [F.admin1]
        )
        expectRejected(try await world.attest(Self.vulns(), by: [F.auditorKey]), .auditorSuspended)
        try await world.accept(
            .auditorUpdate(
                AuditorUpdateRecord(
                    id: "sec-audit",
                    attestationTypes: [AttestationPredicate.auditType],
                    suspended: false,
                    time: world.now
                )
            ),
            by: [F.admin1]
        )
        #expect(try await world.attest(Self.audit(), by: [F.auditorKey]).rejection == nil)
        expectRejected(try await world.attest(Self.vulns(), by: [F.auditorKey]), .attestationTypeNotAllowed)
        // Accreditation over.
        expectRejected(
            try await world.attest(Self.audit(expiresAt: F.t0 + 999 * F.day), by: [F.auditorKey], at: F.t0 + 365 * F.day),
            .accreditationExpired
        )
    }

    @Test func auditorKeyValidityAtIntegrationTime() async throws {
        var world = try await RecordsWorld.make()
        try await world.accept(world.register(0x0A), by: [F.acmeKey])
        try await world.accept(
            world.onboardAuditor(keys: [
                KeyGrant(key: F.auditorKey.publicKey, validUntil: F.t0 + F.day),
                KeyGrant(key: F.auditorOtherKey.publicKey, validFrom: F.t0 + 2 * F.day),
            ]),
            by: [F.admin1]
        )
        expectRejected(try await world.attest(Self.vulns(), by: [F.auditorOtherKey]), .keyNotYetValid)
        #expect(try await world.attest(Self.vulns(), by: [F.auditorKey]).rejection == nil)
        expectRejected(
            try await world.attest(
                Self.vulns(0x0A, findings: [.init(id: "x", severity: [])]),
                by: [F.auditorKey],
                at: F.t0 + F.day
            ),
            .keyExpired
        )
        #expect(
            try await world.attest(
                Self.vulns(0x0A, findings: [.init(id: "x", severity: [])]),
                by: [F.auditorOtherKey],
                at: F.t0 + 2 * F.day
            ).rejection == nil
        )
        // Retiring a key ends it at the update's integration time.
        try await world.accept(
            .auditorUpdate(
                AuditorUpdateRecord(id: "sec-audit", retireKeys: [F.auditorOtherKey.publicKey.keyID], time: world.now)
            ),
            by: [F.admin1]
        )
        expectRejected(
            try await world.attest(Self.vulns(0x0A, findings: [.init(id: "y", severity: [])]), by: [F.auditorOtherKey]),
            .keyExpired
        )
    }

    @Test func subjectsAndPredicates() async throws {
        var (world, _) = try await RecordsWorld.withAuditor()
        expectRejected(try await world.attest(Self.vulns(0x0B), by: [F.auditorKey]), .unknownSubject)
        let gitSubject = Array(
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha1":"d20ace7968ba43c0219f62d71334c1095bab1602"}}],"predicateType":"https://in-toto.io/attestation/vulns/v0.2","predicate":{}}"#
                .utf8
        )
        expectRejected(try await world.attest(gitSubject, by: [F.auditorKey]), .unknownSubject)
        let badPredicate = Array(
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "0a", count: 32))"}}],"predicateType":"https://in-toto.io/attestation/vulns/v0.2","predicate":{"scanner":{}}}"#
                .utf8
        )
        expectRejected(try await world.attest(badPredicate, by: [F.auditorKey]), .invalidPredicate)
        expectRejected(try await world.attest(Array("{}".utf8), by: [F.auditorKey]), .invalidRecord)
        try await world.accept(
            .auditorUpdate(
                AuditorUpdateRecord(id: "sec-audit", attestationTypes: [AttestationPredicate.auditType], time: world.now)
            ),
            by: [F.admin1]
        )
        expectRejected(try await world.attest(Self.audit(expiresAt: world.now), by: [F.auditorKey]), .attestationExpired)
        #expect(try await world.attest(Self.audit(expiresAt: world.now + F.day), by: [F.auditorKey]).rejection == nil)
    }

    @Test func auditorGovernance() async throws {
        var (world, image) = try await RecordsWorld.withAuditor()
        expectRejected(
            try await world.submit(world.onboardAuditor("other", keys: [KeyGrant(key: F.userKey.publicKey)]), by: [F.acmeKey]),
            .notSignedByAdmins
        )
        expectRejected(try await world.submit(world.onboardAuditor(), by: [F.admin1]), .auditorExists)
        expectRejected(try await world.submit(world.onboardAuditor("other"), by: [F.admin1]), .auditorKeyInUse)
        expectRejected(
            try await world.submit(
                .auditorUpdate(AuditorUpdateRecord(id: "nobody", suspended: true, time: world.now)),
                by: [F.admin1]
            ),
            .unknownAuditor
        )
        expectRejected(
            try await world.submit(
                .auditorUpdate(AuditorUpdateRecord(id: "sec-audit", retireKeys: [F.userKey.publicKey.keyID], time: world.now)),
                by: [F.admin1]
            ),
            .unknownKey
        )
        expectRejected(
            try await world.submit(
                .auditorUpdate(
                    AuditorUpdateRecord(id: "sec-audit", addKeys: [KeyGrant(key: F.auditorKey.publicKey)], time: world.now)
                ),
                by: [F.admin1]
            ),
            .keyAlreadyGranted
        )
        let auditor = try #require(world.state.auditors["sec-audit"])
        #expect(auditor.trustSeed == defaultAuditorTrustSeed && !auditor.suspended)
        #expect(world.state.auditorKeys[F.auditorKey.publicKey.keyID] == "sec-audit")
        _ = image
    }

    @Test func withdrawals() async throws {
        var (world, image) = try await RecordsWorld.withAuditor()
        try await world.accept(world.onboardAuditor("other", keys: [KeyGrant(key: F.userKey.publicKey)]), by: [F.admin1])
        let payload = Self.vulns()
        try await world.attest(payload, by: [F.auditorKey])
        let attestation = RecordID(payload: payload)
        func withdraw(_ target: RecordID, auditor: String = "sec-audit") -> Record {
            .attestationWithdraw(
                AttestationWithdrawRecord(auditor: auditor, attestation: target, reason: "rescan", time: world.now)
            )
        }
        expectRejected(try await world.submit(withdraw(attestation, auditor: "other"), by: [F.userKey]), .notIssuingAuditor)
        expectRejected(try await world.submit(withdraw(attestation), by: [F.userKey]), .notSignedByAuditor)
        expectRejected(try await world.submit(withdraw(attestation, auditor: "nobody"), by: [F.userKey]), .unknownAuditor)
        expectRejected(try await world.submit(withdraw(image), by: [F.auditorKey]), .notAnAttestation)
        expectRejected(try await world.submit(withdraw(F.sampleID), by: [F.auditorKey]), .unknownRecord)
        let withdrawal = try await world.accept(withdraw(attestation), by: [F.auditorKey])
        #expect(world.state.records[attestation]?.withdrawnBy == withdrawal)
        expectRejected(try await world.submit(withdraw(attestation), by: [F.auditorKey]), .alreadyWithdrawn)
        // A suspended auditor may still retract.
        let second = Self.vulns(0x0A, findings: [.init(id: "CVE-1", severity: [])])
        try await world.attest(second, by: [F.auditorKey])
        try await world.accept(
            .auditorUpdate(AuditorUpdateRecord(id: "sec-audit", suspended: true, time: world.now)),
            by: [F.admin1]
        )
        try await world.accept(withdraw(RecordID(payload: second)), by: [F.auditorKey])
    }

    @Test func currentSupersededWithdrawnExpired() {
        func state(_ byte: UInt8, auditor: String, type: String, withdrawn: Bool = false, expires: Int64? = nil) -> RecordState {
            var summary = AttestationSummary(predicateType: type)
            summary.expiresAt = expires
            return RecordState(
                id: RecordID(payload: [byte]),
                kind: .attestation,
                integratedAt: Int64(byte),
                auditor: auditor,
                attestation: summary,
                withdrawnBy: withdrawn ? RecordID(payload: [byte, byte]) : nil
            )
        }
        let v = AttestationPredicate.vulnsType
        let a = AttestationPredicate.auditType
        let records = [
            state(1, auditor: "a1", type: v),
            state(2, auditor: "a2", type: v),
            state(3, auditor: "a1", type: v),
            state(4, auditor: "a1", type: a, expires: 100),
            state(5, auditor: "a2", type: v, withdrawn: true),
            state(6, auditor: "a2", type: a, expires: 1000),
        ]
        let statuses = AttestationStatus.classify(records, at: 500)
        #expect(
            statuses == [
                .superseded(by: records[2].id), .superseded(by: records[4].id), .current, .expired(at: 100),
                .withdrawn(by: RecordID(payload: [5, 5])), .current,
            ]
        )
    }
}
