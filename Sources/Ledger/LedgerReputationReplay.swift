import Foundation
import Provenance
import Reputation

/// Rebuilds the reputation state from a ledger's entries alone and compares it with the stored (incremental)
/// state (`vmtrust reputation replay`, REPUTATION.md "Explanation").
///
/// Entries are read in pages, in log order, each decoded with its integration time and admitted again by the
/// provenance rules against a fresh in-memory provenance state; the events of each admitted record are derived
/// and applied to a fresh in-memory reputation state, exactly as ``ReputationAdmission`` did when the record was
/// written. Memory grows with the derived state (records, providers, contributions), not with entry bytes.
///
/// Every logged record was admitted by the rules before it was written, and `vmtrust log audit` checks that the
/// entries are the logged ones; so by default replay runs only the state-changing part of admission
/// (``ProvenanceRules/changes(_:)``, under an empty policy), not the ~40 checks, and does not verify signatures
/// again (``VerifiedSignatures/init(trustingKeyIDs:)``). Compliance certifications are the exception: whether the
/// certifier signed decides how the claim counts, so their signatures are verified. `checkRules` runs every rule
/// again (an entry they refuse is reported); `verifySignatures` runs every rule and verifies every signature.
public struct LedgerReputationReplay: Sendable {
    /// The rules the ledger runs (with its decision keys).
    public var rules: ProvenanceRules
    /// The engine.
    public var engine: ReputationEngine
    /// Entries read per store read.
    public var pageSize: Int
    /// Whether every signature is verified again (by the rules, which then all run).
    public var verifySignatures: Bool
    /// Whether every admission rule runs again (not only the state changes of admission).
    public var checkRules: Bool

    /// Creates a replay.
    public init(
        rules: ProvenanceRules = ProvenanceRules(),
        engine: ReputationEngine = ReputationEngine(),
        pageSize: Int = 2048,
        verifySignatures: Bool = false,
        checkRules: Bool = false
    ) {
        self.rules = rules.checkingPolicies
        self.engine = engine
        self.pageSize = pageSize
        self.verifySignatures = verifySignatures
        self.checkRules = checkRules
    }

    /// What a replay found.
    public struct Report: Sendable {
        /// Entries read.
        public var entries: Int = 0
        /// vmtrust records among them.
        public var records: Int = 0
        /// Reputation events derived.
        public var events: Int = 0
        /// Providers compared.
        public var providers: Int = 0
        /// The log size replayed.
        public var logSize: Int = 0
        /// The time the scores were compared at (ms).
        public var time: Int64 = 0
        /// Entries refused on replay (index and reason): undecodable records, unusable parameter sets, and with
        /// ``LedgerReputationReplay/checkRules`` records the rules refuse: the stored state was built from a log the
        /// rules would not accept.
        public var refused: [(index: UInt64, reason: String)] = []
        /// Figures on which the stored and replayed states differ.
        public var differences: [ReputationDifference] = []
        /// Seconds spent waiting for entries (read and decoded ahead, on concurrent tasks), admitting records,
        /// deriving and applying events, comparing.
        public var seconds: (read: Double, admit: Double, reputation: Double, compare: Double) = (0, 0, 0, 0)

        /// Whether the stored state equals the replayed one.
        public var matches: Bool { refused.isEmpty && differences.isEmpty }
    }

