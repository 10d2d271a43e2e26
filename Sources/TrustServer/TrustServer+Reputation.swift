import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import NIOCore
import Provenance
import Reputation
import ServiceLifecycle

/// A 90% band around a score.
public struct ScoreBand: Codable, Sendable, Equatable {
    /// The lower bound, in [0, 100].
    public var low: Double
    /// The upper bound, in [0, 100].
    public var high: Double

    /// Creates a band.
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}

/// `GET /v1/providers/{id}/reputation`: a provider's score with its explanation (REPUTATION.md "Score" and
/// "Explanation").
public struct ReputationView: Codable, Sendable, Equatable {
    /// One dimension's evidence.
    public struct Dimension: Codable, Sendable, Equatable {
        /// `SEC`, `ATT`, `CMP` or `FB`.
        public var dimension: String
        /// P_k, the expected quality.
        public var expected: Double
        /// u_k, the uncertainty.
        public var uncertainty: Double
        /// Positive mass now.
        public var r: Double
        /// Negative mass now.
        public var s: Double

        enum CodingKeys: String, CodingKey {
            case dimension, r, s
            case expected = "P"
            case uncertainty = "u"
        }
    }

    /// A cap in force.
    public struct Cap: Codable, Sendable, Equatable {
        /// `overdue-critical`, `overdue-high`, `compromise` or `forged-certification`.
        public var reason: String
        /// The cap on E, in [0, 1].
        public var level: Double
        /// The record that caused it.
        public var record: String
    }

    /// A record's current contribution.
    public struct Contribution: Codable, Sendable, Equatable {
        /// The record.
        public var record: String
        /// Its dimension.
        public var dimension: String
        /// Positive mass now (decayed).
        public var r: Double
        /// Negative mass now (decayed).
        public var s: Double
    }

    /// The provider.
    public var provider: String
    /// The published score: 100 · min(cap, E) rounded to 0.1.
    public var score: Double
    /// The score before rounding.
    public var rawScore: Double
    /// C = 1 − U.
    public var confidence: Double
    /// The 90% band (score ± 164.5·σ, clipped to [0, 100]).
    public var band: ScoreBand
    /// E = Σ ω_k P_k.
    public var expected: Double
    /// The effective cap on E, when one is in force.
    public var cap: Double?
    /// The caps in force with the records that caused them.
    public var caps: [Cap]
    /// P, u, r and s per dimension, in SEC, ATT, CMP, FB order.
    public var dimensions: [Dimension]
    /// The largest contributions with their current value, largest first.
    public var top: [Contribution]
    /// The parameter-set version the score used.
    public var parametersVersion: Int
    /// The log size it was computed at.
    public var logSize: Int
    /// The time it was computed at (ms since the Unix epoch).
    public var computedAt: Int64

    /// The view of a score.
    public init(_ score: ReputationScore) {
        provider = score.provider
        self.score = score.published
        rawScore = score.score
        confidence = score.confidence
        band = ScoreBand(low: score.bandLow, high: score.bandHigh)
        expected = score.expected
        cap = score.cap
        caps = score.caps.map { Cap(reason: $0.reason.rawValue, level: $0.level, record: $0.record.description) }
        dimensions = score.dimensions.map {
            Dimension(dimension: $0.dimension.rawValue, expected: $0.expected, uncertainty: $0.uncertainty, r: $0.r, s: $0.s)
        }
        top = score.top.map { Contribution(record: $0.record.description, dimension: $0.dimension.rawValue, r: $0.r, s: $0.s) }
        parametersVersion = score.parametersVersion
        logSize = score.logSize
        computedAt = score.time
    }
}

/// `GET /v1/providers/{id}/reputation/history`: the score at regular times, each as of the log at that time.
public struct ReputationHistoryView: Codable, Sendable, Equatable {
    /// The score at one time.
    public struct Point: Codable, Sendable, Equatable {
        /// The time (ms since the Unix epoch).
        public var time: Int64
        /// The published score, or `nil` when the provider had no reputation yet (not onboarded).
        public var score: Double?
        /// The score before rounding.
        public var rawScore: Double?
        /// The confidence.
        public var confidence: Double?
        /// The 90% band.
        public var band: ScoreBand?
        /// The parameter-set version in force.
        public var parametersVersion: Int?
    }

    /// The provider.
    public var provider: String
    /// The earliest time asked for (the first point is at or after it).
    public var from: Int64
    /// The last point's time.
    public var to: Int64
    /// The distance between points (ms).
    public var step: Int64
    /// The log size when the history was read.
    public var logSize: Int
    /// The points at `to`, `to − step`, … down to `from`, oldest first.
    public var points: [Point]
}

/// The data of a `reputation` event of `GET /v1/events`.
public struct ReputationEventView: Codable, Sendable, Equatable {
    /// The provider whose reputation changed.
    public var provider: String
    /// The published score after the change.
    public var score: Double
    /// The score before rounding.
    public var rawScore: Double
    /// The confidence.
    public var confidence: Double
    /// The 90% band.
    public var band: ScoreBand
    /// The record whose admission changed it (the last one in its batch).
    public var record: String
    /// The log size after the batch (also the event id).
    public var logSize: UInt64
    /// The batch's integration time (ms), the time the score is computed at.
    public var time: Int64
    /// The parameter-set version the score used.
    public var parametersVersion: Int
}

