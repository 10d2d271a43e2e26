import Provenance

/// The reputation engine (REPUTATION.md): applies events to the state in O(1) documents each, and reads scores.
///
/// Pure: time is the event's integration time or the time passed to a read; state comes through a
/// ``ReputationStateReader`` and goes out as ``ReputationChange``s, which the caller persists in the transaction
/// of the record that caused them. Events must be applied in log order (non-decreasing times).
///
/// Before an event at time t, every obligation in the due-date queue with due < t is fired (its breach enters
/// SEC at its due time), so the state after an event depends only on the events, never on when timers ran; a
/// read at t accounts for the provider's obligations overdue at t the same way, without writing.
public struct ReputationEngine: Sendable {
    /// How many queue entries are read per page when firing.
    public var queuePageSize: Int

    /// Creates an engine.
    public init(queuePageSize: Int = 256) {
        self.queuePageSize = queuePageSize
    }

    /// The changes `event` makes: first the breaches of obligations due before its time, then its own effect.
    ///
    /// The ledger path: documents are read from `state` as the rules need them (each at most once) and the result
    /// is the list of documents to persist with the record. ``apply(_:to:)`` applies the same rules in place.
    public func apply(_ event: ReputationEvent, state: some ReputationStateReader) async throws -> [ReputationChange] {
        try await ReputationTransaction.changes(reading: state, dueBefore: event.time, pageSize: queuePageSize) {
            (tx) throws(ReputationTransaction.Missing) in
            try Self.run(event, &tx)
        }
    }

    /// The changes of firing every obligation due before `time` (a timer tick; optional: ``apply(_:state:)``
    /// fires them too, and reads account for them).
    public func advance(to time: Int64, state: some ReputationStateReader) async throws -> [ReputationChange] {
        try await ReputationTransaction.changes(reading: state, dueBefore: time, pageSize: queuePageSize) {
            (tx) throws(ReputationTransaction.Missing) in
            try Self.fireDue(before: time, &tx)
        }
    }

    /// Applies `event` to `state` in place: the replay and bulk path.
    ///
    /// The same rules as ``apply(_:state:)``, without a change list, JSON or suspension: the resulting state is the
    /// one ``InMemoryReputationState/apply(_:)`` would reach from that method's changes.
    public func apply(_ event: ReputationEvent, to state: inout InMemoryReputationState) {
        Self.run(event, &state)
    }

    /// Fires, in place, every obligation of `state` due before `time` (see ``advance(to:state:)``).
    public func advance(to time: Int64, in state: inout InMemoryReputationState) {
        Self.fireDue(before: time, &state)
    }

    /// The provider's score at `time` (ms), computed at log size `logSize`; `nil` for a provider with no
    /// reputation document.
    public func score(
        provider: String,
        at time: Int64,
        logSize: Int,
        state: some ReputationStateReader
    ) async throws -> ReputationScore? {
        guard let document = try await state.provider(id: provider) else { return nil }
        let history = try await state.parameterHistory() ?? ParameterHistory()
        return ReputationScore(document, history: history, at: time, logSize: logSize)
    }

    /// The provider's score at `time` in an in-memory state, without suspending (see
    /// ``score(provider:at:logSize:state:)``).
    public func score(
        provider: String,
        at time: Int64,
        logSize: Int,
        in state: InMemoryReputationState
    ) -> ReputationScore? {
        state.score(provider: provider, at: time, logSize: logSize)
    }
}

extension ReputationDimension {
    /// The decay channel of the dimension's decaying evidence (CMP: its negative evidence).
    public var channel: DecayChannel {
        switch self {
        case .sec: .security
        case .att: .attestation
        case .cmp: .complianceNegative
        case .fb: .feedback
        }
    }
}
