import Policy
import Provenance
import Reputation

/// Where the facts of a policy decision come from: a log's state at one checkpoint, read on the server from the
/// ledger (``LedgerPolicyFactSource``) or offline from a bundle. ``PolicyFactSource/facts(for:)`` turns these
/// reads into ``PolicyFacts`` the same way for every source, so that the server and an offline evaluation at the
/// same log size give the same decision.
///
/// Every read must answer for the state at ``checkpoint`` exactly.
public protocol PolicyFactSource: Sendable {
    /// The checkpoint the state is at.
    var checkpoint: CheckpointReference { get }
    /// The provenance state at the checkpoint.
    var provenance: any ProvenanceStateReader { get }
    /// The reputation documents at the checkpoint.
    var reputation: any ReputationStateReader { get }
    /// The attestation records whose subject is `digest`, in log order, each with its log index.
    func attestations(subject digest: String) async throws -> [(record: RecordState, index: UInt64)]
    /// The image records whose `previous` is `id`.
    func children(of id: RecordID) async throws -> [RecordID]
    /// The key id of the provider key whose signature on `record` verifies, or `nil` when none does.
    func signerKeyID(of record: RecordState) async throws -> String?
    /// The break-glass overrides not expired at `time` (ms).
    func breakGlassGrants(unexpiredAt time: Int64) async throws -> [BreakGlassState]
}

extension PolicyFactSource {
    /// The facts about `request` (docs/POLICY-LANGUAGE.md §8): ``snapshot(image:)`` of the image, then
    /// ``PolicyImageSnapshot/facts(for:grants:)`` with the break-glass overrides not expired at the request time.
    public func facts(for request: AuthorizationRequest) async throws -> PolicyFacts {
        try await snapshot(image: request.image).facts(
            for: request,
            grants: try await breakGlassGrants(unexpiredAt: request.time)
        )
    }

    /// Everything the facts about one image depend on at the checkpoint (a value: it can be kept for as long as
    /// decisions are made at this checkpoint).
    public func snapshot(image digest: String) async throws -> PolicyImageSnapshot {
        let checkpoint = self.checkpoint
        guard let imageID = try await provenance.imageRecord(digest: digest),
            let record = try await provenance.record(id: imageID), let providerID = record.provider
        else {
            return PolicyImageSnapshot(checkpoint: checkpoint, digest: digest, image: nil)
        }
        var ancestors: [RecordState] = []
        var lineageIntact = true
        do {
            ancestors = try await provenance.ancestors(of: record)
        } catch is LineageError {
            lineageIntact = false
        }
        var signers: [RecordID: String] = [:]
        for link in [record] + ancestors {
            if let keyID = try await signerKeyID(of: link) { signers[link.id] = keyID }
        }
        return PolicyImageSnapshot(
            checkpoint: checkpoint,
            digest: digest,
            image: PolicyImageSnapshot.Image(
                record: record,
                ancestors: ancestors,
                lineageIntact: lineageIntact,
                signers: signers,
                provider: try await provenance.provider(id: providerID),
                versionsBehind: try await newerVersions(below: imageID),
                attestations: try await attestations(subject: digest),
                reputation: try await reputation.provider(id: providerID),
                parameters: try await reputation.parameterHistory()
            )
        )
    }

    /// The length of the longest chain of image records below `id` (0: `id` is the newest of its branch), walked
    /// breadth first; at most 10,000 records are visited.
    private func newerVersions(below id: RecordID) async throws -> Int {
        var level = [id]
        var depth = 0
        var visited = 0
        var seen: Set<RecordID> = [id]
        while !level.isEmpty, visited < 10_000 {
            var next: [RecordID] = []
            for parent in level {
                for child in try await children(of: parent) where seen.insert(child).inserted {
                    next.append(child)
                    visited += 1
                }
            }
            if next.isEmpty { break }
            depth += 1
            level = next
        }
        return depth
    }
}

