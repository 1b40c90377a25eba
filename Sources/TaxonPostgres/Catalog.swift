import Foundation
import PostgresNIO
import TaxonModel

/// Read queries: what the store holds, and single concepts with their words
/// and edges. Text is ordered with COLLATE "C" — byte order, as SQLite orders
/// it — so both backends list the same things in the same order whatever the
/// database's locale.
extension PostgresStore: TaxonomyReader, ClassSetStore, VectorSetReader {
    /// Every taxonomy with its concept and edge counts.
    public func taxonomies() throws -> [TaxonomyInfo] { try readTaxonomies(counts: true) }

    private func readTaxonomies(counts: Bool) throws -> [TaxonomyInfo] {
        let countColumns = counts
            ? """
              (SELECT count(*) FROM concept c WHERE c.taxonomy_id = t.id),
              (SELECT count(*) FROM edge e JOIN concept c ON c.id = e.source_id WHERE c.taxonomy_id = t.id)
              """
            : "-1::bigint, -1::bigint"
        return try session.query(PostgresQuery(unsafeSQL: """
            SELECT t.id, t.name, t.kind, t.source, t.imported_at, \(countColumns), t.base_id, b.name FROM taxonomy t
            LEFT JOIN taxonomy b ON b.id = t.base_id ORDER BY t.name COLLATE "C"
            """)).map { row in
            let (id, name, kind, source, imported, concepts, edges, baseID, base) =
                try row.decode((Int64, String, String, String, String, Int, Int, Int64?, String?).self)
            return TaxonomyInfo(id: id, name: name, kind: TaxonomyKind(rawValue: kind) ?? .hierarchy, source: source, importedAt: imported,
                                concepts: concepts, edges: edges, base: base, baseID: baseID)
        }
    }

