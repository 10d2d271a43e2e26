import Foundation
import Provenance
import Reputation
import Testing
import TransparencyLog
import VMTrustTesting

@testable import Ledger

/// The ledger's memory of committed point reads across a batch's commit (``CommittedStateCache``).
@Suite("Committed state cache")
struct CommittedStateCacheTests {
    static let key = StateKey(namespace: "reputation-provider", key: "acme")

    static func remembered(_ cache: CommittedStateCache, _ value: [UInt8]) {
        cache.remember(key, value, readAt: cache.lookup(key).generation)
    }

    /// A write of ``key``.
    static func write(_ value: [UInt8]?) -> StateWrite {
        StateWrite(namespace: key.namespace, key: key.key, value: value)
    }

    @Test("A remembered key that a batch rewrites is remembered with its new value once the batch commits")
    func rewrittenKeysStayRemembered() {
        let cache = CommittedStateCache(capacity: 100)
        Self.remembered(cache, [1])
        let write = Self.write([2])
        cache.forget([write])
        // While the batch commits, the key is read from the store (old or new value).
        #expect(cache.lookup(Self.key).value == nil)
        cache.apply([write])
        #expect(cache.lookup(Self.key).value == .some([2]))
        // A deletion is remembered as known absent.
        let deletion = Self.write(nil)
        cache.forget([deletion])
        cache.apply([deletion])
        #expect(cache.lookup(Self.key).value == .some(nil))
    }

    @Test("A key never remembered stays unremembered when a batch writes it")
    func unrememberedKeysStayUnremembered() {
        let cache = CommittedStateCache(capacity: 100)
        let write = StateWrite(namespace: "children", key: "sha256:ab", value: [1])
        cache.forget([write])
        cache.apply([write])
        #expect(cache.lookup(StateKey(namespace: "children", key: "sha256:ab")).value == nil)
    }

    @Test("A batch whose commit failed leaves its keys unremembered; the next batch remembers only what it writes")
    func failedCommitForgets() {
        let cache = CommittedStateCache(capacity: 100)
        Self.remembered(cache, [1])
        let failed = Self.write([2])
        cache.forget([failed])
        // The commit failed: no apply. The next batch writes another key.
        let other = StateWrite(namespace: "attestation-count", key: "sha256:cd", value: [9])
        cache.forget([other])
        cache.apply([other])
        #expect(cache.lookup(Self.key).value == nil)
        // A read that started before a commit is not remembered.
        let generation = cache.lookup(Self.key).generation
        cache.forget([other])
        cache.apply([other])
        cache.remember(Self.key, [1], readAt: generation)
        #expect(cache.lookup(Self.key).value == nil)
    }
}

extension CommittedStateCacheTests {
    @Test("A range read is remembered across batches until a batch writes its namespace")
    func rangesAcrossBatches() {
        let cache = CommittedStateCache(capacity: 100)
        let range = RangeKey(namespace: "reputation-due", prefix: "", after: nil, limit: 256)
        cache.rememberRange(range, ["a", "b"], readAt: cache.generation)
        let other = StateWrite(namespace: "reputation-provider", key: "acme", value: [1])
        cache.forget([other])
        cache.apply([other])
        #expect(cache.range(range) == ["a", "b"])
        let due = StateWrite(namespace: "reputation-due", key: "c", value: [])
        cache.forget([due])
        #expect(cache.range(range) == nil)
        cache.apply([due])
        #expect(cache.range(range) == nil)
        // A range read that raced a commit is not remembered.
        let generation = cache.generation
        cache.forget([other])
        cache.apply([other])
        cache.rememberRange(range, ["a"], readAt: generation)
        #expect(cache.range(range) == nil)
    }

