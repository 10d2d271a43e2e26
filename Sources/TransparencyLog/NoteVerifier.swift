/// Verifies note signatures made by one key.
///
/// A verifier is identified by its key ``name`` and 32-bit ``keyID``; ``verify(message:signature:)`` receives
/// the note text bytes and the signature bytes that follow the key ID on the signature line.
public protocol NoteVerifier: Sendable {
    /// The key name, as written on signature lines.
    var name: String { get }
    /// The 32-bit key ID, as written (big-endian) at the start of each signature.
    var keyID: UInt32 { get }
    /// Whether `signature` is a valid signature of `message` (the note text) by this key.
    func verify(message: [UInt8], signature: [UInt8]) -> Bool
}

/// Signs note texts with one key.
public protocol NoteSigner: Sendable {
    /// The key name, written on the signature line.
    var name: String { get }
    /// The 32-bit key ID, written (big-endian) before the signature bytes.
    var keyID: UInt32 { get }
    /// Signs `message` (the note text) and returns the signature bytes (without the key ID).
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

/// A set of known verifiers, looked up by (name, key ID).
public struct NoteVerifiers: Sendable {
    private struct Key: Hashable {
        var name: String
        var keyID: UInt32
    }

    private var table: [Key: [any NoteVerifier]] = [:]

    /// Creates the set. Verifiers sharing a (name, key ID) make that pair ambiguous: ``verifier(name:keyID:)``
    /// then returns `nil` and ``Note/verify(using:)`` throws ``NoteError/Code-swift.struct/ambiguousKey``
    /// when a note carries a signature for it.
    public init(_ verifiers: [any NoteVerifier]) {
        for verifier in verifiers {
            table[Key(name: verifier.name, keyID: verifier.keyID), default: []].append(verifier)
        }
    }

    /// Parses verifier keys (see ``NoteVerifiers/verifier(vkey:)``) into a set.
    public init(vkeys: [String]) throws(NoteError) {
        var verifiers: [any NoteVerifier] = []
        for vkey in vkeys {
            verifiers.append(try NoteVerifiers.verifier(vkey: vkey))
        }
        self.init(verifiers)
    }

    /// The unique verifier for (name, key ID), or `nil` if none or several are known.
    public func verifier(name: String, keyID: UInt32) -> (any NoteVerifier)? {
        guard let found = table[Key(name: name, keyID: keyID)], found.count == 1 else { return nil }
        return found[0]
    }

    /// All verifiers known for (name, key ID).
    public func verifiers(name: String, keyID: UInt32) -> [any NoteVerifier] {
        table[Key(name: name, keyID: keyID)] ?? []
    }

    /// Parses a verifier key of any supported type, dispatching on its type byte: `0x01` Ed25519
    /// (``Ed25519NoteVerifier``), `0x02` ECDSA P-256 (``ECDSANoteVerifier``), `0x04` Ed25519 cosignature/v1
    /// (``CosignatureVerifier``). Other type bytes throw ``NoteError/Code-swift.struct/unknownAlgorithm``.
    public static func verifier(vkey: String) throws(NoteError) -> any NoteVerifier {
        let parsed = try NoteKeys.parse(vkey[...], what: "verifier key")
        switch parsed.type {
        case NoteKeys.typeEd25519: return try Ed25519NoteVerifier(vkey: vkey)
        case NoteKeys.typeECDSA: return try ECDSANoteVerifier(vkey: vkey)
        case NoteKeys.typeCosignatureV1: return try CosignatureVerifier(vkey: vkey)
        default:
            throw .unknownAlgorithm("unknown verifier key type 0x\(String(parsed.type, radix: 16))")
        }
    }
}
