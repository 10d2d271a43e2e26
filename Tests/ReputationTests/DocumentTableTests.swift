import DeterministicRandom
import Testing

@testable import Reputation

/// The interned document table of ``InMemoryReputationState`` against a plain dictionary on random operations.
@Suite struct DocumentTableTests {
    /// Reads, remembered-slot lookups, takes (the slot is empty until given back) and sets answer what the
    /// dictionary holds; the sorted keys and the listing equal the dictionary's.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func tableMatchesDictionary(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = DocumentTable<LineageCredit>()
        var reference: [String: LineageCredit] = [:]
        func key(_ n: Int) -> String { n % 3 == 0 ? "p\(n)" : "provider-with-a-long-name-\(n % 11)/lineage-\(n)" }
        for step in 0..<4_000 {
            let k = key(Int.random(in: 0..<200, using: &random))
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                let value = LineageCredit(key: k, lastCredit: Int64(step))
                table.set(k, value)
                reference[k] = value
            case 1:
                // The rules' take-then-give-back, changed or not.
                let taken = table.take(k)
                #expect(taken == reference[k])
                #expect(table.value(k) == nil)
                if var value = taken {
                    if Bool.random(using: &random) { value.lastCredit += 1 }
                    table.set(k, value)
                    reference[k] = value
                }
            case 2:
                #expect(table.lookup(k) == reference[k])
                if var value = table.lookup(k) {
                    value.lastCredit -= 1
                    table.set(value.key, value)
                    reference[k] = value
                }
            default:
                let other = key(Int.random(in: 0..<200, using: &random))
                #expect(table.lookup(other) == reference[other])
            }
            let probe = key(Int.random(in: 0..<200, using: &random))
            #expect(table.value(probe) == reference[probe])
            #expect(table.lookup(probe) == reference[probe])
            #expect(table.lookup(k) == reference[k])
        }
        #expect(table.documents == reference)
        #expect(table.sortedKeys == reference.keys.sorted())
    }

    /// Equality is by content: the same documents set in another order are equal; a changed or missing one is not.
    @Test func equalityIgnoresSlots() {
        var first = DocumentTable<LineageCredit>()
        first.set("a", LineageCredit(key: "a", lastCredit: 1))
        first.set("b", LineageCredit(key: "b", lastCredit: 2))
        var second = DocumentTable<LineageCredit>()
        second.set("b", LineageCredit(key: "b", lastCredit: 2))
        second.set("a", LineageCredit(key: "a", lastCredit: 1))
        #expect(first == second)
        var changed = second
        changed.set("a", LineageCredit(key: "a", lastCredit: 3))
        #expect(first != changed)
        var taken = second
        _ = taken.take("b")
        #expect(first != taken)
        #expect(taken.sortedKeys == ["a"])
    }
}
