import Foundation
import Provenance

/// The provenance state as a ledger keeps it: JSON documents and index keys in derived-state
/// namespaces, read through a ``StateView``.
///
/// | namespace | key | value |
/// |---|---|---|
/// | `governance` | `current` | ``GovernanceState`` JSON |
/// | `provider` | provider id | ``ProviderState`` JSON |
/// | `user` | user id | ``UserState`` JSON |
/// | `record` | record id | ``RecordState`` JSON |
/// | `image` | `<provider>/<digest>` | the first image record id for that digest |
/// | `digest` | `<digest>/<record id>` | empty: every record that names the digest |
/// | `children` | `<record id>/<child id>` | empty: lineage edges (`previous` links) |
/// | `provider-records` | `<provider>/<time, 13 digits>/<record id>` | empty: a provider's records in log order |
/// | `image-name` | `<name>/<provider>/<record id>` | the image digest: image-register records by name |
/// | `governance-records` | `<provider>/<time, 13 digits>/<record id>` | empty: onboarding, updates, key rotations and revocations |
/// | `targets` | `<record id>/<revoke, restore or deprecate record id>` | empty: the records that act on a record |
/// | `auditor` | auditor id | ``AuditorState`` JSON |
/// | `auditor-key` | key id (vmtrust's and securesystemslib's) | the auditor id the key was granted to |
/// | `auditor-records` | `<auditor>/<time, 13 digits>/<record id>` | empty: an auditor's onboarding and updates |
/// | `image-digest` | digest | the first image record (any provider) that names the digest |
/// | `attestations` | `<digest>/<n, 10 digits>` | the n-th attestation (from 0, log order) whose subject is the digest |
/// | `attestation-count` | digest | decimal count of attestations about the digest |
/// | `policy` | policy name | ``PublishedPolicyState`` JSON: the newest published version of the name |
/// | `policy-current` | `current` | ``PublishedPolicyState`` JSON: the newest published policy of any name |
/// | `break-glass` | `<expiresAt, 13 digits>/<record id>` | ``BreakGlassState`` JSON |
/// | `certifier` | certifier id | ``CertifierState`` JSON |
/// | `usage` | `<user>/<provider>` | decimal ms: integration time of the latest decision allowing the user an image of the provider (proof of use) |
/// | `parameters-version` | `current` | decimal version of the latest reputation parameter set |
/// | `user-key` | key id | the user id registered with that key |
///
/// Every value is a function of the entries alone, written in the transaction of the entry that
/// caused it.
public struct LedgerProvenanceState: ProvenanceStateReader {
    /// Record kinds that authorise a provider's keys.
    static let governanceKinds: Set<RecordKind> = [.providerOnboard, .providerUpdate, .keyRotation, .keyRevocation]
    /// Record kinds that act on another record.
    static let targetingKinds: Set<RecordKind> = [.imageRevoke, .imageRestore, .imageDeprecate]
    /// Record kinds that authorise an auditor's keys.
    static let auditorGovernanceKinds: Set<RecordKind> = [.auditorOnboard, .auditorUpdate]

    /// Namespace names.
    public enum Namespace {
        static let governance = "governance"
        static let provider = "provider"
        static let user = "user"
        static let record = "record"
        static let image = "image"
        static let digest = "digest"
        static let children = "children"
        static let providerRecords = "provider-records"
        static let imageName = "image-name"
        static let governanceRecords = "governance-records"
        static let targets = "targets"
        static let auditor = "auditor"
        static let auditorKey = "auditor-key"
        static let auditorRecords = "auditor-records"
        static let imageDigest = "image-digest"
        static let attestations = "attestations"
        static let attestationCount = "attestation-count"
        static let policy = "policy"
        static let policyCurrent = "policy-current"
        static let breakGlass = "break-glass"
        static let certifier = "certifier"
        static let usage = "usage"
        static let parametersVersion = "parameters-version"
        static let userKey = "user-key"
    }

    private let view: StateView
    /// A record known not to be in the log (the one being admitted), answered without a read.
    private let newRecord: RecordID?

