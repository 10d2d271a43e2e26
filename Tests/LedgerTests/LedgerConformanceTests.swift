import Foundation
import Ledger
import Testing
import TransparencyLog
import VMTrustTesting

/// The storage conformance suite: the same behaviour on every backend.
@Suite("Ledger conformance")
struct LedgerConformanceTests {
    @Test("A new log publishes a signed checkpoint of the empty tree", arguments: Backend.allCases)
    func emptyLog(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        let checkpoint = await ledger.latestCheckpoint
        #expect(checkpoint.size == 0)
        #expect(checkpoint.rootHash == RFC6962.emptyRoot)
        let note = try Note(parsing: Array(checkpoint.note.utf8))
        #expect(try note.verify(using: TestKeys.logVerifiers).count == 1)
        let body = try Checkpoint(parsing: note.text)
        #expect(body.origin == TestKeys.origin)
        #expect(try await handle.store.latestCheckpoint() == checkpoint)
    }

    @Test("Concurrent writes get distinct indexes and receipts that verify offline", arguments: Backend.allCases)
    func concurrentWrites(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        let receipts = try await submitConcurrently(ledger, range: 0..<300)
        #expect(Set(receipts.values.map(\.index)) == Set(0..<300))
        for (n, receipt) in receipts {
            #expect(receipt.recordID == Fixtures.recordID(n))
            #expect(!receipt.duplicate)
            guard case .valid(let checkpoint) = receipt.verify(using: TestKeys.logVerifiers, envelope: Fixtures.envelope(n))
            else {
                Issue.record("receipt \(n) does not verify")
                continue
            }
            #expect(checkpoint.size > receipt.index)
        }
        #expect(await ledger.latestCheckpoint.size == 300)
    }

    @Test("A receipt fails to verify with another envelope, key or proof", arguments: Backend.allCases)
    func receiptNegatives(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        _ = try await submitConcurrently(ledger, range: 0..<5)
        let receipt = try await ledger.submit(envelope: Fixtures.envelope(5), recordID: Fixtures.recordID(5))
        if case .invalid = receipt.verify(using: TestKeys.logVerifiers, envelope: Fixtures.envelope(5)) {
            Issue.record("good receipt rejected")
        }

        #expect(isInvalid(receipt.verify(using: TestKeys.logVerifiers, envelope: Fixtures.envelope(4))))

        let otherLog = try Ed25519NoteSigner(name: TestKeys.origin, seed: Array(repeating: 0x99, count: 32))
        #expect(isInvalid(receipt.verify(using: NoteVerifiers([otherLog.verifier]))))

        var wrongIndex = receipt
        wrongIndex.index = 4
        #expect(isInvalid(wrongIndex.verify(using: TestKeys.logVerifiers)))

        var truncated = receipt
        truncated.inclusionProof.removeLast()
        #expect(isInvalid(truncated.verify(using: TestKeys.logVerifiers)))

        var wrongTime = receipt
        wrongTime.integratedAtMillis += 1
        #expect(isInvalid(wrongTime.verify(using: TestKeys.logVerifiers, envelope: Fixtures.envelope(5))))

        var wrongSize = receipt
        wrongSize.treeSize += 1
        #expect(isInvalid(wrongSize.verify(using: TestKeys.logVerifiers)))
    }

