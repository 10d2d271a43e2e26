import Foundation
import Provenance
import Testing

/// A log under construction: an in-memory state plus helpers to sign and admit records.
struct RecordsWorld {
    typealias F = RecordsFixture

    var state = InMemoryProvenanceState()
    var rules = ProvenanceRules()
    /// The integration time of the next record; every helper advances it by one minute.
    var now: Int64 = F.t0

    /// Signs `record` with `keys` and admits it at `at` (default: `now`), applying accepted changes.
    @discardableResult
    mutating func submit(_ record: Record, by keys: [SigningKey], at time: Int64? = nil) async throws -> Admission {
        let time = time ?? now
        now = max(now, time) + F.minute
        let envelope = try record.signed(by: keys)
        let admission = try await rules.admit(envelope, record: record, integrationTime: time, state: state)
        if case .accepted(let changes) = admission { state.apply(changes) }
        return admission
    }

    /// Like ``submit(_:by:at:)`` but requires acceptance and returns the record id.
    @discardableResult
    mutating func accept(_ record: Record, by keys: [SigningKey], at time: Int64? = nil) async throws -> RecordID {
        let admission = try await submit(record, by: keys, at: time)
        #expect(admission.rejection == nil, "\(admission.rejection?.description ?? "")")
        return record.id
    }

    /// Genesis with `admins` and `threshold`, then providers acme (reputation 70) and globex (50).
    static func make(admins: [SigningKey] = [F.admin1], threshold: Int = 1) async throws -> RecordsWorld {
        var world = RecordsWorld()
        try await world.accept(
            .genesis(
                GenesisRecord(adminKeys: admins.map(\.publicKey), threshold: threshold, origin: "test/log", time: world.now)
            ),
            by: admins
        )
        let signers = Array(admins.prefix(threshold))
        try await world.accept(
            .providerOnboard(
                ProviderOnboardRecord(
                    id: "acme",
                    displayName: "Acme",
                    keys: [KeyGrant(key: F.acmeKey.publicKey)],
                    initialReputation: 70,
                    time: world.now
                )
            ),
            by: signers
        )
        try await world.accept(
            .providerOnboard(
                ProviderOnboardRecord(
                    id: "globex",
                    displayName: "Globex",
                    keys: [KeyGrant(key: F.globexKey.publicKey)],
                    initialReputation: 50,
                    time: world.now
                )
            ),
            by: signers
        )
        return world
    }

    func register(_ digestByte: UInt8, provider: String = "acme", reputation: Int? = nil, time: Int64? = nil) -> Record {
        .imageRegister(
            ImageRegisterRecord(
                digest: F.digest(digestByte),
                provider: provider,
                name: "image-\(digestByte)",
                format: .raw,
                size: 1024,
                initialReputation: reputation ?? (provider == "acme" ? 70 : 50),
                time: time ?? now
            )
        )
    }

    func modify(_ digestByte: UInt8, previous: RecordID, provider: String = "acme", change: ChangeKind = .patch) -> Record {
        .imageModify(
            ImageModifyRecord(
                digest: F.digest(digestByte),
                provider: provider,
                previous: previous,
                change: change,
                description: "change \(digestByte)",
                time: now
            )
        )
    }

    func revoke(_ target: RecordID, inherit: Bool, effectiveAt: Int64? = nil, provider: String = "acme") -> Record {
        .imageRevoke(
            ImageRevokeRecord(
                provider: provider,
                target: target,
                reason: "bad",
                inherit: inherit,
                effectiveAt: effectiveAt,
                time: now
            )
        )
    }

    func update(_ id: String = "acme", suspended: Bool? = nil, retire: [String]? = nil, add: [KeyGrant]? = nil) -> Record {
        .providerUpdate(ProviderUpdateRecord(id: id, addKeys: add, retireKeys: retire, suspended: suspended, time: now))
    }
}

@Suite("Records v1: chain rules")
struct RecordsRulesTests {
    typealias F = RecordsFixture

    func expectRejected(
        _ admission: Admission,
        _ code: RecordRejection.Code,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(admission.rejection?.code == code, "\(admission)", sourceLocation: sourceLocation)
    }

    // MARK: Governance

