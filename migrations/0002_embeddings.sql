-- Schema version 2: class embeddings. All rows of one embedding in one BLOB,
-- row-major in class-index order, little-endian float64 (exactness matters:
-- unitsphere rows reproduce similarities to 1e-15; export converts to float32
-- on request). One BLOB writes and reads as a single sequential run of pages,
-- several times faster than a row per class for 8 KB rows.
CREATE TABLE embedding (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    class_set_id INTEGER NOT NULL REFERENCES class_set(id) ON DELETE CASCADE,
    method       TEXT NOT NULL,                -- unitsphere, approx-sim, sparse, …
    parameters   TEXT NOT NULL,                -- JSON object: taxonomy, dims, normalize, …
    rows         INTEGER NOT NULL CHECK (rows > 0),
    dims         INTEGER NOT NULL CHECK (dims > 0),
    created_at   TEXT NOT NULL,
    -- Last: reading any column after a large BLOB walks its overflow pages.
    data         BLOB NOT NULL CHECK (length(data) = rows * dims * 8)
);
CREATE INDEX embedding_by_class_set ON embedding (class_set_id);
