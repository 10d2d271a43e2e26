import Foundation
import Provenance
import Testing
import TransparencyLog

/// The dsse.json fixture.
struct DSSEFixtures: Decodable {
    struct PAECase: Decodable {
        var payloadType: String
        var payloadUTF8: String
        var paeHex: String?
        var paeUTF8: String?

        enum CodingKeys: String, CodingKey {
            case payloadType
            case payloadUTF8 = "payload_utf8"
            case paeHex = "pae_hex"
            case paeUTF8 = "pae_utf8"
        }
    }

    struct Ed25519Envelope: Decodable {
        var payloadType: String
        var payloadB64: String?
        var payloadUTF8: String?
        var paeSHA256Hex: String?
        var sigB64: String
        var valid: Bool

        var payload: [UInt8] {
            if let payloadB64 { return Base64.decode(payloadB64)! }
            return Array(payloadUTF8!.utf8)
        }

        enum CodingKeys: String, CodingKey {
            case payloadType, valid
            case payloadB64 = "payload_b64"
            case payloadUTF8 = "payload_utf8"
            case paeSHA256Hex = "pae_sha256_hex"
            case sigB64 = "sig_b64"
        }
    }

    struct Ed25519: Decodable {
        var privateSeedHex: String
        var publicHex: String
        var publicSPKIB64: String
        var envelopes: [Ed25519Envelope]

        enum CodingKeys: String, CodingKey {
            case envelopes
            case privateSeedHex = "private_seed_hex"
            case publicHex = "public_hex"
            case publicSPKIB64 = "public_spki_b64"
        }
    }

    struct ECDSA: Decodable {
        var publicSPKIB64: String
        var signatureDERB64: String
        var valid: Bool

        enum CodingKeys: String, CodingKey {
            case valid
            case publicSPKIB64 = "public_spki_b64"
            case signatureDERB64 = "signature_der_b64"
        }
    }

    var pae: [PAECase]
    var ed25519: Ed25519
    var ecdsaP256: ECDSA
    /// The raw JSON bytes of `ecdsa_p256.envelope`, re-serialized.
    var ecdsaEnvelopeJSON: [UInt8] = []

    enum CodingKeys: String, CodingKey {
        case pae, ed25519
        case ecdsaP256 = "ecdsa_p256"
    }

    static func load() throws -> DSSEFixtures {
        let url = try #require(Bundle.module.url(forResource: "dsse", withExtension: "json", subdirectory: "Fixtures"))
        let data = try Data(contentsOf: url)
        var fixtures = try JSONDecoder().decode(DSSEFixtures.self, from: data)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let ecdsa = try #require(root["ecdsa_p256"] as? [String: Any])
        let envelope = try #require(ecdsa["envelope"])
        fixtures.ecdsaEnvelopeJSON = Array(try JSONSerialization.data(withJSONObject: envelope))
        return fixtures
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return out
}

func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

func keyError(_ code: KeyError.Code) -> KeyError { KeyError(code: code, message: "") }

func dsseError(_ code: DSSEError.Code) -> DSSEError { DSSEError(code: code, message: "") }

/// Wraps DER in a PEM block.
func pemBlock(_ label: String, _ der: [UInt8]) -> String {
    "-----BEGIN \(label)-----\n\(Base64.encode(der))\n-----END \(label)-----\n"
}
