import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Small file helpers: whole-file reads with clear errors and private writes.
enum Files {
    /// Reads a file, or standard input for `-`.
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.input("cannot read \(path)")
        }
        return Array(data)
    }

    /// Reads a UTF-8 text file.
    static func readText(_ path: String) throws -> String {
        guard let text = String(validating: try read(path), as: UTF8.self) else {
            throw CLIError.input("\(path) is not UTF-8 text")
        }
        return text
    }

    /// Writes `bytes` to a new file readable only by its owner (0600); refuses to overwrite
    /// unless `overwrite`.
    static func writePrivate(_ bytes: [UInt8], to path: String, overwrite: Bool = false) throws {
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw CLIError.input("\(path) already exists")
        }
        let flags = O_WRONLY | O_CREAT | O_TRUNC | (overwrite ? 0 : O_EXCL)
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else { throw CLIError.input("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw CLIError.input("cannot set permissions on \(path)") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw CLIError.input("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += written
        }
        guard fsync(fd) == 0 else { throw CLIError.input("cannot sync \(path)") }
    }

    /// Writes a file with default permissions (for public material).
    static func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw CLIError.input("cannot write \(path)")
        }
    }
}
