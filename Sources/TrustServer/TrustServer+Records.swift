import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import NIOCore
import Provenance

extension TrustServer {
    /// `POST /v1/records` and `GET /v1/records/{id}`.
    func addRecordRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/records") { request, context in
            let body = try await request.collectBody(limit: configuration.maxBodySize)
            let bytes = Array(buffer: body)
            let envelope: DSSEEnvelope
            do {
                envelope = try DSSEEnvelope(json: bytes)
            } catch {
                throw Problem.malformedEnvelope("\(error)")
            }
            // vmtrust records are authorised by the chain rules inside the sequencer, against the
            // log's own state; any other payload type needs an admin signature.
            if RecordKind(payloadType: envelope.payloadType) == nil {
                try authorize(envelope)
            }
            guard bytes.count <= LedgerEntry.maxEnvelopeSize else {
                throw Problem(
                    .contentTooLarge,
                    code: "entry-too-large",
                    title: "The entry is too large",
                    detail: "the envelope is \(bytes.count) bytes; entries hold at most \(LedgerEntry.maxEnvelopeSize)"
                )
            }
            let recordID = RecordID(payload: envelope.payload)
            // Decode and check signatures here, in parallel, rather than in the sequencer.
            let prepared: any Sendable =
                RecordKind(payloadType: envelope.payloadType) == nil
                ? envelope : await PreparedRecord(envelope, state: ledger.provenanceState, recordID: recordID)
            let receipt = try await ledger.submit(envelope: bytes, recordID: recordID, context: prepared)
            return Response.json(
                bytes: receipt.jsonBytes(),
                status: receipt.duplicate ? .ok : .created,
                headers: [.location: "/v1/records/\(recordID)"]
            )
        }
        router.get("/v1/records/{id}") { _, context in
            let raw = try context.parameters.require("id")
            guard let recordID = RecordID(raw) else {
                throw Problem.invalidParameter("\(raw) is not a record id (sha256:<64 hex digits>)")
            }
            guard let receipt = try await ledger.receipt(for: recordID) else {
                throw Problem.notFound("no record \(recordID) in the log")
            }
            return Response.json(bytes: receipt.jsonBytes())
        }
    }

    /// Checks that an admin key signed the envelope; any signature that names an admin key
    /// and fails is refused outright.
    func authorize(_ envelope: DSSEEnvelope) throws {
        let verified = envelope.verifiedKeys(configuration.adminKeys)
        let adminIDs = Set(configuration.adminKeys.map(\.keyID))
        let verifiedIDs = Set(verified.map(\.keyID))
        for signature in envelope.signatures {
            if let keyID = signature.keyID, adminIDs.contains(keyID), !verifiedIDs.contains(keyID) {
                throw Problem.invalidSignature("the signature by admin key \(keyID) does not verify over the envelope")
            }
        }
        guard !verified.isEmpty else {
            throw Problem.unknownSigner("no signature on the envelope verifies with an admin key")
        }
    }
}
