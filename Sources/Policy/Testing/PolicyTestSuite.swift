import Yams

/// Fixture cases for a policy (`vmtrust policy test FILE --cases CASES`): each a request, the facts, and the
/// expected effect (and optionally privilege, reason codes and required checks). YAML or JSON:
///
/// ```yaml
/// cases:
///   - name: low reputation is denied in prod
///     request: {user: alice, environment: prod, image: "sha256:…", time: 1767225600000}
///     facts: {image: {…}, provider: {…}, reputation: {…}, attestations: […], checkpoint: {…}}
///     expect: {effect: deny, codes: [reputation.below_low]}
/// ```
public struct PolicyTestSuite: Sendable, Hashable {
    /// The cases, in file order.
    public var cases: [PolicyTestCase]

    /// Creates a suite.
    public init(cases: [PolicyTestCase]) { self.cases = cases }

    /// Parses a case file; errors name the line and field. Unknown fields are refused (a misspelt expectation
    /// would otherwise go unchecked), except under the top-level `definitions`, a place for YAML anchors.
    public static func parse(_ text: String) throws(PolicyError) -> PolicyTestSuite {
        let root = try YAMLReader.root(text)
        try CaseSchema.file.check(root, path: "")
        do {
            let file = try YAMLDecoder().decode(CaseFile.self, from: root)
            var names: Set<String> = []
            for (index, testCase) in file.cases.enumerated() where !names.insert(testCase.name).inserted {
                let node = locate([.key("cases"), .index(index), .key("name")], in: root)
                throw PolicyError(
                    code: .invalidValue,
                    line: node?.mark?.line,
                    column: node?.mark?.column,
                    field: "cases[\(index)].name",
                    message: "case name \"\(testCase.name)\" is used twice"
                )
            }
            return PolicyTestSuite(cases: file.cases)
        } catch let error as PolicyError {
            throw error
        } catch let error as DecodingError {
            throw convert(error, root: root)
        } catch {
            throw PolicyError(code: .syntax, message: "unreadable case file: \(error)")
        }
    }

    /// Runs every case against `policy`.
    public func run(_ policy: Policy) -> PolicyTestReport {
        PolicyTestReport(
            results: cases.map { testCase in
                let decision = PolicyEngine.evaluate(policy, testCase.request, testCase.facts)
                return PolicyTestResult(name: testCase.name, decision: decision, mismatches: testCase.expect.mismatches(decision))
            }
        )
    }

    private struct CaseFile: Decodable {
        var cases: [PolicyTestCase]
    }

