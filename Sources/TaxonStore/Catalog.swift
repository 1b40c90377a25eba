import TaxonModel

/// Read queries over the store: what is in it, and single concepts with their
/// words and edges.
extension SQLiteStore {
    /// Every taxonomy with its concept and edge counts (counting scans the tables: for listings).
    public func taxonomies() throws -> [TaxonomyInfo] {
        try readTaxonomies(counts: true)
    }

    private func readTaxonomies(counts: Bool) throws -> [TaxonomyInfo] {
        let countColumns = counts
            ? """
              (SELECT count(*) FROM concept c WHERE c.taxonomy_id = t.id),
              (SELECT count(*) FROM edge e JOIN concept c ON c.id = e.source_id WHERE c.taxonomy_id = t.id)
              """
            : "-1, -1"
        let statement = try db.prepare(
            "SELECT t.id, t.name, t.kind, t.source, t.imported_at, \(countColumns), t.base_id, b.name FROM taxonomy t "
            + "LEFT JOIN taxonomy b ON b.id = t.base_id ORDER BY t.name")
        var result: [TaxonomyInfo] = []
        while try statement.step() {
            result.append(TaxonomyInfo(
                id: statement.int64(0), name: statement.text(1), kind: TaxonomyKind(rawValue: statement.text(2)) ?? .hierarchy, source: statement.text(3),
                importedAt: statement.text(4), concepts: statement.int(5), edges: statement.int(6),
                base: statement.optionalText(8), baseID: statement.isNull(7) ? nil : statement.int64(7)))
        }
        return result
    }

    /// Every class set with its size.
    public func classSets() throws -> [ClassSetInfo] {
        let statement = try db.prepare("""
            SELECT s.id, s.name, t.name, (SELECT count(*) FROM class_member m WHERE m.class_set_id = s.id),
                   s.source, s.created_at
            FROM class_set s JOIN taxonomy t ON t.id = s.taxonomy_id ORDER BY s.name
            """)
        var result: [ClassSetInfo] = []
        while try statement.step() {
            result.append(ClassSetInfo(
                id: statement.int64(0), name: statement.text(1), taxonomy: statement.text(2), classes: statement.int(3),
                source: statement.text(4), createdAt: statement.text(5)))
        }
        return result
    }

    /// Every word-vector set.
    public func vectorSets() throws -> [VectorSetInfo] {
        let statement = try db.prepare(
            "SELECT id, name, dims, count, format, source, imported_at FROM vector_set ORDER BY name")
        var result: [VectorSetInfo] = []
        while try statement.step() {
            result.append(VectorSetInfo(
                id: statement.int64(0), name: statement.text(1), dims: statement.int(2), count: statement.int(3),
                format: statement.text(4), source: statement.text(5), importedAt: statement.text(6)))
        }
        return result
    }

    /// The taxonomy called `name`; without a name, `wordnet` if present, else the
    /// only one. Its counts are not read (-1): lookups must stay fast.
    public func taxonomy(named name: String?) throws -> TaxonomyInfo {
        let all = try readTaxonomies(counts: false)
        if let name {
            guard let found = all.first(where: { $0.name == name }) else {
                throw CatalogError.notFound(kind: .taxonomy, name: name)
            }
            return found
        }
        if let wordnet = all.first(where: { $0.name == "wordnet" }) { return wordnet }
        if all.count == 1 { return all[0] }
        if all.isEmpty { throw CatalogError.notFound(kind: .taxonomy, name: "wordnet") }
        throw ReferenceError.taxonomyRequired(available: all.map(\.name))
    }

    /// The class set of that name, or `CatalogError.notFound`.
    public func classSet(named name: String) throws -> ClassSetInfo {
        guard let found = try classSets().first(where: { $0.name == name }) else { throw CatalogError.notFound(kind: .classSet, name: name) }
        return found
    }

    /// The concepts of a class set, in class-index order.
    public func classMembers(of classSet: String) throws -> [Concept] {
        guard let setID = try db.scalarInt("SELECT id FROM class_set WHERE name = ?", [.text(classSet)]) else {
            throw CatalogError.notFound(kind: .classSet, name: classSet)
        }
        let statement = try db.prepare("""
            SELECT \(Self.conceptColumns) FROM class_member m JOIN concept c ON c.id = m.concept_id
            WHERE m.class_set_id = ? ORDER BY m.position
            """)
        try statement.bind(setID, at: 1)
        return try readConcepts(statement)
    }

