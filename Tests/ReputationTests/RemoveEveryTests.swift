import DeterministicRandom
import Testing

@testable import Reputation

/// ``Swift/Array/removeEvery(where:)``, the rules' pruning of small lists: the same elements left, in the same order,
/// as `removeAll(where:)`, and the predicate evaluated once per element.
struct RemoveEveryTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func removeEveryEqualsRemoveAll(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...40, using: &random)
            // Strings: elements that are not plain bits, moved rather than copied.
            let values = (0..<count).map { _ in "v\(Int.random(in: 0..<20, using: &random))" }
            let removed = Set(
                (0..<Int.random(in: 0...20, using: &random)).map { _ in "v\(Int.random(in: 0..<20, using: &random))" }
            )
            var expected = values
            expected.removeAll { removed.contains($0) }
            var actual = values
            var evaluations = 0
            actual.removeEvery { value in
                evaluations += 1
                return removed.contains(value)
            }
            #expect(actual == expected)
            #expect(evaluations == count)
        }
    }

    /// ``Swift/Array/removePrefix(while:)`` on ordered lists (as the rules keep their windows) removes what
    /// `removeAll(where:)` removes, with a bound anywhere from below the first element to above the last.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func removePrefixEqualsRemoveAllOnOrderedLists(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...40, using: &random)
            let values = (0..<count).map { _ in Int.random(in: 0..<30, using: &random) }.sorted()
            let bound = Int.random(in: -1...30, using: &random)
            var expected = values
            expected.removeAll { $0 <= bound }
            var actual = values
            actual.removePrefix { $0 <= bound }
            #expect(actual == expected)
        }
    }
}
