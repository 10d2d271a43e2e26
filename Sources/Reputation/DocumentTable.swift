/// String-keyed documents of an ``InMemoryReputationState`` (providers, feedback windows, clusters, users,
/// auditors, lineages), each key interned once to a dense slot (`Int32`) of a flat array of documents.
///
/// The slot of the key used last is remembered: the rules take or read a document, then give it back or replace
/// it under the same key, which then costs one hash lookup instead of two. A taken document is moved out of its
/// slot (the slot is empty until it is given back), so growing its arrays never copies them.
///
/// A caller that knows a key is new (``ContributionTable``: a key first named by its parts) can intern it without
/// hashing it (``internNew(_:)``), as long as no key of the table has been looked up by its text: such keys are
/// entered into the text index only when a lookup by text first needs it.
///
/// A key keeps its slot once interned; two tables are equal when they hold the same documents, whatever the slots.
struct DocumentTable<Value: Equatable & Sendable>: Equatable, Sendable {
    private var slots: [String: Int32] = [:]
    private var keys: [String] = []
    private var values: [Value?] = []
    private var lastKey = ""
    private var lastSlot: Int32 = -1
    /// Slots interned by ``internNew(_:)`` whose keys are not in `slots` yet.
    private var pending: [Int32] = []
    /// Whether a key has been looked up by its text (from then on, ``internNew(_:)`` hashes the key).
    private var textLookups = false

    /// An empty table.
    init() {}

    /// The number of interned keys (documents and the empty slots of deleted ones).
    var internedCount: Int { keys.count }

    /// The key interned at `slot` (a slot ``slot(_:create:)`` returned).
    func key(atSlot slot: Int) -> String { keys[slot] }

    /// The slot of `key`: the remembered one, the interned one, or (with `create`) a new one; -1 when `key` is not
    /// interned and `create` is false.
    mutating func slot(_ key: String, create: Bool) -> Int {
        if lastSlot >= 0, key == lastKey { return Int(lastSlot) }
        if !textLookups {
            textLookups = true
            for slot in pending { slots[keys[Int(slot)]] = slot }
            pending = []
        }
        let slot: Int32
        if create {
            // One hash lookup, which inserts the next slot when the key is new.
            let next = Int32(keys.count)
            slot = Self.read(&slots[key, default: next])
            if slot == next {
                keys.append(key)
                values.append(nil)
            }
        } else {
            guard let found = slots[key] else { return -1 }
            slot = found
        }
        lastKey = key
        lastSlot = slot
        return Int(slot)
    }

    /// The slot of `key`, which the caller knows is not interned yet under any text equal to it: a new slot, whose
    /// key is hashed only when a lookup by text first needs it (or at once, once the table has been read by text).
    mutating func internNew(_ key: String) -> Int {
        guard !textLookups else { return slot(key, create: true) }
        let slot = keys.count
        keys.append(key)
        values.append(nil)
        pending.append(Int32(slot))
        return slot
    }

    /// Reads a dictionary entry through its modify accessor (which, for `slots[key, default: next]`, stores `next`
    /// when the key is new).
    private static func read(_ entry: inout Int32) -> Int32 { entry }

    /// The document with `key` (without remembering its slot).
    func value(_ key: String) -> Value? {
        if let slot = slots[key] { return values[Int(slot)] }
        // Keys interned by `internNew` and not yet indexed (no lookup by text has happened, so these reads are rare).
        for slot in pending where keys[Int(slot)] == key { return values[Int(slot)] }
        return nil
    }

    /// The document with `key`, remembering its slot for the write that follows.
    mutating func lookup(_ key: String) -> Value? {
        let slot = slot(key, create: false)
        return slot < 0 ? nil : values[slot]
    }

    /// Moves the document with `key` out of its slot (to be given back with ``set(_:_:)``).
    mutating func take(_ key: String) -> Value? {
        let slot = slot(key, create: false)
        guard slot >= 0 else { return nil }
        var value: Value?
        swap(&value, &values[slot])
        return value
    }

    /// Sets (or gives back) the document with `key`.
    mutating func set(_ key: String, _ value: consuming Value) {
        values[slot(key, create: true)] = .some(value)
    }

    /// Deletes the document with `key`, if any (its key keeps its slot).
    mutating func delete(_ key: String) {
        let slot = slot(key, create: false)
        if slot >= 0 { values[slot] = nil }
    }

    /// The document at `slot` (a slot ``slot(_:create:)`` returned).
    func value(atSlot slot: Int) -> Value? { values[slot] }

    /// Sets (or deletes, `nil`) the document at `slot` (a slot ``slot(_:create:)`` returned).
    mutating func set(atSlot slot: Int, _ value: Value?) { values[slot] = value }

    /// The keys of every document, sorted.
    var sortedKeys: [String] {
        keys.indices.filter { values[$0] != nil }.map { keys[$0] }.sorted()
    }

    /// Every document by key.
    var documents: [String: Value] {
        var out: [String: Value] = [:]
        out.reserveCapacity(keys.count)
        for (slot, value) in values.enumerated() {
            if let value { out[keys[slot]] = value }
        }
        return out
    }

    static func == (lhs: DocumentTable, rhs: DocumentTable) -> Bool {
        lhs.documents == rhs.documents
    }
}
