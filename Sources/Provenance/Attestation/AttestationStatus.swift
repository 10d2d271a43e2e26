/// Where an attestation stands among the attestations about one image.
public enum AttestationStatus: Sendable, Hashable {
    /// The latest attestation in log order of its (image, predicate type, auditor), not withdrawn, not expired.
    case current
    /// A later attestation of the same (image, predicate type, auditor) replaces it.
    case superseded(by: RecordID)
    /// Its auditor withdrew it.
    case withdrawn(by: RecordID)
    /// The latest of its (image, predicate type, auditor), but its predicate's expiry has passed.
    case expired(at: Int64)

    /// `current`, `superseded`, `withdrawn` or `expired`.
    public var name: String {
        switch self {
        case .current: "current"
        case .superseded: "superseded"
        case .withdrawn: "withdrawn"
        case .expired: "expired"
        }
    }

    /// The statuses of `attestations` (the attestation records about one image, in log order) at `now` (ms).
    ///
    /// For each (predicate type, auditor) only the latest attestation in log order can be current; the older
    /// ones are superseded by it, even when it is withdrawn (a withdrawn attestation counts as absent, it does
    /// not revive an older one). Withdrawn takes precedence over superseded; an audit past its `expiresAt` is
    /// expired. O(n).
    public static func classify(_ attestations: [RecordState], at now: Int64) -> [AttestationStatus] {
        struct Group: Hashable {
            var type: String?
            var auditor: String?
        }
        var latest: [Group: RecordID] = [:]
        for record in attestations {
            latest[Group(type: record.attestation?.predicateType, auditor: record.auditor)] = record.id
        }
        return attestations.map { record in
            if let by = record.withdrawnBy { return .withdrawn(by: by) }
            let newest = latest[Group(type: record.attestation?.predicateType, auditor: record.auditor)]
            if let newest, newest != record.id { return .superseded(by: newest) }
            if let expiresAt = record.attestation?.expiresAt, expiresAt <= now { return .expired(at: expiresAt) }
            return .current
        }
    }
}
