/// CRC-32C (Castagnoli; RFC 3720 §B.4): the checksum of each frame of the decision journal.
///
/// Reflected, polynomial 0x1EDC6F41 (0x82F63B78 reversed), initial value and final XOR 0xFFFFFFFF; the check value of
/// the ASCII bytes "123456789" is 0xE3069283.
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
        var register = self.register
        for byte in bytes {
            register = Self.table[Int(UInt8(truncatingIfNeeded: register) ^ byte)] ^ (register >> 8)
        }
        self.register = register
    }

    /// Adds the bytes of `buffer`.
    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        var register = self.register
        for byte in buffer {
            register = Self.table[Int(UInt8(truncatingIfNeeded: register) ^ byte)] ^ (register >> 8)
        }
        self.register = register
    }

    /// The checksum of the bytes added so far.
    var value: UInt32 { register ^ 0xFFFF_FFFF }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1
        }
        return value
    }
}
