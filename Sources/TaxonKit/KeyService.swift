import Foundation
import TaxonModel
import TaxonSearch

/// API keys: made, listed and revoked here; the store keeps only each token's SHA-256.
public struct KeyService {
    public let store: any Store
    /// A service over one store connection.
    public init(store: any Store) { self.store = store }

    /// A new key and its token, which nobody can see again: print it once.
    /// `collection` binds the key to one collection (it must exist).
    public func create(name: String, scope: KeyScope, collection: String?) throws -> (key: APIKey, token: String) {
        if let collection { _ = try store.collection(named: collection) }
        let token = Self.newToken()
        return (try store.insertAPIKey(name: name, tokenHash: KeyRing.hash(token), scope: scope, collection: collection), token)
    }

    /// Every key, revoked ones too (their hashes, never tokens).
    public func list() throws -> [APIKey] { try store.apiKeys() }

    /// Revokes the key: a server refuses it within a second.
    public func revoke(name: String) throws -> APIKey { try store.revokeAPIKey(named: name) }

    /// "taxon_" and 32 bytes from the system's CSPRNG, base64url without padding (43 characters).
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "taxon_" + text.replacingOccurrences(of: "=", with: "")
    }
}

/// The valid keys in memory, for checking a request's bearer token.
public struct KeyRing: Sendable {
    let keys: [APIKey]

    /// The keys not revoked.
    public init(_ keys: [APIKey]) { self.keys = keys.filter { $0.revokedAt == nil } }

    /// The key whose token this is, nil for none. Every stored hash is compared in full, in constant time.
    public func key(for token: String) -> APIKey? {
        let digest = Array(Self.hash(token).utf8)
        var found: APIKey?
        for key in keys {
            let stored = Array(key.tokenHash.utf8)
            guard stored.count == digest.count else { continue }
            var difference: UInt8 = 0
            for i in 0..<digest.count { difference |= stored[i] ^ digest[i] }
            if difference == 0 { found = key }
        }
        return found
    }

    /// Lowercase hex SHA-256 of the token, as the store keeps it.
    public static func hash(_ token: String) -> String { ContentHash.sha256(Data(token.utf8)) }
}
