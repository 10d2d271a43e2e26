import DeterministicRandom
import Testing

@testable import TransparencyLog

@Suite("CompactRange")
struct MerkleCompactRangeTests {
    @Test("append returns exactly the new complete nodes, leaf first, with correct hashes")
    func appendReturnsNewNodes() {
        var rng = SplitMix64(seed: 11)
        let leaves = randomLeafHashes(300, &rng)
        var range = CompactRange()
        var seen: Set<NodeID> = []
        for (i, leaf) in leaves.enumerated() {
            let created = range.append(leaf)
            let newSize = i + 1
            // Independently: node (l, newSize / 2^l - 1) is new for each l with 2^l dividing newSize.
            var expected: [NodeID] = []
            var level = 0
            while newSize % (1 << level) == 0 {
                expected.append(NodeID(level: UInt8(level), index: UInt64(newSize >> level) - 1))
                level += 1
            }
            #expect(created.map(\.id) == expected, "size \(newSize)")
            for (id, hash) in created {
                #expect(!seen.contains(id))
                seen.insert(id)
                let start = Int(id.firstLeaf)
                #expect(hash == NaiveMerkle.mth(leaves[start..<(start + Int(id.leafCount!))]))
            }
            #expect(range.size == UInt64(newSize))
            #expect(range.nodes == CompactRange.nodes(forSize: UInt64(newSize)))
            #expect(range.hashes.count == newSize.nonzeroBitCount)
        }
    }

    @Test("nodes(forSize:) known answers")
    func nodesForSize() {
        #expect(CompactRange.nodes(forSize: 0).isEmpty)
        #expect(CompactRange.nodes(forSize: 1) == [NodeID(level: 0, index: 0)])
        #expect(
            CompactRange.nodes(forSize: 13) == [
                NodeID(level: 3, index: 0), NodeID(level: 2, index: 2), NodeID(level: 0, index: 12),
            ]
        )
        #expect(CompactRange.nodes(forSize: 1 << 40) == [NodeID(level: 40, index: 0)])
        #expect(CompactRange.nodes(forSize: UInt64.max).count == 64)
        #expect(CompactRange.nodes(forSize: UInt64.max).first == NodeID(level: 63, index: 0))
        #expect(CompactRange.nodes(forSize: UInt64.max).last == NodeID(level: 0, index: UInt64.max - 1))
    }

    @Test("init(size:hashes:) round-trips and continues identically")
    func restoreRoundTrip() throws {
        var rng = SplitMix64(seed: 12)
        let leaves = randomLeafHashes(100, &rng)
        var range = CompactRange()
        #expect(range.root() == RFC6962.emptyRoot)
        #expect(try CompactRange(size: 0, hashes: []) == range)
        for (i, leaf) in leaves.enumerated() {
            _ = range.append(leaf)
            var restored = try CompactRange(size: range.size, hashes: range.hashes)
            #expect(restored == range)
            #expect(restored.root() == NaiveMerkle.mth(leaves[...i]))
            if i + 1 < leaves.count {
                var original = range
                #expect(restored.append(leaves[i + 1]).map(\.hash) == original.append(leaves[i + 1]).map(\.hash))
                #expect(restored == original)
            }
        }
    }

    @Test("init(size:hashes:) rejects a wrong hash count")
    func wrongHashCount() {
        let hash = RFC6962.leafHash([])
        expectMerkleError(.invalidSize) { () throws(MerkleError) in try CompactRange(size: 5, hashes: [hash]) }
        expectMerkleError(.invalidSize) { () throws(MerkleError) in
            try CompactRange(size: 5, hashes: [hash, hash, hash])
        }
        expectMerkleError(.invalidSize) { () throws(MerkleError) in try CompactRange(size: 0, hashes: [hash]) }
        expectMerkleError(.invalidSize) { () throws(MerkleError) in
            try CompactRange(size: 1, hashes: [])
        }
    }

    @Test("NodeID helpers")
    func nodeIDHelpers() {
        let node = NodeID(level: 3, index: 5)
        #expect(node.firstLeaf == 40)
        #expect(node.leafCount == 8)
        #expect(node.parent == NodeID(level: 4, index: 2))
        #expect(node.sibling == NodeID(level: 3, index: 4))
        #expect(NodeID(level: 64, index: 0).leafCount == nil)
        #expect(NodeID(level: 0, index: 9) < NodeID(level: 1, index: 0))
        #expect(NodeID(level: 1, index: 2) < NodeID(level: 1, index: 3))
        #expect(node.description == "node(level: 3, index: 5)")
    }
}