    // MARK: single concepts

    static let conceptColumns = "c.id, c.taxonomy_id, c.key, c.name, c.pos, c.lexname, c.gloss"

    func readConcepts(_ statement: Statement, offset: Int32 = 0) throws -> [Concept] {
        var result: [Concept] = []
        while try statement.step() { result.append(Self.concept(statement, offset: offset)) }
        return result
    }

    static func concept(_ s: Statement, offset: Int32 = 0) -> Concept {
        Concept(
            id: s.int64(offset), taxonomyID: s.int64(offset + 1), key: s.text(offset + 2), name: s.optionalText(offset + 3),
            pos: s.optionalText(offset + 4), lexname: s.optionalText(offset + 5), gloss: s.optionalText(offset + 6))
    }

    /// The concept with that id, if any.
    public func concept(id: Int64) throws -> Concept? {
        let statement = try db.prepare("SELECT \(Self.conceptColumns) FROM concept c WHERE c.id = ?")
        try statement.bind(id, at: 1)
        return try readConcepts(statement).first
    }

    /// The concept's words in their order.
    public func lemmas(of concept: Concept) throws -> [Lemma] {
        let statement = try db.prepare("SELECT word, sense_number FROM lemma WHERE concept_id = ? ORDER BY position")
        try statement.bind(concept.id, at: 1)
        var result: [Lemma] = []
        while try statement.step() { result.append(Lemma(word: statement.text(0), senseNumber: statement.optionalInt(1))) }
        return result
    }

    /// Edges leaving `concept`, in relation order then target key.
    public func outgoing(from concept: Concept) throws -> [Relation] {
        try relations(concept, sql: """
            SELECT e.relation, e.source_word, e.target_word, \(Self.conceptColumns)
            FROM edge e JOIN concept c ON c.id = e.target_id WHERE e.source_id = ?
            ORDER BY e.relation, c.key, e.source_word, e.target_word
            """)
    }

    /// Edges of the given relations arriving at `concept` (children, for hypernym edges).
    public func incoming(to concept: Concept, relations names: [String]) throws -> [Relation] {
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        return try relations(concept, sql: """
            SELECT e.relation, e.target_word, e.source_word, \(Self.conceptColumns)
            FROM edge e JOIN concept c ON c.id = e.source_id WHERE e.target_id = ? AND e.relation IN (\(placeholders))
            ORDER BY e.relation, c.key
            """, extra: names.map { .text($0) })
    }

    private func relations(_ concept: Concept, sql: String, extra: [SQLValue] = []) throws -> [Relation] {
        let statement = try db.prepare(sql)
        try statement.bind([.integer(concept.id)] + extra)
        var result: [Relation] = []
        while try statement.step() {
            let sourceWord = statement.int(1), targetWord = statement.int(2)
            result.append(Relation(
                relation: statement.text(0), concept: Self.concept(statement, offset: 3),
                sourceWord: sourceWord == 0 ? nil : sourceWord, targetWord: targetWord == 0 ? nil : targetWord))
        }
        return result
    }

    /// Every ancestor over hypernym and instance-hypernym edges, nearest first.
    public func ancestors(of concept: Concept) throws -> [Ancestor] {
        let statement = try db.prepare("""
            WITH RECURSIVE up(id, distance) AS (
                SELECT ?, 0
                UNION
                SELECT e.target_id, up.distance + 1 FROM edge e JOIN up ON e.source_id = up.id
                WHERE e.relation IN ('\(Relations.hypernym)', '\(Relations.instanceHypernym)')
                  AND up.distance < 1000  -- importers refuse cycles; this stops one written by hand
            )
            SELECT min(up.distance), \(Self.conceptColumns) FROM up JOIN concept c ON c.id = up.id
            WHERE up.id != ? GROUP BY up.id ORDER BY min(up.distance), c.key
            """)
        try statement.bind([.integer(concept.id), .integer(concept.id)])
        var result: [Ancestor] = []
        while try statement.step() {
            result.append(Ancestor(concept: Self.concept(statement, offset: 1), distance: statement.int(0)))
        }
        return result
    }
}


extension SQLiteStore {
    /// The concept id of each key in one taxonomy (or its base), nil where the key is unknown.
    public func conceptIDs(keys: [String], in taxonomy: TaxonomyInfo) throws -> [Int64?] {
        let statement = try db.prepare("SELECT id FROM concept WHERE taxonomy_id IN (?, ?) AND key = ?")
        return try keys.map { key in
            defer { statement.reset() }
            try statement.bind(taxonomy.scope.0, at: 1)
            try statement.bind(taxonomy.scope.1, at: 2)
            try statement.bind(key, at: 3)
            return try statement.step() ? statement.int64(0) : nil
        }
    }
}


