import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import NIOCore
import NIOPosix
import Provenance
import Reputation
import Synchronization
import Testing
import TransparencyLog
import TrustServer
import VMTrustTesting

/// Test seam: an entry whose bytes are a JSON ``ReputationEvent`` is applied by the engine (with the entry's record
/// id and integration time) and its changes written as derived state; anything else goes to `others`.
struct EngineEventAdmission: EntryAdmission {
    var others: any EntryAdmission

    func admit(_ request: AdmissionRequest, state: StateView) async throws -> AdmissionDecision {
        guard var event = try? JSONDecoder().decode(ReputationEvent.self, from: Data(request.envelope)) else {
            return try await others.admit(request, state: state)
        }
        event.time = request.integratedAtMillis
        event.record = request.recordID
        let changes = try await ReputationEngine().apply(event, state: LedgerReputationState(view: state))
        return .admit(try LedgerReputationState.writes(for: changes))
    }
}

@Suite("Reputation over HTTP")
struct ReputationRoutesTests {
    static let t0: Int64 = 1_790_000_000_000
    static let day: Int64 = 86_400_000
    static let acme = try! SigningKey(ed25519Seed: [UInt8](repeating: 0x01, count: 32))

    static func harness(_ clock: TestClock) async throws -> Harness {
        try await Harness(
            admission: ReputationHistoryAdmission(EngineEventAdmission(others: ProvenanceAdmission())),
            clock: { clock.now() }
        )
    }

    /// Genesis and the onboarding of `acme` (initial reputation 80) as signed records.
    static func onboard(_ client: some TestClientProtocol) async throws {
        let admin = TestKeys.admin
        let genesis = GenesisRecord(adminKeys: [admin.publicKey], threshold: 1, origin: TestKeys.origin, time: t0)
        #expect(try await client.post(try Record.genesis(genesis).signed(by: [admin]).jsonBytes()).status == .created)
        let onboard = ProviderOnboardRecord(
            id: "acme",
            displayName: "Acme",
            keys: [KeyGrant(key: acme.publicKey)],
            initialReputation: 80,
            time: t0
        )
        #expect(try await client.post(try Record.providerOnboard(onboard).signed(by: [admin]).jsonBytes()).status == .created)
    }

    /// Applies an engine event through the ledger; returns its record id.
    @discardableResult
    static func apply(
        _ harness: Harness,
        _ kind: ReputationEvent.Kind,
        provider: String = "acme",
        nonce: Int = 0
    ) async throws
        -> RecordID
    {
        let event = ReputationEvent(time: 0, record: RecordID(payload: Array("\(nonce)".utf8)), provider: provider, kind: kind)
        let bytes = Array(try JSONEncoder().encode(event))
        let id = RecordID(payload: bytes)
        _ = try await harness.ledger.submit(envelope: bytes, recordID: id)
        return id
    }

    static func reputation(_ client: some TestClientProtocol, _ id: String = "acme") async throws -> ReputationView {
        let answer = try await client.execute(uri: "/v1/providers/\(id)/reputation", method: .get)
        #expect(answer.status == .ok)
        return try JSONDecoder().decode(ReputationView.self, from: Data(answer.bytes))
    }

    /// The score REPUTATION.md gives for SEC evidence (r, s) and nothing else: E and U from the default weights.
    static func expectedScore(r: Double, s: Double) -> (score: Double, confidence: Double) {
        let w = 2.0
        let p = (r + w * 0.5) / (r + s + w)
        let u = w / (r + s + w)
        let e = 0.40 * p + 0.60 * 0.5
        let uncertainty = 0.40 * u + 0.60
        return (100 * e, 1 - uncertainty)
    }

