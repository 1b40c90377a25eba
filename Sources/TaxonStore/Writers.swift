/// Bulk writers used by the importers. Each must be used inside
/// `Store.transaction`, so that a failed import leaves the store unchanged.

/// The named things the store holds; their names are unique within each kind.
public enum CatalogKind: String, Sendable {
    case taxonomy = "taxonomy"
    case classSet = "class set"
    case vectorSet = "vector set"
    case embedding = "embedding"
    case mapper = "mapper"
    case collection = "collection"

    /// Our own table name: safe to put into SQL text.
    var table: String {
        switch self {
        case .taxonomy: return "taxonomy"
        case .classSet: return "class_set"
        case .vectorSet: return "vector_set"
        case .embedding: return "embedding"
        case .mapper: return "mapper"
        case .collection: return "collection"
        }
    }
}

public enum CatalogError: Error, CustomStringConvertible {
    case exists(kind: CatalogKind, name: String)
    case notFound(kind: CatalogKind, name: String)
    case invalidName(kind: CatalogKind, name: String)

    public var description: String {
        switch self {
        case let .exists(kind, name): return "a \(kind.rawValue) named '\(name)' already exists (pass --replace to import it again)"
        case let .notFound(kind, name): return "no \(kind.rawValue) named '\(name)' in the store"
        case let .invalidName(kind, name): return "'\(name)' is not a valid \(kind.rawValue) name (use letters, digits, '.', '_' or '-', at most 100)"
        }
    }
}

/// Names of taxonomies, class sets and vector sets: they end up in URLs and file names.
func validateName(_ name: String, kind: CatalogKind) throws {
    let allowed = name.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
    guard allowed, !name.isEmpty, name.utf8.count <= 100 else { throw CatalogError.invalidName(kind: kind, name: name) }
}

extension Store {
    /// True when a taxonomy, class set or vector set of that name exists.
    public func contains(_ kind: CatalogKind, named name: String) throws -> Bool {
        try db.scalarInt("SELECT id FROM \(kind.table) WHERE name = ?", [.text(name)]) != nil
    }

    /// Deletes the entry of `kind` named `name` with everything that depends on
    /// it, or throws if it exists and `replace` is false.
    func claimName(_ name: String, kind: CatalogKind, replace: Bool) throws {
        try validateName(name, kind: kind)
        guard let id = try db.scalarInt("SELECT id FROM \(kind.table) WHERE name = ?", [.text(name)]) else { return }
        guard replace else { throw CatalogError.exists(kind: kind, name: name) }
        // Dependants first, explicitly: imports run with foreign-key cascades off.
        let classSets: String
        switch kind {
        case .taxonomy: classSets = "SELECT id FROM class_set WHERE taxonomy_id = \(id)"
        case .classSet: classSets = "\(id)"
        case .vectorSet, .embedding, .mapper, .collection: classSets = "NULL"
        }
        let embeddings = kind == .embedding ? "\(id)" : "SELECT id FROM embedding WHERE class_set_id IN (\(classSets))"
        // A collection outlives its embedding: its semantic vectors go, its images stay.
        try db.execute("""
            UPDATE image SET embedding = NULL WHERE collection_id IN (SELECT id FROM collection WHERE embedding_id IN (\(embeddings)));
            UPDATE collection SET embedding_id = NULL, generation = generation + 1 WHERE embedding_id IN (\(embeddings));
            DELETE FROM mapper WHERE embedding_id IN (\(embeddings));
            DELETE FROM embedding WHERE class_set_id IN (\(classSets));
            DELETE FROM class_member WHERE class_set_id IN (\(classSets));
            """)
        switch kind {
        case .taxonomy:
            try db.execute("""
                DELETE FROM class_set WHERE taxonomy_id = \(id);
                DELETE FROM edge WHERE source_id IN (SELECT id FROM concept WHERE taxonomy_id = \(id));
                DELETE FROM lemma WHERE taxonomy_id = \(id);
                DELETE FROM concept WHERE taxonomy_id = \(id);
                """)
        case .classSet: break
        case .vectorSet: try db.execute("DELETE FROM vector WHERE vector_set_id = \(id)")
        case .collection: try db.execute("DELETE FROM image WHERE collection_id = \(id)")
        case .embedding, .mapper: break
        }
        try db.execute("DELETE FROM \(kind.table) WHERE id = \(id)")
    }
}

/// Writes one taxonomy: its row, then concepts, lemmas and edges.
public final class TaxonomyWriter {
    public let taxonomyID: Int64
    private let db: Database
    private let insertConcept: Statement
    private let insertLemma: Statement
    private let insertEdge: Statement

