import Foundation
import Provenance
import Testing

extension RecordsFixture {
    /// The server's decision key in the rules tests.
    static let decisionKey = key(0x41)
    /// A second user's key.
    static let bobKey = key(0x22)
}

extension RecordsWorld {
    /// Genesis, providers acme and globex, images 0x0A (acme) and 0x0B (globex), user alice, decision key
    /// configured.
    static func withUsers() async throws -> RecordsWorld {
        var world = try await RecordsWorld.make()
        world.rules = ProvenanceRules(decisionKeys: [F.decisionKey.publicKey])
        try await world.accept(world.register(0x0A), by: [F.acmeKey])
        try await world.accept(world.register(0x0B, provider: "globex"), by: [F.globexKey])
        try await world.accept(
            .userRegister(
                UserRegisterRecord(id: "alice", key: F.userKey.publicKey, verified: true, organization: "org1", time: world.now)
            ),
            by: [F.admin1]
        )
        return world
    }

    func decision(
        user: String = "alice",
        image: UInt8 = 0x0A,
        provider: String = "acme",
        effect: DecisionEffect = .allow,
        mode: DecisionMode = .enforce,
        n: Int = 0
    ) -> Record {
        .policyDecision(
            PolicyDecisionRecord(
                decision: "dec_" + String(format: "%032x", n),
                user: user,
                image: F.digest(image),
                provider: provider,
                effect: effect,
                mode: mode,
                logSize: 7,
                reasons: ["reputation.tier"],
                time: now
            )
        )
    }

    func feedback(_ stars: Int64 = 4, user: String = "alice", provider: String = "acme") -> Record {
        .userFeedback(UserFeedbackRecord(user: user, provider: provider, body: .stars(stars), time: now))
    }
}

@Suite("Records v1: evidence rules")
struct EvidenceRulesTests {
    typealias F = RecordsFixture

    func expectRejected(_ admission: Admission, _ code: RecordRejection.Code, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(admission.rejection?.code == code, "\(admission)", sourceLocation: sourceLocation)
    }

    @Test func decisionsAreSignedByTheDecisionKeyAndWriteTheUsageIndex() async throws {
        var world = try await RecordsWorld.withUsers()
        expectRejected(try await world.submit(world.decision(), by: [F.admin1]), .notSignedByDecisionKey)
        expectRejected(try await world.submit(world.decision(user: "bob"), by: [F.decisionKey]), .unknownUser)
        expectRejected(try await world.submit(world.decision(image: 0x0B), by: [F.decisionKey]), .unknownImage)
        var unconfigured = world
        unconfigured.rules = ProvenanceRules()
        expectRejected(try await unconfigured.submit(world.decision(), by: [F.decisionKey]), .notSignedByDecisionKey)
        #expect(try await world.state.lastUse(user: "alice", provider: "acme") == nil)

        // A deny and a dry run prove nothing.
        try await world.accept(world.decision(effect: .deny, n: 1), by: [F.decisionKey])
        try await world.accept(world.decision(mode: .dryRun, n: 2), by: [F.decisionKey])
        #expect(try await world.state.lastUse(user: "alice", provider: "acme") == nil)
        let time = world.now
        try await world.accept(world.decision(effect: .allowWithConditions, mode: .warn, n: 3), by: [F.decisionKey])
        #expect(try await world.state.lastUse(user: "alice", provider: "acme") == time)
        #expect(try await world.state.lastUse(user: "alice", provider: "globex") == nil)
    }

    @Test func feedbackNeedsProofOfUseWithin180Days() async throws {
        var world = try await RecordsWorld.withUsers()
        let before = world.state
        expectRejected(try await world.submit(world.feedback(), by: [F.userKey]), .noProofOfUse)
        #expect(world.state.records.count == before.records.count)
        try await world.accept(world.decision(), by: [F.decisionKey])
        expectRejected(try await world.submit(world.feedback(provider: "globex"), by: [F.userKey]), .noProofOfUse)
        expectRejected(try await world.submit(world.feedback(), by: [F.bobKey]), .notSignedByUser)
        expectRejected(try await world.submit(world.feedback(user: "bob"), by: [F.bobKey]), .unknownUser)
        let id = try await world.accept(world.feedback(), by: [F.userKey])
        #expect(try await world.state.record(id: id)?.user == "alice")
        // 181 days later the proof has lapsed.
        world.now += 181 * F.day
        expectRejected(try await world.submit(world.feedback(2), by: [F.userKey]), .noProofOfUse)
    }

