import Foundation
import XCTest
import TaxonModel
import TaxonTesting
@testable import TaxonPostgres
@testable import TaxonStore

final class StoreTests: XCTestCase {
    private func path() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taxon-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("store.sqlite").path
    }

    func testNewStoreIsMigratedInWALMode() throws {
        let store = try SQLiteStore(path: try path())
        XCTAssertEqual(try store.schemaVersion, SQLiteStore.latestSchemaVersion)
        XCTAssertGreaterThanOrEqual(SQLiteStore.latestSchemaVersion, 1)
        XCTAssertEqual(try store.db.scalarText("PRAGMA journal_mode"), "wal")
        XCTAssertEqual(try store.db.scalarInt("PRAGMA page_size"), 16_384)
        XCTAssertEqual(try store.db.scalarInt("PRAGMA foreign_keys"), 1)
        for table in ["taxonomy", "concept", "lemma", "edge", "class_set", "class_member", "vector_set", "vector"] {
            XCTAssertEqual(try store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(table)]), 1, table)
        }
        // Opening again applies nothing and changes nothing.
        let digest = try store.contentDigest()
        XCTAssertEqual(try SQLiteStore(path: store.path).contentDigest(), digest)
    }

    func testNewerStoreIsRefused() throws {
        let path = try path()
        do {
            let db = try Database(path: path)
            try db.execute("PRAGMA user_version = \(SQLiteStore.latestSchemaVersion + 1)")
        }
        XCTAssertThrowsError(try SQLiteStore(path: path)) { error in
            XCTAssertTrue("\(error)".contains("has schema version \(SQLiteStore.latestSchemaVersion + 1)"), "\(error)")
            XCTAssertTrue("\(error)".contains("use a newer taxon"), "\(error)")
        }
    }

    func testFailedMigrationLeavesTheFileAsItWas() throws {
        let path = try path()
        let db = try Database(path: path)
        let migrations = embeddedMigrations + [
            Migration(version: SQLiteStore.latestSchemaVersion + 1, name: "9999_broken.sql", sql: "CREATE TABLE extra (x); SELECT * FROM missing_table;"),
        ]
        XCTAssertThrowsError(try Migrator.migrate(db, path: path, migrations: migrations)) { error in
            XCTAssertTrue("\(error)".contains("migration 9999_broken.sql failed"), "\(error)")
        }
        XCTAssertEqual(try db.scalarInt("PRAGMA user_version"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM sqlite_master"), 0)
    }

    /// The migrations compiled into the binary are exactly the files in migrations/.
    func testEmbeddedMigrationsMatchTheDirectory() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertEqual(embeddedMigrations.map(\.name), files, "run `make migrations`")
        for migration in embeddedMigrations {
            let text = try String(contentsOf: directory.appendingPathComponent(migration.name), encoding: .utf8)
            XCTAssertEqual(migration.sql, text, "\(migration.name) changed: run `make migrations`")
        }
        XCTAssertEqual(embeddedMigrations.map(\.version), Array(1...embeddedMigrations.count))
    }

    func testSenseNameParsing() {
        XCTAssertTrue(parseSenseName("dog.n.01")! == ("dog", "n", 1))
        XCTAssertTrue(parseSenseName("St._Bernard.n.1")! == ("St._Bernard", "n", 1))
        XCTAssertTrue(parseSenseName("a.b.c.v.12")! == ("a.b.c", "v", 12))
        XCTAssertNil(parseSenseName("dog.x.01"))
        XCTAssertNil(parseSenseName("dog.n.00"))
        XCTAssertNil(parseSenseName(".n.01"))
        XCTAssertNil(parseSenseName("dog"))
    }

}

/// The store's contract on both backends (`TestStores`): names, atomic imports, the digest and extensions.
final class StoreContractTests: XCTestCase {
    /// Runs SQL the protocols do not offer (a change behind the store's back), in either dialect.
    private func execute(_ sql: String, on store: any Store) throws {
        if let store = store as? SQLiteStore { try store.db.execute(sql) } else { try XCTUnwrap(store as? PostgresStore).session.execute(sql) }
    }

    func testNamesAreValidated() throws {
        for store in try TestStores.fresh() {
            let taxonomy = try store.importing { try store.taxonomyWriter(name: "t", kind: .hierarchy, source: "s", replace: false).taxonomyID }
            for bad in ["", "a b", "../x", "x;DROP", String(repeating: "a", count: 101)] {
                XCTAssertThrowsError(try store.writeClassSet(name: bad, taxonomyID: taxonomy, source: "s", concepts: [], replace: false), bad) {
                    XCTAssertTrue("\($0)".contains("is not a valid class set name"), "\(store.location): \($0)")
                }
            }
            XCTAssertEqual(try store.classSets(), [])
        }
    }

