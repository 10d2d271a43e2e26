import Foundation
import Policy

/// A decision in words, for people: what to do, why, and on what evidence.
enum DecisionText {
    /// The full explanation: effect and privilege, checks, mode, every reason, warnings, break-glass, evidence,
    /// policy and decision id.
    static func render(_ decision: Decision) -> String {
        var lines: [String] = []
        let request = decision.request
        let verb =
            switch decision.effect {
            case .allow: "ALLOW"
            case .allowWithConditions: "ALLOW WITH CONDITIONS"
            case .deny: "DENY"
            }
        var context: [String] = []
        if let environment = request.environment { context.append("env \(environment)") }
        if let project = request.project { context.append("project \(project)") }
        if !request.groups.isEmpty { context.append("groups \(request.groups.joined(separator: ","))") }
        let where_ = context.isEmpty ? "" : " (\(context.joined(separator: ", ")))"
        lines.append("\(verb): \(request.user) → \(request.image)\(where_) at \(formatTime(request.time))")
        lines.append("  effect:          \(decision.effect.rawValue)")
        lines.append("  privilege:       \(decision.privilege ?? "none")")
        lines.append(
            "  required checks: \(decision.requiredChecks.isEmpty ? "none" : decision.requiredChecks.joined(separator: ", "))"
        )
        var mode = "  mode:            \(decision.mode.rawValue)"
        if decision.mode != .enforce || decision.evaluated.effect != decision.effect {
            mode += " (the rules alone say \(decision.evaluated.effect.rawValue)"
            mode += decision.evaluated.privilege.map { ", privilege \($0)" } ?? ""
            mode += ")"
        }
        lines.append(mode)
        lines.append(
            "  policy:          \(decision.policy.name) v\(decision.policy.version), scope \(decision.policy.scope) (\(decision.policy.digest))"
        )
        lines.append("reasons:")
        if decision.reasons.isEmpty { lines.append("  (no rule objected)") }
        for reason in decision.reasons {
            lines.append("  \(mark(reason.effect)) \(reason.code.rawValue): \(reason.message) [\(reason.rule)]")
        }
        if !decision.warnings.isEmpty {
            lines.append("warnings (would deny under enforce):")
            for warning in decision.warnings { lines.append("  ! \(warning.code.rawValue): \(warning.message)") }
        }
        if let glass = decision.breakGlass {
            lines.append(
                "break-glass: grant \(glass.grant) by \(glass.grantedBy) (\(glass.reason)), expires \(formatTime(glass.expiresAt))"
            )
            lines.append("  still missing: \(glass.missing.map(\.rawValue).joined(separator: ", "))")
        }
        lines.append("evidence:")
        let checkpoint = decision.evidence.checkpoint
        lines.append("  checkpoint: size \(checkpoint.size), root \(checkpoint.rootHash)")
        if let reputation = decision.evidence.reputation {
            lines.append("  reputation: \(describe(reputation))")
        } else {
            lines.append("  reputation: none available")
        }
        if decision.evidence.records.isEmpty {
            lines.append("  records: none")
        } else {
            lines.append("  records:")
            for record in decision.evidence.records { lines.append("    \(record)") }
        }
        lines.append("decision: \(decision.decisionID)\(decision.record ? " (recorded on the log)" : "")")
        return lines.joined(separator: "\n")
    }

    /// `acme: score 64.0, confidence 0.655, band90 [34.0, 94.0], parameters v1`.
    static func describe(_ reputation: ReputationSnapshot) -> String {
        "\(reputation.provider): score \(fixed(reputation.score, 1)), confidence \(fixed(reputation.confidence, 3)), "
            + "band90 [\(fixed(reputation.band90Low, 1)), \(fixed(reputation.band90High, 1))], parameters v\(reputation.parameterVersion)"
    }

    /// One line: `deny (reputation.below_low, reputation.tier)` or `allow, full, checks standard_scan`.
    static func oneLine(_ decision: Decision) -> String {
        var text = decision.effect.rawValue.replacingOccurrences(of: "_", with: " ")
        if let privilege = decision.privilege { text += " at \(privilege)" }
        if decision.effect != .deny, !decision.requiredChecks.isEmpty {
            text += ", checks: \(decision.requiredChecks.joined(separator: ", "))"
        }
        var denying: [String] = []
        for reason in decision.reasons where reason.effect == .deny && !denying.contains(reason.code.rawValue) {
            denying.append(reason.code.rawValue)
        }
        if !denying.isEmpty { text += " [\(denying.joined(separator: ", "))]" }
        if decision.breakGlass != nil { text += " [break-glass]" }
        if decision.mode != .enforce { text += " (\(decision.mode.rawValue) mode)" }
        return text
    }

    static func mark(_ effect: Effect) -> String {
        switch effect {
        case .allow: "✓"
        case .allowWithConditions: "~"
        case .deny: "✗"
        }
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
