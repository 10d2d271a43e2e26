import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Provenance
import TransparencyLog

/// One attestation as `GET /v1/images/{digest}/attestations` shows it.
public struct AttestationView: Codable, Sendable, Equatable {
    /// The attestation's record id.
    public var id: String
    /// The auditor whose key signed it.
    public var auditor: String?
    /// The predicate type URI.
    public var predicateType: String?
    /// `PASSED`, `WARNED` or `FAILED`; absent for predicate types vmtrust does not interpret.
    public var result: String?
    /// 0–100; absent for predicate types vmtrust does not interpret.
    public var score: Int?
    /// What vmtrust read from the predicate (counts per severity, controls, scope, expiry…).
    public var summary: AttestationSummary?
    /// `current`, `superseded`, `withdrawn` or `expired`.
    public var status: String
    /// The later attestation that supersedes it.
    public var supersededBy: String?
    /// The withdrawal record.
    public var withdrawnBy: String?
    /// The image record it covers (the first image record of its first subject).
    public var covers: String?
    /// Integration time (the attestation's time), ms since the Unix epoch.
    public var integratedTime: Int64
    /// Age at the server's time, ms.
    public var age: Int64
    /// Position in the log.
    public var index: UInt64
    /// RFC 6962 leaf hash, hex.
    public var leafHash: String
    /// Tree size of the proof.
    public var treeSize: UInt64
    /// Inclusion proof, base64 hashes.
    public var inclusionProof: [String]
}

/// `GET /v1/images/{digest}/attestations`.
public struct AttestationsView: Codable, Sendable {
    /// The digest asked for.
    public var digest: String
    /// The image record attestations about the digest link to.
    public var record: String
    /// Every attestation about the digest in log order, current, superseded, withdrawn and expired.
    public var attestations: [AttestationView]
    /// The server's time the statuses and ages are computed at, ms.
    public var time: Int64
    /// The checkpoint every proof is against.
    public var checkpoint: String
}

/// `GET /v1/auditors/{id}`.
public struct AuditorView: Codable, Sendable {
    /// The auditor's state: keys with validity windows, accreditation, allowed types, suspension, trust seed.
    public var auditor: AuditorState
    /// The onboarding and update records in log order, with proofs.
    public var records: [RecordView]
    /// The checkpoint every proof is against.
    public var checkpoint: String
}

extension TrustServer {
    /// The reading API over attestations and auditors.
    func addAttestationRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/images/{digest}/attestations") { _, context in
            let digest = try context.parameters.require("digest")
            guard ImageDigest.isValid(digest) else {
                throw Problem.invalidParameter("\(digest) is not an image digest (sha256:<64 hex digits>)")
            }
            let state = ledger.provenanceState
            guard let image = try await state.imageRecord(digest: digest) else {
                throw Problem.notFound("no image record has digest \(digest)")
            }
            let checkpoint = await ledger.latestCheckpoint
            let now = ledger.now()
            let records = try await state.records(ids: state.attestations(subject: digest))
            let statuses = AttestationStatus.classify(records, at: now)
            let proofs = try await ledger.inclusionProofs(for: records.map(\.id))
            var views: [AttestationView] = []
            for (record, status) in zip(records, statuses) {
                guard let proof = proofs[record.id], proof.treeSize >= checkpoint.size else {
                    throw Problem(
                        .internalServerError,
                        code: "internal",
                        title: "Internal error",
                        detail: "attestation \(record.id) is indexed but not in the log"
                    )
                }
                var supersededBy: String?
                if case .superseded(let by) = status { supersededBy = by.description }
                views.append(
                    AttestationView(
                        id: record.id.description,
                        auditor: record.auditor,
                        predicateType: record.attestation?.predicateType,
                        result: record.attestation?.result?.rawValue,
                        score: record.attestation?.score,
                        summary: record.attestation,
                        status: status.name,
                        supersededBy: supersededBy,
                        withdrawnBy: record.withdrawnBy?.description,
                        covers: record.linked?.description,
                        integratedTime: record.integratedAt,
                        age: max(0, now - record.integratedAt),
                        index: proof.index,
                        leafHash: proof.leafHash.hex,
                        treeSize: proof.treeSize,
                        inclusionProof: proof.inclusionProof.map(\.base64)
                    )
                )
            }
            return try Response.json(
                AttestationsView(
                    digest: digest,
                    record: image.description,
                    attestations: views,
                    time: now,
                    checkpoint: checkpoint.note
                )
            )
        }
        router.get("/v1/auditors/{id}") { _, context in
            let id = try context.parameters.require("id")
            let state = ledger.provenanceState
            guard let auditor = try await state.auditor(id: id) else { throw Problem.notFound("no auditor \(id)") }
            let checkpoint = await ledger.latestCheckpoint
            let records = try await state.records(ids: state.governanceRecords(ofAuditor: id))
            return try Response.json(
                AuditorView(
                    auditor: auditor,
                    records: try await views(records, state: state, at: ledger.now(), size: checkpoint.size),
                    checkpoint: checkpoint.note
                )
            )
        }
    }
}
