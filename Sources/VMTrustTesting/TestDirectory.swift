import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scratch directories for tests.
///
/// Every test directory lives under one root per test process, and the root is removed when the process
/// exits, so a run leaves nothing behind in the system's temporary directory (data directories, blob
/// stores, SQLite files, server logs), even when a test fails before its own clean-up.
public enum TestDirectory {
    /// This process's root, created on first use; removed at exit.
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("vmtrust-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestDirectory.root) }
        return url
    }()

    /// A fresh path under ``root`` named `prefix-<uuid>`; the directory is not created.
    public static func path(_ prefix: String) -> String {
        root.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    }
}
