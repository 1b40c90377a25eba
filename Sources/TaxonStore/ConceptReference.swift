import TaxonModel

/// Concept references as users write them (see `TaxonomyReader.candidates`):
///   - a key: `n02084071` (an ImageNet wnid), or a hierarchy file's id;
///   - an NLTK-style name: `dog.n.01`, or any of the concept's words, `domestic_dog.n.01`;
///   - a word: `dog` (all its senses, noun senses first, most frequent first).
extension SQLiteStore {
    /// Every concept `reference` can mean in the taxonomy, best match first:
    /// an exact key wins outright, then a `word.pos.NN` sense name (which covers
    /// every NLTK-style name, as names are built from a word and its sense
    /// number); otherwise all the senses of a word.
    public func candidates(for reference: String, in taxonomy: TaxonomyInfo) throws -> [Concept] {
        let exact = try db.prepare("SELECT \(Self.conceptColumns) FROM concept c WHERE c.taxonomy_id IN (?, ?) AND c.key = ?")
        try exact.bind([.integer(taxonomy.scope.0), .integer(taxonomy.scope.1), .text(reference)])
        let matches = try readConcepts(exact)
        if !matches.isEmpty { return matches }

        if let (word, pos, sense) = parseSenseName(reference) {
            // 'a' and 's' share one numbering in the index files, as in NLTK.
            let posList = (pos == "a" || pos == "s") ? ["a", "s"] : [pos]
            let statement = try db.prepare("""
                SELECT \(Self.conceptColumns) FROM lemma l JOIN concept c ON c.id = l.concept_id
                WHERE l.taxonomy_id IN (?, ?) AND l.folded = ? AND l.sense_number = ? AND c.pos IN (?, ?)
                GROUP BY c.id ORDER BY c.key
                """)
            try statement.bind([.integer(taxonomy.scope.0), .integer(taxonomy.scope.1), .text(foldLemma(word)), .integer(Int64(sense)),
                                .text(posList[0]), .text(posList.last!)])
            let found = try readConcepts(statement)
            if !found.isEmpty { return found }
        }

        let statement = try db.prepare("""
            SELECT \(Self.conceptColumns) FROM lemma l JOIN concept c ON c.id = l.concept_id
            WHERE l.taxonomy_id IN (?, ?) AND l.folded = ?
            ORDER BY CASE c.pos WHEN 'n' THEN 0 WHEN 'v' THEN 1 WHEN 'a' THEN 2 WHEN 's' THEN 2 WHEN 'r' THEN 3 ELSE 4 END,
                     l.sense_number, c.key
            """)
        try statement.bind([.integer(taxonomy.scope.0), .integer(taxonomy.scope.1), .text(foldLemma(reference))])
        var seen = Set<Int64>()
        return try readConcepts(statement).filter { seen.insert($0.id).inserted }
    }

    /// Concepts with a word starting with `prefix`, best first (see `TaxonomyReader.completions`).
    public func completions(of prefix: String, in taxonomy: TaxonomyInfo, limit: Int) throws -> [(word: String, concept: Concept)] {
        let folded = foldLemma(prefix)
        guard !folded.isEmpty, limit > 0 else { return [] }
        // A range on the lookup index: every folded word that starts with the prefix sorts in
        // [prefix, prefix + U+10FFFF) under SQLite's byte-wise comparison of UTF-8.
        let statement = try db.prepare("""
            SELECT \(Self.conceptColumns), l.word FROM lemma l JOIN concept c ON c.id = l.concept_id
            WHERE l.taxonomy_id IN (?, ?) AND l.folded >= ? AND l.folded < ?
            ORDER BY l.folded <> ?, length(l.folded), c.pos <> 'n', l.folded, l.sense_number, c.key
            LIMIT ?
            """)
        try statement.bind([.integer(taxonomy.scope.0), .integer(taxonomy.scope.1), .text(folded), .text(folded + "\u{10FFFF}"),
                            .text(folded), .integer(Int64(limit) * 4)])
        var seen = Set<Int64>(), found: [(word: String, concept: Concept)] = []
        while try statement.step(), found.count < limit {
            let concept = Self.concept(statement)
            if seen.insert(concept.id).inserted { found.append((statement.text(7), concept)) }
        }
        return found
    }
}
