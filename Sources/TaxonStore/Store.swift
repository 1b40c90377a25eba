import Foundation

/// The Taxon store: one SQLite file holding taxonomies, class sets and vectors.
/// Every other module reads and writes through this type.
public final class Store {
    public let path: String
    public let db: Database

    /// Opens (creating if needed) and migrates the store at `path`.
    public init(path: String) throws {
        self.path = path
        db = try Database(path: path)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL")
        try db.execute("PRAGMA foreign_keys = ON")
        try Migrator.migrate(db, path: path)
    }

    public static var schemaVersion: Int { Migrator.latestVersion }

    public var userVersion: Int { get throws { Int(try db.scalarInt("PRAGMA user_version") ?? 0) } }

    /// Runs `body` in one transaction; a thrown error leaves the store unchanged.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try db.transaction(body)
    }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
