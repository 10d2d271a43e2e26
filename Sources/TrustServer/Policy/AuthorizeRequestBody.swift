import Foundation
import Policy
import Provenance

/// The body of `POST /v1/authorize`:
///
/// ```json
/// {"user": "alice", "image": "sha256:<64 hex>", "environment": "prod",
///  "project": "payments", "groups": ["platform-oncall"], "time": 1767225600000, "policy": "example"}
/// ```
///
/// `user` and `image` are required. `namespace` is accepted as another name for `project` (not both). `time`
/// (ms) defaults to the server's clock and must lie within ``maximumSkew`` of it: a caller cannot evaluate at
/// another time (an earlier time could count stale evidence as fresh). `policy` names the policy to apply;
/// default: the newest published policy. Unknown members are refused, so a misspelt field never goes unnoticed.
struct AuthorizeRequestBody: Decodable {
    /// The largest accepted body.
    static let maximumSize = 16 * 1024
    /// How far `time` may be from the server's clock: 5 minutes.
    static let maximumSkew: Int64 = 300_000
    /// The most groups a request may name.
    static let maximumGroups = 256

    var user: String
    var image: String
    var environment: String?
    var project: String?
    var groups: [String]
    var time: Int64?
    var policy: String?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static let members: Set<String> = ["user", "image", "environment", "project", "namespace", "groups", "time", "policy"]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys where !Self.members.contains(key.stringValue) {
            throw Problem.invalidParameter("unknown member \"\(key.stringValue)\" in the authorize request")
        }
        func string(_ name: String) throws -> String? {
            try container.decodeIfPresent(String.self, forKey: Key(stringValue: name))
        }
        guard let user = try string("user") else { throw Problem.invalidParameter("\"user\" is required") }
        guard let image = try string("image") else { throw Problem.invalidParameter("\"image\" is required") }
        self.user = user
        self.image = image
        environment = try string("environment")
        let project = try string("project")
        let namespace = try string("namespace")
        if project != nil, namespace != nil {
            throw Problem.invalidParameter("give \"project\" or \"namespace\", not both")
        }
        self.project = project ?? namespace
        groups = try container.decodeIfPresent([String].self, forKey: Key(stringValue: "groups")) ?? []
        time = try container.decodeIfPresent(Int64.self, forKey: Key(stringValue: "time"))
        policy = try string("policy")
    }

    fileprivate init(
        user: String,
        image: String,
        environment: String?,
        project: String?,
        groups: [String],
        time: Int64?,
        policy: String?
    ) {
        self.user = user
        self.image = image
        self.environment = environment
        self.project = project
        self.groups = groups
        self.time = time
        self.policy = policy
    }

    /// Parses and validates `bytes`; `now` is the server's clock.
    ///
    /// The plain form every client sends (members named once, strings of printable ASCII without escapes, an
    /// integer time) is read by ``plain(_:)``; anything else — and every error, so that its message stays the
    /// same — goes through `JSONDecoder`.
    static func parse(_ bytes: [UInt8], now: Int64) throws -> (AuthorizationRequest, policy: String?) {
        let body: AuthorizeRequestBody
        if let plain = plain(bytes) {
            body = plain
        } else {
            do {
                body = try JSONDecoder().decode(AuthorizeRequestBody.self, from: Data(bytes))
            } catch let problem as Problem {
                throw problem
            } catch {
                throw Problem.invalidParameter("the authorize request is not a JSON object of the documented members: \(error)")
            }
        }
        return (try body.request(now: now), body.policy)
    }

    /// The body when `bytes` is a JSON object in the plain form, exactly as `JSONDecoder` would read it; `nil` when
    /// it is anything else (unusual but valid JSON, or invalid): the caller then asks `JSONDecoder`.
    ///
    /// The plain form: optional JSON white space around tokens; members from ``members``, each at most once;
    /// `user` and `image` present as strings; the other members strings (`groups`: an array of strings), `null`
    /// for absent, or for `time` an integer of at most 18 digits; strings of the bytes 0x20–0x7E other than `"`
    /// and `\`; `project` and `namespace` not both given.
    static func plain(_ bytes: [UInt8]) -> AuthorizeRequestBody? {
        var reader = PlainReader(bytes: bytes)
        return reader.body()
    }

    /// The validated request.
    func request(now: Int64) throws -> AuthorizationRequest {
        func identifier(_ value: String?, _ field: String) throws {
            guard let value else { return }
            guard PolicyIdentifier.isValid(value) else {
                throw Problem.invalidParameter(
                    "\"\(field)\" must be 1-128 characters of A-Z a-z 0-9 . _ : @ / + -, starting with a letter or digit"
                )
            }
        }
        try identifier(user, "user")
        try identifier(environment, "environment")
        try identifier(project, "project")
        try identifier(policy, "policy")
        guard groups.count <= Self.maximumGroups else {
            throw Problem.invalidParameter("at most \(Self.maximumGroups) groups")
        }
        for group in groups { try identifier(group, "groups") }
        guard ImageDigest.isValid(image) else {
            throw Problem.invalidParameter("\"image\" must be an image digest sha256:<64 lowercase hex>")
        }
        let time = self.time ?? now
        guard (time - now).magnitude <= Self.maximumSkew.magnitude else {
            throw Problem.invalidParameter(
                "\"time\" \(time) is more than \(Self.maximumSkew) ms from the server's time \(now); leave it out to use the server's"
            )
        }
        return AuthorizationRequest(
            user: user,
            groups: groups,
            project: project,
            environment: environment,
            image: image,
            time: time
        )
    }
}

