import Provenance
import Reputation

/// The ledger's default admission: the provenance chain rules (``ProvenanceAdmission``), then the reputation
/// engine (contract C4).
///
/// After the rules accept a record, its reputation events are derived (``ReputationDerivation``) from the record
/// and the provenance state after it, and applied in order; before each event the engine fires the obligations
/// due before it. The engine's changes are written with the record's provenance writes, in the same transaction.
/// A `reputation-parameters` record the engine cannot use is refused (`invalidParameters`): nothing is written.
public struct ReputationAdmission: EntryAdmission {
    /// The provenance admission that decides first.
    public var provenance: ProvenanceAdmission
    /// The engine.
    public var engine: ReputationEngine

    /// Creates the admission.
    public init(provenance: ProvenanceAdmission = ProvenanceAdmission(), engine: ReputationEngine = ReputationEngine()) {
        self.provenance = provenance
        self.engine = engine
    }

    /// Creates the admission with `rules` (e.g. with the server's decision keys).
    public init(rules: ProvenanceRules, others: any EntryAdmission = AdmitAll()) {
        self.init(provenance: ProvenanceAdmission(rules: rules, others: others))
    }

    public func admit(_ request: AdmissionRequest, state: StateView) async throws -> AdmissionDecision {
        let accepted: ProvenanceAdmission.AcceptedRecord
        switch try await provenance.admitRecord(request, state: state) {
        case .decided(let decision): return decision
        case .accepted(let record): accepted = record
        }
        var view = state.layered()
        view.apply(accepted.writes)
        let events: [ReputationEvent]
        do {
            events = try await ReputationDerivation.events(
                record: accepted.record,
                id: accepted.recordID,
                time: request.integratedAtMillis,
                changes: accepted.changes,
                state: LedgerProvenanceState(view: view)
            )
        } catch let error as ParameterRecordError {
            return .reject(RecordRejection(code: .invalidParameters, message: "parameter \(error.description)"))
        }
        var writes = accepted.writes
        for event in events {
            let changes = try await engine.apply(event, state: LedgerReputationState(view: view))
            writes += try LedgerReputationState.apply(changes, to: &view)
        }
        return .admit(writes)
    }
}