    /// Reads through `view` (inside the sequencer: the store plus the batch's earlier changes).
    public init(view: StateView) {
        self.view = view
        self.newRecord = nil
    }

    /// Reads through `view` while admitting `newRecord`, which the sequencer found in no entry of the
    /// log: its own (absent) record state is known without a store read.
    init(view: StateView, admitting newRecord: RecordID) {
        self.view = view
        self.newRecord = newRecord
    }

    /// Reads the store's committed state.
    public init(store: any LedgerStore) {
        self.view = StateView(store: store)
        self.newRecord = nil
    }

    private func document<T: Decodable & Sendable>(_ type: T.Type, namespace: String, key: String) async throws -> T? {
        try await view.document(T.self, namespace: namespace, key: key)
    }

    public func governance() async throws -> GovernanceState? {
        try await document(GovernanceState.self, namespace: Namespace.governance, key: "current")
    }

    public func provider(id: String) async throws -> ProviderState? {
        try await document(ProviderState.self, namespace: Namespace.provider, key: id)
    }

    public func record(id: RecordID) async throws -> RecordState? {
        if id == newRecord { return nil }
        return try await document(RecordState.self, namespace: Namespace.record, key: id.description)
    }

    public func imageRecord(provider: String, digest: String) async throws -> RecordID? {
        guard let bytes = try await view.value(namespace: Namespace.image, key: "\(provider)/\(digest)") else { return nil }
        return RecordID(String(decoding: bytes, as: UTF8.self))
    }

    public func user(id: String) async throws -> UserState? {
        try await document(UserState.self, namespace: Namespace.user, key: id)
    }

    public func auditor(id: String) async throws -> AuditorState? {
        try await document(AuditorState.self, namespace: Namespace.auditor, key: id)
    }

    public func auditorID(keyID: String) async throws -> String? {
        try await view.value(namespace: Namespace.auditorKey, key: keyID).map { String(decoding: $0, as: UTF8.self) }
    }

    public func certifier(id: String) async throws -> CertifierState? {
        try await document(CertifierState.self, namespace: Namespace.certifier, key: id)
    }

    public func lastUse(user: String, provider: String) async throws -> Int64? {
        try await decimal(namespace: Namespace.usage, key: "\(user)/\(provider)")
    }

    public func parametersVersion() async throws -> Int64? {
        try await decimal(namespace: Namespace.parametersVersion, key: "current")
    }

    public func userID(keyID: String) async throws -> String? {
        try await view.value(namespace: Namespace.userKey, key: keyID).map { String(decoding: $0, as: UTF8.self) }
    }

    private func decimal(namespace: String, key: String) async throws -> Int64? {
        guard let bytes = try await view.value(namespace: namespace, key: key) else { return nil }
        guard let value = Int64(String(decoding: bytes, as: UTF8.self)) else {
            throw LedgerError.corruptStore("derived state \(namespace)/\(key) is not a decimal")
        }
        return value
    }

    public func imageRecord(digest: String) async throws -> RecordID? {
        if let bytes = try await view.value(namespace: Namespace.imageDigest, key: digest) {
            return RecordID(String(decoding: bytes, as: UTF8.self))
        }
        // A ledger written before the `image-digest` index: the image records that name the digest, first
        // integrated (then smallest id) wins; a later image record of the digest writes the index.
        var first: RecordState?
        for id in try await records(withDigest: digest) {
            guard let record = try await record(id: id), record.kind.isImageRecord else { continue }
            if let current = first, (current.integratedAt, current.id) <= (record.integratedAt, record.id) { continue }
            first = record
        }
        return first?.id
    }

    public func publishedPolicy(name: String) async throws -> PublishedPolicyState? {
        try await document(PublishedPolicyState.self, namespace: Namespace.policy, key: name)
    }

    /// The newest published policy of any name: the policy in force when a request names none.
    public func currentPolicy() async throws -> PublishedPolicyState? {
        try await document(PublishedPolicyState.self, namespace: Namespace.policyCurrent, key: "current")
    }

