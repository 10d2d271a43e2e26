import DeterministicRandom
import Testing

@testable import TransparencyLog

@Suite("Merkle properties against the naive reference")
struct MerklePropertyTests {
    /// Sizes that exercise every shape at small sizes, the power-of-two borders, and random sizes.
    static func sampleSizes(_ rng: inout SplitMix64) -> [Int] {
        var sizes = Array(1...33)
        for power in 6...10 {
            sizes += [(1 << power) - 1, 1 << power, (1 << power) + 1]
        }
        sizes += (0..<8).map { _ in Int.random(in: 34...2000, using: &rng) }
        sizes.append(2000)
        return sizes
    }

    @Test("Compact range root equals MTH, and plans reproduce PATH and PROOF for random trees")
    func randomTrees() throws {
        var rng = SplitMix64(seed: 0x766D_7472_7573_74)
        let allLeaves = randomLeafHashes(2000, &rng)
        let store = NaiveNodeStore(leaves: allLeaves)
        for size in Self.sampleSizes(&rng) {
            let leaves = allLeaves[..<size]
            let n = UInt64(size)
            let root = NaiveMerkle.mth(leaves)

            var range = CompactRange()
            for leaf in leaves { _ = range.append(leaf) }
            #expect(range.root() == root, "size \(size)")
            #expect(range.size == n)
            #expect(try store.run(MerkleTree.rootPlan(size: n), size: n) == [root])

            var indices: Set<Int> = [0, size - 1, size / 2]
            for _ in 0..<(size <= 33 ? size : 6) { indices.insert(Int.random(in: 0..<size, using: &rng)) }
            for index in indices {
                let proof = try store.run(MerkleTree.inclusionPlan(index: UInt64(index), size: n), size: n)
                #expect(proof == NaiveMerkle.path(index, leaves), "index \(index) size \(size)")
                #expect(
                    MerkleTree.verifyInclusion(
                        leafHash: leaves[index],
                        index: UInt64(index),
                        size: n,
                        proof: proof,
                        root: root
                    )
                )
            }

            var olds: Set<Int> = [1, size, size - 1, size / 2]
            for _ in 0..<(size <= 33 ? size : 6) { olds.insert(Int.random(in: 1...size, using: &rng)) }
            for old in olds where old >= 1 {
                let proof = try store.run(MerkleTree.consistencyPlan(from: UInt64(old), to: n), size: n)
                #expect(proof == NaiveMerkle.proof(old, leaves), "from \(old) to \(size)")
                #expect(
                    MerkleTree.verifyConsistency(
                        from: UInt64(old),
                        to: n,
                        oldRoot: NaiveMerkle.mth(leaves[..<old]),
                        newRoot: root,
                        proof: proof
                    )
                )
            }
        }
    }

    @Test("Subtree decomposition is contiguous, exact and maximal")
    func subtreeDecomposition() {
        var rng = SplitMix64(seed: 7)
        var cases: [(UInt64, UInt64)] = [(0, 0), (5, 5), (9, 3), (0, UInt64.max), (1, UInt64.max), (UInt64.max - 1, UInt64.max)]
        for _ in 0..<500 {
            let a = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
            let b = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
            cases.append((min(a, b), max(a, b)))
        }
        for (start, end) in cases {
            let nodes = MerkleTree.subtrees(start: start, end: end)
            if start >= end {
                #expect(nodes.isEmpty)
                continue
            }
            #expect(nodes.count <= 2 * 64)
            var position = start
            for (i, node) in nodes.enumerated() {
                #expect(node.firstLeaf == position)
                position &+= node.leafCount!
                // Maximal: no two neighbours are siblings that could merge.
                if i > 0 {
                    let previous = nodes[i - 1]
                    #expect(!(previous.level == node.level && previous.sibling == node && previous.index & 1 == 0))
                }
            }
            #expect(position == end)
        }
        #expect(
            MerkleTree.subtrees(start: 3, end: 13) == [
                NodeID(level: 0, index: 3), NodeID(level: 2, index: 1), NodeID(level: 2, index: 2),
                NodeID(level: 0, index: 12),
            ]
        )
    }

    @Test("Plans in a 1,000,000-leaf log and at 2^64 - 1 leaves read O(log n) nodes")
    func plansAreLogarithmic() throws {
        var rng = SplitMix64(seed: 42)
        let sizes: [UInt64] = [1_000_000, 1 << 40, .max]
        for size in sizes {
            let bits = 64 - (size - 1).leadingZeroBitCount
            #expect(MerkleTree.rootPlan(size: size).nodes.count == size.nonzeroBitCount)
            for _ in 0..<200 {
                let index = UInt64.random(in: 0..<size, using: &rng)
                let plan = try MerkleTree.inclusionPlan(index: index, size: size)
                #expect(plan.nodes.count <= 2 * bits)
                #expect(plan.outputCount == MerkleTree.inclusionProofLength(index: index, size: size))
                let from = UInt64.random(in: 1...size, using: &rng)
                let consistency = try MerkleTree.consistencyPlan(from: from, to: size)
                #expect(consistency.nodes.count <= 2 * bits)
                #expect(consistency.outputCount == MerkleTree.consistencyProofLength(from: from, to: size))
            }
        }
    }

    /// In a tree whose leaves all have the same hash, every complete node at level L has the
    /// same hash, so proofs for astronomically large trees can be assembled and verified.
    @Test("Proofs assemble and verify in trees of up to 2^64 - 1 identical leaves")
    func hugeUniformTrees() throws {
        var levels = [RFC6962.leafHash([0x42])]
        for _ in 1..<64 { levels.append(RFC6962.nodeHash(levels.last!, levels.last!)) }
        let lookup: (NodeID) -> TreeHash? = { levels[Int($0.level)] }
        var rng = SplitMix64(seed: 99)
        let sizes: [UInt64] = [1_000_000, (1 << 63) + 12_345, .max]
        for size in sizes {
            let root = try #require(try MerkleTree.rootPlan(size: size).assemble(lookup).first)
            for _ in 0..<50 {
                let index = UInt64.random(in: 0..<size, using: &rng)
                let proof = try MerkleTree.inclusionPlan(index: index, size: size).assemble(lookup)
                #expect(
                    MerkleTree.verifyInclusion(leafHash: levels[0], index: index, size: size, proof: proof, root: root)
                )
                let from = UInt64.random(in: 1..<size, using: &rng)
                let oldRoot = try #require(try MerkleTree.rootPlan(size: from).assemble(lookup).first)
                let consistency = try MerkleTree.consistencyPlan(from: from, to: size).assemble(lookup)
                #expect(
                    MerkleTree.verifyConsistency(
                        from: from,
                        to: size,
                        oldRoot: oldRoot,
                        newRoot: root,
                        proof: consistency
                    )
                )
                #expect(
                    !MerkleTree.verifyConsistency(
                        from: from,
                        to: size,
                        oldRoot: oldRoot,
                        newRoot: root,
                        proof: consistency.dropLast()
                    )
                )
            }
        }
    }
}
