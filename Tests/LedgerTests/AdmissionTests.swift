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

/// ``ChainPolicy`` through the bulk reads: record `n - 2` is looked up with ``StateView/values(namespace:keys:)`` and
/// ``StateView/entries(namespace:prefix:after:limit:)`` must list it too (both see the batch's earlier writes).
struct BulkChainPolicy: EntryAdmission {
    func admit(_ request: AdmissionRequest, state: StateView) async throws -> AdmissionDecision {
        guard let n = request.context as? Int else { return .reject(ChainPolicy.Refused(n: -1)) }
        if n % 2 == 1 { return .reject(ChainPolicy.Refused(n: n)) }
        if n > 0 {
            let previous = ChainPolicy().key(n - 2)
            let values = try await state.values(namespace: "seen", keys: [previous, "missing", previous])
            let listed = try await state.entries(namespace: "seen", prefix: "", limit: 1000)
            let found = listed.contains { $0.key == previous && $0.value == values[previous] }
            guard values.keys.sorted() == [previous], found else { return .reject(ChainPolicy.Refused(n: n)) }
        }
        return try await ChainPolicy().admit(request, state: state)
    }
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

    @Test(
        "Bulk reads see the batch's earlier writes, and the committed state after admitted and refused writes and a restart",
        arguments: Backend.allCases
    )
    func bulkReads(backend: Backend) async throws {
        let handle = try await backend.make()
        let clock = Fixtures.clock()
        let open: @Sendable (any LedgerStore) async throws -> Ledger = { store in
            try await Ledger(
                store: store,
                signer: TestKeys.logSigner,
                configuration: LedgerConfiguration(origin: TestKeys.origin),
                admission: BulkChainPolicy(),
                clock: { clock.now() }
            )
        }
        let ledger = try await open(handle.store)
        let keys = (0..<12).map { ChainPolicy().key($0) }
        // Every key is read (and remembered absent) before any write.
        #expect(try await ledger.committedState.values(namespace: "seen", keys: keys).isEmpty)
        func check(_ ledger: Ledger, _ store: any LedgerStore, admitted: [Int]) async throws {
            let expected = try await store.stateValues(namespace: "seen", keys: keys)
            #expect(expected.keys.sorted() == admitted.map { ChainPolicy().key($0) })
            #expect(try await ledger.committedState.values(namespace: "seen", keys: keys) == expected)
            let listed = try await ledger.committedState.entries(namespace: "seen", prefix: "", limit: 100)
            #expect(listed.map(\.key) == expected.keys.sorted())
            #expect(listed.map(\.value) == expected.keys.sorted().map { expected[$0]! })
        }
        var admitted: [Int] = []
        for n in [0, 1, 2, 5, 4, 8, 6] {
            clock.advance(byMillis: 1000)
            do {
                _ = try await ledger.submit(envelope: Fixtures.envelope(n), recordID: Fixtures.recordID(n), context: n)
                admitted.append(n)
            } catch let error as ChainPolicy.Refused {
                #expect(error.n == n)
            }
            try await check(ledger, handle.store, admitted: admitted.sorted())
        }
        #expect(admitted == [0, 2, 4, 6])
        let reopened = try await handle.reopen()
        try await check(try await open(reopened), reopened, admitted: [0, 2, 4, 6])
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
        let store = try await Self.appendSecondEntry(writes, backend: backend)
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
        // Bulk reads: present keys only, a deleted or unknown key absent, no key of another namespace, repeats read once.
        let bulk = try await store.stateValues(
            namespace: "children",
            keys: ["a/1", "a/2", "a/3", "a/3", "zz", "ab/1", "", "a/1/"]
        )
        #expect(bulk == ["a/1": [1], "a/3": [33], "ab/1": [4]])
        #expect(try await store.stateValues(namespace: "other", keys: ["a/1", "a/3"]) == ["a/1": [6]])
        #expect(try await store.stateValues(namespace: "missing", keys: ["a/1"]).isEmpty)
        #expect(try await store.stateValues(namespace: "children", keys: []).isEmpty)
        // Every bulk answer equals the point reads of its keys.
        let keys = ["a/1", "a/2", "a/3", "ab/1", "b/1", "b/2"]
        let values = try await store.stateValues(namespace: "children", keys: keys)
        for key in keys {
            #expect(values[key] == (try await store.stateValue(namespace: "children", key: key)), "\(key)")
        }
    }

    @Test("Bulk state reads: many keys in one read, odd keys, values of every size", arguments: Backend.allCases)
    func bulkStateValues(backend: Backend) async throws {
        // 1,500 keys (more than SQLite's and PostgreSQL's usual bind limits in one IN list), quotes, percent signs,
        // non-ASCII, and values from empty to 64 KiB.
        var writes: [StateWrite] = []
        for n in 0..<1500 {
            let value = n % 500 == 0 ? [UInt8](repeating: UInt8(n % 251), count: 65536) : Array("v\(n)".utf8)
            writes.append(StateWrite(namespace: "bulk", key: "k/\(n)", value: value))
        }
        writes.append(StateWrite(namespace: "bulk", key: "it's 100% \"odd\" — ключ", value: []))
        writes.append(StateWrite(namespace: "bulk", key: "k/7", value: nil))
        let store = try await Self.appendSecondEntry(writes, backend: backend)
        let asked = (0..<1600).map { "k/\($0)" } + ["it's 100% \"odd\" — ключ", "k/%", "K/1"]
        let values = try await store.stateValues(namespace: "bulk", keys: asked)
        #expect(values.count == 1500)
        #expect(values["k/7"] == nil)
        #expect(values["k/1500"] == nil)
        #expect(values["k/%"] == nil && values["K/1"] == nil)
        #expect(values["it's 100% \"odd\" — ключ"] == [])
        #expect(values["k/3"] == Array("v3".utf8))
        #expect(values["k/1000"] == [UInt8](repeating: UInt8(1000 % 251), count: 65536))
        #expect(try await store.stateValues(namespace: "bulk", keys: ["k/3"]) == ["k/3": Array("v3".utf8)])
    }

    /// A fresh store of `backend` holding one submitted entry, then a second entry with `writes` appended to the store
    /// directly (no admission: how a store is exercised without a policy), reopened as after a restart.
    private static func appendSecondEntry(_ writes: [StateWrite], backend: Backend) async throws -> any LedgerStore {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        _ = try await ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1))
        let checkpoint = try #require(try await handle.store.latestCheckpoint())
        var tree = CompactRange()
        for bytes in try await handle.store.entries(0..<1) { _ = tree.append(RFC6962.leafHash(bytes)) }
        let entry = LedgerEntry(index: 1, integratedAtMillis: 5, envelope: Fixtures.envelope(2))
        let nodes = tree.append(entry.leafHash)
        try await handle.store.append(
            LedgerBatch(
                startSize: 1,
                entries: [BatchEntry(entry: entry, recordID: Fixtures.recordID(2))],
                nodes: nodes,
                checkpoint: StoredCheckpoint(size: 2, rootHash: tree.root(), note: checkpoint.note),
                stateWrites: writes
            )
        )
        return try await handle.reopen()
    }
}
