import DeterministicRandom
import Provenance
import Testing

@testable import Reputation

/// The interned contribution table of ``InMemoryReputationState`` against two plain dictionaries (contributions by
/// key, record → key) on random operations.
@Suite struct ContributionTableTests {
    /// An issue report's key, written in place, is `issue/` and the record id's text.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func issueKeyIsTheRecordText(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<500 {
            let record = withUnsafeBytes(of: (random.next(), random.next())) { RecordID(payload: $0) }
            #expect(ContributionKey.issue(record) == "issue/" + record.description)
        }
    }

    /// Every read (remembered-slot lookups included) answers what the dictionaries hold, after random sets, deletes,
    /// re-creations and record index changes; the listings equal the dictionaries.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func tableMatchesDictionaries(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = ContributionTable()
        var contributions: [String: Contribution] = [:]
        var index: [RecordID: String] = [:]
        func key(_ n: Int) -> String { n % 2 == 0 ? "rating/provider-\(n % 7)/user-\(n)" : "issue/\(n)" }
        func record(_ n: Int) -> RecordID { RecordID(payload: Array("record \(n)".utf8)) }
        for step in 0..<4_000 {
            let k = key(Int.random(in: 0..<300, using: &random))
            let r = record(Int.random(in: 0..<500, using: &random))
            switch Int.random(in: 0..<6, using: &random) {
            case 0, 1:
                let value = Contribution(
                    key: k,
                    provider: "provider",
                    record: r,
                    dimension: .fb,
                    r: Double(step),
                    s: 1,
                    t: Int64(step)
                )
                table.set(k, value)
                contributions[k] = value
            case 2:
                table.set(k, nil)
                contributions[k] = nil
            case 3:
                table.setKey(of: r, k)
                index[r] = k
            case 4:
                table.setKey(of: r, nil)
                index[r] = nil
            default:
                // The rules' pattern: read, then write and index under the same key.
                #expect(table.lookup(k) == contributions[k])
                if var value = table.lookup(k) {
                    value.r += 1
                    table.set(k, value)
                    contributions[k] = value
                    table.setKey(of: value.record, k)
                    index[value.record] = k
                }
            }
            let probe = key(Int.random(in: 0..<300, using: &random))
            #expect(table.value(probe) == contributions[probe])
            #expect(table.lookup(probe) == contributions[probe])
            #expect(table.lookup(k) == contributions[k])
            #expect(table.key(of: r) == index[r])
        }
        #expect(table.contributions == contributions)
        #expect(table.recordIndex == index)
        #expect(table.internedCount <= 300)
    }

    /// Keys named by parts (packed integers, an issue's record) or by text reach the same slots, and reads and
    /// writes by slot answer what dictionaries by key text hold: first with keys named by parts only (their texts not
    /// yet indexed), then with both.
    @Test(arguments: [4, 5, 6] as [UInt64])
    func slotsMatchDictionaries(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = ContributionTable()
        var contributions: [String: Contribution] = [:]
        var index: [RecordID: String] = [:]
        func record(_ n: Int) -> RecordID { RecordID(payload: Array("record \(n)".utf8)) }
        func text(_ n: Int) -> String { n % 2 == 0 ? "rating/provider-\(n % 7)/user-\(n)" : ContributionKey.issue(record(n)) }
        var textBuilt = 0
        func slot(_ n: Int, byText: Bool) -> Int32 {
            switch byText ? Int.random(in: 0..<3, using: &random) : 1 {
            case 0:
                return table.slot(text: text(n))
            default:
                let build = {
                    textBuilt += 1
                    return text(n)
                }
                return n % 2 == 0
                    ? table.slot(
                        packed: PackedKey(high: 1 << 62 | UInt64(n % 7), low: UInt64(n)),
                        distinctText: true,
                        text: build
                    )
                    : table.slot(issue: record(n), text: build)
            }
        }
        for step in 0..<4_000 {
            let n = Int.random(in: 0..<300, using: &random)
            let k = slot(n, byText: step >= 2_000)
            #expect(table.key(atSlot: k) == text(n))
            let r = record(Int.random(in: 0..<500, using: &random))
            switch Int.random(in: 0..<5, using: &random) {
            case 0, 1:
                let value = Contribution(key: text(n), provider: "p", record: r, dimension: .fb, r: Double(step), s: 1, t: 1)
                table.set(atSlot: k, value)
                contributions[text(n)] = value
            case 2:
                table.set(atSlot: k, nil)
                contributions[text(n)] = nil
            case 3:
                table.setSlot(of: r, k)
                index[r] = text(n)
            default:
                table.setSlot(of: r, nil)
                index[r] = nil
            }
            #expect(table.value(atSlot: k) == contributions[text(n)])
            #expect(table.value(text(n)) == contributions[text(n)])
            #expect(table.slot(of: r).map { table.key(atSlot: $0) } == index[r])
            #expect(table.key(of: r) == index[r])
        }
        #expect(table.contributions == contributions)
        #expect(table.recordIndex == index)
        #expect(table.internedCount <= 300)
        // Each key's text is built at most once by a lookup by parts.
        #expect(textBuilt <= 300)
    }

    /// Parts whose texts are equal (a part contains `/`) name one key, whichever is seen first.
    @Test func partsWithTheSameTextShareTheirSlot() {
        var table = ContributionTable()
        let first = table.slot(packed: PackedKey(high: 1, low: 2), distinctText: true) { "rating/a/b" }
        let other = table.slot(packed: PackedKey(high: 3, low: 4), distinctText: false) { "rating/a/b/c" }
        let same = table.slot(packed: PackedKey(high: 5, low: 6), distinctText: false) { "rating/a/b/c" }
        #expect(first != other)
        #expect(other == same)
        #expect(table.slot(text: "rating/a/b") == first)
        #expect(table.internedCount == 2)
    }

    /// Equality is by content: the same contributions and index written in another order (other slots) are equal;
    /// a different value, a deleted contribution or a different index entry is not.
    @Test func equalityIgnoresSlots() {
        func contribution(_ key: String, _ r: Double) -> Contribution {
            Contribution(key: key, provider: "p", record: RecordID(payload: Array(key.utf8)), dimension: .att, r: r, s: 0, t: 1)
        }
        let a = contribution("a", 1)
        let b = contribution("b", 2)
        var first = ContributionTable()
        first.set("a", a)
        first.set("b", b)
        first.setKey(of: a.record, "a")
        var second = ContributionTable()
        second.set("c", contribution("c", 3))
        second.set("b", b)
        second.set("a", a)
        second.set("c", nil)
        second.setKey(of: a.record, "a")
        #expect(first == second)
        var changed = second
        changed.set("b", contribution("b", 2.5))
        #expect(first != changed)
        var deleted = second
        deleted.set("b", nil)
        #expect(first != deleted)
        var reindexed = second
        reindexed.setKey(of: a.record, "b")
        #expect(first != reindexed)
        reindexed.setKey(of: a.record, nil)
        #expect(first != reindexed)
    }
}
