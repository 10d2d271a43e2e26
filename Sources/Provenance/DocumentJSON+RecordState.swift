extension DocumentJSON {
    /// The stored JSON of a record state, written directly: the bytes ``encode(_:)`` (and Foundation's `JSONEncoder`
    /// with sorted keys) gives for the synthesised `Codable` form of `RecordState` — members sorted by the bytes of
    /// their keys, absent optionals left out, strings with `/` escaped — without the encoder's containers. Every
    /// admitted record writes one. `nil` for a state whose pass fraction is not finite (the encoder refuses it).
    static func recordState(_ record: RecordState) -> [UInt8]? {
        if let fraction = record.attestation?.passFraction, !fraction.isFinite { return nil }
        var w = ObjectWriter()
        w.out.reserveCapacity(384)
        w.open()
        if let affected = record.affected {
            w.key("affected")
            w.strings(affected)
        }
        if let attestation = record.attestation {
            w.key("attestation")
            w.summary(attestation)
        }
        if let auditor = record.auditor { w.member("auditor", auditor) }
        if let certification = record.certification {
            w.key("certification")
            w.open()
            w.member("outcome", certification.outcome.rawValue)
            w.member("reason", certification.reason)
            w.member("validUntil", certification.validUntil)
            w.close()
        }
        if let cleanScan = record.cleanScan { w.member("cleanScan", cleanScan.description) }
        if let deprecation = record.deprecation {
            w.key("deprecation")
            w.open()
            w.member("after", deprecation.after)
            w.member("record", deprecation.record.description)
            w.close()
        }
        if let digest = record.digest { w.member("digest", digest) }
        w.member("id", record.id.description)
        w.member("integratedAt", record.integratedAt)
        w.member("kind", record.kind.rawValue)
        if let linked = record.linked { w.member("linked", linked.description) }
        if let provider = record.provider { w.member("provider", provider) }
        if let resolvedBy = record.resolvedBy { w.member("resolvedBy", resolvedBy.description) }
        if let revocation = record.revocation {
            w.key("revocation")
            w.open()
            w.member("effectiveAt", revocation.effectiveAt)
            w.key("inherit")
            w.bool(revocation.inherit)
            w.member("reason", revocation.reason)
            w.member("record", revocation.record.description)
            w.close()
        }
        if let root = record.root { w.member("root", root.description) }
        if let subjects = record.subjects {
            w.key("subjects")
            w.strings(subjects)
        }
        if let user = record.user { w.member("user", user) }
        if let withdrawnBy = record.withdrawnBy { w.member("withdrawnBy", withdrawnBy.description) }
        w.close()
        return w.out
    }

    /// Writes JSON objects member by member, in the order given (callers give sorted keys).
    struct ObjectWriter {
        var out: [UInt8] = []
        /// Whether the next member needs a comma before it.
        private var separated = false

        mutating func open() {
            out.append(UInt8(ascii: "{"))
            separated = false
        }

        mutating func close() {
            out.append(UInt8(ascii: "}"))
            separated = true
        }

        /// Starts member `name` (a key with nothing to escape); its value comes next.
        mutating func key(_ name: StaticString) {
            if separated { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
            separated = false
        }

        mutating func member(_ name: StaticString, _ value: String) {
            key(name)
            string(value)
        }

        mutating func member(_ name: StaticString, _ value: some FixedWidthInteger) {
            key(name)
            out.append(contentsOf: String(value).utf8)
            separated = true
        }

        mutating func string(_ value: String) {
            StrictJSON.quote(value, escapingSlashes: true, into: &out)
            separated = true
        }

        mutating func bool(_ value: Bool) {
            out.append(contentsOf: (value ? "true" : "false").utf8)
            separated = true
        }

        mutating func strings(_ values: [String]) {
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                StrictJSON.quote(value, escapingSlashes: true, into: &out)
            }
            out.append(UInt8(ascii: "]"))
            separated = true
        }

        /// An attestation summary (its pass fraction finite).
        mutating func summary(_ s: AttestationSummary) {
            open()
            if let benchmark = s.benchmark { member("benchmark", benchmark) }
            if let expiresAt = s.expiresAt { member("expiresAt", expiresAt) }
            if let failed = s.failed { member("failed", failed) }
            if let passFraction = s.passFraction {
                key("passFraction")
                out.append(contentsOf: DocumentJSON.finiteNumber(passFraction))
                separated = true
            }
            if let passed = s.passed { member("passed", passed) }
            member("predicateType", s.predicateType)
            if let result = s.result { member("result", result.rawValue) }
            if let scanner = s.scanner { member("scanner", scanner) }
            if let scope = s.scope { member("scope", scope.rawValue) }
            if let score = s.score { member("score", score) }
            if let severities = s.severities {
                key("severities")
                open()
                member("critical", severities.critical)
                member("high", severities.high)
                member("low", severities.low)
                member("medium", severities.medium)
                member("negligible", severities.negligible)
                member("unknown", severities.unknown)
                close()
            }
            if let warned = s.warned { member("warned", warned) }
            close()
        }
    }

    /// `JSONEncoder`'s form of a finite number: the shortest round-trip `description`, without a trailing `.0`.
    static func finiteNumber<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F) -> [UInt8] {
        var bytes = Array(value.description.utf8)
        if bytes.count >= 2, bytes[bytes.count - 2] == UInt8(ascii: "."), bytes[bytes.count - 1] == UInt8(ascii: "0") {
            bytes.removeLast(2)
        }
        return bytes
    }
}
