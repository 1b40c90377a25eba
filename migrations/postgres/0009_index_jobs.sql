-- Schema version 9: indexing shared by several workers (see ../0009_index_jobs.sql).
-- Workers claim pending or lapsed jobs with FOR UPDATE SKIP LOCKED; times come
-- from the database's clock, so machines need not agree on theirs.
CREATE TABLE index_job (
    collection_id bigint NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
    path          text NOT NULL,
    claimed_by    text,
    claimed_until double precision,
    done_by       text,
    PRIMARY KEY (collection_id, path)
);
-- Claims look for work that is not done.
CREATE INDEX index_job_open ON index_job (collection_id, claimed_until) WHERE done_by IS NULL;
