import PostgresNIO
import TaxonModel

/// Indexing shared by workers on many machines: claims are taken with FOR UPDATE SKIP LOCKED (workers never
/// wait on each other's rows) and timed by the database's clock.
extension PostgresStore: IndexJobStore {
    /// Queues a job per path not queued yet; a collection with no open job starts a new round.
    public func queueIndexJobs(in collection: CollectionInfo, paths: [String]) throws {
        try transaction {
            // One queuer at a time per collection, so two workers starting together do not both start a round.
            try session.query("SELECT pg_advisory_xact_lock(\(PostgresMigrator.lockKey + collection.id))")
            if try openIndexJobs(in: collection) == 0 { try session.query("DELETE FROM index_job WHERE collection_id = \(collection.id)") }
            try session.query("""
                INSERT INTO index_job (collection_id, path) SELECT \(collection.id), path FROM unnest(\(paths)::text[]) AS queued(path)
                ON CONFLICT DO NOTHING
                """)
        }
    }

    /// Claims up to `limit` pending or lapsed jobs for `lease` seconds.
    public func claimIndexJobs(in collection: CollectionInfo, worker: String, limit: Int, lease: Double) throws -> [String] {
        try session.query("""
            UPDATE index_job j SET claimed_by = \(worker), claimed_until = extract(epoch FROM clock_timestamp()) + \(lease)
            FROM (SELECT path FROM index_job
                  WHERE collection_id = \(collection.id) AND done_by IS NULL
                    AND (claimed_until IS NULL OR claimed_until < extract(epoch FROM clock_timestamp()))
                  ORDER BY path LIMIT \(limit) FOR UPDATE SKIP LOCKED) AS free
            WHERE j.collection_id = \(collection.id) AND j.path = free.path
            RETURNING j.path
            """).map { try $0.decode(String.self) }.sorted()
    }

    /// Writes the records of the jobs `worker` still holds and marks them done, in one transaction.
    public func completeIndexJobs(in collection: CollectionInfo, worker: String, records: [ImageRecord], finished: [String]) throws -> Set<String> {
        try writing(collection) {
            // Locked until commit: a worker retaking a lapsed claim waits for this answer, then finds it done.
            let held = Set(try session.query("""
                SELECT path FROM index_job WHERE collection_id = \(collection.id) AND claimed_by = \(worker) AND done_by IS NULL
                  AND path = ANY(\(records.map(\.path) + finished)) FOR UPDATE
                """).map { try $0.decode(String.self) })
            let kept = records.filter { held.contains($0.path) }
            try upsertImages(kept, in: collection)
            try session.query("UPDATE index_job SET done_by = \(worker) WHERE collection_id = \(collection.id) AND path = ANY(\(Array(held)))")
            if !kept.isEmpty { try bumpGeneration(of: collection) }
            return held
        }
    }

    /// How many of the collection's jobs are not done.
    public func openIndexJobs(in collection: CollectionInfo) throws -> Int {
        try session.scalar("SELECT count(*) FROM index_job WHERE collection_id = \(collection.id) AND done_by IS NULL", as: Int.self) ?? 0
    }
}
