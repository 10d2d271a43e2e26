/// Encoding of tlog-tiles entry bundles: 1...256 entries, each prefixed by its length as a
/// big-endian `UInt16`.
public enum EntryBundle {
    /// The largest entry a bundle can hold, in bytes.
    public static let maxEntrySize = 65535

    /// Encodes 1...256 entries.
    ///
    /// - Throws: ``MerkleError/Code/entryTooLarge`` for an entry over ``maxEntrySize`` bytes;
    ///   ``MerkleError/Code/invalidTile`` for 0 or more than 256 entries.
    public static func encode(_ entries: [[UInt8]]) throws(MerkleError) -> [UInt8] {
        guard (1...TileID.fullWidth).contains(entries.count) else {
            throw .invalidTile("an entry bundle holds 1...\(TileID.fullWidth) entries, got \(entries.count)")
        }
        var out = [UInt8]()
        out.reserveCapacity(entries.reduce(0) { $0 + 2 + $1.count })
        for (position, entry) in entries.enumerated() {
            guard entry.count <= maxEntrySize else {
                throw .entryTooLarge("entry \(position) is \(entry.count) bytes, limit \(maxEntrySize)")
            }
            out.append(UInt8(truncatingIfNeeded: entry.count >> 8))
            out.append(UInt8(truncatingIfNeeded: entry.count))
            out.append(contentsOf: entry)
        }
        return out
    }

    /// Decodes a bundle body into its entries.
    ///
    /// - Throws: ``MerkleError/Code/invalidTile`` for a truncated length or entry, trailing bytes,
    ///   an empty body, or more than 256 entries.
    public static func decode(_ bytes: some Collection<UInt8>) throws(MerkleError) -> [[UInt8]] {
        let body = Array(bytes)
        var entries: [[UInt8]] = []
        var position = 0
        while position < body.count {
            guard entries.count < TileID.fullWidth else {
                throw .invalidTile("entry bundle has more than \(TileID.fullWidth) entries")
            }
            guard body.count - position >= 2 else { throw .invalidTile("entry bundle ends inside a length prefix") }
            let length = Int(body[position]) << 8 | Int(body[position + 1])
            position += 2
            guard body.count - position >= length else {
                throw .invalidTile("entry \(entries.count) is truncated: needs \(length) bytes")
            }
            entries.append(Array(body[position..<(position + length)]))
            position += length
        }
        guard !entries.isEmpty else { throw .invalidTile("entry bundle is empty") }
        return entries
    }
}
