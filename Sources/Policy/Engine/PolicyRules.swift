import Provenance

// The rules of POLICY.md, one type each. ``PolicyScope/compiledRules()`` composes them for a scope. Every rule
// reads only its context; absent facts never make a rule more permissive.

/// The digest is in the log and the facts describe it; its provider is known.
public struct ImageRegistered: PolicyRule {
    /// Creates the rule.
    public init() {}

    /// Denies with `image.unknown` or `provider.unknown`; cites the image's chain.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        guard let image = context.facts.image, image.digest == context.request.image else {
            return .deny(.imageUnknown, "\(context.request.image) is not registered in the log", rule: "image")
        }
        var evidence = image.chain
        evidence.append(image.record)
        guard let provider = context.facts.provider, provider.id == image.provider else {
            return .deny(
                .providerUnknown,
                "nothing is known of provider \"\(image.provider)\" of the image",
                rule: "image",
                evidence: evidence
            )
        }
        return RuleResult(evidence: evidence)
    }
}

/// The record chain is valid back to the lineage's root.
public struct ChainValid: PolicyRule {
    /// Creates the rule.
    public init() {}

    /// Denies with `provenance.chain_invalid`.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        guard let image = context.facts.image, !image.chainValid else { return .pass }
        return .deny(
            .chainInvalid,
            "the record chain of \(image.record) is not valid back to its root",
            rule: "rules.provenance.chain_valid"
        )
    }
}

/// The image is not revoked at the request time, directly or by inheritance.
public struct NotRevoked: PolicyRule {
    /// Creates the rule.
    public init() {}

    /// Denies with `provenance.revoked` or `provenance.revoked_inherited`.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        guard let revocation = context.facts.image?.revocation, revocation.effectiveAt <= context.request.time else {
            return .pass
        }
        if let ancestor = revocation.inheritedFrom {
            return .deny(
                .revokedInherited,
                "the image inherits the revocation of its ancestor \(ancestor) (by \(revocation.record))",
                rule: "rules.provenance.not_revoked",
                evidence: [revocation.record, ancestor]
            )
        }
        return .deny(
            .revoked,
            "the image is revoked by \(revocation.record)",
            rule: "rules.provenance.not_revoked",
            evidence: [revocation.record]
        )
    }
}

/// A deprecated image is denied once deprecated for longer than `maxAge`.
public struct DeprecatedWithin: PolicyRule {
    /// The longest time an image may have been deprecated.
    public var maxAge: PolicyDuration

    /// Creates the rule.
    public init(maxAge: PolicyDuration) { self.maxAge = maxAge }

    /// Denies with `provenance.deprecated`.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        guard let deprecation = context.facts.image?.deprecation else { return .pass }
        let age = context.request.time - deprecation.at
        guard age > maxAge.milliseconds else { return RuleResult(evidence: [deprecation.record]) }
        return .deny(
            .deprecated,
            "the image has been deprecated for \(AgeText.days(age)) (by \(deprecation.record)); at most \(maxAge) allowed",
            rule: "rules.provenance.max_deprecated_age",
            evidence: [deprecation.record]
        )
    }
}

/// The image is at most `maximum` versions behind the newest of its lineage.
public struct VersionsBehindAtMost: PolicyRule {
    /// The most versions behind allowed (`0`: the newest only).
    public var maximum: Int

    /// Creates the rule.
    public init(maximum: Int) { self.maximum = maximum }

    /// Denies with `provenance.not_newest`.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        guard let image = context.facts.image, image.versionsBehind > maximum else { return .pass }
        return .deny(
            .notNewest,
            "the image is \(image.versionsBehind) version(s) behind the newest of its lineage; at most \(maximum) allowed",
            rule: "rules.provenance.max_versions_behind"
        )
    }
}

/// The provider is not suspended.
public struct ProviderNotSuspended: PolicyRule {
    /// Creates the rule.
    public init() {}

