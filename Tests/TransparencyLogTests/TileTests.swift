import DeterministicRandom
import Testing

@testable import TransparencyLog

@Suite("tlog-tiles paths, widths and hash tiles")
struct TileTests {
    @Test("Paths: known answers from the spec and round trips")
    func knownPaths() throws {
        let cases: [(TileID, String)] = [
            (TileID(level: 0, index: 1_234_067), "tile/0/x001/x234/067"),
            (TileID(level: 0, index: 1_234_067, width: 8), "tile/0/x001/x234/067.p/8"),
            (TileID(level: 0, index: 0), "tile/0/000"),
            (TileID(level: 1, index: 1, width: 17), "tile/1/001.p/17"),
            (TileID(level: 2, index: 0, width: 1), "tile/2/000.p/1"),
            (TileID(level: 63, index: 999, width: 255), "tile/63/999.p/255"),
            (TileID(level: 5, index: 1000), "tile/5/x001/000"),
            (TileID(level: 0, index: 999_999), "tile/0/x999/999"),
            (TileID(level: 0, index: UInt64.max), "tile/0/x018/x446/x744/x073/x709/x551/615"),
            (TileID.entries(index: 0), "tile/entries/000"),
            (TileID.entries(index: 273, width: 112), "tile/entries/273.p/112"),
            (TileID.entries(index: 1_234_067), "tile/entries/x001/x234/067"),
        ]
        for (tile, path) in cases {
            #expect(tile.path == path)
            #expect(try TileID(path: path) == tile, "\(path)")
        }
        #expect(TileID(level: 0, index: 0).isFull)
        #expect(!TileID(level: 0, index: 0, width: 255).isFull)
        #expect(TileID.entries(index: 3).isEntries)
        #expect(!TileID(level: 0, index: 3).isEntries)
    }

    @Test("Paths: random round trips")
    func randomRoundTrips() throws {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<2000 {
            let index = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
            let width = UInt16.random(in: 1...256, using: &rng)
            let tile =
                Bool.random(using: &rng)
                ? TileID.entries(index: index, width: width)
                : TileID(level: UInt8.random(in: 0...63, using: &rng), index: index, width: width)
            #expect(try TileID(path: tile.path) == tile)
        }
    }

    @Test("Paths: malformed or non-canonical paths are rejected")
    func malformedPaths() {
        let bad = [
            "", "tile", "tile/", "tile/0", "tile/0/", "/tile/0/000", "tile/0/000/", "tile//000",
            "tile/0/1234", "tile/0/x1/234", "tile/0/00", "tile/0/0000", "tile/0/x001", "tile/0/001/x234",
            "tile/0/x001/x234", "tile/0/x000/001", "tile/0/x000/x001/234", "tile/0/X001/234", "tile/0/y001/234",
            "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/08", "tile/0/000.p/", "tile/0/000.p",
            "tile/0/000.p/8/", "tile/0/000.p/8/9", "tile/0/000.P/8", "tile/0/000p/8", "tile/0/000.p/-1",
            "tile/0/000.p/+8", "tile/0/000.p/ 8", "tile/0/x001.p/8/234", "tile/0/000.q/8",
            "tile/64/000", "tile/00/000", "tile/01/000", "tile/-1/000", "tile/+1/000", "tile/100/000", "tile/a/000",
            "tile/0/+00", "tile/0/-01", "tile/0/ 00", "tile/0/00 ", "tile/0/0x1", "tile/0/\u{0661}23",
            "tile/0/x018/x446/x744/x073/x709/x551/616", "tile/0/x999/x999/x999/x999/x999/x999/999",
            "tile/0/x001/x000/x000/x000/x000/x000/x000/000", "TILE/0/000", "tiles/0/000", "tile/8/0/000",
            "tile/entries", "tile/entries/", "tile/entries/x000/000", "tile/entries/000.p/256", "tile/entry/000",
            "tile/0/000\n", "tile/0/000?x", "./tile/0/000", "tile/0/./000", "tile/0/../000",
        ]
        for path in bad {
            expectMerkleError(.invalidTilePath) { () throws(MerkleError) in
                try TileID(path: path)
            }
        }
    }

