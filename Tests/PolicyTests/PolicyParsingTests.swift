import Policy
import Testing

@Suite("Policy documents: parsing, validation, canonical form")
struct PolicyParsingTests {
    static let header = ["apiVersion: vmtrust.dev/policy/v1", "name: test", "version: 1"]

    @Test func exampleParsesWithAliasesAndAllScopes() throws {
        let policy = try Policy.parse(try Fixture.example("policy.yaml"))
        let document = policy.document
        #expect(document.name == "example")
        #expect(document.scopes.map(\.name) == ["prod", "prod-oncall", "staging", "canary-trial", "default"])
        #expect(document.scopes.map(\.mode) == [.enforce, .enforce, .warn, .dryRun, .enforce])
        #expect(document.scopes[2].rules == document.scopes[0].rules)
        #expect(document.scopes[0].rules.tiers.map(\.name) == ["high", "middle", "low"])
        #expect(document.scopes[0].rules.tiers[1].attestations[0].threshold == 2)
        #expect(document.scopes[0].rules.requireAttestation?.maxAge == .days(90))
        #expect(document.scopes[0].rules.provenance.maxVersionsBehind == 2)
        #expect(document.scopes[4].match.isCatchAll)
        #expect(document.scopes[4].rules.tiers[0].minConfidence == PolicyNumber(millionths: 500_000))
        #expect(policy.digest.hasPrefix("sha256:") && policy.digest.count == 71)
    }

    @Test func canonicalFormRoundTripsAndIsStable() throws {
        let document = try PolicyDocument.parse(try Fixture.example("policy.yaml"))
        let canonical = String(decoding: document.canonicalJSON, as: UTF8.self)
        let reparsed = try PolicyDocument.parse(canonical)
        #expect(reparsed == document)
        #expect(reparsed.canonicalJSON == document.canonicalJSON)
        #expect(reparsed.digest == document.digest)
        #expect(!canonical.contains(" \"") && !canonical.contains("\n"))
    }

    /// A known answer: the canonical bytes of a minimal policy, with every default written out.
    @Test func canonicalFormOfMinimalPolicy() throws {
        let document = try PolicyDocument.parse(
            """
            version: 7
            name: minimal
            apiVersion: vmtrust.dev/policy/v1
            scopes:
              - name: all
                rules:
                  require_attestation: {max_age: 720h}
                  reputation: {low: 40.50}
                  allow_low_reputation: false
            """
        )
        let expected =
            #"{"apiVersion":"vmtrust.dev/policy/v1","name":"minimal","privileges":["full","restricted","sandbox"],"#
            + #""record_decisions":false,"scopes":[{"match":{},"mode":"enforce","name":"all","rules":{"#
            + #""allow_low_reputation":false,"attestations":[],"provenance":{"chain_valid":true,"not_revoked":true,"#
            + #""provider_key_valid":true,"provider_not_suspended":true},"reputation":{"low":40.5},"#
            + #""require_attestation":{"max_age":"30d"},"tiers":[]}}],"version":7}"#
        #expect(String(decoding: document.canonicalJSON, as: UTF8.self) == expected)
    }

    @Test func canonicalStringsAreEscapedAndRoundTrip() throws {
        let document = try PolicyDocument.parse(
            """
            apiVersion: vmtrust.dev/policy/v1
            name: escapes
            version: 1
            description: |
              Line "one" \\ é
              \ttab
            scopes:
              - {name: all, rules: {}}
            """
        )
        #expect(document.description == "Line \"one\" \\ é\n\ttab\n")
        let canonical = String(decoding: document.canonicalJSON, as: UTF8.self)
        #expect(canonical.contains(#""description":"Line \"one\" \\ é\n\ttab\n""#))
        #expect(try PolicyDocument.parse(canonical) == document)
    }

