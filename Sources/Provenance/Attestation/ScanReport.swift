/// Converts scanner JSON reports into the in-toto vulns v0.2 predicate: Trivy (`--format json`, `SchemaVersion`
/// 2) and Grype (`-o json`). Pure: bytes in, predicate out.
public enum ScanReport {
    /// The report formats understood.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Aqua Security Trivy, `trivy … --format json` (`SchemaVersion` 2).
        case trivy
        /// Anchore Grype, `grype … -o json`.
        case grype
    }

    /// Which scanner wrote `report`: an object with `SchemaVersion` and `Results` is Trivy's, one with `matches`
    /// and a `descriptor` named `grype` is Grype's.
    public static func detect(_ report: [UInt8]) throws(RecordError) -> Format {
        try detect(try parse(report))
    }

    /// The vulns v0.2 predicate of `report`.
    ///
    /// Every vulnerability (Trivy: each entry of `Results[].Vulnerabilities`; Grype: each of `matches`) becomes
    /// one finding with the scanner's qualitative severity (method `trivy:<source>` / `grype:<namespace>`) followed
    /// by its CVSS base scores (method `cvss_v<version>[:<source>]`). The scan time is the report's (`CreatedAt`,
    /// `descriptor.timestamp`). The database's last update comes from the report (Grype `descriptor.db.built` or
    /// `descriptor.db.status.built`); Trivy reports do not carry it, so `databaseUpdated` (ms) is required for
    /// them and, when given, overrides the report.
    public static func predicate(
        from report: [UInt8],
        databaseUpdated: Int64? = nil
    ) throws(RecordError) -> (format: Format, predicate: VulnsPredicate) {
        let value = try parse(report)
        let format = try detect(value)
        switch format {
        case .trivy: return (format, try trivy(value, databaseUpdated: databaseUpdated))
        case .grype: return (format, try grype(value, databaseUpdated: databaseUpdated))
        }
    }

    static func parse(_ report: [UInt8]) throws(RecordError) -> StrictJSON.Value {
        do {
            return try StrictJSON.parse(report)
        } catch {
            throw RecordError(code: .malformedJSON, field: nil, message: "the report is not JSON: \(error.reason)")
        }
    }

    static func detect(_ value: StrictJSON.Value) throws(RecordError) -> Format {
        guard case .object = value else {
            throw RecordError(code: .malformedJSON, field: nil, message: "the report is not a JSON object")
        }
        if value["SchemaVersion"] != nil, value["Results"] != nil || value["ArtifactName"] != nil { return .trivy }
        if value["matches"] != nil, case .string(let name)? = value["descriptor"]?["name"], name == "grype" { return .grype }
        throw RecordError(
            code: .invalidValue,
            field: nil,
            message: "neither a Trivy JSON report (SchemaVersion, Results) nor a Grype JSON report (matches, descriptor)"
        )
    }

    private static func string(_ value: StrictJSON.Value?, _ field: String) throws(RecordError) -> String {
        guard case .string(let string)? = value, !string.isEmpty else {
            throw RecordError(
                code: value == nil ? .missingField : .wrongType,
                field: field,
                message: "\"\(field)\" is not a string"
            )
        }
        return string
    }

    private static func optionalString(_ value: StrictJSON.Value?) -> String? {
        if case .string(let string)? = value, !string.isEmpty { return string }
        return nil
    }

    private static func time(_ value: StrictJSON.Value?, _ field: String) throws(RecordError) -> Int64 {
        let text = try string(value, field)
        guard let millis = RFC3339.milliseconds(text) else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not an RFC 3339 time")
        }
        return millis
    }

    private static func array(_ value: StrictJSON.Value?, _ field: String) throws(RecordError) -> [StrictJSON.Value] {
        switch value {
        case nil, .null?: return []
        case .array(let elements)?: return elements
        default: throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not an array")
        }
    }

    private static func number(_ value: StrictJSON.Value?) -> String? {
        if case .number(let literal)? = value { return literal }
        return nil
    }

    private static func checkLimit(_ count: Int) throws(RecordError) {
        guard count <= VulnsPredicate.findingLimit else {
            throw RecordError(
                code: .outOfRange,
                field: nil,
                message: "the report has \(count) findings; an attestation holds at most \(VulnsPredicate.findingLimit)"
            )
        }
    }

    static func trivy(_ report: StrictJSON.Value, databaseUpdated: Int64?) throws(RecordError) -> VulnsPredicate {
        let created = try time(report["CreatedAt"], "CreatedAt")
        guard let databaseUpdated else {
            throw RecordError(
                code: .missingField,
                field: "db.lastUpdate",
                message:
                    "Trivy JSON reports do not record the vulnerability database's update time; give it (trivy --version shows it)"
            )
        }
        var findings: [VulnsPredicate.Finding] = []
        for (index, result) in try array(report["Results"], "Results").enumerated() {
            for (offset, vulnerability) in try array(result["Vulnerabilities"], "Results[\(index)].Vulnerabilities").enumerated()
            {
                let field = "Results[\(index)].Vulnerabilities[\(offset)]"
                let id = try string(vulnerability["VulnerabilityID"], field + ".VulnerabilityID")
                var ratings: [VulnsPredicate.Rating] = []
                if let severity = optionalString(vulnerability["Severity"]) {
                    let source = optionalString(vulnerability["SeveritySource"]).map { "trivy:" + $0 } ?? "trivy"
                    ratings.append(.init(method: source, score: severity.lowercased()))
                }
                if case .object(let sources)? = vulnerability["CVSS"] {
                    for (source, cvss) in sources {
                        if let score = number(cvss["V3Score"]) {
                            ratings.append(.init(method: "cvss_v3:" + source, score: score))
                        }
                        if let score = number(cvss["V40Score"]) {
                            ratings.append(.init(method: "cvss_v4:" + source, score: score))
                        }
                        if let score = number(cvss["V2Score"]) {
                            ratings.append(.init(method: "cvss_v2:" + source, score: score))
                        }
                    }
                }
                findings.append(.init(id: id, severity: Array(ratings.prefix(16))))
            }
        }
        try checkLimit(findings.count)
        let version = optionalString(report["Trivy"]?["Version"])
        return VulnsPredicate(
            scannerURI: "pkg:github/aquasecurity/trivy" + (version.map { "@v" + $0 } ?? ""),
            scannerVersion: version,
            databaseURI: "pkg:oci/trivy-db?repository_url=ghcr.io/aquasecurity/trivy-db",
            databaseVersion: nil,
            databaseLastUpdate: databaseUpdated,
            findings: findings,
            scanStartedOn: created,
            scanFinishedOn: created
        )
    }

    static func grype(_ report: StrictJSON.Value, databaseUpdated: Int64?) throws(RecordError) -> VulnsPredicate {
        let descriptor = report["descriptor"]
        let timestamp = try time(descriptor?["timestamp"], "descriptor.timestamp")
        let db = descriptor?["db"]
        let built = db?["built"] ?? db?["status"]?["built"]
        let lastUpdate: Int64
        if let databaseUpdated {
            lastUpdate = databaseUpdated
        } else {
            lastUpdate = try time(built, "descriptor.db.built")
        }
        let schema =
            number(db?["schemaVersion"]) ?? optionalString(db?["schemaVersion"])
            ?? optionalString(db?["status"]?["schemaVersion"])
        var findings: [VulnsPredicate.Finding] = []
        for (index, match) in try array(report["matches"], "matches").enumerated() {
            let field = "matches[\(index)].vulnerability"
            let vulnerability = match["vulnerability"]
            let id = try string(vulnerability?["id"], field + ".id")
            var ratings: [VulnsPredicate.Rating] = []
            if let severity = optionalString(vulnerability?["severity"]) {
                let namespace = optionalString(vulnerability?["namespace"]).map { "grype:" + $0 } ?? "grype"
                ratings.append(.init(method: namespace, score: severity.lowercased()))
            }
            for cvss in try array(vulnerability?["cvss"], field + ".cvss") {
                guard let score = number(cvss["metrics"]?["baseScore"]) else { continue }
                let version = optionalString(cvss["version"]).map { "cvss_v" + $0 } ?? "cvss"
                let source = optionalString(cvss["source"]).map { ":" + $0 } ?? ""
                ratings.append(.init(method: version + source, score: score))
            }
            findings.append(.init(id: id, severity: Array(ratings.prefix(16))))
        }
        try checkLimit(findings.count)
        let version = optionalString(descriptor?["version"])
        return VulnsPredicate(
            scannerURI: "pkg:github/anchore/grype" + (version.map { "@v" + $0 } ?? ""),
            scannerVersion: version,
            databaseURI: "pkg:github/anchore/grype-db",
            databaseVersion: schema,
            databaseLastUpdate: lastUpdate,
            findings: findings,
            scanStartedOn: timestamp,
            scanFinishedOn: timestamp
        )
    }
}