    @Test("Bad ids are problems; unknown providers 404; an onboarded provider without a document gets 50, confidence 0")
    func noEvidence() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        try await harness.app.test(.router) { client in
            let bad = try await client.execute(uri: "/v1/providers/Not_An_Id!/reputation", method: .get)
            #expect(bad.status == .badRequest)
            #expect(try bad.problem().code == "invalid-parameter")
            let unknown = try await client.execute(uri: "/v1/providers/nobody/reputation", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try unknown.problem().code == "not-found")
            let unknownHistory = try await client.execute(uri: "/v1/providers/nobody/reputation/history", method: .get)
            #expect(unknownHistory.status == .notFound)

            // Onboarded through provenance only (no reputation document): the engine's empty answer.
            try await Self.onboard(client)
            let view = try await Self.reputation(client)
            #expect(view.score == 50)
            #expect(view.rawScore == 50)
            #expect(view.confidence == 0)
            #expect(abs(view.band.low - 2.5) < 0.05)
            #expect(view.dimensions.map(\.dimension) == ["SEC", "ATT", "CMP", "FB"])
            #expect(view.dimensions.allSatisfy { $0.expected == 0.5 && $0.uncertainty == 1 && $0.r == 0 && $0.s == 0 })
            #expect(view.caps.isEmpty && view.top.isEmpty && view.cap == nil)
            #expect(view.parametersVersion == 1)
            #expect(view.logSize == 2)
            #expect(view.computedAt == Self.t0)
        }
    }

    @Test("Initial reputation 80 is SEC evidence; a critical vulnerability fixed in a day raises the score, exactly")
    func initialReputationThenVulnerability() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        try await harness.app.test(.router) { client in
            try await Self.onboard(client)
            let onboarded = try await Self.apply(harness, .providerOnboarded(initialReputation: 80))
            var view = try await Self.reputation(client)
            // r += 2·0.8, s += 2·0.2 in SEC.
            let prior = Self.expectedScore(r: 1.6, s: 0.4)
            #expect(abs(view.rawScore - prior.score) < 1e-9)
            #expect(view.score == 56.0)
            #expect(abs(view.confidence - prior.confidence) < 1e-9)
            #expect(abs(view.dimensions[0].r - 1.6) < 1e-12 && abs(view.dimensions[0].s - 0.4) < 1e-12)
            #expect(view.top.map(\.record) == [onboarded.description])

            clock.advance(byMillis: Self.day)
            let report = try await Self.apply(harness, .obligationOpened(ObligationFacts(severity: .critical)))
            clock.advance(byMillis: Self.day)
            let fix = try await Self.apply(harness, .obligationResolved(report: report))
            view = try await Self.reputation(client)
            // Resolved after 1 of 30 days (ρ ≤ 0.25, q = 1): r += 3; the prior decayed for 2 days (half-life 180).
            let f = pow(2, -2.0 / 180)
            let after = Self.expectedScore(r: 1.6 * f + 3, s: 0.4 * f)
            #expect(abs(view.rawScore - after.score) < 1e-9)
            #expect(view.score == (after.score * 10).rounded() / 10)
            #expect(view.score > 56.0)
            #expect(view.top.first?.record == fix.description)
            #expect(view.logSize == 5)
            #expect(view.computedAt == Self.t0 + 2 * Self.day)
        }
    }

    @Test("End to end from signed records: initial reputation 80, then a critical vulnerability reported and resolved")
    func endToEnd() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Harness(admission: ReputationHistoryAdmission(TestKeys.admission), clock: { clock.now() })
        try await harness.app.test(.router) { client in
            func post(_ record: Record, by keys: [SigningKey]) async throws -> Receipt {
                let answer = try await client.post(try record.signed(by: keys).jsonBytes())
                #expect(answer.status == .created, "\(record.kind): \(answer.text)")
                return try answer.receipt()
            }
            try await Self.onboard(client)
            // The onboarding's prior is SEC evidence: r = 2·0.8, s = 2·0.2.
            var view = try await Self.reputation(client)
            let prior = Self.expectedScore(r: 1.6, s: 0.4)
            #expect(abs(view.rawScore - prior.score) < 1e-9)
            #expect(view.score == 56.0)
            #expect(abs(view.confidence - prior.confidence) < 1e-9)
            #expect(view.logSize == 2)

            func digest(_ byte: UInt8) -> String { "sha256:" + String(repeating: String(format: "%02x", byte), count: 32) }
            let register = ImageRegisterRecord(
                digest: digest(1),
                provider: "acme",
                name: "ubuntu-24.04",
                format: .raw,
                size: 4096,
                initialReputation: 80,
                time: clock.now()
            )
            let image = try await post(.imageRegister(register), by: [Self.acme])
            clock.advance(byMillis: Self.day)
            let report = try await post(
                .vulnerabilityReport(
                    VulnerabilityReportRecord(
                        provider: "acme",
                        vulnerability: "CVE-2026-0001",
                        severity: .critical,
                        knownExploited: false,
                        affected: [digest(1)],
                        time: clock.now()
                    )
                ),
                by: [Self.acme]
            )
            // An open obligation within its SLA moves nothing yet (only decay).
            view = try await Self.reputation(client)
            let f1 = pow(2, -1.0 / 180)
            #expect(abs(view.rawScore - Self.expectedScore(r: 1.6 * f1, s: 0.4 * f1).score) < 1e-9)
            #expect(view.caps.isEmpty)

            clock.advance(byMillis: Self.day)
            let modify = ImageModifyRecord(
                digest: digest(2),
                provider: "acme",
                previous: image.recordID,
                change: .patch,
                description: "fix CVE-2026-0001",
                time: clock.now()
            )
            _ = try await post(.imageModify(modify), by: [Self.acme])
            let deprecate = try await post(
                .imageDeprecate(
                    ImageDeprecateRecord(provider: "acme", target: image.recordID, after: clock.now(), time: clock.now())
                ),
                by: [Self.acme]
            )
            // Someone else's resolution is refused and changes nothing.
            let stranger = Record.vulnerabilityResolution(
                VulnerabilityResolutionRecord(
                    provider: "acme",
                    report: report.recordID,
                    fixed: digest(2),
                    retired: [deprecate.recordID],
                    time: clock.now()
                )
            )
            let before = try await Self.reputation(client)
            let refused = try await client.post(try stranger.signed(by: [TestKeys.stranger]).jsonBytes())
            #expect(refused.status == .forbidden, "\(refused.text)")
            #expect(try await Self.reputation(client) == before)
            let resolution = try await post(stranger, by: [Self.acme])
            view = try await Self.reputation(client)
            // Resolved after 1 of 30 days (ρ ≤ 0.25, q = 1): r += w = 3 at the resolution.
            let f2 = pow(2, -2.0 / 180)
            let after = Self.expectedScore(r: 1.6 * f2 + 3, s: 0.4 * f2)
            #expect(abs(view.rawScore - after.score) < 1e-9, "\(view.rawScore) vs \(after.score)")
            #expect(view.score == (after.score * 10).rounded() / 10)
            #expect(view.top.first?.record == resolution.recordID.description)
            #expect(view.logSize == 7)

            // The history shows the three stages, as of the log at each time.
            let history = try await client.execute(
                uri: "/v1/providers/acme/reputation/history?from=\(Self.t0 - Self.day)&to=\(clock.now())&step=\(Self.day)",
                method: .get
            )
            let points = try JSONDecoder().decode(ReputationHistoryView.self, from: Data(history.bytes)).points
            #expect(
                points.map(\.score) == [
                    nil, 56.0, (Self.expectedScore(r: 1.6 * f1, s: 0.4 * f1).score * 10).rounded() / 10, view.score,
                ]
            )
        }
    }

    @Test("History: each point is the score as of the log at its time, equal to the score read live then")
    func history() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        try await harness.app.test(.router) { client in
            try await Self.onboard(client)
            try await Self.apply(harness, .providerOnboarded(initialReputation: 80))
            var live: [Int64: Double] = [:]
            live[clock.now()] = try await Self.reputation(client).rawScore
            clock.advance(byMillis: 10 * Self.day)
            live[clock.now()] = try await Self.reputation(client).rawScore
            let report = try await Self.apply(harness, .obligationOpened(ObligationFacts(severity: .high)))
            live[clock.now()] = try await Self.reputation(client).rawScore
            // The SLA (30 days) passes with no event: the breach and the cap appear in reads, not in documents.
            clock.advance(byMillis: 40 * Self.day)
            let overdue = try await Self.reputation(client)
            live[clock.now()] = overdue.rawScore
            #expect(overdue.caps.map(\.record) == [report.description])
            #expect(overdue.caps.map(\.reason) == ["overdue-high"])
            clock.advance(byMillis: 5 * Self.day)
            try await Self.apply(harness, .obligationResolved(report: report))
            live[clock.now()] = try await Self.reputation(client).rawScore

            let from = Self.t0 - Self.day
            let step = Self.day / 2
            let to = clock.now()
            let answer = try await client.execute(
                uri: "/v1/providers/acme/reputation/history?from=\(from)&to=\(to)&step=\(step)",
                method: .get
            )
            #expect(answer.status == .ok)
            let view = try JSONDecoder().decode(ReputationHistoryView.self, from: Data(answer.bytes))
            #expect(view.points.count == Int((to - from) / step) + 1)
            #expect(view.points.map(\.time) == Array(stride(from: from, through: to, by: Int64.Stride(step))))
            #expect(view.points.first?.score == nil)
            for point in view.points {
                if let expected = live[point.time] {
                    #expect(point.rawScore == expected, "at \(point.time - Self.t0) ms")
                }
            }
            #expect(live.keys.filter { ($0 - from) % step == 0 }.count == live.count)
            // Defaults: 100 points at most, ending now.
            let defaults = try await client.execute(uri: "/v1/providers/acme/reputation/history", method: .get)
            let defaultView = try JSONDecoder().decode(ReputationHistoryView.self, from: Data(defaults.bytes))
            #expect(defaultView.to == to && defaultView.points.count <= 100 && defaultView.points.count >= 99)
            #expect(defaultView.points.last?.rawScore == live[to])
        }
    }

    @Test(
        "History refuses bad parameters with problems",
        arguments: [
            "step=0", "step=-5", "step=abc", "step=1.5", "from=abc", "to=yesterday", "from=-1", "from=2&to=1",
            "from=0&to=1790000000000&step=1", "to=1790000000001", "from=01",
        ]
    )
    func historyRefusals(query: String) async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        try await harness.app.test(.router) { client in
            try await Self.onboard(client)
            let answer = try await client.execute(uri: "/v1/providers/acme/reputation/history?\(query)", method: .get)
            #expect(answer.status == .badRequest)
            #expect(try answer.problem().code == "invalid-parameter")
        }
        let bad = try await Self.harness(clock)
        try await bad.app.test(.router) { client in
            let answer = try await client.execute(uri: "/v1/providers/UPPER/reputation/history", method: .get)
            #expect(answer.status == .badRequest)
        }
    }

    @Test("History accepts RFC 3339 times and serves at most 1000 points")
    func historyBounds() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        try await harness.app.test(.router) { client in
            try await Self.onboard(client)
            let thousand = try await client.execute(
                uri: "/v1/providers/acme/reputation/history?from=\(Self.t0 - 999)&to=\(Self.t0)&step=1",
                method: .get
            )
            #expect(thousand.status == .ok)
            let view = try JSONDecoder().decode(ReputationHistoryView.self, from: Data(thousand.bytes))
            #expect(view.points.count == 1000)
            #expect(view.points.last?.score == 50)
            let tooMany = try await client.execute(
                uri: "/v1/providers/acme/reputation/history?from=\(Self.t0 - 1000)&to=\(Self.t0)&step=1",
                method: .get
            )
            #expect(tooMany.status == .badRequest)
            let rfc = try await client.execute(
                uri: "/v1/providers/acme/reputation/history?from=2026-09-01T00:00:00Z&to=2026-09-21T00:00:00Z&step=86400000",
                method: .get
            )
            #expect(rfc.status == .ok)
            let rfcView = try JSONDecoder().decode(ReputationHistoryView.self, from: Data(rfc.bytes))
            #expect(rfcView.points.count == 21)
            #expect(rfcView.from == 1_788_220_800_000)
        }
    }

    @Test("The history copies are written with the provider documents, keyed newest first")
    func historyCopies() async throws {
        #expect(ReputationHistory.key(provider: "acme", time: 0) == "acme/9223372036854775807")
        #expect(ReputationHistory.key(provider: "acme", time: Int64.max) == "acme/0000000000000000000")
        #expect(ReputationHistory.key(provider: "a", time: 2) < ReputationHistory.key(provider: "a", time: 1))
        let write = StateWrite(namespace: ReputationChange.Namespace.provider, key: "acme", value: [1, 2])
        let other = StateWrite(namespace: ReputationChange.Namespace.user, key: "u", value: [3])
        let deletion = StateWrite(namespace: ReputationChange.Namespace.provider, key: "globex", value: nil)
        #expect(
            ReputationHistory.writes(for: [write, other, deletion], at: 5)
                == [
                    StateWrite(
                        namespace: ReputationHistory.namespace,
                        key: ReputationHistory.key(provider: "acme", time: 5),
                        value: [1, 2]
                    )
                ]
        )

        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        try await Self.apply(harness, .providerOnboarded(initialReputation: 80))
        clock.advance(byMillis: 1000)
        try await Self.apply(harness, .flawIntroduced(.low))
        let reader = harness.ledger.reputationHistory
        #expect(try await reader.document(provider: "acme", atOrBefore: Self.t0 - 1) == nil)
        let first = try await reader.document(provider: "acme", atOrBefore: Self.t0 + 999)
        #expect(first?.time == Self.t0 && first?.document.events == 1)
        let second = try await reader.document(provider: "acme", atOrBefore: Self.t0 + 1000)
        #expect(second?.time == Self.t0 + 1000 && second?.document.events == 2)
        #expect(try await reader.document(provider: "acm", atOrBefore: Int64.max) == nil)
        #expect(try await reader.document(provider: "acme", atOrBefore: Int64.max)?.time == Self.t0 + 1000)
        // The latest copy is the current document.
        #expect(try await harness.ledger.reputationState.provider(id: "acme") == second?.document)
    }

    @Test("GET /v1/events pushes a reputation event after the commit that changed it")
    func events() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let stream = try await SSEConnection(port: port)
            try await stream.waitFor("vmtrust events from log size 0")
            try await Self.onboard(client)
            let record = try await Self.apply(harness, .providerOnboarded(initialReputation: 80))
            let text = try await stream.waitFor("event: reputation")
            // HTTP chunk framing uses CRLF, a single Character in Swift: split on the scalars.
            let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
            let index = try #require(lines.firstIndex(of: "event: reputation"))
            #expect(lines[index - 1] == "id: 3")
            let data = try #require(lines[index + 1].split(separator: " ", maxSplits: 1).last)
            let event = try JSONDecoder().decode(ReputationEventView.self, from: Data(data.utf8))
            #expect(event.provider == "acme")
            #expect(event.record == record.description)
            #expect(event.score == 56.0)
            #expect(event.logSize == 3)
            #expect(event.time == Self.t0)
            // A batch that changes no reputation sends nothing; the next change arrives with its own id.
            let second = try await Self.apply(harness, .flawIntroduced(.high))
            let more = try await stream.waitFor(second.description)
            #expect(more.contains("id: 4\nevent: reputation"))
            stream.close()
        }
    }

    @Test("GET /v1/events: a resume below the current size gets a gap event; a bad Last-Event-ID is a problem")
    func eventsResume() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        try await harness.app.test(.router) { client in
            let bad = try await client.execute(uri: "/v1/events", method: .get, headers: [HTTPField.Name("Last-Event-ID")!: "x"])
            #expect(bad.status == .badRequest)
            #expect(try bad.problem().code == "invalid-parameter")
        }
        try await harness.app.test(.live) { client in
            try await Self.onboard(client)
            let port = try #require(client.port)
            let stream = try await SSEConnection(port: port, lastEventID: "1")
            let text = try await stream.waitFor("event: gap")
            #expect(text.contains(#"id: 2\#nevent: gap\#ndata: {"from":1,"to":2}"#))
            stream.close()
        }
    }

    @Test("Committed batches reach every subscriber; a subscriber that falls behind sees the gap in sizes")
    func commitNotifications() async throws {
        let clock = Fixtures.clock(startingAt: Self.t0)
        let harness = try await Self.harness(clock)
        let slow = harness.ledger.commits(buffer: 1)
        let fast = harness.ledger.commits(buffer: 16)
        var ids: [RecordID] = []
        for n in 0..<3 { ids.append(try await Self.apply(harness, .flawIntroduced(.low), nonce: n)) }
        var fastIterator = fast.makeAsyncIterator()
        var sizes: [UInt64] = []
        for _ in 0..<3 {
            let batch = try #require(await fastIterator.next())
            #expect(batch.startSize == UInt64(sizes.count) && batch.size == batch.startSize + 1)
            #expect(batch.entries.map(\.recordID) == [ids[sizes.count]])
            #expect(batch.entries[0].stateWrites.contains { $0.namespace == ReputationHistory.namespace })
            sizes.append(batch.size)
        }
        var slowIterator = slow.makeAsyncIterator()
        let kept = try #require(await slowIterator.next())
        #expect(kept.startSize == 2 && kept.size == 3)
    }
}

/// A raw HTTP/1.1 connection reading a Server-Sent Events stream.
final class SSEConnection: Sendable {
    private let received: AsyncStream<String>
    private let connection: Task<Void, any Error>
    private let text = Mutex("")

    init(port: Int, lastEventID: String? = nil) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var request = "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        request += "\r\n"
        let (received, continuation) = AsyncStream.makeStream(of: String.self)
        self.received = received
        connection = Task { [request] in
            defer { continuation.finish() }
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: request))
                for try await chunk in inbound { continuation.yield(String(buffer: chunk)) }
            }
        }
    }

    /// Reads until the text received contains `needle` (at most 30 s, so a failure cannot hang the suite).
    @discardableResult
    func waitFor(_ needle: String) async throws -> String {
        let known = text.withLock { $0 }
        if known.contains(needle) { return known }
        let found = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { [self] in
                for await chunk in received {
                    let all = text.withLock {
                        $0 += chunk
                        return $0
                    }
                    if all.contains(needle) { return all }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let found else { throw SSEError(message: "no \(needle) in the stream: \(text.withLock { $0 })") }
        return found
    }

    func close() {
        connection.cancel()
    }

    struct SSEError: Error {
        var message: String
    }
}
