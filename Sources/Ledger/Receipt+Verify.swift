import TransparencyLog

/// The outcome of checking a receipt offline.
public enum ReceiptVerdict: Sendable, Equatable {
    /// The checkpoint is signed by the log key and the entry is included at the receipt's index.
    case valid(Checkpoint)
    /// Why the receipt does not prove inclusion.
    case invalid(String)
}

extension Receipt {
    /// Checks this receipt with nothing but the log's verification keys.
    ///
    /// - Parameters:
    ///   - verifiers: the log key(s); the checkpoint must carry a valid signature by one of them.
    ///   - envelope: the envelope bytes as submitted. When given, the leaf is recomputed from
    ///     them (with the receipt's index and integration time) instead of trusting
    ///     ``leafHash``.
    public func verify(using verifiers: NoteVerifiers, envelope: [UInt8]? = nil) -> ReceiptVerdict {
        let checkpoint: Checkpoint
        do {
            let note = try Note(parsing: Array(self.checkpoint.utf8))
            _ = try note.verify(using: verifiers)
            checkpoint = try Checkpoint(parsing: note.text)
        } catch {
            return .invalid("checkpoint does not verify with the log key: \(error)")
        }
        guard checkpoint.size == treeSize else {
            return .invalid("receipt says tree size \(treeSize) but its checkpoint is for \(checkpoint.size)")
        }
        guard let claimedLeaf = TreeHash(hex: leafHash) else { return .invalid("leaf hash is not 32 bytes of hex") }
        var leaf = claimedLeaf
        if let envelope {
            leaf = LedgerEntry(index: index, integratedAtMillis: integratedAtMillis, envelope: envelope).leafHash
            guard leaf == claimedLeaf else {
                return .invalid("the envelope does not hash to the receipt's leaf hash")
            }
        }
        var proof: [TreeHash] = []
        for element in inclusionProof {
            guard let hash = TreeHash(base64: element) else { return .invalid("proof hash is not 32 bytes of base64") }
            proof.append(hash)
        }
        guard let root = TreeHash(bytes: checkpoint.rootHash),
            MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: treeSize, proof: proof, root: root)
        else {
            return .invalid("the inclusion proof does not lead to the checkpoint's root")
        }
        return .valid(checkpoint)
    }
}
