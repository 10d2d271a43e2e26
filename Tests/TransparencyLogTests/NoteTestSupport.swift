import Foundation
import Testing
import TransparencyLog

/// The signed-notes.json fixture.
struct SignedNoteFixtures: Decodable {
    struct Case: Decodable {
        var name: String
        var vkey: String
        var skey: String?
        var text: String
        var signatureLine: String
        var valid: Bool

        enum CodingKeys: String, CodingKey {
            case name, vkey, skey, text, valid
            case signatureLine = "signature_line"
        }
    }

    struct BadKey: Decodable {
        var vkey: String
        var why: String
    }

    var cases: [Case]
    var badVkeys: [BadKey]

    enum CodingKeys: String, CodingKey {
        case cases
        case badVkeys = "bad_vkeys"
    }

    static func load() throws -> SignedNoteFixtures {
        let url = try #require(
            Bundle.module.url(
                forResource: "signed-notes",
                withExtension: "json",
                subdirectory: "Fixtures"
            )
        )
        return try JSONDecoder().decode(SignedNoteFixtures.self, from: Data(contentsOf: url))
    }
}

/// An error value matching any ``NoteError`` with `code` (NoteError equality compares codes only).
func noteError(_ code: NoteError.Code) -> NoteError {
    NoteError(code: code, message: "")
}

/// A deterministic 32-byte seed for test keys.
func testSeed(_ index: Int) -> [UInt8] {
    (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index &* 31 &+ 1) }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return out
}
