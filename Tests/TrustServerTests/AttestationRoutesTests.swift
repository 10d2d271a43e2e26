import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import NIOCore
import Provenance
import Testing
import TransparencyLog
import TrustServer
import VMTrustTesting

@Suite("Attestations over HTTP")
struct AttestationRoutesTests {
    static func key(_ byte: UInt8) -> SigningKey { try! SigningKey(ed25519Seed: [UInt8](repeating: byte, count: 32)) }
    static let acme = key(0x01)
    static let auditorKey = key(0x31)
    static let strangerKey = key(0x41)
    static let t0: Int64 = 1_790_000_000_000
    static func digest(_ byte: UInt8) -> String { "sha256:" + String(repeating: String(format: "%02x", byte), count: 32) }

    static func vulns(_ digest: String, findings: Int) -> InTotoStatement {
        InTotoStatement(
            subjects: [ResourceDescriptor(imageDigest: digest)],
            predicate: .vulns(
                VulnsPredicate(
                    scannerURI: "pkg:github/anchore/grype@v0.79.0",
                    scannerVersion: "0.79.0",
                    databaseURI: nil,
                    databaseVersion: "5",
                    databaseLastUpdate: t0 - 3_600_000,
                    findings: (0..<findings).map { .init(id: "CVE-2026-\($0)", severity: [.init(method: "nvd", score: "High")]) },
                    scanStartedOn: t0 - 60_000,
                    scanFinishedOn: t0
                )
            )
        )
    }

