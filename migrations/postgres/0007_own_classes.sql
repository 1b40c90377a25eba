-- Schema version 7: taxonomy extensions, a collection's mapper, the feature cache (see ../0007_own_classes.sql).
ALTER TABLE taxonomy ADD COLUMN base_id bigint REFERENCES taxonomy(id);
ALTER TABLE collection ADD COLUMN mapper_id bigint REFERENCES mapper(id) ON DELETE SET NULL;
CREATE TABLE feature_cache (
    network text NOT NULL,
    sha256  text NOT NULL,
    data    bytea NOT NULL,
    PRIMARY KEY (network, sha256)
);
