import Foundation
import PostgresNIO
import TaxonModel

/// Class embeddings and mappers: float64 rows in one bytea each, checked as the SQLite store checks them.
extension PostgresStore: EmbeddingStore, MapperStore {
    /// Stores `values` (row-major, class-index order) in one transaction.
    public func writeEmbedding(name: String, classSet: String, method: String, parameters: [String: String], dims: Int,
                               values: [Double], replace: Bool) throws {
        try transaction {
            try insertEmbedding(name: name, classSet: classSet, method: method, parameters: parameters, dims: dims, values: values, replace: replace)
        }
    }

    /// Stores a class set of `concepts` and an embedding of them under one name, in one transaction.
    public func writeClassSetAndEmbedding(name: String, taxonomyID: Int64, source: String, concepts: [Int64], method: String,
                                          parameters: [String: String], dims: Int, values: [Double], replace: Bool) throws {
        try transaction {
            try writeClassSet(name: name, taxonomyID: taxonomyID, source: source, concepts: concepts, replace: replace)
            try insertEmbedding(name: name, classSet: name, method: method, parameters: parameters, dims: dims, values: values, replace: replace)
        }
    }

    private func insertEmbedding(name: String, classSet: String, method: String, parameters: [String: String], dims: Int,
                                 values: [Double], replace: Bool) throws {
        let setID = try requireID(of: .classSet, named: classSet)
        let classes = try session.scalar("SELECT count(*) FROM class_member WHERE class_set_id = \(setID)", as: Int.self) ?? 0
        try EmbeddingError.checkEmbedding(values, classes: classes, dims: dims)
        try claimName(name, kind: .embedding, replace: replace)
        try session.query("""
            INSERT INTO embedding (name, class_set_id, method, parameters, rows, dims, created_at, data)
            VALUES (\(name), \(setID), \(method), \(try Self.json(parameters)), \(classes), \(dims), \(Self.timestamp()), \(Self.bytes(values)))
            """)
    }

    /// Parameters as the SQLite store writes them: JSON with sorted keys.
    static func json(_ parameters: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(parameters), as: UTF8.self)
    }

    /// Every embedding's description (without its rows), by name.
    public func embeddings() throws -> [EmbeddingInfo] {
        try session.query("""
            SELECT e.id, e.name, s.name, e.method, e.parameters, e.dims, e.rows, e.created_at
            FROM embedding e JOIN class_set s ON s.id = e.class_set_id ORDER BY e.name COLLATE "C"
            """).map { row in
            let (id, name, classSet, method, parameters, dims, rows, created) = try row.decode((Int64, String, String, String, String, Int, Int, String).self)
            return EmbeddingInfo(id: id, name: name, classSet: classSet, method: method, parameters: parameters, dims: dims, rows: rows, createdAt: created)
        }
    }

    /// An embedding's description and its rows (row-major, class-index order).
    public func embedding(named name: String) throws -> (info: EmbeddingInfo, values: [Double]) {
        let info = try embeddingInfo(named: name)
        guard let values = try doubles(in: .embedding, id: info.id) else { throw CatalogError.notFound(kind: .embedding, name: name) }
        return (info, values)
    }

    /// The `data` column of row `id` of the embedding or mapper table.
    private func doubles(in kind: CatalogKind, id: Int64) throws -> [Double]? {
        try session.scalar(PostgresQuery(unsafeSQL: "SELECT data FROM \(kind.table) WHERE id = $1", binds: try Self.binds(id)), as: Data.self)
            .map(Self.doubles)
    }

    /// Stores a mapper's weights then bias in one transaction.
    public func writeMapper(name: String, embedding: String, parameters: [String: String], inputs: Int, outputs: Int,
                            values: [Double], replace: Bool) throws {
        try EmbeddingError.checkMapper(values, inputs: inputs, outputs: outputs)
        try transaction {
            let embeddingID = try requireID(of: .embedding, named: embedding)
            try claimName(name, kind: .mapper, replace: replace)
            try session.query("""
                INSERT INTO mapper (name, embedding_id, parameters, inputs, outputs, created_at, data)
                VALUES (\(name), \(embeddingID), \(try Self.json(parameters)), \(inputs), \(outputs), \(Self.timestamp()), \(Self.bytes(values)))
                """)
        }
    }

    /// Every mapper's description (without its values), by name.
    public func mappers() throws -> [MapperInfo] {
        try session.query("""
            SELECT m.id, m.name, e.name, m.parameters, m.inputs, m.outputs, m.created_at
            FROM mapper m JOIN embedding e ON e.id = m.embedding_id ORDER BY m.name COLLATE "C"
            """).map { row in
            let (id, name, embedding, parameters, inputs, outputs, created) = try row.decode((Int64, String, String, String, Int, Int, String).self)
            return MapperInfo(id: id, name: name, embedding: embedding, parameters: parameters, inputs: inputs, outputs: outputs, createdAt: created)
        }
    }

    /// A mapper's description and its weights then bias.
    public func mapper(named name: String) throws -> (info: MapperInfo, values: [Double]) {
        guard let info = try mappers().first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .mapper, name: name) }
        guard let values = try doubles(in: .mapper, id: info.id) else { throw CatalogError.notFound(kind: .mapper, name: name) }
        return (info, values)
    }
}
