import Provenance
import Reputation
import TransparencyLog

extension Ledger {
    /// The provenance bundle of image `digest`, or `nil` when no image record in the published tree names it.
    ///
    /// When several providers registered the digest, the bundle is about the image record integrated first.
    /// The latest checkpoint is read once and every inclusion proof is against it; entries integrated after it
    /// are left out. The cost grows with the lineage's depth and the provider's governance records (read from
    /// their own indexes), not with the log size or the provider's image count.
    ///
    /// With `facts`, the bundle is of version 3 (``ProvenanceBundle/factsVersion``): it also holds what a policy
    /// decision about the image needs (docs/FORMATS.md, "Bundle, version 3"), and it is read again until no batch
    /// committed while it was read, so that the reputation documents are those at its checkpoint.
    public func bundle(forImage digest: String, facts: Bool = false) async throws -> ProvenanceBundle? {
        guard facts else { return try await bundle(forImage: digest, checkpoint: latestCheckpoint, facts: false) }
        for _ in 0..<100 {
            guard let checkpoint = try await store.latestCheckpoint() else {
                throw LedgerError.corruptStore("the store has no checkpoint")
            }
            let bundle = try await bundle(forImage: digest, checkpoint: checkpoint, facts: true)
            if try await store.latestCheckpoint()?.size == checkpoint.size { return bundle }
        }
        throw LedgerError(code: .sequencingConflict, message: "the log grew during every one of 100 bundle reads")
    }

    private func bundle(forImage digest: String, checkpoint: StoredCheckpoint, facts: Bool) async throws -> ProvenanceBundle? {
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
        return try await bundle(for: image, subject: digest, checkpoint: checkpoint, state: state, facts: facts)
    }

    /// The provenance bundle of the image record `id` against the latest checkpoint, or `nil` when the published
    /// tree has no such image record.
    public func bundle(forRecord id: RecordID) async throws -> ProvenanceBundle? {
        let checkpoint = latestCheckpoint
        let state = provenanceState
        guard let image = try await state.record(id: id), image.kind.isImageRecord, let digest = image.digest,
            let position = try await index(of: id), position < checkpoint.size
        else { return nil }
        return try await bundle(for: image, subject: digest, checkpoint: checkpoint, state: state, facts: false)
    }

    private func bundle(
        for image: RecordState,
        subject: String,
        checkpoint: StoredCheckpoint,
        state: LedgerProvenanceState,
        facts: Bool
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
        let attestations = try await state.records(ids: state.attestations(subject: subject))
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
        var reputation: BundleReputation?
        if facts, let provider = image.provider {
            ids += try await factRecords(for: image, subject: subject, state: state)
            let documents = LedgerReputationState(store: store)
            reputation = BundleReputation(
                provider: provider,
                logSize: checkpoint.size,
                document: try await documents.provider(id: provider),
                parameters: try await documents.parameterHistory()
            )
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
            version: reputation != nil
                ? ProvenanceBundle.factsVersion
                : attested ? ProvenanceBundle.attestationsVersion : ProvenanceBundle.currentVersion,
            reputation: reputation
        )
    }

    /// The most records of a lineage below an image a version 3 bundle holds (as the server's facts read).
    static let maximumDescendants = 10_000

    /// The extra records of a version 3 bundle: every attestation about `subject` (current, superseded, withdrawn
    /// or expired), their withdrawals, the governance records of their auditors and, for an attestation about
    /// several images, the image records (with their lineage and provider governance) of the other subjects, so
    /// that the bundle's replay admits it; the image records below `image` in its lineage (newer versions); the
    /// break-glass overrides naming the subject or its provider that have not expired now, with the registration
    /// records of their users.
    private func factRecords(for image: RecordState, subject: String, state: LedgerProvenanceState) async throws -> [RecordID] {
        var ids: [RecordID] = []
        var auditors: Set<String> = []
        var otherImages: Set<String> = []
        for id in try await state.attestations(subject: subject) {
            guard let record = try await state.record(id: id) else { continue }
            ids.append(id)
            if let withdrawal = record.withdrawnBy { ids.append(withdrawal) }
            if let auditor = record.auditor, auditors.insert(auditor).inserted {
                ids += try await state.governanceRecords(ofAuditor: auditor)
            }
            for other in record.subjects ?? [] where other != subject { otherImages.insert(other) }
        }
        var providers: Set<String> = []
        for digest in otherImages.sorted() {
            guard let id = try await state.imageRecord(digest: digest), let other = try await state.record(id: id) else {
                continue
            }
            ids += ([other] + (try await state.ancestors(of: other))).map(\.id)
            if let provider = other.provider, provider != image.provider, providers.insert(provider).inserted {
                ids += try await state.governanceRecords(ofProvider: provider)
            }
        }
        // Newer versions: breadth first, as the facts count them.
        var level = [image.id]
        var seen: Set<RecordID> = [image.id]
        while !level.isEmpty, seen.count <= Self.maximumDescendants {
            var next: [RecordID] = []
            for parent in level {
                for child in try await state.children(of: parent, limit: Self.maximumDescendants)
                where seen.insert(child).inserted {
                    next.append(child)
                    ids.append(child)
                }
            }
            level = next
        }
        // Break-glass overrides for the image or its provider, and their users.
        var users: Set<String> = []
        for grant in try await state.breakGlassGrants(unexpiredAt: now())
        where grant.image == subject || (grant.provider != nil && grant.provider == image.provider) {
            ids.append(grant.record)
            if users.insert(grant.user).inserted, let user = try await state.user(id: grant.user) {
                ids.append(user.registeredBy)
            }
        }
        return ids
    }
}
