import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`
/// (or `postgresql://`). sslmode is `disable`, `prefer` (the default, as libpq's) or `require`;
/// the password may also come from `PGPASSWORD`, so that it stays out of process lists.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let user: String
    let password: String?
    public let database: String
    public let sslMode: String

    /// True when `location` names a PostgreSQL server rather than a file.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Parses a location; the password (if any) is kept for connecting and never shown.
    public init(_ location: String) throws {
        guard Self.isPostgres(location), let url = URLComponents(string: location), let host = url.host, !host.isEmpty else {
            throw PostgresLocationError.badLocation(location: Self.redacted(location), reason: "expected postgres://USER@HOST[:PORT]/DATABASE")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresLocationError.badLocation(location: Self.redacted(location), reason: "name one database after the host")
        }
        guard let user = url.user, !user.isEmpty else {
            throw PostgresLocationError.badLocation(location: Self.redacted(location), reason: "name the user before the host (postgres://USER@HOST/…)")
        }
        var sslMode = "prefer"
        for item in url.queryItems ?? [] {
            guard item.name == "sslmode", let value = item.value, ["disable", "prefer", "require"].contains(value) else {
                throw PostgresLocationError.badLocation(location: Self.redacted(location),
                                                     reason: "the only option is sslmode=disable|prefer|require, not \(item.name)")
            }
            sslMode = value
        }
        self.host = host
        port = url.port ?? 5432
        self.user = user
        password = url.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        self.database = database
        self.sslMode = sslMode
    }

    /// The location as a person would name it: never the password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// A location with its password (if any) replaced, for error messages about a location that did not parse.
    static func redacted(_ location: String) -> String {
        location.replacingOccurrences(of: #"(://[^:/@]*):[^@/]*@"#, with: "$1:***@", options: .regularExpression)
    }

    func configuration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}
