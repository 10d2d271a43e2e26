import Provenance

/// The lineage credits of an ``InMemoryReputationState``, keyed by (provider, lineage root) so that the rules never
/// build the document key `<provider>/<lineage root record id>` (a 64-digit hex rendering) on the in-place path.
///
/// Providers are interned to numbers (the last one remembered: the rules read a lineage's credit, then replace it)
/// and the credits are kept in a ``FlatTable`` by (provider number, lineage root), which hashes 64 bits of the root
/// instead of a `String` and 32 bytes. A document written with another key (never by the rules) is kept under that
/// key as given.
struct LineageTable: Equatable, Sendable {
    /// A lineage of a provider.
    struct Ref: Hashable, Sendable {
        var provider: String
        var lineage: RecordID
    }

    /// A lineage of an interned provider.
    struct Key: FlatTableKey {
        var provider: Int32
        var lineage: RecordID

        var hashBits: UInt64 { lineage.hashBits ^ (UInt64(UInt32(bitPattern: provider)) &* 0x9e37_79b9_7f4a_7c15) }
    }

    private var credits = FlatTable<Key, Int64>()
    private var providerNumbers = StringIndex()
    private var providerNames: [String] = []
    private var lastProvider = ""
    private var lastNumber: Int32 = -1
    /// Credits whose key is not `<provider>/<record id>`.
    private var others: [String: Int64] = [:]

    /// An empty table.
    init() {}

    /// The number of `provider`, interned when new.
    mutating func number(_ provider: String) -> Int32 {
        if lastNumber >= 0, provider == lastProvider { return lastNumber }
        let hash = providerNumbers.hash(provider)
        let number: Int32
        if let found = providerNumbers.find(provider, hash: hash, in: providerNames) {
            number = found
        } else {
            number = Int32(providerNames.count)
            providerNames.append(provider)
            providerNumbers.insert(hash: hash, number: number)
        }
        lastProvider = provider
        lastNumber = number
        return number
    }

    /// When the lineage last earned a credit.
    mutating func lastCredit(_ ref: Ref) -> Int64? {
        credits[Key(provider: number(ref.provider), lineage: ref.lineage)]
    }

    /// Records a credit of the lineage at `time`.
    mutating func setLastCredit(_ ref: Ref, _ time: Int64) {
        credits[Key(provider: number(ref.provider), lineage: ref.lineage)] = time
    }

    /// When the lineage `lineage` of the provider numbered `provider` (``number(_:)``) last earned a credit.
    func lastCredit(provider: Int32, lineage: RecordID) -> Int64? {
        credits[Key(provider: provider, lineage: lineage)]
    }

    /// Records a credit of the lineage `lineage` of the provider numbered `provider` (``number(_:)``) at `time`.
    mutating func setLastCredit(provider: Int32, lineage: RecordID, _ time: Int64) {
        credits[Key(provider: provider, lineage: lineage)] = time
    }

    /// The document with `key`.
    func value(_ key: String) -> LineageCredit? {
        let time: Int64?
        if let ref = Self.ref(key) {
            time = providerNumbers.find(ref.provider, hash: providerNumbers.hash(ref.provider), in: providerNames).flatMap {
                credits[Key(provider: $0, lineage: ref.lineage)]
            }
        } else {
            time = others[key]
        }
        return time.map { LineageCredit(key: key, lastCredit: $0) }
    }

    /// Sets the document `value`.
    mutating func set(_ value: LineageCredit) {
        if let ref = Self.ref(value.key) {
            setLastCredit(ref, value.lastCredit)
        } else {
            others[value.key] = value.lastCredit
        }
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

    /// Every credit by (provider, lineage).
    private var byRef: [Ref: Int64] {
        var out: [Ref: Int64] = [:]
        for (key, time) in credits.dictionary {
            out[Ref(provider: providerNames[Int(key.provider)], lineage: key.lineage)] = time
        }
        return out
    }

    static func == (lhs: LineageTable, rhs: LineageTable) -> Bool {
        lhs.credits.count == rhs.credits.count && lhs.byRef == rhs.byRef && lhs.others == rhs.others
    }
}
