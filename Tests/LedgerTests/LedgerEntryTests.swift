import Ledger
import Provenance
import Testing
import TransparencyLog

@Suite("Entry encoding v1")
struct LedgerEntryTests {
    @Test("Golden bytes: version, big-endian index and time, envelope as received")
    func golden() throws {
        let envelope = Array(#"{"payloadType":"t","payload":"","signatures":[]}"#.utf8)
        let entry = LedgerEntry(index: 0x0102_0304_0506_0708, integratedAtMillis: 1_790_000_000_123, envelope: envelope)
        let expectedHeader: [UInt8] = [
            0x01,
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
            0x00, 0x00, 0x01, 0xa0, 0xc4, 0x50, 0x6c, 0x7b,
        ]
        #expect(Array(entry.encoded.prefix(17)) == expectedHeader)
        #expect(Array(entry.encoded.dropFirst(17)) == envelope)
        #expect(try LedgerEntry(encoded: entry.encoded) == entry)
        #expect(entry.leafHash == RFC6962.leafHash(entry.encoded))
    }

    @Test("Negative times survive the round trip")
    func negativeTime() throws {
        let entry = LedgerEntry(index: 5, integratedAtMillis: -1, envelope: [0x7b, 0x7d])
        #expect(Array(entry.encoded[9..<17]) == Array(repeating: 0xff, count: 8))
        #expect(try LedgerEntry(encoded: entry.encoded).integratedAtMillis == -1)
    }

    @Test(
        "Mangled entries are rejected",
        arguments: [[], [0x01], Array(repeating: 0, count: 16), [0x02] + Array(repeating: 0, count: 16)]
    )
    func mangled(bytes: [UInt8]) {
        #expect(throws: LedgerError.self) { try LedgerEntry(encoded: bytes) }
    }

    @Test("Entries over 65535 bytes are rejected")
    func oversize() {
        let bytes: [UInt8] = [0x01] + Array(repeating: 0, count: 65_535)
        #expect(throws: LedgerError.self) { try LedgerEntry(encoded: bytes) }
    }

    @Test("Record ids are sha256 of the payload, in canonical text form")
    func recordIDs() throws {
        let id = RecordID(payload: [UInt8]())
        #expect(id.description == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(RecordID(id.description) == id)
        #expect(RecordID("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855") == nil)
        #expect(RecordID("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == nil)
        #expect(RecordID("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8") == nil)
        #expect(RecordID("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g") == nil)
        #expect(RecordID("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ") == nil)
        #expect(id.digest.count == 32 && id.digest.first == 0xE3 && id.digest.last == 0x55)
        #expect(RecordID(digest: id.digest) == id)
        #expect(RecordID(digest: id.digest.dropLast()) == nil)
        // Ordered as the digest bytes are (the due-date queue and sorted listings rely on it); equal ids hash alike.
        var random = SystemRandomNumberGenerator()
        let ids = (0..<200).map { _ in RecordID(digest: (0..<32).map { _ in UInt8.random(in: 0...3, using: &random) })! }
        for (a, b) in zip(ids, ids.shuffled()) {
            #expect((a < b) == a.digest.lexicographicallyPrecedes(b.digest))
            #expect((a == b) == (a.digest == b.digest))
            if a == b { #expect(a.hashValue == b.hashValue) }
            #expect(RecordID(a.description) == a)
        }
    }
}
