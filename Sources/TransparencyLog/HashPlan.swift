/// Which stored complete-subtree hashes an answer needs, and how to combine them.
///
/// Lets an async store fetch ``nodes`` in one batch, then ``assemble(_:)-(_)`` them purely.
/// Plans only ever name O(log n) nodes.
public struct HashPlan: Sendable {
    /// How one output hash is produced.
    enum Output: Sendable {
        /// A fixed hash (the empty-tree root).
        case constant(TreeHash)
        /// The Merkle tree hash of adjacent complete subtrees, given left to right as
        /// positions in ``HashPlan/nodes``.
        case fold([Int])
    }

    /// The complete subtrees whose hashes are needed: deduplicated, in order of first use.
    public let nodes: [NodeID]
    let outputs: [Output]

    init(nodes: [NodeID], outputs: [Output]) {
        self.nodes = nodes
        self.outputs = outputs
    }

    /// The number of hashes ``assemble(_:)-(_)`` returns.
    public var outputCount: Int { outputs.count }

    /// Combines the hashes of ``nodes`` (`hashes[i]` is the hash of `nodes[i]`) into the answer:
    /// the proof hashes in order, or `[root]` for a root plan.
    ///
    /// - Throws: ``MerkleError/Code/missingHash`` when `hashes.count != nodes.count`.
    public func assemble(_ hashes: [TreeHash]) throws(MerkleError) -> [TreeHash] {
        guard hashes.count == nodes.count else {
            throw .missingHash("plan needs \(nodes.count) hashes, got \(hashes.count)")
        }
        return outputs.map { output in
            switch output {
            case .constant(let hash):
                return hash
            case .fold(let positions):
                var hash = hashes[positions[positions.count - 1]]
                for position in positions.dropLast().reversed() {
                    hash = RFC6962.nodeHash(hashes[position], hash)
                }
                return hash
            }
        }
    }

    /// Combines node hashes obtained from `lookup` into the answer.
    ///
    /// - Throws: ``MerkleError/Code/missingHash`` when `lookup` returns `nil` for a needed node.
    public func assemble(_ lookup: (NodeID) -> TreeHash?) throws(MerkleError) -> [TreeHash] {
        var hashes: [TreeHash] = []
        hashes.reserveCapacity(nodes.count)
        for node in nodes {
            guard let hash = lookup(node) else { throw .missingHash("no hash for \(node)") }
            hashes.append(hash)
        }
        return try assemble(hashes)
    }
}

/// Accumulates nodes and outputs for a ``HashPlan``.
struct HashPlanBuilder {
    private var nodes: [NodeID] = []
    private var positions: [NodeID: Int] = [:]
    private var outputs: [HashPlan.Output] = []

    /// Adds an output that is the Merkle tree hash of leaves `[start, end)`, `start < end`.
    mutating func addRange(start: UInt64, end: UInt64) {
        let parts = MerkleTree.subtrees(start: start, end: end)
        var indices: [Int] = []
        indices.reserveCapacity(parts.count)
        for node in parts {
            if let existing = positions[node] {
                indices.append(existing)
            } else {
                positions[node] = nodes.count
                indices.append(nodes.count)
                nodes.append(node)
            }
        }
        outputs.append(.fold(indices))
    }

    mutating func addConstant(_ hash: TreeHash) {
        outputs.append(.constant(hash))
    }

    func build() -> HashPlan {
        HashPlan(nodes: nodes, outputs: outputs)
    }
}
