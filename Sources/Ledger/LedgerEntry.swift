import Foundation
import Provenance
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
