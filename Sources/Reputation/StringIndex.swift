/// The index of a list of interned strings (each string's number is its position in the list, which the owner
/// keeps): open addressing with linear probing over a flat array of 64-bit entries, each holding the upper half
/// of a string's hash and its number.
///
/// It replaces a `[String: Int32]` on the in-place path, where the rules look ids up by text several times per
/// event: a lookup hashes the string's UTF-8 bytes with a seeded folded-multiply hash (a few multiplications for
/// an id of up to 16 bytes, instead of SipHash through `Hasher`), compares 32-bit tags while probing and the
/// strings only on a tag match, and never allocates. Entries are never removed (an interned string keeps its
/// number).
///
/// The seed is drawn once per index and enters every multiplication, so strings chosen to collide in one process's
/// index (ids are public, in the log) do not collide in another's.
struct StringIndex: Sendable {
    /// 0 for an empty entry, else `tag << 32 | (number + 1)`.
    private var entries: [UInt64]
    private var mask: Int
    private let seed: (UInt64, UInt64, UInt64)
    /// The number of strings indexed.
    private(set) var count = 0

    /// An empty index.
    init() {
        entries = Array(repeating: 0, count: 16)
        mask = 15
        seed = (
            UInt64.random(in: UInt64.min...UInt64.max),
            UInt64.random(in: UInt64.min...UInt64.max),
            UInt64.random(in: UInt64.min...UInt64.max)
        )
    }

    /// The hash of `key`, to pass to ``find(_:hash:in:)`` and ``insert(hash:number:)``.
    func hash(_ key: String) -> UInt64 {
        if let hash = key.utf8.withContiguousStorageIfAvailable({ hash(bytes: $0) }) { return hash }
        var copy = key
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable { hash(bytes: $0) }!
    }

    /// The number of `key` in `strings` (the list this index indexes), or `nil`.
    func find(_ key: String, hash: UInt64, in strings: [String]) -> Int32? {
        let tag = hash >> 32
        var index = Int(truncatingIfNeeded: tag) & mask
        while true {
            let entry = entries[index]
            if entry == 0 { return nil }
            if entry >> 32 == tag {
                let number = Int32(truncatingIfNeeded: entry & 0xffff_ffff) - 1
                if strings[Int(number)] == key { return number }
            }
            index = (index + 1) & mask
        }
    }

    /// Indexes the string numbered `number` with hash `hash` (the caller knows it is not indexed yet).
    mutating func insert(hash: UInt64, number: Int32) {
        place((hash & 0xffff_ffff_0000_0000) | UInt64(UInt32(number) + 1))
        count += 1
        // At most 5/8 full.
        if count * 8 > (mask + 1) * 5 { grow() }
    }

    private mutating func place(_ entry: UInt64) {
        var index = Int(truncatingIfNeeded: entry >> 32) & mask
        while entries[index] != 0 { index = (index + 1) & mask }
        entries[index] = entry
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: 0, count: old.count * 2)
        mask = entries.count - 1
        // The tag is the upper half of the hash, and the home position its low bits: no string is hashed again.
        for entry in old where entry != 0 { place(entry) }
    }

    /// hi ^ lo of the 128-bit product.
    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }

    /// The seeded hash of `bytes`: up to 16 bytes are read as two (overlapping) words, longer inputs 16 bytes at a
    /// time; the length enters the last multiplication, so that the overlapping reads are unambiguous.
    private func hash(bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let count = bytes.count
        guard let base = bytes.baseAddress, count > 0 else { return Self.fold(seed.0, seed.1 ^ 0x9e37_79b9_7f4a_7c15) }
        let raw = UnsafeRawPointer(base)
        var accumulator = seed.2
        let low: UInt64
        let high: UInt64
        if count >= 8 {
            if count > 16 {
                var offset = 0
                while count - offset > 16 {
                    let a = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    let b = raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
                    accumulator = Self.fold(a ^ seed.0, b ^ accumulator)
                    offset += 16
                }
                low = raw.loadUnaligned(fromByteOffset: count - 16, as: UInt64.self)
            } else {
                low = raw.loadUnaligned(as: UInt64.self)
            }
            high = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if count >= 4 {
            low =
                UInt64(raw.loadUnaligned(as: UInt32.self)) << 32
                | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            high = 0
        } else {
            low = UInt64(base[0]) << 16 | UInt64(base[count / 2]) << 8 | UInt64(base[count - 1])
            high = 0
        }
        let mixed = Self.fold(low ^ seed.0, high ^ seed.1 ^ accumulator)
        return Self.fold(mixed ^ seed.2, UInt64(count) ^ seed.1 ^ 0x9e37_79b9_7f4a_7c15)
    }
}

/// Names mapped to numbers given by the caller when a name is first seen (an ``InMemoryReputationState``'s
/// clusters by organisation or user, so that the rules never build a cluster id's text to find its document).
struct NameTable: Sendable {
    private var names: [String] = []
    private var targets: [Int32] = []
    private var index = StringIndex()

    /// An empty table.
    init() {}

    /// The hash of `name`, to pass to ``target(_:hash:)`` and ``add(_:hash:target:)``.
    func hash(_ name: String) -> UInt64 { index.hash(name) }

    /// The number given for `name`, or `nil`.
    func target(_ name: String, hash: UInt64) -> Int32? {
        index.find(name, hash: hash, in: names).map { targets[Int($0)] }
    }

    /// Gives `name` (not in the table yet) the number `target`.
    mutating func add(_ name: String, hash: UInt64, target: Int32) {
        index.insert(hash: hash, number: Int32(names.count))
        names.append(name)
        targets.append(target)
    }
}
