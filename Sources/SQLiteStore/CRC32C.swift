/// CRC-32C (Castagnoli; RFC 3720 §B.4): the checksum of each frame of the decision journal.
///
/// Reflected, polynomial 0x1EDC6F41 (0x82F63B78 reversed), initial value and final XOR 0xFFFFFFFF; the check value of
/// the ASCII bytes "123456789" is 0xE3069283. Eight bytes at a time through eight tables ("slicing-by-8"), the rest
/// byte by byte.
struct CRC32C: Sendable {
    /// The running register (before the final XOR).
    private var register: UInt32 = 0xFFFF_FFFF

    /// A checksum of nothing yet.
    init() {}

    /// The checksum of `bytes`.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// Adds `bytes`.
    mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        guard done == nil else { return }
        var register = self.register
        for byte in bytes {
            register = Self.tables[Int(UInt8(truncatingIfNeeded: register) ^ byte)] ^ (register >> 8)
        }
        self.register = register
    }

    /// Adds the bytes of `buffer`.
    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        var register = self.register
        var index = 0
        let count = buffer.count
        Self.tables.withUnsafeBufferPointer { table in
            while count - index >= 8 {
                let low = register ^ UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt32.self))
                let high = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                register =
                    table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                register = table[Int(UInt8(truncatingIfNeeded: register) ^ buffer[index])] ^ (register >> 8)
                index += 1
            }
        }
        self.register = register
    }

    /// The checksum of the bytes added so far.
    var value: UInt32 { register ^ 0xFFFF_FFFF }

    /// Eight tables of 256 entries: table k gives the register's contribution of a byte followed by k zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 {
                value = value & 1 == 1 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1
            }
            tables[index] = value
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return tables
    }()
}
