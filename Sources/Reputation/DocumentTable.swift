/// String-keyed documents of an ``InMemoryReputationState`` (providers, feedback windows, clusters, users,
/// auditors, lineages), each key interned once to a dense slot (`Int32`) of a flat array of documents, found by its
/// text through a ``StringIndex``.
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
    private var index = StringIndex()
    private var keys: [String] = []
    /// The documents by slot (an ``InMemoryReputationState`` changes its open provider's in place).
    var values: [Value?] = []
    private var lastKey = ""
    private var lastSlot: Int32 = -1
    /// Slots interned by ``internNew(_:)`` whose keys are not in `index` yet.
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
        let slot = slotWithoutMemory(key, create: create)
        guard slot >= 0 else { return -1 }
        lastKey = key
        lastSlot = Int32(slot)
        return slot
    }

    /// The slot of `key` as ``slot(_:create:)`` finds it, without comparing `key` with the remembered one or
    /// remembering it: for keys that differ from one call to the next (an ``InMemoryReputationState``'s providers,
    /// one per event).
    mutating func slotWithoutMemory(_ key: String, create: Bool) -> Int {
        if !textLookups {
            textLookups = true
            for slot in pending { index.insert(hash: index.hash(keys[Int(slot)]), number: slot) }
            pending = []
        }
        let hash = index.hash(key)
        let slot: Int32
        if let found = index.find(key, hash: hash, in: keys) {
            slot = found
        } else {
            guard create else { return -1 }
            slot = Int32(keys.count)
            keys.append(key)
            values.append(nil)
            index.insert(hash: hash, number: slot)
        }
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

    /// The slot of `key` if it is interned (without remembering it).
    func existingSlot(_ key: String) -> Int? {
        if let slot = index.find(key, hash: index.hash(key), in: keys) { return Int(slot) }
        // Keys interned by `internNew` and not yet indexed (no lookup by text has happened, so these reads are rare).
        for slot in pending where keys[Int(slot)] == key { return Int(slot) }
        return nil
    }

    /// The document with `key` (without remembering its slot).
    func value(_ key: String) -> Value? { existingSlot(key).flatMap { values[$0] } }

    /// The document with `key`, remembering its slot for the write that follows.
    @inline(__always)
    mutating func lookup(_ key: String) -> Value? {
        let slot = slot(key, create: false)
        return slot < 0 ? nil : values[slot]
    }

    /// Moves the document with `key` out of its slot (to be given back with ``set(_:_:)``).
    @inline(__always)
    mutating func take(_ key: String) -> Value? {
        let slot = slot(key, create: false)
        guard slot >= 0 else { return nil }
        return values[slot].take()
    }

    /// Moves the document at `slot` (a slot ``slot(_:create:)`` returned) out of it, remembering the slot for the
    /// ``set(_:_:)`` that gives it back.
    @inline(__always)
    mutating func take(atSlot slot: Int) -> Value? {
        lastKey = keys[slot]
        lastSlot = Int32(slot)
        return values[slot].take()
    }

    /// Sets (or gives back) the document with `key`.
    @inline(__always)
    mutating func set(_ key: String, _ value: consuming Value) {
        values[slot(key, create: true)] = .some(consume value)
    }

    /// Deletes the document with `key`, if any (its key keeps its slot).
    mutating func delete(_ key: String) {
        let slot = slot(key, create: false)
        if slot >= 0 { values[slot] = nil }
    }

    /// The document at `slot` (a slot ``slot(_:create:)`` returned).
    @inline(__always)
    func value(atSlot slot: Int) -> Value? { values[slot] }

    /// Whether there is a document at `slot` (a slot ``slot(_:create:)`` returned).
    @inline(__always)
    func hasValue(atSlot slot: Int) -> Bool {
        if case .none = values[slot] { return false }
        return true
    }

    /// Sets (or deletes, `nil`) the document at `slot` (a slot ``slot(_:create:)`` returned).
    @inline(__always)
    mutating func set(atSlot slot: Int, _ value: consuming Value?) { values[slot] = consume value }

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

/// Values kept beside the keys of a ``DocumentTable``, by the keys' slots (an ``InMemoryReputationState``'s feedback
/// windows by the slot of their provider): a flat array, grown to the largest slot written.
struct SlotValues<Value: Equatable & Sendable>: Sendable {
    private var values: [Value?] = []

    /// None.
    init() {}

    /// The value at `slot`.
    subscript(slot: Int) -> Value? { slot < values.count ? values[slot] : nil }

    /// Sets (or gives back) the value at `slot`.
    @inline(__always)
    mutating func put(_ slot: Int, _ value: consuming Value) {
        if slot >= values.count { values.append(contentsOf: repeatElement(nil, count: slot + 1 - values.count)) }
        values[slot] = .some(consume value)
    }

    /// Moves the value at `slot` out of it (to be given back with ``put(_:_:)``).
    mutating func take(_ slot: Int) -> Value? { slot < values.count ? values[slot].take() : nil }

    /// Every value by the key of its slot in `table`.
    func byKey<Document>(_ table: DocumentTable<Document>) -> [String: Value] {
        var out: [String: Value] = [:]
        for (slot, value) in values.enumerated() {
            if let value { out[table.key(atSlot: slot)] = value }
        }
        return out
    }
}
