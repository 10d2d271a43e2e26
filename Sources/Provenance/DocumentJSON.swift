import Foundation

/// Encodes derived-state documents to exactly the bytes of Foundation's `JSONEncoder` with
/// `outputFormatting = [.sortedKeys]`, without Foundation's intermediate value tree and its dictionaries.
///
/// The ledger keeps its documents (record, provider, auditor and reputation states) in that form; the sequencer
/// encodes several of them for every record, so the encoder is on the log's serial path. The bytes are those of
/// `JSONEncoder` (tests compare the two on every document type): members sorted by the UTF-8 bytes of their keys,
/// no white space, `/` escaped as `\/`, `"`, `\`, `\b`, `\f`, `\n`, `\r`, `\t` escaped by name and the other
/// control characters as `\u00xx`, integers in decimal, floating-point numbers as their shortest round-trip
/// `description` without a trailing `.0`; a non-finite number is an error. `Date`, `Data`, `URL` and `Decimal`
/// values, which `JSONEncoder` treats specially, are handed to it.
package enum DocumentJSON {
    /// The JSON of `value`.
    package static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        // Every admitted record writes its state: written directly (the same bytes).
        if T.self == RecordState.self, let bytes = recordState(value as! RecordState) { return bytes }
        let node = try DocumentEncoder.node(for: value, codingPath: [])
        var out: [UInt8] = []
        out.reserveCapacity(256)
        node.write(into: &out)
        return out
    }
}

/// A JSON value being built: scalars are already serialised; containers are references, because `Encoder`
/// hands out containers that keep writing into their parent after they are returned.
private enum DocumentNode {
    case scalar([UInt8])
    case object(DocumentObject)
    case array(DocumentArray)

