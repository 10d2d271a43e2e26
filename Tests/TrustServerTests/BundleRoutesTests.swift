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

@Suite("Bundles over HTTP")
struct BundleRoutesTests {
    static let acme = try! SigningKey(ed25519Seed: [UInt8](repeating: 0x01, count: 32))
    static let t0: Int64 = 1_790_000_000_000
    static func digest(_ byte: UInt8) -> String { "sha256:" + String(repeating: String(format: "%02x", byte), count: 32) }

    @Test("GET /v1/images/{digest}/bundle answers a bundle that verifies offline")
    func bundle() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Harness(admission: TestKeys.admission, clock: { clock.now() })
        try await harness.app.test(.router) { client in
            let admin = TestKeys.admin
            func post(_ record: Record, by keys: [SigningKey]) async throws -> Receipt {
                clock.advance(byMillis: 1000)
                let response = try await client.post(try record.signed(by: keys).jsonBytes())
                #expect(response.status == .created, "\(response.text)")
                return try response.receipt()
            }
            _ = try await post(
                .genesis(GenesisRecord(adminKeys: [admin.publicKey], threshold: 1, origin: TestKeys.origin, time: Self.t0)),
                by: [admin]
            )
            let onboard = ProviderOnboardRecord(
                id: "acme",
                displayName: "Acme",
                keys: [KeyGrant(key: Self.acme.publicKey)],
                initialReputation: 75,
                time: Self.t0
            )
            _ = try await post(.providerOnboard(onboard), by: [admin])
            let register = ImageRegisterRecord(
                digest: Self.digest(1),
                provider: "acme",
                name: "ubuntu-24.04",
                format: .raw,
                size: 4096,
                initialReputation: 75,
                time: Self.t0
            )
            let root = try await post(.imageRegister(register), by: [Self.acme])
            let modify = ImageModifyRecord(
                digest: Self.digest(2),
                provider: "acme",
                previous: root.recordID,
                change: .patch,
                description: "kernel 6.8.0-45",
                time: Self.t0
            )
            let patch = try await post(.imageModify(modify), by: [Self.acme])

            let response = try await client.execute(uri: "/v1/images/\(Self.digest(2))/bundle", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let bundle = try JSONDecoder().decode(ProvenanceBundle.self, from: Data(response.bytes))
            #expect(bundle.record == patch.recordID)
            #expect(bundle.subject == Self.digest(2))
            #expect(bundle.entries.map(\.index) == [0, 1, 2, 3])
            let checkpoint = await harness.ledger.latestCheckpoint
            #expect(bundle.checkpoint == checkpoint.note)
            let verdict = await BundleVerifier(logKey: TestKeys.logVerifiers).verify(bundle, imageDigest: Self.digest(2))
            #expect(verdict.isValid, "\(verdict.failures)")
            #expect(verdict.chain.map(\.recordID) == [root.recordID, patch.recordID])
            #expect(verdict.status == .active)

            let missing = try await client.execute(uri: "/v1/images/\(Self.digest(9))/bundle", method: .get)
            #expect(missing.status == .notFound)
            #expect(try missing.problem().code == "not-found")
            let invalid = try await client.execute(uri: "/v1/images/sha256:xyz/bundle", method: .get)
            #expect(invalid.status == .badRequest)
            #expect(try invalid.problem().code == "invalid-parameter")
        }
    }
}
