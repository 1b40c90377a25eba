-- Schema version 3: learned image-to-embedding mappers (taxon train-mapper).
-- A linear map from the CNN's pooled 1280-channel feature to the space of one
-- class embedding: weights (outputs × inputs) then bias (outputs), row-major,
-- little-endian float64, in one BLOB.
CREATE TABLE mapper (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    embedding_id INTEGER NOT NULL REFERENCES embedding(id) ON DELETE CASCADE,
    parameters   TEXT NOT NULL,                -- JSON object: epochs, learning_rate, images, loss, …
    inputs       INTEGER NOT NULL CHECK (inputs > 0),
    outputs      INTEGER NOT NULL CHECK (outputs > 0),
    created_at   TEXT NOT NULL,
    data         BLOB NOT NULL CHECK (length(data) = (inputs + 1) * outputs * 8)
);
CREATE INDEX mapper_by_embedding ON mapper (embedding_id);
