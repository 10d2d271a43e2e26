import Crypto
import Foundation

/// Streaming SHA-256 of a file in fixed-size chunks: memory stays flat in the file size.
enum FileHasher {
    static let chunkSize = 4 << 20

    /// Hashes the file at `path`, reporting bytes read to `progress`.
    static func sha256(path: String, progress: (UInt64) -> Void = { _ in }) throws -> (digest: [UInt8], size: UInt64) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CLIError.input("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let count = read(fd, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError.input("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += UInt64(count)
            progress(total)
        }
        return (Array(hasher.finalize()), total)
    }
}
