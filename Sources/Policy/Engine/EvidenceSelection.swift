/// Which attestations count (POLICY.md, "Evidence selection"): for each (image, predicate type, auditor) only
/// the latest attestation in log order; if that one is withdrawn or superseded the key has no evidence (an
/// older attestation never stands in for it). Staleness depends on each requirement's maximum age, so it is
/// judged by the rules; a stale attestation counts as absent there too. Facts about other images are ignored.
///
/// The order of the facts does not matter: "latest" is the highest log index (ties, which a valid log cannot
/// produce, go to the greater record id).
public struct EvidenceSelection: Sendable, Hashable {
    /// The key evidence is selected by.
    public struct Key: Sendable, Hashable {
        /// The in-toto predicate type.
        public var predicateType: String
        /// The auditor.
        public var auditor: String
    }

    /// The facts' attestations (shared storage, not copied).
    private let attestations: [AttestationFact]
    /// Indices into ``attestations`` of the latest attestation per key, in log order.
    private let selected: [Int]
    /// The same indices grouped by predicate type (each group in log order).
    private let groups: [(predicateType: String, indices: [Int])]

    /// Selects from `attestations` those about `image`.
    public init(_ attestations: [AttestationFact], image: String) {
        self.attestations = attestations
        // Most images carry one attestation, or none: no sorting, no grouping.
        if attestations.count <= 1 {
            if let only = attestations.first, only.subject == image {
                selected = [0]
                groups = [(only.predicateType, [0])]
            } else {
                selected = []
                groups = []
            }
            return
        }
        // By key, then log order: the last of each run of equal keys is the key's latest.
        let byKey = attestations.indices.filter { attestations[$0].subject == image }.sorted { lhs, rhs in
            let a = attestations[lhs]
            let b = attestations[rhs]
            if a.predicateType != b.predicateType { return a.predicateType < b.predicateType }
            if a.auditor != b.auditor { return a.auditor < b.auditor }
            return (a.logIndex, a.record) < (b.logIndex, b.record)
        }
        var latest: [Int] = []
        var groups: [(predicateType: String, indices: [Int])] = []
        for (position, index) in byKey.enumerated() {
            let attestation = attestations[index]
            if position + 1 < byKey.count {
                let next = attestations[byKey[position + 1]]
                if next.predicateType == attestation.predicateType && next.auditor == attestation.auditor { continue }
            }
            latest.append(index)
            if groups.last?.predicateType == attestation.predicateType {
                groups[groups.count - 1].indices.append(index)
            } else {
                groups.append((attestation.predicateType, [index]))
            }
        }
        let logOrder = { (lhs: Int, rhs: Int) in
            (attestations[lhs].logIndex, attestations[lhs].record) < (attestations[rhs].logIndex, attestations[rhs].record)
        }
        self.selected = latest.sorted(by: logOrder)
        self.groups = groups.map { ($0.predicateType, $0.indices.sorted(by: logOrder)) }
    }

    /// The latest attestations of `predicateType` (any type when `nil`), in log order, withdrawn and superseded
    /// ones included (so rules can explain).
    public func latest(ofType predicateType: String?) -> LazyMapSequence<[Int], AttestationFact> {
        guard let predicateType else { return selected.lazy.map { attestations[$0] } }
        let indices = groups.first { $0.predicateType == predicateType }?.indices ?? []
        return indices.lazy.map { attestations[$0] }
    }

    /// The facts' attestations, which ``latestIndices(ofType:)`` index (rules read them in place, uncopied).
    var facts: [AttestationFact] { attestations }

    /// ``latest(ofType:)`` as indices into ``facts``.
    func latestIndices(ofType predicateType: String?) -> [Int] {
        guard let predicateType else { return selected }
        return groups.first { $0.predicateType == predicateType }?.indices ?? []
    }

    /// The latest attestation for each key.
    public var latest: [Key: AttestationFact] {
        Dictionary(
            uniqueKeysWithValues: latest(ofType: nil).map { (Key(predicateType: $0.predicateType, auditor: $0.auditor), $0) }
        )
    }

    /// The current attestations (latest per key, neither withdrawn nor superseded), in log order.
    public var current: [AttestationFact] { latest(ofType: nil).filter { !$0.withdrawn && !$0.superseded } }

    /// The latest attestations per key that do not count because they were withdrawn or superseded.
    public var retracted: [AttestationFact] { latest(ofType: nil).filter { $0.withdrawn || $0.superseded } }

    /// Equal when they select the same attestations.
    public static func == (lhs: EvidenceSelection, rhs: EvidenceSelection) -> Bool {
        Array(lhs.latest(ofType: nil)) == Array(rhs.latest(ofType: nil))
    }

    /// Hashes the selected attestations.
    public func hash(into hasher: inout Hasher) {
        for attestation in latest(ofType: nil) { hasher.combine(attestation) }
    }
}
