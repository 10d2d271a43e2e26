import Foundation
import Provenance
import Reputation

/// The reputation state as a ledger keeps it: the engine's documents as JSON (sorted keys) in
/// the namespaces of ``ReputationChange/Namespace``, read through a ``StateView``.
///
/// Every document is a function of the entries alone and is written in the transaction of the
/// entry that changed it (see ``writes(for:)``).
public struct LedgerReputationState: ReputationStateReader {
    private let view: StateView

    /// Reads through `view` (inside the sequencer: the store plus the batch's earlier changes).
    public init(view: StateView) {
        self.view = view
    }

    /// Reads the store's committed state.
    public init(store: any LedgerStore) {
        self.view = StateView(store: store)
    }

    private func document<T: Decodable & Sendable>(_ type: T.Type, namespace: String, key: String) async throws -> T? {
        try await view.document(T.self, namespace: namespace, key: key)
    }

    public func parameterHistory() async throws -> ParameterHistory? {
        try await document(ParameterHistory.self, namespace: ReputationChange.Namespace.parameters, key: "history")
    }

    public func provider(id: String) async throws -> ProviderReputation? {
        try await document(ProviderReputation.self, namespace: ReputationChange.Namespace.provider, key: id)
    }

    public func contribution(key: String) async throws -> Contribution? {
        try await document(Contribution.self, namespace: ReputationChange.Namespace.contribution, key: key)
    }

    public func contributionKey(record: RecordID) async throws -> String? {
        guard let bytes = try await view.value(namespace: ReputationChange.Namespace.recordIndex, key: record.description)
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func auditor(id: String) async throws -> AuditorTrust? {
        try await document(AuditorTrust.self, namespace: ReputationChange.Namespace.auditor, key: id)
    }

    public func user(id: String) async throws -> UserCredibility? {
        try await document(UserCredibility.self, namespace: ReputationChange.Namespace.user, key: id)
    }

    public func obligation(report: RecordID) async throws -> Obligation? {
        try await document(Obligation.self, namespace: ReputationChange.Namespace.obligation, key: report.description)
    }

    public func dueObligations(before: Int64, after: DueEntry?, limit: Int) async throws -> [DueEntry] {
        // Bounded by the key prefix of `before`: the engine asks on every event, and the queue's head is usually not
        // due yet, so the answer is empty without sorting a page of the queue with the batch's pending entries.
        let keys = try await view.keys(
            namespace: ReputationChange.Namespace.due,
            prefix: "",
            after: after?.key,
            before: DueEntry.keyPrefix(due: before),
            limit: limit
        )
        var out: [DueEntry] = []
        for key in keys {
            guard let entry = Self.dueEntry(key: key) else {
                throw LedgerError.corruptStore("derived state \(ReputationChange.Namespace.due)/\(key) is not a due-date key")
            }
            guard entry.due < before else { break }
            out.append(entry)
        }
        return out
    }

    public func cluster(id: String) async throws -> ClusterWindow? {
        try await document(ClusterWindow.self, namespace: ReputationChange.Namespace.cluster, key: id)
    }

    public func feedbackWindow(provider: String) async throws -> FeedbackWindow? {
        try await document(FeedbackWindow.self, namespace: ReputationChange.Namespace.feedbackWindow, key: provider)
    }

    public func lineage(key: String) async throws -> LineageCredit? {
        try await document(LineageCredit.self, namespace: ReputationChange.Namespace.lineage, key: key)
    }

    /// Parses a due-date queue key, `<due, 19 digits>/<report record id>`.
    static func dueEntry(key: String) -> DueEntry? {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 19, let due = Int64(parts[0]), let report = RecordID(String(parts[1]))
        else { return nil }
        let entry = DueEntry(due: due, report: report)
        return entry.key == key ? entry : nil
    }

    /// The derived-state writes that persist `changes`, in order.
    public static func writes(for changes: [ReputationChange]) throws -> [StateWrite] {
        try changes.map { StateWrite(namespace: $0.namespace, key: $0.key, value: try $0.value()) }
    }

    /// Applies `changes` to `view` as their derived-state writes (returned, in order). Documents are written
    /// unencoded (``LazyDocument``): the next events of the batch read them as they are, and only the last value of
    /// each key in the batch is encoded, when the batch is written.
    static func apply(_ changes: [ReputationChange], to view: inout StateView) throws -> [StateWrite] {
        let writes = changes.map(lazyWrite)
        view.apply(writes)
        return writes
    }

    /// The write of one change: its document not encoded yet, or its bytes (index keys and deletions).
    static func lazyWrite(_ change: ReputationChange) -> StateWrite {
        let document: any Sendable
        switch change {
        case .parameters(let value): document = value
        case .provider(let value): document = value
        case .contribution(_, let value?): document = value
        case .auditor(let value): document = value
        case .user(let value): document = value
        case .obligation(let value): document = value
        case .cluster(let value): document = value
        case .feedbackWindow(let value): document = value
        case .lineage(let value): document = value
        case .contribution(_, nil):
            return StateWrite(namespace: change.namespace, key: change.key, value: nil)
        case .recordIndex(_, let contributionKey):
            return StateWrite(namespace: change.namespace, key: change.key, value: contributionKey.map { Array($0.utf8) })
        case .due(_, let present):
            return StateWrite(namespace: change.namespace, key: change.key, value: present ? [] : nil)
        }
        return StateWrite(
            namespace: change.namespace,
            key: change.key,
            document: LazyDocument(document) { try change.value() ?? [] }
        )
    }
}
