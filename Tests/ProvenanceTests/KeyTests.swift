import Crypto
import Foundation
import Provenance
import Testing
import TransparencyLog

@Suite("Keys: SPKI, PKCS#8, SEC1, PEM")
struct KeyTests {
    // RFC 8410 section 10.3 example private key and the SPKI of its public key.
    static let rfc8410PKCS8 = "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC"
    static let rfc8410SPKI = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="
    // The same key as a v2 OneAsymmetricKey with an attribute and the public key (RFC 8410 section 10.3).
    static let rfc8410V2 = """
        -----BEGIN PRIVATE KEY-----
        MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
        oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB
        Z9w7lshQhqowtrbLDFw4rXAxZuE=
        -----END PRIVATE KEY-----
        """

    // P-256 key with scalar C9AFA9D8…0F6721 (RFC 6979 A.2.5), encoded by Python `cryptography`.
    static let p256SEC1 = """
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEIMmvqdhFunUWa1whV2ex1pNOUMPbNuibEnuKYisSD2choAoGCCqGSM49
        AwEHoUQDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Z5A/4QCLi8
        maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==
        -----END EC PRIVATE KEY-----
        """
    static let p256PKCS8 = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX
        Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth
        +mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ
        -----END PRIVATE KEY-----
        """
    static let p256SPKI =
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Z5A/4QCLi8maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ=="
    static let p256KeyID = "5a7a78cca4a0f420d9bc62bb669c3c2759e39f723d3ae10dcbe0f0815a07ecd4"

    @Test func rfc8410PrivateKeyKnownAnswer() throws {
        let key = try SigningKey(pem: pemBlock("PRIVATE KEY", Base64.decode(KeyTests.rfc8410PKCS8)!))
        #expect(key.algorithm == .ed25519)
        #expect(Base64.encode(key.publicKey.spkiDER) == KeyTests.rfc8410SPKI)
        // Re-encoding gives the same 48-byte RFC 8410 v1 structure.
        #expect(Base64.encode(key.pkcs8DER) == KeyTests.rfc8410PKCS8)
        #expect(key.pem == "-----BEGIN PRIVATE KEY-----\n\(KeyTests.rfc8410PKCS8)\n-----END PRIVATE KEY-----\n")
        #expect(
            key.publicKey.pem == "-----BEGIN PUBLIC KEY-----\n\(KeyTests.rfc8410SPKI)\n-----END PUBLIC KEY-----\n"
        )
    }

    @Test func rfc8410VersionTwoWithPublicKey() throws {
        let key = try SigningKey(pem: KeyTests.rfc8410V2)
        #expect(Base64.encode(key.publicKey.spkiDER) == KeyTests.rfc8410SPKI)
        // A v2 key whose embedded public key does not match the private key is rejected.
        var der = Base64.decode(KeyTests.rfc8410V2.split(separator: "\n").dropFirst().dropLast().joined())!
        der[der.count - 1] ^= 1
        #expect(throws: keyError(.malformedKey)) { try SigningKey(pkcs8DER: der) }
        // A v1 structure must not carry a public key.
        var v1WithPublicKey = Base64.decode(KeyTests.rfc8410V2.split(separator: "\n").dropFirst().dropLast().joined())!
        v1WithPublicKey[4] = 0
        #expect(throws: keyError(.malformedKey)) { try SigningKey(pkcs8DER: v1WithPublicKey) }
    }

    @Test func ed25519SeedKnownAnswer() throws {
        let fixtures = try DSSEFixtures.load()
        let key = try SigningKey(ed25519Seed: hexBytes(fixtures.ed25519.privateSeedHex))
        #expect(Base64.encode(key.publicKey.spkiDER) == fixtures.ed25519.publicSPKIB64)
        #expect(key.publicKey.rawEd25519 == hexBytes(fixtures.ed25519.publicHex))
        #expect(key.publicKey.keyID == "06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9")
        #expect(try PublicKey(ed25519Raw: hexBytes(fixtures.ed25519.publicHex)) == key.publicKey)
        #expect(throws: keyError(.malformedKey)) { try SigningKey(ed25519Seed: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: keyError(.malformedKey)) { try PublicKey(ed25519Raw: [1, 2, 3]) }
    }

    @Test func p256SEC1AndPKCS8KnownAnswer() throws {
        let sec1 = try SigningKey(pem: KeyTests.p256SEC1)
        let pkcs8 = try SigningKey(pem: KeyTests.p256PKCS8)
        #expect(sec1.algorithm == .p256)
        #expect(Base64.encode(sec1.publicKey.spkiDER) == KeyTests.p256SPKI)
        #expect(pkcs8.publicKey == sec1.publicKey)
        #expect(sec1.publicKey.keyID == KeyTests.p256KeyID)
        #expect(sec1.publicKey.rawEd25519 == nil)
        // Our PKCS#8 output is the same DER Python produced.
        #expect(sec1.pem == KeyTests.p256PKCS8 + "\n")
        let scalar = hexBytes("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
        #expect(try SigningKey(p256Scalar: scalar).publicKey == sec1.publicKey)
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func pemRoundTrips(algorithm: KeyAlgorithm) throws {
        let key = SigningKey.generate(algorithm)
        #expect(key.algorithm == algorithm)
        let reloaded = try SigningKey(pem: key.pem)
        #expect(reloaded.publicKey == key.publicKey)
        #expect(reloaded.pem == key.pem)
        let publicKey = try PublicKey(pem: key.publicKey.pem)
        #expect(publicKey == key.publicKey)
        #expect(publicKey.algorithm == algorithm)
        #expect(publicKey.keyID == hexString(SHA256.hash(data: publicKey.spkiDER)))
        #expect(publicKey.keyID.count == 64)
        // Lines are at most 64 characters.
        #expect(key.pem.split(separator: "\n").allSatisfy { $0.count <= 64 })
        // CRLF line endings and surrounding white space are tolerated.
        let crlf = "\n  " + key.pem.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        #expect(try SigningKey(pem: crlf).publicKey == key.publicKey)

        let message = Array("signed bytes".utf8)
        let signature = try reloaded.signature(for: message)
        #expect(publicKey.isValidSignature(signature, for: message))
        #expect(!publicKey.isValidSignature(signature, for: Array("other bytes".utf8)))
        #expect(!SigningKey.generate(algorithm).publicKey.isValidSignature(signature, for: message))
    }

    @Test func p256SignaturesDERAndRaw() throws {
        let key = try SigningKey(pem: KeyTests.p256PKCS8)
        let message = Array("hello".utf8)
        let der = try key.signature(for: message)
        #expect(der.first == 0x30)
        let raw = Array(try P256.Signing.ECDSASignature(derRepresentation: der).rawRepresentation)
        #expect(raw.count == 64)
        #expect(key.publicKey.isValidSignature(der, for: message))
        #expect(key.publicKey.isValidSignature(raw, for: message))
        #expect(!key.publicKey.isValidSignature(raw.dropLast(), for: message))
        #expect(!key.publicKey.isValidSignature([], for: message))
    }

    @Test func ed25519SignatureLength() throws {
        let key = SigningKey.generate(.ed25519)
        let signature = try key.signature(for: [1, 2, 3])
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: [1, 2, 3]))
        #expect(!key.publicKey.isValidSignature(signature + [0], for: [1, 2, 3]))
        #expect(!key.publicKey.isValidSignature(signature.dropLast(), for: [1, 2, 3]))
    }

    // MARK: Negative cases

    static let publicPEM = pemBlock("PUBLIC KEY", Base64.decode(p256SPKI)!)

    @Test func wrongPEMLabelsRejected() throws {
        #expect(throws: keyError(.unexpectedPEMLabel)) { try PublicKey(pem: KeyTests.p256PKCS8) }
        #expect(throws: keyError(.unexpectedPEMLabel)) { try PublicKey(pem: KeyTests.p256SEC1) }
        #expect(throws: keyError(.unexpectedPEMLabel)) { try SigningKey(pem: KeyTests.publicPEM) }
        let certificate = KeyTests.publicPEM.replacingOccurrences(of: "PUBLIC KEY", with: "CERTIFICATE")
        #expect(throws: keyError(.unexpectedPEMLabel)) { try PublicKey(pem: certificate) }
        #expect(throws: keyError(.unexpectedPEMLabel)) { try SigningKey(pem: certificate) }
        let rsa = KeyTests.p256PKCS8.replacingOccurrences(of: "PRIVATE KEY", with: "RSA PRIVATE KEY")
        #expect(throws: keyError(.unexpectedPEMLabel)) { try SigningKey(pem: rsa) }
    }

    static let malformedPEMs: [(String, String)] = [
        ("empty", ""),
        ("garbage", "garbage"),
        ("bare base64", p256SPKI),
        ("no END line", "-----BEGIN PUBLIC KEY-----\n\(p256SPKI)\n"),
        ("no BEGIN line", "\(p256SPKI)\n-----END PUBLIC KEY-----\n"),
        ("mismatched labels", "-----BEGIN PUBLIC KEY-----\n\(p256SPKI)\n-----END PRIVATE KEY-----\n"),
        ("empty body", "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"),
        ("bad base64 body", "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n"),
        ("truncated base64 body", "-----BEGIN PUBLIC KEY-----\n\(p256SPKI.dropLast(3))\n-----END PUBLIC KEY-----\n"),
        ("text before the block", "hello\n" + publicPEM),
        ("text after the block", publicPEM + "bye\n"),
        ("two blocks", publicPEM + publicPEM),
        (
            "encrypted headers",
            "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n\n\(p256SPKI)\n-----END PUBLIC KEY-----\n"
        ),
        ("empty label", "-----BEGIN -----\n\(p256SPKI)\n-----END -----\n"),
    ]

    @Test(arguments: malformedPEMs)
    func malformedPEMRejected(why: String, pem: String) {
        #expect(throws: keyError(.malformedPEM), "\(why)") { try PublicKey(pem: pem) }
    }

    @Test func malformedPEMControl() throws {
        #expect(try PublicKey(pem: KeyTests.publicPEM).algorithm == .p256)
    }

    static let unsupportedSPKIs: [(String, String)] = [
        (
            "P-384",
            "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE6GuZXjUOTTEqlaa31djNzbRoL1iIAKHNbJcuHcsqWsONkARpUbA8yzsXmon9qIsbSFufLB9EsN1Bzm48OmkLv6q+weH/Su+yRh/dpmKb7L1Dz3TBPYwaFiVhIkPwBGFI"
        ),
        (
            "secp256k1",
            "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE8B1rkBirQh3UEEBMuGkHIGVSK/hXNACPEFzzhaAjqA8OuinQ8MVAjtaBmE3FJZgqvvzNn3/wHdJtpJmc8/ailQ=="
        ),
        ("X25519", "MCowBQYDK2VuAyEAL+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q="),
        (
            "RSA",
            "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC3fi6eOQ4PAaccrC5+96ML7a+agAGctnz4l2uN0vognfU3f/nfIukpjhJ9pIOHgqWu8eIFrsysmNEJCEVqwkihN/91a2jp8tp4fWhkI1UvUMqAoFP+/8aggywU1OsCHCISjoFtkMFHKf/vVHVHsdKuxV3l1JAheTWrtBpVQtPDVwIDAQAB"
        ),
    ]

    @Test(arguments: unsupportedSPKIs)
    func unsupportedPublicKeysRejected(why: String, spki: String) {
        #expect(throws: keyError(.unsupportedAlgorithm), "\(why)") { try PublicKey(spkiDER: Base64.decode(spki)!) }
    }

    static let unsupportedPrivateKeys: [(String, String, String)] = [
        (
            "P-384 PKCS#8", "PRIVATE KEY",
            "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMDmhZANiAAToa5leNQ5NMSqVprfV2M3NtGgvWIgAoc1sly4dyypaw42QBGlRsDzLOxeaif2oixtIW58sH0Sw3UHObjw6aQu/qr7B4f9K77JGH92mYpvsvUPPdME9jBoWJWEiQ/AEYUg="
        ),
        (
            "secp256k1 SEC1", "EC PRIVATE KEY",
            "MHQCAQEEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADA5oAcGBSuBBAAKoUQDQgAE8B1rkBirQh3UEEBMuGkHIGVSK/hXNACPEFzzhaAjqA8OuinQ8MVAjtaBmE3FJZgqvvzNn3/wHdJtpJmc8/ailQ=="
        ),
        (
            "secp256k1 PKCS#8", "PRIVATE KEY",
            "MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMDmhRANCAATwHWuQGKtCHdQQQEy4aQcgZVIr+Fc0AI8QXPOFoCOoDw66KdDwxUCO1oGYTcUlmCq+/M2ff/Ad0m2kmZzz9qKV"
        ),
        ("X25519 PKCS#8", "PRIVATE KEY", "MC4CAQAwBQYDK2VuBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    ]

    @Test(arguments: unsupportedPrivateKeys)
    func unsupportedPrivateKeysRejected(why: String, label: String, der: String) {
        #expect(throws: keyError(.unsupportedAlgorithm), "\(why)") {
            try SigningKey(pem: pemBlock(label, Base64.decode(der)!))
        }
    }

    @Test func malformedDERRejected() throws {
        let ed = Base64.decode(KeyTests.rfc8410SPKI)!
        let p256 = Base64.decode(KeyTests.p256SPKI)!
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("truncated Ed25519", Array(ed.dropLast())),
            ("Ed25519 with trailing byte", ed + [0]),
            ("Ed25519 with a 31-byte key", [0x30, 0x29] + ed[2..<11] + [0x20, 0x00] + ed[12..<43]),
            ("truncated P-256", Array(p256.dropLast())),
            ("P-256 with trailing byte", p256 + [0]),
            ("P-256 point not on the curve", Array(p256.dropLast()) + [p256.last! ^ 1]),
            ("long-form length for a short element", [0x30, 0x81, 0x2A] + ed.dropFirst(2)),
            ("not a SEQUENCE", [0x31] + ed.dropFirst()),
        ]
        for (why, der) in cases {
            #expect(throws: keyError(.malformedKey), "\(why)") { try PublicKey(spkiDER: der) }
        }
        let pkcs8 = Base64.decode(KeyTests.rfc8410PKCS8)!
        let privateCases: [(String, [UInt8])] = [
            ("truncated", Array(pkcs8.dropLast())),
            ("trailing byte", pkcs8 + [0]),
            ("version 2", Array(pkcs8[0..<4]) + [2] + pkcs8[5...]),
            ("seed of 31 bytes", [0x30, 0x2D] + pkcs8[2..<14] + [0x21, 0x04, 0x1F] + pkcs8[17..<47]),
        ]
        for (why, der) in privateCases {
            #expect(throws: keyError(.malformedKey), "\(why)") { try SigningKey(pkcs8DER: der) }
        }
        // A SEC1 key whose public point does not match its scalar.
        var sec1 = Base64.decode(KeyTests.p256SEC1.split(separator: "\n").dropFirst().dropLast().joined())!
        sec1[sec1.count - 1] ^= 1
        #expect(throws: keyError(.malformedKey)) { try SigningKey(pem: pemBlock("EC PRIVATE KEY", sec1)) }
    }

    @Test func noteKeysBridge() throws {
        for algorithm in KeyAlgorithm.allCases {
            let key = SigningKey.generate(algorithm)
            let signer = try key.noteSigner(name: "vmtrust.local/log")
            let verifier = try key.publicKey.noteVerifier(name: "vmtrust.local/log")
            #expect(signer.keyID == verifier.keyID)
            let note = try Note.sign(
                text: "vmtrust.local/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                signers: [signer]
            )
            #expect(try Note(parsing: note.formattedBytes).verify(using: NoteVerifiers([verifier])).count == 1)
        }
        // The RFC 8410 key as a note key matches Ed25519NoteSigner from the same seed.
        let rfcKey = try SigningKey(pem: KeyTests.rfc8410V2)
        let fromSeed = try Ed25519NoteSigner(
            name: "n",
            seed: hexBytes("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842")
        )
        #expect(try rfcKey.noteSigner(name: "n").keyID == fromSeed.keyID)
    }

    @Test func errorDescriptions() {
        #expect(KeyError.malformedPEM("x").description == "KeyError.malformedPEM: x")
        #expect(KeyError.malformedPEM("x") == KeyError.malformedPEM("y"))
        #expect(KeyError.malformedPEM("x") != KeyError.malformedKey("x"))
    }
}
