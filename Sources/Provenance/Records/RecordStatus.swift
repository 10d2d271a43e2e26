/// The status of an image record at a point in time.
///
/// Precedence: revoked (in effect, directly or inherited) over scheduled revocation over deprecated over active.
public enum RecordStatus: Sendable, Hashable {
    /// Usable.
    case active
    /// Revoked: directly (`inheritedFrom == nil`) or through an ancestor revoked with `inherit`.
    case revoked(by: RecordID, inheritedFrom: RecordID?, since: Int64)
    /// A revocation (direct or inherited) takes effect at `at`; the earliest one is reported.
    case scheduled(by: RecordID, inheritedFrom: RecordID?, at: Int64)
    /// Deprecated since `since`.
    case deprecated(since: Int64)

    /// The status of `record` at `time` (ms), given its ancestors from parent to root (their revocations
    /// apply when made with `inherit`; deprecation does not inherit).
    public init(record: RecordState, ancestors: [RecordState], at time: Int64) {
        var inEffect: (revocation: RevocationState, from: RecordID?)?
        var scheduled: (revocation: RevocationState, from: RecordID?)?
        let candidates: [(RevocationState, RecordID?)] =
            [record.revocation.map { ($0, nil) }].compactMap { $0 }
            + ancestors.compactMap { ancestor in
                guard let revocation = ancestor.revocation, revocation.inherit else { return nil }
                return (revocation, ancestor.id)
            }
        // Nearest first: a direct revocation wins over inherited ones, a parent's over a grandparent's.
        for (revocation, from) in candidates {
            if revocation.effectiveAt <= time {
                if inEffect == nil { inEffect = (revocation, from) }
            } else if scheduled.map({ revocation.effectiveAt < $0.revocation.effectiveAt }) ?? true {
                scheduled = (revocation, from)
            }
        }
        if let inEffect {
            self = .revoked(by: inEffect.revocation.record, inheritedFrom: inEffect.from, since: inEffect.revocation.effectiveAt)
        } else if let scheduled {
            self = .scheduled(
                by: scheduled.revocation.record,
                inheritedFrom: scheduled.from,
                at: scheduled.revocation.effectiveAt
            )
        } else if let deprecation = record.deprecation, deprecation.after <= time {
            self = .deprecated(since: deprecation.after)
        } else {
            self = .active
        }
    }

    /// Whether the status is ``revoked(by:inheritedFrom:since:)``.
    public var isRevoked: Bool {
        if case .revoked = self { return true }
        return false
    }
}