    /// The break-glass overrides that have not expired at `time` (ms), in order of expiry: the index is keyed by
    /// expiry, so the cost grows with the overrides still valid or not yet started (each lives at most 24 h).
    public func breakGlassGrants(unexpiredAt time: Int64, pageSize: Int = 1000) async throws -> [BreakGlassState] {
        let start = Self.paddedTime(max(0, time))
        var out: [BreakGlassState] = []
        var after: String? = start
        while true {
            let keys = try await view.keys(namespace: Namespace.breakGlass, prefix: "", after: after, limit: pageSize)
            for key in keys {
                guard let grant = try await document(BreakGlassState.self, namespace: Namespace.breakGlass, key: key) else {
                    continue
                }
                if grant.expiresAt > time { out.append(grant) }
            }
            guard keys.count == pageSize, let last = keys.last else { return out }
            after = last
        }
    }

    /// `time` as 13 decimal digits (zero-padded), so that keys sort by time.
    static func paddedTime(_ time: Int64) -> String {
        String(repeating: "0", count: max(0, 13 - String(time).count)) + String(time)
    }

    /// The attestations whose subject is `digest`, in log order, read in pages: O(their number).
    public func attestations(subject digest: String, pageSize: Int = 1000) async throws -> [RecordID] {
        var out: [RecordID] = []
        var after: String?
        while true {
            let entries = try await view.entries(
                namespace: Namespace.attestations,
                prefix: digest + "/",
                after: after,
                limit: pageSize
            )
            for (key, bytes) in entries {
                guard let id = RecordID(String(decoding: bytes, as: UTF8.self)) else {
                    throw LedgerError.corruptStore("derived state attestations/\(key) is not a record id")
                }
                out.append(id)
            }
            guard entries.count == pageSize, let last = entries.last else { return out }
            after = last.key
        }
    }

    /// The states of the records `ids` that are in the log, in the order of `ids`, read in one store read (for
    /// those the ledger does not remember).
    public func records(ids: [RecordID]) async throws -> [RecordState] {
        let keys = ids.filter { $0 != newRecord }.map(\.description)
        let found = try await view.documents(RecordState.self, namespace: Namespace.record, keys: keys)
        return keys.compactMap { found[$0] }
    }

    /// The auditor's onboarding and update records in log order: what authorises its keys.
    public func governanceRecords(ofAuditor auditor: String, pageSize: Int = 1000) async throws -> [RecordID] {
        try await allKeys(namespace: Namespace.auditorRecords, prefix: auditor + "/", pageSize: pageSize).compactMap { key in
            key.split(separator: "/").last.flatMap { RecordID(String($0)) }
        }
    }

    /// Records that name `digest` (image records and records about them), at most `limit`.
    public func records(withDigest digest: String, limit: Int = 1000) async throws -> [RecordID] {
        try await suffixes(namespace: Namespace.digest, prefix: digest + "/", limit: limit).compactMap(RecordID.init)
    }

    /// The records whose `previous` is `id`, at most `limit`.
    public func children(of id: RecordID, limit: Int = 1000) async throws -> [RecordID] {
        try await suffixes(namespace: Namespace.children, prefix: id.description + "/", limit: limit).compactMap(RecordID.init)
    }

    /// A provider's records in log order, at most `limit`.
    public func records(ofProvider provider: String, limit: Int = 1000) async throws -> [RecordID] {
        try await suffixes(namespace: Namespace.providerRecords, prefix: provider + "/", limit: limit).compactMap { key in
            key.split(separator: "/").last.flatMap { RecordID(String($0)) }
        }
    }

