import Foundation
import Provenance
import Testing
import VMTrustTesting

/// Independent implementations read what vmtrust writes and write what vmtrust reads:
/// tlog-scales (a Python tlog-tiles client) verifies a running log, and securesystemslib
/// (a Python DSSE implementation) verifies vmtrust envelopes and signs envelopes the server accepts.
/// The scripts are in `scripts/interop/`; CI installs the packages (`.ci/run`).
@Suite(
    "Interop: tlog-scales and securesystemslib",
    .enabled(
        if: Interop.isAvailable || Interop.isCI,
        "python3 with tlog-scales and securesystemslib is not available; `python3 -m pip install tlog-scales securesystemslib`"
    )
)
struct InteropTests {
    @Test("tlog-scales reads and verifies a 300-entry log: full, partial and level-1 tiles, proofs, entry bundles")
    func tlogTiles() async throws {
        try Interop.requirePackages()
        let data = try CLI.temporaryDirectory()
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let admin = try SigningKey(pem: String(contentsOfFile: data + "/admin-key.pem", encoding: .utf8))

        // 300 admin-signed records, 16 in flight at a time (the sequencer batches them).
        let url = server.url
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            var statuses: [Int] = []
            for index in 0..<300 {
                if index >= 16, let status = try await group.next() { statuses.append(status) }
                let envelope = try DSSEEnvelope.sign(
                    payloadType: "application/vnd.vmtrust.interop+json",
                    payload: Array(#"{"interop":\#(index)}"#.utf8),
                    keys: [admin]
                )
                group.addTask { try await HTTP.post(url + "/v1/records", body: envelope.jsonBytes()).0 }
            }
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.count == 300)
        #expect(statuses.allSatisfy { $0 == 201 }, "\(Set(statuses))")

        let vkey = try CLI.run(["log", "key", "--data", data]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let checked = try Interop.python("tlog_check.py", server.url + "/log", vkey)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        // 300 records after the genesis record that `vmtrust init` appends.
        #expect(checked.stdout.hasPrefix("ok: vmtrust.local/log size 301 "), "\(checked.stdout)")
        #expect(checked.stdout.contains("2 entry bundles (1 full, 1 partial)"), "\(checked.stdout)")
        #expect(checked.stdout.contains("1 level-1 tiles"), "\(checked.stdout)")
        #expect(checked.stdout.contains("301 inclusion proofs"), "\(checked.stdout)")
        // vmtrust serves the partial tiles of older sizes and its JSON proofs equal those built from tiles.
        #expect(checked.stdout.contains("7 consistency proofs (7 older roots from older tiles)"), "\(checked.stdout)")
        #expect(checked.stdout.contains("13 server proofs compared"), "\(checked.stdout)")

        // Another log's key: no signature matches it.
        let other = try CLI.temporaryDirectory() + "/data"
        #expect(try CLI.run(["init", "--data", other]).status == 0)
        let otherKey = try CLI.run(["log", "key", "--data", other]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let wrong = try Interop.python("tlog_check.py", server.url + "/log", otherKey)
        #expect(wrong.status == 1, "\(wrong.stdout)\(wrong.stderr)")
        #expect(wrong.stdout.hasPrefix("FAIL: checkpoint signature does not verify"), "\(wrong.stdout)")

        // Our name and key id with another public key: a forged vkey.
        let name = vkey.split(separator: "+", maxSplits: 2)
        let key = otherKey.split(separator: "+", maxSplits: 2)
        let forged = try Interop.python("tlog_check.py", server.url + "/log", "\(name[0])+\(name[1])+\(key[2])")
        #expect(forged.status == 1, "\(forged.stdout)\(forged.stderr)")
    }

    @Test("securesystemslib verifies envelopes from `vmtrust record sign`", arguments: ["ed25519", "p256"])
    func dsseVerify(type: String) throws {
        try Interop.requirePackages()
        let directory = try CLI.temporaryDirectory()
        let key = directory + "/\(type).pem"
        let otherKey = directory + "/other.pem"
        #expect(try CLI.run(["key", "generate", "--type", type, "--out", key]).status == 0)
        #expect(try CLI.run(["key", "generate", "--type", type, "--out", otherKey]).status == 0)
        let payload = directory + "/payload.json"
        try Data(#"{"image":"sha256:00","note":"ü"}"#.utf8).write(to: URL(fileURLWithPath: payload))
        // A payload type with non-ASCII and JSON-escaped characters: PAE lengths are in bytes.
        let signed = try CLI.run(["record", "sign", "--key", key, "--type", #"application/vnd.tëst+json; q="a\b""#, payload])
        try #require(signed.status == 0, "\(signed.stderr)")
        let envelope = directory + "/envelope.json"
        try Data(signed.stdout.utf8).write(to: URL(fileURLWithPath: envelope))

        let verified = try Interop.python("dsse_check.py", "verify", envelope, key)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.hasPrefix("ok: securesystemslib verified"), "\(verified.stdout)")

        // The public key alone (SPKI PEM from `vmtrust key show`) verifies too.
        let shown = try CLI.run(["key", "show", "--json", key])
        let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        let publicPath = directory + "/public.pem"
        try Data(try #require(object?["publicKey"] as? String).utf8).write(to: URL(fileURLWithPath: publicPath))
        #expect(try Interop.python("dsse_check.py", "verify", envelope, publicPath).status == 0)

        // Altered payload, same signature: rejected.
        var json = try #require(try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: Any])
        json["payload"] = Data(#"{"image":"sha256:01","note":"ü"}"#.utf8).base64EncodedString()
        let altered = directory + "/altered.json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: altered))
        let rejected = try Interop.python("dsse_check.py", "verify", altered, key)
        #expect(rejected.status == 1, "\(rejected.stdout)\(rejected.stderr)")
        #expect(rejected.stdout.hasPrefix("FAIL: securesystemslib rejects the envelope"), "\(rejected.stdout)")

        // Another key: rejected.
        #expect(try Interop.python("dsse_check.py", "verify", envelope, otherKey).status == 1)
    }

    @Test("vmtrust accepts admin envelopes signed by securesystemslib, whatever their keyid, and refuses others")
    func dsseSign() async throws {
        try Interop.requirePackages()
        let root = try CLI.temporaryDirectory()
        let data = root + "/data"
        #expect(try CLI.run(["init", "--data", data]).status == 0)

        // A second admin key, P-256, added to the data directory's settings before the server starts.
        let p256Admin = root + "/p256-admin.pem"
        #expect(try CLI.run(["key", "generate", "--type", "p256", "--out", p256Admin]).status == 0)
        let shown = try JSONSerialization.jsonObject(with: Data(try CLI.run(["key", "show", "--json", p256Admin]).stdout.utf8))
        let p256PEM = try #require((shown as? [String: Any])?["publicKey"] as? String)
        let settingsURL = URL(fileURLWithPath: data + "/vmtrust.json")
        var settings = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: settingsURL)) as? [String: Any])
        settings["adminKeys"] = (settings["adminKeys"] as? [String] ?? []) + [p256PEM]
        try JSONSerialization.data(withJSONObject: settings).write(to: settingsURL)

        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let vkey = try CLI.run(["log", "key", "--data", data]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // securesystemslib's keyid (SHA-256 of its canonical key JSON) differs from vmtrust's.
        let keyids = try Interop.python("dsse_check.py", "keyids", data + "/admin-key.pem")
        let lines = keyids.stdout.split(separator: "\n").map { $0.split(separator: " ").last.map(String.init) ?? "" }
        try #require(lines.count == 2, "\(keyids.stdout)\(keyids.stderr)")
        #expect(lines[0] != lines[1])

        var accepted = 0
        for key in [data + "/admin-key.pem", p256Admin] {
            for keyid in ["sslib", "vmtrust", "none"] {
                let payload = root + "/payload-\(accepted).json"
                try Data(#"{"signedBy":"securesystemslib","n":\#(accepted)}"#.utf8).write(to: URL(fileURLWithPath: payload))
                let signed = try Interop.python(
                    "dsse_check.py",
                    "sign",
                    "--key",
                    key,
                    "--type",
                    "application/vnd.tëst+json",
                    "--keyid",
                    keyid,
                    payload
                )
                try #require(signed.status == 0, "\(signed.stderr)")
                let (status, body) = try await HTTP.post(server.url + "/v1/records", body: Array(signed.stdout.utf8))
                #expect(status == 201, "\(key) keyid \(keyid): \(String(decoding: body, as: UTF8.self))")
                accepted += 1
            }
        }

        // `vmtrust record submit` takes a securesystemslib envelope and verifies the receipt.
        let viaCLI = try Interop.python(
            "dsse_check.py",
            "sign",
            "--key",
            data + "/admin-key.pem",
            "--type",
            "application/json",
            "-",
            stdin: Array(#"{"via":"record submit"}"#.utf8)
        )
        try #require(viaCLI.status == 0, "\(viaCLI.stderr)")
        let envelope = root + "/sslib-envelope.json"
        try Data(viaCLI.stdout.utf8).write(to: URL(fileURLWithPath: envelope))
        let submitted = try CLI.run(["record", "submit", "--server", server.url, "--vkey", vkey, envelope])
        #expect(submitted.status == 0, "\(submitted.stdout)\(submitted.stderr)")
        #expect(submitted.stdout.contains("appended at index \(accepted + 1)"), "\(submitted.stdout)")

        // Keys that are not admin keys: 403, whichever keyid they carry.
        for type in ["ed25519", "p256"] {
            let stranger = root + "/stranger-\(type).pem"
            #expect(try CLI.run(["key", "generate", "--type", type, "--out", stranger]).status == 0)
            for keyid in ["sslib", "vmtrust"] {
                let signed = try Interop.python(
                    "dsse_check.py",
                    "sign",
                    "--key",
                    stranger,
                    "--type",
                    "application/json",
                    "--keyid",
                    keyid,
                    "-",
                    stdin: Array(#"{"stranger":"\#(type)"}"#.utf8)
                )
                try #require(signed.status == 0, "\(signed.stderr)")
                let (status, body) = try await HTTP.post(server.url + "/v1/records", body: Array(signed.stdout.utf8))
                #expect(status == 403, "\(type) keyid \(keyid): \(String(decoding: body, as: UTF8.self))")
                #expect(String(decoding: body, as: UTF8.self).contains("urn:vmtrust:problem:unknown-signer"))
            }
        }

        // An admin's securesystemslib envelope with its payload altered afterwards: 403.
        var json = try #require(try JSONSerialization.jsonObject(with: Data(viaCLI.stdout.utf8)) as? [String: Any])
        json["payload"] = Data(#"{"via":"tampered"}"#.utf8).base64EncodedString()
        let (status, _) = try await HTTP.post(
            server.url + "/v1/records",
            body: Array(try JSONSerialization.data(withJSONObject: json))
        )
        #expect(status == 403)

        // The log holding securesystemslib's envelopes still verifies with tlog-scales.
        let checked = try Interop.python("tlog_check.py", server.url, vkey)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.hasPrefix("ok: vmtrust.local/log size \(accepted + 2) "), "\(checked.stdout)")
    }
}

/// Runs the Python interop scripts.
enum Interop {
    /// `scripts/interop/`, found from this file's path.
    static let scripts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/interop").path

    /// Whether CI runs us (it installs the packages, so missing ones are a failure there).
    static let isCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false

    /// Whether `python3` can import tlog-scales and securesystemslib.
    static let isAvailable: Bool = {
        let probe = try? run(["-c", "import tlog_scales.reader, securesystemslib.dsse, securesystemslib.signer"])
        return probe?.status == 0
    }()

    /// Fails the test (in CI) when the packages are missing.
    static func requirePackages() throws {
        try #require(
            isAvailable,
            "python3 cannot import tlog_scales and securesystemslib; CI installs them (`python3 -m pip install tlog-scales securesystemslib`)"
        )
    }

    /// Runs `python3 scripts/interop/SCRIPT arguments…`.
    static func python(_ script: String, _ arguments: String..., stdin: [UInt8]? = nil) throws -> CLI.Result {
        try run([scripts + "/" + script] + arguments, stdin: stdin)
    }

    /// Runs `/usr/bin/env python3 arguments…` to completion (standard error goes through a file, so that
    /// neither pipe can fill up while the other is read).
    static func run(_ arguments: [String], stdin: [UInt8]? = nil) throws -> CLI.Result {
        let errorPath = TestDirectory.root.appendingPathComponent("vmtrust-interop-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorPath) }
        let errorFile = try FileHandle(forWritingTo: errorPath)
        defer { try? errorFile.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = errorFile
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: (try? String(contentsOf: errorPath, encoding: .utf8)) ?? ""
        )
    }
}