extension SQLiteStore {
    /// Concepts in id order and their hypernym and instance-hypernym edges (what `Taxonomy.load` needs).
    public func taxonomicGraph(of taxonomy: TaxonomyInfo) throws -> TaxonomicGraph {
        var graph = TaxonomicGraph()
        var index: [Int64: Int32] = [:]
        let concepts = try db.prepare("SELECT id, key, name, pos FROM concept WHERE taxonomy_id IN (?, ?) ORDER BY id")
        try concepts.bind([.integer(taxonomy.scope.0), .integer(taxonomy.scope.1)])
        while try concepts.step() {
            index[concepts.int64(0)] = Int32(graph.keys.count)
            graph.conceptIDs.append(concepts.int64(0))
            graph.keys.append(concepts.text(1))
            graph.names.append(concepts.optionalText(2))
            graph.pos.append(concepts.optionalText(3))
        }
        let edges = try db.prepare("""
            SELECT e.source_id, e.target_id FROM edge e JOIN concept c ON c.id = e.source_id
            WHERE c.taxonomy_id IN (?, ?) AND e.relation IN ('\(Relations.hypernym)', '\(Relations.instanceHypernym)')
            """)
        try edges.bind([.integer(taxonomy.scope.0), .integer(taxonomy.scope.1)])
        while try edges.step() {
            guard let child = index[edges.int64(0)], let parent = index[edges.int64(1)] else { continue }
            graph.edges.append((child, parent))
        }
        return graph
    }
}

extension SQLiteStore {
    /// The vectors of those tokens the set has (exact, case-sensitive match).
    public func vectors(for tokens: some Sequence<String>, in set: VectorSetInfo) throws -> [String: [Float]] {
        let statement = try db.prepare("SELECT data FROM vector WHERE vector_set_id = ? AND token = ?")
        var found: [String: [Float]] = [:]
        for token in Set(tokens) {
            defer { statement.reset() }
            try statement.bind(set.id, at: 1)
            try statement.bind(token, at: 2)
            guard try statement.step() else { continue }
            found[token] = SQLiteStore.floats(statement.blob(0))
        }
        return found
    }
}

extension SQLiteStore {
    /// Every concept, word and edge of the taxonomy's own, for copying it whole.
    public func rows(of taxonomy: TaxonomyInfo) throws -> TaxonomyRows {
        var rows = TaxonomyRows()
        let concepts = try db.prepare("SELECT \(Self.conceptColumns) FROM concept c WHERE c.taxonomy_id = ? ORDER BY c.id")
        try concepts.bind(taxonomy.id, at: 1)
        rows.concepts = try readConcepts(concepts)
        let lemmas = try db.prepare("SELECT concept_id, position, word, folded, sense_number FROM lemma WHERE taxonomy_id = ? ORDER BY concept_id, position")
        try lemmas.bind(taxonomy.id, at: 1)
        while try lemmas.step() {
            rows.lemmas.append(LemmaRow(concept: lemmas.int64(0), position: lemmas.int(1), word: lemmas.text(2), folded: lemmas.text(3),
                                        senseNumber: lemmas.optionalInt(4)))
        }
        let edges = try db.prepare("""
            SELECT e.source_id, e.relation, e.target_id, e.source_word, e.target_word FROM edge e JOIN concept c ON c.id = e.source_id
            WHERE c.taxonomy_id = ? ORDER BY e.source_id, e.relation, e.target_id, e.source_word, e.target_word
            """)
        try edges.bind(taxonomy.id, at: 1)
        while try edges.step() {
            rows.edges.append(EdgeRow(source: edges.int64(0), relation: edges.text(1), target: edges.int64(2), sourceWord: edges.int(3),
                                      targetWord: edges.int(4)))
        }
        return rows
    }

    /// Every token of the set, sorted by their UTF-8 bytes.
    public func tokens(in set: VectorSetInfo) throws -> [String] {
        let statement = try db.prepare("SELECT token FROM vector WHERE vector_set_id = ? ORDER BY token")
        try statement.bind(set.id, at: 1)
        var tokens: [String] = []
        while try statement.step() { tokens.append(statement.text(0)) }
        return tokens
    }
}

