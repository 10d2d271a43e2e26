import ArgumentParser
import BlobStore
import Foundation
import Provenance
import TrustServer

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct BlobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blob",
        abstract: "Upload and download content-addressed image blobs.",
        subcommands: [Put.self, Get.self]
    )

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload a file as a blob named by its SHA-256 digest (printed).",
            discussion: """
                One pass over the file: it is hashed while it streams to an upload session on the \
                server, which hashes what it receives and answers the digest; when both agree, the \
                upload is finalised by a signature over that digest. The file is sent even when the \
                server already holds the blob (its digest is only known at the end).
                """
        )

        @Option(name: .long, help: "Server URL.")
        var server: String = defaultServer

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @Argument(help: "The file to upload.")
        var file: String

        @Option(name: .long, help: "Private key signing the upload: a provider's (with --provider) or an admin's.")
        var key: String

        @Option(name: .long, help: "The provider uploading (omit when signing with an admin key).")
        var provider: String?

        func run() async throws {
            let (info, stored) = try await BlobCommand.put(
                file: file,
                client: try APIClient(server: server),
                key: try KeyFile.loadPrivate(key),
                provider: provider
            )
            try report(info, state: stored ? "stored" : "already stored")
        }

        private func report(_ info: BlobInfo, state: String) throws {
            if json {
                try printJSON(info)
            } else {
                print("ok: \(info.digest) \(state) (\(info.size) bytes)")
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a blob, check its digest, and only then write it to the output file.",
            discussion: """
                The download streams, in ranged requests, to a temporary file beside the output while \
                it is hashed; on a digest mismatch the temporary file is deleted and the exit code is 1.
                """
        )

        @Option(name: .long, help: "Server URL.")
        var server: String = defaultServer

        @Option(name: [.short, .customLong("output")], help: "The file to write (replaced if it exists).")
        var output: String

        @Argument(help: "The blob's digest, sha256:<64 hex digits>.")
        var digest: String

        func run() async throws {
            let digest: BlobDigest
            do {
                digest = try BlobDigest(self.digest)
            } catch {
                throw CLIError.input(error.message)
            }
            let size = try await BlobCommand.get(digest, to: output, client: try APIClient(server: server))
            print("ok: \(digest) written to \(output) (\(size) bytes)")
        }
    }
}

