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

/// An in-process server with provenance admission (so providers can be onboarded), a blob store
/// in a fresh directory and a hand-driven clock.
private struct SessionHarness {
    static let t0: Int64 = 1_790_000_000_000
    static let acme = try! SigningKey(ed25519Seed: [UInt8](repeating: 0x01, count: 32))
    static let globex = try! SigningKey(ed25519Seed: [UInt8](repeating: 0x11, count: 32))

    let clock = Fixtures.clock(startingAt: SessionHarness.t0)
    let store: FileBlobStore
    let app: Application<RouterResponder<BasicRequestContext>>

    init(maxBlobSize: UInt64 = TrustServerConfiguration.defaultMaxBlobSize, maxUploadSessions: Int = 16) async throws {
        let root = TestDirectory.root.appendingPathComponent("sessions-\(UUID().uuidString)").path
        store = try FileBlobStore(root: root)
        let clock = self.clock
        let ledger = try await Ledger(
            store: InMemoryLedgerStore(),
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: TestKeys.admission,
            clock: { clock.now() }
        )
        let server = TrustServer(
            ledger: ledger,
            configuration: TrustServerConfiguration(
                adminKeys: [TestKeys.admin.publicKey],
                logVerifierKey: TestKeys.logSigner.vkey,
                maxBlobSize: maxBlobSize,
                uploadSessionLifetime: 60_000,
                maxUploadSessions: maxUploadSessions
            ),
            blobs: store
        )
        app = Application(router: server.router())
    }

    var temporaryFiles: [String] { (try? FileManager.default.contentsOfDirectory(atPath: store.temporaryDirectory)) ?? [] }

    /// Writes the genesis and onboards the providers acme and globex.
    func onboard(_ client: some TestClientProtocol) async throws {
        let admin = TestKeys.admin
        let genesis = GenesisRecord(adminKeys: [admin.publicKey], threshold: 1, origin: TestKeys.origin, time: Self.t0)
        var records: [Record] = [.genesis(genesis)]
        for (id, key) in [("acme", Self.acme), ("globex", Self.globex)] {
            records.append(
                .providerOnboard(
                    ProviderOnboardRecord(
                        id: id,
                        displayName: id,
                        keys: [KeyGrant(key: key.publicKey)],
                        initialReputation: 75,
                        time: Self.t0
                    )
                )
            )
        }
        for record in records {
            #expect(try await client.post(try record.signed(by: [admin]).jsonBytes()).status == .created)
        }
    }
}