    /// Image-register records whose name starts with `namePrefix` (exactly `name` when `exact`),
    /// optionally of one provider: (record id, provider, name, digest), at most `limit`.
    public func images(
        named name: String,
        exact: Bool = true,
        provider: String? = nil,
        limit: Int = 100
    ) async throws -> [(
        record: RecordID, provider: String, name: String, digest: String
    )] {
        let prefix = exact ? name + "/" + (provider.map { $0 + "/" } ?? "") : name
        var out: [(record: RecordID, provider: String, name: String, digest: String)] = []
        for key in try await view.keys(namespace: Namespace.imageName, prefix: prefix, limit: limit * 4) {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 3, let id = RecordID(String(parts[parts.count - 1])) else { continue }
            let owner = String(parts[parts.count - 2])
            let imageName = parts[0..<(parts.count - 2)].joined(separator: "/")
            if let provider, owner != provider { continue }
            if exact, imageName != name { continue }
            guard let bytes = try await view.value(namespace: Namespace.imageName, key: key) else { continue }
            out.append((id, owner, imageName, String(decoding: bytes, as: UTF8.self)))
            if out.count == limit { break }
        }
        return out
    }

    /// The provider's governance records (onboarding, updates, key rotations and revocations) in
    /// log order: what authorises its keys.
    public func governanceRecords(ofProvider provider: String, pageSize: Int = 1000) async throws -> [RecordID] {
        try await allKeys(namespace: Namespace.governanceRecords, prefix: provider + "/", pageSize: pageSize).compactMap { key in
            key.split(separator: "/").last.flatMap { RecordID(String($0)) }
        }
    }

    /// The revoke, restore and deprecate records that act on record `id`.
    public func records(targeting id: RecordID, pageSize: Int = 1000) async throws -> [RecordID] {
        let prefix = id.description + "/"
        return try await allKeys(namespace: Namespace.targets, prefix: prefix, pageSize: pageSize).compactMap { key in
            RecordID(String(key.dropFirst(prefix.count)))
        }
    }

    private func allKeys(namespace: String, prefix: String, pageSize: Int) async throws -> [String] {
        var out: [String] = []
        var after: String?
        while true {
            let keys = try await view.keys(namespace: namespace, prefix: prefix, after: after, limit: pageSize)
            out += keys
            guard keys.count == pageSize, let last = keys.last else { return out }
            after = last
        }
    }

    /// Every record of `provider` in log order, read in pages of `pageSize` index keys: the cost grows with the
    /// provider's record count (bundles need all of a provider's governance records, whatever its history).
    public func allRecords(ofProvider provider: String, pageSize: Int = 1000) async throws -> [RecordID] {
        try await allKeys(namespace: Namespace.providerRecords, prefix: provider + "/", pageSize: pageSize).compactMap { key in
            key.split(separator: "/").last.flatMap { RecordID(String($0)) }
        }
    }

    private func suffixes(namespace: String, prefix: String, limit: Int) async throws -> [String] {
        try await view.keys(namespace: namespace, prefix: prefix, limit: limit).map { String($0.dropFirst(prefix.count)) }
    }

    // MARK: - Writing

