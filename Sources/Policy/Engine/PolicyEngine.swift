import Crypto
import Provenance

/// Evaluates requests: a pure, deterministic function of the policy, the request and the facts.
public enum PolicyEngine {
    /// The decision for `request` under `policy`, given `facts` (docs/POLICY-LANGUAGE.md, "Evaluation").
    ///
    /// 1. The most specific matching scope is chosen; its rules all run and merge: the most restrictive effect,
    ///    the least privilege (the policy's top privilege when no rule caps it), the union of checks, every reason.
    ///    That is the `evaluated` outcome.
    /// 2. If it is a deny in an enforce scope and a verified break-glass grant covers the request, the effect becomes
    ///    `allow_with_conditions` (allowed, never more than an unconditional allow, so ignoring evidence still
    ///    cannot raise the effect) at the grant's privilege (default: the least), with the rules' checks;
    ///    `break_glass` lists the deny codes still unmet, and the decision must be recorded.
    ///    (Warn and dry-run scopes deny nothing, so they never use a grant.)
    /// 3. The scope's mode applies: `enforce` keeps the outcome; `warn` turns a deny into `allow` (at the
    ///    privilege the rules computed, with their checks) and reports the deny reasons as `warnings`; `dry_run`
    ///    answers `allow` at the top privilege with no checks.
    public static func evaluate(_ policy: Policy, _ request: AuthorizationRequest, _ facts: PolicyFacts) -> Decision {
        let document = policy.document
        let privileges = document.privileges
        let index = policy.scopeIndex(for: request)
        let scope = document.scopes[index]
        let context = PolicyContext(request: request, facts: facts, privileges: privileges)
        let result = policy.evaluateRules(ofScope: index, context)

        let rank = { (privilege: String) in privileges.firstIndex(of: privilege) ?? privileges.count }
        let computedPrivilege = result.privilegeCaps.max { rank($0) < rank($1) } ?? privileges.first ?? ""
        let checks = unique(result.requiredChecks)
        let effect = result.effect ?? .allow
        let evaluated = Outcome(effect: effect, privilege: effect == .deny ? nil : computedPrivilege, requiredChecks: checks)

        var outcome = evaluated
        var reasons = result.reasons
        var evidence = result.evidence
        var breakGlass: BreakGlassUse?
        if effect == .deny, scope.mode == .enforce, let grant = coveringGrant(facts.breakGlass, request) {
            let missing = Array(Set(reasons.filter { $0.effect == .deny }.map(\.code))).sorted()
            breakGlass = BreakGlassUse(
                grant: grant.record,
                grantedBy: grant.grantedBy,
                reason: grant.reason,
                expiresAt: grant.expiresAt,
                missing: missing
            )
            let privilege = grant.privilege.flatMap { privileges.contains($0) ? $0 : nil } ?? privileges.last ?? ""
            outcome = Outcome(effect: .allowWithConditions, privilege: privilege, requiredChecks: checks)
            reasons.append(
                Reason(
                    code: .breakGlassUsed,
                    message:
                        "break-glass grant \(grant.record) by \"\(grant.grantedBy)\" (\(grant.reason)) overrides: \(missing.map(\.rawValue).joined(separator: ", "))",
                    rule: "break_glass",
                    effect: .allowWithConditions
                )
            )
            evidence.append(grant.record)
        }

        var warnings: [Reason] = []
        switch scope.mode {
        case .enforce: break
        case .warn:
            if outcome.effect == .deny {
                warnings = reasons.filter { $0.effect == .deny }
                outcome = Outcome(effect: .allow, privilege: computedPrivilege, requiredChecks: checks)
            }
        case .dryRun:
            outcome = Outcome(effect: .allow, privilege: privileges.first, requiredChecks: [])
        }

        let reference = PolicyReference(name: document.name, version: document.version, digest: policy.digest, scope: scope.name)
        return Decision(
            decisionID: decisionID(policyDigest: policy.digest, request: request, checkpoint: facts.checkpoint),
            effect: outcome.effect,
            privilege: outcome.privilege,
            requiredChecks: outcome.requiredChecks,
            mode: scope.mode,
            evaluated: evaluated,
            reasons: reasons,
            warnings: warnings,
            breakGlass: breakGlass,
            record: breakGlass != nil || document.recordDecisions,
            evidence: DecisionEvidence(
                records: sortedUnique(evidence),
                reputation: facts.reputation,
                checkpoint: facts.checkpoint
            ),
            policy: reference,
            request: request
        )
    }

