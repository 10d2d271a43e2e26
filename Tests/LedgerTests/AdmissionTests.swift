import Foundation
import Ledger
import Provenance
import Synchronization
import Testing
import TransparencyLog
import VMTrustTesting

/// A test policy: records whose payload number is odd are refused; an even record `n > 0` is
/// admitted only when record `n - 2` is already in the state (possibly earlier in the same
/// batch), and records itself under `seen/<n>` plus its parity under `parity/<n>`.
struct ChainPolicy: EntryAdmission {
    struct Refused: Error, Equatable { var n: Int }

    func admit(_ request: AdmissionRequest, state: StateView) async throws -> AdmissionDecision {
        guard let n = request.context as? Int else { return .reject(Refused(n: -1)) }
        if n % 2 == 1 { return .reject(Refused(n: n)) }
        if n > 0, try await state.value(namespace: "seen", key: key(n - 2)) == nil { return .reject(Refused(n: n)) }
        return .admit([
            StateWrite(namespace: "seen", key: key(n), value: Array("\(request.integratedAtMillis)".utf8)),
            StateWrite(namespace: "parity", key: key(n), value: [0]),
        ])
    }

    func key(_ n: Int) -> String { String(format: "%06d", n) }
}

@Suite("Admission and derived state")
struct AdmissionTests {
    func open(_ store: any LedgerStore, clock: TestClock = Fixtures.clock()) async throws -> Ledger {
        try await Ledger(
            store: store,
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: ChainPolicy(),
            clock: { clock.now() }
        )
    }

    @Test("Refused writes get the policy's error, admitted ones consecutive indexes and their state", arguments: Backend.allCases)
    func admission(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await open(handle.store)
        // 0, 2, 4, … chain on each other, even inside one batch; odd ones are refused.
        let results = await withTaskGroup(of: (Int, Result<Receipt, any Error>).self) { group in
            for n in 0..<20 {
                group.addTask {
                    do {
                        return (
                            n,
                            .success(
                                try await ledger.submit(
                                    envelope: Fixtures.envelope(n),
                                    recordID: Fixtures.recordID(n),
                                    context: n
                                )
                            )
                        )
                    } catch {
                        return (n, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [Int: Result<Receipt, any Error>]()) { $0[$1.0] = $1.1 }
        }
        var admitted: [Int: Receipt] = [:]
        for (n, result) in results {
            switch result {
            case .success(let receipt): admitted[n] = receipt
            case .failure(let error): #expect((error as? ChainPolicy.Refused) != nil, "record \(n): \(error)")
            }
        }
        // Every odd record is refused; even records are admitted when their predecessor was
        // sequenced first (concurrent submission order is not fixed, so some may be refused).
        #expect(admitted.keys.allSatisfy { $0 % 2 == 0 })
        #expect(Set(admitted.values.map(\.index)) == Set(0..<UInt64(admitted.count)))
        #expect(await ledger.latestCheckpoint.size == UInt64(admitted.count))
        for n in admitted.keys {
            #expect(try await handle.store.stateValue(namespace: "seen", key: String(format: "%06d", n)) != nil)
        }
        for n in 0..<20 where admitted[n] == nil {
            #expect(try await handle.store.stateValue(namespace: "seen", key: String(format: "%06d", n)) == nil)
        }
    }

    @Test("State written in a batch is visible to later writes of the same batch")
    func overlay() async throws {
        let store = GatedStore()
        let ledger = try await open(store)
        _ = try await ledger.submit(envelope: Fixtures.envelope(0), recordID: Fixtures.recordID(0), context: 0)
        store.closeGate()
        let two = Task { try await ledger.submit(envelope: Fixtures.envelope(2), recordID: Fixtures.recordID(2), context: 2) }
        while store.waitingAppends == 0 { try await Task.sleep(for: .milliseconds(1)) }
        // Record 2's batch is committing; 4 and then 6 queue behind it, in that order.
        let four = Task { try await ledger.submit(envelope: Fixtures.envelope(4), recordID: Fixtures.recordID(4), context: 4) }
        while await ledger.pendingCount < 1 { try await Task.sleep(for: .milliseconds(1)) }
        let six = Task { try await ledger.submit(envelope: Fixtures.envelope(6), recordID: Fixtures.recordID(6), context: 6) }
        while await ledger.pendingCount < 2 { try await Task.sleep(for: .milliseconds(1)) }
        store.openGate()
        #expect(try await two.value.index == 1)
        // 6 depends on 4, which is only in the overlay when 6 is admitted.
        #expect(try await [four.value.index, six.value.index] == [2, 3])
        #expect(store.batchSizes.withLock { $0 } == [0, 1, 1, 2])
        let seen = await store.inner.stateEntries(namespace: "seen", prefix: "", after: nil, limit: 100)
        #expect(seen.map(\.key) == ["000000", "000002", "000004", "000006"])
    }

    @Test("State entries: prefixes, paging, deletes, and survival across a restart", arguments: Backend.allCases)
    func stateStore(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        _ = try await ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1))
        let checkpoint = try #require(try await handle.store.latestCheckpoint())
        // Append a batch with state writes directly (entries-free batches are how a store is
        // exercised without a policy).
        var tree = CompactRange()
        for bytes in try await handle.store.entries(0..<1) { _ = tree.append(RFC6962.leafHash(bytes)) }
        let entry = LedgerEntry(index: 1, integratedAtMillis: 5, envelope: Fixtures.envelope(2))
        let nodes = tree.append(entry.leafHash)
        let writes = [
            StateWrite(namespace: "children", key: "a/1", value: [1]),
            StateWrite(namespace: "children", key: "a/2", value: [2]),
            StateWrite(namespace: "children", key: "a/3", value: [3]),
            StateWrite(namespace: "children", key: "ab/1", value: [4]),
            StateWrite(namespace: "children", key: "b/1", value: [5]),
            StateWrite(namespace: "other", key: "a/1", value: [6]),
            StateWrite(namespace: "children", key: "a/2", value: nil),
            StateWrite(namespace: "children", key: "a/3", value: [33]),
        ]
        try await handle.store.append(
            LedgerBatch(
                startSize: 1,
                entries: [BatchEntry(entry: entry, recordID: Fixtures.recordID(2))],
                nodes: nodes,
                checkpoint: StoredCheckpoint(size: 2, rootHash: tree.root(), note: checkpoint.note),
                stateWrites: writes
            )
        )
        let store = try await handle.reopen()
        let all = try await store.stateEntries(namespace: "children", prefix: "a/", after: nil, limit: 10)
        #expect(all.map(\.key) == ["a/1", "a/3"])
        #expect(all.map(\.value) == [[1], [33]])
        #expect(try await store.stateEntries(namespace: "children", prefix: "a/", after: "a/1", limit: 10).map(\.key) == ["a/3"])
        #expect(
            try await store.stateEntries(namespace: "children", prefix: "a", after: nil, limit: 2).map(\.key) == ["a/1", "a/3"]
        )
        #expect(try await store.stateEntries(namespace: "children", prefix: "", after: nil, limit: 10).count == 4)
        #expect(try await store.stateValue(namespace: "other", key: "a/1") == [6])
        #expect(try await store.stateValue(namespace: "children", key: "a/2") == nil)
        #expect(try await store.stateValue(namespace: "missing", key: "a/1") == nil)
    }
}