    @Test func yamlAndJSONSpellingsHaveTheSameDigest() throws {
        let yaml = try PolicyDocument.parse(
            """
            apiVersion: vmtrust.dev/policy/v1
            name: p
            version: 2
            scopes:
              - name: prod
                match: {environments: [prod]}
                mode: warn
                rules:
                  tiers:
                    - {name: all, effect: allow, privilege: full}
              - name: rest
                rules:
                  attestations:
                    - predicate_type: https://example.com/scan/v1
                      max_age: 7d
                      threshold: 1
            """
        )
        let json = try PolicyDocument.parse(
            """
            {"version": 2, "name": "p", "apiVersion": "vmtrust.dev/policy/v1",
             "scopes": [
               {"name": "prod", "mode": "warn", "match": {"environments": ["prod"]},
                "rules": {"tiers": [{"effect": "allow", "name": "all", "privilege": "full"}]}},
               {"name": "rest", "match": {},
                "rules": {"attestations": [{"predicate_type": "https://example.com/scan/v1", "max_age": "168h"}],
                          "provenance": {"chain_valid": true}}}
             ]}
            """
        )
        #expect(yaml == json)
        #expect(yaml.digest == json.digest)
    }

    @Test func changingAnythingChangesTheDigest() throws {
        let base = try PolicyDocument.parse(
            (Self.header + ["scopes:", "  - name: all", "    rules: {}"]).joined(separator: "\n")
        )
        let warn = try PolicyDocument.parse(
            (Self.header + ["scopes:", "  - name: all", "    mode: warn", "    rules: {}"]).joined(separator: "\n")
        )
        let version = try PolicyDocument.parse(
            (["apiVersion: vmtrust.dev/policy/v1", "name: test", "version: 2", "scopes:", "  - name: all", "    rules: {}"])
                .joined(separator: "\n")
        )
        #expect(Set([base.digest, warn.digest, version.digest]).count == 3)
    }

    @Test func numbersAndDurations() {
        #expect(PolicyNumber("80")?.description == "80")
        #expect(PolicyNumber("0.500")?.description == "0.5")
        #expect(PolicyNumber("72.000025")?.description == "72.000025")
        #expect(PolicyNumber("1.0000001") == nil)
        #expect(PolicyNumber("01") == nil)
        #expect(PolicyNumber("-1") == nil)
        #expect(PolicyNumber("1e2") == nil)
        #expect(PolicyNumber(".5") == nil)
        #expect(PolicyDuration("720h")?.description == "30d")
        #expect(PolicyDuration("90m")?.description == "90m")
        #expect(PolicyDuration("1500ms")?.description == "1500ms")
        #expect(PolicyDuration("120s")?.description == "2m")
        #expect(PolicyDuration("3651d") == nil)
        #expect(PolicyDuration("30 d") == nil)
        #expect(PolicyDuration("d") == nil)
        #expect(PolicyDuration("30w") == nil)
        #expect(PolicyDuration("-1d") == nil)
    }

    // MARK: Bad documents: each error names the line and the field.

    struct Bad: CustomTestStringConvertible, Sendable {
        var label: String
        var lines: [String]
        var code: PolicyError.Code
        var line: Int?
        var field: String?
        var column: Int? = nil
        var testDescription: String { label }
    }

    /// Header (lines 1–3), `scopes:` (4), `- name: default` (5), `rules:` (6), then `rules` members from line 7.
    static func scoped(_ rules: [String], extra: [String] = []) -> [String] {
        header + extra + ["scopes:", "  - name: default", "    rules:"] + rules.map { "      " + $0 }
    }

