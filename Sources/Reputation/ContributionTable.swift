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
    /// The contributions by key (slots, the remembered last slot).
    private var table = DocumentTable<Contribution>()
    /// Each indexed record's key slot in ``table``.
    private var recordSlots: [RecordID: Int32] = [:]

    /// An empty table.
    init() {}

    /// The number of interned keys (active contributions and the empty slots of deleted ones).
    var internedCount: Int { table.internedCount }

    /// The active contribution with `key` (without remembering its slot).
    func value(_ key: String) -> Contribution? { table.value(key) }

    /// The active contribution with `key`, remembering its slot for the writes that follow.
    mutating func lookup(_ key: String) -> Contribution? { table.lookup(key) }

    /// Sets (or deletes, `nil`) the contribution with `key`.
    mutating func set(_ key: String, _ value: Contribution?) {
        if let value { table.set(key, value) } else { table.delete(key) }
    }

    /// The contribution key indexed for `record`.
    func key(of record: RecordID) -> String? {
        recordSlots[record].map { table.key(atSlot: Int($0)) }
    }

    /// Indexes `record` under `key` (or drops its entry, `nil`).
    mutating func setKey(of record: RecordID, _ key: String?) {
        guard let key else {
            recordSlots[record] = nil
            return
        }
        recordSlots[record] = Int32(table.slot(key, create: true))
    }

    /// The active contributions by key.
    var contributions: [String: Contribution] { table.documents }

    /// The record index: each indexed record's contribution key.
    var recordIndex: [RecordID: String] {
        recordSlots.mapValues { table.key(atSlot: Int($0)) }
    }

    static func == (lhs: ContributionTable, rhs: ContributionTable) -> Bool {
        lhs.contributions == rhs.contributions && lhs.recordIndex == rhs.recordIndex
    }
}
