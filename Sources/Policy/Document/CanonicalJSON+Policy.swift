import Provenance

extension CanonicalJSON {
    /// A policy number in its shortest exact decimal form (``PolicyNumber/description``).
    static func number(_ value: PolicyNumber) -> CanonicalJSON { .decimal(value.description) }
}