    private static func convert(_ error: DecodingError, root: Node) -> PolicyError {
        let (code, path, message): (PolicyError.Code, [any CodingKey], String)
        switch error {
        case .typeMismatch(let type, let context):
            (code, path, message) = (.wrongType, context.codingPath, "must be \(type): \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            (code, path, message) = (.wrongType, context.codingPath, "a \(type) is required: \(context.debugDescription)")
        case .keyNotFound(let key, let context):
            (code, path, message) = (.missingField, context.codingPath + [key], "is required")
        case .dataCorrupted(let context):
            (code, path, message) = (.invalidValue, context.codingPath, context.debugDescription)
        @unknown default:
            (code, path, message) = (.invalidValue, [], "\(error)")
        }
        let components: [PathComponent] = path.map { key in
            if let index = key.intValue { .index(index) } else { .key(key.stringValue) }
        }
        var node = locate(components, in: root)
        var located = components
        while node == nil, !located.isEmpty {
            located.removeLast()
            node = locate(located, in: root)
        }
        let field = components.reduce(into: "") { text, component in
            switch component {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return PolicyError(
            code: code,
            line: node?.mark?.line,
            column: node?.mark?.column,
            field: field.isEmpty ? nil : field,
            message: message
        )
    }

    private enum PathComponent {
        case key(String)
        case index(Int)
    }

    private static func locate(_ path: [PathComponent], in root: Node) -> Node? {
        var node = root
        for component in path {
            switch component {
            case .key(let key):
                guard let next = node.mapping?[key] else { return nil }
                node = next
            case .index(let index):
                guard let sequence = node.sequence, sequence.indices.contains(index) else { return nil }
                node = sequence[index]
            }
        }
        return node
    }
}

/// One fixture case.
public struct PolicyTestCase: Sendable, Hashable, Codable {
    /// The case's name, unique in its file.
    public var name: String
    /// The request.
    public var request: AuthorizationRequest
    /// The facts.
    public var facts: PolicyFacts
    /// What the decision must be.
    public var expect: PolicyExpectation

    /// Creates a case.
    public init(name: String, request: AuthorizationRequest, facts: PolicyFacts, expect: PolicyExpectation) {
        self.name = name
        self.request = request
        self.facts = facts
        self.expect = expect
    }
}

/// The expected decision: the effect always; privilege, the exact set of reason codes, required checks and mode
/// when given.
public struct PolicyExpectation: Sendable, Hashable, Codable {
    /// The effect.
    public var effect: Effect
    /// The privilege, if checked.
    public var privilege: String?
    /// The exact set of reason codes (order and repetition do not matter), if checked.
    public var codes: [ReasonCode]?
    /// The required checks (order does not matter), if checked.
    public var requiredChecks: [String]?

    /// Creates an expectation.
    public init(effect: Effect, privilege: String? = nil, codes: [ReasonCode]? = nil, requiredChecks: [String]? = nil) {
        self.effect = effect
        self.privilege = privilege
        self.codes = codes
        self.requiredChecks = requiredChecks
    }

    private enum CodingKeys: String, CodingKey {
        case effect, privilege, codes
        case requiredChecks = "required_checks"
    }

    /// How `decision` differs from the expectation, in words; empty when it matches.
    public func mismatches(_ decision: Decision) -> [String] {
        var out: [String] = []
        if decision.effect != effect {
            out.append("effect: expected \(effect.rawValue), got \(decision.effect.rawValue)")
        }
        if let privilege, decision.privilege != privilege {
            out.append("privilege: expected \(privilege), got \(decision.privilege ?? "none")")
        }
        if let codes, Set(codes) != Set(decision.codes) {
            let expected = Set(codes).sorted().map(\.rawValue).joined(separator: ", ")
            let got = decision.codes.map(\.rawValue).joined(separator: ", ")
            out.append("codes: expected [\(expected)], got [\(got)]")
        }
        if let requiredChecks, Set(requiredChecks) != Set(decision.requiredChecks) {
            out.append(
                "required_checks: expected [\(requiredChecks.sorted().joined(separator: ", "))], got [\(decision.requiredChecks.sorted().joined(separator: ", "))]"
            )
        }
        return out
    }
}

/// The outcome of one case.
public struct PolicyTestResult: Sendable, Hashable {
    /// The case's name.
    public var name: String
    /// The decision the engine gave.
    public var decision: Decision
    /// How it differs from the expectation; empty when the case passed.
    public var mismatches: [String]

    /// Whether the decision matched.
    public var passed: Bool { mismatches.isEmpty }
}

/// The outcome of a suite.
public struct PolicyTestReport: Sendable, Hashable {
    /// One result per case, in file order.
    public var results: [PolicyTestResult]

    /// How many cases passed.
    public var passed: Int { results.count { $0.passed } }
    /// How many failed.
    public var failed: Int { results.count - passed }
    /// Whether every case passed.
    public var allPassed: Bool { failed == 0 }

    /// One line per case (`ok`/`FAIL` and the mismatches), then a total.
    public var summary: String {
        var lines: [String] = []
        for result in results {
            lines.append("\(result.passed ? "ok  " : "FAIL") \(result.name)")
            lines += result.mismatches.map { "       \($0)" }
        }
        lines.append("\(passed) passed, \(failed) failed")
        return lines.joined(separator: "\n")
    }
}

/// The fields a case file may have, checked before decoding so that an unknown one is named with its line.
private indirect enum CaseSchema: Sendable {
    case object([String: CaseSchema])
    case list(CaseSchema)
    case any

    static let match = CaseSchema.object(["users": .any, "groups": .any, "projects": .any, "environments": .any])
    static let facts = CaseSchema.object([
        "image": .object([
            "record": .any, "digest": .any, "provider": .any, "chain": .any, "chain_valid": .any,
            "revocation": .object(["record": .any, "inherited_from": .any, "effective_at": .any]),
            "deprecation": .object(["record": .any, "at": .any]), "versions_behind": .any,
        ]),
        "provider": .object(["id": .any, "suspended": .any, "key_valid": .any]),
        "reputation": .object([
            "provider": .any, "score": .any, "confidence": .any, "band90_low": .any, "band90_high": .any,
            "parameter_version": .any,
        ]),
        "attestations": .list(
            .object([
                "record": .any, "subject": .any, "predicate_type": .any, "auditor": .any, "integrated_at": .any,
                "log_index": .any, "withdrawn": .any, "superseded": .any, "result": .any, "score": .any,
                "findings": .object(["critical": .any, "high": .any, "medium": .any, "low": .any]),
            ])
        ),
        "break_glass": .list(
            .object([
                "record": .any, "granted_by": .any, "reason": .any, "scope": match, "images": .any,
                "not_before": .any, "expires_at": .any, "privilege": .any,
            ])
        ),
        "checkpoint": .object(["size": .any, "root_hash": .any]),
    ])
    static let file = CaseSchema.object([
        "definitions": .any,
        "cases": .list(
            .object([
                "name": .any,
                "request": .object([
                    "user": .any, "groups": .any, "project": .any, "environment": .any, "image": .any, "time": .any,
                ]),
                "facts": facts,
                "expect": .object(["effect": .any, "privilege": .any, "codes": .any, "required_checks": .any]),
            ])
        ),
    ])

    /// Refuses the first field of `node` (depth first) this schema does not name. Type errors are left to decoding.
    func check(_ node: Node, path: String) throws(PolicyError) {
        switch (self, node) {
        case (.object(let fields), .mapping(let mapping)):
            for (key, value) in mapping {
                let name = key.string ?? ""
                let field = path.isEmpty ? name : "\(path).\(name)"
                guard let schema = fields[name] else {
                    throw PolicyError(
                        code: .unknownField,
                        line: key.mark?.line,
                        column: key.mark?.column,
                        field: field,
                        message: "unknown field"
                    )
                }
                try schema.check(value, path: field)
            }
        case (.list(let element), .sequence(let sequence)):
            for (index, value) in sequence.enumerated() { try element.check(value, path: "\(path)[\(index)]") }
        default: break
        }
    }
}
