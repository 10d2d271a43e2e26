import Provenance

/// The documents one event reads and writes on the ledger path: a ``ReputationDocumentStore`` over the documents
/// loaded so far from a ``ReputationStateReader``, with the event's writes on top, emitted as
/// ``ReputationChange``s in the order they were first written.
///
/// The rules are synchronous: reading a document that is not loaded yet throws ``Missing``; ``changes(reading:
/// dueBefore:pageSize:_:)`` then loads it (and whatever else the run asked for) and runs the rules again from the
/// start, with the writes of the failed run dropped. A run that completes has seen every document it read, so
/// its changes are those of applying the rules to the reader's state. Each document is loaded at most once per
/// event; the number of runs is bounded by the longest chain of reads that depend on earlier reads (four, for a
/// triage), whatever the log size.
struct ReputationTransaction: ReputationDocumentStore {
    /// The documents a run needed and did not find loaded.
    struct Missing: Error {
        var refs: [Ref]
    }

    /// A document (or a page of the due-date queue).
    enum Ref: Hashable {
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
        /// The next page of the queue after the entries loaded so far.
        case duePage
    }

    /// One document type: the committed values loaded so far, and this run's writes.
    struct Table<Key: Hashable, Value> {
        var loaded: [Key: Value?] = [:]
        var written: [Key: Value?] = [:]

        func value(_ key: Key, missing: (Key) -> Ref) throws(Missing) -> Value? {
            if let value = written[key] { return value }
            if let value = loaded[key] { return value }
            throw Missing(refs: [missing(key)])
        }

        /// The value as it stands after this run's writes (`nil` when absent or not loaded).
        func current(_ key: Key) -> Value? { (written[key] ?? loaded[key]) ?? nil }
    }

    private let loadedHistory: ParameterHistory
    private(set) var history: ParameterHistory
    private var historyDirty = false

    private var providers = Table<String, ProviderReputation>()
    /// The open provider's document (``openProvider(_:create:)``).
    private var openedProvider: ProviderReputation?
    private var contributions = Table<String, Contribution>()
    private var recordIndex = Table<RecordID, String>()
    private var auditors = Table<String, AuditorTrust>()
    private var users = Table<String, UserCredibility>()
    private var obligations = Table<RecordID, Obligation>()
    private var clusters = Table<String, ClusterWindow>()
    private var windows = Table<String, FeedbackWindow>()
    private var lineages = Table<String, LineageCredit>()

    /// The start of the committed queue with `due < dueBefore`, in order, as loaded so far.
    private let dueBefore: Int64
    private var dueLoaded: [DueEntry] = []
    private var dueComplete = false
    private var queued: [DueEntry: Bool] = [:]

    private var order: [Ref] = []
    private var touched: Set<Ref> = []

    init(history: ParameterHistory, dueBefore: Int64) {
        self.loadedHistory = history
        self.history = history
        self.dueBefore = dueBefore
    }

    /// Runs `rules` until they complete, loading from `reader` what each run was missing, and returns the
    /// changes of the completed run.
    static func changes<Reader: ReputationStateReader>(
        reading reader: Reader,
        dueBefore: Int64,
        pageSize: Int,
        _ rules: (inout ReputationTransaction) throws(Missing) -> Void
    ) async throws -> [ReputationChange] {
        var tx = ReputationTransaction(
            history: try await reader.parameterHistory() ?? ParameterHistory(),
            dueBefore: dueBefore
        )
        while true {
            do {
                try rules(&tx)
                return tx.changes()
            } catch {
                tx.restart()
                for ref in error.refs { try await tx.load(ref, from: reader, pageSize: pageSize) }
            }
        }
    }

    /// Drops the writes of a run (the loaded documents stay).
    private mutating func restart() {
        history = loadedHistory
        historyDirty = false
        openedProvider = nil
        providers.written = [:]
        contributions.written = [:]
        recordIndex.written = [:]
        auditors.written = [:]
        users.written = [:]
        obligations.written = [:]
        clusters.written = [:]
        windows.written = [:]
        lineages.written = [:]
        queued = [:]
        order = []
        touched = []
    }

