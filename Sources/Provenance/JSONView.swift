/// A value inside a strict JSON document that ``StrictJSON/validate(_:)`` accepted, read in place: no tree is
/// built; strings are decoded only when asked for.
struct JSONView: Sendable {
    /// The whole document.
    let bytes: [UInt8]
    /// The first byte of the value.
    let start: Int
    /// The document's structural index (``StrictJSON/validateIndexed(_:)``), when it was built: where each object,
    /// array and string ends, so that stepping over a nested value does not scan it.
    let ends: [Int32]?

    init(bytes: [UInt8], start: Int, ends: [Int32]? = nil) {
        self.bytes = bytes
        self.start = start
        self.ends = ends
    }

    /// The document's top-level value, after checking the document exactly as ``StrictJSON/parse(_:)`` does.
    ///
    /// With `indexed`, the check also builds the structural index (one array of `Int32` per document byte): worth it
    /// for nested documents read level by level (an in-toto statement), where every level would otherwise scan its
    /// members' values again.
    static func document(_ bytes: [UInt8], indexed: Bool = false) throws(StrictJSON.Failure) -> JSONView {
        let ends: [Int32]?
        if indexed, bytes.count < Int(Int32.max) {
            ends = try StrictJSON.validateIndexed(bytes)
        } else {
            try StrictJSON.validate(bytes)
            ends = nil
        }
        var parser = StrictJSON.Parser(bytes: bytes)
        parser.skipWhitespace()
        return JSONView(bytes: bytes, start: parser.index, ends: ends)
    }