    @Test func genesisFirstAndOnce() async throws {
        var world = RecordsWorld()
        let onboard = Record.providerOnboard(
            ProviderOnboardRecord(
                id: "acme",
                displayName: "A",
                keys: [KeyGrant(key: F.acmeKey.publicKey)],
                initialReputation: 1,
                time: world.now
            )
        )
        expectRejected(try await world.submit(onboard, by: [F.admin1]), .noGovernance)
        let genesis = Record.genesis(GenesisRecord(adminKeys: [F.admin1.publicKey], threshold: 1, origin: "o", time: world.now))
        expectRejected(try await world.submit(genesis, by: [F.acmeKey]), .notSignedByAdmins)
        let admission = try await world.submit(genesis, by: [F.admin1])
        guard case .accepted(let changes) = admission else {
            Issue.record("\(admission)")
            return
        }
        #expect(changes.count == 2)
        #expect(world.state.governanceState?.adminKeys == [F.admin1.publicKey])
        #expect(world.state.governanceState?.genesis == genesis.id)
        let second = Record.genesis(GenesisRecord(adminKeys: [F.admin2.publicKey], threshold: 1, origin: "o", time: world.now))
        expectRejected(try await world.submit(second, by: [F.admin2]), .genesisExists)
    }

    @Test func nonAdminGovernanceIsRefused() async throws {
        var world = try await RecordsWorld.make()
        let onboard = Record.providerOnboard(
            ProviderOnboardRecord(
                id: "initech",
                displayName: "I",
                keys: [KeyGrant(key: F.admin3.publicKey)],
                initialReputation: 1,
                time: world.now
            )
        )
        expectRejected(try await world.submit(onboard, by: [F.acmeKey]), .notSignedByAdmins)
        expectRejected(try await world.submit(world.update(suspended: false), by: [F.acmeKey]), .notSignedByAdmins)
        let user = Record.userRegister(UserRegisterRecord(id: "alice", key: F.userKey.publicKey, time: world.now))
        expectRejected(try await world.submit(user, by: [F.userKey]), .notSignedByAdmins)
        let revocation = Record.keyRevocation(
            KeyRevocationRecord(
                provider: "acme",
                keyID: F.acmeKey.publicKey.keyID,
                effectiveAt: world.now,
                reason: "x",
                time: world.now
            )
        )
        expectRejected(try await world.submit(revocation, by: [F.acmeKey]), .notSignedByAdmins)
        try await world.accept(onboard, by: [F.admin1])
        expectRejected(try await world.submit(onboard, by: [F.admin1]), .alreadyRecorded)
        let again = Record.providerOnboard(
            ProviderOnboardRecord(
                id: "initech",
                displayName: "I2",
                keys: [KeyGrant(key: F.admin3.publicKey)],
                initialReputation: 1,
                time: world.now
            )
        )
        expectRejected(try await world.submit(again, by: [F.admin1]), .providerExists)
    }

    @Test func thresholdTwo() async throws {
        var world = RecordsWorld()
        let genesis = Record.genesis(
            GenesisRecord(
                adminKeys: [F.admin1.publicKey, F.admin2.publicKey, F.admin3.publicKey],
                threshold: 2,
                origin: "o",
                time: world.now
            )
        )
        expectRejected(try await world.submit(genesis, by: [F.admin1]), .belowThreshold)
        expectRejected(try await world.submit(genesis, by: [F.admin1, F.admin1]), .belowThreshold)  // distinct keys count
        try await world.accept(genesis, by: [F.admin1, F.admin3])
        let onboard = Record.providerOnboard(
            ProviderOnboardRecord(
                id: "acme",
                displayName: "A",
                keys: [KeyGrant(key: F.acmeKey.publicKey)],
                initialReputation: 9,
                time: world.now
            )
        )
        expectRejected(try await world.submit(onboard, by: [F.admin2]), .belowThreshold)
        expectRejected(try await world.submit(onboard, by: [F.admin2, F.acmeKey]), .belowThreshold)
        try await world.accept(onboard, by: [F.admin2, F.admin3])
    }

    @Test func userRegistration() async throws {
        var world = try await RecordsWorld.make()
        let user = Record.userRegister(UserRegisterRecord(id: "alice", key: F.userKey.publicKey, time: world.now))
        try await world.accept(user, by: [F.admin1])
        #expect(try await world.state.user(id: "alice")?.key == F.userKey.publicKey)
        let again = Record.userRegister(UserRegisterRecord(id: "alice", key: F.admin3.publicKey, time: world.now))
        expectRejected(try await world.submit(again, by: [F.admin1]), .userExists)
    }

    // MARK: Lineages