    @Test("An identical record sent again gets its original receipt", arguments: Backend.allCases)
    func deduplication(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        let first = try await ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1))
        _ = try await submitConcurrently(ledger, range: 2..<10)
        let again = try await ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1))
        #expect(again.index == first.index)
        #expect(again.duplicate)
        #expect(again.integratedAtMillis == first.integratedAtMillis)
        #expect(again.leafHash == first.leafHash)
        #expect(again.treeSize == 9)
        guard case .valid = again.verify(using: TestKeys.logVerifiers, envelope: Fixtures.envelope(1)) else {
            Issue.record("duplicate receipt does not verify")
            return
        }
        // The same record many times at once is written once.
        let copies = try await withThrowingTaskGroup(of: Receipt.self) { group in
            for _ in 0..<20 {
                group.addTask { try await ledger.submit(envelope: Fixtures.envelope(50), recordID: Fixtures.recordID(50)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(copies.map(\.index)).count == 1)
        #expect(await ledger.latestCheckpoint.size == 10)
    }

    @Test("Inclusion and consistency proofs verify between every checkpoint", arguments: Backend.allCases)
    func proofs(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store, maxBatchSize: 7)
        var sizes: [UInt64] = [0]
        var roots: [UInt64: TreeHash] = [0: RFC6962.emptyRoot]
        var leaves: [TreeHash] = []
        for round in 0..<6 {
            let receipts = try await submitConcurrently(ledger, range: (round * 13)..<((round + 1) * 13))
            for receipt in receipts.values.sorted(by: { $0.index < $1.index }) {
                leaves.append(try #require(TreeHash(hex: receipt.leafHash)))
            }
            let checkpoint = await ledger.latestCheckpoint
            sizes.append(checkpoint.size)
            roots[checkpoint.size] = checkpoint.rootHash
            #expect(checkpoint.rootHash == MerkleTree.root(leafHashes: leaves))
        }
        for size in sizes {
            #expect(try await ledger.rootHash(size: size) == roots[size])
            for index in stride(from: UInt64(0), to: size, by: 5) {
                let proof = try await ledger.inclusionProof(index: index, size: size)
                #expect(
                    MerkleTree.verifyInclusion(
                        leafHash: leaves[Int(index)],
                        index: index,
                        size: size,
                        proof: proof,
                        root: roots[size]!
                    )
                )
            }
            for older in sizes where older <= size {
                let proof = try await ledger.consistencyProof(from: older, to: size)
                #expect(
                    MerkleTree.verifyConsistency(
                        from: older,
                        to: size,
                        oldRoot: roots[older]!,
                        newRoot: roots[size]!,
                        proof: proof
                    )
                )
            }
        }
        await #expect(throws: LedgerError.self) { try await ledger.inclusionProof(index: 0, size: 1000) }
        await #expect(throws: LedgerError.self) { try await ledger.inclusionProof(index: 78, size: 78) }
        await #expect(throws: LedgerError.self) { try await ledger.consistencyProof(from: 10, to: 5) }
        // Every checkpoint the batches signed is stored, one per size.
        let stored = try await handle.store.checkpoints(in: 0...1000, limit: 1000)
        #expect(Set(stored.map(\.size)).count == stored.count)
        #expect(Set(sizes).isSubset(of: Set(stored.map(\.size))))
    }

    @Test("Proofs stay right when the node cache is tiny and writes run concurrently", arguments: Backend.allCases)
    func tinyCache(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store, maxBatchSize: 5, nodeCacheCapacity: 3)
        _ = try await submitConcurrently(ledger, range: 0..<100)
        // Proofs read while batches are cached (and evict) must still assemble.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await submitConcurrently(ledger, range: 100..<200) }
            for index in stride(from: UInt64(0), to: 100, by: 3) {
                group.addTask {
                    let proof = try await ledger.inclusionProof(index: index, size: 100)
                    let root = try await ledger.rootHash(size: 100)
                    let leaf = try #require(try await handle.store.nodeHashes([NodeID(level: 0, index: index)]).values.first)
                    #expect(MerkleTree.verifyInclusion(leafHash: leaf, index: index, size: 100, proof: proof, root: root))
                }
            }
            try await group.waitForAll()
        }
        #expect(await ledger.latestCheckpoint.size == 200)
    }

    @Test("Proofs for many records at once verify against the latest checkpoint", arguments: Backend.allCases)
    func batchedProofs(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store, maxBatchSize: 9, nodeCacheCapacity: 4)
        let receipts = try await submitConcurrently(ledger, range: 0..<60)
        let checkpoint = await ledger.latestCheckpoint
        let asked = stride(from: 0, to: 60, by: 7).map { Fixtures.recordID($0) } + [Fixtures.recordID(999)]
        let proofs = try await ledger.inclusionProofs(for: asked)
        #expect(proofs.count == asked.count - 1)
        #expect(proofs[Fixtures.recordID(999)] == nil)
        for n in stride(from: 0, to: 60, by: 7) {
            let proof = try #require(proofs[Fixtures.recordID(n)])
            #expect(proof.index == receipts[n]?.index)
            #expect(proof.leafHash.hex == receipts[n]?.leafHash)
            #expect(proof.treeSize == checkpoint.size)
            #expect(
                MerkleTree.verifyInclusion(
                    leafHash: proof.leafHash,
                    index: proof.index,
                    size: checkpoint.size,
                    proof: proof.inclusionProof,
                    root: checkpoint.rootHash
                )
            )
        }
    }

    @Test("A restarted ledger resumes from the stored state", arguments: Backend.allCases)
    func restart(backend: Backend) async throws {
        let handle = try await backend.make()
        let clock = Fixtures.clock()
        let first = try await openLedger(handle.store, clock: clock)
        let early = try await submitConcurrently(first, range: 0..<40)
        let before = await first.latestCheckpoint

        clock.advance(byMillis: 5_000)
        let second = try await openLedger(try await handle.reopen(), clock: clock)
        #expect(await second.latestCheckpoint == before)
        let late = try await submitConcurrently(second, range: 40..<60)
        let after = await second.latestCheckpoint
        #expect(after.size == 60)
        let consistency = try await second.consistencyProof(from: before.size, to: after.size)
        #expect(
            MerkleTree.verifyConsistency(
                from: before.size,
                to: after.size,
                oldRoot: before.rootHash,
                newRoot: after.rootHash,
                proof: consistency
            )
        )
        for receipt in late.values { #expect(receipt.integratedAtMillis == clock.now()) }
        for receipt in early.values { #expect(receipt.integratedAtMillis == clock.now() - 5_000) }
        let duplicate = try await second.submit(envelope: Fixtures.envelope(3), recordID: Fixtures.recordID(3))
        #expect(duplicate.index == early[3]?.index)
    }

    @Test(
        "Several ledgers on one store (replicas) write concurrently: contiguous, one root per size",
        arguments: Backend.allCases
    )
    func replicas(backend: Backend) async throws {
        let handle = try await backend.make()
        // Replicas open concurrently on an empty store: one publishes the empty checkpoint.
        async let openA = openLedger(handle.store, maxBatchSize: 16)
        async let openB = openLedger(try await handle.reopen(), maxBatchSize: 16)
        async let openC = openLedger(try await handle.reopen(), maxBatchSize: 16)
        let replicas = try await [openA, openB, openC]
        let receipts = try await withThrowingTaskGroup(of: [Int: Receipt].self) { group in
            for (offset, replica) in replicas.enumerated() {
                group.addTask { try await submitConcurrently(replica, range: (offset * 80)..<((offset + 1) * 80)) }
                // The same records through two replicas at once are written once.
                group.addTask { try await submitConcurrently(replica, range: 240..<260) }
            }
            var all: [[Int: Receipt]] = []
            for try await part in group { all.append(part) }
            return all
        }
        var indexOf: [Int: UInt64] = [:]
        for part in receipts {
            for (n, receipt) in part {
                if let known = indexOf[n] { #expect(known == receipt.index, "record \(n) got two indexes") }
                indexOf[n] = receipt.index
                guard case .valid = receipt.verify(using: TestKeys.logVerifiers, envelope: Fixtures.envelope(n)) else {
                    Issue.record("receipt of \(n) does not verify")
                    continue
                }
            }
        }
        #expect(indexOf.count == 260)
        #expect(Set(indexOf.values) == Set(0..<260))
        for replica in replicas { try await replica.refresh() }
        let final = await replicas[0].latestCheckpoint
        #expect(final.size == 260)
        for replica in replicas { #expect(await replica.latestCheckpoint == final) }
        // Every stored checkpoint is unique for its size and consistent with the final one.
        let stored = try await handle.store.checkpoints(in: 0...final.size, limit: 10_000)
        #expect(Set(stored.map(\.size)).count == stored.count)
        for checkpoint in stored {
            let proof = try await replicas[Int(checkpoint.size % 3)].consistencyProof(from: checkpoint.size, to: final.size)
            #expect(
                MerkleTree.verifyConsistency(
                    from: checkpoint.size,
                    to: final.size,
                    oldRoot: checkpoint.rootHash,
                    newRoot: final.rootHash,
                    proof: proof
                )
            )
        }
        guard case .passed(let entries, _) = try await LogAuditor(verifiers: TestKeys.logVerifiers).audit(handle.store) else {
            Issue.record("audit failed")
            return
        }
        #expect(entries == 260)
    }

    @Test("Hash tiles and entry bundles follow tlog-tiles", arguments: Backend.allCases)
    func tiles(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store, maxBatchSize: 64)
        let receipts = try await submitConcurrently(ledger, range: 0..<300)
        let leaves = receipts.values.sorted { $0.index < $1.index }.map { TreeHash(hex: $0.leafHash)! }

        let full = try #require(try await ledger.hashTile(TileID(level: 0, index: 0)))
        #expect(try HashTile.decode(full) == Array(leaves[0..<256]))
        let partial = try #require(try await ledger.hashTile(TileID(level: 0, index: 1, width: 44)))
        #expect(try HashTile.decode(partial) == Array(leaves[256..<300]))
        let narrower = try #require(try await ledger.hashTile(TileID(level: 0, index: 1, width: 10)))
        #expect(try HashTile.decode(narrower) == Array(leaves[256..<266]))
        #expect(try await ledger.hashTile(TileID(level: 0, index: 1)) == nil)
        #expect(try await ledger.hashTile(TileID(level: 0, index: 1, width: 45)) == nil)
        // Level 1 holds level-8 nodes: the first 256 leaves' subtree exists, the second does not yet.
        let upper = try #require(try await ledger.hashTile(TileID(level: 1, index: 0, width: 1)))
        #expect(try HashTile.decode(upper) == [MerkleTree.root(leafHashes: leaves[0..<256])])
        #expect(try await ledger.hashTile(TileID(level: 1, index: 0, width: 2)) == nil)

        let bundle = try #require(try await ledger.entryBundle(.entries(index: 0)))
        let entries = try EntryBundle.decode(bundle)
        #expect(entries.count == 256)
        for (index, bytes) in entries.enumerated() {
            #expect(RFC6962.leafHash(bytes) == leaves[index])
            #expect(try LedgerEntry(encoded: bytes).index == UInt64(index))
        }
        let tail = try #require(try await ledger.entryBundle(.entries(index: 1, width: 44)))
        #expect(try EntryBundle.decode(tail).count == 44)
        #expect(try await ledger.entryBundle(.entries(index: 1)) == nil)
    }

    @Test("A failed commit writes nothing and answers every waiter with the error", arguments: [Backend.memory])
    func failedCommit(backend: Backend) async throws {
        let store = InMemoryLedgerStore()
        let ledger = try await openLedger(store)
        struct DiskFull: Error {}
        await store.failNextAppend(DiskFull())
        await #expect(throws: DiskFull.self) {
            _ = try await ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1))
        }
        #expect(await ledger.latestCheckpoint.size == 0)
        #expect(await store.latestCheckpoint()?.size == 0)
        let receipt = try await ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1))
        #expect(receipt.index == 0)
        #expect(!receipt.duplicate)
    }

    @Test("Oversized entries are refused", arguments: Backend.allCases)
    func oversize(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        let big = Fixtures.envelope(1, padding: 50_000)
        #expect(big.count > LedgerEntry.maxEnvelopeSize)
        await #expect(throws: LedgerError.self) {
            _ = try await ledger.submit(envelope: big, recordID: Fixtures.recordID(1, padding: 50_000))
        }
        let fits = Fixtures.envelope(2, padding: 40_000)
        #expect(fits.count <= LedgerEntry.maxEnvelopeSize)
        let receipt = try await ledger.submit(envelope: fits, recordID: Fixtures.recordID(2, padding: 40_000))
        #expect(receipt.index == 0)
        #expect(await ledger.latestCheckpoint.size == 1)
    }

    @Test("Stores refuse a batch that does not start at their size", arguments: Backend.allCases)
    func sequencingConflict(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        _ = try await submitConcurrently(ledger, range: 0..<3)
        let latest = try #require(try await handle.store.latestCheckpoint())
        let stale = LedgerBatch(startSize: 1, entries: [], nodes: [], checkpoint: latest)
        await #expect(throws: LedgerError.self) { try await handle.store.append(stale) }
        #expect(try await handle.store.latestCheckpoint() == latest)
    }

    @Test("A batch that breaks a constraint leaves the store unchanged", arguments: Backend.allCases)
    func atomicBatch(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        _ = try await submitConcurrently(ledger, range: 0..<3)
        // Entry 3 repeats record 0's id: the whole batch must fail.
        var tree = CompactRange()
        for bytes in try await handle.store.entries(0..<3) { _ = tree.append(RFC6962.leafHash(bytes)) }
        let entry = LedgerEntry(index: 3, integratedAtMillis: 0, envelope: Fixtures.envelope(0))
        let nodes = tree.append(entry.leafHash)
        let checkpoint = StoredCheckpoint(size: 4, rootHash: tree.root(), note: "unsigned")
        let batch = LedgerBatch(
            startSize: 3,
            entries: [BatchEntry(entry: entry, recordID: Fixtures.recordID(0))],
            nodes: nodes,
            checkpoint: checkpoint
        )
        await #expect(throws: (any Error).self) { try await handle.store.append(batch) }
        #expect(try await handle.store.latestCheckpoint()?.size == 3)
        #expect(try await handle.store.entries(0..<10).count == 3)
        #expect(try await handle.store.nodeHashes([NodeID(level: 0, index: 3)]).isEmpty)
    }

    @Test("Audit passes on a good log and names the first tampered entry", arguments: Backend.allCases)
    func audit(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store, maxBatchSize: 50)
        _ = try await submitConcurrently(ledger, range: 0..<400)
        var auditor = LogAuditor(verifiers: TestKeys.logVerifiers)
        auditor.chunkSize = 64
        let verdict = try await auditor.audit(handle.store)
        guard case .passed(let entries, let checkpoints) = verdict else {
            Issue.record("audit failed: \(verdict)")
            return
        }
        #expect(entries == 400)
        #expect(checkpoints >= 9)

        var bytes = try #require(try await handle.store.entries(217..<218).first)
        bytes[bytes.count - 3] ^= 0x01
        try await handle.tamper(217, bytes)
        #expect(
            try await auditor.audit(handle.store) == .failed(index: 217, reason: "entry does not hash to its stored leaf hash")
        )

        let wrongKey = try Ed25519NoteSigner(name: TestKeys.origin, seed: Array(repeating: 0x98, count: 32))
        let strictAuditor = LogAuditor(verifiers: NoteVerifiers([wrongKey.verifier]))
        guard case .failed = try await strictAuditor.audit(handle.store) else {
            Issue.record("audit with the wrong log key passed")
            return
        }
    }
}

func isInvalid(_ verdict: ReceiptVerdict) -> Bool {
    if case .invalid = verdict { return true }
    return false
}
