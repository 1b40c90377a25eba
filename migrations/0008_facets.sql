-- Schema version 8: facets beyond objects (issue #22). Each photo's style
-- descriptor (the upper triangle of a Gram matrix of the network's fourth
-- stage, before any PCA) and colour composition (CIELAB histograms), both
-- little-endian float16 BLOBs; NULL for photos indexed before version 8, which
-- the next `taxon index` of their folder analyses again.
ALTER TABLE image ADD COLUMN style BLOB;
ALTER TABLE image ADD COLUMN colour BLOB;

-- The PCA that shrinks a collection's style descriptors, learned on its own
-- photos (no labels) and learned again as the collection doubles. mean and
-- components (dims × inputs, row-major) are float32 BLOBs.
CREATE TABLE style_projection (
    collection_id INTEGER PRIMARY KEY REFERENCES collection(id) ON DELETE CASCADE,
    photos        INTEGER NOT NULL,            -- how many photos it was learned on
    dims          INTEGER NOT NULL,
    inputs        INTEGER NOT NULL,
    mean          BLOB NOT NULL,
    components    BLOB NOT NULL
);
