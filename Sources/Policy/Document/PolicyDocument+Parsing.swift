/// Limits of policy documents.
enum PolicyLimits {
    static let scopes = 256
    static let privileges = 16
    static let tiers = 32
    static let attestations = 32
    static let checks = 32
    static let matchValues = 1_024
    static let auditors = 64
    static let description = 4_096
    static let predicateType = 512
    static let version: ClosedRange<Int64> = 1...9_007_199_254_740_991
    static let score = PolicyNumber(0)...PolicyNumber(100)
    static let confidence = PolicyNumber(0)...PolicyNumber(1)
}

extension PolicyDocument {
    /// Parses and validates a policy written in YAML or JSON (docs/POLICY-LANGUAGE.md).
    ///
    /// Refuses, with the line, column and field path: syntax errors, duplicate keys, unknown fields, values of the
    /// wrong type, out-of-range values, an unsupported `apiVersion`, contradictions (such as
    /// `allow_low_reputation: false` without `reputation.low`), scopes that can never win, and a missing or
    /// repeated catch-all scope.
    public static func parse(_ text: String) throws(PolicyError) -> PolicyDocument {
        let root = Located(node: try YAMLReader.root(text), path: "")
        var reader = try root.mapping()
        let apiVersion = try reader.required("apiVersion")
        let apiVersionText = try apiVersion.string(maximum: 128)
        guard apiVersionText == PolicyDocument.apiVersion else {
            throw apiVersion.error(
                .unsupportedVersion,
                "unsupported apiVersion \"\(apiVersionText)\" (this engine reads \(PolicyDocument.apiVersion))"
            )
        }
        let name = try reader.required("name").identifier()
        let version = try reader.required("version").integer(PolicyLimits.version)
        let description = try reader.optional("description")?.string(maximum: PolicyLimits.description, multiline: true)
        let privileges = try reader.optional("privileges")?.identifiers(maximum: PolicyLimits.privileges)
        let recordDecisions = try reader.optional("record_decisions")?.bool() ?? false
        let scopesNode = try reader.required("scopes")
        try reader.finish()

        let context = ParseContext(privileges: privileges ?? PolicyDocument.defaultPrivileges)
        var scopes: [PolicyScope] = []
        var catchAll: Located?
        for element in try scopesNode.list(maximum: PolicyLimits.scopes) {
            let (scope, nameNode) = try parseScope(element, context: context)
            if let earlier = scopes.first(where: { $0.name == scope.name }) {
                throw nameNode.error(.invalidValue, "scope name \"\(earlier.name)\" is used twice")
            }
            if scope.match.isCatchAll {
                if catchAll != nil {
                    throw element.error(.catchAll, "a second catch-all scope (\"\(scope.name)\"); exactly one is required")
                }
                catchAll = element
            }
            if let earlier = scopes.first(where: { $0.match == scope.match }) {
                throw element.error(
                    .inconsistent,
                    "scope \"\(scope.name)\" matches exactly what scope \"\(earlier.name)\" matches, so it can never apply"
                )
            }
            scopes.append(scope)
        }
        guard catchAll != nil else {
            throw scopesNode.error(
                .catchAll,
                "no catch-all scope (a scope without \"match\", or with an empty one); exactly one is required"
            )
        }
        return PolicyDocument(
            name: name,
            version: version,
            description: description,
            privileges: context.privileges,
            recordDecisions: recordDecisions,
            scopes: scopes
        )
    }

    private struct ParseContext {
        var privileges: [String]
    }

    private static func parseScope(_ located: Located, context: ParseContext) throws(PolicyError) -> (PolicyScope, Located) {
        var reader = try located.mapping()
        let nameNode = try reader.required("name")
        let name = try nameNode.identifier()
        let match = try reader.optional("match").map { node throws(PolicyError) in try parseMatch(node) } ?? ScopeMatch()
        let mode = try reader.optional("mode")?.oneOf(PolicyMode.self, what: "mode") ?? .enforce
        let rules = try parseRules(try reader.required("rules"), context: context)
        try reader.finish()
        return (PolicyScope(name: name, match: match, mode: mode, rules: rules), nameNode)
    }

    private static func parseMatch(_ located: Located) throws(PolicyError) -> ScopeMatch {
        var reader = try located.mapping()
        let maximum = PolicyLimits.matchValues
        let match = ScopeMatch(
            users: try reader.optional("users")?.identifiers(maximum: maximum),
            groups: try reader.optional("groups")?.identifiers(maximum: maximum),
            projects: try reader.optional("projects")?.identifiers(maximum: maximum),
            environments: try reader.optional("environments")?.identifiers(maximum: maximum)
        )
        try reader.finish()
        return match
    }

    private static func parseRules(_ located: Located, context: ParseContext) throws(PolicyError) -> PolicyRuleSet {
        var reader = try located.mapping()
        var rules = PolicyRuleSet()
        if let reputation = try reader.optional("reputation") {
            var reputationReader = try reputation.mapping()
            rules.reputationLow = try reputationReader.required("low").number(PolicyLimits.score)
            try reputationReader.finish()
        }
        if let allow = try reader.optional("allow_low_reputation") {
            rules.allowLowReputation = try allow.bool()
            if !rules.allowLowReputation && rules.reputationLow == nil {
                throw allow.error(
                    .inconsistent,
                    "is false but \"reputation.low\" is not set: the rule needs the score below which reputation is low"
                )
            }
        }
        if let require = try reader.optional("require_attestation") {
            rules.requireAttestation = try parseRequireAttestation(require)
        }
        if let tiers = try reader.optional("tiers") {
            rules.tiers = try parseTiers(tiers, context: context)
        }
        if let attestations = try reader.optional("attestations") {
            rules.attestations = try attestations.list(maximum: PolicyLimits.attestations, allowEmpty: true).map {
                element throws(PolicyError) in try parseAttestation(element)
            }
        }
        if let provenance = try reader.optional("provenance") {
            rules.provenance = try parseProvenance(provenance)
        }
        try reader.finish()
        return rules
    }