    func testImportRollsBack() throws {
        for store in try TestStores.fresh() {
            struct Boom: Error {}
            XCTAssertThrowsError(try store.importing {
                let writer = try store.taxonomyWriter(name: "t", kind: .hierarchy, source: "s", replace: false)
                _ = try writer.addConcept(key: "a", name: nil, pos: nil, lexname: nil, gloss: nil)
                throw Boom()
            })
            XCTAssertEqual(try store.taxonomies(), [], store.location)
            XCTAssertEqual(try store.contentDigest().rows["concept"], 0, store.location)
        }
    }

    func testDigestSeesEveryChange() throws {
        for store in try TestStores.fresh() {
            let empty = try store.contentDigest()
            try store.importing {
                let writer = try store.taxonomyWriter(name: "t", kind: .hierarchy, source: "s", replace: false)
                _ = try writer.addConcept(key: "a", name: nil, pos: nil, lexname: nil, gloss: nil)
            }
            let one = try store.contentDigest()
            XCTAssertNotEqual(one.hash, empty.hash)
            XCTAssertEqual(one.rows["concept"], 1)
            try execute("UPDATE concept SET gloss = 'x'", on: store)
            XCTAssertNotEqual(try store.contentDigest().hash, one.hash, store.location)
            XCTAssertEqual(try store.contentDigest().rows, one.rows)
        }
    }

    /// An extension reads its base's concepts and edges as its own, leaves the base as it was, and goes with it.
    func testTaxonomyExtension() throws {
        for store in try TestStores.fresh() {
            var ids: [String: Int64] = [:]
            try store.importing {
                let base = try store.taxonomyWriter(name: "base", kind: .hierarchy, source: "s", replace: false)
                for key in ["root", "cat"] { ids[key] = try base.addConcept(key: key, name: key, pos: "n", lexname: nil, gloss: nil) }
                try base.addLemma(concept: ids["cat"]!, position: 1, word: "cat", senseNumber: 1)
                try base.addEdge(from: ids["cat"]!, Relations.hypernym, to: ids["root"]!)
            }
            let baseInfo = try store.taxonomy(named: "base")
            let untouched = try store.taxonomies().first { $0.name == "base" }
            try store.importing {
                let mine = try store.taxonomyWriter(name: "mine", kind: .hierarchy, source: "map", base: baseInfo, replace: false)
                ids["garfield"] = try mine.addConcept(key: "new:garfield", name: "garfield", pos: "n", lexname: nil, gloss: nil)
                try mine.addLemma(concept: ids["garfield"]!, position: 1, word: "garfield", senseNumber: 1)
                try mine.addEdge(from: ids["garfield"]!, Relations.hypernym, to: ids["cat"]!)
                try store.writeClassSet(name: "mine", taxonomyID: mine.taxonomyID, source: "map", concepts: [ids["cat"]!, ids["garfield"]!], replace: false)
            }
            let mine = try store.taxonomy(named: "mine")
            XCTAssertEqual(mine.base, "base")
            XCTAssertEqual(try store.taxonomies().first { $0.name == "base" }, untouched)
            XCTAssertEqual(try store.conceptIDs(keys: ["cat", "new:garfield"], in: mine), [ids["cat"], ids["garfield"]])
            XCTAssertEqual(try store.conceptIDs(keys: ["new:garfield"], in: baseInfo), [nil])
            XCTAssertEqual(try store.candidates(for: "garfield", in: mine).map(\.id), [ids["garfield"]!])
            XCTAssertEqual(try store.candidates(for: "cat", in: mine).map(\.id), [ids["cat"]!])
            XCTAssertTrue(try store.candidates(for: "garfield", in: baseInfo).isEmpty)
            let graph = try store.taxonomicGraph(of: mine)
            XCTAssertEqual(Set(graph.keys), ["root", "cat", "new:garfield"])
            XCTAssertEqual(graph.edges.count, 2)
            XCTAssertEqual(try store.taxonomicGraph(of: baseInfo).edges.count, 1)

            // Replacing the base takes the extension and its class set with it; nothing dangles.
            try store.importing { _ = try store.taxonomyWriter(name: "base", kind: .hierarchy, source: "s2", replace: true) }
            XCTAssertEqual(try store.taxonomies().map(\.name), ["base"])
            XCTAssertTrue(try store.classSets().isEmpty)
            XCTAssertEqual(try store.contentDigest().rows["edge"], 0, store.location)
            XCTAssertEqual(try store.contentDigest().rows["lemma"], 0, store.location)
            if let sqlite = store as? SQLiteStore { XCTAssertEqual(try sqlite.foreignKeyViolations(), 0) }
        }
    }
}
