import Foundation
import Provenance

/// The reputation state in memory: the reference implementation of ``ReputationStateReader``, and the state that
/// replay and bulk application change in place (``ReputationEngine/apply(_:to:)``).
///
/// With `roundTripJSON`, every document is stored as the bytes ``ReputationChange/value()`` gives and decoded
/// on read, exactly as a ledger store keeps it. Two states are equal when they hold the same documents and queue.
public struct InMemoryReputationState: ReputationStateReader, Equatable {
    private var documents: [String: [String: [UInt8]]] = [:]
    private var storedHistory: ParameterHistory? {
        didSet { historyInForce = storedHistory ?? Self.defaultHistory }
    }
    /// `storedHistory`, or the history before any publication (not state: left out of `==`): the rules read it at
    /// every event, without the optional and the lazily initialised default.
    private var historyInForce = Self.defaultHistory
    private var providers = DocumentTable<ProviderReputation>()
    private var contributions = ContributionTable()
    private var auditors = DocumentTable<AuditorTrust>()
    private var users = DocumentTable<UserCredibility>()
    private var obligations = RecordTable<Obligation>()
    private var queue = DueQueue()
    private var clusters = DocumentTable<ClusterWindow>()
    /// The feedback windows, by the slot of their provider in `providers`.
    private var windows = SlotValues<FeedbackWindow>()
    /// The slots in `clusters` of organisations' clusters, by organisation (not state: left out of `==`).
    private var organisationClusters = NameTable()
    /// The slots in `clusters` of users' clusters of one, by user (not state: left out of `==`).
    private var userClusters = NameTable()
    private var lineages = LineageTable()
    /// Each provider's number in `lineages`, by its slot in `providers` (not state: left out of `==`).
    private var lineageNumbers = SlotValues<Int32>()
    /// The parameters in force over the stretch of time of the last event (not state: left out of `==`; dropped
    /// whenever the history is written).
    private var parametersCache: ParametersInForce?
    /// The slot in `providers` of the provider whose handle the rules took last (not state: left out of `==`): the
    /// contribution keys the rules name next are that provider's.
    private var lastProviderSlot = -1
    /// Attestation subjects and predicate types interned for contribution keys (not state: left out of `==`).
    private var names: [String] = []
    /// The index of `names`.
    private var nameIndex = StringIndex()

    /// Whether documents are kept as JSON bytes (as a store keeps them).
    public let roundTripJSON: Bool

    /// An empty state.
    public init(roundTripJSON: Bool = false) {
        self.roundTripJSON = roundTripJSON
    }

    public static func == (lhs: InMemoryReputationState, rhs: InMemoryReputationState) -> Bool {
        lhs.roundTripJSON == rhs.roundTripJSON && lhs.documents == rhs.documents
            && lhs.storedHistory == rhs.storedHistory && lhs.providers == rhs.providers
            && lhs.contributions == rhs.contributions && lhs.auditors == rhs.auditors && lhs.users == rhs.users
            && lhs.obligations == rhs.obligations && lhs.queue == rhs.queue && lhs.clusters == rhs.clusters
            && lhs.windows.byKey(lhs.providers) == rhs.windows.byKey(rhs.providers) && lhs.lineages == rhs.lineages
    }

    /// Every provider with a document, sorted.
    public var providerIDs: [String] {
        roundTripJSON ? (documents[ReputationChange.Namespace.provider] ?? [:]).keys.sorted() : providers.sortedKeys
    }

    /// The number of entries in the due-date queue.
    public var queueCount: Int { queue.count }

    /// Applies `changes` in order.
    public mutating func apply(_ changes: [ReputationChange]) {
        for change in changes { apply(change) }
    }

    private mutating func apply(_ change: ReputationChange) {
        if case .parameters = change { parametersCache = nil }
        if case .due(let entry, let present) = change {
            if present { queue.insert(entry) } else { queue.remove(entry) }
            return
        }
        if roundTripJSON {
            documents[change.namespace, default: [:]][change.key] = try! change.value()
            return
        }
        switch change {
        case .parameters(let value): storedHistory = value
        case .provider(let value): providers.set(value.id, value)
        case .contribution(let key, let value): contributions.set(key, value)
        case .recordIndex(let record, let key): contributions.setKey(of: record, key)
        case .auditor(let value): auditors.set(value.id, value)
        case .user(let value): users.set(value.id, value)
        case .obligation(let value): obligations[value.report] = value
        case .due: break
        case .cluster(let value): clusters.set(value.id, value)
        case .feedbackWindow(let value): windows.put(providers.slot(value.provider, create: true), value)
        case .lineage(let value): lineages.set(value)
        }
    }