    static let bad: [Bad] = [
        Bad(
            label: "unknown top-level field",
            lines: header + ["colour: blue", "scopes: []"],
            code: .unknownField,
            line: 4,
            field: "colour",
            column: 1
        ),
        Bad(
            label: "misspelt rule",
            lines: scoped(["require_attestations: {max_age: 1d}"]),
            code: .unknownField,
            line: 7,
            field: "scopes[0].rules.require_attestations",
            column: 7
        ),
        Bad(
            label: "merge keys are not supported",
            lines: scoped(["<<: {}"]),
            code: .unknownField,
            line: 7,
            field: "scopes[0].rules.<<"
        ),
        Bad(
            label: "version quoted",
            lines: ["apiVersion: vmtrust.dev/policy/v1", "name: test", "version: \"1\"", "scopes: []"],
            code: .wrongType,
            line: 3,
            field: "version",
            column: 10
        ),
        Bad(
            label: "version zero",
            lines: ["apiVersion: vmtrust.dev/policy/v1", "name: test", "version: 0", "scopes: []"],
            code: .outOfRange,
            line: 3,
            field: "version"
        ),
        Bad(
            label: "version fractional",
            lines: ["apiVersion: vmtrust.dev/policy/v1", "name: test", "version: 1.5", "scopes: []"],
            code: .wrongType,
            line: 3,
            field: "version"
        ),
        Bad(
            label: "version hexadecimal",
            lines: ["apiVersion: vmtrust.dev/policy/v1", "name: test", "version: 0x10", "scopes: []"],
            code: .invalidValue,
            line: 3,
            field: "version"
        ),
        Bad(
            label: "duplicate top-level key",
            lines: ["apiVersion: vmtrust.dev/policy/v1", "name: test", "name: again", "version: 1", "scopes: []"],
            code: .duplicateKey,
            line: 3,
            field: "name",
            column: 1
        ),
        Bad(
            label: "duplicate nested key",
            lines: scoped(["allow_low_reputation: true", "allow_low_reputation: false"]),
            code: .duplicateKey,
            line: 8,
            field: "scopes[0].rules.allow_low_reputation",
            column: 7
        ),
        Bad(
            label: "duplicate key in JSON",
            lines: [
                #"{"apiVersion": "vmtrust.dev/policy/v1", "name": "a", "version": 1,"#,
                #" "scopes": [{"name": "x", "rules": {"tiers": [], "tiers": []}}]}"#,
            ],
            code: .duplicateKey,
            line: 2,
            field: "scopes[0].rules.tiers",
            column: 50
        ),
        Bad(
            label: "unsupported apiVersion",
            lines: ["apiVersion: vmtrust.dev/policy/v2", "name: test", "version: 1", "scopes: []"],
            code: .unsupportedVersion,
            line: 1,
            field: "apiVersion",
            column: 13
        ),
        Bad(
            label: "missing name",
            lines: ["apiVersion: vmtrust.dev/policy/v1", "version: 1", "scopes: []"],
            code: .missingField,
            line: 1,
            field: "name"
        ),
        Bad(label: "root is a list", lines: ["- a", "- b"], code: .wrongType, line: 1, field: nil),
        Bad(
            label: "name not an identifier",
            lines: ["apiVersion: vmtrust.dev/policy/v1", "name: my policy", "version: 1", "scopes: []"],
            code: .invalidValue,
            line: 2,
            field: "name"
        ),
        Bad(
            label: "null description",
            lines: header + ["description:", "scopes: []"],
            code: .wrongType,
            line: 4,
            field: "description"
        ),
        Bad(
            label: "unknown mode",
            lines: header + ["scopes:", "  - name: default", "    mode: enforced", "    rules: {}"],
            code: .invalidValue,
            line: 6,
            field: "scopes[0].mode",
            column: 11
        ),
        Bad(
            label: "missing rules",
            lines: header + ["scopes:", "  - name: default", "    mode: warn"],
            code: .missingField,
            line: 5,
            field: "scopes[0].rules"
        ),
        Bad(
            label: "no catch-all",
            lines: header + ["scopes:", "  - name: prod", "    match: {environments: [prod]}", "    rules: {}"],
            code: .catchAll,
            line: 5,
            field: "scopes"
        ),
        Bad(
            label: "two catch-alls",
            lines: header + ["scopes:", "  - name: a", "    rules: {}", "  - name: b", "    match: {}", "    rules: {}"],
            code: .catchAll,
            line: 7,
            field: "scopes[1]"
        ),
        Bad(
            label: "same match twice",
            lines: header + [
                "scopes:", "  - name: a", "    match: {environments: [prod]}", "    rules: {}", "  - name: b",
                "    match: {environments: [prod]}", "    rules: {}", "  - name: c", "    rules: {}",
            ],
            code: .inconsistent,
            line: 8,
            field: "scopes[1]"
        ),
        Bad(
            label: "scope name twice",
            lines: header + [
                "scopes:", "  - name: a", "    match: {users: [bob]}", "    rules: {}", "  - name: a", "    rules: {}",
            ],
            code: .invalidValue,
            line: 8,
            field: "scopes[1].name"
        ),
        Bad(
            label: "empty match list",
            lines: header + ["scopes:", "  - name: a", "    match: {environments: []}", "    rules: {}"],
            code: .outOfRange,
            line: 6,
            field: "scopes[0].match.environments"
        ),
        Bad(
            label: "value listed twice",
            lines: header + ["scopes:", "  - name: a", "    match:", "      groups: [ops, dev, ops]", "    rules: {}"],
            code: .invalidValue,
            line: 7,
            field: "scopes[0].match.groups[2]",
            column: 26
        ),
        Bad(
            label: "numeric environment",
            lines: header + ["scopes:", "  - name: a", "    match: {environments: [2024]}", "    rules: {}"],
            code: .wrongType,
            line: 6,
            field: "scopes[0].match.environments[0]"
        ),
        Bad(
            label: "low reputation forbidden without reputation.low",
            lines: scoped(["allow_low_reputation: false"]),
            code: .inconsistent,
            line: 7,
            field: "scopes[0].rules.allow_low_reputation",
            column: 29
        ),
        Bad(
            label: "yes is not a boolean",
            lines: scoped(["allow_low_reputation: no"]),
            code: .wrongType,
            line: 7,
            field: "scopes[0].rules.allow_low_reputation"
        ),
        Bad(
            label: "reputation.low out of range",
            lines: scoped(["reputation:", "  low: 101"]),
            code: .outOfRange,
            line: 8,
            field: "scopes[0].rules.reputation.low",
            column: 14
        ),
        Bad(
            label: "reputation.low with exponent",
            lines: scoped(["reputation: {low: 4e1}"]),
            code: .invalidValue,
            line: 7,
            field: "scopes[0].rules.reputation.low"
        ),
        Bad(
            label: "reputation.low too precise",
            lines: scoped(["reputation: {low: 40.0000001}"]),
            code: .invalidValue,
            line: 7,
            field: "scopes[0].rules.reputation.low"
        ),
        Bad(
            label: "max_age a bare number",
            lines: scoped(["require_attestation:", "  max_age: 30"]),
            code: .wrongType,
            line: 8,
            field: "scopes[0].rules.require_attestation.max_age"
        ),
        Bad(
            label: "max_age with a space",
            lines: scoped(["require_attestation:", "  max_age: 30 days"]),
            code: .invalidValue,
            line: 8,
            field: "scopes[0].rules.require_attestation.max_age"
        ),
        Bad(
            label: "max_age zero",
            lines: scoped(["require_attestation: {max_age: 0d}"]),
            code: .outOfRange,
            line: 7,
            field: "scopes[0].rules.require_attestation.max_age"
        ),
        Bad(
            label: "require_attestation without max_age",
            lines: scoped(["require_attestation: {predicate_type: x}"]),
            code: .missingField,
            line: 7,
            field: "scopes[0].rules.require_attestation.max_age"
        ),
        Bad(
            label: "tier min_score out of range",
            lines: scoped(["tiers:", "  - name: high", "    min_score: 120", "    effect: allow", "    privilege: full"]),
            code: .outOfRange,
            line: 9,
            field: "scopes[0].rules.tiers[0].min_score"
        ),
        Bad(
            label: "tier confidence out of range",
            lines: scoped(["tiers:", "  - {name: high, min_confidence: 1.5, effect: allow, privilege: full}"]),
            code: .outOfRange,
            line: 8,
            field: "scopes[0].rules.tiers[0].min_confidence"
        ),
        Bad(
            label: "tier unknown effect",
            lines: scoped(["tiers:", "  - name: high", "    effect: permit"]),
            code: .invalidValue,
            line: 9,
            field: "scopes[0].rules.tiers[0].effect"
        ),
        Bad(
            label: "tier unknown privilege",
            lines: scoped(["tiers:", "  - name: high", "    effect: allow", "    privilege: admin"]),
            code: .invalidValue,
            line: 10,
            field: "scopes[0].rules.tiers[0].privilege"
        ),
        Bad(
            label: "named privileges are checked",
            lines: scoped(["tiers:", "  - {name: t, effect: allow, privilege: full}"], extra: ["privileges: [gold, bronze]"]),
            code: .invalidValue,
            line: 9,
            field: "scopes[0].rules.tiers[0].privilege"
        ),
        Bad(
            label: "deny tier with privilege",
            lines: scoped(["tiers:", "  - name: low", "    effect: deny", "    privilege: sandbox"]),
            code: .inconsistent,
            line: 10,
            field: "scopes[0].rules.tiers[0].privilege"
        ),
        Bad(
            label: "allow tier without privilege",
            lines: scoped(["tiers:", "  - name: high", "    effect: allow"]),
            code: .missingField,
            line: 8,
            field: "scopes[0].rules.tiers[0].privilege"
        ),
        Bad(
            label: "tier after a catch-all tier",
            lines: scoped([
                "tiers:", "  - {name: any, effect: deny}", "  - {name: high, min_score: 80, effect: allow, privilege: full}",
            ]),
            code: .inconsistent,
            line: 9,
            field: "scopes[0].rules.tiers[1]"
        ),
        Bad(
            label: "tier name twice",
            lines: scoped(["tiers:", "  - {name: a, min_score: 80, effect: deny}", "  - {name: a, effect: deny}"]),
            code: .invalidValue,
            line: 9,
            field: "scopes[0].rules.tiers[1].name"
        ),
        Bad(
            label: "attestation without predicate type",
            lines: scoped(["attestations:", "  - max_age: 7d"]),
            code: .missingField,
            line: 8,
            field: "scopes[0].rules.attestations[0].predicate_type"
        ),
        Bad(
            label: "threshold above the auditors",
            lines: scoped(["attestations:", "  - predicate_type: x", "    auditors: [a, b]", "    threshold: 3"]),
            code: .outOfRange,
            line: 10,
            field: "scopes[0].rules.attestations[0].threshold"
        ),
        Bad(
            label: "threshold zero",
            lines: scoped(["attestations:", "  - {predicate_type: x, threshold: 0}"]),
            code: .outOfRange,
            line: 8,
            field: "scopes[0].rules.attestations[0].threshold"
        ),
        Bad(
            label: "unknown severity",
            lines: scoped(["attestations:", "  - predicate_type: x", "    no_findings_at_or_above: severe"]),
            code: .invalidValue,
            line: 9,
            field: "scopes[0].rules.attestations[0].no_findings_at_or_above"
        ),
        Bad(
            label: "unknown result",
            lines: scoped(["attestations:", "  - predicate_type: x", "    result: passed"]),
            code: .invalidValue,
            line: 9,
            field: "scopes[0].rules.attestations[0].result"
        ),
        Bad(
            label: "auditor twice",
            lines: scoped(["attestations:", "  - predicate_type: x", "    auditors: [a, a]"]),
            code: .invalidValue,
            line: 9,
            field: "scopes[0].rules.attestations[0].auditors[1]"
        ),
        Bad(
            label: "provenance flag not boolean",
            lines: scoped(["provenance:", "  chain_valid: \"yes\""]),
            code: .wrongType,
            line: 8,
            field: "scopes[0].rules.provenance.chain_valid"
        ),
        Bad(
            label: "negative versions behind",
            lines: scoped(["provenance: {max_versions_behind: -1}"]),
            code: .outOfRange,
            line: 7,
            field: "scopes[0].rules.provenance.max_versions_behind"
        ),
        Bad(
            label: "unknown provenance condition",
            lines: scoped(["provenance:", "  chain_valid: true", "  signed_by_root: true"]),
            code: .unknownField,
            line: 9,
            field: "scopes[0].rules.provenance.signed_by_root"
        ),
        Bad(label: "non-string key", lines: scoped(["1: x"]), code: .wrongType, line: 7, field: "scopes[0].rules"),
        Bad(label: "syntax error", lines: header + ["scopes: [", "  {name: a, rules: {}"], code: .syntax, line: 6, field: nil),
        Bad(
            label: "bad indentation",
            lines: header + ["scopes:", "  - name: a", "   rules: {}"],
            code: .syntax,
            line: 6,
            field: nil
        ),
        Bad(label: "two documents", lines: header + ["scopes: []", "---", "name: other"], code: .syntax, line: 5, field: nil),
        Bad(label: "empty document", lines: [""], code: .syntax, line: 1, field: nil),
    ]

