import Foundation
import Provenance
import Testing

@Suite("Records v1: reputation evidence kinds")
struct EvidenceRecordsTests {
    typealias F = RecordsFixture
    typealias Mangle = RecordsCodecTests.Mangle

    static let mangles: [Mangle] = [
        // vulnerability-report
        Mangle(
            file: "vulnerability-report",
            from: "\"severity\":\"high\"",
            to: "\"severity\":\"severe\"",
            code: .invalidValue,
            field: "severity"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"severity\":\"high\"",
            to: "\"severity\":\"low\"",
            code: .invalidValue,
            field: "severity"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"cvssTenths\":75",
            to: "\"cvssTenths\":101",
            code: .outOfRange,
            field: "cvssTenths"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"cvssTenths\":75",
            to: "\"cvssTenths\":7.5",
            code: .wrongType,
            field: "cvssTenths"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"epssMillionths\":50000",
            to: "\"epssMillionths\":1000001",
            code: .outOfRange,
            field: "epssMillionths"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"knownExploited\":false",
            to: "\"knownExploited\":0",
            code: .wrongType,
            field: "knownExploited"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"knownExploited\":false,",
            to: "",
            code: .missingField,
            field: "knownExploited"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"affected\":[",
            to: "\"affected\":[\"sha256:0a\",",
            code: .invalidValue,
            field: "affected[0]"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "0b0b\"]",
            to: "0b0b\",\"sha256:\(String(repeating: "0a", count: 32))\"]",
            code: .invalidValue,
            field: "affected[2]"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"affected\":[",
            to: "\"affected\":[],\"x\":[",
            code: .invalidValue,
            field: "affected"
        ),
        Mangle(
            file: "vulnerability-report",
            from: "\"vulnerability\":\"CVE-2026-12345\"",
            to: "\"vulnerability\":\"\"",
            code: .invalidValue,
            field: "vulnerability"
        ),
        // vulnerability-resolution
        Mangle(
            file: "vulnerability-resolution",
            from: "\"fixed\":\"sha256:0c",
            to: "\"fixed\":\"sha256:0C",
            code: .invalidValue,
            field: "fixed"
        ),
        Mangle(
            file: "vulnerability-resolution",
            from: "\"retired\":[",
            to: "\"retired\":[\"sha1:ab\",",
            code: .invalidValue,
            field: "retired[0]"
        ),
        Mangle(file: "vulnerability-resolution", from: "\"report\":", to: "\"target\":", code: .missingField, field: "report"),
        // incident-report
        Mangle(file: "incident-report", from: "\"severity\":\"critical\",", to: "", code: .missingField, field: "severity"),
        Mangle(
            file: "incident-report",
            from: "compromised\\nkeys",
            to: "compromised\\u0000keys",
            code: .invalidValue,
            field: "summary"
        ),
        Mangle(
            file: "incident-report",
            from: "\"affected\":[",
            to: "\"affected\":null,\"x\":[",
            code: .wrongType,
            field: "affected"
        ),
        // incident-response
        Mangle(
            file: "incident-response",
            from: "\"response\":\"rebuilt from clean sources\"",
            to: "\"response\":7",
            code: .wrongType,
            field: "response"
        ),
        // user-feedback
        Mangle(file: "user-feedback", from: "\"stars\":4", to: "\"stars\":6", code: .outOfRange, field: "stars"),
        Mangle(file: "user-feedback", from: "\"stars\":4", to: "\"stars\":0", code: .outOfRange, field: "stars"),
        Mangle(file: "user-feedback", from: "\"stars\":4,", to: "", code: .missingField, field: "stars"),
        Mangle(file: "user-feedback", from: "\"stars\":4", to: "\"rating\":50,\"stars\":4", code: .invalidValue, field: "issue"),
        Mangle(file: "user-feedback", from: "\"stars\":4", to: "\"rating\":-101", code: .outOfRange, field: "rating"),
        Mangle(file: "user-feedback", from: "\"user\":\"alice\"", to: "\"user\":\"Alice\"", code: .invalidValue, field: "user"),
        // feedback-triage
        Mangle(
            file: "feedback-triage",
            from: "\"verdict\":\"confirm\"",
            to: "\"verdict\":\"maybe\"",
            code: .invalidValue,
            field: "verdict"
        ),
        Mangle(file: "feedback-triage", from: "{", to: "{\"provider\":\"acme\",", code: .unknownField, field: "provider"),
        // certifier-onboard
        Mangle(
            file: "certifier-onboard",
            from: "\"types\":[\"soc2-type2\",",
            to: "\"types\":[\"soc3\",",
            code: .invalidValue,
            field: "types[0]"
        ),
        Mangle(file: "certifier-onboard", from: "\"iso27001\"]", to: "\"soc2-type2\"]", code: .invalidValue, field: "types[1]"),
        Mangle(
            file: "certifier-onboard",
            from: "\"types\":[\"soc2-type2\",\"iso27001\"]",
            to: "\"types\":[]",
            code: .invalidValue,
            field: "types"
        ),
        Mangle(
            file: "certifier-onboard",
            from: "\"MAYCAQECAQI=\"",
            to: "\"MAYCAQECAQI\"",
            code: .invalidValue,
            field: "trustAnchors[0]"
        ),
        Mangle(
            file: "certifier-onboard",
            from: "\"MAYCAQECAQI=\"",
            to: "\"AgEB\"",
            code: .invalidValue,
            field: "trustAnchors[0]"
        ),
        Mangle(
            file: "certifier-onboard",
            from: "\"trustAnchors\":[\"MAYCAQECAQI=\"],",
            to: "",
            code: .missingField,
            field: "trustAnchors"
        ),
        // compliance-certification
        Mangle(
            file: "compliance-certification",
            from: "\"validUntil\":1819756800000",
            to: "\"validUntil\":1788220800000",
            code: .invalidValue,
            field: "validUntil"
        ),
        Mangle(
            file: "compliance-certification",
            from: "\"type\":\"soc2-type2\"",
            to: "\"type\":\"soc2\"",
            code: .invalidValue,
            field: "type"
        ),
        Mangle(
            file: "compliance-certification",
            from: "\"chain\":[\"MAYCAQECAQI=\"]",
            to: "\"chain\":[]",
            code: .invalidValue,
            field: "chain"
        ),
        Mangle(
            file: "compliance-certification",
            from: "\"certifier\":\"certco\",",
            to: "",
            code: .missingField,
            field: "certifier"
        ),
        // certification-revocation
        Mangle(
            file: "certification-revocation",
            from: "\"reason\":\"scope withdrawn\",",
            to: "",
            code: .missingField,
            field: "reason"
        ),
        Mangle(
            file: "certification-revocation",
            from: "\"certification\":\"sha256:ab",
            to: "\"certification\":\"sha256:AB",
            code: .invalidValue,
            field: "certification"
        ),
        // reputation-parameters
        Mangle(
            file: "reputation-parameters",
            from: "\"weights.sec\":400",
            to: "\"weights.sec\":-400",
            code: .outOfRange,
            field: "parameters.weights.sec"
        ),
        Mangle(
            file: "reputation-parameters",
            from: "\"weights.sec\":400",
            to: "\"weights.sec\":0.4",
            code: .wrongType,
            field: "parameters.weights.sec"
        ),
        Mangle(
            file: "reputation-parameters",
            from: "\"weights.sec\":400",
            to: "\"weights-sec\":400",
            code: .invalidValue,
            field: "parameters.weights-sec"
        ),
        Mangle(
            file: "reputation-parameters",
            from: "\"weights.sec\":400",
            to: "\"Weights\":400",
            code: .invalidValue,
            field: "parameters.Weights"
        ),
        Mangle(
            file: "reputation-parameters",
            from: "{\"halfLives.security\":180000,\"weights.sec\":400}",
            to: "{}",
            code: .invalidValue,
            field: "parameters"
        ),
        Mangle(
            file: "reputation-parameters",
            from: "{\"halfLives.security\":180000,\"weights.sec\":400}",
            to: "{\"weights.sec\":400,\"halfLives.security\":180000}",
            code: .notCanonical
        ),
        Mangle(file: "reputation-parameters", from: "\"version\":2", to: "\"version\":0", code: .outOfRange, field: "version"),
        Mangle(
            file: "reputation-parameters",
            from: "\"parameters\":{",
            to: "\"parameters\":[],\"x\":{",
            code: .wrongType,
            field: "parameters"
        ),
    ]