    /// The derived-state writes that persist `changes`.
    ///
    /// The entities the changes touch are loaded, the changes applied to them with the reference
    /// semantics of `InMemoryProvenanceState`, and every entity that differs written back, plus
    /// the index keys of added records.
    public func writes(for changes: [StateChange]) async throws -> [StateWrite] {
        // What the changes touch.
        var touchesGovernance = false
        var providerIDs: Set<String> = []
        var recordIDs: Set<RecordID> = []
        var userIDs: Set<String> = []
        var imageKeys: Set<[String]> = []
        var added: [RecordState] = []
        var auditorsUpserted: [AuditorState] = []
        var attestationSubjects: [(String, RecordID)] = []
        var extra: [StateWrite] = []
        for change in changes {
            switch change {
            case .governanceSet:
                touchesGovernance = true
            case .providerUpserted(let provider):
                providerIDs.insert(provider.id)
            case .keyAdded(let id, _), .keyRetired(let id, _, _), .keyRevoked(let id, _, _):
                providerIDs.insert(id)
            case .recordAdded(let record):
                added.append(record)
                if let provider = record.provider, let digest = record.digest { imageKeys.insert([provider, digest]) }
            case .recordRevoked(let id, _), .recordRestored(let id), .recordDeprecated(let id, _):
                recordIDs.insert(id)
            case .userRegistered(let user):
                userIDs.insert(user.id)
            case .auditorUpserted(let auditor):
                auditorsUpserted.append(auditor)
            case .attestationAdded(let subject, let id):
                attestationSubjects.append((subject, id))
            case .attestationWithdrawn(let id, _), .cleanScanRecorded(let id, _), .reportResolved(let id, _):
                recordIDs.insert(id)
            case .policyPublished, .breakGlassGranted:
                break
            case .certifierUpserted(let certifier):
                extra.append(
                    StateWrite(namespace: Namespace.certifier, key: certifier.id, value: try DocumentJSON.encode(certifier))
                )
            case .usageRecorded(let user, let provider, let time):
                let key = "\(user)/\(provider)"
                let latest = max(try await lastUse(user: user, provider: provider) ?? time, time)
                extra.append(StateWrite(namespace: Namespace.usage, key: key, value: Array(String(latest).utf8)))
            case .parametersPublished(let version):
                extra.append(
                    StateWrite(namespace: Namespace.parametersVersion, key: "current", value: Array(String(version).utf8))
                )
            }
        }
        // Their current values.
        var providers: [String: ProviderState] = [:]
        for id in providerIDs { providers[id] = try await provider(id: id) }
        var records: [RecordID: RecordState] = [:]
        for id in recordIDs { records[id] = try await record(id: id) }
        var users: [String: UserState] = [:]
        for id in userIDs { users[id] = try await user(id: id) }
        var images: [String: [String: RecordID]] = [:]
        for key in imageKeys {
            if let id = try await imageRecord(provider: key[0], digest: key[1]) { images[key[0], default: [:]][key[1]] = id }
        }
        let before = InMemoryProvenanceState(
            governance: touchesGovernance ? try await governance() : nil,
            providers: providers,
            records: records,
            users: users,
            images: images
        )
        var after = before
        after.apply(changes)

        var writes: [StateWrite] = extra
        func put<T: Encodable & Sendable>(_ namespace: String, _ key: String, _ value: T) throws {
            let bytes = try DocumentJSON.encode(value)
            writes.append(StateWrite(namespace: namespace, key: key, value: bytes))
            // Inside the sequencer, later records of the batch read the document without decoding it.
            view.rememberPending(value, bytes: bytes, namespace: namespace, key: key)
        }
        if touchesGovernance, let value = after.governanceState, value != before.governanceState {
            try put(Namespace.governance, "current", value)
        }
        for (id, provider) in after.providers where before.providers[id] != provider {
            try put(Namespace.provider, id, provider)
        }
        for (id, user) in after.users where before.users[id] != user {
            try put(Namespace.user, id, user)
            if before.users[id]?.key != user.key {
                writes.append(StateWrite(namespace: Namespace.userKey, key: user.key.keyID, value: Array(id.utf8)))
            }
        }
        for (id, record) in after.records where before.records[id] != record {
            try put(Namespace.record, id.description, record)
        }
        for (provider, digests) in after.images {
            for (digest, id) in digests where before.images[provider]?[digest] != id {
                writes.append(
                    StateWrite(namespace: Namespace.image, key: "\(provider)/\(digest)", value: Array(id.description.utf8))
                )
            }
        }
        for auditor in auditorsUpserted {
            try put(Namespace.auditor, auditor.id, auditor)
            for key in auditor.keys {
                for keyID in KeyIDAliases.all(key.key) where try await auditorID(keyID: keyID) != auditor.id {
                    writes.append(StateWrite(namespace: Namespace.auditorKey, key: keyID, value: Array(auditor.id.utf8)))
                }
            }
        }
        var counts: [String: Int] = [:]
        for (subject, id) in attestationSubjects {
            let count: Int
            if let known = counts[subject] {
                count = known
            } else {
                let stored = try await view.value(namespace: Namespace.attestationCount, key: subject)
                count = stored.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
            }
            let sequence = String(count)
            let padded = String(repeating: "0", count: max(0, 10 - sequence.count)) + sequence
            writes.append(
                StateWrite(namespace: Namespace.attestations, key: "\(subject)/\(padded)", value: Array(id.description.utf8))
            )
            counts[subject] = count + 1
        }
        for change in changes {
            switch change {
            case .policyPublished(let policy):
                try put(Namespace.policy, policy.name, policy)
                try put(Namespace.policyCurrent, "current", policy)
            case .breakGlassGranted(let grant):
                try put(Namespace.breakGlass, "\(Self.paddedTime(grant.expiresAt))/\(grant.record)", grant)
            default:
                break
            }
        }
        for (subject, count) in counts {
            writes.append(StateWrite(namespace: Namespace.attestationCount, key: subject, value: Array(String(count).utf8)))
        }
        for record in added {
            if record.kind.isImageRecord, let digest = record.digest, try await imageRecord(digest: digest) == nil,
                !writes.contains(where: { $0.namespace == Namespace.imageDigest && $0.key == digest })
            {
                writes.append(StateWrite(namespace: Namespace.imageDigest, key: digest, value: Array(record.id.description.utf8)))
            }
            if let auditor = record.auditor, Self.auditorGovernanceKinds.contains(record.kind) {
                let time =
                    String(repeating: "0", count: max(0, 13 - String(record.integratedAt).count)) + String(record.integratedAt)
                writes.append(StateWrite(namespace: Namespace.auditorRecords, key: "\(auditor)/\(time)/\(record.id)", value: []))
            }
            if let digest = record.digest {
                writes.append(StateWrite(namespace: Namespace.digest, key: "\(digest)/\(record.id)", value: []))
            }
            if let previous = record.previous {
                writes.append(StateWrite(namespace: Namespace.children, key: "\(previous)/\(record.id)", value: []))
            }
            if let provider = record.provider {
                let time =
                    String(repeating: "0", count: max(0, 13 - String(record.integratedAt).count)) + String(record.integratedAt)
                writes.append(
                    StateWrite(namespace: Namespace.providerRecords, key: "\(provider)/\(time)/\(record.id)", value: [])
                )
                if Self.governanceKinds.contains(record.kind) {
                    writes.append(
                        StateWrite(namespace: Namespace.governanceRecords, key: "\(provider)/\(time)/\(record.id)", value: [])
                    )
                }
            }
            if Self.targetingKinds.contains(record.kind), let target = record.linked {
                writes.append(StateWrite(namespace: Namespace.targets, key: "\(target)/\(record.id)", value: []))
            }
        }
        return writes
    }
}

