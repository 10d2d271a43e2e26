import Foundation
import GRDB
import Ledger
import Testing
import VMTrustTesting

@testable import SQLiteStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("CRC-32C")
struct CRC32CTests {
    @Test("The check value and the RFC 3720 B.4 examples")
    func knownAnswers() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        // Fed in pieces, the same.
        var crc = CRC32C()
        crc.update(Array("1234".utf8))
        crc.update(Array("56789".utf8))
        #expect(crc.value == 0xE306_9283)
    }

    /// Bit by bit, from the definition.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var register: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            register ^= UInt32(byte)
            for _ in 0..<8 { register = register & 1 == 1 ? (register >> 1) ^ 0x82F6_3B78 : register >> 1 }
        }
        return register ^ 0xFFFF_FFFF
    }

    @Test("Eight bytes at a time agrees with the bitwise definition at every length and alignment, whole or in pieces")
    func slicing() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let bytes = (0..<300).map { _ in next() }
        for start in 0..<9 {
            for length in 0...(bytes.count - start) where length < 40 || length % 7 == 0 {
                let slice = bytes[start..<(start + length)]
                let expected = Self.reference(Array(slice))
                #expect(CRC32C.checksum(slice) == expected, "start \(start), length \(length)")
                var pieces = CRC32C()
                let cut = start + length / 3
                pieces.update(bytes[start..<cut])
                pieces.update(bytes[cut..<(start + length)])
                #expect(pieces.value == expected)
                // A sequence without contiguous storage takes the byte-by-byte path.
                #expect(CRC32C.checksum(slice.lazy.map { $0 }) == expected)
            }
        }
    }
}

@Suite("Decision journal")
struct DecisionJournalTests {
    static func decision(_ n: Int, body: String? = nil, bodySize: Int? = nil) -> StoredDecision {
        let id = String(repeating: String(format: "%02x", n % 256), count: 32)
        let bytes = bodySize.map { [UInt8](repeating: UInt8(ascii: "x"), count: $0) } ?? Array((body ?? "{\"n\":\(n)}").utf8)
        return StoredDecision(id: id, time: 1_790_000_000_000 + Int64(n), logSize: UInt64(n), body: bytes)
    }

    /// A fresh database path in its own directory.
    static func databasePath() throws -> String {
        let directory = TestDirectory.root.appendingPathComponent("vmtrust-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("ledger.sqlite").path
    }

    /// Waits until no store of this process holds the journal of `path` (as after a restart).
    static func waitUntilReleased(_ path: String) async throws {
        for _ in 0..<500 where DecisionJournal.isLive(forDatabase: path) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!DecisionJournal.isLive(forDatabase: path))
    }

    /// A database whose journal holds decisions 1 and 2, released by its store: its path and the journal's.
    static func journalOfTwoDecisions() async throws -> (path: String, journal: String) {
        let path = try Self.databasePath()
        do {
            let store = try SQLiteLedgerStore(path: path)
            try await store.storeDecisions([Self.decision(1), Self.decision(2)])
        }
        try await Self.waitUntilReleased(path)
        return (path, path + ".decisions")
    }

    static func size(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? -1
    }

