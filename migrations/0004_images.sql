-- Schema version 4: image collections (taxon index) for semantic image search.
-- One row per indexed file; vectors are little-endian float32 BLOBs (search
-- works in float32), each L2-normalised. top_classes keeps the network's ten
-- most probable classes, so that the semantic vectors can be recomputed for
-- another embedding of the same classes without running the network again.
CREATE TABLE collection (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    root         TEXT NOT NULL,                -- the indexed folder, absolute
    descriptor   TEXT NOT NULL,                -- gap, gem, mac or rmac
    embedding_id INTEGER REFERENCES embedding(id) ON DELETE SET NULL,
    generation   INTEGER NOT NULL DEFAULT 0,   -- bumped by every change: readers reload when it moves
    created_at   TEXT NOT NULL
);
CREATE INDEX collection_by_embedding ON collection (embedding_id);

CREATE TABLE image (
    id            INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,               -- relative to the collection's root
    sha256        TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    top_classes   TEXT NOT NULL,               -- JSON [[wnid, probability], …], most probable first
    descriptor    BLOB NOT NULL,
    embedding     BLOB,                        -- NULL while the collection has no embedding
    UNIQUE (collection_id, path)
);
