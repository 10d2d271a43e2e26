import Foundation
import Provenance

/// A read-only view of the reputation state, as small documents read by key.
///
/// Stores implement it from their derived state; every method is a point lookup, except
/// ``dueObligations(before:after:limit:)`` which reads the start of an ordered range. Errors thrown are store
/// failures.
public protocol ReputationStateReader: Sendable {
    /// The parameter history, or `nil` before any publication (the defaults apply).
    func parameterHistory() async throws -> ParameterHistory?
    /// The provider's reputation document.
    func provider(id: String) async throws -> ProviderReputation?
    /// The active contribution with `key`.
    func contribution(key: String) async throws -> Contribution?
    /// The contribution key of the contribution made by `record`.
    func contributionKey(record: RecordID) async throws -> String?
    /// The auditor's trust evidence.
    func auditor(id: String) async throws -> AuditorTrust?
    /// The user's credibility evidence.
    func user(id: String) async throws -> UserCredibility?
    /// The obligation opened by `report`.
    func obligation(report: RecordID) async throws -> Obligation?
    /// Queue entries with `due < before`, in queue order, after `after` when given, at most `limit`.
    func dueObligations(before: Int64, after: DueEntry?, limit: Int) async throws -> [DueEntry]
    /// The cluster's credibility window.
    func cluster(id: String) async throws -> ClusterWindow?
    /// The provider's feedback rates.
    func feedbackWindow(provider: String) async throws -> FeedbackWindow?
    /// The lineage's last release credit (`key` = `<provider>/<lineage root>`).
    func lineage(key: String) async throws -> LineageCredit?
}

/// One change to the reputation state, produced by applying an event; stores persist them in the transaction
/// of the record that caused them.
///
/// Each change sets or deletes one document at (``namespace``, ``key``); ``value()`` is its JSON (sorted keys).
public enum ReputationChange: Sendable, Hashable {
    /// The parameter history.
    case parameters(ParameterHistory)
    /// A provider's document.
    case provider(ProviderReputation)
    /// An active contribution set (or deleted when `nil`).
    case contribution(key: String, Contribution?)
    /// The index record → contribution key, set (or deleted when `nil`).
    case recordIndex(RecordID, contributionKey: String?)
    /// An auditor's trust.
    case auditor(AuditorTrust)
    /// A user's credibility.
    case user(UserCredibility)
    /// An obligation.
    case obligation(Obligation)
    /// A due-date queue entry added (`present`) or removed.
    case due(DueEntry, present: Bool)
    /// A cluster's window.
    case cluster(ClusterWindow)
    /// A provider's feedback rates.
    case feedbackWindow(FeedbackWindow)
    /// A lineage's last credit.
    case lineage(LineageCredit)

    /// Namespace names, one per document type.
    public enum Namespace {
        /// `history` → ``ParameterHistory``.
        public static let parameters = "reputation-parameters"
        /// provider id → ``ProviderReputation``.
        public static let provider = "reputation-provider"
        /// contribution key → ``Contribution``.
        public static let contribution = "reputation-contribution"
        /// record id → contribution key (UTF-8).
        public static let recordIndex = "reputation-record"
        /// auditor id → ``AuditorTrust``.
        public static let auditor = "reputation-auditor"
        /// user id → ``UserCredibility``.
        public static let user = "reputation-user"
        /// report record id → ``Obligation``.
        public static let obligation = "reputation-obligation"
        /// `<due, 19 digits>/<report record id>` → empty: the due-date queue.
        public static let due = "reputation-due"
        /// cluster id → ``ClusterWindow``.
        public static let cluster = "reputation-cluster"
        /// provider id → ``FeedbackWindow``.
        public static let feedbackWindow = "reputation-feedback-window"
        /// `<provider>/<lineage root>` → ``LineageCredit``.
        public static let lineage = "reputation-lineage"
    }

    /// The namespace of the document.
    public var namespace: String {
        switch self {
        case .parameters: Namespace.parameters
        case .provider: Namespace.provider
        case .contribution: Namespace.contribution
        case .recordIndex: Namespace.recordIndex
        case .auditor: Namespace.auditor
        case .user: Namespace.user
        case .obligation: Namespace.obligation
        case .due: Namespace.due
        case .cluster: Namespace.cluster
        case .feedbackWindow: Namespace.feedbackWindow
        case .lineage: Namespace.lineage
        }
    }

    /// The key of the document in its namespace.
    public var key: String {
        switch self {
        case .parameters: "history"
        case .provider(let value): value.id
        case .contribution(let key, _): key
        case .recordIndex(let record, _): record.description
        case .auditor(let value): value.id
        case .user(let value): value.id
        case .obligation(let value): value.report.description
        case .due(let entry, _): entry.key
        case .cluster(let value): value.id
        case .feedbackWindow(let value): value.provider
        case .lineage(let value): value.key
        }
    }

    /// The document's bytes (JSON with sorted keys, as Foundation's `JSONEncoder` writes them), or `nil` for a
    /// deletion.
    public func value() throws -> [UInt8]? {
        func json(_ value: some Encodable) throws -> [UInt8] { try DocumentJSON.encode(value) }
        switch self {
        case .parameters(let value): return try json(value)
        case .provider(let value): return try json(value)
        case .contribution(_, let value): return try value.map(json)
        case .recordIndex(_, let key): return key.map { Array($0.utf8) }
        case .auditor(let value): return try json(value)
        case .user(let value): return try json(value)
        case .obligation(let value): return try json(value)
        case .due(_, let present): return present ? [] : nil
        case .cluster(let value): return try json(value)
        case .feedbackWindow(let value): return try json(value)
        case .lineage(let value): return try json(value)
        }
    }
}
