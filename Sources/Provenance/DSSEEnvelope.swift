import TransparencyLog

/// A DSSE v1 envelope (github.com/secure-systems-lab/dsse): a typed payload and signatures over its
/// pre-authentication encoding (PAE).
///
/// JSON form produced by ``jsonBytes()``: compact (no white space), keys in the fixed order `payloadType`,
/// `payload`, `signatures` and, per signature, `keyid` (omitted when `nil`) then `sig`; byte strings in
/// standard padded base64; strings escaped minimally (`"`, `\` and control characters; `/` and non-ASCII are
/// written as-is in UTF-8). Parsing is strict but accepts standard or URL-safe, padded or unpadded base64.
public struct DSSEEnvelope: Sendable, Equatable {
    /// One signature of an envelope.
    public struct Signature: Sendable, Equatable {
        /// An optional, unauthenticated hint naming the key (vmtrust uses ``PublicKey/keyID``).
        public var keyID: String?
        /// The raw signature bytes.
        public var signature: [UInt8]

        /// Creates a signature.
        public init(keyID: String?, signature: [UInt8]) {
            self.keyID = keyID
            self.signature = signature
        }
    }

    /// The payload's media type (`payloadType`).
    public var payloadType: String
    /// The payload bytes (decoded from base64).
    public var payload: [UInt8]
    /// The signatures.
    public var signatures: [Signature]

