import ArgumentParser
import Foundation
import Ledger
import Provenance
import TransparencyLog
import TrustServer

/// Options every record-writing command shares: where to send it and how to check the receipt.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Server URL.")
    var server: String = defaultServer

    @Option(name: .long, help: "Log verifier key (string or file). Default: the local data directory's.")
    var vkey: [String] = []

    @Option(name: .long, help: "Data directory to read the log key from when --vkey is not given.")
    var data: String = DataDirectory.defaultPath

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    var client: APIClient { get throws { try APIClient(server: server) } }

    /// Signs `record` with `keys`, submits it, verifies the receipt against the log key and
    /// prints a summary (or the receipt JSON).
    func submit(_ record: Record, keys: [SigningKey]) async throws -> Receipt {
        let verifiers = try logVerifiers(vkey: vkey, data: data)
        let envelope = try record.signed(by: keys)
        let bytes = envelope.jsonBytes()
        let answer = try await client.expectOK("POST", "/v1/records", body: bytes)
        let receipt: Receipt
        do {
            receipt = try JSONDecoder().decode(Receipt.self, from: Data(answer.body))
        } catch {
            throw CLIError.verdict("the server's answer is not a receipt: \(error)")
        }
        guard case .valid(let checkpoint) = receipt.verify(using: verifiers, envelope: bytes) else {
            throw CLIError.verdict("the receipt for \(receipt.recordID) does not verify against the log key")
        }
        if json {
            print(String(decoding: answer.body, as: UTF8.self))
        } else {
            let state = receipt.duplicate ? "already in the log" : "recorded"
            print(
                "ok: \(record.kind.rawValue) \(receipt.recordID) \(state) at index \(receipt.index) (verified at size \(checkpoint.size))"
            )
        }
        return receipt
    }

    /// GETs `path` and decodes JSON.
    func get<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        let answer = try await client.expectOK("GET", path)
        do {
            return try JSONDecoder().decode(T.self, from: Data(answer.body))
        } catch {
            throw CLIError.verdict("the server's answer to \(path) does not decode: \(error)")
        }
    }

    /// The record an argument names: image digests and record ids are both `sha256:<hex>`; a
    /// digest that has an image record resolves to it, anything else is taken as a record id.
    func resolveRecord(_ reference: String) async throws -> (id: RecordID, provider: String?) {
        guard let id = RecordID(reference) else {
            throw CLIError.input("\(reference) is neither a record id nor an image digest (sha256:<64 hex digits>)")
        }
        let answer = try await client.send("GET", "/v1/images/\(reference)")
        if answer.status == 200, let image = try? JSONDecoder().decode(ImageView.self, from: Data(answer.body)),
            let record = image.records.first(where: { $0.digest == reference }), let resolved = RecordID(record.id)
        {
            return (resolved, record.provider)
        }
        return (id, nil)
    }
}

/// Loads private keys for signing.
func signingKeys(_ paths: [String]) throws -> [SigningKey] {
    guard !paths.isEmpty else { throw CLIError.input("give at least one --key") }
    return try paths.map(KeyFile.loadPrivate)
}

/// Loads a public key from a PEM file holding a public or a private key.
func publicKey(fromFile path: String) throws -> PublicKey {
    let text = try Files.readText(path)
    if text.contains("PRIVATE KEY") { return try KeyFile.loadPrivate(path).publicKey }
    do {
        return try PublicKey(pem: text)
    } catch {
        throw CLIError.input("\(path) is not a PEM key: \(error)")
    }
}

/// Parses a time: RFC 3339 (`2026-12-01T00:00:00Z`), a date (`2026-12-01`, midnight UTC) or
/// milliseconds since the epoch.
func parseTime(_ text: String) throws -> Int64 {
    if let millis = Int64(text) { return millis }
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
    formatter.formatOptions = [.withFullDate]
    if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
    throw CLIError.input("\(text) is not a time (RFC 3339, YYYY-MM-DD or milliseconds since the epoch)")
}

/// Formats milliseconds since the epoch as RFC 3339.
func formatTime(_ millis: Int64) -> String {
    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
}

/// Who signs a provenance record: the provider and its private key(s).
struct ProviderSigning: ParsableArguments {
    @Option(name: .long, help: "Provider id (default: the provider of the image acted on, when given by digest).")
    var provider: String?

    @Option(name: .long, help: "Provider private key(s).")
    var key: [String] = []

    /// `--provider`, or the provider of the record acted on.
    func provider(or inferred: String? = nil) throws -> String {
        guard let id = provider ?? inferred else { throw CLIError.input("give --provider") }
        return id
    }

    /// The loaded keys.
    func keys() throws -> [SigningKey] { try signingKeys(key) }
}
