import ArgumentParser
import Foundation
import Ledger
import Policy
import Provenance
import TransparencyLog

/// `vmtrust authorize --user U --image DIGEST [--env E]`: may this user use this image here, now?
///
/// Asks the server (`POST /v1/authorize`), or with `--offline` evaluates a policy file against a verified image
/// bundle with the same engine and the same fact assembly as the server. Exit 0 when allowed (`allow` or
/// `allow_with_conditions`), 1 when denied, 2 on bad input.
struct AuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Decide whether a user may use an image: effect, privilege, checks, reasons, evidence.",
        discussion: """
            Online (default) the server decides with the policy in force and stores the decision \
            (`vmtrust decision explain ID` shows it again). Offline (--offline --bundle B --policy P) nothing is \
            contacted: the bundle (GET /v1/images/{digest}/bundle, version 3) is verified with the log key and the \
            policy file is evaluated on the facts it proves, giving the server's decision for the same request \
            time and log size. Exit 0 allow or allow_with_conditions, 1 deny, 2 bad input.
            """
    )

    @Option(name: .long, help: "The user (or service identity) asking.")
    var user: String

    @Option(name: .long, help: "The image digest (sha256:<64 hex>).")
    var image: String

    @Option(name: [.customLong("env"), .customLong("environment")], help: "The environment (prod, staging, dev, …).")
    var environment: String?

    @Option(name: .long, help: "The project (namespace).")
    var project: String?

    @Option(name: .long, help: "A group the user belongs to; repeat for several.")
    var group: [String] = []

    @Option(name: .long, help: "The request time (RFC 3339, YYYY-MM-DD or ms); default now.")
    var time: String?

    @Flag(name: .long, help: "Decide offline from --bundle and --policy; contact nothing.")
    var offline = false

    @Option(name: .long, help: "Offline: the image's bundle (version 3), or - for standard input.")
    var bundle: String?

    @Option(
        name: .long,
        help:
            "Offline: the policy file (YAML or JSON) to evaluate. Online: the name of a published policy (default: the newest published)."
    )
    var policy: String?

    @Option(name: .long, help: "Offline: refuse unless the bundle's checkpoint is at this log size.")
    var atSize: UInt64?

    @OptionGroup var server: ServerOptions

    func validate() throws {
        guard ImageDigest.isValid(image) else {
            throw CLIError.input("--image must be an image digest (sha256:<64 hex digits>), not \(image)")
        }
        if offline {
            guard bundle != nil, policy != nil else { throw CLIError.input("--offline needs --bundle and --policy") }
        } else {
            if bundle != nil || atSize != nil { throw CLIError.input("--bundle and --at-size are for --offline") }
        }
    }

    var request: AuthorizationRequest {
        get throws {
            AuthorizationRequest(
                user: user,
                groups: group,
                project: project,
                environment: environment,
                image: image,
                time: try time.map(parseTime) ?? DataDirectory.now()
            )
        }
    }

    func run() async throws {
        let decision: Decision
        var served: ServedExtras?
        if offline {
            decision = try await Self.decideOffline(
                request: try request,
                bundlePath: bundle ?? "",
                policyPath: policy ?? "",
                atSize: atSize,
                verifiers: try logVerifiers(vkey: server.vkey, data: server.data)
            )
        } else {
            (decision, served) = try await Self.decideOnline(
                user: user,
                groups: group,
                project: project,
                environment: environment,
                image: image,
                time: try time.map(parseTime),
                policy: policy,
                server: server
            )
        }
        try Self.report(decision, served: served, json: server.json)
    }

    /// Prints `decision` (text or JSON) and ends with exit 1 when it denies.
    static func report(_ decision: Decision, served: ServedExtras?, json: Bool) throws {
        if json {
            print(try DecisionJSON.text(decision))
        } else {
            print(DecisionText.render(decision))
            if let served { print(served.text) }
        }
        if decision.effect == .deny {
            let codes = decision.reasons.filter { $0.effect == .deny }.map(\.code.rawValue)
            throw CLIError.verdict("denied: \(codes.joined(separator: ", "))")
        }
    }

    /// `POST /v1/authorize`.
    static func decideOnline(
        user: String,
        groups: [String],
        project: String?,
        environment: String?,
        image: String,
        time: Int64?,
        policy: String? = nil,
        server: ServerOptions
    ) async throws -> (Decision, ServedExtras) {
        var body: [String: AuthorizeBody] = ["user": .string(user), "image": .string(image)]
        if let policy { body["policy"] = .string(policy) }
        if !groups.isEmpty { body["groups"] = .strings(groups) }
        if let project { body["project"] = .string(project) }
        if let environment { body["environment"] = .string(environment) }
        if let time { body["time"] = .integer(time) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let answer = try await server.client.expectOK("POST", "/v1/authorize", body: Array(try encoder.encode(body)))
        let decision = try DecisionJSON.decode(answer.body, what: "the server's decision")
        let extras = (try? JSONDecoder().decode(ServedExtras.self, from: Data(answer.body))) ?? ServedExtras()
        return (decision, extras)
    }

    /// Verifies the bundle, assembles the facts from it as the server does, evaluates the policy.
    static func decideOffline(
        request: AuthorizationRequest,
        bundlePath: String,
        policyPath: String,
        atSize: UInt64?,
        verifiers: NoteVerifiers
    ) async throws -> Decision {
        let policy = try PolicyCommand.load(policyPath)
        let parsed: ProvenanceBundle
        do {
            parsed = try JSONDecoder().decode(ProvenanceBundle.self, from: Data(try Files.read(bundlePath)))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.input("\(bundlePath) is not a provenance bundle: \(error)")
        }
        guard parsed.subject == request.image else {
            throw CLIError.input("the bundle is about \(parsed.subject), not \(request.image)")
        }
        let source: BundlePolicyFactSource
        do {
            source = try await BundlePolicyFactSource.verified(parsed, logKey: verifiers)
        } catch {
            throw CLIError.input("\(bundlePath): \(error.message)")
        }
        if let atSize, source.checkpoint.size != atSize {
            throw CLIError.input(
                "the bundle is at log size \(source.checkpoint.size), not \(atSize): fetch the bundle when the log has that size to reproduce a decision made at it"
            )
        }
        let facts = try await source.facts(for: request)
        return PolicyEngine.evaluate(policy, request, facts)
    }
}

