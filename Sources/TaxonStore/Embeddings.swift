import Foundation

/// A stored class embedding: one row per class of its class set.
public struct EmbeddingInfo: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let classSet: String
    public let method: String
    /// JSON object with the method's parameters (tree, dims, normalize …).
    public let parameters: String
    public let dims: Int
    public let rows: Int
    public let createdAt: String

    /// `parameters`, decoded.
    public func parameterValues() throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(parameters.utf8))
    }
}

public enum EmbeddingError: Error, CustomStringConvertible, Equatable {
    case shape(rows: Int, dims: Int, values: Int, classes: Int)
    case notFinite(row: Int)
    case tooLarge(bytes: Int)

    public var description: String {
        switch self {
        case let .shape(rows, dims, values, classes):
            return "an embedding of \(rows) × \(dims) needs \(rows * dims) values and one row per class (\(classes)); got \(values)"
        case let .notFinite(row): return "row \(row) of the embedding is not finite (NaN or infinity); nothing was stored"
        case let .tooLarge(bytes): return "the embedding takes \(bytes) bytes, over the store's limit of 1e9 for one value; use fewer dimensions (--dims)"
        }
    }
}

extension Store {
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
        guard classes > 0, dims > 0, values.count == classes * dims else {
            throw EmbeddingError.shape(rows: dims > 0 ? values.count / dims : 0, dims: dims, values: values.count, classes: classes)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw EmbeddingError.notFinite(row: bad / dims) }
        guard values.count * 8 <= Self.maxEmbeddingBytes else { throw EmbeddingError.tooLarge(bytes: values.count * 8) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(parameters), as: UTF8.self)
        try claimName(name, kind: .embedding, replace: replace)
        let row = try db.prepare("""
            INSERT INTO embedding (name, class_set_id, method, parameters, rows, dims, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try row.bind([.text(name), .integer(setID), .text(method), .text(json), .integer(Int64(classes)), .integer(Int64(dims)),
                      .text(Store.timestamp())])
        try values.withUnsafeBytes { try row.bindBlob($0, at: 8) }
        try row.run()
    }

    /// Refuses a name that is taken (unless `replace`) or invalid, before long work starts.
    public func checkNameIsFree(_ name: String, kind: CatalogKind, replace: Bool) throws {
        try validateName(name, kind: kind)
        if !replace, try contains(kind, named: name) { throw CatalogError.exists(kind: kind, name: name) }
    }

    /// SQLite's default limit on one value is 1e9 bytes.
    static let maxEmbeddingBytes = 1_000_000_000

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

    /// An embedding's description alone.
    public func embeddingInfo(named name: String) throws -> EmbeddingInfo {
        guard let info = try embeddings().first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .embedding, name: name) }
        return info
    }

    /// An embedding's description and its rows (row-major, class-index order).
    public func embedding(named name: String) throws -> (info: EmbeddingInfo, values: [Double]) {
        let info = try embeddingInfo(named: name)
        guard let values = try doubles(in: .embedding, id: info.id) else { throw CatalogError.notFound(kind: .embedding, name: name) }
        return (info, values)
    }

    /// An embedding's rows keyed by their class's key (wnid), for lookups by class rather than by position.
    public func embeddingRowsByKey(named name: String) throws -> (info: EmbeddingInfo, rows: [String: [Double]]) {
        let (info, values) = try embedding(named: name)
        var rows: [String: [Double]] = [:]
        for (index, member) in try classMembers(of: info.classSet).enumerated() where rows[member.key] == nil {
            rows[member.key] = Array(values[(index * info.dims)..<((index + 1) * info.dims)])
        }
        return (info, rows)
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
