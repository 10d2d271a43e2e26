import Provenance

/// A JSON writer for answers that are written on every request (decisions): bytes appended directly, no
/// `Encoder` machinery. It writes what Foundation's `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`
/// writes for the same values (tests compare the two): the caller writes members in sorted order; strings are
/// escaped by ``StrictJSON/quote(_:escapingSlashes:into:)`` (slashes not escaped); doubles are
/// their shortest round-trip `description` without a trailing `.0`.
package struct JSONOutput {
    /// The bytes written so far.
    package var bytes: [UInt8] = []
    private var needsComma = false

    /// An empty output with room for `capacity` bytes.
    package init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// A double that JSON cannot represent (NaN, infinity): `JSONEncoder` refuses them too.
    package struct InvalidValue: Error, CustomStringConvertible {
        /// The value.
        package var value: Double
        package var description: String { "\(value) is not representable in JSON" }
    }

    /// `{`.
    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// `}`.
    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[`.
    package mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// `]`.
    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name (`"key":`); `key` must need no escaping.
    package mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A string value.
    package mutating func string(_ value: String) {
        separate()
        StrictJSON.quote(value, into: &bytes)
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
        separate()
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            digits(value.magnitude)
        } else {
            digits(UInt64(value))
        }
        needsComma = true
    }

    /// An unsigned integer.
    package mutating func integer(_ value: UInt64) {
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
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    /// A record id, `"sha256:<hex>"`.
    package mutating func recordID(_ id: RecordID) {
        separate()
        bytes.append(contentsOf: "\"sha256:".utf8)
        let hex: StaticString = "0123456789abcdef"
        hex.withUTF8Buffer { digits in
            id.withUnsafeDigestBytes { digest in
                for byte in digest {
                    bytes.append(digits[Int(byte >> 4)])
                    bytes.append(digits[Int(byte & 0x0F)])
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Bytes that already are JSON (one value).
    package mutating func raw(_ json: StaticString) {
        separate()
        json.withUTF8Buffer { bytes.append(contentsOf: $0) }
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func digits(_ value: UInt64) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var remaining = value
            var index = buffer.count
            while remaining > 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            }
            bytes.append(contentsOf: buffer[index...])
        }
    }
}
