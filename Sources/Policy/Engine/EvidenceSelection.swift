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

    /// The latest attestation for each key, withdrawn and superseded ones included (so rules can explain).
    public let latest: [Key: AttestationFact]
    /// The same attestations grouped by predicate type, each group in log order.
    public let byPredicateType: [String: [AttestationFact]]
    /// The same attestations in log order.
    public let all: [AttestationFact]

    /// Selects from `attestations` those about `image`.
    public init(_ attestations: [AttestationFact], image: String) {
        var latest: [Key: AttestationFact] = [:]
        for attestation in attestations where attestation.subject == image {
            let key = Key(predicateType: attestation.predicateType, auditor: attestation.auditor)
            if let current = latest[key],
                (current.logIndex, current.record) >= (attestation.logIndex, attestation.record)
            {
                continue
            }
            latest[key] = attestation
        }
        self.latest = latest
        let all = latest.values.sorted(by: EvidenceSelection.logOrder)
        var byPredicateType: [String: [AttestationFact]] = [:]
        for attestation in all { byPredicateType[attestation.predicateType, default: []].append(attestation) }
        self.all = all
        self.byPredicateType = byPredicateType
    }

    static func logOrder(_ lhs: AttestationFact, _ rhs: AttestationFact) -> Bool {
        (lhs.logIndex, lhs.record) < (rhs.logIndex, rhs.record)
    }

    /// The latest attestations of `predicateType` (any type when `nil`), in log order.
    public func latest(ofType predicateType: String?) -> [AttestationFact] {
        guard let predicateType else { return all }
        return byPredicateType[predicateType] ?? []
    }

    /// The current attestations (latest per key, neither withdrawn nor superseded), in log order.
    public var current: [AttestationFact] { all.filter { !$0.withdrawn && !$0.superseded } }

    /// The latest attestations per key that do not count because they were withdrawn or superseded.
    public var retracted: [AttestationFact] { all.filter { $0.withdrawn || $0.superseded } }
}
