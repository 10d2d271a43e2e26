import Foundation
import Ledger
import Provenance
import Testing
import TransparencyLog
import VMTrustTesting

/// The provenance rules running inside the sequencer, with their state in the store.
@Suite("Provenance on the ledger")
struct ProvenanceLedgerTests {
    static func key(_ byte: UInt8) -> SigningKey { try! SigningKey(ed25519Seed: [UInt8](repeating: byte, count: 32)) }
    static let admin = key(0xA1)
    static let acme = key(0x01)
    static let globex = key(0x11)
    static let t0: Int64 = 1_788_220_800_000

    static func digest(_ byte: UInt8) -> String { "sha256:" + String(repeating: String(format: "%02x", byte), count: 32) }

    struct Log {
        let ledger: Ledger
        let clock: TestClock
        var accepted: [(envelope: DSSEEnvelope, time: Int64)] = []

        mutating func submit(_ record: Record, by keys: [SigningKey]) async throws -> Receipt {
            clock.advance(byMillis: 1000)
            let envelope = try record.signed(by: keys)
            let receipt = try await ledger.submit(
                envelope: envelope.jsonBytes(),
                recordID: RecordID(payload: envelope.payload),
                context: envelope
            )
            accepted.append((envelope, receipt.integratedAtMillis))
            return receipt
        }

        mutating func refused(_ record: Record, by keys: [SigningKey]) async throws -> RecordRejection.Code? {
            do {
                _ = try await submit(record, by: keys)
                return nil
            } catch let rejection as RecordRejection {
                return rejection.code
            }
        }
    }

    func open(_ store: any LedgerStore, clock: TestClock) async throws -> Ledger {
        try await Ledger(
            store: store,
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: TestKeys.admission,
            clock: { clock.now() }
        )
    }

