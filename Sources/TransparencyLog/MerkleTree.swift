/// RFC 6962 / RFC 9162 Merkle tree computations over complete subtrees (``NodeID``).
///
/// Proof generation is split into a pure plan (which complete-subtree hashes are needed) and
/// an assembly step, so that stores can fetch O(log n) hashes in one batch.
public enum MerkleTree {
    /// Decomposition of leaf range `[start, end)` into maximal complete subtrees, left to right.
    ///
    /// Returns an empty array when `start >= end`. The result has O(log(end - start)) nodes.
    public static func subtrees(start: UInt64, end: UInt64) -> [NodeID] {
        var result: [NodeID] = []
        var position = start
        while position < end {
            // The largest subtree that starts at `position` (alignment) and fits before `end`.
            let alignment = position.trailingZeroBitCount  // 64 when position == 0
            let fits = UInt64.bitWidth - 1 - (end - position).leadingZeroBitCount
            let level = min(alignment, fits)
            result.append(NodeID(level: UInt8(level), index: position >> UInt64(level)))
            position += 1 << UInt64(level)
        }
        return result
    }

    /// A plan whose assembly yields `[root]` for a tree of `size` leaves (`[emptyRoot]` for 0).
    public static func rootPlan(size: UInt64) -> HashPlan {
        var builder = HashPlanBuilder()
        if size == 0 {
            builder.addConstant(RFC6962.emptyRoot)
        } else {
            builder.addRange(start: 0, end: size)
        }
        return builder.build()
    }

    /// A plan whose assembly yields the inclusion proof of leaf `index` in a tree of `size` leaves
    /// (RFC 9162 section 2.1.3.1 `PATH`), from the leaf's sibling up to the root's child.
    ///
    /// - Throws: ``MerkleError/Code/invalidIndex`` when `index >= size`.
    public static func inclusionPlan(index: UInt64, size: UInt64) throws(MerkleError) -> HashPlan {
        guard index < size else { throw .invalidIndex("leaf index \(index) is not below tree size \(size)") }
        // Walk down from the root; each step contributes the subtree on the other side.
        var ranges: [(start: UInt64, end: UInt64)] = []
        var low: UInt64 = 0
        var high = size
        while high - low > 1 {
            let middle = low + largestPowerOfTwo(below: high - low)
            if index < middle {
                ranges.append((middle, high))
                high = middle
            } else {
                ranges.append((low, middle))
                low = middle
            }
        }
        var builder = HashPlanBuilder()
        for range in ranges.reversed() {
            builder.addRange(start: range.start, end: range.end)
        }
        return builder.build()
    }

    /// A plan whose assembly yields the consistency proof between trees of `from` and `to`
    /// leaves (RFC 9162 section 2.1.4.1 `PROOF`). The proof is empty when `from` is 0 or
    /// `from == to`.
    ///
    /// - Throws: ``MerkleError/Code/invalidRange`` when `from > to`.
    public static func consistencyPlan(from: UInt64, to: UInt64) throws(MerkleError) -> HashPlan {
        guard from <= to else { throw .invalidRange("old size \(from) is larger than new size \(to)") }
        var builder = HashPlanBuilder()
        guard from > 0, from < to else { return builder.build() }
        // Iterative SUBPROOF: collected root-first, emitted deepest-first.
        var ranges: [(start: UInt64, end: UInt64)] = []
        var low: UInt64 = 0
        var high = to
        var isOldRoot = true  // the "b" flag of RFC 9162: the subtree is the whole old tree
        while from != high {
            let middle = low + largestPowerOfTwo(below: high - low)
            if from <= middle {
                ranges.append((middle, high))
                high = middle
            } else {
                ranges.append((low, middle))
                low = middle
                isOldRoot = false
            }
        }
        if !isOldRoot {
            ranges.append((low, high))
        }
        for range in ranges.reversed() {
            builder.addRange(start: range.start, end: range.end)
        }
        return builder.build()
    }

    /// The Merkle tree hash of `leafHashes` (RFC 6962 `MTH`), computed in memory in O(n).
    public static func root(leafHashes: some RandomAccessCollection<TreeHash>) -> TreeHash {
        var range = CompactRange()
        for leaf in leafHashes {
            range.appendLeaf(leaf)
        }
        return range.root()
    }

    /// The inclusion proof of leaf `index` in the tree formed by `leafHashes`, computed in memory.
    ///
    /// - Throws: ``MerkleError/Code/invalidIndex`` when `index >= leafHashes.count`.
    public static func inclusionProof(
        index: UInt64,
        leafHashes: some RandomAccessCollection<TreeHash>
    ) throws(MerkleError) -> [TreeHash] {
        let leaves = Array(leafHashes)
        let plan = try inclusionPlan(index: index, size: UInt64(leaves.count))
        return try plan.assemble(plan.nodes.map { inMemoryHash($0, leaves) })
    }

    /// The consistency proof from the first `from` leaves to the first `to` leaves of
    /// `leafHashes`, computed in memory.
    ///
    /// - Throws: ``MerkleError/Code/invalidRange`` when `from > to` or `to > leafHashes.count`.
    public static func consistencyProof(
        from: UInt64,
        to: UInt64,
        leafHashes: some RandomAccessCollection<TreeHash>
    ) throws(MerkleError) -> [TreeHash] {
        let leaves = Array(leafHashes)
        guard to <= UInt64(leaves.count) else {
            throw .invalidRange("new size \(to) is larger than the \(leaves.count) leaves given")
        }
        let plan = try consistencyPlan(from: from, to: to)
        return try plan.assemble(plan.nodes.map { inMemoryHash($0, leaves) })
    }

    /// The largest power of two strictly below `n` (`n >= 2`).
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        1 << UInt64(UInt64.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }

    private static func inMemoryHash(_ node: NodeID, _ leaves: [TreeHash]) -> TreeHash {
        let start = Int(node.firstLeaf)
        let count = 1 << Int(node.level)
        return root(leafHashes: leaves[start..<(start + count)])
    }
}
