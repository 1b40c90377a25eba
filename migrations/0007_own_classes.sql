-- Schema version 7: your own classes and photos (issue #20).

-- A taxonomy extension adds concepts (and hypernym edges into its base) to a
-- base taxonomy without copying or changing it. Readers of an extension see
-- the base's concepts and edges as well as its own.
ALTER TABLE taxonomy ADD COLUMN base_id INTEGER REFERENCES taxonomy(id);

-- The mapper a collection's photos were put into their semantic space with
-- (NULL: the network's own classes projected into the collection's embedding).
ALTER TABLE collection ADD COLUMN mapper_id INTEGER REFERENCES mapper(id) ON DELETE SET NULL;

-- Image features computed once per photo content and network, so a second
-- training run does not run the network again: the L2-normalised global
-- average of the last feature map, float32 little-endian.
CREATE TABLE feature_cache (
    network TEXT NOT NULL,                     -- SHA-256 of the weights file
    sha256  TEXT NOT NULL,                     -- of the photo's bytes
    data    BLOB NOT NULL,
    PRIMARY KEY (network, sha256)
) WITHOUT ROWID;