    /// The decision id: 64 lowercase hex digits, the request time's low 48 bits (ms, big-endian: 12 digits) and then
    /// the first 26 bytes of the SHA-256 of the canonical JSON
    /// `{"checkpoint":{"root_hash":…,"size":…},"policy":"sha256:…","request":{…}}` (request groups sorted and
    /// deduplicated). The same policy, request and log state give the same id, on the server and offline.
    ///
    /// Ids sort by request time, so a store that indexes them (by their first digits) appends each batch's entries at
    /// the end of its index instead of scattering them over every page of it: with a hash alone, each second's
    /// decisions rewrote more index pages the more decisions were stored.
    public static func decisionID(policyDigest: String, request: AuthorizationRequest, checkpoint: CheckpointReference) -> String
    {
        // The canonical JSON (CanonicalJSON's form: sorted keys, absent members left out), written directly.
        var out = JSONOutput(capacity: 384)
        out.beginObject()
        out.key("checkpoint")
        out.beginObject()
        out.key("root_hash")
        out.string(checkpoint.rootHash)
        out.key("size")
        out.integer(Int64(clamping: checkpoint.size))
        out.endObject()
        out.key("policy")
        out.string(policyDigest)
        out.key("request")
        request.writeCanonical(into: &out)
        out.endObject()
        var hasher = SHA256()
        out.withBytes { hasher.update(bufferPointer: $0) }
        let time = UInt64(bitPattern: request.time)
        return hasher.finalize().withUnsafeBytes { digest in
            // Lowercase hex written in place (the digest's generic `Sequence` conformance reads it byte by byte).
            String(unsafeUninitializedCapacity: 64) { buffer in
                let digits: StaticString = "0123456789abcdef"
                digits.withUTF8Buffer { digits in
                    for i in 0..<12 {
                        buffer[i] = digits[Int(truncatingIfNeeded: time >> (44 - 4 * i)) & 0x0f]
                    }
                    for i in 0..<26 {
                        let byte = digest[i]
                        buffer[12 + 2 * i] = digits[Int(byte >> 4)]
                        buffer[12 + 2 * i + 1] = digits[Int(byte & 0x0f)]
                    }
                }
                return 64
            }
        }
    }

    /// Among the grants covering `request`, the one expiring last (ties: the greatest record id).
    private static func coveringGrant(_ grants: [BreakGlassGrant], _ request: AuthorizationRequest) -> BreakGlassGrant? {
        grants.filter { $0.covers(request) }.max { ($0.expiresAt, $0.record) < ($1.expiresAt, $1.record) }
    }

    /// `records` sorted (as ``RecordID`` orders them: by digest bytes) without repeats. (`RecordID`'s own order and
    /// equality compare its inline words; its `digest` array would allocate twice per comparison.)
    private static func sortedUnique(_ records: [RecordID]) -> [RecordID] {
        var out: [RecordID] = []
        out.reserveCapacity(records.count)
        for record in records.sorted() where out.last != record { out.append(record) }
        return out
    }

    /// `values` without repeats, first occurrences in order (a policy demands a handful of checks: a linear scan,
    /// no set).
    private static func unique(_ values: [String]) -> [String] {
        guard values.count > 1 else { return values }
        var out: [String] = []
        out.reserveCapacity(values.count)
        for value in values where !out.contains(value) { out.append(value) }
        return out
    }
}
