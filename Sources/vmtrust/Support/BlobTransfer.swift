import BlobStore
import Crypto
import Foundation
import Synchronization
import TrustServer

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Streaming blob transfers over URLSession with memory flat in blob size.
///
/// Uploads stream from the file through a ``HashingFileStream`` (`httpBodyStream`), which
/// hashes the bytes as URLSession sends them: one pass over the file. Downloads are a sequence of ranged
/// `GET`s of ``downloadChunkSize`` bytes, each hashed and written before the next is asked
/// for: URLSession's delegate callbacks have no back-pressure (a fast server fills the
/// delegate queue faster than a file is written), ranged requests do.
enum BlobTransfer {
    /// How long the connection may stay idle (a server fsyncing a large blob is quiet).
    static let idleTimeout: TimeInterval = 600
    /// Bytes per ranged download request.
    static let downloadChunkSize: UInt64 = 8 << 20

    /// A finished upload: status and response body.
    struct Outcome {
        var status: Int
        var body: [UInt8]
    }

    /// `POST`s `body` to `url` as a streamed request body (chunked), for a one-pass upload: the
    /// stream (a ``HashingFileStream``) hashes what URLSession reads from it.
    static func upload(
        _ body: InputStream,
        to url: URL,
        headers: [String: String] = [:]
    ) async throws -> Outcome {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.timeoutInterval = idleTimeout
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        request.httpBodyStream = body
        let delegate = UploadDelegate(progress: { _ in })
        return try await delegate.run { session in session.dataTask(with: request) }
    }

    /// A failed download request: the status and body the server answered.
    struct Refused: Error {
        var status: Int
        var body: [UInt8]
    }

    /// Downloads the `size` bytes at `url` into `sink` in ranged requests, hashing them;
    /// returns their digest. Throws ``Refused`` when the server does not answer with the
    /// requested range.
    static func download(
        from url: URL,
        size: UInt64,
        into sink: FileHandle,
        progress: (UInt64) -> Void
    ) async throws -> BlobDigest {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        var hasher = SHA256()
        var offset: UInt64 = 0
        while offset < size {
            let end = min(size, offset + downloadChunkSize)
            var request = URLRequest(url: url)
            request.setValue("bytes=\(offset)-\(end - 1)", forHTTPHeaderField: "Range")
            let (data, response) = try await session.data(for: request)
            let http = response as? HTTPURLResponse
            let expectedRange = "bytes \(offset)-\(end - 1)/\(size)"
            guard http?.statusCode == 206, http?.value(forHTTPHeaderField: "Content-Range") == expectedRange,
                UInt64(data.count) == end - offset
            else {
                throw Refused(status: http?.statusCode ?? 0, body: Array(data.prefix(1 << 16)))
            }
            data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            try sink.write(contentsOf: data)
            offset = end
            progress(offset)
        }
        return BlobDigest(hasher.finalize())
    }
}

/// Collects one upload's events. `@unchecked Sendable`: URLSession calls it on its serial
/// delegate queue; the mutable state is behind a mutex.
private final class UploadDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        var status = 0
        var body: [UInt8] = []
        var continuation: CheckedContinuation<BlobTransfer.Outcome, any Error>?
    }

    private let progress: @Sendable (UInt64) -> Void
    private let state = Mutex(State())

    init(progress: @escaping @Sendable (UInt64) -> Void) {
        self.progress = progress
    }

    func run(makeTask: (URLSession) -> URLSessionTask) async throws -> BlobTransfer.Outcome {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = BlobTransfer.idleTimeout
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            state.withLock { $0.continuation = continuation }
            makeTask(session).resume()
        }
    }

    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        didSendBodyData bytesSent: Int64,
        totalBytesSent: Int64,
        totalBytesExpectedToSend: Int64
    ) {
        progress(UInt64(max(0, totalBytesSent)))
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        state.withLock { $0.status = (response as? HTTPURLResponse)?.statusCode ?? 0 }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        // The answer to a PUT is small JSON; keep at most 1 MiB of it.
        state.withLock { state in
            if state.body.count < 1 << 20 { state.body += data }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (continuation, outcome) = state.withLock { state in
            let continuation = state.continuation
            state.continuation = nil
            return (continuation, BlobTransfer.Outcome(status: state.status, body: state.body))
        }
        if let error {
            continuation?.resume(throwing: error)
        } else {
            continuation?.resume(returning: outcome)
        }
    }
}

extension APIClient {
    /// `HEAD path`: the status and the announced `Content-Length`.
    func head(_ path: String) async throws -> (status: Int, length: UInt64?) {
        guard let url = URL(string: path, relativeTo: base) else { throw CLIError.input("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = "HEAD"
        request.timeoutInterval = 60
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            let http = response as? HTTPURLResponse
            return (http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "Content-Length").flatMap { UInt64($0) })
        } catch {
            throw CLIError.input("cannot reach \(url.absoluteString): \(error.localizedDescription)")
        }
    }
}
