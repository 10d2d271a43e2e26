import BlobStore
import Crypto
import Foundation
import NIOCore
import Testing
import VMTrustTesting

/// A fresh store in a temporary directory.
private func makeStore() throws -> FileBlobStore {
    let path = TestDirectory.root.appendingPathComponent("blobstore-\(UUID().uuidString)").path
    return try FileBlobStore(root: path)
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
private func bytes(_ count: Int, seed: UInt64 = 0x9e37_79b9_7f4a_7c15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

/// `content` as an async sequence of chunks of `chunkSize` bytes.
private func chunks(_ content: [UInt8], size chunkSize: Int = 65_536) -> AsyncStream<ByteBuffer> {
    AsyncStream { continuation in
        var offset = 0
        while offset < content.count {
            let end = min(offset + chunkSize, content.count)
            continuation.yield(ByteBuffer(bytes: content[offset..<end]))
            offset = end
        }
        continuation.finish()
    }
}

private func readAll(
    _ store: FileBlobStore,
    _ digest: BlobDigest,
    range: Range<UInt64>? = nil,
    chunkSize: Int = 4096
)
    async throws -> [UInt8]
{
    var out: [UInt8] = []
    try await store.read(digest, range: range, chunkSize: chunkSize) { chunk in
        #expect(chunk.readableBytes <= chunkSize)
        out += Array(buffer: chunk)
    }
    return out
}

private func entries(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

@Suite("Blob digests")
struct BlobDigestTests {
    @Test("The SHA-256 of the empty string, parsed and printed")
    func knownAnswer() throws {
        let text = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let digest = try BlobDigest(text)
        #expect(digest.description == text)
        #expect(digest == BlobDigest(hashing: []))
        #expect(digest.bytes == Array(SHA256.hash(data: [UInt8]())))
        #expect(BlobDigest(hashing: Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let json = try JSONEncoder().encode([digest])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(text)\"]")
        #expect(try JSONDecoder().decode([BlobDigest].self, from: json) == [digest])
    }

    static let malformed: [String] = [
        "",
        "sha256:",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
        "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
        " sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:../../../../etc/passwd/../../../../../../../../../../../../../../../../../../../../../x",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8\u{e9}",
    ]

    @Test("Malformed digests are refused", arguments: malformed)
    func refused(text: String) {
        #expect {
            try BlobDigest(text)
        } throws: { error in
            (error as? BlobStoreError)?.code == .invalidDigest
        }
        #expect(throws: (any Error).self) { try JSONDecoder().decode([BlobDigest].self, from: Data("[\"\(text)\"]".utf8)) }
    }
}

@Suite("File blob store")
struct FileBlobStoreTests {
    @Test("A blob is stored under its digest, read back whole and in ranges")
    func putAndRead() async throws {
        let store = try makeStore()
        let content = bytes(1_234_567)
        let digest = BlobDigest(hashing: content)
        #expect(try store.info(digest) == nil)
        let info = try await store.put(expectedDigest: digest, body: chunks(content, size: 10_007))
        #expect(info == BlobInfo(digest: digest, size: UInt64(content.count), created: true))
        #expect(try store.info(digest) == BlobInfo(digest: digest, size: UInt64(content.count)))

        let path = store.path(for: digest)
        #expect(path == store.root + "/sha256/" + digest.hex.prefix(2) + "/" + digest.hex)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(content))
        let mode = try FileManager.default.attributesOfItem(atPath: store.root)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o700)
        #expect(entries(store.temporaryDirectory).isEmpty)

        #expect(try await readAll(store, digest) == content)
        #expect(try await readAll(store, digest, chunkSize: 1 << 20) == content)
        #expect(try await readAll(store, digest, range: 0..<1) == [content[0]])
        #expect(try await readAll(store, digest, range: 1000..<9000) == Array(content[1000..<9000]))
        let size = UInt64(content.count)
        #expect(try await readAll(store, digest, range: size - 5..<size) == Array(content.suffix(5)))
        #expect(try await readAll(store, digest, range: size..<size).isEmpty)
    }

    @Test("Ranges outside the blob and absent blobs are refused")
    func readErrors() async throws {
        let store = try makeStore()
        let content = bytes(100)
        let digest = BlobDigest(hashing: content)
        _ = try await store.put(expectedDigest: digest, body: chunks(content))
        await #expect {
            try await readAll(store, digest, range: 50..<101)
        } throws: { error in
            (error as? BlobStoreError)?.code == .rangeNotSatisfiable
        }
        let absent = BlobDigest(hashing: bytes(100, seed: 7))
        await #expect {
            try await readAll(store, absent)
        } throws: { error in
            (error as? BlobStoreError)?.code == .notFound
        }
    }

    @Test("A digest mismatch is refused and leaves nothing behind")
    func mismatch() async throws {
        let store = try makeStore()
        let content = bytes(3 << 20)
        let claimed = BlobDigest(hashing: bytes(16))
        await #expect {
            try await store.put(expectedDigest: claimed, body: chunks(content))
        } throws: { error in
            (error as? BlobStoreError)?.code == .digestMismatch
        }
        #expect(try store.info(claimed) == nil)
        #expect(try store.info(BlobDigest(hashing: content)) == nil)
        #expect(entries(store.temporaryDirectory).isEmpty)
        #expect(entries(store.root + "/sha256").isEmpty)
    }

    @Test("An upload over the limit is refused and leaves nothing behind")
    func tooLarge() async throws {
        let store = try makeStore()
        let content = bytes(10_000)
        let digest = BlobDigest(hashing: content)
        await #expect {
            try await store.put(expectedDigest: digest, body: chunks(content, size: 1000), maxSize: 9_999)
        } throws: { error in
            (error as? BlobStoreError)?.code == .tooLarge
        }
        #expect(try store.info(digest) == nil)
        #expect(entries(store.temporaryDirectory).isEmpty)
        let exact = try await store.put(expectedDigest: digest, body: chunks(content, size: 1000), maxSize: 10_000)
        #expect(exact.size == 10_000)
    }

    @Test("Storing a blob twice is idempotent and does not rewrite it; a wrong body for it is still refused")
    func idempotent() async throws {
        let store = try makeStore()
        let content = bytes(300_000)
        let digest = BlobDigest(hashing: content)
        #expect(try await store.put(expectedDigest: digest, body: chunks(content)).created)
        let path = store.path(for: digest)
        let inode = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber
        let again = try await store.put(expectedDigest: digest, body: chunks(content, size: 999))
        #expect(again == BlobInfo(digest: digest, size: 300_000, created: false))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber == inode)
        await #expect {
            try await store.put(expectedDigest: digest, body: chunks(bytes(300_000, seed: 3)))
        } throws: { error in
            (error as? BlobStoreError)?.code == .digestMismatch
        }
        #expect(try await readAll(store, digest) == content)
        #expect(entries(store.temporaryDirectory).isEmpty)
    }

    @Test("Concurrent uploads of one blob all succeed; exactly one creates it")
    func concurrent() async throws {
        let store = try makeStore()
        let content = bytes(2 << 20)
        let digest = BlobDigest(hashing: content)
        let created = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask { try await store.put(expectedDigest: digest, body: chunks(content)).created }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(created == 1)
        #expect(try await readAll(store, digest, chunkSize: 1 << 20) == content)
        #expect(entries(store.temporaryDirectory).isEmpty)
    }

    @Test("The empty blob")
    func empty() async throws {
        let store = try makeStore()
        let digest = BlobDigest(hashing: [])
        let info = try await store.put(expectedDigest: digest, body: chunks([]))
        #expect(info.size == 0 && info.created)
        #expect(try await readAll(store, digest).isEmpty)
    }

    @Test("Files left in tmp by a crash are removed at start-up; blobs are kept")
    func staleTemporaryFiles() async throws {
        let store = try makeStore()
        let content = bytes(5000)
        let digest = BlobDigest(hashing: content)
        _ = try await store.put(expectedDigest: digest, body: chunks(content))
        for name in ["0123.partial", "abc.partial", "other"] {
            #expect(FileManager.default.createFile(atPath: store.temporaryDirectory + "/" + name, contents: Data(bytes(10))))
        }
        let reopened = try FileBlobStore(root: store.root + "/")
        #expect(reopened.root == store.root)
        #expect(try reopened.removeStaleTemporaryFiles() == 3)
        #expect(entries(store.temporaryDirectory).isEmpty)
        #expect(try reopened.removeStaleTemporaryFiles() == 0)
        #expect(try await readAll(reopened, digest) == content)
    }

    @Test("A body that fails mid-stream leaves nothing behind")
    func failingBody() async throws {
        struct Broken: Error {}
        let store = try makeStore()
        let content = bytes(3 << 20)
        let digest = BlobDigest(hashing: content)
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        continuation.yield(ByteBuffer(bytes: content[0..<(2 << 20)]))
        continuation.finish(throwing: Broken())
        await #expect(throws: Broken.self) { try await store.put(expectedDigest: digest, body: stream) }
        #expect(try store.info(digest) == nil)
        #expect(entries(store.temporaryDirectory).isEmpty)
    }

    @Test("A staged upload is hashed and invisible until committed; commit stores it, discard leaves nothing")
    func stageAndCommit() async throws {
        let store = try makeStore()
        let content = bytes(3 << 20 + 5)
        let digest = BlobDigest(hashing: content)
        let staged = try await store.stage(body: chunks(content, size: 100_000))
        #expect(staged.digest == digest)
        #expect(staged.size == UInt64(content.count))
        #expect(staged.path.hasPrefix(store.temporaryDirectory + "/"))
        #expect(try store.info(digest) == nil)
        await #expect(throws: BlobStoreError.self) { try await readAll(store, digest) }

        let info = try await store.commit(staged)
        #expect(info.created)
        #expect(try await readAll(store, digest) == content)
        #expect(entries(store.temporaryDirectory).isEmpty)

        let again = try await store.stage(body: chunks(content))
        #expect(try await store.commit(again).created == false)
        #expect(entries(store.temporaryDirectory).isEmpty)

        let dropped = try await store.stage(body: chunks(bytes(10, seed: 3)))
        store.discard(dropped)
        #expect(try store.info(dropped.digest) == nil)
        #expect(entries(store.temporaryDirectory).isEmpty)
    }

    @Test("Staging past the limit or from a failing body leaves nothing; a crash leaves only tmp files")
    func stageFailures() async throws {
        struct Broken: Error {}
        let store = try makeStore()
        await #expect(throws: BlobStoreError.self) { try await store.stage(body: chunks(bytes(1001)), maxSize: 1000) }
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        continuation.yield(ByteBuffer(bytes: bytes(1 << 20)))
        continuation.finish(throwing: Broken())
        await #expect(throws: Broken.self) { try await store.stage(body: stream) }
        #expect(entries(store.temporaryDirectory).isEmpty)
        // A staged upload never committed (the server died before the finalisation) is a tmp
        // file only, removed at start-up.
        let staged = try await store.stage(body: chunks(bytes(5000)))
        #expect(entries(store.temporaryDirectory).count == 1)
        #expect(try FileBlobStore(root: store.root).removeStaleTemporaryFiles() == 1)
        #expect(try store.info(staged.digest) == nil)
        #expect(entries(store.temporaryDirectory).isEmpty)
    }

    @Test("A store cannot be opened over a file")
    func rootIsAFile() throws {
        let path = TestDirectory.root.appendingPathComponent("blobstore-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect {
            try FileBlobStore(root: path)
        } throws: { error in
            (error as? BlobStoreError)?.code == .io
        }
    }
}
