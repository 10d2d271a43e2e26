import Foundation
import Ledger
import Provenance
import Reputation
import Testing
import TransparencyLog
import VMTrustTesting

/// The sequencer admits a batch's records against a view of the state with the batch's earlier writes on top,
/// hands later records the documents earlier ones wrote without decoding them, and stores only the last write of
/// each key. These tests check that none of it shows: a log written in batches holds the derived state, byte for
/// byte, that admitting its entries one by one gives, and every JSON document has the bytes Foundation's
/// `JSONEncoder` (sorted keys) gives it.
@Suite("Derived state of batched admission")
struct BatchedStateTests {
    typealias S = WorkedExampleScenario

    /// The admission of `vmtrust serve`: provenance rules, the reputation engine, the history copies.
    static var admission: any EntryAdmission { ReputationHistoryAdmission(TestKeys.admission) }

    static func ledger(_ store: InMemoryLedgerStore, _ clock: TestClock) async throws -> Ledger {
        try await Ledger(
            store: store,
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: admission,
            clock: { clock.now() }
        )
    }

    static func submit(_ step: S.Step, to ledger: Ledger) async throws -> Bool {
        let envelope = try step.record.signed(by: step.keys)
        do {
            _ = try await ledger.submit(envelope: envelope.jsonBytes(), recordID: step.record.id, context: envelope)
            return true
        } catch is RecordRejection {
            return false
        }
    }

    /// A random record stream admitted in batches of up to `batch` records submitted together at one time.
    static func batchedLog(seed: UInt64, records: Int, batch: Int) async throws -> InMemoryLedgerStore {
        let store = InMemoryLedgerStore()
        var stream = RecordStream(seed: seed, start: S.at(0))
        let clock = Fixtures.clock(startingAt: S.at(0))
        let ledger = try await ledger(store, clock)
        for step in stream.setup() {
            #expect(try await submit(step, to: ledger))
        }
        var admitted = 0
        while admitted < records {
            stream.tick()
            clock.set(stream.time)
            let count = Int.random(in: 1...batch, using: &stream.random)
            var steps: [S.Step] = []
            for _ in 0..<count { steps.append(stream.take()) }
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for step in steps {
                    group.addTask { try await submit(step, to: ledger) }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            admitted += results.filter { $0 }.count
        }
        return store
    }

    /// The log of `store` admitted again entry by entry (one record per batch), each at its integration time.
    static func sequentialReplay(of store: InMemoryLedgerStore) async throws -> InMemoryLedgerStore {
        let replayed = InMemoryLedgerStore()
        let size = try #require(await store.latestCheckpoint()).size
        let clock = Fixtures.clock()
        let ledger = try await ledger(replayed, clock)
        for bytes in await store.entries(0..<size) {
            let entry = try LedgerEntry(encoded: bytes)
            clock.set(entry.integratedAtMillis)
            let envelope = try DSSEEnvelope(json: entry.envelope)
            _ = try await ledger.submit(envelope: entry.envelope, recordID: RecordID(payload: envelope.payload))
        }
        #expect(
            try #require(await replayed.latestCheckpoint()).rootHash == (try #require(await store.latestCheckpoint())).rootHash
        )
        return replayed
    }

    @Test("a log admitted in batches holds the derived state of its entries admitted one by one", arguments: [1, 2] as [UInt64])
    func batchedEqualsSequential(seed: UInt64) async throws {
        let batched = try await Self.batchedLog(seed: seed, records: 250, batch: 8)
        let sequential = try await Self.sequentialReplay(of: batched)
        let left = await batched.allStateForTesting()
        let right = await sequential.allStateForTesting()
        #expect(Set(left.keys) == Set(right.keys))
        for namespace in Set(left.keys).union(right.keys).sorted() {
            let l = left[namespace] ?? [:]
            let r = right[namespace] ?? [:]
            #expect(Set(l.keys) == Set(r.keys), "namespace \(namespace): keys differ")
            for (key, value) in l where r[key] != value {
                Issue.record("\(namespace)/\(key) differs between batched and sequential admission")
            }
        }
        // The stream exercised what batching changes: documents written twice in a batch, history copies. (Its image
        // registrations are mostly refused, so attestations are checked by `attestationsOfOneImageInOneBatch`.)
        #expect((left["reputation-history"]?.count ?? 0) > 10)
        #expect((left["reputation-obligation"]?.count ?? 0) > 5)
    }

