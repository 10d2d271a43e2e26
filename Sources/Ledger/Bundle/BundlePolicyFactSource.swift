import Policy
import Provenance
import Reputation
import TransparencyLog

/// Policy facts read offline from a verified version 3 bundle (``ProvenanceBundle/factsVersion``): the
/// provenance state its proven entries build when replayed as the log admitted them, the server's reputation
/// documents it carries, at its checkpoint.
///
/// ``PolicyFactSource/facts(for:)`` turns these reads into ``PolicyFacts`` exactly as it does on the server
/// (``LedgerPolicyFactSource``), so the offline decision is the server's decision for the same request, policy and
/// log size, provided the bundle holds every record the server's reads touch — which a version 3 bundle does by
/// construction (docs/FORMATS.md, "Bundle, version 3").
public struct BundlePolicyFactSource: PolicyFactSource {
    public let checkpoint: CheckpointReference
    /// The image digest the bundle is about: the only image this source knows.
    public let subject: String
    private let state: InMemoryProvenanceState
    private let documents: BundleReputationState
    private let indexes: [RecordID: UInt64]
    private let envelopes: [RecordID: DSSEEnvelope]

    /// Why a bundle cannot back a decision.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, in words.
        public var message: String
        /// The verifier's failures, when the bundle does not verify.
        public var failures: [BundleFailure]

        public var description: String { message }
    }

    /// Verifies `bundle` with the log key `verifiers` and builds the source; refuses a bundle that does not
    /// verify (every failure listed) or that is not of version 3 (it lacks the facts).
    public static func verified(
        _ bundle: ProvenanceBundle,
        logKey verifiers: NoteVerifiers,
        rules: ProvenanceRules = .withPolicies
    ) async throws(Refusal) -> BundlePolicyFactSource {
        guard bundle.version == ProvenanceBundle.factsVersion, let reputation = bundle.reputation else {
            throw Refusal(
                message:
                    "a version \(bundle.version) bundle does not carry the facts a decision needs (reputation, all attestations, newer versions, break-glass); fetch a version \(ProvenanceBundle.factsVersion) bundle from GET /v1/images/{digest}/bundle",
                failures: []
            )
        }
        let replay = await BundleVerifier(logKey: verifiers, rules: rules).verifyAndReplay(bundle)
        guard replay.verdict.isValid, let checkpoint = replay.verdict.checkpoint else {
            let first = replay.verdict.failures.first.map(\.description) ?? "unknown failure"
            let more = replay.verdict.failures.count > 1 ? " (and \(replay.verdict.failures.count - 1) more)" : ""
            throw Refusal(message: "the bundle does not verify: \(first)\(more)", failures: replay.verdict.failures)
        }
        return BundlePolicyFactSource(
            checkpoint: CheckpointReference(size: checkpoint.size, rootHash: Base64.encode(checkpoint.rootHash)),
            subject: bundle.subject,
            state: replay.state,
            documents: BundleReputationState(document: reputation.document, parameters: reputation.parameters),
            indexes: replay.indexes,
            envelopes: replay.envelopes
        )
    }

    public var provenance: any ProvenanceStateReader { state }

    public var reputation: any ReputationStateReader { documents }

    public func attestations(subject digest: String) async throws -> [(record: RecordState, index: UInt64)] {
        (state.attestations[digest] ?? []).compactMap { id in
            guard let record = state.records[id], let index = indexes[id] else { return nil }
            return (record, index)
        }
    }

    public func children(of id: RecordID) async throws -> [RecordID] {
        state.records.values.filter { $0.kind == .imageModify && $0.linked == id }.map(\.id).sorted {
            $0.description < $1.description
        }
    }

    public func signerKeyID(of record: RecordState) async throws -> String? {
        guard let provider = record.provider, let keys = state.providers[provider]?.keys.map(\.key),
            let envelope = envelopes[record.id]
        else { return nil }
        return envelope.verifiedKeys(keys).first?.keyID
    }

    public func breakGlassGrants(unexpiredAt time: Int64) async throws -> [BreakGlassState] {
        // In the server's index order: by expiry, then record id.
        state.breakGlass.filter { $0.expiresAt > time }.sorted {
            ($0.expiresAt, $0.record.description) < ($1.expiresAt, $1.record.description)
        }
    }
}

/// The reputation documents a version 3 bundle carries: the provider's document and the parameter history. The
/// score reads nothing else; every other document is absent offline.
struct BundleReputationState: ReputationStateReader {
    var document: ProviderReputation?
    var parameters: ParameterHistory?

    func parameterHistory() async throws -> ParameterHistory? { parameters }
    func provider(id: String) async throws -> ProviderReputation? { document?.id == id ? document : nil }
    func contribution(key: String) async throws -> Contribution? { nil }
    func contributionKey(record: RecordID) async throws -> String? { nil }
    func auditor(id: String) async throws -> AuditorTrust? { nil }
    func user(id: String) async throws -> UserCredibility? { nil }
    func obligation(report: RecordID) async throws -> Obligation? { nil }
    func dueObligations(before: Int64, after: DueEntry?, limit: Int) async throws -> [DueEntry] { [] }
    func cluster(id: String) async throws -> ClusterWindow? { nil }
    func feedbackWindow(provider: String) async throws -> FeedbackWindow? { nil }
    func lineage(key: String) async throws -> LineageCredit? { nil }
}
