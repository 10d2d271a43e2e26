import DeterministicRandom
import Foundation
import Testing
import TransparencyLog

@testable import Provenance

/// The envelope reader (``DSSEEnvelope/init(json:)``, in place over ``JSONView``, base64 decoded from the document's
/// bytes) against the tree-based reader it replaced (``reference(_:)``): for generated envelopes and every mangled
/// form of them, both accept the same envelope or both reject with the same code and message.
@Suite("DSSE envelope reader: in-place reader agrees with the tree-based reference")
struct DSSEReaderDifferentialTests {
    /// The tree-based reader, as `DSSEEnvelope.init(json:)` was before it read in place.
    static func reference(_ json: [UInt8]) -> Result<DSSEEnvelope, DSSEError> {
        func string(_ object: StrictJSON.Value, _ key: String) throws(DSSEError) -> String {
            guard let value = object[key] else { throw DSSEError(code: .missingField, message: "missing \"\(key)\"") }
            guard case .string(let string) = value else {
                throw DSSEError(code: .wrongType, message: "\"\(key)\" is not a string")
            }
            return string
        }
        func base64(_ object: StrictJSON.Value, _ key: String) throws(DSSEError) -> [UInt8] {
            let encoded = try string(object, key)
            guard let bytes = ReferenceBase64.decodeLenient(encoded) else {
                throw DSSEError(code: .invalidBase64, message: "\"\(key)\" is not valid base64")
            }
            return bytes
        }
        do throws(DSSEError) {
            let value: StrictJSON.Value
            do {
                value = try StrictJSON.parse(json)
            } catch {
                throw DSSEError(code: .malformedJSON, message: error.reason)
            }
            guard case .object = value else { throw DSSEError(code: .malformedJSON, message: "envelope is not a JSON object") }
            let payloadType = try string(value, "payloadType")
            let payload = try base64(value, "payload")
            guard let signaturesValue = value["signatures"] else {
                throw DSSEError(code: .missingField, message: "missing \"signatures\"")
            }
            guard case .array(let elements) = signaturesValue else {
                throw DSSEError(code: .wrongType, message: "\"signatures\" is not an array")
            }
            guard !elements.isEmpty else { throw DSSEError(code: .noSignatures, message: "\"signatures\" is empty") }
            var signatures: [DSSEEnvelope.Signature] = []
            for element in elements {
                guard case .object = element else {
                    throw DSSEError(code: .wrongType, message: "a signature is not a JSON object")
                }
                let keyID: String?
                switch element["keyid"] {
                case nil, .null?: keyID = nil
                case .string(let string)?: keyID = string
                default: throw DSSEError(code: .wrongType, message: "\"keyid\" is not a string")
                }
                let signature = try base64(element, "sig")
                guard !signature.isEmpty else { throw DSSEError(code: .emptySignature, message: "\"sig\" is empty") }
                signatures.append(.init(keyID: keyID, signature: signature))
            }
            return .success(DSSEEnvelope(payloadType: payloadType, payload: payload, signatures: signatures))
        } catch {
            return .failure(error)
        }
    }

    static func read(_ json: [UInt8]) -> Result<DSSEEnvelope, DSSEError> {
        do throws(DSSEError) {
            return .success(try DSSEEnvelope(json: json))
        } catch {
            return .failure(error)
        }
    }

    static func agree(_ json: [UInt8], _ note: @autoclosure () -> String) -> Bool {
        switch (read(json), reference(json)) {
        case (.success(let left), .success(let right)):
            #expect(left == right, "\(note())")
            return true
        case (.failure(let left), .failure(let right)):
            #expect(left.code == right.code && left.message == right.message, "\(note()): \(left) vs \(right)")
            return false
        case (let left, let right):
            Issue.record("\(note()): in place \(left), reference \(right)")
            return false
        }
    }

