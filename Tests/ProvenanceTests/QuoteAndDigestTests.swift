import DeterministicRandom
import Testing

@testable import Provenance

/// The two string escapers of ``StrictJSON`` (into an array, into a buffer of the caller's) and ``ImageDigest``.
@Suite("String escaping and image digests")
struct QuoteAndDigestTests {
    /// Pieces of strings: plain ASCII, every character that must be escaped, `/`, non-ASCII.
    static let pieces: [String] = [
        "a", "plain text ", "sha256:0123456789abcdef", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}",
        "\u{01}", "\u{1F}", "\u{7F}", "é", "😀", "tier \"high\" (score 61.6)",
    ]

    /// Quotes `string` with the buffer writer, which needs room for 6 bytes per byte and 2 quotes.
    static func quotedIntoBuffer(_ string: String, escapingSlashes: Bool) -> [UInt8] {
        var string = string
        return string.withUTF8 { utf8 in
            [UInt8](unsafeUninitializedCapacity: utf8.count * 6 + 2) { buffer, initialized in
                initialized = StrictJSON.quote(utf8, escapingSlashes: escapingSlashes, to: buffer.baseAddress!)
            }
        }
    }

    @Test func bufferWriterMatchesArrayWriter() {
        var generator = SplitMix64(seed: 0x5157_4A53)
        for round in 0..<2_000 {
            var string = ""
            for _ in 0..<Int.random(in: 0..<14, using: &generator) {
                string += Self.pieces.randomElement(using: &generator)!
            }
            for escapingSlashes in [false, true] {
                var array: [UInt8] = []
                StrictJSON.quote(string, escapingSlashes: escapingSlashes, into: &array)
                #expect(
                    Self.quotedIntoBuffer(string, escapingSlashes: escapingSlashes) == array,
                    "round \(round): \(string.debugDescription)"
                )
            }
        }
    }

    @Test func escapesAreJSONs() {
        #expect(String(decoding: Self.quotedIntoBuffer("", escapingSlashes: false), as: UTF8.self) == "\"\"")
        #expect(
            String(
                decoding: Self.quotedIntoBuffer("a\"b\\c/d\n\r\t\u{08}\u{0C}\u{01}\u{1F}é", escapingSlashes: true),
                as: UTF8.self
            )
                == #""a\"b\\c\/d\n\r\t\b\f\u0001\u001fé""#
        )
        #expect(String(decoding: Self.quotedIntoBuffer("a/b", escapingSlashes: false), as: UTF8.self) == #""a/b""#)
    }

    @Test func imageDigests() {
        let valid = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
        #expect(ImageDigest.isValid(valid))
        #expect(ImageDigest.isValid("sha256:" + String(repeating: "f", count: 64)))
        let invalid = [
            "", "sha256:", String(valid.dropLast()), valid + "0", "sha512:" + valid.dropFirst(7), "SHA256:" + valid.dropFirst(7),
            "sha256:" + String(repeating: "A", count: 64), "sha256:" + String(repeating: "g", count: 64),
            "sha256 " + valid.dropFirst(7), "sha256:" + String(repeating: "é", count: 32),
            String(valid.dropLast()) + "\u{0}", String(repeating: "0", count: 71),
        ]
        for digest in invalid { #expect(!ImageDigest.isValid(digest), "\(digest.debugDescription)") }
    }
}