    /// Replays `store`'s log up to its latest checkpoint and compares every provider at `time` (default: the last
    /// entry's integration time) with `tolerance`.
    public func run(
        store: any LedgerStore,
        at time: Int64? = nil,
        tolerance: Double = ReputationReplay.tolerance,
        progress: (@Sendable (UInt64) -> Void)? = nil
    ) async throws -> Report {
        let (provenance, reputation, partial) = try await replay(store: store, progress: progress)
        _ = provenance
        var report = partial
        let clock = ContinuousClock()
        let started = clock.now
        report.time = time ?? report.time
        // The stored provider documents come with the listing of their namespace (pages of 1,000), not one point
        // read each; the parameter history is read once.
        var collected: [String: [UInt8]] = [:]
        var after: String?
        while true {
            let page = try await store.stateEntries(
                namespace: ReputationChange.Namespace.provider,
                prefix: "",
                after: after,
                limit: 1000
            )
            for (key, value) in page { collected[key] = value }
            guard page.count == 1000, let last = page.last else { break }
            after = last.key
        }
        let stored = collected
        let providers = Set(reputation.providerIDs).union(stored.keys).sorted()
        report.providers = providers.count
        let storedHistory = try await LedgerReputationState(store: store).parameterHistory() ?? ParameterHistory()
        // Decoding the stored documents and scoring both sides is independent per provider: two halves run at once.
        let time = report.time
        let logSize = report.logSize
        let halves = stride(from: 0, to: providers.count, by: max(1, (providers.count + 1) / 2)).map {
            Array(providers[$0..<min(providers.count, $0 + max(1, (providers.count + 1) / 2))])
        }
        let found = try await withThrowingTaskGroup(of: (Int, [ReputationDifference]).self) { group in
            for (index, half) in halves.enumerated() {
                group.addTask {
                    let decoder = JSONDecoder()
                    var differences: [ReputationDifference] = []
                    for provider in half {
                        let a = try stored[provider].map {
                            ReputationScore(
                                try decoder.decode(ProviderReputation.self, from: Data($0)),
                                history: storedHistory,
                                at: time,
                                logSize: logSize
                            )
                        }
                        let b = reputation.score(provider: provider, at: time, logSize: logSize)
                        guard let a, let b else {
                            if (a == nil) != (b == nil) {
                                differences.append(
                                    ReputationDifference(
                                        provider: provider,
                                        figure: "presence",
                                        stored: a?.score,
                                        replayed: b?.score
                                    )
                                )
                            }
                            continue
                        }
                        differences += ReputationReplay.compare(a, b, tolerance: tolerance)
                    }
                    return (index, differences)
                }
            }
            return try await group.reduce(into: [(Int, [ReputationDifference])]()) { $0.append($1) }
        }
        // In provider order, as one pass would give them.
        for (_, differences) in found.sorted(by: { $0.0 < $1.0 }) { report.differences += differences }
        report.seconds.compare = Self.seconds(started.duration(to: clock.now))
        return report
    }

    /// The provenance and reputation states rebuilt from `store`'s entries (up to its latest checkpoint).
    public func replay(
        store: any LedgerStore,
        progress: (@Sendable (UInt64) -> Void)? = nil
    ) async throws -> (InMemoryProvenanceState, InMemoryReputationState, Report) {
        var report = Report()
        var provenance = InMemoryProvenanceState()
        var reputation = InMemoryReputationState()
        let size = try await store.latestCheckpoint()?.size ?? 0
        report.logSize = Int(size)
        let clock = ContinuousClock()
        // Pages are read and decoded (entry, envelope, record, record id) concurrently, the next page while this
        // one is admitted and applied; admission and the engine run in log order.
        var next: Task<[DecodedEntry], any Error>? = size > 0 ? decodePage(store: store, 0..<min(size, UInt64(pageSize))) : nil
        var start: UInt64 = 0
        while start < size, let pending = next {
            let end = min(size, start + UInt64(pageSize))
            var mark = clock.now
            let page = try await pending.value
            next = end < size ? decodePage(store: store, end..<min(size, end + UInt64(pageSize))) : nil
            report.seconds.read += Self.seconds(mark.duration(to: clock.now))
            mark = clock.now
            let checked = try await verifyCertifications(page, provenance)
            report.seconds.admit += Self.seconds(mark.duration(to: clock.now))
            for (offset, decoded) in page.enumerated() {
                let index = start + UInt64(offset)
                report.entries += 1
                mark = clock.now
                report.time = decoded.time
                let envelope: DSSEEnvelope
                let record: Record
                let id: RecordID
                switch decoded.content {
                case .other: continue
                case .invalid(let message):
                    report.refused.append((index, "invalidRecord: \(message)"))
                    continue
                case .record(let decodedEnvelope, let decodedRecord, let decodedID):
                    (envelope, record, id) = (decodedEnvelope, decodedRecord, decodedID)
                }
                report.records += 1
                let changes: [StateChange]
                switch try await admit(envelope, record: record, id: id, at: decoded.time, provenance, checked: checked[offset]) {
                case .rejected(let rejection):
                    report.refused.append((index, rejection.description))
                    continue
                case .accepted(let accepted):
                    changes = accepted
                }
                provenance.apply(changes)
                report.seconds.admit += Self.seconds(mark.duration(to: clock.now))
                mark = clock.now
                let events: [ReputationEvent]
                do {
                    events = try await ReputationDerivation.events(
                        record: record,
                        id: id,
                        time: decoded.time,
                        changes: changes,
                        state: provenance
                    )
                } catch let error as ParameterRecordError {
                    report.refused.append((index, "invalidParameters: \(error.description)"))
                    continue
                }
                // The in-place path: the same rules as the admission's, without change lists.
                for event in events { engine.apply(event, to: &reputation) }
                report.events += events.count
                report.seconds.reputation += Self.seconds(mark.duration(to: clock.now))
            }
            start = end
            progress?(start)
        }
        return (provenance, reputation, report)
    }