    private mutating func load<Reader: ReputationStateReader>(
        _ ref: Ref,
        from reader: Reader,
        pageSize: Int
    ) async throws {
        switch ref {
        case .provider(let id): providers.loaded[id] = .some(try await reader.provider(id: id))
        case .contribution(let key): contributions.loaded[key] = .some(try await reader.contribution(key: key))
        case .recordIndex(let id): recordIndex.loaded[id] = .some(try await reader.contributionKey(record: id))
        case .auditor(let id): auditors.loaded[id] = .some(try await reader.auditor(id: id))
        case .user(let id): users.loaded[id] = .some(try await reader.user(id: id))
        case .obligation(let id): obligations.loaded[id] = .some(try await reader.obligation(report: id))
        case .cluster(let id): clusters.loaded[id] = .some(try await reader.cluster(id: id))
        case .window(let id): windows.loaded[id] = .some(try await reader.feedbackWindow(provider: id))
        case .lineage(let key): lineages.loaded[key] = .some(try await reader.lineage(key: key))
        case .due: break
        case .duePage:
            guard !dueComplete else { return }
            let page = try await reader.dueObligations(before: dueBefore, after: dueLoaded.last, limit: pageSize)
            dueLoaded += page
            if page.count < pageSize { dueComplete = true }
        }
    }

    private mutating func touch(_ ref: Ref) {
        if touched.insert(ref).inserted { order.append(ref) }
    }

    /// The changes, in first-write order (parameters first).
    func changes() -> [ReputationChange] {
        var out: [ReputationChange] = historyDirty ? [.parameters(history)] : []
        for ref in order {
            switch ref {
            case .provider(let id): if let value = providers.current(id) { out.append(.provider(value)) }
            case .contribution(let key): out.append(.contribution(key: key, contributions.current(key)))
            case .recordIndex(let id): out.append(.recordIndex(id, contributionKey: recordIndex.current(id)))
            case .auditor(let id): if let value = auditors.current(id) { out.append(.auditor(value)) }
            case .user(let id): if let value = users.current(id) { out.append(.user(value)) }
            case .obligation(let id): if let value = obligations.current(id) { out.append(.obligation(value)) }
            case .cluster(let id): if let value = clusters.current(id) { out.append(.cluster(value)) }
            case .window(let id): if let value = windows.current(id) { out.append(.feedbackWindow(value)) }
            case .lineage(let key): if let value = lineages.current(key) { out.append(.lineage(value)) }
            case .due(let entry): out.append(.due(entry, present: queued[entry] ?? false))
            case .duePage: break
            }
        }
        return out
    }

    // MARK: - ReputationDocumentStore

    mutating func currentHistory() -> ParameterHistory { history }

    mutating func setHistory(_ value: ParameterHistory) {
        history = value
        historyDirty = true
    }

    mutating func parameters(at time: Int64) -> ParametersInForce { ParametersInForce(history, at: time) }

    // The transaction keeps its own copies, so taking a document is reading it. A provider's handle is its id; the
    // open provider's document is a copy, written when closed changed.

    mutating func providerHandle(_ id: String) -> String { id }

    mutating func openProvider(_ id: String, create: Bool) throws(Missing) -> Bool {
        openedProvider = try providers.value(id, missing: Ref.provider) ?? (create ? ProviderReputation(id: id) : nil)
        return openedProvider != nil
    }

    subscript(provider id: String) -> ProviderReputation {
        _read { yield openedProvider! }
        _modify { yield &openedProvider! }
    }

    mutating func closeProvider(_ id: String, changed: Bool) {
        if changed, let value = openedProvider {
            providers.written[id] = .some(value)
            touch(.provider(id))
        }
        openedProvider = nil
    }