    /// The provider's score at `time`, computed at log size `logSize`; `nil` for a provider with no document.
    public func score(provider id: String, at time: Int64, logSize: Int) -> ReputationScore? {
        guard let document = provider(id) else { return nil }
        return ReputationScore(document, history: history, at: time, logSize: logSize)
    }

    // MARK: - Synchronous reads

    private func decoded<T: Decodable>(_ namespace: String, _ key: String) -> T? {
        guard let bytes = documents[namespace]?[key] else { return nil }
        // The bytes were written by `apply` from a document of this type.
        return try! JSONDecoder().decode(T.self, from: Data(bytes))
    }

    private mutating func encode(_ change: ReputationChange) {
        documents[change.namespace, default: [:]][change.key] = try! change.value()
    }

    var history: ParameterHistory {
        roundTripJSON
            ? decoded(ReputationChange.Namespace.parameters, "history") ?? Self.defaultHistory : historyInForce
    }

    /// The history before any publication (built once, not once per event).
    private static let defaultHistory = ParameterHistory()

    func provider(_ id: String) -> ProviderReputation? {
        roundTripJSON ? decoded(ReputationChange.Namespace.provider, id) : providers.value(id)
    }

    func contributionDocument(_ key: String) -> Contribution? {
        roundTripJSON ? decoded(ReputationChange.Namespace.contribution, key) : contributions.value(key)
    }

    func contributionKeyDocument(_ record: RecordID) -> String? {
        guard roundTripJSON else { return contributions.key(of: record) }
        return documents[ReputationChange.Namespace.recordIndex]?[record.description].map { String(decoding: $0, as: UTF8.self) }
    }

    func auditorDocument(_ id: String) -> AuditorTrust? {
        roundTripJSON ? decoded(ReputationChange.Namespace.auditor, id) : auditors.value(id)
    }

    func userDocument(_ id: String) -> UserCredibility? {
        roundTripJSON ? decoded(ReputationChange.Namespace.user, id) : users.value(id)
    }

    func obligationDocument(_ report: RecordID) -> Obligation? {
        roundTripJSON ? decoded(ReputationChange.Namespace.obligation, report.description) : obligations[report]
    }

    func clusterDocument(_ id: String) -> ClusterWindow? {
        roundTripJSON ? decoded(ReputationChange.Namespace.cluster, id) : clusters.value(id)
    }

    func windowDocument(_ provider: String) -> FeedbackWindow? {
        guard roundTripJSON else { return providers.existingSlot(provider).flatMap { windows[$0] } }
        return decoded(ReputationChange.Namespace.feedbackWindow, provider)
    }

    func lineageDocument(_ key: String) -> LineageCredit? {
        roundTripJSON ? decoded(ReputationChange.Namespace.lineage, key) : lineages.value(key)
    }

    // MARK: - ReputationStateReader

    public func parameterHistory() async throws -> ParameterHistory? {
        roundTripJSON ? decoded(ReputationChange.Namespace.parameters, "history") : storedHistory
    }

    public func provider(id: String) async throws -> ProviderReputation? { provider(id) }

    public func contribution(key: String) async throws -> Contribution? { contributionDocument(key) }

    public func contributionKey(record: RecordID) async throws -> String? { contributionKeyDocument(record) }

    public func auditor(id: String) async throws -> AuditorTrust? { auditorDocument(id) }

    public func user(id: String) async throws -> UserCredibility? { userDocument(id) }

    public func obligation(report: RecordID) async throws -> Obligation? { obligationDocument(report) }

    public func dueObligations(before: Int64, after: DueEntry?, limit: Int) async throws -> [DueEntry] {
        queue.entries(before: before, after: after, limit: limit)
    }

    public func cluster(id: String) async throws -> ClusterWindow? { clusterDocument(id) }

    public func feedbackWindow(provider: String) async throws -> FeedbackWindow? { windowDocument(provider) }

    public func lineage(key: String) async throws -> LineageCredit? { lineageDocument(key) }
}

// MARK: - In-place application

/// The replay path: documents are changed where they are kept. An open provider's document is changed in its slot
/// of a ``DocumentTable``; taken documents (clusters, windows) are moved out of their slot and back, so growing
/// their arrays never copies them.
extension InMemoryReputationState: ReputationDocumentStore {
    typealias Failure = Never
    typealias ContributionHandle = Int32

    mutating func currentHistory() -> ParameterHistory {
        if roundTripJSON { return decoded(ReputationChange.Namespace.parameters, "history") ?? Self.defaultHistory }
        return historyInForce
    }

    mutating func setHistory(_ value: ParameterHistory) {
        parametersCache = nil
        if roundTripJSON { encode(.parameters(value)) } else { storedHistory = value }
    }

    mutating func parameters(at time: Int64) -> ParametersInForce {
        if let cached = parametersCache, cached.covers(time) { return cached }
        let parameters = ParametersInForce(history, at: time)
        parametersCache = parameters
        return parameters
    }

