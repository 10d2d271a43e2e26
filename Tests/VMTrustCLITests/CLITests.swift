import Foundation
import Ledger
import Testing

@Suite("vmtrust command line")
struct CLITests {
    @Test("The README quickstart: sign, submit, verify the receipt offline")
    func quickstart() throws {
        let data = try CLI.temporaryDirectory()
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        #expect(FileManager.default.fileExists(atPath: data + "/vmtrust.json"), "serve initialises on first run")
        let mode = try FileManager.default.attributesOfItem(atPath: data + "/admin-key.pem")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)

        let payload = data + "/payload.json"
        try Data(#"{"hello":"world"}"#.utf8).write(to: URL(fileURLWithPath: payload))
        let signed = try CLI.run(["record", "sign", "--key", data + "/admin-key.pem", "--type", "application/json", payload])
        try #require(signed.status == 0, "\(signed.stderr)")
        let envelope = data + "/envelope.json"
        try Data(signed.stdout.utf8).write(to: URL(fileURLWithPath: envelope))

        let vkey = try CLI.run(["log", "key", "--data", data]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let submitted = try CLI.run([
            "record", "submit", "--server", server.url, "--vkey", vkey, "--receipt-out", data + "/receipt.json", "--proof-out",
            data + "/proof.txt", envelope,
        ])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.hasPrefix("ok: sha256:"))

        let verified = try CLI.run(["record", "verify", "--vkey", vkey, "--envelope", envelope, data + "/receipt.json"])
        #expect(verified.status == 0, "\(verified.stderr)")

        // The tlog-proof file verifies against the leaf hash in the receipt.
        let receipt =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data + "/receipt.json")))
            as? [String: Any]
        let leaf = try #require(receipt?["leafHash"] as? String)
        let proof = try CLI.run(["log", "verify-proof", "--vkey", vkey, "--leaf-hash", leaf, data + "/proof.txt"])
        #expect(proof.status == 0, "\(proof.stderr)")
        // …and against the entry itself, rebuilt from the envelope and the receipt's metadata.
        let index = try #require(receipt?["index"] as? Int)
        let time = try #require(receipt?["integratedTime"] as? Int)
        let entry = LedgerEntry(index: UInt64(index), integratedAtMillis: Int64(time), envelope: Array(Data(signed.stdout.utf8)))
        try Data(entry.encoded).write(to: URL(fileURLWithPath: data + "/entry.bin"))
        let byEntry = try CLI.run(["log", "verify-proof", "--vkey", vkey, "--entry", data + "/entry.bin", data + "/proof.txt"])
        #expect(byEntry.status == 0, "\(byEntry.stderr)")
        var wrongLeaf = Array(leaf)
        wrongLeaf[0] = wrongLeaf[0] == "0" ? "1" : "0"
        let bad = try CLI.run(["log", "verify-proof", "--vkey", vkey, "--leaf-hash", String(wrongLeaf), data + "/proof.txt"])
        #expect(bad.status == 1)

        // Another envelope does not match the receipt: a negative verdict.
        let other = try CLI.run(
            ["record", "sign", "--key", data + "/admin-key.pem", "--type", "application/json", "-"],
            stdin: Array("{}".utf8)
        )
        try Data(other.stdout.utf8).write(to: URL(fileURLWithPath: data + "/other.json"))
        let mismatch = try CLI.run([
            "record", "verify", "--vkey", vkey, "--envelope", data + "/other.json", data + "/receipt.json",
        ])
        #expect(mismatch.status == 1)

        // A stranger's key is refused by the server: input error, exit 2.
        let stranger = data + "/stranger.pem"
        #expect(try CLI.run(["key", "generate", "--type", "p256", "--out", stranger]).status == 0)
        let strangerEnvelope = try CLI.run(["record", "sign", "--key", stranger, "--type", "application/json", payload])
        try Data(strangerEnvelope.stdout.utf8).write(to: URL(fileURLWithPath: data + "/stranger.json"))
        let refused = try CLI.run(["record", "submit", "--server", server.url, "--vkey", vkey, data + "/stranger.json"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("unknown-signer"))

        // The checkpoint verifies with verify-checkpoint, and not with another key.
        let checkpoint = try CLI.run(["log", "checkpoint", "--server", server.url, "--vkey", vkey])
        #expect(checkpoint.status == 0)
        try Data(checkpoint.stdout.utf8).write(to: URL(fileURLWithPath: data + "/checkpoint.txt"))
        #expect(try CLI.run(["log", "verify-checkpoint", "--vkey", vkey, data + "/checkpoint.txt"]).status == 0)
        let otherKey = "vmtrust.local/log+a1b2c3d4+AQ" + String(repeating: "A", count: 41) + "="
        let wrongKey = try CLI.run(["log", "verify-checkpoint", "--vkey", otherKey, data + "/checkpoint.txt"])
        #expect(wrongKey.status != 0)
    }

    @Test(
        "Usage and input errors exit 2 with a one-line message",
        arguments: [
            ["frobnicate"],
            ["key", "generate", "--type", "rsa", "--out", "/tmp/never"],
            ["image", "hash", "/nonexistent/file"],
            ["log", "verify-checkpoint", "--vkey", "garbage", "/dev/null"],
            ["log", "verify-proof", "--vkey", "x", "/dev/null"],
            ["record", "verify", "--vkey", "x", "/nonexistent"],
            ["log", "audit", "--data", "/nonexistent"],
            ["serve", "--listen", "nonsense"],
        ]
    )
    func usageErrors(arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test("key generate writes 0600 PEM files and key show prints the public key")
    func keys() throws {
        let directory = try CLI.temporaryDirectory()
        for type in ["ed25519", "p256"] {
            let path = directory + "/\(type).pem"
            let generated = try CLI.run(["key", "generate", "--type", type, "--out", path])
            #expect(generated.status == 0)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let shown = try CLI.run(["key", "show", path, "--name", "example.com/log"])
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("vkey:      example.com/log+"))
            #expect(shown.stdout.contains("-----BEGIN PUBLIC KEY-----"))
            #expect(try CLI.run(["key", "generate", "--type", type, "--out", path]).status == 2, "refuses to overwrite")
        }
    }

    @Test("image hash streams a file and agrees with a one-shot SHA-256")
    func imageHash() throws {
        let directory = try CLI.temporaryDirectory()
        let path = directory + "/disk.raw"
        var bytes = [UInt8](repeating: 0, count: 9 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try CLI.run(["image", "hash", "--json", path])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let shasum = Process()
        shasum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        shasum.arguments = [path]
        let pipe = Pipe()
        shasum.standardOutput = pipe
        try shasum.run()
        let expected = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        shasum.waitUntilExit()
        #expect(object?["digest"] as? String == "sha256:\(expected)")
        #expect(object?["size"] as? Int == 9 << 20)
    }
}
