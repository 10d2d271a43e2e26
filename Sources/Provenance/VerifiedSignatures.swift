import Synchronization

/// Remembers which keys signed one envelope, so that signature checks can run before the
/// sequencer, in parallel, and cost a lookup inside it.
///
/// A signature's validity is a pure function of the envelope's bytes and the keys tried, so a
/// result computed against the committed state stays true when the sequencer asks again with
/// the same keys. Results are keyed by the exact list of keys asked about (``DSSEEnvelope/verifiedKeys(_:)``
/// narrows by `keyid` relative to that list); a different list is verified afresh.
public final class VerifiedSignatures: Sendable {
    private let results = Mutex<[[PublicKey]: [PublicKey]]>([:])
    private let trustingKeyIDs: Bool

    /// An empty memo.
    public init() { trustingKeyIDs = false }

    /// A memo for an envelope already verified when it entered the log (replay): a key whose key id (vmtrust's or
    /// securesystemslib's) a signature names counts as having signed, without checking the signature; signatures
    /// that name no key of the list are verified as usual. Never use it for envelopes that were not admitted.
    public init(trustingKeyIDs: Bool) { self.trustingKeyIDs = trustingKeyIDs }

    /// ``DSSEEnvelope/verifiedKeys(_:)`` of `envelope` among `keys`, computed once per list of keys.
    /// Use one memo per envelope.
    public func verifiedKeys(of envelope: DSSEEnvelope, among keys: [PublicKey]) -> [PublicKey] {
        if let known = results.withLock({ $0[keys] }) { return known }
        let verified = trustingKeyIDs ? trusted(envelope, keys) : envelope.verifiedKeys(keys)
        results.withLock { $0[keys] = verified }
        return verified
    }

    private func trusted(_ envelope: DSSEEnvelope, _ keys: [PublicKey]) -> [PublicKey] {
        let named = Set(envelope.signatures.compactMap(\.keyID))
        var out: [PublicKey] = []
        var matched: Set<String> = []
        for key in keys where !out.contains(key) {
            if named.contains(key.keyID) {
                out.append(key)
                matched.insert(key.keyID)
            } else if !named.isEmpty, case let alias = KeyIDAliases.securesystemslib(key), named.contains(alias) {
                out.append(key)
                matched.insert(alias)
            }
        }
        let unmatched = envelope.signatures.contains { $0.keyID.map { !matched.contains($0) } ?? true }
        guard unmatched else { return out }
        let rest = keys.filter { !out.contains($0) }
        return out + envelope.verifiedKeys(rest)
    }
}