    // A provider's handle is its slot in `providers`. With `roundTripJSON`, the table holds only the open document
    // (decoded when opened, encoded and dropped when closed).

    // A provider's id differs from the last one's at most events: it is looked up without the table's memory of its
    // last key, and remembered here for the contribution keys of the event.
    mutating func providerHandle(_ id: String) -> Int32 {
        let slot = providers.slotWithoutMemory(id, create: true)
        lastProviderSlot = slot
        return Int32(slot)
    }

    /// The slot in `providers` of the provider `id` (interned when new): most often the last handle's.
    private mutating func providerSlot(_ id: String) -> Int {
        if lastProviderSlot >= 0, providers.key(atSlot: lastProviderSlot) == id { return lastProviderSlot }
        return providers.slot(id, create: true)
    }

    mutating func openProvider(_ provider: Int32, create: Bool) -> Bool {
        let slot = Int(provider)
        if roundTripJSON { providers.set(atSlot: slot, self.provider(providers.key(atSlot: slot))) }
        if providers.hasValue(atSlot: slot) { return true }
        guard create else { return false }
        providers.set(atSlot: slot, ProviderReputation(id: providers.key(atSlot: slot)))
        return true
    }

    subscript(provider provider: Int32) -> ProviderReputation {
        @inline(__always)
        _read { yield providers.values[Int(provider)]! }
        @inline(__always)
        _modify { yield &providers.values[Int(provider)]! }
    }

    mutating func closeProvider(_ provider: Int32, changed: Bool) {
        guard roundTripJSON else { return }
        let slot = Int(provider)
        if changed, let value = providers.value(atSlot: slot) { encode(.provider(value)) }
        providers.set(atSlot: slot, nil)
    }

    // Contribution keys are interned slots of `contributions` (in both modes: with `roundTripJSON` the slot only
    // names the key's text).

    mutating func contributionHandle(_ key: ContributionKeyParts) -> Int32 {
        switch key {
        case .rating(let provider, let user):
            let high = 1 << 62 | UInt64(providerSlot(provider))
            let low = UInt64(users.slot(user, create: true))
            return contributions.slot(
                packed: PackedKey(high: high, low: low),
                distinctText: !provider.utf8.contains(Self.slash) && !user.utf8.contains(Self.slash)
            ) { key.text }
        case .issue(let report):
            return contributions.slot(issue: report) { key.text }
        case .attestation(let provider, let auditor, let subject, let predicateType):
            let high =
                2 << 62 | UInt64(providerSlot(provider)) << 31 | UInt64(auditors.slot(auditor, create: true))
            let low = UInt64(name(subject)) << 32 | UInt64(name(predicateType))
            return contributions.slot(
                packed: PackedKey(high: high, low: low),
                distinctText: ![provider, auditor, subject, predicateType].contains { $0.utf8.contains(Self.slash) }
            ) { key.text }
        }
    }

    /// `/`, the separator of a contribution key's parts.
    private static var slash: UInt8 { UInt8(ascii: "/") }

    /// The interned number of an attestation subject or predicate type.
    private mutating func name(_ text: String) -> Int32 {
        let hash = nameIndex.hash(text)
        if let number = nameIndex.find(text, hash: hash, in: names) { return number }
        let number = Int32(names.count)
        names.append(text)
        nameIndex.insert(hash: hash, number: number)
        return number
    }

    mutating func contributionHandle(text: String) -> Int32 { contributions.slot(text: text) }

    func contributionKeyText(_ key: Int32) -> String { contributions.key(atSlot: key) }

    @inline(__always)
    mutating func contribution(_ key: Int32) -> Contribution? {
        roundTripJSON ? contributionDocument(contributions.key(atSlot: key)) : contributions.value(atSlot: key)
    }

    @inline(__always)
    mutating func takeContribution(_ key: Int32) -> Contribution? {
        roundTripJSON ? contributionDocument(contributions.key(atSlot: key)) : contributions.take(atSlot: key)
    }

    @inline(__always)
    mutating func restoreContribution(_ key: Int32, _ value: consuming Contribution?) {
        // With `roundTripJSON`, taking decoded a copy: the stored bytes are unchanged.
        if !roundTripJSON { contributions.set(atSlot: key, consume value) }
    }

    @inline(__always)
    mutating func setContribution(_ key: Int32, _ value: consuming Contribution?) {
        if roundTripJSON {
            encode(.contribution(key: contributions.key(atSlot: key), consume value))
        } else {
            contributions.set(atSlot: key, consume value)
        }
    }

    mutating func prefetchContributions(_ keys: [String]) {}

