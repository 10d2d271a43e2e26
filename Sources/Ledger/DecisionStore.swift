import Metrics
import Synchronization

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
///
/// Not an actor: a caller appends its decision and its continuation under a lock and suspends once; the batch's
/// commit resumes it directly on its own executor. (As an actor, every decision hopped onto the recorder to be
/// queued and back onto the actor when resumed, then off it again: three task switches per decision instead of one,
/// and the resumptions of a whole batch ran one after the other on the actor.)
public final class DecisionRecorder: Sendable {
    private struct Queue {
        var pending: [StoredDecision] = []
        var waiters: [UnsafeContinuation<Void, any Error>] = []
        var flushing = false
    }

    private let store: any DecisionStore
    private let queue = Mutex(Queue())
    private let commitTimer = Timer(label: "vmtrust_decisions_commit_seconds")
    private let batchSizeRecorder = Recorder(label: "vmtrust_decisions_batch_size")

    /// A recorder writing to `store`.
    public init(store: any DecisionStore) {
        self.store = store
    }

    /// Stores `decision`; returns once it is durable.
    public func store(_ decision: StoredDecision) async throws {
        // Each continuation is resumed exactly once, by the flush that takes it from the queue.
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            let startFlush = queue.withLock { queue in
                queue.pending.append(decision)
                queue.waiters.append(continuation)
                guard !queue.flushing else { return false }
                queue.flushing = true
                return true
            }
            if startFlush {
                Task { await self.flush() }
            }
        }
    }

    /// Commits batches until none is waiting; the flag `flushing` is cleared under the same lock that finds the queue
    /// empty, so a decision queued meanwhile either joins a batch of this loop or starts a new one.
    ///
    /// Each batch is cut after one `Task.yield()`: the jobs already queued on the executor (requests about to store
    /// their decisions) run first and join it, so a busy server syncs fewer, larger batches (at 64 connections, 23
    /// decisions per batch instead of 16, with commits as long); an idle one loses nothing, the yield returns at once.
    private func flush() async {
        while true {
            await Task.yield()
            let next = queue.withLock { queue -> ([StoredDecision], [UnsafeContinuation<Void, any Error>])? in
                guard !queue.pending.isEmpty else {
                    queue.flushing = false
                    return nil
                }
                let taken = (queue.pending, queue.waiters)
                queue.pending = []
                queue.waiters = []
                queue.pending.reserveCapacity(taken.0.count)
                queue.waiters.reserveCapacity(taken.1.count)
                return taken
            }
            guard let (batch, waiters) = next else { return }
            batchSizeRecorder.record(batch.count)
            let started = ContinuousClock.now
            do {
                try await store.storeDecisions(batch)
                let elapsed = started.duration(to: .now)
                commitTimer.recordNanoseconds(
                    elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
                )
                for waiter in waiters { waiter.resume() }
            } catch {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
    }

    /// The decision with `id`, if stored.
    public func decision(id: String) async throws -> StoredDecision? {
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
