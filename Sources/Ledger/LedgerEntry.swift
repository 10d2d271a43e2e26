import Crypto
import Foundation
import TransparencyLog

/// One log entry: a DSSE envelope exactly as received and verified, plus the ledger's
/// integration metadata.
///
/// The leaf of the Merkle tree is ``encoded`` (versioned binary encoding, see
/// `docs/FORMATS.md`):
///
/// ```
/// offset  size  field
/// 0       1     version = 0x01
/// 1       8     index, unsigned big-endian
/// 9       8     integration time, milliseconds since the Unix epoch, signed big-endian
/// 17      …     the DSSE envelope JSON, byte for byte as received
/// ```
public struct LedgerEntry: Sendable, Hashable {
    /// The only encoding version this build writes and reads.
    public static let version: UInt8 = 1
    /// Size of the fixed header before the envelope bytes.
    public static let headerSize = 17
    /// Largest encoded entry: tlog-tiles entry bundles prefix each entry with a u16 length.
    public static let maxEncodedSize = 65_535
    /// Largest envelope that fits in an entry.
    public static let maxEnvelopeSize = maxEncodedSize - headerSize

    /// Position in the log.
    public var index: UInt64
    /// Integration time in milliseconds since the Unix epoch, as the sequencer saw it.
    public var integratedAtMillis: Int64
    /// The DSSE envelope JSON exactly as received.
    public var envelope: [UInt8]

    /// Creates an entry.
    public init(index: UInt64, integratedAtMillis: Int64, envelope: [UInt8]) {
        self.index = index
        self.integratedAtMillis = integratedAtMillis
        self.envelope = envelope
    }

    /// Decodes an entry from its leaf bytes.
    public init(encoded bytes: some Collection<UInt8>) throws(LedgerError) {
        let bytes = Array(bytes)
        guard bytes.count >= Self.headerSize else {
            throw .malformedEntry("entry is \(bytes.count) bytes, shorter than its \(Self.headerSize)-byte header")
        }
        guard bytes[0] == Self.version else {
            throw .malformedEntry("unknown entry version \(bytes[0])")
        }
        guard bytes.count <= Self.maxEncodedSize else {
            throw .malformedEntry("entry is \(bytes.count) bytes, over the \(Self.maxEncodedSize)-byte limit")
        }
        var index: UInt64 = 0
        for byte in bytes[1..<9] { index = index << 8 | UInt64(byte) }
        var time: UInt64 = 0
        for byte in bytes[9..<17] { time = time << 8 | UInt64(byte) }
        self.index = index
        self.integratedAtMillis = Int64(bitPattern: time)
        self.envelope = Array(bytes[Self.headerSize...])
    }

    /// The leaf bytes.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + envelope.count)
        out.append(Self.version)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: index >> UInt64(shift))) }
        let time = UInt64(bitPattern: integratedAtMillis)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: time >> UInt64(shift))) }
        out.append(contentsOf: envelope)
        return out
    }

    /// The RFC 6962 leaf hash of ``encoded``.
    public var leafHash: TreeHash { RFC6962.leafHash(encoded) }

    /// Integration time as a `Date`.
    public var integratedAt: Date { Date(timeIntervalSince1970: Double(integratedAtMillis) / 1000) }
}

/// A record id: `sha256:<hex>` of the DSSE payload bytes.
public struct RecordID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The 32 digest bytes.
    public let digest: [UInt8]

    /// The record id of a payload.
    public init(payload: some Collection<UInt8>) {
        self.digest = Array(SHA256.hash(data: Array(payload)))
    }

    /// Wraps 32 digest bytes; `nil` for any other length.
    public init?(digest: some Collection<UInt8>) {
        guard digest.count == 32 else { return nil }
        self.digest = Array(digest)
    }

    /// Parses `sha256:<64 lowercase hex>`.
    public init?(_ string: String) {
        guard string.hasPrefix("sha256:") else { return nil }
        let hex = string.dropFirst(7)
        guard hex.count == 64, let bytes = [UInt8](lowercaseHex: hex) else { return nil }
        self.digest = bytes
    }

    /// `sha256:<hex>`.
    public var description: String { "sha256:" + digest.lowercaseHex }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { lhs.digest.lexicographicallyPrecedes(rhs.digest) }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let id = RecordID(string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a record id: \(string)")
            )
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Sequence<UInt8> {
    /// Lowercase hexadecimal.
    package var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Parses lowercase hexadecimal; `nil` on any other character or an odd length.
    package init?(lowercaseHex hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = value(utf8[i]), let low = value(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        self = out
    }
}
