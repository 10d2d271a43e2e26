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

@Suite("Provenance over HTTP")
struct ProvenanceRoutesTests {
    static func key(_ byte: UInt8) -> SigningKey { try! SigningKey(ed25519Seed: [UInt8](repeating: byte, count: 32)) }
    static let acme = key(0x01)
    static let globex = key(0x11)
    static let t0: Int64 = 1_790_000_000_000
    static func digest(_ byte: UInt8) -> String { "sha256:" + String(repeating: String(format: "%02x", byte), count: 32) }

    func post(_ client: some TestClientProtocol, _ record: Record, by keys: [SigningKey]) async throws -> TestResponse {
        try await client.post(try record.signed(by: keys).jsonBytes())
    }

    @Test("Records are admitted by the chain rules; images and providers read back with proofs and status")
    func lineage() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Harness(admission: TestKeys.admission, clock: { clock.now() })
        try await harness.app.test(.router) { client in
            let admin = TestKeys.admin
            let genesis = GenesisRecord(adminKeys: [admin.publicKey], threshold: 1, origin: TestKeys.origin, time: Self.t0)
            #expect(try await post(client, .genesis(genesis), by: [admin]).status == .created)
            for (id, key) in [("acme", Self.acme), ("globex", Self.globex)] {
                let onboard = ProviderOnboardRecord(
                    id: id,
                    displayName: id.capitalized,
                    keys: [KeyGrant(key: key.publicKey)],
                    initialReputation: 75,
                    time: Self.t0
                )
                #expect(try await post(client, .providerOnboard(onboard), by: [admin]).status == .created)
            }
            let register = ImageRegisterRecord(
                digest: Self.digest(1),
                provider: "acme",
                name: "ubuntu-24.04",
                format: .raw,
                size: 4096,
                initialReputation: 75,
                time: Self.t0
            )
            let root = try await post(client, .imageRegister(register), by: [Self.acme]).receipt()
            let modify = ImageModifyRecord(
                digest: Self.digest(2),
                provider: "acme",
                previous: root.recordID,
                change: .patch,
                description: "kernel 6.8.0-45",
                time: Self.t0
            )
            let patch = try await post(client, .imageModify(modify), by: [Self.acme]).receipt()

            // Refusals are problems that name the rule.
            var hijack = modify
            hijack.provider = "globex"
            hijack.digest = Self.digest(3)
            let refused = try await post(client, .imageModify(hijack), by: [Self.globex])
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "record-foreign-lineage")
            var duplicate = register
            duplicate.time += 1
            let again = try await post(client, .imageRegister(duplicate), by: [Self.acme])
            #expect(again.status == .conflict)
            #expect(try again.problem().code == "record-digest-already-registered")
            let bad = try DSSEEnvelope.sign(
                payloadType: RecordKind.imageRegister.payloadType,
                payload: Array(#"{"v":1}"#.utf8),
                keys: [Self.acme]
            )
            let malformed = try await client.post(bad.jsonBytes())
            #expect(malformed.status == .badRequest)
            #expect(try malformed.problem().code == "record-invalid-record")
            let size = await harness.ledger.latestCheckpoint.size
            #expect(size == 5)

            // The root image: its descendants, status and proofs.
            let image = try await client.execute(uri: "/v1/images/\(Self.digest(1))", method: .get)
            #expect(image.status == .ok)
            let view = try JSONDecoder().decode(ImageView.self, from: Data(image.bytes))
            #expect(view.records.map(\.id) == [root.recordID.description])
            #expect(view.records.first?.status?.state == "active")
            #expect(view.ancestors.isEmpty)
            #expect(view.descendants.map(\.id) == [patch.recordID.description])
            #expect(!view.newest)
            let note = try Note(parsing: Array(view.checkpoint.utf8))
            _ = try note.verify(using: TestKeys.logVerifiers)
            let checkpoint = try Checkpoint(parsing: note.text)
            for record in view.records + view.descendants {
                #expect(record.treeSize == checkpoint.size)
                #expect(
                    MerkleTree.verifyInclusion(
                        leafHash: try #require(TreeHash(hex: record.leafHash)),
                        index: record.index,
                        size: checkpoint.size,
                        proof: record.inclusionProof.compactMap { TreeHash(base64: $0) },
                        root: try #require(TreeHash(bytes: checkpoint.rootHash))
                    )
                )
            }

            // Revoke the root with inheritance: the patch is revoked through it.
            clock.advance(byMillis: 1000)
            let revoke = ImageRevokeRecord(
                provider: "acme",
                target: root.recordID,
                reason: "compromised build host",
                inherit: true,
                effectiveAt: nil,
                time: clock.now()
            )
            #expect(try await post(client, .imageRevoke(revoke), by: [Self.acme]).status == .created)
            clock.advance(byMillis: 1000)
            let child = try await client.execute(uri: "/v1/images/\(Self.digest(2))", method: .get)
            let childView = try JSONDecoder().decode(ImageView.self, from: Data(child.bytes))
            #expect(childView.newest)
            #expect(childView.ancestors.map(\.id) == [root.recordID.description])
            let status = try #require(childView.records.first?.status)
            #expect(status.state == "revoked")
            #expect(status.inheritedFrom == root.recordID.description)

            let provider = try await client.execute(uri: "/v1/providers/acme", method: .get)
            #expect(provider.status == .ok)
            let providerView = try JSONDecoder().decode(ProviderView.self, from: Data(provider.bytes))
            #expect(providerView.provider.keys.map(\.keyID) == [Self.acme.publicKey.keyID])
            #expect(providerView.records.count == 4)

            let byName = try await client.execute(uri: "/v1/images?name=ubuntu-24.04", method: .get)
            let hits = try JSONDecoder().decode(ImageSearchResult.self, from: Data(byName.bytes)).images
            #expect(
                hits == [
                    ImageSearchResult.Hit(
                        record: root.recordID.description,
                        provider: "acme",
                        name: "ubuntu-24.04",
                        digest: Self.digest(1)
                    )
                ]
            )
            let byPrefix = try await client.execute(uri: "/v1/images?name=ubuntu&prefix=true&provider=acme", method: .get)
            #expect(try JSONDecoder().decode(ImageSearchResult.self, from: Data(byPrefix.bytes)).images.count == 1)
            let otherProvider = try await client.execute(uri: "/v1/images?name=ubuntu-24.04&provider=globex", method: .get)
            #expect(try JSONDecoder().decode(ImageSearchResult.self, from: Data(otherProvider.bytes)).images.isEmpty)
            let noName = try await client.execute(uri: "/v1/images", method: .get)
            #expect(noName.status == .badRequest)
            #expect(try await client.execute(uri: "/v1/providers/nobody", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v1/images/\(Self.digest(9))", method: .get).status == .notFound)
            let invalid = try await client.execute(uri: "/v1/images/sha256:xyz", method: .get)
            #expect(invalid.status == .badRequest)
            #expect(try invalid.problem().code == "invalid-parameter")
        }
    }
}
