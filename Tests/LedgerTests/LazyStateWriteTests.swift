import Provenance
import Reputation
import Synchronization
import Testing
import VMTrustTesting

@testable import Ledger

/// The reputation engine's documents are written unencoded (``LazyDocument``) and encoded when the batch is
/// written: the last value of each key once, earlier values of the batch never; reads in the batch see them as
/// before.
@Suite("Lazily encoded state writes")
struct LazyStateWriteTests {
    /// How many times documents were encoded.
    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    /// A write of `value` at `user/<id>` whose encodings are counted.
    static func counted(_ value: UserCredibility, _ count: Counter? = nil) -> StateWrite {
        let change = ReputationChange.user(value)
        let document = LazyDocument(value) {
            count?.increment()
            return try change.value() ?? []
        }
        return StateWrite(namespace: change.namespace, key: change.key, document: document)
    }

    @Test("A lazy write resolves to the bytes of the change; index keys and deletions are bytes already")
    func sameBytes() throws {
        let id = RecordID(payload: Array("r".utf8))
        let changes: [ReputationChange] = [
            .user(UserCredibility(id: "u/1", confirmed: 2.5, rejected: 1)),
            .auditor(AuditorTrust(id: "a", mass: Mass(r: 0.25, s: 3, t: 17))),
            .provider(ProviderReputation(id: "acme")),
            .contribution(key: "k", nil),
            .recordIndex(id, contributionKey: "attestation/acme/a"),
            .recordIndex(id, contributionKey: nil),
            .due(DueEntry(due: 5, report: id), present: true),
            .due(DueEntry(due: 5, report: id), present: false),
        ]
        for change in changes {
            let write = LedgerReputationState.lazyWrite(change)
            let expected = StateWrite(namespace: change.namespace, key: change.key, value: try change.value())
            #expect(try write.resolved() == expected)
            #expect(write == expected)
            #expect(try write.resolved().value == expected.value)
            #expect(write.isDeletion == (expected.value == nil))
        }
    }

    @Test("Only the last value of a key in a batch is encoded, once, and its history copy shares it")
    func lastValueEncodedOnce() throws {
        let counts = (0..<3).map { _ in Counter() }
        let writes = (0..<3).map { index in
            Self.counted(UserCredibility(id: "u", confirmed: Double(index)), counts[index])
        }
        var provider = writes[2]
        provider.namespace = ReputationChange.Namespace.provider
        let copies = ReputationHistory.writes(for: [provider], at: 1_000)
        #expect(copies.count == 1)
        let batch = try StateWrite.lastPerKey(writes + [provider] + copies).map { try $0.resolved() }
        #expect(batch.count == 3)
        #expect(counts[0].value == 0)
        #expect(counts[1].value == 0)
        #expect(counts[2].value == 1)
        let expected = try ReputationChange.user(UserCredibility(id: "u", confirmed: 2)).value()
        #expect(batch.allSatisfy { $0.value == expected })
    }

    @Test("Reads in the batch get the document as written without encoding it, and its bytes when asked")
    func readsInTheBatch() async throws {
        let count = Counter()
        let value = UserCredibility(id: "u", confirmed: 1, rejected: 4)
        var view = StateView(store: InMemoryLedgerStore())
        view.apply([Self.counted(value, count)])
        let read = try await LedgerReputationState(view: view).user(id: "u")
        #expect(read == value)
        #expect(count.value == 0)
        let bytes = try await view.value(namespace: ReputationChange.Namespace.user, key: "u")
        #expect(bytes == (try ReputationChange.user(value).value()))
        #expect(count.value == 1)
        #expect(try await view.keys(namespace: ReputationChange.Namespace.user, prefix: "", limit: 10) == ["u"])
    }

    @Test("A document that cannot be encoded fails when its batch is written, with the encoder's error")
    func unencodable() {
        let write = Self.counted(UserCredibility(id: "u", confirmed: .nan))
        #expect(throws: EncodingError.self) { try write.resolved() }
    }
}