    /// The seed rule: `max_age` required; optionally one predicate type. Counts passing attestations.
    private static func parseRequireAttestation(_ located: Located) throws(PolicyError) -> AttestationRequirement {
        var reader = try located.mapping()
        let maxAge = try reader.required("max_age").duration(minimum: PolicyDuration(milliseconds: 1))
        let predicateType = try reader.optional("predicate_type")?.string(maximum: PolicyLimits.predicateType)
        try reader.finish()
        return AttestationRequirement(predicateType: predicateType, maxAge: maxAge)
    }

    private static func parseTiers(_ located: Located, context: ParseContext) throws(PolicyError) -> [ReputationTier] {
        var tiers: [ReputationTier] = []
        for element in try located.list(maximum: PolicyLimits.tiers, allowEmpty: true) {
            var reader = try element.mapping()
            let nameNode = try reader.required("name")
            let name = try nameNode.identifier()
            if tiers.contains(where: { $0.name == name }) {
                throw nameNode.error(.invalidValue, "tier name \"\(name)\" is used twice")
            }
            if let unconditional = tiers.first(where: \.isUnconditional) {
                throw element.error(
                    .inconsistent,
                    "tier \"\(name)\" can never apply: tier \"\(unconditional.name)\" before it has no bounds and matches everything"
                )
            }
            let minScore = try reader.optional("min_score")?.number(PolicyLimits.score)
            let minBand90Low = try reader.optional("min_band90_low")?.number(PolicyLimits.score)
            let minConfidence = try reader.optional("min_confidence")?.number(PolicyLimits.confidence)
            let effectNode = try reader.required("effect")
            let effect = try effectNode.oneOf(Effect.self, what: "effect")
            let privilegeNode = try reader.optional("privilege")
            let privilege = try privilegeNode?.identifier()
            if let privilegeNode, let privilege, !context.privileges.contains(privilege) {
                throw privilegeNode.error(
                    .invalidValue,
                    "unknown privilege \"\(privilege)\" (the policy's privileges are \(context.privileges.joined(separator: ", ")))"
                )
            }
            if effect == .deny, let privilegeNode {
                throw privilegeNode.error(.inconsistent, "a tier whose effect is deny grants no privilege")
            }
            if effect != .deny, privilege == nil {
                throw PolicyError(
                    code: .missingField,
                    line: element.line,
                    column: element.column,
                    field: "\(element.path).privilege",
                    message: "is required when the effect is \(effect.rawValue)"
                )
            }
            let checks = try reader.optional("required_checks")?.identifiers(maximum: PolicyLimits.checks, allowEmpty: true) ?? []
            let attestations =
                try reader.optional("attestations")?.list(maximum: PolicyLimits.attestations, allowEmpty: true).map {
                    element throws(PolicyError) in try parseAttestation(element)
                } ?? []
            try reader.finish()
            tiers.append(
                ReputationTier(
                    name: name,
                    minScore: minScore,
                    minBand90Low: minBand90Low,
                    minConfidence: minConfidence,
                    effect: effect,
                    privilege: privilege,
                    requiredChecks: checks,
                    attestations: attestations
                )
            )
        }
        return tiers
    }

    private static func parseAttestation(_ located: Located) throws(PolicyError) -> AttestationRequirement {
        var reader = try located.mapping()
        let predicateType = try reader.required("predicate_type").string(maximum: PolicyLimits.predicateType)
        let auditors = try reader.optional("auditors")?.identifiers(maximum: PolicyLimits.auditors)
        let thresholdNode = try reader.optional("threshold")
        let threshold = try thresholdNode?.integer(1...Int64(PolicyLimits.auditors)) ?? 1
        if let thresholdNode, let auditors, threshold > auditors.count {
            throw thresholdNode.error(
                .outOfRange,
                "\(threshold) distinct auditors required but only \(auditors.count) are acceptable"
            )
        }
        let maxAge = try reader.optional("max_age")?.duration(minimum: PolicyDuration(milliseconds: 1))
        let result = try reader.optional("result")?.oneOf(ResultCondition.self, what: "result") ?? .pass
        let minScore = try reader.optional("min_score")?.number(PolicyLimits.score)
        let severity = try reader.optional("no_findings_at_or_above")?.oneOf(Severity.self, what: "severity")
        try reader.finish()
        return AttestationRequirement(
            predicateType: predicateType,
            auditors: auditors,
            threshold: Int(threshold),
            maxAge: maxAge,
            result: result,
            minScore: minScore,
            noFindingsAtOrAbove: severity
        )
    }

    private static func parseProvenance(_ located: Located) throws(PolicyError) -> ProvenanceConditions {
        var reader = try located.mapping()
        var conditions = ProvenanceConditions()
        if let value = try reader.optional("chain_valid") { conditions.chainValid = try value.bool() }
        if let value = try reader.optional("not_revoked") { conditions.notRevoked = try value.bool() }
        conditions.maxDeprecatedAge = try reader.optional("max_deprecated_age")?.duration(
            minimum: PolicyDuration(milliseconds: 0)
        )
        if let value = try reader.optional("max_versions_behind") {
            conditions.maxVersionsBehind = Int(try value.integer(0...1_000_000))
        }
        if let value = try reader.optional("provider_not_suspended") { conditions.providerNotSuspended = try value.bool() }
        if let value = try reader.optional("provider_key_valid") { conditions.providerKeyValid = try value.bool() }
        try reader.finish()
        return conditions
    }
}