private func content(_ count: Int, seed: UInt64 = 0x9e37_79b9_7f4a_7c15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

private let authorizationHeader = HTTPField.Name(UploadAuthorization.headerName)!

extension TestClientProtocol {
    /// `POST /v1/blobs/uploads` signed for `provider` (nil: admin) with `key` at `time`.
    fileprivate func open(
        _ bytes: [UInt8],
        provider: String? = nil,
        key: SigningKey? = TestKeys.admin,
        time: Int64 = SessionHarness.t0
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key {
            headers[authorizationHeader] = try UploadAuthorization.signSession(provider: provider, time: time, key: key).header
        }
        return try await execute(uri: "/v1/blobs/uploads", method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    /// `PUT <session>?digest=` signed over `signed` (default: `digest`).
    fileprivate func finalise(
        _ session: String,
        digest: BlobDigest,
        signed: BlobDigest? = nil,
        provider: String? = nil,
        key: SigningKey = TestKeys.admin,
        time: Int64 = SessionHarness.t0
    ) async throws -> TestResponse {
        let authorization = try UploadAuthorization.sign(
            digest: (signed ?? digest).description,
            provider: provider,
            time: time,
            key: key
        )
        return try await execute(
            uri: session + "?digest=\(digest)",
            method: .put,
            headers: [authorizationHeader: authorization.header]
        )
    }
}

extension TestResponse {
    fileprivate func session() throws -> UploadSessionView {
        try JSONDecoder().decode(UploadSessionView.self, from: Data(bytes))
    }
}

@Suite("Upload sessions")
struct UploadSessionRoutesTests {
    @Test("One pass: the body is received and hashed (202), stored only by a finalisation signed over its digest")
    func roundTrip() async throws {
        let harness = try await SessionHarness()
        let bytes = content(3 << 20 + 17)
        let digest = BlobDigest(hashing: bytes)
        try await harness.app.test(.live) { client in
            let opened = try await client.open(bytes)
            #expect(opened.status == .accepted)
            let session = try opened.session()
            #expect(opened.headers[.location] == session.upload)
            #expect(session.upload.hasPrefix("/v1/blobs/uploads/"))
            #expect(session.digest == digest)
            #expect(session.size == UInt64(bytes.count))
            #expect(session.expires == SessionHarness.t0 + 60_000)
            // Received but not stored: not served, not in the store.
            #expect(try harness.store.info(digest) == nil)
            #expect(try await client.execute(uri: "/v1/blobs/\(digest)", method: .get).status == .notFound)
            #expect(harness.temporaryFiles.count == 1)

            let stored = try await client.finalise(session.upload, digest: digest)
            #expect(stored.status == .created)
            #expect(stored.headers[.location] == "/v1/blobs/\(digest)")
            let info = try JSONDecoder().decode(BlobInfo.self, from: Data(stored.bytes))
            #expect(info == BlobInfo(digest: digest, size: UInt64(bytes.count)))
            #expect(try harness.store.info(digest)?.size == UInt64(bytes.count))
            #expect(harness.temporaryFiles.isEmpty)
            let served = try await client.execute(uri: "/v1/blobs/\(digest)", method: .get)
            #expect(Array(buffer: served.body) == bytes)
            // A session is finalised once.
            #expect(try await client.finalise(session.upload, digest: digest).status == .notFound)
            // The same blob again: 200, nothing rewritten.
            let again = try await client.open(bytes).session()
            #expect(try await client.finalise(again.upload, digest: digest).status == .ok)
            #expect(harness.temporaryFiles.isEmpty)
        }
    }

    @Test("Opening a session needs a session signature by an admin or an active provider key")
    func openingIsAuthorised() async throws {
        let harness = try await SessionHarness()
        let bytes = content(1000)
        try await harness.app.test(.router) { client in
            try await harness.onboard(client)
            let unsigned = try await client.open(bytes, key: nil)
            #expect(unsigned.status == .unauthorized)
            #expect(try unsigned.problem().code == "upload-unauthorized")
            #expect(try await client.open(bytes, key: TestKeys.stranger).status == .forbidden)
            #expect(try await client.open(bytes, provider: "acme", key: SessionHarness.globex).status == .forbidden)
            #expect(try await client.open(bytes, provider: "nobody", key: SessionHarness.acme).status == .forbidden)
            #expect(try await client.open(bytes, time: SessionHarness.t0 - 600_000).status == .forbidden)
            // A digest signature (for the old PUT route) is not a session signature.
            let wrongKind = try UploadAuthorization.sign(
                digest: BlobDigest(hashing: bytes).description,
                provider: nil,
                time: SessionHarness.t0,
                key: TestKeys.admin
            )
            let refused = try await client.execute(
                uri: "/v1/blobs/uploads",
                method: .post,
                headers: [authorizationHeader: wrongKind.header],
                body: ByteBuffer(bytes: bytes)
            )
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "upload-forbidden")
            #expect(harness.temporaryFiles.isEmpty)
            #expect(try await client.open(bytes, provider: "acme", key: SessionHarness.acme).status == .accepted)
        }
    }

    @Test("Finalising needs the uploader's signature over the received digest; otherwise nothing is reachable")
    func finalisationIsAuthorised() async throws {
        let harness = try await SessionHarness()
        let bytes = content(4096)
        let digest = BlobDigest(hashing: bytes)
        let other = BlobDigest(hashing: [1, 2, 3])
        try await harness.app.test(.router) { client in
            try await harness.onboard(client)
            let session = try await client.open(bytes, provider: "acme", key: SessionHarness.acme).session()
            // Another provider, an admin, a signature over another digest, a stale time: refused,
            // and the session survives for the rightful finalisation.
            let foreign = try await client.finalise(
                session.upload,
                digest: digest,
                provider: "globex",
                key: SessionHarness.globex
            )
            #expect(foreign.status == .forbidden)
            #expect(try await client.finalise(session.upload, digest: digest).status == .forbidden)
            let replayed = try await client.finalise(
                session.upload,
                digest: digest,
                signed: other,
                provider: "acme",
                key: SessionHarness.acme
            )
            #expect(replayed.status == .forbidden)
            let stale = try await client.finalise(
                session.upload,
                digest: digest,
                provider: "acme",
                key: SessionHarness.acme,
                time: SessionHarness.t0 - 600_000
            )
            #expect(stale.status == .forbidden)
            let noDigest = try await client.execute(uri: session.upload, method: .put)
            #expect(noDigest.status == .badRequest)
            #expect(try harness.store.info(digest) == nil)
            #expect(harness.temporaryFiles.count == 1)
            let stored = try await client.finalise(session.upload, digest: digest, provider: "acme", key: SessionHarness.acme)
            #expect(stored.status == .created)
        }
    }

    @Test("A finalisation naming another digest is a digest mismatch: the upload is deleted, nothing stored")
    func digestMismatch() async throws {
        let harness = try await SessionHarness()
        let bytes = content(5000)
        let wrong = BlobDigest(hashing: content(5000, seed: 7))
        try await harness.app.test(.router) { client in
            let session = try await client.open(bytes).session()
            let refused = try await client.finalise(session.upload, digest: wrong)
            #expect(refused.status == .badRequest)
            #expect(try refused.problem().code == "digest-mismatch")
            #expect(try harness.store.info(wrong) == nil)
            #expect(try harness.store.info(session.digest) == nil)
            #expect(harness.temporaryFiles.isEmpty)
            // The session is gone: even the right digest cannot finalise it now.
            let late = try await client.finalise(session.upload, digest: session.digest)
            #expect(late.status == .notFound)
            #expect(try late.problem().code == "upload-not-found")
        }
    }

    @Test("Unfinalised sessions expire and their files are deleted")
    func expiry() async throws {
        let harness = try await SessionHarness()
        let bytes = content(2048)
        try await harness.app.test(.router) { client in
            let session = try await client.open(bytes).session()
            #expect(harness.temporaryFiles.count == 1)
            harness.clock.advance(byMillis: 60_001)
            let late = try await client.finalise(session.upload, digest: session.digest, time: harness.clock.now())
            #expect(late.status == .notFound)
            #expect(harness.temporaryFiles.isEmpty)
            #expect(try harness.store.info(session.digest) == nil)
        }
    }

    @Test("DELETE drops a session of the same uploader; others may not")
    func delete() async throws {
        let harness = try await SessionHarness()
        try await harness.app.test(.router) { client in
            let session = try await client.open(content(100)).session()
            let stranger = try UploadAuthorization.signSession(provider: nil, time: SessionHarness.t0, key: TestKeys.stranger)
            let refused = try await client.execute(
                uri: session.upload,
                method: .delete,
                headers: [authorizationHeader: stranger.header]
            )
            #expect(refused.status == .forbidden)
            #expect(harness.temporaryFiles.count == 1)
            let mine = try UploadAuthorization.signSession(provider: nil, time: SessionHarness.t0, key: TestKeys.admin)
            let dropped = try await client.execute(
                uri: session.upload,
                method: .delete,
                headers: [authorizationHeader: mine.header]
            )
            #expect(dropped.status == .noContent)
            #expect(harness.temporaryFiles.isEmpty)
            #expect(try await client.finalise(session.upload, digest: session.digest).status == .notFound)
        }
    }

    @Test("Session limits: too many open sessions are refused, oversize bodies leave nothing")
    func limits() async throws {
        let harness = try await SessionHarness(maxBlobSize: 1000, maxUploadSessions: 2)
        try await harness.app.test(.router) { client in
            let big = try await client.open(content(1001))
            #expect(big.status == .contentTooLarge)
            #expect(try big.problem().code == "blob-too-large")
            #expect(harness.temporaryFiles.isEmpty)
            #expect(try await client.open(content(10, seed: 1)).status == .accepted)
            #expect(try await client.open(content(10, seed: 2)).status == .accepted)
            let third = try await client.open(content(10, seed: 3))
            #expect(third.status == .tooManyRequests)
            #expect(try third.problem().code == "too-many-uploads")
            #expect(harness.temporaryFiles.count == 2)
        }
    }

    @Test("Unknown or malformed session ids are upload-not-found")
    func unknownSession() async throws {
        let harness = try await SessionHarness()
        let digest = BlobDigest(hashing: [0])
        try await harness.app.test(.router) { client in
            for path in ["/v1/blobs/uploads/\(UUID().uuidString.lowercased())", "/v1/blobs/uploads/nonsense"] {
                let answer = try await client.finalise(path, digest: digest)
                #expect(answer.status == .notFound)
                #expect(try answer.problem().code == "upload-not-found")
            }
        }
    }
}
