/// A hash tile or entry bundle address (c2sp.org/tlog-tiles). Tile height is 8, full width 256.
///
/// Hash tile `(level, index)` holds the hashes of tree nodes at level `8 * level` with indices
/// `256 * index ..< 256 * index + width`. Entry bundle `index` holds leaves
/// `256 * index ..< 256 * index + width`.
public struct TileID: Hashable, Sendable {
    /// The tile level (0...63) for hash tiles; 0 for entry bundles.
    public var level: UInt8
    /// The index of the tile within its level.
    public var index: UInt64
    /// The number of hashes or entries, 1...256; 256 is a full tile.
    public var width: UInt16
    /// Whether this is an entry bundle (`tile/entries/...`) rather than a hash tile.
    public var isEntries: Bool

    /// The number of tree levels a tile spans.
    public static let height = 8
    /// The number of hashes or entries in a full tile.
    public static let fullWidth = 256
    /// The largest hash tile level allowed in a path.
    public static let maxLevel: UInt8 = 63

    /// A hash tile address.
    public init(level: UInt8, index: UInt64, width: UInt16 = 256) {
        self.level = level
        self.index = index
        self.width = width
        self.isEntries = false
    }

    /// An entry bundle address.
    public static func entries(index: UInt64, width: UInt16 = 256) -> TileID {
        var tile = TileID(level: 0, index: index, width: width)
        tile.isEntries = true
        return tile
    }

    /// Whether the tile is full (256 wide).
    public var isFull: Bool { width == TileID.fullWidth }

    /// The path relative to the log prefix, e.g. `tile/0/x001/x234/067.p/8` or `tile/entries/000`.
    public var path: String {
        var path = isEntries ? "tile/entries/" : "tile/\(level)/"
        var groups: [String] = []
        var remaining = index
        repeat {
            groups.append(TileID.threeDigits(remaining % 1000))
            remaining /= 1000
        } while remaining > 0
        for group in groups.dropFirst().reversed() {
            path += "x\(group)/"
        }
        path += groups[0]
        if !isFull {
            path += ".p/\(width)"
        }
        return path
    }

    /// Parses a tile or entry bundle path in canonical tlog-tiles form (no leading slash).
    ///
    /// Rejects anything but `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]` where `<L>` is
    /// 0...63 and `<W>` is 1...255 without leading zeroes, and `<N>` is three-digit groups, all
    /// but the last prefixed with `x`, without redundant leading `x000` groups.
    public init(path: String) throws(MerkleError) {
        let components = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard components.count >= 3, components[0].elementsEqual("tile".utf8) else {
            throw .invalidTilePath("\(path.debugDescription) does not start with tile/")
        }
        var isEntries = false
        var level: UInt8 = 0
        if components[1].elementsEqual("entries".utf8) {
            isEntries = true
        } else {
            guard let value = TileID.canonicalDecimal(components[1]), value <= TileID.maxLevel else {
                throw .invalidTilePath("\(path.debugDescription) has an invalid level")
            }
            level = UInt8(value)
        }
        var groups = Array(components[2...])
        var width: UInt16 = 256
        if groups.count >= 2, groups[groups.count - 2].reversed().starts(with: "p.".utf8) {
            guard let value = TileID.canonicalDecimal(groups[groups.count - 1]), (1...255).contains(value) else {
                throw .invalidTilePath("\(path.debugDescription) has an invalid partial width")
            }
            width = UInt16(value)
            groups.removeLast()
            groups[groups.count - 1] = groups[groups.count - 1].dropLast(2)
        }
        guard groups.count <= 7 else { throw .invalidTilePath("\(path.debugDescription) has too many groups") }
        var index: UInt64 = 0
        for (position, group) in groups.enumerated() {
            var digits = group[...]
            if position < groups.count - 1 {
                guard digits.first == UInt8(ascii: "x") else {
                    throw .invalidTilePath("\(path.debugDescription) lacks an x prefix")
                }
                digits = digits.dropFirst()
            }
            guard digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { throw .invalidTilePath("\(path.debugDescription) has a malformed index group") }
            let value = digits.reduce(UInt64(0)) { $0 * 10 + UInt64($1 - UInt8(ascii: "0")) }
            let (scaled, overflow1) = index.multipliedReportingOverflow(by: 1000)
            let (sum, overflow2) = scaled.addingReportingOverflow(value)
            guard !overflow1, !overflow2 else { throw .invalidTilePath("\(path.debugDescription) index overflows") }
            index = sum
        }
        var tile = TileID(level: level, index: index, width: width)
        tile.isEntries = isEntries
        // Canonical form only (rejects x000 leading groups and any other alternative spelling).
        guard tile.path == path else { throw .invalidTilePath("\(path.debugDescription) is not canonical") }
        self = tile
    }

