import Provenance

/// A key of a ``FlatTable``: 64 bits that spread its values (a digest's first bytes, packed integers), mixed
/// with the table's seed before use.
protocol FlatTableKey: Hashable, Sendable {
    /// The bits the table hashes.
    var hashBits: UInt64 { get }
}

extension RecordID: FlatTableKey {
    /// The first 8 digest bytes (uniform: a SHA-256 digest).
    var hashBits: UInt64 { leadingBits }
}

/// A hash table keyed by ``RecordID``.
typealias RecordTable<Value: Equatable & Sendable> = FlatTable<RecordID, Value>

/// Two integers packed as a key (interned slots: a rating's provider and user, an attestation's provider,
/// auditor, subject and predicate type).
struct PackedKey: FlatTableKey {
    var high: UInt64
    var low: UInt64

    var hashBits: UInt64 { high ^ (low &* 0x9e37_79b9_7f4a_7c15) }
}

/// A hash table for the in-memory state's large indexes (record → contribution slot, obligations, interned
/// contribution keys): open addressing with linear probing and backward-shift deletion in flat arrays (the keys,
/// and the values beside them, so that probing never copies a value), so a lookup, an insert or a delete touches
/// one run of adjacent keys and hashes 64 bits, never a `String` or 32 bytes through `Hasher`.
///
/// The key's bits are mixed with a seed drawn once per table, so that keys chosen to collide in one process's
/// table (record ids are public, in the log) do not collide in another's. Two tables are equal when they hold the
/// same entries, whatever their seeds and layouts.
struct FlatTable<Key: FlatTableKey, Value: Equatable & Sendable>: Equatable, Sendable {
    private var keys: [Key?]
    private var values: [Value?]
    private var mask: Int
    private let seed: UInt64
    /// The number of entries.
    private(set) var count = 0

    /// An empty table.
    init() {
        keys = Array(repeating: nil, count: 16)
        values = Array(repeating: nil, count: 16)
        mask = 15
        seed = UInt64.random(in: UInt64.min...UInt64.max)
    }

    /// The home position of `key`: its bits, seeded and mixed (the finaliser of MurmurHash3).
    private func home(_ key: Key) -> Int {
        var x = key.hashBits ^ seed
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return Int(truncatingIfNeeded: x) & mask
    }

    /// The position of `key`, or of the empty entry that ends its run.
    private func probe(_ key: Key) -> (index: Int, found: Bool) {
        var index = home(key)
        while let present = keys[index] {
            if present == key { return (index, true) }
            index = (index + 1) & mask
        }
        return (index, false)
    }

    /// The value of `key`; setting `nil` deletes the entry.
    subscript(key: Key) -> Value? {
        get {
            let (index, found) = probe(key)
            return found ? values[index] : nil
        }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    private mutating func insert(_ key: Key, _ value: Value) {
        let (index, found) = probe(key)
        values[index] = value
        guard !found else { return }
        keys[index] = key
        count += 1
        // At most 5/8 full.
        if count * 8 > (mask + 1) * 5 { grow() }
    }

    private mutating func grow() {
        let oldKeys = keys
        // The values are moved into the new array, not copied (and then released with the old one).
        var oldValues: [Value?] = []
        swap(&oldValues, &values)
        keys = Array(repeating: nil, count: oldKeys.count * 2)
        values = Array(repeating: nil, count: oldKeys.count * 2)
        mask = keys.count - 1
        for position in oldKeys.indices {
            guard let key = oldKeys[position] else { continue }
            var index = home(key)
            while keys[index] != nil { index = (index + 1) & mask }
            keys[index] = key
            values[index] = oldValues[position].take()
        }
    }

    private mutating func remove(_ key: Key) {
        var (hole, found) = probe(key)
        guard found else { return }
        keys[hole] = nil
        values[hole] = nil
        count -= 1
        // Backward shift: each later entry of the run moves into the hole unless its home lies after the hole
        // (cyclically, in (hole, index]), where a lookup starting at that home would no longer reach it.
        var index = (hole + 1) & mask
        while let present = keys[index] {
            if (index - home(present)) & mask >= (index - hole) & mask {
                keys.swapAt(hole, index)
                values.swapAt(hole, index)
                hole = index
            }
            index = (index + 1) & mask
        }
    }

    /// Every entry, its value transformed.
    func mapValues<T>(_ transform: (Value) -> T) -> [Key: T] {
        var out: [Key: T] = [:]
        out.reserveCapacity(count)
        for (key, value) in zip(keys, values) {
            if let key, let value { out[key] = transform(value) }
        }
        return out
    }

    /// Every entry.
    var dictionary: [Key: Value] { mapValues { $0 } }

    static func == (lhs: FlatTable, rhs: FlatTable) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in zip(lhs.keys, lhs.values) {
            if let key, rhs[key] != value { return false }
        }
        return true
    }
}
