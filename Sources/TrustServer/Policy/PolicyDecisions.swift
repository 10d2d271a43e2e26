import Foundation
import HTTPTypes
import Ledger
import Policy
import Provenance
import Synchronization

/// One decision as the server answers and stores it: the engine's ``Decision`` plus the policy-publish record
/// it was made under and, when it was appended to the log, that record.
struct ServedDecision: Sendable {
    /// The engine's decision.
    var decision: Decision
    /// The policy-publish record in force.
    var policyRecord: RecordID
    /// The policy-decision record appended to the log, if the decision was logged.
    var logged: LoggedDecision?
    /// Why a decision the policy asked to log was not logged (the user is not registered, …).
    var logError: String?
    /// ``json()`` as stored (set by ``PolicyDecisions/decide(_:policyName:logToLedger:)``): the response body.
    var body: [UInt8] = []

    /// The JSON body: the decision's members (docs/POLICY-LANGUAGE.md §9, sorted) followed by `policy_record`,
    /// `logged` and `log_error` — what `JSONEncoder` (sorted keys, unescaped slashes) writes for each part, written
    /// directly (``Decision/jsonBytes()``).
    func json() throws -> [UInt8] {
        var out = JSONOutput(capacity: 2048)
        out.beginObject()
        try decision.writeMembers(into: &out)
        out.key("policy_record")
        out.recordID(policyRecord)
        out.key("logged")
        if let logged {
            out.beginObject()
            out.key("index")
            out.integer(logged.index)
            out.key("record")
            out.string(logged.record)
            out.key("treeSize")
            out.integer(logged.treeSize)
            out.endObject()
        } else {
            out.null()
        }
        out.key("log_error")
        out.string(logError)
        out.endObject()
        return out.bytes
    }
}

/// An image snapshot kept for one checkpoint, with its request-independent facts prepared once.
private final class SnapshotBox: Sendable {
    let prepared: PreparedPolicyFacts

    init(_ prepared: PreparedPolicyFacts) { self.prepared = prepared }
}

/// The policy-decision record a logged decision became.
struct LoggedDecision: Codable, Sendable {
    /// The record id.
    var record: String
    /// Its log index.
    var index: UInt64
    /// The checkpoint (tree size) of its receipt.
    var treeSize: UInt64
}

/// Decides authorisation requests against the log: the policy in force and the facts at one checkpoint, the
/// pure ``PolicyEngine``, then the decision stored (and logged when the policy or a break-glass grant asks).
///
/// Cached: compiled policies by their publish record (a record never changes), the provider key that signed
/// each image record, and — for the latest checkpoint only — the policy in force, each image's
/// ``PolicyImageSnapshot`` and the break-glass overrides: the state at a given log size never changes, so
/// these are exact for decisions at that size, and the cache is dropped when the log grows.
final class PolicyDecisions: Sendable {
    let ledger: Ledger
    let recorder: DecisionRecorder
    let decisionKey: SigningKey?
    private let signers = SignerKeyCache()
    private let policies = Mutex<[RecordID: Policy]>([:])
    private let cache = Mutex(CheckpointCache())

    /// What is kept for one checkpoint.
    private struct CheckpointCache {
        /// The log size it holds values for (`nil`: none yet).
        var size: UInt64?
        /// The policy in force by name (`""`: the newest of any name).
        var policies: [String: PublishedPolicyState] = [:]
        /// Image snapshots by digest (boxed: a decision takes a reference, not a copy of every field).
        var snapshots: [String: SnapshotBox] = [:]
        /// The reputation snapshot last computed for each provider, with its request time: every decision at the same
        /// checkpoint and time (ms) about an image of the provider gets the same one.
        var reputations: [String: (time: Int64, snapshot: ReputationSnapshot)] = [:]
        /// The overrides not expired at `from`.
        var grants: (from: Int64, list: [BreakGlassState])?

        /// The most snapshots kept.
        static let capacity = 100_000

        /// Moves to `size` (dropping everything) when it is newer; whether values for `size` may be stored.
        mutating func use(_ size: UInt64) -> Bool {
            if let current = self.size {
                if size < current { return false }
                if size == current { return true }
            }
            self = CheckpointCache(size: size)
            return true
        }
    }

    init(ledger: Ledger, store: any DecisionStore, decisionKey: SigningKey?) {
        self.ledger = ledger
        self.recorder = DecisionRecorder(store: store)
        self.decisionKey = decisionKey
    }

    /// Evaluates `request` under the policy named `policyName` (default: the newest published policy of any name),
    /// stores the decision and, if asked, appends it to the log (unless `sideEffects` is false: Kubernetes dry runs).
    func decide(_ request: AuthorizationRequest, policyName: String?, logToLedger: Bool = true) async throws -> ServedDecision {
        let decision: Decision
        let policyRecord: RecordID
        if let size = ledger.publishedSize(), let cached = cachedDecision(request, policyName: policyName, size: size) {
            (decision, policyRecord) = cached
        } else {
            (decision, policyRecord) = try await readAndDecide(request, policyName: policyName)
        }
        var served = ServedDecision(decision: decision, policyRecord: policyRecord)
        if decision.record, logToLedger {
            try await log(&served)
        }
        served.body = try served.json()
        try await recorder.store(
            StoredDecision(
                id: decision.decisionID,
                time: request.time,
                logSize: decision.evidence.checkpoint.size,
                body: served.body
            )
        )
        return served
    }

