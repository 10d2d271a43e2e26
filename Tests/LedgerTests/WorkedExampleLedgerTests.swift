import Foundation
import Ledger
import Provenance
import Reputation
import Testing
import TransparencyLog
import VMTrustTesting

/// REPUTATION.md's worked example rebuilt from real signed records on a ledger with a controllable clock
/// (docs/REPUTATION-NOTES.md, "Worked example from records", lists the records).
struct WorkedExampleScenario {
    static func key(_ seed: UInt8, _ index: Int = 0) -> SigningKey {
        var bytes = [UInt8](repeating: seed, count: 32)
        bytes[31] = UInt8(index)
        return try! SigningKey(ed25519Seed: bytes)
    }
    static let admin = key(0xA1)
    static let acme = key(0x01)
    static let other = key(0x02)
    static let certifier = key(0x03)
    static let scanner = key(0x04)
    static let a1 = key(0x05)
    static let a2 = key(0x06)
    static let decision = TestKeys.decisionKey
    static func verifiedUser(_ index: Int) -> SigningKey { key(0x10, index) }
    static func reporter(_ index: Int) -> SigningKey { key(0x20, index) }
    static func sybil(_ index: Int) -> SigningKey { key(0x30, index) }

    /// Day 0 of the example.
    static let day0: Int64 = 1_800_000_000_000
    static let dayMillis: Int64 = 86_400_000
    static func at(_ day: Double, minutes: Int64 = 0) -> Int64 { day0 + Int64(day * Double(dayMillis)) + minutes * 60_000 }
    static func digest(_ name: String) -> String {
        "sha256:" + SHA256Hex.of(Array(name.utf8))
    }

    var highFixDay: Double = 95
    var compromiseDay: Double?
    var rawBurst = false

    /// One record: when, what, who signs.
    struct Step {
        var time: Int64
        var record: Record
        var keys: [SigningKey]
    }

