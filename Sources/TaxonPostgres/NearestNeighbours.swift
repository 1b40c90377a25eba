import Foundation
import PostgresNIO
import TaxonModel

/// Search inside the database: pgvector HNSW indexes, one per collection and vector, and filters that join
/// the concept closure. A collection fixes its vectors' dimension but the columns do not, so each index is a
/// partial expression index — `(descriptor::vector(D))` over `collection_id = C` — and a scan repeats that
/// expression. The vectors are unit length, so inner product orders them as cosine does, at less cost.
extension PostgresStore: DatabaseSearchStore {
    /// pgvector's limits: at most 2,000 dimensions for `vector`, m in 2…100, ef_construction in 4…1,000 and at least 2m.
    static let maxIndexedDims = 2_000

    /// The index's name: the vector and the collection id (numbers and a fixed word, never a user's text).
    static func indexName(_ vector: IndexedVector, collection id: Int64) -> String { "image_hnsw_\(vector.rawValue)_\(id)" }

    /// The collection's HNSW indexes, read from the catalog (dimension from the definition, m and ef_construction from its options).
    public func nearestNeighbourIndexes(ofCollection id: Int64) throws -> [NearestNeighbourIndex] {
        let names = IndexedVector.allCases.map { Self.indexName($0, collection: id) }
        return try session.query("""
            SELECT relname::text, coalesce(reloptions, '{}'), pg_get_indexdef(oid) FROM pg_class
            WHERE relkind = 'i' AND relname = ANY(\(names)) ORDER BY relname
            """).map { row in
            let (name, options, definition) = try row.decode((String, [String], String).self)
            let vector = IndexedVector.allCases.first { Self.indexName($0, collection: id) == name }!
            let settings = Dictionary(options.compactMap { option -> (String, Int)? in
                let parts = option.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? Int(parts[1]).map { (String(parts[0]), $0) } : nil
            }, uniquingKeysWith: { first, _ in first })
            guard let dims = definition.firstMatch(of: /::vector\((\d+)\)/).flatMap({ Int($0.1) }) else {
                throw PostgresStoreError.corrupt("index \(name) has no vector dimension in \(definition)")
            }
            // pgvector's defaults when an option is not given.
            return NearestNeighbourIndex(vector: vector, dims: dims, m: settings["m"] ?? 16, efConstruction: settings["ef_construction"] ?? 64)
        }
    }

    /// Builds the index in one transaction, replacing one built before; writes to `image` wait meanwhile, reads go on.
    public func buildNearestNeighbourIndex(of collection: CollectionInfo, on vector: IndexedVector, m: Int, efConstruction: Int,
                                           memoryMB: Int) throws -> NearestNeighbourIndex {
        guard (2...100).contains(m) else { throw DatabaseSearchError.badParameter("m must lie in 2...100, got \(m)") }
        guard (4...1_000).contains(efConstruction), efConstruction >= 2 * m else {
            throw DatabaseSearchError.badParameter("ef_construction must lie in 4...1000 and be at least 2·m (\(2 * m)), got \(efConstruction)")
        }
        return try transaction {
            let column = vector.rawValue
            guard let dims = try session.scalar(PostgresQuery(unsafeSQL: """
                SELECT vector_dims(\(column)) FROM image WHERE collection_id = $1 AND \(column) IS NOT NULL LIMIT 1
                """, binds: try Self.binds(collection.id)), as: Int.self) else {
                throw DatabaseSearchError.nothingToIndex(collection: collection.name, vector: column)
            }
            guard dims <= Self.maxIndexedDims else {
                throw DatabaseSearchError.badParameter("the \(column)s have \(dims) dimensions; HNSW indexes take at most \(Self.maxIndexedDims)")
            }
            try dropIndexes(ofCollection: collection.id, only: vector)
            guard (64...1_048_576).contains(memoryMB) else { throw DatabaseSearchError.badParameter("the build's memory must lie in 64...1048576 MB, got \(memoryMB)") }
            try session.query("SELECT set_config('maintenance_work_mem', \("\(memoryMB)MB"), true)")
            // Every interpolated value is a number or a fixed word; PostgreSQL takes no parameters in DDL.
            try session.query(PostgresQuery(unsafeSQL: """
                CREATE INDEX \(Self.indexName(vector, collection: collection.id)) ON image
                USING hnsw ((\(column)::vector(\(dims))) vector_ip_ops) WITH (m = \(m), ef_construction = \(efConstruction))
                WHERE collection_id = \(collection.id)
                """))
            return NearestNeighbourIndex(vector: vector, dims: dims, m: m, efConstruction: efConstruction)
        }
    }

    /// Drops both of the collection's indexes.
    public func dropNearestNeighbourIndexes(of collection: CollectionInfo) throws {
        try transaction { try dropIndexes(ofCollection: collection.id) }
    }