    @Test func lineageIsAcceptedAndIndexed() async throws {
        var world = try await RecordsWorld.make()
        let root = try await world.accept(world.register(1), by: [F.acmeKey])
        let child = try await world.accept(world.modify(2, previous: root), by: [F.acmeKey])
        let sibling = try await world.accept(world.modify(3, previous: root, change: .rebuild), by: [F.acmeKey])
        let grandchild = try await world.accept(world.modify(4, previous: child), by: [F.acmeKey])
        #expect(try await world.state.imageRecord(provider: "acme", digest: F.digest(3)) == sibling)
        let state = try #require(try await world.state.record(id: grandchild))
        #expect(state.previous == child && state.kind == .imageModify && state.digest == F.digest(4))
        #expect(try await world.state.ancestors(of: state).map(\.id) == [child, root])
        #expect(try await world.state.status(of: grandchild, at: world.now) == .active)
    }

    @Test func providerExtendingAnotherProvidersLineage() async throws {
        var world = try await RecordsWorld.make()
        let root = try await world.accept(world.register(1), by: [F.acmeKey])
        expectRejected(
            try await world.submit(world.modify(2, previous: root, provider: "globex"), by: [F.globexKey]),
            .foreignLineage
        )
        expectRejected(try await world.submit(world.modify(2, previous: root), by: [F.globexKey]), .notSignedByProvider)
        expectRejected(
            try await world.submit(world.revoke(root, inherit: true, provider: "globex"), by: [F.globexKey]),
            .foreignLineage
        )
        expectRejected(try await world.submit(world.register(5), by: [F.globexKey]), .notSignedByProvider)
        expectRejected(try await world.submit(world.register(5), by: [F.admin1]), .notSignedByProvider)
        expectRejected(try await world.submit(world.register(5, provider: "nobody"), by: [F.acmeKey]), .unknownProvider)
    }

    @Test func suspendedProvider() async throws {
        var world = try await RecordsWorld.make()
        let root = try await world.accept(world.register(1), by: [F.acmeKey])
        try await world.accept(world.update(suspended: true), by: [F.admin1])
        #expect(try await world.state.provider(id: "acme")?.suspended == true)
        expectRejected(try await world.submit(world.register(2), by: [F.acmeKey]), .providerSuspended)
        expectRejected(try await world.submit(world.modify(2, previous: root), by: [F.acmeKey]), .providerSuspended)
        let rotation = Record.keyRotation(
            KeyRotationRecord(
                provider: "acme",
                oldKeyID: F.acmeKey.publicKey.keyID,
                newKey: F.acmeNextKey.publicKey,
                effectiveAt: world.now,
                time: world.now
            )
        )
        expectRejected(try await world.submit(rotation, by: [F.acmeKey, F.acmeNextKey]), .providerSuspended)
        try await world.accept(world.update(suspended: false), by: [F.admin1])
        try await world.accept(world.register(2), by: [F.acmeKey])
    }

    @Test func revokedKeyIsRefused() async throws {
        var world = try await RecordsWorld.make()
        let revokedAt = world.now + 10 * F.minute
        let revocation = Record.keyRevocation(
            KeyRevocationRecord(
                provider: "acme",
                keyID: F.acmeKey.publicKey.keyID,
                effectiveAt: revokedAt,
                reason: "lost",
                time: world.now
            )
        )
        try await world.accept(revocation, by: [F.admin1])
        try await world.accept(world.register(1, time: revokedAt - 1), by: [F.acmeKey], at: revokedAt - 1)  // before: valid
        expectRejected(try await world.submit(world.register(2, time: revokedAt), by: [F.acmeKey], at: revokedAt), .keyRevoked)
        expectRejected(try await world.submit(revocation, by: [F.admin1]), .alreadyRecorded)
        let later = Record.keyRevocation(
            KeyRevocationRecord(
                provider: "acme",
                keyID: F.acmeKey.publicKey.keyID,
                effectiveAt: revokedAt + 1,
                reason: "lost",
                time: world.now
            )
        )
        expectRejected(try await world.submit(later, by: [F.admin1]), .keyAlreadyRevoked)
        let unknown = Record.keyRevocation(
            KeyRevocationRecord(
                provider: "acme",
                keyID: F.globexKey.publicKey.keyID,
                effectiveAt: world.now,
                reason: "x",
                time: world.now
            )
        )
        expectRejected(try await world.submit(unknown, by: [F.admin1]), .unknownKey)
    }