extension BlobCommand {
    /// Uploads `file` in one pass: it streams to a new upload session while it is hashed; when
    /// the server received the same digest, a signature over that digest finalises the upload.
    /// Returns the stored blob and whether this call stored it.
    static func put(
        file: String,
        client: APIClient,
        key: SigningKey,
        provider: String?
    ) async throws -> (info: BlobInfo, stored: Bool) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CLIError.input("\(file) is not a file")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value
        let path = "/v1/blobs/uploads"
        guard let url = URL(string: path, relativeTo: client.base) else { throw CLIError.input("bad path \(path)") }
        let uploading = ProgressBar(label: "uploading", total: size)
        let authorization = try UploadAuthorization.signSession(provider: provider, time: DataDirectory.now(), key: key)
        let headers = [UploadAuthorization.headerName: authorization.header]
        let outcome: FileUpload.Outcome
        do {
            if url.scheme == "http" {
                outcome = try await FileUpload(url: url.absoluteURL, headers: headers).send(file: file) { uploading.update($0) }
            } else {
                outcome = try await uploadThroughURLSession(file: file, url: url, headers: headers, progress: uploading)
            }
        } catch let failure as FileUpload.Failure {
            uploading.finish()
            switch failure {
            case .file(let reason): throw CLIError.input(reason)
            case .connection(let reason): throw CLIError.input("cannot upload to \(url.absoluteString): \(reason)")
            }
        }
        uploading.finish()
        guard outcome.status == 202 else { throw refusal(outcome.status, outcome.body, file: file) }
        let session: UploadSessionView
        do {
            session = try JSONDecoder().decode(UploadSessionView.self, from: Data(outcome.body))
        } catch {
            throw CLIError.verdict("the server's answer is not an upload session: \(error)")
        }
        guard let sent = outcome.sent else {
            throw CLIError.verdict("the server answered before \(file) was sent to the end; nothing stored")
        }
        let digest = BlobDigest(sent.digest)
        guard session.digest == digest, session.size == sent.size else {
            // Not what was read: never vouch for it. Drop the session (it would expire anyway).
            if let drop = try? UploadAuthorization.signSession(provider: provider, time: DataDirectory.now(), key: key) {
                _ = try? await client.send("DELETE", session.upload, headers: [UploadAuthorization.headerName: drop.header])
            }
            throw CLIError.verdict(
                "the server received \(session.digest) (\(session.size) bytes), not \(digest) (\(sent.size) bytes) as read from \(file); nothing stored"
            )
        }
        let finalisation = try UploadAuthorization.sign(
            digest: digest.description,
            provider: provider,
            time: DataDirectory.now(),
            key: key
        )
        let answer = try await client.send(
            "PUT",
            session.upload + "?digest=" + digest.description,
            headers: [UploadAuthorization.headerName: finalisation.header]
        )
        guard (200..<300).contains(answer.status) else { throw refusal(answer.status, answer.body, file: file) }
        let info: BlobInfo
        do {
            info = try JSONDecoder().decode(BlobInfo.self, from: Data(answer.body))
        } catch {
            throw CLIError.verdict("the server's answer is not blob information: \(error)")
        }
        guard info.digest == digest, info.size == sent.size else {
            throw CLIError.verdict(
                "the server stored \(info.digest) (\(info.size) bytes), not \(digest) (\(sent.size) bytes)"
            )
        }
        return (info, answer.status == 201)
    }

    /// The upload over URLSession (for `https://` servers): the body streams from a
    /// ``HashingFileStream``, which hashes what URLSession reads.
    private static func uploadThroughURLSession(
        file: String,
        url: URL,
        headers: [String: String],
        progress: ProgressBar
    ) async throws -> FileUpload.Outcome {
        let stream = HashingFileStream(path: file) { progress.update($0) }
        let outcome: BlobTransfer.Outcome
        do {
            outcome = try await BlobTransfer.upload(stream, to: url, headers: headers)
        } catch {
            if let error = stream.streamError {
                throw FileUpload.Failure.file("cannot read \(file): \(error.localizedDescription)")
            }
            throw FileUpload.Failure.connection(error.localizedDescription)
        }
        if let error = stream.streamError {
            throw FileUpload.Failure.file("cannot read \(file): \(error.localizedDescription)")
        }
        return FileUpload.Outcome(status: outcome.status, body: outcome.body, sent: stream.result)
    }

    /// The CLI error for a refused upload request.
    private static func refusal(_ status: Int, _ body: [UInt8], file: String) -> CLIError {
        let problem = try? JSONDecoder().decode(Problem.self, from: Data(body))
        if problem?.code == "digest-mismatch" {
            return CLIError.verdict("\(file) changed while it was uploaded: \(problem?.detail ?? "")")
        }
        return CLIError.input("server refused (\(status) \(problem?.code ?? "")): \(problem?.detail ?? "no details")")
    }

    /// Downloads a blob to a temporary file beside `output`, checks its digest and only then
    /// renames it into place. Returns its size.
    static func get(_ digest: BlobDigest, to output: String, client: APIClient) async throws -> UInt64 {
        let path = "/v1/blobs/\(digest)"
        guard let url = URL(string: path, relativeTo: client.base) else { throw CLIError.input("bad path \(path)") }
        let head = try await client.head(path)
        if head.status == 404 { throw CLIError.input("the server holds no blob \(digest)") }
        guard head.status == 200 else { throw CLIError.input("server answered \(head.status) to HEAD \(path)") }
        guard let size = head.length else { throw CLIError.input("the server did not announce the size of \(digest)") }
        let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
        let temporary = directory + "/.\(URL(fileURLWithPath: output).lastPathComponent).\(UUID().uuidString).partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw CLIError.input("cannot create a file in \(directory)")
        }
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(atPath: temporary) } }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        let progress = ProgressBar(label: "downloading", total: size)
        let received: BlobDigest
        do {
            received = try await BlobTransfer.download(from: url, size: size, into: handle) { progress.update($0) }
        } catch let refused as BlobTransfer.Refused {
            progress.finish()
            try? handle.close()
            let problem = try? JSONDecoder().decode(Problem.self, from: Data(refused.body))
            throw CLIError.input(
                "server refused (\(refused.status) \(problem?.code ?? "")): \(problem?.detail ?? "not the requested range")"
            )
        } catch {
            progress.finish()
            try? handle.close()
            throw CLIError.input("cannot download \(url.absoluteString): \(error.localizedDescription)")
        }
        progress.finish()
        guard received == digest else {
            try? handle.close()
            throw CLIError.verdict("the server sent \(size) bytes that hash to \(received), not \(digest); nothing written")
        }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw CLIError.input("cannot write \(temporary): \(error.localizedDescription)")
        }
        guard rename(temporary, output) == 0 else {
            throw CLIError.input("cannot write \(output): \(String(cString: strerror(errno)))")
        }
        keep = true
        return size
    }
}
