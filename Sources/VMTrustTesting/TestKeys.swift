import Ledger
import Provenance
import Synchronization
import TransparencyLog

/// Fixed keys for tests: deterministic, so failures reproduce. Never use them for real data.
public enum TestKeys {
    /// The origin of test logs.
    public static let origin = "vmtrust.test/log"

    /// The test log's checkpoint signer.
    public static let logSigner: Ed25519NoteSigner = {
        // A fixed, well-known seed: tests must reproduce byte for byte.
        try! Ed25519NoteSigner(name: origin, seed: Array(repeating: 0x11, count: 32))
    }()

    /// Verifiers holding the test log key.
    public static var logVerifiers: NoteVerifiers { NoteVerifiers([logSigner.verifier]) }

    /// The test log key as a record signing key: the server's decision key (it signs `policy-decision` records).
    public static let decisionKey: SigningKey = try! SigningKey(ed25519Seed: Array(repeating: 0x11, count: 32))

    /// The rules a test server runs: the provenance rules with the test log key as decision key.
    public static var rules: ProvenanceRules { ProvenanceRules(decisionKeys: [decisionKey.publicKey]) }

    /// The admission a test server runs: provenance rules, then the reputation engine (as `vmtrust serve`).
    public static var admission: ReputationAdmission { ReputationAdmission(rules: rules) }

    /// The test admin key (Ed25519).
    public static let admin: SigningKey = try! SigningKey(ed25519Seed: Array(repeating: 0x22, count: 32))

    /// A second Ed25519 key that is not an admin.
    public static let stranger: SigningKey = try! SigningKey(ed25519Seed: Array(repeating: 0x33, count: 32))

    /// An ECDSA P-256 admin key (generated per process: ECDSA signatures are randomised anyway).
    public static let p256Admin: SigningKey = SigningKey.generate(.p256)
}

/// Builders of test records.
public enum Fixtures {
    /// The payload type of test records.
    public static let payloadType = "application/vnd.vmtrust.test+json"

    /// A payload that is unique per `n`.
    public static func payload(_ n: Int, padding: Int = 0) -> [UInt8] {
        Array("{\"n\":\(n),\"pad\":\"\(String(repeating: "x", count: padding))\"}".utf8)
    }

    /// The JSON bytes of a DSSE envelope over `payload(n)` signed by `keys`.
    public static func envelope(_ n: Int, keys: [SigningKey] = [TestKeys.admin], padding: Int = 0) -> [UInt8] {
        try! DSSEEnvelope.sign(payloadType: payloadType, payload: payload(n, padding: padding), keys: keys).jsonBytes()
    }

    /// The record id of `envelope(n)`.
    public static func recordID(_ n: Int, padding: Int = 0) -> RecordID {
        RecordID(payload: payload(n, padding: padding))
    }

    /// A clock for ledgers under test: fixed start, advanced by hand.
    public static func clock(startingAt millis: Int64 = 1_790_000_000_000) -> TestClock { TestClock(millis) }
}

/// A hand-driven clock in milliseconds since the Unix epoch.
public final class TestClock: Sendable {
    private let value: Mutex<Int64>

    init(_ start: Int64) { value = Mutex(start) }

    /// The current time.
    public func now() -> Int64 { value.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(byMillis millis: Int64) { value.withLock { $0 += millis } }

    /// Sets the time (tests that replay a dated scenario; the ledger expects it not to go back).
    public func set(_ millis: Int64) { value.withLock { $0 = millis } }
}
