import Foundation
import Ledger
import Policy
import Provenance
import Synchronization
import Testing
import TransparencyLog
import VMTrustTesting

@Suite("Policy facts at one checkpoint")
struct PolicyFactSourceTests {
    @Test("A read that a commit overtakes is read again, at the new checkpoint", arguments: Backend.allCases)
    func readAgainWhenTheLogGrows(backend: Backend) async throws {
        let handle = try await backend.make()
        let ledger = try await openLedger(handle.store)
        _ = try await ledger.submit(envelope: Fixtures.envelope(0), recordID: Fixtures.recordID(0))
        let attempts = Mutex<[UInt64]>([])
        let size = try await ledger.readPolicyFacts(signers: SignerKeyCache()) { source in
            let first = attempts.withLock {
                $0.append(source.checkpoint.size)
                return $0.count == 1
            }
            // The first attempt is overtaken by a commit: its answer must not be used.
            if first { _ = try await ledger.submit(envelope: Fixtures.envelope(1), recordID: Fixtures.recordID(1)) }
            return source.checkpoint.size
        }
        #expect(attempts.withLock { $0 } == [1, 2])
        #expect(size == 2)
        let checkpoint = await ledger.latestCheckpoint
        let root = try await ledger.readPolicyFacts(signers: SignerKeyCache()) { $0.checkpoint.rootHash }
        #expect(root == checkpoint.rootHash.base64)
    }

    @Test("Reads racing commits only ever answer for the checkpoint the store was at", arguments: Backend.allCases)
    func readsRacingCommits(backend: Backend) async throws {
        let handle = try await backend.make()
        let store = handle.store
        let ledger = try await openLedger(store)
        _ = try await ledger.submit(envelope: Fixtures.envelope(0), recordID: Fixtures.recordID(0))
        let writes = 60
        let answers = try await withThrowingTaskGroup(of: [(UInt64, UInt64, UInt64)].self) { group in
            group.addTask {
                for n in 1...writes {
                    _ = try await ledger.submit(envelope: Fixtures.envelope(n), recordID: Fixtures.recordID(n))
                }
                return []
            }
            for _ in 0..<4 {
                group.addTask {
                    var answers: [(UInt64, UInt64, UInt64)] = []
                    for _ in 0..<150 {
                        // The store's checkpoint before and after the body's reads: a kept answer must have seen
                        // no commit, at the checkpoint the source claims.
                        answers.append(
                            try await ledger.readPolicyFacts(signers: SignerKeyCache()) { source in
                                let before = try await store.latestCheckpoint()?.size ?? 0
                                await Task.yield()
                                let after = try await store.latestCheckpoint()?.size ?? 0
                                return (source.checkpoint.size, before, after)
                            }
                        )
                    }
                    return answers
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(answers.count == 600)
        for (claimed, before, after) in answers {
            #expect(claimed == before && before == after)
        }
        let last = try await ledger.readPolicyFacts(signers: SignerKeyCache()) { $0.checkpoint.size }
        #expect(last == UInt64(writes + 1))
    }

    @Test("An unknown digest has no image, provider or reputation facts")
    func unknownImage() async throws {
        let ledger = try await openLedger(InMemoryLedgerStore())
        let facts = try await ledger.readPolicyFacts(signers: SignerKeyCache()) { source in
            try await source.facts(
                for: AuthorizationRequest(user: "alice", image: "sha256:" + String(repeating: "0", count: 64), time: 0)
            )
        }
        #expect(facts.image == nil && facts.provider == nil && facts.reputation == nil && facts.attestations.isEmpty)
        #expect(facts.checkpoint.size == 0)
    }
}
