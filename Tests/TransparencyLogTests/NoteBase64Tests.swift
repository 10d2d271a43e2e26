import Testing
import TransparencyLog

@Suite("Base64 (RFC 4648)")
struct NoteBase64Tests {
    /// RFC 4648 section 10 test vectors.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    @Test(arguments: vectors)
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
        #expect(Base64.decodeLenient(encoded) == Array(plain.utf8))
    }

    @Test func allByteValuesRoundTrip() {
        let bytes = (0...255).map { UInt8($0) }
        for length in 0...bytes.count {
            let encoded = Base64.encode(bytes[..<length])
            #expect(Base64.decode(encoded) == Array(bytes[..<length]))
        }
        #expect(Base64.encode([0xFB, 0xFF, 0xBF]) == "+/+/")
    }

    @Test(arguments: [
        "Zg", "Zg=", "Zm8", "Zg===", "Z===", "Zh==", "Zm9=", "Zm9v=", "Z", "Zm 9v", "Zm9v\n", "-_-_",
        "Zg==Zg==", "=Zg=",
    ])
    func strictDecodeRejects(input: String) {
        #expect(Base64.decode(input) == nil)
    }

    @Test func lenientDecodeAcceptsURLSafeAndUnpadded() {
        #expect(Base64.decodeLenient("Zg") == Array("f".utf8))
        #expect(Base64.decodeLenient("Zm8") == Array("fo".utf8))
        #expect(Base64.decodeLenient("-_-_") == [0xFB, 0xFF, 0xBF])
        #expect(Base64.decodeLenient("-_8") == [0xFB, 0xFF])
        #expect(Base64.decodeLenient("+/8=") == [0xFB, 0xFF])
        // Mixed alphabets, bad padding, non-canonical bits and stray characters stay invalid.
        for bad in ["+_-/", "Zg=", "Zg===", "Zh", "Z", "Zm9v\n", "Zm 9v", "Zg==Zg"] {
            #expect(Base64.decodeLenient(bad) == nil, "\(bad)")
        }
    }
}
