import Foundation
import Provenance
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("vmtrust blob")
struct BlobCLITests {
    /// Deterministic pseudo-random bytes.
    static func content(_ count: Int) -> Data {
        var state: UInt64 = 0x1234_5678_9abc_def1
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[index] = UInt8(truncatingIfNeeded: state)
        }
        return Data(bytes)
    }

    static func entries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    @Test("blob put of a 20 MiB file, blob get back, byte for byte; bad digests and a tampered blob fail")
    func roundTrip() throws {
        let data = try CLI.temporaryDirectory()
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let work = try CLI.temporaryDirectory()
        let file = work + "/image.raw"
        let bytes = Self.content(20 << 20)
        try bytes.write(to: URL(fileURLWithPath: file))

        let put = try CLI.run(["blob", "put", "--server", server.url, "--key", data + "/admin-key.pem", file])
        try #require(put.status == 0, "\(put.stderr)")
        let hashed = try CLI.run(["image", "hash", file])
        let digest = try #require(hashed.stdout.split(separator: " ").first.map(String.init))
        #expect(put.stdout == "ok: \(digest) stored (20971520 bytes)\n")
        let hex = String(digest.dropFirst("sha256:".count))
        let stored = data + "/blobs/sha256/" + hex.prefix(2) + "/" + hex
        #expect(FileManager.default.contents(atPath: stored) == bytes)
        #expect(Self.entries(data + "/blobs/tmp").isEmpty)

        let again = try CLI.run(["blob", "put", "--server", server.url, "--key", data + "/admin-key.pem", "--json", file])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains(#""digest" : "\#(digest)""#))

        let out = work + "/copy.raw"
        let get = try CLI.run(["blob", "get", "--server", server.url, digest, "-o", out])
        try #require(get.status == 0, "\(get.stderr)")
        #expect(FileManager.default.contents(atPath: out) == bytes)

        // Malformed digest: a usage error, nothing written.
        let other = work + "/other.raw"
        for bad in [String(digest.dropLast()), digest.uppercased(), "md5:" + hex, hex] {
            let malformed = try CLI.run(["blob", "get", "--server", server.url, bad, "-o", other])
            #expect(malformed.status == 2, "\(bad): \(malformed.stderr)")
        }
        // A digest the server does not hold (one digit changed).
        let unknown = "sha256:" + (hex.first == "0" ? "1" : "0") + hex.dropFirst()
        let absent = try CLI.run(["blob", "get", "--server", server.url, unknown, "-o", other])
        #expect(absent.status == 2, "\(absent.stderr)")
        #expect(absent.stderr.contains("no blob"))

        // The server's copy is tampered with: the download does not match its digest, exit 1,
        // and neither the output nor a partial file is left behind.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: stored))
        try handle.seek(toOffset: 12_345)
        try handle.write(contentsOf: Data([bytes[12_345] ^ 0xff]))
        try handle.close()
        let tampered = try CLI.run(["blob", "get", "--server", server.url, digest, "-o", other])
        #expect(tampered.status == 1, "\(tampered.stderr)")
        #expect(tampered.stderr.contains("not \(digest)"))
        #expect(Self.entries(work) == ["copy.raw", "image.raw"])

        let missingFile = try CLI.run(["blob", "put", "--server", server.url, "--key", data + "/admin-key.pem", work + "/nope"])
        #expect(missingFile.status == 2)
    }

    @Test("A refused upload stops at the server's answer: exit 2 with its reason, nothing stored; no server: exit 2")
    func refusedUpload() throws {
        let data = try CLI.temporaryDirectory()
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let work = try CLI.temporaryDirectory()
        let file = work + "/image.raw"
        try Self.content(64 << 20).write(to: URL(fileURLWithPath: file))
        let key = work + "/stranger.pem"
        #expect(try CLI.run(["key", "generate", "--out", key]).status == 0)

        // Signed by a provider that was never onboarded: the server answers 403 before the body.
        let refused = try CLI.run(["blob", "put", "--server", server.url, "--key", key, "--provider", "nobody", file])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("upload-forbidden"), "\(refused.stderr)")
        #expect(Self.entries(data + "/blobs/sha256").isEmpty)
        #expect(Self.entries(data + "/blobs/tmp").isEmpty)

        // Nothing listens on the port any more.
        server.stop()
        let unreachable = try CLI.run(["blob", "put", "--server", server.url, "--key", data + "/admin-key.pem", file])
        #expect(unreachable.status == 2, "\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("cannot"), "\(unreachable.stderr)")
    }

    @Test("kill -9 mid-upload leaves only a temporary file, removed when the server starts again")
    func crashMidUpload() throws {
        let data = try CLI.temporaryDirectory()
        let server = try ServerProcess(data: data)
        let port = try #require(server.url.split(separator: ":").last.flatMap { UInt16($0) })
        let digest = "sha256:" + String(repeating: "ab", count: 32)

        // A raw connection that announces 100 MB and sends 4 MiB of it, then stalls.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socket >= 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        let admin = try SigningKey(pem: String(contentsOfFile: data + "/admin-key.pem", encoding: .utf8))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let authorization = try UploadAuthorization.sign(digest: digest, provider: nil, time: now, key: admin).header
        let head =
            "PUT /v1/blobs/\(digest) HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n"
            + "\(UploadAuthorization.headerName): \(authorization)\r\n\r\n"
        var payload = Array(head.utf8) + Array(Self.content(4 << 20))
        var sent = 0
        while sent < payload.count {
            let count = payload[sent...].withUnsafeMutableBytes { send(socket, $0.baseAddress, $0.count, 0) }
            try #require(count > 0)
            sent += count
        }
        payload = []

        let temporary = data + "/blobs/tmp"
        let deadline = Date().addingTimeInterval(20)
        while Self.entries(temporary).isEmpty, Date() < deadline { usleep(20_000) }
        try #require(Self.entries(temporary).count == 1, "the upload should be in progress")
        server.kill()
        #expect(Self.entries(temporary).count == 1, "kill -9 leaves the temporary file")
        #expect(Self.entries(data + "/blobs/sha256").isEmpty, "nothing is visible")

        let restarted = try ServerProcess(data: data)
        defer { restarted.stop() }
        #expect(Self.entries(temporary).isEmpty, "start-up removes unfinished uploads")
        let check = try CLI.run(["blob", "get", "--server", restarted.url, digest, "-o", data + "/out"])
        #expect(check.status == 2)
    }

    @Test("kill -9 after a session received its body but before its finalisation: nothing stored, tmp cleaned at start-up")
    func crashBeforeFinalisation() throws {
        let data = try CLI.temporaryDirectory()
        let server = try ServerProcess(data: data)
        let port = try #require(server.url.split(separator: ":").last.flatMap { UInt16($0) })
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socket >= 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)
        let admin = try SigningKey(pem: String(contentsOfFile: data + "/admin-key.pem", encoding: .utf8))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let authorization = try UploadAuthorization.signSession(provider: nil, time: now, key: admin).header
        let body = Self.content(1 << 20)
        let head =
            "POST /v1/blobs/uploads HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count)\r\n"
            + "\(UploadAuthorization.headerName): \(authorization)\r\n\r\n"
        let payload = Array(head.utf8) + Array(body)
        var sent = 0
        while sent < payload.count {
            let count = payload[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
            try #require(count > 0)
            sent += count
        }
        var answer = [UInt8](repeating: 0, count: 4096)
        let received = answer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        try #require(received > 0)
        #expect(String(decoding: answer[..<received], as: UTF8.self).hasPrefix("HTTP/1.1 202"))

        let temporary = data + "/blobs/tmp"
        #expect(Self.entries(temporary).count == 1, "the received body waits in tmp")
        #expect(Self.entries(data + "/blobs/sha256").isEmpty, "nothing is stored before the finalisation")
        server.kill()

        let restarted = try ServerProcess(data: data)
        defer { restarted.stop() }
        #expect(Self.entries(temporary).isEmpty, "start-up removes unfinished sessions")
        #expect(Self.entries(data + "/blobs/sha256").isEmpty)
    }
}
