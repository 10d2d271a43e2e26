import Foundation
import Provenance
import Testing

@Suite("Attestations: in-toto Statement v1 and predicates")
struct AttestationTests {
    typealias F = RecordsFixture

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/in-toto"))
        return Array(try Data(contentsOf: url))
    }

    // MARK: RFC 3339

    @Test func rfc3339KnownAnswers() {
        #expect(RFC3339.milliseconds("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.milliseconds("2021-08-06T17:45:50.52Z") == 1_628_271_950_520)
        #expect(RFC3339.milliseconds("2021-08-06T19:45:50.520+02:00") == 1_628_271_950_520)
        #expect(RFC3339.milliseconds("2021-08-06t17:45:50.5209999z") == 1_628_271_950_520)
        #expect(RFC3339.milliseconds("2000-02-29T23:59:59.999Z") == 951_868_799_999)
        #expect(RFC3339.milliseconds("1969-12-31T23:59:59Z") == -1000)
        #expect(RFC3339.string(milliseconds: 1_628_271_950_520) == "2021-08-06T17:45:50.520Z")
        #expect(RFC3339.string(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        for millis: Int64 in [0, 951_868_799_999, F.t0, 253_402_300_799_999] {
            #expect(RFC3339.milliseconds(RFC3339.string(milliseconds: millis)) == millis)
        }
    }

    @Test(arguments: [
        "", "2021-08-06", "2021-08-06T17:45:50", "2021-08-06 17:45:50Z", "2021-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2021-13-01T00:00:00Z", "2021-00-01T00:00:00Z", "2021-08-32T00:00:00Z", "2021-08-06T24:00:00Z",
        "2021-08-06T17:60:00Z", "2021-08-06T17:45:60Z", "2021-08-06T17:45:50.Z", "2021-08-06T17:45:50+0200",
        "2021-08-06T17:45:50+24:00", "2021-08-06T17:45:50Zx", "21-08-06T17:45:50Z", "2021-8-06T17:45:50Z",
        "2021-08-06T17:45:50.5 Z", "+021-08-06T17:45:50Z",
    ])
    func rfc3339Rejects(_ text: String) {
        #expect(RFC3339.milliseconds(text) == nil)
    }

    // MARK: Known answers from the in-toto specification

    @Test func vulnsSpecExample() throws {
        let statement = try InTotoStatement(payload: try Self.fixture("vulns-v0.2-spec-example"))
        #expect(statement.predicateType == "https://in-toto.io/attestation/vulns/v0.2")
        #expect(
            statement.subjects == [
                ResourceDescriptor(
                    name: "foo.jar",
                    digest: ["sha256": "fe4fe40ac7250263c5dbe1cf3138912f3f416140aa248637a60d65fe22c47da4"]
                )
            ]
        )
        #expect(statement.subjectDigests == ["sha256:fe4fe40ac7250263c5dbe1cf3138912f3f416140aa248637a60d65fe22c47da4"])
        guard case .vulns(let vulns) = try statement.predicate() else {
            Issue.record("not a vulns predicate")
            return
        }
        #expect(vulns.scannerURI == "pkg:github/aquasecurity/trivy@244fd47e07d1004f0aed9")
        #expect(vulns.scannerVersion == "0.19.2")
        #expect(vulns.databaseVersion == "v1-2021080612")
        #expect(vulns.databaseLastUpdate == 1_628_271_950_520)
        #expect(vulns.scanFinishedOn - vulns.scanStartedOn == 300_000)
        #expect(vulns.findings.map(\.id) == ["CVE-123"])
        let summary = vulns.summary
        #expect(summary.severities?.medium == 1 && summary.severities?.total == 1)
        #expect(summary.result == .warned)
        #expect(summary.score == 91)  // 10 / (10 + 1)
        #expect(summary.scope == .image)
    }

    @Test func testResultSpecExample() throws {
        let statement = try InTotoStatement(payload: try Self.fixture("test-result-v0.1-spec-example"))
        #expect(statement.subjects.first?.digest == ["gitCommit": "d20ace7968ba43c0219f62d71334c1095bab1602"])
        #expect(statement.subjectDigests.isEmpty)  // no sha256: not an image subject
        guard case .testResult(let result) = try statement.predicate() else {
            Issue.record("not a test-result predicate")
            return
        }
        #expect(result.result == .passed)
        #expect(result.passedTests?.count == 13 && result.failedTests == [] && result.warnedTests == [])
        #expect(result.url == "https://github.com/in-toto/in-toto/actions/runs/4425592351")
        let summary = result.summary
        #expect(summary.benchmark == ".github/workflows/ci.yml")
        #expect(summary.passed == 13 && summary.failed == 0 && summary.warned == 0)
        #expect(summary.score == 100 && summary.passFraction == 1 && summary.result == .passed)
    }

    @Test func goldenStatementSummary() throws {
        let summary = F.sampleVulns.summary
        var counts = SeverityCounts()
        counts.critical = 1
        counts.high = 1
        counts.medium = 1
        counts.low = 1
        counts.unknown = 1
        #expect(summary.severities == counts)
        #expect(summary.result == .failed)
        #expect(summary.score == 61)  // 10 / (10 + 3 + 2 + 1 + 0.5) = 0.606
        let decoded = try InTotoStatement(payload: F.sampleStatement.encoded())
        #expect(try decoded.predicate() == .vulns(F.sampleVulns))
    }

    @Test func severityBands() {
        typealias R = VulnsPredicate.Rating
        #expect(Severity(ratings: [R(method: "cvss_v3", score: "9.0")]) == .critical)
        #expect(Severity(ratings: [R(method: "cvss_score", score: "8.9")]) == .high)
        #expect(Severity(ratings: [R(method: "cvss_score", score: "4.0")]) == .medium)
        #expect(Severity(ratings: [R(method: "cvss_score", score: "0.1")]) == .low)
        #expect(Severity(ratings: [R(method: "cvss_score", score: "0.0")]) == .negligible)
        #expect(Severity(ratings: [R(method: "cvss_score", score: "11")]) == .unknown)
        #expect(Severity(ratings: [R(method: "epss", score: "9.5")]) == .unknown)
        #expect(Severity(ratings: [R(method: "cvss_score", score: "9.8"), R(method: "nvd", score: "Low")]) == .low)
        #expect(Severity(ratings: [R(method: "nvd", score: "Negligible")]) == .negligible)
    }

    @Test func testResultScores() throws {
        let config = [
            ResourceDescriptor(name: "CIS Ubuntu 24.04 L1 Server", uri: "https://www.cisecurity.org/benchmark/ubuntu_linux")
        ]
        let mixed = TestResultPredicate(
            result: .failed,
            configuration: config,
            passedTests: ["a", "b"],
            warnedTests: ["c"],
            failedTests: ["d"]
        )
        #expect(mixed.summary.score == 63)  // (2 + 0.5) / 4
        #expect(TestResultPredicate(result: .warned, configuration: config).summary.score == 50)
        #expect(TestResultPredicate(result: .failed, configuration: config).summary.score == 0)
        let audit = AuditPredicate(result: .passed, score: 88, controlsChecked: 120, controlsPassed: 114, scope: .process)
        #expect(audit.summary.passFraction == 0.95 && audit.summary.score == 88 && audit.summary.scope == .process)
        for predicate in [AttestationPredicate.testResult(mixed), .audit(audit)] {
            let statement = InTotoStatement(subjects: [ResourceDescriptor(imageDigest: F.digest(1))], predicate: predicate)
            #expect(try InTotoStatement(payload: statement.encoded()).predicate() == predicate)
        }
    }

    @Test func otherPredicateTypesAreStoredUnscored() throws {
        let json =
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(String(repeating: "ab", count: 32))"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{}}}"#
        let statement = try InTotoStatement(payload: Array(json.utf8))
        let predicate = try statement.predicate()
        #expect(predicate == .other(type: "https://slsa.dev/provenance/v1"))
        #expect(predicate.summary.score == nil && predicate.summary.result == nil)
    }

    /// in-toto parsing rules: consumers ignore unrecognised fields (extension fields).
    @Test func unknownStatementFieldsAreIgnored() throws {
        var text = String(decoding: F.sampleStatement.encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: #"{"_type""#, with: #"{"https://example.com/ext":1,"_type""#)
        text = text.replacingOccurrences(of: #"{"digest""#, with: #"{"annotations":{"k":null},"x":[],"digest""#)
        #expect(try InTotoStatement(payload: Array(text.utf8)).subjects == F.sampleStatement.subjects)
    }

    // MARK: Negative tables

    struct Mangle: CustomTestStringConvertible, Sendable {
        var from: String
        var to: String
        var code: RecordError.Code
        var field: String?
        var testDescription: String { "\(from) → \(to)" }
    }

    static let hex = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"

    /// Statement-layer mangles of the golden attestation (`attestation.json`).
    static let statementMangles: [Mangle] = [
        Mangle(from: "{", to: "[", code: .malformedJSON),
        Mangle(from: #""_type""#, to: #""_type":"x","_type""#, code: .malformedJSON),
        Mangle(from: "}", to: "}}", code: .malformedJSON),
        Mangle(
            from: "https://in-toto.io/Statement/v1",
            to: "https://in-toto.io/Statement/v0.1",
            code: .unsupportedVersion,
            field: "_type"
        ),
        Mangle(from: #""_type":"https://in-toto.io/Statement/v1","#, to: "", code: .missingField, field: "_type"),
        Mangle(from: #""_type":"https://in-toto.io/Statement/v1""#, to: #""_type":1"#, code: .wrongType, field: "_type"),
        Mangle(from: #""subject":["#, to: #""subject":{"a":["#, code: .malformedJSON),
        Mangle(
            from: #","subject":[{"digest":{"sha256":"\#(hex)"},"name":"ubuntu-24.04-server"}]"#,
            to: "",
            code: .missingField,
            field: "subject"
        ),
        Mangle(
            from: #"[{"digest":{"sha256":"\#(hex)"},"name":"ubuntu-24.04-server"}]"#,
            to: "[]",
            code: .invalidValue,
            field: "subject"
        ),
        Mangle(
            from: #"[{"digest":{"sha256":"\#(hex)"},"name":"ubuntu-24.04-server"}]"#,
            to: "null",
            code: .wrongType,
            field: "subject"
        ),
        Mangle(
            from: #"{"digest":{"sha256":"\#(hex)"},"name":"ubuntu-24.04-server"}"#,
            to: #"{"name":"x"}"#,
            code: .missingField,
            field: "subject[0]"
        ),
        Mangle(
            from: #"{"digest":{"sha256":"\#(hex)"},"name":"ubuntu-24.04-server"}"#,
            to: #"{"uri":"https://x"}"#,
            code: .missingField,
            field: "subject[0].digest"
        ),
        Mangle(from: #"{"sha256":"\#(hex)"}"#, to: "{}", code: .invalidValue, field: "subject[0].digest"),
        Mangle(
            from: #"{"sha256":"\#(hex)"}"#,
            to: #"{"sha256":"\#(hex.uppercased())"}"#,
            code: .invalidValue,
            field: "subject[0].digest.sha256"
        ),
        Mangle(
            from: #"{"sha256":"\#(hex)"}"#,
            to: #"{"sha256":"\#(hex.dropLast(2))"}"#,
            code: .invalidValue,
            field: "subject[0].digest.sha256"
        ),
        Mangle(from: #"{"sha256":"\#(hex)"}"#, to: #"{"sha256":1}"#, code: .wrongType, field: "subject[0].digest.sha256"),
        Mangle(from: #"{"sha256":"\#(hex)"}"#, to: #"{"sha256":""}"#, code: .invalidValue, field: "subject[0].digest.sha256"),
        Mangle(from: #""name":"ubuntu-24.04-server""#, to: #""name":7"#, code: .wrongType, field: "subject[0].name"),
        Mangle(
            from: #""name":"ubuntu-24.04-server""#,
            to: #""name":"a","content":"!!""#,
            code: .invalidValue,
            field: "subject[0].content"
        ),
        Mangle(
            from: #""name":"ubuntu-24.04-server""#,
            to: #""annotations":[]"#,
            code: .wrongType,
            field: "subject[0].annotations"
        ),
        Mangle(from: #""name":"ubuntu-24.04-server""#, to: #""uri":"not a uri""#, code: .invalidValue, field: "subject[0].uri"),
        Mangle(
            from: #"[{"digest":{"sha256":"\#(hex)"},"name":"ubuntu-24.04-server"}]"#,
            to: #"[{"digest":{"sha256":"\#(hex)"}},{"digest":{"sha256":"\#(hex)"}}]"#,
            code: .invalidValue,
            field: "subject[1]"
        ),
        Mangle(
            from: #""predicateType":"https://in-toto.io/attestation/vulns/v0.2""#,
            to: #""predicateType":"vulns""#,
            code: .invalidValue,
            field: "predicateType"
        ),
        Mangle(
            from: #""predicateType":"https://in-toto.io/attestation/vulns/v0.2""#,
            to: #""predicateType":"""#,
            code: .invalidValue,
            field: "predicateType"
        ),
        Mangle(
            from: #","predicateType":"https://in-toto.io/attestation/vulns/v0.2""#,
            to: "",
            code: .missingField,
            field: "predicateType"
        ),
        Mangle(from: #""predicate":{"#, to: #""predicate":["#, code: .malformedJSON),
        Mangle(from: #""predicate":{"#, to: #""predicate":null,"x":{"#, code: .wrongType, field: "predicate"),
    ]

    @Test(arguments: statementMangles)
    func statementRejects(_ mangle: Mangle) throws {
        let golden = String(decoding: try RecordsFixture.goldenBytes("attestation"), as: UTF8.self)
        #expect(golden.contains(mangle.from), "fixture lacks \(mangle.from)")
        let mangled = golden.replacingOccurrences(of: mangle.from, with: mangle.to)
        do {
            _ = try Record.decode(payloadType: "application/vnd.in-toto+json", payload: Array(mangled.utf8))
            Issue.record("accepted \(mangled)")
        } catch {
            #expect(error.code == mangle.code, "\(error)")
            if let field = mangle.field { #expect(error.field == field, "\(error)") }
        }
    }

    /// Predicate mangles: the statement decodes, ``InTotoStatement/predicate()`` refuses.
    static let predicateMangles: [Mangle] = [
        Mangle(
            from: #""uri":"pkg:github/aquasecurity/trivy@v0.52.2","#,
            to: "",
            code: .missingField,
            field: "predicate.scanner.uri"
        ),
        Mangle(
            from: #""uri":"pkg:github/aquasecurity/trivy@v0.52.2""#,
            to: #""uri":"trivy""#,
            code: .invalidValue,
            field: "predicate.scanner.uri"
        ),
        Mangle(from: #""version":"0.52.2""#, to: #""version":0.52"#, code: .wrongType, field: "predicate.scanner.version"),
        Mangle(
            from: #""lastUpdate":"2026-08-31T18:00:00.000Z""#,
            to: #""lastUpdate":"2026-08-31""#,
            code: .invalidValue,
            field: "predicate.scanner.db.lastUpdate"
        ),
        Mangle(
            from: #""lastUpdate":"2026-08-31T18:00:00.000Z","#,
            to: "",
            code: .missingField,
            field: "predicate.scanner.db.lastUpdate"
        ),
        Mangle(from: #""result":["#, to: #""result":{"x":["#, code: .malformedJSON),
        Mangle(from: #""id":"CVE-2026-0001","#, to: "", code: .missingField, field: "predicate.scanner.result[0].id"),
        Mangle(
            from: #""id":"CVE-2026-0001","severity":["#,
            to: #""id":"CVE-2026-0001","annotations":1,"severity":["#,
            code: .wrongType,
            field: "predicate.scanner.result[0].annotations"
        ),
        Mangle(
            from: #""method":"nvd","score":"CRITICAL""#,
            to: #""method":"nvd","score":9.8"#,
            code: .wrongType,
            field: "predicate.scanner.result[0].severity[0].score"
        ),
        Mangle(
            from: #""scanStartedOn":"2026-08-31T23:50:00.000Z""#,
            to: #""scanStartedOn":"2026-08-31T23:52:00.000Z""#,
            code: .invalidValue,
            field: "predicate.metadata.scanFinishedOn"
        ),
        Mangle(
            from: #""metadata":{"scanFinishedOn":"2026-08-31T23:51:00.000Z","scanStartedOn":"2026-08-31T23:50:00.000Z"},"#,
            to: "",
            code: .missingField,
            field: "predicate.metadata"
        ),
        Mangle(from: #""predicate":{"#, to: #""predicate":{"scanner":1,"x":{"#, code: .malformedJSON),
    ]

    @Test(arguments: predicateMangles)
    func vulnsPredicateRejects(_ mangle: Mangle) throws {
        let golden = String(decoding: try RecordsFixture.goldenBytes("attestation"), as: UTF8.self)
        #expect(golden.contains(mangle.from), "fixture lacks \(mangle.from)")
        let mangled = Array(golden.replacingOccurrences(of: mangle.from, with: mangle.to).utf8)
        do {
            let statement = try InTotoStatement(payload: mangled)
            _ = try statement.predicate()
            Issue.record("accepted \(String(decoding: mangled, as: UTF8.self))")
        } catch {
            #expect(error.code == mangle.code, "\(error)")
            if let field = mangle.field { #expect(error.field == field, "\(error)") }
        }
    }

    static func statement(type: String, predicate: String) -> [UInt8] {
        Array(
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(hex)"}}],"predicateType":"\#(type)","predicate":\#(predicate)}"#
                .utf8
        )
    }

    static let config =
        #""configuration":[{"name":"CIS Ubuntu Linux 24.04 LTS Benchmark v1.0.0 Level 1 - Server","uri":"https://www.cisecurity.org/benchmark/ubuntu_linux"}]"#

    static let otherPredicates: [(String, String, RecordError.Code, String)] = [
        (AttestationPredicate.testResultType, #"{"result":"OK",\#(config)}"#, .invalidValue, "predicate.result"),
        (AttestationPredicate.testResultType, #"{"result":"PASSED"}"#, .missingField, "predicate.configuration"),
        (
            AttestationPredicate.testResultType, #"{"result":"PASSED","configuration":[]}"#, .invalidValue,
            "predicate.configuration"
        ),
        (
            AttestationPredicate.testResultType, #"{"result":"PASSED","configuration":[{}]}"#, .missingField,
            "predicate.configuration[0]"
        ),
        (
            AttestationPredicate.testResultType, #"{"result":"PASSED",\#(config),"failedTests":["1.1.1"]}"#, .invalidValue,
            "predicate.result"
        ),
        (
            AttestationPredicate.testResultType, #"{"result":"PASSED",\#(config),"warnedTests":["1.1.1"]}"#, .invalidValue,
            "predicate.result"
        ),
        (
            AttestationPredicate.testResultType, #"{"result":"WARNED",\#(config),"failedTests":["1.1.1"]}"#, .invalidValue,
            "predicate.result"
        ),
        (
            AttestationPredicate.testResultType, #"{"result":"FAILED",\#(config),"failedTests":["a","a"]}"#, .invalidValue,
            "predicate.failedTests[1]"
        ),
        (
            AttestationPredicate.testResultType, #"{"result":"FAILED",\#(config),"failedTests":"a"}"#, .wrongType,
            "predicate.failedTests"
        ),
        (AttestationPredicate.testResultType, #"{"result":"FAILED",\#(config),"url":"runs/1"}"#, .invalidValue, "predicate.url"),
        (
            AttestationPredicate.auditType,
            #"{"result":"PASSED","score":101,"controls":{"checked":2,"passed":1},"scope":"image"}"#, .outOfRange,
            "predicate.score"
        ),
        (
            AttestationPredicate.auditType,
            #"{"result":"PASSED","score":90,"controls":{"checked":2,"passed":3},"scope":"image"}"#, .outOfRange,
            "predicate.controls.passed"
        ),
        (
            AttestationPredicate.auditType,
            #"{"result":"PASSED","score":90,"controls":{"checked":0,"passed":0},"scope":"image"}"#, .outOfRange,
            "predicate.controls.checked"
        ),
        (
            AttestationPredicate.auditType, #"{"result":"PASSED","score":90,"controls":{"checked":2,"passed":1},"scope":"site"}"#,
            .invalidValue, "predicate.scope"
        ),
        (
            AttestationPredicate.auditType,
            #"{"result":"PASSED","score":90,"controls":{"checked":2,"passed":1},"scope":"image","x":1}"#, .unknownField,
            "predicate.x"
        ),
        (
            AttestationPredicate.auditType,
            #"{"result":"PASSED","score":90,"controls":{"checked":2,"passed":1,"x":1},"scope":"image"}"#, .unknownField,
            "predicate.controls.x"
        ),
        (
            AttestationPredicate.auditType,
            #"{"result":"PASSED","score":90,"controls":{"checked":2,"passed":1},"scope":"image","expiresAt":"soon"}"#,
            .invalidValue, "predicate.expiresAt"
        ),
        (
            AttestationPredicate.auditType,
            #"{"result":"PASSED","score":"90","controls":{"checked":2,"passed":1},"scope":"image"}"#, .wrongType,
            "predicate.score"
        ),
        (AttestationPredicate.auditType, #"{}"#, .missingField, "predicate.result"),
        (AttestationPredicate.vulnsType, #"{}"#, .missingField, "predicate.scanner"),
    ]

    @Test func otherPredicatesReject() throws {
        for (type, predicate, code, field) in Self.otherPredicates {
            do {
                _ = try InTotoStatement(payload: Self.statement(type: type, predicate: predicate)).predicate()
                Issue.record("accepted \(predicate)")
            } catch {
                #expect(error.code == code && error.field == field, "\(predicate): \(error)")
            }
        }
        // An absent predicate is an empty one: fine for unknown types, refused for the ones vmtrust validates.
        let absent = Array(
            #"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(Self.hex)"}}],"predicateType":"\#(AttestationPredicate.auditType)"}"#
                .utf8
        )
        #expect(throws: RecordError.self) { try InTotoStatement(payload: absent).predicate() }
    }
}
