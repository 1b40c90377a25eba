-- Taxon store, schema version 1: taxonomies, concepts, lemmas, typed edges,
-- ordered class sets and word vectors. Later migrations add embeddings,
-- images and features; nothing here is renamed once released.

-- One imported taxonomy: a WordNet (dict files or WN-LMF) or a hierarchy file.
CREATE TABLE taxonomy (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('wordnet', 'lmf', 'hierarchy')),
    source      TEXT NOT NULL,                -- file or directory it was read from
    imported_at TEXT NOT NULL                 -- ISO 8601, UTC
);

-- A node of a taxonomy. `key` is stable across imports of the same source:
-- part-of-speech letter + 8-digit offset for WordNet (n02084071 = ImageNet wnid),
-- the id as written for hierarchy files.
CREATE TABLE concept (
    id          INTEGER PRIMARY KEY,
    taxonomy_id INTEGER NOT NULL REFERENCES taxonomy(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    name        TEXT,                         -- NLTK-style dog.n.01, or the hierarchy's name (looked up through lemma)
    pos         TEXT,                         -- n v a s r; NULL for hierarchy files
    lexname     TEXT,                         -- noun.animal …; NULL where unknown
    gloss       TEXT,
    UNIQUE (taxonomy_id, key)
);

-- The words of a concept in their order, with the sense number the index files
-- give the concept under that word (1 = most frequent), as NLTK numbers names.
CREATE TABLE lemma (
    concept_id   INTEGER NOT NULL REFERENCES concept(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,            -- 1-based order within the concept
    taxonomy_id  INTEGER NOT NULL,            -- denormalised for the lookup index
    word         TEXT NOT NULL,               -- as written: Canis_familiaris
    folded       TEXT NOT NULL,               -- lower-cased, spaces as '_': lookup key
    sense_number INTEGER,
    PRIMARY KEY (concept_id, position)
) WITHOUT ROWID;
CREATE INDEX lemma_lookup ON lemma (taxonomy_id, folded, sense_number);

-- A typed, directed edge between two concepts of one taxonomy. Relations use the
-- WN-LMF names (hypernym, instance_hypernym, hyponym, mero_part, antonym …).
-- Lexical relations (between two words rather than two concepts) carry the
-- 1-based positions of both words; semantic ones carry 0.
CREATE TABLE edge (
    source_id   INTEGER NOT NULL REFERENCES concept(id) ON DELETE CASCADE,
    relation    TEXT NOT NULL,
    target_id   INTEGER NOT NULL REFERENCES concept(id) ON DELETE CASCADE,
    source_word INTEGER NOT NULL DEFAULT 0,
    target_word INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source_id, relation, target_id, source_word, target_word)
) WITHOUT ROWID;
CREATE INDEX edge_by_target ON edge (target_id, relation);

-- An ordered list of concepts of one taxonomy (ILSVRC-2012's 1,000 classes …).
CREATE TABLE class_set (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    taxonomy_id INTEGER NOT NULL REFERENCES taxonomy(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE class_member (
    class_set_id INTEGER NOT NULL REFERENCES class_set(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,            -- 0-based class index
    concept_id   INTEGER NOT NULL REFERENCES concept(id) ON DELETE CASCADE,
    PRIMARY KEY (class_set_id, position),
    UNIQUE (class_set_id, concept_id)
) WITHOUT ROWID;
CREATE INDEX class_member_by_concept ON class_member (concept_id);

-- Word vectors: one set per imported file, one float32 little-endian BLOB per token.
CREATE TABLE vector_set (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    dims        INTEGER NOT NULL CHECK (dims > 0),
    count       INTEGER NOT NULL,
    format      TEXT NOT NULL,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE vector (
    vector_set_id INTEGER NOT NULL REFERENCES vector_set(id) ON DELETE CASCADE,
    token         TEXT NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (vector_set_id, token)
) WITHOUT ROWID;
