import Foundation
import Provenance
import Testing

extension RecordsFixture {
    /// The seed policy of docs/POLICY-LANGUAGE.md in canonical form.
    static let seedPolicy = Array(
        #"{"apiVersion":"vmtrust.dev/policy/v1","name":"seed","privileges":["full","restricted","sandbox"],"record_decisions":false,"scopes":[{"match":{},"mode":"enforce","name":"default","rules":{"allow_low_reputation":false,"attestations":[],"provenance":{"chain_valid":true,"not_revoked":true,"provider_key_valid":true,"provider_not_suspended":true},"reputation":{"low":40},"require_attestation":{"max_age":"90d"},"tiers":[]}}],"version":1}"#
            .utf8
    )

    /// One record of each policy kind.
    static let policyGolden: [(String, Record)] = [
        ("policy-publish", .policyPublish(try! PolicyPublishRecord(document: seedPolicy, time: t0 + 30))),
        (
            "break-glass",
            .breakGlass(
                BreakGlassRecord(
                    user: "alice",
                    reason: "incident 42: payments outage",
                    image: digest(0x0A),
                    environment: "prod",
                    privilege: "sandbox",
                    notBefore: t0,
                    expiresAt: t0 + 12 * hour,
                    time: t0 + 31
                )
            )
        ),
    ]
}

@Suite("Records v1: policy-publish and break-glass")
struct PolicyRecordsTests {
    typealias F = RecordsFixture

