import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import NIOCore
import Policy
import Provenance
import Testing
import TransparencyLog
import TrustServer
import VMTrustTesting

/// A log with two providers of different standing, images, a user and three auditors, served in-process.
///
/// acme (initial reputation 95) scores above 50, globex (initial reputation 0) below 50.
struct PolicyWorld {
    static func key(_ byte: UInt8) -> SigningKey { try! SigningKey(ed25519Seed: [UInt8](repeating: byte, count: 32)) }
    static let acmeKey = key(0x01)
    static let globexKey = key(0x11)
    static let aliceKey = key(0x21)
    static let auditorKeys = ["sec-audit": key(0x31), "lab-two": key(0x32), "lab-three": key(0x33)]
    static let admin = TestKeys.admin
    static let t0: Int64 = 1_790_000_000_000
    static let day: Int64 = 86_400_000
    static func digest(_ byte: UInt8) -> String { "sha256:" + String(repeating: String(format: "%02x", byte), count: 32) }

    /// acme's lineage: a (register) → a2 (patch) → a3 (patch).
    static let a = digest(0x0A)
    static let a2 = digest(0x0B)
    static let a3 = digest(0x0C)
    /// Another acme image, with no versions.
    static let b = digest(0x0D)
    /// globex's image.
    static let g = digest(0x1A)

    let harness: Harness
    let clock: TestClock

    init() async throws {
        clock = Fixtures.clock(startingAt: Self.t0)
        let clock = clock
        harness = try await Harness(
            admission: TestKeys.admission,
            clock: { clock.now() },
            decisionKey: TestKeys.decisionKey
        )
    }

    /// Posts `envelope` as a record one second later and requires it to be accepted.
    @discardableResult
    func accept(_ client: some TestClientProtocol, _ envelope: DSSEEnvelope) async throws -> Receipt {
        clock.advance(byMillis: 1000)
        let response = try await client.post(envelope.jsonBytes())
        #expect(response.status == .created, "\(response.text)")
        return try response.receipt()
    }

    /// Like ``accept(_:_:)`` for a record signed by `keys`.
    @discardableResult
    func accept(_ client: some TestClientProtocol, _ record: Record, by keys: [SigningKey]) async throws -> RecordID {
        try await accept(client, try record.signed(by: keys))
        return record.id
    }

    /// Image record ids by digest.
    struct Images {
        var a: RecordID
        var a2: RecordID
        var a3: RecordID
        var b: RecordID
        var g: RecordID
    }

    /// Genesis, providers, user alice, images and auditors.
    func setUp(_ client: some TestClientProtocol) async throws -> Images {
        let now = { clock.now() + 1000 }
        try await accept(
            client,
            .genesis(GenesisRecord(adminKeys: [Self.admin.publicKey], threshold: 1, origin: TestKeys.origin, time: now())),
            by: [Self.admin]
        )
        for (id, key, reputation) in [("acme", Self.acmeKey, 95), ("globex", Self.globexKey, 0)] {
            try await accept(
                client,
                .providerOnboard(
                    ProviderOnboardRecord(
                        id: id,
                        displayName: id,
                        keys: [KeyGrant(key: key.publicKey)],
                        initialReputation: reputation,
                        time: now()
                    )
                ),
                by: [Self.admin]
            )
        }
        try await accept(
            client,
            .userRegister(UserRegisterRecord(id: "alice", key: Self.aliceKey.publicKey, time: now())),
            by: [Self.admin]
        )
        func register(_ digest: String, _ provider: String, _ key: SigningKey, _ reputation: Int) async throws -> RecordID {
            try await accept(
                client,
                .imageRegister(
                    ImageRegisterRecord(
                        digest: digest,
                        provider: provider,
                        name: "image-\(digest.suffix(4))",
                        format: .qcow2,
                        size: 4096,
                        initialReputation: reputation,
                        time: now()
                    )
                ),
                by: [key]
            )
        }
        func modify(_ digest: String, previous: RecordID) async throws -> RecordID {
            try await accept(
                client,
                .imageModify(
                    ImageModifyRecord(
                        digest: digest,
                        provider: "acme",
                        previous: previous,
                        change: .patch,
                        description: "patch",
                        time: now()
                    )
                ),
                by: [Self.acmeKey]
            )
        }
        let a = try await register(Self.a, "acme", Self.acmeKey, 95)
        let a2 = try await modify(Self.a2, previous: a)
        let a3 = try await modify(Self.a3, previous: a2)
        let b = try await register(Self.b, "acme", Self.acmeKey, 95)
        let g = try await register(Self.g, "globex", Self.globexKey, 0)
        for (id, key) in Self.auditorKeys.sorted(by: { $0.key < $1.key }) {
            try await accept(
                client,
                .auditorOnboard(
                    AuditorOnboardRecord(
                        id: id,
                        displayName: id,
                        keys: [KeyGrant(key: key.publicKey)],
                        accreditation: Accreditation(by: "DAkkS", until: Self.t0 + 1000 * Self.day),
                        attestationTypes: [AttestationPredicate.auditType, AttestationPredicate.vulnsType],
                        trustSeed: 18,
                        time: now()
                    )
                ),
                by: [Self.admin]
            )
        }
        return Images(a: a, a2: a2, a3: a3, b: b, g: g)
    }

    /// An audit of `digest` by `auditor`.
    @discardableResult
    func attest(
        _ client: some TestClientProtocol,
        _ digest: String,
        by auditor: String,
        passed: Bool = true
    ) async throws
        -> RecordID
    {
        let statement = InTotoStatement(
            subjects: [ResourceDescriptor(imageDigest: digest)],
            predicate: .audit(
                AuditPredicate(
                    result: passed ? .passed : .failed,
                    score: passed ? 90 : 20,
                    controlsChecked: 20,
                    controlsPassed: passed ? 19 : 4,
                    scope: .image,
                    summaryText: "audit at \(clock.now())"
                )
            )
        )
        let envelope = try DSSEEnvelope.sign(
            payloadType: InTotoStatement.payloadType,
            payload: statement.encoded(),
            keys: [Self.auditorKeys[auditor]!]
        )
        return try await accept(client, envelope).recordID
    }

    /// Publishes `yaml` as a policy (admin-signed).
    @discardableResult
    func publish(_ client: some TestClientProtocol, _ yaml: String) async throws -> RecordID {
        let policy = try Policy.parse(yaml)
        let record = Record.policyPublish(try PolicyPublishRecord(document: policy.canonicalJSON, time: clock.now() + 1000))
        return try await accept(client, record, by: [Self.admin])
    }

    /// `POST /v1/authorize` with `body`, requiring 200, decoded.
    func authorize(
        _ client: some TestClientProtocol,
        user: String = "alice",
        image: String,
        environment: String? = nil,
        extra: [String: Any] = [:]
    ) async throws -> (Decision, [String: Any]) {
        var body: [String: Any] = ["user": user, "image": image]
        if let environment { body["environment"] = environment }
        for (key, value) in extra { body[key] = value }
        let response = try await client.execute(
            uri: "/v1/authorize",
            method: .post,
            body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
        )
        #expect(response.status == .ok, "\(response.text)")
        let decision = try JSONDecoder().decode(Decision.self, from: Data(response.bytes))
        let object = try JSONSerialization.jsonObject(with: Data(response.bytes)) as? [String: Any] ?? [:]
        return (decision, object)
    }
}
