/// What a policy decision allows.
public enum DecisionEffect: String, Sendable, Hashable, CaseIterable, Codable {
    /// The use is allowed.
    case allow
    /// The use is allowed under conditions (required checks).
    case allowWithConditions = "allow_with_conditions"
    /// The use is refused.
    case deny
}

/// How a policy decision was enforced.
public enum DecisionMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// The effect was enforced.
    case enforce
    /// A deny was reported but not enforced.
    case warn
    /// Evaluated only: nothing was allowed or refused.
    case dryRun = "dry_run"
    /// An emergency grant overrode the policy.
    case breakGlass = "break_glass"
}

/// Limits of policy-decision fields.
enum DecisionLimits {
    /// Reason codes per decision.
    static let reasons = 64
}

/// `policy-decision`: the server's record of a decision on a user's use of an image (contract C1). Signed by the
/// server's decision key (the log key). An allowing decision in any mode but `dry_run` is the user's proof of use
/// of the provider's images (the `usage` index).
public struct PolicyDecisionRecord: Sendable, Hashable {
    /// The decision id, `dec_` + 32 lowercase hex digits.
    public var decision: String
    /// The user who asked.
    public var user: String
    /// The image digest.
    public var image: String
    /// The provider of the image.
    public var provider: String
    /// The effect.
    public var effect: DecisionEffect
    /// The privilege granted, if any (identifier).
    public var privilege: String?
    /// How the decision was enforced.
    public var mode: DecisionMode
    /// The policy-publish record in force, if any.
    public var policy: RecordID?
    /// The checkpoint size the decision was made at.
    public var logSize: Int64
    /// Stable reason codes (identifier syntax, e.g. `reputation.below_low`), at most 64.
    public var reasons: [String]
    /// The signer's time claim, ms.
    public var time: Int64

    /// Creates a decision record.
    public init(
        decision: String,
        user: String,
        image: String,
        provider: String,
        effect: DecisionEffect,
        privilege: String? = nil,
        mode: DecisionMode,
        policy: RecordID? = nil,
        logSize: Int64,
        reasons: [String],
        time: Int64
    ) {
        self.decision = decision
        self.user = user
        self.image = image
        self.provider = provider
        self.effect = effect
        self.privilege = privilege
        self.mode = mode
        self.policy = policy
        self.logSize = logSize
        self.reasons = reasons
        self.time = time
    }

    /// Whether the decision is a proof of use: an allow (with or without conditions) in any mode but `dry_run`.
    public var provesUse: Bool { effect != .deny && mode != .dryRun }

    /// Whether `id` is `dec_` followed by 32 lowercase hex digits.
    public static func isValidDecisionID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count == 36, bytes.starts(with: Array("dec_".utf8)) else { return false }
        return bytes.dropFirst(4).allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
        }
    }

    init(_ reader: inout FieldReader) throws(RecordError) {
        decision = try reader.string("decision", .line(limit: 64))
        guard Self.isValidDecisionID(decision) else {
            throw RecordError(code: .invalidValue, field: "decision", message: "\"decision\" is not dec_ + 32 lowercase hex")
        }
        user = try reader.string("user", .identifier)
        image = try reader.digest("image")
        provider = try reader.string("provider", .identifier)
        effect = try reader.enumeration("effect", DecisionEffect.self)
        privilege = try reader.optionalString("privilege", .identifier)
        mode = try reader.enumeration("mode", DecisionMode.self)
        policy = try reader.optionalValue("policy") == nil ? nil : try reader.recordID("policy")
        logSize = try reader.integer("logSize", in: 0...RecordLimits.maximumInteger)
        reasons =
            try reader.array("reasons", limit: DecisionLimits.reasons, allowEmpty: true) { value, path throws(RecordError) in
                try FieldReader.text(value, .identifier, field: path)
            } ?? []
        time = try reader.time("time")
    }

    var fields: [(String, CanonicalJSON?)] {
        [
            ("decision", .string(decision)),
            ("effect", .string(effect.rawValue)),
            ("image", .string(image)),
            ("logSize", .integer(logSize)),
            ("mode", .string(mode.rawValue)),
            ("policy", policy.map { .string($0.description) }),
            ("privilege", privilege.map { .string($0) }),
            ("provider", .string(provider)),
            ("reasons", .array(reasons.map { .string($0) })),
            ("user", .string(user)),
        ]
    }
}
