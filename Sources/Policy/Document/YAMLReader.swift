import Yams

/// Parses YAML (and therefore JSON) into Yams nodes with marks, and reads typed, located values from them.
///
/// The resolver is YAML 1.2's core schema minus timestamps and merge keys: only `true`/`false` are booleans (so
/// `no` is a string, never a surprise `false`), and `<<` is an ordinary (therefore unknown) key.
enum YAMLReader {
    /// The largest input read, in bytes.
    static let maximumSize = 1 << 20

    private static let resolver = try! Resolver.basic.appending(.bool, "^(?:true|True|TRUE|false|False|FALSE)$")
        .appending(Resolver.Rule.int).appending(Resolver.Rule.float).appending(Resolver.Rule.null)

    /// The single root node of `text`.
    static func root(_ text: String) throws(PolicyError) -> Node {
        guard text.utf8.count <= maximumSize else {
            throw PolicyError(code: .tooLarge, message: "the document is larger than \(maximumSize) bytes")
        }
        do {
            guard let node = try Parser(yaml: text, resolver: resolver).singleRoot() else {
                throw PolicyError(code: .syntax, line: 1, column: 1, message: "the document is empty")
            }
            return node
        } catch let error as PolicyError {
            throw error
        } catch let error as YamlError {
            throw convert(error, text: text)
        } catch {
            throw PolicyError(code: .syntax, message: "unreadable: \(error)")
        }
    }

    private static func convert(_ error: YamlError, text: String) -> PolicyError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = context.map { "\($0.text): \(problem)" } ?? problem
            return PolicyError(code: .syntax, line: mark.line, column: mark.column, message: "not valid YAML: \(what)")
        case .reader(let problem, _, _, _):
            return PolicyError(code: .syntax, message: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyError(text: text, key: duplicates.first ?? "", mark: context.mark)
        default:
            return PolicyError(code: .syntax, message: "not valid YAML: \(error)")
        }
    }

    // MARK: Duplicate keys

    private static let sentinel = "zzvmtrustduplicatezz"

    /// Yams refuses a duplicate key with the key's text and the position of its first occurrence, but no path. To
    /// name the field, the occurrence at that position is renamed with a sentinel prefix and the text parsed
    /// again: the mapping holding the sentinel is the one with the duplicate. The error points at the second
    /// occurrence and names the first.
    private static func duplicateKeyError(text: String, key: String, mark: Mark) -> PolicyError {
        let fallback = PolicyError(
            code: .duplicateKey,
            line: mark.line,
            column: mark.column,
            message: "duplicate key \"\(key)\""
        )
        guard let offset = scalarOffset(text, line: mark.line, column: mark.column) else { return fallback }
        var scalars = Array(text.unicodeScalars)
        let insertAt = scalars[offset] == "\"" || scalars[offset] == "'" ? offset + 1 : offset
        scalars.insert(contentsOf: sentinel.unicodeScalars, at: insertAt)
        var renamed = String.UnicodeScalarView()
        renamed.append(contentsOf: scalars)
        guard let root = try? Parser(yaml: String(renamed), resolver: resolver).singleRoot(),
            let found = findSentinel(in: root, path: "")
        else { return fallback }
        let shift = sentinel.unicodeScalars.count
        var occurrences: [(line: Int, column: Int)] = [(mark.line, mark.column)]
        for case let (otherKey, _) in found.mapping where otherKey.string == key {
            guard let other = otherKey.mark else { continue }
            let column = other.line == mark.line && other.column > mark.column ? other.column - shift : other.column
            occurrences.append((other.line, column))
        }
        occurrences.sort { ($0.line, $0.column) < ($1.line, $1.column) }
        guard occurrences.count >= 2 else { return fallback }
        let field = found.path.isEmpty ? key : "\(found.path).\(key)"
        return PolicyError(
            code: .duplicateKey,
            line: occurrences[1].line,
            column: occurrences[1].column,
            field: field,
            message: "duplicate key \"\(key)\" (first at line \(occurrences[0].line), column \(occurrences[0].column))"
        )
    }

    /// The index in `text.unicodeScalars` of the 1-based line and column (libyaml counts characters).
    private static func scalarOffset(_ text: String, line: Int, column: Int) -> Int? {
        var currentLine = 1
        var currentColumn = 1
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if currentLine == line && currentColumn == column { return index }
            if scalar == "\n" {
                currentLine += 1
                currentColumn = 1
            } else {
                currentColumn += 1
            }
        }
        return nil
    }

    private static func findSentinel(in node: Node, path: String) -> (path: String, mapping: Node.Mapping)? {
        switch node {
        case .mapping(let mapping):
            if mapping.contains(where: { $0.key.string?.hasPrefix(sentinel) == true }) { return (path, mapping) }
            for (key, value) in mapping {
                let name = key.string ?? "?"
                if let found = findSentinel(in: value, path: path.isEmpty ? name : "\(path).\(name)") { return found }
            }
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                if let found = findSentinel(in: element, path: "\(path)[\(index)]") { return found }
            }
        default: break
        }
        return nil
    }
}