    mutating func contributionHandle(_ key: ContributionKeyParts) -> String { key.text }

    mutating func contributionHandle(text: String) -> String { text }

    func contributionKeyText(_ key: String) -> String { key }

    mutating func contribution(_ key: String) throws(Missing) -> Contribution? {
        try contributions.value(key, missing: Ref.contribution)
    }

    mutating func takeContribution(_ key: String) throws(Missing) -> Contribution? { try contribution(key) }

    /// Taking copied the contribution: the transaction's own is unchanged.
    mutating func restoreContribution(_ key: String, _ value: consuming Contribution?) {}

    mutating func setContribution(_ key: String, _ value: consuming Contribution?) {
        contributions.written[key] = .some(value)
        touch(.contribution(key))
    }

    mutating func prefetchContributions(_ keys: [String]) throws(Missing) {
        let missing = keys.filter { contributions.written[$0] == nil && contributions.loaded[$0] == nil }
        if !missing.isEmpty { throw Missing(refs: missing.map(Ref.contribution)) }
    }

    mutating func contributionKey(_ record: RecordID) throws(Missing) -> String? {
        try recordIndex.value(record, missing: Ref.recordIndex)
    }

    mutating func setContributionKey(_ record: RecordID, _ key: String?) {
        recordIndex.written[record] = .some(key)
        touch(.recordIndex(record))
    }

    mutating func auditor(_ id: String) throws(Missing) -> AuditorTrust? {
        try auditors.value(id, missing: Ref.auditor)
    }

    mutating func setAuditor(_ value: AuditorTrust) {
        auditors.written[value.id] = .some(value)
        touch(.auditor(value.id))
    }

    mutating func user(_ id: String) throws(Missing) -> UserCredibility? {
        try users.value(id, missing: Ref.user)
    }

    mutating func setUser(_ value: UserCredibility) {
        users.written[value.id] = .some(value)
        touch(.user(value.id))
    }

    mutating func obligation(_ report: RecordID) throws(Missing) -> Obligation? {
        try obligations.value(report, missing: Ref.obligation)
    }

    mutating func setObligation(_ value: Obligation) {
        obligations.written[value.report] = .some(value)
        touch(.obligation(value.report))
    }

    mutating func takeCluster(_ key: ClusterKey) throws(Missing) -> ClusterWindow? {
        try clusters.value(key.text, missing: Ref.cluster)
    }

    mutating func setCluster(_ value: consuming ClusterWindow) {
        let id = value.id
        clusters.written[id] = .some(value)
        touch(.cluster(id))
    }

    mutating func takeWindow(_ provider: String) throws(Missing) -> FeedbackWindow? {
        try windows.value(provider, missing: Ref.window)
    }

    mutating func setWindow(_ value: consuming FeedbackWindow, of provider: String) {
        windows.written[provider] = .some(value)
        touch(.window(provider))
    }

    mutating func lastCredit(provider: String, lineage: RecordID) throws(Missing) -> Int64? {
        try lineages.value(LineageCredit.key(provider: provider, lineage: lineage), missing: Ref.lineage)?.lastCredit
    }

    mutating func setLastCredit(provider: String, lineage: RecordID, at time: Int64) {
        let key = LineageCredit.key(provider: provider, lineage: lineage)
        lineages.written[key] = .some(LineageCredit(key: key, lastCredit: time))
        touch(.lineage(key))
    }

    mutating func nextDue(before: Int64, after: DueEntry?) throws(Missing) -> DueEntry? {
        precondition(before == dueBefore, "a transaction reads the queue before one time")
        let index = after.map { entry in dueLoaded.partitioningIndex { $0 > entry } } ?? 0
        if index < dueLoaded.count { return dueLoaded[index] }
        if dueComplete { return nil }
        throw Missing(refs: [.duePage])
    }

    mutating func setQueued(_ entry: DueEntry, _ present: Bool) {
        queued[entry] = present
        touch(.due(entry))
    }
}