    /// Drops the collection's indexes (one vector's only, when given): with the collection, or when its vectors change dimension.
    func dropIndexes(ofCollection id: Int64, only vector: IndexedVector? = nil) throws {
        for vector in vector.map({ [$0] }) ?? IndexedVector.allCases {
            try session.query(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(Self.indexName(vector, collection: id))"))
        }
    }

    /// Whether any closure row of the embedding is stored (they are written in one transaction).
    public func hasConceptClosure(embedding: String) throws -> Bool {
        try session.scalar("""
            SELECT EXISTS (SELECT 1 FROM concept_closure WHERE embedding_id = (SELECT id FROM embedding WHERE name = \(embedding)))
            """, as: Bool.self) ?? false
    }

    /// Writes the pairs in batches, in one transaction; pairs already there are left.
    public func storeConceptClosure(embedding: String, pairs: [(ancestor: String, concept: String)]) throws {
        try transaction {
            let id = try requireID(of: .embedding, named: embedding)
            var batch = RowBatch(table: "concept_closure", columns: ["embedding_id", "ancestor_key", "concept_key"], onConflict: "DO NOTHING")
            for pair in pairs {
                if batch.isFull { try batch.flush(session) }
                try batch.add([id, pair.ancestor, pair.concept])
            }
            try batch.flush(session)
        }
    }

    /// One HNSW scan in a transaction of its own, whose settings (ef_search, iterative scan) end with it. Exact
    /// scans order by the column itself, which no index holds: the filters' indexes find the rows.
    public func nearestImages(in collection: CollectionInfo, on vector: IndexedVector, to query: [Float], k: Int, efSearch: Int,
                              filter: ImageFilter, exact: Bool) throws -> [Int64] {
        guard k > 0 else { return [] }
        let maxEF = NearestNeighbourIndex.maxEFSearch
        guard (1...maxEF).contains(efSearch) else { throw DatabaseSearchError.badParameter("ef_search must lie in 1...\(maxEF), got \(efSearch)") }
        var binds = try Self.binds(collection.id, PGVector(query), k)
        let filters = try Self.filterClauses(filter, &binds)
        return try transaction {
            // A filtered scan goes on past ef_search until k rows pass (or hnsw.max_scan_tuples is reached);
            // relaxed order, as the caller re-ranks exactly anyway.
            try session.query("""
                SELECT set_config('hnsw.ef_search', \(String(efSearch)), true), set_config('hnsw.iterative_scan', 'relaxed_order', true)
                """)
            return try session.query(PostgresQuery(unsafeSQL: """
                SELECT id FROM image WHERE collection_id = $1\(filters)
                ORDER BY \(vector.rawValue)\(exact ? "" : "::vector(\(query.count))") <#> $2 LIMIT $3
                """, binds: binds)).map { try $0.decode(Int64.self) }
        }
    }

    /// Counts with the same conditions as the scans (the concept index serves the concept filters).
    public func countImages(in collection: CollectionInfo, filter: ImageFilter) throws -> Int {
        var binds = try Self.binds(collection.id)
        let filters = try Self.filterClauses(filter, &binds)
        return try session.scalar(PostgresQuery(unsafeSQL: "SELECT count(*) FROM image WHERE collection_id = $1\(filters)", binds: binds), as: Int.self) ?? 0
    }

    /// The candidates' records, vectors included.
    public func images(in collection: CollectionInfo, ids: [Int64]) throws -> [ImageRecord] {
        guard !ids.isEmpty else { return [] }
        return try images(PostgresQuery(unsafeSQL: """
            SELECT \(Self.imageColumns(vectors: true)) FROM image WHERE collection_id = $1 AND id = ANY($2) ORDER BY id
            """, binds: try Self.binds(collection.id, Array(Set(ids)))), vectors: true)
    }

    /// The filter as conditions (each starting " AND "), its values appended to `binds`.
    static func filterClauses(_ filter: ImageFilter, _ binds: inout PostgresBindings) throws -> String {
        func bind(_ value: some PostgresThrowingDynamicTypeEncodable) throws -> String {
            try binds.append(value)
            return "$\(binds.count)"
        }
        var clauses: [String] = []
        if filter.filtersConcepts {
            guard let embedding = filter.embedding else {
                throw DatabaseSearchError.badParameter("concept filters need the collection's embedding and its hierarchy")
            }
            let closure = "SELECT concept_key FROM concept_closure WHERE embedding_id = (SELECT id FROM embedding WHERE name = \(try bind(embedding)))"
            // An image whose concept is outside the hierarchy passes no concept filter, as in memory.
            clauses.append(filter.within.isEmpty ? "concept_key IN (\(closure))" : "concept_key IN (\(closure) AND ancestor_key = ANY(\(try bind(filter.within))))")
            if !filter.exclude.isEmpty { clauses.append("concept_key NOT IN (\(closure) AND ancestor_key = ANY(\(try bind(filter.exclude))))") }
            if let concepts = filter.concepts { clauses.append("concept_key = ANY(\(try bind(concepts)))") }
        }
        if !filter.tags.isEmpty {
            let tags = String(decoding: try JSONEncoder().encode(filter.tags), as: UTF8.self)
            clauses.append("tags::jsonb @> \(try bind(tags))::jsonb")
        }
        if !filter.excludedIDs.isEmpty { clauses.append("id <> ALL(\(try bind(filter.excludedIDs)))") }
        if let ids = filter.ids { clauses.append("id = ANY(\(try bind(ids)))") }
        return clauses.map { " AND " + $0 }.joined()
    }
}
