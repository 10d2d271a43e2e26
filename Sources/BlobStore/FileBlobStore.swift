import Crypto
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the store knows about one blob.
public struct BlobInfo: Hashable, Sendable, Codable {
    /// The blob's digest.
    public var digest: BlobDigest
    /// Its size in bytes.
    public var size: UInt64
    /// Whether the call that answered stored the blob just now: `true` only from a ``FileBlobStore/put(expectedDigest:body:maxSize:)``
    /// that wrote it; `false` when it was already there and from ``FileBlobStore/info(_:)``.
    public var created: Bool

    /// Creates blob information.
    public init(digest: BlobDigest, size: UInt64, created: Bool = false) {
        self.digest = digest
        self.size = size
        self.created = created
    }

    enum CodingKeys: String, CodingKey {
        case digest, size
    }

    /// Decodes `{digest, size}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            digest: try container.decode(BlobDigest.self, forKey: .digest),
            size: try container.decode(UInt64.self, forKey: .size)
        )
    }

    /// Encodes `{digest, size}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(digest, forKey: .digest)
        try container.encode(size, forKey: .size)
    }
}

/// An upload written to the store's temporary directory, hashed and fsync'd, but not stored:
/// nothing serves or links it until ``FileBlobStore/commit(_:)``.
public struct StagedBlob: Hashable, Sendable {
    /// The temporary file.
    public let path: String
    /// The digest of its content, computed while it was written.
    public let digest: BlobDigest
    /// Its size in bytes.
    public let size: UInt64
}

/// A content-addressed blob store in a directory.
///
/// ```
/// ROOT/                      0700
///   sha256/<2 hex>/<64 hex>  one file per blob, named by the SHA-256 of its content
///   tmp/<random>.partial     uploads in progress
/// ```
///
/// An upload streams to a file in `tmp/` while it is hashed; only when the digest matches the
/// announced one is the file fsync'd and linked into place (atomically, without replacing an
/// existing blob), and the directory fsync'd. So a blob that is visible is complete and
/// durable, a refused upload changes nothing that can be seen, and a crash mid-upload leaves
/// only a file in `tmp/`, which ``removeStaleTemporaryFiles()`` deletes at start-up. An upload
/// whose digest is not known in advance is split in two: ``stage(body:maxSize:)`` writes and
/// hashes it in `tmp/`, and ``commit(_:)`` links it into place once the caller has decided to
/// keep it (or ``discard(_:)`` deletes it). Blobs are
/// never rewritten or deleted. Memory use is flat in blob size: uploads are written in
/// chunks of at most ``writeChunkSize`` and reads produce chunks of a size the caller picks.
public struct FileBlobStore: Sendable {
    /// Uploads are gathered into writes of this many bytes.
    public static let writeChunkSize = 1 << 20
    /// Every this many bytes written, an upload asks the kernel to start writing them to disk.
    static let writebackInterval: UInt64 = 16 << 20
    /// The default chunk size of reads.
    public static let defaultReadChunkSize = 256 << 10

    /// The store's directory.
    public let root: String

    /// Opens the store at `root`, creating it and its subdirectories (mode 0700) if needed.
    public init(root: String) throws(BlobStoreError) {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
        for directory in [root, root + "/sha256", root + "/tmp"] {
            try Syscalls.makeDirectory(directory)
        }
    }

    /// The directory that holds uploads in progress.
    public var temporaryDirectory: String { root + "/tmp" }

    /// Where the blob `digest` lives (whether or not it is stored).
    public func path(for digest: BlobDigest) -> String {
        root + "/sha256/" + digest.hex.prefix(2) + "/" + digest.hex
    }

    /// The blob `digest`, or `nil` when it is not stored.
    public func info(_ digest: BlobDigest) throws(BlobStoreError) -> BlobInfo? {
        try Syscalls.regularFileSize(path(for: digest)).map { BlobInfo(digest: digest, size: $0) }
    }

