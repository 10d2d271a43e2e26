import Provenance

/// The documents one event reads and writes: loaded once from the reader, changed in place, emitted as
/// ``ReputationChange``s in the order they were first written.
struct ReputationTransaction<Reader: ReputationStateReader> {
    let reader: Reader
    private(set) var history: ParameterHistory
    private var historyDirty = false

    private var providers: [String: ProviderReputation?] = [:]
    private var contributions: [String: Contribution?] = [:]
    private var recordIndex: [RecordID: String?] = [:]
    private var auditors: [String: AuditorTrust?] = [:]
    private var users: [String: UserCredibility?] = [:]
    private var obligations: [RecordID: Obligation?] = [:]
    private var clusters: [String: ClusterWindow?] = [:]
    private var windows: [String: FeedbackWindow?] = [:]
    private var lineages: [String: LineageCredit?] = [:]

    private enum Ref: Hashable {
        case provider(String)
        case contribution(String)
        case recordIndex(RecordID)
        case auditor(String)
        case user(String)
        case obligation(RecordID)
        case cluster(String)
        case window(String)
        case lineage(String)
        case due(DueEntry)
    }

    private var order: [Ref] = []
    private var written: Set<Ref> = []
    private var queue: [DueEntry: Bool] = [:]

    init(reader: Reader) async throws {
        self.reader = reader
        self.history = try await reader.parameterHistory() ?? ParameterHistory()
    }

    private mutating func touch(_ ref: Ref) {
        if written.insert(ref).inserted { order.append(ref) }
    }

    /// The changes, in first-write order (parameters first).
    func changes() -> [ReputationChange] {
        var out: [ReputationChange] = historyDirty ? [.parameters(history)] : []
        for ref in order {
            switch ref {
            case .provider(let id): if let value = providers[id] ?? nil { out.append(.provider(value)) }
            case .contribution(let key): out.append(.contribution(key: key, contributions[key] ?? nil))
            case .recordIndex(let id): out.append(.recordIndex(id, contributionKey: recordIndex[id] ?? nil))
            case .auditor(let id): if let value = auditors[id] ?? nil { out.append(.auditor(value)) }
            case .user(let id): if let value = users[id] ?? nil { out.append(.user(value)) }
            case .obligation(let id): if let value = obligations[id] ?? nil { out.append(.obligation(value)) }
            case .cluster(let id): if let value = clusters[id] ?? nil { out.append(.cluster(value)) }
            case .window(let id): if let value = windows[id] ?? nil { out.append(.feedbackWindow(value)) }
            case .lineage(let id): if let value = lineages[id] ?? nil { out.append(.lineage(value)) }
            case .due(let entry): out.append(.due(entry, present: queue[entry] ?? false))
            }
        }
        return out
    }

    // MARK: Parameters

    mutating func setHistory(_ value: ParameterHistory) {
        history = value
        historyDirty = true
    }

    // MARK: Documents

    mutating func provider(_ id: String) async throws -> ProviderReputation? {
        if let cached = providers[id] { return cached }
        let value = try await reader.provider(id: id)
        providers[id] = .some(value)
        return value
    }

    mutating func setProvider(_ value: ProviderReputation) {
        providers[value.id] = .some(value)
        touch(.provider(value.id))
    }

    mutating func contribution(_ key: String) async throws -> Contribution? {
        if let cached = contributions[key] { return cached }
        let value = try await reader.contribution(key: key)
        contributions[key] = .some(value)
        return value
    }

    mutating func setContribution(_ key: String, _ value: Contribution?) {
        contributions[key] = .some(value)
        touch(.contribution(key))
    }

    mutating func contributionKey(_ record: RecordID) async throws -> String? {
        if let cached = recordIndex[record] { return cached }
        let value = try await reader.contributionKey(record: record)
        recordIndex[record] = .some(value)
        return value
    }

    mutating func setContributionKey(_ record: RecordID, _ key: String?) {
        recordIndex[record] = .some(key)
        touch(.recordIndex(record))
    }

    mutating func auditor(_ id: String) async throws -> AuditorTrust? {
        if let cached = auditors[id] { return cached }
        let value = try await reader.auditor(id: id)
        auditors[id] = .some(value)
        return value
    }

    mutating func setAuditor(_ value: AuditorTrust) {
        auditors[value.id] = .some(value)
        touch(.auditor(value.id))
    }

    mutating func user(_ id: String) async throws -> UserCredibility? {
        if let cached = users[id] { return cached }
        let value = try await reader.user(id: id)
        users[id] = .some(value)
        return value
    }

    mutating func setUser(_ value: UserCredibility) {
        users[value.id] = .some(value)
        touch(.user(value.id))
    }

    mutating func obligation(_ report: RecordID) async throws -> Obligation? {
        if let cached = obligations[report] { return cached }
        let value = try await reader.obligation(report: report)
        obligations[report] = .some(value)
        return value
    }

    mutating func setObligation(_ value: Obligation) {
        obligations[value.report] = .some(value)
        touch(.obligation(value.report))
    }

    mutating func cluster(_ id: String) async throws -> ClusterWindow? {
        if let cached = clusters[id] { return cached }
        let value = try await reader.cluster(id: id)
        clusters[id] = .some(value)
        return value
    }

    mutating func setCluster(_ value: ClusterWindow) {
        clusters[value.id] = .some(value)
        touch(.cluster(value.id))
    }

    mutating func window(_ provider: String) async throws -> FeedbackWindow? {
        if let cached = windows[provider] { return cached }
        let value = try await reader.feedbackWindow(provider: provider)
        windows[provider] = .some(value)
        return value
    }

    mutating func setWindow(_ value: FeedbackWindow) {
        windows[value.provider] = .some(value)
        touch(.window(value.provider))
    }

    mutating func lineage(_ key: String) async throws -> LineageCredit? {
        if let cached = lineages[key] { return cached }
        let value = try await reader.lineage(key: key)
        lineages[key] = .some(value)
        return value
    }

    mutating func setLineage(_ value: LineageCredit) {
        lineages[value.key] = .some(value)
        touch(.lineage(value.key))
    }

    mutating func setQueued(_ entry: DueEntry, _ present: Bool) {
        queue[entry] = present
        touch(.due(entry))
    }
}
