import BlobStore
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Logging
import NIOCore
import Provenance

extension TrustServer {
    /// `PUT`, `GET` and `HEAD /v1/blobs/sha256:<hex>`: the content-addressed image store.
    ///
    /// Uploads stream to disk while they are hashed (the request-body limit of the other
    /// routes does not apply; ``TrustServerConfiguration/maxBlobSize`` does). An upload needs a
    /// `Vmtrust-Upload-Authorization` signed by a provider key valid now or by an admin.
    func addBlobRoutes(to router: Router<BasicRequestContext>) {
        router.put("/v1/blobs/{digest}") { request, context in
            let (store, digest) = try blobStoreAndDigest(context)
            try await authorizeUpload(request, scope: .digest(digest))
            let limit = configuration.maxBlobSize
            if let length = request.headers[.contentLength].flatMap(UInt64.init), length > limit {
                throw BlobStoreError.tooLarge(limit: limit)
            }
            let info = try await store.put(expectedDigest: digest, body: request.body, maxSize: limit)
            if info.created {
                context.logger.info("blob stored", metadata: ["digest": "\(digest)", "size": "\(info.size)"])
            }
            return try Response.json(
                info,
                status: info.created ? .created : .ok,
                headers: [.location: "/v1/blobs/\(digest)"]
            )
        }
        addUploadSessionRoutes(to: router)
        router.get("/v1/blobs/{digest}") { request, context in
            try serveBlob(request, context: context, includeBody: true)
        }
        router.head("/v1/blobs/{digest}") { request, context in
            try serveBlob(request, context: context, includeBody: false)
        }
    }