    /// Denies with `provider.suspended`.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        guard let provider = context.facts.provider, provider.suspended else { return .pass }
        return .deny(
            .providerSuspended,
            "provider \"\(provider.id)\" is suspended",
            rule: "rules.provenance.provider_not_suspended"
        )
    }
}

/// The provider key that signed the image record is valid at the request time.
public struct ProviderKeyValid: PolicyRule {
    /// Creates the rule.
    public init() {}

    /// Denies with `provider.key_invalid`.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        guard let provider = context.facts.provider, !provider.keyValid else { return .pass }
        return .deny(
            .providerKeyInvalid,
            "the key of provider \"\(provider.id)\" that signed the image is not valid (revoked or expired)",
            rule: "rules.provenance.provider_key_valid"
        )
    }
}

/// The seed rule `allow_low_reputation: false`: deny when the provider's score is below `reputation.low`.
public struct LowReputationDenied: PolicyRule {
    /// `reputation.low`.
    public var low: PolicyNumber

    /// Creates the rule.
    public init(low: PolicyNumber) { self.low = low }

    /// Denies with `reputation.below_low` or `reputation.unavailable`.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        guard let reputation = context.facts.reputation else {
            return .deny(
                .reputationUnavailable,
                "no reputation is available for the provider; low reputation is not allowed",
                rule: "rules.allow_low_reputation"
            )
        }
        guard reputation.score < low.doubleValue else { return .pass }
        return .deny(
            .reputationBelowLow,
            "provider \"\(reputation.provider)\" scores \(AgeText.figure(reputation.score)), below reputation.low \(low)",
            rule: "rules.allow_low_reputation"
        )
    }
}

/// A required attestation (and the seed's `require_attestation`): at least `threshold` distinct acceptable
/// auditors each have a current attestation (``EvidenceSelection``) of the predicate type, integrated no longer
/// than `maxAge` before the request, that meets the result conditions.
public struct RequiredAttestation: PolicyRule {
    /// The requirement.
    public var requirement: AttestationRequirement
    /// The rule's place in the policy, for reasons.
    public var rule: String

    /// Creates the rule.
    public init(_ requirement: AttestationRequirement, rule: String) {
        self.requirement = requirement
        self.rule = rule
    }

