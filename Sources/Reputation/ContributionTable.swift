import Provenance

/// The active contributions and the record → contribution-key index of an ``InMemoryReputationState``.
///
/// Each contribution key is interned once to a dense slot (`Int32`); the contributions are kept in a flat array
/// indexed by slot and the record index maps a record to the slot of its key, so that index holds 4 bytes per
/// record instead of a `String` (no retain, release or copy of key text when a record is indexed or dropped).
/// The slot of the key looked up last is remembered: the rules read a contribution, then write it and index its
/// record under the same key (the same `String` instance), which then costs one hash lookup instead of three.
///
/// A key keeps its slot once interned (a deleted contribution leaves an empty slot that the key reuses); two tables
/// are equal when they hold the same contributions and the same record index, whatever the slots.
struct ContributionTable: Equatable {
    private var slots: [String: Int32] = [:]
    private var keys: [String] = []
    private var values: [Contribution?] = []
    private var recordSlots: [RecordID: Int32] = [:]
    private var lastKey = ""
    private var lastSlot: Int32 = -1

    /// An empty table.
    init() {}

    /// The number of interned keys (active contributions and the empty slots of deleted ones).
    var internedCount: Int { keys.count }

    /// The slot of `key`: the remembered one, the interned one, or (with `create`) a new one.
    private mutating func slot(_ key: String, create: Bool) -> Int32? {
        if lastSlot >= 0, key == lastKey { return lastSlot }
        let slot: Int32
        if let found = slots[key] {
            slot = found
        } else {
            guard create else { return nil }
            slot = Int32(keys.count)
            slots[key] = slot
            keys.append(key)
            values.append(nil)
        }
        lastKey = key
        lastSlot = slot
        return slot
    }

    /// The active contribution with `key` (without remembering its slot).
    func value(_ key: String) -> Contribution? {
        guard let slot = slots[key] else { return nil }
        return values[Int(slot)]
    }

    /// The active contribution with `key`, remembering its slot for the writes that follow.
    mutating func lookup(_ key: String) -> Contribution? {
        guard let slot = slot(key, create: false) else { return nil }
        return values[Int(slot)]
    }

    /// Sets (or deletes, `nil`) the contribution with `key`.
    mutating func set(_ key: String, _ value: Contribution?) {
        guard let slot = slot(key, create: value != nil) else { return }
        values[Int(slot)] = value
    }

    /// The contribution key indexed for `record`.
    func key(of record: RecordID) -> String? {
        recordSlots[record].map { keys[Int($0)] }
    }

    /// Indexes `record` under `key` (or drops its entry, `nil`).
    mutating func setKey(of record: RecordID, _ key: String?) {
        guard let key else {
            recordSlots[record] = nil
            return
        }
        recordSlots[record] = slot(key, create: true)
    }

    /// The active contributions by key.
    var contributions: [String: Contribution] {
        var out: [String: Contribution] = [:]
        out.reserveCapacity(slots.count)
        for (slot, value) in values.enumerated() {
            if let value { out[keys[slot]] = value }
        }
        return out
    }

    /// The record index: each indexed record's contribution key.
    var recordIndex: [RecordID: String] {
        recordSlots.mapValues { keys[Int($0)] }
    }

    static func == (lhs: ContributionTable, rhs: ContributionTable) -> Bool {
        lhs.contributions == rhs.contributions && lhs.recordIndex == rhs.recordIndex
    }
}