    /// Stores the bytes of `body` under `expectedDigest`.
    ///
    /// The body streams to a temporary file while it is hashed. If the content does not hash to
    /// `expectedDigest`, or passes `maxSize` bytes, the temporary file is deleted and the call
    /// throws (``BlobStoreError/Code/digestMismatch``, ``BlobStoreError/Code/tooLarge``):
    /// nothing visible changes. Otherwise the file is fsync'd, linked into place and the
    /// directory fsync'd before the call returns. Storing a blob that is already there is not
    /// an error: the body is still hashed and checked, but not written, and the answer has
    /// ``BlobInfo/created`` `false`.
    public func put<Body: AsyncSequence>(
        expectedDigest: BlobDigest,
        body: Body,
        maxSize: UInt64 = .max
    ) async throws -> BlobInfo where Body.Element == ByteBuffer {
        let finalPath = path(for: expectedDigest)
        if try Syscalls.regularFileSize(finalPath) != nil {
            // Already stored: check the client sent the right bytes, write nothing.
            var hasher = SHA256()
            var size: UInt64 = 0
            for try await chunk in body {
                size += UInt64(chunk.readableBytes)
                guard size <= maxSize else { throw BlobStoreError.tooLarge(limit: maxSize) }
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            }
            let actual = BlobDigest(hasher.finalize())
            guard actual == expectedDigest else {
                throw BlobStoreError.digestMismatch(expected: expectedDigest, actual: actual)
            }
            return BlobInfo(digest: expectedDigest, size: size, created: false)
        }

        let staged = try await stage(body: body, maxSize: maxSize)
        guard staged.digest == expectedDigest else {
            discard(staged)
            throw BlobStoreError.digestMismatch(expected: expectedDigest, actual: staged.digest)
        }
        return try await commit(staged)
    }

    /// Writes the bytes of `body` to a new file in the temporary directory while hashing them,
    /// fsyncs it and returns it, without storing it: no ``read(_:range:chunkSize:_:)`` or
    /// ``info(_:)`` sees it until ``commit(_:)``.
    ///
    /// This is the first half of an upload whose digest is not known when it starts (the
    /// uploader hashes while it sends). On any failure, or past `maxSize` bytes
    /// (``BlobStoreError/Code/tooLarge``), the temporary file is deleted before the call throws.
    /// The caller owns the staged file: ``commit(_:)`` or ``discard(_:)`` it; a crash leaves it
    /// for ``removeStaleTemporaryFiles()``.
    public func stage<Body: AsyncSequence>(
        body: Body,
        maxSize: UInt64 = .max
    ) async throws -> StagedBlob where Body.Element == ByteBuffer {
        let temporaryPath = temporaryDirectory + "/" + Self.randomName() + ".partial"
        let fd = try Syscalls.openFile(temporaryPath, O_WRONLY | O_CREAT | O_EXCL)
        var open = true
        var keep = false
        defer {
            if open { close(fd) }
            if !keep { unlink(temporaryPath) }
        }
        var hasher = SHA256()
        var size: UInt64 = 0
        // One write is in flight on the thread pool while the next chunks arrive and are hashed:
        // hashing and copying into the page cache overlap. Writes stay in file order (the next
        // starts only after the previous finished).
        try await withThrowingTaskGroup(of: Void.self) { writes in
            var inFlight = false
            var written: UInt64 = 0
            var writeback: UInt64 = 0
            var pending = ByteBufferAllocator().buffer(capacity: Self.writeChunkSize)
            func submit(_ buffer: ByteBuffer) async throws {
                if inFlight { try await writes.next() }
                let start = writeback
                let end = written + UInt64(buffer.readableBytes)
                // Let the disk write while the rest arrives: the final fsync then waits for the tail only.
                let startWriteback = end - writeback >= Self.writebackInterval
                writes.addTask {
                    try await Syscalls.blocking { () throws(BlobStoreError) in
                        try Syscalls.writeAll(fd, buffer, path: temporaryPath)
                        if startWriteback { Syscalls.startWriteback(fd, offset: start, count: end - start) }
                    }
                }
                inFlight = true
                written = end
                if startWriteback { writeback = end }
            }
            for try await chunk in body {
                size += UInt64(chunk.readableBytes)
                guard size <= maxSize else { throw BlobStoreError.tooLarge(limit: maxSize) }
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                if pending.readableBytes == 0 && chunk.readableBytes >= Self.writeChunkSize {
                    try await submit(chunk)
                } else {
                    var chunk = chunk
                    pending.writeBuffer(&chunk)
                    if pending.readableBytes >= Self.writeChunkSize {
                        try await submit(pending)
                        pending = ByteBufferAllocator().buffer(capacity: Self.writeChunkSize)
                    }
                }
            }
            if pending.readableBytes > 0 { try await submit(pending) }
            try await writes.waitForAll()
        }
        try await Syscalls.blocking { () throws(BlobStoreError) in try Syscalls.sync(fd, path: temporaryPath) }
        close(fd)
        open = false
        keep = true
        return StagedBlob(path: temporaryPath, digest: BlobDigest(hasher.finalize()), size: size)
    }

