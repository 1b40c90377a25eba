-- Schema version 5: API keys for `taxon serve --auth`. Only a SHA-256 of each
-- token is kept (the token is printed once by `taxon keys create`); a key
-- is read, write or admin, optionally bound to one collection (by name:
-- collections come and go, the key's promise is about the name).
CREATE TABLE api_key (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,          -- lowercase hex SHA-256 of the token
    scope       TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    collection  TEXT,                          -- NULL: every collection
    created_at  TEXT NOT NULL,
    revoked_at  TEXT                           -- NULL while the key is valid
);
