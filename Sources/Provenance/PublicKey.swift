import Crypto
import TransparencyLog

/// A public key, identified by its DER SubjectPublicKeyInfo (SPKI).
///
/// Supported: Ed25519 (OID 1.3.101.112, RFC 8410) and ECDSA P-256 (id-ecPublicKey with prime256v1, the
/// canonical uncompressed-point encoding). Equality and hashing are over the algorithm and SPKI bytes.
public struct PublicKey: Sendable, Hashable {
    /// The key's algorithm.
    public let algorithm: KeyAlgorithm
    /// The DER SubjectPublicKeyInfo.
    public let spkiDER: [UInt8]

    /// Parses a DER SubjectPublicKeyInfo.
    ///
    /// Throws ``KeyError/Code-swift.struct/unsupportedAlgorithm`` for other algorithms or curves and
    /// ``KeyError/Code-swift.struct/malformedKey`` for malformed, non-canonical or trailing bytes.
    public init(spkiDER: some Collection<UInt8>) throws(KeyError) {
        let bytes = Array(spkiDER)
        let algorithm = try PublicKey.algorithm(ofSPKI: bytes)
        switch algorithm {
        case .ed25519:
            // SEQUENCE { SEQUENCE { OID id-Ed25519 }, BIT STRING { 0 unused bits, 32 bytes } }: fixed layout.
            guard bytes.count == 44, Array(bytes.prefix(12)) == PublicKey.ed25519SPKIPrefix else {
                throw .malformedKey("malformed Ed25519 SubjectPublicKeyInfo")
            }
        case .p256:
            guard let key = try? P256.Signing.PublicKey(derRepresentation: bytes) else {
                throw .malformedKey("malformed P-256 SubjectPublicKeyInfo")
            }
            guard Array(key.derRepresentation) == bytes else {
                throw .malformedKey("P-256 SubjectPublicKeyInfo is not in canonical uncompressed form")
            }
        }
        self.algorithm = algorithm
        self.spkiDER = bytes
    }

    /// Parses a `PUBLIC KEY` PEM block.
    public init(pem: String) throws(KeyError) {
        let (label, der) = try PEM.decode(pem)
        guard label == "PUBLIC KEY" else { throw .unexpectedPEMLabel("expected PUBLIC KEY, found \(label)") }
        try self.init(spkiDER: der)
    }

    /// Creates an Ed25519 public key from its raw 32 bytes.
    public init(ed25519Raw: [UInt8]) throws(KeyError) {
        guard ed25519Raw.count == 32 else { throw .malformedKey("Ed25519 public key must be 32 bytes") }
        try self.init(spkiDER: PublicKey.ed25519SPKIPrefix + ed25519Raw)
    }

    /// The `PUBLIC KEY` PEM block (64-column base64, final newline).
    public var pem: String { PEM.encode(label: "PUBLIC KEY", der: spkiDER) }

    /// Lowercase hex SHA-256 of ``spkiDER``; used as the DSSE `keyid`.
    public var keyID: String { Hex.encode(SHA256.hash(data: spkiDER)) }

    /// The raw 32-byte public key for Ed25519 keys, `nil` otherwise.
    public var rawEd25519: [UInt8]? { algorithm == .ed25519 ? Array(spkiDER.suffix(32)) : nil }

    /// Whether `signature` is valid for `data`.
    ///
    /// Ed25519: a 64-byte RFC 8032 signature. P-256: ECDSA over SHA-256 of `data`, signature in ASN.1 DER or
    /// raw 64-byte `r || s` form.
    public func isValidSignature(_ signature: some Collection<UInt8>, for data: some Collection<UInt8>) -> Bool {
        let signature = Array(signature)
        let data = Array(data)
        switch algorithm {
        case .ed25519:
            guard signature.count == 64, let raw = rawEd25519,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { return false }
            return key.isValidSignature(signature, for: data)
        case .p256:
            guard let key = try? P256.Signing.PublicKey(derRepresentation: spkiDER) else { return false }
            if let der = try? P256.Signing.ECDSASignature(derRepresentation: signature),
                key.isValidSignature(der, for: data)
            {
                return true
            }
            if signature.count == 64, let raw = try? P256.Signing.ECDSASignature(rawRepresentation: signature) {
                return key.isValidSignature(raw, for: data)
            }
            return false
        }
    }

    /// A C2SP signed-note verifier for this key: ``Ed25519NoteVerifier`` (type 0x01) for Ed25519,
    /// ``ECDSANoteVerifier`` (type 0x02) for P-256.
    public func noteVerifier(name: String) throws(NoteError) -> any NoteVerifier {
        switch algorithm {
        case .ed25519: return try Ed25519NoteVerifier(name: name, publicKey: rawEd25519 ?? [])
        case .p256: return try ECDSANoteVerifier(name: name, spkiDER: spkiDER)
        }
    }

    static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// Reads the algorithm identifier of an SPKI.
    private static func algorithm(ofSPKI bytes: [UInt8]) throws(KeyError) -> KeyAlgorithm {
        do {
            var spki = DER.Reader(try DER.single(bytes[...], tag: DER.sequence))
            var algorithmIdentifier = DER.Reader(try spki.read(tag: DER.sequence))
            _ = try spki.read(tag: DER.bitString)
            guard spki.isAtEnd else { throw DER.Failure() }
            let oid = try algorithmIdentifier.read(tag: DER.objectIdentifier)
            if Array(oid) == DER.oidEd25519 {
                guard algorithmIdentifier.isAtEnd else { throw DER.Failure() }
                return .ed25519
            }
            if Array(oid) == DER.oidECPublicKey {
                guard algorithmIdentifier.nextTag == DER.objectIdentifier else {
                    throw KeyError.unsupportedAlgorithm("EC key without a named curve")
                }
                let curve = try algorithmIdentifier.read(tag: DER.objectIdentifier)
                guard algorithmIdentifier.isAtEnd else { throw DER.Failure() }
                guard Array(curve) == DER.oidP256 else { throw KeyError.unsupportedAlgorithm("EC curve is not P-256") }
                return .p256
            }
            throw KeyError.unsupportedAlgorithm("public key algorithm is neither Ed25519 nor EC P-256")
        } catch let error as KeyError {
            throw error
        } catch {
            throw .malformedKey("malformed SubjectPublicKeyInfo")
        }
    }
}

/// Lowercase hexadecimal.
enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension PublicKey: Codable {
    /// Decodes the standard base64 of the SubjectPublicKeyInfo DER.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let der = Base64.decode(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "public key is not base64")
        }
        do {
            try self.init(spkiDER: der)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    /// Encodes the SubjectPublicKeyInfo DER as standard base64.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Base64.encode(spkiDER))
    }
}
