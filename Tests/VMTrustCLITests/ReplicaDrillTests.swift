import Foundation
import Testing

/// The PostgreSQL replica drill (`scripts/replicas/drill.sh`) and `--postgres` input errors.
@Suite("Replicas on PostgreSQL")
struct ReplicaDrillTests {
    static let postgresURL = ProcessInfo.processInfo.environment["VMTRUST_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// The repository root (this file is Tests/VMTrustCLITests/ReplicaDrillTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test(
        "Three replicas, clients on all, one SIGKILLed: every receipt, checkpoint and the audit hold",
        .enabled(if: postgresURL != nil, "set VMTRUST_TEST_POSTGRES_URL to run"),
        .timeLimit(.minutes(10))
    )
    func drill() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.root + "/scripts/replicas/drill.sh", "600", "8"]
        var environment = ProcessInfo.processInfo.environment
        environment["VMTRUST_BIN"] = CLI.binary
        environment["OUT"] = try CLI.temporaryDirectory()
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("drill passed"))
        #expect(output.contains("\"ok\": true"))
    }

    @Test("A bad --postgres URL, or an uninitialised directory with --postgres, is a usage error")
    func inputErrors() throws {
        let data = try CLI.temporaryDirectory() + "/data"
        let bad = try CLI.run(["serve", "--data", data, "--postgres", "mysql://u@h/db"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("postgres"))
        let uninitialised = try CLI.run(["serve", "--data", data, "--postgres", "postgres://u@127.0.0.1:1/db"])
        #expect(uninitialised.status == 2)
        #expect(uninitialised.stderr.contains("vmtrust init"))
        #expect(!FileManager.default.fileExists(atPath: data))
    }
}
