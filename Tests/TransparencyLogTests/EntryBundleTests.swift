import DeterministicRandom
import Testing

@testable import TransparencyLog

@Suite("tlog-tiles entry bundles")
struct EntryBundleTests {
    @Test("Known answer encoding")
    func knownAnswer() throws {
        #expect(try EntryBundle.encode([[0x61], []]) == [0x00, 0x01, 0x61, 0x00, 0x00])
        #expect(try EntryBundle.encode([Array(repeating: 7, count: 258)]).prefix(3) == [0x01, 0x02, 7])
        #expect(try EntryBundle.decode([0x00, 0x02, 0x68, 0x69]) == [[0x68, 0x69]])
    }

    @Test("Round trip, including empty and maximum-size entries")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 9)
        let maxEntry = Array(repeating: UInt8(0xab), count: EntryBundle.maxEntrySize)
        let entries: [[UInt8]] =
            [[], maxEntry]
            + (0..<254).map { _ in (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
        #expect(entries.count == 256)
        let encoded = try EntryBundle.encode(entries)
        #expect(try EntryBundle.decode(encoded) == entries)
        #expect(try EntryBundle.decode(encoded[...]) == entries)
        // Entries hash to the level-0 tile of the same leaves.
        let tile = entries.map { RFC6962.leafHash($0) }
        #expect(try EntryBundle.decode(encoded).map { RFC6962.leafHash($0) } == tile)
    }

    @Test("Encoding rejects oversize entries and bad counts")
    func encodeRejects() {
        expectMerkleError(.entryTooLarge) { () throws(MerkleError) in
            try EntryBundle.encode([Array(repeating: 0, count: EntryBundle.maxEntrySize + 1)])
        }
        expectMerkleError(.invalidTile) { () throws(MerkleError) in try EntryBundle.encode([]) }
        expectMerkleError(.invalidTile) { () throws(MerkleError) in
            try EntryBundle.encode(Array(repeating: [], count: 257))
        }
    }

    @Test("Decoding rejects truncation, trailing bytes, emptiness and too many entries")
    func decodeRejects() throws {
        let good = try EntryBundle.encode([[1, 2, 3], [4]])
        let bad: [[UInt8]] = [
            [],
            [0x00],  // truncated length
            [0x00, 0x01],  // truncated entry
            [0x00, 0x05, 1, 2, 3, 4],
            Array(good.dropLast()),
            good + [0x00],  // trailing partial length
            good + [0x00, 0x01],  // trailing length without entry
            Array(repeating: 0, count: 2 * 257),  // 257 empty entries
            [0xff, 0xff],
        ]
        for bytes in bad {
            expectMerkleError(.invalidTile) { () throws(MerkleError) in
                try EntryBundle.decode(bytes)
            }
        }
        #expect(try EntryBundle.decode(Array(repeating: 0, count: 2 * 256)).count == 256)
    }
}
