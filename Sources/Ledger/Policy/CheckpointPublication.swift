import Policy
import Synchronization
import TransparencyLog

/// The ledger's latest checkpoint as its sequencer commits it, for readers that must know which checkpoint the
/// store's derived state is at without asking the store (policy decisions: ``LedgerPolicyFactSource``).
///
/// Only a ledger that is its store's only writer keeps one (as for ``CommittedStateCache``). Coherence is a
/// sequence lock: the sequencer calls ``beginCommit()`` before a batch's transaction starts and
/// ``endCommit(publishing:)`` after it committed (or failed); each call starts a new generation. A reader takes
/// ``current()`` — the checkpoint and its generation, or `nil` while a commit is in flight — runs its store reads,
/// and keeps their result only if ``isCurrent(_:)`` still holds: then no batch began committing while it read, so
/// every read answered for that checkpoint.
final class CheckpointPublication: Sendable {
    private struct State {
        var checkpoint: StoredCheckpoint
        var reference: CheckpointReference
        var generation: UInt64 = 0
        var committing = false
    }

    private let state: Mutex<State>

    /// Publishes `checkpoint` (the store's latest).
    init(_ checkpoint: StoredCheckpoint) {
        state = Mutex(State(checkpoint: checkpoint, reference: Self.reference(checkpoint)))
    }

    private static func reference(_ checkpoint: StoredCheckpoint) -> CheckpointReference {
        CheckpointReference(size: checkpoint.size, rootHash: checkpoint.rootHash.base64)
    }

    /// A batch is about to commit: readers fall back to the store until ``endCommit(publishing:)``.
    func beginCommit() {
        state.withLock { state in
            state.generation &+= 1
            state.committing = true
        }
    }

    /// The batch committed (`checkpoint` is the store's latest now) or failed (`nil`).
    func endCommit(publishing checkpoint: StoredCheckpoint?) {
        state.withLock { state in
            state.generation &+= 1
            state.committing = false
            if let checkpoint, checkpoint.size > state.checkpoint.size {
                state.checkpoint = checkpoint
                state.reference = Self.reference(checkpoint)
            }
        }
    }

    /// The published checkpoint and its generation; `nil` while a batch commits.
    func current() -> (checkpoint: CheckpointReference, generation: UInt64)? {
        state.withLock { state -> (checkpoint: CheckpointReference, generation: UInt64)? in
            state.committing ? nil : (state.reference, state.generation)
        }
    }

    /// Whether no batch began committing since ``current()`` returned `generation`.
    func isCurrent(_ generation: UInt64) -> Bool {
        state.withLock { !$0.committing && $0.generation == generation }
    }
}