    func write(into out: inout [UInt8]) {
        switch self {
        case .scalar(let bytes):
            out.append(contentsOf: bytes)
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (index, element) in array.elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            for member in object.sortedMembers() {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                StrictJSON.quote(member.key, escapingSlashes: true, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

private final class DocumentObject {
    var members: [(key: String, value: DocumentNode)] = []

    func set(_ key: String, _ value: DocumentNode) {
        members.append((key, value))
    }

    /// Members by the UTF-8 bytes of their keys; a key set twice keeps its last value (as a dictionary would).
    func sortedMembers() -> [(key: String, value: DocumentNode)] {
        if members.count < 2 { return members }
        let order = members.indices.sorted { a, b in
            let (x, y) = (members[a].key, members[b].key)
            if x == y { return a < b }
            return x.utf8.lexicographicallyPrecedes(y.utf8)
        }
        var out: [(key: String, value: DocumentNode)] = []
        out.reserveCapacity(members.count)
        for index in order {
            if let last = out.last, last.key == members[index].key {
                out[out.count - 1] = members[index]
            } else {
                out.append(members[index])
            }
        }
        return out
    }
}

private final class DocumentArray {
    var elements: [DocumentNode] = []
}

/// The `Encoder` behind ``DocumentJSON``.
private final class DocumentEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// What this encoder produced: a container or a single value.
    var result: DocumentNode?

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    /// The node of `value` (encoded by its own `encode(to:)`, or by `JSONEncoder` for the types it treats specially).
    static func node<T: Encodable>(for value: T, codingPath: [any CodingKey]) throws -> DocumentNode {
        // Metatype comparisons, not dynamic casts: most values are structs that encode themselves.
        if T.self == String.self { return .scalar(quoted(value as! String)) }
        if T.self == Double.self { return .scalar(try number(value as! Double, codingPath)) }
        if T.self == Int64.self { return .scalar(integer(value as! Int64)) }
        if T.self == Int.self { return .scalar(integer(value as! Int)) }
        if T.self == Bool.self { return .scalar(Array(((value as! Bool) ? "true" : "false").utf8)) }
        if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return .scalar(Array(try encoder.encode(value)))
        }
        let encoder = DocumentEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        // A value that encodes nothing is an empty object, as with `JSONEncoder`.
        return encoder.result ?? .object(DocumentObject())
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: DocumentObject
        if case .object(let existing) = result {
            object = existing
        } else {
            object = DocumentObject()
            result = .object(object)
        }
        return KeyedEncodingContainer(DocumentKeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: DocumentArray
        if case .array(let existing) = result {
            array = existing
        } else {
            array = DocumentArray()
            result = .array(array)
        }
        return DocumentUnkeyedContainer(array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        DocumentSingleValueContainer(encoder: self)
    }

    // MARK: - Scalars

    static func quoted(_ string: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count + 2)
        StrictJSON.quote(string, escapingSlashes: true, into: &out)
        return out
    }

    /// `JSONEncoder`'s number form: the shortest round-trip `description`, without a trailing `.0`.
    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(
        _ value: F,
        _ codingPath: [any CodingKey]
    ) throws -> [UInt8] {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(codingPath: codingPath, debugDescription: "Unable to encode \(value) directly in JSON.")
            )
        }
        return DocumentJSON.finiteNumber(value)
    }

    static func integer(_ value: some FixedWidthInteger) -> [UInt8] { Array(String(value).utf8) }
}

private struct DocumentKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: DocumentObject
    let codingPath: [any CodingKey]

    private func set(_ key: Key, _ bytes: [UInt8]) { object.set(key.stringValue, .scalar(bytes)) }

    mutating func encodeNil(forKey key: Key) throws { set(key, Array("null".utf8)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, Array((value ? "true" : "false").utf8)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, DocumentEncoder.quoted(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(key, try DocumentEncoder.number(value, codingPath + [key]))
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        set(key, try DocumentEncoder.number(value, codingPath + [key]))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(key, DocumentEncoder.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        object.set(key.stringValue, try DocumentEncoder.node(for: value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = DocumentObject()
        object.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(DocumentKeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = DocumentArray()
        object.set(key.stringValue, .array(nested))
        return DocumentUnkeyedContainer(array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        DocumentReferencingEncoder(codingPath: codingPath) { [object] node in object.set("super", node) }
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        DocumentReferencingEncoder(codingPath: codingPath + [key]) { [object] node in object.set(key.stringValue, node) }
    }
}

private struct DocumentUnkeyedContainer: UnkeyedEncodingContainer {
    let array: DocumentArray
    let codingPath: [any CodingKey]
    var count: Int { array.elements.count }

    private func append(_ bytes: [UInt8]) { array.elements.append(.scalar(bytes)) }
    private var nextKey: any CodingKey { IndexKey(intValue: array.elements.count) }

    mutating func encodeNil() throws { append(Array("null".utf8)) }
    mutating func encode(_ value: Bool) throws { append(Array((value ? "true" : "false").utf8)) }
    mutating func encode(_ value: String) throws { append(DocumentEncoder.quoted(value)) }
    mutating func encode(_ value: Double) throws { append(try DocumentEncoder.number(value, codingPath + [nextKey])) }
    mutating func encode(_ value: Float) throws { append(try DocumentEncoder.number(value, codingPath + [nextKey])) }
    mutating func encode(_ value: Int) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int8) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int16) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int32) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int64) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt8) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt16) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt32) throws { append(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt64) throws { append(DocumentEncoder.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        array.elements.append(try DocumentEncoder.node(for: value, codingPath: codingPath + [nextKey]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let key = nextKey
        let nested = DocumentObject()
        array.elements.append(.object(nested))
        return KeyedEncodingContainer(DocumentKeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = nextKey
        let nested = DocumentArray()
        array.elements.append(.array(nested))
        return DocumentUnkeyedContainer(array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        // The element's place is taken now, so that later elements keep their order.
        let index = array.elements.count
        array.elements.append(.object(DocumentObject()))
        return DocumentReferencingEncoder(codingPath: codingPath + [IndexKey(intValue: index)]) { [array] node in
            array.elements[index] = node
        }
    }
}

private struct DocumentSingleValueContainer: SingleValueEncodingContainer {
    let encoder: DocumentEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ bytes: [UInt8]) { encoder.result = .scalar(bytes) }

    mutating func encodeNil() throws { set(Array("null".utf8)) }
    mutating func encode(_ value: Bool) throws { set(Array((value ? "true" : "false").utf8)) }
    mutating func encode(_ value: String) throws { set(DocumentEncoder.quoted(value)) }
    mutating func encode(_ value: Double) throws { set(try DocumentEncoder.number(value, codingPath)) }
    mutating func encode(_ value: Float) throws { set(try DocumentEncoder.number(value, codingPath)) }
    mutating func encode(_ value: Int) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int8) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int16) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int32) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: Int64) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt8) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt16) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt32) throws { set(DocumentEncoder.integer(value)) }
    mutating func encode(_ value: UInt64) throws { set(DocumentEncoder.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.result = try DocumentEncoder.node(for: value, codingPath: codingPath)
    }
}

/// The encoder of a `super` value: what it encodes lands in its parent container when it is done.
private final class DocumentReferencingEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    private let inner: DocumentEncoder
    private let store: (DocumentNode) -> Void

    init(codingPath: [any CodingKey], store: @escaping (DocumentNode) -> Void) {
        self.codingPath = codingPath
        self.inner = DocumentEncoder(codingPath: codingPath)
        self.store = store
    }

    deinit { store(inner.result ?? .object(DocumentObject())) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        inner.container(keyedBy: type)
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }

    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}

private struct IndexKey: CodingKey {
    var stringValue: String { "Index \(intValue ?? 0)" }
    var intValue: Int?

    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}
