import Provenance
import Synchronization

/// A batch the sequencer committed, as published to ``Ledger/commits(buffer:)`` subscribers.
public struct CommittedBatch: Sendable {
    /// The log size before the batch.
    public var startSize: UInt64
    /// The log size after the batch (the size of the checkpoint it published).
    public var size: UInt64
    /// The batch's integration time (ms since the Unix epoch).
    public var time: Int64
    /// The entries, in log order, with the derived-state writes each caused.
    public var entries: [CommittedEntry]

    /// Creates a committed batch.
    public init(startSize: UInt64, size: UInt64, time: Int64, entries: [CommittedEntry]) {
        self.startSize = startSize
        self.size = size
        self.time = time
        self.entries = entries
    }
}

/// One entry of a ``CommittedBatch``.
public struct CommittedEntry: Sendable {
    /// Its position in the log.
    public var index: UInt64
    /// Its record id.
    public var recordID: RecordID
    /// The derived-state writes its admission made, in order.
    public var stateWrites: [StateWrite]

    /// Creates a committed entry.
    public init(index: UInt64, recordID: RecordID, stateWrites: [StateWrite]) {
        self.index = index
        self.recordID = recordID
        self.stateWrites = stateWrites
    }
}

/// Fans committed batches out to subscribers without ever making the sequencer wait.
///
/// Each subscriber has a bounded buffer that keeps the newest batches: a subscriber that falls
/// behind loses the oldest ones, which it notices because a batch's ``CommittedBatch/startSize``
/// is then beyond the ``CommittedBatch/size`` of the last one it saw.
final class CommitBroadcaster: Sendable {
    private struct Subscribers {
        var next = 0
        var continuations: [Int: AsyncStream<CommittedBatch>.Continuation] = [:]
    }

    private let subscribers = Mutex(Subscribers())

    /// Whether anyone listens (the sequencer skips building notifications otherwise).
    var isEmpty: Bool { subscribers.withLock { $0.continuations.isEmpty } }

    /// A new subscription holding at most `buffer` undelivered batches.
    func subscribe(buffer: Int) -> AsyncStream<CommittedBatch> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: CommittedBatch.self,
            bufferingPolicy: .bufferingNewest(max(1, buffer))
        )
        let id = subscribers.withLock { state in
            let id = state.next
            state.next += 1
            state.continuations[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    /// Hands `batch` to every subscriber; never blocks.
    func publish(_ batch: CommittedBatch) {
        let continuations = subscribers.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield(batch) }
    }
}
