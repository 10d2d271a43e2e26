/// The predicate of an attestation, validated by its type.
///
/// vmtrust understands three predicate types and scores them (``AttestationSummary``); any other type is
/// stored and listed but carries no result or score.
public enum AttestationPredicate: Sendable, Hashable {
    /// `https://in-toto.io/attestation/vulns/v0.2`: a vulnerability scan.
    case vulns(VulnsPredicate)
    /// `https://in-toto.io/attestation/test-result/v0.1`: a compliance check (a benchmark run).
    case testResult(TestResultPredicate)
    /// `https://vmtrust.dev/attestation/audit/v1`: an audit.
    case audit(AuditPredicate)
    /// Any other predicate type: stored, not interpreted.
    case other(type: String)

    /// The predicate type URI of vulnerability scans.
    public static let vulnsType = "https://in-toto.io/attestation/vulns/v0.2"
    /// The predicate type URI of test results (compliance checks).
    public static let testResultType = "https://in-toto.io/attestation/test-result/v0.1"
    /// The predicate type URI of vmtrust audits.
    public static let auditType = "https://vmtrust.dev/attestation/audit/v1"

    /// Validates `view` (the `predicate` object) as a predicate of `type`.
    init(type: String, view: JSONView) throws(RecordError) {
        switch type {
        case Self.vulnsType: self = .vulns(try VulnsPredicate(view, path: "predicate"))
        case Self.testResultType: self = .testResult(try TestResultPredicate(view, path: "predicate"))
        case Self.auditType: self = .audit(try AuditPredicate(view, path: "predicate"))
        default: self = .other(type: type)
        }
    }

    /// The predicate type URI.
    public var type: String {
        switch self {
        case .vulns: Self.vulnsType
        case .testResult: Self.testResultType
        case .audit: Self.auditType
        case .other(let type): type
        }
    }

    var json: CanonicalJSON? {
        switch self {
        case .vulns(let predicate): predicate.json
        case .testResult(let predicate): predicate.json
        case .audit(let predicate): predicate.json
        case .other: nil
        }
    }

    /// What vmtrust reads from the predicate: result, score, pass fraction, counts.
    public var summary: AttestationSummary {
        switch self {
        case .vulns(let predicate): predicate.summary
        case .testResult(let predicate): predicate.summary
        case .audit(let predicate): predicate.summary
        case .other(let type): AttestationSummary(predicateType: type)
        }
    }
}

/// The outcome of a check: `PASSED`, `WARNED` or `FAILED` (the test-result vocabulary).
public enum AttestationResult: String, Sendable, Hashable, CaseIterable, Codable {
    /// No failure, no warning.
    case passed = "PASSED"
    /// Passed with warnings.
    case warned = "WARNED"
    /// Failed.
    case failed = "FAILED"
}

/// What an audit covers: the image itself (weight 2 in reputation) or the provider's process (weight 1).
public enum AuditScope: String, Sendable, Hashable, CaseIterable, Codable {
    /// The image.
    case image
    /// The provider's process.
    case process
}

/// Qualitative vulnerability severities.
public enum Severity: String, Sendable, Hashable, CaseIterable, Codable {
    /// Critical (CVSS 9.0–10.0).
    case critical
    /// High (7.0–8.9).
    case high
    /// Medium (4.0–6.9).
    case medium
    /// Low (0.1–3.9).
    case low
    /// Negligible or none (0.0).
    case negligible
    /// No usable rating.
    case unknown

    /// The severity of a finding from its ratings: the first qualitative rating (`critical`, `high`,
    /// `medium`/`moderate`, `low`, `negligible`/`none`/`info`, any case), else the first numeric score of a
    /// CVSS method (`cvss…`) banded as CVSS v3 does, else `unknown`.
    public init(ratings: [VulnsPredicate.Rating]) {
        for rating in ratings {
            switch rating.score.lowercased() {
            case "critical":
                self = .critical
                return
            case "high", "important":
                self = .high
                return
            case "medium", "moderate":
                self = .medium
                return
            case "low":
                self = .low
                return
            case "negligible", "none", "info", "informational":
                self = .negligible
                return
            default: continue
            }
        }
        for rating in ratings where rating.method.lowercased().hasPrefix("cvss") {
            guard let score = Double(rating.score), (0...10).contains(score) else { continue }
            self =
                switch score {
                case 9...: .critical
                case 7..<9: .high
                case 4..<7: .medium
                case 0.1..<4: .low
                default: .negligible
                }
            return
        }
        self = .unknown
    }
}