/// What the server adds to a decision: the policy-publish record in force and whether the decision was logged.
struct ServedExtras: Decodable {
    struct Logged: Decodable {
        var record: String
        var index: UInt64
        var treeSize: UInt64
    }
    var policyRecord: String?
    var logged: Logged?
    var logError: String?

    enum CodingKeys: String, CodingKey {
        case policyRecord = "policy_record"
        case logged
        case logError = "log_error"
    }

    init() {}

    /// `policy record sha256:…; logged as policy-decision sha256:… at index 12`.
    var text: String {
        var parts: [String] = []
        if let policyRecord { parts.append("policy record: \(policyRecord)") }
        if let logged { parts.append("logged: policy-decision \(logged.record) at index \(logged.index)") }
        if let logError { parts.append("not logged: \(logError)") }
        return parts.joined(separator: "\n")
    }
}

/// A JSON value of the authorize request body.
enum AuthorizeBody: Encodable {
    case string(String)
    case strings([String])
    case integer(Int64)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        }
    }
}

/// Decisions as JSON: the body `POST /v1/authorize` answers with.
enum DecisionJSON {
    static func text(_ decision: Decision) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(decision), as: UTF8.self)
    }

    static func decode(_ bytes: [UInt8], what: String) throws -> Decision {
        do {
            return try JSONDecoder().decode(Decision.self, from: Data(bytes))
        } catch {
            throw CLIError.verdict("\(what) does not decode: \(error)")
        }
    }
}

/// `vmtrust decision explain ID`: a stored decision, in words.
struct DecisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decision",
        abstract: "Show stored decisions.",
        subcommands: [Explain.self]
    )

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain a stored decision: effect, privilege, checks, every reason, evidence, policy, checkpoint."
        )

        @Argument(help: "The decision id (64 lowercase hex, as authorize prints it).")
        var id: String

        @OptionGroup var server: ServerOptions

        func run() async throws {
            guard id.utf8.count == 64, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw CLIError.input("\(id) is not a decision id (64 lowercase hex digits)")
            }
            let answer = try await server.client.expectOK("GET", "/v1/decisions/\(id)")
            let decision = try DecisionJSON.decode(answer.body, what: "the stored decision")
            if server.json {
                print(String(decoding: answer.body, as: UTF8.self))
            } else {
                print(DecisionText.render(decision))
                if let extras = try? JSONDecoder().decode(ServedExtras.self, from: Data(answer.body)) { print(extras.text) }
            }
        }
    }
}
