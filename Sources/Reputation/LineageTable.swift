import Provenance

/// The lineage credits of an ``InMemoryReputationState``, keyed by (provider, lineage root) so that the rules never
/// build the document key `<provider>/<lineage root record id>` (a 64-digit hex rendering) on the in-place path.
///
/// A document written with another key (never by the rules) is kept under that key as given. The entry read last is
/// remembered: the rules read a lineage's credit, then replace it, which then costs no second hash lookup.
struct LineageTable: Equatable, Sendable {
    /// A lineage of a provider.
    struct Ref: Hashable, Sendable {
        var provider: String
        var lineage: RecordID
    }

    private var credits: [Ref: Int64] = [:]
    /// Credits whose key is not `<provider>/<record id>`.
    private var others: [String: Int64] = [:]
    private var lastRef: Ref?
    private var lastIndex: Dictionary<Ref, Int64>.Index?

    /// An empty table.
    init() {}

    /// When the lineage last earned a credit, remembering its entry for the write that follows.
    mutating func lastCredit(_ ref: Ref) -> Int64? {
        let index = credits.index(forKey: ref)
        lastRef = ref
        lastIndex = index
        return index.map { credits.values[$0] }
    }

    /// Records a credit of the lineage at `time`.
    mutating func setLastCredit(_ ref: Ref, _ time: Int64) {
        if let index = lastIndex, lastRef == ref {
            credits.values[index] = time
        } else {
            credits[ref] = time
            lastRef = nil
            lastIndex = nil
        }
    }

    /// The document with `key`.
    func value(_ key: String) -> LineageCredit? {
        let time = Self.ref(key).map { credits[$0] } ?? others[key]
        return time.map { LineageCredit(key: key, lastCredit: $0) }
    }

    /// Sets the document `value`.
    mutating func set(_ value: LineageCredit) {
        if let ref = Self.ref(value.key) {
            credits[ref] = value.lastCredit
        } else {
            others[value.key] = value.lastCredit
        }
        lastRef = nil
        lastIndex = nil
    }

    /// The (provider, lineage) of a key `<provider>/<record id>`: a record id's text is canonical (lowercase hex), so
    /// ``LineageCredit/key(provider:lineage:)`` gives back exactly `key`.
    static func ref(_ key: String) -> Ref? {
        // Split at the last `/` by UTF-8 code units (an ASCII byte: both sides stay valid UTF-8), without walking
        // grapheme clusters.
        let utf8 = key.utf8
        guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")),
            let lineage = RecordID(String(decoding: utf8[utf8.index(after: slash)...], as: UTF8.self))
        else { return nil }
        return Ref(provider: String(decoding: utf8[..<slash], as: UTF8.self), lineage: lineage)
    }

    static func == (lhs: LineageTable, rhs: LineageTable) -> Bool {
        lhs.credits == rhs.credits && lhs.others == rhs.others
    }
}
