import Dispatch

/// The thread the sequencer runs on: a serial dispatch queue of its own, as a task executor.
///
/// The sequencer is the log's one serial section, and it suspends several times per batch (store reads that
/// the caches miss, the commit, the receipts' proofs). On the shared cooperative pool each resumption queued
/// behind the request handlers' work (envelope decoding and signature checks, one job per connection), so that
/// under load a batch waited milliseconds per suspension while its own work took microseconds. A serial queue
/// of its own targets libdispatch's overcommitting root queue: it gets a thread even while the cooperative
/// pool's threads are all busy, and the kernel shares the cores among all of them.
///
/// The ledger's flush task prefers this executor, so its actor-isolated parts (a default actor runs on its
/// task's preferred executor) and the nonisolated admission both run here, with no hop between them.
final class SequencerExecutor: TaskExecutor {
    private let queue: DispatchQueue

    /// An executor on a new serial queue named `label`.
    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