    func report(_ digests: [UInt8] = [0x0A], provider: String = "acme", severity: EvidenceSeverity = .high) -> Record {
        .vulnerabilityReport(
            VulnerabilityReportRecord(
                provider: provider,
                vulnerability: "CVE-2026-0001",
                severity: severity,
                knownExploited: false,
                affected: digests.map(F.digest),
                time: F.t0
            )
        )
    }

    @Test func reportsAreSignedByAReporterAboutRegisteredImages() async throws {
        var world = try await RecordsWorld.withUsers()
        func at(_ record: Record) -> Record {
            guard case .vulnerabilityReport(var report) = record else { return record }
            report.time = world.now
            return .vulnerabilityReport(report)
        }
        expectRejected(try await world.submit(at(report()), by: [F.globexKey]), .notSignedByReporter)
        expectRejected(try await world.submit(at(report([0x0B])), by: [F.acmeKey]), .unknownImage)
        let byUser = try await world.accept(at(report()), by: [F.userKey])
        #expect(try await world.state.record(id: byUser)?.user == "alice")
        #expect(try await world.state.record(id: byUser)?.affected == [F.digest(0x0A)])
        try await world.accept(world.onboardAuditor(), by: [F.admin1])
        let byAuditor = try await world.accept(at(report(severity: .low)), by: [F.auditorKey])
        #expect(try await world.state.record(id: byAuditor)?.auditor == "sec-audit")
        try await world.accept(at(report(severity: .medium)), by: [F.acmeKey])
    }

    @Test func resolutionsAreTheProvidersAndRetireTheAffectedVersions() async throws {
        var world = try await RecordsWorld.withUsers()
        let image = try await world.state.imageRecord(provider: "acme", digest: F.digest(0x0A))!
        var reportRecord = report()
        if case .vulnerabilityReport(var r) = reportRecord {
            r.time = world.now
            reportRecord = .vulnerabilityReport(r)
        }
        let reportID = try await world.accept(reportRecord, by: [F.userKey])
        let fixed = try await world.accept(world.modify(0x0C, previous: image), by: [F.acmeKey])
        _ = fixed
        func resolution(retired: [RecordID], fixedDigest: UInt8 = 0x0C, report: RecordID = reportID) -> Record {
            .vulnerabilityResolution(
                VulnerabilityResolutionRecord(
                    provider: "acme",
                    report: report,
                    fixed: F.digest(fixedDigest),
                    retired: retired,
                    time: world.now
                )
            )
        }
        let deprecate = Record.imageDeprecate(
            ImageDeprecateRecord(provider: "acme", target: image, after: world.now, time: world.now)
        )
        let deprecation = try await world.accept(deprecate, by: [F.acmeKey])
        // Someone other than the provider: refused, nothing written.
        let before = world.state
        expectRejected(try await world.submit(resolution(retired: [deprecation]), by: [F.globexKey]), .notSignedByProvider)
        expectRejected(try await world.submit(resolution(retired: [deprecation]), by: [F.userKey]), .notSignedByProvider)
        #expect(world.state.records.count == before.records.count)
        expectRejected(try await world.submit(resolution(retired: [image]), by: [F.acmeKey]), .affectedNotRetired)
        expectRejected(
            try await world.submit(resolution(retired: [deprecation], fixedDigest: 0x0B), by: [F.acmeKey]),
            .unknownImage
        )
        expectRejected(
            try await world.submit(resolution(retired: [deprecation], fixedDigest: 0x0A), by: [F.acmeKey]),
            .affectedNotRetired
        )
        expectRejected(try await world.submit(resolution(retired: [deprecation], report: image), by: [F.acmeKey]), .notAReport)
        expectRejected(
            try await world.submit(resolution(retired: [deprecation], report: F.sampleID), by: [F.acmeKey]),
            .unknownRecord
        )
        let resolved = try await world.accept(resolution(retired: [deprecation]), by: [F.acmeKey])
        #expect(try await world.state.record(id: reportID)?.resolvedBy == resolved)
        expectRejected(try await world.submit(resolution(retired: [deprecation]), by: [F.acmeKey]), .alreadyResolved)
    }