    @Test("Tiles for a tree size at the boundaries (255, 256, 257, 65536, 70000)")
    func tilesForTreeSize() {
        func hash(_ level: UInt8, _ index: UInt64, _ size: UInt64) -> UInt16? {
            TileID.hashTile(level: level, index: index, treeSize: size)?.width
        }
        #expect(hash(0, 0, 0) == nil)
        #expect(TileID.entryBundle(index: 0, treeSize: 0) == nil)
        #expect(hash(0, 0, 1) == 1)

        #expect(hash(0, 0, 255) == 255)
        #expect(hash(0, 1, 255) == nil)
        #expect(hash(1, 0, 255) == nil)
        #expect(TileID.entryBundle(index: 0, treeSize: 255) == .entries(index: 0, width: 255))

        #expect(hash(0, 0, 256) == 256)
        #expect(hash(0, 1, 256) == nil)
        #expect(hash(1, 0, 256) == 1)
        #expect(hash(2, 0, 256) == nil)
        #expect(TileID.hashTile(level: 0, index: 0, treeSize: 256) == TileID(level: 0, index: 0))
        #expect(TileID.entryBundle(index: 0, treeSize: 256) == .entries(index: 0))
        #expect(TileID.entryBundle(index: 1, treeSize: 256) == nil)

        #expect(hash(0, 0, 257) == 256)
        #expect(hash(0, 1, 257) == 1)
        #expect(hash(1, 0, 257) == 1)
        #expect(TileID.entryBundle(index: 1, treeSize: 257) == .entries(index: 1, width: 1))

        #expect(hash(0, 255, 65536) == 256)
        #expect(hash(0, 256, 65536) == nil)
        #expect(hash(1, 0, 65536) == 256)
        #expect(hash(1, 1, 65536) == nil)
        #expect(hash(2, 0, 65536) == 1)
        #expect(hash(3, 0, 65536) == nil)
        #expect(TileID.entryBundle(index: 255, treeSize: 65536) == .entries(index: 255))
        #expect(TileID.entryBundle(index: 256, treeSize: 65536) == nil)

        // The spec's example: 273 full level 0 tiles, a partial level 0 tile of width 112, one full
        // level 1 tile, a partial level 1 tile of width 17 and a partial level 2 tile of width 1.
        #expect(hash(0, 272, 70000) == 256)
        #expect(hash(0, 273, 70000) == 112)
        #expect(hash(0, 274, 70000) == nil)
        #expect(hash(1, 0, 70000) == 256)
        #expect(hash(1, 1, 70000) == 17)
        #expect(hash(2, 0, 70000) == 1)
        #expect(hash(3, 0, 70000) == nil)

        #expect(hash(7, 0, UInt64.max) == 255)
        #expect(hash(6, 254, UInt64.max) == 256)
        #expect(hash(6, 255, UInt64.max) == 255)
        #expect(hash(8, 0, UInt64.max) == nil)
        #expect(hash(63, 0, UInt64.max) == nil)
        #expect(hash(255, 0, UInt64.max) == nil)
    }

    @Test("Tile node IDs and locating a node's hashes")
    func nodeIDsAndLocation() throws {
        #expect(
            TileID(level: 1, index: 2, width: 3).nodeIDs == [
                NodeID(level: 8, index: 512), NodeID(level: 8, index: 513), NodeID(level: 8, index: 514),
            ]
        )
        #expect(TileID(level: 0, index: 0).nodeIDs.count == 256)
        #expect(TileID.entries(index: 0).nodeIDs.isEmpty)
        #expect(TileID(level: 8, index: 0).nodeIDs.isEmpty)
        #expect(TileID(level: 0, index: UInt64.max).nodeIDs.isEmpty)

        let located = TileID.location(of: NodeID(level: 11, index: 3))
        #expect(located.tile == TileID(level: 1, index: 0))
        #expect(located.positions == 24..<32)
        let leaf = TileID.location(of: NodeID(level: 0, index: 1_234_067))
        #expect(leaf.tile == TileID(level: 0, index: 4820))
        #expect(leaf.positions == 147..<148)
    }

    @Test("Every complete node of a 600-leaf tree is computable from its tile")
    func nodesFromTiles() throws {
        var rng = SplitMix64(seed: 600)
        let size = 600
        let leaves = randomLeafHashes(size, &rng)
        var tiles: [TileID: [TreeHash]] = [:]
        for level: UInt8 in 0...1 {
            for index: UInt64 in 0...2 {
                guard let tile = TileID.hashTile(level: level, index: index, treeSize: UInt64(size)) else { continue }
                tiles[tile] = tile.nodeIDs.map { node in
                    let start = Int(node.firstLeaf)
                    return NaiveMerkle.mth(leaves[start..<(start + Int(node.leafCount!))])
                }
                // Encoded tiles decode back.
                #expect(try HashTile.decode(HashTile.encode(tiles[tile]!)) == tiles[tile]!)
            }
        }
        #expect(tiles.count == 4)  // level 0: two full and one of width 88; level 1: width 2
        for level in UInt8(0)...9 {
            for index in 0..<UInt64(size >> Int(level)) {
                let node = NodeID(level: level, index: index)
                let (tileID, _) = TileID.location(of: node)
                let width = try #require(TileID.hashTile(level: tileID.level, index: tileID.index, treeSize: UInt64(size)))
                let tileHashes = try #require(tiles[width])
                let start = Int(node.firstLeaf)
                let expected = NaiveMerkle.mth(leaves[start..<(start + Int(node.leafCount!))])
                #expect(try HashTile.nodeHash(node, tileHashes: tileHashes) == expected, "\(node)")
            }
        }
        let partial = try #require(tiles[TileID(level: 0, index: 2, width: 88)])
        expectMerkleError(.missingHash) { () throws(MerkleError) in
            try HashTile.nodeHash(NodeID(level: 0, index: 600), tileHashes: partial)
        }
    }

    @Test("Hash tile encoding: round trip and rejection")
    func hashTileEncoding() throws {
        var rng = SplitMix64(seed: 8)
        let hashes = randomLeafHashes(256, &rng)
        #expect(HashTile.encode(hashes).count == 8192)
        #expect(try HashTile.decode(HashTile.encode(hashes)) == hashes)
        #expect(try HashTile.decode(HashTile.encode([hashes[0]])) == [hashes[0]])
        #expect(HashTile.encode([hashes[0], hashes[1]]) == hashes[0].bytes + hashes[1].bytes)
        let full = HashTile.encode(hashes)
        for bad in [
            [], Array(full.prefix(31)), Array(full.prefix(33)), Array(full.dropLast()), full + [0], full + hashes[0].bytes,
        ] {
            expectMerkleError(.invalidTile) { () throws(MerkleError) in
                try HashTile.decode(bad)
            }
        }
    }
}
