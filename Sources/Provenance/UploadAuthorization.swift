import Foundation
import TransparencyLog

/// A signed permission to upload one blob, sent in the `Vmtrust-Upload-Authorization` header.
///
/// Uploads change the server's state, so they are signed like every other write: by a
/// provider key valid now (or an admin key), over the DSSE PAE of
/// `application/vnd.vmtrust.blob-upload.v1` and `"<provider or empty>\n<digest>\n<time ms>"`.
/// The header is `provider=<id>, time=<ms>, keyid=<hex>, sig=<base64>` (`provider` is omitted
/// for an admin).
///
/// An upload session (`POST /v1/blobs/uploads`, whose digest is not known when it starts) is
/// authorised by the same header signed over ``sessionPayloadType`` and
/// `"<provider or empty>\n<time ms>"`; it is finalised by an authorisation over the digest, as
/// above.
public struct UploadAuthorization: Sendable, Equatable {
    /// The DSSE payload type the signature binds.
    public static let payloadType = "application/vnd.vmtrust.blob-upload.v1"
    /// The DSSE payload type of the signature that opens an upload session.
    public static let sessionPayloadType = "application/vnd.vmtrust.blob-upload-session.v1"
    /// The HTTP header that carries it.
    public static let headerName = "Vmtrust-Upload-Authorization"

    /// The provider uploading, or `nil` for an admin.
    public var provider: String?
    /// Signing time, milliseconds since the Unix epoch.
    public var time: Int64
    /// Key id (hex SHA-256 of the SPKI) of the signing key.
    public var keyID: String
    /// The signature.
    public var signature: [UInt8]

    /// The signed bytes for uploading `digest`.
    public static func message(provider: String?, digest: String, time: Int64) -> [UInt8] {
        DSSEEnvelope.pae(payloadType: payloadType, payload: Array("\(provider ?? "")\n\(digest)\n\(time)".utf8))
    }

    /// Signs an upload of `digest` at `time`.
    public static func sign(digest: String, provider: String?, time: Int64, key: SigningKey) throws -> UploadAuthorization {
        UploadAuthorization(
            provider: provider,
            time: time,
            keyID: key.publicKey.keyID,
            signature: try key.signature(for: message(provider: provider, digest: digest, time: time))
        )
    }

    /// The signed bytes for opening an upload session.
    public static func sessionMessage(provider: String?, time: Int64) -> [UInt8] {
        DSSEEnvelope.pae(payloadType: sessionPayloadType, payload: Array("\(provider ?? "")\n\(time)".utf8))
    }

    /// Signs the opening of an upload session at `time`.
    public static func signSession(provider: String?, time: Int64, key: SigningKey) throws -> UploadAuthorization {
        UploadAuthorization(
            provider: provider,
            time: time,
            keyID: key.publicKey.keyID,
            signature: try key.signature(for: sessionMessage(provider: provider, time: time))
        )
    }

    /// Creates an authorisation.
    public init(provider: String?, time: Int64, keyID: String, signature: [UInt8]) {
        self.provider = provider
        self.time = time
        self.keyID = keyID
        self.signature = signature
    }

    /// Parses the header value; `nil` when it is malformed.
    public init?(header: String) {
        var fields: [String: String] = [:]
        for part in header.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2, fields.updateValue(String(pair[1]), forKey: String(pair[0])) == nil else { return nil }
        }
        guard fields.keys.allSatisfy({ ["provider", "time", "keyid", "sig"].contains($0) }),
            let timeText = fields["time"], let time = Int64(timeText), let keyID = fields["keyid"], !keyID.isEmpty,
            let sig = fields["sig"], let signature = Base64.decode(sig)
        else { return nil }
        self.init(provider: fields["provider"], time: time, keyID: keyID, signature: signature)
    }

    /// The header value.
    public var header: String {
        (provider.map { "provider=\($0), " } ?? "") + "time=\(time), keyid=\(keyID), sig=\(Base64.encode(signature))"
    }

    /// Whether this authorises uploading `digest` at `now`: the signing key must be one of
    /// `keys` (the provider's keys valid now, or the admins'), the signature must verify and
    /// the time must be within `skew` of `now`. Returns the reason when it does not.
    public func refusal(digest: String, keys: [PublicKey], now: Int64, skew: Int64) -> String? {
        refusal(message: Self.message(provider: provider, digest: digest, time: time), keys: keys, now: now, skew: skew)
    }

    /// Whether this authorises opening an upload session at `now`, by the rules of
    /// ``refusal(digest:keys:now:skew:)``. Returns the reason when it does not.
    public func sessionRefusal(keys: [PublicKey], now: Int64, skew: Int64) -> String? {
        refusal(message: Self.sessionMessage(provider: provider, time: time), keys: keys, now: now, skew: skew)
    }

    private func refusal(message: [UInt8], keys: [PublicKey], now: Int64, skew: Int64) -> String? {
        guard abs(now - time) <= skew else { return "the authorisation's time is more than \(skew / 1000) s from the server's" }
        guard let key = keys.first(where: { $0.keyID == keyID }) else {
            return "key \(keyID) is not a key allowed to upload for \(provider ?? "the admins") now"
        }
        guard key.isValidSignature(signature, for: message) else {
            return "the upload signature does not verify"
        }
        return nil
    }
}
