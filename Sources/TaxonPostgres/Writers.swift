import Foundation
import PostgresNIO
import TaxonModel

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

/// Catalog writes and bulk imports. Bulk writers gather rows and insert them
/// many at a time; `importing` sends what is left before it commits.
extension PostgresStore: ImportStore {
    /// True when an entry of that kind and name exists.
    public func contains(_ kind: CatalogKind, named name: String) throws -> Bool {
        try id(of: kind, named: name) != nil
    }

    func id(of kind: CatalogKind, named name: String) throws -> Int64? {
        try session.scalar(PostgresQuery(unsafeSQL: "SELECT id FROM \(kind.table) WHERE name = $1", binds: try Self.binds(name)), as: Int64.self)
    }

    /// The id of the entry of `kind` named `name`, or `CatalogError.notFound`.
    func requireID(of kind: CatalogKind, named name: String) throws -> Int64 {
        guard let id = try id(of: kind, named: name) else { throw CatalogError.notFound(kind: kind, name: name) }
        return id
    }

    /// Deletes the entry of `kind` named `name` and what depends on it, in one transaction.
    public func delete(_ kind: CatalogKind, named name: String) throws {
        try transaction {
            _ = try requireID(of: kind, named: name)
            try claimName(name, kind: kind, replace: true)
        }
    }

    /// Deletes the entry of `kind` named `name` with everything that depends on it, or throws if it exists
    /// and `replace` is false. The caller holds the transaction.
    func claimName(_ name: String, kind: CatalogKind, replace: Bool) throws {
        try validateName(name, kind: kind)
        guard let id = try id(of: kind, named: name) else { return }
        guard replace else { throw CatalogError.exists(kind: kind, name: name) }
        // Extensions of a taxonomy hold edges into it: they go with it.
        if kind == .taxonomy {
            for row in try session.query("SELECT name FROM taxonomy WHERE base_id = \(id)") {
                try claimName(try row.decode(String.self), kind: .taxonomy, replace: true)
            }
        }
        let classSets: String
        switch kind {
        case .taxonomy: classSets = "SELECT id FROM class_set WHERE taxonomy_id = \(id)"
        case .classSet: classSets = "\(id)"
        case .vectorSet, .embedding, .mapper, .collection: classSets = "NULL"
        }
        let embeddings = kind == .embedding ? "\(id)" : "SELECT id FROM embedding WHERE class_set_id IN (\(classSets))"
        let mappers = kind == .mapper ? "\(id)" : "SELECT id FROM mapper WHERE embedding_id IN (\(embeddings))"
        if let user = try session.query(PostgresQuery(unsafeSQL: """
            SELECT m.name, c.name FROM collection c JOIN mapper m ON m.id = c.mapper_id WHERE m.id IN (\(mappers)) LIMIT 1
            """)).first {
            let (mapper, collection) = try user.decode((String, String).self)
            throw CatalogError.mapperInUse(mapper: mapper, collection: collection)
        }
        // A collection outlives its embedding: its semantic vectors go, its images stay.
        try session.execute("""
            UPDATE image SET embedding = NULL WHERE collection_id IN (SELECT id FROM collection WHERE embedding_id IN (\(embeddings)));
            UPDATE collection SET embedding_id = NULL, generation = generation + 1 WHERE embedding_id IN (\(embeddings));
            DELETE FROM mapper WHERE id IN (\(mappers));
            DELETE FROM embedding WHERE class_set_id IN (\(classSets));
            DELETE FROM class_member WHERE class_set_id IN (\(classSets));
            """)
        switch kind {
        case .taxonomy:
            try session.execute("""
                DELETE FROM class_set WHERE taxonomy_id = \(id);
                DELETE FROM edge WHERE source_id IN (SELECT id FROM concept WHERE taxonomy_id = \(id));
                DELETE FROM lemma WHERE taxonomy_id = \(id);
                DELETE FROM concept WHERE taxonomy_id = \(id);
                """)
        case .vectorSet: try session.execute("DELETE FROM word_vector WHERE vector_set_id = \(id)")
        case .collection:
            try dropIndexes(ofCollection: id)
            try session.execute("DELETE FROM image WHERE collection_id = \(id); DELETE FROM index_job WHERE collection_id = \(id)")
        case .classSet, .embedding, .mapper: break
        }
        try session.execute("DELETE FROM \(kind.table) WHERE id = \(id)")
    }

    /// One transaction; the bulk writers' last rows go before its COMMIT (see `PostgresSession.register`).
    public func importing<T>(_ body: () throws -> T) throws -> T {
        try transaction(body)
    }

    /// A batched writer for one taxonomy; the name is claimed (or replaced) first.
    public func taxonomyWriter(name: String, kind: TaxonomyKind, source: String, base: TaxonomyInfo?, replace: Bool) throws -> any TaxonomyWriting {
        let writer = try PostgresTaxonomyWriter(store: self, name: name, kind: kind, source: source, base: base, replace: replace)
        session.register(writer)
        return writer
    }