    @Test func expiredRetiredAndNotYetValidKeysAreRefused() async throws {
        var world = try await RecordsWorld.make()
        let until = world.now + F.hour
        try await world.accept(world.update(add: [KeyGrant(key: F.acmeOtherKey.publicKey, validUntil: until)]), by: [F.admin1])
        try await world.accept(world.register(1), by: [F.acmeOtherKey])
        expectRejected(try await world.submit(world.register(2, time: until), by: [F.acmeOtherKey], at: until), .keyExpired)
        try await world.accept(world.update(retire: [F.acmeKey.publicKey.keyID]), by: [F.admin1])
        expectRejected(try await world.submit(world.register(3), by: [F.acmeKey]), .keyExpired)
        let from = world.now + F.hour
        try await world.accept(world.update(add: [KeyGrant(key: F.acmeNextKey.publicKey, validFrom: from)]), by: [F.admin1])
        expectRejected(try await world.submit(world.register(4), by: [F.acmeNextKey]), .keyNotYetValid)
        try await world.accept(world.register(4, time: from), by: [F.acmeNextKey], at: from)
        expectRejected(try await world.submit(world.update(retire: [F.globexKey.publicKey.keyID]), by: [F.admin1]), .unknownKey)
        expectRejected(
            try await world.submit(world.update(add: [KeyGrant(key: F.acmeNextKey.publicKey)]), by: [F.admin1]),
            .keyAlreadyGranted
        )
    }

    @Test func previousMustExistAndNotBeRevoked() async throws {
        var world = try await RecordsWorld.make()
        expectRejected(try await world.submit(world.modify(2, previous: F.sampleID), by: [F.acmeKey]), .unknownRecord)
        let onboardID = try #require(world.state.providers["acme"]?.onboardedBy)
        expectRejected(try await world.submit(world.modify(2, previous: onboardID), by: [F.acmeKey]), .notAnImageRecord)

        let root = try await world.accept(world.register(1), by: [F.acmeKey])
        let child = try await world.accept(world.modify(2, previous: root), by: [F.acmeKey])
        // Direct revocation without inherit: the child is unaffected, the root refuses new children.
        try await world.accept(world.revoke(root, inherit: false), by: [F.acmeKey])
        expectRejected(try await world.submit(world.modify(3, previous: root), by: [F.acmeKey]), .previousRevoked)
        let grandchild = try await world.accept(world.modify(3, previous: child), by: [F.acmeKey])
        // Inherited revocation: revoking the child with inherit refuses children of the grandchild.
        try await world.accept(world.revoke(child, inherit: true), by: [F.acmeKey])
        let refused = try await world.submit(world.modify(4, previous: grandchild), by: [F.acmeKey])
        expectRejected(refused, .previousRevoked)
        #expect(refused.rejection?.message.contains("inherited from \(child)") == true)
        // Restored: allowed again.
        try await world.accept(
            .imageRestore(ImageRestoreRecord(provider: "acme", target: child, time: world.now)),
            by: [F.acmeKey]
        )
        try await world.accept(world.modify(4, previous: grandchild), by: [F.acmeKey])
    }

    @Test func scheduledRevocationOfPreviousStillAllowsChildrenUntilEffective() async throws {
        var world = try await RecordsWorld.make()
        let root = try await world.accept(world.register(1), by: [F.acmeKey])
        let at = world.now + F.hour
        try await world.accept(world.revoke(root, inherit: true, effectiveAt: at), by: [F.acmeKey])
        try await world.accept(world.modify(2, previous: root), by: [F.acmeKey])
        expectRejected(
            try await world.submit(world.modify(3, previous: root).withTime(at), by: [F.acmeKey], at: at),
            .previousRevoked
        )
    }

    @Test func selfReferenceIsACycle() async throws {
        let world = try await RecordsWorld.make()
        let record = world.modify(2, previous: F.sampleID)
        let envelope = try record.signed(by: [F.acmeKey])
        // A payload containing its own hash needs a SHA-256 fixed point: evaluate the policy with the id forced.
        let context = AdmissionContext(
            envelope: envelope,
            record: record,
            recordID: F.sampleID,
            integrationTime: world.now,
            state: world.state
        )
        #expect(try await NotOwnAncestor().evaluate(context) == .fails(.cycle, ""))
        let honest = AdmissionContext(
            envelope: envelope,
            record: record,
            recordID: record.id,
            integrationTime: world.now,
            state: world.state
        )
        #expect(try await NotOwnAncestor().evaluate(honest) == .meetsPolicy)
    }

