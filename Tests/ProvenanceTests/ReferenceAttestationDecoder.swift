import TransparencyLog

@testable import Provenance

/// The tree-based attestation decoding vmtrust used before ``JSONView`` (StrictJSON.Value + FieldReader), kept as
/// the reference the byte-level reader is compared with (AttestationReaderDifferentialTests).
enum ReferenceAttestationDecoder {
    /// The statement layer: subjects and predicate type; the predicate's validation result.
    struct Decoded: Equatable {
        var subjects: [ResourceDescriptor]
        var predicateType: String
        var predicate: Result<AttestationPredicate, RecordError>
    }

    static func decode(_ payload: [UInt8]) throws(RecordError) -> Decoded {
        let value: StrictJSON.Value
        do {
            value = try StrictJSON.parse(payload)
        } catch {
            throw RecordError(code: .malformedJSON, field: nil, message: error.reason)
        }
        var reader = try FieldReader(value, path: "")
        let type = try reader.string("_type", .line(limit: RecordLimits.typeURI))
        guard type == InTotoStatement.type else {
            throw RecordError(
                code: .unsupportedVersion,
                field: "_type",
                message: "\"_type\" is \"\(type)\"; only \(InTotoStatement.type) is supported"
            )
        }
        let subjects: [ResourceDescriptor] =
            try reader.array("subject", limit: InTotoStatement.subjectLimit) {
                value,
                path throws(RecordError) -> ResourceDescriptor in
                let descriptor = try Self.descriptor(value, path: path)
                guard !descriptor.digest.isEmpty else {
                    throw RecordError(
                        code: .missingField,
                        field: path + ".digest",
                        message: "\"\(path).digest\" is required in a subject"
                    )
                }
                return descriptor
            } ?? []
        try RecordValidation.distinct(subjects.map(\.digest), field: "subject")
        let predicateType = try TypeURI.read(try reader.value("predicateType"), field: "predicateType")
        let predicateValue = try reader.optionalValue("predicate")
        if let predicateValue {
            guard case .object = predicateValue else {
                throw RecordError(code: .wrongType, field: "predicate", message: "\"predicate\" is not an object")
            }
        }
        let predicate: Result<AttestationPredicate, RecordError>
        do {
            predicate = .success(try self.predicate(type: predicateType, value: predicateValue ?? .object([])))
        } catch {
            predicate = .failure(error)
        }
        return Decoded(subjects: subjects, predicateType: predicateType, predicate: predicate)
    }

    static func predicate(type: String, value: StrictJSON.Value) throws(RecordError) -> AttestationPredicate {
        switch type {
        case AttestationPredicate.vulnsType: .vulns(try vulns(value, path: "predicate"))
        case AttestationPredicate.testResultType: .testResult(try testResult(value, path: "predicate"))
        case AttestationPredicate.auditType: .audit(try audit(value, path: "predicate"))
        default: .other(type: type)
        }
    }

    static func descriptor(_ value: StrictJSON.Value, path: String) throws(RecordError) -> ResourceDescriptor {
        var reader = try FieldReader(value, path: path)
        let name = try reader.optionalString("name", .line(limit: RecordLimits.reason))
        let uri = try reader.optionalValue("uri").map { value throws(RecordError) in
            try TypeURI.read(value, field: reader.fieldPath("uri"), limit: RecordLimits.reason)
        }
        let downloadLocation = try reader.optionalValue("downloadLocation").map { value throws(RecordError) in
            try TypeURI.read(value, field: reader.fieldPath("downloadLocation"), limit: RecordLimits.reason)
        }
        let mediaType = try reader.optionalString("mediaType", .line(limit: RecordLimits.name))
        var content: String?
        if let value = try reader.optionalValue("content") {
            guard case .string(let string) = value, Base64.decode(string) != nil else {
                throw RecordError(
                    code: .invalidValue,
                    field: reader.fieldPath("content"),
                    message: "\"\(reader.fieldPath("content"))\" is not base64"
                )
            }
            content = string
        }
        if let value = try reader.optionalValue("annotations") {
            guard case .object = value else {
                throw RecordError(
                    code: .wrongType,
                    field: reader.fieldPath("annotations"),
                    message: "\"\(reader.fieldPath("annotations"))\" is not an object"
                )
            }
        }
        var digest: [String: String] = [:]
        if let value = try reader.optionalValue("digest") {
            digest = try digestSet(value, field: reader.fieldPath("digest"))
        }
        guard uri != nil || !digest.isEmpty || content != nil else {
            throw RecordError(code: .missingField, field: path, message: "\"\(path)\" needs one of uri, digest or content")
        }
        return ResourceDescriptor(
            name: name,
            uri: uri,
            digest: digest,
            downloadLocation: downloadLocation,
            mediaType: mediaType
        )
    }