    /// `POST /v1/blobs/uploads`, `PUT` and `DELETE /v1/blobs/uploads/<id>`: one-pass uploads,
    /// for an uploader that hashes while it sends.
    ///
    /// The `POST` (signed over the session payload) streams its body into the store's
    /// temporary directory while the server hashes it, and answers 202 with the digest, the
    /// size and `Location: /v1/blobs/uploads/<id>`. The blob is not stored yet: nothing serves
    /// or links it. The `PUT …?digest=sha256:<hex>` (signed over that digest, by the uploader
    /// that opened the session) stores it if the digest is the one received; a mismatch
    /// deletes it. Unfinalised sessions expire.
    private func addUploadSessionRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/blobs/uploads") { request, context in
            let store = try blobStore()
            let owner = try await authorizeUpload(request, scope: .session)
            let limit = configuration.maxBlobSize
            if let length = request.headers[.contentLength].flatMap(UInt64.init), length > limit {
                throw BlobStoreError.tooLarge(limit: limit)
            }
            guard let id = uploads.open(owner: owner, now: ledger.now(), limit: configuration.maxUploadSessions, store: store)
            else {
                throw Problem(
                    .tooManyRequests,
                    code: "too-many-uploads",
                    title: "Too many uploads in progress",
                    detail: "at most \(configuration.maxUploadSessions) upload sessions may be open; retry later"
                )
            }
            let staged: StagedBlob
            do {
                staged = try await store.stage(body: request.body, maxSize: limit)
            } catch {
                uploads.close(id, store: store)
                throw error
            }
            let expires = ledger.now() + configuration.uploadSessionLifetime
            guard uploads.received(id, staged: staged, expires: expires, store: store) else {
                throw Problem.notFound("upload session \(id.uuidString.lowercased()) was closed while it was received")
            }
            let location = "/v1/blobs/uploads/\(id.uuidString.lowercased())"
            return try Response.json(
                UploadSessionView(upload: location, digest: staged.digest, size: staged.size, expires: expires),
                status: .accepted,
                headers: [.location: location]
            )
        }
        router.put("/v1/blobs/uploads/{id}") { request, context in
            let store = try blobStore()
            let id = try uploadID(context)
            guard let text = request.uri.queryParameters.get("digest") else {
                throw Problem.invalidParameter("give the digest the upload was signed for: ?digest=sha256:<hex>")
            }
            let digest = try BlobDigest(String(text))
            let owner = try await authorizeUpload(request, scope: .digest(digest))
            let staged = try await takeSession(id, owner: owner, store: store)
            guard staged.digest == digest else {
                store.discard(staged)
                throw BlobStoreError.digestMismatch(expected: digest, actual: staged.digest)
            }
            let info = try await store.commit(staged)
            if info.created {
                context.logger.info("blob stored", metadata: ["digest": "\(digest)", "size": "\(info.size)"])
            }
            return try Response.json(
                info,
                status: info.created ? .created : .ok,
                headers: [.location: "/v1/blobs/\(digest)"]
            )
        }
        router.delete("/v1/blobs/uploads/{id}") { request, context in
            let store = try blobStore()
            let id = try uploadID(context)
            let owner = try await authorizeUpload(request, scope: .session)
            store.discard(try await takeSession(id, owner: owner, store: store))
            return Response(status: .noContent)
        }
    }

    /// Removes the received session `id` of `owner` from the table, for one request to finish.
    private func takeSession(_ id: UUID, owner: String?, store: FileBlobStore) async throws -> StagedBlob {
        let name = id.uuidString.lowercased()
        switch uploads.lookup(id, now: ledger.now(), store: store) {
        case .missing:
            throw Problem(
                .notFound,
                code: "upload-not-found",
                title: "No such upload session",
                detail: "no upload session \(name): it never existed, expired or was finished"
            )
        case .receiving:
            throw Problem(
                .conflict,
                code: "upload-incomplete",
                title: "The upload is still being received",
                detail: "upload session \(name) has not received its whole body yet"
            )
        case .found(let sessionOwner, _):
            guard sessionOwner == owner else {
                throw Problem(
                    .forbidden,
                    code: "upload-forbidden",
                    title: "The upload is refused",
                    detail: "upload session \(name) was opened by \(sessionOwner ?? "an admin"), not \(owner ?? "an admin")"
                )
            }
            guard let staged = uploads.take(id) else {
                throw Problem(
                    .notFound,
                    code: "upload-not-found",
                    title: "No such upload session",
                    detail: "upload session \(name) was finished by another request"
                )
            }
            return staged
        }
    }

    private func uploadID(_ context: BasicRequestContext) throws -> UUID {
        let text = try context.parameters.require("id")
        guard let id = UUID(uuidString: text) else {
            throw Problem(
                .notFound,
                code: "upload-not-found",
                title: "No such upload session",
                detail: "\(text) is not an upload session id"
            )
        }
        return id
    }

    /// What an upload authorisation is for.
    enum UploadScope {
        /// Opening an upload session (the digest is not known yet).
        case session
        /// Storing the blob `digest`.
        case digest(BlobDigest)
    }

    /// Uploads are writes: they need a signature by a provider key valid now, or by an admin.
    /// Returns the provider that signed, `nil` for an admin.
    @discardableResult
    private func authorizeUpload(_ request: Request, scope: UploadScope) async throws -> String? {
        guard let name = HTTPField.Name(UploadAuthorization.headerName), let value = request.headers[name] else {
            throw Problem(
                .unauthorized,
                code: "upload-unauthorized",
                title: "The upload is not authorised",
                detail: "send a \(UploadAuthorization.headerName) header signed by a provider or admin key"
            )
        }
        guard let authorization = UploadAuthorization(header: value) else {
            throw Problem.invalidParameter("the \(UploadAuthorization.headerName) header is malformed")
        }
        let now = ledger.now()
        let keys: [PublicKey]
        if let id = authorization.provider {
            guard let provider = try await ledger.provenanceState.provider(id: id), !provider.suspended else {
                throw Problem(
                    .forbidden,
                    code: "upload-forbidden",
                    title: "The upload is refused",
                    detail: "no active provider \(id)"
                )
            }
            keys = provider.keys(validAt: now)
        } else {
            keys = configuration.adminKeys
        }
        let refusal =
            switch scope {
            case .session: authorization.sessionRefusal(keys: keys, now: now, skew: ProvenanceRules.defaultSkew)
            case .digest(let digest):
                authorization.refusal(digest: digest.description, keys: keys, now: now, skew: ProvenanceRules.defaultSkew)
            }
        if let refusal {
            throw Problem(.forbidden, code: "upload-forbidden", title: "The upload is refused", detail: refusal)
        }
        return authorization.provider
    }

    private func blobStore() throws -> FileBlobStore {
        guard let blobs else {
            throw Problem(
                .notFound,
                code: "no-blob-store",
                title: "This server stores no blobs",
                detail: "the server was started without a blob store"
            )
        }
        return blobs
    }

    private func blobStoreAndDigest(_ context: BasicRequestContext) throws -> (FileBlobStore, BlobDigest) {
        (try blobStore(), try BlobDigest(try context.parameters.require("digest")))
    }

    /// A blob's bytes (or only its headers for `HEAD`), honouring one `Range` and `If-None-Match`.
    private func serveBlob(_ request: Request, context: BasicRequestContext, includeBody: Bool) throws -> Response {
        let (store, digest) = try blobStoreAndDigest(context)
        guard let info = try store.info(digest) else { throw BlobStoreError.notFound(digest) }
        let etag = "\"\(digest)\""
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .acceptRanges: "bytes",
            .eTag: etag,
            .cacheControl: "public, max-age=31536000, immutable",
        ]
        if let match = request.headers[.ifNoneMatch], Self.etagList(match, contains: etag) {
            return Response(status: .notModified, headers: headers)
        }
        var status = HTTPResponse.Status.ok
        var range: Range<UInt64> = 0..<info.size
        // If-Range with another validator asks for the whole blob instead of a part.
        if let header = request.headers[.range], request.headers[.ifRange].map({ $0 == etag }) ?? true {
            switch ByteRangeRequest(header, size: info.size) {
            case .ignored:
                break
            case .satisfiable(let requested):
                status = .partialContent
                range = requested
                headers[.contentRange] = "bytes \(requested.lowerBound)-\(requested.upperBound - 1)/\(info.size)"
            case .unsatisfiable:
                var response = try Problem(
                    .rangeNotSatisfiable,
                    code: "range-not-satisfiable",
                    title: "The requested range is not inside the blob",
                    detail: "\(header) does not overlap the \(info.size) bytes of \(digest)"
                ).response(from: request, context: context)
                response.headers[.contentRange] = "bytes */\(info.size)"
                return response
            }
        }
        headers[.contentLength] = String(range.count)
        guard includeBody, !range.isEmpty else { return Response(status: status, headers: headers) }
        let logger = context.logger
        let served = range
        let body = ResponseBody(contentLength: Int(served.count)) { writer in
            do {
                try await store.read(digest, range: served) { chunk in try await writer.write(chunk) }
            } catch {
                // Headers are gone already: all that is left is to cut the connection short.
                logger.error("blob read failed", metadata: ["digest": "\(digest)", "error": "\(error)"])
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Whether an `If-None-Match` value names `etag` (weak comparison) or is `*`.
    static func etagList(_ value: String, contains etag: String) -> Bool {
        value.split(separator: ",").contains { item in
            let tag = item.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}

/// The answer to `POST /v1/blobs/uploads`: what the server received, waiting for a signed
/// finalisation.
public struct UploadSessionView: Codable, Hashable, Sendable {
    /// The session's path, `/v1/blobs/uploads/<id>` (also the `Location` header).
    public var upload: String
    /// The digest of the bytes received.
    public var digest: BlobDigest
    /// How many bytes were received.
    public var size: UInt64
    /// When the session expires unless finalised, ms since the Unix epoch.
    public var expires: Int64

    /// Creates a session view.
    public init(upload: String, digest: BlobDigest, size: UInt64, expires: Int64) {
        self.upload = upload
        self.digest = digest
        self.size = size
        self.expires = expires
    }
}

/// A `Range` request header (RFC 9110 section 14) against a representation of `size` bytes.
///
/// One range is served (`bytes=a-b`, `bytes=a-`, `bytes=-n`); a header with another unit, bad
/// syntax or several ranges is ignored and the whole blob is served, as RFC 9110 allows.
enum ByteRangeRequest: Equatable {
    /// Serve the whole representation.
    case ignored
    /// Serve these bytes with 206.
    case satisfiable(Range<UInt64>)
    /// Answer 416.
    case unsatisfiable

    init(_ header: String, size: UInt64) {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes=") else {
            self = .ignored
            return
        }
        let spec = text.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else {
            self = .ignored
            return
        }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit), !(first.isEmpty && last.isEmpty) else {
            self = .ignored
            return
        }
        if first.isEmpty {
            // Suffix range: the last n bytes.
            let count = Self.saturatingValue(last)
            self = count == 0 || size == 0 ? .unsatisfiable : .satisfiable((size - min(count, size))..<size)
            return
        }
        let start = Self.saturatingValue(first)
        let end: UInt64? = last.isEmpty ? nil : Self.saturatingValue(last)
        if let end, end < start {
            self = .ignored
            return
        }
        guard start < size else {
            self = .unsatisfiable
            return
        }
        self = .satisfiable(start..<min(end.map { $0 == .max ? $0 : $0 + 1 } ?? size, size))
    }

    private static func saturatingValue(_ digits: Substring) -> UInt64 {
        var value: UInt64 = 0
        for digit in digits.utf8 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (plus, overflow2) = times.addingReportingOverflow(UInt64(digit - 0x30))
            if overflow1 || overflow2 { return .max }
            value = plus
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

extension Problem {
    /// Maps blob store errors to problems.
    static func from(_ error: BlobStoreError) -> Problem {
        switch error.code {
        case .invalidDigest:
            return Problem(.badRequest, code: "invalid-digest", title: "Not a sha256:<hex> digest", detail: error.message)
        case .digestMismatch:
            return Problem(
                .badRequest,
                code: "digest-mismatch",
                title: "The content does not match its digest",
                detail: error.message
            )
        case .tooLarge:
            return Problem(.contentTooLarge, code: "blob-too-large", title: "The blob is too large", detail: error.message)
        case .notFound:
            return Problem.notFound(error.message)
        case .rangeNotSatisfiable:
            return Problem(
                .rangeNotSatisfiable,
                code: "range-not-satisfiable",
                title: "The requested range is not inside the blob",
                detail: error.message
            )
        default:
            return Problem(
                .internalServerError,
                code: "internal",
                title: "Internal error",
                detail: "the blob store could not complete the request"
            )
        }
    }
}
