import Testing

@testable import Ledger

/// The ledger's memory of committed point reads across a batch's commit (``CommittedStateCache``).
@Suite("Committed state cache")
struct CommittedStateCacheTests {
    static let key = StateKey(namespace: "reputation-provider", key: "acme")

    static func remembered(_ cache: CommittedStateCache, _ value: [UInt8]) {
        cache.remember(key, value, readAt: cache.lookup(key).generation)
    }

    @Test("A remembered key that a batch rewrites is remembered with its new value once the batch commits")
    func rewrittenKeysStayRemembered() {
        let cache = CommittedStateCache(capacity: 100)
        Self.remembered(cache, [1])
        let write = StateWrite(namespace: Self.key.namespace, key: Self.key.key, value: [2])
        cache.forget([write])
        // While the batch commits, the key is read from the store (old or new value).
        #expect(cache.lookup(Self.key).value == nil)
        cache.apply([write])
        #expect(cache.lookup(Self.key).value == .some([2]))
        // A deletion is remembered as known absent.
        let deletion = StateWrite(namespace: Self.key.namespace, key: Self.key.key, value: nil)
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
        let failed = StateWrite(namespace: Self.key.namespace, key: Self.key.key, value: [2])
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
