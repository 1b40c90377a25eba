import PostgresNIO

/// One schema step, from migrations/postgres/NNNN_name.sql (embedded at build time).
struct PostgresMigration: Sendable {
    let version: Int
    let name: String
    let sql: String
}

/// Brings a database to the latest schema version. The version lives in a
/// one-row table; pending steps and the version bump are one transaction, and
/// a transaction-scoped advisory lock lets only one process migrate at a time
/// (several servers may start together on one database).
enum PostgresMigrator {
    static var latestVersion: Int { embeddedPostgresMigrations.last?.version ?? 0 }

    /// The key of the advisory lock Taxon's migrations hold ("taxon" in ASCII).
    static let lockKey: Int64 = 0x7461_786F_6E

    static func migrate(_ session: PostgresSession, migrations: [PostgresMigration] = embeddedPostgresMigrations) throws {
        let latest = migrations.last?.version ?? 0
        if let current = try version(session), current >= latest {
            if current > latest { throw PostgresStoreError.newerSchema(location: session.location.description, found: current, supported: latest) }
            return
        }
        try session.transaction {
            try session.query("SELECT pg_advisory_xact_lock(\(lockKey))")
            try session.execute("""
                SET LOCAL client_min_messages TO warning;
                CREATE EXTENSION IF NOT EXISTS vector;
                CREATE TABLE IF NOT EXISTS taxon_schema (
                    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                    version  integer NOT NULL
                );
                INSERT INTO taxon_schema (version) VALUES (0) ON CONFLICT DO NOTHING;
                """)
            // Read again under the lock: another process may have migrated meanwhile.
            let current = try version(session) ?? 0
            if current > latest { throw PostgresStoreError.newerSchema(location: session.location.description, found: current, supported: latest) }
            for migration in migrations where migration.version > current {
                do { try session.execute(migration.sql) } catch {
                    throw PostgresStoreError.migrationFailed(name: migration.name, reason: "\(error)")
                }
            }
            try session.query("UPDATE taxon_schema SET version = \(latest)")
        }
    }

    /// The database's schema version; nil before Taxon has written there.
    static func version(_ session: PostgresSession) throws -> Int? {
        guard try session.scalar("SELECT to_regclass('taxon_schema') IS NOT NULL", as: Bool.self) == true else { return nil }
        return try session.scalar("SELECT version FROM taxon_schema", as: Int.self)
    }
}
