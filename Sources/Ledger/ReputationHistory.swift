import Foundation
import Provenance
import Reputation

/// The time-indexed history of providers' reputation documents: after every entry that changes a
/// provider's document, a copy of the document is kept under the entry's integration time, so the
/// score at a past time t is the score as of the log at t: the latest copy at or before t, decayed
/// to t (``ReputationScore`` applies the exact decay and the overdue obligations between the two).
///
/// Keys are `<provider>/<Int64.max − time, 19 digits>` in namespace ``namespace``: key order is
/// newest first, so "the latest copy at or before t" is the first key after a bound, one ordered
/// read. Copies are derived state, written in the transaction of the entry that caused them by
/// ``ReputationHistoryAdmission``.
public enum ReputationHistory {
    /// The derived-state namespace of the copies.
    public static let namespace = "reputation-history"

    /// The key of `provider`'s copy at `time` (ms, ≥ 0).
    public static func key(provider: String, time: Int64) -> String {
        let inverted = String(Int64.max - max(0, time))
        return provider + "/" + String(repeating: "0", count: 19 - inverted.count) + inverted
    }

    /// The time a key of `provider` stands for, or `nil` when it is not one of its keys.
    static func time(key: String, provider: String) -> Int64? {
        let prefix = provider + "/"
        guard key.hasPrefix(prefix) else { return nil }
        let digits = key.dropFirst(prefix.count)
        guard digits.count == 19, digits.allSatisfy(\.isASCII), let inverted = Int64(digits), inverted >= 0 else { return nil }
        return Int64.max - inverted
    }

    /// The history writes for the derived-state writes `writes` of one entry integrated at `time`: one copy per
    /// provider document it sets (deletions are not copied: the engine never deletes a provider's document).
    public static func writes(for writes: [StateWrite], at time: Int64) -> [StateWrite] {
        var out: [StateWrite] = []
        for write in writes where write.namespace == ReputationChange.Namespace.provider && !write.isDeletion {
            // The same value (a document not encoded yet stays so, and is encoded once for both keys).
            var copy = write
            copy.namespace = namespace
            copy.key = key(provider: write.key, time: time)
            out.append(copy)
        }
        return out
    }
}

/// Composes after any admission: adds ``ReputationHistory`` copies of the provider documents the inner admission
/// writes, in the same transaction. Refusals pass through unchanged.
public struct ReputationHistoryAdmission: EntryAdmission {
    /// The admission whose provider-document writes are copied.
    public var inner: any EntryAdmission

    /// Wraps `inner`.
    public init(_ inner: any EntryAdmission) {
        self.inner = inner
    }

    public func admit(_ request: AdmissionRequest, state: StateView) async throws -> AdmissionDecision {
        switch try await inner.admit(request, state: state) {
        case .reject(let error):
            return .reject(error)
        case .admit(let writes):
            return .admit(writes + ReputationHistory.writes(for: writes, at: request.integratedAtMillis))
        }
    }
}

/// Reads the history of providers' reputation documents.
public struct ReputationHistoryReader: Sendable {
    private let view: StateView

    /// Reads the store's committed state.
    public init(store: any LedgerStore) {
        self.view = StateView(store: store)
    }

    /// Reads through `view`.
    public init(view: StateView) {
        self.view = view
    }

    /// `provider`'s document as of the log at `time`: the latest copy made at or before `time`, with the time it
    /// was made; `nil` when there is none. One ordered read and one point read.
    public func document(provider: String, atOrBefore time: Int64) async throws -> (time: Int64, document: ProviderReputation)? {
        guard time >= 0 else { return nil }
        let bound: String? = time == Int64.max ? nil : ReputationHistory.key(provider: provider, time: time + 1)
        let keys = try await view.keys(namespace: ReputationHistory.namespace, prefix: provider + "/", after: bound, limit: 1)
        guard let key = keys.first else { return nil }
        guard let made = ReputationHistory.time(key: key, provider: provider) else {
            throw LedgerError.corruptStore("derived state \(ReputationHistory.namespace)/\(key) is not a history key")
        }
        guard let document = try await view.document(ProviderReputation.self, namespace: ReputationHistory.namespace, key: key)
        else { return nil }
        return (made, document)
    }
}

extension Ledger {
    /// The reputation engine's documents as committed (for reads outside sequencing).
    public nonisolated var reputationState: LedgerReputationState { LedgerReputationState(view: committedState) }

    /// The history of providers' reputation documents as committed.
    public nonisolated var reputationHistory: ReputationHistoryReader { ReputationHistoryReader(store: store) }
}
