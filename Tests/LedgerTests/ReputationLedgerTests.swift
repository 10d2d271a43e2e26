import DeterministicRandom
import Foundation
import Ledger
import Provenance
import Reputation
import Testing
import TransparencyLog
import VMTrustTesting

/// Random streams of valid (and some invalid) records for reputation tests and the replay benchmark.
struct RecordStream {
    typealias S = WorkedExampleScenario
    var random: SplitMix64
    var time: Int64
    var providers: [(id: String, key: SigningKey, images: [(digest: String, id: RecordID)])] = []
    var users: [(id: String, key: SigningKey)] = []
    var reports: [(id: RecordID, provider: Int, image: Int)] = []
    var feedbacks: [RecordID] = []
    var decisions = 0
    var counter = 0
    var parametersVersion: Int64 = 1

    init(seed: UInt64, start: Int64) {
        random = SplitMix64(seed: seed)
        time = start
    }

    mutating func name(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    /// Genesis, the scanner and two auditors.
    mutating func setup() -> [WorkedExampleScenario.Step] {
        var out: [WorkedExampleScenario.Step] = []
        out.append(
            .init(
                time: time,
                record: .genesis(
                    GenesisRecord(adminKeys: [S.admin.publicKey], threshold: 1, origin: TestKeys.origin, time: time)
                ),
                keys: [S.admin]
            )
        )
        out.append(.init(time: time, record: S.auditorOnboard("a1", S.a1, seed: 18, time), keys: [S.admin]))
        out.append(.init(time: time, record: S.auditorOnboard("a2", S.a2, seed: nil, time), keys: [S.admin]))
        out.append(
            .init(
                time: time,
                record: .certifierOnboard(
                    CertifierOnboardRecord(
                        id: "certco",
                        displayName: "CertCo",
                        keys: [S.certifier.publicKey],
                        trustAnchors: [],
                        types: ComplianceType.allCases,
                        time: time
                    )
                ),
                keys: [S.admin]
            )
        )
        return out
    }

    /// Moves the stream's clock forward by 0 to 12 hours.
    mutating func tick() {
        time += Int64.random(in: 0...(12 * 3_600_000), using: &random)
    }

    /// One more record, at the stream's time.
    mutating func next() -> WorkedExampleScenario.Step {
        let now = time
        func step(_ record: Record, _ keys: [SigningKey]) -> WorkedExampleScenario.Step {
            .init(time: now, record: record, keys: keys)
        }
        let choice = providers.isEmpty ? 0 : Int.random(in: 0..<100, using: &random)
        switch choice {
        case 0..<3:
            let id = name("p")
            let key = S.key(0x40, providers.count % 250)
            providers.append((id, key, []))
            return step(
                .providerOnboard(
                    ProviderOnboardRecord(
                        id: id,
                        displayName: id,
                        keys: [KeyGrant(key: key.publicKey)],
                        initialReputation: Int.random(in: 0...100, using: &random),
                        time: now
                    )
                ),
                [S.admin]
            )
        case 3..<6:
            let id = name("u")
            let key = S.key(0x50, users.count % 250)
            users.append((id, key))
            return step(
                .userRegister(
                    UserRegisterRecord(
                        id: id,
                        key: key.publicKey,
                        verified: Bool.random(using: &random) ? true : nil,
                        organization: Bool.random(using: &random) ? "org\(users.count % 3)" : nil,
                        time: now
                    )
                ),
                [S.admin]
            )
        case 6..<20:
            let p = Int.random(in: 0..<providers.count, using: &random)
            let digest = S.digest(name("image"))
            let record: Record
            if let previous = providers[p].images.last, Bool.random(using: &random) {
                record = .imageModify(
                    ImageModifyRecord(
                        digest: digest,
                        provider: providers[p].id,
                        previous: previous.id,
                        change: .patch,
                        description: "x",
                        time: now
                    )
                )
            } else {
                record = .imageRegister(
                    ImageRegisterRecord(
                        digest: digest,
                        provider: providers[p].id,
                        name: name("n"),
                        format: .raw,
                        size: 1,
                        initialReputation: 0,
                        time: now
                    )
                )
            }
            providers[p].images.append((digest, record.id))
            return step(record, [providers[p].key])
        case 20..<30:
            guard let (p, image) = randomImage() else { return next() }
            let scan = VulnsPredicate(
                scannerURI: "pkg:x/scanner@1",
                scannerVersion: nil,
                databaseURI: nil,
                databaseVersion: nil,
                databaseLastUpdate: now,
                findings: Bool.random(using: &random)
                    ? [] : [.init(id: "CVE-1", severity: [.init(method: "nvd", score: "high")])],
                scanStartedOn: now,
                scanFinishedOn: now
            )
            _ = p
            let statement = InTotoStatement(subjects: [ResourceDescriptor(imageDigest: image.digest)], predicate: .vulns(scan))
            let auditor = Bool.random(using: &random) ? S.a1 : S.a2
            return step(.attestation(AttestationRecord(statement: statement)), [auditor])
        case 30..<38:
            guard let (_, image) = randomImage() else { return next() }
            let auditor = Bool.random(using: &random) ? S.a1 : S.a2
            return step(S.audit(image.digest, passed: Int.random(in: 0...10, using: &random)), [auditor])
        case 38..<45:
            guard let (p, image) = randomImage() else { return next() }
            let severity = EvidenceSeverity.allCases.randomElement(using: &random)!
            let report = Record.vulnerabilityReport(
                VulnerabilityReportRecord(
                    provider: providers[p].id,
                    vulnerability: name("CVE"),
                    severity: severity,
                    epssMillionths: Int64.random(in: 0...1_000_000, using: &random),
                    knownExploited: Bool.random(using: &random),
                    affected: [image.digest],
                    time: now
                )
            )
            reports.append((report.id, p, providers[p].images.firstIndex { $0.id == image.id }!))
            return step(report, [providers[p].key])
        case 45..<50:
            guard !reports.isEmpty else { return next() }
            let (report, p, index) = reports.removeFirst()
            let provider = providers[p]
            let fixed = S.digest(name("fix"))
            // The fix version, then the deprecation, then the resolution: three steps; return the first, queue the rest.
            let modify = Record.imageModify(
                ImageModifyRecord(
                    digest: fixed,
                    provider: provider.id,
                    previous: provider.images[index].id,
                    change: .patch,
                    description: "fix",
                    time: now
                )
            )
            providers[p].images.append((fixed, modify.id))
            let target = provider.images[index].id
            pending = [
                { time, _ in
                    .init(
                        time: time,
                        record: .imageDeprecate(
                            ImageDeprecateRecord(provider: provider.id, target: target, after: time, time: time)
                        ),
                        keys: [provider.key]
                    )
                },
                { time, deprecations in
                    let retired = deprecations[target] ?? RecordID(payload: Array(target.description.utf8))
                    return .init(
                        time: time,
                        record: .vulnerabilityResolution(
                            VulnerabilityResolutionRecord(
                                provider: provider.id,
                                report: report,
                                fixed: fixed,
                                retired: [retired],
                                time: time
                            )
                        ),
                        keys: [provider.key]
                    )
                },
            ]
            return step(modify, [provider.key])
        case 50..<62:
            guard !users.isEmpty, let (p, image) = randomImage() else { return next() }
            let user = users.randomElement(using: &random)!
            decisions += 1
            return step(
                .policyDecision(
                    PolicyDecisionRecord(
                        decision: "dec_" + String(format: "%032x", decisions),
                        user: user.id,
                        image: image.digest,
                        provider: providers[p].id,
                        effect: Bool.random(using: &random) ? .allow : .deny,
                        mode: .enforce,
                        logSize: 0,
                        reasons: [],
                        time: now
                    )
                ),
                [S.decision]
            )
        case 62..<82:
            guard !users.isEmpty else { return next() }
            let user = users.randomElement(using: &random)!
            let p = Int.random(in: 0..<providers.count, using: &random)
            let body: FeedbackBody =
                switch Int.random(in: 0..<3, using: &random) {
                case 0: .stars(Int64.random(in: 1...5, using: &random))
                case 1: .rating(Int64.random(in: -100...100, using: &random))
                default: .issue(name("issue"))
                }
            let record = Record.userFeedback(UserFeedbackRecord(user: user.id, provider: providers[p].id, body: body, time: now))
            feedbacks.append(record.id)
            return step(record, [user.key])
        case 82..<88:
            guard let target = feedbacks.randomElement(using: &random) else { return next() }
            return step(
                .feedbackTriage(
                    FeedbackTriageRecord(
                        target: target,
                        verdict: Bool.random(using: &random) ? .confirm : .reject,
                        reason: name("r"),
                        time: now
                    )
                ),
                [S.admin]
            )
        case 88..<94:
            let p = Int.random(in: 0..<providers.count, using: &random)
            let type = ComplianceType.allCases.randomElement(using: &random)!
            let byCertifier = Bool.random(using: &random)
            return step(
                .complianceCertification(
                    ComplianceCertificationRecord(
                        provider: providers[p].id,
                        certifier: "certco",
                        type: type,
                        validFrom: now,
                        validUntil: now + Int64.random(in: 1...400, using: &random) * 86_400_000,
                        reference: name("ref"),
                        time: now
                    )
                ),
                [byCertifier ? S.certifier : providers[p].key]
            )
        case 94..<97:
            let p = Int.random(in: 0..<providers.count, using: &random)
            let category = IncidentCategory.allCases.randomElement(using: &random)!
            return step(
                .incidentReport(
                    IncidentReportRecord(
                        provider: providers[p].id,
                        incident: name("INC"),
                        severity: EvidenceSeverity.allCases.randomElement(using: &random)!,
                        summary: "x",
                        category: Bool.random(using: &random) ? category : nil,
                        time: now
                    )
                ),
                [providers[p].key]
            )
        default:
            parametersVersion += 1
            let halfLife = Int64.random(in: 10...400, using: &random) * 1000
            return step(
                .reputationParameters(
                    ReputationParametersRecord(
                        version: parametersVersion,
                        parameters: [.init(name: "halfLives.feedback", thousandths: halfLife)],
                        time: now
                    )
                ),
                [S.admin]
            )
        }
    }

    /// Follow-ups of a fix (deprecation, resolution), made at the time they are taken.
    var pending: [(Int64, [RecordID: RecordID]) -> WorkedExampleScenario.Step] = []
    /// The deprecation record made for each deprecated image record.
    var deprecations: [RecordID: RecordID] = [:]

    /// The next record: queued follow-ups first.
    mutating func take() -> WorkedExampleScenario.Step {
        if !pending.isEmpty {
            let step = pending.removeFirst()(time, deprecations)
            if case .imageDeprecate(let deprecate) = step.record { deprecations[deprecate.target] = step.record.id }
            return step
        }
        return next()
    }

    mutating func randomImage() -> (Int, (digest: String, id: RecordID))? {
        let withImages = providers.indices.filter { !providers[$0].images.isEmpty }
        guard let p = withImages.randomElement(using: &random) else { return nil }
        return (p, providers[p].images.randomElement(using: &random)!)
    }
}

@Suite("Reputation on the ledger")
struct ReputationLedgerTests {
    typealias S = WorkedExampleScenario

