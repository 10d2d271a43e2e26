import Provenance

/// The question: may `user` (in `groups`), for `project` in `environment`, use the image `image` at `time`?
///
/// JSON: `{"user":…, "groups":[…], "project":…, "environment":…, "image":"sha256:…", "time":<ms>}`
/// (`groups`, `project` and `environment` may be left out).
public struct AuthorizationRequest: Sendable, Hashable, Codable {
    /// The user or service identity.
    public var user: String
    /// The groups the identity belongs to.
    public var groups: [String]
    /// The project (namespace), if any.
    public var project: String?
    /// The environment (`prod`, `staging`, `dev`, …), if any.
    public var environment: String?
    /// The image digest, `sha256:<hex>`.
    public var image: String
    /// The request time, ms since the Unix epoch (passed in: the engine has no clock).
    public var time: Int64

    /// Creates a request.
    public init(
        user: String,
        groups: [String] = [],
        project: String? = nil,
        environment: String? = nil,
        image: String,
        time: Int64
    ) {
        self.user = user
        self.groups = groups
        self.project = project
        self.environment = environment
        self.image = image
        self.time = time
    }

    private enum CodingKeys: String, CodingKey {
        case user, groups, project, environment, image, time
    }

    /// Decodes; `groups` defaults to none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        user = try container.decode(String.self, forKey: .user)
        groups = try container.decodeIfPresent([String].self, forKey: .groups) ?? []
        project = try container.decodeIfPresent(String.self, forKey: .project)
        environment = try container.decodeIfPresent(String.self, forKey: .environment)
        image = try container.decode(String.self, forKey: .image)
        time = try container.decode(Int64.self, forKey: .time)
    }

    private static func sortedUnique(_ values: [String]) -> [String] {
        var out: [String] = []
        for value in values.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where out.last != value {
            out.append(value)
        }
        return out
    }

    /// ``canonical``, written into `out`.
    func writeCanonical(into out: inout JSONOutput) {
        out.beginObject()
        if let environment {
            out.key("environment")
            out.string(environment)
        }
        out.key("groups")
        if groups.count < 2 {
            out.strings(groups)
        } else {
            out.strings(Self.sortedUnique(groups))
        }
        out.key("image")
        out.string(image)
        if let project {
            out.key("project")
            out.string(project)
        }
        out.key("time")
        out.integer(time)
        out.key("user")
        out.string(user)
        out.endObject()
    }

    /// The canonical form bound into decision ids (groups sorted and deduplicated: their order means nothing).
    var canonical: CanonicalJSON {
        .object([
            ("user", .string(user)),
            ("groups", .strings(Self.sortedUnique(groups))),
            ("project", project.map(CanonicalJSON.string)),
            ("environment", environment.map(CanonicalJSON.string)),
            ("image", .string(image)),
            ("time", .integer(time)),
        ])
    }
}
