import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL connection URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`.
///
/// `sslmode` is `disable`, `prefer` (the default: TLS when the server offers it) or `require`
/// (TLS with certificate verification); `postgresql://` is accepted as the scheme too.
/// Percent-escapes in the user, password and database are decoded.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// Server host name or address.
    public var host: String
    /// Server port.
    public var port: Int
    /// Role to connect as.
    public var username: String
    /// Password, if any (never printed).
    public var password: String?
    /// Database name.
    public var database: String
    /// TLS mode: `disable`, `prefer` or `require`.
    public var sslMode: String

    /// Parses a URL; throws ``PostgresURLError`` naming what is wrong.
    public init(_ text: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw PostgresURLError(message: "a PostgreSQL URL looks like postgres://USER@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError(message: "the URL has no host") }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw PostgresURLError(message: "the URL has no user name")
        }
        let database = String(components.percentEncodedPath.dropFirst()).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresURLError(message: "the URL must name one database: postgres://USER@HOST:PORT/DATABASE")
        }
        var sslMode = "prefer"
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", let value?) where ["disable", "prefer", "require"].contains(value):
                sslMode = value
            default:
                throw PostgresURLError(message: "unsupported URL parameter \(item.name) (only sslmode=disable|prefer|require)")
            }
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw PostgresURLError(message: "port \(port) is out of range") }
        self.host = host
        self.port = port
        self.username = user
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        self.database = database
        self.sslMode = sslMode
    }

    /// The URL without its password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(sslMode)" }

    /// A client configuration for this URL, with at most `maximumConnections` pooled connections
    /// and sessions that the server ends when they idle in a transaction for 5 s.
    public func clientConfiguration(maximumConnections: Int = 20) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        // A replica that stops mid-transaction (frozen, cut off) holds the sequencing lock; the
        // server ends such a session after 5 s so that another replica takes over. A killed
        // replica's session ends at once (its socket closes).
        configuration.options.additionalStartupParameters = [("idle_in_transaction_session_timeout", "5000")]
        return configuration
    }
}

/// A PostgreSQL URL that cannot be used.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    public var description: String { message }
}
