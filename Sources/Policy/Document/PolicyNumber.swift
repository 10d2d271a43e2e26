/// A non-negative decimal with at most six fractional digits, held exactly (in millionths), so that a policy's
/// canonical form and its comparisons do not depend on binary floating point.
public struct PolicyNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The value times 10^6.
    public let millionths: Int64

    /// The largest value accepted (10^9).
    public static let maximum = PolicyNumber(millionths: 1_000_000_000_000_000)

    /// Wraps a value in millionths.
    public init(millionths: Int64) { self.millionths = millionths }

    /// A whole number.
    public init(_ integer: Int) { self.millionths = Int64(integer) * 1_000_000 }

    /// Parses `digits[.digits]` with at most six fractional digits and no sign, exponent or `_`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        guard !whole.isEmpty, whole.utf8.count <= 10, whole.utf8.allSatisfy(PolicyNumber.isDigit),
            whole == "0" || whole.first != "0", let wholeValue = Int64(whole)
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...6).contains(digits.utf8.count), digits.utf8.allSatisfy(PolicyNumber.isDigit),
                let value = Int64(digits)
            else { return nil }
            fraction = value * Self.powerOfTen(6 - digits.utf8.count)
        }
        self.millionths = wholeValue * 1_000_000 + fraction
        guard self <= .maximum else { return nil }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func powerOfTen(_ exponent: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The value as a `Double` (for comparison with reputation figures).
    public var doubleValue: Double { Double(millionths) / 1_000_000 }

    /// The shortest exact decimal: `80`, `0.5`, `72.25`.
    public var description: String {
        let whole = millionths / 1_000_000
        var fraction = millionths % 1_000_000
        guard fraction != 0 else { return String(whole) }
        var digits = 6
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    /// Compares the exact values.
    public static func < (lhs: PolicyNumber, rhs: PolicyNumber) -> Bool { lhs.millionths < rhs.millionths }
}

/// A length of time in milliseconds, written `<n><unit>` with unit `ms`, `s`, `m`, `h` or `d`.
public struct PolicyDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds.
    public let milliseconds: Int64

    /// The longest duration accepted: 3,650 days.
    public static let maximum = PolicyDuration(milliseconds: 3_650 * 86_400_000)

    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Wraps milliseconds.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// Whole days.
    public static func days(_ days: Int64) -> PolicyDuration { PolicyDuration(milliseconds: days * 86_400_000) }

    /// Parses `<decimal digits><unit>`; `nil` for anything else or beyond ``maximum``.
    public init?(_ text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let suffix = text.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 12, digits == "0" || digits.first != "0", let count = Int64(digits),
            let unit = Self.units.first(where: { $0.suffix == suffix })
        else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: unit.milliseconds)
        guard !overflow, product <= Self.maximum.milliseconds else { return nil }
        self.milliseconds = product
    }

    /// The canonical spelling: the largest unit that divides the duration exactly (`720h` is `30d`).
    public var description: String {
        for unit in Self.units where milliseconds % unit.milliseconds == 0 {
            return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
        }
        return "\(milliseconds)ms"
    }

    /// Compares lengths.
    public static func < (lhs: PolicyDuration, rhs: PolicyDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
