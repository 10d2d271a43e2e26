// The admission rules of policy-publish and break-glass records (issue 6), one type each. Both kinds are signed
// by admins (``AdminSignatures``); these rules check their content against the state.

/// Checks a policy document: `nil` when it is a valid policy in canonical form, else a one-line reason.
///
/// Provenance does not know the policy language; the ledger passes the `Policy` target's check.
public typealias PolicyDocumentValidator = @Sendable (_ canonicalJSON: [UInt8]) -> String?

/// A policy-publish document is a valid policy in canonical form, as the configured validator says. Without a
/// validator no policy can be published.
public struct PolicyDocumentValid: AdmissionPolicy {
    /// The validator; `nil` refuses every policy-publish record.
    public var validator: PolicyDocumentValidator?

    /// Creates the policy.
    public init(validator: PolicyDocumentValidator?) { self.validator = validator }

    /// Fails with `invalidPolicy`, or `kindNotAdmitted` without a validator.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .policyPublish(let publish) = context.record else { return .meetsPolicy }
        guard let validator else {
            return .fails(.kindNotAdmitted, "policy-publish records are not admitted: this log has no policy validator")
        }
        if let reason = validator(publish.document) { return .fails(.invalidPolicy, "the policy document is invalid: \(reason)") }
        return .meetsPolicy
    }
}

/// Per policy name, each published version is above the newest one published before.
public struct PolicyVersionIncreases: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `policyVersionNotIncreasing`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .policyPublish(let publish) = context.record,
            let current = try await context.state.publishedPolicy(name: publish.name), current.version >= publish.version
        else { return .meetsPolicy }
        return .fails(
            .policyVersionNotIncreasing,
            "policy \"\(publish.name)\" version \(publish.version) is not above the published version \(current.version) (\(current.record))"
        )
    }
}

/// A break-glass record names a registered user, a registered image or an onboarded provider, and is still valid at
/// its integration.
public struct BreakGlassScope: AdmissionPolicy {
    /// Creates the policy.
    public init() {}

    /// Fails with `unknownUser`, `unknownSubject`, `unknownProvider` or `breakGlassExpired`.
    public func evaluate(_ context: AdmissionContext) async throws -> PolicyResult {
        guard case .breakGlass(let grant) = context.record else { return .meetsPolicy }
        guard try await context.state.user(id: grant.user) != nil else {
            return .fails(.unknownUser, "user \"\(grant.user)\" is not registered")
        }
        if let image = grant.image, try await context.state.imageRecord(digest: image) == nil {
            return .fails(.unknownSubject, "no image record has digest \(image)")
        }
        if let provider = grant.provider, try await context.state.provider(id: provider) == nil {
            return .fails(.unknownProvider, "provider \"\(provider)\" is not onboarded")
        }
        guard grant.expiresAt > context.integrationTime else {
            return .fails(.breakGlassExpired, "the override expired at \(grant.expiresAt), before its integration")
        }
        return .meetsPolicy
    }
}
