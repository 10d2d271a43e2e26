import Foundation
import Testing

@testable import TrustServer

/// `POST /v1/authorize` reads the plain form of its body without `JSONDecoder`; whatever the plain reader accepts
/// must read exactly as `JSONDecoder` reads it, and everything else must be left to `JSONDecoder`.
@Suite("Authorize request bodies")
struct AuthorizeRequestBodyTests {
    static let image = "sha256:" + String(repeating: "ab", count: 32)

    static func fields(_ body: AuthorizeRequestBody) -> [String] {
        [
            body.user, body.image, body.environment ?? "<nil>", body.project ?? "<nil>", body.groups.joined(separator: "|"),
            body.time.map(String.init) ?? "<nil>", body.policy ?? "<nil>",
        ]
    }

    static func decoded(_ text: String) -> AuthorizeRequestBody? {
        try? JSONDecoder().decode(AuthorizeRequestBody.self, from: Data(text.utf8))
    }

    static let plainBodies = [
        #"{"user":"alice","image":"\#(image)"}"#,
        #"{"user":"alice","image":"\#(image)","environment":"prod"}"#,
        #" { "user" : "alice" , "image" : "\#(image)" , "environment" : "prod" , "groups" : [ "a" , "b/c" ] } "#,
        "{\n\t\"image\": \"\(image)\",\r\n\"user\": \"a b\", \"time\": 1767225600000, \"policy\": \"example\"}",
        #"{"user":"alice","image":"\#(image)","namespace":"payments","groups":[]}"#,
        #"{"user":"alice","image":"\#(image)","project":"payments","time":-0}"#,
        #"{"user":"alice","image":"\#(image)","project":null,"namespace":"ns","environment":null,"groups":null,"time":null}"#,
        #"{"user":"","image":"x","time":0}"#,
        #"{"user":"alice","image":"\#(image)","time":123456789012345678}"#,
        #"{"user":"~!@#$%^&*()_+{}|:<>?","image":"\#(image)"}"#,
    ]

    /// Bodies the plain reader leaves to `JSONDecoder` (valid or not).
    static let otherBodies = [
        #"{"user":"al\u0069ce","image":"\#(image)"}"#,
        #"{"user":"al\/ice","image":"\#(image)"}"#,
        #"{"user":"élise","image":"\#(image)"}"#,
        #"{"user":"alice","image":"\#(image)","time":1.5}"#,
        #"{"user":"alice","image":"\#(image)","time":1e3}"#,
        #"{"user":"alice","image":"\#(image)","time":1767225600000.0}"#,
        #"{"user":"alice","image":"\#(image)","time":01}"#,
        #"{"user":"alice","image":"\#(image)","time":1234567890123456789}"#,
        #"{"user":"alice","image":"\#(image)","time":"5"}"#,
        #"{"user":"alice","image":"\#(image)","time":- 5}"#,
        #"{"user":"alice","user":"bob","image":"\#(image)"}"#,
        #"{"user":"alice","image":"\#(image)","colour":"red"}"#,
        #"{"user":"alice","image":"\#(image)","project":"p","namespace":"n"}"#,
        #"{"user":"alice"}"#,
        #"{"user":null,"image":"\#(image)"}"#,
        #"{"user":"alice","image":"\#(image)",}"#,
        #"{"user":"alice","image":"\#(image)"} x"#,
        #"{"user":"alice","image":"\#(image)"}{}"#,
        #"{"user":"alice","image":"\#(image)","groups":["a",null]}"#,
        #"{"user":"alice","image":"\#(image)","groups":"a"}"#,
        #"{"user":"alice","image":"\#(image)","environment":5}"#,
        #"{"user":"alice","image":"\#(image)","environment":nul}"#,
        #"{"user":"alice","image":"\#(image)""#,
        "{\"user\":\"a\u{7f}\",\"image\":\"\(image)\"}",
        "{\"user\":\"a\tb\",\"image\":\"\(image)\"}",
        "\u{feff}{\"user\":\"alice\",\"image\":\"\(image)\"}",
        "[]", "null", "", "{}", "{\"user\":\"alice\",\"image\":\"\(image)\"",
    ]

    @Test("The plain form reads as JSONDecoder reads it")
    func plainBodiesReadAsJSONDecoderReadsThem() throws {
        for text in Self.plainBodies {
            let plain = try #require(AuthorizeRequestBody.plain(Array(text.utf8)), "\(text)")
            let decoded = try #require(Self.decoded(text), "\(text)")
            #expect(Self.fields(plain) == Self.fields(decoded), "\(text)")
        }
    }

    @Test("Anything else is left to JSONDecoder")
    func otherBodiesAreLeftToJSONDecoder() {
        for text in Self.otherBodies {
            #expect(AuthorizeRequestBody.plain(Array(text.utf8)) == nil, "\(text)")
        }
        // Some of them are valid, and JSONDecoder reads them.
        #expect(Self.decoded(Self.otherBodies[0])?.user == "alice")
        #expect(Self.decoded(Self.otherBodies[1])?.user == "al/ice")
        #expect(Self.decoded(Self.otherBodies[2])?.user == "élise")
    }

    @Test("Truncations and single-byte changes of a plain body never read differently from JSONDecoder")
    func mangledBodies() {
        let text = #"{"user":"alice","image":"\#(Self.image)","environment":"prod","groups":["a"],"time":1767225600000}"#
        let bytes = Array(text.utf8)
        var variants: [[UInt8]] = (0..<bytes.count).map { Array(bytes[..<$0]) }
        for index in bytes.indices {
            for replacement: UInt8 in [0x20, 0x22, 0x2C, 0x30, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x6E, 0x2D, 0x2E, 0xC3] {
                var variant = bytes
                variant[index] = replacement
                variants.append(variant)
            }
        }
        for variant in variants {
            guard let plain = AuthorizeRequestBody.plain(variant) else { continue }
            let decoded = try? JSONDecoder().decode(AuthorizeRequestBody.self, from: Data(variant))
            #expect(decoded.map(Self.fields) == Self.fields(plain), "\(String(decoding: variant, as: UTF8.self))")
        }
    }
}
