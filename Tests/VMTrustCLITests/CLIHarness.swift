import Foundation
import Synchronization
import Testing
import VMTrustTesting

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs the built `vmtrust` executable.
enum CLI {
    /// The `vmtrust` binary beside the test bundle, or `$VMTRUST_BIN`.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["VMTRUST_BIN"] { return path }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("vmtrust").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `vmtrust arguments…` to completion.
    static func run(_ arguments: [String], stdin: [UInt8]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let url = TestDirectory.root.appendingPathComponent("vmtrust-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

/// A `vmtrust serve` process on a free loopback port.
/// `@unchecked`: `Process` is not `Sendable`, but the tests only signal and wait on it.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let url: String
    let logPath: String

    /// Starts the server on `data` and waits until it listens.
    init(data: String) throws {
        logPath = data + "/server-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["serve", "--data", data, "--listen", "127.0.0.1:0", "--log-level", "warning"]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while true {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on ") {
                let line = text[range.upperBound...].prefix { !$0.isNewline }
                url = String(line)
                break
            }
            guard process.isRunning, Date() < deadline else {
                throw ServerError(message: "server did not start: \(text)")
            }
            usleep(20_000)
        }
    }

    /// SIGKILL: no chance to flush or clean up.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait.
    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    struct ServerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// A tiny HTTP client for the tests.
enum HTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.timeoutIntervalForRequest = 30
        return URLSession(configuration: configuration)
    }()

    static func get(_ url: String) async throws -> (Int, [UInt8]) {
        let (data, response) = try await session.data(from: URL(string: url)!)
        return ((response as! HTTPURLResponse).statusCode, Array(data))
    }

    static func post(_ url: String, body: [UInt8]) async throws -> (Int, [UInt8]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await session.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, Array(data))
    }
}

/// A value shared between concurrent test tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result { mutex.withLock { body(&$0) } }
}