    /// The example's records, in log order (each at its time; records of one instant in the order given).
    func steps() throws -> [Step] {
        var steps: [Step] = []
        func add(_ time: Int64, _ record: Record, _ keys: [SigningKey]) {
            steps.append(Step(time: time, record: record, keys: keys))
        }
        typealias S = WorkedExampleScenario
        var decisionCount = 0
        func decision(_ user: String, _ image: String, _ provider: String, _ time: Int64) -> Record {
            decisionCount += 1
            return .policyDecision(
                PolicyDecisionRecord(
                    decision: "dec_" + String(format: "%032x", decisionCount),
                    user: user,
                    image: image,
                    provider: provider,
                    effect: .allow,
                    mode: .enforce,
                    logSize: 0,
                    reasons: [],
                    time: time
                )
            )
        }
        // Governance, 300 days before day 0: the parameter set without the initial-reputation prior (the example
        // leaves it out), the other provider and its image, the certifier, the users.
        let setup = S.at(-300)
        add(
            setup,
            .genesis(GenesisRecord(adminKeys: [S.admin.publicKey], threshold: 1, origin: TestKeys.origin, time: setup)),
            [S.admin]
        )
        add(setup, .reputationParameters(Self.parameters(version: 2, raw: false, time: setup)), [S.admin])
        add(
            setup,
            .providerOnboard(
                ProviderOnboardRecord(
                    id: "other",
                    displayName: "Other",
                    keys: [KeyGrant(key: S.other.publicKey)],
                    initialReputation: 50,
                    time: setup
                )
            ),
            [S.admin]
        )
        let otherImage = S.digest("other-image")
        add(
            setup,
            .imageRegister(
                ImageRegisterRecord(
                    digest: otherImage,
                    provider: "other",
                    name: "other",
                    format: .qcow2,
                    size: 1,
                    initialReputation: 50,
                    time: setup
                )
            ),
            [S.other]
        )
        add(
            setup,
            .certifierOnboard(
                CertifierOnboardRecord(
                    id: "certco",
                    displayName: "CertCo",
                    keys: [S.certifier.publicKey],
                    trustAnchors: [],
                    types: [.soc2Type2, .iso27001, .cisHardened],
                    time: setup
                )
            ),
            [S.admin]
        )
        add(
            setup,
            .auditorOnboard(
                AuditorOnboardRecord(
                    id: "scanner",
                    displayName: "Scanner",
                    keys: [KeyGrant(key: S.scanner.publicKey)],
                    accreditation: Accreditation(by: "none", until: S.at(1000)),
                    attestationTypes: [AttestationPredicate.vulnsType],
                    trustSeed: 0,
                    time: setup
                )
            ),
            [S.admin]
        )
        var users: [(String, SigningKey, Bool)] = (0..<5).map { ("verified-\($0)", S.verifiedUser($0), true) }
        users += (0..<2).map { ("reporter-\($0)", S.reporter($0), false) }
        for (id, key, verified) in users {
            add(
                setup,
                .userRegister(UserRegisterRecord(id: id, key: key.publicKey, verified: verified ? true : nil, time: setup)),
                [S.admin]
            )
        }
        // History: confirmed issue reports about the other provider (credibility 0.8 and 0.7).
        for (id, key, _) in users {
            add(S.at(-201), decision(id, otherImage, "other", S.at(-201)), [S.decision])
            let count = id.hasPrefix("verified") ? 3 : 4
            for index in 0..<count {
                let time = S.at(-200, minutes: Int64(index))
                let report = Record.userFeedback(
                    UserFeedbackRecord(user: id, provider: "other", body: .issue("history \(index)"), time: time)
                )
                add(time, report, [key])
                add(
                    S.at(-199),
                    .feedbackTriage(FeedbackTriageRecord(target: report.id, verdict: .confirm, time: S.at(-199))),
                    [S.admin]
                )
            }
        }
        steps.sort { $0.time < $1.time }  // stable: records of one instant keep their order

        var timed: [Step] = []
        func at(_ time: Int64, _ record: Record, _ keys: [SigningKey]) {
            timed.append(Step(time: time, record: record, keys: keys))
        }
        // Day 0: Acme, its two verified certifications.
        at(
            S.at(0),
            .providerOnboard(
                ProviderOnboardRecord(
                    id: "acme",
                    displayName: "Acme",
                    keys: [KeyGrant(key: S.acme.publicKey)],
                    initialReputation: 50,
                    time: S.at(0)
                )
            ),
            [S.admin]
        )
        for type in [ComplianceType.soc2Type2, .iso27001] {
            let time = S.at(0, minutes: 1)
            at(
                time,
                .complianceCertification(
                    ComplianceCertificationRecord(
                        provider: "acme",
                        certifier: "certco",
                        type: type,
                        validFrom: S.at(0),
                        validUntil: S.at(365),
                        time: time
                    )
                ),
                [S.certifier]
            )
        }
        // Releases: the lineage root on day 5, versions on days 35, 65, 95, each scanned clean at once; unscanned
        // fix versions on day 26 (critical CVE) and, in the counterfactual, on the high CVE's fix day.
        var images: [Double: (digest: String, id: RecordID)] = [:]
        var previous: RecordID?
        func publish(_ day: Double, name: String, scanned: Bool) {
            let time = S.at(day)
            let digest = S.digest("acme-\(name)")
            let record: Record
            if let previous {
                record = .imageModify(
                    ImageModifyRecord(
                        digest: digest,
                        provider: "acme",
                        previous: previous,
                        change: .patch,
                        description: name,
                        time: time
                    )
                )
            } else {
                record = .imageRegister(
                    ImageRegisterRecord(
                        digest: digest,
                        provider: "acme",
                        name: "acme-base",
                        format: .qcow2,
                        size: 1,
                        initialReputation: 50,
                        time: time
                    )
                )
            }
            at(time, record, [S.acme])
            previous = record.id
            images[day] = (digest, record.id)
            if scanned {
                let scan = VulnsPredicate(
                    scannerURI: "pkg:github/aquasecurity/trivy@v0.52.2",
                    scannerVersion: "0.52.2",
                    databaseURI: nil,
                    databaseVersion: nil,
                    databaseLastUpdate: time - 3_600_000,
                    findings: [],
                    scanStartedOn: time - 600_000,
                    scanFinishedOn: time - 300_000
                )
                let statement = InTotoStatement(subjects: [ResourceDescriptor(imageDigest: digest)], predicate: .vulns(scan))
                at(time, .attestation(AttestationRecord(statement: statement)), [S.scanner])
            }
        }
        func deprecate(_ target: RecordID, _ day: Double) -> Record {
            .imageDeprecate(ImageDeprecateRecord(provider: "acme", target: target, after: S.at(day), time: S.at(day)))
        }
        func report(_ name: String, _ day: Double, severity: EvidenceSeverity, epss: Int64?, affected: String) -> Record {
            .vulnerabilityReport(
                VulnerabilityReportRecord(
                    provider: "acme",
                    vulnerability: name,
                    severity: severity,
                    epssMillionths: epss,
                    knownExploited: false,
                    affected: [affected],
                    time: S.at(day)
                )
            )
        }
        func resolve(_ report: RecordID, fixed: String, retired: RecordID, _ day: Double) -> Record {
            .vulnerabilityResolution(
                VulnerabilityResolutionRecord(provider: "acme", report: report, fixed: fixed, retired: [retired], time: S.at(day))
            )
        }
        publish(5, name: "v5", scanned: true)
        // Auditor A1 (r_A = 18, b = 0.9) passes the image on day 10.
        at(S.at(10), Self.auditorOnboard("a1", S.a1, seed: 18, S.at(10)), [S.admin])
        at(S.at(10), Self.audit(images[5]!.digest, passed: 10), [S.a1])
        // The critical CVE of day 20, fixed on day 26 (a new version, the affected one deprecated).
        let critical = report("CVE-2026-1000", 20, severity: .critical, epss: nil, affected: images[5]!.digest)
        at(S.at(20), critical, [S.acme])
        publish(26, name: "fix26", scanned: false)
        let retired5 = deprecate(images[5]!.id, 26)
        at(S.at(26), retired5, [S.acme])
        at(S.at(26), resolve(critical.id, fixed: images[26]!.digest, retired: retired5.id, 26), [S.acme])
        publish(35, name: "v35", scanned: true)
        // The CIS claim of day 40: the provider's own, without a chain: unverifiable.
        at(
            S.at(40),
            .complianceCertification(
                ComplianceCertificationRecord(
                    provider: "acme",
                    certifier: "certco",
                    type: .cisHardened,
                    validFrom: S.at(40),
                    validUntil: S.at(400),
                    time: S.at(40)
                )
            ),
            [S.acme]
        )
        // The high CVE (EPSS 0.05) of day 50 on the day-35 version.
        let high = report("CVE-2026-2000", 50, severity: .high, epss: 50_000, affected: images[35]!.digest)
        at(S.at(50), high, [S.acme])
        func fixHigh() {
            let fixed = images[highFixDay]!
            let retired = deprecate(images[35]!.id, highFixDay)
            at(S.at(highFixDay), retired, [S.acme])
            at(S.at(highFixDay), resolve(high.id, fixed: fixed.digest, retired: retired.id, highFixDay), [S.acme])
        }
        if highFixDay < 65 {
            publish(highFixDay, name: "fix\(Int(highFixDay))", scanned: false)
            fixHigh()
        }
        // Day 59: the 30 new accounts of one organisation; proof of use for everyone who rates on day 60.
        for index in 0..<30 {
            let id = "sybil-\(index)"
            at(
                S.at(59),
                .userRegister(
                    UserRegisterRecord(
                        id: id,
                        key: S.sybil(index).publicKey,
                        verified: rawBurst ? true : nil,
                        organization: "sybil-org",
                        time: S.at(59)
                    )
                ),
                [S.admin]
            )
        }
        for id in (0..<5).map({ "verified-\($0)" }) + (0..<30).map({ "sybil-\($0)" }) {
            at(S.at(59, minutes: 1), decision(id, images[35]!.digest, "acme", S.at(59, minutes: 1)), [S.decision])
        }
        for index in 0..<5 {
            let time = S.at(60, minutes: Int64(index))
            at(
                time,
                .userFeedback(UserFeedbackRecord(user: "verified-\(index)", provider: "acme", body: .stars(5), time: time)),
                [S.verifiedUser(index)]
            )
        }
        if rawBurst {
            let time = S.at(60, minutes: 9)
            at(time, .reputationParameters(Self.parameters(version: 3, raw: true, time: time)), [S.admin])
        }
        for index in 0..<30 {
            let time = S.at(60, minutes: 10 + Int64(index))
            at(
                time,
                .userFeedback(UserFeedbackRecord(user: "sybil-\(index)", provider: "acme", body: .stars(5), time: time)),
                [S.sybil(index)]
            )
        }
        publish(65, name: "v65", scanned: true)
        // Auditor A2 (default seed 8, b = 0.8) passes 60% of the controls on day 70.
        at(S.at(70), Self.auditorOnboard("a2", S.a2, seed: nil, S.at(70)), [S.admin])
        at(S.at(70), Self.audit(images[5]!.digest, passed: 6), [S.a2])
        // Two issue reports on day 85 (c = 0.7), confirmed.
        for index in 0..<2 {
            at(S.at(84), decision("reporter-\(index)", images[65]!.digest, "acme", S.at(84)), [S.decision])
        }
        for index in 0..<2 {
            let time = S.at(85, minutes: Int64(index))
            let issue = Record.userFeedback(
                UserFeedbackRecord(user: "reporter-\(index)", provider: "acme", body: .issue("image \(index) broken"), time: time)
            )
            at(time, issue, [S.reporter(index)])
            let triage = S.at(85, minutes: 10 + Int64(index))
            at(triage, .feedbackTriage(FeedbackTriageRecord(target: issue.id, verdict: .confirm, time: triage)), [S.admin])
        }
        publish(95, name: "v95", scanned: true)
        if highFixDay >= 65 { fixHigh() }
        if let compromiseDay {
            let time = S.at(compromiseDay)
            at(
                time,
                .incidentReport(
                    IncidentReportRecord(
                        provider: "acme",
                        incident: "INC-1",
                        severity: .critical,
                        summary: "signing key compromised",
                        category: .compromise,
                        time: time
                    )
                ),
                [S.acme]
            )
        }
        let ordered = timed.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        return steps + ordered
    }