    @Test func loopingLineageInAStateIsACycle() async throws {
        var world = try await RecordsWorld.make()
        let a = RecordID("sha256:" + String(repeating: "0a", count: 32))!
        let b = RecordID("sha256:" + String(repeating: "0b", count: 32))!
        world.state.apply([
            .recordAdded(
                RecordState(id: a, kind: .imageModify, provider: "acme", digest: F.digest(0xA), linked: b, integratedAt: 1)
            ),
            .recordAdded(
                RecordState(id: b, kind: .imageModify, provider: "acme", digest: F.digest(0xB), linked: a, integratedAt: 2)
            ),
        ])
        expectRejected(try await world.submit(world.modify(3, previous: a), by: [F.acmeKey]), .cycle)
        await #expect(throws: LineageError.cycle(a)) { try await world.state.status(of: a, at: 3) }
    }

    @Test func timestampOutsideSkew() async throws {
        var world = try await RecordsWorld.make()
        let skew = ProvenanceRules.defaultSkew
        let t = world.now
        expectRejected(try await world.submit(world.register(1, time: t - skew - 1), by: [F.acmeKey], at: t), .timeOutsideSkew)
        expectRejected(try await world.submit(world.register(1, time: t + skew + 1), by: [F.acmeKey], at: t), .timeOutsideSkew)
        try await world.accept(world.register(1, time: t - skew), by: [F.acmeKey], at: t)
        try await world.accept(world.register(2, time: t + skew), by: [F.acmeKey], at: t)
        world.rules = ProvenanceRules(skew: 0)
        expectRejected(try await world.submit(world.register(3, time: world.now + 1), by: [F.acmeKey]), .timeOutsideSkew)
    }

    @Test func sameDigestTwiceByOneProvider() async throws {
        var world = try await RecordsWorld.make()
        let root = try await world.accept(world.register(1), by: [F.acmeKey])
        let again = world.register(1, time: world.now)  // same digest, different record (time, so id)
        expectRejected(try await world.submit(again, by: [F.acmeKey]), .digestAlreadyRegistered)
        expectRejected(try await world.submit(world.modify(1, previous: root), by: [F.acmeKey]), .digestAlreadyRegistered)
        try await world.accept(world.modify(1, previous: root, change: .config), by: [F.acmeKey])  // config keeps the digest
        try await world.accept(world.register(1, provider: "globex"), by: [F.globexKey])  // another provider may
        #expect(try await world.state.imageRecord(provider: "acme", digest: F.digest(1)) == root)
    }

    @Test func initialReputationMustMatchOnboarding() async throws {
        var world = try await RecordsWorld.make()
        expectRejected(try await world.submit(world.register(1, reputation: 71), by: [F.acmeKey]), .reputationMismatch)
        try await world.accept(world.register(1, reputation: 70), by: [F.acmeKey])
    }

    @Test func revokeRestoreTransitions() async throws {
        var world = try await RecordsWorld.make()
        let root = try await world.accept(world.register(1), by: [F.acmeKey])
        let restore = Record.imageRestore(ImageRestoreRecord(provider: "acme", target: root, time: world.now))
        expectRejected(try await world.submit(restore, by: [F.acmeKey]), .notRevoked)
        let past = world.revoke(root, inherit: true, effectiveAt: world.now - 1)
        expectRejected(try await world.submit(past, by: [F.acmeKey]), .effectiveTimeInPast)
        try await world.accept(world.revoke(root, inherit: false, effectiveAt: world.now + F.hour), by: [F.acmeKey])
        expectRejected(try await world.submit(world.revoke(root, inherit: true), by: [F.acmeKey]), .alreadyRevoked)
        try await world.accept(
            .imageRestore(ImageRestoreRecord(provider: "acme", target: root, time: world.now)),
            by: [F.acmeKey]
        )
        #expect(try await world.state.record(id: root)?.revocation == nil)
        let onboardID = try #require(world.state.providers["acme"]?.onboardedBy)
        expectRejected(try await world.submit(world.revoke(onboardID, inherit: false), by: [F.acmeKey]), .notAnImageRecord)
    }

    // MARK: Key rotation

