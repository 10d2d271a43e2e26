import BlobStore
import Crypto
import Foundation
import Synchronization
import TrustServer

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Streaming blob transfers over URLSession: uploads straight from the file, downloads
/// written to disk chunk by chunk while they are hashed. Memory stays flat in blob size.
enum BlobTransfer {
    /// How long the connection may stay idle (a server fsyncing a large blob is quiet).
    static let idleTimeout: TimeInterval = 600

    /// A finished exchange: status, the `Content-Length` the server announced, the body
    /// (empty for downloads, which went to disk), and the digest of what was received.
    struct Outcome {
        var status: Int
        var body: [UInt8]
        var receivedDigest: BlobDigest?
        var receivedBytes: UInt64
    }

    /// `PUT`s the file at `path` to `url`, streamed from disk by URLSession, reporting bytes sent.
    static func upload(file path: String, to url: URL, progress: @escaping @Sendable (UInt64) -> Void) async throws -> Outcome {
        var request = URLRequest(url: url)
        request.httpMethod = "PUT"
        request.timeoutInterval = idleTimeout
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        let delegate = TransferDelegate(sink: nil, progress: progress)
        return try await delegate.run(request) { session in
            session.uploadTask(with: request, fromFile: URL(fileURLWithPath: path))
        }
    }

    /// `GET`s `url` into the open file `sink`, hashing as it goes, reporting bytes received.
    /// Only a 2xx body goes to the file; an error body is kept in memory (it is small).
    static func download(
        from url: URL,
        into sink: FileHandle,
        progress: @escaping @Sendable (UInt64, UInt64?) -> Void
    ) async throws -> Outcome {
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        request.timeoutInterval = idleTimeout
        let delegate = TransferDelegate(sink: sink, progress: { _ in }, downloadProgress: progress)
        return try await delegate.run(request) { session in session.dataTask(with: request) }
    }
}

/// Collects one task's events. `@unchecked Sendable`: URLSession calls it on its serial
/// delegate queue; the mutable state is behind a mutex.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        var status = 0
        var expected: UInt64?
        var body: [UInt8] = []
        var hasher = SHA256()
        var received: UInt64 = 0
        var failure: (any Error)?
        var continuation: CheckedContinuation<BlobTransfer.Outcome, any Error>?
    }

    private let sink: FileHandle?
    private let progress: @Sendable (UInt64) -> Void
    private let downloadProgress: (@Sendable (UInt64, UInt64?) -> Void)?
    private let state = Mutex(State())

    init(
        sink: FileHandle?,
        progress: @escaping @Sendable (UInt64) -> Void,
        downloadProgress: (@Sendable (UInt64, UInt64?) -> Void)? = nil
    ) {
        self.sink = sink
        self.progress = progress
        self.downloadProgress = downloadProgress
    }

    func run(_ request: URLRequest, makeTask: (URLSession) -> URLSessionTask) async throws -> BlobTransfer.Outcome {
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
        let http = response as? HTTPURLResponse
        state.withLock { state in
            state.status = http?.statusCode ?? 0
            state.expected = response.expectedContentLength >= 0 ? UInt64(response.expectedContentLength) : nil
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let (toDisk, received, expected): (Bool, UInt64, UInt64?) = state.withLock { state in
            let toDisk = sink != nil && (200..<300).contains(state.status) && state.failure == nil
            if toDisk {
                data.withUnsafeBytes { state.hasher.update(bufferPointer: $0) }
                state.received += UInt64(data.count)
            } else if state.body.count < 1 << 20 {
                state.body += data
            }
            return (toDisk, state.received, state.expected)
        }
        guard toDisk, let sink else { return }
        do {
            try sink.write(contentsOf: data)
            downloadProgress?(received, expected)
        } catch {
            state.withLock { $0.failure = $0.failure ?? error }
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        typealias Continuation = CheckedContinuation<BlobTransfer.Outcome, any Error>
        let (continuation, result): (Continuation?, Result<BlobTransfer.Outcome, any Error>) = state.withLock { state in
            let continuation = state.continuation
            state.continuation = nil
            if let failure = state.failure ?? error { return (continuation, .failure(failure)) }
            let succeeded = sink != nil && (200..<300).contains(state.status)
            let outcome = BlobTransfer.Outcome(
                status: state.status,
                body: state.body,
                receivedDigest: succeeded ? BlobDigest(state.hasher.finalize()) : nil,
                receivedBytes: state.received
            )
            return (continuation, .success(outcome))
        }
        continuation?.resume(with: result)
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
