import Foundation
import TaxonModel

extension SQLiteStore {
    /// Every key, revoked ones too, by name.
    public func apiKeys() throws -> [APIKey] {
        let statement = try db.prepare("SELECT id, name, token_hash, scope, collection, created_at, revoked_at FROM api_key ORDER BY name")
        var keys: [APIKey] = []
        while try statement.step() {
            keys.append(APIKey(id: statement.int64(0), name: statement.text(1), tokenHash: statement.text(2),
                               scope: KeyScope(rawValue: statement.text(3)) ?? .read, collection: statement.optionalText(4),
                               createdAt: statement.text(5), revokedAt: statement.optionalText(6)))
        }
        return keys
    }

    /// Stores a new key (its name must be valid and free).
    public func insertAPIKey(name: String, tokenHash: String, scope: KeyScope, collection: String?) throws -> APIKey {
        guard isValidName(name) else { throw KeyError.invalidName(name) }
        try transaction {
            if try db.scalarInt("SELECT id FROM api_key WHERE name = ?", [.text(name)]) != nil { throw KeyError.exists(name) }
            let insert = try db.prepare("INSERT INTO api_key (name, token_hash, scope, collection, created_at) VALUES (?, ?, ?, ?, ?)")
            try insert.bind([.text(name), .text(tokenHash), .text(scope.rawValue), collection.map { .text($0) } ?? .null, .text(SQLiteStore.timestamp())])
            try insert.run()
        }
        guard let key = try apiKeys().first(where: { $0.name == name }) else { throw KeyError.notFound(name) }
        return key
    }

    /// Marks the key revoked; revoking twice keeps the first time.
    public func revokeAPIKey(named name: String) throws -> APIKey {
        try transaction {
            guard try db.scalarInt("SELECT id FROM api_key WHERE name = ?", [.text(name)]) != nil else { throw KeyError.notFound(name) }
            let update = try db.prepare("UPDATE api_key SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL")
            try update.bind([.text(SQLiteStore.timestamp()), .text(name)])
            try update.run()
        }
        guard let key = try apiKeys().first(where: { $0.name == name }) else { throw KeyError.notFound(name) }
        return key
    }

    /// Stores a key copied from another store as it was there (its times too); its name must be free.
    public func restoreAPIKey(_ key: APIKey) throws {
        try transaction {
            if try db.scalarInt("SELECT id FROM api_key WHERE name = ?", [.text(key.name)]) != nil { throw KeyError.exists(key.name) }
            let insert = try db.prepare("INSERT INTO api_key (name, token_hash, scope, collection, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)")
            try insert.bind([.text(key.name), .text(key.tokenHash), .text(key.scope.rawValue), key.collection.map { .text($0) } ?? .null,
                             .text(key.createdAt), key.revokedAt.map { .text($0) } ?? .null])
            try insert.run()
        }
    }
}