/// What the policy facts about one image depend on, read at one checkpoint: the image record, its lineage and
/// signers, its provider, its attestations and the provider's reputation document. ``facts(for:grants:)`` turns it
/// into ``PolicyFacts`` for a request (the request time decides revocations, expiries and the reputation's decay).
public struct PolicyImageSnapshot: Sendable {
    /// The image part, when the digest is registered.
    public struct Image: Sendable {
        /// The first image record naming the digest.
        public var record: RecordState
        /// Its ancestors, parent first.
        public var ancestors: [RecordState]
        /// Whether the ancestors could be walked to a root (no missing link, no loop).
        public var lineageIntact: Bool
        /// The provider key id whose signature verifies on each record of the chain (absent: none verifies).
        public var signers: [RecordID: String] { didSet { signerKeys = Self.keys(signers, provider) } }
        /// The provider.
        public var provider: ProviderState? { didSet { signerKeys = Self.keys(signers, provider) } }
        /// The provider's state of each key in ``signers``, looked up once (a key id is a hash of the key).
        private(set) var signerKeys: [RecordID: KeyState]
        /// The length of the longest chain of newer versions below the record.
        public var versionsBehind: Int
        /// The attestations about the digest in log order, with their log indexes.
        public var attestations: [(record: RecordState, index: UInt64)]
        /// The provider's reputation document (`nil`: none yet).
        public var reputation: ProviderReputation?
        /// The reputation parameter history (`nil`: the defaults).
        public var parameters: ParameterHistory?

        /// Creates the image part.
        public init(
            record: RecordState,
            ancestors: [RecordState],
            lineageIntact: Bool,
            signers: [RecordID: String],
            provider: ProviderState?,
            versionsBehind: Int,
            attestations: [(record: RecordState, index: UInt64)],
            reputation: ProviderReputation?,
            parameters: ParameterHistory?
        ) {
            self.record = record
            self.ancestors = ancestors
            self.lineageIntact = lineageIntact
            self.signers = signers
            self.provider = provider
            self.versionsBehind = versionsBehind
            self.attestations = attestations
            self.reputation = reputation
            self.parameters = parameters
            self.signerKeys = Self.keys(signers, provider)
        }

        private static func keys(_ signers: [RecordID: String], _ provider: ProviderState?) -> [RecordID: KeyState] {
            guard let provider else { return [:] }
            var keyStates: [String: KeyState] = [:]
            for key in provider.keys { keyStates[key.keyID] = keyStates[key.keyID] ?? key }
            return signers.compactMapValues { keyStates[$0] }
        }
    }

    /// The checkpoint it was read at.
    public var checkpoint: CheckpointReference
    /// The image digest.
    public var digest: String
    /// The image part; `nil` when the digest is not in the log.
    public var image: Image?

    /// Creates a snapshot.
    public init(checkpoint: CheckpointReference, digest: String, image: Image?) {
        self.checkpoint = checkpoint
        self.digest = digest
        self.image = image
    }

    /// The facts about `request` (whose image is ``digest``) given the break-glass overrides not expired at its
    /// time (docs/POLICY-LANGUAGE.md §8):
    ///
    /// - `image`: the first image record naming the digest; its chain from the lineage root (valid when every
    ///   link is present, an image record of the same provider, and signed by a provider key valid at the link's
    ///   integration, with the provider's newest key state: a back-dated key revocation invalidates later links);
    ///   the revocation in force or scheduled at the request time (direct before inherited, nearest first); the
    ///   deprecation; `versions_behind`, the length of the longest chain of newer versions below the record.
    /// - `provider`: suspension, and whether the key that signed the image record is valid at the request time.
    /// - `reputation`: REPUTATION.md's score at the request time and the checkpoint's log size (contract C3); a
    ///   provider without a reputation document gets the score of an empty document (score 50, confidence 0).
    ///   Score and band bounds are rounded to 0.1, the confidence to 0.001, as published.
    /// - `attestations`: every attestation about the digest with its log index; `superseded` when a later one
    ///   of the same (predicate type, auditor) exists, `withdrawn` when withdrawn **or expired at the request
    ///   time** (an audit past its `expiresAt` counts as absent); vulnerability counts as findings; `PASSED` and
    ///   `WARNED` as pass, anything else as fail.
    /// - `break_glass`: the overrides for the request's user covering the image (by digest, or by its
    ///   provider) and the request's environment.
    public func facts(for request: AuthorizationRequest, grants: [BreakGlassState]) -> PolicyFacts {
        facts(for: request, grants: grants, reputation: nil)
    }

