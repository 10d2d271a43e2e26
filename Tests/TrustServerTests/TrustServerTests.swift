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

/// An in-process server over an in-memory ledger.
struct Harness {
    let store = InMemoryLedgerStore()
    let ledger: Ledger
    let app: Application<RouterResponder<BasicRequestContext>>

    init(
        admission: any EntryAdmission = AdmitAll(),
        clock: @escaping @Sendable () -> Int64 = { 1_790_000_000_000 },
        decisionKey: SigningKey? = nil,
        admissionEnvironment: String? = nil
    ) async throws {
        ledger = try await Ledger(
            store: store,
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: admission,
            clock: clock
        )
        let server = TrustServer(
            ledger: ledger,
            configuration: TrustServerConfiguration(
                adminKeys: [TestKeys.admin.publicKey, TestKeys.p256Admin.publicKey],
                logVerifierKey: TestKeys.logSigner.vkey,
                decisionKey: decisionKey,
                admissionEnvironment: admissionEnvironment
            )
        )
        app = Application(router: server.router())
    }
}

extension TestResponse {
    var bytes: [UInt8] { Array(buffer: body) }
    var text: String { String(buffer: body) }

    func problem() throws -> Problem {
        #expect(headers[.contentType] == "application/problem+json")
        return try JSONDecoder().decode(Problem.self, from: Data(bytes))
    }

    func receipt() throws -> Receipt { try JSONDecoder().decode(Receipt.self, from: Data(bytes)) }
}

extension TestClientProtocol {
    func post(_ body: [UInt8]) async throws -> TestResponse {
        try await execute(uri: "/v1/records", method: .post, body: ByteBuffer(bytes: body))
    }
}

@Suite("HTTP API")
struct TrustServerTests {
    @Test("An admin-signed envelope is appended and its receipt verifies offline")
    func submit() async throws {
        let harness = try await Harness()
        try await harness.app.test(.router) { client in
            let envelope = Fixtures.envelope(1)
            let created = try await client.post(envelope)
            #expect(created.status == .created)
            let receipt = try created.receipt()
            #expect(receipt.index == 0)
            #expect(created.headers[.location] == "/v1/records/\(Fixtures.recordID(1))")
            guard case .valid = receipt.verify(using: TestKeys.logVerifiers, envelope: envelope) else {
                Issue.record("receipt does not verify")
                return
            }
            let again = try await client.post(envelope)
            #expect(again.status == .ok)
            #expect(try again.receipt().index == 0)
            #expect(try again.receipt().duplicate)

            let fetched = try await client.execute(uri: "/v1/records/\(Fixtures.recordID(1))", method: .get)
            #expect(fetched.status == .ok)
            #expect(try fetched.receipt().leafHash == receipt.leafHash)
            let missing = try await client.execute(uri: "/v1/records/\(Fixtures.recordID(2))", method: .get)
            #expect(missing.status == .notFound)
            #expect(try missing.problem().code == "not-found")
            let badID = try await client.execute(uri: "/v1/records/sha256:xyz", method: .get)
            #expect(try badID.problem().code == "invalid-parameter")
        }
    }

    @Test("An ECDSA P-256 admin signature is accepted")
    func p256Admin() async throws {
        let harness = try await Harness()
        try await harness.app.test(.router) { client in
            let response = try await client.post(Fixtures.envelope(3, keys: [TestKeys.p256Admin]))
            #expect(response.status == .created)
        }
    }