    /// A batched writer for one word-vector set; the name is claimed (or replaced) first.
    public func vectorSetWriter(name: String, dims: Int, count: Int, format: String, source: String, replace: Bool) throws -> any VectorSetWriting {
        let writer = try PostgresVectorSetWriter(store: self, name: name, dims: dims, count: count, format: format, source: source, replace: replace)
        session.register(writer)
        return writer
    }

    /// Stores an ordered class set over concepts of one taxonomy.
    public func writeClassSet(name: String, taxonomyID: Int64, source: String, concepts: [Int64], replace: Bool) throws {
        try transaction {
            try claimName(name, kind: .classSet, replace: replace)
            guard let setID = try session.scalar("""
                INSERT INTO class_set (name, taxonomy_id, source, created_at) VALUES (\(name), \(taxonomyID), \(source), \(Self.timestamp())) RETURNING id
                """, as: Int64.self) else { throw PostgresStoreError.corrupt("class set \(name) was not inserted") }
            try session.query("""
                INSERT INTO class_member (class_set_id, position, concept_id)
                SELECT \(setID), member.position - 1, member.concept FROM unnest(\(concepts)::bigint[]) WITH ORDINALITY AS member(concept, position)
                """)
        }
    }
}

/// A bulk writer with rows not yet sent; `flush` is called by the session alone.
protocol PendingRows: AnyObject {
    func flush() throws
}

/// Writes one taxonomy: its row, then concepts, lemmas and edges, a batch at a time. Concept ids are
/// taken from the table's sequence a thousand at a time, so `addConcept` answers without a round trip.
final class PostgresTaxonomyWriter: TaxonomyWriting, PendingRows {
    let taxonomyID: Int64
    private let session: PostgresSession
    private var concepts = RowBatch(table: "concept", columns: ["id", "taxonomy_id", "key", "name", "pos", "lexname", "gloss"])
    private var lemmas = RowBatch(table: "lemma", columns: ["concept_id", "position", "taxonomy_id", "word", "folded", "sense_number"])
    private var edges = RowBatch(table: "edge", columns: ["source_id", "relation", "target_id", "source_word", "target_word"],
                                 onConflict: "DO NOTHING")
    private var freeIDs: ArraySlice<Int64> = []

    init(store: PostgresStore, name: String, kind: TaxonomyKind, source: String, base: TaxonomyInfo?, replace: Bool) throws {
        session = store.session
        try store.claimName(name, kind: .taxonomy, replace: replace)
        guard let id = try session.scalar("""
            INSERT INTO taxonomy (name, kind, source, imported_at, base_id) VALUES (\(name), \(kind.rawValue), \(source), \(PostgresStore.timestamp()), \(base?.id))
            RETURNING id
            """, as: Int64.self) else { throw PostgresStoreError.corrupt("taxonomy \(name) was not inserted") }
        taxonomyID = id
    }

    func addConcept(key: String, name: String?, pos: String?, lexname: String?, gloss: String?) throws -> Int64 {
        if freeIDs.isEmpty {
            freeIDs = try session.query("SELECT nextval(pg_get_serial_sequence('concept', 'id')) FROM generate_series(1, 1000)")
                .map { try $0.decode(Int64.self) }[...]
        }
        let id = freeIDs.removeFirst()
        try concepts.add([id, taxonomyID, key, name, pos, lexname, gloss])
        if concepts.isFull { try session.flushPending() }
        return id
    }

    func addLemma(concept: Int64, position: Int, word: String, folded: String?, senseNumber: Int?) throws {
        try lemmas.add([concept, position, taxonomyID, word, folded ?? foldLemma(word), senseNumber])
        if lemmas.isFull { try session.flushPending() }
    }

    func addEdge(from source: Int64, _ relation: String, to target: Int64, sourceWord: Int, targetWord: Int) throws {
        try edges.add([source, relation, target, sourceWord, targetWord])
        if edges.isFull { try session.flushPending() }
    }

    /// Concepts first: lemmas and edges refer to them.
    func flush() throws {
        try concepts.flush(session)
        try lemmas.flush(session)
        try edges.flush(session)
    }
}

/// Writes one word-vector set, float32 little-endian bytes a token, a batch at a time.
final class PostgresVectorSetWriter: VectorSetWriting, PendingRows {
    private let session: PostgresSession
    private let setID: Int64
    private var vectors = RowBatch(table: "word_vector", columns: ["vector_set_id", "token", "data"])

    init(store: PostgresStore, name: String, dims: Int, count: Int, format: String, source: String, replace: Bool) throws {
        session = store.session
        try store.claimName(name, kind: .vectorSet, replace: replace)
        guard let id = try session.scalar("""
            INSERT INTO vector_set (name, dims, count, format, source, imported_at)
            VALUES (\(name), \(dims), \(count), \(format), \(source), \(PostgresStore.timestamp())) RETURNING id
            """, as: Int64.self) else { throw PostgresStoreError.corrupt("vector set \(name) was not inserted") }
        setID = id
    }

    func add(token: String, vector: UnsafeBufferPointer<Float>) throws {
        try vectors.add([setID, token, Data(buffer: vector)])
        if vectors.isFull { try session.flushPending() }
    }

    func flush() throws { try vectors.flush(session) }
}
