import BlobStore
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Logging
import NIOCore
import Provenance

/// An RFC 9457 problem: the body of every error response, `application/problem+json`.
///
/// ``type`` is stable (`urn:vmtrust:problem:<code>`): clients branch on it, never on the
/// human-readable ``title`` or ``detail``.
public struct Problem: Error, HTTPResponseError, Codable, Sendable, Equatable {
    /// `urn:vmtrust:problem:<code>`.
    public var type: String
    /// A short summary that is the same for every occurrence of this type.
    public var title: String
    /// The HTTP status code.
    public var statusCode: Int
    /// What went wrong this time.
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case type, title, detail
        case statusCode = "status"
    }

    /// Creates a problem with code `code` (the last part of its type).
    public init(_ status: HTTPResponse.Status, code: String, title: String, detail: String) {
        self.type = "urn:vmtrust:problem:" + code
        self.title = title
        self.statusCode = status.code
        self.detail = detail
    }

    /// The problem's code: its type without the `urn:vmtrust:problem:` prefix.
    public var code: String { String(type.dropFirst("urn:vmtrust:problem:".count)) }

    /// The HTTP status.
    public var status: HTTPResponse.Status { .init(code: statusCode) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(self)
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension Problem {
    static func malformedEnvelope(_ detail: String) -> Problem {
        Problem(.badRequest, code: "malformed-envelope", title: "The request body is not a valid DSSE envelope", detail: detail)
    }
    static func invalidParameter(_ detail: String) -> Problem {
        Problem(.badRequest, code: "invalid-parameter", title: "A request parameter is missing or invalid", detail: detail)
    }
    static func bodyTooLarge(limit: Int) -> Problem {
        Problem(
            .contentTooLarge,
            code: "body-too-large",
            title: "The request body is too large",
            detail: "request bodies are limited to \(limit) bytes"
        )
    }
    static func unknownSigner(_ detail: String) -> Problem {
        Problem(
            .forbidden,
            code: "unknown-signer",
            title: "No signature is by a key allowed to write this record",
            detail: detail
        )
    }
    static func invalidSignature(_ detail: String) -> Problem {
        Problem(.forbidden, code: "invalid-signature", title: "A signature does not verify", detail: detail)
    }
    static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, code: "not-found", title: "Not found", detail: detail)
    }

    /// Maps a refusal by the provenance rules to a problem whose type carries the rule's code
    /// (`urn:vmtrust:problem:record-<code>`, the code in kebab case).
    static func from(_ rejection: RecordRejection) -> Problem {
        let code = rejection.code.description
        let kebab = code.reduce(into: "") { out, character in
            if character.isUppercase { out += "-" + character.lowercased() } else { out.append(character) }
        }
        let status: HTTPResponse.Status
        switch rejection.code {
        case .notSignedByAdmins, .belowThreshold, .notSignedByProvider, .missingNewKeySignature, .keyRevoked, .keyExpired,
            .keyNotYetValid, .providerSuspended, .unknownKey, .foreignLineage:
            status = .forbidden
        case .notSignedByAuditor, .auditorSuspended, .accreditationExpired, .attestationTypeNotAllowed, .notIssuingAuditor:
            status = .forbidden
        case .invalidPredicate:
            status = .badRequest
        case .invalidRecord, .recordMismatch, .timeOutsideSkew, .effectiveTimeInPast:
            status = .badRequest
        default:
            status = .conflict
        }
        return Problem(status, code: "record-" + kebab, title: "The record is refused", detail: rejection.message)
    }

    /// Maps ledger errors to problems.
    static func from(_ error: LedgerError) -> Problem {
        switch error.code {
        case .entryTooLarge:
            return Problem(.contentTooLarge, code: "entry-too-large", title: "The entry is too large", detail: error.message)
        case .outOfRange:
            return Problem(.badRequest, code: "out-of-range", title: "Outside the published tree", detail: error.message)
        case .shuttingDown, .sequencingConflict:
            return Problem(.serviceUnavailable, code: "unavailable", title: "The log cannot sequence now", detail: error.message)
        default:
            return Problem(
                .internalServerError,
                code: "internal",
                title: "Internal error",
                detail: "the log could not complete the request"
            )
        }
    }
}

/// Turns every error a route throws into a problem+json response.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as LedgerError {
            if error.code == .corruptStore || error.code == .notDurable {
                context.logger.error("ledger failure", metadata: ["error": "\(error)"])
            }
            throw Problem.from(error)
        } catch let rejection as RecordRejection {
            throw Problem.from(rejection)
        } catch let error as BlobStoreError {
            if error.code == .io {
                context.logger.error("blob store failure", metadata: ["error": "\(error)"])
            }
            throw Problem.from(error)
        } catch let error as HTTPError {
            switch error.status {
            case .contentTooLarge:
                throw Problem(
                    .contentTooLarge,
                    code: "body-too-large",
                    title: "The request body is too large",
                    detail: error.body ?? ""
                )
            case .notFound:
                throw Problem.notFound("no resource at \(request.uri.path)")
            case .methodNotAllowed:
                throw Problem(
                    .methodNotAllowed,
                    code: "method-not-allowed",
                    title: "Method not allowed",
                    detail: "\(request.method) is not allowed on \(request.uri.path)"
                )
            default:
                throw Problem(
                    error.status,
                    code: "http-\(error.status.code)",
                    title: error.status.reasonPhrase,
                    detail: error.body ?? ""
                )
            }
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            throw Problem(
                .internalServerError,
                code: "internal",
                title: "Internal error",
                detail: "the request could not be completed"
            )
        }
    }
}