    @Test("Attestations are admitted through POST /v1/records and listed per image with status and proofs")
    func attestations() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Harness(admission: TestKeys.admission, clock: { clock.now() })
        try await harness.app.test(.router) { client in
            let admin = TestKeys.admin
            func post(_ envelope: DSSEEnvelope) async throws -> TestResponse {
                clock.advance(byMillis: 1000)
                return try await client.post(envelope.jsonBytes())
            }
            func accept(_ envelope: DSSEEnvelope) async throws -> Receipt {
                let response = try await post(envelope)
                #expect(response.status == .created, "\(response.text)")
                return try response.receipt()
            }
            func attestation(_ statement: InTotoStatement, by key: SigningKey) throws -> DSSEEnvelope {
                try DSSEEnvelope.sign(payloadType: InTotoStatement.payloadType, payload: statement.encoded(), keys: [key])
            }
            _ = try await accept(
                try Record.genesis(
                    GenesisRecord(adminKeys: [admin.publicKey], threshold: 1, origin: TestKeys.origin, time: Self.t0)
                )
                .signed(by: [admin])
            )
            _ = try await accept(
                try Record.providerOnboard(
                    ProviderOnboardRecord(
                        id: "acme",
                        displayName: "Acme",
                        keys: [KeyGrant(key: Self.acme.publicKey)],
                        initialReputation: 75,
                        time: Self.t0
                    )
                ).signed(by: [admin])
            )
            let image = try await accept(
                try Record.imageRegister(
                    ImageRegisterRecord(
                        digest: Self.digest(1),
                        provider: "acme",
                        name: "ubuntu-24.04",
                        format: .qcow2,
                        size: 4096,
                        initialReputation: 75,
                        time: Self.t0
                    )
                ).signed(by: [Self.acme])
            )
            let onboard = AuditorOnboardRecord(
                id: "sec-audit",
                displayName: "Secure Audit",
                keys: [KeyGrant(key: Self.auditorKey.publicKey)],
                accreditation: Accreditation(by: "DAkkS", until: Self.t0 + 86_400_000),
                attestationTypes: [AttestationPredicate.vulnsType, AttestationPredicate.auditType],
                trustSeed: 18,
                time: Self.t0
            )
            _ = try await accept(try Record.auditorOnboard(onboard).signed(by: [admin]))

            let first = try await accept(try attestation(Self.vulns(Self.digest(1), findings: 2), by: Self.auditorKey))
            let second = try await accept(try attestation(Self.vulns(Self.digest(1), findings: 0), by: Self.auditorKey))
            let audit = InTotoStatement(
                subjects: [ResourceDescriptor(imageDigest: Self.digest(1))],
                predicate: .audit(
                    AuditPredicate(result: .passed, score: 90, controlsChecked: 20, controlsPassed: 19, scope: .process)
                )
            )
            let audited = try await accept(try attestation(audit, by: Self.auditorKey))
            let withdrawal = try await accept(
                try Record.attestationWithdraw(
                    AttestationWithdrawRecord(
                        auditor: "sec-audit",
                        attestation: audited.recordID,
                        reason: "scope error",
                        time: clock.now() + 1000
                    )
                ).signed(by: [Self.auditorKey])
            )

            // Refusals: problem+json naming the rule, and nothing written.
            let size = await harness.ledger.latestCheckpoint.size
            let refusals: [(DSSEEnvelope, HTTPResponse.Status, String)] = [
                (
                    try attestation(Self.vulns(Self.digest(9), findings: 0), by: Self.auditorKey), .conflict,
                    "record-unknown-subject"
                ),
                (
                    try attestation(Self.vulns(Self.digest(1), findings: 1), by: Self.strangerKey), .conflict,
                    "record-unknown-auditor"
                ),
                (
                    try attestation(
                        InTotoStatement(
                            subjects: [ResourceDescriptor(imageDigest: Self.digest(1))],
                            predicate: .testResult(
                                TestResultPredicate(result: .passed, configuration: [ResourceDescriptor(uri: "urn:cis:ubuntu")])
                            )
                        ),
                        by: Self.auditorKey
                    ),
                    .forbidden, "record-attestation-type-not-allowed"
                ),
                (
                    try DSSEEnvelope.sign(
                        payloadType: InTotoStatement.payloadType,
                        payload: Array(
                            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(Self.digest(1).dropFirst(7)))"}}],"predicateType":"\#(AttestationPredicate.auditType)","predicate":{"score":5}}"#
                                .utf8
                        ),
                        keys: [Self.auditorKey]
                    ),
                    .badRequest, "record-invalid-predicate"
                ),
                (
                    try DSSEEnvelope.sign(
                        payloadType: InTotoStatement.payloadType,
                        payload: Array(#"{"_type":"x"}"#.utf8),
                        keys: [Self.auditorKey]
                    ),
                    .badRequest, "record-invalid-record"
                ),
            ]
            for (envelope, status, code) in refusals {
                let response = try await post(envelope)
                #expect(response.status == status, "\(response.text)")
                #expect(try response.problem().code == code)
            }
            #expect(await harness.ledger.latestCheckpoint.size == size)

            clock.advance(byMillis: 5000)
            let listing = try await client.execute(uri: "/v1/images/\(Self.digest(1))/attestations", method: .get)
            #expect(listing.status == .ok)
            let view = try JSONDecoder().decode(AttestationsView.self, from: Data(listing.bytes))
            #expect(view.record == image.recordID.description)
            #expect(view.attestations.map(\.id) == [first, second, audited].map(\.recordID.description))
            #expect(view.attestations.map(\.status) == ["superseded", "current", "withdrawn"])
            #expect(view.attestations[0].supersededBy == second.recordID.description)
            #expect(view.attestations[2].withdrawnBy == withdrawal.recordID.description)
            #expect(view.attestations.allSatisfy { $0.auditor == "sec-audit" && $0.covers == image.recordID.description })
            #expect(view.attestations.map(\.score) == [71, 100, 90])  // 10 / (10 + 2·2)
            #expect(view.attestations.map(\.result) == ["FAILED", "PASSED", "PASSED"])
            #expect(view.attestations[0].summary?.severities?.high == 2)
            #expect(view.attestations[1].age == view.time - second.integratedAtMillis)
            let note = try Note(parsing: Array(view.checkpoint.utf8))
            _ = try note.verify(using: TestKeys.logVerifiers)
            let checkpoint = try Checkpoint(parsing: note.text)
            for attestation in view.attestations {
                #expect(
                    MerkleTree.verifyInclusion(
                        leafHash: try #require(TreeHash(hex: attestation.leafHash)),
                        index: attestation.index,
                        size: checkpoint.size,
                        proof: attestation.inclusionProof.compactMap { TreeHash(base64: $0) },
                        root: try #require(TreeHash(bytes: checkpoint.rootHash))
                    )
                )
            }

            let auditor = try await client.execute(uri: "/v1/auditors/sec-audit", method: .get)
            #expect(auditor.status == .ok)
            let auditorView = try JSONDecoder().decode(AuditorView.self, from: Data(auditor.bytes))
            #expect(auditorView.auditor.trustSeed == 18)
            #expect(auditorView.auditor.keys.map(\.keyID) == [Self.auditorKey.publicKey.keyID])
            #expect(auditorView.records.map(\.kind) == ["auditor-onboard"])
            #expect(try await client.execute(uri: "/v1/auditors/nobody", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v1/images/\(Self.digest(9))/attestations", method: .get).status == .notFound)
            let invalid = try await client.execute(uri: "/v1/images/sha256:xyz/attestations", method: .get)
            #expect(invalid.status == .badRequest)
            #expect(try invalid.problem().code == "invalid-parameter")
        }
    }
}