    @Test func keyRotationByOldAndNewKey() async throws {
        var world = try await RecordsWorld.make()
        let effective = world.now + F.hour
        let rotation = Record.keyRotation(
            KeyRotationRecord(
                provider: "acme",
                oldKeyID: F.acmeKey.publicKey.keyID,
                newKey: F.acmeNextKey.publicKey,
                effectiveAt: effective,
                time: world.now
            )
        )
        expectRejected(try await world.submit(rotation, by: [F.acmeNextKey]), .notSignedByProvider)
        expectRejected(try await world.submit(rotation, by: [F.acmeKey]), .missingNewKeySignature)
        expectRejected(try await world.submit(rotation, by: [F.acmeKey, F.globexKey]), .missingNewKeySignature)
        try await world.accept(rotation, by: [F.acmeKey, F.acmeNextKey])
        let provider = try #require(try await world.state.provider(id: "acme"))
        #expect(provider.key(id: F.acmeKey.publicKey.keyID)?.validUntil == effective)
        #expect(provider.key(id: F.acmeNextKey.publicKey.keyID)?.validFrom == effective)
        try await world.accept(world.register(1), by: [F.acmeKey])  // old key until the effective time
        expectRejected(try await world.submit(world.register(2), by: [F.acmeNextKey]), .keyNotYetValid)
        expectRejected(try await world.submit(world.register(2, time: effective), by: [F.acmeKey], at: effective), .keyExpired)
        try await world.accept(world.register(2, time: effective), by: [F.acmeNextKey], at: effective)
    }

    @Test func keyRotationByAdminsAndRefusals() async throws {
        var world = try await RecordsWorld.make()
        func rotation(old: SigningKey, new: SigningKey, effectiveAt: Int64? = nil) -> Record {
            .keyRotation(
                KeyRotationRecord(
                    provider: "acme",
                    oldKeyID: old.publicKey.keyID,
                    newKey: new.publicKey,
                    effectiveAt: effectiveAt ?? world.now,
                    time: world.now
                )
            )
        }
        expectRejected(
            try await world.submit(rotation(old: F.acmeKey, new: F.acmeNextKey, effectiveAt: world.now - 1), by: [F.admin1]),
            .effectiveTimeInPast
        )
        expectRejected(try await world.submit(rotation(old: F.globexKey, new: F.acmeNextKey), by: [F.admin1]), .unknownKey)
        expectRejected(
            try await world.submit(rotation(old: F.acmeKey, new: F.acmeNextKey), by: [F.globexKey]),
            .notSignedByProvider
        )
        try await world.accept(rotation(old: F.acmeKey, new: F.acmeNextKey), by: [F.admin1])
        expectRejected(try await world.submit(rotation(old: F.acmeKey, new: F.acmeNextKey), by: [F.admin1]), .keyAlreadyGranted)
        // The rotated-out key can no longer rotate itself.
        expectRejected(
            try await world.submit(rotation(old: F.acmeKey, new: F.acmeOtherKey), by: [F.acmeKey, F.acmeOtherKey]),
            .keyExpired
        )
        try await world.accept(world.register(1), by: [F.acmeNextKey])
    }

    // MARK: Key revocation semantics

    @Test func keyValidityFunction() {
        let key = KeyState(key: F.acmeKey.publicKey, validFrom: 100, validUntil: 500, revokedAt: 300, grantedBy: F.sampleID)
        #expect(key.validity(at: 99) == .notYetValid(from: 100))
        #expect(key.validity(at: 100) == .valid)
        #expect(key.validity(at: 299) == .valid)
        #expect(key.validity(at: 300) == .revoked(effectiveAt: 300))
        #expect(key.validity(at: 600) == .revoked(effectiveAt: 300))
        let unrevoked = KeyState(key: F.acmeKey.publicKey, validFrom: 100, validUntil: 500, grantedBy: F.sampleID)
        #expect(unrevoked.validity(at: 499) == .valid)
        #expect(unrevoked.validity(at: 500) == .expired(until: 500))
        #expect(!unrevoked.isValid(at: 500))
    }

    @Test func backdatedCompromiseInvalidatesLaterRecordsForEveryVerifier() async throws {
        var world = try await RecordsWorld.make()
        let early = try await world.accept(world.register(1), by: [F.acmeKey])
        let compromise = world.now
        world.now += F.hour
        let late = try await world.accept(world.register(2), by: [F.acmeKey])  // accepted: nobody knew yet
        let revocation = Record.keyRevocation(
            KeyRevocationRecord(
                provider: "acme",
                keyID: F.acmeKey.publicKey.keyID,
                effectiveAt: compromise,
                reason: "stolen",
                time: world.now
            )
        )
        try await world.accept(revocation, by: [F.admin1])
        let key = try #require(try await world.state.provider(id: "acme")?.key(id: F.acmeKey.publicKey.keyID))
        let earlyAt = try #require(try await world.state.record(id: early)?.integratedAt)
        let lateAt = try #require(try await world.state.record(id: late)?.integratedAt)
        #expect(key.validity(at: earlyAt) == .valid)
        #expect(key.validity(at: lateAt) == .revoked(effectiveAt: compromise))
        expectRejected(try await world.submit(world.register(3), by: [F.acmeKey]), .keyRevoked)
        // An earlier compromise time may still be reported later; it moves the revocation back.
        let earlier = Record.keyRevocation(
            KeyRevocationRecord(
                provider: "acme",
                keyID: F.acmeKey.publicKey.keyID,
                effectiveAt: earlyAt,
                reason: "stolen earlier",
                time: world.now
            )
        )
        try await world.accept(earlier, by: [F.admin1])
        let moved = try #require(try await world.state.provider(id: "acme")?.key(id: F.acmeKey.publicKey.keyID))
        #expect(moved.validity(at: earlyAt) == .revoked(effectiveAt: earlyAt))
    }