    /// The decision from the cache alone, when it holds the policy, the image's snapshot and the break-glass grants
    /// for the ledger's published checkpoint of `size`: no store read and no suspension. Every cached value was read
    /// consistently at that checkpoint, so the decision is the one ``readAndDecide(_:policyName:)`` would make.
    private func cachedDecision(_ request: AuthorizationRequest, policyName: String?, size: UInt64) -> (Decision, RecordID)? {
        guard let published = cache.withLock({ $0.size == size ? $0.policies[policyName ?? ""] : nil }),
            let policy = policies.withLock({ $0[published.record] }),
            let facts = cachedFacts(for: request, size: size)
        else { return nil }
        return (PolicyEngine.evaluate(policy, request, facts), published.record)
    }

    /// Evaluates `request` with facts read from the store (and the cache), caching what was read.
    private func readAndDecide(_ request: AuthorizationRequest, policyName: String?) async throws -> (Decision, RecordID) {
        // Values read are cached only once the read proved consistent with its checkpoint (no batch committed
        // while it ran): `fill` collects them, and is applied after `readPolicyFacts` returns.
        let (decision, policyRecord, fill) = try await ledger.readPolicyFacts(signers: signers) { source in
            var fill = CacheFill(size: source.checkpoint.size)
            let key = policyName ?? ""
            let state = source.ledgerState
            var published = cache.withLock { $0.size == fill.size ? $0.policies[key] : nil }
            if published == nil {
                if let policyName {
                    published = try await state.publishedPolicy(name: policyName)
                } else {
                    published = try await state.currentPolicy()
                }
                fill.policy = published.map { (key, $0) }
            }
            guard let published else {
                throw Problem(
                    .conflict,
                    code: "no-policy",
                    title: "No policy is published",
                    detail: policyName.map { "no policy named \"\($0)\" is published" }
                        ?? "no policy is published: an admin publishes one with a policy-publish record"
                )
            }
            let policy = try await self.policy(published.record)
            let facts = try await self.facts(for: request, from: source, fill: &fill)
            return (PolicyEngine.evaluate(policy, request, facts), published.record, fill)
        }
        cache.withLock { cache in
            guard cache.use(fill.size) else { return }
            if let (key, published) = fill.policy { cache.policies[key] = published }
            if let prepared = fill.prepared {
                if cache.snapshots.count >= CheckpointCache.capacity {
                    // The reputations belong to the snapshots' providers: bounded with them.
                    cache.snapshots.removeAll()
                    cache.reputations.removeAll()
                }
                cache.snapshots[prepared.snapshot.digest] = SnapshotBox(prepared)
            }
            if let grants = fill.grants, cache.grants.map({ grants.from < $0.from }) ?? true { cache.grants = grants }
        }
        return (decision, policyRecord)
    }

    /// Values read for one checkpoint, to cache once the read proved consistent.
    private struct CacheFill {
        var size: UInt64
        var policy: (String, PublishedPolicyState)?
        var prepared: PreparedPolicyFacts?
        var grants: (from: Int64, list: [BreakGlassState])?
    }

    /// The facts about `request` at the source's checkpoint, from the cache when it holds that checkpoint; what
    /// had to be read goes into `fill`.
    private func facts(
        for request: AuthorizationRequest,
        from source: LedgerPolicyFactSource,
        fill: inout CacheFill
    ) async throws -> PolicyFacts {
        let size = source.checkpoint.size
        let (cachedSnapshot, cachedGrants) = cached(for: request, size: size)
        let grants: [BreakGlassState]
        if let cachedGrants {
            grants = cachedGrants
        } else {
            grants = try await source.breakGlassGrants(unexpiredAt: request.time)
            fill.grants = (request.time, grants)
        }
        guard let cachedSnapshot else {
            let prepared = try await source.snapshot(image: request.image).prepared()
            fill.prepared = prepared
            return prepared.facts(for: request, grants: grants, reputation: nil)
        }
        return facts(from: cachedSnapshot, for: request, grants: grants, size: size)
    }

    /// The image's snapshot and the break-glass grants for `request`, if cached for checkpoint `size`.
    private func cached(for request: AuthorizationRequest, size: UInt64) -> (SnapshotBox?, [BreakGlassState]?) {
        cache.withLock { cache in
            guard cache.size == size else { return (nil, nil) }
            let grants = cache.grants.flatMap { $0.from <= request.time ? $0.list : nil }
            return (cache.snapshots[request.image], grants)
        }
    }

