import Policy
import Provenance

extension ProvenanceRules {
    /// The `Policy` target's check of a published document: it must parse as a valid policy
    /// (docs/POLICY-LANGUAGE.md) and be exactly its canonical JSON, so that the document's bytes and digest are the
    /// policy's.
    public static let policyValidation: PolicyDocumentValidator = { bytes in
        let document: PolicyDocument
        do {
            document = try PolicyDocument.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            return "\(error)"
        }
        guard document.canonicalJSON == bytes else { return "the document is not in the policy's canonical form" }
        return nil
    }

    /// The chain rules with policy documents checked by the `Policy` target: what a ledger admits by default.
    public static var withPolicies: ProvenanceRules { ProvenanceRules().checkingPolicies }

    /// These rules, with ``policyValidation`` as the policy validator unless they have one: every ledger
    /// component that admits records (``ProvenanceAdmission``, ``LedgerReputationReplay``, ``BundleVerifier``)
    /// checks published policies the same way.
    public var checkingPolicies: ProvenanceRules {
        var rules = self
        if rules.policyValidator == nil { rules.policyValidator = Self.policyValidation }
        return rules
    }
}
