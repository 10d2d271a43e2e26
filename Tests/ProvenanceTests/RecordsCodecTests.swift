import Foundation
import Provenance
import Testing

@Suite("Records v1: codecs")
struct RecordsCodecTests {
    /// Regenerates the golden files (only when VMTRUST_WRITE_GOLDEN names the directory): a format change is
    /// a new version, so this is for adding kinds, never for editing existing files.
    @Test func writeGoldenOnRequest() throws {
        guard let dir = ProcessInfo.processInfo.environment["VMTRUST_WRITE_GOLDEN"] else { return }
        for (name, record) in RecordsFixture.golden {
            try Data(record.encoded()).write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(name).json"))
        }
    }

    @Test func everyKindHasAGoldenFile() {
        #expect(Set(RecordsFixture.golden.map(\.0)) == Set(RecordKind.allCases.map(\.rawValue)))
        #expect(RecordsFixture.golden.map(\.1.kind.rawValue) == RecordsFixture.golden.map(\.0))
    }

    @Test(arguments: RecordsFixture.golden.map(\.0))
    func goldenBytes(name: String) throws {
        let record = try #require(RecordsFixture.golden.first { $0.0 == name }?.1)
        let golden = try RecordsFixture.goldenBytes(name)
        #expect(
            record.payloadType
                == (name == "attestation" ? "application/vnd.in-toto+json" : "application/vnd.vmtrust.\(name).v1+json")
        )
        #expect(record.encoded() == golden)
        let decoded = try Record.decode(payloadType: record.payloadType, payload: golden)
        #expect(decoded == record)
        #expect(decoded.encoded() == golden)
        #expect(decoded.id == RecordID(payload: golden))
    }

    /// Every kind has its own set of required fields, so no payload is a valid record of two kinds: the record
    /// id (a hash of the payload alone) names one record of one kind.
    @Test func noPayloadDecodesAsTwoKinds() throws {
        for (name, record) in RecordsFixture.golden {
            let golden = try RecordsFixture.goldenBytes(name)
            for kind in RecordKind.allCases where kind != record.kind {
                #expect(throws: RecordError.self) { try Record.decode(payloadType: kind.payloadType, payload: golden) }
            }
        }
    }

    @Test func minimalRecordsRoundTrip() throws {
        let records: [Record] = [
            .providerUpdate(ProviderUpdateRecord(id: "a", suspended: true, time: 0)),
            .imageRestore(ImageRestoreRecord(provider: "a", target: RecordsFixture.sampleID, time: 1)),
            .imageRevoke(ImageRevokeRecord(provider: "a", target: RecordsFixture.sampleID, reason: "r", inherit: false, time: 2)),
            .imageModify(
                ImageModifyRecord(
                    digest: RecordsFixture.digest(1),
                    provider: "a",
                    previous: RecordsFixture.sampleID,
                    change: .config,
                    description: "d",
                    build: BuildDetails(builder: "b", inputs: []),
                    time: 3
                )
            ),
        ]
        for record in records {
            let decoded = try Record.decode(payloadType: record.payloadType, payload: record.encoded())
            #expect(decoded == record)
        }
    }

    @Test func accessors() throws {
        let modify = try #require(RecordsFixture.golden.first { $0.0 == "image-modify" }?.1)
        #expect(modify.provider == "acme")
        #expect(modify.imageDigest == RecordsFixture.digest(0x0B))
        #expect(modify.linkedRecord == RecordsFixture.sampleID)
        #expect(modify.time == RecordsFixture.t0 + 7)
        let genesis = try #require(RecordsFixture.golden.first { $0.0 == "genesis" }?.1)
        #expect(genesis.provider == nil && genesis.imageDigest == nil && genesis.linkedRecord == nil)
        #expect(RecordKind(payloadType: "application/vnd.vmtrust.image-modify.v1+json") == .imageModify)
        #expect(RecordKind(payloadType: "application/vnd.vmtrust.image-modify.v2+json") == nil)
    }

    // MARK: Negative table

    struct Mangle: CustomTestStringConvertible, Sendable {
        var file: String
        var from: String
        var to: String
        var code: RecordError.Code
        var field: String?
        var payloadType: String?

        var testDescription: String { "\(file): \(from) → \(to)" }
    }

    static let zeroKeyID = String(repeating: "0", count: 64)
    static let acmeKeyID = RecordsFixture.acmeKey.publicKey.keyID

    static let mangles: [Mangle] = [
        // Whole payload.
        Mangle(file: "genesis", from: "{", to: "[", code: .malformedJSON),
        Mangle(file: "genesis", from: "}", to: "}}", code: .malformedJSON),
        Mangle(file: "genesis", from: "\"v\":1}", to: "\"v\":1,\"v\":1}", code: .malformedJSON),
        Mangle(file: "genesis", from: "\"origin\":", to: "\"origin\":\"x\",\"origin\":", code: .malformedJSON),
        Mangle(file: "genesis", from: "{", to: "", code: .malformedJSON),
        Mangle(file: "genesis", from: "x", to: "x", code: .unknownPayloadType, payloadType: "application/json"),
        Mangle(
            file: "genesis",
            from: "x",
            to: "x",
            code: .unknownPayloadType,
            payloadType: "application/vnd.vmtrust.genesis.v2+json"
        ),
        Mangle(file: "genesis", from: "\"v\":1", to: "\"v\":2", code: .unsupportedVersion, field: "v"),
        Mangle(file: "genesis", from: "\"v\":1", to: "\"v\":-1", code: .unsupportedVersion, field: "v"),
        Mangle(file: "genesis", from: "\"v\":1", to: "\"v\":1.0", code: .wrongType, field: "v"),
        Mangle(file: "genesis", from: "\"v\":1", to: "\"v\":\"1\"", code: .wrongType, field: "v"),
        Mangle(file: "genesis", from: ",\"v\":1", to: "", code: .missingField, field: "v"),
        Mangle(file: "genesis", from: "{", to: "{\"extra\":1,", code: .unknownField, field: "extra"),
        Mangle(file: "genesis", from: "{", to: " {", code: .notCanonical),
        Mangle(file: "genesis", from: "\"origin\":", to: "\"origin\" :", code: .notCanonical),
        Mangle(file: "genesis", from: "vmtrust.local/log", to: "vmtrust.local\\/log", code: .notCanonical),
        Mangle(file: "genesis", from: "vmtrust.local/log", to: "vmtrust\\u002elocal/log", code: .notCanonical),
        Mangle(
            file: "genesis",
            from: "\"origin\":\"vmtrust.local/log\",\"threshold\":2",
            to: "\"threshold\":2,\"origin\":\"vmtrust.local/log\"",
            code: .notCanonical
        ),
        // time
        Mangle(file: "genesis", from: "\"time\":1788220800000", to: "\"time\":null", code: .wrongType, field: "time"),
        Mangle(
            file: "genesis",
            from: "\"time\":1788220800000",
            to: "\"time\":\"2026-09-01T00:00:00Z\"",
            code: .wrongType,
            field: "time"
        ),
        Mangle(file: "genesis", from: "\"time\":1788220800000", to: "\"time\":1.7882208e12", code: .wrongType, field: "time"),
        Mangle(file: "genesis", from: "\"time\":1788220800000", to: "\"time\":-1", code: .outOfRange, field: "time"),
        Mangle(
            file: "genesis",
            from: "\"time\":1788220800000",
            to: "\"time\":9007199254740992",
            code: .outOfRange,
            field: "time"
        ),
        Mangle(
            file: "genesis",
            from: "\"time\":1788220800000",
            to: "\"time\":99999999999999999999",
            code: .outOfRange,
            field: "time"
        ),
        Mangle(file: "genesis", from: ",\"time\":1788220800000", to: "", code: .missingField, field: "time"),
        // genesis
        Mangle(file: "genesis", from: "\"threshold\":2", to: "\"threshold\":3", code: .outOfRange, field: "threshold"),
        Mangle(file: "genesis", from: "\"threshold\":2", to: "\"threshold\":0", code: .outOfRange, field: "threshold"),
        Mangle(file: "genesis", from: "\"threshold\":2", to: "\"threshold\":true", code: .wrongType, field: "threshold"),
        Mangle(
            file: "genesis",
            from: "\"origin\":\"vmtrust.local/log\"",
            to: "\"origin\":\"\"",
            code: .invalidValue,
            field: "origin"
        ),
        Mangle(file: "genesis", from: "vmtrust.local/log", to: "vmtrust.local/log\\n", code: .invalidValue, field: "origin"),
        Mangle(
            file: "genesis",
            from: "vmtrust.local/log",
            to: String(repeating: "o", count: 257),
            code: .tooLong,
            field: "origin"
        ),
        Mangle(
            file: "genesis",
            from: "\"adminKeys\":[\"MCowBQYDK2VwAyEAvHy8tWNjdfodgkNNRmck2SN39TuYBpXdSdJtDOEiBaU=\",",
            to: "\"adminKeys\":[\"MCowBQYDK2VwAyEAZej5sLxurhJBafBXb5c2LSlajPX3cLReFDV85kfTPuw=\",",
            code: .invalidValue,
            field: "adminKeys[1]"
        ),
        Mangle(file: "genesis", from: "BaU=\"", to: "BaU\"", code: .invalidValue, field: "adminKeys[0]"),
        Mangle(
            file: "genesis",
            from: "MCowBQYDK2VwAyEAvHy8",
            to: "MCowBQYDK2VxAyEAvHy8",
            code: .invalidValue,
            field: "adminKeys[0]"
        ),
        Mangle(
            file: "genesis",
            from: "\"MCowBQYDK2VwAyEAvHy8tWNjdfodgkNNRmck2SN39TuYBpXdSdJtDOEiBaU=\"",
            to: "7",
            code: .wrongType,
            field: "adminKeys[0]"
        ),
        Mangle(
            file: "genesis",
            from:
                "[\"MCowBQYDK2VwAyEAvHy8tWNjdfodgkNNRmck2SN39TuYBpXdSdJtDOEiBaU=\",\"MCowBQYDK2VwAyEAZej5sLxurhJBafBXb5c2LSlajPX3cLReFDV85kfTPuw=\"]",
            to: "[]",
            code: .invalidValue,
            field: "adminKeys"
        ),
        Mangle(file: "genesis", from: "\"adminKeys\":[", to: "\"adminKeys\":{\"a\":[", code: .malformedJSON),
        // provider-onboard
        Mangle(file: "provider-onboard", from: "\"id\":\"acme\"", to: "\"id\":\"Acme\"", code: .invalidValue, field: "id"),
        Mangle(file: "provider-onboard", from: "\"id\":\"acme\"", to: "\"id\":\"-acme\"", code: .invalidValue, field: "id"),
        Mangle(file: "provider-onboard", from: "\"id\":\"acme\"", to: "\"id\":\"ac me\"", code: .invalidValue, field: "id"),
        Mangle(file: "provider-onboard", from: "\"id\":\"acme\"", to: "\"id\":\"\"", code: .invalidValue, field: "id"),
        Mangle(
            file: "provider-onboard",
            from: "\"id\":\"acme\"",
            to: "\"id\":\"\(String(repeating: "a", count: 65))\"",
            code: .tooLong,
            field: "id"
        ),
        Mangle(
            file: "provider-onboard",
            from: "\"initialReputation\":70",
            to: "\"initialReputation\":101",
            code: .outOfRange,
            field: "initialReputation"
        ),
        Mangle(
            file: "provider-onboard",
            from: "\"initialReputation\":70",
            to: "\"initialReputation\":-1",
            code: .outOfRange,
            field: "initialReputation"
        ),
        Mangle(
            file: "provider-onboard",
            from: "\"initialReputation\":70",
            to: "\"initialReputation\":70.5",
            code: .wrongType,
            field: "initialReputation"
        ),
        Mangle(
            file: "provider-onboard",
            from: "\"validUntil\":1819756800000",
            to: "\"validUntil\":1788220800000",
            code: .invalidValue,
            field: "keys[1].validUntil"
        ),
        Mangle(
            file: "provider-onboard",
            from: "\"validFrom\":1788220800000",
            to: "\"validFrom\":\"now\"",
            code: .wrongType,
            field: "keys[1].validFrom"
        ),
        Mangle(
            file: "provider-onboard",
            from: "\"validFrom\":",
            to: "\"notBefore\":",
            code: .unknownField,
            field: "keys[1].notBefore"
        ),
        Mangle(
            file: "provider-onboard",
            from: "{\"key\":\"MCowBQYDK2VwAyEAiojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=\"}",
            to: "{}",
            code: .missingField,
            field: "keys[0].key"
        ),
        Mangle(
            file: "provider-onboard",
            from: "{\"key\":\"MCowBQYDK2VwAyEAiojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=\"}",
            to: "\"k\"",
            code: .wrongType,
            field: "keys[0]"
        ),
        Mangle(
            file: "provider-onboard",
            from: "\"Acme Images \\\"Ltd\\\" — Zürich\"",
            to: "\"A\\u0007\"",
            code: .invalidValue,
            field: "displayName"
        ),
        Mangle(
            file: "provider-onboard",
            from: "\"Acme Images \\\"Ltd\\\" — Zürich\"",
            to: "\"A\u{85}\"",
            code: .invalidValue,
            field: "displayName"
        ),
        // provider-update
        Mangle(
            file: "provider-update",
            from: "\"retireKeys\":[\"8cef065b7af83669150b7d32704d3d3e75c3e9aee0d4f6740544c68e81b377aa\"]",
            to: "\"retireKeys\":[\"8CEF065B7AF83669150B7D32704D3D3E75C3E9AEE0D4F6740544C68E81B377AA\"]",
            code: .invalidValue,
            field: "retireKeys[0]"
        ),
        Mangle(
            file: "provider-update",
            from: "\"8cef065b7af83669150b7d32704d3d3e75c3e9aee0d4f6740544c68e81b377aa\"]",
            to:
                "\"8cef065b7af83669150b7d32704d3d3e75c3e9aee0d4f6740544c68e81b377aa\",\"8cef065b7af83669150b7d32704d3d3e75c3e9aee0d4f6740544c68e81b377aa\"]",
            code: .invalidValue,
            field: "retireKeys[1]"
        ),
        Mangle(file: "provider-update", from: "\"suspended\":false", to: "\"suspended\":0", code: .wrongType, field: "suspended"),
        Mangle(
            file: "provider-update",
            from: "\"suspended\":false",
            to: "\"suspended\":null",
            code: .wrongType,
            field: "suspended"
        ),
        Mangle(
            file: "provider-update",
            from:
                "{\"addKeys\":[{\"key\":\"MCowBQYDK2VwAyEAgTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=\",\"validFrom\":1788224400000}],\"displayName\":\"Acme Images\",\"id\":\"acme\",\"retireKeys\":[\"8cef065b7af83669150b7d32704d3d3e75c3e9aee0d4f6740544c68e81b377aa\"],\"suspended\":false,",
            to: "{\"id\":\"acme\",",
            code: .invalidValue
        ),
        // key-rotation
        Mangle(
            file: "key-rotation",
            from: "\"oldKeyId\":\"fd11",
            to: "\"oldKeyId\":\"fd1",
            code: .invalidValue,
            field: "oldKeyId"
        ),
        Mangle(file: "key-rotation", from: "\"oldKeyId\":", to: "\"oldKeyID\":", code: .missingField, field: "oldKeyId"),
        Mangle(
            file: "key-rotation",
            from: "\"newKey\":\"MCowBQYDK2VwAyEAgTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=\"",
            to: "\"newKey\":\"MCowBQYDK2VwAyEAgTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q\"",
            code: .invalidValue,
            field: "newKey"
        ),
        Mangle(
            file: "key-rotation",
            from: "\"newKey\":\"MCowBQYDK2VwAyEAgTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=\"",
            to: "\"newKey\":\"-----BEGIN PUBLIC KEY-----\"",
            code: .invalidValue,
            field: "newKey"
        ),
        Mangle(
            file: "key-rotation",
            from: "\"effectiveAt\":1788224400000",
            to: "\"effectiveAt\":[]",
            code: .wrongType,
            field: "effectiveAt"
        ),
        // key-revocation
        Mangle(
            file: "key-revocation",
            from: "\"reason\":\"key compromised\"",
            to: "\"reason\":\"\"",
            code: .invalidValue,
            field: "reason"
        ),
        Mangle(
            file: "key-revocation",
            from: "\"reason\":\"key compromised\"",
            to: "\"reason\":\"\(String(repeating: "r", count: 1025))\"",
            code: .tooLong,
            field: "reason"
        ),
        Mangle(
            file: "key-revocation",
            from: "\"provider\":\"acme\"",
            to: "\"provider\":\"acme/x\"",
            code: .invalidValue,
            field: "provider"
        ),
        Mangle(file: "key-revocation", from: "\"keyId\":\"fd11", to: "\"keyId\":\"zd11", code: .invalidValue, field: "keyId"),
        // user-register
        Mangle(file: "user-register", from: "\"id\":\"alice\"", to: "\"id\":\"Alice\"", code: .invalidValue, field: "id"),
        Mangle(file: "user-register", from: "\"key\":", to: "\"keys\":", code: .missingField, field: "key"),
        // image-register
        Mangle(
            file: "image-register",
            from: "\"digest\":\"sha256:0a0a",
            to: "\"digest\":\"sha256:0A0a",
            code: .invalidValue,
            field: "digest"
        ),
        Mangle(
            file: "image-register",
            from: "\"digest\":\"sha256:0a0a",
            to: "\"digest\":\"sha512:0a0a",
            code: .invalidValue,
            field: "digest"
        ),
        Mangle(
            file: "image-register",
            from: "\"digest\":\"sha256:0a0a",
            to: "\"digest\":\"sha256:0a0a0a",
            code: .invalidValue,
            field: "digest"
        ),
        Mangle(
            file: "image-register",
            from: "\"digest\":\"sha256:0a0a",
            to: "\"digest\":\"sha256:0a",
            code: .invalidValue,
            field: "digest"
        ),
        Mangle(
            file: "image-register",
            from: "\"format\":\"qcow2\"",
            to: "\"format\":\"QCOW2\"",
            code: .invalidValue,
            field: "format"
        ),
        Mangle(
            file: "image-register",
            from: "\"format\":\"qcow2\"",
            to: "\"format\":\"vhd/vhdx\"",
            code: .invalidValue,
            field: "format"
        ),
        Mangle(file: "image-register", from: "\"format\":\"qcow2\"", to: "\"format\":2", code: .wrongType, field: "format"),
        Mangle(file: "image-register", from: "\"size\":2147483648", to: "\"size\":0", code: .outOfRange, field: "size"),
        Mangle(file: "image-register", from: "\"size\":2147483648", to: "\"size\":-5", code: .outOfRange, field: "size"),
        Mangle(file: "image-register", from: "\"size\":2147483648", to: "\"size\":2147483648.0", code: .wrongType, field: "size"),
        Mangle(file: "image-register", from: "\"size\":2147483648", to: "\"size\":\"2GiB\"", code: .wrongType, field: "size"),
        Mangle(
            file: "image-register",
            from: "\"initialReputation\":70",
            to: "\"initialReputation\":1000",
            code: .outOfRange,
            field: "initialReputation"
        ),
        Mangle(
            file: "image-register",
            from: "\"name\":\"ubuntu-24.04-server\"",
            to: "\"name\":\"\(String(repeating: "n", count: 257))\"",
            code: .tooLong,
            field: "name"
        ),
        Mangle(
            file: "image-register",
            from: "\"name\":\"ubuntu-24.04-server\"",
            to: "\"name\":\"a\\tb\"",
            code: .invalidValue,
            field: "name"
        ),
        Mangle(file: "image-register", from: "\"provider\":\"acme\",", to: "", code: .missingField, field: "provider"),
        Mangle(
            file: "image-register",
            from: "\"provider\":",
            to: "\"previous\":\"sha256:00\",\"provider\":",
            code: .unknownField,
            field: "previous"
        ),
        // image-modify
        Mangle(
            file: "image-modify",
            from: "\"previous\":\"sha256:abab",
            to: "\"previous\":\"sha256:ABAB",
            code: .invalidValue,
            field: "previous"
        ),
        Mangle(
            file: "image-modify",
            from: "\"previous\":\"sha256:abab",
            to: "\"previous\":\"abab",
            code: .invalidValue,
            field: "previous"
        ),
        Mangle(
            file: "image-modify",
            from: "\"change\":\"patch\"",
            to: "\"change\":\"hotfix\"",
            code: .invalidValue,
            field: "change"
        ),
        Mangle(
            file: "image-modify",
            from: "\"description\":\"CVE",
            to: "\"description\":\"\\r CVE",
            code: .invalidValue,
            field: "description"
        ),
        Mangle(
            file: "image-modify",
            from: "\"builder\":\"packer 1.11\"",
            to: "\"builder\":\"\"",
            code: .invalidValue,
            field: "build.builder"
        ),
        Mangle(file: "image-modify", from: "\"inputs\":[", to: "\"inputs\":[1,", code: .wrongType, field: "build.inputs[0]"),
        Mangle(
            file: "image-modify",
            from: "\"inputs\":[",
            to: "\"inputs\":[\"\\n\",",
            code: .invalidValue,
            field: "build.inputs[0]"
        ),
        Mangle(
            file: "image-modify",
            from: "\"inputs\":[",
            to: "\"inputs\":[\"\(String(repeating: "i", count: 1025))\",",
            code: .tooLong,
            field: "build.inputs[0]"
        ),
        Mangle(
            file: "image-modify",
            from: "\"inputs\":[",
            to: "\"inputs\":[" + String(repeating: "\"x\",", count: 63),
            code: .outOfRange,
            field: "build.inputs"
        ),
        Mangle(
            file: "image-modify",
            from: "\"inputs\":[",
            to: "\"url\":\"x\",\"inputs\":[",
            code: .unknownField,
            field: "build.url"
        ),
        Mangle(file: "image-modify", from: "\"build\":{", to: "\"build\":{\"x\":{},", code: .unknownField, field: "build.x"),
        Mangle(
            file: "image-modify",
            from:
                ",\"inputs\":[\"sha256:0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a\",\"https://example.com/ks.cfg\"]",
            to: "",
            code: .missingField,
            field: "build.inputs"
        ),
        // image-revoke
        Mangle(file: "image-revoke", from: "\"inherit\":true", to: "\"inherit\":\"true\"", code: .wrongType, field: "inherit"),
        Mangle(file: "image-revoke", from: "\"inherit\":true,", to: "", code: .missingField, field: "inherit"),
        Mangle(
            file: "image-revoke",
            from: "\"target\":\"sha256:abab",
            to: "\"target\":\"sha256:abax",
            code: .invalidValue,
            field: "target"
        ),
        Mangle(
            file: "image-revoke",
            from: "\"effectiveAt\":1788307200000",
            to: "\"effectiveAt\":\"tomorrow\"",
            code: .wrongType,
            field: "effectiveAt"
        ),
        // image-restore
        Mangle(
            file: "image-restore",
            from: "\"reason\":\"false alarm\"",
            to: "\"reason\":null",
            code: .wrongType,
            field: "reason"
        ),
        Mangle(file: "image-restore", from: "\"target\":", to: "\"previous\":", code: .missingField, field: "target"),
        // image-deprecate
        Mangle(
            file: "image-deprecate",
            from: "\"after\":1790812800000",
            to: "\"after\":\"2026-10-01\"",
            code: .wrongType,
            field: "after"
        ),
        Mangle(file: "image-deprecate", from: "\"after\":1790812800000,", to: "", code: .missingField, field: "after"),
        // policy-decision
        Mangle(file: "policy-decision", from: "dec_0123", to: "dec_0A23", code: .invalidValue, field: "decision"),
        Mangle(file: "policy-decision", from: "dec_0123", to: "dec_123", code: .invalidValue, field: "decision"),
        Mangle(file: "policy-decision", from: "dec_0123", to: "dx_0123", code: .invalidValue, field: "decision"),
        Mangle(
            file: "policy-decision",
            from: "allow_with_conditions",
            to: "allow-with-conditions",
            code: .invalidValue,
            field: "effect"
        ),
        Mangle(file: "policy-decision", from: "\"enforce\"", to: "\"audit\"", code: .invalidValue, field: "mode"),
        Mangle(file: "policy-decision", from: "\"logSize\":42", to: "\"logSize\":-1", code: .outOfRange, field: "logSize"),
        Mangle(file: "policy-decision", from: "\"logSize\":42,", to: "", code: .missingField, field: "logSize"),
        Mangle(
            file: "policy-decision",
            from: "\"attestation.stale\"",
            to: "\"Attestation Stale\"",
            code: .invalidValue,
            field: "reasons[0]"
        ),
        Mangle(file: "policy-decision", from: "\"user\":\"alice\"", to: "\"user\":null", code: .wrongType, field: "user"),
        Mangle(
            file: "policy-decision",
            from: "\"image\":\"sha256:0a",
            to: "\"image\":\"sha256:0A",
            code: .invalidValue,
            field: "image"
        ),
        Mangle(
            file: "policy-decision",
            from: "\"policy\":\"sha256:ab",
            to: "\"policy\":\"sha1:ab",
            code: .invalidValue,
            field: "policy"
        ),
        Mangle(
            file: "policy-decision",
            from: "\"privilege\":\"standard\",",
            to: "\"privilege\":\"standard\",\"extra\":1,",
            code: .unknownField,
            field: "extra"
        ),
    ]

    @Test(arguments: mangles)
    func mangledPayloadIsRejected(mangle: Mangle) throws {
        let golden = String(decoding: try RecordsFixture.goldenBytes(mangle.file), as: UTF8.self)
        #expect(golden.contains(mangle.from))
        let mangled = golden.replacing(mangle.from, with: mangle.to, maxReplacements: 1)
        let payloadType = mangle.payloadType ?? "application/vnd.vmtrust.\(mangle.file).v1+json"
        let error = #expect(throws: RecordError.self) {
            try Record.decode(payloadType: payloadType, payload: Array(mangled.utf8))
        }
        #expect(error?.code == mangle.code, "\(error?.description ?? "")")
        #expect(error?.field == mangle.field, "\(error?.description ?? "")")
        if let field = mangle.field { #expect(error?.message.contains(field) == true) }
    }

    @Test func invalidUTF8IsRejected() {
        var bytes = Array("{\"id\":\"alice\",\"key\":\"x\",\"time\":1,\"v\":1}".utf8)
        bytes[8] = 0xFF
        #expect(throws: RecordError(code: .malformedJSON, field: nil, message: "")) {
            try Record.decode(payloadType: RecordKind.userRegister.payloadType, payload: bytes)
        }
    }

    @Test func genesisThresholdAndKeyLimits() throws {
        let keys = (0..<17).map { RecordsFixture.key(UInt8(0x30 + $0)).publicKey }
        let tooMany = Record.genesis(GenesisRecord(adminKeys: keys, threshold: 1, origin: "o", time: 0))
        #expect(throws: RecordError(code: .outOfRange, field: "adminKeys", message: "")) {
            try Record.decode(payloadType: tooMany.payloadType, payload: tooMany.encoded())
        }
        let p256 = Record.userRegister(UserRegisterRecord(id: "bob", key: SigningKey.generate(.p256).publicKey, time: 0))
        #expect(try Record.decode(payloadType: p256.payloadType, payload: p256.encoded()) == p256)
    }
}