    /// Envelopes in many shapes: escapes in every string, URL-safe and unpadded base64, keyid null or absent, unknown
    /// members, white space, several signatures.
    static func envelopes(_ random: inout SeededGenerator) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for n in 0..<60 {
            let payload = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var encoded = Base64.encode(payload)
            switch n % 4 {
            case 1: encoded = encoded.replacingOccurrences(of: "=", with: "")
            case 2: encoded = encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            case 3: encoded = encoded.replacingOccurrences(of: "/", with: "\\/")
            default: break
            }
            let type = n % 5 == 0 ? "application/vnd.in-toto+json" : "text/\\u00e9\\n\(n)"
            let sig = Base64.encode((0..<(n % 7 == 0 ? 0 : 64)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) })
            let keyid = ["\"keyid\":\"k\(n)\",", "\"keyid\":null,", "", "\"keyid\":\"\\\"q\\\"\","][n % 4]
            let extra = n % 3 == 0 ? ",\"extra\":{\"a\":[1,2,{\"b\":null}]}" : ""
            let second = n % 6 == 0 ? ",{\"sig\":\"\(Base64.encode([1, 2, 3]))\"}" : ""
            let spaced = n % 2 == 0 ? " " : ""
            let text =
                "{\(spaced)\"payloadType\":\(spaced)\"\(type)\",\"payload\":\"\(encoded)\"\(extra),\(spaced)\"signatures\":[{\(keyid)\"sig\":\"\(sig)\"}\(second)]\(spaced)}"
            out.append(Array(text.utf8))
        }
        return out
    }

    typealias SeededGenerator = SplitMix64

    @Test("generated envelopes read the same")
    func generated() {
        var random = SeededGenerator(seed: 1)
        var accepted = 0
        for (index, json) in Self.envelopes(&random).enumerated() where Self.agree(json, "envelope \(index)") {
            accepted += 1
        }
        #expect(accepted > 40)
    }

    @Test("every mangled envelope is read the same: deleted, replaced and inserted bytes")
    func mangled() {
        var random = SeededGenerator(seed: 2)
        let bytes: [UInt8] = Array("\"\\{}[]:,= -_/+aA0nul".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE9, 0xFF]
        var rejected = 0
        var checked = 0
        for (index, json) in Self.envelopes(&random).enumerated() {
            for _ in 0..<120 {
                var mangled = json
                let at = Int.random(in: 0..<mangled.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mangled.remove(at: at)
                case 1: mangled[at] = bytes.randomElement(using: &random)!
                default: mangled.insert(bytes.randomElement(using: &random)!, at: at)
                }
                checked += 1
                if !Self.agree(mangled, "envelope \(index) mangled at \(at)") { rejected += 1 }
            }
        }
        #expect(rejected > checked / 4)
    }

    @Test("base64 decodes like the bitwise reference: every length, both alphabets, padding, bad symbols, bad low bits")
    func base64() {
        var random = SeededGenerator(seed: 3)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=".utf8) + [0x20, 0x2E, 0xC3]
        for length in 0..<80 {
            let payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let encoded = Base64.encode(payload)
            #expect(Base64.decodeLenient(encoded) == payload)
            #expect(Base64.decode(encoded) == payload)
            for _ in 0..<40 {
                var text = Array(encoded.utf8)
                if !text.isEmpty, Bool.random(using: &random) {
                    text[Int.random(in: 0..<text.count, using: &random)] = alphabet.randomElement(using: &random)!
                }
                if Int.random(in: 0..<4, using: &random) == 0 { text.removeAll { $0 == UInt8(ascii: "=") } }
                let string = String(decoding: text, as: UTF8.self)
                #expect(Base64.decodeLenient(string) == ReferenceBase64.decodeLenient(string), "\(string)")
                #expect(Base64.decodeLenient(utf8: text[...]) == ReferenceBase64.decodeLenient(string), "\(string)")
                #expect(Base64.decode(string) == ReferenceBase64.decode(string), "\(string)")
            }
        }
    }
}

/// Base64 decoding as TransparencyLog did it before its table-driven decoder: one symbol at a time.
enum ReferenceBase64 {
    static func decode(_ string: String) -> [UInt8]? {
        decode(Array(string.utf8), urlSafe: false, paddingRequired: true)
    }

    static func decodeLenient(_ string: String) -> [UInt8]? {
        let bytes = Array(string.utf8)
        return decode(bytes, urlSafe: false, paddingRequired: false) ?? decode(bytes, urlSafe: true, paddingRequired: false)
    }

    static func value(of symbol: UInt8, urlSafe: Bool) -> UInt8? {
        switch symbol {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return symbol - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return symbol - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return symbol - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where !urlSafe: return 62
        case UInt8(ascii: "/") where !urlSafe: return 63
        case UInt8(ascii: "-") where urlSafe: return 62
        case UInt8(ascii: "_") where urlSafe: return 63
        default: return nil
        }
    }

    static func decode(_ input: [UInt8], urlSafe: Bool, paddingRequired: Bool) -> [UInt8]? {
        var symbols = input[...]
        var padding = 0
        while let last = symbols.last, last == UInt8(ascii: "=") {
            padding += 1
            symbols = symbols.dropLast()
        }
        if padding > 2 { return nil }
        if padding > 0 || paddingRequired {
            guard input.count % 4 == 0 else { return nil }
        }
        let remainder = symbols.count % 4
        if remainder == 1 { return nil }
        if padding > 0 && remainder == 0 { return nil }
        if padding > 0 && padding != 4 - remainder { return nil }
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            guard let sextet = value(of: symbol, urlSafe: urlSafe) else { return nil }
            accumulator = accumulator << 6 | UInt32(sextet)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else { return nil }
        return out
    }
}
