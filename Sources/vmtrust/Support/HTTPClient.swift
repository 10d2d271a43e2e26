import Foundation
import TrustServer

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A minimal HTTP client for the vmtrust API, turning problem+json answers into CLI errors.
struct APIClient {
    let base: URL

    init(server: String) throws {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw CLIError.input("--server must be an http(s) URL, not \(server)")
        }
        self.base = url
    }

    /// Sends a request; returns the status and body. Transport failures are input errors.
    func send(
        _ method: String,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String = "application/json",
        headers: [String: String] = [:]
    ) async throws -> (
        status: Int, body: [UInt8]
    ) {
        guard let url = URL(string: path, relativeTo: base) else { throw CLIError.input("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 60
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, Array(data))
        } catch {
            throw CLIError.input("cannot reach \(url.absoluteString): \(error.localizedDescription)")
        }
    }

    /// Sends a request and fails with the server's problem detail on a non-2xx status.
    func expectOK(_ method: String, _ path: String, body: [UInt8]? = nil) async throws -> (status: Int, body: [UInt8]) {
        let answer = try await send(method, path, body: body)
        guard (200..<300).contains(answer.status) else {
            if let problem = try? JSONDecoder().decode(Problem.self, from: Data(answer.body)) {
                throw CLIError.input("server refused (\(answer.status) \(problem.code)): \(problem.detail)")
            }
            throw CLIError.input("server answered \(answer.status)")
        }
        return answer
    }
}

/// The default server URL: `$VMTRUST_SERVER` or the local default.
let defaultServer = ProcessInfo.processInfo.environment["VMTRUST_SERVER"] ?? "http://127.0.0.1:8080"