    /// The reputation snapshot of the image's provider at `time` (ms) and the checkpoint's log size, as
    /// ``facts(for:grants:)`` reports it; `nil` when the image is not in the log.
    public func reputationSnapshot(at time: Int64) -> ReputationSnapshot? {
        guard let image, let providerID = image.record.provider else { return nil }
        let score = ReputationScore(
            image.reputation ?? ProviderReputation(id: providerID),
            history: image.parameters ?? ParameterHistory(),
            at: time,
            logSize: Int(clamping: checkpoint.size)
        )
        return ReputationSnapshot(
            provider: providerID,
            score: score.published,
            confidence: (score.confidence * 1000).rounded() / 1000,
            band90Low: (score.bandLow * 10).rounded() / 10,
            band90High: (score.bandHigh * 10).rounded() / 10,
            parameterVersion: Int64(score.parametersVersion)
        )
    }

    /// ``facts(for:grants:)`` with the provider's reputation snapshot at the request time already computed
    /// (``reputationSnapshot(at:)`` of this snapshot, or of another snapshot of the same provider at the same
    /// checkpoint: the score depends only on the provider's document, the parameters, the time and the log size);
    /// `nil` computes it.
    public func facts(
        for request: AuthorizationRequest,
        grants: [BreakGlassState],
        reputation known: ReputationSnapshot?
    ) -> PolicyFacts {
        prepared().facts(for: request, grants: grants, reputation: known)
    }

    /// The part of ``facts(for:grants:)`` that does not depend on the request, computed once: a snapshot kept for
    /// many decisions keeps this too, and each decision then only applies its time, user and environment.
    public func prepared() -> PreparedPolicyFacts { PreparedPolicyFacts(self) }
}

/// ``PolicyImageSnapshot/facts(for:grants:)`` in two steps: what depends only on the snapshot (the chain and its
/// validity, the signer's key state, the revocation candidates, the attestations' supersession and withdrawal),
/// computed once by ``init(_:)``; then, for each request, what depends on its time, user and environment (the
/// revocation in force, the key's validity, audits expired at that time, the break-glass overrides, the
/// reputation's decay) in ``facts(for:grants:reputation:)``.
public struct PreparedPolicyFacts: Sendable {
    /// The snapshot.
    public let snapshot: PolicyImageSnapshot
    /// The request-independent facts; `nil` when the image is not in the log.
    private let base: Base?

    private struct Base: Sendable {
        var providerID: String
        /// The image facts without the revocation (which depends on the time).
        var image: ImageFacts
        /// Whether the record or an ancestor carries a revocation that applies to it (else none is ever in force).
        var revocable: Bool
        /// The provider key state that signed the image record.
        var signer: KeyState?
        /// The attestations, withdrawn and superseded as they are at any time, before expiries.
        var attestations: [AttestationFact]
        /// Positions in ``attestations`` of the otherwise current ones with an expiry, and that expiry (ms).
        var expiries: [(index: Int, expiresAt: Int64)]
    }

