import Crypto
import Foundation
import Synchronization

/// A request body stream that reads a file once, hashing every byte it hands out: the upload
/// and the digest come from the same single pass over the file.
///
/// URLSession reads it (`URLRequest.httpBodyStream`) on its own thread; the state is behind a
/// mutex, so the digest can be read once the request has finished. Memory is one read buffer,
/// whatever the file's size.
final class HashingFileStream: InputStream {
    private struct State {
        var fd: Int32 = -1
        var hasher = SHA256()
        var size: UInt64 = 0
        var status = Stream.Status.notOpen
        var error: (any Error)?
    }

    private let path: String
    private let progress: @Sendable (UInt64) -> Void
    private let state = Mutex(State())

    /// A stream over the file at `path`, reporting the bytes read so far to `progress`.
    init(path: String, progress: @escaping @Sendable (UInt64) -> Void = { _ in }) {
        self.path = path
        self.progress = progress
        super.init(data: Data())
    }

    /// The digest and size of everything read, once the stream reached the end of the file;
    /// `nil` before that or after an error.
    var result: (digest: SHA256.Digest, size: UInt64)? {
        state.withLock { state in
            guard state.status == .atEnd || state.status == .closed, state.error == nil else { return nil }
            return (state.hasher.finalize(), state.size)
        }
    }

    override func open() {
        state.withLock { state in
            guard state.status == .notOpen else { return }
            let fd = posixOpen(path)
            guard fd >= 0 else {
                state.error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                state.status = .error
                return
            }
            #if os(Linux)
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
            #endif
            state.fd = fd
            state.status = .open
        }
    }

    override func close() {
        state.withLock { state in
            if state.fd >= 0 { _ = posixClose(state.fd) }
            state.fd = -1
            if state.status != .error { state.status = .closed }
        }
    }

    override var streamStatus: Stream.Status { state.withLock { $0.status } }

    override var streamError: (any Error)? { state.withLock { $0.error } }

    override var hasBytesAvailable: Bool { state.withLock { $0.status == .open } }

    override func getBuffer(
        _ buffer: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
        length len: UnsafeMutablePointer<Int>
    ) -> Bool {
        false
    }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength len: Int) -> Int {
        let (count, total) = state.withLock { state -> (Int, UInt64) in
            guard state.status == .open else { return (state.status == .error ? -1 : 0, state.size) }
            while true {
                let count = posixRead(state.fd, buffer, len)
                if count < 0 {
                    if errno == EINTR { continue }
                    state.error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                    state.status = .error
                    return (-1, state.size)
                }
                if count == 0 {
                    state.status = .atEnd
                    return (0, state.size)
                }
                state.hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: count))
                state.size += UInt64(count)
                return (count, state.size)
            }
        }
        if count > 0 { progress(total) }
        return count
    }
}

// The stream's own `open`, `read` and `close` hide the C functions inside the class.
private func posixOpen(_ path: String) -> Int32 { open(path, O_RDONLY | O_CLOEXEC) }
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { read(fd, buffer, count) }
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
