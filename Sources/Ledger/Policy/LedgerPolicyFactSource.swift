import Policy
import Provenance
import Reputation
import Synchronization
import TransparencyLog

/// Policy facts read from a ledger store's committed state.
///
/// The store's derived state is always the state at its latest checkpoint, and a batch writes its entries, state
/// and checkpoint in one transaction. ``read(store:signers:_:)`` therefore reads the latest checkpoint, runs
/// the reads, and reads the latest checkpoint again: when the size did not change, no batch committed in
/// between and every read answered for that checkpoint; otherwise it reads again. A ledger that is its store's only
/// writer knows its latest checkpoint without reading it (``CheckpointPublication``).
public struct LedgerPolicyFactSource: PolicyFactSource {
    public let checkpoint: CheckpointReference
    private let store: any LedgerStore
    private let state: LedgerProvenanceState
    private let signers: SignerKeyCache

    /// A source over `store` claiming to be at `checkpoint`; use ``read(store:signers:_:)`` to make the claim true.
    public init(store: any LedgerStore, checkpoint: CheckpointReference, signers: SignerKeyCache = SignerKeyCache()) {
        self.store = store
        self.checkpoint = checkpoint
        self.state = LedgerProvenanceState(store: store)
        self.signers = signers
    }

    public var provenance: any ProvenanceStateReader { state }

    public var reputation: any ReputationStateReader { LedgerReputationState(store: store) }

    /// The ledger's provenance state (for the reads only a ledger has, such as the policy in force).
    public var ledgerState: LedgerProvenanceState { state }

    public func attestations(subject digest: String) async throws -> [(record: RecordState, index: UInt64)] {
        let ids = try await state.attestations(subject: digest)
        guard !ids.isEmpty else { return [] }
        let indexes = try await store.indexes(of: ids)
        var out: [(record: RecordState, index: UInt64)] = []
        for id in ids {
            guard let record = try await state.record(id: id), let index = indexes[id] else {
                throw LedgerError.corruptStore("attestation \(id) is indexed but not in the log")
            }
            out.append((record, index))
        }
        return out
    }

    public func children(of id: RecordID) async throws -> [RecordID] {
        try await state.children(of: id, limit: 10_000)
    }

    public func signerKeyID(of record: RecordState) async throws -> String? {
        if let known = signers.lookup(record.id) { return known }
        guard let provider = record.provider, let keys = try await state.provider(id: provider)?.keys.map(\.key),
            let index = try await store.index(of: record.id),
            let bytes = try await store.entries(index..<(index + 1)).first
        else { return nil }
        let envelope = try DSSEEnvelope(json: try LedgerEntry(encoded: bytes).envelope)
        guard let keyID = envelope.verifiedKeys(keys).first?.keyID else { return nil }
        signers.remember(record.id, keyID)
        return keyID
    }

    public func breakGlassGrants(unexpiredAt time: Int64) async throws -> [BreakGlassState] {
        try await state.breakGlassGrants(unexpiredAt: time)
    }

    /// Runs `body` over a source at the store's latest checkpoint, again until no batch committed while it ran
    /// (at most 100 times; then the store is changing too fast to read and the last error is thrown).
    public static func read<T: Sendable>(
        store: any LedgerStore,
        signers: SignerKeyCache = SignerKeyCache(),
        _ body: (LedgerPolicyFactSource) async throws -> T
    ) async throws -> T {
        try await read(store: store, publication: nil, signers: signers, body)
    }

    /// ``read(store:signers:_:)``, taking the checkpoint from the ledger's `publication` (no store read) when no
    /// batch commits meanwhile; while one does, from the store.
    static func read<T: Sendable>(
        store: any LedgerStore,
        publication: CheckpointPublication?,
        signers: SignerKeyCache,
        _ body: (LedgerPolicyFactSource) async throws -> T
    ) async throws -> T {
        if let publication {
            for _ in 0..<100 {
                guard let current = publication.current() else { break }
                let result = try await body(
                    LedgerPolicyFactSource(store: store, checkpoint: current.checkpoint, signers: signers)
                )
                if publication.isCurrent(current.generation) { return result }
            }
        }
        for _ in 0..<100 {
            guard let before = try await store.latestCheckpoint() else {
                throw LedgerError.corruptStore("the store has no checkpoint")
            }
            let source = LedgerPolicyFactSource(
                store: store,
                checkpoint: CheckpointReference(size: before.size, rootHash: before.rootHash.base64),
                signers: signers
            )
            let result = try await body(source)
            if try await store.latestCheckpoint()?.size == before.size { return result }
        }
        throw LedgerError(code: .sequencingConflict, message: "the log grew during every one of 100 consistent reads")
    }
}

/// The provider key that signed each image record, remembered: which key's signature verifies over a logged
/// envelope never changes (providers' keys are only ever added), so the answer can be kept for the server's life.
public final class SignerKeyCache: Sendable {
    private let keys = Mutex<[RecordID: String]>([:])

    /// An empty cache.
    public init() {}

    func lookup(_ id: RecordID) -> String? { keys.withLock { $0[id] } }

    func remember(_ id: RecordID, _ keyID: String) {
        keys.withLock { cache in
            if cache.count > 1_000_000 { cache.removeAll() }
            cache[id] = keyID
        }
    }
}
