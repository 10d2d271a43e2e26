import Testing

@testable import TransparencyLog

@Suite("RFC 6962 known answers (merkle-rfc6962.json)")
struct MerkleVectorTests {
    let vectors: MerkleVectors
    let leaves: [TreeHash]
    let store: NaiveNodeStore

    init() throws {
        vectors = try MerkleVectors.load()
        leaves = try treeHashes(hex: vectors.leafHashes)
        store = NaiveNodeStore(leaves: leaves)
    }

    func root(_ size: UInt64) throws -> TreeHash {
        let hex = try #require(vectors.roots[String(size)])
        return try #require(TreeHash(hex: hex))
    }

    @Test("Leaf hashes")
    func leafHashes() throws {
        #expect(vectors.leavesHex.count == 8)
        for (entryHex, expected) in zip(vectors.leavesHex, vectors.leafHashes) {
            #expect(RFC6962.leafHash(try merkleBytes(hex: entryHex)).hex == expected)
            // Non-contiguous collections hash the same.
            #expect(RFC6962.leafHash(try merkleBytes(hex: entryHex).lazy.map { $0 }).hex == expected)
        }
    }

    @Test("Empty root and node hash")
    func emptyRootAndNodeHash() throws {
        #expect(RFC6962.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(RFC6962.nodeHash(leaves[0], leaves[1]).hex == vectors.roots["2"])
    }

    @Test("Roots of every size 0...8, by plan, compact range and in-memory helper")
    func roots() throws {
        #expect(vectors.roots.count == 9)
        for size in 0...8 {
            let expected = try #require(vectors.roots[String(size)])
            let plan = MerkleTree.rootPlan(size: UInt64(size))
            #expect(try store.run(plan, size: UInt64(size)).map(\.hex) == [expected])
            #expect(MerkleTree.root(leafHashes: leaves[..<size]).hex == expected)
            var range = CompactRange()
            for leaf in leaves[..<size] { _ = range.append(leaf) }
            #expect(range.root().hex == expected)
        }
    }

    @Test("Every inclusion proof is generated exactly and verifies")
    func inclusionProofs() throws {
        #expect(vectors.inclusion.count == 36)
        for vector in vectors.inclusion {
            let plan = try MerkleTree.inclusionPlan(index: vector.index, size: vector.size)
            let proof = try store.run(plan, size: vector.size)
            #expect(proof.map(\.hex) == vector.proof, "index \(vector.index) size \(vector.size)")
            #expect(proof.count == MerkleTree.inclusionProofLength(index: vector.index, size: vector.size))
            let inMemory = try MerkleTree.inclusionProof(index: vector.index, leafHashes: leaves[..<Int(vector.size)])
            #expect(inMemory == proof)
            let root = try root(vector.size)
            #expect(
                MerkleTree.verifyInclusion(
                    leafHash: leaves[Int(vector.index)],
                    index: vector.index,
                    size: vector.size,
                    proof: try treeHashes(hex: vector.proof),
                    root: root
                )
            )
        }
    }

    @Test("Every consistency proof is generated exactly and verifies")
    func consistencyProofs() throws {
        #expect(vectors.consistency.count == 36)
        for vector in vectors.consistency {
            let plan = try MerkleTree.consistencyPlan(from: vector.from, to: vector.to)
            let proof = try store.run(plan, size: vector.to)
            #expect(proof.map(\.hex) == vector.proof, "from \(vector.from) to \(vector.to)")
            #expect(proof.count == MerkleTree.consistencyProofLength(from: vector.from, to: vector.to))
            #expect(try MerkleTree.consistencyProof(from: vector.from, to: vector.to, leafHashes: leaves) == proof)
            let oldRoot = try root(vector.from)
            let newRoot = try root(vector.to)
            #expect(
                MerkleTree.verifyConsistency(
                    from: vector.from,
                    to: vector.to,
                    oldRoot: oldRoot,
                    newRoot: newRoot,
                    proof: try treeHashes(hex: vector.proof)
                )
            )
        }
    }

    @Test("Consistency from the empty tree")
    func consistencyFromEmpty() throws {
        let root = try root(8)
        #expect(try MerkleTree.consistencyPlan(from: 0, to: 8).nodes.isEmpty)
        #expect(try store.run(MerkleTree.consistencyPlan(from: 0, to: 8), size: 8).isEmpty)
        #expect(MerkleTree.verifyConsistency(from: 0, to: 8, oldRoot: RFC6962.emptyRoot, newRoot: root, proof: []))
        #expect(!MerkleTree.verifyConsistency(from: 0, to: 8, oldRoot: root, newRoot: root, proof: []))
        #expect(!MerkleTree.verifyConsistency(from: 0, to: 8, oldRoot: RFC6962.emptyRoot, newRoot: root, proof: [root]))
    }
}
