import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(CoreFoundation)
import CoreFoundation
#endif

/// A one-pass upload of a file as the body of an HTTP/1.1 `POST` over a plain TCP
/// connection (SwiftNIO), hashing every byte as it is sent.
///
/// The file is read in ``chunkSize`` pieces straight into the buffers handed to the
/// connection, so one `read(2)`, one hash update and one socket write move each megabyte; the
/// event loop writes chunk *n* while this task reads and hashes chunk *n + 1*, and the channel's
/// writability bounds what is in flight (memory stays flat in the file's size). The body has a
/// `Content-Length`: the file's size when it was opened. A file that shrinks while it is read
/// fails the upload; bytes appended after the open are not sent (and not hashed).
///
/// Used for `http://` servers; `https://` goes through URLSession (``BlobTransfer``).
struct FileUpload {
    /// Bytes per read, hash update and socket write.
    static let chunkSize = 4 << 20
    /// The largest response body kept (the answer to an upload is small JSON).
    static let maxResponseBody = 1 << 20

    /// The result: the server's answer and what was sent.
    struct Outcome {
        /// The response status.
        var status: Int
        /// The response body (at most ``maxResponseBody`` bytes).
        var body: [UInt8]
        /// The digest and size of the bytes sent, or `nil` when the server answered before the
        /// whole file was sent.
        var sent: (digest: SHA256.Digest, size: UInt64)?
    }

    /// Why an upload failed before the server answered.
    enum Failure: Error, CustomStringConvertible {
        /// The file could not be opened or read.
        case file(String)
        /// The connection failed or closed early.
        case connection(String)

        var description: String {
            switch self {
            case .file(let reason), .connection(let reason): reason
            }
        }
    }

    let host: String
    let port: Int
    let path: String
    let headers: [(String, String)]

    /// An upload to `url` (scheme `http`), with extra request `headers`.
    init(url: URL, headers: [String: String]) {
        self.host = url.host ?? "127.0.0.1"
        self.port = url.port ?? 80
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        self.path = path
        self.headers = headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Sends the file at `file`, reporting the bytes sent so far to `progress`.
    func send(file: String, progress: @escaping @Sendable (UInt64) -> Void) async throws -> Outcome {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure.file("cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw Failure.file("cannot stat \(file): \(String(cString: strerror(errno)))") }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        let size = UInt64(status.st_size)

        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel
                        )
                    }
                }
        } catch {
            throw Failure.connection("cannot connect to \(host):\(port): \(error)")
        }

        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        head.headers.add(name: "Content-Type", value: "application/octet-stream")
        head.headers.add(name: "Content-Length", value: String(size))
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }

        do {
            return try await exchange(on: channel, head: head, fd: fd, file: file, size: size, progress: progress)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.connection("\(error)")
        }
    }

    /// Sends `head` and the file's bytes on `channel` while collecting the answer.
    private func exchange(
        on channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>,
        head: HTTPRequestHead,
        fd: Int32,
        file: String,
        size: UInt64,
        progress: @escaping @Sendable (UInt64) -> Void
    ) async throws -> Outcome {
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Event.self) { group in
                group.addTask {
                    do {
                        try await outbound.write(.head(head))
                        let sent = try await Self.stream(fd: fd, file: file, size: size, to: outbound, progress: progress)
                        try await outbound.write(.end(nil))
                        return .sent(sent)
                    } catch {
                        // A server that refuses early answers and closes: its answer, still on its way in,
                        // says more than the failed write.
                        return .sendFailed(error)
                    }
                }
                group.addTask {
                    .answered(try await Self.response(from: inbound))
                }
                var sent: (digest: SHA256.Digest, size: UInt64)?
                var sendError: (any Error)?
                var answer: (status: Int, body: [UInt8])?
                do {
                    while let event = try await group.next() {
                        switch event {
                        case .sent(let result): sent = result
                        case .sendFailed(let error):
                            // Our own failure (the file) ends the exchange; a channel error means the server
                            // closed, and its answer, if any, is still to be read.
                            if error is Failure, answer == nil { throw error }
                            sendError = error
                        case .answered(let result):
                            answer = result
                            // An answer before the whole body: the server refused it; stop sending.
                            if sent == nil { group.cancelAll() }
                        }
                        if answer != nil && (sent != nil || group.isEmpty) { break }
                    }
                } catch {
                    // No answer: the failed write (if any) is the better explanation.
                    if answer == nil { throw sendError ?? error }
                }
                guard let answer else {
                    throw sendError ?? Failure.connection("the server closed the connection without answering")
                }
                group.cancelAll()
                return Outcome(status: answer.status, body: answer.body, sent: sent)
            }
        }
    }

    private enum Event: Sendable {
        case sent((digest: SHA256.Digest, size: UInt64))
        case sendFailed(any Error)
        case answered((status: Int, body: [UInt8]))
    }

    /// Reads `size` bytes of `fd` in ``chunkSize`` pieces, hashing each and writing it as a body part.
    private static func stream(
        fd: Int32,
        file: String,
        size: UInt64,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>,
        progress: @Sendable (UInt64) -> Void
    ) async throws -> (digest: SHA256.Digest, size: UInt64) {
        var hasher = SHA256()
        var offset: UInt64 = 0
        let allocator = ByteBufferAllocator()
        while offset < size {
            try Task.checkCancellation()
            let want = Int(min(UInt64(chunkSize), size - offset))
            var buffer = allocator.buffer(capacity: want)
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { pointer in
                var filled = 0
                while filled < want {
                    let count = read(fd, pointer.baseAddress! + filled, want - filled)
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw Failure.file("cannot read \(file): \(String(cString: strerror(errno)))")
                    }
                    if count == 0 { break }
                    filled += count
                }
                return filled
            }
            guard count == want else {
                throw Failure.file("\(file) shrank while it was read (\(offset + UInt64(count)) of \(size) bytes)")
            }
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            try await outbound.write(.body(.byteBuffer(buffer)))
            offset += UInt64(count)
            progress(offset)
        }
        return (hasher.finalize(), size)
    }

    /// Collects the response: status and (bounded) body.
    private static func response(
        from inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>
    ) async throws -> (status: Int, body: [UInt8]) {
        var status: Int?
        var body: [UInt8] = []
        for try await part in inbound {
            switch part {
            case .head(let head):
                // 100 Continue and other informational heads precede the real one.
                if head.status.code >= 200 { status = Int(head.status.code) }
            case .body(let buffer):
                if status != nil && body.count < maxResponseBody {
                    body += buffer.readableBytesView.prefix(maxResponseBody - body.count)
                }
            case .end:
                if let status { return (status, body) }
            }
        }
        throw Failure.connection("the server closed the connection before its answer was complete")
    }
}