    /// Attestations about one image in one batch (the append benchmark's case): each replaces the last of
    /// the same auditor, subject and type, so the batch writes the same contribution, provider document and
    /// history copy again and again.
    @Test func attestationsOfOneImageInOneBatch() async throws {
        let store = InMemoryLedgerStore()
        var stream = RecordStream(seed: 9, start: S.at(0))
        let clock = Fixtures.clock(startingAt: S.at(0))
        let ledger = try await Self.ledger(store, clock)
        for step in stream.setup() {
            #expect(try await Self.submit(step, to: ledger))
        }
        // A registered image first.
        var registered: String?
        while registered == nil {
            stream.tick()
            clock.set(stream.time)
            let step = stream.take()
            if try await Self.submit(step, to: ledger), case .imageRegister(let register) = step.record {
                registered = register.digest
            }
        }
        stream.tick()
        clock.set(stream.time)
        let digest = try #require(registered)
        // Two auditors, twelve distinct audits each.
        let steps = (0..<24).map { index in
            let predicate = AuditPredicate(
                result: .warned,
                score: index * 4,
                controlsChecked: 30,
                controlsPassed: index,
                scope: .image
            )
            let statement = InTotoStatement(
                subjects: [ResourceDescriptor(imageDigest: digest)],
                predicate: .audit(predicate)
            )
            return S.Step(
                time: stream.time,
                record: .attestation(AttestationRecord(statement: statement)),
                keys: [index % 2 == 0 ? S.a1 : S.a2]
            )
        }
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for step in steps {
                group.addTask { try await Self.submit(step, to: ledger) }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 })
        let sequential = try await Self.sequentialReplay(of: store)
        let left = await store.allStateForTesting()
        let right = await sequential.allStateForTesting()
        #expect(left == right)
        #expect(left["reputation-contribution"]?.isEmpty == false)
        #expect((left["attestations"]?.count ?? 0) >= 24)
    }

    @Test("every stored document has the bytes of Foundation's JSONEncoder with sorted keys")
    func documentsHaveFoundationBytes() async throws {
        let store = try await Self.batchedLog(seed: 3, records: 250, batch: 6)
        let state = await store.allStateForTesting()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var checked: [String: Int] = [:]
        func check<T: Codable>(_ type: T.Type, _ namespace: String) throws {
            for (key, bytes) in state[namespace] ?? [:] {
                let document = try JSONDecoder().decode(T.self, from: Data(bytes))
                #expect(Array(try encoder.encode(document)) == bytes, "\(namespace)/\(key)")
                #expect(try DocumentJSON.encode(document) == bytes, "\(namespace)/\(key)")
                checked[namespace, default: 0] += 1
            }
        }
        try check(GovernanceState.self, "governance")
        try check(ProviderState.self, "provider")
        try check(UserState.self, "user")
        try check(RecordState.self, "record")
        try check(AuditorState.self, "auditor")
        try check(PublishedPolicyState.self, "policy")
        try check(PublishedPolicyState.self, "policy-current")
        try check(BreakGlassState.self, "break-glass")
        try check(CertifierState.self, "certifier")
        try check(ParameterHistory.self, ReputationChange.Namespace.parameters)
        try check(ProviderReputation.self, ReputationChange.Namespace.provider)
        try check(Contribution.self, ReputationChange.Namespace.contribution)
        try check(AuditorTrust.self, ReputationChange.Namespace.auditor)
        try check(UserCredibility.self, ReputationChange.Namespace.user)
        try check(Obligation.self, ReputationChange.Namespace.obligation)
        try check(ClusterWindow.self, ReputationChange.Namespace.cluster)
        try check(FeedbackWindow.self, ReputationChange.Namespace.feedbackWindow)
        try check(LineageCredit.self, ReputationChange.Namespace.lineage)
        try check(ProviderReputation.self, ReputationHistory.namespace)
        for namespace in [
            "governance", "provider", "user", "record", "auditor", ReputationChange.Namespace.provider,
            ReputationChange.Namespace.contribution, ReputationChange.Namespace.auditor, ReputationChange.Namespace.obligation,
            ReputationHistory.namespace,
        ] {
            #expect((checked[namespace] ?? 0) > 0, "no \(namespace) document was checked")
        }
    }
}
