import DeterministicRandom
import Provenance
import Testing

@testable import Reputation

/// The day-bucketed due-date queue of ``InMemoryReputationState`` against a sorted reference on random operations.
@Suite struct DueQueueTests {
    /// `DueQueue.first(before:after:)` (with its early exit before the earliest due day) gives the first entry of
    /// the sorted entries after the cursor with `due < before`, around day boundaries and for negative times.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func dueQueueFirstMatchesSortedEntries(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var queue = DueQueue()
        var entries: Set<DueEntry> = []
        let day = millisecondsPerDay
        func report(_ index: Int) -> RecordID { RecordID(payload: Array("report \(index)".utf8)) }
        for step in 0..<3_000 {
            let due = Int64.random(in: -3 * day...30 * day, using: &random)
            let entry = DueEntry(due: due, report: report(Int.random(in: 0..<400, using: &random)))
            if Bool.random(using: &random) || entries.isEmpty {
                queue.insert(entry)
                entries.insert(entry)
            } else {
                let victim = entries.randomElement(using: &random)!
                queue.remove(victim)
                entries.remove(victim)
            }
            let sorted = entries.sorted()
            #expect(queue.count == sorted.count)
            // Day boundaries, one millisecond either side, and random times.
            let boundary = Int64.random(in: -3...31, using: &random) * day
            for before in [boundary - 1, boundary, boundary + 1, Int64.random(in: -4 * day...31 * day, using: &random)] {
                let cursor: DueEntry? = step % 3 == 0 ? nil : sorted.randomElement(using: &random)
                // Sorted by due first: the entry after the cursor, if it is due before `before`.
                let next = sorted.first { entry in cursor.map { entry > $0 } ?? true }
                let expected = next.flatMap { $0.due < before ? $0 : nil }
                #expect(
                    queue.first(before: before, after: cursor) == expected,
                    "before \(before), after \(String(describing: cursor))"
                )
            }
        }
    }
}
