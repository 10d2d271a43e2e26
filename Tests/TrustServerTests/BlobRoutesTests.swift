import BlobStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import NIOCore
import Provenance
import Testing
import TransparencyLog
import TrustServer
import VMTrustTesting

/// An in-process server with a blob store in a fresh temporary directory.
private struct BlobHarness {
    let store: FileBlobStore
    let app: Application<RouterResponder<BasicRequestContext>>

    init(maxBlobSize: UInt64 = TrustServerConfiguration.defaultMaxBlobSize, withStore: Bool = true) async throws {
        let root = TestDirectory.root.appendingPathComponent("blobroutes-\(UUID().uuidString)").path
        store = try FileBlobStore(root: root)
        let ledger = try await Ledger(
            store: InMemoryLedgerStore(),
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            clock: { 1_790_000_000_000 }
        )
        let server = TrustServer(
            ledger: ledger,
            configuration: TrustServerConfiguration(
                adminKeys: [TestKeys.admin.publicKey],
                logVerifierKey: TestKeys.logSigner.vkey,
                maxBlobSize: maxBlobSize
            ),
            blobs: withStore ? store : nil
        )
        app = Application(router: server.router())
    }

    var temporaryFiles: [String] { (try? FileManager.default.contentsOfDirectory(atPath: store.temporaryDirectory)) ?? [] }
}

/// Deterministic pseudo-random bytes.
private func content(_ count: Int, seed: UInt64 = 0x2545_f491_4f6c_dd1d) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

