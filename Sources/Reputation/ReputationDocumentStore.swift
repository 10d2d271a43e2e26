import Provenance

/// Synchronous access to the documents the rules read and write: the one seam between the rules
/// (`ReputationEngine+Rules.swift`) and the two ways of applying them.
///
/// - ``ReputationTransaction`` (the ledger path, ``ReputationEngine/apply(_:state:)``) holds the documents it has
///   loaded from a ``ReputationStateReader``; reading one it has not loaded throws
///   ``ReputationTransaction/Missing``, the caller loads it and runs the rules again from the start, so the rules
///   never suspend.
/// - ``InMemoryReputationState`` (replay and bulk application, ``ReputationEngine/apply(_:to:)``) holds every
///   document and changes them in place; it never throws.
///
/// A provider's document (the largest, changed by most events) is *opened* and changed in place through
/// ``subscript(provider:)`` until it is closed, so a store that keeps documents in place never copies it.
/// Clusters and feedback windows (documents with arrays that events grow) are *taken*: the rules own the value
/// until they give it back with `set…`, so a store that keeps documents in place can move them out and back
/// without copying their arrays. Other documents are read as copies and replaced by `set…`.
///
/// The due-date queue read by ``nextDue(before:after:)`` is the queue as it was before the current event
/// (entries fired by the event are past the cursor `after`).
protocol ReputationDocumentStore {
    /// What reading a document can throw (``Never`` for a store that holds everything).
    associatedtype Failure: Error

    /// The parameter history (``history``), read by the rules through a `mutating` requirement: a store changed in
    /// place is then read where it is, not copied to call a getter.
    mutating func currentHistory() -> ParameterHistory
    /// Replaces the parameter history.
    mutating func setHistory(_ value: ParameterHistory)
    /// The parameters of ``history`` in force at `time` (``ParameterHistory/parameters(at:)``), by reference.
    mutating func parameters(at time: Int64) -> ParametersInForce

    /// How the store names a provider: its id (``ReputationTransaction``) or an interned slot
    /// (``InMemoryReputationState``), so that the rules look a provider's id up once per event.
    associatedtype ProviderHandle
    /// The handle of the provider `id`.
    mutating func providerHandle(_ id: String) -> ProviderHandle
    /// Opens the provider's document, to be read and changed in place through ``subscript(provider:)`` until
    /// ``closeProvider(_:changed:)``. Returns `false` (and opens nothing) when the provider has no document and
    /// `create` is false; with `create`, a provider without one gets an empty document. One provider is open at a
    /// time.
    mutating func openProvider(_ provider: ProviderHandle, create: Bool) throws(Failure) -> Bool
    /// The open provider's document.
    subscript(provider provider: ProviderHandle) -> ProviderReputation { get set }
    /// Closes the open provider's document: `changed` (changed or created), it is written; otherwise it must not have
    /// been changed.
    mutating func closeProvider(_ provider: ProviderHandle, changed: Bool)

    /// How the store names a contribution key: its text (``ReputationTransaction``) or an interned slot
    /// (``InMemoryReputationState``, which builds a key's text once, when the key is first seen).
    associatedtype ContributionHandle
    /// The handle of the contribution key `key`.
    mutating func contributionHandle(_ key: ContributionKeyParts) -> ContributionHandle
    /// The handle of the contribution key with text `text` (a key kept in a document).
    mutating func contributionHandle(text: String) -> ContributionHandle
    /// The text of a contribution key (``Contribution/key``).
    func contributionKeyText(_ key: ContributionHandle) -> String

