/// The right edge of a tree of `size` leaves: hashes of `MerkleTree.subtrees(start: 0, end: size)`.
///
/// Appending a leaf and computing the root need only these O(log n) hashes, so a log can be
/// extended without reading older nodes.
public struct CompactRange: Sendable, Equatable {
    /// The number of leaves covered.
    public private(set) var size: UInt64
    private var storage: [TreeHash]

    /// The empty range (size 0).
    public init() {
        self.size = 0
        self.storage = []
    }

    /// Restores a range from its size and the hashes of ``nodes(forSize:)``, in that order.
    ///
    /// - Throws: ``MerkleError/Code/invalidSize`` when the number of hashes does not match `size`.
    public init(size: UInt64, hashes: [TreeHash]) throws(MerkleError) {
        guard hashes.count == size.nonzeroBitCount else {
            throw .invalidSize("a compact range of size \(size) has \(size.nonzeroBitCount) hashes, got \(hashes.count)")
        }
        self.size = size
        self.storage = hashes
    }

    /// The maximal complete subtrees covering leaves `[0, size)`, left (largest) to right.
    public static func nodes(forSize size: UInt64) -> [NodeID] {
        MerkleTree.subtrees(start: 0, end: size)
    }

    /// The hashes of ``nodes``, left to right.
    public var hashes: [TreeHash] { storage }

    /// The complete subtrees this range holds hashes for, aligned with ``hashes``.
    public var nodes: [NodeID] { CompactRange.nodes(forSize: size) }

    /// Appends one leaf; returns every complete node that now exists and did not before
    /// (the leaf itself at level 0 first, then each new parent up the tree).
    public mutating func append(_ leafHash: TreeHash) -> [(id: NodeID, hash: TreeHash)] {
        var created: [(id: NodeID, hash: TreeHash)] = [(NodeID(level: 0, index: size), leafHash)]
        appendLeaf(leafHash) { created.append(($0, $1)) }
        return created
    }

    /// Appends one leaf, reporting each new parent node (not the leaf) to `onParent`.
    mutating func appendLeaf(_ leafHash: TreeHash, onParent: (NodeID, TreeHash) -> Void = { _, _ in }) {
        precondition(size < UInt64.max, "compact range is full")
        var hash = leafHash
        var level: UInt8 = 0
        var index = size
        // Each trailing one bit of the old size is a complete subtree that now gets a right sibling.
        var merges = (~size).trailingZeroBitCount
        while merges > 0 {
            hash = RFC6962.nodeHash(storage.removeLast(), hash)
            level += 1
            index >>= 1
            onParent(NodeID(level: level, index: index), hash)
            merges -= 1
        }
        storage.append(hash)
        size += 1
    }

    /// The Merkle tree hash of the covered leaves (`RFC6962.emptyRoot` for size 0).
    public func root() -> TreeHash {
        guard var hash = storage.last else { return RFC6962.emptyRoot }
        for left in storage.dropLast().reversed() {
            hash = RFC6962.nodeHash(left, hash)
        }
        return hash
    }
}
