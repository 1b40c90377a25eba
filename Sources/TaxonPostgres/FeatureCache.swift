import Foundation
import PostgresNIO
import TaxonModel

extension PostgresStore: FeatureCacheStore {
    /// The cached features of those photo hashes that have one, for one network.
    public func cachedFeatures(network: String, hashes: [String]) throws -> [String: [Float]] {
        var found: [String: [Float]] = [:]
        for row in try session.query("SELECT sha256, data FROM feature_cache WHERE network = \(network) AND sha256 = ANY(\(Array(Set(hashes))))") {
            let (hash, data) = try row.decode((String, Data).self)
            found[hash] = try Self.floats(data)
        }
        return found
    }

    /// Stores features by photo hash (replacing any of the same network and hash), in one transaction.
    public func cacheFeatures(network: String, _ features: [(sha256: String, feature: [Float])]) throws {
        try session.transaction {
            for (hash, feature) in features {
                try session.query("""
                    INSERT INTO feature_cache (network, sha256, data) VALUES (\(network), \(hash), \(Self.bytes(feature)))
                    ON CONFLICT (network, sha256) DO UPDATE SET data = excluded.data
                    """)
            }
        }
    }

    /// Every cached (network, photo hash) pair, sorted.
    public func cachedFeatureKeys() throws -> [(network: String, sha256: String)] {
        try session.query("SELECT network, sha256 FROM feature_cache ORDER BY network COLLATE \"C\", sha256 COLLATE \"C\"").map {
            try $0.decode((String, String).self)
        }
    }
}
