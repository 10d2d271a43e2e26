import ArgumentParser
import DeterministicRandom
import Foundation
import Ledger
import Provenance
import SQLiteStore
import Synchronization

/// `vmtrust bench write-log` (hidden): appends a synthetic, realistic stream of signed records to an initialised data
/// directory's SQLite ledger, in process, through the same ledger and admission as `vmtrust serve` (provenance
/// rules, reputation engine, history copies), so that `vmtrust reputation replay` can be timed on a large log
/// (scripts/bench/bench-replay.sh).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark helpers (not for production data).",
        shouldDisplay: false,
        subcommands: [WriteLog.self, Engine.self, PolicyEvaluation.self]
    )

    struct WriteLog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write-log",
            abstract: "Append synthetic signed records to a data directory's SQLite ledger until it holds --records entries.",
            discussion: """
                The log's clock is simulated: it starts at the genesis time and moves 0 to 2 hours forward per batch, \
                so SLA deadlines fall due, evidence decays and feedback windows roll over. Records are signed by keys \
                derived from --seed (providers, users, auditors, a certifier) and by the directory's admin and log keys.
                """
        )

        @Option(name: .long, help: "Data directory (initialised with `vmtrust init`).")
        var data: String = DataDirectory.defaultPath

        @Option(name: .long, help: "Entries the log holds at the end (the genesis included).")
        var records: Int = 100_000

        @Option(name: .long, help: "Records submitted concurrently per batch.")
        var batch: Int = 1024

        @Option(name: .long, help: "Seed of the stream.")
        var seed: UInt64 = 42

        func run() async throws {
            guard records > 0, batch > 0 else { throw CLIError.input("--records and --batch must be positive") }
            let directory = DataDirectory(path: data)
            let loaded = try directory.load()
            let admin = try KeyFile.loadPrivate(directory.adminKeyPath)
            let store = try directory.openSQLiteStore()
            guard let first = try await store.entries(0..<1).first else { throw CLIError.input("\(data) holds no log") }
            let clock = SimulatedClock(try LedgerEntry(encoded: first).integratedAtMillis)
            let ledger = try await directory.openLedger(
                origin: loaded.settings.origin,
                signer: loaded.logSigner,
                store: store,
                clock: { clock.now }
            )
            var stream = SyntheticRecordStream(seed: seed, admin: admin, decisionKey: loaded.logKey)
            let progress = ProgressBar(label: "write", total: UInt64(records))
            let started = ContinuousClock.now
            var size = await ledger.latestCheckpoint.size
            var refused = 0
            var refusals: [String: Int] = [:]
            var setup = true
            var resuming = size > 1
            var skipped = 0
            while size < UInt64(records) {
                if !setup { clock.advance(by: stream.tick()) }
                // Full batches while resuming, as the earlier run drew them (its last one may have been cut short).
                let count = resuming ? batch : min(batch, records - Int(size))
                var steps = setup ? stream.setup(at: clock.now) : stream.batch(count, at: clock.now)
                setup = false
                if resuming {
                    // The stream starts again from its seed and the genesis time, so it first regenerates what an
                    // earlier run wrote: those records are already logged (same content, same ids) and are skipped
                    // instead of being signed and submitted again.
                    let ids = steps.map(\.record.id)
                    let logged = try await ledger.indexes(of: ids)
                    let fresh = zip(steps, ids).filter { logged[$0.1] == nil }.map(\.0)
                    skipped += ids.count - fresh.count
                    steps = Array(fresh.prefix(records - Int(size)))
                    resuming = !logged.isEmpty
                }
                let outcomes = try await withThrowingTaskGroup(of: String?.self) { group in
                    for step in steps {
                        group.addTask {
                            let envelope = try step.record.signed(by: step.keys)
                            do {
                                _ = try await ledger.submit(
                                    envelope: envelope.jsonBytes(),
                                    recordID: RecordID(payload: envelope.payload),
                                    context: envelope
                                )
                                return nil
                            } catch let rejection as RecordRejection {
                                return "\(step.record.kind) \(rejection.code)"
                            }
                        }
                    }
                    return try await group.reduce(into: [String]()) { if let outcome = $1 { $0.append(outcome) } }
                }
                refused += outcomes.count
                for outcome in outcomes { refusals[outcome, default: 0] += 1 }
                stream.settle()
                size = await ledger.latestCheckpoint.size
                progress.update(size)
            }
            progress.finish()
            let seconds = LedgerReputationReplay.seconds(started.duration(to: .now))
            print(
                "wrote \(data): \(size) entries (\(refused) records refused by the rules, \(skipped) already logged) in "
                    + "\(String(format: "%.1f", seconds)) s"
            )
            for (outcome, count) in refusals.sorted(by: { $0.value > $1.value }) { print("  refused: \(outcome) × \(count)") }
        }
    }
}

