import Provenance
import Testing

@Suite("Upload authorisation")
struct UploadAuthorizationTests {
    static let key = try! SigningKey(ed25519Seed: [UInt8](repeating: 0x01, count: 32))
    static let other = try! SigningKey(ed25519Seed: [UInt8](repeating: 0x02, count: 32))
    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    static let now: Int64 = 1_790_000_000_000

    @Test("The signed bytes, exactly: a digest upload and an upload session")
    func knownAnswers() {
        let upload = UploadAuthorization.message(provider: "acme", digest: Self.digest, time: Self.now)
        #expect(
            String(decoding: upload, as: UTF8.self)
                == "DSSEv1 38 application/vnd.vmtrust.blob-upload.v1 90 acme\n\(Self.digest)\n1790000000000"
        )
        let session = UploadAuthorization.sessionMessage(provider: "acme", time: Self.now)
        #expect(
            String(decoding: session, as: UTF8.self)
                == "DSSEv1 46 application/vnd.vmtrust.blob-upload-session.v1 18 acme\n1790000000000"
        )
        let admin = UploadAuthorization.sessionMessage(provider: nil, time: Self.now)
        #expect(
            String(decoding: admin, as: UTF8.self)
                == "DSSEv1 46 application/vnd.vmtrust.blob-upload-session.v1 14 \n1790000000000"
        )
    }

    @Test("A session signature opens sessions only; a digest signature authorises only its digest")
    func scopes() throws {
        let keys = [Self.key.publicKey]
        let session = try UploadAuthorization.signSession(provider: "acme", time: Self.now, key: Self.key)
        #expect(session.sessionRefusal(keys: keys, now: Self.now, skew: 300_000) == nil)
        #expect(session.refusal(digest: Self.digest, keys: keys, now: Self.now, skew: 300_000) != nil)

        let upload = try UploadAuthorization.sign(digest: Self.digest, provider: "acme", time: Self.now, key: Self.key)
        #expect(upload.refusal(digest: Self.digest, keys: keys, now: Self.now, skew: 300_000) == nil)
        #expect(upload.sessionRefusal(keys: keys, now: Self.now, skew: 300_000) != nil)
        let otherDigest = "sha256:" + String(repeating: "cd", count: 32)
        #expect(upload.refusal(digest: otherDigest, keys: keys, now: Self.now, skew: 300_000) != nil)
    }

    @Test("Refused: another key, another provider, a time outside the skew")
    func refusals() throws {
        let keys = [Self.key.publicKey]
        let foreign = try UploadAuthorization.signSession(provider: "acme", time: Self.now, key: Self.other)
        #expect(foreign.sessionRefusal(keys: keys, now: Self.now, skew: 300_000)?.contains("not a key") == true)
        var renamed = try UploadAuthorization.signSession(provider: "acme", time: Self.now, key: Self.key)
        renamed.provider = "globex"
        #expect(renamed.sessionRefusal(keys: keys, now: Self.now, skew: 300_000)?.contains("does not verify") == true)
        let late = try UploadAuthorization.signSession(provider: "acme", time: Self.now - 300_001, key: Self.key)
        #expect(late.sessionRefusal(keys: keys, now: Self.now, skew: 300_000) != nil)
    }

    @Test(
        "The header round-trips; malformed headers are refused",
        arguments: [
            "", "time=1", "time=x, keyid=a, sig=AA==", "time=1, keyid=a, sig=AA==, extra=1", "time=1, time=2, keyid=a, sig=AA==",
        ]
    )
    func header(bad: String) throws {
        let session = try UploadAuthorization.signSession(provider: "acme", time: Self.now, key: Self.key)
        #expect(UploadAuthorization(header: session.header) == session)
        #expect(UploadAuthorization(header: bad) == nil)
    }
}
