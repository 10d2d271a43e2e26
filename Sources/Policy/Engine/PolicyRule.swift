import Provenance

/// Everything a rule may look at: the request, the facts, the selected evidence and the policy's privileges.
public struct PolicyContext: Sendable {
    /// The request.
    public var request: AuthorizationRequest
    /// The facts.
    public var facts: PolicyFacts
    /// The current attestations, one per (image, predicate type, auditor) (``EvidenceSelection``).
    public var evidence: EvidenceSelection
    /// The policy's privileges, most to least.
    public var privileges: [String]

    /// Creates a context; selects the evidence from `facts`.
    public init(request: AuthorizationRequest, facts: PolicyFacts, privileges: [String]) {
        self.request = request
        self.facts = facts
        self.evidence = EvidenceSelection(facts.attestations, image: request.image)
        self.privileges = privileges
    }
}

/// What one rule (or a composition of rules) says. Results merge: the most restrictive effect wins, privilege
/// caps, checks, reasons and evidence add up.
public struct RuleResult: Sendable, Hashable {
    /// The most restrictive effect demanded; `nil`: no opinion.
    public var effect: Effect?
    /// Privilege caps: the least of them (in the policy's order) applies.
    public var privilegeCaps: [String]
    /// Checks demanded.
    public var requiredChecks: [String]
    /// The reasons, in firing order.
    public var reasons: [Reason]
    /// Records read.
    public var evidence: [RecordID]

    /// A rule that passes without comment.
    public static let pass = RuleResult()

    /// Creates a result.
    public init(
        effect: Effect? = nil,
        privilegeCaps: [String] = [],
        requiredChecks: [String] = [],
        reasons: [Reason] = [],
        evidence: [RecordID] = []
    ) {
        self.effect = effect
        self.privilegeCaps = privilegeCaps
        self.requiredChecks = requiredChecks
        self.reasons = reasons
        self.evidence = evidence
    }

    /// A deny with one reason.
    public static func deny(_ code: ReasonCode, _ message: String, rule: String, evidence: [RecordID] = []) -> RuleResult {
        RuleResult(
            effect: .deny,
            reasons: [Reason(code: code, message: message, rule: rule, effect: .deny)],
            evidence: evidence
        )
    }

    /// Adds `other` to this result.
    public mutating func merge(_ other: RuleResult) {
        if let effect = other.effect { self.effect = min(self.effect ?? effect, effect) }
        // Most rules pass without comment: their empty lists are not appended (each append checks uniqueness); a
        // list still empty here takes the other's storage instead of a copy of it.
        Self.append(other.privilegeCaps, to: &privilegeCaps)
        Self.append(other.requiredChecks, to: &requiredChecks)
        Self.append(other.reasons, to: &reasons)
        Self.append(other.evidence, to: &evidence)
    }

    @inline(__always)
    private static func append<Element>(_ other: [Element], to list: inout [Element]) {
        if other.isEmpty { return }
        if list.isEmpty {
            list = other
        } else {
            list += other
        }
    }

    /// This result and `other`.
    public func merging(_ other: RuleResult) -> RuleResult {
        var result = self
        result.merge(other)
        return result
    }
}

/// One rule of a policy (in the manner of swift-certificates' `VerifierPolicy`): a pure function of the
/// context. A new kind of rule is a new type; ``PolicyRuleBuilder`` composes them.
public protocol PolicyRule: Sendable {
    /// What the rule says about the request in `context`.
    func evaluate(_ context: PolicyContext) -> RuleResult

    /// Appends the rules this rule is made of, in evaluation order, to `leaves`: itself (the default), or for a
    /// composition (``RuleSequence``, ``OptionalRule``, ``EitherRule``, ``RuleList``) the leaves of its parts.
    ///
    /// A ``Policy`` evaluates a scope's leaves one after the other. Evaluating the composed value gives the same
    /// result, but through the generic compositions' witnesses, which look up type metadata at run time on every
    /// call: a composed scope is an existential of a deeply nested generic type, so nothing specialises them.
    func appendLeaves(to leaves: inout [any PolicyRule])
}

extension PolicyRule {
    /// A rule is its own leaf.
    public func appendLeaves(to leaves: inout [any PolicyRule]) { leaves.append(self) }

