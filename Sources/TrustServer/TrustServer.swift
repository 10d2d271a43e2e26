import BlobStore
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Logging
import NIOCore
import Prometheus
import Provenance
import TransparencyLog

/// Settings of the HTTP API.
public struct TrustServerConfiguration: Sendable {
    /// Keys whose signature authorises a record write (the admins created at `vmtrust init`).
    public var adminKeys: [PublicKey]
    /// The largest request body accepted on any route.
    public var maxBodySize: Int
    /// The log's verification key (vkey string), served at `/v1/log/key`.
    public var logVerifierKey: String
    /// The largest blob `PUT /v1/blobs/…` accepts (the blob routes stream, so ``maxBodySize``
    /// does not apply to them).
    public var maxBlobSize: UInt64
    /// How long an upload session's received body waits for its signed finalisation, in
    /// milliseconds, before it is deleted.
    public var uploadSessionLifetime: Int64
    /// How many upload sessions may be open at once (receiving or waiting for finalisation).
    public var maxUploadSessions: Int
    /// The server's decision key: the log's own Ed25519 key (contract C1), which signs the policy-decision records
    /// of decisions a policy asks to log. `nil`: decisions are stored but never logged.
    public var decisionKey: SigningKey?
    /// The environment `POST /v1/admission` assumes when the object has no `vmtrust.io/environment` label.
    public var admissionEnvironment: String?
    /// How often `GET /v1/events` sends a keep-alive comment when nothing happens.
    public var eventKeepAlive: Duration

    /// The default ``maxBlobSize``: 64 GiB.
    public static let defaultMaxBlobSize: UInt64 = 64 << 30

    /// Creates a configuration.
    public init(
        adminKeys: [PublicKey],
        logVerifierKey: String,
        maxBodySize: Int = 1 << 20,
        maxBlobSize: UInt64 = TrustServerConfiguration.defaultMaxBlobSize,
        uploadSessionLifetime: Int64 = 3_600_000,
        maxUploadSessions: Int = 16,
        decisionKey: SigningKey? = nil,
        admissionEnvironment: String? = nil,
        eventKeepAlive: Duration = .seconds(15)
    ) {
        self.decisionKey = decisionKey
        self.admissionEnvironment = admissionEnvironment
        self.eventKeepAlive = eventKeepAlive
        self.uploadSessionLifetime = uploadSessionLifetime
        self.maxUploadSessions = maxUploadSessions
        self.adminKeys = adminKeys
        self.logVerifierKey = logVerifierKey
        self.maxBodySize = maxBodySize
        self.maxBlobSize = maxBlobSize
    }
}

/// The vmtrust HTTP API as a library: build its router, then serve it with Hummingbird or
/// test it in-process with HummingbirdTesting.
public struct TrustServer: Sendable {
    let ledger: Ledger
    let configuration: TrustServerConfiguration
    let registry: PrometheusCollectorRegistry?
    let blobs: FileBlobStore?
    let uploads = BlobUploadSessions()
    let decisions: PolicyDecisions

    /// Creates the API over a ledger.
    ///
    /// - Parameters:
    ///   - registry: the Prometheus registry that `/metrics` renders; `nil` serves an empty
    ///     exposition (the process has not bootstrapped metrics).
    ///   - blobs: the image blob store behind `/v1/blobs/`; `nil` answers those routes with a
    ///     `no-blob-store` problem.
    ///   - decisionStore: where policy decisions are kept; by default the ledger's database when its store is a
    ///     ``DecisionStore`` (SQLite, PostgreSQL), else memory.
    public init(
        ledger: Ledger,
        configuration: TrustServerConfiguration,
        registry: PrometheusCollectorRegistry? = nil,
        blobs: FileBlobStore? = nil,
        decisionStore: (any DecisionStore)? = nil
    ) {
        self.decisions = PolicyDecisions(
            ledger: ledger,
            store: decisionStore ?? ledger.decisionStore ?? InMemoryDecisionStore(),
            decisionKey: configuration.decisionKey
        )
        self.ledger = ledger
        self.configuration = configuration
        self.registry = registry
        self.blobs = blobs
    }

    /// The router with every route and middleware.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MetricsMiddleware())
        addHealthRoutes(to: router)
        addLogRoutes(to: router)
        addRecordRoutes(to: router)
        addProvenanceRoutes(to: router)
        addBlobRoutes(to: router)
        addBundleRoutes(to: router)
        addAttestationRoutes(to: router)
        addPolicyRoutes(to: router)
        addReputationRoutes(to: router)
        return router
    }

    /// A Hummingbird application serving the API.
    public func application(
        host: String,
        port: Int,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(),
            server: .largeReadHTTP1,
            configuration: .init(address: .hostname(host, port: port), serverName: "vmtrust"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// The OpenAPI 3.1 description of this API, shipped as a resource.
    static let openAPIDocument: [UInt8]? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { FileManager.default.contents(atPath: $0.path) }
        .map { Array($0) }

    func addHealthRoutes(to router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ in
            do {
                try await ledger.checkStore()
                let checkpoint = await ledger.latestCheckpoint
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/plain"],
                    body: .init(byteBuffer: ByteBuffer(string: "ready: tree size \(checkpoint.size)\n"))
                )
            } catch {
                throw Problem(
                    .serviceUnavailable,
                    code: "not-ready",
                    title: "Not ready",
                    detail: "the ledger store cannot be read"
                )
            }
        }
        router.get("/openapi.json") { _, _ in
            guard let document = Self.openAPIDocument else {
                throw Problem(
                    .internalServerError,
                    code: "internal",
                    title: "Internal error",
                    detail: "the OpenAPI document is missing"
                )
            }
            return Response.json(bytes: document)
        }
        router.get("/metrics") { _, _ in
            let bytes = registry?.emitToBuffer() ?? []
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
    }
}

extension Request {
    /// Collects the body, refusing more than `limit` bytes with a problem.
    func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.bodyTooLarge(limit: limit)
        }
        do {
            return try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.bodyTooLarge(limit: limit)
        }
    }

    /// A required unsigned integer query parameter.
    func uint64Query(_ name: String, default defaultValue: UInt64? = nil) throws -> UInt64 {
        guard let raw = uri.queryParameters.get(name) else {
            if let defaultValue { return defaultValue }
            throw Problem.invalidParameter("query parameter \(name) is required")
        }
        guard let value = UInt64(raw), String(value) == raw else {
            throw Problem.invalidParameter("query parameter \(name) must be a decimal integer, not \(raw)")
        }
        return value
    }
}

extension Response {
    /// A JSON response with sorted keys.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return json(bytes: try encoder.encode(value), status: status, headers: headers)
    }

    /// A response whose body is `bytes`, already JSON (written directly, or stored).
    static func json(bytes: some Sequence<UInt8>, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