    static let badEnvelopes: [(String, [UInt8], Int, String)] = [
        ("not JSON", Array("{not json".utf8), 400, "malformed-envelope"),
        ("empty body", [], 400, "malformed-envelope"),
        ("JSON array", Array("[]".utf8), 400, "malformed-envelope"),
        (
            "bad base64 payload",
            Array(#"{"payloadType":"t","payload":"!!!","signatures":[{"keyid":"","sig":"AAAA"}]}"#.utf8),
            400, "malformed-envelope"
        ),
        ("no signatures", Array(#"{"payloadType":"t","payload":"e30=","signatures":[]}"#.utf8), 400, "malformed-envelope"),
        (
            "missing payloadType", Array(#"{"payload":"e30=","signatures":[{"keyid":"","sig":"AAAA"}]}"#.utf8), 400,
            "malformed-envelope"
        ),
        ("signed by a stranger", Fixtures.envelope(1, keys: [TestKeys.stranger]), 403, "unknown-signer"),
    ]

    @Test("Bad input gets a problem+json answer and changes nothing", arguments: badEnvelopes)
    func badInput(name: String, body: [UInt8], status: Int, code: String) async throws {
        let harness = try await Harness()
        try await harness.app.test(.router) { client in
            let response = try await client.post(body)
            #expect(response.status.code == status, "\(name)")
            #expect(try response.problem().code == code, "\(name)")
            #expect(await harness.ledger.latestCheckpoint.size == 0)
            #expect(await harness.store.entries(0..<1).isEmpty)
        }
    }

    @Test("A signature by an admin key that does not verify is refused")
    func tamperedSignature() async throws {
        let harness = try await Harness()
        try await harness.app.test(.router) { client in
            var envelope = try DSSEEnvelope(json: Fixtures.envelope(1))
            envelope.payload = Fixtures.payload(2)
            let response = try await client.post(envelope.jsonBytes())
            #expect(response.status == .forbidden)
            #expect(try response.problem().code == "invalid-signature")
            #expect(await harness.ledger.latestCheckpoint.size == 0)
        }
    }

    @Test("Bodies over 1 MiB and entries over 64 KiB are refused")
    func limits() async throws {
        let harness = try await Harness()
        try await harness.app.test(.router) { client in
            let huge = try await client.post(Array(repeating: 0x20, count: (1 << 20) + 1))
            #expect(huge.status == .contentTooLarge)
            #expect(try huge.problem().code == "body-too-large")
            let big = try await client.post(Fixtures.envelope(1, padding: 70_000))
            #expect(big.status == .contentTooLarge)
            #expect(try big.problem().code == "entry-too-large")
            #expect(await harness.ledger.latestCheckpoint.size == 0)
        }
    }

    @Test("tlog-tiles read API serves the checkpoint, tiles and entry bundles")
    func tiles() async throws {
        let harness = try await Harness()
        var leaves: [TreeHash] = []
        for n in 0..<260 {
            let receipt = try await harness.ledger.submit(envelope: Fixtures.envelope(n), recordID: Fixtures.recordID(n))
            leaves.append(TreeHash(hex: receipt.leafHash)!)
        }
        let allLeaves = leaves
        try await harness.app.test(.router) { client in
            let leaves = allLeaves
            let checkpoint = try await client.execute(uri: "/log/checkpoint", method: .get)
            #expect(checkpoint.status == .ok)
            let note = try Note(parsing: checkpoint.bytes)
            #expect(try note.verify(using: TestKeys.logVerifiers).count == 1)
            let body = try Checkpoint(parsing: note.text)
            #expect(body.size == 260)
            #expect(body.rootHash == MerkleTree.root(leafHashes: leaves).bytes)

            let full = try await client.execute(uri: "/log/tile/0/000", method: .get)
            #expect(full.status == .ok)
            #expect(full.headers[.cacheControl]?.contains("immutable") == true)
            #expect(try HashTile.decode(full.bytes) == Array(leaves[0..<256]))
            let partial = try await client.execute(uri: "/log/tile/0/001.p/4", method: .get)
            #expect(try HashTile.decode(partial.bytes) == Array(leaves[256..<260]))
            #expect(partial.headers[.cacheControl]?.contains("immutable") == false)
            let bundle = try await client.execute(uri: "/log/tile/entries/000", method: .get)
            #expect(try EntryBundle.decode(bundle.bytes).count == 256)
            let tail = try await client.execute(uri: "/log/tile/entries/001.p/4", method: .get)
            #expect(try EntryBundle.decode(tail.bytes).map { RFC6962.leafHash($0) } == Array(leaves[256..<260]))

            for path in [
                "/log/tile/0/001", "/log/tile/0/001.p/5", "/log/tile/1/000", "/log/tile/1/000.p/2", "/log/tile/0/1",
                "/log/tile/x/000",
            ] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound, "\(path)")
                #expect(try response.problem().code == "not-found")
            }
        }
    }

    @Test("Inclusion and consistency proofs over JSON")
    func proofs() async throws {
        let harness = try await Harness()
        var leaves: [TreeHash] = []
        for n in 0..<20 {
            let receipt = try await harness.ledger.submit(envelope: Fixtures.envelope(n), recordID: Fixtures.recordID(n))
            leaves.append(TreeHash(hex: receipt.leafHash)!)
        }
        let allLeaves = leaves
        try await harness.app.test(.router) { client in
            let leaves = allLeaves
            let inclusion = try await client.execute(uri: "/v1/log/inclusion?index=7&size=13", method: .get)
            #expect(inclusion.status == .ok)
            let answer = try JSONDecoder().decode(InclusionProofResponse.self, from: Data(inclusion.bytes))
            let root = MerkleTree.root(leafHashes: leaves[0..<13])
            #expect(
                MerkleTree.verifyInclusion(
                    leafHash: leaves[7],
                    index: 7,
                    size: 13,
                    proof: answer.proof.compactMap { TreeHash(base64: $0) },
                    root: root
                )
            )
            let consistency = try await client.execute(uri: "/v1/log/consistency?from=13", method: .get)
            let proof = try JSONDecoder().decode(ConsistencyProofResponse.self, from: Data(consistency.bytes))
            #expect(proof.to == 20)
            #expect(
                MerkleTree.verifyConsistency(
                    from: 13,
                    to: 20,
                    oldRoot: root,
                    newRoot: MerkleTree.root(leafHashes: leaves),
                    proof: proof.proof.compactMap { TreeHash(base64: $0) }
                )
            )
            for query in [
                "index=20&size=20", "index=1&size=21", "index=-1", "index=01", "index=abc", "size=3", "index=1&size=1e3",
            ] {
                let response = try await client.execute(uri: "/v1/log/inclusion?\(query)", method: .get)
                #expect(response.status == .badRequest, "\(query)")
                #expect(["invalid-parameter", "out-of-range"].contains(try response.problem().code))
            }
            let backwards = try await client.execute(uri: "/v1/log/consistency?from=5&to=4", method: .get)
            #expect(try backwards.problem().code == "out-of-range")
        }
    }