    func submit(_ step: S.Step, to ledger: Ledger) async throws -> Bool {
        let envelope = try step.record.signed(by: step.keys)
        do {
            _ = try await ledger.submit(envelope: envelope.jsonBytes(), recordID: step.record.id, context: envelope)
            return true
        } catch is RecordRejection {
            return false
        }
    }

    @Test("replay equals the incremental state after random record streams", arguments: [1, 2, 3] as [UInt64])
    func replayEqualsIncremental(seed: UInt64) async throws {
        let store = InMemoryLedgerStore()
        var stream = RecordStream(seed: seed, start: S.at(0))
        let clock = Fixtures.clock(startingAt: S.at(0))
        let ledger = try await Ledger(
            store: store,
            signer: TestKeys.logSigner,
            configuration: LedgerConfiguration(origin: TestKeys.origin),
            admission: TestKeys.admission,
            clock: { clock.now() }
        )
        for step in stream.setup() {
            #expect(try await submit(step, to: ledger))
        }
        var admitted = 0
        var round = 0
        while admitted < 400 {
            // Several records per batch: submitted together at one clock time.
            round += 1
            stream.tick()
            clock.set(stream.time)
            let count = Int.random(in: 1...6, using: &stream.random)
            var steps: [S.Step] = []
            for _ in 0..<count { steps.append(stream.take()) }
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for step in steps {
                    group.addTask { try await submit(step, to: ledger) }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            admitted += results.filter { $0 }.count
        }
        let report = try await LedgerReputationReplay(rules: TestKeys.rules).run(store: store)
        #expect(report.refused.isEmpty, "\(report.refused)")
        #expect(report.differences.isEmpty, "\(report.differences)")
        #expect(report.events > 100)
        #expect(report.providers > 3)
        // Running every admission rule again rebuilds the same states (the default runs only their changes).
        let checked = try await LedgerReputationReplay(rules: TestKeys.rules, checkRules: true).replay(store: store)
        let trusted = try await LedgerReputationReplay(rules: TestKeys.rules).replay(store: store)
        #expect(checked.2.refused.isEmpty, "\(checked.2.refused)")
        #expect(checked.1 == trusted.1)
        #expect(checked.2.events == trusted.2.events && checked.2.records == trusted.2.records)
        // Small pages: decoding ahead and the certifications' signatures verified ahead of each page change nothing.
        let paged = try await LedgerReputationReplay(rules: TestKeys.rules, pageSize: 7).replay(store: store)
        #expect(paged.2.refused.isEmpty, "\(paged.2.refused)")
        #expect(paged.1 == trusted.1)
        // And at later times, when every obligation has fallen due.
        for later in [S.at(500), S.at(2000)] {
            let again = try await LedgerReputationReplay(rules: TestKeys.rules).run(store: store, at: later)
            #expect(again.matches, "\(again.differences)")
        }
    }

    @Test func replayFindsATamperedState() async throws {
        let store = InMemoryLedgerStore()
        _ = try await S().run(on: store, until: S.at(100))
        let clean = try await LedgerReputationReplay(rules: TestKeys.rules).run(store: store)
        #expect(clean.matches, "\(clean.differences) \(clean.refused)")
        // Change one stored provider document behind the ledger's back.
        let key = ReputationChange.Namespace.provider
        var document = try #require(try await LedgerReputationState(store: store).provider(id: "acme"))
        document.feedback.r += 0.5
        let bytes = try ReputationChange.provider(document).value()!
        await store.setStateForTesting(namespace: key, key: "acme", value: bytes)
        for checkRules in [false, true] {
            let tampered = try await LedgerReputationReplay(rules: TestKeys.rules, checkRules: checkRules).run(store: store)
            #expect(!tampered.matches)
            #expect(tampered.differences.contains { $0.provider == "acme" && $0.figure == "FB.r" })
        }
    }

    @Test func badInputIsRefusedAndWritesNothing() async throws {
        let store = InMemoryLedgerStore()
        let (ledger, _) = try await S().run(on: store, until: S.at(30))
        let size = await ledger.latestCheckpoint.size
        let before = await store.stateEntries(namespace: ReputationChange.Namespace.provider, prefix: "", after: nil, limit: 100)
        let now = ledger.now()
        let refused: [(Record, [SigningKey], RecordRejection.Code)] = [
            // Feedback without proof of use.
            (
                .userFeedback(UserFeedbackRecord(user: "reporter-0", provider: "acme", body: .stars(1), time: now)),
                [S.reporter(0)], .noProofOfUse
            ),
            // A certification from an unknown certifier.
            (
                .complianceCertification(
                    ComplianceCertificationRecord(
                        provider: "acme",
                        certifier: "nobody",
                        type: .soc2Type2,
                        validFrom: now,
                        validUntil: now + 1,
                        time: now
                    )
                ),
                [S.acme], .unknownCertifier
            ),
            // A resolution by someone other than the provider.
            (
                .vulnerabilityResolution(
                    VulnerabilityResolutionRecord(
                        provider: "acme",
                        report: RecordID(payload: [1]),
                        fixed: S.digest("acme-v5"),
                        retired: [RecordID(payload: [2])],
                        time: now
                    )
                ),
                [S.other], .notSignedByProvider
            ),
            // A parameter the engine does not know.
            (
                .reputationParameters(
                    ReputationParametersRecord(version: 9, parameters: [.init(name: "no.such", thousandths: 1)], time: now)
                ),
                [S.admin], .invalidParameters
            ),
        ]
        for (record, keys, code) in refused {
            let envelope = try record.signed(by: keys)
            await #expect(throws: RecordRejection(code: code, message: "")) {
                _ = try await ledger.submit(envelope: envelope.jsonBytes(), recordID: record.id, context: envelope)
            }
            #expect(await store.index(of: record.id) == nil)
        }
        #expect(await ledger.latestCheckpoint.size == size)
        let after = await store.stateEntries(namespace: ReputationChange.Namespace.provider, prefix: "", after: nil, limit: 100)
        #expect(after.map(\.value) == before.map(\.value))
    }
}