    /// Denies with `attestation.missing`, `attestation.stale`, `attestation.conditions_not_met` or
    /// `attestation.threshold_not_met`; cites the attestations that count (when met, the newest qualifying
    /// attestation of each of `threshold` distinct auditors).
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        let time = context.request.time
        // The candidates are read in place (by index), not copied out of the facts.
        let facts = context.evidence.facts
        let candidates = context.evidence.latestIndices(ofType: requirement.predicateType)
        var auditors: [String] = []
        var qualifying: [RecordID] = []
        // Newest first; stop at `threshold` distinct auditors: the evidence is the newest that suffice.
        for index in candidates.reversed()
        where isAcceptable(facts[index]) && isCurrent(facts[index], at: time) && isFresh(facts[index], at: time)
            && failedCondition(facts[index]) == nil && !auditors.contains(facts[index].auditor)
        {
            // One auditor suffices (the usual requirement): its attestation is the evidence.
            if requirement.threshold <= 1 { return RuleResult(evidence: [facts[index].record]) }
            qualifying.append(facts[index].record)
            auditors.append(facts[index].auditor)
            if auditors.count >= requirement.threshold { return RuleResult(evidence: qualifying) }
        }
        return explainFailure(
            candidates.map { facts[$0] }.filter(isAcceptable),
            auditors: auditors,
            qualifying: qualifying,
            at: time
        )
    }

    /// The deny, with the most informative reason.
    private func explainFailure(
        _ candidates: [AttestationFact],
        auditors: [String],
        qualifying: [RecordID],
        at time: Int64
    ) -> RuleResult {
        let what = requirement.predicateType.map { "a \($0) attestation" } ?? "an attestation"
        if !auditors.isEmpty {
            return .deny(
                .attestationThresholdNotMet,
                "\(what) from \(requirement.threshold) distinct acceptable auditors is required; only \(auditors.sorted().joined(separator: ", ")) qualify",
                rule: rule,
                evidence: qualifying
            )
        }
        let current = candidates.filter { isCurrent($0, at: time) }
        let fresh = current.filter { isFresh($0, at: time) }
        if let failing = fresh.first, let condition = failedCondition(failing) {
            return .deny(
                .attestationConditionsNotMet,
                "\(what) is required; the latest from \"\(failing.auditor)\" (\(failing.record)) \(condition)",
                rule: rule,
                evidence: [failing.record]
            )
        }
        if let stale = current.last, let maxAge = requirement.maxAge {
            return .deny(
                .attestationStale,
                "\(what) no older than \(maxAge) is required; the latest from \"\(stale.auditor)\" was integrated \(AgeText.days(time - stale.integratedAt)) ago",
                rule: rule,
                evidence: [stale.record]
            )
        }
        let retracted = candidates.filter { $0.withdrawn || $0.superseded }
        let detail =
            retracted.isEmpty
            ? "there is none"
            : "the latest (\(retracted.map(\.record.description).joined(separator: ", "))) is withdrawn or superseded"
        return .deny(.attestationMissing, "\(what) is required; \(detail)", rule: rule)
    }

    /// Neither withdrawn nor superseded, and integrated by the request time.
    private func isCurrent(_ attestation: AttestationFact, at time: Int64) -> Bool {
        !attestation.withdrawn && !attestation.superseded && attestation.integratedAt <= time
    }

    private func isAcceptable(_ attestation: AttestationFact) -> Bool {
        if let type = requirement.predicateType, attestation.predicateType != type { return false }
        if let auditors = requirement.auditors, !auditors.contains(attestation.auditor) { return false }
        return true
    }

    private func isFresh(_ attestation: AttestationFact, at time: Int64) -> Bool {
        guard let maxAge = requirement.maxAge else { return true }
        return time - attestation.integratedAt <= maxAge.milliseconds
    }

    /// Why `attestation` does not meet the result conditions, or `nil` when it does.
    private func failedCondition(_ attestation: AttestationFact) -> String? {
        switch requirement.result {
        case .pass where attestation.result != .pass: return "reports fail; pass is required"
        case .fail where attestation.result != .fail: return "reports pass; fail is required"
        default: break
        }
        if let minScore = requirement.minScore {
            guard let score = attestation.score else { return "reports no score; at least \(minScore) is required" }
            if score < minScore.doubleValue {
                return "scores \(AgeText.figure(score)); at least \(minScore) is required"
            }
        }
        if let severity = requirement.noFindingsAtOrAbove {
            let count = attestation.findings.count(atOrAbove: severity)
            if count > 0 { return "reports \(count) finding(s) at or above \(severity.rawValue)" }
        }
        return nil
    }
}

/// Reputation tiers: the first tier whose bounds the provider's reputation meets gives the effect, privilege,
/// required checks and tier attestations; no matching tier denies.
public struct ReputationTiers: PolicyRule {
    /// The tiers, in order.
    public var tiers: [ReputationTier]

    /// Creates the rule.
    public init(_ tiers: [ReputationTier]) { self.tiers = tiers }

