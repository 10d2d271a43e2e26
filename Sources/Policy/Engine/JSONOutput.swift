import Provenance

/// A JSON writer for answers that are written on every request (decisions): bytes appended directly, no
/// `Encoder` machinery. It writes what Foundation's `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`
/// writes for the same values (tests compare the two): the caller writes members in sorted order; strings are
/// escaped by ``StrictJSON/quote(_:escapingSlashes:to:)`` (slashes not escaped); doubles are
/// their shortest round-trip `description` without a trailing `.0`.
///
/// The bytes go into a buffer of its own, grown by doubling, so that each write checks the room once instead of each
/// byte going through `Array.append` (decisions are ≈ 1.3 KB written a few bytes at a time).
package struct JSONOutput: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    private var needsComma = false

    /// An empty output with room for `capacity` bytes.
    package init(capacity: Int = 1024) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far.
    package var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Calls `body` with the bytes written so far, without copying them.
    package func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Writes `byte`; room for it was reserved.
    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// Writes `bytes`; room for them was reserved.
    @inline(__always)
    private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        (base + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    /// A double that JSON cannot represent (NaN, infinity): `JSONEncoder` refuses them too.
    package struct InvalidValue: Error, CustomStringConvertible {
        /// The value.
        package var value: Double
        package var description: String { "\(value) is not representable in JSON" }
    }

    /// `{`.
    package mutating func beginObject() {
        opening(UInt8(ascii: "{"))
    }

    /// `}`.
    package mutating func endObject() {
        closing(UInt8(ascii: "}"))
    }

    /// `[`.
    package mutating func beginArray() {
        opening(UInt8(ascii: "["))
    }

    /// `]`.
    package mutating func endArray() {
        closing(UInt8(ascii: "]"))
    }

    @inline(__always)
    private mutating func opening(_ byte: UInt8) {
        reserve(2)
        separate()
        put(byte)
        needsComma = false
    }

    @inline(__always)
    private mutating func closing(_ byte: UInt8) {
        reserve(1)
        put(byte)
        needsComma = true
    }

    /// A member name (`"key":`); `key` must need no escaping.
    package mutating func key(_ key: StaticString) {
        key.withUTF8Buffer { name in
            reserve(name.count + 4)
            separate()
            put(UInt8(ascii: "\""))
            put(name)
            put(UInt8(ascii: "\""))
            put(UInt8(ascii: ":"))
        }
        needsComma = false
    }

    /// A string value.
    package mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            reserve(utf8.count * 6 + 3)
            separate()
            count += StrictJSON.quote(utf8, to: base + count)
        }
        needsComma = true
    }

    /// A string value, or `null`.
    package mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// An array of strings.
    package mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// `null`.
    package mutating func null() {
        raw("null")
    }

    /// `true` or `false`.
    package mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    /// An integer.
    package mutating func integer(_ value: Int64) {
        reserve(22)
        separate()
        if value < 0 {
            put(UInt8(ascii: "-"))
            digits(value.magnitude)
        } else {
            digits(UInt64(value))
        }
        needsComma = true
    }

    /// An unsigned integer.
    package mutating func integer(_ value: UInt64) {
        reserve(21)
        separate()
        digits(value)
        needsComma = true
    }

    /// A double, as `JSONEncoder` writes it; throws for NaN and infinities.
    package mutating func double(_ value: Double) throws(InvalidValue) {
        guard value.isFinite else { throw InvalidValue(value: value) }
        if value == value.rounded(.towardZero), value.magnitude < 1e9 {
            // An integral value: `description` would be "<digits>.0" (or "-0.0"), written without ".0".
            if value == 0 {
                raw(value.sign == .minus ? "-0" : "0")
            } else {
                integer(Int64(value))
            }
            return
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        text.withUTF8 { utf8 in
            reserve(utf8.count + 1)
            separate()
            put(utf8)
        }
        needsComma = true
    }

    /// A record id, `"sha256:<hex>"`.
    package mutating func recordID(_ id: RecordID) {
        reserve(8 + 64 + 2)
        separate()
        let prefix: StaticString = "\"sha256:"
        let digits: StaticString = "0123456789abcdef"
        let out = base + count
        out.initialize(from: prefix.utf8Start, count: 8)
        let hex = digits.utf8Start
        id.withUnsafeDigestBytes { digest in
            for (offset, byte) in digest.enumerated() {
                out[8 + 2 * offset] = hex[Int(byte >> 4)]
                out[9 + 2 * offset] = hex[Int(byte & 0x0F)]
            }
        }
        out[8 + 2 * 32] = UInt8(ascii: "\"")
        count += 8 + 64 + 1
        needsComma = true
    }

    /// Bytes that already are JSON (one value).
    package mutating func raw(_ json: StaticString) {
        json.withUTF8Buffer { value in
            reserve(value.count + 1)
            separate()
            put(value)
        }
        needsComma = true
    }

    /// The comma before a value or member, when one is due; room for it was reserved.
    @inline(__always)
    private mutating func separate() {
        if needsComma { put(UInt8(ascii: ",")) }
    }

    /// The decimal digits of `value`; room for 20 bytes was reserved.
    private mutating func digits(_ value: UInt64) {
        var length = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            length += 1
        }
        var remaining = value
        var index = count + length
        repeat {
            index -= 1
            base[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        } while remaining > 0
        count += length
    }
}
