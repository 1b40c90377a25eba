-- Schema version 8: style and colour facets (see ../0008_facets.sql). Both are
-- half precision, as in SQLite: `halfvec`, which also takes the style
-- triangle's 3,240 values (`vector` indexes stop at 2,000 dimensions).
ALTER TABLE image ADD COLUMN style halfvec;
ALTER TABLE image ADD COLUMN colour halfvec;
CREATE TABLE style_projection (
    collection_id bigint PRIMARY KEY REFERENCES collection(id) ON DELETE CASCADE,
    photos        integer NOT NULL,
    dims          integer NOT NULL,
    inputs        integer NOT NULL,
    mean          bytea NOT NULL,
    components    bytea NOT NULL
);