    /// Stores a staged upload under its digest: links it into place (atomically, never replacing
    /// an existing blob), fsyncs the directory and removes the temporary name. The answer has
    /// ``BlobInfo/created`` `false` when the blob was already stored.
    public func commit(_ staged: StagedBlob) async throws -> BlobInfo {
        let finalPath = path(for: staged.digest)
        let digest = staged.digest
        let temporaryPath = staged.path
        // After a link the blob has two names: drop the temporary one. After a rename or a
        // failure there is nothing or only the temporary file to remove.
        defer { unlink(temporaryPath) }
        let created = try await Syscalls.blocking { [root] () throws(BlobStoreError) -> Bool in
            let shard = root + "/sha256/" + digest.hex.prefix(2)
            if try Syscalls.makeDirectory(shard) {
                try Syscalls.fsyncDirectory(root + "/sha256")
            }
            // link(2) fails with EEXIST instead of replacing: an existing blob is never rewritten.
            if link(temporaryPath, finalPath) != 0 {
                let code = errno
                if code == EEXIST { return false }
                // File systems without hard links: rename, which replaces atomically.
                guard code == EPERM || code == ENOTSUP || code == EMLINK || code == EXDEV else {
                    throw BlobStoreError.io("link", finalPath, errno: code)
                }
                guard rename(temporaryPath, finalPath) == 0 else {
                    throw BlobStoreError.io("rename", finalPath, errno: errno)
                }
            }
            try Syscalls.fsyncDirectory(shard)
            return true
        }
        // When not created, another upload stored it first; its copy has the same content.
        return BlobInfo(digest: digest, size: staged.size, created: created)
    }

    /// Deletes a staged upload that will not be committed. Deleting one already gone is not an
    /// error.
    public func discard(_ staged: StagedBlob) {
        unlink(staged.path)
    }

    /// Reads the blob `digest`, or the bytes `range` of it, handing `consume` chunks of at most
    /// `chunkSize` bytes in order. One chunk is in memory at a time.
    ///
    /// Throws ``BlobStoreError/Code/notFound`` when it is not stored and
    /// ``BlobStoreError/Code/rangeNotSatisfiable`` when `range` does not lie inside it.
    public func read(
        _ digest: BlobDigest,
        range: Range<UInt64>? = nil,
        chunkSize: Int = FileBlobStore.defaultReadChunkSize,
        _ consume: (ByteBuffer) async throws -> Void
    ) async throws {
        precondition(chunkSize > 0, "chunkSize must be positive")
        let path = path(for: digest)
        // Blobs are never deleted: once seen, the file stays.
        guard try Syscalls.regularFileSize(path) != nil else { throw BlobStoreError.notFound(digest) }
        let fd = try Syscalls.openFile(path, O_RDONLY)
        defer { close(fd) }
        let size = try Syscalls.fileSize(fd, path: path)
        let range = range ?? 0..<size
        guard range.upperBound <= size else { throw BlobStoreError.rangeNotSatisfiable(range, size: size) }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let count = Int(min(UInt64(chunkSize), range.upperBound - offset))
            let start = offset
            let chunk = try await Syscalls.blocking { () throws(BlobStoreError) -> ByteBuffer in
                try Syscalls.readChunk(fd, count: count, offset: start, path: path)
            }
            guard chunk.readableBytes == count else {
                throw BlobStoreError(code: .io, message: "\(path) ended early at \(start + UInt64(chunk.readableBytes))")
            }
            try await consume(chunk)
            offset += UInt64(count)
        }
    }

    /// Deletes every file left in the temporary directory by uploads that did not finish (a
    /// crash or kill mid-upload). Call it at start-up, before serving: it would also delete
    /// uploads in progress. Returns how many files it removed.
    @discardableResult
    public func removeStaleTemporaryFiles() throws(BlobStoreError) -> Int {
        var removed = 0
        for name in try Syscalls.listDirectory(temporaryDirectory) {
            let path = temporaryDirectory + "/" + name
            if unlink(path) == 0 {
                removed += 1
            } else if errno != ENOENT {
                throw .io("unlink", path, errno: errno)
            }
        }
        return removed
    }

    private static func randomName() -> String {
        var generator = SystemRandomNumberGenerator()
        return BlobDigest.hexString((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
