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

    /// Parses and validates `bytes`; `now` is the server's clock.
    static func parse(_ bytes: [UInt8], now: Int64) throws -> (AuthorizationRequest, policy: String?) {
        let body: AuthorizeRequestBody
        do {
            body = try JSONDecoder().decode(AuthorizeRequestBody.self, from: Data(bytes))
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem.invalidParameter("the authorize request is not a JSON object of the documented members: \(error)")
        }
        return (try body.request(now: now), body.policy)
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
