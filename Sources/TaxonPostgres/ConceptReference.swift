import PostgresNIO
import TaxonModel

/// Concepts by reference, ancestry and the graph the in-memory taxonomy is built from;
/// the same queries and orders as the SQLite store's (see TaxonStore/ConceptReference.swift).
extension PostgresStore {
    /// Every concept `reference` can mean, best match first (see `TaxonomyReader.candidates`).
    public func candidates(for reference: String, in taxonomy: TaxonomyInfo) throws -> [Concept] {
        let (own, base) = taxonomy.scope
        let matches = try concepts(PostgresQuery(unsafeSQL: """
            SELECT \(Self.conceptColumns) FROM concept c WHERE c.taxonomy_id IN ($1, $2) AND c.key = $3
            """, binds: try Self.binds(own, base, reference)))
        if !matches.isEmpty { return matches }

        if let (word, pos, sense) = parseSenseName(reference) {
            // 'a' and 's' share one numbering in the index files, as in NLTK.
            let posList = (pos == "a" || pos == "s") ? ["a", "s"] : [pos]
            let found = try concepts(PostgresQuery(unsafeSQL: """
                SELECT \(Self.conceptColumns) FROM lemma l JOIN concept c ON c.id = l.concept_id
                WHERE l.taxonomy_id IN ($1, $2) AND l.folded = $3 AND l.sense_number = $4 AND c.pos = ANY($5)
                GROUP BY c.id ORDER BY c.key COLLATE "C"
                """, binds: try Self.binds(own, base, foldLemma(word), sense, posList)))
            if !found.isEmpty { return found }
        }

        var seen = Set<Int64>()
        return try concepts(PostgresQuery(unsafeSQL: """
            SELECT \(Self.conceptColumns) FROM lemma l JOIN concept c ON c.id = l.concept_id
            WHERE l.taxonomy_id IN ($1, $2) AND l.folded = $3
            ORDER BY CASE c.pos WHEN 'n' THEN 0 WHEN 'v' THEN 1 WHEN 'a' THEN 2 WHEN 's' THEN 2 WHEN 'r' THEN 3 ELSE 4 END,
                     l.sense_number NULLS FIRST, c.key COLLATE "C"
            """, binds: try Self.binds(own, base, foldLemma(reference)))).filter { seen.insert($0.id).inserted }
    }

    /// Concepts with a word starting with `prefix`, best first (see `TaxonomyReader.completions`).
    public func completions(of prefix: String, in taxonomy: TaxonomyInfo, limit: Int) throws -> [(word: String, concept: Concept)] {
        let folded = foldLemma(prefix)
        guard !folded.isEmpty, limit > 0 else { return [] }
        let (own, base) = taxonomy.scope
        // A prefix match on the text_pattern_ops index, the pattern's own wildcards escaped.
        let pattern = folded.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let rows = try session.query(PostgresQuery(unsafeSQL: """
            SELECT \(Self.conceptColumns), l.word FROM lemma l JOIN concept c ON c.id = l.concept_id
            WHERE l.taxonomy_id IN ($1, $2) AND l.folded LIKE $3
            ORDER BY l.folded <> $4, length(l.folded), (c.pos <> 'n') NULLS FIRST, l.folded COLLATE "C", l.sense_number NULLS FIRST, c.key COLLATE "C"
            LIMIT $5
            """, binds: try Self.binds(own, base, pattern, folded, limit * 4)))
        var seen = Set<Int64>(), found: [(word: String, concept: Concept)] = []
        for row in rows where found.count < limit {
            var cells = RowCells(row)
            let concept = try Self.concept(&cells)
            let word = try cells.next(String.self)
            if seen.insert(concept.id).inserted { found.append((word, concept)) }
        }
        return found
    }

    /// The concept id of each key in one taxonomy (or its base), nil where the key is unknown.
    public func conceptIDs(keys: [String], in taxonomy: TaxonomyInfo) throws -> [Int64?] {
        var ids: [String: Int64] = [:]
        for row in try session.query("""
            SELECT key, id FROM concept WHERE taxonomy_id IN (\(taxonomy.scope.0), \(taxonomy.scope.1)) AND key = ANY(\(Array(Set(keys))))
            """) {
            let (key, id) = try row.decode((String, Int64).self)
            ids[key] = min(ids[key] ?? id, id)
        }
        return keys.map { ids[$0] }
    }

    /// Every ancestor over hypernym and instance-hypernym edges, nearest first.
    public func ancestors(of concept: Concept) throws -> [Ancestor] {
        try session.query(PostgresQuery(unsafeSQL: """
            WITH RECURSIVE up(id, distance) AS (
                SELECT $1::bigint, 0
                UNION
                SELECT e.target_id, up.distance + 1 FROM edge e JOIN up ON e.source_id = up.id
                WHERE e.relation IN ('\(Relations.hypernym)', '\(Relations.instanceHypernym)')
                  AND up.distance < 1000  -- importers refuse cycles; this stops one written by hand
            )
            SELECT \(Self.conceptColumns), min(up.distance) FROM up JOIN concept c ON c.id = up.id
            WHERE up.id <> $1 GROUP BY c.id ORDER BY min(up.distance), c.key COLLATE "C"
            """, binds: try Self.binds(concept.id))).map { row in
            var cells = RowCells(row)
            let concept = try Self.concept(&cells)
            return Ancestor(concept: concept, distance: try cells.next(Int.self))
        }
    }

    /// Concepts in id order and their hypernym and instance-hypernym edges.
    public func taxonomicGraph(of taxonomy: TaxonomyInfo) throws -> TaxonomicGraph {
        var graph = TaxonomicGraph()
        var index: [Int64: Int32] = [:]
        let (own, base) = taxonomy.scope
        for row in try session.query("SELECT id, key, name, pos FROM concept WHERE taxonomy_id IN (\(own), \(base)) ORDER BY id") {
            let (id, key, name, pos) = try row.decode((Int64, String, String?, String?).self)
            index[id] = Int32(graph.keys.count)
            graph.conceptIDs.append(id)
            graph.keys.append(key)
            graph.names.append(name)
            graph.pos.append(pos)
        }
        for row in try session.query("""
            SELECT e.source_id, e.target_id FROM edge e JOIN concept c ON c.id = e.source_id
            WHERE c.taxonomy_id IN (\(own), \(base)) AND e.relation IN (\(Relations.hypernym), \(Relations.instanceHypernym))
            ORDER BY e.source_id, e.relation, e.target_id, e.source_word, e.target_word
            """) {
            let (source, target) = try row.decode((Int64, Int64).self)
            guard let child = index[source], let parent = index[target] else { continue }
            graph.edges.append((child, parent))
        }
        return graph
    }
}
