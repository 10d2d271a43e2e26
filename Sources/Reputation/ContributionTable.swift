import Provenance

/// The active contributions and the record → contribution-key index of an ``InMemoryReputationState``.
///
/// Each contribution key is interned once to a dense slot (`Int32`); the contributions are kept in a flat array
/// indexed by slot and the record index maps a record to the slot of its key (4 bytes per record instead of a
/// `String`). The rules name keys by their parts (``ContributionKeyParts``): an issue report's key is found by its
/// record, a rating's or an attestation's by its parts interned as integers (``PackedKey``), each in a
/// ``FlatTable``, so that the rules build a key's text only when the key is first seen (to intern it), never to
/// look it up. Keys written as text (``ReputationChange``s applied, a feedback window's recent keys) are interned
/// by text, to the same slots.
///
/// A key keeps its slot once interned (a deleted contribution leaves an empty slot that the key reuses); two tables
/// are equal when they hold the same contributions and the same record index, whatever the slots.
struct ContributionTable: Equatable {
    /// The contributions by key (slots, the remembered last slot).
    private var table = DocumentTable<Contribution>()
    /// Each indexed record's key slot in ``table``.
    private var recordSlots = RecordTable<Int32>()
    /// The slot of each issue key interned by its report.
    private var issueSlots = RecordTable<Int32>()
    /// The slot of each rating or attestation key interned by its parts.
    private var packedSlots = FlatTable<PackedKey, Int32>()

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

    // MARK: - By slot

    /// The slot of the key with text `key` (interned when new).
    mutating func slot(text key: String) -> Int32 { Int32(table.slot(key, create: true)) }

    /// The slot of the issue key of `report`, interned when new with the text `text()`.
    ///
    /// Two reports have different texts, and an issue key's text differs from every rating's and attestation's (by
    /// its first component), so a report seen for the first time is a new key (its text is hashed only if the table
    /// is ever read by text).
    mutating func slot(issue report: RecordID, text: () -> String) -> Int32 {
        if let slot = issueSlots[report] { return slot }
        let slot = Int32(table.internNew(text()))
        issueSlots[report] = slot
        return slot
    }

    /// The slot of the key with parts `parts`, interned when new with the text `text()`.
    ///
    /// With `distinctText` (no part contains `/`, so the text gives back its parts; evaluated only for parts seen for
    /// the first time), parts seen for the first time are a new key; otherwise the text may equal another parts'
    /// text, and is looked up.
    mutating func slot(packed parts: PackedKey, distinctText: @autoclosure () -> Bool, text: () -> String) -> Int32 {
        if let slot = packedSlots[parts] { return slot }
        let slot = distinctText() ? Int32(table.internNew(text())) : self.slot(text: text())
        packedSlots[parts] = slot
        return slot
    }

    /// The text of the key at `slot`.
    func key(atSlot slot: Int32) -> String { table.key(atSlot: Int(slot)) }

    /// The active contribution at `slot`.
    @inline(__always)
    func value(atSlot slot: Int32) -> Contribution? { table.value(atSlot: Int(slot)) }

    /// Moves the active contribution at `slot` out of it (the slot is empty until set).
    @inline(__always)
    mutating func take(atSlot slot: Int32) -> Contribution? { table.values[Int(slot)].take() }

    /// Sets (or deletes, `nil`) the contribution at `slot`.
    @inline(__always)
    mutating func set(atSlot slot: Int32, _ value: consuming Contribution?) {
        table.set(atSlot: Int(slot), consume value)
    }

    /// The key slot indexed for `record`.
    func slot(of record: RecordID) -> Int32? { recordSlots[record] }

    /// Indexes `record` under the key at `slot` (or drops its entry, `nil`).
    mutating func setSlot(of record: RecordID, _ slot: Int32?) { recordSlots[record] = slot }

    // MARK: - Listings

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
