import Provenance

extension Decision {
    /// The decision's JSON, byte for byte what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes
    /// for it (``encode(to:)``), written directly: decisions are encoded on every authorisation request.
    public func jsonBytes() throws -> [UInt8] {
        var out = JSONOutput(capacity: 2048)
        out.beginObject()
        try writeMembers(into: &out)
        out.endObject()
        return out.bytes
    }

    /// Writes the decision's members, in sorted order, into an object `out` has begun (so that a caller can
    /// add members after them).
    package func writeMembers(into out: inout JSONOutput) throws(JSONOutput.InvalidValue) {
        out.key("break_glass")
        if let breakGlass {
            out.beginObject()
            out.key("expires_at")
            out.integer(breakGlass.expiresAt)
            out.key("grant")
            out.recordID(breakGlass.grant)
            out.key("granted_by")
            out.string(breakGlass.grantedBy)
            out.key("missing")
            out.beginArray()
            for code in breakGlass.missing { out.string(code.rawValue) }
            out.endArray()
            out.key("reason")
            out.string(breakGlass.reason)
            out.endObject()
        } else {
            out.null()
        }
        out.key("decision_id")
        out.string(decisionID)
        out.key("effect")
        out.string(effect.rawValue)
        out.key("evaluated")
        out.beginObject()
        out.key("effect")
        out.string(evaluated.effect.rawValue)
        out.key("privilege")
        out.string(evaluated.privilege)
        out.key("required_checks")
        out.strings(evaluated.requiredChecks)
        out.endObject()
        out.key("evidence")
        out.beginObject()
        out.key("checkpoint")
        out.beginObject()
        out.key("root_hash")
        out.string(evidence.checkpoint.rootHash)
        out.key("size")
        out.integer(evidence.checkpoint.size)
        out.endObject()
        out.key("records")
        out.beginArray()
        for record in evidence.records { out.recordID(record) }
        out.endArray()
        out.key("reputation")
        if let reputation = evidence.reputation {
            out.beginObject()
            out.key("band90_high")
            try out.double(reputation.band90High)
            out.key("band90_low")
            try out.double(reputation.band90Low)
            out.key("confidence")
            try out.double(reputation.confidence)
            out.key("parameter_version")
            out.integer(reputation.parameterVersion)
            out.key("provider")
            out.string(reputation.provider)
            out.key("score")
            try out.double(reputation.score)
            out.endObject()
        } else {
            out.null()
        }
        out.endObject()
        out.key("mode")
        out.string(mode.rawValue)
        out.key("policy")
        out.beginObject()
        out.key("digest")
        out.string(policy.digest)
        out.key("name")
        out.string(policy.name)
        out.key("scope")
        out.string(policy.scope)
        out.key("version")
        out.integer(policy.version)
        out.endObject()
        out.key("privilege")
        out.string(privilege)
        out.key("reasons")
        out.reasons(reasons)
        out.key("record")
        out.bool(record)
        out.key("request")
        out.beginObject()
        if let environment = request.environment {
            out.key("environment")
            out.string(environment)
        }
        out.key("groups")
        out.strings(request.groups)
        out.key("image")
        out.string(request.image)
        if let project = request.project {
            out.key("project")
            out.string(project)
        }
        out.key("time")
        out.integer(request.time)
        out.key("user")
        out.string(request.user)
        out.endObject()
        out.key("required_checks")
        out.strings(requiredChecks)
        out.key("warnings")
        out.reasons(warnings)
    }
}

extension JSONOutput {
    fileprivate mutating func reasons(_ reasons: [Reason]) {
        beginArray()
        for reason in reasons {
            beginObject()
            key("code")
            string(reason.code.rawValue)
            key("effect")
            string(reason.effect.rawValue)
            key("message")
            string(reason.message)
            key("rule")
            string(reason.rule)
            endObject()
        }
        endArray()
    }
}