    /// The index just past the value at `index` (a value of this view's document).
    private func end(of index: Int) -> Int {
        if let ends {
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\""): return Int(ends[index])
            default: break
            }
        }
        var parser = StrictJSON.Parser(bytes: bytes, index: index)
        parser.skipValidatedValue()
        return parser.index
    }

    /// An empty object.
    static let emptyObject = JSONView(bytes: Array("{}".utf8), start: 0)

    private var first: UInt8 { bytes[start] }

    /// Whether the value is an object.
    var isObject: Bool { first == UInt8(ascii: "{") }
    /// Whether the value is an array.
    var isArray: Bool { first == UInt8(ascii: "[") }
    /// Whether the value is `null`.
    var isNull: Bool { first == UInt8(ascii: "n") }
    /// Whether the value is a number.
    var isNumber: Bool { first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) }

    /// The decoded string, or `nil` when the value is not a string.
    var string: String? {
        guard first == UInt8(ascii: "\"") else { return nil }
        var parser = StrictJSON.Parser(bytes: bytes, index: start)
        return try? parser.parseString()
    }

    /// The bytes between the quotes of a string without escapes (they are then the string's UTF-8), or `nil` when
    /// the value is not a string or has an escape.
    var plainStringContents: ArraySlice<UInt8>? {
        guard first == UInt8(ascii: "\"") else { return nil }
        var index = start + 1
        while bytes[index] != UInt8(ascii: "\"") {
            if bytes[index] == UInt8(ascii: "\\") { return nil }
            index += 1
        }
        return bytes[(start + 1)..<index]
    }

    /// The number's literal, or `nil` when the value is not a number.
    var numberLiteral: String? {
        guard isNumber else { return nil }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The index just past the value.
    var end: Int { end(of: start) }

    /// The value's bytes.
    var slice: ArraySlice<UInt8> { bytes[start..<end] }

    /// The elements of an array (empty for any other value).
    var elements: [JSONView] {
        var out: [JSONView] = []
        var next = firstElement
        while let index = next {
            out.append(JSONView(bytes: bytes, start: index, ends: ends))
            next = element(after: index)
        }
        return out
    }

    /// How many elements an array has (0 for any other value), without collecting them.
    var elementCount: Int {
        var count = 0
        var next = firstElement
        while let index = next {
            count += 1
            next = element(after: index)
        }
        return count
    }

    /// The index of the first element of an array or the first key of an object (its opening quote), or `nil`
    /// when it is empty or not of that kind (`closing` tells which: `]` or `}`).
    private func firstItem(closing: UInt8) -> Int? {
        guard first == (closing == UInt8(ascii: "]") ? UInt8(ascii: "[") : UInt8(ascii: "{")) else { return nil }
        let index = Self.skipSpace(bytes, start + 1)
        return bytes[index] == closing ? nil : index
    }

    /// The first index at or after `index` that is not white space (the document is valid: a value follows).
    @inline(__always)
    private static func skipSpace(_ bytes: [UInt8], _ index: Int) -> Int {
        var index = index
        while true {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index
            }
        }
    }

    /// The index of the next element or key after the one that ends just before `index`, or `nil` after the last.
    private func item(after index: Int, closing: UInt8) -> Int? {
        let separator = Self.skipSpace(bytes, index)
        guard bytes[separator] != closing else { return nil }
        return Self.skipSpace(bytes, separator + 1)  // after ','
    }

    /// The index of an array's first element, or `nil` when it is empty (or not an array).
    var firstElement: Int? { firstItem(closing: UInt8(ascii: "]")) }

    /// The index of the element after the one at `index`, or `nil` after the last.
    func element(after index: Int) -> Int? { item(after: end(of: index), closing: UInt8(ascii: "]")) }

    /// The member whose key's opening quote is at `keyStart` (an index of this object's members).
    fileprivate func member(at keyStart: Int) -> Members.Entry {
        var index = keyStart + 1
        var plain = true
        while bytes[index] != UInt8(ascii: "\"") {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                plain = false
                index += 2
            } else {
                if byte >= 0x80 { plain = false }
                index += 1
            }
        }
        let keyEnd = index
        let colon = Self.skipSpace(bytes, keyEnd + 1)
        return Members.Entry(keyStart, keyEnd, plain, Self.skipSpace(bytes, colon + 1))
    }

    /// The first member of an object, or `nil` when it has none (or is not an object).
    fileprivate var firstMember: Members.Entry? { firstItem(closing: UInt8(ascii: "}")).map(member(at:)) }

    /// The member after `entry`, or `nil` after the last.
    fileprivate func member(after entry: Members.Entry) -> Members.Entry? {
        item(after: end(of: entry.valueStart), closing: UInt8(ascii: "}")).map(member(at:))
    }

    /// A member of an object: where its key is and its value.
    struct Member {
        /// The index of the key's opening quote.
        var keyStart: Int
        /// The index of the key's closing quote.
        var keyEnd: Int
        /// The key is printable ASCII without escapes: its bytes are the key.
        var plainKey: Bool
        /// The member's value.
        var value: JSONView

        /// The decoded key.
        var key: String { Members.key(value.bytes, keyStart) }
    }

    /// The members of an object, in document order: where each key and value starts, over one reference to the
    /// document (a ``Member`` is made only when an element is asked for, so a lookup by key copies nothing).
    struct Members: RandomAccessCollection {
        /// Where one member's key and value are (plain integers: an array of them is freed without a walk).
        struct Entry {
            var keyStart: Int
            var keyEnd: Int
            var plainKey: Bool
            var valueStart: Int

            init(_ keyStart: Int, _ keyEnd: Int, _ plainKey: Bool, _ valueStart: Int) {
                self.keyStart = keyStart
                self.keyEnd = keyEnd
                self.plainKey = plainKey
                self.valueStart = valueStart
            }
        }

        /// The object (its document and structural index).
        let object: JSONView
        /// The members' positions.
        let entries: [Entry]

        var startIndex: Int { 0 }
        var endIndex: Int { entries.count }

        subscript(position: Int) -> Member {
            let entry = entries[position]
            return Member(
                keyStart: entry.keyStart,
                keyEnd: entry.keyEnd,
                plainKey: entry.plainKey,
                value: value(at: position)
            )
        }

        /// The value of the member at `position`.
        func value(at position: Int) -> JSONView {
            JSONView(bytes: object.bytes, start: entries[position].valueStart, ends: object.ends)
        }

        /// The position of the member named `name` (keys are unique in a validated document).
        func position(of name: String) -> Int? {
            let bytes = object.bytes
            return entries.firstIndex { Self.hasKey(bytes, $0, name) }
        }

        /// The value of the member named `name`.
        func value(named name: String) -> JSONView? { position(of: name).map(value(at:)) }

        fileprivate static func key(_ bytes: [UInt8], _ keyStart: Int) -> String {
            var parser = StrictJSON.Parser(bytes: bytes, index: keyStart)
            return (try? parser.parseString()) ?? ""
        }

        fileprivate static func hasKey(_ bytes: [UInt8], _ entry: Entry, _ name: String) -> Bool {
            guard entry.plainKey else { return key(bytes, entry.keyStart) == name }
            let start = entry.keyStart + 1
            let count = entry.keyEnd - start
            let utf8 = name.utf8
            guard count == utf8.count else { return false }
            let equal = utf8.withContiguousStorageIfAvailable { name in
                bytes.withUnsafeBufferPointer { bytes in
                    var offset = 0
                    while offset < count, bytes[start + offset] == name[offset] { offset += 1 }
                    return offset == count
                }
            }
            return equal ?? utf8.elementsEqual(bytes[start..<(start + count)])
        }
    }

    /// The members of an object in document order (empty for any other value).
    var members: Members {
        var out: [Members.Entry] = []
        var next = firstMember
        while let entry = next {
            out.append(entry)
            next = member(after: entry)
        }
        return Members(object: self, entries: out)
    }
}

