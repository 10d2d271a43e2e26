import Foundation
import Provenance
import Testing

@Suite("Attestations: Trivy and Grype reports to vulns v0.2")
struct ScanReportTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/scanners"))
        return Array(try Data(contentsOf: url))
    }

    @Test func trivy() throws {
        let report = try Self.fixture("trivy-rootfs")
        #expect(try ScanReport.detect(report) == .trivy)
        #expect(throws: RecordError.self) { try ScanReport.predicate(from: report) }  // no database time in Trivy JSON
        let (format, predicate) = try ScanReport.predicate(from: report, databaseUpdated: 1_788_220_800_000)
        #expect(format == .trivy)
        #expect(predicate.scannerURI == "pkg:github/aquasecurity/trivy")
        #expect(predicate.databaseLastUpdate == 1_788_220_800_000)
        #expect(predicate.scanFinishedOn == 1_788_250_443_512)
        #expect(
            predicate.findings.map(\.id) == [
                "CVE-2024-6387", "CVE-2024-5535", "CVE-2024-2511", "CVE-2016-2781", "CVE-2024-35195",
            ]
        )
        #expect(
            predicate.findings[0].severity == [
                .init(method: "trivy:ubuntu", score: "high"), .init(method: "cvss_v3:nvd", score: "8.1"),
                .init(method: "cvss_v3:redhat", score: "8.1"),
            ]
        )
        #expect(predicate.findings[3].severity.map(\.method) == ["trivy:ubuntu", "cvss_v3:nvd", "cvss_v2:nvd"])
        let summary = predicate.summary
        #expect(summary.severities?.high == 1 && summary.severities?.medium == 2 && summary.severities?.low == 2)
        #expect(summary.result == .failed && summary.score == 67)  // 10 / (10 + 2 + 2 + 1)
        // The predicate is a valid statement's.
        let statement = InTotoStatement(
            subjects: [ResourceDescriptor(imageDigest: RecordsFixture.digest(1))],
            predicate: .vulns(predicate)
        )
        #expect(try InTotoStatement(payload: statement.encoded()).predicate() == .vulns(predicate))
    }

    @Test func grype() throws {
        let report = try Self.fixture("grype-rootfs")
        let (format, predicate) = try ScanReport.predicate(from: report)
        #expect(format == .grype)
        #expect(predicate.scannerURI == "pkg:github/anchore/grype@v0.79.0" && predicate.scannerVersion == "0.79.0")
        #expect(predicate.databaseVersion == "5")
        #expect(predicate.databaseLastUpdate == 1_788_226_265_000)
        #expect(predicate.scanStartedOn == 1_788_250_542_138)
        #expect(predicate.findings.map(\.id) == ["CVE-2024-6387", "GHSA-9wx4-h78v-vm56", "CVE-2016-2781"])
        #expect(
            predicate.findings[1].severity == [
                .init(method: "grype:github:language:python", score: "medium"), .init(method: "cvss_v3.1", score: "5.6"),
            ]
        )
        let summary = predicate.summary
        #expect(summary.severities?.high == 1 && summary.severities?.medium == 1 && summary.severities?.low == 1)
        #expect(summary.score == 74)  // 10 / 13.5
        // An explicit database time overrides the report's.
        #expect(try ScanReport.predicate(from: report, databaseUpdated: 5).predicate.databaseLastUpdate == 5)
    }

    @Test func refusals() throws {
        let trivy = String(decoding: try Self.fixture("trivy-rootfs"), as: UTF8.self)
        let grype = String(decoding: try Self.fixture("grype-rootfs"), as: UTF8.self)
        let cases: [(String, RecordError.Code)] = [
            ("[]", .malformedJSON),
            ("{", .malformedJSON),
            (#"{"matches":[]}"#, .invalidValue),
            (#"{"bomFormat":"CycloneDX"}"#, .invalidValue),
            (trivy.replacingOccurrences(of: #""CreatedAt": "2026-09-01T08:14:03.512849113Z","#, with: ""), .missingField),
            (
                trivy.replacingOccurrences(
                    of: #""CreatedAt": "2026-09-01T08:14:03.512849113Z""#,
                    with: #""CreatedAt": "yesterday""#
                ), .invalidValue
            ),
            (trivy.replacingOccurrences(of: #""VulnerabilityID": "CVE-2024-2511","#, with: ""), .missingField),
            (
                trivy.replacingOccurrences(of: #""Results": ["#, with: #""Results": {"x": ["#).replacingOccurrences(
                    of: "  ]\n}",
                    with: "  ]}\n}"
                ), .wrongType
            ),
            (grype.replacingOccurrences(of: #""built": "2026-09-01T01:31:05Z","#, with: ""), .missingField),
            (grype.replacingOccurrences(of: #""id": "GHSA-9wx4-h78v-vm56","#, with: #""id": 7,"#), .wrongType),
        ]
        for (report, code) in cases {
            do {
                _ = try ScanReport.predicate(
                    from: Array(report.utf8),
                    databaseUpdated: report.contains("SchemaVersion") ? 1 : nil
                )
                Issue.record("accepted \(report.prefix(80))")
            } catch {
                #expect(error.code == code, "\(error)")
            }
        }
    }
}
