import Foundation
import TaxonModel

/// The embedded store: one SQLite file holding taxonomies, class sets, vectors,
/// embeddings, mappers and image collections. It implements every storage
/// protocol of TaxonModel; nothing outside this module sees SQL or SQLite.
/// One instance is one connection: use it from one thread at a time.
public final class SQLiteStore: Store {
    public let path: String
    let db: Database

    /// Opens (creating if needed) and migrates the store at `path`.
    public init(path: String) throws {
        self.path = path
        db = try Database(path: path)
        // 16 KiB pages (for a new file; fixed once a table exists): the store holds
        // multi-megabyte BLOBs (embeddings) and bulk imports, both faster with them.
        try db.execute("PRAGMA page_size = 16384")
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL")
        try db.execute("PRAGMA foreign_keys = ON")
        // Bulk imports touch every page of several B-trees: keep them in memory (256 MiB at most).
        try db.execute("PRAGMA cache_size = -262144")
        try Migrator.migrate(db, path: path)
    }

    /// The newest schema version this build knows.
    public static var latestSchemaVersion: Int { Migrator.latestVersion }

    public var location: String { path }

    public var schemaVersion: Int { get throws { Int(try db.scalarInt("PRAGMA user_version") ?? 0) } }

    /// Runs `body` in one transaction; a thrown error leaves the store unchanged.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try db.transaction(body)
    }

    /// Runs a bulk import in one transaction with foreign-key enforcement off.
    /// The importers link only rows they have just written or looked up, and
    /// checking each WordNet edge's two ends costs a quarter of the import time.
    /// (`claimName` deletes dependants itself for the same reason; the tests run
    /// `PRAGMA foreign_key_check` after every kind of import.)
    public func importing<T>(_ body: () throws -> T) throws -> T {
        try db.execute("PRAGMA foreign_keys = OFF")
        defer { try? db.execute("PRAGMA foreign_keys = ON") }
        return try db.transaction(body)
    }

    /// A writer inserting one taxonomy's rows with prepared statements; the name is claimed (or replaced) first.
    public func taxonomyWriter(name: String, kind: TaxonomyKind, source: String, base: TaxonomyInfo?, replace: Bool) throws -> any TaxonomyWriting {
        try SQLiteTaxonomyWriter(store: self, name: name, kind: kind, source: source, base: base, replace: replace)
    }

    /// A writer inserting one vector set's rows as float32 BLOBs; the name is claimed (or replaced) first.
    public func vectorSetWriter(name: String, dims: Int, count: Int, format: String, source: String, replace: Bool) throws -> any VectorSetWriting {
        try SQLiteVectorSetWriter(store: self, name: name, dims: dims, count: count, format: format, source: source, replace: replace)
    }

    /// Violations of foreign keys, as `PRAGMA foreign_key_check` lists them (the tests check imports leave none).
    public func foreignKeyViolations() throws -> Int {
        let statement = try db.prepare("PRAGMA foreign_key_check")
        var count = 0
        while try statement.step() { count += 1 }
        return count
    }

    /// Little-endian float32 BLOBs (word vectors, image vectors).
    static func bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    static func floats(_ bytes: [UInt8]) -> [Float] {
        bytes.withUnsafeBytes { raw in
            (0..<raw.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Half-precision little-endian bytes: the style and colour descriptors (values in [−1, 1], 3 decimal digits kept).
    static func halfBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: Float16($0).bitPattern.littleEndian, Array.init) }
    }

    static func halfFloats(_ bytes: [UInt8]) -> [Float] {
        bytes.withUnsafeBytes { raw in
            (0..<raw.count / 2).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))) }
        }
    }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