    // MARK: Status

    @Test func statusWithInheritanceSchedulingAndDeprecation() async throws {
        var world = try await RecordsWorld.make()
        let root = try await world.accept(world.register(1), by: [F.acmeKey])
        let child = try await world.accept(world.modify(2, previous: root), by: [F.acmeKey])
        let grandchild = try await world.accept(world.modify(3, previous: child), by: [F.acmeKey])
        #expect(try await world.state.status(of: grandchild, at: world.now) == .active)
        #expect(try await world.state.status(of: F.sampleID, at: world.now) == nil)

        let deprecatedAt = world.now + F.hour
        let deprecation = try await world.accept(
            .imageDeprecate(ImageDeprecateRecord(provider: "acme", target: grandchild, after: deprecatedAt, time: world.now)),
            by: [F.acmeKey]
        )
        #expect(try await world.state.status(of: grandchild, at: deprecatedAt - 1) == .active)
        #expect(try await world.state.status(of: grandchild, at: deprecatedAt) == .deprecated(since: deprecatedAt))
        #expect(world.state.records[grandchild]?.deprecation == DeprecationState(record: deprecation, after: deprecatedAt))

        // Root revoked without inherit: only the root.
        let plain = try await world.accept(world.revoke(root, inherit: false), by: [F.acmeKey])
        let plainAt = try #require(world.state.records[root]?.revocation?.effectiveAt)
        #expect(try await world.state.status(of: root, at: world.now) == .revoked(by: plain, inheritedFrom: nil, since: plainAt))
        #expect(try await world.state.status(of: child, at: world.now) == .active)

        // Child revoked with inherit, scheduled: descendants scheduled, then revoked (inherited from the child).
        let at = world.now + 2 * F.hour
        let scheduled = try await world.accept(world.revoke(child, inherit: true, effectiveAt: at), by: [F.acmeKey])
        #expect(try await world.state.status(of: child, at: at - 1) == .scheduled(by: scheduled, inheritedFrom: nil, at: at))
        #expect(
            try await world.state.status(of: grandchild, at: at - 1) == .scheduled(by: scheduled, inheritedFrom: child, at: at)
        )
        #expect(try await world.state.status(of: grandchild, at: at) == .revoked(by: scheduled, inheritedFrom: child, since: at))
        #expect(try await world.state.status(of: child, at: at) == .revoked(by: scheduled, inheritedFrom: nil, since: at))
        #expect(try await world.state.status(of: root, at: at)?.isRevoked == true)
    }

    @Test func statusPurePrecedence() {
        let ids = (1...4).map { RecordID("sha256:" + String(repeating: String(format: "%02x", $0), count: 32))! }
        let revokedRoot = RecordState(
            id: ids[0],
            kind: .imageRegister,
            integratedAt: 0,
            revocation: RevocationState(record: ids[3], effectiveAt: 100, inherit: true, reason: "r")
        )
        let parent = RecordState(
            id: ids[1],
            kind: .imageModify,
            linked: ids[0],
            integratedAt: 1,
            revocation: RevocationState(record: ids[2], effectiveAt: 50, inherit: true, reason: "r")
        )
        let leaf = RecordState(
            id: ids[2],
            kind: .imageModify,
            linked: ids[1],
            integratedAt: 2,
            deprecation: DeprecationState(record: ids[3], after: 10)
        )
        #expect(
            RecordStatus(record: leaf, ancestors: [parent, revokedRoot], at: 5)
                == .scheduled(by: ids[2], inheritedFrom: ids[1], at: 50)
        )
        #expect(
            RecordStatus(record: leaf, ancestors: [parent, revokedRoot], at: 20)
                == .scheduled(by: ids[2], inheritedFrom: ids[1], at: 50)
        )
        #expect(
            RecordStatus(record: leaf, ancestors: [parent, revokedRoot], at: 60)
                == .revoked(by: ids[2], inheritedFrom: ids[1], since: 50)
        )
        #expect(RecordStatus(record: leaf, ancestors: [], at: 20) == .deprecated(since: 10))
        #expect(RecordStatus(record: leaf, ancestors: [], at: 5) == .active)
    }

    // MARK: Plumbing

    @Test func envelopeMustCarryTheRecord() async throws {
        let world = try await RecordsWorld.make()
        let record = world.register(1)
        let other = try world.register(2).signed(by: [F.acmeKey])
        let mismatch = try await world.rules.admit(other, record: record, integrationTime: world.now, state: world.state)
        expectRejected(mismatch, .recordMismatch)
        let wrongType = DSSEEnvelope(payloadType: "application/json", payload: record.encoded(), signatures: other.signatures)
        expectRejected(
            try await world.rules.admit(wrongType, record: record, integrationTime: world.now, state: world.state),
            .recordMismatch
        )
        let garbage = try DSSEEnvelope.sign(payloadType: record.payloadType, payload: Array("{}".utf8), keys: [F.acmeKey])
        let invalid = try await world.rules.admit(garbage, integrationTime: world.now, state: world.state)
        expectRejected(invalid, .invalidRecord)
        #expect(invalid.rejection?.message.contains("missing") == true)
        var copy = world.state
        let decoded = try await copy.admit(try record.signed(by: [F.acmeKey]), integrationTime: world.now)
        #expect(decoded.rejection == nil)
        #expect(copy.records[record.id] != nil)
    }

    @Test func customPoliciesCompose() async throws {
        struct NoQCOW2: AdmissionPolicy {
            func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
                if case .imageRegister(let register) = context.record, register.format == .qcow2 {
                    return .fails(.invalidRecord, "no qcow2 here")
                }
                return .meetsPolicy
            }
        }
        let world = try await RecordsWorld.make()
        let strict = true
        @AdmissionPolicyBuilder var policy: some AdmissionPolicy {
            world.rules.policy
            if strict { NoQCOW2() }
            if strict { EmptyPolicy() } else { NoQCOW2() }
        }
        var record = world.register(1)
        if case .imageRegister(var register) = record {
            register.format = .qcow2
            record = .imageRegister(register)
        }
        let envelope = try record.signed(by: [F.acmeKey])
        let admission = try await world.rules.admit(
            envelope,
            record: record,
            integrationTime: world.now,
            state: world.state,
            policy: policy
        )
        #expect(admission.rejection?.message == "no qcow2 here")
        let plain = try await world.rules.admit(envelope, record: record, integrationTime: world.now, state: world.state)
        #expect(plain.rejection == nil)
    }
}