/// Where a value is in a document, for messages: `predicate.scanner.result[3].severity`. Made as a value and
/// written out only when a message needs it, so reading a document that is valid builds no path strings.
enum JSONPath: Sendable, CustomStringConvertible {
    /// A path written out already (`""`: the document itself).
    case root(String)
    /// The member named by the key of the object at the path.
    indirect case member(JSONPath, String)
    /// The element at the index of the array at the path.
    indirect case element(JSONPath, Int)

    /// The path as messages show it.
    var description: String {
        switch self {
        case .root(let path): return path
        case .member(let parent, let key):
            let prefix = parent.description
            return prefix.isEmpty ? key : "\(prefix).\(key)"
        case .element(let parent, let index): return "\(parent)[\(index)]"
        }
    }
}

/// ``FieldReader`` over a ``JSONView`` object: the same lookups, checks, errors and messages; paths are built
/// only for errors and nested readers.
///
/// The reader keeps no list of the members: a lookup steps through the object's keys (the structural index steps
/// over their values), which for the small objects of a record costs less than collecting them.
struct JSONObjectReader {
    private let object: JSONView
    private let parent: JSONPath
    private let index: Int?
    private var consumed: UInt64 = 0
    private var consumedBeyond64: [Bool] = []

    /// The reader of `view`, at `parent` or, with `index`, at `parent[index]`.
    init(_ view: JSONView, parent: String, index: Int? = nil) throws(RecordError) {
        try self.init(view, parent: .root(parent), index: index)
    }

    /// The reader of `view`, at `parent` or, with `index`, at `parent[index]`.
    init(_ view: JSONView, parent: JSONPath, index: Int? = nil) throws(RecordError) {
        self.parent = parent
        self.index = index
        guard view.isObject else {
            let path = (index.map { JSONPath.element(parent, $0) } ?? parent).description
            if path.isEmpty {
                throw RecordError(code: .malformedJSON, field: nil, message: "the payload is not a JSON object")
            }
            throw RecordError(code: .wrongType, field: path, message: "\"\(path)\" is not an object")
        }
        self.object = view
    }

    /// Where the reader's object is (made when asked for: a reader of an array element holds its parent's path and
    /// its index, not a path of its own).
    private var location: JSONPath { index.map { .element(parent, $0) } ?? parent }

    /// The reader's own path.
    var path: String { location.description }

    /// The path of member `key`.
    func fieldPath(_ key: String) -> String { JSONPath.member(location, key).description }

    /// ``FieldReader/optionalValue(_:)``.
    mutating func optionalValue(_ key: String) throws(RecordError) -> JSONView? {
        let bytes = object.bytes
        var index = 0
        var next = object.firstMember
        while let entry = next, !JSONView.Members.hasKey(bytes, entry, key) {
            index += 1
            next = object.member(after: entry)
        }
        guard let entry = next else { return nil }
        if index < 64 {
            consumed |= 1 << UInt64(index)
        } else {
            if consumedBeyond64.isEmpty {
                consumedBeyond64 = Array(repeating: false, count: object.members.count - 64)
            }
            consumedBeyond64[index - 64] = true
        }
        let value = JSONView(bytes: bytes, start: entry.valueStart, ends: object.ends)
        if value.isNull {
            let field = fieldPath(key)
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is null (omit an absent field)")
        }
        return value
    }

    /// ``FieldReader/value(_:)``.
    mutating func value(_ key: String) throws(RecordError) -> JSONView {
        guard let value = try optionalValue(key) else {
            let field = fieldPath(key)
            throw RecordError(code: .missingField, field: field, message: "missing \"\(field)\"")
        }
        return value
    }

    /// ``FieldReader/finish()``.
    func finish() throws(RecordError) {
        func isConsumed(_ index: Int) -> Bool {
            index < 64 ? consumed & (1 << UInt64(index)) != 0 : !consumedBeyond64.isEmpty && consumedBeyond64[index - 64]
        }
        var index = 0
        var next = object.firstMember
        while let entry = next {
            if !isConsumed(index) {
                let field = fieldPath(JSONView.Members.key(object.bytes, entry.keyStart))
                throw RecordError(code: .unknownField, field: field, message: "unknown field \"\(field)\"")
            }
            index += 1
            next = object.member(after: entry)
        }
    }

    /// ``FieldReader/string(_:_:)``.
    mutating func string(_ key: String, _ kind: FieldReader.TextKind) throws(RecordError) -> String {
        try Self.text(try value(key), kind, field: fieldPath(key))
    }

