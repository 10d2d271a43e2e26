import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the POSIX calls the store needs, retrying `EINTR` and throwing
/// ``BlobStoreError/Code/io`` with the path. Blocking calls run on a NIO thread pool so that
/// uploads never stall the cooperative executor.
enum Syscalls {
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(BlobStoreError) -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .io("open", path, errno: errno) }
        }
    }

    /// Writes all of `buffer` at the end of `fd`.
    static func writeAll(_ fd: Int32, _ buffer: ByteBuffer, path: String) throws(BlobStoreError) {
        let result: Int32 = buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return 0
        }
        if result != 0 { throw .io("write", path, errno: result) }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    static func readChunk(_ fd: Int32, count: Int, offset: UInt64, path: String) throws(BlobStoreError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var failure: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            var done = 0
            while done < count {
                let got = pread(fd, bytes.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return done
                }
                if got == 0 { break }
                done += got
            }
            return done
        }
        if failure != 0 { throw .io("read", path, errno: failure) }
        return buffer
    }

    /// Starts writing the dirty pages of `count` bytes at `offset` of `fd` back to disk without
    /// waiting for them (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so that disk writes
    /// overlap the upload and the final `fsync` has only the tail left. Best effort: a no-op
    /// where the call does not exist.
    static func startWriteback(_ fd: Int32, offset: UInt64, count: UInt64) {
        #if os(Linux)
        guard let call = syncFileRange else { return }
        _ = call(fd, Int64(offset), Int64(count), 2)  // SYNC_FILE_RANGE_WRITE
        #endif
    }

    #if os(Linux)
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    /// glibc's `sync_file_range`, which the Glibc module does not export (it is a GNU extension).
    private static let syncFileRange: SyncFileRange? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range")
        .map { unsafeBitCast($0, to: SyncFileRange.self) }
    #endif

    static func sync(_ fd: Int32, path: String) throws(BlobStoreError) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw .io("fsync", path, errno: errno) }
        }
    }

    /// Opens a directory and fsyncs it, making entries created or renamed in it durable.
    static func fsyncDirectory(_ path: String) throws(BlobStoreError) {
        let fd = try openFile(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: path)
    }

    /// Creates a directory with mode 0700 unless it exists; returns whether it was created.
    @discardableResult
    static func makeDirectory(_ path: String) throws(BlobStoreError) -> Bool {
        if mkdir(path, 0o700) == 0 { return true }
        let code = errno
        var info = stat()
        if code == EEXIST, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return false }
        throw .io("mkdir", path, errno: code)
    }

    /// The size of a regular file, or nil when there is none.
    static func regularFileSize(_ path: String) throws(BlobStoreError) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .io("stat", path, errno: errno)
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return nil }
        return UInt64(info.st_size)
    }

    static func fileSize(_ fd: Int32, path: String) throws(BlobStoreError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io("fstat", path, errno: errno) }
        return UInt64(info.st_size)
    }

    /// The names in a directory, without `.` and `..`.
    static func listDirectory(_ path: String) throws(BlobStoreError) -> [String] {
        guard let directory = opendir(path) else { throw .io("opendir", path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Runs blocking work on NIO's shared thread pool.
    static func blocking<Result: Sendable>(
        _ work: @escaping @Sendable () throws(BlobStoreError) -> Result
    ) async throws -> Result {
        try await NIOThreadPool.singleton.runIfActive { () throws -> Result in try work() }
    }
}