/// The reader of ``AuthorizeRequestBody/plain(_:)``.
private struct PlainReader {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func body() -> AuthorizeRequestBody? {
        var user: String??
        var image: String??
        var environment: String??
        var project: String??
        var namespace: String??
        var groups: [String]??
        var time: Int64??
        var policy: String??
        guard consume(UInt8(ascii: "{")) else { return nil }
        if !consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = string() else { return nil }
                guard consume(UInt8(ascii: ":")) else { return nil }
                switch key {
                case "user":
                    guard user == nil, let value = optionalString() else { return nil }
                    user = value
                case "image":
                    guard image == nil, let value = optionalString() else { return nil }
                    image = value
                case "environment":
                    guard environment == nil, let value = optionalString() else { return nil }
                    environment = value
                case "project":
                    guard project == nil, let value = optionalString() else { return nil }
                    project = value
                case "namespace":
                    guard namespace == nil, let value = optionalString() else { return nil }
                    namespace = value
                case "policy":
                    guard policy == nil, let value = optionalString() else { return nil }
                    policy = value
                case "groups":
                    guard groups == nil, let value = optionalStrings() else { return nil }
                    groups = value
                case "time":
                    guard time == nil, let value = optionalInteger() else { return nil }
                    time = value
                default: return nil
                }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
        }
        skipSpace()
        guard index == bytes.count else { return nil }
        guard let givenUser = user ?? nil, let givenImage = image ?? nil else { return nil }
        let givenProject = project ?? nil
        let givenNamespace = namespace ?? nil
        if givenProject != nil, givenNamespace != nil { return nil }
        return AuthorizeRequestBody(
            user: givenUser,
            image: givenImage,
            environment: environment ?? nil,
            project: givenProject ?? givenNamespace,
            groups: (groups ?? nil) ?? [],
            time: time ?? nil,
            policy: policy ?? nil
        )
    }

    mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    /// Skips white space, then consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// `null`: consumed when next.
    mutating func null() -> Bool {
        skipSpace()
        guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
            bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
        else { return false }
        index += 4
        return true
    }

    /// A plain string.
    mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
            }
            guard byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    /// A plain string (`.some(value)`) or `null` (`.some(nil)`); `nil` when neither.
    mutating func optionalString() -> String?? {
        if null() { return .some(nil) }
        return string().map { .some($0) }
    }

    /// An array of plain strings, or `null`.
    mutating func optionalStrings() -> [String]?? {
        if null() { return .some(nil) }
        guard consume(UInt8(ascii: "[")) else { return nil }
        var values: [String] = []
        if consume(UInt8(ascii: "]")) { return .some(values) }
        repeat {
            guard let value = string() else { return nil }
            values.append(value)
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { return nil }
        return .some(values)
    }

    /// An integer (`-`? then `0` or a non-zero digit and at most 17 more digits, not followed by `.`, `e` or `E`),
    /// or `null`.
    mutating func optionalInteger() -> Int64?? {
        if null() { return .some(nil) }
        let negative = consume(UInt8(ascii: "-"))
        let start = index
        var value: Int64 = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
            index += 1
            guard index - start <= 18 else { return nil }
        }
        let count = index - start
        guard count > 0, count == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") {
            return nil
        }
        return .some(negative ? -value : value)
    }
}