    static func parameters(version: Int64, raw: Bool, time: Int64) -> ReputationParametersRecord {
        var values: [ReputationParametersRecord.ParameterValue] = [
            .init(name: "security.initialReputationWeight", thousandths: 0)
        ]
        if raw {
            values += [
                .init(name: "feedback.verifiedPrior", thousandths: 1000),
                .init(name: "feedback.clusterUnits", thousandths: 1_000_000_000),
                .init(name: "feedback.burstMinimum", thousandths: 1_000_000_000),
            ]
        }
        return ReputationParametersRecord(version: version, parameters: values, time: time)
    }

    static func auditorOnboard(_ id: String, _ key: SigningKey, seed: Int?, _ time: Int64) -> Record {
        .auditorOnboard(
            AuditorOnboardRecord(
                id: id,
                displayName: id,
                keys: [KeyGrant(key: key.publicKey)],
                accreditation: Accreditation(by: "DAkkS", until: time + 365 * dayMillis),
                attestationTypes: [AttestationPredicate.auditType],
                trustSeed: seed,
                time: time
            )
        )
    }

    static func audit(_ digest: String, passed: Int) -> Record {
        let predicate = AuditPredicate(
            result: passed == 10 ? .passed : .warned,
            score: passed * 10,
            controlsChecked: 10,
            controlsPassed: passed,
            scope: .image
        )
        let statement = InTotoStatement(subjects: [ResourceDescriptor(imageDigest: digest)], predicate: .audit(predicate))
        return .attestation(AttestationRecord(statement: statement))
    }