    /// Where the frames of the journal at `path` end (the file continues with zeros: space allocated ahead).
    static func framesEnd(_ path: String) throws -> Int {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        var offset = DecisionJournal.header.count
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard length >= DecisionJournal.fixedPayload, offset + 8 + length <= bytes.count else { break }
            offset += 8 + length
        }
        return offset
    }

    /// Writes `bytes` at `offset` (default: where the frames end), as a server's write would.
    static func write(_ bytes: [UInt8], to path: String, at offset: Int? = nil) throws {
        let at = try offset ?? framesEnd(path)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: UInt64(at))
        try handle.write(contentsOf: bytes)
        try handle.close()
    }

    @Test("A frame reads back, and every changed, cut or extended frame is rejected")
    func frames() throws {
        let decision = Self.decision(7, body: #"{"effect":"allow"}"#)
        let frame = try DecisionJournal.encode(decision)
        #expect(frame.count == 8 + 80 + decision.body.count)
        #expect(DecisionJournal.decode(frame) == decision)
        for index in frame.indices {
            var changed = frame
            changed[index] ^= 0x01
            #expect(DecisionJournal.decode(changed) == nil, "byte \(index) changed")
        }
        for count in 0..<frame.count {
            #expect(DecisionJournal.decode(Array(frame.prefix(count))) == nil, "cut to \(count) bytes")
        }
        #expect(DecisionJournal.decode(frame + [0]) == nil)
        // An empty body is a frame; an id that is not 64 bytes, or a body over the limit, is not.
        #expect(DecisionJournal.decode(try DecisionJournal.encode(Self.decision(1, body: ""))) == Self.decision(1, body: ""))
        var short = decision
        short.id = String(short.id.dropLast())
        #expect(throws: LedgerError.self) { try DecisionJournal.encode(short) }
        #expect(throws: LedgerError.self) {
            try DecisionJournal.encode(Self.decision(1, bodySize: DecisionJournal.maximumBodySize + 1))
        }
    }

    @Test("Decisions are read before and after indexing, and after a restart; a refused batch writes nothing")
    func lifecycle() async throws {
        let path = try Self.databasePath()
        let journal = path + ".decisions"
        do {
            let store = try SQLiteLedgerStore(path: path)
            #expect(try await store.decision(id: Self.decision(1).id) == nil)
            try await store.storeDecisions([Self.decision(1), Self.decision(2)])
            #expect(try await store.decision(id: Self.decision(1).id) == Self.decision(1))
            let before = try Data(contentsOf: URL(fileURLWithPath: journal))
            var bad = Self.decision(4)
            bad.id = "not an id"
            await #expect(throws: LedgerError.self) { try await store.storeDecisions([Self.decision(3), bad]) }
            #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == before)
            #expect(try await store.decision(id: Self.decision(3).id) == nil)
            try await store.flushDecisionIndexForTesting()
            #expect(try await store.decision(id: Self.decision(2).id) == Self.decision(2))
            // Unindexed when the store goes away.
            try await store.storeDecisions([Self.decision(5)])
        }
        try await Self.waitUntilReleased(path)
        let reopened = try SQLiteLedgerStore(path: path)
        for n in [1, 2, 5] { #expect(try await reopened.decision(id: Self.decision(n).id) == Self.decision(n)) }
        let readOnly = try SQLiteLedgerStore(path: path, readOnly: true)
        #expect(try await readOnly.decision(id: Self.decision(5).id) == Self.decision(5))
        await #expect(throws: LedgerError.self) { try await readOnly.storeDecisions([Self.decision(6)]) }
        #expect(try await reopened.decision(id: Self.decision(6).id) == nil)
    }

    @Test("A batch over one write's size is written in several groups, each frame where the last ended")
    func batchOverOneGroup() async throws {
        let path = try Self.databasePath()
        // Nine bodies of 1 MiB - 64 KiB: 8.4 MiB, three writes of at most `maximumGroupBytes`.
        let decisions = (1...9).map { Self.decision($0, bodySize: DecisionJournal.maximumBodySize - 65_536) }
        do {
            let store = try SQLiteLedgerStore(path: path)
            try await store.storeDecisions([Self.decision(10)])
            try await store.storeDecisions(decisions)
            for decision in decisions { #expect(try await store.decision(id: decision.id) == decision) }
        }
        try await Self.waitUntilReleased(path)
        let frames = ([Self.decision(10)] + decisions).map { 8 + DecisionJournal.fixedPayload + $0.body.count }
        #expect(try Self.framesEnd(path + ".decisions") == DecisionJournal.header.count + frames.reduce(0, +))
        let reopened = try SQLiteLedgerStore(path: path)
        for decision in decisions + [Self.decision(10)] { #expect(try await reopened.decision(id: decision.id) == decision) }
    }

    @Test("Frames written but not indexed before a crash are found and indexed on restart")
    func unindexedTail() async throws {
        let path = try Self.databasePath()
        do {
            let store = try SQLiteLedgerStore(path: path)
            try await store.storeDecisions([Self.decision(1)])
            try await store.flushDecisionIndexForTesting()
        }
        try await Self.waitUntilReleased(path)
        // As a server that synced these frames and was killed before indexing them.
        try Self.write(
            try DecisionJournal.encode(Self.decision(2)) + DecisionJournal.encode(Self.decision(3)),
            to: path + ".decisions"
        )
        do {
            let store = try SQLiteLedgerStore(path: path)
            #expect(try await store.decision(id: Self.decision(3).id) == Self.decision(3))
            try await store.storeDecisions([Self.decision(4)])
        }
        try await Self.waitUntilReleased(path)
        let store = try SQLiteLedgerStore(path: path)
        for n in 1...4 { #expect(try await store.decision(id: Self.decision(n).id) == Self.decision(n)) }
    }

    @Test("A torn last write is cut on restart; later writes go where it began")
    func tornTail() async throws {
        let (path, journal) = try await Self.journalOfTwoDecisions()
        let intact = try Self.framesEnd(journal)
        // Half a frame, then a whole frame with one byte damaged, as a killed write may leave.
        let frame = try DecisionJournal.encode(Self.decision(3))
        var damaged = try DecisionJournal.encode(Self.decision(4))
        damaged[damaged.count - 1] ^= 0xFF
        for torn in [Array(frame.prefix(frame.count / 2)), Array(frame.prefix(5)), damaged + frame] {
            try Self.write(torn, to: journal, at: intact)
            do {
                let store = try SQLiteLedgerStore(path: path)
                #expect(try await store.decision(id: Self.decision(2).id) == Self.decision(2))
                #expect(try await store.decision(id: Self.decision(3).id) == nil)
                #expect(try Self.size(journal) == intact)
            }
            try await Self.waitUntilReleased(path)
        }
        do {
            let store = try SQLiteLedgerStore(path: path)
            try await store.storeDecisions([Self.decision(5)])
        }
        try await Self.waitUntilReleased(path)
        let store = try SQLiteLedgerStore(path: path)
        #expect(try await store.decision(id: Self.decision(5).id) == Self.decision(5))
        #expect(try await store.decision(id: Self.decision(1).id) == Self.decision(1))
    }

    @Test("The file is allocated ahead; zeros after the frames are their end, a torn write's bytes in them are cut")
    func allocatedTail() async throws {
        let (path, journal) = try await Self.journalOfTwoDecisions()
        var end = try Self.framesEnd(journal)
        #if os(Linux)
        #expect(try Self.size(journal) >= end + (1 << 20))
        #endif
        // However the zeros came there (allocated, or written), the frames end at the first zero length.
        try FileHandle(forWritingAtPath: journal).map {
            try $0.truncate(atOffset: UInt64(end + 3 * DecisionJournal.maximumGroupBytes))
            try $0.close()
        }
        do {
            let store = try SQLiteLedgerStore(path: path)
            #expect(try await store.decision(id: Self.decision(2).id) == Self.decision(2))
            try await store.storeDecisions([Self.decision(3)])
        }
        try await Self.waitUntilReleased(path)
        #expect(try Self.framesEnd(journal) == end + DecisionJournal.encode(Self.decision(3)).count)
        end = try Self.framesEnd(journal)
        // A write whose first page never reached the disk: zeros where it began, its later bytes after them.
        let frame = try DecisionJournal.encode(Self.decision(4))
        try Self.write(Array(frame.suffix(frame.count / 2)), to: journal, at: end + 4096)
        do {
            let store = try SQLiteLedgerStore(path: path)
            #expect(try await store.decision(id: Self.decision(4).id) == nil)
            #expect(try Self.size(journal) == end)
            try await store.storeDecisions([Self.decision(5)])
            #expect(try await store.decision(id: Self.decision(5).id) == Self.decision(5))
        }
        try await Self.waitUntilReleased(path)
        let readOnly = try SQLiteLedgerStore(path: path, readOnly: true)
        for n in [1, 2, 3, 5] { #expect(try await readOnly.decision(id: Self.decision(n).id) == Self.decision(n)) }
        // A frame after more zeros than one write spans is not the end of a torn write: damage, reported.
        end = try Self.framesEnd(journal)
        try Self.write(frame, to: journal, at: end + DecisionJournal.maximumGroupBytes + 4096)
        let damaged = try Data(contentsOf: URL(fileURLWithPath: journal))
        let store = try SQLiteLedgerStore(path: path)
        await #expect(throws: LedgerError.self) { try await store.storeDecisions([Self.decision(6)]) }
        await #expect(throws: LedgerError.self) {
            try await SQLiteLedgerStore(path: path, readOnly: true).decision(id: Self.decision(1).id)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == damaged)
    }

    @Test("Zeros are written after the frames ahead of use, again when fewer than half are left, and after a restart")
    func zeroAhead() async throws {
        let path = try Self.databasePath()
        let journal = path + ".decisions"
        let ahead = Int64(DecisionJournal.zeroAhead)
        /// The bytes of the journal from `start` to `end`.
        func bytes(_ start: Int64, _ end: Int64) throws -> ArraySlice<UInt8> {
            let all = try Array(Data(contentsOf: URL(fileURLWithPath: journal)))
            #expect(all.count >= Int(end))
            return all[Int(start)..<min(all.count, Int(end))]
        }
        do {
            let store = try SQLiteLedgerStore(path: path)
            try await store.storeDecisions([Self.decision(1)])
            var (frames, zeros) = store.decisionJournalEnds()
            #expect(frames == Int64(try Self.framesEnd(journal)))
            #expect(zeros == frames + ahead)
            #expect(try bytes(frames, zeros).allSatisfy { $0 == 0 })
            // Writes that leave at least half of the zeros after them write no more.
            let body = Int(ahead) / 4 - 8 - DecisionJournal.fixedPayload
            try await store.storeDecisions([Self.decision(2, bodySize: body)])
            let first = zeros
            (frames, zeros) = store.decisionJournalEnds()
            #expect(zeros == first)
            #expect(zeros - frames > ahead / 2)
            // The next leaves fewer: the zeros continue where they ended.
            try await store.storeDecisions([Self.decision(3, bodySize: body + 1)])
            (frames, zeros) = store.decisionJournalEnds()
            #expect(zeros == first + ahead)
            #expect(try bytes(frames, zeros).allSatisfy { $0 == 0 })
            // A write past the zeros starts them after its frames.
            try await store.storeDecisions([Self.decision(4, bodySize: 2 * Int(ahead))])
            (frames, zeros) = store.decisionJournalEnds()
            #expect(frames > first + ahead)
            #expect(zeros == frames + ahead)
            #expect(try bytes(frames, zeros).allSatisfy { $0 == 0 })
        }
        try await Self.waitUntilReleased(path)
        // After a restart the journal cannot tell written zeros from allocated space: it writes them again.
        let reopened = try SQLiteLedgerStore(path: path)
        for n in 1...4 { #expect(try await reopened.decision(id: Self.decision(n).id) != nil) }
        let end = Int64(try Self.framesEnd(journal))
        try await reopened.storeDecisions([Self.decision(5)])
        let (frames, zeros) = reopened.decisionJournalEnds()
        #expect(frames == end + Int64(try DecisionJournal.encode(Self.decision(5)).count))
        #expect(zeros == frames + ahead)
        #expect(try await reopened.decision(id: Self.decision(5).id) == Self.decision(5))
    }

    @Test("Damage that cannot be a torn write, a lost end or a foreign file is reported, not cut")
    func damage() async throws {
        // Damage in an indexed frame: reading it fails.
        let path = try Self.databasePath()
        let journal = path + ".decisions"
        do {
            let store = try SQLiteLedgerStore(path: path)
            try await store.storeDecisions([Self.decision(1), Self.decision(2)])
            try await store.flushDecisionIndexForTesting()
        }
        try await Self.waitUntilReleased(path)
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: journal)))
        bytes[try Self.framesEnd(journal) - 3] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        do {
            let store = try SQLiteLedgerStore(path: path)
            #expect(try await store.decision(id: Self.decision(1).id) == Self.decision(1))
            await #expect(throws: LedgerError.self) { try await store.decision(id: Self.decision(2).id) }
        }
        try await Self.waitUntilReleased(path)

        // A damaged unindexed frame followed by more than one write's worth of frames.
        var damaged = try DecisionJournal.encode(Self.decision(3))
        damaged[20] ^= 0x01
        var after: [UInt8] = []
        for n in 10..<15 { after += try DecisionJournal.encode(Self.decision(n, bodySize: DecisionJournal.maximumBodySize)) }
        try Self.write(damaged + after, to: journal)
        let sizeBefore = try Self.size(journal)
        do {
            let store = try SQLiteLedgerStore(path: path)
            await #expect(throws: LedgerError.self) { try await store.decision(id: Self.decision(10).id) }
            await #expect(throws: LedgerError.self) { try await store.storeDecisions([Self.decision(20)]) }
        }
        #expect(try Self.size(journal) == sizeBefore)
        try await Self.waitUntilReleased(path)

        // A journal shorter than its index, and a file that is not a journal.
        try FileHandle(forWritingAtPath: journal).map {
            try $0.truncate(atOffset: 30)
            try $0.close()
        }
        do {
            let store = try SQLiteLedgerStore(path: path)
            await #expect(throws: LedgerError.self) { try await store.decision(id: Self.decision(1).id) }
        }
        try await Self.waitUntilReleased(path)
        let other = try Self.databasePath()
        try Data("not a journal at all\n".utf8).write(to: URL(fileURLWithPath: other + ".decisions"))
        let store = try SQLiteLedgerStore(path: other)
        await #expect(throws: LedgerError.self) { try await store.storeDecisions([Self.decision(1)]) }
    }

    /// A decision whose id starts with `time` (12 hex digits, as the engine's ids do), then `tag`: its key is
    /// `time << 16 | tag & 0xFFFF`, so tags 65,536 apart collide on the key with different ids.
    static func timed(_ time: Int64, tag: Int, body: String? = nil) -> StoredDecision {
        let hex = { (value: UInt64, digits: Int) in
            let text = String(value, radix: 16)
            return String(repeating: "0", count: digits - text.count) + text
        }
        let id =
            hex(UInt64(bitPattern: time) & 0xFFFF_FFFF_FFFF, 12) + hex(UInt64(tag & 0xFFFF), 4)
            + String(repeating: "e", count: 36) + hex(UInt64(tag), 12)
        return StoredDecision(id: id, time: time, logSize: UInt64(tag), body: Array((body ?? "{\"tag\":\(tag)}").utf8))
    }

    static func frame(_ offset: Int64, _ length: Int, key: Int64) -> DecisionJournal.Frame {
        DecisionJournal.Frame(offset: offset, length: length, key: key)
    }

    @Test("Frames are cut into spans by file order, bytes and key width")
    func spanCuts() {
        typealias Span = DecisionJournal.Span
        let width = DecisionJournal.maximumSpanWidth
        let small = 1_000
        // Consecutive frames with near keys, in any order: one span.
        #expect(
            DecisionJournal.spans(of: [Self.frame(20, small, key: 50), Self.frame(1_028, small, key: 40)])
                == [Span(offset: 20, length: 2_016, firstKey: 40, lastKey: 50)]
        )
        // Keys exactly the widest range apart still share a span; one more and they do not.
        #expect(DecisionJournal.spans(of: [Self.frame(20, small, key: 0), Self.frame(1_028, small, key: width)]).count == 1)
        #expect(DecisionJournal.spans(of: [Self.frame(20, small, key: 0), Self.frame(1_028, small, key: width + 1)]).count == 2)
        // A gap in the file starts a new span.
        #expect(DecisionJournal.spans(of: [Self.frame(20, small, key: 1), Self.frame(1_029, small, key: 1)]).count == 2)
        // Keys at both ends of the range (their difference overflows) never share a span.
        #expect(
            DecisionJournal.spans(of: [Self.frame(20, small, key: .min), Self.frame(1_028, small, key: .max)])
                == [
                    Span(offset: 20, length: 1_008, firstKey: .min, lastKey: .min),
                    Span(offset: 1_028, length: 1_008, firstKey: .max, lastKey: .max),
                ]
        )
        // Bytes: spans fill up to the limit; a frame larger than it is a span of its own.
        var frames: [DecisionJournal.Frame] = []
        var offset: Int64 = 20
        for n in 0..<200 {
            frames.append(Self.frame(offset, small, key: Int64(n)))
            offset += 8 + Int64(small)
        }
        frames.append(Self.frame(offset, 100_000, key: 200))
        frames.append(Self.frame(offset + 100_008, small, key: 201))
        let spans = DecisionJournal.spans(of: frames)
        let perSpan = Int(DecisionJournal.maximumSpanBytes) / (8 + small)
        #expect(spans.count == (200 + perSpan - 1) / perSpan + 2)
        #expect(spans.dropLast(3).allSatisfy { $0.length == Int64(perSpan * (8 + small)) })
        #expect(spans[spans.count - 2] == Span(offset: offset, length: 100_008, firstKey: 200, lastKey: 200))
        #expect(spans.map(\.length).reduce(0, +) == offset + 100_008 + 1_008 - 20)
        for (span, next) in zip(spans, spans.dropFirst()) { #expect(span.offset + span.length == next.offset) }
    }

    @Test("Decisions are found through their spans: keys in time order, colliding keys, outliers, a repeated id")
    func spanReads() async throws {
        let path = try Self.databasePath()
        let base: Int64 = 1_790_000_000_000
        // Four decisions a millisecond; every tenth collides on its key with another id; some lie days away.
        var decisions = (0..<600).map { Self.timed(base + Int64($0 / 4), tag: $0) }
        decisions += stride(from: 0, to: 600, by: 10).map { Self.timed(base + Int64($0 / 4), tag: $0 + 65_536) }
        decisions += [Self.timed(base - 86_400_000, tag: 9_001), Self.timed(base + 864_000_000, tag: 9_002)]
        decisions += [Self.timed(-5, tag: 9_003), Self.timed(base + 10, tag: 9_004)]
        decisions.sort { $0.time < $1.time || ($0.time == $1.time && $0.logSize < $1.logSize) }
        // The outliers written in the middle of the run, as a client's own request times would be.
        let outliers = decisions.filter { $0.logSize > 9_000 }
        decisions.removeAll { $0.logSize > 9_000 }
        decisions.insert(contentsOf: outliers, at: 300)
        let repeated = Self.timed(base + 20, tag: 80, body: "{\"second\":true}")
        do {
            let store = try SQLiteLedgerStore(path: path)
            var start = 0
            for size in [1, 37, 5, 200, 64, 3, 1_000] where start < decisions.count {
                try await store.storeDecisions(Array(decisions[start..<min(start + size, decisions.count)]))
                start += size
            }
            try await store.storeDecisions([repeated])
            for decision in decisions.prefix(50) { #expect(try await store.decision(id: decision.id) == decision) }
            try await store.flushDecisionIndexForTesting()
            for decision in decisions { #expect(try await store.decision(id: decision.id) == decision) }
            #expect(try await store.decision(id: repeated.id)?.body == Array("{\"tag\":80}".utf8))
            #expect(try await store.decision(id: Self.timed(base + 1, tag: 70_000).id) == nil)
        }
        try await Self.waitUntilReleased(path)
        let spans = try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT offset, length, first_key, last_key FROM decision_spans ORDER BY offset").map {
                DecisionJournal.Span(offset: $0[0], length: $0[1], firstKey: $0[2], lastKey: $0[3])
            }
        }
        #expect(spans.count < decisions.count / 20)
        #expect(spans.allSatisfy { $0.length <= DecisionJournal.maximumSpanBytes })
        #expect(spans.allSatisfy { $0.lastKey - $0.firstKey <= DecisionJournal.maximumSpanWidth })
        #expect(spans.first?.offset == Int64(DecisionJournal.header.count))
        #expect(spans.last.map { $0.offset + $0.length } == Int64(try Self.framesEnd(path + ".decisions")))
        for (span, next) in zip(spans, spans.dropFirst()) { #expect(span.offset + span.length == next.offset) }
        let reopened = try SQLiteLedgerStore(path: path)
        for decision in decisions.reversed() { #expect(try await reopened.decision(id: decision.id) == decision) }
    }

    @Test("Frames indexed one by one before v8-decision-spans are still read, beside frames indexed by span")
    func framesIndexedBeforeSpans() async throws {
        let path = try Self.databasePath()
        let journal = path + ".decisions"
        let old = (1...20).map { Self.timed(1_790_000_000_000 + Int64($0), tag: $0) }
        do {
            let store = try SQLiteLedgerStore(path: path)
            try await store.storeDecisions(old)
            try await store.flushDecisionIndexForTesting()
        }
        try await Self.waitUntilReleased(path)
        // The index as v6-decision-journal wrote it: one decision_frames row per frame, no spans.
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: journal)))
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "DELETE FROM decision_spans")
            var offset = DecisionJournal.header.count
            for decision in old {
                let length = bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | Int($1) }
                try db.execute(
                    sql: "INSERT INTO decision_frames (offset, key, length) VALUES (?, ?, ?)",
                    arguments: [offset, SQLiteLedgerStore.decisionKey(decision.id), length]
                )
                offset += 8 + length
            }
        }
        let new = (21...40).map { Self.timed(1_790_000_000_000 + Int64($0), tag: $0) }
        do {
            let store = try SQLiteLedgerStore(path: path)
            for decision in old { #expect(try await store.decision(id: decision.id) == decision) }
            try await store.storeDecisions(new)
            try await store.flushDecisionIndexForTesting()
            for decision in old + new { #expect(try await store.decision(id: decision.id) == decision) }
        }
        try await Self.waitUntilReleased(path)
        let counts = try await DatabaseQueue(path: path).read { db in
            try [
                Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision_frames"),
                Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decision_spans"),
            ]
        }
        #expect(counts == [20, 1])
    }

    @Test("Another process holding the journal is refused")
    func lock() async throws {
        let path = try Self.databasePath()
        let fd = open(path + ".decisions", O_RDWR | O_CREAT, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let store = try SQLiteLedgerStore(path: path)
        await #expect(throws: LedgerError.self) { try await store.storeDecisions([Self.decision(1)]) }
        #expect(try Self.size(path + ".decisions") == 0)
    }

    @Test("The journal is created with mode 0600")
    func permissions() async throws {
        let path = try Self.databasePath()
        let store = try SQLiteLedgerStore(path: path)
        try await store.storeDecisions([Self.decision(1)])
        let mode = try FileManager.default.attributesOfItem(atPath: store.decisionJournalPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