extension Record {
    /// A copy with another time claim (image-modify only, for tests).
    func withTime(_ time: Int64) -> Record {
        guard case .imageModify(var modify) = self else { return self }
        modify.time = time
        return .imageModify(modify)
    }
}

@Suite("Records v1: signature policies stand alone")
struct RecordsSignaturePolicyTests {
    typealias F = RecordsFixture

    /// Each signature policy refuses on its own (without the presence policies before it in the chain).
    @Test func signaturePoliciesDoNotPassWhatTheyCannotCheck() async throws {
        let world = try await RecordsWorld.make()
        func context(_ record: Record, _ state: InMemoryProvenanceState) throws -> AdmissionContext {
            AdmissionContext(
                envelope: try record.signed(by: [F.acmeKey]),
                record: record,
                recordID: record.id,
                integrationTime: world.now,
                state: state
            )
        }
        let empty = InMemoryProvenanceState()
        let update = world.update(suspended: true)
        #expect(try await AdminSignatures().evaluate(context(update, empty)) == .fails(.noGovernance, ""))
        let register = world.register(1, provider: "nobody")
        #expect(try await ProviderSignatures().evaluate(context(register, world.state)) == .fails(.unknownProvider, ""))
        let rotation = Record.keyRotation(
            KeyRotationRecord(
                provider: "acme",
                oldKeyID: F.globexKey.publicKey.keyID,
                newKey: F.acmeNextKey.publicKey,
                effectiveAt: world.now,
                time: world.now
            )
        )
        #expect(try await KeyRotationSignatures().evaluate(context(rotation, world.state)) == .fails(.unknownKey, ""))
        #expect(try await KeyRotationSignatures().evaluate(context(rotation, empty)) == .fails(.noGovernance, ""))
    }
}