    /// Creates an envelope from its parts.
    public init(payloadType: String, payload: [UInt8], signatures: [Signature]) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }

    /// The DSSE v1 pre-authentication encoding:
    /// `"DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload`, lengths in ASCII decimal bytes.
    public static func pae(payloadType: String, payload: some Collection<UInt8>) -> [UInt8] {
        let type = Array(payloadType.utf8)
        var out = Array("DSSEv1 \(type.count) ".utf8) + type + Array(" \(payload.count) ".utf8)
        out.append(contentsOf: payload)
        return out
    }

    /// Parses the JSON envelope `{"payloadType", "payload", "signatures": [{"keyid", "sig"}]}`.
    ///
    /// Rejects: anything but one strict JSON object (invalid UTF-8, duplicate keys, trailing content),
    /// a missing `payloadType`, `payload`, `signatures` or `sig`, a field of the wrong type (`keyid` may be a
    /// string, `null` or absent), invalid base64 in `payload` or `sig`, an empty `signatures` array and an
    /// empty `sig`. Unknown fields are ignored.
    public init(json: some Collection<UInt8>) throws(DSSEError) {
        // Read in place (no tree): the document is validated exactly as `StrictJSON.parse` would, then the members
        // are looked up by key; the payload's base64 is decoded straight from the document's bytes. The structural
        // index lets the member lookup step over the payload's string without scanning it a second time.
        let envelope: JSONView
        do {
            envelope = try JSONView.document(Array(json), indexed: true)
        } catch {
            throw DSSEError(code: .malformedJSON, message: error.reason)
        }
        guard envelope.isObject else { throw DSSEError(code: .malformedJSON, message: "envelope is not a JSON object") }
        let members = envelope.members
        self.payloadType = try DSSEEnvelope.string(members, "payloadType")
        self.payload = try DSSEEnvelope.base64(members, "payload")
        guard let signaturesValue = DSSEEnvelope.member(members, "signatures") else {
            throw DSSEError(code: .missingField, message: "missing \"signatures\"")
        }
        guard signaturesValue.isArray else {
            throw DSSEError(code: .wrongType, message: "\"signatures\" is not an array")
        }
        let elements = signaturesValue.elements
        guard !elements.isEmpty else { throw DSSEError(code: .noSignatures, message: "\"signatures\" is empty") }
        var signatures: [Signature] = []
        signatures.reserveCapacity(elements.count)
        for element in elements {
            guard element.isObject else {
                throw DSSEError(code: .wrongType, message: "a signature is not a JSON object")
            }
            let fields = element.members
            let keyID: String?
            switch DSSEEnvelope.member(fields, "keyid") {
            case nil: keyID = nil
            case let value? where value.isNull: keyID = nil
            case let value?:
                guard let string = value.string else {
                    throw DSSEError(code: .wrongType, message: "\"keyid\" is not a string")
                }
                keyID = string
            }
            let signature = try DSSEEnvelope.base64(fields, "sig")
            guard !signature.isEmpty else { throw DSSEError(code: .emptySignature, message: "\"sig\" is empty") }
            signatures.append(Signature(keyID: keyID, signature: signature))
        }
        self.signatures = signatures
    }

    /// The value of the member named `key` (keys are unique in a validated document).
    private static func member(_ members: JSONView.Members, _ key: String) -> JSONView? {
        members.value(named: key)
    }

    private static func string(_ members: JSONView.Members, _ key: String) throws(DSSEError) -> String {
        guard let value = member(members, key) else { throw DSSEError(code: .missingField, message: "missing \"\(key)\"") }
        guard let string = value.string else {
            throw DSSEError(code: .wrongType, message: "\"\(key)\" is not a string")
        }
        return string
    }

    private static func base64(_ members: JSONView.Members, _ key: String) throws(DSSEError) -> [UInt8] {
        guard let value = member(members, key) else { throw DSSEError(code: .missingField, message: "missing \"\(key)\"") }
        let decoded: [UInt8]?
        if let text = value.plainStringContents {
            // No escapes: the bytes between the quotes are the string's UTF-8.
            decoded = Base64.decodeLenient(utf8: text)
        } else if let string = value.string {
            decoded = Base64.decodeLenient(string)
        } else {
            throw DSSEError(code: .wrongType, message: "\"\(key)\" is not a string")
        }
        guard let bytes = decoded else {
            throw DSSEError(code: .invalidBase64, message: "\"\(key)\" is not valid base64")
        }
        return bytes
    }

    /// The canonical compact JSON encoding (see the type documentation for the exact form).
    public func jsonBytes() -> [UInt8] {
        var out = Array("{\"payloadType\":".utf8) + StrictJSON.quote(payloadType)
        out += Array(",\"payload\":".utf8) + StrictJSON.quote(Base64.encode(payload))
        out += Array(",\"signatures\":[".utf8)
        for (index, signature) in signatures.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            if let keyID = signature.keyID {
                out += Array("\"keyid\":".utf8) + StrictJSON.quote(keyID) + [UInt8(ascii: ",")]
            }
            out += Array("\"sig\":".utf8) + StrictJSON.quote(Base64.encode(signature.signature))
            out.append(UInt8(ascii: "}"))
        }
        out += Array("]}".utf8)
        return out
    }

    /// Signs the PAE of (`payloadType`, `payload`) with every key, in order; each signature's `keyid` is the
    /// key's ``PublicKey/keyID``. Throws ``DSSEError`` (`noSignatures` without keys, `signingFailed`).
    public static func sign(payloadType: String, payload: [UInt8], keys: [SigningKey]) throws -> DSSEEnvelope {
        guard !keys.isEmpty else { throw DSSEError(code: .noSignatures, message: "no signing key given") }
        let message = pae(payloadType: payloadType, payload: payload)
        var signatures: [Signature] = []
        for key in keys {
            do {
                signatures.append(Signature(keyID: key.publicKey.keyID, signature: try key.signature(for: message)))
            } catch {
                throw DSSEError(code: .signingFailed, message: "\(error)")
            }
        }
        return DSSEEnvelope(payloadType: payloadType, payload: payload, signatures: signatures)
    }

    /// The keys among `keys` that produced at least one valid signature over the PAE of this envelope's
    /// `payloadType` and `payload` bytes, each key reported once, in the order of `keys`.
    ///
    /// `keyid` hints only narrow the search: a signature that names one of `keys` is checked against
    /// that key alone; a signature without a keyid, or with an id none of `keys` has, against all.
    public func verifiedKeys(_ keys: [PublicKey]) -> [PublicKey] {
        let message = DSSEEnvelope.pae(payloadType: payloadType, payload: payload)
        // A keyid is an unauthenticated hint: a signature that names one of `keys` is only tried
        // against that key (one verification in the common case); a signature that names no key
        // or a key id scheme of another implementation is tried against every key.
        let known = Set(keys.map(\.keyID))
        var verified: [PublicKey] = []
        for key in keys where !verified.contains(key) {
            let candidates = signatures.lazy.filter { signature in
                guard let keyID = signature.keyID, known.contains(keyID) else { return true }
                return keyID == key.keyID
            }
            if candidates.contains(where: { key.isValidSignature($0.signature, for: message) }) {
                verified.append(key)
            }
        }
        return verified
    }
}
