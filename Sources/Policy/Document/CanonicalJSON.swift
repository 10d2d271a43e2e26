/// The canonical JSON the policy target writes (policies, decision-id inputs): objects with members sorted by
/// the UTF-8 bytes of their keys, no white space, integers and ``PolicyNumber``s in their shortest exact decimal
/// form, strings with only `"`, `\` and control characters escaped. The same rules as record payloads
/// (docs/FORMATS.md).
indirect enum CanonicalJSON: Sendable {
    case string(String)
    case integer(Int64)
    case number(PolicyNumber)
    case bool(Bool)
    case null
    case array([CanonicalJSON])
    case object([(String, CanonicalJSON?)])

    /// The canonical bytes; object members whose value is `nil` are left out.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// An array of strings.
    static func strings(_ values: [String]) -> CanonicalJSON { .array(values.map(CanonicalJSON.string)) }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .string(let string): CanonicalJSON.quote(string, into: &out)
        case .integer(let value): out += Array(String(value).utf8)
        case .number(let value): out += Array(value.description.utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .null: out += Array("null".utf8)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let present = members.compactMap { key, value in value.map { (key, $0) } }
            let sorted = present.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                CanonicalJSON.quote(member.0, into: &out)
                out.append(UInt8(ascii: ":"))
                member.1.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func quote(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let plain = string.utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        }
        if plain == true {
            out.append(contentsOf: string.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0x00..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
