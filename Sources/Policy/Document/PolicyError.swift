/// Why a policy document (or a test-case file) was refused: a stable code, where (line and column, 1-based, and
/// the field path such as `scopes[1].rules.tiers[0].min_score`) and a one-line message.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// Not YAML (or JSON) at all, or more than one document.
        case syntax
        /// A mapping names the same key twice.
        case duplicateKey = "duplicate_key"
        /// A field the language does not define.
        case unknownField = "unknown_field"
        /// A required field is absent.
        case missingField = "missing_field"
        /// A value of the wrong type (a string where a number belongs, …).
        case wrongType = "wrong_type"
        /// A number, duration or list length outside its allowed range.
        case outOfRange = "out_of_range"
        /// A value of the right type that is not allowed (unknown mode, malformed identifier, …).
        case invalidValue = "invalid_value"
        /// An `apiVersion` this engine does not read.
        case unsupportedVersion = "unsupported_version"
        /// Two fields contradict each other, or a rule can never apply.
        case inconsistent
        /// The document has no catch-all scope, or more than one.
        case catchAll = "catch_all"
        /// The input is larger than the limit.
        case tooLarge = "too_large"
    }

    /// The code.
    public var code: Code
    /// The line (1-based), when known.
    public var line: Int?
    /// The column (1-based), when known.
    public var column: Int?
    /// The field path, when the error concerns one.
    public var field: String?
    /// What is wrong, in words.
    public var message: String

    /// Creates an error.
    public init(code: Code, line: Int? = nil, column: Int? = nil, field: String? = nil, message: String) {
        self.code = code
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `line 7, column 9: scopes[0].mode: unknown mode "enforced" (expected enforce, warn or dry_run)`.
    public var description: String {
        var parts: [String] = []
        if let line { parts.append(column.map { "line \(line), column \($0)" } ?? "line \(line)") }
        if let field { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
