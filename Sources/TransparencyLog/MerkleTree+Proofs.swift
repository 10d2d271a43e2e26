extension MerkleTree {
    /// Whether `proof` proves that `leafHash` is leaf `index` of the tree of `size` leaves with
    /// root `root` (RFC 9162 section 2.1.3.2).
    ///
    /// Total: returns `false` (never traps or throws) for `index >= size`, a proof of the wrong
    /// length, or a root that does not match.
    public static func verifyInclusion(
        leafHash: TreeHash,
        index: UInt64,
        size: UInt64,
        proof: [TreeHash],
        root: TreeHash
    ) -> Bool {
        guard let computed = try? rootFromInclusionProof(leafHash: leafHash, index: index, size: size, proof: proof)
        else { return false }
        return computed == root
    }

    /// The root implied by an inclusion proof for `leafHash` at `index` in a tree of `size` leaves.
    ///
    /// - Throws: ``MerkleError/Code/invalidIndex`` when `index >= size`;
    ///   ``MerkleError/Code/malformedProof`` when the proof length does not fit `index` and `size`.
    public static func rootFromInclusionProof(
        leafHash: TreeHash,
        index: UInt64,
        size: UInt64,
        proof: [TreeHash]
    ) throws(MerkleError) -> TreeHash {
        guard index < size else { throw .invalidIndex("leaf index \(index) is not below tree size \(size)") }
        let expected = inclusionProofLength(index: index, size: size)
        guard proof.count == expected else {
            throw .malformedProof("inclusion proof has \(proof.count) hashes, expected \(expected)")
        }
        var fn = index
        var sn = size - 1
        var hash = leafHash
        for sibling in proof {
            if fn & 1 == 1 || fn == sn {
                hash = RFC6962.nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = RFC6962.nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .malformedProof("inclusion proof is too short") }
        return hash
    }

    /// Whether `proof` proves that the tree of `from` leaves with root `oldRoot` is a prefix of
    /// the tree of `to` leaves with root `newRoot` (RFC 9162 section 2.1.4.2).
    ///
    /// Total: returns `false` for `from > to`, a proof of the wrong length, or any root mismatch.
    /// For `from == to` the proof must be empty and the roots equal; for `from == 0` the proof
    /// must be empty and `oldRoot` must be the empty-tree root.
    public static func verifyConsistency(
        from: UInt64,
        to: UInt64,
        oldRoot: TreeHash,
        newRoot: TreeHash,
        proof: [TreeHash]
    ) -> Bool {
        guard from <= to else { return false }
        if from == to { return proof.isEmpty && oldRoot == newRoot }
        if from == 0 { return proof.isEmpty && oldRoot == RFC6962.emptyRoot }
        guard proof.count == consistencyProofLength(from: from, to: to) else { return false }

        var path = proof[...]
        let seed: TreeHash
        if from & (from - 1) == 0 {
            // The old tree is a complete subtree of the new one: its root starts the path.
            seed = oldRoot
        } else {
            guard let first = path.popFirst() else { return false }
            seed = first
        }
        var fn = from - 1
        var sn = to - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var oldHash = seed
        var newHash = seed
        for hash in path {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                oldHash = RFC6962.nodeHash(hash, oldHash)
                newHash = RFC6962.nodeHash(hash, newHash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                newHash = RFC6962.nodeHash(newHash, hash)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && oldHash == oldRoot && newHash == newRoot
    }

    /// The number of hashes in the inclusion proof of `index` in a tree of `size` leaves
    /// (`index < size`).
    public static func inclusionProofLength(index: UInt64, size: UInt64) -> Int {
        guard index < size else { return 0 }
        // Levels where the path has a sibling inside the perfect part, plus one hash per set bit
        // of the remaining right border above the fork.
        let inner = UInt64.bitWidth - (index ^ (size - 1)).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        return inner + border
    }

    /// The number of hashes in the consistency proof from `from` to `to` leaves
    /// (0 when `from` is 0 or `from >= to`).
    public static func consistencyProofLength(from: UInt64, to: UInt64) -> Int {
        guard from > 0, from < to else { return 0 }
        let level = from.trailingZeroBitCount
        let index = (from - 1) >> UInt64(level)
        let innerTo = (to - 1) >> UInt64(level)
        let inner = UInt64.bitWidth - (index ^ innerTo).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        // The old root (or the seed hash) is part of the proof unless `from` is a power of two.
        let seed = (from >> UInt64(level)) == 1 ? 0 : 1
        return inner + border + seed
    }
}
