import DeterministicRandom
import Testing

@testable import Provenance

/// ``JSONView`` over a document with its structural index (``StrictJSON/validateIndexed(_:)``) against the same
/// view without it (values stepped over by scanning): generated documents and their mangled forms are accepted or
/// rejected alike (same reason), and every value, member and element is found at the same place.
@Suite("JSONView: the structural index agrees with scanning")
struct JSONViewIndexTests {
    /// The target's deterministic generator.
    typealias Generator = SplitMix64

    static let strings = [
        "", "a", "id", "severity", "x\\\"y", "\\u00e9t\\u00e9", "é", "tab\\t", "\\ud83d\\ude00", "CVE-2026-00001",
    ]
    static let space = [" ", "", "\n", "\t", "  "]

    /// A random JSON value written with random white space.
    static func value(_ depth: Int, _ g: inout Generator) -> String {
        let pad = { (g: inout Generator) in space.randomElement(using: &g)! }
        switch Int.random(in: 0..<(depth > 4 ? 5 : 8), using: &g) {
        case 0: return "\"\(strings.randomElement(using: &g)!)\""
        case 1: return ["0", "-1", "12.5e3", "3.25", "1E-2"].randomElement(using: &g)!
        case 2: return ["true", "false", "null"].randomElement(using: &g)!
        case 3, 4: return "\"\(String(repeating: "ab", count: Int.random(in: 0..<40, using: &g)))\""
        case 5:
            let count = Int.random(in: 0..<5, using: &g)
            let elements = (0..<count).map { _ in pad(&g) + value(depth + 1, &g) + pad(&g) }
            return "[" + pad(&g) + elements.joined(separator: ",") + "]"
        default:
            let count = Int.random(in: 0..<5, using: &g)
            let members = (0..<count).map { index in
                pad(&g) + "\"k\(index)\(strings.randomElement(using: &g)!)\"" + pad(&g) + ":" + pad(&g)
                    + value(depth + 1, &g) + pad(&g)
            }
            return "{" + pad(&g) + members.joined(separator: ",") + "}"
        }
    }

    /// Everything a reader can learn from `view`'s structure, recursively.
    static func shape(_ view: JSONView) -> [Int] {
        var out = [view.start, view.end]
        if view.isObject {
            for member in view.members {
                out += [member.keyStart, member.keyEnd, member.plainKey ? 1 : 0]
                out += shape(member.value)
            }
        } else if view.isArray {
            for element in view.elements { out += shape(element) }
        }
        return out
    }

    static func read(_ bytes: [UInt8], indexed: Bool) -> Result<[Int], StrictJSON.Failure> {
        do {
            let view = try JSONView.document(bytes, indexed: indexed)
            #expect((view.ends != nil) == indexed)
            return .success(shape(view))
        } catch {
            return .failure(error)
        }
    }

    static func agree(_ bytes: [UInt8]) -> Bool {
        let plain = read(bytes, indexed: false)
        let indexed = read(bytes, indexed: true)
        switch (plain, indexed) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "\(String(decoding: bytes, as: UTF8.self))")
            return true
        case (.failure(let a), .failure(let b)):
            #expect(a.reason == b.reason, "\(String(decoding: bytes, as: UTF8.self))")
            return false
        default:
            Issue.record("one accepts, the other rejects: \(String(decoding: bytes, as: UTF8.self))")
            return false
        }
    }

    @Test("generated documents: same values, members and elements at the same places")
    func generated() {
        var g = Generator(seed: 4)
        for _ in 0..<2000 {
            let document = Self.space.randomElement(using: &g)! + Self.value(0, &g) + Self.space.randomElement(using: &g)!
            #expect(Self.agree(Array(document.utf8)))
        }
    }

    @Test("mangled documents: accepted or rejected alike (same reason), same structure when accepted")
    func mangled() {
        var g = Generator(seed: 9)
        let alphabet = Array("{}[]\",:\\ a0-e.tnu".utf8) + [0xC3, 0xA9, 0xFF, 0x01]
        var rejected = 0
        for _ in 0..<600 {
            let document = Array(Self.value(0, &g).utf8)
            guard !document.isEmpty else { continue }
            for _ in 0..<8 {
                var bytes = document
                let at = Int.random(in: 0..<bytes.count, using: &g)
                switch Int.random(in: 0..<3, using: &g) {
                case 0: bytes.remove(at: at)
                case 1: bytes[at] = alphabet.randomElement(using: &g)!
                default: bytes.insert(alphabet.randomElement(using: &g)!, at: at)
                }
                if !Self.agree(bytes) { rejected += 1 }
            }
        }
        #expect(rejected > 1000)
    }
}