    /// The tier's effect with `reputation.tier`, or a deny with `reputation.no_tier`.
    public func evaluate(_ context: PolicyContext) -> RuleResult {
        let reputation = context.facts.reputation
        guard let index = tiers.firstIndex(where: { $0.matches(reputation) }) else {
            let figures = reputation.map(Self.figures) ?? "no reputation"
            return .deny(.reputationNoTier, "no tier matches (\(figures))", rule: "rules.tiers")
        }
        let tier = tiers[index]
        let rule = "rules.tiers[\(index)]"
        let privilege = tier.privilege ?? context.privileges.last ?? ""
        // `tier "<name>" (<figures>): <effect>, privilege <privilege>`, written into one string (on every decision).
        var message = "tier \""
        message.reserveCapacity(128)
        message += tier.name
        message += "\" ("
        if let reputation {
            Self.appendFigures(reputation, to: &message)
        } else {
            message += "no reputation"
        }
        message += "): "
        if tier.effect == .deny {
            message += "deny"
        } else {
            message += tier.effect.rawValue
            message += ", privilege "
            message += privilege
        }
        var result = RuleResult(
            effect: tier.effect,
            privilegeCaps: [privilege],
            requiredChecks: tier.requiredChecks,
            reasons: [Reason(code: .reputationTier, message: message, rule: rule, effect: tier.effect)]
        )
        for (position, requirement) in tier.attestations.enumerated() {
            result.merge(RequiredAttestation(requirement, rule: "\(rule).attestations[\(position)]").evaluate(context))
        }
        return result
    }

    private static func figures(_ snapshot: ReputationSnapshot) -> String {
        var text = ""
        appendFigures(snapshot, to: &text)
        return text
    }

    /// `score <s>, band90 low <l>, confidence <c>`.
    private static func appendFigures(_ snapshot: ReputationSnapshot, to text: inout String) {
        text += "score "
        text += AgeText.figure(snapshot.score)
        text += ", band90 low "
        text += AgeText.figure(snapshot.band90Low)
        text += ", confidence "
        text += AgeText.figure(snapshot.confidence, places: 3)
    }
}

/// Figures in messages.
enum AgeText {
    /// Milliseconds as days with one decimal: `40.5 days`.
    static func days(_ milliseconds: Int64) -> String {
        let tenths = milliseconds * 10 / 86_400_000
        return "\(tenths / 10).\(abs(tenths % 10)) days"
    }

    /// A figure rounded to `places` decimals: `<sign><whole>.<fraction, zero-padded to places>`, written straight
    /// into the string's storage (messages quote figures on every decision).
    static func figure(_ value: Double, places: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let divisor = Int64(scale)
        let whole = scaled / divisor
        var width = 1
        var rest = whole.magnitude
        while rest >= 10 {
            rest /= 10
            width += 1
        }
        let sign = scaled < 0 ? 1 : 0
        // The exact length: up to 15 bytes make a small string, with no allocation.
        return String(unsafeUninitializedCapacity: sign + width + 1 + places) { buffer in
            if sign == 1 { buffer[0] = UInt8(ascii: "-") }
            var magnitude = whole.magnitude
            for position in stride(from: sign + width - 1, through: sign, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            var count = sign + width
            buffer[count] = UInt8(ascii: ".")
            count += 1
            var fraction = (scaled % divisor).magnitude
            for position in stride(from: count + places - 1, through: count, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
            }
            return count + places
        }
    }
}

extension PolicyScope {
    /// The scope's rules, composed: image and provider known, provenance conditions, the seed rules, tiers and
    /// required attestations.
    @PolicyRuleBuilder
    public func compiledRules() -> some PolicyRule {
        ImageRegistered()
        if rules.provenance.chainValid { ChainValid() }
        if rules.provenance.notRevoked { NotRevoked() }
        if let maxAge = rules.provenance.maxDeprecatedAge { DeprecatedWithin(maxAge: maxAge) }
        if let maximum = rules.provenance.maxVersionsBehind { VersionsBehindAtMost(maximum: maximum) }
        if rules.provenance.providerNotSuspended { ProviderNotSuspended() }
        if rules.provenance.providerKeyValid { ProviderKeyValid() }
        if !rules.allowLowReputation, let low = rules.reputationLow { LowReputationDenied(low: low) }
        if let requirement = rules.requireAttestation { RequiredAttestation(requirement, rule: "rules.require_attestation") }
        if !rules.tiers.isEmpty { ReputationTiers(rules.tiers) }
        for (index, requirement) in rules.attestations.enumerated() {
            RequiredAttestation(requirement, rule: "rules.attestations[\(index)]")
        }
    }
}
