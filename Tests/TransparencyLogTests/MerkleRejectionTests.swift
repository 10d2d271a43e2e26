import DeterministicRandom
import Testing

@testable import TransparencyLog

@Suite("Mangled proofs and hashes are rejected")
struct MerkleRejectionTests {
    let leaves: [TreeHash]
    let store: NaiveNodeStore

    init() {
        var rng = SplitMix64(seed: 2024)
        leaves = randomLeafHashes(40, &rng)
        store = NaiveNodeStore(leaves: leaves)
    }

    func root(_ size: Int) -> TreeHash { NaiveMerkle.mth(leaves[..<size]) }

    static func flippingBit(_ hash: TreeHash, _ bit: Int) -> TreeHash {
        var bytes = hash.bytes
        bytes[bit / 8] ^= 1 << UInt8(bit % 8)
        return TreeHash(bytes: bytes)!
    }

    @Test("Inclusion: flipped bits, truncation, extension, wrong index/size/root/leaf")
    func mangledInclusion() throws {
        var rng = SplitMix64(seed: 5)
        let other = RFC6962.leafHash([0xff, 0xee])
        for size in 1...40 {
            let n = UInt64(size)
            let root = root(size)
            for index in 0..<size {
                let i = UInt64(index)
                let leaf = leaves[index]
                let proof = try store.run(MerkleTree.inclusionPlan(index: i, size: n), size: n)
                func verify(_ p: [TreeHash], index: UInt64 = i, size: UInt64 = n, root: TreeHash = root) -> Bool {
                    MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: size, proof: p, root: root)
                }
                #expect(verify(proof))
                for position in proof.indices {
                    var mangled = proof
                    mangled[position] = Self.flippingBit(proof[position], Int.random(in: 0..<256, using: &rng))
                    #expect(!verify(mangled), "flipped hash \(position) index \(index) size \(size)")
                }
                if !proof.isEmpty {
                    #expect(!verify(Array(proof.dropLast())))
                    #expect(!verify(Array(proof.dropFirst())))
                }
                #expect(!verify(proof + [other]))
                #expect(!verify([other] + proof))
                #expect(!verify(proof + [root]))
                for wrongIndex in 0..<UInt64(size + 2) where wrongIndex != i {
                    #expect(!verify(proof, index: wrongIndex), "index \(wrongIndex) instead of \(index), size \(size)")
                }
                #expect(!verify(proof, index: UInt64.max))
                for wrongSize in [n - 1, n + 1, n + 2, 2 * n, UInt64.max] where wrongSize != n {
                    // A different size never verifies against that size's own root...
                    if wrongSize <= 40 {
                        #expect(!verify(proof, size: wrongSize, root: self.root(Int(wrongSize))))
                    }
                    // ...and against this root whenever it changes the proof's shape.
                    if MerkleTree.inclusionProofLength(index: i, size: wrongSize) != proof.count {
                        #expect(!verify(proof, size: wrongSize))
                    }
                }
                #expect(!verify(proof, size: i))
                #expect(!verify(proof, size: 0))
                #expect(!verify(proof, root: Self.flippingBit(root, 0)))
                #expect(!verify(proof, root: RFC6962.emptyRoot))
                #expect(!MerkleTree.verifyInclusion(leafHash: other, index: i, size: n, proof: proof, root: root))
            }
        }
    }

    @Test("Inclusion: errors for impossible requests")
    func inclusionErrors() {
        expectMerkleError(.invalidIndex) { () throws(MerkleError) in try MerkleTree.inclusionPlan(index: 5, size: 5) }
        expectMerkleError(.invalidIndex) { () throws(MerkleError) in try MerkleTree.inclusionPlan(index: 0, size: 0) }
        expectMerkleError(.invalidIndex) { () throws(MerkleError) in
            try MerkleTree.rootFromInclusionProof(leafHash: leaves[0], index: 3, size: 3, proof: [])
        }
        expectMerkleError(.malformedProof) { () throws(MerkleError) in
            try MerkleTree.rootFromInclusionProof(leafHash: leaves[0], index: 0, size: 3, proof: [])
        }
        expectMerkleError(.invalidIndex) { () throws(MerkleError) in
            try MerkleTree.inclusionProof(index: 40, leafHashes: leaves)
        }
    }

    @Test("Consistency: flipped bits, truncation, extension, wrong sizes and roots, from > to")
    func mangledConsistency() throws {
        var rng = SplitMix64(seed: 6)
        let other = RFC6962.leafHash([0x01])
        for size in 1...40 {
            let n = UInt64(size)
            let newRoot = root(size)
            for old in 1...size {
                let m = UInt64(old)
                let oldRoot = root(old)
                let proof = try store.run(MerkleTree.consistencyPlan(from: m, to: n), size: n)
                func verify(
                    _ p: [TreeHash],
                    from: UInt64 = m,
                    to: UInt64 = n,
                    oldRoot o: TreeHash = oldRoot,
                    newRoot r: TreeHash = newRoot
                ) -> Bool {
                    MerkleTree.verifyConsistency(from: from, to: to, oldRoot: o, newRoot: r, proof: p)
                }
                #expect(verify(proof))
                for position in proof.indices {
                    var mangled = proof
                    mangled[position] = Self.flippingBit(proof[position], Int.random(in: 0..<256, using: &rng))
                    #expect(!verify(mangled), "flipped \(position) from \(old) to \(size)")
                }
                if !proof.isEmpty {
                    #expect(!verify(Array(proof.dropLast())))
                    #expect(!verify(Array(proof.dropFirst())))
                }
                #expect(!verify(proof + [other]))
                #expect(!verify([other] + proof))
                #expect(!verify(proof, oldRoot: Self.flippingBit(oldRoot, 7)))
                #expect(!verify(proof, newRoot: Self.flippingBit(newRoot, 255)))
                if old != size {
                    #expect(!verify(proof, from: n, to: m, oldRoot: newRoot, newRoot: oldRoot))
                    #expect(!verify(proof, oldRoot: newRoot, newRoot: oldRoot))
                }
                for wrongOld in 1...size where wrongOld != old {
                    #expect(!verify(proof, from: UInt64(wrongOld), oldRoot: root(wrongOld)))
                }
                for wrongNew in old...40 where wrongNew != size {
                    #expect(!verify(proof, to: UInt64(wrongNew), newRoot: root(wrongNew)))
                }
                #expect(!verify(proof, to: m - 1))
                #expect(!verify(proof, from: 0))
            }
        }
    }

    @Test("Consistency: errors for impossible requests")
    func consistencyErrors() {
        expectMerkleError(.invalidRange) { () throws(MerkleError) in try MerkleTree.consistencyPlan(from: 6, to: 5) }
        expectMerkleError(.invalidRange) { () throws(MerkleError) in
            try MerkleTree.consistencyProof(from: 3, to: 41, leafHashes: leaves)
        }
        #expect(!MerkleTree.verifyConsistency(from: 6, to: 5, oldRoot: root(6), newRoot: root(5), proof: []))
        #expect(!MerkleTree.verifyConsistency(from: 5, to: 5, oldRoot: root(5), newRoot: root(5), proof: [root(5)]))
        #expect(!MerkleTree.verifyConsistency(from: 5, to: 5, oldRoot: root(5), newRoot: root(6), proof: []))
        #expect(MerkleTree.verifyConsistency(from: 5, to: 5, oldRoot: root(5), newRoot: root(5), proof: []))
        #expect(!MerkleTree.verifyConsistency(from: 3, to: 7, oldRoot: root(3), newRoot: root(7), proof: []))
    }

    @Test("Plans refuse wrong hash counts and missing nodes")
    func planAssemblyErrors() throws {
        let plan = try MerkleTree.inclusionPlan(index: 3, size: 13)
        #expect(!plan.nodes.isEmpty)
        expectMerkleError(.missingHash) { () throws(MerkleError) in try plan.assemble([]) }
        expectMerkleError(.missingHash) { () throws(MerkleError) in
            try plan.assemble(Array(repeating: leaves[0], count: plan.nodes.count + 1))
        }
        expectMerkleError(.missingHash) { () throws(MerkleError) in try plan.assemble { _ in nil } }
        let missingLast = plan.nodes.last!
        expectMerkleError(.missingHash) { () throws(MerkleError) in
            try plan.assemble { $0 == missingLast ? nil : leaves[0] }
        }
    }

    @Test("Hashes that are not exactly 32 bytes are rejected")
    func wrongLengthHashes() throws {
        let good = leaves[0]
        #expect(TreeHash(bytes: good.bytes) == good)
        #expect(TreeHash(bytes: good.bytes.dropLast()) == nil)
        #expect(TreeHash(bytes: good.bytes + [0]) == nil)
        #expect(TreeHash(bytes: []) == nil)
        #expect(TreeHash(hex: good.hex) == good)
        #expect(TreeHash(hex: good.hex.uppercased()) == good)
        #expect(TreeHash(hex: String(good.hex.dropLast())) == nil)
        #expect(TreeHash(hex: good.hex + "0") == nil)
        #expect(TreeHash(hex: good.hex + "00") == nil)
        #expect(TreeHash(hex: "g" + good.hex.dropFirst()) == nil)
        #expect(TreeHash(hex: " " + good.hex.dropFirst()) == nil)
        #expect(TreeHash(hex: "") == nil)
        #expect(TreeHash(base64: good.base64) == good)
        #expect(good.base64.count == 44)
        // 31 and 33 bytes.
        #expect(TreeHash(base64: Base64.encode(good.bytes.dropLast())) == nil)
        #expect(TreeHash(base64: Base64.encode(good.bytes + [1])) == nil)
        // Non-canonical: missing padding, non-zero padding bits, whitespace, URL alphabet.
        #expect(TreeHash(base64: String(good.base64.dropLast())) == nil)
        #expect(TreeHash(base64: good.base64 + "\n") == nil)
        #expect(TreeHash(base64: "-" + good.base64.dropFirst()) == nil)
        #expect(TreeHash(base64: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=") == RFC6962.emptyRoot)
        #expect(TreeHash(base64: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=") == nil)
        expectMerkleError(.invalidHash) { () throws(MerkleError) in
            try [TreeHash](proofBytes: [good.bytes, Array(good.bytes.dropLast())])
        }
        #expect(try [TreeHash](proofBytes: [good.bytes, leaves[1].bytes]) == [good, leaves[1]])
        #expect(good.description == good.hex)
    }

    @Test("Strict base64 round-trips every length and rejects non-canonical text")
    func strictBase64() {
        var rng = SplitMix64(seed: 64)
        for length in 0..<40 {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = Base64.encode(data)
            #expect(Base64.decode(text) == data)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        for bad in ["Zg=", "Zg", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm 9v", "Zm9v\n", "Zg=a"] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
    }
}

/// Records an issue unless `body` throws a ``MerkleError`` with `code`.
func expectMerkleError<R>(
    _ code: MerkleError.Code,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws(MerkleError) -> R
) {
    do {
        let result = try body()
        Issue.record("expected MerkleError \(code), got \(result) \(comment ?? "")", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(error) \(comment ?? "")", sourceLocation: sourceLocation)
    }
}