    /// Runs the records up to `until` on a ledger over `store`, with the clock set to each record's time.
    func run(on store: any LedgerStore, until: Int64) async throws -> (Ledger, Int) {
        let clock = Fixtures.clock(startingAt: Self.at(-400))
        let ledger = try await Ledger(
            store: store,
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: TestKeys.admission,
            clock: { clock.now() }
        )
        var count = 0
        for step in try steps() where step.time <= until {
            clock.set(step.time)
            let envelope = try step.record.signed(by: step.keys)
            _ = try await ledger.submit(envelope: envelope.jsonBytes(), recordID: step.record.id, context: envelope)
            count += 1
        }
        return (ledger, count)
    }

    /// The score of acme at `day` after the records up to `day`.
    func score(day: Double, store: any LedgerStore = InMemoryLedgerStore()) async throws -> ReputationScore {
        let (ledger, _) = try await run(on: store, until: Self.at(day))
        let size = Int(await ledger.latestCheckpoint.size)
        return try #require(
            try await ReputationEngine().score(
                provider: "acme",
                at: Self.at(day),
                logSize: size,
                state: LedgerReputationState(store: store)
            )
        )
    }
}

/// Hex SHA-256 for fixture digests.
enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        RecordID(payload: bytes).description.replacingOccurrences(of: "sha256:", with: "")
    }
}