/// The simulated clock of ``BenchCommand/WriteLog``.
final class SimulatedClock: Sendable {
    private let value: Mutex<Int64>

    init(_ start: Int64) { value = Mutex(start) }

    var now: Int64 { value.withLock { $0 } }

    func advance(by milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

/// A deterministic stream of records in the proportions of a busy log: image versions, audits, vulnerability
/// reports (most fixed through a new version, a deprecation and a resolution; some left to breach their SLA),
/// policy decisions (proof of use), ratings and issue reports, triage, certifications, incidents, rare parameter
/// publications. Records of one batch refer only to what earlier batches created, so concurrent submission
/// cannot reorder a dependency.
struct SyntheticRecordStream {
    struct Step: Sendable {
        var record: Record
        var keys: [SigningKey]
    }

    struct Provider {
        var id: String
        var key: SigningKey
        var initialReputation: Int
        var images: [(digest: String, id: RecordID)] = []
    }

    private var random: SplitMix64
    private let admin: SigningKey
    private let decisionKey: SigningKey
    private let auditors: [SigningKey]
    private let certifier: SigningKey
    private var providers: [Provider] = []
    private var users: [(id: String, key: SigningKey)] = []
    /// (user index, provider index) pairs with an allow decision.
    private var uses: [(user: Int, provider: Int)] = []
    private var feedbacks: [RecordID] = []
    private var reports: [(id: RecordID, provider: Int, image: Int)] = []
    /// Follow-ups of a fix, submitted one stage per batch.
    private var followUps: [(Int64) -> (Step, ((Int64) -> Step)?)] = []
    private var nextFollowUps: [(Int64) -> (Step, ((Int64) -> Step)?)] = []
    /// What this batch created: usable from the next batch on.
    private var fresh: (providers: [Provider], users: [(id: String, key: SigningKey)], images: [(Int, String, RecordID)]) = (
        [], [], []
    )
    private var freshUses: [(user: Int, provider: Int)] = []
    private var freshFeedbacks: [RecordID] = []
    private var freshReports: [(id: RecordID, provider: Int, image: Int)] = []
    private var counter = 0
    private var parametersVersion: Int64 = 1
    private var emitted = 0

    init(seed: UInt64, admin: SigningKey, decisionKey: SigningKey) {
        random = SplitMix64(seed: seed)
        self.admin = admin
        self.decisionKey = decisionKey
        auditors = (0..<10).map { Self.key(0xA0, $0) }
        certifier = Self.key(0xC0, 0)
    }

    static func key(_ tag: UInt8, _ index: Int) -> SigningKey {
        var bytes = [UInt8](repeating: tag, count: 32)
        withUnsafeBytes(of: UInt64(index).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        return try! SigningKey(ed25519Seed: bytes)
    }

    private mutating func name(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    private mutating func digest() -> String {
        counter += 1
        return "sha256:" + String(repeating: "0", count: 48) + String(format: "%016x", counter)
    }

    /// How far the clock moves before the next batch: 0 to 2 hours.
    mutating func tick() -> Int64 { Int64.random(in: 0...(2 * 3_600_000), using: &random) }

    /// The auditors and the certifier, onboarded by the admin.
    func setup(at now: Int64) -> [Step] {
        var steps = auditors.enumerated().map { index, key in
            Step(
                record: .auditorOnboard(
                    AuditorOnboardRecord(
                        id: "auditor-\(index)",
                        displayName: "Auditor \(index)",
                        keys: [KeyGrant(key: key.publicKey)],
                        accreditation: Accreditation(by: "DAkkS", until: now + 3650 * 86_400_000),
                        attestationTypes: [AttestationPredicate.auditType],
                        trustSeed: index % 3 == 0 ? nil : 10 + index,
                        time: now
                    )
                ),
                keys: [admin]
            )
        }
        steps.append(
            Step(
                record: .certifierOnboard(
                    CertifierOnboardRecord(
                        id: "certco",
                        displayName: "CertCo",
                        keys: [certifier.publicKey],
                        trustAnchors: [],
                        types: ComplianceType.allCases,
                        time: now
                    )
                ),
                keys: [admin]
            )
        )
        return steps
    }

    /// Makes what the last batch created usable.
    mutating func settle() {
        providers += fresh.providers
        users += fresh.users
        for (p, digest, id) in fresh.images { providers[p].images.append((digest, id)) }
        fresh = ([], [], [])
        uses += freshUses
        feedbacks += freshFeedbacks
        reports += freshReports
        freshUses = []
        freshFeedbacks = []
        freshReports = []
        // Keep the pools bounded (recent activity), so choices stay O(1).
        if uses.count > 50_000 { uses.removeFirst(uses.count - 50_000) }
        if feedbacks.count > 50_000 { feedbacks.removeFirst(feedbacks.count - 50_000) }
        followUps = nextFollowUps
        nextFollowUps = []
    }

    /// Up to `count` records at `now`: pending follow-ups first.
    mutating func batch(_ count: Int, at now: Int64) -> [Step] {
        var out: [Step] = []
        while out.count < count, !followUps.isEmpty {
            let (step, next) = followUps.removeFirst()(now)
            out.append(step)
            if let next { nextFollowUps.append({ time in (next(time), nil) }) }
        }
        while out.count < count { out.append(next(at: now)) }
        return out
    }

    private mutating func randomImage() -> (provider: Int, image: Int)? {
        for _ in 0..<8 {
            let p = Int.random(in: 0..<providers.count, using: &random)
            if !providers[p].images.isEmpty {
                return (p, Int.random(in: 0..<providers[p].images.count, using: &random))
            }
        }
        return nil
    }

    private mutating func next(at now: Int64) -> Step {
        emitted += 1
        let choice =
            providers.count < 5 || users.isEmpty ? Int.random(in: 0..<6, using: &random) : Int.random(in: 0..<100, using: &random)
        switch choice {
        case 0..<2:
            let id = name("p")
            let key = Self.key(0x40, providers.count + fresh.providers.count)
            let initial = Int.random(in: 0...100, using: &random)
            fresh.providers.append(Provider(id: id, key: key, initialReputation: initial))
            return Step(
                record: .providerOnboard(
                    ProviderOnboardRecord(
                        id: id,
                        displayName: id,
                        keys: [KeyGrant(key: key.publicKey)],
                        initialReputation: initial,
                        time: now
                    )
                ),
                keys: [admin]
            )
        case 2..<6:
            let id = name("u")
            let key = Self.key(0x50, users.count + fresh.users.count)
            fresh.users.append((id, key))
            return Step(
                record: .userRegister(
                    UserRegisterRecord(
                        id: id,
                        key: key.publicKey,
                        verified: Bool.random(using: &random) ? true : nil,
                        organization: Bool.random(using: &random) ? "org\(Int.random(in: 0..<500, using: &random))" : nil,
                        time: now
                    )
                ),
                keys: [admin]
            )
        case 6..<18:
            let p = Int.random(in: 0..<providers.count, using: &random)
            let digest = digest()
            let record: Record
            if let previous = providers[p].images.last, Int.random(in: 0..<3, using: &random) > 0 {
                record = .imageModify(
                    ImageModifyRecord(
                        digest: digest,
                        provider: providers[p].id,
                        previous: previous.id,
                        change: .patch,
                        description: "patch",
                        time: now
                    )
                )
            } else {
                record = .imageRegister(
                    ImageRegisterRecord(
                        digest: digest,
                        provider: providers[p].id,
                        name: name("image"),
                        format: .raw,
                        size: 1 << 30,
                        initialReputation: providers[p].initialReputation,
                        time: now
                    )
                )
            }
            fresh.images.append((p, digest, record.id))
            return Step(record: record, keys: [providers[p].key])
        case 18..<34:
            guard let (p, i) = randomImage() else { return next(at: now) }
            let passed = Int.random(in: 0...10, using: &random)
            let predicate = AuditPredicate(
                result: passed == 10 ? .passed : .warned,
                score: passed * 10,
                controlsChecked: 10,
                controlsPassed: passed,
                scope: .image
            )
            let statement = InTotoStatement(
                subjects: [ResourceDescriptor(imageDigest: providers[p].images[i].digest)],
                predicate: .audit(predicate)
            )
            let auditor = auditors[Int.random(in: 0..<auditors.count, using: &random)]
            return Step(record: .attestation(AttestationRecord(statement: statement)), keys: [auditor])
        case 34..<40:
            guard let (p, i) = randomImage() else { return next(at: now) }
            let report = Record.vulnerabilityReport(
                VulnerabilityReportRecord(
                    provider: providers[p].id,
                    vulnerability: name("CVE"),
                    severity: EvidenceSeverity.allCases.randomElement(using: &random)!,
                    epssMillionths: Int64.random(in: 0...1_000_000, using: &random),
                    knownExploited: Int.random(in: 0..<10, using: &random) == 0,
                    affected: [providers[p].images[i].digest],
                    time: now
                )
            )
            // Nine in ten are fixed (a new version, its deprecation of the affected one, the resolution).
            if Int.random(in: 0..<10, using: &random) > 0 { freshReports.append((report.id, p, i)) }
            return Step(record: report, keys: [providers[p].key])
        case 40..<43:
            guard !reports.isEmpty else { return next(at: now) }
            let (report, p, i) = reports.removeFirst()
            let provider = providers[p]
            let fixed = digest()
            let target = provider.images[i].id
            let modify = Record.imageModify(
                ImageModifyRecord(
                    digest: fixed,
                    provider: provider.id,
                    previous: target,
                    change: .patch,
                    description: "fix",
                    time: now
                )
            )
            fresh.images.append((p, fixed, modify.id))
            nextFollowUps.append({ time in
                let deprecate = Record.imageDeprecate(
                    ImageDeprecateRecord(provider: provider.id, target: target, after: time, time: time)
                )
                let resolve: (Int64) -> Step = { time in
                    Step(
                        record: .vulnerabilityResolution(
                            VulnerabilityResolutionRecord(
                                provider: provider.id,
                                report: report,
                                fixed: fixed,
                                retired: [deprecate.id],
                                time: time
                            )
                        ),
                        keys: [provider.key]
                    )
                }
                return (Step(record: deprecate, keys: [provider.key]), resolve)
            })
            return Step(record: modify, keys: [provider.key])
        case 43..<55:
            guard let (p, i) = randomImage() else { return next(at: now) }
            let u = Int.random(in: 0..<users.count, using: &random)
            counter += 1
            let allow = Int.random(in: 0..<10, using: &random) > 0
            if allow { freshUses.append((u, p)) }
            return Step(
                record: .policyDecision(
                    PolicyDecisionRecord(
                        decision: "dec_" + String(format: "%032x", counter),
                        user: users[u].id,
                        image: providers[p].images[i].digest,
                        provider: providers[p].id,
                        effect: allow ? .allow : .deny,
                        mode: .enforce,
                        logSize: 0,
                        reasons: [],
                        time: now
                    )
                ),
                keys: [decisionKey]
            )
        case 55..<80:
            guard let use = uses.randomElement(using: &random) else { return next(at: now) }
            let body: FeedbackBody =
                switch Int.random(in: 0..<4, using: &random) {
                case 0: .stars(Int64.random(in: 1...5, using: &random))
                case 1, 2: .rating(Int64.random(in: -100...100, using: &random))
                default: .issue(name("issue"))
                }
            let record = Record.userFeedback(
                UserFeedbackRecord(user: users[use.user].id, provider: providers[use.provider].id, body: body, time: now)
            )
            freshFeedbacks.append(record.id)
            return Step(record: record, keys: [users[use.user].key])
        case 80..<84:
            guard let target = feedbacks.randomElement(using: &random) else { return next(at: now) }
            return Step(
                record: .feedbackTriage(
                    FeedbackTriageRecord(
                        target: target,
                        verdict: Bool.random(using: &random) ? .confirm : .reject,
                        reason: name("triage"),
                        time: now
                    )
                ),
                keys: [admin]
            )
        case 84..<87:
            let p = Int.random(in: 0..<providers.count, using: &random)
            let byCertifier = Int.random(in: 0..<5, using: &random) > 0
            return Step(
                record: .complianceCertification(
                    ComplianceCertificationRecord(
                        provider: providers[p].id,
                        certifier: "certco",
                        type: ComplianceType.allCases.randomElement(using: &random)!,
                        validFrom: now,
                        validUntil: now + Int64.random(in: 1...400, using: &random) * 86_400_000,
                        reference: name("ref"),
                        time: now
                    )
                ),
                keys: [byCertifier ? certifier : providers[p].key]
            )
        case 87..<89:
            let p = Int.random(in: 0..<providers.count, using: &random)
            return Step(
                record: .incidentReport(
                    IncidentReportRecord(
                        provider: providers[p].id,
                        incident: name("INC"),
                        severity: EvidenceSeverity.allCases.randomElement(using: &random)!,
                        summary: "incident",
                        category: IncidentCategory.allCases.randomElement(using: &random),
                        time: now
                    )
                ),
                keys: [providers[p].key]
            )
        default:
            // A parameter publication about every 200,000 records; otherwise another audit.
            guard Int.random(in: 0..<2000, using: &random) == 0 else { return next(at: now) }
            parametersVersion += 1
            return Step(
                record: .reputationParameters(
                    ReputationParametersRecord(
                        version: parametersVersion,
                        parameters: [
                            .init(name: "halfLives.feedback", thousandths: Int64.random(in: 30...400, using: &random) * 1000)
                        ],
                        time: now
                    )
                ),
                keys: [admin]
            )
        }
    }
}
