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
            try await authorizeUpload(request, digest: digest)
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
        router.get("/v1/blobs/{digest}") { request, context in
            try serveBlob(request, context: context, includeBody: true)
        }
        router.head("/v1/blobs/{digest}") { request, context in
            try serveBlob(request, context: context, includeBody: false)
        }
    }

    /// Uploads are writes: they need a signature by a provider key valid now, or by an admin.
    private func authorizeUpload(_ request: Request, digest: BlobDigest) async throws {
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
        if let reason = authorization.refusal(digest: digest.description, keys: keys, now: now, skew: ProvenanceRules.defaultSkew)
        {
            throw Problem(.forbidden, code: "upload-forbidden", title: "The upload is refused", detail: reason)
        }
    }

    private func blobStoreAndDigest(_ context: BasicRequestContext) throws -> (FileBlobStore, BlobDigest) {
        guard let blobs else {
            throw Problem(
                .notFound,
                code: "no-blob-store",
                title: "This server stores no blobs",
                detail: "the server was started without a blob store"
            )
        }
        return (blobs, try BlobDigest(try context.parameters.require("digest")))
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
