import Foundation

/// A Kubernetes `admission.k8s.io/v1` `AdmissionReview`: the request a validating admission
/// webhook receives and the response it returns.
///
/// Only the fields a validating webhook reads or writes are modelled; everything else in the
/// document is ignored on decode. The object under review is kept as raw JSON so that
/// ``KubeVirtDisks`` can walk it.
public struct AdmissionReview: Codable, Sendable {
    /// `admission.k8s.io/v1`.
    public static let apiVersion = "admission.k8s.io/v1"

    /// `apiVersion`: must be ``apiVersion``.
    public var apiVersion: String
    /// `kind`: must be `AdmissionReview`.
    public var kind: String
    /// The request (in a review sent to the webhook).
    public var request: Request?
    /// The response (in the review the webhook returns).
    public var response: Response?

    /// The request part.
    public struct Request: Codable, Sendable {
        /// Identifies this admission call; echoed in the response.
        public var uid: String
        /// The object's group, version and kind.
        public var kind: GroupVersionKind
        /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
        public var operation: String
        /// The namespace of the object.
        public var namespace: String?
        /// The object's name (may be empty on `CREATE` with `generateName`).
        public var name: String?
        /// Who asks.
        public var userInfo: UserInfo
        /// The object as it would be stored (absent on `DELETE`).
        public var object: JSONValue?
        /// Whether the request is a dry run (no side effects).
        public var dryRun: Bool?
    }

    /// A group, version and kind.
    public struct GroupVersionKind: Codable, Sendable, Hashable {
        /// The API group (empty for the core group).
        public var group: String
        /// The version.
        public var version: String
        /// The kind.
        public var kind: String
    }

    /// The authenticated user of the request.
    public struct UserInfo: Codable, Sendable {
        /// The user name.
        public var username: String?
        /// The groups the user belongs to.
        public var groups: [String]?
    }

    /// The response part.
    public struct Response: Codable, Sendable {
        /// The request's uid.
        public var uid: String
        /// Whether the request may proceed.
        public var allowed: Bool
        /// Why it may not (shown to the user by kubectl).
        public var status: Status?
        /// Warnings shown to the user (kubectl prints them; at most 120 characters each is advised).
        public var warnings: [String]?

        /// Creates a response.
        public init(uid: String, allowed: Bool, status: Status? = nil, warnings: [String]? = nil) {
            self.uid = uid
            self.allowed = allowed
            self.status = status
            self.warnings = warnings
        }
    }

    /// A `metav1.Status` as admission responses carry it.
    public struct Status: Codable, Sendable {
        /// The HTTP status code Kubernetes reports (403 for a denial).
        public var code: Int
        /// The message kubectl shows.
        public var message: String
        /// A machine-readable reason, e.g. `Forbidden`.
        public var reason: String?

        /// Creates a status.
        public init(code: Int, message: String, reason: String? = nil) {
            self.code = code
            self.message = message
            self.reason = reason
        }
    }

    /// A review carrying `response`.
    public init(response: Response) {
        self.apiVersion = Self.apiVersion
        self.kind = "AdmissionReview"
        self.request = nil
        self.response = response
    }
}

/// Any JSON value: the object under review is walked generically.
public enum JSONValue: Codable, Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The member `key` of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, or `nil`.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements of an array; empty for anything else.
    public var elements: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }

    /// The members of an object; empty for anything else.
    public var members: [String: JSONValue] {
        if case .object(let members) = self { return members }
        return [:]
    }
}