/// Admits vmtrust records (payload types `application/vnd.vmtrust.<kind>.v1+json`) by the
/// provenance chain rules against the ledger's state, and hands other payload types to
/// `others`.
public struct ProvenanceAdmission: EntryAdmission {
    /// The chain rules.
    public var rules: ProvenanceRules
    /// What decides payload types that are not vmtrust records.
    public var others: any EntryAdmission

    /// Creates the policy.
    public init(rules: ProvenanceRules = ProvenanceRules(), others: any EntryAdmission = AdmitAll()) {
        self.rules = rules.checkingPolicies
        self.others = others
    }

    public func admit(_ request: AdmissionRequest, state: StateView) async throws -> AdmissionDecision {
        switch try await admitRecord(request, state: state) {
        case .decided(let decision): decision
        case .accepted(let accepted): .admit(accepted.writes)
        }
    }

    /// A record the chain rules accepted: what it is, the provenance changes it makes and their writes.
    struct AcceptedRecord {
        var record: Record
        var recordID: RecordID
        var changes: [StateChange]
        var writes: [StateWrite]
    }

    /// The outcome of ``admitRecord(_:state:)``.
    enum Outcome {
        /// Refused, or not a vmtrust record (decided by `others`).
        case decided(AdmissionDecision)
        /// An accepted vmtrust record.
        case accepted(AcceptedRecord)
    }

