import Foundation
import Provenance

/// The reputation state in memory: the reference implementation of ``ReputationStateReader``, for tests and
/// replay.
///
/// With `roundTripJSON`, every document is stored as the bytes ``ReputationChange/value()`` gives and decoded
/// on read, exactly as a ledger store keeps it.
public struct InMemoryReputationState: ReputationStateReader {
    private var documents: [String: [String: [UInt8]]] = [:]
    private var history: ParameterHistory?
    private var providers: [String: ProviderReputation] = [:]
    private var contributions: [String: Contribution] = [:]
    private var recordIndex: [RecordID: String] = [:]
    private var auditors: [String: AuditorTrust] = [:]
    private var users: [String: UserCredibility] = [:]
    private var obligations: [RecordID: Obligation] = [:]
    private var queue: [DueEntry] = []
    private var clusters: [String: ClusterWindow] = [:]
    private var windows: [String: FeedbackWindow] = [:]
    private var lineages: [String: LineageCredit] = [:]

    /// Whether documents are kept as JSON bytes (as a store keeps them).
    public let roundTripJSON: Bool

    /// An empty state.
    public init(roundTripJSON: Bool = false) {
        self.roundTripJSON = roundTripJSON
    }

    /// Every provider with a document, sorted.
    public var providerIDs: [String] {
        roundTripJSON ? (documents[ReputationChange.Namespace.provider] ?? [:]).keys.sorted() : providers.keys.sorted()
    }

    /// The number of entries in the due-date queue.
    public var queueCount: Int { queue.count }

    /// Applies `changes` in order.
    public mutating func apply(_ changes: [ReputationChange]) {
        for change in changes { apply(change) }
    }

    private mutating func apply(_ change: ReputationChange) {
        if case .due(let entry, let present) = change {
            let index = queue.partitioningIndex { $0 >= entry }
            let found = index < queue.count && queue[index] == entry
            if present, !found { queue.insert(entry, at: index) }
            if !present, found { queue.remove(at: index) }
            return
        }
        if roundTripJSON {
            documents[change.namespace, default: [:]][change.key] = try! change.value()
            return
        }
        switch change {
        case .parameters(let value): history = value
        case .provider(let value): providers[value.id] = value
        case .contribution(let key, let value): contributions[key] = value
        case .recordIndex(let record, let key): recordIndex[record] = key
        case .auditor(let value): auditors[value.id] = value
        case .user(let value): users[value.id] = value
        case .obligation(let value): obligations[value.report] = value
        case .due: break
        case .cluster(let value): clusters[value.id] = value
        case .feedbackWindow(let value): windows[value.provider] = value
        case .lineage(let value): lineages[value.key] = value
        }
    }

    private func decoded<T: Decodable>(_ namespace: String, _ key: String, _ direct: T?) throws -> T? {
        guard roundTripJSON else { return direct }
        guard let bytes = documents[namespace]?[key] else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    }

    public func parameterHistory() async throws -> ParameterHistory? {
        try decoded(ReputationChange.Namespace.parameters, "history", history)
    }

    public func provider(id: String) async throws -> ProviderReputation? {
        try decoded(ReputationChange.Namespace.provider, id, providers[id])
    }

    public func contribution(key: String) async throws -> Contribution? {
        try decoded(ReputationChange.Namespace.contribution, key, contributions[key])
    }

    public func contributionKey(record: RecordID) async throws -> String? {
        guard roundTripJSON else { return recordIndex[record] }
        return documents[ReputationChange.Namespace.recordIndex]?[record.description].map { String(decoding: $0, as: UTF8.self) }
    }

    public func auditor(id: String) async throws -> AuditorTrust? {
        try decoded(ReputationChange.Namespace.auditor, id, auditors[id])
    }

    public func user(id: String) async throws -> UserCredibility? {
        try decoded(ReputationChange.Namespace.user, id, users[id])
    }

    public func obligation(report: RecordID) async throws -> Obligation? {
        try decoded(ReputationChange.Namespace.obligation, report.description, obligations[report])
    }

    public func dueObligations(before: Int64, after: DueEntry?, limit: Int) async throws -> [DueEntry] {
        var index = after.map { entry in queue.partitioningIndex { $0 > entry } } ?? 0
        var out: [DueEntry] = []
        while index < queue.count, out.count < limit, queue[index].due < before {
            out.append(queue[index])
            index += 1
        }
        return out
    }

    public func cluster(id: String) async throws -> ClusterWindow? {
        try decoded(ReputationChange.Namespace.cluster, id, clusters[id])
    }

    public func feedbackWindow(provider: String) async throws -> FeedbackWindow? {
        try decoded(ReputationChange.Namespace.feedbackWindow, provider, windows[provider])
    }

    public func lineage(key: String) async throws -> LineageCredit? {
        try decoded(ReputationChange.Namespace.lineage, key, lineages[key])
    }
}

extension Array {
    /// The first index whose element satisfies `belongs` (the array is partitioned: `false…false true…true`).
    func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if belongs(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
