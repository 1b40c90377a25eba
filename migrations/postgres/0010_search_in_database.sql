-- Schema version 10: search inside the database (see ../0010_search_in_database.sql).
-- An image's concept, as search filters take it: its given label, else its
-- most probable class. Stored, so counts and filters by concept use an index.
ALTER TABLE image ADD COLUMN concept_key text
    GENERATED ALWAYS AS (coalesce(label, (top_classes::jsonb -> 0) ->> 'wnid')) STORED;
CREATE INDEX image_by_concept ON image (collection_id, concept_key);

-- The closure of an embedding's concept hierarchy (the one its classes induce
-- in its taxonomy): one row per concept and each of its ancestors, itself
-- included. `within` and `exclude` filters are joins on it. Written by the
-- library from the hierarchy it builds, the first time a collection on the
-- embedding is searched in the database.
CREATE TABLE concept_closure (
    embedding_id bigint NOT NULL REFERENCES embedding(id) ON DELETE CASCADE,
    ancestor_key text NOT NULL,
    concept_key  text NOT NULL,
    PRIMARY KEY (embedding_id, ancestor_key, concept_key)
);

-- HNSW indexes are made per collection by `taxon ann build`, as partial
-- expression indexes (a collection fixes its vectors' dimension, the column
-- does not): image_hnsw_<descriptor|embedding>_<collection id>.
