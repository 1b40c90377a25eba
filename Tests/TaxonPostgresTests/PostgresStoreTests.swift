import Foundation
import PostgresNIO
import Synchronization
import TaxonTesting
import XCTest
import TaxonModel
@testable import TaxonPostgres
@testable import TaxonStore

/// The PostgreSQL store against a real server (scripts/pg.sh), side by side with SQLite.
final class PostgresStoreTests: XCTestCase {
    func testFreshDatabaseGetsTheSameSchemaAsSQLite() throws {
        let store = try PostgresStore(location: try PostgresServer.freshDatabase())
        XCTAssertEqual(try store.schemaVersion, PostgresStore.latestSchemaVersion)
        XCTAssertEqual(PostgresStore.latestSchemaVersion, SQLiteStore.latestSchemaVersion)

        // Every table and column of the SQLite schema, by name, and nothing else but the version table.
        let sqlite = try SQLiteStore(path: try PostgresServer.sqlitePath())
        var expected: [String: Set<String>] = [:]
        let tables = try sqlite.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        while try tables.step() {
            let table = tables.text(0)
            let columns = try sqlite.db.prepare("SELECT name FROM pragma_table_info(?)")
            try columns.bind([.text(table)])
            while try columns.step() { expected[table, default: []].insert(columns.text(0)) }
        }
        var found: [String: Set<String>] = [:]
        for row in try store.session.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'") {
            let (table, column) = try row.decode((String, String).self)
            found[table, default: []].insert(column)
        }
        XCTAssertEqual(found.removeValue(forKey: "taxon_schema"), ["only_row", "version"])
        found["vector"] = found.removeValue(forKey: "word_vector")  // pgvector's type is called vector
        // Search inside the database is PostgreSQL's alone (migrations/postgres/0010): an image's concept and the closure.
        XCTAssertEqual(found.removeValue(forKey: "concept_closure"), ["embedding_id", "ancestor_key", "concept_key"])
        XCTAssertNotNil(found["image"]?.remove("concept_key"))
        XCTAssertEqual(found, expected)

        // The searched vectors are pgvector columns; the facets half precision.
        let types = try Dictionary(uniqueKeysWithValues: store.session.query("""
            SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = 'image'
            """).map { try $0.decode((String, String).self) })
        XCTAssertEqual(types["descriptor"], "vector")
        XCTAssertEqual(types["embedding"], "vector")
        XCTAssertEqual(types["style"], "halfvec")
        XCTAssertEqual(types["colour"], "halfvec")

