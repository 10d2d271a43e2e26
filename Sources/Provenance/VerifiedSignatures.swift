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

    /// An empty memo.
    public init() {}

    /// ``DSSEEnvelope/verifiedKeys(_:)`` of `envelope` among `keys`, computed once per list of keys.
    /// Use one memo per envelope.
    public func verifiedKeys(of envelope: DSSEEnvelope, among keys: [PublicKey]) -> [PublicKey] {
        if let known = results.withLock({ $0[keys] }) { return known }
        let verified = envelope.verifiedKeys(keys)
        results.withLock { $0[keys] = verified }
        return verified
    }
}
