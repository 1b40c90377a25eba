/// One schema step, from migrations/NNNN_name.sql (embedded at build time).
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
}

/// A store file this build cannot open: a newer schema, or a migration that failed (and was rolled back).
public enum StoreError: Error, CustomStringConvertible {
    case newerSchema(path: String, found: Int, supported: Int)
    case migrationFailed(name: String, underlying: any Error)

    public var description: String {
        switch self {
        case let .newerSchema(path, found, supported):
            return "\(path) has schema version \(found), but this taxon understands versions up to \(supported); use a newer taxon"
        case let .migrationFailed(name, underlying):
            return "migration \(name) failed: \(underlying)"
        }
    }
}

enum Migrator {
    static var latestVersion: Int { embeddedMigrations.last?.version ?? 0 }

    /// Brings the schema to the latest version: every pending migration and the
    /// version bump run in one transaction, so a failure leaves the file as it was.
    static func migrate(_ db: Database, path: String, migrations: [Migration] = embeddedMigrations) throws {
        let current = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
        let latest = migrations.last?.version ?? 0
        if current > latest { throw StoreError.newerSchema(path: path, found: current, supported: latest) }
        let pending = migrations.filter { $0.version > current }
        guard !pending.isEmpty else { return }
        try db.transaction {
            for migration in pending {
                do { try db.execute(migration.sql) } catch {
                    throw StoreError.migrationFailed(name: migration.name, underlying: error)
                }
            }
            try db.execute("PRAGMA user_version = \(latest)")
        }
    }
}