    /// ``FieldReader/optionalString(_:_:)``.
    mutating func optionalString(_ key: String, _ kind: FieldReader.TextKind) throws(RecordError) -> String? {
        guard let value = try optionalValue(key) else { return nil }
        return try Self.text(value, kind, field: fieldPath(key))
    }

    /// ``FieldReader/integer(_:in:)``.
    mutating func integer(_ key: String, in range: ClosedRange<Int64>) throws(RecordError) -> Int64 {
        let value = try value(key)
        guard let literal = value.numberLiteral else {
            let field = fieldPath(key)
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not an integer")
        }
        return try FieldReader.checkInteger(literal, in: range, field: fieldPath(key))
    }

    /// ``FieldReader/enumeration(_:_:)``.
    mutating func enumeration<T: RawRepresentable & CaseIterable>(
        _ key: String,
        _ type: T.Type
    ) throws(RecordError) -> T where T.RawValue == String {
        guard let string = try value(key).string else {
            let field = fieldPath(key)
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a string")
        }
        guard let value = T(rawValue: string) else {
            let field = fieldPath(key)
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" must be one of \(allowed)")
        }
        return value
    }

    /// ``FieldReader/timestamp(_:)``.
    mutating func timestamp(_ key: String) throws(RecordError) -> Int64 {
        try Self.timestamp(try value(key), field: fieldPath(key))
    }

    /// ``FieldReader/array(_:limit:required:allowEmpty:_:)``; `element` gets each value, the array's path and the
    /// element's index.
    mutating func array<T>(
        _ key: String,
        limit: Int,
        required: Bool = true,
        allowEmpty: Bool = false,
        _ element: (JSONView, JSONPath, Int) throws(RecordError) -> T
    ) throws(RecordError) -> [T]? {
        let raw: JSONView
        if required {
            raw = try value(key)
        } else {
            guard let value = try optionalValue(key) else { return nil }
            raw = value
        }
        guard raw.isArray else {
            let field = fieldPath(key)
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not an array")
        }
        let count = raw.elementCount
        guard allowEmpty || count > 0 else {
            let field = fieldPath(key)
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is empty")
        }
        guard count <= limit else {
            let field = fieldPath(key)
            throw RecordError(code: .outOfRange, field: field, message: "\"\(field)\" has more than \(limit) elements")
        }
        let field = JSONPath.member(location, key)
        var out: [T] = []
        out.reserveCapacity(count)
        var next = raw.firstElement
        while let start = next {
            let value = JSONView(bytes: raw.bytes, start: start, ends: raw.ends)
            out.append(try element(value, field, out.count))
            next = raw.element(after: start)
        }
        return out
    }

    /// ``FieldReader/text(_:_:field:)``.
    static func text(
        _ value: JSONView,
        _ kind: FieldReader.TextKind,
        field: @autoclosure () -> String
    ) throws(RecordError)
        -> String
    {
        if let contents = value.plainStringContents {
            return try plainText(contents, kind, field: field())
        }
        guard let string = value.string else {
            let field = field()
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not a string")
        }
        return try FieldReader.checkText(string, kind, field: field())
    }

    /// ``text(_:_:field:)`` of a string without escapes, whose bytes between the quotes are its UTF-8 (validated):
    /// ``FieldReader/checkText(_:_:field:)``'s checks, in its order, on the bytes. Such a string has no byte below
    /// 0x20 (strict JSON escapes them), so of the control characters a line or text refuses only U+007F (`7F`) and
    /// U+0080…U+009F (`C2 80`…`C2 9F`) can occur.
    private static func plainText(
        _ contents: ArraySlice<UInt8>,
        _ kind: FieldReader.TextKind,
        field: @autoclosure () -> String
    ) throws(RecordError) -> String {
        let string = String(decoding: contents, as: UTF8.self)
        switch kind {
        case .identifier:
            return try FieldReader.checkText(string, kind, field: field())
        case .line(let limit), .text(let limit):
            guard !contents.isEmpty else { throw FieldReader.emptyText(field()) }
            guard contents.count <= limit else { throw FieldReader.textTooLong(field(), limit: limit) }
            var index = contents.startIndex
            while index < contents.endIndex {
                let byte = contents[index]
                index += 1
                if byte == 0x7F || (byte == 0xC2 && index < contents.endIndex && contents[index] < 0xA0) {
                    throw FieldReader.controlCharacter(field())
                }
            }
            return string
        }
    }

    /// ``FieldReader/timestamp(_:field:)``.
    static func timestamp(_ value: JSONView, field: @autoclosure () -> String) throws(RecordError) -> Int64 {
        let string = try text(value, .line(limit: 64), field: field())
        guard let millis = RFC3339.milliseconds(string), millis >= 0 else {
            let field = field()
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not an RFC 3339 timestamp")
        }
        return millis
    }
}
