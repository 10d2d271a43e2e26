/// A policy decision as stored: its id, when and at which log size it was made, and its JSON.
public struct StoredDecision: Sendable, Hashable {
    /// The decision id (64 lowercase hex).
    public var id: String
    /// The request time, ms since the Unix epoch.
    public var time: Int64
    /// The log size the decision was made at.
    public var logSize: UInt64
    /// The decision's JSON as `POST /v1/authorize` answered it.
    public var body: [UInt8]

    /// Creates a stored decision.
    public init(id: String, time: Int64, logSize: UInt64, body: [UInt8]) {
        self.id = id
        self.time = time
        self.logSize = logSize
        self.body = body
    }
}

/// Where policy decisions are kept: beside the log in the same database, but not in it (a decision is appended to
/// the log only when its policy asks).
///
/// Decision ids are a hash of the policy, the request and the checkpoint, so storing a decision twice is a no-op:
/// the first stored body stays.
public protocol DecisionStore: Sendable {
    /// Stores `decisions` durably (in one transaction); ids already stored are left as they are.
    func storeDecisions(_ decisions: [StoredDecision]) async throws
    /// The decision with `id`, if stored.
    func decision(id: String) async throws -> StoredDecision?
}

/// Group commit for a ``DecisionStore``: concurrent ``store(_:)`` calls are written together, one transaction for
/// every decision that arrived while the previous one committed, and each call returns once its decision is durable.
public actor DecisionRecorder {
    private let store: any DecisionStore
    private var pending: [StoredDecision] = []
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    private var flushing = false

    /// A recorder writing to `store`.
    public init(store: any DecisionStore) {
        self.store = store
    }

    /// Stores `decision`; returns once it is durable.
    public func store(_ decision: StoredDecision) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(decision)
            waiters.append(continuation)
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            let batchWaiters = waiters
            pending = []
            waiters = []
            do {
                try await store.storeDecisions(batch)
                for waiter in batchWaiters { waiter.resume() }
            } catch {
                for waiter in batchWaiters { waiter.resume(throwing: error) }
            }
        }
        flushing = false
    }

    /// The decision with `id`, if stored.
    public nonisolated func decision(id: String) async throws -> StoredDecision? {
        try await store.decision(id: id)
    }
}

/// Decisions kept in memory (a server over an in-memory ledger, tests).
public actor InMemoryDecisionStore: DecisionStore {
    private var decisions: [String: StoredDecision] = [:]

    /// An empty store.
    public init() {}

    public func storeDecisions(_ batch: [StoredDecision]) {
        for decision in batch where decisions[decision.id] == nil { decisions[decision.id] = decision }
    }

    public func decision(id: String) -> StoredDecision? { decisions[id] }

    /// How many decisions are stored.
    public var count: Int { decisions.count }
}
