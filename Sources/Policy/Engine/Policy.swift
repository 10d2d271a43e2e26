/// A validated policy ready to evaluate: the document, its canonical JSON and digest, and each scope's rules
/// composed once.
public struct Policy: Sendable {
    /// The document.
    public let document: PolicyDocument
    /// Its canonical JSON.
    public let canonicalJSON: [UInt8]
    /// `sha256:<hex>` of the canonical JSON.
    public let digest: String
    /// The composed rules, one per scope, as their leaves in evaluation order (``PolicyRule/appendLeaves(to:)``).
    let compiled: [[any PolicyRule]]

    /// Wraps a document (validated by ``PolicyDocument/parse(_:)``, or built by hand).
    public init(_ document: PolicyDocument) {
        self.document = document
        self.canonicalJSON = document.canonicalJSON
        self.digest = document.digest
        self.compiled = document.scopes.map { $0.compiledRules().leaves }
    }

    /// Parses and validates YAML or JSON.
    public static func parse(_ text: String) throws(PolicyError) -> Policy {
        Policy(try PolicyDocument.parse(text))
    }

    /// The index of the scope that decides `request`: among the scopes that match it, the most specific
    /// (``ScopeMatch/specificity``); among equally specific ones, the first declared. The catch-all matches
    /// everything, so there always is one.
    public func scopeIndex(for request: AuthorizationRequest) -> Int {
        var best: Int?
        // By index: a scope (its rules included) is not copied out of the document.
        for index in document.scopes.indices where document.scopes[index].match.matches(request) {
            if let current = best, document.scopes[current].match.specificity >= document.scopes[index].match.specificity {
                continue
            }
            best = index
        }
        return best ?? document.scopes.firstIndex { $0.match.isCatchAll } ?? 0
    }

    /// The merged result of the rules of scope `index` in `context`: every rule runs, in order.
    func evaluateRules(ofScope index: Int, _ context: PolicyContext) -> RuleResult {
        var result = RuleResult.pass
        for rule in compiled[index] { result.merge(rule.evaluate(context)) }
        return result
    }
}
