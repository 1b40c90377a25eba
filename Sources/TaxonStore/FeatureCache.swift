import TaxonModel

extension SQLiteStore {
    /// The cached features of those photo hashes that have one, for one network (and feature kind).
    public func cachedFeatures(network: String, hashes: [String]) throws -> [String: [Float]] {
        let statement = try db.prepare("SELECT data FROM feature_cache WHERE network = ? AND sha256 = ?")
        var found: [String: [Float]] = [:]
        for hash in Set(hashes) {
            defer { statement.reset() }
            try statement.bind([.text(network), .text(hash)])
            if try statement.step() { found[hash] = Self.floats(statement.blob(0)) }
        }
        return found
    }

    /// Stores features by photo hash (replacing any of the same network and hash), in one transaction.
    public func cacheFeatures(network: String, _ features: [(sha256: String, feature: [Float])]) throws {
        try transaction {
            let statement = try db.prepare("INSERT OR REPLACE INTO feature_cache (network, sha256, data) VALUES (?, ?, ?)")
            for (hash, feature) in features {
                defer { statement.reset() }
                try statement.bind([.text(network), .text(hash), .blob(Self.bytes(feature))])
                try statement.run()
            }
        }
    }

    /// Every cached (network, photo hash) pair, sorted.
    public func cachedFeatureKeys() throws -> [(network: String, sha256: String)] {
        let statement = try db.prepare("SELECT network, sha256 FROM feature_cache ORDER BY network, sha256")
        var keys: [(network: String, sha256: String)] = []
        while try statement.step() { keys.append((statement.text(0), statement.text(1))) }
        return keys
    }
}