/// A node with the path that leads to it, and typed readers that fail with located, precise errors.
struct Located {
    /// The node.
    let node: Node
    /// Its field path (`scopes[0].rules`; empty for the root).
    let path: String

    /// The mark's line and column.
    var line: Int? { node.mark?.line }
    /// The mark's column.
    var column: Int? { node.mark?.column }

    /// An error located at this node.
    func error(_ code: PolicyError.Code, _ message: String) -> PolicyError {
        PolicyError(code: code, line: line, column: column, field: path.isEmpty ? nil : path, message: message)
    }

    /// What the node is, for messages: `a string`, `a list`, `the integer 7`…
    var kind: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return "null"
            case Tag.Name.bool.rawValue: return "the boolean \(scalar.string)"
            case Tag.Name.int.rawValue: return "the integer \(scalar.string)"
            case Tag.Name.float.rawValue: return "the number \(scalar.string)"
            default: return "the string \"\(scalar.string.prefix(40))\""
            }
        }
    }

    private var isStringScalar: Bool { node.scalar != nil && node.tag.rawValue == Tag.Name.str.rawValue }

    /// A mapping's reader.
    func mapping() throws(PolicyError) -> MappingReader { try MappingReader(self) }

    /// A list's elements.
    func list(maximum: Int, allowEmpty: Bool = false) throws(PolicyError) -> [Located] {
        guard case .sequence(let sequence) = node else { throw error(.wrongType, "must be a list, not \(kind)") }
        guard allowEmpty || !sequence.isEmpty else {
            throw error(.outOfRange, "must not be empty (leave the field out instead)")
        }
        guard sequence.count <= maximum else {
            throw error(.outOfRange, "has \(sequence.count) entries; at most \(maximum) allowed")
        }
        return sequence.enumerated().map { Located(node: $1, path: "\(path)[\($0)]") }
    }

    /// A string of 1…`maximum` characters without control characters (new lines allowed when `multiline`).
    func string(maximum: Int, multiline: Bool = false) throws(PolicyError) -> String {
        guard isStringScalar, let text = node.string else {
            throw error(.wrongType, "must be a string, not \(kind)\(node.scalar == nil ? "" : " (quote it)")")
        }
        guard !text.isEmpty else { throw error(.invalidValue, "must not be empty") }
        guard text.count <= maximum else {
            throw error(.outOfRange, "is \(text.count) characters long; at most \(maximum) allowed")
        }
        let controls = text.unicodeScalars.contains { $0.value < 0x20 && !(multiline && ($0 == "\n" || $0 == "\t")) }
        guard !controls else { throw error(.invalidValue, "must not contain control characters") }
        return text
    }

    /// An identifier: 1–128 characters of `A-Z a-z 0-9 . _ : @ / + -`, starting with a letter or digit.
    func identifier() throws(PolicyError) -> String {
        let text = try string(maximum: 128)
        guard PolicyIdentifier.isValid(text) else {
            throw error(
                .invalidValue,
                "\"\(text)\" is not an identifier (letters, digits and . _ : @ / + -, starting with a letter or digit)"
            )
        }
        return text
    }

    /// A list of distinct identifiers.
    func identifiers(maximum: Int, allowEmpty: Bool = false) throws(PolicyError) -> [String] {
        var seen: Set<String> = []
        var out: [String] = []
        for element in try list(maximum: maximum, allowEmpty: allowEmpty) {
            let value = try element.identifier()
            guard seen.insert(value).inserted else { throw element.error(.invalidValue, "\"\(value)\" is listed twice") }
            out.append(value)
        }
        return out
    }

    /// `true` or `false`.
    func bool() throws(PolicyError) -> Bool {
        guard node.scalar != nil, node.tag.rawValue == Tag.Name.bool.rawValue, let value = node.bool else {
            throw error(.wrongType, "must be true or false, not \(kind)")
        }
        return value
    }

    /// A decimal integer in `range`.
    func integer(_ range: ClosedRange<Int64>) throws(PolicyError) -> Int64 {
        guard let scalar = node.scalar, node.tag.rawValue == Tag.Name.int.rawValue else {
            throw error(.wrongType, "must be an integer, not \(kind)")
        }
        let text = scalar.string
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits == "0" || digits.first != "0",
            let value = Int64(text)
        else { throw error(.invalidValue, "\(text) is not a plain decimal integer") }
        guard range.contains(value) else {
            throw error(.outOfRange, "\(value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A decimal number (at most six fractional digits) in `range`.
    func number(_ range: ClosedRange<PolicyNumber>) throws(PolicyError) -> PolicyNumber {
        guard let scalar = node.scalar,
            [Tag.Name.int.rawValue, Tag.Name.float.rawValue].contains(node.tag.rawValue)
        else { throw error(.wrongType, "must be a number, not \(kind)") }
        guard let value = PolicyNumber(scalar.string) else {
            throw error(
                .invalidValue,
                "\(scalar.string) is not a plain decimal number (digits, optionally . and at most 6 more digits)"
            )
        }
        guard range.contains(value) else {
            throw error(.outOfRange, "\(value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A duration `<n>ms|s|m|h|d`, at least `minimum`.
    func duration(minimum: PolicyDuration) throws(PolicyError) -> PolicyDuration {
        let text = try string(maximum: 32)
        guard let value = PolicyDuration(text) else {
            throw error(
                .invalidValue,
                "\"\(text)\" is not a duration (a whole number and a unit: ms, s, m, h or d; at most 3650d)"
            )
        }
        guard value >= minimum else { throw error(.outOfRange, "\(value) is shorter than \(minimum)") }
        return value
    }

    /// One of an enumeration's raw values.
    func oneOf<Value: RawRepresentable & CaseIterable>(_: Value.Type, what: String) throws(PolicyError) -> Value
    where Value.RawValue == String {
        let text = try string(maximum: 64)
        guard let value = Value(rawValue: text) else {
            let names = Value.allCases.map(\.rawValue)
            let expected = names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
            throw error(.invalidValue, "unknown \(what) \"\(text)\" (expected \(expected))")
        }
        return value
    }
}

/// Reads one mapping's members by name, refusing unknown ones.
struct MappingReader {
    private let members: [(key: String, keyNode: Node, value: Node)]
    /// The mapping itself.
    let located: Located
    private var consumed: Set<String> = []

    init(_ located: Located) throws(PolicyError) {
        guard case .mapping(let mapping) = located.node else {
            throw located.error(.wrongType, "must be a mapping, not \(located.kind)")
        }
        var members: [(key: String, keyNode: Node, value: Node)] = []
        for (key, value) in mapping {
            guard key.scalar != nil, key.tag.rawValue == Tag.Name.str.rawValue, let name = key.string else {
                throw Located(node: key, path: located.path).error(.wrongType, "keys must be strings")
            }
            members.append((name, key, value))
        }
        self.members = members
        self.located = located
    }

    private func childPath(_ key: String) -> String { located.path.isEmpty ? key : "\(located.path).\(key)" }

    /// Whether the mapping has no members.
    var isEmpty: Bool { members.isEmpty }

    /// The member `key`, if present. `null` is refused: an absent field is left out.
    mutating func optional(_ key: String) throws(PolicyError) -> Located? {
        consumed.insert(key)
        guard let member = members.first(where: { $0.key == key }) else { return nil }
        let value = Located(node: member.value, path: childPath(key))
        if member.value.scalar != nil, member.value.tag.rawValue == Tag.Name.null.rawValue {
            throw value.error(.wrongType, "is null (leave an absent field out)")
        }
        return value
    }

    /// The member `key`.
    mutating func required(_ key: String) throws(PolicyError) -> Located {
        guard let value = try optional(key) else {
            throw PolicyError(
                code: .missingField,
                line: located.line,
                column: located.column,
                field: childPath(key),
                message: "is required"
            )
        }
        return value
    }

    /// Refuses members that were never asked for, at the first one's key.
    func finish() throws(PolicyError) {
        for member in members where !consumed.contains(member.key) {
            throw Located(node: member.keyNode, path: childPath(member.key)).error(.unknownField, "unknown field")
        }
    }
}

/// Identifiers: names of policies, scopes, tiers, privileges, checks, users, groups, projects, environments and
/// auditors.
public enum PolicyIdentifier {
    /// Whether `text` is 1–128 characters of `A-Z a-z 0-9 . _ : @ / + -` starting with a letter or digit.
    public static func isValid(_ text: String) -> Bool {
        func alphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        func allowed(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"),
                UInt8(ascii: "+"), UInt8(ascii: "-"):
                return true
            default:
                return alphanumeric(byte)
            }
        }
        var text = text
        return text.withUTF8 { bytes in
            guard let first = bytes.first, bytes.count <= 128 else { return false }
            return alphanumeric(first) && bytes.allSatisfy(allowed)
        }
    }
}