/// Findings per severity.
public struct SeverityCounts: Sendable, Hashable, Codable {
    /// Critical findings.
    public var critical = 0
    /// High findings.
    public var high = 0
    /// Medium findings.
    public var medium = 0
    /// Low findings.
    public var low = 0
    /// Negligible findings.
    public var negligible = 0
    /// Findings without a usable rating.
    public var unknown = 0

    /// No findings.
    public init() {}

    /// Adds one finding of `severity`.
    public mutating func add(_ severity: Severity) {
        switch severity {
        case .critical: critical += 1
        case .high: high += 1
        case .medium: medium += 1
        case .low: low += 1
        case .negligible: negligible += 1
        case .unknown: unknown += 1
        }
    }

    /// All findings.
    public var total: Int { critical + high + medium + low + negligible + unknown }
}

/// What vmtrust reads from an attestation's predicate (docs/FORMATS.md, "Attestations").
public struct AttestationSummary: Sendable, Hashable, Codable {
    /// The predicate type URI.
    public var predicateType: String
    /// `PASSED`, `WARNED` or `FAILED`; `nil` for predicate types vmtrust does not interpret.
    public var result: AttestationResult?
    /// 0–100; `nil` for predicate types vmtrust does not interpret.
    public var score: Int?
    /// The pass fraction x ∈ [0, 1] the reputation engine uses; `nil` when not scored.
    public var passFraction: Double?
    /// What the attestation covers (`image` for scans and compliance checks).
    public var scope: AuditScope?
    /// Findings per severity (vulnerability scans).
    public var severities: SeverityCounts?
    /// Passed, warned and failed controls or tests, when the predicate lists them.
    public var passed: Int?
    /// Controls or tests that passed with a warning.
    public var warned: Int?
    /// Controls or tests that failed.
    public var failed: Int?
    /// The benchmark (compliance checks: the configuration's name or URI) or audit standard.
    public var benchmark: String?
    /// The scanner URI and version (vulnerability scans).
    public var scanner: String?
    /// When the auditor's statement expires (audits), ms since the Unix epoch.
    public var expiresAt: Int64?

    /// A summary without result or score (uninterpreted predicate types).
    public init(predicateType: String) {
        self.predicateType = predicateType
    }
}

/// `https://in-toto.io/attestation/vulns/v0.2`.
///
/// ```json
/// {"scanner": {"uri": "pkg:github/aquasecurity/trivy@v0.52.0", "version": "0.52.0",
///              "db": {"uri": "…", "version": "2", "lastUpdate": "2026-09-01T00:00:00Z"},
///              "result": [{"id": "CVE-2026-0001", "severity": [{"method": "nvd", "score": "high"}]}]},
///  "metadata": {"scanStartedOn": "…", "scanFinishedOn": "…"}}
/// ```
public struct VulnsPredicate: Sendable, Hashable {
    /// One severity rating of a finding.
    public struct Rating: Sendable, Hashable {
        /// The scoring method (`nvd`, `cvss_score`, `ghsa`, …).
        public var method: String
        /// The score as a string (`high`, `7.5`).
        public var score: String

        /// Creates a rating.
        public init(method: String, score: String) {
            self.method = method
            self.score = score
        }
    }

    /// One vulnerability found.
    public struct Finding: Sendable, Hashable {
        /// The vulnerability id (`CVE-…`, `GHSA-…`).
        public var id: String
        /// Its ratings.
        public var severity: [Rating]

        /// Creates a finding.
        public init(id: String, severity: [Rating]) {
            self.id = id
            self.severity = severity
        }
    }

    /// Findings per predicate, at most.
    public static let findingLimit = 4096

    /// `scanner.uri`: the scanner's identity.
    public var scannerURI: String
    /// `scanner.version`.
    public var scannerVersion: String?
    /// `scanner.db.uri`.
    public var databaseURI: String?
    /// `scanner.db.version`.
    public var databaseVersion: String?
    /// `scanner.db.lastUpdate`, ms since the Unix epoch.
    public var databaseLastUpdate: Int64
    /// `scanner.result`: the findings (empty: nothing found).
    public var findings: [Finding]
    /// `metadata.scanStartedOn`, ms.
    public var scanStartedOn: Int64
    /// `metadata.scanFinishedOn`, ms (not before the start).
    public var scanFinishedOn: Int64

