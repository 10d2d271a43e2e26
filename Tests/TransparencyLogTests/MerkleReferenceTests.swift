import DeterministicRandom
import Foundation
import Testing

@testable import TransparencyLog

/// A naive, literal transcription of the RFC 6962 / RFC 9162 recursive definitions.
enum NaiveMerkle {
    /// MTH(D[n]).
    static func mth(_ leaves: ArraySlice<TreeHash>) -> TreeHash {
        if leaves.isEmpty { return RFC6962.emptyRoot }
        if leaves.count == 1 { return leaves[leaves.startIndex] }
        let k = largestPowerOfTwoBelow(leaves.count)
        let split = leaves.startIndex + k
        return RFC6962.nodeHash(mth(leaves[..<split]), mth(leaves[split...]))
    }

    /// PATH(m, D[n]).
    static func path(_ m: Int, _ leaves: ArraySlice<TreeHash>) -> [TreeHash] {
        if leaves.count <= 1 { return [] }
        let k = largestPowerOfTwoBelow(leaves.count)
        let split = leaves.startIndex + k
        if m < k {
            return path(m, leaves[..<split]) + [mth(leaves[split...])]
        }
        return path(m - k, leaves[split...]) + [mth(leaves[..<split])]
    }

    /// PROOF(m, D[n]).
    static func proof(_ m: Int, _ leaves: ArraySlice<TreeHash>) -> [TreeHash] {
        if m == 0 || m == leaves.count { return [] }
        return subproof(m, leaves, true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<TreeHash>, _ b: Bool) -> [TreeHash] {
        if m == leaves.count { return b ? [] : [mth(leaves)] }
        let k = largestPowerOfTwoBelow(leaves.count)
        let split = leaves.startIndex + k
        if m <= k {
            return subproof(m, leaves[..<split], b) + [mth(leaves[split...])]
        }
        return subproof(m - k, leaves[split...], false) + [mth(leaves[..<split])]
    }

    private static func largestPowerOfTwoBelow(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}

/// A naive node store: every complete node of a tree, as reported by ``CompactRange/append(_:)``.
struct NaiveNodeStore {
    private(set) var nodes: [NodeID: TreeHash] = [:]
    private(set) var range = CompactRange()

    init(leaves: [TreeHash]) {
        for leaf in leaves {
            for (id, hash) in range.append(leaf) {
                nodes[id] = hash
            }
        }
    }

    /// Runs `plan` for a tree of `size` leaves, requiring every node to lie inside that tree.
    func run(_ plan: HashPlan, size: UInt64) throws -> [TreeHash] {
        for node in plan.nodes {
            let end = node.firstLeaf + node.leafCount!
            #expect(end <= size, "plan for size \(size) asks for \(node)")
        }
        #expect(Set(plan.nodes).count == plan.nodes.count)
        return try plan.assemble { nodes[$0] }
    }
}

/// The merkle-rfc6962.json fixture.
struct MerkleVectors: Decodable {
    struct Inclusion: Decodable {
        var index: UInt64
        var size: UInt64
        var proof: [String]
    }

    struct Consistency: Decodable {
        var from: UInt64
        var to: UInt64
        var proof: [String]
    }

    var leavesHex: [String]
    var leafHashes: [String]
    var roots: [String: String]
    var inclusion: [Inclusion]
    var consistency: [Consistency]

    enum CodingKeys: String, CodingKey {
        case leavesHex = "leaves_hex"
        case leafHashes = "leaf_hashes"
        case roots, inclusion, consistency
    }

    static func load() throws -> MerkleVectors {
        let url = try #require(
            Bundle.module.url(forResource: "merkle-rfc6962", withExtension: "json", subdirectory: "Fixtures")
        )
        return try JSONDecoder().decode(MerkleVectors.self, from: Data(contentsOf: url))
    }
}

func treeHashes(hex: [String]) throws -> [TreeHash] {
    try hex.map { try #require(TreeHash(hex: $0)) }
}

func merkleBytes(hex: String) throws -> [UInt8] {
    let chars = Array(hex.utf8)
    try #require(chars.count % 2 == 0)
    return try stride(from: 0, to: chars.count, by: 2).map { i in
        try #require(UInt8(String(decoding: chars[i..<(i + 2)], as: UTF8.self), radix: 16))
    }
}

func randomLeafHashes(_ count: Int, _ rng: inout SplitMix64) -> [TreeHash] {
    (0..<count).map { _ in RFC6962.leafHash((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
}

@Suite("Naive reference")
struct MerkleReferenceTests {
    @Test("The naive reference reproduces the published vectors")
    func referenceMatchesVectors() throws {
        let vectors = try MerkleVectors.load()
        let leaves = try treeHashes(hex: vectors.leafHashes)
        for (size, root) in vectors.roots {
            let n = try #require(Int(size))
            #expect(NaiveMerkle.mth(leaves[..<n]).hex == root)
        }
        for vector in vectors.inclusion {
            let path = NaiveMerkle.path(Int(vector.index), leaves[..<Int(vector.size)])
            #expect(path.map(\.hex) == vector.proof)
        }
        for vector in vectors.consistency {
            let proof = NaiveMerkle.proof(Int(vector.from), leaves[..<Int(vector.to)])
            #expect(proof.map(\.hex) == vector.proof)
        }
    }

    @Test("SplitMix64 known answer")
    func splitMixKnownAnswer() {
        var rng = SplitMix64(seed: 0)
        // Reference values of SplitMix64 seeded with 0.
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}
