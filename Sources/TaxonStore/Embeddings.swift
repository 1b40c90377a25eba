import Foundation
import TaxonModel

extension SQLiteStore {
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

    /// The insert itself; the caller holds the transaction.
    private func insertEmbedding(name: String, classSet: String, method: String, parameters: [String: String], dims: Int,
                                 values: [Double], replace: Bool) throws {
        guard let setID = try db.scalarInt("SELECT id FROM class_set WHERE name = ?", [.text(classSet)]) else {
            throw CatalogError.notFound(kind: .classSet, name: classSet)
        }
        let classes = Int(try db.scalarInt("SELECT count(*) FROM class_member WHERE class_set_id = ?", [.integer(setID)]) ?? 0)
        try EmbeddingError.checkEmbedding(values, classes: classes, dims: dims)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(parameters), as: UTF8.self)
        try claimName(name, kind: .embedding, replace: replace)
        let row = try db.prepare("""
            INSERT INTO embedding (name, class_set_id, method, parameters, rows, dims, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try row.bind([.text(name), .integer(setID), .text(method), .text(json), .integer(Int64(classes)), .integer(Int64(dims)),
                      .text(SQLiteStore.timestamp())])
        try values.withUnsafeBytes { try row.bindBlob($0, at: 8) }
        try row.run()
    }

    /// Every embedding's description (without its rows), by name.
    public func embeddings() throws -> [EmbeddingInfo] {
        let statement = try db.prepare("""
            SELECT e.id, e.name, s.name, e.method, e.parameters, e.dims, e.rows, e.created_at
            FROM embedding e JOIN class_set s ON s.id = e.class_set_id ORDER BY e.name
            """)
        var result: [EmbeddingInfo] = []
        while try statement.step() {
            result.append(EmbeddingInfo(
                id: statement.int64(0), name: statement.text(1), classSet: statement.text(2), method: statement.text(3),
                parameters: statement.text(4), dims: statement.int(5), rows: statement.int(6), createdAt: statement.text(7)))
        }
        return result
    }

    /// An embedding's description and its rows (row-major, class-index order).
    public func embedding(named name: String) throws -> (info: EmbeddingInfo, values: [Double]) {
        let info = try embeddingInfo(named: name)
        guard let values = try doubles(in: .embedding, id: info.id) else { throw CatalogError.notFound(kind: .embedding, name: name) }
        return (info, values)
    }

    /// The `data` column — little-endian float64 values — of row `id` of an embedding or mapper table.
    func doubles(in kind: CatalogKind, id: Int64) throws -> [Double]? {
        let statement = try db.prepare("SELECT data FROM \(kind.table) WHERE id = ?")
        try statement.bind(id, at: 1)
        guard try statement.step() else { return nil }
        return statement.blob(0).withUnsafeBytes { raw in
            (0..<raw.count / 8).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }
}
