/// The due-date queue of an in-memory state: entries ordered by (due, report), kept in one sorted bucket per
/// due day, the buckets in day order beside the sorted list of their days.
///
/// Inserting or removing an entry costs a binary search of the days and a shift within its day (plus a shift of the
/// day lists when a day appears or empties), so the cost depends on how many obligations fall due on one day and on
/// the span of SLAs, not on the number of open obligations; the earliest entries are read without hashing.
struct DueQueue: Sendable, Hashable {
    /// The days with entries, sorted.
    private var days: [Int64] = []
    /// The entries of each day of `days` (same index), sorted; never empty.
    private var buckets: [[DueEntry]] = []
    /// The number of entries.
    private(set) var count = 0

    private static func day(_ due: Int64) -> Int64 {
        due >= 0 ? due / millisecondsPerDay : -((-due - 1) / millisecondsPerDay) - 1
    }

    /// Adds `entry` (no effect when present).
    mutating func insert(_ entry: DueEntry) {
        let day = Self.day(entry.due)
        let dayIndex = days.partitioningIndex { $0 >= day }
        if dayIndex == days.count || days[dayIndex] != day {
            days.insert(day, at: dayIndex)
            buckets.insert([entry], at: dayIndex)
            count += 1
            return
        }
        let index = buckets[dayIndex].partitioningIndex { $0 >= entry }
        if index == buckets[dayIndex].count || buckets[dayIndex][index] != entry {
            buckets[dayIndex].insert(entry, at: index)
            count += 1
        }
    }

    /// Removes `entry` (no effect when absent).
    mutating func remove(_ entry: DueEntry) {
        let day = Self.day(entry.due)
        let dayIndex = days.partitioningIndex { $0 >= day }
        guard dayIndex < days.count, days[dayIndex] == day else { return }
        let index = buckets[dayIndex].partitioningIndex { $0 >= entry }
        guard index < buckets[dayIndex].count, buckets[dayIndex][index] == entry else { return }
        count -= 1
        if buckets[dayIndex].count == 1 {
            days.remove(at: dayIndex)
            buckets.remove(at: dayIndex)
        } else {
            buckets[dayIndex].remove(at: index)
        }
    }

    /// The first entry after `after` (from the start when `nil`) with `due < before`.
    func first(before: Int64, after: DueEntry?) -> DueEntry? {
        // Most events come before the earliest due entry: nothing to search.
        guard let earliest = buckets.first?.first, earliest.due < before else { return nil }
        guard let after else { return earliest }
        var dayIndex = days.partitioningIndex { $0 >= Self.day(after.due) }
        while dayIndex < days.count {
            let bucket = buckets[dayIndex]
            let index = bucket.partitioningIndex { $0 > after }
            if index < bucket.count {
                let entry = bucket[index]
                return entry.due < before ? entry : nil
            }
            dayIndex += 1
        }
        return nil
    }

    /// Up to `limit` entries after `after` with `due < before`, in order.
    func entries(before: Int64, after: DueEntry?, limit: Int) -> [DueEntry] {
        var out: [DueEntry] = []
        var cursor = after
        while out.count < limit, let entry = first(before: before, after: cursor) {
            out.append(entry)
            cursor = entry
        }
        return out
    }
}