    @Test func anInheritedRevocationRetiresDescendants() async throws {
        var world = try await RecordsWorld.withUsers()
        let root = try await world.state.imageRecord(provider: "acme", digest: F.digest(0x0A))!
        let child = try await world.accept(world.modify(0x0D, previous: root), by: [F.acmeKey])
        _ = child
        try await world.accept(world.modify(0x0C, previous: root), by: [F.acmeKey])
        var reportRecord = report([0x0D])
        if case .vulnerabilityReport(var r) = reportRecord {
            r.time = world.now
            reportRecord = .vulnerabilityReport(r)
        }
        let reportID = try await world.accept(reportRecord, by: [F.acmeKey])
        let revocation = try await world.accept(world.revoke(root, inherit: true), by: [F.acmeKey])
        #expect(try await world.state.record(id: root)?.root == root)
        try await world.accept(
            .vulnerabilityResolution(
                VulnerabilityResolutionRecord(
                    provider: "acme",
                    report: reportID,
                    fixed: F.digest(0x0C),
                    retired: [revocation],
                    time: world.now
                )
            ),
            by: [F.acmeKey]
        )
    }

    @Test func triageTargetsFeedbackAndIsSignedByAdminsOrAnAuditor() async throws {
        var world = try await RecordsWorld.withUsers()
        try await world.accept(world.decision(), by: [F.decisionKey])
        let feedback = try await world.accept(
            .userFeedback(UserFeedbackRecord(user: "alice", provider: "acme", body: .issue("broken"), time: world.now)),
            by: [F.userKey]
        )
        func triage(_ target: RecordID) -> Record {
            .feedbackTriage(FeedbackTriageRecord(target: target, verdict: .confirm, time: world.now))
        }
        expectRejected(try await world.submit(triage(feedback), by: [F.acmeKey]), .notSignedByAdminsOrAuditor)
        let image = try await world.state.imageRecord(provider: "acme", digest: F.digest(0x0A))!
        expectRejected(try await world.submit(triage(image), by: [F.admin1]), .notFeedback)
        expectRejected(try await world.submit(triage(F.sampleID), by: [F.admin1]), .unknownRecord)
        try await world.accept(world.onboardAuditor(), by: [F.admin1])
        try await world.accept(triage(feedback), by: [F.auditorKey])
    }

    @Test func parameterVersionsIncrease() async throws {
        var world = try await RecordsWorld.withUsers()
        func parameters(_ version: Int64) -> Record {
            .reputationParameters(
                ReputationParametersRecord(
                    version: version,
                    parameters: [.init(name: "weights.sec", thousandths: 400)],
                    time: world.now
                )
            )
        }
        expectRejected(try await world.submit(parameters(1), by: [F.admin1]), .parametersVersionNotIncreasing)
        expectRejected(try await world.submit(parameters(2), by: [F.acmeKey]), .notSignedByAdmins)
        try await world.accept(parameters(3), by: [F.admin1])
        #expect(try await world.state.parametersVersion() == 3)
        expectRejected(try await world.submit(parameters(3), by: [F.admin1]), .parametersVersionNotIncreasing)
        try await world.accept(parameters(4), by: [F.admin1])
    }

    @Test func incidentsAndResponses() async throws {
        var world = try await RecordsWorld.withUsers()
        let incident = try await world.accept(
            .incidentReport(
                IncidentReportRecord(
                    provider: "acme",
                    incident: "INC-1",
                    severity: .critical,
                    summary: "keys leaked",
                    category: .compromise,
                    time: world.now
                )
            ),
            by: [F.acmeKey]
        )
        let response = Record.incidentResponse(
            IncidentResponseRecord(provider: "acme", report: incident, response: "rotated", time: world.now)
        )
        expectRejected(try await world.submit(response, by: [F.globexKey]), .notSignedByProvider)
        try await world.accept(response, by: [F.acmeKey])
        // The category decodes and encodes canonically.
        let record = try #require(try await world.state.record(id: incident))
        #expect(record.kind == .incidentReport)
    }
}