    /// The active contribution with `key`.
    mutating func contribution(_ key: ContributionHandle) throws(Failure) -> Contribution?
    /// The active contribution with `key`, which the rules then replace with ``setContribution(_:_:)`` before
    /// reading it again: a store that keeps documents in place moves it out instead of copying it.
    mutating func takeContribution(_ key: ContributionHandle) throws(Failure) -> Contribution?
    /// Gives back, unchanged, the contribution ``takeContribution(_:)`` returned for `key` (the rules did not replace it
    /// after all): not a write; a store that copied it on taking keeps its own.
    mutating func restoreContribution(_ key: ContributionHandle, _ value: consuming Contribution?)
    /// Sets (or deletes, `nil`) a contribution.
    mutating func setContribution(_ key: ContributionHandle, _ value: consuming Contribution?)
    /// Loads the contributions of `keys` at once when the store loads lazily (a hint; no effect otherwise).
    mutating func prefetchContributions(_ keys: [String]) throws(Failure)
    /// The contribution key of the contribution made by `record`.
    mutating func contributionKey(_ record: RecordID) throws(Failure) -> ContributionHandle?
    /// Sets (or deletes, `nil`) the contribution key of `record`.
    mutating func setContributionKey(_ record: RecordID, _ key: ContributionHandle?)

    /// An auditor's trust.
    mutating func auditor(_ id: String) throws(Failure) -> AuditorTrust?
    /// Sets an auditor's trust.
    mutating func setAuditor(_ value: AuditorTrust)
    /// A user's credibility evidence.
    mutating func user(_ id: String) throws(Failure) -> UserCredibility?
    /// Sets a user's credibility evidence.
    mutating func setUser(_ value: UserCredibility)
    /// The obligation opened by `report`.
    mutating func obligation(_ report: RecordID) throws(Failure) -> Obligation?
    /// Sets an obligation.
    mutating func setObligation(_ value: Obligation)

    /// Takes a cluster's window (to be given back with ``setCluster(_:)``).
    mutating func takeCluster(_ key: ClusterKey) throws(Failure) -> ClusterWindow?
    /// Gives back (or creates) a cluster's window.
    mutating func setCluster(_ value: consuming ClusterWindow)
    /// Takes a provider's feedback window (to be given back with ``setWindow(_:of:)``).
    mutating func takeWindow(_ provider: ProviderHandle) throws(Failure) -> FeedbackWindow?
    /// Gives back (or creates) a provider's feedback window.
    mutating func setWindow(_ value: consuming FeedbackWindow, of provider: ProviderHandle)

    /// When `provider`'s lineage with root `lineage` last earned a release credit (its ``LineageCredit``, whose key
    /// a store that keeps documents by value need not build).
    mutating func lastCredit(provider: ProviderHandle, lineage: RecordID) throws(Failure) -> Int64?
    /// Records a release credit of `provider`'s lineage with root `lineage` at `time`.
    mutating func setLastCredit(provider: ProviderHandle, lineage: RecordID, at time: Int64)

    /// The first entry of the queue (as it was before this event) after `after` (all when `nil`) with
    /// `due < before`.
    mutating func nextDue(before: Int64, after: DueEntry?) throws(Failure) -> DueEntry?
    /// Adds (`present`) or removes an entry of the due-date queue.
    mutating func setQueued(_ entry: DueEntry, _ present: Bool)
}

/// A contribution key as the rules name it (see ``ContributionKey``), before it is text.
enum ContributionKeyParts {
    /// A user's rating of a provider.
    case rating(provider: String, user: String)
    /// An issue report.
    case issue(RecordID)
    /// An auditor's attestation of a subject of a provider, by predicate type.
    case attestation(provider: String, auditor: String, subject: String, predicateType: String)

    /// The key's text.
    var text: String {
        switch self {
        case .rating(let provider, let user): ContributionKey.rating(provider: provider, user: user)
        case .issue(let record): ContributionKey.issue(record)
        case .attestation(let provider, let auditor, let subject, let predicateType):
            ContributionKey.attestation(provider: provider, auditor: auditor, subject: subject, predicateType: predicateType)
        }
    }
}

/// A cluster's id as the rules name it (an organisation, or a user without one), before it is text.
enum ClusterKey {
    /// `org/<organisation>`.
    case organisation(String)
    /// `user/<user>`: a cluster of one.
    case user(String)

    /// The id's text (``ClusterWindow/id``).
    var text: String {
        switch self {
        case .organisation(let name): "org/\(name)"
        case .user(let name): "user/\(name)"
        }
    }
}
