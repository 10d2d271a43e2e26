import DeterministicRandom
import Provenance
import Testing

@testable import Reputation

/// The lineage credits of ``InMemoryReputationState`` (keyed by provider and lineage root) against a plain
/// dictionary by document key.
@Suite struct LineageTableTests {
    /// Random credits written by (provider, lineage) (the rules' read-then-write pattern, and writes without a
    /// read) and as documents (keys that parse, and keys that do not): every read by either way answers what the
    /// dictionary holds.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func tableMatchesDictionary(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = LineageTable()
        var expected: [String: Int64] = [:]
        let providers = ["p0", "p/1", "p2"]
        let lineages = (0..<20).map { RecordID(payload: Array("lineage \($0)".utf8)) }
        let odd = ["x", "p0/sha256:ABC", "p0/" + lineages[0].description.uppercased(), "/"]
        for step in 0..<4_000 {
            let time = Int64(step)
            let provider = providers[Int.random(in: 0..<providers.count, using: &random)]
            let lineage = lineages[Int.random(in: 0..<lineages.count, using: &random)]
            let ref = LineageTable.Ref(provider: provider, lineage: lineage)
            let key = LineageCredit.key(provider: provider, lineage: lineage)
            switch Int.random(in: 0..<5, using: &random) {
            case 0, 1:
                #expect(table.lastCredit(ref) == expected[key])
                if Bool.random(using: &random) {
                    table.setLastCredit(ref, time)
                    expected[key] = time
                }
            case 2:
                table.setLastCredit(ref, time)
                expected[key] = time
            case 3:
                table.set(LineageCredit(key: key, lastCredit: time))
                expected[key] = time
            default:
                let other = odd[Int.random(in: 0..<odd.count, using: &random)]
                #expect(LineageTable.ref(other) == nil)
                table.set(LineageCredit(key: other, lastCredit: time))
                expected[other] = time
            }
            #expect(table.value(key) == expected[key].map { LineageCredit(key: key, lastCredit: $0) })
            #expect(LineageTable.ref(key) == ref)
        }
        for key in expected.keys { #expect(table.value(key)?.lastCredit == expected[key]) }
        for key in odd { #expect(table.value(key)?.lastCredit == expected[key]) }
    }

    /// Equality is by content, whatever was read last.
    @Test func equalityIgnoresTheRememberedEntry() {
        let ref = LineageTable.Ref(provider: "p", lineage: RecordID(payload: Array("l".utf8)))
        var a = LineageTable()
        var b = LineageTable()
        a.setLastCredit(ref, 1)
        b.set(LineageCredit(key: LineageCredit.key(provider: "p", lineage: ref.lineage), lastCredit: 1))
        _ = a.lastCredit(ref)
        #expect(a == b)
        b.setLastCredit(ref, 2)
        #expect(a != b)
    }
}
