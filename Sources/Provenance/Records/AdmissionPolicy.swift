/// Everything a policy may look at to decide whether a record may enter the log.
public struct AdmissionContext: Sendable {
    /// The envelope as received.
    public var envelope: DSSEEnvelope
    /// The decoded record.
    public var record: Record
    /// The record id (of the envelope's payload bytes).
    public var recordID: RecordID
    /// The integration time the sequencer assigns (ms since the Unix epoch).
    public var integrationTime: Int64
    /// The state before this record.
    public var state: any ProvenanceStateReader
    /// Results computed once per admission and shared by the policies (e.g. an attestation's signer).
    public let memo = AdmissionMemo()
    /// Signature checks of ``envelope``, possibly done before sequencing (see ``VerifiedSignatures``).
    public let signatures: VerifiedSignatures

    /// Creates a context.
    public init(
        envelope: DSSEEnvelope,
        record: Record,
        recordID: RecordID,
        integrationTime: Int64,
        state: any ProvenanceStateReader,
        signatures: VerifiedSignatures = VerifiedSignatures()
    ) {
        self.signatures = signatures
        self.envelope = envelope
        self.record = record
        self.recordID = recordID
        self.integrationTime = integrationTime
        self.state = state
    }
}

extension AdmissionContext {
    /// The keys among `keys` that signed the envelope (``DSSEEnvelope/verifiedKeys(_:)``, through ``signatures``).
    public func verifiedKeys(_ keys: [PublicKey]) -> [PublicKey] {
        signatures.verifiedKeys(of: envelope, among: keys)
    }
}

/// The result of one policy.
public enum PolicyResult: Sendable, Hashable {
    /// The record meets the policy.
    case meetsPolicy
    /// The record fails the policy.
    case failsToMeetPolicy(RecordRejection)

    /// A failure with `code` and `message`.
    public static func fails(_ code: RecordRejection.Code, _ message: String) -> PolicyResult {
        .failsToMeetPolicy(RecordRejection(code: code, message: message))
    }
}

/// One rule a record must meet to enter the log (in the manner of swift-certificates' `VerifierPolicy`).
///
/// Policies only read: verdicts are results; thrown errors are state (store) failures.
public protocol AdmissionPolicy: Sendable {
    /// Whether the record in `context` meets the policy.
    func evaluate(_ context: AdmissionContext) async throws -> PolicyResult
}

/// Composes policies; they run in order of declaration and the first failure decides.
@resultBuilder
public enum AdmissionPolicyBuilder {
    /// No policy: everything passes.
    public static func buildBlock() -> some AdmissionPolicy { EmptyPolicy() }

    /// One policy.
    public static func buildPartialBlock<P: AdmissionPolicy>(first: P) -> P { first }

    /// Two policies in sequence.
    public static func buildPartialBlock<A: AdmissionPolicy, B: AdmissionPolicy>(
        accumulated: A,
        next: B
    ) -> PolicySequence<A, B> {
        PolicySequence(first: accumulated, second: next)
    }

    /// An optional policy.
    public static func buildOptional<P: AdmissionPolicy>(_ component: P?) -> OptionalPolicy<P> { OptionalPolicy(component) }

    /// The first branch of an `if`/`else`.
    public static func buildEither<A: AdmissionPolicy, B: AdmissionPolicy>(first: A) -> EitherPolicy<A, B> { .first(first) }

    /// The second branch of an `if`/`else`.
    public static func buildEither<A: AdmissionPolicy, B: AdmissionPolicy>(second: B) -> EitherPolicy<A, B> { .second(second) }
}

/// The empty policy.
public struct EmptyPolicy: AdmissionPolicy {
    /// Creates it.
    public init() {}
    /// Always ``PolicyResult/meetsPolicy``.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult { .meetsPolicy }
}

/// Two policies, the first failure decides.
public struct PolicySequence<First: AdmissionPolicy, Second: AdmissionPolicy>: AdmissionPolicy {
    /// The first policy.
    public var first: First
    /// The second policy.
    public var second: Second

    /// Creates a sequence.
    public init(first: First, second: Second) {
        self.first = first
        self.second = second
    }

    /// `first`, then `second` if `first` passed.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        let result = try await first.evaluate(context)
        guard case .meetsPolicy = result else { return result }
        return try await second.evaluate(context)
    }
}

/// A policy that may be absent.
public struct OptionalPolicy<Wrapped: AdmissionPolicy>: AdmissionPolicy {
    /// The policy, if any.
    public var wrapped: Wrapped?

    /// Wraps a policy.
    public init(_ wrapped: Wrapped?) { self.wrapped = wrapped }

    /// The wrapped policy's result, or a pass.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        try await wrapped?.evaluate(context) ?? .meetsPolicy
    }
}

/// One of two policies.
public enum EitherPolicy<First: AdmissionPolicy, Second: AdmissionPolicy>: AdmissionPolicy {
    /// The first.
    case first(First)
    /// The second.
    case second(Second)

    /// The chosen policy's result.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        switch self {
        case .first(let policy): try await policy.evaluate(context)
        case .second(let policy): try await policy.evaluate(context)
        }
    }
}