    @Test(arguments: mangles)
    func mangledEvidenceIsRejected(mangle: Mangle) throws {
        try RecordsCodecTests().mangledPayloadIsRejected(mangle: mangle)
    }

    @Test func goldenFilesAreTheIndependentCanonicalBytes() throws {
        // The golden files were written by Python's json.dumps(sort_keys=True, separators=(",", ":"),
        // ensure_ascii=False); spot-check two against literal bytes.
        let feedback = String(decoding: try F.goldenBytes("user-feedback"), as: UTF8.self)
        #expect(
            feedback
                == #"{"image":"sha256:0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a","provider":"acme","stars":4,"time":1788220800015,"user":"alice","v":1}"#
        )
        let parameters = String(decoding: try F.goldenBytes("reputation-parameters"), as: UTF8.self)
        #expect(
            parameters
                == #"{"parameters":{"halfLives.security":180000,"weights.sec":400},"time":1788220800020,"v":1,"version":2}"#
        )
    }

    @Test func severityFromCVSSAndBodies() throws {
        let cvssOnly = Record.vulnerabilityReport(
            VulnerabilityReportRecord(
                provider: "acme",
                vulnerability: "GHSA-xxxx",
                cvssTenths: 90,
                knownExploited: true,
                affected: [F.digest(1)],
                time: 0
            )
        )
        guard
            case .vulnerabilityReport(let decoded) = try Record.decode(
                payloadType: cvssOnly.payloadType,
                payload: cvssOnly.encoded()
            )
        else {
            Issue.record("not a vulnerability report")
            return
        }
        #expect(decoded.severity == nil && decoded.effectiveSeverity == .critical)
        #expect(EvidenceSeverity(cvssTenths: 89) == .high && EvidenceSeverity(cvssTenths: 39) == .low)
        #expect(EvidenceSeverity(cvssTenths: 0) == nil)
        let neither = Record.vulnerabilityReport(
            VulnerabilityReportRecord(
                provider: "acme",
                vulnerability: "X",
                knownExploited: false,
                affected: [F.digest(1)],
                time: 0
            )
        )
        #expect(throws: RecordError(code: .missingField, field: "severity", message: "")) {
            try Record.decode(payloadType: neither.payloadType, payload: neither.encoded())
        }
        for body in [FeedbackBody.rating(-100), .rating(100), .issue("disk full\tafter boot")] {
            let record = Record.userFeedback(UserFeedbackRecord(user: "bob", provider: "acme", body: body, time: 1))
            #expect(try Record.decode(payloadType: record.payloadType, payload: record.encoded()) == record)
        }
        let statement = Record.complianceCertification(
            ComplianceCertificationRecord(
                provider: "acme",
                certifier: "c",
                type: .fedRAMPLow,
                validFrom: 0,
                validUntil: 1,
                time: 0
            )
        )
        #expect(try Record.decode(payloadType: statement.payloadType, payload: statement.encoded()) == statement)
        let noKeys = Record.certifierOnboard(
            CertifierOnboardRecord(id: "c", displayName: "C", keys: [], trustAnchors: [], types: [.cisHardened], time: 0)
        )
        #expect(throws: RecordError(code: .invalidValue, field: "keys", message: "")) {
            try Record.decode(payloadType: noKeys.payloadType, payload: noKeys.encoded())
        }
    }

    @Test func evidenceAccessorsAndSigners() throws {
        let byName = Dictionary(uniqueKeysWithValues: F.evidenceGolden.map { ($0.0, $0.1) })
        #expect(byName["vulnerability-report"]?.provider == "acme")
        #expect(byName["feedback-triage"]?.provider == nil)
        #expect(byName["reputation-parameters"]?.provider == nil)
        #expect(byName["vulnerability-report"]?.imageDigest == nil && byName["vulnerability-report"]?.linkedRecord == nil)
        #expect(RecordKind.userFeedback.signer == .user)
        #expect(RecordKind.vulnerabilityResolution.signer == .provider)
        #expect(RecordKind.reputationParameters.signer == .admins)
        #expect(RecordKind.allCases.filter(\.isReputationEvidence).count == F.evidenceGolden.count)
    }

    /// Optional fields added with issue 5 (`category` of incident reports, `verified` and `organization` of user
    /// registrations) round-trip canonically; absent, the payload is the one before them.
    @Test func optionalFieldsRoundTrip() throws {
        let incident = Record.incidentReport(
            IncidentReportRecord(
                provider: "acme",
                incident: "INC-1",
                severity: .high,
                summary: "x",
                category: .defaultCredentials,
                time: F.t0
            )
        )
        #expect(String(decoding: incident.encoded(), as: UTF8.self).contains(#""category":"default-credentials""#))
        #expect(try Record.decode(payloadType: incident.payloadType, payload: incident.encoded()) == incident)
        let user = Record.userRegister(
            UserRegisterRecord(id: "bob", key: F.userKey.publicKey, verified: true, organization: "org1", time: F.t0)
        )
        #expect(try Record.decode(payloadType: user.payloadType, payload: user.encoded()) == user)
        let mangled = String(decoding: incident.encoded(), as: UTF8.self).replacingOccurrences(
            of: "default-credentials",
            with: "rootkit"
        )
        #expect(throws: RecordError.self) { try Record.decode(payloadType: incident.payloadType, payload: Array(mangled.utf8)) }
        let badOrg = String(decoding: user.encoded(), as: UTF8.self).replacingOccurrences(of: "org1", with: "Org 1")
        #expect(throws: RecordError.self) { try Record.decode(payloadType: user.payloadType, payload: Array(badOrg.utf8)) }
    }
}