    /// Creates a predicate.
    public init(
        scannerURI: String,
        scannerVersion: String?,
        databaseURI: String?,
        databaseVersion: String?,
        databaseLastUpdate: Int64,
        findings: [Finding],
        scanStartedOn: Int64,
        scanFinishedOn: Int64
    ) {
        self.scannerURI = scannerURI
        self.scannerVersion = scannerVersion
        self.databaseURI = databaseURI
        self.databaseVersion = databaseVersion
        self.databaseLastUpdate = databaseLastUpdate
        self.findings = findings
        self.scanStartedOn = scanStartedOn
        self.scanFinishedOn = scanFinishedOn
    }

    init(_ value: JSONView, path: String) throws(RecordError) {
        var reader = try JSONObjectReader(value, parent: path)
        var scanner = try JSONObjectReader(try reader.value("scanner"), parent: reader.fieldPath("scanner"))
        scannerURI = try TypeURI.read(try scanner.value("uri"), field: scanner.fieldPath("uri"), limit: RecordLimits.reason)
        scannerVersion = try scanner.optionalString("version", .line(limit: RecordLimits.name))
        var db = try JSONObjectReader(try scanner.value("db"), parent: scanner.fieldPath("db"))
        databaseURI = try db.optionalValue("uri").map { value throws(RecordError) in
            try TypeURI.read(value, field: db.fieldPath("uri"), limit: RecordLimits.reason)
        }
        databaseVersion = try db.optionalString("version", .line(limit: RecordLimits.name))
        databaseLastUpdate = try db.timestamp("lastUpdate")
        findings =
            try scanner.array("result", limit: Self.findingLimit, allowEmpty: true) {
                value,
                field,
                index throws(RecordError) -> Finding in
                var finding = try JSONObjectReader(value, parent: field, index: index)
                let id = try finding.string("id", .line(limit: RecordLimits.name))
                let ratings =
                    try finding.array("severity", limit: 16, allowEmpty: true) {
                        value,
                        field,
                        index throws(RecordError) -> Rating in
                        var rating = try JSONObjectReader(value, parent: field, index: index)
                        return Rating(
                            method: try rating.string("method", .line(limit: RecordLimits.name)),
                            score: try rating.string("score", .line(limit: RecordLimits.name))
                        )
                    } ?? []
                if let annotations = try finding.optionalValue("annotations") {
                    guard annotations.isObject || annotations.isArray else {
                        throw RecordError(
                            code: .wrongType,
                            field: finding.fieldPath("annotations"),
                            message: "\"\(finding.fieldPath("annotations"))\" is not a list or map"
                        )
                    }
                }
                return Finding(id: id, severity: ratings)
            } ?? []
        var metadata = try JSONObjectReader(try reader.value("metadata"), parent: reader.fieldPath("metadata"))
        scanStartedOn = try metadata.timestamp("scanStartedOn")
        scanFinishedOn = try metadata.timestamp("scanFinishedOn")
        guard scanFinishedOn >= scanStartedOn else {
            throw RecordError(
                code: .invalidValue,
                field: metadata.fieldPath("scanFinishedOn"),
                message: "\"\(metadata.fieldPath("scanFinishedOn"))\" is before scanStartedOn"
            )
        }
    }

    var json: CanonicalJSON {
        .object([
            (
                "scanner",
                .object([
                    ("uri", .string(scannerURI)),
                    ("version", scannerVersion.map { .string($0) }),
                    (
                        "db",
                        .object([
                            ("uri", databaseURI.map { .string($0) }),
                            ("version", databaseVersion.map { .string($0) }),
                            ("lastUpdate", .string(RFC3339.string(milliseconds: databaseLastUpdate))),
                        ])
                    ),
                    (
                        "result",
                        .array(
                            findings.map { finding in
                                .object([
                                    ("id", .string(finding.id)),
                                    (
                                        "severity",
                                        .array(
                                            finding.severity.map {
                                                .object([("method", .string($0.method)), ("score", .string($0.score))])
                                            }
                                        )
                                    ),
                                ])
                            }
                        )
                    ),
                ])
            ),
            (
                "metadata",
                .object([
                    ("scanStartedOn", .string(RFC3339.string(milliseconds: scanStartedOn))),
                    ("scanFinishedOn", .string(RFC3339.string(milliseconds: scanFinishedOn))),
                ])
            ),
        ])
    }

    /// Findings per severity.
    public var severityCounts: SeverityCounts {
        var counts = SeverityCounts()
        for finding in findings { counts.add(Severity(ratings: finding.severity)) }
        return counts
    }

