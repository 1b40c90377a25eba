import PostgresNIO
import TaxonModel

/// A PostgreSQL location that does not parse, or a server that does not answer.
public enum PostgresLocationError: TaxonError {
    case badLocation(location: String, reason: String)
    case unreachable(location: String, reason: String)

    public var kind: ErrorKind {
        switch self {
        case .badLocation: return .invalidInput
        case .unreachable: return .unavailable
        }
    }

    public var description: String {
        switch self {
        case let .badLocation(location, reason): return "\(location): \(reason)"
        case let .unreachable(location, reason): return "cannot reach the PostgreSQL store \(location): \(reason)"
        }
    }
}

/// Failures of the PostgreSQL store itself (answered as internal errors, like SQLite's).
public enum PostgresStoreError: Error, CustomStringConvertible {
    /// The server refused a statement: its message, SQLSTATE and the statement's first words.
    case server(message: String, sqlState: String, statement: String)
    case newerSchema(location: String, found: Int, supported: Int)
    case migrationFailed(name: String, reason: String)
    /// A stored value that cannot be what the schema says (a vector of the wrong size …).
    case corrupt(String)

    public var description: String {
        switch self {
        case let .server(message, sqlState, statement): return "PostgreSQL error \(sqlState): \(message) (in: \(statement))"
        case let .newerSchema(location, found, supported):
            return "\(location) has schema version \(found), but this taxon understands versions up to \(supported); use a newer taxon"
        case let .migrationFailed(name, reason): return "migration postgres/\(name) failed: \(reason)"
        case let .corrupt(message): return message
        }
    }

    /// A client error with the server's own words kept (PSQLError's description hides them).
    static func wrapping(_ error: any Error, statement: String) -> any Error {
        let start = String(statement.prefix(120))
        guard let psql = error as? PSQLError else {
            return error is PostgresStoreError ? error : PostgresStoreError.server(message: "\(error)", sqlState: "?????", statement: start)
        }
        if let info = psql.serverInfo {
            return PostgresStoreError.server(message: info[.message] ?? "unknown", sqlState: info[.sqlState] ?? "?????", statement: start)
        }
        return PostgresStoreError.server(message: "\(psql.code)\(psql.underlying.map { ": \($0)" } ?? "")", sqlState: "08000", statement: start)
    }
}