    @Test("A remembered key written as a document keeps the document as its decoded value")
    func documentsStayDecoded() throws {
        let cache = CommittedStateCache(capacity: 100)
        Self.remembered(cache, [1])
        let value = UserCredibility(id: "u", confirmed: 3)
        let lazy = StateWrite(
            namespace: Self.key.namespace,
            key: Self.key.key,
            document: LazyDocument(value) { try ReputationChange.user(value).value() ?? [] }
        )
        let resolved = try lazy.resolved()
        cache.forget([resolved])
        cache.apply([resolved], documents: [lazy])
        #expect(cache.lookup(Self.key).value == .some(resolved.value))
        #expect(cache.decoded(Self.key, as: UserCredibility.self) == value)
        // Written as bytes: no decoded value.
        let bytes = Self.write(resolved.value)
        cache.forget([bytes])
        cache.apply([bytes], documents: [bytes])
        #expect(cache.decoded(Self.key, as: UserCredibility.self) == nil)
    }
}

/// Range reads of the derived state bounded above (``StateView/keys(namespace:prefix:after:before:limit:)``), as the
/// reputation engine reads its due-date queue on every event.
@Suite("Bounded range reads")
struct BoundedRangeReadTests {
    @Test("Keys below a bound are the unbounded keys filtered, over stored and pending keys, with deletions")
    func boundedEqualsFiltered() async throws {
        let store = InMemoryLedgerStore()
        let stored = (0..<40).map { String(format: "%04d", $0 * 5) }
        try await store.append(
            LedgerBatch(
                startSize: 0,
                entries: [],
                nodes: [],
                checkpoint: StoredCheckpoint(size: 0, rootHash: TreeHash(bytes: [UInt8](repeating: 0, count: 32))!, note: ""),
                stateWrites: stored.map { StateWrite(namespace: "due", key: $0, value: []) }
            )
        )
        var view = StateView(batchOver: store)
        // Pending: new keys between the stored ones, and deletions of some stored ones.
        view.apply((0..<30).map { StateWrite(namespace: "due", key: String(format: "%04d", $0 * 7), value: []) })
        view.apply(["0010", "0035", "0100"].map { StateWrite(namespace: "due", key: $0, value: nil) })
        // And a record's layer above the batch's writes: more keys, a deletion of a pending one.
        view = view.layered()
        view.apply(["0003", "0042", "0500"].map { StateWrite(namespace: "due", key: $0, value: []) })
        view.apply([StateWrite(namespace: "due", key: "0007", value: nil)])
        for before in ["0000", "0001", "0003", "0004", "0036", "0100", "0101", "0999", "9999"] {
            for after in [nil, "0010", "0050"] as [String?] {
                for limit in [1, 5, 256] {
                    let all = try await view.keys(namespace: "due", prefix: "", after: after, limit: 1_000)
                    let bounded = try await view.keys(namespace: "due", prefix: "", after: after, before: before, limit: limit)
                    #expect(bounded == Array(all.filter { $0 < before }.prefix(limit)), "before \(before) after \(after ?? "-")")
                }
            }
        }
    }

    @Test("The due queue read by the reputation engine answers only the entries due before the time asked")
    func dueObligations() async throws {
        let report = RecordID(payload: Array("report".utf8))
        var view = StateView(store: InMemoryLedgerStore())
        view.apply(
            [5, 10, 10, 20, 30].enumerated().map { offset, due in
                StateWrite(
                    namespace: ReputationChange.Namespace.due,
                    key: DueEntry(due: Int64(due), report: RecordID(payload: Array("report-\(offset)".utf8))).key,
                    value: []
                )
            } + [StateWrite(namespace: ReputationChange.Namespace.due, key: DueEntry(due: 0, report: report).key, value: [])]
        )
        let state = LedgerReputationState(view: view)
        #expect(try await state.dueObligations(before: 0, after: nil, limit: 10).isEmpty)
        #expect(try await state.dueObligations(before: 10, after: nil, limit: 10).map(\.due) == [0, 5])
        #expect(try await state.dueObligations(before: 11, after: nil, limit: 10).map(\.due) == [0, 5, 10, 10])
        #expect(try await state.dueObligations(before: 11, after: nil, limit: 3).map(\.due) == [0, 5, 10])
        let first = try await state.dueObligations(before: 100, after: nil, limit: 1)
        #expect(try await state.dueObligations(before: 100, after: first.last, limit: 10).map(\.due) == [5, 10, 10, 20, 30])
    }
}
