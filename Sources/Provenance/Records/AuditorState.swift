/// An auditor, as the log's auditor records made it.
public struct AuditorState: Sendable, Hashable, Codable {
    /// The auditor id.
    public var id: String
    /// The display name.
    public var displayName: String
    /// Every key ever granted, in grant order (retired keys stay, for verification of old attestations).
    public var keys: [KeyState]
    /// The current accreditation.
    public var accreditation: Accreditation
    /// The predicate type URIs the auditor may attest.
    public var attestationTypes: [String]
    /// Whether the auditor is suspended (may not attest).
    public var suspended: Bool
    /// The reputation engine's initial auditor trust r_A.
    public var trustSeed: Int
    /// The onboarding record.
    public var onboardedBy: RecordID
    /// The latest update record, if any.
    public var updatedBy: RecordID?

    /// Creates an auditor state.
    public init(
        id: String,
        displayName: String,
        keys: [KeyState],
        accreditation: Accreditation,
        attestationTypes: [String],
        suspended: Bool = false,
        trustSeed: Int = defaultAuditorTrustSeed,
        onboardedBy: RecordID,
        updatedBy: RecordID? = nil
    ) {
        self.id = id
        self.displayName = displayName
        self.keys = keys
        self.accreditation = accreditation
        self.attestationTypes = attestationTypes
        self.suspended = suspended
        self.trustSeed = trustSeed
        self.onboardedBy = onboardedBy
        self.updatedBy = updatedBy
    }

    /// The key with id `keyID`.
    public func key(id keyID: String) -> KeyState? { keys.first { $0.keyID == keyID } }

    /// Whether the accreditation covers `time` (ms).
    public func isAccredited(at time: Int64) -> Bool { time < accreditation.until }
}
