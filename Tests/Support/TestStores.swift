import TaxonModel
import TaxonPostgres
import TaxonStore

/// The backends that every store-level test runs on.
public enum TestStores {
    /// A new, empty store on each backend: a SQLite file in a folder of its own, then a database of its own
    /// in the test cluster (`PostgresServer`).
    public static func fresh() throws -> [any Store] {
        [try SQLiteStore(path: try PostgresServer.sqlitePath()), try PostgresStore(location: try PostgresServer.freshDatabase())]
    }
}