@Suite("Reputation on the ledger: the worked example from signed records")
struct WorkedExampleLedgerTests {
    func rounded(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    @Test func day100MatchesTheTable() async throws {
        let score = try await WorkedExampleScenario().score(day: 100)
        let table: [(ReputationDimension, Double, Double, Double, Double)] = [
            (.sec, 3.920, 1.944, 0.626, 0.254),
            (.att, 1.662, 0.508, 0.638, 0.480),
            (.cmp, 4.000, 0.892, 0.725, 0.290),
            (.fb, 1.587, 0.990, 0.565, 0.437),
        ]
        for (dimension, r, s, p, u) in table {
            let figures = try #require(score.dimensions.first { $0.dimension == dimension })
            #expect(rounded(figures.r, 3) == r, "\(dimension) r \(figures.r)")
            #expect(rounded(figures.s, 3) == s, "\(dimension) s \(figures.s)")
            #expect(rounded(figures.expected, 3) == p, "\(dimension) P \(figures.expected)")
            #expect(rounded(figures.uncertainty, 3) == u, "\(dimension) u \(figures.uncertainty)")
        }
        #expect(score.published == 64.0)
        #expect(rounded(score.confidence, 3) == 0.655)
        #expect(score.bandLow.rounded() == 34)
        #expect(score.bandHigh.rounded() == 94)
        #expect(score.caps.isEmpty)
        #expect(score.parametersVersion == 2)
    }

    @Test func day90IsCappedByTheOverdueHighCVE() async throws {
        let score = try await WorkedExampleScenario().score(day: 90)
        #expect(score.published == 60.0)
        #expect(rounded(score.expected * 100, 1) == 63.2)
        #expect(score.caps.map(\.reason) == [.overdueHigh])
    }

    @Test func counterfactualHighCVEFixedInTenDays() async throws {
        let score = try await WorkedExampleScenario(highFixDay: 60).score(day: 100)
        #expect(score.published == 73.2)
    }

    @Test func counterfactualBurstCountedRaw() async throws {
        let score = try await WorkedExampleScenario(rawBurst: true).score(day: 100)
        #expect(score.published == 68.7)
        #expect(score.parametersVersion == 3)
    }

    @Test func counterfactualCompromiseOnDay98() async throws {
        let score = try await WorkedExampleScenario(compromiseDay: 98).score(day: 100)
        #expect(score.published == 10.0)
        #expect(rounded(score.expected * 100, 1) == 50.0)
        #expect(score.caps.map(\.reason) == [.compromise])
    }

    @Test func stateSurvivesARestartOfTheSQLiteStore() async throws {
        let handle = try await Backend.sqlite.make()
        let first = try await WorkedExampleScenario().score(day: 100, store: handle.store)
        let reopened = try await handle.reopen()
        let size = Int(try await reopened.latestCheckpoint()?.size ?? 0)
        let again = try #require(
            try await ReputationEngine().score(
                provider: "acme",
                at: WorkedExampleScenario.at(100),
                logSize: size,
                state: LedgerReputationState(store: reopened)
            )
        )
        #expect(ReputationReplay.compare(first, again, tolerance: 0).isEmpty)
        #expect(again.published == 64.0)
    }
}