    /// Admits a write like ``admit(_:state:)`` and, for an accepted vmtrust record, returns the record and its
    /// changes as well (for admissions composed after this one).
    func admitRecord(_ request: AdmissionRequest, state: StateView) async throws -> Outcome {
        let envelope: DSSEEnvelope
        var prepared: PreparedRecord?
        if let context = request.context as? PreparedRecord {
            envelope = context.envelope
            prepared = context
        } else if let parsed = request.context as? DSSEEnvelope {
            envelope = parsed
        } else {
            do {
                envelope = try DSSEEnvelope(json: request.envelope)
            } catch {
                return .decided(.reject(error))
            }
        }
        guard RecordKind(payloadType: envelope.payloadType) != nil else {
            return .decided(try await others.admit(request, state: state))
        }
        let record: Record
        if let decoded = prepared?.record {
            record = decoded
        } else {
            do {
                record = try Record.decode(envelope)
            } catch {
                return .decided(.reject(RecordRejection(code: .invalidRecord, message: error.message)))
            }
        }
        // The envelope's payload is the record's id (hashed before sequencing for a prepared record); the sequencer
        // found it in no entry of the log.
        let recordID = prepared?.recordID ?? RecordID(payload: envelope.payload)
        let reader =
            recordID == request.recordID
            ? LedgerProvenanceState(view: state, admitting: request.recordID) : LedgerProvenanceState(view: state)
        let admission = try await rules.admit(
            envelope,
            record: record,
            integrationTime: request.integratedAtMillis,
            state: reader,
            signatures: prepared?.signatures ?? VerifiedSignatures(),
            recordID: recordID
        )
        switch admission {
        case .rejected(let rejection):
            return .decided(.reject(rejection))
        case .accepted(let changes):
            var writes = try await reader.writes(for: changes)
            if case .imageRegister(let image) = record {
                writes.append(
                    StateWrite(
                        namespace: LedgerProvenanceState.Namespace.imageName,
                        key: "\(image.name)/\(image.provider)/\(recordID)",
                        value: Array(image.digest.utf8)
                    )
                )
            }
            return .accepted(AcceptedRecord(record: record, recordID: recordID, changes: changes, writes: writes))
        }
    }
}

/// A vmtrust record decoded, and its signatures checked, before it reaches the sequencer: the
/// ``Ledger/submit(envelope:recordID:context:)`` context that ``ProvenanceAdmission`` understands.
///
/// Decoding and signature verification are pure functions of the envelope's bytes (and of the keys
/// tried), so they can run in parallel in the request handlers; inside the sequencer, where records are
/// admitted one after the other, the chain rules then find the results in ``signatures`` and only
/// consult the state.
public struct PreparedRecord: Sendable {
    /// The envelope as received.
    public var envelope: DSSEEnvelope
    /// The decoded record, or `nil` when the payload does not decode (the sequencer then refuses it
    /// with the decoding error).
    public var record: Record?
    /// Signature checks done so far.
    public var signatures: VerifiedSignatures
    /// The record id: the SHA-256 of the envelope's payload.
    public let recordID: RecordID

    /// Decodes `envelope` and checks its signatures against the keys that the committed `state`
    /// grants the actor the record speaks for (its provider, its auditor, or the admins). Never
    /// throws: a failed read only leaves the check to the sequencer.
    ///
    /// `recordID`, when given, must be `RecordID(payload: envelope.payload)` (a caller that computed it saves
    /// hashing the payload again); otherwise it is computed here, before sequencing.
    public init(_ envelope: DSSEEnvelope, state: LedgerProvenanceState, recordID: RecordID? = nil) async {
        self.envelope = envelope
        self.recordID = recordID ?? RecordID(payload: envelope.payload)
        self.record = try? Record.decode(envelope)
        self.signatures = VerifiedSignatures()
        guard let record else { return }
        if record.kind == .attestation || record.auditor != nil {
            _ = try? await attestationSigner(envelope, state: state, signatures: signatures)
        }
        if let id = record.provider, let provider = try? await state.provider(id: id) {
            _ = signatures.verifiedKeys(of: envelope, among: provider.keys.map(\.key))
        }
        if record.kind.signer == .admins || record.kind.signer == .adminsOrRotatingKeys,
            let governance = try? await state.governance()
        {
            _ = signatures.verifiedKeys(of: envelope, among: governance.adminKeys)
        }
    }
}
