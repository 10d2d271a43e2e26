import DeterministicRandom
import Provenance
import Testing

@testable import Reputation

/// The open-addressing ``FlatTable`` of ``InMemoryReputationState`` (keyed by record ids, or by packed integers) against
/// a plain dictionary.
@Suite struct FlatTableTests {
    /// Random inserts, replacements and deletes over a key space small enough that runs of colliding entries form
    /// and are shifted back on deletes, through several growths: every read answers what the dictionary holds.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func tableMatchesDictionary(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = RecordTable<Int32>()
        var expected: [RecordID: Int32] = [:]
        let records = (0..<700).map { RecordID(payload: Array("record \($0)".utf8)) }
        for step in 0..<20_000 {
            // The live set grows to about 500 entries, then shrinks, then grows again.
            let phase = step / 5_000
            let insertOdds = phase % 2 == 0 ? 3 : 1
            let record = records[Int.random(in: 0..<records.count, using: &random)]
            if Int.random(in: 0..<4, using: &random) < insertOdds {
                table[record] = Int32(step)
                expected[record] = Int32(step)
            } else {
                table[record] = nil
                expected[record] = nil
            }
            let probe = records[Int.random(in: 0..<records.count, using: &random)]
            #expect(table[probe] == expected[probe])
            #expect(table[record] == expected[record])
            #expect(table.count == expected.count)
        }
        for record in records { #expect(table[record] == expected[record]) }
        #expect(table.dictionary == expected)
        #expect(table.mapValues { Int($0) } == expected.mapValues { Int($0) })
    }

    /// Packed keys whose hashed bits collide (long runs of one home, shifted back on deletes) are told apart.
    @Test(arguments: [4, 5] as [UInt64])
    func packedKeysMatchDictionary(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = FlatTable<PackedKey, Int>()
        var expected: [PackedKey: Int] = [:]
        func key() -> PackedKey {
            let low = UInt64.random(in: 0..<60, using: &random)
            let bits = UInt64.random(in: 0..<4, using: &random)
            // Half the keys have hashed bits 0...3 (high ^ low·K = bits): only `==` tells them apart.
            return Bool.random(using: &random)
                ? PackedKey(high: bits ^ (low &* 0x9e37_79b9_7f4a_7c15), low: low)
                : PackedKey(high: 1 << 62 | bits, low: low)
        }
        for step in 0..<10_000 {
            let k = key()
            if Int.random(in: 0..<3, using: &random) < 2 {
                table[k] = step
                expected[k] = step
            } else {
                table[k] = nil
                expected[k] = nil
            }
            let probe = key()
            #expect(table[probe] == expected[probe])
            #expect(table.count == expected.count)
        }
        #expect(table.dictionary == expected)
    }

    /// Equality is by content, whatever the seeds and the order of the writes.
    @Test func equalityIgnoresLayout() {
        let records = (0..<100).map { RecordID(payload: Array("r\($0)".utf8)) }
        var first = RecordTable<Int>()
        var second = RecordTable<Int>()
        for (index, record) in records.enumerated() { first[record] = index }
        for (index, record) in records.enumerated().reversed() { second[record] = index }
        second[RecordID(payload: Array("extra".utf8))] = 1
        #expect(first != second)
        second[RecordID(payload: Array("extra".utf8))] = nil
        #expect(first == second)
        second[records[3]] = 4
        #expect(first != second)
        second[records[3]] = nil
        #expect(first != second)
    }
}