extension TestClientProtocol {
    /// An upload signed by the test admin at the harness's clock time.
    fileprivate func put(
        _ digest: String,
        _ bytes: [UInt8],
        signedBy key: SigningKey? = TestKeys.admin
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key {
            let authorization = try UploadAuthorization.sign(digest: digest, provider: nil, time: 1_790_000_000_000, key: key)
            headers[HTTPField.Name(UploadAuthorization.headerName)!] = authorization.header
        }
        return try await execute(uri: "/v1/blobs/\(digest)", method: .put, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    fileprivate func get(
        _ digest: BlobDigest,
        method: HTTPRequest.Method = .get,
        headers: HTTPFields = [:]
    )
        async throws -> TestResponse
    {
        try await execute(uri: "/v1/blobs/\(digest)", method: method, headers: headers)
    }
}

@Suite("Blob routes")
struct BlobRoutesTests {
    @Test("Uploads need a signature by an admin or a provider key; anything else stores nothing")
    func uploadAuthorization() async throws {
        let harness = try await BlobHarness()
        let bytes = content(1000)
        let digest = BlobDigest(hashing: bytes).description
        try await harness.app.test(.router) { client in
            let unsigned = try await client.put(digest, bytes, signedBy: nil)
            #expect(unsigned.status == .unauthorized)
            #expect(try unsigned.problem().code == "upload-unauthorized")
            let stranger = try await client.put(digest, bytes, signedBy: TestKeys.stranger)
            #expect(stranger.status == .forbidden)
            #expect(try stranger.problem().code == "upload-forbidden")
            // A signature for another digest does not authorise this one.
            let other = try UploadAuthorization.sign(
                digest: BlobDigest(hashing: [1]).description,
                provider: nil,
                time: 1_790_000_000_000,
                key: TestKeys.admin
            )
            let replayed = try await client.execute(
                uri: "/v1/blobs/\(digest)",
                method: .put,
                headers: [HTTPField.Name(UploadAuthorization.headerName)!: other.header],
                body: ByteBuffer(bytes: bytes)
            )
            #expect(replayed.status == .forbidden)
            let stale = try UploadAuthorization.sign(digest: digest, provider: nil, time: 1_789_000_000_000, key: TestKeys.admin)
            let late = try await client.execute(
                uri: "/v1/blobs/\(digest)",
                method: .put,
                headers: [HTTPField.Name(UploadAuthorization.headerName)!: stale.header],
                body: ByteBuffer(bytes: bytes)
            )
            #expect(late.status == .forbidden)
            let garbled = try await client.execute(
                uri: "/v1/blobs/\(digest)",
                method: .put,
                headers: [HTTPField.Name(UploadAuthorization.headerName)!: "nonsense"],
                body: ByteBuffer(bytes: bytes)
            )
            #expect(garbled.status == .badRequest)
            #expect(try harness.store.info(BlobDigest(digest)) == nil)
            #expect(try await client.put(digest, bytes).status == .created)
        }
    }

    @Test("A 3 MiB upload over a real connection is stored (201), answered 200 when repeated, and served back")
    func uploadAndDownload() async throws {
        let harness = try await BlobHarness()
        let bytes = content(3 << 20)
        let digest = BlobDigest(hashing: bytes)
        // .live: a real HTTP server on a loopback port, so the body reaches the store in network chunks.
        try await harness.app.test(.live) { client in
            let created = try await client.put("\(digest)", bytes)
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/v1/blobs/\(digest)")
            let info = try JSONDecoder().decode(BlobInfo.self, from: Data(created.bytes))
            #expect(info.digest == digest && info.size == 3 << 20)
            #expect(created.text == #"{"digest":"\#(digest)","size":3145728}"#)
            #expect(try harness.store.info(digest)?.size == 3 << 20)

            let again = try await client.put("\(digest)", bytes)
            #expect(again.status == .ok)

            let fetched = try await client.get(digest)
            #expect(fetched.status == .ok)
            #expect(fetched.bytes == bytes)
            #expect(fetched.headers[.contentLength] == "3145728")
            #expect(fetched.headers[.acceptRanges] == "bytes")
            #expect(fetched.headers[.eTag] == "\"\(digest)\"")
            #expect(fetched.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(fetched.headers[.contentType] == "application/octet-stream")

            let head = try await client.get(digest, method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentLength] == "3145728")
            #expect(head.headers[.eTag] == "\"\(digest)\"")

            let cached = try await client.get(digest, headers: [.ifNoneMatch: "\"\(digest)\""])
            #expect(cached.status == .notModified)
            #expect(cached.body.readableBytes == 0)
        }
        #expect(harness.temporaryFiles.isEmpty)
    }

    @Test("A body that does not hash to its digest is refused and not stored")
    func mismatch() async throws {
        let harness = try await BlobHarness()
        let bytes = content(1 << 20)
        let claimed = BlobDigest(hashing: content(10, seed: 5))
        try await harness.app.test(.live) { client in
            let refused = try await client.put("\(claimed)", bytes)
            #expect(refused.status == .badRequest)
            #expect(try refused.problem().code == "digest-mismatch")
            #expect(try await client.get(claimed).status == .notFound)
            #expect(try await client.get(BlobDigest(hashing: bytes)).status == .notFound)
        }
        #expect(try harness.store.info(claimed) == nil)
        #expect(harness.temporaryFiles.isEmpty)
    }

    static let badDigests = [
        "sha256:abc", "SHA256:" + String(repeating: "a", count: 64), "sha256:" + String(repeating: "A", count: 64),
        "sha512:" + String(repeating: "a", count: 64), String(repeating: "a", count: 64),
        "sha256:" + String(repeating: "a", count: 63) + "g",
    ]

    @Test("Malformed digests in the path are refused with invalid-digest", arguments: badDigests)
    func invalidDigest(raw: String) async throws {
        let harness = try await BlobHarness()
        try await harness.app.test(.router) { client in
            let put = try await client.put(raw, [1, 2, 3])
            #expect(put.status == .badRequest)
            #expect(try put.problem().code == "invalid-digest")
            let get = try await client.execute(uri: "/v1/blobs/\(raw)", method: .get)
            #expect(get.status == .badRequest)
            #expect(try get.problem().code == "invalid-digest")
        }
        #expect(harness.temporaryFiles.isEmpty)
    }

    @Test("Absent blobs are 404 problems, for GET and HEAD")
    func absent() async throws {
        let harness = try await BlobHarness()
        let digest = BlobDigest(hashing: content(10))
        try await harness.app.test(.router) { client in
            let missing = try await client.get(digest)
            #expect(missing.status == .notFound)
            #expect(try missing.problem().code == "not-found")
            #expect(try await client.get(digest, method: .head).status == .notFound)
        }
    }

    /// (Range header, expected status, expected bytes as a range of the 1000-byte blob, Content-Range).
    static let ranges: [(String, Int, Range<Int>?, String?)] = [
        ("bytes=0-0", 206, 0..<1, "bytes 0-0/1000"),
        ("bytes=10-19", 206, 10..<20, "bytes 10-19/1000"),
        ("bytes=990-", 206, 990..<1000, "bytes 990-999/1000"),
        ("bytes=-25", 206, 975..<1000, "bytes 975-999/1000"),
        ("bytes=-5000", 206, 0..<1000, "bytes 0-999/1000"),
        ("bytes=500-99999999999999999999999", 206, 500..<1000, "bytes 500-999/1000"),
        ("bytes=999-999", 206, 999..<1000, "bytes 999-999/1000"),
        ("bytes=1000-", 416, nil, "bytes */1000"),
        ("bytes=1000-2000", 416, nil, "bytes */1000"),
        ("bytes=-0", 416, nil, "bytes */1000"),
        ("bytes=99999999999999999999999-", 416, nil, "bytes */1000"),
        // Ignored (RFC 9110 allows it): the whole blob, 200.
        ("bytes=20-10", 200, 0..<1000, nil),
        ("bytes=0-1,5-6", 200, 0..<1000, nil),
        ("items=0-1", 200, 0..<1000, nil),
        ("bytes=a-b", 200, 0..<1000, nil),
        ("bytes=-", 200, 0..<1000, nil),
    ]

    @Test("Single ranges: 206 with Content-Range, 416 when unsatisfiable, ignored when unusable", arguments: ranges)
    func range(header: String, status: Int, expected: Range<Int>?, contentRange: String?) async throws {
        let harness = try await BlobHarness()
        let bytes = content(1000)
        let digest = BlobDigest(hashing: bytes)
        _ = try await harness.store.put(expectedDigest: digest, body: [ByteBuffer(bytes: bytes)].async)
        try await harness.app.test(.router) { client in
            for method in [HTTPRequest.Method.get, .head] {
                let response = try await client.get(digest, method: method, headers: [.range: header])
                #expect(response.status.code == status, "\(method) \(header)")
                #expect(response.headers[.contentRange] == contentRange, "\(method) \(header)")
                if let expected {
                    #expect(response.headers[.contentLength] == String(expected.count), "\(method) \(header)")
                    #expect(response.bytes == (method == .get ? Array(bytes[expected]) : []), "\(method) \(header)")
                } else if method == .get {
                    #expect(try response.problem().code == "range-not-satisfiable")
                }
            }
            // If-Range with another validator: the whole blob.
            let stale = try await client.get(digest, headers: [.range: header, .ifRange: "\"sha256:other\""])
            #expect(stale.status == .ok)
            #expect(stale.bytes == bytes)
        }
    }

    @Test("An upload over the configured maximum is refused with blob-too-large and not stored")
    func tooLarge() async throws {
        let harness = try await BlobHarness(maxBlobSize: 100_000)
        let bytes = content(100_001)
        let digest = BlobDigest(hashing: bytes)
        try await harness.app.test(.router) { client in
            let refused = try await client.put("\(digest)", bytes)
            #expect(refused.status == .contentTooLarge)
            #expect(try refused.problem().code == "blob-too-large")
            let fits = content(100_000)
            let response = try await client.put(BlobDigest(hashing: fits).description, fits)
            #expect(response.status == .created)
        }
        #expect(try harness.store.info(digest) == nil)
        #expect(harness.temporaryFiles.isEmpty)
    }

    @Test("Bodies over the 1 MiB record limit are fine on the blob route")
    func noBodyLimit() async throws {
        let harness = try await BlobHarness()
        let bytes = content(5 << 20)
        try await harness.app.test(.router) { client in
            let response = try await client.put(BlobDigest(hashing: bytes).description, bytes)
            #expect(response.status == .created)
        }
    }

    @Test("Without a blob store the routes answer no-blob-store")
    func disabled() async throws {
        let harness = try await BlobHarness(withStore: false)
        let digest = BlobDigest(hashing: [1])
        try await harness.app.test(.router) { client in
            let response = try await client.put("\(digest)", [1])
            #expect(response.status == .notFound)
            #expect(try response.problem().code == "no-blob-store")
        }
    }
}

extension Array where Element == ByteBuffer {
    /// The buffers as an async sequence.
    fileprivate var async: AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            for buffer in self { continuation.yield(buffer) }
            continuation.finish()
        }
    }
}
