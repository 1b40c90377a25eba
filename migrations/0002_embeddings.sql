-- Schema version 2: class embeddings. One row per class of the class set, in
-- class-index order, as little-endian float64 (exactness matters: unitsphere
-- rows reproduce similarities to 1e-12; export converts to float32 on request).
CREATE TABLE embedding (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    class_set_id INTEGER NOT NULL REFERENCES class_set(id) ON DELETE CASCADE,
    method       TEXT NOT NULL,                -- unitsphere, approx-sim, sparse, …
    parameters   TEXT NOT NULL,                -- JSON object: tree, dims, normalize, …
    dims         INTEGER NOT NULL CHECK (dims > 0),
    created_at   TEXT NOT NULL
);
CREATE INDEX embedding_by_class_set ON embedding (class_set_id);

CREATE TABLE embedding_row (
    embedding_id INTEGER NOT NULL REFERENCES embedding(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,             -- class index
    data         BLOB NOT NULL,
    PRIMARY KEY (embedding_id, position)
) WITHOUT ROWID;
