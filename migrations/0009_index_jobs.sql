-- Schema version 9: indexing shared by several workers (taxon index --workers).
-- One row per photo of a folder being indexed into a collection: pending,
-- claimed by a worker until a time (a crashed worker's claims lapse and are
-- taken again), or done by the worker that wrote its record. A new round of
-- indexing starts when no job of the collection is pending or claimed.
CREATE TABLE index_job (
    collection_id INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,               -- relative to the collection's root
    claimed_by    TEXT,                        -- worker id (host:process:n); NULL while pending
    claimed_until REAL,                        -- seconds since 1970 (the database's clock on PostgreSQL)
    done_by       TEXT,                        -- the worker whose result was written; NULL until then
    PRIMARY KEY (collection_id, path)
) WITHOUT ROWID;