    /// The facts about `request` at checkpoint `size` from the cache alone, if it holds the image's snapshot and
    /// the break-glass grants.
    private func cachedFacts(for request: AuthorizationRequest, size: UInt64) -> PolicyFacts? {
        let (cachedSnapshot, cachedGrants) = cached(for: request, size: size)
        guard let cachedSnapshot, let cachedGrants else { return nil }
        return facts(from: cachedSnapshot, for: request, grants: cachedGrants, size: size)
    }

    /// The facts of a cached snapshot. It was read consistently at `size`, so the provider's reputation at the
    /// request's time may be shared with every other decision at `size` and that time about an image of the provider.
    private func facts(
        from box: SnapshotBox,
        for request: AuthorizationRequest,
        grants: [BreakGlassState],
        size: UInt64
    ) -> PolicyFacts {
        // Read through the box, not copied out of it: the prepared facts are a large value.
        guard let provider = box.prepared.snapshot.image?.record.provider else {
            return box.prepared.facts(for: request, grants: grants, reputation: nil)
        }
        let known = cache.withLock { cache -> ReputationSnapshot? in
            guard cache.size == size, let last = cache.reputations[provider], last.time == request.time else { return nil }
            return last.snapshot
        }
        if let known { return box.prepared.facts(for: request, grants: grants, reputation: known) }
        let reputation = box.prepared.snapshot.reputationSnapshot(at: request.time)
        if let reputation {
            cache.withLock { cache in
                if cache.size == size { cache.reputations[provider] = (request.time, reputation) }
            }
        }
        return box.prepared.facts(for: request, grants: grants, reputation: reputation)
    }

    /// The mode of the scope of the policy in force that matches `request` (its image is not looked at).
    func mode(for request: AuthorizationRequest, policyName: String?) async throws -> PolicyMode {
        let state = ledger.provenanceState
        let published: PublishedPolicyState?
        if let policyName {
            published = try await state.publishedPolicy(name: policyName)
        } else {
            published = try await state.currentPolicy()
        }
        guard let published else {
            throw Problem(.conflict, code: "no-policy", title: "No policy is published", detail: "no policy is published")
        }
        let policy = try await self.policy(published.record)
        return policy.document.scopes[policy.scopeIndex(for: request)].mode
    }

    /// The compiled policy of a policy-publish record (cached: records never change).
    private func policy(_ record: RecordID) async throws -> Policy {
        if let known = policies.withLock({ $0[record] }) { return known }
        guard let entry = try await ledger.committedEntry(for: record) else {
            throw LedgerError.corruptStore("policy-publish record \(record) is in force but not in the log")
        }
        let envelope = try DSSEEnvelope(json: entry.envelope)
        guard case .policyPublish(let publish) = try Record.decode(envelope) else {
            throw LedgerError.corruptStore("\(record) is in force as a policy but is not a policy-publish record")
        }
        let policy = try Policy.parse(String(decoding: publish.document, as: UTF8.self))
        policies.withLock { $0[record] = policy }
        return policy
    }

    /// Appends the decision to the log as a policy-decision record (contract C1) signed by the server's decision key.
    /// A refusal by the log (the user is not registered, the image unknown) is reported in `log_error`; a store
    /// failure is thrown, so that a decision that must be logged is never answered unlogged.
    private func log(_ served: inout ServedDecision) async throws {
        guard let decisionKey else {
            served.logError = "the server has no decision key"
            return
        }
        let decision = served.decision
        guard let provider = decision.evidence.reputation?.provider else {
            served.logError = "the image is not in the log"
            return
        }
        let mode: DecisionMode =
            decision.breakGlass != nil ? .breakGlass : DecisionMode(rawValue: decision.mode.rawValue) ?? .enforce
        let record = Record.policyDecision(
            PolicyDecisionRecord(
                decision: "dec_" + decision.decisionID.prefix(32),
                user: decision.request.user,
                image: decision.request.image,
                provider: provider,
                effect: DecisionEffect(rawValue: decision.effect.rawValue) ?? .deny,
                privilege: decision.privilege,
                mode: mode,
                policy: served.policyRecord,
                logSize: Int64(clamping: decision.evidence.checkpoint.size),
                reasons: decision.codes.prefix(64).map(\.rawValue),
                time: ledger.now()
            )
        )
        let envelope = try record.signed(by: [decisionKey])
        do {
            let receipt = try await ledger.submit(
                envelope: envelope.jsonBytes(),
                recordID: RecordID(payload: envelope.payload),
                context: envelope
            )
            served.logged = LoggedDecision(record: receipt.recordID.description, index: receipt.index, treeSize: receipt.treeSize)
        } catch let rejection as RecordRejection {
            served.logError = "the log refused the policy-decision record: \(rejection.code): \(rejection.message)"
        }
    }

    /// A stored decision's body.
    func stored(id: String) async throws -> [UInt8]? {
        try await recorder.decision(id: id)?.body
    }
}
