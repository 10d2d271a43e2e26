import Crypto

/// RFC 6962 / RFC 9162 Merkle tree hashing with SHA-256.
public enum RFC6962 {
    /// The hash of a leaf: `SHA-256(0x00 || entry)`.
    public static func leafHash(_ entry: some Collection<UInt8>) -> TreeHash {
        var hasher = SHA256()
        hashPrefix(0x00, into: &hasher)
        let done: Void? = entry.withContiguousStorageIfAvailable { buffer in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            Array(entry).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return finish(hasher)
    }

    /// The hash of an interior node: `SHA-256(0x01 || left || right)`.
    public static func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        var hasher = SHA256()
        hashPrefix(0x01, into: &hasher)
        left.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        right.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return finish(hasher)
    }

    /// The root of the empty tree: `SHA-256("")`.
    public static let emptyRoot: TreeHash = finish(SHA256())

    private static func hashPrefix(_ prefix: UInt8, into hasher: inout SHA256) {
        withUnsafeBytes(of: prefix) { hasher.update(bufferPointer: $0) }
    }

    private static func finish(_ hasher: consuming SHA256) -> TreeHash {
        let digest = hasher.finalize()
        return digest.withUnsafeBytes { TreeHash(unchecked: Array($0)) }
    }
}
