import Foundation
import TaxonModel
import TaxonPostgres
import TaxonStore

/// Opens stores by location; the one place that picks a storage backend.
public enum Stores {
    /// The store at `location`: a PostgreSQL database (`postgres://USER@HOST[:PORT]/DATABASE`, which
    /// must exist; its tables are made on first use), or a SQLite file (`sqlite:PATH` or a plain path).
    /// With `create`, a missing SQLite file is made (imports); without, it must exist already
    /// (queries), so a mistyped path is an error rather than a new empty store.
    public static func open(_ location: String, create: Bool = false) throws -> any Store {
        if PostgresLocation.isPostgres(location) { return try PostgresStore(location: location) }
        let path = sqlitePath(location)
        if !create, !FileManager.default.fileExists(atPath: path) { throw ServiceError.noStore(path) }
        return try SQLiteStore(path: path)
    }

    /// The file of a SQLite location (`sqlite:PATH` or a plain path).
    static func sqlitePath(_ location: String) -> String {
        location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
    }

    /// The schema version this build writes.
    public static var latestSchemaVersion: Int { SQLiteStore.latestSchemaVersion }  // PostgreSQL's numbers the same versions
}

/// Failures of the services themselves: a request that does not fit what the store holds.
public enum ServiceError: TaxonError, Equatable {
    case noStore(String)
    /// The request is malformed or contradicts itself.
    case invalid(String)
    /// Something the request names is not there.
    case missing(String)
    /// The thing exists but cannot serve this request (a text query on a hierarchy embedding, …).
    case unsuitable(String)
    /// A resource the service needs is missing (the network's weights, a data file).
    case unavailable(String)

    public var kind: ErrorKind {
        switch self {
        case .noStore, .missing: return .notFound
        case .invalid: return .invalidInput
        case .unsuitable: return .unprocessable
        case .unavailable: return .unavailable
        }
    }

    public var description: String {
        switch self {
        case let .noStore(path): return "no store at \(path): import something first (make run builds the default one)"
        case let .invalid(message), let .missing(message), let .unsuitable(message), let .unavailable(message): return message
        }
    }
}
