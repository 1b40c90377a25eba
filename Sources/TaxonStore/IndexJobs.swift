import Foundation
import TaxonModel

/// Indexing shared by workers (several processes on this machine): each step is one write transaction,
/// which SQLite runs one at a time, so claims never overlap. Times are this machine's clock.
extension SQLiteStore {
    /// Queues a job per path not queued yet; a collection with no open job starts a new round.
    public func queueIndexJobs(in collection: CollectionInfo, paths: [String]) throws {
        try transaction {
            if try openIndexJobs(in: collection) == 0 { try db.execute("DELETE FROM index_job WHERE collection_id = \(collection.id)") }
            let insert = try db.prepare("INSERT OR IGNORE INTO index_job (collection_id, path) VALUES (?, ?)")
            for path in paths {
                try insert.bind([.integer(collection.id), .text(path)])
                try insert.run()
            }
        }
    }

    /// Claims up to `limit` pending or lapsed jobs for `lease` seconds.
    public func claimIndexJobs(in collection: CollectionInfo, worker: String, limit: Int, lease: Double) throws -> [String] {
        try transaction {
            let now = Date().timeIntervalSince1970
            let claim = try db.prepare("""
                UPDATE index_job SET claimed_by = ?1, claimed_until = ?2 + ?3
                WHERE collection_id = ?4 AND path IN (
                    SELECT path FROM index_job WHERE collection_id = ?4 AND done_by IS NULL AND (claimed_until IS NULL OR claimed_until < ?2)
                    ORDER BY path LIMIT ?5)
                RETURNING path
                """)
            try claim.bind([.text(worker), .real(now), .real(lease), .integer(collection.id), .integer(Int64(limit))])
            var paths: [String] = []
            while try claim.step() { paths.append(claim.text(0)) }
            return paths.sorted()
        }
    }

    /// Writes the records of the jobs `worker` still holds and marks them done, in one transaction.
    public func completeIndexJobs(in collection: CollectionInfo, worker: String, records: [ImageRecord], finished: [String]) throws -> Set<String> {
        try transaction {
            let holding = try db.prepare("SELECT path FROM index_job WHERE collection_id = ? AND claimed_by = ? AND done_by IS NULL")
            try holding.bind([.integer(collection.id), .text(worker)])
            var held = Set<String>()
            while try holding.step() { held.insert(holding.text(0)) }
            held.formIntersection(records.map(\.path) + finished)
            let kept = records.filter { held.contains($0.path) }
            try upsertImages(kept, in: collection)
            let done = try db.prepare("UPDATE index_job SET done_by = ? WHERE collection_id = ? AND path = ?")
            for path in held {
                try done.bind([.text(worker), .integer(collection.id), .text(path)])
                try done.run()
            }
            if !kept.isEmpty { try db.execute("UPDATE collection SET generation = generation + 1 WHERE id = \(collection.id)") }
            return held
        }
    }

    /// How many of the collection's jobs are not done.
    public func openIndexJobs(in collection: CollectionInfo) throws -> Int {
        Int(try db.scalarInt("SELECT count(*) FROM index_job WHERE collection_id = ? AND done_by IS NULL", [.integer(collection.id)]) ?? 0)
    }
}
