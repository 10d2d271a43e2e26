import Crypto
import TransparencyLog

/// A private signing key.
///
/// On disk keys are PEM PKCS#8 (`PRIVATE KEY`; Ed25519 per RFC 8410); SEC1 `EC PRIVATE KEY` is also read
/// for P-256. Writing key files (and their 0600 mode) is the caller's job.
public struct SigningKey: Sendable {
    /// The key's algorithm.
    public let algorithm: KeyAlgorithm
    private let backing: Backing

    private enum Backing: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
    }

    private init(_ backing: Backing) {
        self.backing = backing
        switch backing {
        case .ed25519: self.algorithm = .ed25519
        case .p256: self.algorithm = .p256
        }
    }

    /// Generates a new key from the system random number generator.
    public static func generate(_ algorithm: KeyAlgorithm) -> SigningKey {
        switch algorithm {
        case .ed25519: SigningKey(.ed25519(Curve25519.Signing.PrivateKey()))
        case .p256: SigningKey(.p256(P256.Signing.PrivateKey()))
        }
    }

    /// Creates an Ed25519 key from its 32-byte RFC 8032 seed.
    public init(ed25519Seed: [UInt8]) throws(KeyError) {
        guard ed25519Seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: ed25519Seed)
        else { throw .malformedKey("Ed25519 seed must be 32 bytes") }
        self.init(.ed25519(key))
    }

    /// Creates a P-256 key from its raw 32-byte private scalar.
    public init(p256Scalar: [UInt8]) throws(KeyError) {
        guard p256Scalar.count == 32, let key = try? P256.Signing.PrivateKey(rawRepresentation: p256Scalar) else {
            throw .malformedKey("invalid P-256 private scalar")
        }
        self.init(.p256(key))
    }

    /// Parses a `PRIVATE KEY` (PKCS#8) or, for P-256, `EC PRIVATE KEY` (SEC1) PEM block.
    public init(pem: String) throws(KeyError) {
        let (label, der) = try PEM.decode(pem)
        switch label {
        case "PRIVATE KEY": try self.init(pkcs8DER: der)
        case "EC PRIVATE KEY": try self.init(sec1DER: der)
        default: throw .unexpectedPEMLabel("expected PRIVATE KEY or EC PRIVATE KEY, found \(label)")
        }
    }

    /// Parses DER PKCS#8 (`PrivateKeyInfo` v1, or `OneAsymmetricKey` v2 whose public key must match).
    public init(pkcs8DER: [UInt8]) throws(KeyError) {
        do {
            var info = DER.Reader(try DER.single(pkcs8DER[...], tag: DER.sequence))
            let version = Array(try info.read(tag: DER.integer))
            guard version == [0] || version == [1] else { throw KeyError.malformedKey("unsupported PKCS#8 version") }
            var algorithmIdentifier = DER.Reader(try info.read(tag: DER.sequence))
            let oid = Array(try algorithmIdentifier.read(tag: DER.objectIdentifier))
            let privateKey = try info.read(tag: DER.octetString)
            if info.nextTag == 0xA0 { _ = try info.read() }  // [0] attributes: ignored
            var publicKey: ArraySlice<UInt8>?
            if info.nextTag == 0x81 {  // [1] IMPLICIT BIT STRING public key (v2 only)
                guard version == [1] else { throw KeyError.malformedKey("PKCS#8 v1 with a public key") }
                publicKey = try info.read().content
            }
            guard info.isAtEnd else { throw DER.Failure() }

            if oid == DER.oidEd25519 {
                guard algorithmIdentifier.isAtEnd else { throw DER.Failure() }
                let seed = Array(try DER.single(privateKey, tag: DER.octetString))
                try self.init(ed25519Seed: seed)
                if let publicKey {
                    guard Array(publicKey) == [0] + (self.publicKey.rawEd25519 ?? []) else {
                        throw KeyError.malformedKey("PKCS#8 public key does not match the private key")
                    }
                }
            } else if oid == DER.oidECPublicKey {
                guard algorithmIdentifier.nextTag == DER.objectIdentifier,
                    Array(try algorithmIdentifier.read(tag: DER.objectIdentifier)) == DER.oidP256,
                    algorithmIdentifier.isAtEnd
                else { throw KeyError.unsupportedAlgorithm("EC private key is not on P-256") }
                try self.init(sec1DER: Array(privateKey), curveKnown: true)
            } else {
                throw KeyError.unsupportedAlgorithm("private key algorithm is neither Ed25519 nor EC P-256")
            }
        } catch let error as KeyError {
            throw error
        } catch {
            throw .malformedKey("malformed PKCS#8 private key")
        }
    }

    /// Parses SEC1 `ECPrivateKey` DER; the curve parameter (when `curveKnown` is false) must name P-256 and
    /// an included public key must match.
    private init(sec1DER: [UInt8], curveKnown: Bool = false) throws(KeyError) {
        do {
            var key = DER.Reader(try DER.single(sec1DER[...], tag: DER.sequence))
            guard Array(try key.read(tag: DER.integer)) == [1] else { throw DER.Failure() }
            let scalar = Array(try key.read(tag: DER.octetString))
            var curveNamed = curveKnown
            if key.nextTag == 0xA0 {
                let parameters = try key.read().content
                guard Array(try DER.single(parameters, tag: DER.objectIdentifier)) == DER.oidP256 else {
                    throw KeyError.unsupportedAlgorithm("EC private key is not on P-256")
                }
                curveNamed = true
            }
            guard curveNamed else { throw KeyError.unsupportedAlgorithm("EC private key without a named curve") }
            var publicPoint: [UInt8]?
            if key.nextTag == 0xA1 {
                let bitString = Array(try DER.single(try key.read().content, tag: DER.bitString))
                guard bitString.first == 0 else { throw DER.Failure() }
                publicPoint = Array(bitString.dropFirst())
            }
            guard key.isAtEnd, scalar.count == 32 else { throw DER.Failure() }
            try self.init(p256Scalar: scalar)
            if let publicPoint, case .p256(let privateKey) = backing {
                guard publicPoint == Array(privateKey.publicKey.x963Representation) else {
                    throw KeyError.malformedKey("EC public key does not match the private key")
                }
            }
        } catch let error as KeyError {
            throw error
        } catch {
            throw .malformedKey("malformed SEC1 EC private key")
        }
    }

    /// The DER PKCS#8 encoding: RFC 8410 v1 (48 bytes, no public key) for Ed25519; PKCS#8 v1 with SEC1 inner
    /// key including the public point for P-256.
    public var pkcs8DER: [UInt8] {
        switch backing {
        case .ed25519(let key):
            let algorithmIdentifier = DER.encode(tag: DER.sequence, DER.encode(tag: DER.objectIdentifier, DER.oidEd25519))
            let privateKey = DER.encode(
                tag: DER.octetString,
                DER.encode(tag: DER.octetString, Array(key.rawRepresentation))
            )
            return DER.encode(tag: DER.sequence, DER.encode(tag: DER.integer, [0]) + algorithmIdentifier + privateKey)
        case .p256(let key):
            return Array(key.derRepresentation)
        }
    }

    /// The `PRIVATE KEY` (PKCS#8) PEM block (64-column base64, final newline). Secret.
    public var pem: String { PEM.encode(label: "PRIVATE KEY", der: pkcs8DER) }

    /// The corresponding public key.
    public var publicKey: PublicKey {
        // The SPKI of a valid key always parses.
        switch backing {
        case .ed25519(let key): try! PublicKey(ed25519Raw: Array(key.publicKey.rawRepresentation))
        case .p256(let key): try! PublicKey(spkiDER: Array(key.publicKey.derRepresentation))
        }
    }

    /// Signs `data`: a 64-byte Ed25519 signature, or an ASN.1 DER ECDSA P-256 signature over SHA-256 of `data`.
    public func signature(for data: some Collection<UInt8>) throws -> [UInt8] {
        let bytes = Array(data)
        do {
            switch backing {
            case .ed25519(let key): return Array(try key.signature(for: bytes))
            case .p256(let key): return Array(try key.signature(for: bytes).derRepresentation)
            }
        } catch {
            throw KeyError.signingFailed("\(error)")
        }
    }

    /// The 32-byte Ed25519 seed (RFC 8032 private key), or `nil` for other algorithms.
    public var ed25519Seed: [UInt8]? {
        switch backing {
        case .ed25519(let key): Array(key.rawRepresentation)
        case .p256: nil
        }
    }

    /// A C2SP signed-note signer for this key: ``Ed25519NoteSigner`` (type 0x01) for Ed25519 keys,
    /// ``ECDSANoteSigner`` (type 0x02) for P-256 keys.
    public func noteSigner(name: String) throws(NoteError) -> any NoteSigner {
        switch backing {
        case .ed25519(let key): try Ed25519NoteSigner(name: name, seed: Array(key.rawRepresentation))
        case .p256(let key): try ECDSANoteSigner(name: name, privateKey: Array(key.rawRepresentation))
        }
    }
}