    mutating func contributionKey(_ record: RecordID) -> Int32? {
        guard roundTripJSON else { return contributions.slot(of: record) }
        return contributionKeyDocument(record).map { contributions.slot(text: $0) }
    }

    mutating func setContributionKey(_ record: RecordID, _ key: Int32?) {
        if roundTripJSON {
            encode(.recordIndex(record, contributionKey: key.map { contributions.key(atSlot: $0) }))
        } else {
            contributions.setSlot(of: record, key)
        }
    }

    @inline(__always)
    mutating func auditor(_ id: String) -> AuditorTrust? {
        roundTripJSON ? auditorDocument(id) : auditors.lookup(id)
    }

    mutating func setAuditor(_ value: AuditorTrust) {
        if roundTripJSON { encode(.auditor(value)) } else { auditors.set(value.id, value) }
    }

    @inline(__always)
    mutating func user(_ id: String) -> UserCredibility? {
        roundTripJSON ? userDocument(id) : users.lookup(id)
    }

    mutating func setUser(_ value: UserCredibility) {
        if roundTripJSON { encode(.user(value)) } else { users.set(value.id, value) }
    }

    mutating func obligation(_ report: RecordID) -> Obligation? { obligationDocument(report) }

    mutating func setObligation(_ value: Obligation) {
        if roundTripJSON { encode(.obligation(value)) } else { obligations[value.report] = value }
    }

    mutating func takeCluster(_ key: ClusterKey) -> ClusterWindow? {
        guard !roundTripJSON else { return clusterDocument(key.text) }
        // The slot of the cluster's id, found by the organisation's or user's name: the id's text is built once.
        switch key {
        case .organisation(let name): return Self.takeCluster(name, text: key.text, &organisationClusters, &clusters)
        case .user(let name): return Self.takeCluster(name, text: key.text, &userClusters, &clusters)
        }
    }

    /// The cluster named `name` in `names` (a slot of `clusters`, created with id `text()` on first use: the id's
    /// text is built only then), taken.
    private static func takeCluster(
        _ name: String,
        text: @autoclosure () -> String,
        _ names: inout NameTable,
        _ clusters: inout DocumentTable<ClusterWindow>
    ) -> ClusterWindow? {
        let hash = names.hash(name)
        if let slot = names.target(name, hash: hash) { return clusters.take(atSlot: Int(slot)) }
        let slot = clusters.slot(text(), create: true)
        names.add(name, hash: hash, target: Int32(slot))
        return clusters.take(atSlot: slot)
    }

    @inline(__always)
    mutating func setCluster(_ value: consuming ClusterWindow) {
        if roundTripJSON {
            encode(.cluster(consume value))
        } else {
            let id = value.id
            clusters.set(id, consume value)
        }
    }

    // Feedback windows and lineage credits are found by the provider's slot (its handle), not its id.

    @inline(__always)
    mutating func takeWindow(_ provider: Int32) -> FeedbackWindow? {
        roundTripJSON ? windowDocument(providers.key(atSlot: Int(provider))) : windows.take(Int(provider))
    }

    @inline(__always)
    mutating func setWindow(_ value: consuming FeedbackWindow, of provider: Int32) {
        if roundTripJSON { encode(.feedbackWindow(consume value)) } else { windows.put(Int(provider), consume value) }
    }

    /// The number of the provider at slot `provider` in `lineages` (interned there on first use).
    private mutating func lineageNumber(_ provider: Int32) -> Int32 {
        if let number = lineageNumbers[Int(provider)] { return number }
        let number = lineages.number(providers.key(atSlot: Int(provider)))
        lineageNumbers.put(Int(provider), number)
        return number
    }

    mutating func lastCredit(provider: Int32, lineage: RecordID) -> Int64? {
        guard roundTripJSON else {
            let number = lineageNumber(provider)
            return lineages.lastCredit(provider: number, lineage: lineage)
        }
        let key = LineageCredit.key(provider: providers.key(atSlot: Int(provider)), lineage: lineage)
        return lineageDocument(key)?.lastCredit
    }

    mutating func setLastCredit(provider: Int32, lineage: RecordID, at time: Int64) {
        if roundTripJSON {
            let key = LineageCredit.key(provider: providers.key(atSlot: Int(provider)), lineage: lineage)
            encode(.lineage(LineageCredit(key: key, lastCredit: time)))
        } else {
            let number = lineageNumber(provider)
            lineages.setLastCredit(provider: number, lineage: lineage, time)
        }
    }

    mutating func nextDue(before: Int64, after: DueEntry?) -> DueEntry? {
        // Entries fired by this event are already removed, so the first remaining one is next.
        queue.first(before: before, after: after)
    }

    mutating func setQueued(_ entry: DueEntry, _ present: Bool) {
        if present { queue.insert(entry) } else { queue.remove(entry) }
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