    /// ``appendLeaves(to:)`` from an empty list.
    public var leaves: [any PolicyRule] {
        var leaves: [any PolicyRule] = []
        appendLeaves(to: &leaves)
        return leaves
    }
}

/// Composes rules; all of them run, in order of declaration, and their results merge (``RuleResult/merge(_:)``).
@resultBuilder
public enum PolicyRuleBuilder {
    /// No rule.
    public static func buildBlock() -> EmptyRule { EmptyRule() }

    /// One rule.
    public static func buildPartialBlock<R: PolicyRule>(first: R) -> R { first }

    /// Two rules.
    public static func buildPartialBlock<A: PolicyRule, B: PolicyRule>(accumulated: A, next: B) -> RuleSequence<A, B> {
        RuleSequence(first: accumulated, second: next)
    }

    /// A rule that may be absent.
    public static func buildOptional<R: PolicyRule>(_ component: R?) -> OptionalRule<R> { OptionalRule(component) }

    /// The first branch of an `if`/`else`.
    public static func buildEither<A: PolicyRule, B: PolicyRule>(first: A) -> EitherRule<A, B> { .first(first) }

    /// The second branch of an `if`/`else`.
    public static func buildEither<A: PolicyRule, B: PolicyRule>(second: B) -> EitherRule<A, B> { .second(second) }

    /// Rules from a `for` loop.
    public static func buildArray<R: PolicyRule>(_ components: [R]) -> RuleList<R> { RuleList(components) }
}

/// No rule: passes.
public struct EmptyRule: PolicyRule {
    /// Creates it.
    public init() {}
    /// ``RuleResult/pass``.
    public func evaluate(_ context: PolicyContext) -> RuleResult { .pass }

    /// None.
    public func appendLeaves(to leaves: inout [any PolicyRule]) {}
}

/// Two rules; both run.
public struct RuleSequence<First: PolicyRule, Second: PolicyRule>: PolicyRule {
    /// The first rule.
    public var first: First
    /// The second rule.
    public var second: Second

    /// Creates a sequence.
    public init(first: First, second: Second) {
        self.first = first
        self.second = second
    }

    /// Both results, merged.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        var result = first.evaluate(context)
        result.merge(second.evaluate(context))
        return result
    }

    /// The first rule's leaves, then the second's.
    public func appendLeaves(to leaves: inout [any PolicyRule]) {
        first.appendLeaves(to: &leaves)
        second.appendLeaves(to: &leaves)
    }
}

/// A rule that may be absent.
public struct OptionalRule<Wrapped: PolicyRule>: PolicyRule {
    /// The rule, if any.
    public var wrapped: Wrapped?

    /// Wraps a rule.
    public init(_ wrapped: Wrapped?) { self.wrapped = wrapped }

    /// The rule's result, or a pass.
    public func evaluate(_ context: PolicyContext) -> RuleResult { wrapped?.evaluate(context) ?? .pass }

    /// The rule's leaves, if any.
    public func appendLeaves(to leaves: inout [any PolicyRule]) { wrapped?.appendLeaves(to: &leaves) }
}

/// One of two rules.
public enum EitherRule<First: PolicyRule, Second: PolicyRule>: PolicyRule {
    /// The first.
    case first(First)
    /// The second.
    case second(Second)

    /// The chosen rule's result.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        switch self {
        case .first(let rule): rule.evaluate(context)
        case .second(let rule): rule.evaluate(context)
        }
    }

    /// The chosen rule's leaves.
    public func appendLeaves(to leaves: inout [any PolicyRule]) {
        switch self {
        case .first(let rule): rule.appendLeaves(to: &leaves)
        case .second(let rule): rule.appendLeaves(to: &leaves)
        }
    }
}

/// Rules of one type, all run.
public struct RuleList<Element: PolicyRule>: PolicyRule {
    /// The rules.
    public var rules: [Element]

    /// Wraps rules.
    public init(_ rules: [Element]) { self.rules = rules }

    /// All results, merged.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        rules.reduce(into: RuleResult.pass) { $0.merge($1.evaluate(context)) }
    }

    /// Each rule's leaves, in order.
    public func appendLeaves(to leaves: inout [any PolicyRule]) {
        for rule in rules { rule.appendLeaves(to: &leaves) }
    }
}
