import Foundation
import PostgresNIO
import TaxonModel

/// A store in a PostgreSQL database with pgvector: the same tables and meaning
/// as the SQLite store (migrations/postgres/ mirrors migrations/), for stores
/// that outgrow one machine. One instance is one connection: use it from one
/// thread at a time; a server keeps one per thread, so its pool of connections
/// is bounded by its threads.
public final class PostgresStore {
    let session: PostgresSession

    /// Connects to `location` (a postgres:// URL) and migrates the database.
    public init(location: String) throws {
        session = try PostgresSession(try PostgresLocation(location))
        try PostgresMigrator.migrate(session)
    }

    /// The newest schema version this build knows (the same number as SQLite's).
    public static var latestSchemaVersion: Int { PostgresMigrator.latestVersion }

    /// Where the store is, without the password.
    public var location: String { session.location.description }

    public var schemaVersion: Int { get throws { try PostgresMigrator.version(session) ?? 0 } }

    /// Runs `body` in one transaction; a thrown error leaves the store unchanged.
    public func transaction<T>(_ body: () throws -> T) throws -> T { try session.transaction(body) }

    static func timestamp() -> String { ISO8601DateFormatter().string(from: Date()) }

    /// Little-endian float32 bytes, as SQLite stores them (word vectors, cached features).
    static func bytes(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func floats(_ data: Data) throws -> [Float] {
        guard data.count % 4 == 0 else { throw PostgresStoreError.corrupt("a float32 value of \(data.count) bytes") }
        return data.withUnsafeBytes { raw in
            (0..<raw.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
