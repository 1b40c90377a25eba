import PostgresNIO
import TaxonModel

extension PostgresStore: KeyStore {
    /// Every key, revoked ones too, by name.
    public func apiKeys() throws -> [APIKey] {
        try session.query("SELECT id, name, token_hash, scope, collection, created_at, revoked_at FROM api_key ORDER BY name").map { row in
            let (id, name, hash, scope, collection, created, revoked) = try row.decode((Int64, String, String, String, String?, String, String?).self)
            return APIKey(id: id, name: name, tokenHash: hash, scope: KeyScope(rawValue: scope) ?? .read, collection: collection,
                          createdAt: created, revokedAt: revoked)
        }
    }

    /// Stores a new key (its name must be valid and free).
    public func insertAPIKey(name: String, tokenHash: String, scope: KeyScope, collection: String?) throws -> APIKey {
        guard isValidName(name) else { throw KeyError.invalidName(name) }
        let inserted = try session.query("""
            INSERT INTO api_key (name, token_hash, scope, collection, created_at)
            VALUES (\(name), \(tokenHash), \(scope.rawValue), \(collection), \(Self.timestamp()))
            ON CONFLICT (name) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { throw KeyError.exists(name) }
        guard let key = try apiKeys().first(where: { $0.name == name }) else { throw KeyError.notFound(name) }
        return key
    }

    /// Marks the key revoked; revoking twice keeps the first time.
    public func revokeAPIKey(named name: String) throws -> APIKey {
        try session.query("UPDATE api_key SET revoked_at = \(Self.timestamp()) WHERE name = \(name) AND revoked_at IS NULL")
        guard let key = try apiKeys().first(where: { $0.name == name }) else { throw KeyError.notFound(name) }
        return key
    }

    /// Stores a key copied from another store as it was there (its times too); its name must be free.
    public func restoreAPIKey(_ key: APIKey) throws {
        let inserted = try session.query("""
            INSERT INTO api_key (name, token_hash, scope, collection, created_at, revoked_at)
            VALUES (\(key.name), \(key.tokenHash), \(key.scope.rawValue), \(key.collection), \(key.createdAt), \(key.revokedAt))
            ON CONFLICT (name) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { throw KeyError.exists(key.name) }
    }
}