    /// Nodes this hash tile holds: level `8 * level`, indices `256 * index ..< 256 * index + width`.
    ///
    /// Empty for entry bundles, and for tiles that cannot exist in a tree of at most 2^64 - 1
    /// leaves (levels above 7, or indices that overflow).
    public var nodeIDs: [NodeID] {
        guard !isEntries, level < 8 else { return [] }
        let (first, overflow) = index.multipliedReportingOverflow(by: UInt64(TileID.fullWidth))
        guard !overflow, first <= UInt64.max - UInt64(width) else { return [] }
        let nodeLevel = level * UInt8(TileID.height)
        return (0..<UInt64(width)).map { NodeID(level: nodeLevel, index: first + $0) }
    }

    /// The hash tile at `level`, `index` for a tree of `treeSize` leaves: full if complete,
    /// partial with the spec's width if it is the rightmost one, `nil` if empty or beyond the tree.
    public static func hashTile(level: UInt8, index: UInt64, treeSize: UInt64) -> TileID? {
        guard let width = width(level: level, index: index, treeSize: treeSize) else { return nil }
        return TileID(level: level, index: index, width: width)
    }

    /// The entry bundle `index` for a tree of `treeSize` leaves, `nil` if empty or beyond the tree.
    public static func entryBundle(index: UInt64, treeSize: UInt64) -> TileID? {
        guard let width = width(level: 0, index: index, treeSize: treeSize) else { return nil }
        return .entries(index: index, width: width)
    }

    /// The full-width hash tile that stores the hashes needed for `node`, and the positions of
    /// those hashes within the tile. A node at a level that is not a multiple of 8 is the Merkle
    /// tree hash of those consecutive hashes (see ``HashTile/nodeHash(_:tileHashes:)``).
    public static func location(of node: NodeID) -> (tile: TileID, positions: Range<Int>) {
        let tileLevel = node.level / UInt8(height)
        let extra = UInt64(node.level % UInt8(height))
        let first = node.index << extra
        let start = Int(first % UInt64(fullWidth))
        return (TileID(level: tileLevel, index: first / UInt64(fullWidth)), start..<(start + (1 << Int(extra))))
    }

    private static func width(level: UInt8, index: UInt64, treeSize: UInt64) -> UInt16? {
        let shift = Int(level) * height
        guard shift < UInt64.bitWidth else { return nil }
        let nodes = treeSize >> UInt64(shift)  // complete nodes at level 8 * level
        let fullTiles = nodes / UInt64(fullWidth)
        if index < fullTiles { return UInt16(fullWidth) }
        let partial = nodes % UInt64(fullWidth)
        guard index == fullTiles, partial > 0 else { return nil }
        return UInt16(partial)
    }

    private static func threeDigits(_ value: UInt64) -> String {
        let text = String(value)
        return String(repeating: "0", count: 3 - text.count) + text
    }

    /// Parses a decimal without sign or leading zeroes (except "0"), at most 3 digits.
    private static func canonicalDecimal(_ digits: Substring.UTF8View) -> Int? {
        guard !digits.isEmpty, digits.count <= 3,
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            digits.count == 1 || digits.first != UInt8(ascii: "0")
        else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}

/// Encoding of hash tiles: the concatenation of 1...256 hashes.
public enum HashTile {
    /// Concatenates the hashes.
    public static func encode(_ hashes: [TreeHash]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(hashes.count * TreeHash.byteCount)
        for hash in hashes {
            out.append(contentsOf: hash.bytes)
        }
        return out
    }

    /// Splits a tile body into hashes.
    ///
    /// - Throws: ``MerkleError/Code/invalidTile`` unless the body is 1...256 whole hashes.
    public static func decode(_ bytes: some Collection<UInt8>) throws(MerkleError) -> [TreeHash] {
        let body = Array(bytes)
        guard body.count % TreeHash.byteCount == 0 else {
            throw .invalidTile("hash tile length \(body.count) is not a multiple of \(TreeHash.byteCount)")
        }
        let count = body.count / TreeHash.byteCount
        guard (1...TileID.fullWidth).contains(count) else {
            throw .invalidTile("hash tile holds \(count) hashes, expected 1...\(TileID.fullWidth)")
        }
        return (0..<count).map { i in
            TreeHash(unchecked: Array(body[(i * TreeHash.byteCount)..<((i + 1) * TreeHash.byteCount)]))
        }
    }

    /// The hash of `node` computed from the hashes of the tile ``TileID/location(of:)`` names.
    ///
    /// `tileHashes` may be a partial tile as long as it covers the node's positions.
    /// - Throws: ``MerkleError/Code/missingHash`` when the tile is too narrow.
    public static func nodeHash(_ node: NodeID, tileHashes: [TreeHash]) throws(MerkleError) -> TreeHash {
        let positions = TileID.location(of: node).positions
        guard positions.upperBound <= tileHashes.count else {
            throw .missingHash("tile of width \(tileHashes.count) does not cover \(node)")
        }
        return MerkleTree.root(leafHashes: tileHashes[positions])
    }
}
