import Foundation
import TaxonModel

extension SQLiteStore {
    /// Stores `values` — weights (outputs × inputs, row-major) then bias (outputs) — in one transaction.
    public func writeMapper(name: String, embedding: String, parameters: [String: String], inputs: Int, outputs: Int,
                            values: [Double], replace: Bool) throws {
        try EmbeddingError.checkMapper(values, inputs: inputs, outputs: outputs)
        try transaction {
            guard let embeddingID = try db.scalarInt("SELECT id FROM embedding WHERE name = ?", [.text(embedding)]) else {
                throw CatalogError.notFound(kind: .embedding, name: embedding)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try claimName(name, kind: .mapper, replace: replace)
            let row = try db.prepare("""
                INSERT INTO mapper (name, embedding_id, parameters, inputs, outputs, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            try row.bind([.text(name), .integer(embeddingID), .text(String(decoding: try encoder.encode(parameters), as: UTF8.self)),
                          .integer(Int64(inputs)), .integer(Int64(outputs)), .text(SQLiteStore.timestamp())])
            try values.withUnsafeBytes { try row.bindBlob($0, at: 7) }
            try row.run()
        }
    }

    /// Every mapper's description (without its values), by name.
    public func mappers() throws -> [MapperInfo] {
        let statement = try db.prepare("""
            SELECT m.id, m.name, e.name, m.parameters, m.inputs, m.outputs, m.created_at
            FROM mapper m JOIN embedding e ON e.id = m.embedding_id ORDER BY m.name
            """)
        var result: [MapperInfo] = []
        while try statement.step() {
            result.append(MapperInfo(id: statement.int64(0), name: statement.text(1), embedding: statement.text(2), parameters: statement.text(3),
                                     inputs: statement.int(4), outputs: statement.int(5), createdAt: statement.text(6)))
        }
        return result
    }

    /// A mapper's description and its weights then bias.
    public func mapper(named name: String) throws -> (info: MapperInfo, values: [Double]) {
        guard let info = try mappers().first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .mapper, name: name) }
        guard let values = try doubles(in: .mapper, id: info.id) else { throw CatalogError.notFound(kind: .mapper, name: name) }
        return (info, values)
    }
}
