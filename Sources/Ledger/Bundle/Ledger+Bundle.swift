import Provenance
import TransparencyLog

extension Ledger {
    /// The provenance bundle of image `digest`, or `nil` when no image record in the published tree names it.
    ///
    /// When several providers registered the digest, the bundle is about the image record integrated first.
    /// The latest checkpoint is read once and every inclusion proof is against it; entries integrated after it
    /// are left out. The cost grows with the lineage's depth and the provider's governance records (read from
    /// their own indexes), not with the log size or the provider's image count.
    public func bundle(forImage digest: String) async throws -> ProvenanceBundle? {
        let checkpoint = latestCheckpoint
        let state = provenanceState
        var candidates: [RecordState] = []
        for id in try await state.records(withDigest: digest) {
            if let record = try await state.record(id: id), record.kind.isImageRecord, record.digest == digest {
                candidates.append(record)
            }
        }
        let candidateIndexes = try await indexes(of: candidates.map(\.id))
        let published = candidates.compactMap { record -> (RecordState, UInt64)? in
            guard let index = candidateIndexes[record.id], index < checkpoint.size else { return nil }
            return (record, index)
        }
        guard let image = published.min(by: { $0.1 < $1.1 })?.0 else { return nil }
        return try await bundle(for: image, subject: digest, checkpoint: checkpoint, state: state)
    }

    /// The provenance bundle of the image record `id` against the latest checkpoint, or `nil` when the published
    /// tree has no such image record.
    public func bundle(forRecord id: RecordID) async throws -> ProvenanceBundle? {
        let checkpoint = latestCheckpoint
        let state = provenanceState
        guard let image = try await state.record(id: id), image.kind.isImageRecord, let digest = image.digest,
            let position = try await index(of: id), position < checkpoint.size
        else { return nil }
        return try await bundle(for: image, subject: digest, checkpoint: checkpoint, state: state)
    }

    private func bundle(
        for image: RecordState,
        subject: String,
        checkpoint: StoredCheckpoint,
        state: LedgerProvenanceState
    ) async throws -> ProvenanceBundle {
        let chain = [image] + (try await state.ancestors(of: image))
        let chainIDs = Set(chain.map(\.id))
        var ids: [RecordID] = chain.map(\.id)
        if let genesis = try await state.governance()?.genesis { ids.append(genesis) }
        if let provider = image.provider {
            ids += try await state.governanceRecords(ofProvider: provider)
        }
        for id in chainIDs {
            ids += try await state.records(targeting: id)
        }
        // The subject's current attestations (only those about the subject alone: the bundle proves one
        // image) and the auditor records that authorise their keys.
        var attestations: [RecordState] = []
        for id in try await state.attestations(subject: subject) {
            if let record = try await state.record(id: id) { attestations.append(record) }
        }
        let current = zip(attestations, AttestationStatus.classify(attestations, at: now())).compactMap { record, status in
            status == .current && record.subjects == [subject] ? record : nil
        }
        var auditors: Set<String> = []
        for record in current {
            ids.append(record.id)
            if let auditor = record.auditor, auditors.insert(auditor).inserted {
                ids += try await state.governanceRecords(ofAuditor: auditor)
            }
        }
        let found = try await indexes(of: Array(Set(ids)))
        var entries: [ProvenanceBundle.Entry] = []
        for index in Set(found.values).filter({ $0 < checkpoint.size }).sorted() {
            guard let entry = try await entry(at: index) else {
                throw LedgerError.corruptStore("entry \(index) is indexed but missing")
            }
            entries.append(
                ProvenanceBundle.Entry(
                    index: index,
                    integratedTime: entry.integratedAtMillis,
                    envelope: entry.envelope,
                    inclusionProof: try await inclusionProof(index: index, size: checkpoint.size)
                )
            )
        }
        let attested = current.contains { record in found[record.id].map { $0 < checkpoint.size } ?? false }
        return ProvenanceBundle(
            origin: origin,
            checkpoint: checkpoint.note,
            subject: subject,
            record: image.id,
            entries: entries,
            version: attested ? ProvenanceBundle.attestationsVersion : ProvenanceBundle.currentVersion
        )
    }
}
