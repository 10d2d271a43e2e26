/// A complete (perfect) subtree: covers leaves `[index << level, (index + 1) << level)`.
///
/// Level 0 nodes are leaves. In a tree of at most 2^64 - 1 leaves, levels are at most 63.
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The height of the subtree (0 for a leaf).
    public var level: UInt8
    /// The position of the subtree among the subtrees of the same level, from the left.
    public var index: UInt64

    /// Creates a node identifier.
    public init(level: UInt8, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The first leaf index the subtree covers (`index << level`).
    public var firstLeaf: UInt64 { level >= 64 ? 0 : index << UInt64(level) }

    /// The number of leaves the subtree covers (`1 << level`); `nil` when it does not fit in `UInt64`.
    public var leafCount: UInt64? { level >= 64 ? nil : 1 << UInt64(level) }

    /// The parent node one level up.
    public var parent: NodeID { NodeID(level: level + 1, index: index >> 1) }

    /// The other child of this node's parent.
    public var sibling: NodeID { NodeID(level: level, index: index ^ 1) }

    /// Orders by level, then by index.
    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.level, lhs.index) < (rhs.level, rhs.index)
    }

    /// `"node(level: L, index: I)"`.
    public var description: String { "node(level: \(level), index: \(index))" }
}