        // Opening again applies nothing.
        XCTAssertEqual(try PostgresStore(location: store.session.location.description).schemaVersion, PostgresStore.latestSchemaVersion)
    }

    func testServersStartingTogetherMigrateOnce() throws {
        let url = try PostgresServer.freshDatabase()
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try PostgresStore(location: url) } catch { errors.withLock { $0.append("\(error)") } }
        }
        XCTAssertEqual(errors.withLock { $0 }, [])
        XCTAssertEqual(try PostgresStore(location: url).schemaVersion, PostgresStore.latestSchemaVersion)
    }

    func testNewerSchemaIsRefused() throws {
        let url = try PostgresServer.freshDatabase()
        try PostgresStore(location: url).session.query("UPDATE taxon_schema SET version = \(PostgresStore.latestSchemaVersion + 1)")
        XCTAssertThrowsError(try PostgresStore(location: url)) { error in
            XCTAssertTrue("\(error)".contains("has schema version \(PostgresStore.latestSchemaVersion + 1)"), "\(error)")
            XCTAssertTrue("\(error)".contains("use a newer taxon"), "\(error)")
        }
    }

    func testFailedMigrationLeavesTheDatabaseAsItWas() throws {
        let url = try PostgresServer.freshDatabase()
        let session = try PostgresSession(try PostgresLocation(url))
        let migrations = embeddedPostgresMigrations + [
            PostgresMigration(version: PostgresMigrator.latestVersion + 1, name: "9999_broken.sql",
                              sql: "CREATE TABLE extra (x integer); SELECT * FROM missing_table;"),
        ]
        XCTAssertThrowsError(try PostgresMigrator.migrate(session, migrations: migrations)) { error in
            XCTAssertTrue("\(error)".contains("migration postgres/9999_broken.sql failed"), "\(error)")
            XCTAssertTrue("\(error)".contains("missing_table"), "\(error)")
        }
        XCTAssertNil(try PostgresMigrator.version(session))
        XCTAssertEqual(try session.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", as: Int.self), 0)
    }

    /// The migrations compiled into the binary are exactly the files in migrations/postgres/, version for version with SQLite's.
    func testEmbeddedMigrationsMatchTheDirectory() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations/postgres")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertEqual(embeddedPostgresMigrations.map(\.name), files, "run `make migrations`")
        for migration in embeddedPostgresMigrations {
            let text = try String(contentsOf: directory.appendingPathComponent(migration.name), encoding: .utf8)
            XCTAssertEqual(migration.sql, text, "\(migration.name) changed: run `make migrations`")
        }
        XCTAssertEqual(embeddedPostgresMigrations.map(\.version), embeddedMigrations.map(\.version))
    }

    func testLocationsAreCheckedAndPasswordsNeverShown() throws {
        for (bad, words) in [("postgres://127.0.0.1/db", "name the user"), ("postgres://u:secret@127.0.0.1/", "name one database"),
                             ("postgres://u:secret@127.0.0.1/db?sslmode=maybe", "sslmode"), ("postgres://u@127.0.0.1/db?host=/tmp", "sslmode")] {
            XCTAssertThrowsError(try PostgresLocation(bad), bad) { error in
                XCTAssertEqual((error as? any TaxonError)?.kind, .invalidInput, "\(error)")
                XCTAssertTrue("\(error)".contains(words), "\(error)")
                XCTAssertFalse("\(error)".contains("secret"), "\(error)")
            }
        }
        let location = try PostgresLocation("postgresql://reader:secret@db.example:6543/photos?sslmode=require")
        XCTAssertEqual(location.description, "postgres://reader@db.example:6543/photos")
        XCTAssertEqual(location.password, "secret")

        // No server on that port: one clear error naming the place, without the password.
        XCTAssertThrowsError(try PostgresStore(location: "postgres://taxon:secret@127.0.0.1:1/taxon?sslmode=disable")) { error in
            XCTAssertEqual((error as? any TaxonError)?.kind, .unavailable, "\(error)")
            XCTAssertTrue("\(error)".contains("cannot reach the PostgreSQL store postgres://taxon@127.0.0.1:1/taxon"), "\(error)")
            XCTAssertFalse("\(error)".contains("secret"), "\(error)")
        }
    }

    /// A server restart closes every connection: a store (a server's pooled connection) opens its own again.
    func testAStoreOutlivesAServerRestart() throws {
        let store = try PostgresStore(location: try PostgresServer.freshDatabase())
        _ = try store.insertAPIKey(name: "before", tokenHash: String(repeating: "d", count: 64), scope: .read, collection: nil)
        try PostgresServer.restart()
        var names: [String] = []
        for _ in 0..<50 where names.isEmpty {  // the client sees the close a moment after the server says it
            names = (try? store.apiKeys().map(\.name)) ?? []
            if names.isEmpty { Thread.sleep(forTimeInterval: 0.1) }
        }
        XCTAssertEqual(names, ["before"])
        XCTAssertEqual(try store.apiKeys().map(\.name), ["before"])
    }

    func testTransactionsNestAsSavepoints() throws {
        let store = try PostgresStore(location: try PostgresServer.freshDatabase())
        struct Boom: Error {}
        try store.transaction {
            _ = try store.insertAPIKey(name: "outer", tokenHash: String(repeating: "a", count: 64), scope: .read, collection: nil)
            XCTAssertThrowsError(try store.transaction {
                _ = try store.insertAPIKey(name: "inner", tokenHash: String(repeating: "b", count: 64), scope: .read, collection: nil)
                throw Boom()
            })
        }
        XCTAssertEqual(try store.apiKeys().map(\.name), ["outer"])
        XCTAssertThrowsError(try store.transaction {
            _ = try store.insertAPIKey(name: "gone", tokenHash: String(repeating: "c", count: 64), scope: .read, collection: nil)
            throw Boom()
        })
        XCTAssertEqual(try store.apiKeys().map(\.name), ["outer"])
    }

    /// The same calls on both backends give the same answers and the same errors.
    func testKeysBehaveAsOnSQLite() throws {
        let stores: [any KeyStore] = [try SQLiteStore(path: try PostgresServer.sqlitePath()), try PostgresStore(location: try PostgresServer.freshDatabase())]
        var transcripts: [[String]] = []
        for store in stores {
            var lines: [String] = []
            func record(_ step: () throws -> APIKey) {
                do {
                    let key = try step()
                    lines.append("\(key.name) \(key.scope) \(key.collection ?? "-") \(key.revokedAt == nil ? "valid" : "revoked") \(key.tokenHash)")
                } catch { lines.append("error: \(error)") }
            }
            record { try store.insertAPIKey(name: "reader", tokenHash: "h1", scope: .read, collection: nil) }
            record { try store.insertAPIKey(name: "writer", tokenHash: "h2", scope: .write, collection: "holidays") }
            record { try store.insertAPIKey(name: "reader", tokenHash: "h3", scope: .admin, collection: nil) }
            record { try store.insertAPIKey(name: "bad name", tokenHash: "h4", scope: .read, collection: nil) }
            record { try store.revokeAPIKey(named: "writer") }
            let first = try store.apiKeys().first { $0.name == "writer" }?.revokedAt
            record { try store.revokeAPIKey(named: "writer") }
            XCTAssertEqual(try store.apiKeys().first { $0.name == "writer" }?.revokedAt, first, "revoking twice keeps the first time")
            record { try store.revokeAPIKey(named: "nobody") }
            lines += try store.apiKeys().map { "listed \($0.name) \($0.scope) \($0.revokedAt == nil)" }
            transcripts.append(lines)
        }
        XCTAssertEqual(transcripts[0], transcripts[1])
        XCTAssertTrue(transcripts[0].contains { $0.hasPrefix("error:") && $0.contains("reader") }, "\(transcripts[0])")
    }

    func testFeatureCacheBehavesAsOnSQLite() throws {
        let stores: [any FeatureCacheStore] = [try SQLiteStore(path: try PostgresServer.sqlitePath()), try PostgresStore(location: try PostgresServer.freshDatabase())]
        let a: [Float] = [0.25, -1, .pi, 1e-7], b: [Float] = [3, 2, 1]
        for store in stores {
            try store.cacheFeatures(network: "n1", [("h1", a), ("h2", b)])
            try store.cacheFeatures(network: "n1", [("h2", a)])  // replaces
            try store.cacheFeatures(network: "n2", [("h1", b)])
            XCTAssertEqual(try store.cachedFeatures(network: "n1", hashes: ["h1", "h2", "h3", "h1"]), ["h1": a, "h2": a])
            XCTAssertEqual(try store.cachedFeatures(network: "n2", hashes: ["h1"]), ["h1": b])
            XCTAssertEqual(try store.cachedFeatures(network: "n3", hashes: ["h1"]), [:])
            XCTAssertEqual(try store.cachedFeatures(network: "n1", hashes: []), [:])
        }
    }
}