    @Test("Health, readiness, metrics, key and unknown routes")
    func operations() async throws {
        let harness = try await Harness()
        try await harness.app.test(.router) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.text.contains("tree size 0"))
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)
            let key = try await client.execute(uri: "/v1/log/key", method: .get)
            #expect(key.text == TestKeys.logSigner.vkey + "\n")
            let openapi = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(openapi.status == .ok)
            let document = try JSONSerialization.jsonObject(with: Data(openapi.bytes)) as? [String: Any]
            #expect(document?["openapi"] as? String == "3.1.0")
            let paths = Set((document?["paths"] as? [String: Any])?.keys.map { $0 } ?? [])
            #expect(
                paths == [
                    "/log/checkpoint", "/log/tile/{level}/{index}", "/log/tile/entries/{index}", "/v1/log/key",
                    "/v1/log/inclusion",
                    "/v1/log/consistency", "/v1/records", "/v1/records/{recordId}", "/healthz", "/readyz", "/metrics",
                    "/openapi.json", "/v1/images/{digest}", "/v1/providers/{id}", "/v1/images", "/v1/blobs/{digest}",
                    "/v1/images/{digest}/bundle", "/v1/blobs/uploads", "/v1/blobs/uploads/{id}",
                    "/v1/images/{digest}/attestations", "/v1/auditors/{id}", "/v1/authorize", "/v1/decisions/{id}",
                    "/v1/admission", "/v1/providers/{id}/reputation", "/v1/providers/{id}/reputation/history", "/v1/events",
                ]
            )
            let unknown = try await client.execute(uri: "/nope", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try unknown.problem().code == "not-found")
        }
    }
}