    @Test(arguments: bad)
    func rejects(_ case: Bad) throws {
        let text = `case`.lines.joined(separator: "\n")
        let error = #expect(throws: PolicyError.self) { try PolicyDocument.parse(text) }
        #expect(error?.code == `case`.code, "\(error?.description ?? "")")
        if let line = `case`.line { #expect(error?.line == line, "\(error?.description ?? "")") }
        #expect(error?.field == `case`.field, "\(error?.description ?? "")")
        if let column = `case`.column { #expect(error?.column == column, "\(error?.description ?? "")") }
        if let error, let line = error.line { #expect(error.description.hasPrefix("line \(line)")) }
    }

    @Test func onlyTrueAndFalseAreBooleans() throws {
        let text =
            (Self.header + [
                "scopes:", "  - name: a", "    match: {environments: [on, no]}", "    rules: {}", "  - name: b", "    rules: {}",
            ])
            .joined(separator: "\n")
        #expect(try PolicyDocument.parse(text).scopes[0].match.environments == ["on", "no"])
    }

    @Test func duplicateKeyMessageNamesBothOccurrences() throws {
        let text = (Self.scoped(["allow_low_reputation: true", "tiers: []", "allow_low_reputation: false"])).joined(
            separator: "\n"
        )
        let error = #expect(throws: PolicyError.self) { try PolicyDocument.parse(text) }
        #expect(
            error?.description
                == "line 9, column 7: scopes[0].rules.allow_low_reputation: duplicate key \"allow_low_reputation\" (first at line 7, column 7)"
        )
    }

    @Test func messagesAreOneLineAndSayWhatIsExpected() throws {
        let text = (Self.header + ["scopes:", "  - name: default", "    mode: enforced", "    rules: {}"]).joined(separator: "\n")
        let error = #expect(throws: PolicyError.self) { try PolicyDocument.parse(text) }
        #expect(
            error?.description
                == "line 6, column 11: scopes[0].mode: unknown mode \"enforced\" (expected enforce, warn or dry_run)"
        )
    }

    @Test func oversizedInputIsRefused() {
        let text = (Self.header + ["description: \"" + String(repeating: "x", count: 1 << 20) + "\"", "scopes: []"]).joined(
            separator: "\n"
        )
        let error = #expect(throws: PolicyError.self) { try PolicyDocument.parse(text) }
        #expect(error?.code == .tooLarge)
    }

    @Test func identifiers() {
        let valid = ["a", "user-0", "Z9", "a.b_c:d@e/f+g-h", String(repeating: "x", count: 128), "0"]
        for identifier in valid { #expect(PolicyIdentifier.isValid(identifier), "\(identifier)") }
        let invalid = ["", "-a", ".a", "/a", "a b", "a\u{0}", "é", "a,b", "a\"", String(repeating: "x", count: 129), "a#b"]
        for identifier in invalid { #expect(!PolicyIdentifier.isValid(identifier), "\(identifier.debugDescription)") }
    }
}