    public init(store: Store, name: String, kind: String, source: String, replace: Bool) throws {
        db = store.db
        try store.claimName(name, kind: .taxonomy, replace: replace)
        let row = try db.prepare("INSERT INTO taxonomy (name, kind, source, imported_at) VALUES (?, ?, ?, ?)")
        try row.bind([.text(name), .text(kind), .text(source), .text(Store.timestamp())])
        try row.run()
        taxonomyID = db.lastInsertRowID
        insertConcept = try db.prepare(
            "INSERT INTO concept (taxonomy_id, key, name, pos, lexname, gloss) VALUES (?, ?, ?, ?, ?, ?)")
        insertLemma = try db.prepare(
            "INSERT INTO lemma (concept_id, position, taxonomy_id, word, folded, sense_number) VALUES (?, ?, ?, ?, ?, ?)")
        insertEdge = try db.prepare(
            "INSERT OR IGNORE INTO edge (source_id, relation, target_id, source_word, target_word) VALUES (?, ?, ?, ?, ?)")
    }

    /// Adds a concept and returns its id.
    public func addConcept(key: String, name: String?, pos: String?, lexname: String?, gloss: String?) throws -> Int64 {
        try insertConcept.bind(taxonomyID, at: 1)
        try insertConcept.bind(key, at: 2)
        try insertConcept.bind(name, at: 3)
        try insertConcept.bind(pos, at: 4)
        try insertConcept.bind(lexname, at: 5)
        try insertConcept.bind(gloss, at: 6)
        try insertConcept.run()
        return db.lastInsertRowID
    }

    /// Adds the word at 1-based `position` of a concept. `folded` is
    /// `foldLemma(word)`, which a bulk importer may compute ahead on other cores.
    public func addLemma(concept: Int64, position: Int, word: String, folded: String? = nil, senseNumber: Int?) throws {
        try insertLemma.bind(concept, at: 1)
        try insertLemma.bind(position, at: 2)
        try insertLemma.bind(taxonomyID, at: 3)
        try insertLemma.bind(word, at: 4)
        try insertLemma.bind(folded ?? foldLemma(word), at: 5)
        try insertLemma.bind(senseNumber, at: 6)
        try insertLemma.run()
    }

    /// Adds a typed edge; word positions are 0 for a relation between concepts.
    public func addEdge(from source: Int64, _ relation: String, to target: Int64, sourceWord: Int = 0, targetWord: Int = 0) throws {
        try insertEdge.bind(source, at: 1)
        try insertEdge.bind(relation, at: 2)
        try insertEdge.bind(target, at: 3)
        try insertEdge.bind(sourceWord, at: 4)
        try insertEdge.bind(targetWord, at: 5)
        try insertEdge.run()
    }
}

/// The lookup form of a word: lower-cased, with spaces written as '_' (as WordNet does).
public func foldLemma(_ word: String) -> String {
    var utf8 = Array(word.utf8)
    guard utf8.allSatisfy({ $0 < 0x80 }) else { return String(word.lowercased().map { $0 == " " ? "_" : $0 }) }
    for index in utf8.indices {  // ASCII, the common case: no Unicode tables needed
        switch utf8[index] {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): utf8[index] += 0x20
        case UInt8(ascii: " "): utf8[index] = UInt8(ascii: "_")
        default: break
        }
    }
    return String(decoding: utf8, as: UTF8.self)
}

extension Store {
    /// Stores an ordered class set over concepts of one taxonomy.
    public func writeClassSet(name: String, taxonomyID: Int64, source: String, concepts: [Int64], replace: Bool) throws {
        try claimName(name, kind: .classSet, replace: replace)
        let row = try db.prepare("INSERT INTO class_set (name, taxonomy_id, source, created_at) VALUES (?, ?, ?, ?)")
        try row.bind([.text(name), .integer(taxonomyID), .text(source), .text(Store.timestamp())])
        try row.run()
        let setID = db.lastInsertRowID
        let member = try db.prepare("INSERT INTO class_member (class_set_id, position, concept_id) VALUES (?, ?, ?)")
        for (position, concept) in concepts.enumerated() {
            try member.bind(setID, at: 1)
            try member.bind(position, at: 2)
            try member.bind(concept, at: 3)
            try member.run()
        }
    }
}

/// Writes one word-vector set.
public final class VectorSetWriter {
    private let db: Database
    private let setID: Int64
    private let insertVector: Statement

    public init(store: Store, name: String, dims: Int, count: Int, format: String, source: String, replace: Bool) throws {
        db = store.db
        try store.claimName(name, kind: .vectorSet, replace: replace)
        let row = try db.prepare(
            "INSERT INTO vector_set (name, dims, count, format, source, imported_at) VALUES (?, ?, ?, ?, ?, ?)")
        try row.bind([.text(name), .integer(Int64(dims)), .integer(Int64(count)), .text(format), .text(source),
                      .text(Store.timestamp())])
        try row.run()
        setID = db.lastInsertRowID
        insertVector = try db.prepare("INSERT INTO vector (vector_set_id, token, data) VALUES (?, ?, ?)")
    }

    /// Adds one token's vector, stored as little-endian float32.
    public func add(token: String, vector: UnsafeBufferPointer<Float>) throws {
        try insertVector.bind(setID, at: 1)
        try insertVector.bind(token, at: 2)
        try insertVector.bindBlob(UnsafeRawBufferPointer(vector), at: 3)
        try insertVector.run()
    }
}