extension TrustServer {
    /// Most points a history answer holds.
    static let maxHistoryPoints = 1000
    /// Points of a history answer when no step is given.
    static let defaultHistoryPoints: Int64 = 100
    /// The span of a history answer when no `from` is given: 90 days.
    static let defaultHistorySpan: Int64 = 90 * 86_400_000

    /// The reading API of the reputation engine.
    func addReputationRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/providers/{id}/reputation") { _, context in
            let id = try Self.providerID(context)
            let size = Int(await ledger.latestCheckpoint.size)
            let now = ledger.now()
            let state = ledger.reputationState
            if let score = try await ReputationEngine().score(provider: id, at: now, logSize: size, state: state) {
                return try Response.json(ReputationView(score), headers: [.cacheControl: "no-store"])
            }
            guard try await ledger.provenanceState.provider(id: id) != nil else { throw Problem.notFound("no provider \(id)") }
            // Onboarded, no evidence yet: the engine's answer for an empty document.
            let history = try await state.parameterHistory() ?? ParameterHistory()
            let score = ReputationScore(ProviderReputation(id: id), history: history, at: now, logSize: size)
            return try Response.json(ReputationView(score), headers: [.cacheControl: "no-store"])
        }
        router.get("/v1/providers/{id}/reputation/history") { request, context in
            let id = try Self.providerID(context)
            let now = ledger.now()
            let query = request.uri.queryParameters
            let to = try Self.timeQuery(query.get("to"), name: "to") ?? now
            let from = try Self.timeQuery(query.get("from"), name: "from") ?? max(0, to - Self.defaultHistorySpan)
            guard to <= now else {
                throw Problem.invalidParameter("to (\(to)) is in the future: the log is only known up to now (\(now))")
            }
            guard from <= to else { throw Problem.invalidParameter("from (\(from)) is after to (\(to))") }
            let step: Int64
            if let raw = query.get("step") {
                guard let value = Int64(raw), String(value) == raw, value > 0 else {
                    throw Problem.invalidParameter("query parameter step must be a positive number of milliseconds, not \(raw)")
                }
                step = value
            } else {
                step = max(1, (to - from + Self.defaultHistoryPoints - 2) / (Self.defaultHistoryPoints - 1))
            }
            let count = (to - from) / step + 1
            guard count <= Int64(Self.maxHistoryPoints) else {
                throw Problem.invalidParameter(
                    "from, to and step give \(count) points; at most \(Self.maxHistoryPoints) are served (raise step)"
                )
            }
            let state = ledger.provenanceState
            guard let provider = try await state.provider(id: id) else { throw Problem.notFound("no provider \(id)") }
            let onboarded = try await state.record(id: provider.onboardedBy)?.integratedAt
            let size = Int(await ledger.latestCheckpoint.size)
            let parameters = try await ledger.reputationState.parameterHistory() ?? ParameterHistory()
            let reader = ledger.reputationHistory

            // Newest first: a copy found for one time serves every earlier time down to the copy's own.
            var points: [ReputationHistoryView.Point] = []
            points.reserveCapacity(Int(count))
            var copy: (time: Int64, document: ProviderReputation)?
            var exhausted = false
            var time = to
            while time >= from {
                if !exhausted, copy.map({ $0.time > time }) ?? true {
                    copy = try await reader.document(provider: id, atOrBefore: time)
                    exhausted = copy == nil
                }
                var point = ReputationHistoryView.Point(time: time)
                let document = copy?.document ?? (onboarded.map { $0 <= time } == true ? ProviderReputation(id: id) : nil)
                if let document {
                    let score = ReputationScore(document, history: parameters, at: time, logSize: size)
                    point.score = score.published
                    point.rawScore = score.score
                    point.confidence = score.confidence
                    point.band = ScoreBand(low: score.bandLow, high: score.bandHigh)
                    point.parametersVersion = score.parametersVersion
                }
                points.append(point)
                time -= step
            }
            let view = ReputationHistoryView(
                provider: id,
                from: from,
                to: to,
                step: step,
                logSize: size,
                points: points.reversed()
            )
            return try Response.json(view, headers: [.cacheControl: "no-store"])
        }
        router.get("/v1/events") { request, _ in
            try eventStream(request)
        }
    }

    /// The `id` path parameter, checked to be a provider identifier.
    static func providerID(_ context: BasicRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard Identifier.isValid(id) else {
            throw Problem.invalidParameter("\(id) is not a provider id (1-64 of a-z 0-9 . _ -, starting with a letter or digit)")
        }
        return id
    }

    /// A time query parameter: milliseconds since the Unix epoch (decimal, ≥ 0) or RFC 3339.
    static func timeQuery(_ raw: String?, name: String) throws -> Int64? {
        guard let raw else { return nil }
        if let value = Int64(raw), String(value) == raw, value >= 0 { return value }
        if let date = ISO8601DateFormatter().date(from: raw), date.timeIntervalSince1970 >= 0 {
            return Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        }
        throw Problem.invalidParameter(
            "query parameter \(name) must be milliseconds since the Unix epoch or an RFC 3339 time, not \(raw)"
        )
    }

    // MARK: - Server-Sent Events

    private enum StreamItem: Sendable {
        case batch(CommittedBatch)
        case keepAlive
    }

    /// `GET /v1/events`: a `reputation` event per provider whose reputation document a committed batch changed,
    /// `id` = the log size after the batch. A subscriber that falls behind (or that resumes with a
    /// `Last-Event-ID` below the current size) gets a `gap` event naming the sizes it missed: it should read
    /// the reputations it cares about again. Keep-alive comments are sent when nothing happens.
    func eventStream(_ request: Request) throws -> Response {
        let resumeFrom: UInt64?
        if let raw = request.headers[HTTPField.Name("Last-Event-ID")!] {
            guard let value = UInt64(raw), String(value) == raw else {
                throw Problem.invalidParameter("Last-Event-ID must be a log size (decimal), not \(raw)")
            }
            resumeFrom = value
        } else {
            resumeFrom = nil
        }
        // Subscribe before answering, so that every batch committed after the response starts is seen.
        let commits = ledger.commits(buffer: 256)
        let keepAlive = configuration.eventKeepAlive
        let server = self
        let body = ResponseBody { writer in
            let (items, continuation) = AsyncStream.makeStream(of: StreamItem.self, bufferingPolicy: .bufferingNewest(512))
            let forward = Task {
                for await batch in commits { continuation.yield(.batch(batch)) }
                continuation.finish()
            }
            let tick = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: keepAlive)
                    continuation.yield(.keepAlive)
                }
            }
            defer {
                forward.cancel()
                tick.cancel()
                continuation.finish()
            }
            var seen = await server.ledger.latestCheckpoint.size
            var opening = "retry: 3000\n: vmtrust events from log size \(seen)\n\n"
            if let resumeFrom, resumeFrom < seen {
                opening += Self.sse(event: "gap", id: seen, data: #"{"from":\#(resumeFrom),"to":\#(seen)}"#)
            }
            try await writer.write(ByteBuffer(string: opening))
            try await withTaskCancellationOrGracefulShutdownHandler {
                for await item in items {
                    switch item {
                    case .keepAlive:
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    case .batch(let batch):
                        var text = ""
                        if batch.startSize > seen {
                            text += Self.sse(
                                event: "gap",
                                id: batch.startSize,
                                data: #"{"from":\#(seen),"to":\#(batch.startSize)}"#
                            )
                        }
                        seen = max(seen, batch.size)
                        for event in try await server.reputationEvents(batch) {
                            text += Self.sse(event: "reputation", id: batch.size, data: try Self.json(event))
                        }
                        if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                    }
                }
            } onCancelOrGracefulShutdown: {
                continuation.finish()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: body
        )
    }

    /// The reputation events of a committed batch: one per provider whose document it changed (attributed to the
    /// last record of the batch that changed it), scored at the batch's time.
    func reputationEvents(_ batch: CommittedBatch) async throws -> [ReputationEventView] {
        var order: [String] = []
        var changed: [String: (record: RecordID, document: [UInt8])] = [:]
        var parameters: ParameterHistory?
        for entry in batch.entries {
            for write in entry.stateWrites {
                guard let value = write.value else { continue }
                if write.namespace == ReputationChange.Namespace.provider {
                    if changed[write.key] == nil { order.append(write.key) }
                    changed[write.key] = (entry.recordID, value)
                } else if write.namespace == ReputationChange.Namespace.parameters {
                    parameters = try JSONDecoder().decode(ParameterHistory.self, from: Data(value))
                }
            }
        }
        guard !order.isEmpty else { return [] }
        let history: ParameterHistory
        if let parameters {
            history = parameters
        } else {
            history = try await ledger.reputationState.parameterHistory() ?? ParameterHistory()
        }
        var events: [ReputationEventView] = []
        for provider in order {
            guard let (record, bytes) = changed[provider] else { continue }
            let document = try JSONDecoder().decode(ProviderReputation.self, from: Data(bytes))
            let score = ReputationScore(document, history: history, at: batch.time, logSize: Int(batch.size))
            events.append(
                ReputationEventView(
                    provider: provider,
                    score: score.published,
                    rawScore: score.score,
                    confidence: score.confidence,
                    band: ScoreBand(low: score.bandLow, high: score.bandHigh),
                    record: record.description,
                    logSize: batch.size,
                    time: batch.time,
                    parametersVersion: score.parametersVersion
                )
            )
        }
        return events
    }

    /// One Server-Sent Event (`data` is one line of JSON).
    static func sse(event: String, id: UInt64, data: String) -> String {
        "id: \(id)\nevent: \(event)\ndata: \(data)\n\n"
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
