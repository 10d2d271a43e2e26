import TransparencyLog

/// The outcome of a full audit of a log's stored state.
public enum AuditVerdict: Sendable, Hashable {
    /// Every entry re-hashed to its stored leaf, every stored node and checkpoint matched.
    case passed(entries: UInt64, checkpoints: Int)
    /// The first problem found, with the entry index it concerns (when one is known).
    case failed(index: UInt64?, reason: String)
}

/// Re-derives a log from its entries alone and compares it with everything stored.
///
/// The auditor re-hashes every entry, rebuilds the tree with a ``CompactRange``, checks each
/// stored node hash it rebuilds (so tiles served from them are right), checks the root and
/// the signature of every stored checkpoint, and stops at the first difference. Memory stays
/// bounded: entries are read in chunks.
public struct LogAuditor: Sendable {
    /// Entries read per store request.
    public var chunkSize: Int = 2048
    private let verifiers: NoteVerifiers

    /// Creates an auditor that checks checkpoint signatures with `verifiers`.
    public init(verifiers: NoteVerifiers) {
        self.verifiers = verifiers
    }

    /// Audits `store`, calling `progress` with the number of entries checked so far.
    public func audit(
        _ store: any LedgerStore,
        progress: @Sendable (UInt64) -> Void = { _ in }
    ) async throws -> AuditVerdict {
        guard let latest = try await store.latestCheckpoint() else {
            return .failed(index: nil, reason: "the store holds no checkpoint")
        }
        var tree = CompactRange()
        var checkpointsChecked = 0
        if let empty = try await store.checkpoint(size: 0) {
            if let problem = verify(empty, rebuiltRoot: tree.root()) { return .failed(index: nil, reason: problem) }
            checkpointsChecked += 1
        }
        while tree.size < latest.size {
            let start = tree.size
            let end = min(latest.size, start + UInt64(chunkSize))
            let entries = try await store.entries(start..<end)
            guard entries.count == Int(end - start) else {
                return .failed(index: start + UInt64(entries.count), reason: "entry is missing")
            }
            let checkpoints = try await store.checkpoints(in: (start + 1)...end, limit: chunkSize + 1)
            var nextCheckpoint = 0
            var rebuiltRoots: [(StoredCheckpoint, TreeHash)] = []
            var rebuilt: [(id: NodeID, hash: TreeHash)] = []
            for (offset, bytes) in entries.enumerated() {
                let index = start + UInt64(offset)
                do {
                    let entry = try LedgerEntry(encoded: bytes)
                    guard entry.index == index else {
                        return .failed(index: index, reason: "entry claims index \(entry.index)")
                    }
                } catch {
                    return .failed(index: index, reason: "entry does not decode: \(error)")
                }
                rebuilt.append(contentsOf: tree.append(RFC6962.leafHash(bytes)))
                if nextCheckpoint < checkpoints.count, checkpoints[nextCheckpoint].size == tree.size {
                    rebuiltRoots.append((checkpoints[nextCheckpoint], tree.root()))
                    nextCheckpoint += 1
                }
            }
            // Leaves and nodes first: a tampered entry is named by its own index.
            let stored = try await store.nodeHashes(rebuilt.map(\.id))
            for node in rebuilt where stored[node.id] != node.hash {
                let first = node.id.index << UInt64(node.id.level)
                let reason =
                    node.id.level == 0
                    ? "entry does not hash to its stored leaf hash"
                    : "stored node \(node.id) differs from the rebuilt tree"
                return .failed(index: first, reason: reason)
            }
            for (checkpoint, root) in rebuiltRoots {
                if let problem = verify(checkpoint, rebuiltRoot: root) {
                    return .failed(index: checkpoint.size - 1, reason: problem)
                }
                checkpointsChecked += 1
            }
            progress(tree.size)
        }
        return .passed(entries: tree.size, checkpoints: checkpointsChecked)
    }

    private func verify(_ stored: StoredCheckpoint, rebuiltRoot: TreeHash) -> String? {
        guard stored.rootHash == rebuiltRoot else {
            return "checkpoint \(stored.size) root differs from the tree rebuilt from the entries"
        }
        do {
            let note = try Note(parsing: Array(stored.note.utf8))
            _ = try note.verify(using: verifiers)
            let body = try Checkpoint(parsing: note.text)
            guard body.size == stored.size, body.rootHash == stored.rootHash.bytes else {
                return "checkpoint \(stored.size) note says size \(body.size) with another root"
            }
        } catch {
            return "checkpoint \(stored.size) does not verify: \(error)"
        }
        return nil
    }
}