    /// `FAILED` with any critical or high finding, `WARNED` with any medium one, else `PASSED`; pass fraction
    /// x = 10 / (10 + 3·critical + 2·high + medium + 0.5·low) (the severity weights of REPUTATION.md), score
    /// round(100·x).
    public var summary: AttestationSummary {
        let counts = severityCounts
        var summary = AttestationSummary(predicateType: AttestationPredicate.vulnsType)
        summary.severities = counts
        summary.result =
            counts.critical + counts.high > 0 ? .failed : counts.medium > 0 ? .warned : .passed
        let weight = 3 * Double(counts.critical) + 2 * Double(counts.high) + Double(counts.medium) + 0.5 * Double(counts.low)
        let fraction = 10 / (10 + weight)
        summary.passFraction = fraction
        summary.score = Int((100 * fraction).rounded())
        summary.scope = .image
        summary.scanner = scannerURI + (scannerVersion.map { " " + $0 } ?? "")
        return summary
    }
}

/// `https://in-toto.io/attestation/test-result/v0.1`: a compliance check; the benchmark (e.g. a CIS profile) is
/// the `configuration`.
public struct TestResultPredicate: Sendable, Hashable {
    /// Tests listed per list, at most.
    public static let testLimit = 4096

    /// `result`.
    public var result: AttestationResult
    /// `configuration`: the benchmark profile(s) run (at least one).
    public var configuration: [ResourceDescriptor]
    /// `url` of the run.
    public var url: String?
    /// `passedTests`.
    public var passedTests: [String]?
    /// `warnedTests`.
    public var warnedTests: [String]?
    /// `failedTests`.
    public var failedTests: [String]?

    /// Creates a predicate.
    public init(
        result: AttestationResult,
        configuration: [ResourceDescriptor],
        url: String? = nil,
        passedTests: [String]? = nil,
        warnedTests: [String]? = nil,
        failedTests: [String]? = nil
    ) {
        self.result = result
        self.configuration = configuration
        self.url = url
        self.passedTests = passedTests
        self.warnedTests = warnedTests
        self.failedTests = failedTests
    }

    init(_ value: JSONView, path: String) throws(RecordError) {
        var reader = try JSONObjectReader(value, parent: path)
        result = try reader.enumeration("result", AttestationResult.self)
        configuration =
            try reader.array("configuration", limit: 16) { value, field, index throws(RecordError) in
                try ResourceDescriptor(value, parent: field, index: index)
            } ?? []
        url = try reader.optionalValue("url").map { value throws(RecordError) in
            try TypeURI.read(value, field: reader.fieldPath("url"), limit: RecordLimits.reason)
        }
        func tests(_ key: String) throws(RecordError) -> [String]? {
            let names = try reader.array(key, limit: Self.testLimit, required: false, allowEmpty: true) {
                value,
                field,
                index throws(RecordError) in
                try JSONObjectReader.text(value, .line(limit: RecordLimits.reason), field: "\(field)[\(index)]")
            }
            if let names { try RecordValidation.distinct(names, field: reader.fieldPath(key)) }
            return names
        }
        passedTests = try tests("passedTests")
        warnedTests = try tests("warnedTests")
        failedTests = try tests("failedTests")
        let failed = failedTests?.count ?? 0
        let warned = warnedTests?.count ?? 0
        let inconsistent =
            switch result {
            case .passed: failed + warned > 0
            case .warned: failed > 0
            case .failed: false
            }
        guard !inconsistent else {
            throw RecordError(
                code: .invalidValue,
                field: reader.fieldPath("result"),
                message:
                    "\"\(reader.fieldPath("result"))\" is \(result.rawValue) but \(failed) test(s) failed and \(warned) warned"
            )
        }
    }

    var json: CanonicalJSON {
        .object([
            ("result", .string(result.rawValue)),
            ("configuration", .array(configuration.map(\.json))),
            ("url", url.map { .string($0) }),
            ("passedTests", passedTests.map { .array($0.map { .string($0) }) }),
            ("warnedTests", warnedTests.map { .array($0.map { .string($0) }) }),
            ("failedTests", failedTests.map { .array($0.map { .string($0) }) }),
        ])
    }

    /// Pass fraction x = (passed + ½·warned) / (passed + warned + failed) when tests are listed, else 1, ½ or 0
    /// for `PASSED`, `WARNED`, `FAILED`; score round(100·x).
    public var summary: AttestationSummary {
        var summary = AttestationSummary(predicateType: AttestationPredicate.testResultType)
        summary.result = result
        let passed = passedTests?.count ?? 0
        let warned = warnedTests?.count ?? 0
        let failed = failedTests?.count ?? 0
        if passedTests != nil || warnedTests != nil || failedTests != nil {
            summary.passed = passed
            summary.warned = warned
            summary.failed = failed
        }
        let total = passed + warned + failed
        let fraction: Double =
            total > 0
            ? (Double(passed) + 0.5 * Double(warned)) / Double(total)
            : (result == .passed ? 1 : result == .warned ? 0.5 : 0)
        summary.passFraction = fraction
        summary.score = Int((100 * fraction).rounded())
        summary.scope = .image
        summary.benchmark = configuration.first.flatMap { $0.name ?? $0.uri }
        return summary
    }
}