    static func digestSet(_ value: StrictJSON.Value, field: String) throws(RecordError) -> [String: String] {
        guard case .object(let members) = value else {
            throw RecordError(code: .wrongType, field: field, message: "\"\(field)\" is not an object")
        }
        guard !members.isEmpty else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is empty")
        }
        guard members.count <= 16 else {
            throw RecordError(code: .outOfRange, field: field, message: "\"\(field)\" has more than 16 algorithms")
        }
        var out: [String: String] = [:]
        for (algorithm, digestValue) in members {
            let path = "\(field).\(algorithm)"
            guard !algorithm.isEmpty, algorithm.utf8.count <= 64 else {
                throw RecordError(code: .invalidValue, field: path, message: "\"\(field)\" has an invalid algorithm name")
            }
            let digest = try FieldReader.text(digestValue, .line(limit: 1024), field: path)
            if let lengths = DigestSet.hexLengths[algorithm] {
                guard lengths.contains(digest.utf8.count), [UInt8](lowercaseHex: digest) != nil else {
                    throw RecordError(
                        code: .invalidValue,
                        field: path,
                        message: "\"\(path)\" is not lowercase hex of a \(algorithm) digest"
                    )
                }
            }
            out[algorithm] = digest
        }
        return out
    }

    static func timestamp(_ reader: inout FieldReader, _ key: String) throws(RecordError) -> Int64 {
        try timestamp(try reader.value(key), field: reader.fieldPath(key))
    }

    static func timestamp(_ value: StrictJSON.Value, field: String) throws(RecordError) -> Int64 {
        let string = try FieldReader.text(value, .line(limit: 64), field: field)
        guard let millis = RFC3339.milliseconds(string), millis >= 0 else {
            throw RecordError(code: .invalidValue, field: field, message: "\"\(field)\" is not an RFC 3339 timestamp")
        }
        return millis
    }

    static func vulns(_ value: StrictJSON.Value, path: String) throws(RecordError) -> VulnsPredicate {
        var reader = try FieldReader(value, path: path)
        var scanner = try FieldReader(try reader.value("scanner"), path: reader.fieldPath("scanner"))
        let scannerURI = try TypeURI.read(
            try scanner.value("uri"),
            field: scanner.fieldPath("uri"),
            limit: RecordLimits.reason
        )
        let scannerVersion = try scanner.optionalString("version", .line(limit: RecordLimits.name))
        var db = try FieldReader(try scanner.value("db"), path: scanner.fieldPath("db"))
        let databaseURI = try db.optionalValue("uri").map { value throws(RecordError) in
            try TypeURI.read(value, field: db.fieldPath("uri"), limit: RecordLimits.reason)
        }
        let databaseVersion = try db.optionalString("version", .line(limit: RecordLimits.name))
        let databaseLastUpdate = try timestamp(&db, "lastUpdate")
        let findings =
            try scanner.array("result", limit: VulnsPredicate.findingLimit, allowEmpty: true) {
                value,
                path throws(RecordError) -> VulnsPredicate.Finding in
                var finding = try FieldReader(value, path: path)
                let id = try finding.string("id", .line(limit: RecordLimits.name))
                let ratings =
                    try finding.array("severity", limit: 16, allowEmpty: true) {
                        value,
                        path throws(RecordError) -> VulnsPredicate.Rating in
                        var rating = try FieldReader(value, path: path)
                        return VulnsPredicate.Rating(
                            method: try rating.string("method", .line(limit: RecordLimits.name)),
                            score: try rating.string("score", .line(limit: RecordLimits.name))
                        )
                    } ?? []
                if let annotations = try finding.optionalValue("annotations") {
                    switch annotations {
                    case .object, .array: break
                    default:
                        throw RecordError(
                            code: .wrongType,
                            field: finding.fieldPath("annotations"),
                            message: "\"\(finding.fieldPath("annotations"))\" is not a list or map"
                        )
                    }
                }
                return VulnsPredicate.Finding(id: id, severity: ratings)
            } ?? []
        var metadata = try FieldReader(try reader.value("metadata"), path: reader.fieldPath("metadata"))
        let scanStartedOn = try timestamp(&metadata, "scanStartedOn")
        let scanFinishedOn = try timestamp(&metadata, "scanFinishedOn")
        guard scanFinishedOn >= scanStartedOn else {
            throw RecordError(
                code: .invalidValue,
                field: metadata.fieldPath("scanFinishedOn"),
                message: "\"\(metadata.fieldPath("scanFinishedOn"))\" is before scanStartedOn"
            )
        }
        return VulnsPredicate(
            scannerURI: scannerURI,
            scannerVersion: scannerVersion,
            databaseURI: databaseURI,
            databaseVersion: databaseVersion,
            databaseLastUpdate: databaseLastUpdate,
            findings: findings,
            scanStartedOn: scanStartedOn,
            scanFinishedOn: scanFinishedOn
        )
    }

    static func testResult(_ value: StrictJSON.Value, path: String) throws(RecordError) -> TestResultPredicate {
        var reader = try FieldReader(value, path: path)
        let result = try reader.enumeration("result", AttestationResult.self)
        let configuration =
            try reader.array("configuration", limit: 16) { value, path throws(RecordError) in
                try descriptor(value, path: path)
            } ?? []
        let url = try reader.optionalValue("url").map { value throws(RecordError) in
            try TypeURI.read(value, field: reader.fieldPath("url"), limit: RecordLimits.reason)
        }
        func tests(_ key: String) throws(RecordError) -> [String]? {
            let names = try reader.array(key, limit: TestResultPredicate.testLimit, required: false, allowEmpty: true) {
                value,
                path throws(RecordError) in
                try FieldReader.text(value, .line(limit: RecordLimits.reason), field: path)
            }
            if let names { try RecordValidation.distinct(names, field: reader.fieldPath(key)) }
            return names
        }
        let passedTests = try tests("passedTests")
        let warnedTests = try tests("warnedTests")
        let failedTests = try tests("failedTests")
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
        return TestResultPredicate(
            result: result,
            configuration: configuration,
            url: url,
            passedTests: passedTests,
            warnedTests: warnedTests,
            failedTests: failedTests
        )
    }

    static func audit(_ value: StrictJSON.Value, path: String) throws(RecordError) -> AuditPredicate {
        var reader = try FieldReader(value, path: path)
        let result = try reader.enumeration("result", AttestationResult.self)
        let score = Int(try reader.integer("score", in: 0...100))
        var controls = try FieldReader(try reader.value("controls"), path: reader.fieldPath("controls"))
        let controlsChecked = Int(try controls.integer("checked", in: 1...100_000))
        let controlsPassed = Int(try controls.integer("passed", in: 0...100_000))
        try controls.finish()
        guard controlsPassed <= controlsChecked else {
            throw RecordError(
                code: .outOfRange,
                field: controls.fieldPath("passed"),
                message: "\"\(controls.fieldPath("passed"))\" exceeds controls.checked"
            )
        }
        let scope = try reader.enumeration("scope", AuditScope.self)
        let standard = try reader.optionalString("standard", .line(limit: RecordLimits.name))
        let summaryText = try reader.optionalString("summary", .text(limit: RecordLimits.description))
        let expiresAt = try reader.optionalValue("expiresAt").map { value throws(RecordError) in
            try timestamp(value, field: reader.fieldPath("expiresAt"))
        }
        try reader.finish()
        return AuditPredicate(
            result: result,
            score: score,
            controlsChecked: controlsChecked,
            controlsPassed: controlsPassed,
            scope: scope,
            standard: standard,
            summaryText: summaryText,
            expiresAt: expiresAt
        )
    }
}