    /// The taxonomy called `name`; without a name, `wordnet` if present, else the only one (counts not read).
    public func taxonomy(named name: String?) throws -> TaxonomyInfo {
        let all = try readTaxonomies(counts: false)
        if let name {
            guard let found = all.first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .taxonomy, name: name) }
            return found
        }
        if let wordnet = all.first(where: { $0.name == "wordnet" }) { return wordnet }
        if all.count == 1 { return all[0] }
        if all.isEmpty { throw CatalogError.notFound(kind: .taxonomy, name: "wordnet") }
        throw ReferenceError.taxonomyRequired(available: all.map(\.name))
    }

    /// Every class set with its size.
    public func classSets() throws -> [ClassSetInfo] {
        try session.query("""
            SELECT s.id, s.name, t.name, (SELECT count(*) FROM class_member m WHERE m.class_set_id = s.id), s.source, s.created_at
            FROM class_set s JOIN taxonomy t ON t.id = s.taxonomy_id ORDER BY s.name COLLATE "C"
            """).map { row in
            let (id, name, taxonomy, classes, source, created) = try row.decode((Int64, String, String, Int, String, String).self)
            return ClassSetInfo(id: id, name: name, taxonomy: taxonomy, classes: classes, source: source, createdAt: created)
        }
    }

    /// The class set of that name, or `CatalogError.notFound`.
    public func classSet(named name: String) throws -> ClassSetInfo {
        guard let found = try classSets().first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .classSet, name: name) }
        return found
    }

    /// The concepts of a class set, in class-index order.
    public func classMembers(of classSet: String) throws -> [Concept] {
        guard let setID = try session.scalar("SELECT id FROM class_set WHERE name = \(classSet)", as: Int64.self) else {
            throw CatalogError.notFound(kind: .classSet, name: classSet)
        }
        return try concepts(PostgresQuery(unsafeSQL: """
            SELECT \(Self.conceptColumns) FROM class_member m JOIN concept c ON c.id = m.concept_id
            WHERE m.class_set_id = $1 ORDER BY m.position
            """, binds: try Self.binds(setID)))
    }

    /// Every word-vector set.
    public func vectorSets() throws -> [VectorSetInfo] {
        try session.query("SELECT id, name, dims, count, format, source, imported_at FROM vector_set ORDER BY name COLLATE \"C\"").map { row in
            let (id, name, dims, count, format, source, imported) = try row.decode((Int64, String, Int, Int, String, String, String).self)
            return VectorSetInfo(id: id, name: name, dims: dims, count: count, format: format, source: source, importedAt: imported)
        }
    }

    /// The vectors of those tokens the set has (exact, case-sensitive match).
    public func vectors(for tokens: some Sequence<String>, in set: VectorSetInfo) throws -> [String: [Float]] {
        var found: [String: [Float]] = [:]
        for row in try session.query("SELECT token, data FROM word_vector WHERE vector_set_id = \(set.id) AND token = ANY(\(Array(Set(tokens))))") {
            let (token, data) = try row.decode((String, Data).self)
            found[token] = try Self.floats(data)
        }
        return found
    }

    /// Every token of the set, sorted by their UTF-8 bytes.
    public func tokens(in set: VectorSetInfo) throws -> [String] {
        try session.query("SELECT token FROM word_vector WHERE vector_set_id = \(set.id) ORDER BY token COLLATE \"C\"").map { try $0.decode(String.self) }
    }

    /// Every concept, word and edge of the taxonomy's own, for copying it whole.
    public func rows(of taxonomy: TaxonomyInfo) throws -> TaxonomyRows {
        var rows = TaxonomyRows()
        rows.concepts = try concepts(PostgresQuery(unsafeSQL: "SELECT \(Self.conceptColumns) FROM concept c WHERE c.taxonomy_id = $1 ORDER BY c.id",
                                                   binds: try Self.binds(taxonomy.id)))
        rows.lemmas = try session.query("""
            SELECT concept_id, position, word, folded, sense_number FROM lemma WHERE taxonomy_id = \(taxonomy.id) ORDER BY concept_id, position
            """).map { row in
            let (concept, position, word, folded, sense) = try row.decode((Int64, Int, String, String, Int?).self)
            return LemmaRow(concept: concept, position: position, word: word, folded: folded, senseNumber: sense)
        }
        rows.edges = try session.query("""
            SELECT e.source_id, e.relation, e.target_id, e.source_word, e.target_word FROM edge e JOIN concept c ON c.id = e.source_id
            WHERE c.taxonomy_id = \(taxonomy.id) ORDER BY e.source_id, e.relation COLLATE "C", e.target_id, e.source_word, e.target_word
            """).map { row in
            let (source, relation, target, sourceWord, targetWord) = try row.decode((Int64, String, Int64, Int, Int).self)
            return EdgeRow(source: source, relation: relation, target: target, sourceWord: sourceWord, targetWord: targetWord)
        }
        return rows
    }

    // MARK: single concepts

    static let conceptColumns = "c.id, c.taxonomy_id, c.key, c.name, c.pos, c.lexname, c.gloss"

    /// Bindings for a statement written with $1, $2 … by hand.
    static func binds(_ values: any PostgresThrowingDynamicTypeEncodable...) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { try bindings.append(value) }
        return bindings
    }

    /// The concepts a statement selects with `conceptColumns` first.
    func concepts(_ query: PostgresQuery) throws -> [Concept] {
        try session.query(query).map { try Self.concept($0) }
    }

    static func concept(_ row: PostgresRow) throws -> Concept {
        var cells = RowCells(row)
        return try concept(&cells)
    }

    /// A concept from the next seven cells (`conceptColumns`).
    static func concept(_ cells: inout RowCells) throws -> Concept {
        Concept(id: try cells.next(Int64.self), taxonomyID: try cells.next(Int64.self), key: try cells.next(String.self),
                name: try cells.next(String?.self), pos: try cells.next(String?.self), lexname: try cells.next(String?.self),
                gloss: try cells.next(String?.self))
    }

    /// The concept with that id, if any.
    public func concept(id: Int64) throws -> Concept? {
        try concepts(PostgresQuery(unsafeSQL: "SELECT \(Self.conceptColumns) FROM concept c WHERE c.id = $1", binds: try Self.binds(id))).first
    }

    /// The concept's words in their order.
    public func lemmas(of concept: Concept) throws -> [Lemma] {
        try session.query("SELECT word, sense_number FROM lemma WHERE concept_id = \(concept.id) ORDER BY position").map { row in
            let (word, sense) = try row.decode((String, Int?).self)
            return Lemma(word: word, senseNumber: sense)
        }
    }

    /// Edges leaving `concept`, in relation order then target key.
    public func outgoing(from concept: Concept) throws -> [Relation] {
        try relations(PostgresQuery(unsafeSQL: """
            SELECT \(Self.conceptColumns), e.relation, e.source_word, e.target_word
            FROM edge e JOIN concept c ON c.id = e.target_id WHERE e.source_id = $1
            ORDER BY e.relation COLLATE "C", c.key COLLATE "C", e.source_word, e.target_word
            """, binds: try Self.binds(concept.id)))
    }

    /// Edges of the given relations arriving at `concept`.
    public func incoming(to concept: Concept, relations names: [String]) throws -> [Relation] {
        try relations(PostgresQuery(unsafeSQL: """
            SELECT \(Self.conceptColumns), e.relation, e.target_word, e.source_word
            FROM edge e JOIN concept c ON c.id = e.source_id WHERE e.target_id = $1 AND e.relation = ANY($2)
            ORDER BY e.relation COLLATE "C", c.key COLLATE "C"
            """, binds: try Self.binds(concept.id, names)))
    }

    /// Rows of the concept columns, then relation, the source's word and the target's word.
    private func relations(_ query: PostgresQuery) throws -> [Relation] {
        try session.query(query).map { row in
            var cells = RowCells(row)
            let concept = try Self.concept(&cells)
            let (relation, sourceWord, targetWord) = (try cells.next(String.self), try cells.next(Int.self), try cells.next(Int.self))
            return Relation(relation: relation, concept: concept, sourceWord: sourceWord == 0 ? nil : sourceWord,
                            targetWord: targetWord == 0 ? nil : targetWord)
        }
    }
}

/// A row's cells read in order, for rows wider than one decode call takes comfortably.
struct RowCells {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    mutating func next<T: PostgresDecodable>(_ type: T.Type) throws -> T {
        guard let cell = cells.next() else { throw PostgresStoreError.corrupt("a row with fewer columns than expected") }
        return try cell.decode(T.self)
    }
}
