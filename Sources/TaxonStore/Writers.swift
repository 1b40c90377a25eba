import TaxonModel

/// Bulk writers used by the importers. Each is used inside `importing`, so
/// that a failed import leaves the store unchanged.

/// Our own table names: safe to put into SQL text.
extension CatalogKind {
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

extension SQLiteStore {
    /// True when a taxonomy, class set or vector set of that name exists.
    public func contains(_ kind: CatalogKind, named name: String) throws -> Bool {
        try db.scalarInt("SELECT id FROM \(kind.table) WHERE name = ?", [.text(name)]) != nil
    }

    /// Deletes the entry of `kind` named `name` and what depends on it, in one transaction.
    public func delete(_ kind: CatalogKind, named name: String) throws {
        try importing {
            guard try contains(kind, named: name) else { throw CatalogError.notFound(kind: kind, name: name) }
            try claimName(name, kind: kind, replace: true)
        }
    }

    /// Deletes the entry of `kind` named `name` with everything that depends on
    /// it, or throws if it exists and `replace` is false.
    func claimName(_ name: String, kind: CatalogKind, replace: Bool) throws {
        try validateName(name, kind: kind)
        guard let id = try db.scalarInt("SELECT id FROM \(kind.table) WHERE name = ?", [.text(name)]) else { return }
        guard replace else { throw CatalogError.exists(kind: kind, name: name) }
        // Extensions of a taxonomy hold edges into it: they go with it.
        if kind == .taxonomy {
            let extensions = try db.prepare("SELECT name FROM taxonomy WHERE base_id = ?")
            try extensions.bind(id, at: 1)
            var names: [String] = []
            while try extensions.step() { names.append(extensions.text(0)) }
            for extensionName in names { try claimName(extensionName, kind: .taxonomy, replace: true) }
        }
        // Dependants first, explicitly: imports run with foreign-key cascades off.
        let classSets: String
        switch kind {
        case .taxonomy: classSets = "SELECT id FROM class_set WHERE taxonomy_id = \(id)"
        case .classSet: classSets = "\(id)"
        case .vectorSet, .embedding, .mapper, .collection: classSets = "NULL"
        }
        let embeddings = kind == .embedding ? "\(id)" : "SELECT id FROM embedding WHERE class_set_id IN (\(classSets))"
        let mappers = kind == .mapper ? "\(id)" : "SELECT id FROM mapper WHERE embedding_id IN (\(embeddings))"
        let users = try db.prepare("SELECT m.name, c.name FROM collection c JOIN mapper m ON m.id = c.mapper_id WHERE m.id IN (\(mappers)) LIMIT 1")
        if try users.step() { throw CatalogError.mapperInUse(mapper: users.text(0), collection: users.text(1)) }
        // A collection outlives its embedding: its semantic vectors go, its images stay.
        try db.execute("""
            UPDATE image SET embedding = NULL WHERE collection_id IN (SELECT id FROM collection WHERE embedding_id IN (\(embeddings)));
            UPDATE collection SET embedding_id = NULL, generation = generation + 1 WHERE embedding_id IN (\(embeddings));
            DELETE FROM mapper WHERE id IN (\(mappers));
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
        case .collection: try db.execute("DELETE FROM image WHERE collection_id = \(id); DELETE FROM index_job WHERE collection_id = \(id)")
        case .embedding, .mapper: break
        }
        try db.execute("DELETE FROM \(kind.table) WHERE id = \(id)")
    }
}

/// Writes one taxonomy: its row, then concepts, lemmas and edges.
final class SQLiteTaxonomyWriter: TaxonomyWriting {
    public let taxonomyID: Int64
    private let db: Database
    private let insertConcept: Statement
    private let insertLemma: Statement
    private let insertEdge: Statement

    init(store: SQLiteStore, name: String, kind: TaxonomyKind, source: String, base: TaxonomyInfo?, replace: Bool) throws {
        db = store.db
        try store.claimName(name, kind: .taxonomy, replace: replace)
        let row = try db.prepare("INSERT INTO taxonomy (name, kind, source, imported_at, base_id) VALUES (?, ?, ?, ?, ?)")
        try row.bind([.text(name), .text(kind.rawValue), .text(source), .text(SQLiteStore.timestamp()), base.map { .integer($0.id) } ?? .null])
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
    public func addLemma(concept: Int64, position: Int, word: String, folded: String?, senseNumber: Int?) throws {
        try insertLemma.bind(concept, at: 1)
        try insertLemma.bind(position, at: 2)
        try insertLemma.bind(taxonomyID, at: 3)
        try insertLemma.bind(word, at: 4)
        try insertLemma.bind(folded ?? foldLemma(word), at: 5)
        try insertLemma.bind(senseNumber, at: 6)
        try insertLemma.run()
    }

    /// Adds a typed edge; word positions are 0 for a relation between concepts.
    public func addEdge(from source: Int64, _ relation: String, to target: Int64, sourceWord: Int, targetWord: Int) throws {
        try insertEdge.bind(source, at: 1)
        try insertEdge.bind(relation, at: 2)
        try insertEdge.bind(target, at: 3)
        try insertEdge.bind(sourceWord, at: 4)
        try insertEdge.bind(targetWord, at: 5)
        try insertEdge.run()
    }
}

extension SQLiteStore {
    /// Stores an ordered class set over concepts of one taxonomy.
    public func writeClassSet(name: String, taxonomyID: Int64, source: String, concepts: [Int64], replace: Bool) throws {
        try claimName(name, kind: .classSet, replace: replace)
        let row = try db.prepare("INSERT INTO class_set (name, taxonomy_id, source, created_at) VALUES (?, ?, ?, ?)")
        try row.bind([.text(name), .integer(taxonomyID), .text(source), .text(SQLiteStore.timestamp())])
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
final class SQLiteVectorSetWriter: VectorSetWriting {
    private let db: Database
    private let setID: Int64
    private let insertVector: Statement

    init(store: SQLiteStore, name: String, dims: Int, count: Int, format: String, source: String, replace: Bool) throws {
        db = store.db
        try store.claimName(name, kind: .vectorSet, replace: replace)
        let row = try db.prepare(
            "INSERT INTO vector_set (name, dims, count, format, source, imported_at) VALUES (?, ?, ?, ?, ?, ?)")
        try row.bind([.text(name), .integer(Int64(dims)), .integer(Int64(count)), .text(format), .text(source),
                      .text(SQLiteStore.timestamp())])
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
