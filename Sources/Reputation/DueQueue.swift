/// The due-date queue of an in-memory state: entries ordered by (due, report), kept in one sorted bucket per
/// due day, with the days in a sorted list.
///
/// Inserting or removing an entry costs a hash lookup and a shift within its day (plus a shift of the day list
/// when a day appears or empties), so the cost depends on how many obligations fall due on one day and on the
/// span of SLAs, not on the number of open obligations.
struct DueQueue: Sendable, Hashable {
    private var buckets: [Int64: [DueEntry]] = [:]
    private var days: [Int64] = []
    /// The number of entries.
    private(set) var count = 0

    private static func day(_ due: Int64) -> Int64 {
        due >= 0 ? due / millisecondsPerDay : -((-due - 1) / millisecondsPerDay) - 1
    }

    /// Adds `entry` (no effect when present).
    mutating func insert(_ entry: DueEntry) {
        let day = Self.day(entry.due)
        var bucket = buckets.removeValue(forKey: day) ?? []
        if bucket.isEmpty { days.insert(day, at: days.partitioningIndex { $0 >= day }) }
        let index = bucket.partitioningIndex { $0 >= entry }
        if index == bucket.count || bucket[index] != entry {
            bucket.insert(entry, at: index)
            count += 1
        }
        buckets[day] = bucket
    }

    /// Removes `entry` (no effect when absent).
    mutating func remove(_ entry: DueEntry) {
        let day = Self.day(entry.due)
        guard var bucket = buckets.removeValue(forKey: day) else { return }
        let index = bucket.partitioningIndex { $0 >= entry }
        if index < bucket.count, bucket[index] == entry {
            bucket.remove(at: index)
            count -= 1
        }
        if bucket.isEmpty {
            days.remove(at: days.partitioningIndex { $0 >= day })
        } else {
            buckets[day] = bucket
        }
    }

    /// The first entry after `after` (from the start when `nil`) with `due < before`.
    func first(before: Int64, after: DueEntry?) -> DueEntry? {
        // Most events come before the earliest due day: no bucket to look at.
        guard let earliest = days.first else { return nil }
        let (start, overflow) = earliest.multipliedReportingOverflow(by: millisecondsPerDay)
        guard overflow || start < before else { return nil }
        var dayIndex = after.map { entry in days.partitioningIndex { $0 >= Self.day(entry.due) } } ?? 0
        while dayIndex < days.count {
            let bucket = buckets[days[dayIndex]]!
            let index = after.map { entry in bucket.partitioningIndex { $0 > entry } } ?? 0
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
