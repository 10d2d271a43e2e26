/// A provenance state held in memory: for tests, offline verification (replaying a bundle) and as the
/// reference semantics of ``StateChange`` for stores.
public struct InMemoryProvenanceState: ProvenanceStateReader, Sendable {
    /// The governance.
    public private(set) var governanceState: GovernanceState?
    /// Providers by id.
    public private(set) var providers: [String: ProviderState] = [:]
    /// Records by id.
    public private(set) var records: [RecordID: RecordState] = [:]
    /// Users by id.
    public private(set) var users: [String: UserState] = [:]
    /// The first image record per (provider, digest).
    public private(set) var images: [String: [String: RecordID]] = [:]
    /// Auditors by id.
    public private(set) var auditors: [String: AuditorState] = [:]
    /// Auditor ids by key id (vmtrust's and securesystemslib's, ``KeyIDAliases``).
    public private(set) var auditorKeys: [String: String] = [:]
    /// The first image record per digest, any provider.
    public private(set) var firstImages: [String: RecordID] = [:]
    /// Attestations per subject digest, in log order.
    public private(set) var attestations: [String: [RecordID]] = [:]
    /// Certifiers by id.
    public private(set) var certifiers: [String: CertifierState] = [:]
    /// The latest proof of use per user and provider (ms).
    public private(set) var usage: [String: [String: Int64]] = [:]
    /// The latest published reputation parameters version.
    public private(set) var reputationParametersVersion: Int64?
    /// User ids by key id.
    public private(set) var userKeys: [String: String] = [:]

    /// An empty state (before genesis).
    public init() {}

    /// A state seeded with the given entities: stores load the entities a change touches,
    /// apply it here with the reference semantics, and write back what changed.
    public init(
        governance: GovernanceState?,
        providers: [String: ProviderState] = [:],
        records: [RecordID: RecordState] = [:],
        users: [String: UserState] = [:],
        images: [String: [String: RecordID]] = [:],
        auditors: [String: AuditorState] = [:],
        auditorKeys: [String: String] = [:],
        firstImages: [String: RecordID] = [:],
        attestations: [String: [RecordID]] = [:],
        certifiers: [String: CertifierState] = [:],
        usage: [String: [String: Int64]] = [:],
        parametersVersion: Int64? = nil
    ) {
        self.certifiers = certifiers
        for user in users.values { self.userKeys[user.key.keyID] = user.id }
        self.usage = usage
        self.reputationParametersVersion = parametersVersion
        self.governanceState = governance
        self.providers = providers
        self.records = records
        self.users = users
        self.images = images
        self.auditors = auditors
        self.auditorKeys = auditorKeys
        self.firstImages = firstImages
        self.attestations = attestations
    }

    /// Applies `changes` in order.
    public mutating func apply(_ changes: [StateChange]) {
        for change in changes { apply(change) }
    }

    /// Applies one change.
    public mutating func apply(_ change: StateChange) {
        switch change {
        case .governanceSet(let governance):
            governanceState = governance
        case .providerUpserted(let provider):
            providers[provider.id] = provider
        case .keyAdded(let provider, let key):
            providers[provider]?.keys.append(key)
        case .keyRetired(let provider, let keyID, let until):
            updateKey(provider: provider, keyID: keyID) { key in key.validUntil = min(key.validUntil ?? until, until) }
        case .keyRevoked(let provider, let keyID, let effectiveAt):
            updateKey(provider: provider, keyID: keyID) { key in key.revokedAt = min(key.revokedAt ?? effectiveAt, effectiveAt) }
        case .recordAdded(let record):
            records[record.id] = record
            if record.kind.isImageRecord, let provider = record.provider, let digest = record.digest,
                images[provider]?[digest] == nil
            {
                images[provider, default: [:]][digest] = record.id
            }
            if record.kind.isImageRecord, let digest = record.digest, firstImages[digest] == nil {
                firstImages[digest] = record.id
            }
        case .recordRevoked(let id, let revocation):
            records[id]?.revocation = revocation
        case .recordRestored(let id):
            records[id]?.revocation = nil
        case .recordDeprecated(let id, let deprecation):
            records[id]?.deprecation = deprecation
        case .userRegistered(let user):
            users[user.id] = user
            userKeys[user.key.keyID] = user.id
        case .auditorUpserted(let auditor):
            auditors[auditor.id] = auditor
            for key in auditor.keys {
                for keyID in KeyIDAliases.all(key.key) { auditorKeys[keyID] = auditor.id }
            }
        case .attestationAdded(let subject, let id):
            attestations[subject, default: []].append(id)
        case .attestationWithdrawn(let id, let by):
            records[id]?.withdrawnBy = by
        case .certifierUpserted(let certifier):
            certifiers[certifier.id] = certifier
        case .usageRecorded(let user, let provider, let time):
            usage[user, default: [:]][provider] = max(usage[user]?[provider] ?? time, time)
        case .parametersPublished(let version):
            reputationParametersVersion = version
        case .cleanScanRecorded(let image, let by):
            if records[image]?.cleanScan == nil { records[image]?.cleanScan = by }
        case .reportResolved(let report, let by):
            records[report]?.resolvedBy = by
        }
    }

    private mutating func updateKey(provider: String, keyID: String, _ update: (inout KeyState) -> Void) {
        guard let index = providers[provider]?.keys.firstIndex(where: { $0.keyID == keyID }) else { return }
        update(&providers[provider]!.keys[index])
    }

    /// Admits `envelope` with `rules` at `integrationTime` and, when accepted, applies its changes.
    public mutating func admit(
        _ envelope: DSSEEnvelope,
        integrationTime: Int64,
        rules: ProvenanceRules = ProvenanceRules()
    ) async throws -> Admission {
        let admission = try await rules.admit(envelope, integrationTime: integrationTime, state: self)
        if case .accepted(let changes) = admission { apply(changes) }
        return admission
    }

    // MARK: ProvenanceStateReader

    public func governance() async throws -> GovernanceState? { governanceState }
    public func provider(id: String) async throws -> ProviderState? { providers[id] }
    public func record(id: RecordID) async throws -> RecordState? { records[id] }
    public func imageRecord(provider: String, digest: String) async throws -> RecordID? { images[provider]?[digest] }
    public func user(id: String) async throws -> UserState? { users[id] }
    public func auditor(id: String) async throws -> AuditorState? { auditors[id] }
    public func auditorID(keyID: String) async throws -> String? { auditorKeys[keyID] }
    public func imageRecord(digest: String) async throws -> RecordID? { firstImages[digest] }
    public func certifier(id: String) async throws -> CertifierState? { certifiers[id] }
    public func lastUse(user: String, provider: String) async throws -> Int64? { usage[user]?[provider] }
    public func parametersVersion() async throws -> Int64? { reputationParametersVersion }
    public func userID(keyID: String) async throws -> String? { userKeys[keyID] }
}