    @Test func publishReadsNameVersionAndDigest() throws {
        guard case .policyPublish(let publish) = try #require(F.policyGolden.first?.1) else {
            Issue.record("not a policy-publish record")
            return
        }
        #expect(publish.name == "seed")
        #expect(publish.version == 1)
        #expect(publish.document == F.seedPolicy)
        // The digest docs/POLICY-LANGUAGE.md's seed policy has (sha256 of its canonical bytes).
        #expect(publish.digest == RecordID(payload: F.seedPolicy).description)
        #expect(RecordKind.policyPublish.signer == .admins && RecordKind.breakGlass.signer == .admins)
    }

    static let seed = String(decoding: F.seedPolicy, as: UTF8.self)

    /// Mangled payloads of both kinds: each is refused with the error code given.
    static let mangles: [(String, RecordKind, String, RecordError.Code)] = [
        ("document not an object", .policyPublish, #"{"document":[1],"time":1,"v":1}"#, .wrongType),
        ("document without name", .policyPublish, #"{"document":{"version":1},"time":1,"v":1}"#, .missingField),
        ("document name not a string", .policyPublish, #"{"document":{"name":1,"version":1},"time":1,"v":1}"#, .missingField),
        ("document without version", .policyPublish, #"{"document":{"name":"p"},"time":1,"v":1}"#, .missingField),
        ("version 0", .policyPublish, #"{"document":{"name":"p","version":0},"time":1,"v":1}"#, .outOfRange),
        ("version fractional", .policyPublish, #"{"document":{"name":"p","version":1.5},"time":1,"v":1}"#, .wrongType),
        ("document keys unsorted", .policyPublish, #"{"document":{"version":1,"name":"p"},"time":1,"v":1}"#, .notCanonical),
        ("document with white space", .policyPublish, #"{"document":{"name": "p","version":1},"time":1,"v":1}"#, .notCanonical),
        ("no document", .policyPublish, #"{"time":1,"v":1}"#, .missingField),
        ("extra member", .policyPublish, #"{"document":{"name":"p","version":1},"name":"p","time":1,"v":1}"#, .unknownField),
        (
            "image and provider", .breakGlass,
            #"{"expiresAt":2,"image":"sha256:0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a","notBefore":1,"provider":"acme","reason":"r","time":1,"user":"alice","v":1}"#,
            .invalidValue
        ),
        (
            "neither image nor provider", .breakGlass,
            #"{"expiresAt":2,"notBefore":1,"reason":"r","time":1,"user":"alice","v":1}"#, .invalidValue
        ),
        (
            "window over 24 h", .breakGlass,
            #"{"expiresAt":86400002,"notBefore":1,"provider":"acme","reason":"r","time":1,"user":"alice","v":1}"#, .outOfRange
        ),
        (
            "expiry before start", .breakGlass,
            #"{"expiresAt":1,"notBefore":1,"provider":"acme","reason":"r","time":1,"user":"alice","v":1}"#, .invalidValue
        ),
        (
            "bad user", .breakGlass,
            #"{"expiresAt":2,"notBefore":1,"provider":"acme","reason":"r","time":1,"user":"Alice","v":1}"#, .invalidValue
        ),
        (
            "bad image", .breakGlass,
            #"{"expiresAt":2,"image":"sha256:xy","notBefore":1,"reason":"r","time":1,"user":"alice","v":1}"#, .invalidValue
        ),
        (
            "reason with new line", .breakGlass,
            #"{"expiresAt":2,"notBefore":1,"provider":"acme","reason":"a\nb","time":1,"user":"alice","v":1}"#, .invalidValue
        ),
        (
            "null environment", .breakGlass,
            #"{"environment":null,"expiresAt":2,"notBefore":1,"provider":"acme","reason":"r","time":1,"user":"alice","v":1}"#,
            .wrongType
        ),
    ]

    @Test(arguments: mangles)
    func mangledPayloadsAreRefused(name: String, kind: RecordKind, payload: String, code: RecordError.Code) {
        do {
            _ = try Record.decode(payloadType: kind.payloadType, payload: Array(payload.utf8))
            Issue.record("\(name): decoded")
        } catch {
            #expect(error.code == code, "\(name): \(error.message)")
        }
    }

    @Test func validMinimalBreakGlassRoundTrips() throws {
        let payload = Array(
            #"{"expiresAt":86400001,"notBefore":1,"provider":"acme","reason":"r","time":1,"user":"alice","v":1}"#.utf8
        )
        let record = try Record.decode(payloadType: RecordKind.breakGlass.payloadType, payload: payload)
        #expect(record.encoded() == payload)
    }

    // MARK: Rules

    /// Accepts every document except those containing "bad".
    static let validator: PolicyDocumentValidator = { bytes in
        String(decoding: bytes, as: UTF8.self).contains("bad") ? "contains bad" : nil
    }

    static func publish(_ name: String, _ version: Int, extra: String = "", time: Int64) throws -> Record {
        .policyPublish(
            try PolicyPublishRecord(document: Array(#"{"name":"\#(name)"\#(extra),"version":\#(version)}"#.utf8), time: time)
        )
    }

    @Test func policyPublishRules() async throws {
        var world = try await RecordsWorld.make()
        world.rules = ProvenanceRules(policyValidator: Self.validator)
        let first = try Self.publish("p", 2, time: world.now)
        try await world.accept(first, by: [F.admin1])
        let current = try #require(try await world.state.publishedPolicy(name: "p"))
        #expect(current.version == 2 && current.record == first.id)
        #expect(world.state.currentPolicy == current)

        // Not by admins.
        #expect(
            try await world.submit(try Self.publish("p", 3, time: world.now), by: [F.acmeKey]).rejection?.code
                == .notSignedByAdmins
        )
        // Not increasing, equal or lower.
        for version in [1, 2] {
            let rejection = try await world.submit(try Self.publish("p", version, time: world.now), by: [F.admin1]).rejection
            #expect(rejection?.code == .policyVersionNotIncreasing)
        }
        // Invalid by the validator.
        let bad = try Self.publish("p", 9, extra: #","x":"bad""#, time: world.now)
        #expect(try await world.submit(bad, by: [F.admin1]).rejection?.code == .invalidPolicy)
        // Another name starts its own versions and becomes the newest published policy.
        let other = try Self.publish("q", 1, time: world.now)
        try await world.accept(other, by: [F.admin1])
        #expect(world.state.currentPolicy?.record == other.id)
        try await world.accept(try Self.publish("p", 3, time: world.now), by: [F.admin1])
        #expect(try await world.state.publishedPolicy(name: "p")?.version == 3)

        // Without a validator nothing is published.
        world.rules = ProvenanceRules()
        #expect(
            try await world.submit(try Self.publish("p", 4, time: world.now), by: [F.admin1]).rejection?.code == .kindNotAdmitted
        )
    }

    @Test func breakGlassRules() async throws {
        var world = try await RecordsWorld.make()
        try await world.accept(world.register(0x0A), by: [F.acmeKey])
        try await world.accept(
            .userRegister(UserRegisterRecord(id: "alice", key: F.userKey.publicKey, time: world.now)),
            by: [F.admin1]
        )
        func grant(
            user: String = "alice",
            image: String? = F.digest(0x0A),
            provider: String? = nil,
            expiresIn: Int64 = F.hour
        )
            -> Record
        {
            .breakGlass(
                BreakGlassRecord(
                    user: user,
                    reason: "incident",
                    image: image,
                    provider: provider,
                    notBefore: world.now - F.hour,
                    expiresAt: world.now + expiresIn,
                    time: world.now
                )
            )
        }
        #expect(try await world.submit(grant(), by: [F.acmeKey]).rejection?.code == .notSignedByAdmins)
        #expect(try await world.submit(grant(user: "bob"), by: [F.admin1]).rejection?.code == .unknownUser)
        #expect(try await world.submit(grant(image: F.digest(0x0F)), by: [F.admin1]).rejection?.code == .unknownSubject)
        #expect(
            try await world.submit(grant(image: nil, provider: "initech"), by: [F.admin1]).rejection?.code == .unknownProvider
        )
        #expect(try await world.submit(grant(expiresIn: -F.minute), by: [F.admin1]).rejection?.code == .breakGlassExpired)
        #expect(world.state.breakGlass.isEmpty)
        let accepted = grant(image: nil, provider: "acme")
        try await world.accept(accepted, by: [F.admin1])
        let state = try #require(world.state.breakGlass.first)
        #expect(state.record == accepted.id && state.provider == "acme" && state.user == "alice")
        #expect(state.grantedBy == "admin:" + String(F.admin1.publicKey.keyID.prefix(16)))
    }
}
