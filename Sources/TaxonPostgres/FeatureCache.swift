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

    /// Stores features by photo hash (replacing any of the same network and hash; the last given wins), in one
    /// transaction. Rows are written in hash order: two uploads sharing photos then lock them in the same order
    /// and never deadlock.
    public func cacheFeatures(network: String, _ features: [(sha256: String, feature: [Float])]) throws {
        let byHash = Dictionary(features.map { ($0.sha256, $0.feature) }, uniquingKeysWith: { $1 })
        try session.transaction {
            for (hash, feature) in byHash.sorted(by: { $0.key < $1.key }) {
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