    @Test("A lineage is built, guarded and indexed; its state matches a replay", arguments: Backend.allCases)
    func lineage(backend: Backend) async throws {
        let handle = try await backend.make()
        let clock = Fixtures.clock(startingAt: Self.t0)
        var log = Log(ledger: try await open(handle.store, clock: clock), clock: clock)
        func now() -> Int64 { clock.now() + 1000 }

        _ = try await log.submit(
            .genesis(GenesisRecord(adminKeys: [Self.admin.publicKey], threshold: 1, origin: TestKeys.origin, time: now())),
            by: [Self.admin]
        )
        for (id, key) in [("acme", Self.acme), ("globex", Self.globex)] {
            _ = try await log.submit(
                .providerOnboard(
                    ProviderOnboardRecord(
                        id: id,
                        displayName: id,
                        keys: [KeyGrant(key: key.publicKey)],
                        initialReputation: 60,
                        time: now()
                    )
                ),
                by: [Self.admin]
            )
        }
        let root = try await log.submit(
            .imageRegister(
                ImageRegisterRecord(
                    digest: Self.digest(1),
                    provider: "acme",
                    name: "debian-12",
                    format: .qcow2,
                    size: 1 << 30,
                    initialReputation: 60,
                    time: now()
                )
            ),
            by: [Self.acme]
        )
        let patch = try await log.submit(
            .imageModify(
                ImageModifyRecord(
                    digest: Self.digest(2),
                    provider: "acme",
                    previous: root.recordID,
                    change: .patch,
                    description: "openssl",
                    time: now()
                )
            ),
            by: [Self.acme]
        )
        // Globex may not extend Acme's lineage, whatever it claims.
        let hijack = ImageModifyRecord(
            digest: Self.digest(3),
            provider: "globex",
            previous: patch.recordID,
            change: .update,
            description: "mine now",
            time: now()
        )
        #expect(try await log.refused(.imageModify(hijack), by: [Self.globex]) != nil)
        // Acme's key cannot sign for Globex, and nobody can sign with a stranger's key.
        #expect(
            try await log.refused(
                .imageModify(
                    ImageModifyRecord(
                        digest: Self.digest(4),
                        provider: "acme",
                        previous: patch.recordID,
                        change: .update,
                        description: "x",
                        time: now()
                    )
                ),
                by: [Self.globex]
            ) != nil
        )
        let revoke = try await log.submit(
            .imageRevoke(
                ImageRevokeRecord(
                    provider: "acme",
                    target: root.recordID,
                    reason: "bad base",
                    inherit: true,
                    effectiveAt: nil,
                    time: now()
                )
            ),
            by: [Self.acme]
        )
        // Nothing may build on a revoked record.
        #expect(
            try await log.refused(
                .imageModify(
                    ImageModifyRecord(
                        digest: Self.digest(5),
                        provider: "acme",
                        previous: root.recordID,
                        change: .rebuild,
                        description: "y",
                        time: now()
                    )
                ),
                by: [Self.acme]
            ) != nil
        )
        // Plain payload types still go to the other policy.
        _ = try await log.ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1))

        // The stored state, read after a restart, equals a replay of the accepted envelopes.
        let state = LedgerProvenanceState(store: try await handle.reopen())
        var replay = InMemoryProvenanceState()
        for (envelope, time) in log.accepted {
            guard case .accepted = try await replay.admit(envelope, integrationTime: time) else {
                Issue.record("replay refused a record the ledger accepted")
                return
            }
        }
        #expect(try await state.governance() == (try await replay.governance()))
        for id in ["acme", "globex"] {
            #expect(try await state.provider(id: id) == (try await replay.provider(id: id)))
        }
        for id in [root.recordID, patch.recordID] {
            #expect(try await state.record(id: id) == (try await replay.record(id: id)))
        }
        #expect(try await state.imageRecord(provider: "acme", digest: Self.digest(1)) == root.recordID)
        #expect(try await state.children(of: root.recordID) == [patch.recordID])
        #expect(try await state.records(withDigest: Self.digest(2)) == [patch.recordID])
        #expect(try await state.records(targeting: root.recordID) == [revoke.recordID])
        #expect(try await state.records(targeting: patch.recordID).isEmpty)
        let governance = try await state.governanceRecords(ofProvider: "acme")
        #expect(governance.count == 1)
        #expect(try await state.record(id: try #require(governance.first))?.kind == .providerOnboard)
        let acmeRecords = try await state.records(ofProvider: "acme")
        #expect(acmeRecords.count == 4, "onboarding, register, patch, revoke: \(acmeRecords)")
        #expect(acmeRecords.contains(root.recordID) && acmeRecords.contains(patch.recordID))
        let status = try await state.status(of: patch.recordID, at: clock.now())
        guard case .revoked(_, let inheritedFrom, _) = status else {
            Issue.record("patch should be revoked by inheritance, is \(String(describing: status))")
            return
        }
        #expect(inheritedFrom == root.recordID)
    }

    @Test("Records before genesis, or signed by a non-admin, are refused and change nothing", arguments: Backend.allCases)
    func governance(backend: Backend) async throws {
        let handle = try await backend.make()
        let clock = Fixtures.clock(startingAt: Self.t0)
        var log = Log(ledger: try await open(handle.store, clock: clock), clock: clock)
        let onboard = ProviderOnboardRecord(
            id: "acme",
            displayName: "Acme",
            keys: [KeyGrant(key: Self.acme.publicKey)],
            initialReputation: 50,
            time: clock.now() + 1000
        )
        #expect(try await log.refused(.providerOnboard(onboard), by: [Self.admin]) != nil)
        #expect(
            try await log.refused(
                .genesis(
                    GenesisRecord(
                        adminKeys: [Self.admin.publicKey],
                        threshold: 1,
                        origin: TestKeys.origin,
                        time: clock.now() + 1000
                    )
                ),
                by: [Self.acme]
            ) != nil
        )
        #expect(await log.ledger.latestCheckpoint.size == 0)
        #expect(try await LedgerProvenanceState(store: handle.store).governance() == nil)
    }
}