    /// An entry decoded for replay.
    struct DecodedEntry: Sendable {
        enum Content: Sendable {
            /// Not a vmtrust record (another payload type, or not an envelope).
            case other
            /// A vmtrust payload type whose payload does not decode.
            case invalid(String)
            /// A record, with its envelope and id.
            case record(DSSEEnvelope, Record, RecordID)
        }
        /// The integration time (ms).
        var time: Int64
        var content: Content
    }

    /// Reads entries `range` and decodes them, in chunks on concurrent tasks.
    private func decodePage(store: any LedgerStore, _ range: Range<UInt64>) -> Task<[DecodedEntry], any Error> {
        Task {
            let page = try await store.entries(range)
            guard page.count == range.count else {
                throw LedgerError.corruptStore("entries \(range.lowerBound)..<\(range.upperBound) are missing from the store")
            }
            let chunk = 256
            return try await withThrowingTaskGroup(of: (Int, [DecodedEntry]).self) { group in
                for first in stride(from: 0, to: page.count, by: chunk) {
                    let slice = Array(page[first..<min(page.count, first + chunk)])
                    group.addTask { (first, try slice.map(Self.decode)) }
                }
                var chunks: [(Int, [DecodedEntry])] = []
                for try await result in group { chunks.append(result) }
                return chunks.sorted { $0.0 < $1.0 }.flatMap(\.1)
            }
        }
    }

    /// Decodes one entry.
    private static func decode(_ bytes: [UInt8]) throws -> DecodedEntry {
        let entry = try LedgerEntry(encoded: bytes)
        guard let envelope = try? DSSEEnvelope(json: entry.envelope), RecordKind(payloadType: envelope.payloadType) != nil
        else { return DecodedEntry(time: entry.integratedAtMillis, content: .other) }
        do {
            let record = try Record.decode(envelope)
            return DecodedEntry(
                time: entry.integratedAtMillis,
                content: .record(envelope, record, RecordID(payload: envelope.payload))
            )
        } catch {
            return DecodedEntry(time: entry.integratedAtMillis, content: .invalid(error.message))
        }
    }

    /// The signatures of the page's compliance certifications, verified ahead on concurrent tasks against their
    /// certifier's keys as they are at the start of the page (by entry offset in the page).
    ///
    /// The rules ask the memo for the certifier's keys as they are when the certification is admitted: the same
    /// list (a hit) unless the certifier's keys changed earlier in the page, in which case the rules verify again.
    /// Either way the rules see exactly what verifying would give; only where it is computed changes.
    private func verifyCertifications(
        _ page: [DecodedEntry],
        _ provenance: InMemoryProvenanceState
    ) async throws -> [Int: VerifiedSignatures] {
        var jobs: [(offset: Int, envelope: DSSEEnvelope, keys: [PublicKey])] = []
        for (offset, decoded) in page.enumerated() {
            guard case .record(let envelope, .complianceCertification(let certification), _) = decoded.content,
                let certifier = try await provenance.certifier(id: certification.certifier)
            else { continue }
            jobs.append((offset, envelope, certifier.keys))
        }
        guard !jobs.isEmpty else { return [:] }
        let work = jobs
        let memos = work.map { _ in VerifiedSignatures() }
        let chunk = max(1, (work.count + 1) / 2)
        await withTaskGroup(of: Void.self) { group in
            for first in stride(from: 0, to: work.count, by: chunk) {
                group.addTask {
                    for index in first..<min(work.count, first + chunk) {
                        _ = memos[index].verifiedKeys(of: work[index].envelope, among: work[index].keys)
                    }
                }
            }
        }
        return Dictionary(uniqueKeysWithValues: zip(work.map(\.offset), memos))
    }

    /// The admission of a logged record on replay: every rule with ``checkRules``, otherwise only the state changes
    /// (what the rules return for an accepted record). `checked`: the record's signatures verified ahead, if any.
    private func admit(
        _ envelope: DSSEEnvelope,
        record: Record,
        id: RecordID,
        at time: Int64,
        _ provenance: InMemoryProvenanceState,
        checked: VerifiedSignatures? = nil
    ) async throws -> Admission {
        let trusted = !verifySignatures && record.kind != .complianceCertification
        let signatures = trusted ? VerifiedSignatures(trustingKeyIDs: true) : (checked ?? VerifiedSignatures())
        // Signatures are checked by the rules: verifying them means running the rules.
        guard !checkRules && !verifySignatures else {
            return try await rules.admit(
                envelope,
                record: record,
                integrationTime: time,
                state: provenance,
                signatures: signatures
            )
        }
        let context = AdmissionContext(
            envelope: envelope,
            record: record,
            recordID: id,
            integrationTime: time,
            state: provenance,
            signatures: signatures
        )
        return .accepted(try await ProvenanceRules.changes(context))
    }

    /// `duration` in seconds.
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
