import Crypto
import Foundation
import Provenance
import Testing
import TransparencyLog

@Suite("DSSE v1 envelopes")
struct DSSETests {
    // MARK: Known answers

    @Test func paeVectors() throws {
        let fixtures = try DSSEFixtures.load()
        #expect(fixtures.pae.count == 3)
        for vector in fixtures.pae {
            let pae = DSSEEnvelope.pae(payloadType: vector.payloadType, payload: Array(vector.payloadUTF8.utf8))
            if let hex = vector.paeHex { #expect(hexString(pae) == hex) }
            if let utf8 = vector.paeUTF8 { #expect(pae == Array(utf8.utf8)) }
            #expect(vector.paeHex != nil || vector.paeUTF8 != nil)
        }
    }

    @Test func ed25519EnvelopesKnownAnswers() throws {
        let fixtures = try DSSEFixtures.load()
        let key = try SigningKey(ed25519Seed: hexBytes(fixtures.ed25519.privateSeedHex))
        #expect(Base64.encode(key.publicKey.spkiDER) == fixtures.ed25519.publicSPKIB64)
        #expect(fixtures.ed25519.envelopes.count == 3)
        for vector in fixtures.ed25519.envelopes {
            let pae = DSSEEnvelope.pae(payloadType: vector.payloadType, payload: vector.payload)
            if let digest = vector.paeSHA256Hex { #expect(hexString(SHA256.hash(data: pae)) == digest) }
            let published = Base64.decode(vector.sigB64)!
            let envelope = DSSEEnvelope(
                payloadType: vector.payloadType,
                payload: vector.payload,
                signatures: [.init(keyID: nil, signature: published)]
            )
            #expect(envelope.verifiedKeys([key.publicKey]) == (vector.valid ? [key.publicKey] : []))
            if vector.valid {
                // Ed25519 is deterministic (RFC 8032); swift-crypto's BoringSSL backend reproduces the bytes.
                let signed = try DSSEEnvelope.sign(payloadType: vector.payloadType, payload: vector.payload, keys: [key])
                #expect(signed.signatures.map(\.signature) == [published])
                #expect(signed.signatures[0].keyID == key.publicKey.keyID)
            }
        }
    }

    @Test func ecdsaSpecVectorRawAndDER() throws {
        let fixtures = try DSSEFixtures.load()
        let publicKey = try PublicKey(spkiDER: Base64.decode(fixtures.ecdsaP256.publicSPKIB64)!)
        #expect(publicKey.algorithm == .p256)
        #expect(publicKey.keyID == "f793580060562d6ff075d814ea698c282fcc779b0cde64d79ffc6301df00d14b")
        let envelope = try DSSEEnvelope(json: fixtures.ecdsaEnvelopeJSON)
        #expect(envelope.payloadType == "http://example.com/HelloWorld")
        #expect(envelope.payload == Array("hello world".utf8))
        #expect(envelope.signatures.count == 1)
        #expect(envelope.signatures[0].keyID == nil)
        #expect(envelope.signatures[0].signature.count == 64)  // raw r || s
        #expect(fixtures.ecdsaP256.valid)
        #expect(envelope.verifiedKeys([publicKey]) == [publicKey])

        var der = envelope
        der.signatures[0].signature = Base64.decode(fixtures.ecdsaP256.signatureDERB64)!
        #expect(der.verifiedKeys([publicKey]) == [publicKey])
        let pae = DSSEEnvelope.pae(payloadType: envelope.payloadType, payload: envelope.payload)
        #expect(publicKey.isValidSignature(der.signatures[0].signature, for: pae))
        #expect(publicKey.isValidSignature(envelope.signatures[0].signature, for: pae))
    }

    // MARK: Mutations

    @Test func mutatedEnvelopesRejected() throws {
        let fixtures = try DSSEFixtures.load()
        let publicKey = try PublicKey(spkiDER: Base64.decode(fixtures.ecdsaP256.publicSPKIB64)!)
        let edKey = try SigningKey(ed25519Seed: hexBytes(fixtures.ed25519.privateSeedHex))
        let ecdsa = try DSSEEnvelope(json: fixtures.ecdsaEnvelopeJSON)
        let ed = try DSSEEnvelope.sign(payloadType: "application/vnd.in-toto+json", payload: Array("{}".utf8), keys: [edKey])
        for (envelope, key) in [(ecdsa, publicKey), (ed, edKey.publicKey)] {
            #expect(envelope.verifiedKeys([key]) == [key])
            var payload = envelope
            payload.payload.append(0x20)
            var type = envelope
            type.payloadType += "x"
            var signature = envelope
            signature.signatures[0].signature[5] ^= 0x01
            var truncated = envelope
            truncated.signatures[0].signature.removeLast()
            var swapped = envelope
            swapped.payloadType = String(decoding: envelope.payload, as: UTF8.self)
            swapped.payload = Array(envelope.payloadType.utf8)
            for mutated in [payload, type, signature, truncated, swapped] {
                #expect(mutated.verifiedKeys([key]).isEmpty)
            }
        }
        // A key that did not sign is not reported, whatever the keyid hint says.
        var lying = ed
        lying.signatures[0].keyID = publicKey.keyID
        #expect(lying.verifiedKeys([publicKey]).isEmpty)
        // A signature that names a known key is checked against that key only.
        #expect(lying.verifiedKeys([publicKey, edKey.publicKey]).isEmpty)
        // A keyid from another scheme (or none) is tried against every key.
        var foreign = ed
        foreign.signatures[0].keyID = "c0ffee"
        #expect(foreign.verifiedKeys([publicKey, edKey.publicKey]) == [edKey.publicKey])
        foreign.signatures[0].keyID = nil
        #expect(foreign.verifiedKeys([publicKey, edKey.publicKey]) == [edKey.publicKey])
    }

    @Test func severalSignaturesVerified() throws {
        let ed = SigningKey.generate(.ed25519)
        let p256 = SigningKey.generate(.p256)
        let stranger = SigningKey.generate(.p256)
        let payload = Array("{\"_type\":\"https://in-toto.io/Statement/v1\"}".utf8)
        let envelope = try DSSEEnvelope.sign(payloadType: "application/vnd.in-toto+json", payload: payload, keys: [ed, p256])
        #expect(envelope.signatures.map(\.keyID) == [ed.publicKey.keyID, p256.publicKey.keyID])
        let parsed = try DSSEEnvelope(json: envelope.jsonBytes())
        #expect(parsed == envelope)
        #expect(
            parsed.verifiedKeys([stranger.publicKey, p256.publicKey, ed.publicKey, p256.publicKey])
                == [p256.publicKey, ed.publicKey]
        )
        // A duplicated signature still counts its key once.
        var duplicated = parsed
        duplicated.signatures.append(duplicated.signatures[0])
        #expect(duplicated.verifiedKeys([ed.publicKey]) == [ed.publicKey])
        // One bad signature does not hide a good one.
        var oneBad = parsed
        oneBad.signatures[0].signature[0] ^= 0xFF
        #expect(oneBad.verifiedKeys([ed.publicKey, p256.publicKey]) == [p256.publicKey])
        #expect(throws: dsseError(.noSignatures)) { try DSSEEnvelope.sign(payloadType: "t", payload: [], keys: []) }
    }

    // MARK: JSON

    @Test func canonicalJSONEncoding() throws {
        let envelope = DSSEEnvelope(
            payloadType: "http://example.com/HelloWorld",
            payload: Array("hello world".utf8),
            signatures: [.init(keyID: "k1", signature: [0xFB, 0xFF]), .init(keyID: nil, signature: [1, 2, 3])]
        )
        let expected =
            #"{"payloadType":"http://example.com/HelloWorld","payload":"aGVsbG8gd29ybGQ=","signatures":[{"keyid":"k1","sig":"+/8="},{"sig":"AQID"}]}"#
        #expect(String(decoding: envelope.jsonBytes(), as: UTF8.self) == expected)
        #expect(try DSSEEnvelope(json: Array(expected.utf8)) == envelope)

        let escaped = DSSEEnvelope(
            payloadType: "a\"b\\c\n\u{1}/é",
            payload: [],
            signatures: [.init(keyID: "", signature: [0])]
        )
        let json = String(decoding: escaped.jsonBytes(), as: UTF8.self)
        #expect(json == #"{"payloadType":"a\"b\\c\n\u0001/é","payload":"","signatures":[{"keyid":"","sig":"AA=="}]}"#)
        #expect(try DSSEEnvelope(json: escaped.jsonBytes()) == escaped)
        // Foundation agrees on the decoded values.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(escaped.jsonBytes())) as? [String: Any])
        #expect(object["payloadType"] as? String == escaped.payloadType)
    }

    @Test func lenientBase64AndOptionalFieldsAccepted() throws {
        let fixtures = try DSSEFixtures.load()
        let key = try PublicKey(spkiDER: Base64.decode(fixtures.ecdsaP256.publicSPKIB64)!)
        let standard = "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let unpadded = standard.replacingOccurrences(of: "=", with: "")
        let urlUnpadded = urlSafe.replacingOccurrences(of: "=", with: "")
        for sig in [standard, urlSafe, unpadded, urlUnpadded] {
            for payload in ["aGVsbG8gd29ybGQ=", "aGVsbG8gd29ybGQ"] {
                let json = """
                     { "payloadType" : "http:\\/\\/example.com\\/HelloWorld",
                       "payload": "\(payload)", "extra": [1, 2.5e3, {"x": null}, true],
                       "signatures": [ { "keyid": null, "sig": "\(sig)" } ] }\n
                    """
                let envelope = try DSSEEnvelope(json: Array(json.utf8))
                #expect(envelope.payloadType == "http://example.com/HelloWorld")
                #expect(envelope.signatures[0].keyID == nil)
                #expect(envelope.verifiedKeys([key]) == [key], "\(sig) \(payload)")
            }
        }
        let noKeyID = try DSSEEnvelope(json: Array(#"{"payloadType":"","payload":"","signatures":[{"sig":"AA"}]}"#.utf8))
        #expect(noKeyID.payloadType.isEmpty)
        #expect(noKeyID.payload.isEmpty)
        #expect(noKeyID.signatures == [.init(keyID: nil, signature: [0])])
    }

    static let good = #"{"payloadType":"t","payload":"AA==","signatures":[{"keyid":"k","sig":"AA=="}]}"#

    static let malformed: [(String, String, DSSEError.Code)] = [
        ("empty input", "", .malformedJSON),
        ("white space only", "  ", .malformedJSON),
        ("array", "[]", .malformedJSON),
        ("string", #""x""#, .malformedJSON),
        ("null", "null", .malformedJSON),
        ("number", "1", .malformedJSON),
        ("truncated", String(good.dropLast()), .malformedJSON),
        ("trailing garbage", good + "x", .malformedJSON),
        ("two objects", good + good, .malformedJSON),
        ("trailing comma", good.replacingOccurrences(of: "\"AA==\"}]}", with: "\"AA==\",}]}"), .malformedJSON),
        ("single quotes", good.replacingOccurrences(of: "\"", with: "'"), .malformedJSON),
        (
            "duplicate payload", good.replacingOccurrences(of: "{\"payloadType\"", with: "{\"payload\":\"AQ==\",\"payloadType\""),
            .malformedJSON
        ),
        ("duplicate sig", good.replacingOccurrences(of: "\"keyid\":\"k\"", with: "\"sig\":\"AQ==\""), .malformedJSON),
        ("lone surrogate", good.replacingOccurrences(of: "\"t\"", with: #""\ud800""#), .malformedJSON),
        ("raw control character", good.replacingOccurrences(of: "\"t\"", with: "\"\u{1}\""), .malformedJSON),
        ("invalid escape", good.replacingOccurrences(of: "\"t\"", with: #""\x41""#), .malformedJSON),
        (
            "leading zero number", good.replacingOccurrences(of: "{\"payloadType\"", with: "{\"n\":01,\"payloadType\""),
            .malformedJSON
        ),
        ("bare word", good.replacingOccurrences(of: "{\"payloadType\"", with: "{\"n\":nope,\"payloadType\""), .malformedJSON),
        ("byte order mark", "\u{FEFF}" + good, .malformedJSON),
        (
            "nesting too deep",
            good.replacingOccurrences(
                of: "{\"payloadType\"",
                with: "{\"n\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + ",\"payloadType\""
            ),
            .malformedJSON
        ),
        ("missing payloadType", #"{"payload":"AA==","signatures":[{"sig":"AA=="}]}"#, .missingField),
        ("missing payload", #"{"payloadType":"t","signatures":[{"sig":"AA=="}]}"#, .missingField),
        ("missing signatures", #"{"payloadType":"t","payload":"AA=="}"#, .missingField),
        ("missing sig", #"{"payloadType":"t","payload":"AA==","signatures":[{"keyid":"k"}]}"#, .missingField),
        ("empty signatures", #"{"payloadType":"t","payload":"AA==","signatures":[]}"#, .noSignatures),
        ("signatures is an object", #"{"payloadType":"t","payload":"AA==","signatures":{"sig":"AA=="}}"#, .wrongType),
        ("signatures is null", #"{"payloadType":"t","payload":"AA==","signatures":null}"#, .wrongType),
        ("signature is a string", #"{"payloadType":"t","payload":"AA==","signatures":["AA=="]}"#, .wrongType),
        ("payloadType is a number", #"{"payloadType":1,"payload":"AA==","signatures":[{"sig":"AA=="}]}"#, .wrongType),
        ("payloadType is null", #"{"payloadType":null,"payload":"AA==","signatures":[{"sig":"AA=="}]}"#, .wrongType),
        ("payload is an array", #"{"payloadType":"t","payload":[0],"signatures":[{"sig":"AA=="}]}"#, .wrongType),
        ("payload is null", #"{"payloadType":"t","payload":null,"signatures":[{"sig":"AA=="}]}"#, .wrongType),
        ("sig is a number", #"{"payloadType":"t","payload":"AA==","signatures":[{"sig":0}]}"#, .wrongType),
        ("keyid is a number", #"{"payloadType":"t","payload":"AA==","signatures":[{"keyid":1,"sig":"AA=="}]}"#, .wrongType),
        ("keyid is a bool", #"{"payloadType":"t","payload":"AA==","signatures":[{"keyid":true,"sig":"AA=="}]}"#, .wrongType),
        ("payload bad base64", #"{"payloadType":"t","payload":"!!!!","signatures":[{"sig":"AA=="}]}"#, .invalidBase64),
        ("payload one symbol", #"{"payloadType":"t","payload":"A","signatures":[{"sig":"AA=="}]}"#, .invalidBase64),
        ("payload mixed alphabets", #"{"payloadType":"t","payload":"+_+_","signatures":[{"sig":"AA=="}]}"#, .invalidBase64),
        ("payload non-canonical bits", #"{"payloadType":"t","payload":"AB==","signatures":[{"sig":"AA=="}]}"#, .invalidBase64),
        ("payload with white space", #"{"payloadType":"t","payload":"AA AA","signatures":[{"sig":"AA=="}]}"#, .invalidBase64),
        ("sig bad base64", #"{"payloadType":"t","payload":"AA==","signatures":[{"sig":"A==="}]}"#, .invalidBase64),
        ("sig empty", #"{"payloadType":"t","payload":"AA==","signatures":[{"sig":""}]}"#, .emptySignature),
    ]

    @Test(arguments: malformed)
    func malformedJSONRejected(why: String, json: String, code: DSSEError.Code) {
        #expect(throws: dsseError(code), "\(why)") { try DSSEEnvelope(json: Array(json.utf8)) }
    }

    @Test func malformedTableControl() throws {
        let envelope = try DSSEEnvelope(json: Array(DSSETests.good.utf8))
        #expect(envelope.payload == [0])
        #expect(envelope.signatures == [.init(keyID: "k", signature: [0])])
    }

    @Test func invalidUTF8Rejected() {
        let invalid: [UInt8] =
            Array(#"{"payloadType":""#.utf8) + [0xFF] + Array(#"","payload":"","signatures":[{"sig":"AA=="}]}"#.utf8)
        #expect(throws: dsseError(.malformedJSON)) { try DSSEEnvelope(json: invalid) }
        let overlong: [UInt8] =
            Array(#"{"payloadType":""#.utf8) + [0xC0, 0xAF] + Array(#"","payload":"","signatures":[{"sig":"AA=="}]}"#.utf8)
        #expect(throws: dsseError(.malformedJSON)) { try DSSEEnvelope(json: overlong) }
    }

    @Test func errorDescriptions() {
        #expect(DSSEError(code: .missingField, message: "m").description == "DSSEError.missingField: m")
        #expect(DSSEError(code: .missingField, message: "m") == dsseError(.missingField))
    }
}