/// `https://vmtrust.dev/attestation/audit/v1`: an auditor's assessment (docs/FORMATS.md). Unlike the in-toto
/// predicates, unknown fields are refused.
///
/// ```json
/// {"result": "PASSED", "score": 92, "controls": {"checked": 120, "passed": 114}, "scope": "image",
///  "standard": "ISO/IEC 27001:2022 A.8", "summary": "…", "expiresAt": "2027-09-01T00:00:00Z"}
/// ```
public struct AuditPredicate: Sendable, Hashable {
    /// `result`.
    public var result: AttestationResult
    /// `score`, 0–100, set by the auditor.
    public var score: Int
    /// `controls.checked`, 1 … 100000.
    public var controlsChecked: Int
    /// `controls.passed`, 0 … checked.
    public var controlsPassed: Int
    /// `scope`.
    public var scope: AuditScope
    /// `standard`: what was audited against.
    public var standard: String?
    /// `summary`: free text.
    public var summaryText: String?
    /// `expiresAt` (RFC 3339), ms since the Unix epoch.
    public var expiresAt: Int64?

    /// Creates a predicate.
    public init(
        result: AttestationResult,
        score: Int,
        controlsChecked: Int,
        controlsPassed: Int,
        scope: AuditScope,
        standard: String? = nil,
        summaryText: String? = nil,
        expiresAt: Int64? = nil
    ) {
        self.result = result
        self.score = score
        self.controlsChecked = controlsChecked
        self.controlsPassed = controlsPassed
        self.scope = scope
        self.standard = standard
        self.summaryText = summaryText
        self.expiresAt = expiresAt
    }

    init(_ value: JSONView, path: String) throws(RecordError) {
        var reader = try JSONObjectReader(value, parent: path)
        result = try reader.enumeration("result", AttestationResult.self)
        score = Int(try reader.integer("score", in: 0...100))
        var controls = try JSONObjectReader(try reader.value("controls"), parent: reader.fieldPath("controls"))
        controlsChecked = Int(try controls.integer("checked", in: 1...100_000))
        controlsPassed = Int(try controls.integer("passed", in: 0...100_000))
        try controls.finish()
        guard controlsPassed <= controlsChecked else {
            throw RecordError(
                code: .outOfRange,
                field: controls.fieldPath("passed"),
                message: "\"\(controls.fieldPath("passed"))\" exceeds controls.checked"
            )
        }
        scope = try reader.enumeration("scope", AuditScope.self)
        standard = try reader.optionalString("standard", .line(limit: RecordLimits.name))
        summaryText = try reader.optionalString("summary", .text(limit: RecordLimits.description))
        expiresAt = try reader.optionalValue("expiresAt").map { value throws(RecordError) in
            try JSONObjectReader.timestamp(value, field: reader.fieldPath("expiresAt"))
        }
        try reader.finish()
    }

    var json: CanonicalJSON {
        .object([
            ("result", .string(result.rawValue)),
            ("score", .integer(Int64(score))),
            ("controls", .object([("checked", .integer(Int64(controlsChecked))), ("passed", .integer(Int64(controlsPassed)))])),
            ("scope", .string(scope.rawValue)),
            ("standard", standard.map { .string($0) }),
            ("summary", summaryText.map { .string($0) }),
            ("expiresAt", expiresAt.map { .string(RFC3339.string(milliseconds: $0)) }),
        ])
    }

    /// The auditor's result and score; pass fraction x = controls passed / checked.
    public var summary: AttestationSummary {
        var summary = AttestationSummary(predicateType: AttestationPredicate.auditType)
        summary.result = result
        summary.score = score
        summary.passFraction = Double(controlsPassed) / Double(controlsChecked)
        summary.passed = controlsPassed
        summary.failed = controlsChecked - controlsPassed
        summary.scope = scope
        summary.benchmark = standard
        summary.expiresAt = expiresAt
        return summary
    }
}

extension RecordLimits {
    /// Type URIs (`_type`, `predicateType`, allowed attestation types).
    static let typeURI = 256
}