    /// Prepares `snapshot`.
    public init(_ snapshot: PolicyImageSnapshot) {
        self.snapshot = snapshot
        guard let image = snapshot.image, let providerID = image.record.provider else {
            base = nil
            return
        }
        let record = image.record
        let links = [record] + image.ancestors
        var chainValid = image.lineageIntact
        for link in links {
            let key = image.signerKeys[link.id]
            if link.provider != providerID || !link.kind.isImageRecord || !(key?.isValid(at: link.integratedAt) ?? false) {
                chainValid = false
            }
        }
        let revocable =
            record.revocation != nil || image.ancestors.contains { $0.revocation?.inherit ?? false }
        let imageFacts = ImageFacts(
            record: record.id,
            digest: snapshot.digest,
            provider: providerID,
            chain: links.reversed().map(\.id),
            chainValid: chainValid,
            revocation: nil,
            deprecation: record.deprecation.map { DeprecationFact(record: $0.record, at: $0.after) },
            versionsBehind: image.versionsBehind
        )
        // At the earliest time only audits expiring at `Int64.min` are expired; the others that are current then
        // are current at any time until their expiry.
        let statuses = AttestationStatus.classify(image.attestations.map(\.record), at: .min)
        var expiries: [(index: Int, expiresAt: Int64)] = []
        var attestations: [AttestationFact] = []
        attestations.reserveCapacity(image.attestations.count)
        for (item, status) in zip(image.attestations, statuses) {
            let summary = item.record.attestation
            var withdrawn = false
            var superseded = false
            switch status {
            case .current:
                if let expiresAt = summary?.expiresAt { expiries.append((attestations.count, expiresAt)) }
            case .superseded: superseded = true
            case .withdrawn, .expired: withdrawn = true
            }
            let severities = summary?.severities
            attestations.append(
                AttestationFact(
                    record: item.record.id,
                    subject: snapshot.digest,
                    predicateType: summary?.predicateType ?? "",
                    auditor: item.record.auditor ?? "",
                    integratedAt: item.record.integratedAt,
                    logIndex: item.index,
                    withdrawn: withdrawn,
                    superseded: superseded,
                    result: summary?.result == .passed || summary?.result == .warned ? .pass : .fail,
                    score: summary?.score.map(Double.init),
                    findings: FindingCounts(
                        critical: severities?.critical ?? 0,
                        high: severities?.high ?? 0,
                        medium: severities?.medium ?? 0,
                        low: severities?.low ?? 0
                    )
                )
            )
        }
        base = Base(
            providerID: providerID,
            image: imageFacts,
            revocable: revocable,
            signer: image.signerKeys[record.id],
            attestations: attestations,
            expiries: expiries
        )
    }

    /// ``PolicyImageSnapshot/facts(for:grants:reputation:)``.
    public func facts(
        for request: AuthorizationRequest,
        grants: [BreakGlassState],
        reputation known: ReputationSnapshot?
    ) -> PolicyFacts {
        let checkpoint = snapshot.checkpoint
        guard let base, let image = snapshot.image else {
            return PolicyFacts(image: nil, provider: nil, reputation: nil, checkpoint: checkpoint)
        }
        let providerID = base.providerID
        let digest = snapshot.digest
        var imageFacts = base.image
        if base.revocable {
            switch RecordStatus(record: image.record, ancestors: image.ancestors, at: request.time) {
            case .revoked(let by, let inheritedFrom, let since):
                imageFacts.revocation = RevocationFact(record: by, inheritedFrom: inheritedFrom, effectiveAt: since)
            case .scheduled(let by, let inheritedFrom, let at):
                imageFacts.revocation = RevocationFact(record: by, inheritedFrom: inheritedFrom, effectiveAt: at)
            case .deprecated, .active:
                break
            }
        }
        let provider = image.provider.map {
            ProviderFacts(id: $0.id, suspended: $0.suspended, keyValid: base.signer?.isValid(at: request.time) ?? false)
        }

        let reputation = known ?? snapshot.reputationSnapshot(at: request.time)

        var attestations = base.attestations
        for expiry in base.expiries where expiry.expiresAt <= request.time {
            attestations[expiry.index].withdrawn = true
        }

        let covering = grants.compactMap { grant -> BreakGlassGrant? in
            guard grant.user == request.user, grant.expiresAt > request.time else { return nil }
            if let image = grant.image, image != digest { return nil }
            if let provider = grant.provider, provider != providerID { return nil }
            return BreakGlassGrant(
                record: grant.record,
                grantedBy: grant.grantedBy,
                reason: grant.reason,
                scope: ScopeMatch(users: [grant.user], environments: grant.environment.map { [$0] }),
                images: [digest],
                notBefore: grant.notBefore,
                expiresAt: grant.expiresAt,
                privilege: grant.privilege
            )
        }

        return PolicyFacts(
            image: imageFacts,
            provider: provider,
            reputation: reputation,
            attestations: attestations,
            breakGlass: covering,
            checkpoint: checkpoint
        )
    }
}
